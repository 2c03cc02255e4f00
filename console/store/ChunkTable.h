// SPDX-License-Identifier: MIT
#pragma once

#include "store/ChunkCodec.h"
#include "store/Tier.h"

#include <QSqlDatabase>
#include <QStringList>
#include <QVariantList>
#include <functional>
#include <vector>

namespace dmr::console {

// Table metric_chunks: a device's closed windows of history, each window of
// each table one compact BLOB (ChunkCodec): two hours of system_metrics and
// network_metrics rows, a day of the minute rollups, thirty days of the hour
// rollups. The rows a chunk replaced are gone from their table; a raw chunk
// decodes to exactly them, a rollup chunk to them with sums and rates rounded
// to hundredths (what adding hundredths in floating point leaves over).
// Recent reports stay rows until their window closes (Compactor), so what the
// writer commits is durable at once, as before.
class ChunkTable
{
public:
    enum class Kind {
        System = 1,
        Network = 2,
        SystemMinute = 3,
        NetworkMinute = 4,
        SystemHour = 5,
        NetworkHour = 6,
    };

    static constexpr qint64 kWindowMs = 2 * 3600 * 1000; // raw windows
    static qint64 windowOf(qint64 tsMs) { return windowOf(Kind::System, tsMs); }
    static qint64 windowMs(Kind kind);
    static qint64 windowOf(Kind kind, qint64 tsMs)
    {
        const qint64 window = windowMs(kind);
        return tsMs - ((tsMs % window) + window) % window;
    }
    static Kind kindOf(Tier tier, bool network)
    {
        return Kind(1 + 2 * int(tier) + (network ? 1 : 0));
    }
    static Tier tierOf(Kind kind) { return Tier((int(kind) - 1) / 2); }
    static bool isNetwork(Kind kind) { return int(kind) % 2 == 0; }
    static bool isRollup(Kind kind) { return tierOf(kind) != Tier::Raw; }
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
    // Rollup rows, sorted for readers: rows of the same bucket (and
    // interface), from a chunk and from a late report beside it, become one.
    static void mergeDuplicates(Kind kind, std::vector<QVariantList> *rows);

    static QStringList createStatements();
    // Migration 6: an index for the fleet-wide oldest window of a kind.
    static QStringList kindIndexStatements();

    // Calls row() with each row of [fromMs, toMs) of one device, from its
    // chunks and its row table together, ordered by time (network rows then
    // by interface), a window at a time, so that a year never sits in
    // memory. row() returns false to stop. Reads only the first
    // readerColumns() columns' worth of each row.
    // No read is open while row() runs, nor while another statement does
    // (QPSQL would drop its rows): the chunks' keys are read first, each
    // BLOB and each window's rows when their turn comes. Those are several
    // statements: run it in a transaction that keeps one snapshot, as
    // StoreReader does, or rows that Compactor moves into a chunk meanwhile
    // can be missed.
    static bool forEachRow(const QSqlDatabase &db, Kind kind, qint64 deviceId, qint64 fromMs,
        qint64 toMs, const std::function<bool(const QVariantList &)> &row, QString *error);
};

} // namespace dmr::console
