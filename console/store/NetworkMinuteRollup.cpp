// SPDX-License-Identifier: MIT
#include "store/NetworkMinuteRollup.h"

#include "store/BulkInsert.h"
#include "store/MinuteRollup.h"

#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>

namespace dmr::console {

namespace {

const QStringList kColumns = {QStringLiteral("device"), QStringLiteral("ts"),
    QStringLiteral("interface"), QStringLiteral("samples"), QStringLiteral("first_ts"),
    QStringLiteral("last_ts"), QStringLiteral("rx_rate_min"), QStringLiteral("rx_rate_max"),
    QStringLiteral("tx_rate_min"), QStringLiteral("tx_rate_max")};

// Portable upsert (SQLite 3.24+, PostgreSQL); a NULL side takes the other.
QString mergeClause()
{
    const QString t = NetworkMinuteRollup::table();
    auto pick = [&t](const QString &c, const char *op) {
        return QStringLiteral("%1 = CASE WHEN %2.%1 IS NULL OR excluded.%1 %3 %2.%1"
                              " THEN excluded.%1 ELSE %2.%1 END")
            .arg(c, t, QLatin1String(op));
    };
    return QStringLiteral("ON CONFLICT (device, ts, interface) DO UPDATE SET"
                          " samples = %1.samples + excluded.samples, ")
               .arg(t)
        + QStringList {pick(QStringLiteral("first_ts"), "<"), pick(QStringLiteral("last_ts"), ">"),
            pick(QStringLiteral("rx_rate_min"), "<"), pick(QStringLiteral("rx_rate_max"), ">"),
            pick(QStringLiteral("tx_rate_min"), "<"), pick(QStringLiteral("tx_rate_max"), ">")}
              .join(QStringLiteral(", "));
}

void widen(std::optional<double> &min, std::optional<double> &max, double value)
{
    min = min ? std::min(*min, value) : value;
    max = max ? std::max(*max, value) : value;
}

} // namespace

QStringList NetworkMinuteRollup::createStatements()
{
    const QString rate
        = QStringLiteral("CASE WHEN ts > LAG(ts) OVER w AND %1 >= LAG(%1) OVER w"
                         " THEN (%1 - LAG(%1) OVER w) * 1000.0 / (ts - LAG(ts) OVER w) END");
    return {QStringLiteral("CREATE TABLE %1 ("
                           " device BIGINT NOT NULL REFERENCES devices(id),"
                           " ts BIGINT NOT NULL,"
                           " interface VARCHAR(15) NOT NULL,"
                           " samples BIGINT NOT NULL,"
                           " first_ts BIGINT NOT NULL,"
                           " last_ts BIGINT NOT NULL,"
                           " rx_rate_min DOUBLE PRECISION, rx_rate_max DOUBLE PRECISION,"
                           " tx_rate_min DOUBLE PRECISION, tx_rate_max DOUBLE PRECISION,"
                           " PRIMARY KEY (device, ts, interface))")
                .arg(table()),
        QStringLiteral("INSERT INTO %1 (%2)"
                       " SELECT device, (ts / %3) * %3, interface, COUNT(*), MIN(ts), MAX(ts),"
                       " MIN(rx_rate), MAX(rx_rate), MIN(tx_rate), MAX(tx_rate)"
                       " FROM (SELECT device, ts, interface, %4 AS rx_rate, %5 AS tx_rate"
                       " FROM network_metrics"
                       " WINDOW w AS (PARTITION BY device, interface ORDER BY ts)) AS r"
                       " GROUP BY device, (ts / %3) * %3, interface")
            .arg(table(), kColumns.join(QStringLiteral(", ")))
            .arg(MinuteRollup::kMinuteMs)
            .arg(rate.arg(QStringLiteral("rx_bytes")), rate.arg(QStringLiteral("tx_bytes")))};
}

NetworkMinuteRollup::NetworkMinuteRollup(QSqlDatabase db)
    : m_db(std::move(db))
{ }

NetworkMinuteRollup::~NetworkMinuteRollup() = default;

bool NetworkMinuteRollup::prepare(QString *error)
{
    m_upsert = std::make_unique<BulkInsert>(
        m_db, table(), kColumns, 1, BulkInsert::Binding::Native, mergeClause());
    if (!m_upsert->prepare(error))
        return false;
    m_latest = std::make_unique<QSqlQuery>(m_db);
    m_latest->setForwardOnly(true);
    if (!m_latest->prepare(QStringLiteral("SELECT ts, rx_bytes, tx_bytes FROM network_metrics"
                                          " WHERE device = ? AND interface = ? AND ts < ?"
                                          " ORDER BY ts DESC LIMIT 1"))) {
        *error = m_latest->lastError().text();
        return false;
    }
    return true;
}

void NetworkMinuteRollup::begin()
{
    m_previousAtBegin = m_previous;
    m_minutes.clear();
}

void NetworkMinuteRollup::rollback()
{
    m_previous = m_previousAtBegin;
    m_minutes.clear();
}

std::optional<NetworkMinuteRollup::Previous> NetworkMinuteRollup::previous(
    qint64 deviceId, const std::string &name, qint64 tsMs, bool *ok, QString *error)
{
    *ok = true;
    const auto it = m_previous.constFind({deviceId, QByteArray::fromStdString(name)});
    if (it != m_previous.constEnd())
        return *it;
    // First sample of this interface since start: the stored one before it.
    m_latest->bindValue(0, deviceId);
    m_latest->bindValue(1, QString::fromStdString(name));
    m_latest->bindValue(2, tsMs);
    if (!m_latest->exec()) {
        *error = m_latest->lastError().text();
        *ok = false;
        return std::nullopt;
    }
    std::optional<Previous> found;
    if (m_latest->next()) {
        found = Previous {m_latest->value(0).toLongLong(), m_latest->value(1).toULongLong(),
            m_latest->value(2).toULongLong()};
    }
    m_latest->finish();
    return found;
}

bool NetworkMinuteRollup::add(
    qint64 deviceId, qint64 tsMs, const dmr::InterfaceSample &sample, QString *error)
{
    bool ok = true;
    const std::optional<Previous> before = previous(deviceId, sample.name, tsMs, &ok, error);
    if (!ok)
        return false;
    Minute &m = m_minutes[{deviceId, MinuteRollup::minuteOf(tsMs), sample.name}];
    if (m.samples == 0) {
        m.firstTs = m.lastTs = tsMs;
    } else {
        m.firstTs = std::min(m.firstTs, tsMs);
        m.lastTs = std::max(m.lastTs, tsMs);
    }
    ++m.samples;
    // A late sample (older than the newest) neither gives nor takes a rate.
    if (before && tsMs <= before->ts)
        return true;
    if (before) {
        if (const auto rx = rate(before->ts, before->rx, tsMs, sample.rxBytes))
            widen(m.rxMin, m.rxMax, *rx);
        if (const auto tx = rate(before->ts, before->tx, tsMs, sample.txBytes))
            widen(m.txMin, m.txMax, *tx);
    }
    m_previous.insert(
        {deviceId, QByteArray::fromStdString(sample.name)}, {tsMs, sample.rxBytes, sample.txBytes});
    return true;
}

bool NetworkMinuteRollup::write(QString *error)
{
    for (const auto &[key, m] : m_minutes) {
        m_upsert->bind(0, std::get<0>(key));
        m_upsert->bind(1, std::get<1>(key));
        m_upsert->bind(2, std::get<2>(key));
        m_upsert->bind(3, m.samples);
        m_upsert->bind(4, m.firstTs);
        m_upsert->bind(5, m.lastTs);
        m_upsert->bind(6, m.rxMin);
        m_upsert->bind(7, m.rxMax);
        m_upsert->bind(8, m.txMin);
        m_upsert->bind(9, m.txMax);
        if (!m_upsert->exec(error))
            return false;
    }
    m_minutes.clear();
    return true;
}

} // namespace dmr::console
