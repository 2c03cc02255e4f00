// SPDX-License-Identifier: MIT
#pragma once

#include "store/ChunkCodec.h"

#include <QSqlDatabase>
#include <QStringList>
#include <QVariantList>
#include <functional>
#include <vector>

namespace dmr::console {

// Table metric_chunks: a device's closed two-hour windows of system_metrics
// and network_metrics rows, each window of each table one compact BLOB
// (ChunkCodec). The rows a chunk replaced are gone from their table; a chunk
// decodes to exactly them. Recent reports stay rows until their window closes
// (Compactor), so what the writer commits is durable at once, as before.
class ChunkTable
{
public:
    enum class Kind { System = 1, Network = 2 };

    static constexpr qint64 kWindowMs = 2 * 3600 * 1000;
    static qint64 windowOf(qint64 tsMs)
    {
        return tsMs - ((tsMs % kWindowMs) + kWindowMs) % kWindowMs;
    }
    static QString table() { return QStringLiteral("metric_chunks"); }
    static QString rowTable(Kind kind);
    // The row table's columns a chunk holds, ts first, in StoreReader's order
    // (then the system table's run_id and sequence).
    static const QStringList &columns(Kind kind);
    // How many of columns() readers see: run_id and sequence are kept, not shown.
    static int readerColumns(Kind kind);
    // Rows ordered for encoding: by time, network rows by interface first, so
    // that each column's neighbours are one series' neighbours.
    static ColumnBlock toBlock(Kind kind, std::vector<QVariantList> rows);
    static std::vector<QVariantList> toRows(Kind kind, const ColumnBlock &block);
    // Orders rows as readers want them: by time, then interface.
    static void sortForReaders(Kind kind, std::vector<QVariantList> *rows);

    static QStringList createStatements();

    // Calls row() with each row of [fromMs, toMs) of one device, from its
    // chunks and its row table together, ordered by time (network rows then
    // by interface), a window at a time, so that a year never sits in
    // memory. row() returns false to stop. Reads only the first
    // readerColumns() columns' worth of each row.
    static bool forEachRow(const QSqlDatabase &db, Kind kind, qint64 deviceId, qint64 fromMs,
        qint64 toMs, const std::function<bool(const QVariantList &)> &row, QString *error);
};

} // namespace dmr::console
