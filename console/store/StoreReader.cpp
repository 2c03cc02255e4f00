// SPDX-License-Identifier: MIT
#include "store/StoreReader.h"

#include "dmr/Codec.h"
#include "store/Downsampler.h"
#include "store/HardwareTable.h"
#include "store/NetworkRollup.h"
#include "store/SqlConnection.h"
#include "store/StoreLogging.h"
#include "store/SystemFields.h"
#include "store/SystemRollup.h"

#include <QFileInfo>
#include <QHash>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace dmr::console {

namespace {

// What a reader shows of a `devices` row, in deviceFromQuery's order. The
// run's sequence state (run_id, last_sequence, ...) is the writer's: it
// restores it itself (Database::loadDevices), and no reader shows it.
const char kDeviceColumns[] = "id, uuid, device_id, hostname, agent_version, interval_seconds,"
                              " created_at, updated_at, last_seen, reports_received, reports_lost,"
                              " display_name";
constexpr int kDeviceColumnCount = 12;

// The one mapping of a `devices` row: kDeviceColumns from value `first` on.
DeviceOverview deviceFromQuery(const QSqlQuery &query, int first = 0)
{
    const auto value = [&](int i) { return query.value(first + i); };
    DeviceOverview overview;
    overview.id = value(0).toLongLong();
    DeviceSnapshot &d = overview.device;
    d.uuid = value(1).toString();
    d.deviceId = value(2).toString();
    d.hostname = value(3).toString();
    d.agentVersion = value(4).toString();
    d.intervalSeconds = value(5).toUInt();
    d.createdAt = value(6).toLongLong();
    d.updatedAt = value(7).toLongLong();
    d.lastSeen = value(8).toLongLong();
    d.reportsReceived = value(9).toULongLong();
    d.reportsLost = value(10).toULongLong();
    overview.displayName = value(11).toString();
    return overview;
}

// kDeviceColumns of table alias `alias`.
QString deviceColumns(const QString &alias)
{
    QStringList columns = QString::fromLatin1(kDeviceColumns).split(QStringLiteral(", "));
    for (QString &column : columns)
        column.prepend(alias + QLatin1Char('.'));
    return columns.join(QStringLiteral(", "));
}

QString failure(const QSqlQuery &query)
{
    return query.lastError().text();
}

// The coarsest tier whose buckets are no longer than the range's: buckets of
// a minute or more are read from the minutes (a sixtieth of the rows at one
// report a second), of an hour or more from the hours.
Tier tierOfBuckets(qint64 fromMs, qint64 toMs, int buckets)
{
    Tier tier = Tier::Raw;
    for (Tier rollup : Tiers::kRollups) {
        if (toMs - fromMs >= qint64(buckets) * Tiers::bucketMs(rollup))
            tier = rollup;
    }
    return tier;
}

// Where `name` is in a chunk kind's columns (a Row's values).
int columnOf(ChunkTable::Kind kind, const QString &name)
{
    return int(ChunkTable::columns(kind).indexOf(name));
}

// A row's (min, max) pairs, one per charted metric from value `first` on,
// into `column` of each metric's sampler.
void addExtremes(std::vector<Downsampler> &samplers, const QSqlQuery &query, int column, int first)
{
    for (std::size_t i = 0; i < samplers.size(); ++i) {
        samplers[i].addColumn(column, query.value(first + int(2 * i)).toDouble(),
            query.value(first + 1 + int(2 * i)).toDouble());
    }
}

// The first and last sample time of a rollup row.
struct Span
{
    int first;
    int last;
    std::optional<qint64> placement(const QVariantList &row, qint64 fromMs, qint64 toMs) const
    {
        return SystemRollup::placement(
            row.at(first).toLongLong(), row.at(last).toLongLong(), fromMs, toMs);
    }
};

Span spanOf(ChunkTable::Kind kind)
{
    return {columnOf(kind, QStringLiteral("first_ts")), columnOf(kind, QStringLiteral("last_ts"))};
}

QList<HistorySeries> chartedSeries(const std::vector<Downsampler> &samplers)
{
    QList<HistorySeries> series;
    for (int i = 0; i < StoreReader::chartedMetrics().size(); ++i)
        series.append({StoreReader::chartedMetrics().at(i), samplers[std::size_t(i)].points()});
    return series;
}

// One interface's RX and TX rate series, and its previous sample while
// rates are computed from raw counters.
struct InterfaceRates
{
    Downsampler rx;
    Downsampler tx;
    qint64 lastTs = -1;
    quint64 lastRx = 0;
    quint64 lastTx = 0;
};

InterfaceRates &ratesOf(std::map<QString, InterfaceRates> *perInterface, const QString &name,
    qint64 fromMs, qint64 toMs, int columns)
{
    auto it = perInterface->find(name);
    if (it == perInterface->end()) {
        it = perInterface
                 ->emplace(name,
                     InterfaceRates {
                         Downsampler(fromMs, toMs, columns), Downsampler(fromMs, toMs, columns)})
                 .first;
    }
    return it->second;
}

QList<HistorySeries> interfaceSeries(const std::map<QString, InterfaceRates> &perInterface)
{
    QList<HistorySeries> series;
    for (const auto &[name, i] : perInterface) {
        series.append({name + QStringLiteral(" rx"), i.rx.points()});
        series.append({name + QStringLiteral(" tx"), i.tx.points()});
    }
    return series;
}

} // namespace

const QStringList &StoreReader::systemMetrics()
{
    return SystemFields::names();
}

const QStringList &StoreReader::chartedMetrics()
{
    static const QStringList metrics = {QStringLiteral("cpu_percent"),
        QStringLiteral("memory_percent"), QStringLiteral("disk_percent"), QStringLiteral("load_1"),
        QStringLiteral("load_5"), QStringLiteral("load_15")};
    return metrics;
}

QStringList StoreReader::systemColumns()
{
    return QStringList {QStringLiteral("ts")} + systemMetrics();
}

QStringList StoreReader::networkColumns()
{
    return {QStringLiteral("ts"), QStringLiteral("interface"), QStringLiteral("ip_address"),
        QStringLiteral("mac_address"), QStringLiteral("rx_bytes"), QStringLiteral("tx_bytes"),
        QStringLiteral("rx_packets"), QStringLiteral("tx_packets")};
}

StoreReader::StoreReader(QString databasePath, QString connectionName)
    : m_path(std::move(databasePath))
    , m_connectionName(std::move(connectionName))
{ }

StoreReader::~StoreReader()
{
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool StoreReader::open(QString *error)
{
    m_db = SqlConnection::open(m_path, m_connectionName, SqlConnection::Access::ReadOnly, error);
    return m_db.isValid();
}

bool StoreReader::isShared() const
{
    return SqlConnection::isPostgres(m_db);
}

bool StoreReader::usable(QString *error)
{
    // QPSQL closes a connection whose server went away at its first failed
    // statement: the read that saw it failed, the next one reconnects.
    if (!SqlConnection::isPostgres(m_db) || m_db.isOpen())
        return true;
    if (!SqlConnection::reopen(m_db, SqlConnection::Access::ReadOnly, error)) {
        *error = QStringLiteral("database connection lost: %1").arg(*error);
        return false;
    }
    return true;
}

// Devices

bool StoreReader::fillLatest(DeviceOverview *overview, QString *error)
{
    QSqlQuery system(m_db);
    system.setForwardOnly(true);
    system.prepare(QStringLiteral("SELECT ") + systemColumns().join(QStringLiteral(", "))
        + QStringLiteral(" FROM system_metrics WHERE device = ? ORDER BY ts DESC LIMIT 1"));
    system.addBindValue(overview->id);
    if (!system.exec()) {
        *error = failure(system);
        return false;
    }
    if (!system.next())
        return true;
    overview->latestTs = system.value(0).toLongLong();
    overview->system = SystemFields::fromQuery(system, 1);

    QSqlQuery network(m_db);
    network.setForwardOnly(true);
    network.prepare(QStringLiteral("SELECT ") + networkColumns().join(QStringLiteral(", "))
        + QStringLiteral(" FROM network_metrics WHERE device = ? AND ts = ? ORDER BY interface"));
    network.addBindValue(overview->id);
    network.addBindValue(overview->latestTs);
    if (!network.exec()) {
        *error = failure(network);
        return false;
    }
    while (network.next()) {
        dmr::InterfaceSample sample;
        sample.name = network.value(1).toString().toStdString();
        sample.ipAddress = network.value(2).toString().toStdString();
        sample.macAddress = network.value(3).toString().toStdString();
        sample.rxBytes = network.value(4).toULongLong();
        sample.txBytes = network.value(5).toULongLong();
        sample.rxPackets = network.value(6).toULongLong();
        sample.txPackets = network.value(7).toULongLong();
        overview->interfaces.push_back(std::move(sample));
    }
    return true;
}

bool StoreReader::fillLabels(QList<DeviceOverview> *devices, QString *error)
{
    if (!SqlConnection::hasTable(m_db, QStringLiteral("device_labels")))
        return true; // opened before migration 8
    QHash<qint64, qsizetype> index;
    for (qsizetype i = 0; i < devices->size(); ++i)
        index.insert(devices->at(i).id, i);
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT device, name, value FROM device_labels"))) {
        *error = failure(query);
        return false;
    }
    while (query.next()) {
        const auto at = index.constFind(query.value(0).toLongLong());
        if (at != index.cend())
            (*devices)[*at].labels.insert(query.value(1).toString(), query.value(2).toString());
    }
    return true;
}

std::optional<QList<DeviceOverview>> StoreReader::devices(QString *error)
{
    if (!usable(error))
        return std::nullopt;
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT %1 FROM devices ORDER BY hostname, device_id")
                        .arg(QLatin1String(kDeviceColumns)))) {
        *error = failure(query);
        return std::nullopt;
    }
    QList<DeviceOverview> list;
    while (query.next())
        list.append(deviceFromQuery(query));
    for (DeviceOverview &overview : list) {
        if (!fillLatest(&overview, error))
            return std::nullopt;
    }
    if (!fillLabels(&list, error))
        return std::nullopt;
    return list;
}

std::optional<DeviceOverview> StoreReader::device(const QString &uuid, QString *error)
{
    if (!usable(error))
        return std::nullopt;
    error->clear();
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(
        QStringLiteral("SELECT %1 FROM devices WHERE uuid = ?").arg(QLatin1String(kDeviceColumns)));
    query.addBindValue(uuid);
    if (!query.exec()) {
        *error = failure(query);
        return std::nullopt;
    }
    if (!query.next())
        return std::nullopt;
    QList<DeviceOverview> one {deviceFromQuery(query)};
    if (!fillLatest(&one.first(), error) || !fillLabels(&one, error))
        return std::nullopt;
    return one.first();
}

std::optional<QList<DeviceOverview>> StoreReader::fleet(QString *error)
{
    if (!usable(error))
        return std::nullopt;
    // The newest row per device is one index seek on (device, ts).
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    QStringList system;
    for (const QString &field : SystemFields::names())
        system << QStringLiteral("s.") + field;
    static const QString devices = deviceColumns(QStringLiteral("d"));
    if (!query.exec(QStringLiteral(
            "SELECT %1, s.ts, %2"
            " FROM devices d LEFT JOIN system_metrics s ON s.device = d.id"
            " AND s.ts = (SELECT MAX(m.ts) FROM system_metrics m WHERE m.device = d.id)")
                        .arg(devices, system.join(QStringLiteral(", "))))) {
        *error = failure(query);
        return std::nullopt;
    }
    QList<DeviceOverview> rows;
    QSet<qint64> seen; // two samples of one device may share the newest ts
    while (query.next()) {
        const qint64 id = query.value(0).toLongLong();
        if (seen.contains(id))
            continue;
        seen.insert(id);
        DeviceOverview row = deviceFromQuery(query);
        if (!query.isNull(kDeviceColumnCount)) {
            row.latestTs = query.value(kDeviceColumnCount).toLongLong();
            row.system = SystemFields::fromQuery(query, kDeviceColumnCount + 1);
        }
        rows.append(row);
    }
    if (!fillLabels(&rows, error))
        return std::nullopt;
    return rows;
}

std::optional<QHash<qint64, std::vector<dmr::InterfaceSample>>> StoreReader::interfacesOf(
    const QList<QPair<qint64, qint64>> &reports, QString *error)
{
    QHash<qint64, std::vector<dmr::InterfaceSample>> interfaces;
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    // Numbers only, so written into the statement: a few hundred pairs a
    // statement instead of a round trip each.
    constexpr qsizetype kPairs = 500;
    for (qsizetype from = 0; from < reports.size(); from += kPairs) {
        QStringList pairs;
        for (qsizetype i = from; i < std::min(reports.size(), from + kPairs); ++i)
            pairs << QStringLiteral("(%1, %2)").arg(reports[i].first).arg(reports[i].second);
        if (!query.exec(QStringLiteral("SELECT device, ")
                + networkColumns().mid(1).join(QStringLiteral(", "))
                + QStringLiteral(" FROM network_metrics WHERE (device, ts) IN (VALUES %1)"
                                 " ORDER BY device, interface")
                      .arg(pairs.join(QStringLiteral(", "))))) {
            *error = failure(query);
            return std::nullopt;
        }
        while (query.next()) {
            dmr::InterfaceSample sample;
            sample.name = query.value(1).toString().toStdString();
            sample.ipAddress = query.value(2).toString().toStdString();
            sample.macAddress = query.value(3).toString().toStdString();
            sample.rxBytes = query.value(4).toULongLong();
            sample.txBytes = query.value(5).toULongLong();
            sample.rxPackets = query.value(6).toULongLong();
            sample.txPackets = query.value(7).toULongLong();
            interfaces[query.value(0).toLongLong()].push_back(std::move(sample));
        }
        query.finish();
    }
    return interfaces;
}

std::optional<qint64> StoreReader::deviceCount(QString *error)
{
    if (!usable(error))
        return std::nullopt;
    QSqlQuery query(m_db);
    bool ok = query.exec(QStringLiteral("SELECT COUNT(*) FROM devices")) && query.next();
    // The health check's probe: a server that restarted since the last one
    // is a reconnect and a second try, not an outage.
    if (!ok && SqlConnection::isConnectionLost(m_db, query.lastError())) {
        query = QSqlQuery();
        if (!usable(error))
            return std::nullopt;
        query = QSqlQuery(m_db);
        ok = query.exec(QStringLiteral("SELECT COUNT(*) FROM devices")) && query.next();
    }
    if (!ok) {
        *error = failure(query);
        return std::nullopt;
    }
    return query.value(0).toLongLong();
}

std::optional<StoreStats> StoreReader::sizes(QString *error)
{
    if (!usable(error))
        return std::nullopt;
    QSqlQuery query(m_db);
    StoreStats stats;
    const bool postgres = SqlConnection::isPostgres(m_db);
    if (postgres) {
        // The server's: what this schema's tables take; free space is the
        // server's business (autovacuum), not a file's.
        if (!SqlConnection::usedBytes(m_db, &stats.fileBytes, error))
            return std::nullopt;
    } else {
        qint64 values[2] = {0, 0};
        const char *const pragmas[2] = {"PRAGMA page_size", "PRAGMA freelist_count"};
        for (int i = 0; i < 2; ++i) {
            if (!query.exec(QString::fromLatin1(pragmas[i])) || !query.next()) {
                *error = failure(query);
                return std::nullopt;
            }
            values[i] = query.value(0).toLongLong();
            query.finish();
        }
        stats.freeBytes = values[0] * values[1];
        stats.fileBytes
            = QFileInfo(m_path).size() + QFileInfo(m_path + QStringLiteral("-wal")).size();
    }
    query.setForwardOnly(true);
    for (Tier tier : Tiers::kAll) {
        StoreStats::Part part;
        part.name = Tiers::name(tier);
        const ChunkTable::Kind system = ChunkTable::kindOf(tier, false);
        const ChunkTable::Kind network = ChunkTable::kindOf(tier, true);
        const QString span = tier == Tier::Raw ? QStringLiteral("MIN(ts), MAX(ts)")
                                               : QStringLiteral("MIN(first_ts), MAX(last_ts)");
        // The rows not compacted yet, then the chunks by the (kind, start_ts)
        // index, their BLOBs' lengths without reading their pages.
        const QString rowSql
            = QStringLiteral("SELECT COUNT(*), %1 FROM %2").arg(span, ChunkTable::rowTable(system));
        if (!query.exec(rowSql) || !query.next()) {
            *error = failure(query);
            return std::nullopt;
        }
        part.rows = query.value(0).toLongLong();
        std::optional<qint64> oldest, newest;
        if (!query.isNull(1)) {
            oldest = query.value(1).toLongLong();
            newest = query.value(2).toLongLong();
        }
        query.finish();
        if (!query.exec(QStringLiteral("SELECT (SELECT SUM(row_count) FROM %1 WHERE kind = %2),"
                                       " (SELECT SUM(LENGTH(data)) FROM %1 WHERE kind IN (%2, %3)),"
                                       " (SELECT first_ts FROM %1 WHERE kind = %2"
                                       " ORDER BY start_ts LIMIT 1),"
                                       " (SELECT last_ts FROM %1 WHERE kind = %2"
                                       " ORDER BY start_ts DESC LIMIT 1)")
                            .arg(ChunkTable::table())
                            .arg(int(system))
                            .arg(int(network)))
            || !query.next()) {
            *error = failure(query);
            return std::nullopt;
        }
        part.rows += query.value(0).toLongLong();
        part.bytes = query.value(1).toLongLong();
        if (!query.isNull(2)) {
            oldest = oldest ? std::min(*oldest, query.value(2).toLongLong())
                            : query.value(2).toLongLong();
            newest = newest ? std::max(*newest, query.value(3).toLongLong())
                            : query.value(3).toLongLong();
        }
        query.finish();
        // The row tables' pages with their indexes'.
        for (const QString &name : {ChunkTable::rowTable(system), ChunkTable::rowTable(network)}) {
            qint64 bytes = 0;
            if (!SqlConnection::tableBytes(m_db, name, &bytes, error))
                return std::nullopt;
            part.bytes += bytes;
        }
        part.oldestTs = oldest.value_or(0);
        part.newestTs = newest.value_or(0);
        stats.tiers.append(part);
    }
    return stats;
}

std::optional<StoreStats> StoreReader::stats(QString *error)
{
    if (!usable(error))
        return std::nullopt;
    std::optional<StoreStats> sized = sizes(error);
    if (!sized)
        return std::nullopt;
    StoreStats stats = *sized;
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    auto one = [&](const QString &sql) -> std::optional<QVariantList> {
        if (!query.exec(sql) || !query.next()) {
            *error = QStringLiteral("%1: %2").arg(sql, failure(query));
            return std::nullopt;
        }
        QVariantList values;
        for (int i = 0; i < query.record().count(); ++i)
            values.append(query.value(i));
        query.finish();
        return values;
    };
    // Bytes per table and index, and which tables make a part.
    QHash<QString, qint64> bytes;
    const bool postgres = SqlConnection::isPostgres(m_db);
    if (postgres) {
        // Each table of this schema with its partitions and indexes.
        if (!query.exec(QStringLiteral(
                "SELECT c.relname, (SELECT COALESCE(SUM(pg_total_relation_size(t.relid)), 0)"
                " FROM pg_partition_tree(c.oid) t) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
                " AND NOT c.relispartition"))) {
            *error = QStringLiteral("table sizes: %1").arg(failure(query));
            return std::nullopt;
        }
    } else if (!query.exec(QStringLiteral("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))) {
        *error = QStringLiteral("dbstat: %1").arg(failure(query));
        return std::nullopt;
    }
    while (query.next())
        bytes.insert(query.value(0).toString(), query.value(1).toLongLong());
    query.finish();
    // A table's pages with its indexes': a raw table's (device, ts) index,
    // a rollup's primary key, the chunk table's two.
    auto bytesOf = [&bytes](const QString &table) {
        qint64 sum = 0;
        for (auto it = bytes.cbegin(); it != bytes.cend(); ++it) {
            if (it.key() == table || it.key() == table + QStringLiteral("_device_ts")
                || it.key() == QStringLiteral("sqlite_autoindex_%1_1").arg(table)
                || (table == ChunkTable::table() && it.key().startsWith(table + QLatin1Char('_'))))
                sum += it.value();
        }
        return sum;
    };
    struct Source
    {
        const char *name;
        QString table;
        QString rows; // what counts the samples
    };
    // Each tier's rows and chunks, system and network apart. A chunk part's
    // bytes are its BLOBs; the table's pages beyond them are "chunk table".
    for (Tier tier : Tiers::kAll) {
        for (bool network : {false, true}) {
            const ChunkTable::Kind kind = ChunkTable::kindOf(tier, network);
            const QString prefix
                = (network ? QStringLiteral("network ") : QString()) + Tiers::name(tier);
            const QString table = ChunkTable::rowTable(kind);
            StoreStats::Part rows;
            rows.name = prefix + QStringLiteral(" rows");
            const auto rowValues
                = one(QStringLiteral("SELECT COUNT(*), MIN(ts), MAX(ts) FROM %1").arg(table));
            if (!rowValues)
                return std::nullopt;
            rows.rows = rowValues->at(0).toLongLong();
            rows.oldestTs = rowValues->at(1).toLongLong();
            rows.newestTs = rowValues->at(2).toLongLong();
            rows.bytes = bytesOf(table);
            StoreStats::Part chunked;
            chunked.name = prefix + QStringLiteral(" chunks");
            const auto chunkValues = one(QStringLiteral("SELECT SUM(row_count), MIN(first_ts),"
                                                        " MAX(last_ts), SUM(LENGTH(data))"
                                                        " FROM %1 WHERE kind = %2")
                                             .arg(ChunkTable::table())
                                             .arg(int(kind)));
            if (!chunkValues)
                return std::nullopt;
            chunked.rows = chunkValues->at(0).toLongLong();
            chunked.oldestTs = chunkValues->at(1).toLongLong();
            chunked.newestTs = chunkValues->at(2).toLongLong();
            chunked.bytes = chunkValues->at(3).toLongLong();
            if (tier == Tier::Raw && !network)
                stats.reports += rows.rows + chunked.rows;
            stats.parts.append(rows);
            stats.parts.append(chunked);
        }
    }
    qint64 blobs = 0;
    for (const StoreStats::Part &part : std::as_const(stats.parts)) {
        if (part.name.endsWith(QLatin1String(" chunks")))
            blobs += part.bytes;
    }
    StoreStats::Part overhead;
    overhead.name = QStringLiteral("chunk table");
    overhead.bytes = std::max<qint64>(0, bytesOf(ChunkTable::table()) - blobs);
    stats.parts.append(overhead);
    return stats;
}

// Histories

bool StoreReader::execBuckets(QSqlQuery &query, const QString &aggregates, qint64 deviceId,
    qint64 fromMs, qint64 toMs, int buckets, QString *error)
{
    // Bucket arithmetic in integers, the same in SQLite and PostgreSQL, and
    // the same as Downsampler::columnOf, so both agree on borders.
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT (ts - ?) * ? / ? AS bucket%1 FROM system_metrics"
                                 " WHERE device = ? AND ts >= ? AND ts < ?"
                                 " GROUP BY bucket ORDER BY bucket")
                      .arg(aggregates));
    query.addBindValue(fromMs);
    query.addBindValue(qint64(buckets));
    query.addBindValue(toMs - fromMs);
    query.addBindValue(deviceId);
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    if (!query.exec()) {
        *error = failure(query);
        return false;
    }
    return true;
}

bool StoreReader::forEachRollupRow(ChunkTable::Kind kind, qint64 deviceId, qint64 fromMs,
    qint64 toMs, const Row &row, QString *error)
{
    // From the bucket fromMs falls in: its row is placed by SystemRollup::placement.
    return forEachChunkedRow(
        kind, deviceId, Tiers::bucketOf(ChunkTable::tierOf(kind), fromMs), toMs, row, error);
}

std::optional<QList<HistoryBucket>> StoreReader::history(qint64 deviceId, const QString &metric,
    qint64 fromMs, qint64 toMs, int buckets, QString *error, QString *resolution)
{
    if (!usable(error))
        return std::nullopt;
    if (!systemMetrics().contains(metric)) {
        *error = QStringLiteral("unknown metric %1").arg(metric);
        return std::nullopt;
    }
    if (toMs <= fromMs || buckets < 1) {
        *error = QStringLiteral("empty time range or no buckets");
        return std::nullopt;
    }
    const std::optional<Tier> tier = tierFor(deviceId, fromMs, toMs, buckets, error);
    if (!tier)
        return std::nullopt;
    if (resolution)
        *resolution = Tiers::name(*tier);
    if (*tier != Tier::Raw)
        return historyByRollup(*tier, deviceId, metric, fromMs, toMs, buckets, error);
    const std::optional<bool> chunked
        = hasChunks(ChunkTable::Kind::System, deviceId, fromMs, toMs, error);
    if (!chunked)
        return std::nullopt;
    if (*chunked) {
        // Closed windows are BLOBs: bucket their decoded rows here, with the
        // same integer arithmetic as the SQL below.
        const int column = 1 + int(systemMetrics().indexOf(metric));
        QList<HistoryBucket> result;
        std::vector<double> sums;
        qint64 lastBucket = -1;
        const bool ok = forEachSystemRow(
            deviceId, fromMs, toMs,
            [&](const QVariantList &row) {
                const qint64 ts = row.at(0).toLongLong();
                const double value = row.at(column).toDouble();
                const qint64 bucket = (ts - fromMs) * buckets / (toMs - fromMs);
                if (bucket != lastBucket) {
                    result.append({ts, ts, value, value, 0, 0});
                    sums.push_back(0);
                    lastBucket = bucket;
                }
                HistoryBucket &b = result.last();
                b.lastTs = ts;
                b.min = std::min(b.min, value);
                b.max = std::max(b.max, value);
                ++b.count;
                sums.back() += value;
                return true;
            },
            error);
        if (!ok)
            return std::nullopt;
        for (qsizetype i = 0; i < result.size(); ++i)
            result[i].avg = sums[std::size_t(i)] / double(result[i].count);
        return result;
    }
    QSqlQuery query(m_db);
    if (!execBuckets(query,
            QStringLiteral(", MIN(ts), MAX(ts), MIN(%1), MAX(%1), AVG(%1), COUNT(*)").arg(metric),
            deviceId, fromMs, toMs, buckets, error))
        return std::nullopt;
    QList<HistoryBucket> result;
    while (query.next()) {
        HistoryBucket bucket;
        bucket.firstTs = query.value(1).toLongLong();
        bucket.lastTs = query.value(2).toLongLong();
        bucket.min = query.value(3).toDouble();
        bucket.max = query.value(4).toDouble();
        bucket.avg = query.value(5).toDouble();
        bucket.count = query.value(6).toLongLong();
        result.append(bucket);
    }
    return result;
}

std::optional<QList<HistoryBucket>> StoreReader::historyByRollup(Tier tier, qint64 deviceId,
    const QString &metric, qint64 fromMs, qint64 toMs, int buckets, QString *error)
{
    const ChunkTable::Kind kind = ChunkTable::kindOf(tier, false);
    const Span span = spanOf(kind);
    const int samples = columnOf(kind, QStringLiteral("samples"));
    const int min = columnOf(kind, metric + QStringLiteral("_min"));
    const int max = columnOf(kind, metric + QStringLiteral("_max"));
    const int sum = columnOf(kind, metric + QStringLiteral("_sum"));
    QList<HistoryBucket> result;
    std::vector<double> sums;
    int lastIndex = -1;
    const bool ok = forEachRollupRow(
        kind, deviceId, fromMs, toMs,
        [&](const QVariantList &row) {
            const std::optional<qint64> at = span.placement(row, fromMs, toMs);
            if (!at)
                return true;
            const qint64 first = row.at(span.first).toLongLong();
            const qint64 last = row.at(span.last).toLongLong();
            const qint64 count = row.at(samples).toLongLong();
            const int index = int(
                std::clamp<qint64>((*at - fromMs) * buckets / (toMs - fromMs), 0, buckets - 1));
            if (index != lastIndex) {
                result.append(
                    {first, last, row.at(min).toDouble(), row.at(max).toDouble(), 0, count});
                sums.push_back(row.at(sum).toDouble());
                lastIndex = index;
                return true;
            }
            HistoryBucket &bucket = result.last();
            bucket.lastTs = std::max(bucket.lastTs, last);
            bucket.min = std::min(bucket.min, row.at(min).toDouble());
            bucket.max = std::max(bucket.max, row.at(max).toDouble());
            bucket.count += count;
            sums.back() += row.at(sum).toDouble();
            return true;
        },
        error);
    if (!ok)
        return std::nullopt;
    for (qsizetype i = 0; i < result.size(); ++i)
        result[i].avg = sums[std::size_t(i)] / double(result[i].count);
    return result;
}

std::optional<QList<HistorySeries>> StoreReader::systemChart(
    qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error, QString *resolution)
{
    if (!usable(error))
        return std::nullopt;
    const std::optional<Tier> tier = tierFor(deviceId, fromMs, toMs, columns, error);
    if (!tier)
        return std::nullopt;
    if (resolution)
        *resolution = Tiers::name(*tier);
    if (*tier != Tier::Raw)
        return systemChartByRollup(*tier, deviceId, fromMs, toMs, columns, error);
    const std::optional<bool> chunked
        = hasChunks(ChunkTable::Kind::System, deviceId, fromMs, toMs, error);
    if (!chunked)
        return std::nullopt;
    if (*chunked) {
        std::vector<Downsampler> samplers(
            std::size_t(chartedMetrics().size()), Downsampler(fromMs, toMs, columns));
        std::vector<int> indexes;
        for (const QString &metric : chartedMetrics())
            indexes.push_back(1 + int(systemMetrics().indexOf(metric)));
        const bool ok = forEachSystemRow(
            deviceId, fromMs, toMs,
            [&](const QVariantList &row) {
                const qint64 ts = row.at(0).toLongLong();
                for (std::size_t i = 0; i < samplers.size(); ++i)
                    samplers[i].add(ts, row.at(indexes[i]).toDouble());
                return true;
            },
            error);
        if (!ok)
            return std::nullopt;
        return chartedSeries(samplers);
    }
    // One scan for all metrics.
    QString aggregates;
    for (const QString &metric : chartedMetrics())
        aggregates += QStringLiteral(", MIN(%1), MAX(%1)").arg(metric);
    QSqlQuery query(m_db);
    if (!execBuckets(query, aggregates, deviceId, fromMs, toMs, columns, error))
        return std::nullopt;
    std::vector<Downsampler> samplers(
        std::size_t(chartedMetrics().size()), Downsampler(fromMs, toMs, columns));
    while (query.next())
        addExtremes(samplers, query, query.value(0).toInt(), 1);
    return chartedSeries(samplers);
}

std::optional<QList<HistorySeries>> StoreReader::systemChartByRollup(
    Tier tier, qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error)
{
    // The rollup's extremes: a week at one report a second is 10,080 minutes.
    const ChunkTable::Kind kind = ChunkTable::kindOf(tier, false);
    const Span span = spanOf(kind);
    std::vector<std::pair<int, int>> extremes;
    for (const QString &metric : chartedMetrics()) {
        extremes.emplace_back(columnOf(kind, metric + QStringLiteral("_min")),
            columnOf(kind, metric + QStringLiteral("_max")));
    }
    std::vector<Downsampler> samplers(
        std::size_t(chartedMetrics().size()), Downsampler(fromMs, toMs, columns));
    const bool ok = forEachRollupRow(
        kind, deviceId, fromMs, toMs,
        [&](const QVariantList &row) {
            if (const std::optional<qint64> at = span.placement(row, fromMs, toMs)) {
                const int column = samplers.front().columnOf(*at);
                for (std::size_t i = 0; i < samplers.size(); ++i) {
                    samplers[i].addColumn(column, row.at(extremes[i].first).toDouble(),
                        row.at(extremes[i].second).toDouble());
                }
            }
            return true;
        },
        error);
    if (!ok)
        return std::nullopt;
    return chartedSeries(samplers);
}

std::optional<QList<HistorySeries>> StoreReader::networkChart(
    qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error, QString *resolution)
{
    if (!usable(error))
        return std::nullopt;
    const std::optional<Tier> tier = tierFor(deviceId, fromMs, toMs, columns, error);
    if (!tier)
        return std::nullopt;
    if (resolution)
        *resolution = Tiers::name(*tier);
    if (*tier != Tier::Raw)
        return networkChartByRollup(*tier, deviceId, fromMs, toMs, columns, error);
    // Rows in time order (chunks and row table alike) and rates in C++: a
    // window function (LAG ... PARTITION BY interface) sorts every row first
    // and took 8x longer.
    std::map<QString, InterfaceRates> perInterface;
    const bool ok = forEachNetworkRow(
        deviceId, fromMs, toMs,
        [&](const QVariantList &row) {
            const qint64 ts = row.at(0).toLongLong();
            const quint64 rx = row.at(4).toULongLong();
            const quint64 tx = row.at(5).toULongLong();
            InterfaceRates &i = ratesOf(&perInterface, row.at(1).toString(), fromMs, toMs, columns);
            // A counter that goes backwards (agent or interface restart) starts
            // over: no rate is made up across the reset.
            if (i.lastTs >= 0) {
                if (const auto rate = NetworkRollup::rate(i.lastTs, i.lastRx, ts, rx))
                    i.rx.add(ts, *rate);
                if (const auto rate = NetworkRollup::rate(i.lastTs, i.lastTx, ts, tx))
                    i.tx.add(ts, *rate);
            }
            i.lastTs = ts;
            i.lastRx = rx;
            i.lastTx = tx;
            return true;
        },
        error);
    if (!ok)
        return std::nullopt;
    return interfaceSeries(perInterface);
}

std::optional<QList<HistorySeries>> StoreReader::networkChartByRollup(
    Tier tier, qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error)
{
    // The rollup holds each bucket's rate extremes already.
    const ChunkTable::Kind kind = ChunkTable::kindOf(tier, true);
    const Span span = spanOf(kind);
    const int rxMin = columnOf(kind, QStringLiteral("rx_rate_min"));
    const int txMin = columnOf(kind, QStringLiteral("tx_rate_min"));
    std::map<QString, InterfaceRates> perInterface;
    const bool ok = forEachRollupRow(
        kind, deviceId, fromMs, toMs,
        [&](const QVariantList &row) {
            const std::optional<qint64> at = span.placement(row, fromMs, toMs);
            if (!at)
                return true;
            InterfaceRates &i = ratesOf(&perInterface, row.at(1).toString(), fromMs, toMs, columns);
            const int column = i.rx.columnOf(*at);
            if (!row.at(rxMin).isNull())
                i.rx.addColumn(column, row.at(rxMin).toDouble(), row.at(rxMin + 1).toDouble());
            if (!row.at(txMin).isNull())
                i.tx.addColumn(column, row.at(txMin).toDouble(), row.at(txMin + 1).toDouble());
            return true;
        },
        error);
    if (!ok)
        return std::nullopt;
    return interfaceSeries(perInterface);
}

// Rows

std::optional<qint64> StoreReader::countRows(
    const QString &table, qint64 deviceId, qint64 fromMs, qint64 toMs, QString *error)
{
    if (!usable(error))
        return std::nullopt;
    if (table != QLatin1String("system_metrics") && table != QLatin1String("network_metrics")) {
        *error = QStringLiteral("unknown table %1").arg(table);
        return std::nullopt;
    }
    const ChunkTable::Kind kind = table == QLatin1String("system_metrics")
        ? ChunkTable::Kind::System
        : ChunkTable::Kind::Network;
    // Whole chunks by their count; the at most two that the range cuts, row by row.
    qint64 inChunks = 0;
    {
        QSqlQuery chunks(m_db);
        chunks.setForwardOnly(true);
        chunks.prepare(QStringLiteral("SELECT start_ts, first_ts, last_ts, row_count FROM %1"
                                      " WHERE device = ? AND kind = ? AND start_ts > ?"
                                      " AND start_ts < ?")
                           .arg(ChunkTable::table()));
        chunks.addBindValue(deviceId);
        chunks.addBindValue(int(kind));
        chunks.addBindValue(ChunkTable::windowOf(fromMs) - 1);
        chunks.addBindValue(toMs);
        if (!chunks.exec()) {
            *error = failure(chunks);
            return std::nullopt;
        }
        std::vector<std::pair<qint64, qint64>> cut;
        while (chunks.next()) {
            const qint64 first = chunks.value(1).toLongLong();
            const qint64 last = chunks.value(2).toLongLong();
            if (first >= fromMs && last < toMs) {
                inChunks += chunks.value(3).toLongLong();
            } else if (last >= fromMs && first < toMs) {
                const qint64 start = chunks.value(0).toLongLong();
                cut.emplace_back(
                    std::max(fromMs, start), std::min(toMs, start + ChunkTable::kWindowMs));
            }
        }
        for (const auto &[from, to] : cut) {
            // Decoding counts the row table's rows of that window too: take
            // them off again below by counting the row table outside the cuts.
            qint64 rows = 0;
            if (!forEachChunkedRow(
                    kind, deviceId, from, to,
                    [&rows](const QVariantList &) {
                        ++rows;
                        return true;
                    },
                    error))
                return std::nullopt;
            QSqlQuery plain(m_db);
            plain.prepare(
                QStringLiteral("SELECT COUNT(*) FROM %1 WHERE device = ? AND ts >= ? AND ts < ?")
                    .arg(table));
            plain.addBindValue(deviceId);
            plain.addBindValue(from);
            plain.addBindValue(to);
            if (!plain.exec() || !plain.next()) {
                *error = failure(plain);
                return std::nullopt;
            }
            inChunks += rows - plain.value(0).toLongLong();
        }
    }
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE device = ? AND ts >= ? AND ts < ?")
                      .arg(table));
    query.addBindValue(deviceId);
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    if (!query.exec() || !query.next()) {
        *error = failure(query);
        return std::nullopt;
    }
    return inChunks + query.value(0).toLongLong();
}

std::optional<Tier> StoreReader::tierFor(
    qint64 deviceId, qint64 fromMs, qint64 toMs, int buckets, QString *error)
{
    return coveringTier(deviceId, fromMs, tierOfBuckets(fromMs, toMs, buckets), error);
}

std::optional<Tier> StoreReader::coveringTier(
    qint64 deviceId, qint64 fromMs, Tier finest, QString *error)
{
    if (!usable(error))
        return std::nullopt;
    // The oldest sample of each tier, in its chunks or its rows (index seeks).
    QStringList oldest;
    for (Tier tier : Tiers::kAll) {
        const ChunkTable::Kind kind = ChunkTable::kindOf(tier, false);
        oldest << QStringLiteral("(SELECT first_ts FROM %1 WHERE device = ? AND kind = %2"
                                 " ORDER BY start_ts LIMIT 1)")
                      .arg(ChunkTable::table())
                      .arg(int(kind))
               << QStringLiteral("(SELECT %1 FROM %2 WHERE device = ? ORDER BY ts LIMIT 1)")
                      .arg(tier == Tier::Raw ? QStringLiteral("ts") : QStringLiteral("first_ts"),
                          ChunkTable::rowTable(kind));
    }
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT ") + oldest.join(QStringLiteral(", ")));
    for (qsizetype i = 0; i < oldest.size(); ++i)
        query.addBindValue(deviceId);
    if (!query.exec() || !query.next()) {
        *error = failure(query);
        return std::nullopt;
    }
    std::array<std::optional<qint64>, Tiers::kAll.size()> oldestOf;
    for (std::size_t t = 0; t < oldestOf.size(); ++t) {
        for (int i : {int(2 * t), int(2 * t + 1)}) {
            if (query.isNull(i))
                continue;
            const qint64 ts = query.value(i).toLongLong();
            oldestOf[t] = oldestOf[t] ? std::min(*oldestOf[t], ts) : ts;
        }
    }
    // The tier the buckets ask for, or a coarser one where that one's history
    // has gone (retention) and the coarser one reaches further back.
    std::size_t t = std::size_t(finest);
    while (t + 1 < oldestOf.size() && oldestOf[t + 1]) {
        const std::optional<qint64> here = oldestOf[t];
        const qint64 coarser = *oldestOf[t + 1] + Tiers::bucketMs(Tiers::kAll[t + 1]);
        if (here && (fromMs >= *here || coarser >= *here))
            break;
        ++t;
    }
    return Tiers::kAll[t];
}

std::optional<bool> StoreReader::hasChunks(
    ChunkTable::Kind kind, qint64 deviceId, qint64 fromMs, qint64 toMs, QString *error)
{
    // One index seek: most reads are of recent rows, which no chunk holds.
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT 1 FROM %1 WHERE device = ? AND kind = ? AND start_ts > ?"
                                 " AND start_ts < ? LIMIT 1")
                      .arg(ChunkTable::table()));
    query.addBindValue(deviceId);
    query.addBindValue(int(kind));
    query.addBindValue(ChunkTable::windowOf(fromMs) - 1);
    query.addBindValue(toMs);
    if (!query.exec()) {
        *error = failure(query);
        return std::nullopt;
    }
    return query.next();
}

bool StoreReader::forEachChunkedRow(ChunkTable::Kind kind, qint64 deviceId, qint64 fromMs,
    qint64 toMs, const Row &row, QString *error)
{
    // ChunkTable::forEachRow's statements in one snapshot, whatever the
    // writer's Compactor commits between them: SQLite's read transaction
    // keeps one from its first read to its end, PostgreSQL's from its first
    // statement when REPEATABLE READ.
    if (!m_db.transaction()) {
        *error = m_db.lastError().text();
        return false;
    }
    if (SqlConnection::isPostgres(m_db)) {
        QSqlQuery isolation(m_db);
        if (!isolation.exec(QStringLiteral("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))) {
            *error = failure(isolation);
            m_db.rollback();
            return false;
        }
    }
    const bool ok = ChunkTable::forEachRow(m_db, kind, deviceId, fromMs, toMs, row, error);
    if (m_db.commit() || !ok)
        return ok;
    *error = m_db.lastError().text();
    return false;
}

bool StoreReader::forEachSystemRow(
    qint64 deviceId, qint64 fromMs, qint64 toMs, const Row &row, QString *error)
{
    if (!usable(error))
        return false;
    return forEachChunkedRow(ChunkTable::Kind::System, deviceId, fromMs, toMs, row, error);
}

bool StoreReader::forEachNetworkRow(
    qint64 deviceId, qint64 fromMs, qint64 toMs, const Row &row, QString *error)
{
    if (!usable(error))
        return false;
    return forEachChunkedRow(ChunkTable::Kind::Network, deviceId, fromMs, toMs, row, error);
}

bool StoreReader::rollupPage(Tier tier, bool network, qint64 deviceId, qint64 afterTs,
    const QString &afterInterface, qint64 toMs, int limit, const Row &row, QString *error)
{
    if (!usable(error))
        return false;
    int left = limit;
    return forEachChunkedRow(
        ChunkTable::kindOf(tier, network), deviceId, network ? afterTs : afterTs + 1, toMs,
        [&](const QVariantList &values) {
            if (network && values.at(0).toLongLong() == afterTs
                && values.at(1).toString() <= afterInterface)
                return true; // on the page before
            return row(values) && --left > 0;
        },
        error);
}

bool StoreReader::systemPage(
    qint64 deviceId, qint64 afterTs, qint64 toMs, int limit, const Row &row, QString *error)
{
    if (!usable(error))
        return false;
    // Keyset pages over chunks and rows alike: a page decodes at most the
    // windows its rows are in.
    int left = limit;
    return forEachSystemRow(
        deviceId, afterTs + 1, toMs,
        [&](const QVariantList &values) { return row(values) && --left > 0; }, error);
}

bool StoreReader::networkPage(qint64 deviceId, qint64 afterTs, const QString &afterInterface,
    qint64 toMs, int limit, const Row &row, QString *error)
{
    if (!usable(error))
        return false;
    int left = limit;
    return forEachNetworkRow(
        deviceId, afterTs, toMs,
        [&](const QVariantList &values) {
            if (values.at(0).toLongLong() == afterTs && values.at(1).toString() <= afterInterface)
                return true; // on the page before
            return row(values) && --left > 0;
        },
        error);
}

// Hardware

namespace {

// A stored record's bytes as the codec takes them; QPSQL gives BYTEA as a
// QByteArray too.
std::optional<dmr::HardwareSample> decodeBody(const QVariant &body)
{
    const QByteArray bytes = body.toByteArray();
    return dmr::decodeHardwareRecord(std::string(bytes.constData(), std::size_t(bytes.size())));
}

} // namespace

std::optional<HardwareHistory> StoreReader::hardwareHistory(
    const QString &uuid, qint64 fromMs, qint64 toMs, int limit, QString *error, bool spread)
{
    if (!usable(error))
        return std::nullopt;
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (spread) {
        // The newest row of each of `limit` equal slices of the range: a
        // chart's worth over a week without reading a week of rows' bodies.
        // In double: the span of any two qint64 times fits, their difference may not.
        const double span = double(toMs) - double(fromMs);
        const qint64 slice = qint64(std::clamp(std::ceil(span / std::max(1, limit)), 1.0, 1e15));
        query.prepare(QStringLiteral("SELECT h.ts, h.body FROM %1 h"
                                     " JOIN (SELECT MAX(s.ts) AS ts FROM %1 s"
                                     " WHERE s.device = (SELECT id FROM devices WHERE uuid = ?)"
                                     " AND s.ts >= ? AND s.ts < ? GROUP BY (s.ts - ?) / ?) b"
                                     " ON h.ts = b.ts"
                                     " WHERE h.device = (SELECT id FROM devices WHERE uuid = ?)"
                                     " AND h.ts >= ? AND h.ts < ? ORDER BY h.ts LIMIT ?")
                          .arg(HardwareTable::table()));
        query.addBindValue(uuid);
        query.addBindValue(fromMs);
        query.addBindValue(toMs);
        query.addBindValue(fromMs);
        query.addBindValue(slice);
        query.addBindValue(uuid);
        // The outer bounds let PostgreSQL read only the range's partitions.
        query.addBindValue(fromMs);
        query.addBindValue(toMs);
        query.addBindValue(std::max(1, limit) * 2);
    } else {
        query.prepare(
            QStringLiteral("SELECT h.ts, h.body FROM %1 h JOIN devices d ON d.id = h.device"
                           " WHERE d.uuid = ? AND h.ts >= ? AND h.ts < ?"
                           " ORDER BY h.ts LIMIT ?")
                .arg(HardwareTable::table()));
        query.addBindValue(uuid);
        query.addBindValue(fromMs);
        query.addBindValue(toMs);
        query.addBindValue(std::max(0, limit));
    }
    if (!query.exec()) {
        *error = failure(query);
        return std::nullopt;
    }
    HardwareHistory history;
    while (query.next()) {
        const qint64 ts = query.value(0).toLongLong();
        ++history.read;
        history.lastTs = ts;
        std::optional<dmr::HardwareSample> hardware = decodeBody(query.value(1));
        if (hardware) {
            history.rows.append({ts, std::move(*hardware)});
        } else {
            ++history.skipped;
            qCWarning(lcStore, "hardware row of device %s at %lld does not decode; left out",
                qPrintable(uuid), ts);
        }
    }
    return history;
}

std::optional<HardwareRow> StoreReader::latestHardware(const QString &uuid, QString *error)
{
    error->clear();
    if (!usable(error))
        return std::nullopt;
    // A few rows, not one: an undecodable newest row gives way to the one before.
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT h.ts, h.body FROM %1 h JOIN devices d ON d.id = h.device"
                                 " WHERE d.uuid = ? ORDER BY h.ts DESC LIMIT 4")
                      .arg(HardwareTable::table()));
    query.addBindValue(uuid);
    if (!query.exec()) {
        *error = failure(query);
        return std::nullopt;
    }
    while (query.next()) {
        const qint64 ts = query.value(0).toLongLong();
        if (std::optional<dmr::HardwareSample> hardware = decodeBody(query.value(1))) {
            query.finish();
            return HardwareRow {ts, std::move(*hardware)};
        }
        qCWarning(lcStore, "hardware row of device %s at %lld does not decode; left out",
            qPrintable(uuid), ts);
    }
    return std::nullopt;
}

} // namespace dmr::console
