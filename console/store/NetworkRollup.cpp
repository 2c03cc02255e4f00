// SPDX-License-Identifier: MIT
#include "store/NetworkRollup.h"

#include "store/BulkInsert.h"

#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>

namespace dmr::console {

namespace {

// The columns of migration 2's minute table.
const QStringList kColumnsOfVersion2 = {QStringLiteral("device"), QStringLiteral("ts"),
    QStringLiteral("interface"), QStringLiteral("samples"), QStringLiteral("first_ts"),
    QStringLiteral("last_ts"), QStringLiteral("rx_rate_min"), QStringLiteral("rx_rate_max"),
    QStringLiteral("tx_rate_min"), QStringLiteral("tx_rate_max")};

// A counter's rate and increase from the sample before in the same
// interface's series; NULL where there is none (first sample, reset).
const QString kRate
    = QStringLiteral("CASE WHEN ts > LAG(ts) OVER w AND %1 >= LAG(%1) OVER w"
                     " THEN (%1 - LAG(%1) OVER w) * 1000.0 / (ts - LAG(ts) OVER w) END");
const QString kIncrease = QStringLiteral(
    "CASE WHEN ts > LAG(ts) OVER w AND %1 >= LAG(%1) OVER w THEN %1 - LAG(%1) OVER w END");

// Portable upsert (SQLite 3.24+, PostgreSQL); a NULL side takes the other.
QString mergeClause(const QString &t)
{
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
            pick(QStringLiteral("tx_rate_min"), "<"), pick(QStringLiteral("tx_rate_max"), ">"),
            QStringLiteral("rx_bytes_sum = %1.rx_bytes_sum + excluded.rx_bytes_sum").arg(t),
            QStringLiteral("tx_bytes_sum = %1.tx_bytes_sum + excluded.tx_bytes_sum").arg(t)}
              .join(QStringLiteral(", "));
}

void widen(std::optional<double> &min, std::optional<double> &max, double value)
{
    min = min ? std::min(*min, value) : value;
    max = max ? std::max(*max, value) : value;
}

} // namespace

const QStringList &NetworkRollup::columns()
{
    static const QStringList list = kColumnsOfVersion2.mid(1)
        + QStringList {QStringLiteral("rx_bytes_sum"), QStringLiteral("tx_bytes_sum")};
    return list;
}

QStringList NetworkRollup::createStatements()
{
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
                .arg(table(Tier::Minute)),
        QStringLiteral("INSERT INTO %1 (%2)"
                       " SELECT device, (ts / %3) * %3, interface, COUNT(*), MIN(ts), MAX(ts),"
                       " MIN(rx_rate), MAX(rx_rate), MIN(tx_rate), MAX(tx_rate)"
                       " FROM (SELECT device, ts, interface, %4 AS rx_rate, %5 AS tx_rate"
                       " FROM network_metrics"
                       " WINDOW w AS (PARTITION BY device, interface ORDER BY ts)) AS r"
                       " GROUP BY device, (ts / %3) * %3, interface")
            .arg(table(Tier::Minute), kColumnsOfVersion2.join(QStringLiteral(", ")))
            .arg(Tiers::bucketMs(Tier::Minute))
            .arg(kRate.arg(QStringLiteral("rx_bytes")), kRate.arg(QStringLiteral("tx_bytes")))};
}

QStringList NetworkRollup::addSumsAndHourStatements()
{
    const QString minute = table(Tier::Minute);
    QStringList statements;
    for (const char *sum : {"rx_bytes_sum", "tx_bytes_sum"}) {
        statements << QStringLiteral("ALTER TABLE %1 ADD COLUMN %2 BIGINT NOT NULL DEFAULT 0")
                          .arg(minute, QLatin1String(sum));
    }
    // The increases of the rows still in network_metrics (before this
    // version nothing else held raw rows for long), in UPDATE ... FROM,
    // which SQLite (3.33+) and PostgreSQL share.
    statements << QStringLiteral(
        "UPDATE %1 SET rx_bytes_sum = d.rx, tx_bytes_sum = d.tx"
        " FROM (SELECT device, (ts / %2) * %2 AS bucket, interface,"
        " COALESCE(SUM(rx), 0) AS rx, COALESCE(SUM(tx), 0) AS tx"
        " FROM (SELECT device, ts, interface, %3 AS rx, %4 AS tx FROM network_metrics"
        " WINDOW w AS (PARTITION BY device, interface ORDER BY ts)) AS r"
        " GROUP BY device, (ts / %2) * %2, interface) AS d"
        " WHERE %1.device = d.device AND %1.ts = d.bucket AND %1.interface = d.interface")
                      .arg(minute)
                      .arg(Tiers::bucketMs(Tier::Minute))
                      .arg(kIncrease.arg(QStringLiteral("rx_bytes")),
                          kIncrease.arg(QStringLiteral("tx_bytes")));
    statements << QStringLiteral("CREATE TABLE %1 ("
                                 " device BIGINT NOT NULL REFERENCES devices(id),"
                                 " ts BIGINT NOT NULL,"
                                 " interface VARCHAR(15) NOT NULL,"
                                 " samples BIGINT NOT NULL,"
                                 " first_ts BIGINT NOT NULL,"
                                 " last_ts BIGINT NOT NULL,"
                                 " rx_rate_min DOUBLE PRECISION, rx_rate_max DOUBLE PRECISION,"
                                 " tx_rate_min DOUBLE PRECISION, tx_rate_max DOUBLE PRECISION,"
                                 " rx_bytes_sum BIGINT NOT NULL, tx_bytes_sum BIGINT NOT NULL,"
                                 " PRIMARY KEY (device, ts, interface))")
                      .arg(table(Tier::Hour));
    statements << QStringLiteral("INSERT INTO %1 (device, %2)"
                                 " SELECT device, (ts / %3) * %3, interface, SUM(samples),"
                                 " MIN(first_ts), MAX(last_ts), MIN(rx_rate_min),"
                                 " MAX(rx_rate_max), MIN(tx_rate_min), MAX(tx_rate_max),"
                                 " SUM(rx_bytes_sum), SUM(tx_bytes_sum) FROM %4"
                                 " GROUP BY device, (ts / %3) * %3, interface")
                      .arg(table(Tier::Hour), columns().join(QStringLiteral(", ")))
                      .arg(Tiers::bucketMs(Tier::Hour))
                      .arg(minute);
    return statements;
}

NetworkRollup::NetworkRollup(QSqlDatabase db)
    : m_db(std::move(db))
{ }

NetworkRollup::~NetworkRollup() = default;

bool NetworkRollup::prepare(QString *error)
{
    for (std::size_t t = 0; t < Tiers::kRollups.size(); ++t) {
        const QString name = table(Tiers::kRollups[t]);
        m_upserts[t] = std::make_unique<BulkInsert>(m_db, name,
            QStringList {QStringLiteral("device")} + columns(), 1, BulkInsert::Binding::Native,
            mergeClause(name));
        if (!m_upserts[t]->prepare(error))
            return false;
    }
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

void NetworkRollup::begin()
{
    m_previousAtBegin = m_previous;
    for (auto &buckets : m_buckets)
        buckets.clear();
}

void NetworkRollup::rollback()
{
    m_previous = m_previousAtBegin;
    for (auto &buckets : m_buckets)
        buckets.clear();
}

std::optional<NetworkRollup::Previous> NetworkRollup::previous(
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

bool NetworkRollup::add(
    qint64 deviceId, qint64 tsMs, const dmr::InterfaceSample &sample, QString *error)
{
    bool ok = true;
    const std::optional<Previous> before = previous(deviceId, sample.name, tsMs, &ok, error);
    if (!ok)
        return false;
    // A late sample (older than the newest) neither gives nor takes a rate.
    const bool hasRate = before && tsMs > before->ts;
    const std::optional<double> rx
        = hasRate ? rate(before->ts, before->rx, tsMs, sample.rxBytes) : std::nullopt;
    const std::optional<double> tx
        = hasRate ? rate(before->ts, before->tx, tsMs, sample.txBytes) : std::nullopt;
    for (std::size_t t = 0; t < Tiers::kRollups.size(); ++t) {
        Bucket &m
            = m_buckets[t][{deviceId, Tiers::bucketOf(Tiers::kRollups[t], tsMs), sample.name}];
        if (m.samples == 0) {
            m.firstTs = m.lastTs = tsMs;
        } else {
            m.firstTs = std::min(m.firstTs, tsMs);
            m.lastTs = std::max(m.lastTs, tsMs);
        }
        ++m.samples;
        if (rx) {
            widen(m.rxMin, m.rxMax, *rx);
            m.rxSum += qint64(sample.rxBytes - before->rx);
        }
        if (tx) {
            widen(m.txMin, m.txMax, *tx);
            m.txSum += qint64(sample.txBytes - before->tx);
        }
    }
    if (before && tsMs <= before->ts)
        return true;
    m_previous.insert(
        {deviceId, QByteArray::fromStdString(sample.name)}, {tsMs, sample.rxBytes, sample.txBytes});
    return true;
}

bool NetworkRollup::write(QString *error)
{
    for (std::size_t t = 0; t < Tiers::kRollups.size(); ++t) {
        BulkInsert &upsert = *m_upserts[t];
        for (const auto &[key, m] : m_buckets[t]) {
            upsert.bind(0, std::get<0>(key));
            upsert.bind(1, std::get<1>(key));
            upsert.bind(2, std::get<2>(key));
            upsert.bind(3, m.samples);
            upsert.bind(4, m.firstTs);
            upsert.bind(5, m.lastTs);
            upsert.bind(6, m.rxMin);
            upsert.bind(7, m.rxMax);
            upsert.bind(8, m.txMin);
            upsert.bind(9, m.txMax);
            upsert.bind(10, m.rxSum);
            upsert.bind(11, m.txSum);
            if (!upsert.exec(error))
                return false;
        }
        m_buckets[t].clear();
    }
    return true;
}

} // namespace dmr::console
