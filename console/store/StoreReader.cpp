// SPDX-License-Identifier: MIT
#include "store/StoreReader.h"

#include "store/MinuteRollup.h"
#include "store/SystemFields.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <algorithm>

namespace {

const char kDeviceColumns[]
    = "id, uuid, device_id, hostname, agent_version, interval_seconds, created_at,"
      " updated_at, last_seen, reports_received, reports_lost, run_id, last_sequence";

DeviceOverview deviceFromQuery(const QSqlQuery &query)
{
    DeviceOverview overview;
    overview.id = query.value(0).toLongLong();
    DeviceSnapshot &d = overview.device;
    d.uuid = query.value(1).toString();
    d.deviceId = query.value(2).toString();
    d.hostname = query.value(3).toString();
    d.agentVersion = query.value(4).toString();
    d.intervalSeconds = query.value(5).toUInt();
    d.createdAt = query.value(6).toLongLong();
    d.updatedAt = query.value(7).toLongLong();
    d.lastSeen = query.value(8).toLongLong();
    d.reportsReceived = query.value(9).toULongLong();
    d.reportsLost = query.value(10).toULongLong();
    d.runId = quint32(query.value(11).toLongLong());
    d.lastSequence = query.value(12).toULongLong();
    return overview;
}

QString failure(const QSqlQuery &query)
{
    return query.lastError().text();
}

} // namespace

const QStringList &StoreReader::systemMetrics()
{
    return SystemFields::names();
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
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(m_path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
    if (!m_db.open()) {
        *error
            = QStringLiteral("cannot open %1 for reading: %2").arg(m_path, m_db.lastError().text());
        return false;
    }
    return true;
}

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

std::optional<QList<DeviceOverview>> StoreReader::devices(QString *error)
{
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
    return list;
}

std::optional<DeviceOverview> StoreReader::device(const QString &uuid, QString *error)
{
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
    DeviceOverview overview = deviceFromQuery(query);
    if (!fillLatest(&overview, error))
        return std::nullopt;
    return overview;
}

std::optional<QList<HistoryBucket>> StoreReader::history(
    qint64 deviceId, const QString &metric, qint64 fromMs, qint64 toMs, int buckets, QString *error)
{
    if (!systemMetrics().contains(metric)) {
        *error = QStringLiteral("unknown metric %1").arg(metric);
        return std::nullopt;
    }
    if (toMs <= fromMs || buckets < 1) {
        *error = QStringLiteral("empty time range or no buckets");
        return std::nullopt;
    }
    if (toMs - fromMs >= qint64(buckets) * MinuteRollup::kMinuteMs)
        return historyByMinute(deviceId, metric, fromMs, toMs, buckets, error);
    // Bucket arithmetic in integers, the same in SQLite and PostgreSQL.
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(
        QStringLiteral("SELECT (ts - ?) * ? / ? AS bucket, MIN(ts), MAX(ts), MIN(%1), MAX(%1),"
                       " AVG(%1), COUNT(*) FROM system_metrics"
                       " WHERE device = ? AND ts >= ? AND ts < ?"
                       " GROUP BY bucket ORDER BY bucket")
            .arg(metric));
    query.addBindValue(fromMs);
    query.addBindValue(qint64(buckets));
    query.addBindValue(toMs - fromMs);
    query.addBindValue(deviceId);
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    if (!query.exec()) {
        *error = failure(query);
        return std::nullopt;
    }
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

std::optional<QList<HistoryBucket>> StoreReader::historyByMinute(
    qint64 deviceId, const QString &metric, qint64 fromMs, qint64 toMs, int buckets, QString *error)
{
    // Buckets of a minute or more: read the per-minute rollup, a sixtieth of
    // the rows at one report a second (placed by MinuteRollup::placement).
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT first_ts, last_ts, samples, %1_min, %1_max, %1_sum"
                                 " FROM %2 WHERE device = ? AND ts >= ? AND ts < ? ORDER BY ts")
                      .arg(metric, MinuteRollup::table()));
    query.addBindValue(deviceId);
    query.addBindValue(MinuteRollup::minuteOf(fromMs));
    query.addBindValue(toMs);
    if (!query.exec()) {
        *error = failure(query);
        return std::nullopt;
    }
    QList<HistoryBucket> result;
    std::vector<double> sums;
    int lastIndex = -1;
    while (query.next()) {
        const qint64 first = query.value(0).toLongLong();
        const qint64 last = query.value(1).toLongLong();
        const std::optional<qint64> at = MinuteRollup::placement(first, last, fromMs, toMs);
        if (!at)
            continue;
        const qint64 count = query.value(2).toLongLong();
        const double min = query.value(3).toDouble();
        const double max = query.value(4).toDouble();
        const double sum = query.value(5).toDouble();
        const int index
            = int(std::clamp<qint64>((*at - fromMs) * buckets / (toMs - fromMs), 0, buckets - 1));
        if (index != lastIndex) {
            result.append({first, last, min, max, 0, count});
            sums.push_back(sum);
            lastIndex = index;
            continue;
        }
        HistoryBucket &bucket = result.last();
        bucket.lastTs = std::max(bucket.lastTs, last);
        bucket.min = std::min(bucket.min, min);
        bucket.max = std::max(bucket.max, max);
        bucket.count += count;
        sums.back() += sum;
    }
    for (qsizetype i = 0; i < result.size(); ++i)
        result[i].avg = sums[std::size_t(i)] / double(result[i].count);
    return result;
}

bool StoreReader::forEachRow(const QString &sql, qint64 deviceId, qint64 fromMs, qint64 toMs,
    const std::function<bool(const QVariantList &)> &row, QString *error)
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(sql);
    query.addBindValue(deviceId);
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    if (!query.exec()) {
        *error = failure(query);
        return false;
    }
    const int columns = query.record().count();
    QVariantList values;
    while (query.next()) {
        values.clear();
        for (int i = 0; i < columns; ++i)
            values.append(query.value(i));
        if (!row(values))
            break;
    }
    return true;
}

bool StoreReader::forEachSystemRow(qint64 deviceId, qint64 fromMs, qint64 toMs,
    const std::function<bool(const QVariantList &)> &row, QString *error)
{
    return forEachRow(QStringLiteral("SELECT ") + systemColumns().join(QStringLiteral(", "))
            + QStringLiteral(" FROM system_metrics WHERE device = ? AND ts >= ? AND ts < ?"
                             " ORDER BY ts"),
        deviceId, fromMs, toMs, row, error);
}

bool StoreReader::forEachNetworkRow(qint64 deviceId, qint64 fromMs, qint64 toMs,
    const std::function<bool(const QVariantList &)> &row, QString *error)
{
    return forEachRow(QStringLiteral("SELECT ") + networkColumns().join(QStringLiteral(", "))
            + QStringLiteral(" FROM network_metrics WHERE device = ? AND ts >= ? AND ts < ?"
                             " ORDER BY ts, interface"),
        deviceId, fromMs, toMs, row, error);
}
