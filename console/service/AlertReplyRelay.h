// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/AlertRequest.h"

#include <QObject>

namespace dmr::console {

// Carries one alerting reply from the alerting thread to whoever asked, by a
// queued connection to the asker: Qt drops it when the asker is deleted
// first, which a pointer checked on another thread cannot promise.
class AlertReplyRelay : public QObject
{
    Q_OBJECT
signals:
    void answered(const dmr::console::AlertReply &reply);
};

} // namespace dmr::console
