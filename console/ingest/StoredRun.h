// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/SequenceWindow.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace dmr::console {

// What is on disk of one agent run: what an acknowledgement tells the agent.
// The store writer reports it after each transaction; the acknowledger,
// upstream of the store, only reads it, so it lives here with ingest's types.
struct StoredRun
{
    QString deviceId;
    quint32 runId = 0;
    SequenceWindow window;
};

} // namespace dmr::console

Q_DECLARE_METATYPE(QList<dmr::console::StoredRun>)
