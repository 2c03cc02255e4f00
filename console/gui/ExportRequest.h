// SPDX-License-Identifier: MIT
#pragma once

#include "store/Tier.h"

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <optional>

namespace dmr::console {

// What to export: devices, a time range, which columns, in which format.
struct ExportRequest
{
    enum class Format { Csv, Json };

    QStringList uuids; // empty: every device
    qint64 fromMs = 0;
    qint64 toMs = 0; // exclusive
    QStringList systemMetrics; // system_metrics columns, DESIGN.md's names
    bool network = false; // also the interfaces' rows
    Format format = Format::Csv;
    // Raw rows or a rollup tier's buckets (min, max, avg per metric);
    // none: the finest tier that holds every chosen device's range.
    std::optional<Tier> tier;
    // CSV: system rows go here, network rows to "<name>-network.csv" beside it
    // (two tables, two headers). JSON: one document with both per device.
    QString path;
};

} // namespace dmr::console

Q_DECLARE_METATYPE(dmr::console::ExportRequest)
