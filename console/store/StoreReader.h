// SPDX-License-Identifier: MIT
#pragma once

#include "store/ChunkTable.h"
#include "store/DeviceOverview.h"
#include "store/HistorySeries.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QVariantList>
#include <functional>
#include <optional>

class QSqlQuery;

namespace dmr::console {

// One bucket of a downsampled series: min and max keep the spikes a chart
// must show, avg the trend; first/last time bound where the bucket's samples lie.
struct HistoryBucket
{
    qint64 firstTs = 0;
    qint64 lastTs = 0;
    double min = 0;
    double max = 0;
    double avg = 0;
    qint64 count = 0;
};

// One hardware_metrics row: a report's time and its board's hardware.
struct HardwareRow
{
    qint64 ts = 0;
    dmr::HardwareSample hardware;
};

// A page of hardware rows, and how many rows of it could not be decoded
// (left out and logged: a record this console cannot read must not hide the
// rest).
struct HardwareHistory
{
    QList<HardwareRow> rows;
    int skipped = 0;
    // Rows read, decodable or not, and the time of the last: where the next
    // page starts (after it) when read == the limit.
    int read = 0;
    qint64 lastTs = 0;
};

// What the database holds, for `metrics-console db stats`.
struct StoreStats
{
    struct Part
    {
        QString name; // "raw rows", "raw chunks", "minute rows", ...
        qint64 rows = 0; // samples it holds (a chunk counts its rows)
        qint64 bytes = 0; // pages of its tables and indexes
        qint64 oldestTs = 0;
        qint64 newestTs = 0;
    };
    qint64 fileBytes = 0; // the database file and its WAL
    qint64 freeBytes = 0; // free pages inside the file
    qint64 reports = 0; // system samples stored, rows and chunks
    QList<Part> parts;
    // Per tier ("raw", "minute", "hour"): its system rows (a report, a
    // device-minute, a device-hour), its bytes (row tables' pages and chunks'
    // BLOBs) and the span of its samples.
    QList<Part> tiers;
};

// The read side of the store: every query the REST API, the window's store
// worker and its exporter make, on a read-only connection of its own that
// never leaves this class. One instance per thread (QtSql connections belong
// to the thread that opened them); never used by the writer. Portable SQL.
//
// Histories come in two shapes from one scan: the REST API's buckets of one
// metric (history()) and the window's charts, min/max per pixel column of
// every charted metric (systemChart(), networkChart()). Both read raw rows
// bucketed in SQL while a bucket is shorter than a minute, and the
// per-minute rollups (MinuteRollup::placement) when it is longer.
class StoreReader
{
public:
    // One stored row, with the columns of systemColumns() or networkColumns();
    // returns false to stop early. It is called in the middle of a read
    // (and its transaction): it must not use this reader.
    using Row = std::function<bool(const QVariantList &row)>;

    // The system_metrics columns a history can be asked for.
    static const QStringList &systemMetrics();
    // The series systemChart returns, in this order.
    static const QStringList &chartedMetrics();
    static QStringList systemColumns(); // names of a system Row's values, ts first
    static QStringList networkColumns(); // names of a network Row's values, ts first

    StoreReader(QString databasePath, QString connectionName);
    ~StoreReader();
    StoreReader(const StoreReader &) = delete;
    StoreReader &operator=(const StoreReader &) = delete;

    bool open(QString *error);
    // A database other consoles may write too (PostgreSQL).
    bool isShared() const;

    // Every device with its newest system values and interfaces, sorted by
    // hostname, then device_id.
    std::optional<QList<DeviceOverview>> devices(QString *error);
    // nullopt with an empty error: no such device.
    std::optional<DeviceOverview> device(const QString &uuid, QString *error);
    // Every device with its newest system values (no interfaces) in one
    // statement: a fleet of 10,000 in one round trip, for the device table.
    std::optional<QList<DeviceOverview>> fleet(QString *error);
    // The interfaces of each (devices.id, ts) report, in one statement.
    std::optional<QHash<qint64, std::vector<dmr::InterfaceSample>>> interfacesOf(
        const QList<QPair<qint64, qint64>> &reports, QString *error);
    // How many devices are stored; the health check's probe of the database.
    std::optional<qint64> deviceCount(QString *error);
    // Sizes and spans of every part of the store. Reads every page (SQLite's
    // dbstat): for the operator's command, not for a scrape.
    std::optional<StoreStats> stats(QString *error);
    // The file's size, its free pages and each tier's size and span (no
    // parts): cheap enough for /metrics and /api/stats, as its index seeks
    // and the row tables hold only what is not compacted yet.
    std::optional<StoreStats> sizes(QString *error);

    // `metric` over [fromMs, toMs) in at most `buckets` equal time buckets;
    // empty buckets are left out.
    // *resolution, when given, says which tier answered: "raw", "minute" or "hour".
    std::optional<QList<HistoryBucket>> history(qint64 deviceId, const QString &metric,
        qint64 fromMs, qint64 toMs, int buckets, QString *error, QString *resolution = nullptr);
    // min/max of every charted system metric per column.
    std::optional<QList<HistorySeries>> systemChart(qint64 deviceId, qint64 fromMs, qint64 toMs,
        int columns, QString *error, QString *resolution = nullptr);
    // RX and TX bytes/s of every interface, min/max per column; a counter
    // that goes backwards gives no rate for that step.
    std::optional<QList<HistorySeries>> networkChart(qint64 deviceId, qint64 fromMs, qint64 toMs,
        int columns, QString *error, QString *resolution = nullptr);

    // Rows of `table` (system_metrics or network_metrics) a device has in the range.
    std::optional<qint64> countRows(
        const QString &table, qint64 deviceId, qint64 fromMs, qint64 toMs, QString *error);
    // Streams the rows over [fromMs, toMs) in time order (network rows: then
    // by interface), without holding them all. Returns false on a database error.
    bool forEachSystemRow(
        qint64 deviceId, qint64 fromMs, qint64 toMs, const Row &row, QString *error);
    bool forEachNetworkRow(
        qint64 deviceId, qint64 fromMs, qint64 toMs, const Row &row, QString *error);
    // One page of those rows, at most `limit`, after the last one of the page
    // before (keyset pagination: each page is an index seek, and no read
    // stays open between pages). The first page starts after fromMs - 1.
    bool systemPage(
        qint64 deviceId, qint64 afterTs, qint64 toMs, int limit, const Row &row, QString *error);
    bool networkPage(qint64 deviceId, qint64 afterTs, const QString &afterInterface, qint64 toMs,
        int limit, const Row &row, QString *error);
    // The same pages of a rollup tier (minute or hour), system or network
    // rows with ChunkTable::columns() of its kind, buckets starting after
    // afterTs (network: after (afterTs, afterInterface)) and before toMs.
    bool rollupPage(Tier tier, bool network, qint64 deviceId, qint64 afterTs,
        const QString &afterInterface, qint64 toMs, int limit, const Row &row, QString *error);
    // The finest tier, from `finest` on, that still holds the device's
    // history from fromMs: a coarser one where retention took the finer's
    // part of the range and the coarser one reaches further back.
    std::optional<Tier> coveringTier(qint64 deviceId, qint64 fromMs, Tier finest, QString *error);

    // The device's hardware rows over [fromMs, toMs), oldest first, at most
    // `limit` (a page: the next starts after the last row's ts). With
    // `spread`, at most `limit` rows spread over the whole range instead, the
    // newest of each of `limit` equal slices (for charts; no paging). An
    // unknown uuid has none.
    std::optional<HardwareHistory> hardwareHistory(const QString &uuid, qint64 fromMs, qint64 toMs,
        int limit, QString *error, bool spread = false);
    // The device's newest decodable hardware row; nullopt with an empty
    // error when it has none (an agent before 0.2.0, an unknown uuid).
    std::optional<HardwareRow> latestHardware(const QString &uuid, QString *error);

private:
    // Each device's labels (device_labels), into DeviceOverview::labels.
    bool fillLabels(QList<DeviceOverview> *devices, QString *error);

public:
private:
    // Open, or opened again after the PostgreSQL server went away; false
    // with the reason while it stays away.
    bool usable(QString *error);
    bool fillLatest(DeviceOverview *overview, QString *error);
    std::optional<QList<HistoryBucket>> historyByRollup(Tier tier, qint64 deviceId,
        const QString &metric, qint64 fromMs, qint64 toMs, int buckets, QString *error);
    std::optional<QList<HistorySeries>> systemChartByRollup(
        Tier tier, qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error);
    std::optional<QList<HistorySeries>> networkChartByRollup(
        Tier tier, qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error);
    // system_metrics grouped into `buckets` over [fromMs, toMs): the bucket
    // index, then `aggregates` (", MIN(x), MAX(x)..."), in bucket order.
    bool execBuckets(QSqlQuery &query, const QString &aggregates, qint64 deviceId, qint64 fromMs,
        qint64 toMs, int buckets, QString *error);
    // The rows of a rollup kind that [fromMs, toMs) touches, merged, in time
    // order, with ChunkTable::columns(kind).
    bool forEachRollupRow(ChunkTable::Kind kind, qint64 deviceId, qint64 fromMs, qint64 toMs,
        const Row &row, QString *error);
    // ChunkTable::forEachRow on this connection, in a read transaction.
    bool forEachChunkedRow(ChunkTable::Kind kind, qint64 deviceId, qint64 fromMs, qint64 toMs,
        const Row &row, QString *error);
    // Which tier answers buckets of the range: the one whose buckets fit
    // (raw under a minute, minutes under an hour, else hours), or a coarser
    // one where that one's history of the range has gone (retention) and the
    // coarser one reaches further back.
    std::optional<Tier> tierFor(
        qint64 deviceId, qint64 fromMs, qint64 toMs, int buckets, QString *error);
    // Whether closed windows (chunks) hold any of the device's rows in the
    // range; the rows alone are read in SQL when not.
    std::optional<bool> hasChunks(
        ChunkTable::Kind kind, qint64 deviceId, qint64 fromMs, qint64 toMs, QString *error);

    QString m_path;
    QString m_connectionName;
    QSqlDatabase m_db;
};

} // namespace dmr::console
