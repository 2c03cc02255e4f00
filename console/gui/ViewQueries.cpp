// SPDX-License-Identifier: MIT
#include "gui/ViewQueries.h"

#include "gui/Downsampler.h"
#include "store/MinuteRollup.h"
#include "store/NetworkMinuteRollup.h"
#include "store/SystemFields.h"

#include <QHash>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>
#include <map>

namespace {

// A row's (min, max) pairs, one per charted metric from value `first` on,
// into `column` of each metric's sampler.
void addExtremes(std::vector<Downsampler> &samplers, const QSqlQuery &query, int column, int first)
{
    for (std::size_t i = 0; i < samplers.size(); ++i) {
        samplers[i].addColumn(column, query.value(first + int(2 * i)).toDouble(),
            query.value(first + 1 + int(2 * i)).toDouble());
    }
}

QList<HistorySeries> chartedSeries(const std::vector<Downsampler> &samplers)
{
    QList<HistorySeries> series;
    for (int i = 0; i < ViewQueries::chartedMetrics().size(); ++i)
        series.append({ViewQueries::chartedMetrics().at(i), samplers[std::size_t(i)].points()});
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

ViewQueries::ViewQueries(QSqlDatabase db)
    : m_db(std::move(db))
{ }

const QStringList &ViewQueries::chartedMetrics()
{
    static const QStringList metrics = {QStringLiteral("cpu_percent"),
        QStringLiteral("memory_percent"), QStringLiteral("disk_percent"), QStringLiteral("load_1"),
        QStringLiteral("load_5"), QStringLiteral("load_15")};
    return metrics;
}

std::optional<QList<DeviceRow>> ViewQueries::fleet(QString *error)
{
    // The newest row per device is one index seek on (device, ts).
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    QStringList system;
    for (const QString &field : SystemFields::names())
        system << QStringLiteral("s.") + field;
    if (!query.exec(QStringLiteral(
            "SELECT d.id, d.uuid, d.device_id, d.hostname, d.agent_version, d.interval_seconds,"
            " d.created_at, d.updated_at, d.last_seen, d.reports_received, d.reports_lost,"
            " s.ts, %1"
            " FROM devices d LEFT JOIN system_metrics s ON s.device = d.id"
            " AND s.ts = (SELECT MAX(m.ts) FROM system_metrics m WHERE m.device = d.id)")
                        .arg(system.join(QStringLiteral(", "))))) {
        *error = query.lastError().text();
        return std::nullopt;
    }
    QList<DeviceRow> rows;
    QSet<qint64> seen; // two samples of one device may share the newest ts
    while (query.next()) {
        DeviceRow row;
        row.id = query.value(0).toLongLong();
        if (seen.contains(row.id))
            continue;
        seen.insert(row.id);
        DeviceSnapshot &d = row.device;
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
        if (!query.isNull(11)) {
            row.latestTs = query.value(11).toLongLong();
            row.system = SystemFields::fromQuery(query, 12);
        }
        rows.append(row);
    }
    return rows;
}

std::optional<QList<HistorySeries>> ViewQueries::systemHistory(
    qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error)
{
    if (toMs - fromMs >= qint64(columns) * MinuteRollup::kMinuteMs)
        return systemHistoryByMinute(deviceId, fromMs, toMs, columns, error);
    // One scan for all metrics; the bucket is Downsampler::columnOf's arithmetic.
    QString aggregates;
    for (const QString &metric : chartedMetrics())
        aggregates += QStringLiteral(", MIN(%1), MAX(%1)").arg(metric);
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT (ts - ?) * ? / ? AS bucket%1 FROM system_metrics"
                                 " WHERE device = ? AND ts >= ? AND ts < ?"
                                 " GROUP BY bucket ORDER BY bucket")
                      .arg(aggregates));
    query.addBindValue(fromMs);
    query.addBindValue(qint64(columns));
    query.addBindValue(toMs - fromMs);
    query.addBindValue(deviceId);
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    if (!query.exec()) {
        *error = query.lastError().text();
        return std::nullopt;
    }
    std::vector<Downsampler> samplers(
        std::size_t(chartedMetrics().size()), Downsampler(fromMs, toMs, columns));
    while (query.next()) {
        addExtremes(samplers, query, query.value(0).toInt(), 1);
    }
    return chartedSeries(samplers);
}

std::optional<QList<HistorySeries>> ViewQueries::systemHistoryByMinute(
    qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error)
{
    // Columns of a minute or more: the per-minute rollup's extremes, a
    // sixtieth of the rows at one report a second (a week: 10,080 rows),
    // placed by MinuteRollup::placement.
    QString extremes;
    for (const QString &metric : chartedMetrics())
        extremes += QStringLiteral(", %1_min, %1_max").arg(metric);
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT first_ts, last_ts%1 FROM %2"
                                 " WHERE device = ? AND ts >= ? AND ts < ? ORDER BY ts")
                      .arg(extremes, MinuteRollup::table()));
    query.addBindValue(deviceId);
    query.addBindValue(MinuteRollup::minuteOf(fromMs));
    query.addBindValue(toMs);
    if (!query.exec()) {
        *error = query.lastError().text();
        return std::nullopt;
    }
    std::vector<Downsampler> samplers(
        std::size_t(chartedMetrics().size()), Downsampler(fromMs, toMs, columns));
    while (query.next()) {
        const std::optional<qint64> at = MinuteRollup::placement(
            query.value(0).toLongLong(), query.value(1).toLongLong(), fromMs, toMs);
        if (at)
            addExtremes(samplers, query, samplers.front().columnOf(*at), 2);
    }
    return chartedSeries(samplers);
}

std::optional<QList<HistorySeries>> ViewQueries::networkHistory(
    qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error)
{
    if (toMs - fromMs >= qint64(columns) * MinuteRollup::kMinuteMs)
        return networkHistoryByMinute(deviceId, fromMs, toMs, columns, error);
    // Rows in index order (no sort) and rates in C++: a window function
    // (LAG ... PARTITION BY interface) sorts every row first and took 8x longer.
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(
        QStringLiteral("SELECT ts, interface, rx_bytes, tx_bytes FROM network_metrics"
                       " WHERE device = ? AND ts >= ? AND ts < ? ORDER BY ts, interface"));
    query.addBindValue(deviceId);
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    if (!query.exec()) {
        *error = query.lastError().text();
        return std::nullopt;
    }
    std::map<QString, InterfaceRates> perInterface;
    while (query.next()) {
        const qint64 ts = query.value(0).toLongLong();
        const quint64 rx = query.value(2).toULongLong();
        const quint64 tx = query.value(3).toULongLong();
        InterfaceRates &i
            = ratesOf(&perInterface, query.value(1).toString(), fromMs, toMs, columns);
        // A counter that goes backwards (agent or interface restart) starts
        // over: no rate is made up across the reset.
        if (i.lastTs >= 0) {
            if (const auto rate = NetworkMinuteRollup::rate(i.lastTs, i.lastRx, ts, rx))
                i.rx.add(ts, *rate);
            if (const auto rate = NetworkMinuteRollup::rate(i.lastTs, i.lastTx, ts, tx))
                i.tx.add(ts, *rate);
        }
        i.lastTs = ts;
        i.lastRx = rx;
        i.lastTx = tx;
    }
    return interfaceSeries(perInterface);
}

std::optional<QList<HistorySeries>> ViewQueries::networkHistoryByMinute(
    qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error)
{
    // The per-minute rollup holds each minute's rate extremes already.
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT first_ts, last_ts, interface, rx_rate_min, rx_rate_max,"
                                 " tx_rate_min, tx_rate_max FROM %1"
                                 " WHERE device = ? AND ts >= ? AND ts < ? ORDER BY ts")
                      .arg(NetworkMinuteRollup::table()));
    query.addBindValue(deviceId);
    query.addBindValue(MinuteRollup::minuteOf(fromMs));
    query.addBindValue(toMs);
    if (!query.exec()) {
        *error = query.lastError().text();
        return std::nullopt;
    }
    std::map<QString, InterfaceRates> perInterface;
    while (query.next()) {
        const std::optional<qint64> at = MinuteRollup::placement(
            query.value(0).toLongLong(), query.value(1).toLongLong(), fromMs, toMs);
        if (!at)
            continue;
        InterfaceRates &i
            = ratesOf(&perInterface, query.value(2).toString(), fromMs, toMs, columns);
        const int column = i.rx.columnOf(*at);
        if (!query.isNull(3))
            i.rx.addColumn(column, query.value(3).toDouble(), query.value(4).toDouble());
        if (!query.isNull(5))
            i.tx.addColumn(column, query.value(5).toDouble(), query.value(6).toDouble());
    }
    return interfaceSeries(perInterface);
}

std::optional<qint64> ViewQueries::countRows(
    const QString &table, qint64 deviceId, qint64 fromMs, qint64 toMs, QString *error)
{
    if (table != QLatin1String("system_metrics") && table != QLatin1String("network_metrics")) {
        *error = QStringLiteral("unknown table %1").arg(table);
        return std::nullopt;
    }
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE device = ? AND ts >= ? AND ts < ?")
                      .arg(table));
    query.addBindValue(deviceId);
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    if (!query.exec() || !query.next()) {
        *error = query.lastError().text();
        return std::nullopt;
    }
    return query.value(0).toLongLong();
}
