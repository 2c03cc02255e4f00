// SPDX-License-Identifier: MIT
#pragma once

#include "store/HistorySeries.h"
#include "store/StoreReader.h"

#include <QList>
#include <QMetaType>
#include <QPointF>
#include <QString>
#include <QStringList>

namespace dmr::console {

// What a device view asks the store for: every chart of one device over
// [fromMs, toMs), in at most `columns` pixel columns.
struct HistoryRequest
{
    quint64 generation = 0; // answers to older requests are dropped
    QString uuid;
    qint64 fromMs = 0;
    qint64 toMs = 0;
    int columns = 800;
};

struct HistoryResult
{
    quint64 generation = 0;
    QString uuid;
    qint64 fromMs = 0;
    qint64 toMs = 0;
    bool network = false; // false: the system series; true: interface rates
    QList<HistorySeries> series;
    QString resolution; // the tier that answered: "raw", "minute" or "hour"
    qint64 elapsedMs = 0; // time spent on the worker
};

// A board's hardware over a request's range (HardwarePanel).
struct HardwareResult
{
    quint64 generation = 0;
    QString uuid;
    qint64 fromMs = 0;
    qint64 toMs = 0;
    QList<HardwareRow> rows; // oldest first
};

} // namespace dmr::console

Q_DECLARE_METATYPE(dmr::console::HistoryRequest)
Q_DECLARE_METATYPE(dmr::console::HardwareResult)
Q_DECLARE_METATYPE(dmr::console::HistoryResult)
