// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QPointF>
#include <QString>

namespace dmr::console {

// One chart line: a metric or an interface's rate, at most two points a
// column (Downsampler), as StoreReader's chart queries return it.
struct HistorySeries
{
    QString name; // "cpu_percent", "load_1", "eth0 rx" ...
    QList<QPointF> points; // x: ms since the epoch
};

} // namespace dmr::console
