// SPDX-License-Identifier: MIT
#include "store/SystemRollup.h"

#include "store/BulkInsert.h"
#include "store/SystemFields.h"

#include <algorithm>

namespace dmr::console {

namespace {

QStringList upsertColumns()
{
    return QStringList {QStringLiteral("device")} + SystemRollup::columns();
}

// Portable between SQLite (3.24+) and PostgreSQL: no MIN()/MAX() of two
// values (PostgreSQL calls them LEAST/GREATEST), CASE instead.
QString mergeClause(const QString &t)
{
    auto smaller = [&t](const QString &c) {
        return QStringLiteral("%1 = CASE WHEN excluded.%1 < %2.%1 THEN excluded.%1 ELSE %2.%1 END")
            .arg(c, t);
    };
    auto larger = [&t](const QString &c) {
        return QStringLiteral("%1 = CASE WHEN excluded.%1 > %2.%1 THEN excluded.%1 ELSE %2.%1 END")
            .arg(c, t);
    };
    auto added
        = [&t](const QString &c) { return QStringLiteral("%1 = %2.%1 + excluded.%1").arg(c, t); };
    QStringList set = {added(QStringLiteral("samples")), smaller(QStringLiteral("first_ts")),
        larger(QStringLiteral("last_ts"))};
    for (const QString &metric : SystemFields::names()) {
        set << smaller(metric + QStringLiteral("_min")) << larger(metric + QStringLiteral("_max"))
            << added(metric + QStringLiteral("_sum"));
    }
    return QStringLiteral("ON CONFLICT (device, ts) DO UPDATE SET ")
        + set.join(QStringLiteral(", "));
}

} // namespace

QStringList SystemRollup::columns()
{
    QStringList list = {QStringLiteral("ts"), QStringLiteral("samples"), QStringLiteral("first_ts"),
        QStringLiteral("last_ts")};
    for (const QString &metric : SystemFields::names()) {
        list << metric + QStringLiteral("_min") << metric + QStringLiteral("_max")
             << metric + QStringLiteral("_sum");
    }
    return list;
}

namespace {

// The CREATE TABLE of a tier's table with the aggregates of `metrics`, and
// its columns' names.
QString createTable(Tier tier, const QStringList &metrics, QStringList *names)
{
    QString create = QStringLiteral("CREATE TABLE %1 ("
                                    " device BIGINT NOT NULL REFERENCES devices(id),"
                                    " ts BIGINT NOT NULL,"
                                    " samples BIGINT NOT NULL,"
                                    " first_ts BIGINT NOT NULL,"
                                    " last_ts BIGINT NOT NULL")
                         .arg(SystemRollup::table(tier));
    *names = QStringList {QStringLiteral("device"), QStringLiteral("ts"), QStringLiteral("samples"),
        QStringLiteral("first_ts"), QStringLiteral("last_ts")};
    for (const QString &metric : metrics) {
        create += QStringLiteral(", %1_min DOUBLE PRECISION NOT NULL,"
                                 " %1_max DOUBLE PRECISION NOT NULL,"
                                 " %1_sum DOUBLE PRECISION NOT NULL")
                      .arg(metric);
        *names << metric + QStringLiteral("_min") << metric + QStringLiteral("_max")
               << metric + QStringLiteral("_sum");
    }
    return create + QStringLiteral(", PRIMARY KEY (device, ts))");
}

} // namespace

QStringList SystemRollup::createStatements(const QStringList &metrics)
{
    QStringList names;
    const QString create = createTable(Tier::Minute, metrics, &names);
    QString aggregates;
    for (const QString &metric : metrics)
        aggregates += QStringLiteral(", MIN(%1), MAX(%1), SUM(%1)").arg(metric);
    const QString minute = QStringLiteral("(ts / %1) * %1").arg(Tiers::bucketMs(Tier::Minute));
    return {create,
        QStringLiteral("INSERT INTO %1 (%2) SELECT device, %3, COUNT(*), MIN(ts), MAX(ts)%4"
                       " FROM system_metrics GROUP BY device, %3")
            .arg(table(Tier::Minute), names.join(QStringLiteral(", ")), minute, aggregates)};
}

QStringList SystemRollup::createHourStatements(const QStringList &metrics)
{
    QStringList names;
    const QString create = createTable(Tier::Hour, metrics, &names);
    QString aggregates;
    for (const QString &metric : metrics) {
        aggregates += QStringLiteral(", MIN(%1_min), MAX(%1_max), SUM(%1_sum)").arg(metric);
    }
    const QString hour = QStringLiteral("(ts / %1) * %1").arg(Tiers::bucketMs(Tier::Hour));
    return {create,
        QStringLiteral("INSERT INTO %1 (%2) SELECT device, %3, SUM(samples), MIN(first_ts),"
                       " MAX(last_ts)%4 FROM %5 GROUP BY device, %3")
            .arg(table(Tier::Hour), names.join(QStringLiteral(", ")), hour, aggregates,
                table(Tier::Minute))};
}

QStringList SystemRollup::addMetricStatements(const QString &metric)
{
    QStringList statements;
    QStringList set;
    for (const QString &aggregate :
        {QStringLiteral("MIN"), QStringLiteral("MAX"), QStringLiteral("SUM")}) {
        const QString column = QStringLiteral("%1_%2").arg(metric, aggregate.toLower());
        statements << QStringLiteral("ALTER TABLE %1 ADD COLUMN %2 DOUBLE PRECISION NOT NULL"
                                     " DEFAULT 0")
                          .arg(table(Tier::Minute), column);
        set << QStringLiteral("%1 = COALESCE((SELECT %2(s.%3) FROM system_metrics s"
                              " WHERE s.device = %4.device AND s.ts >= %4.ts"
                              " AND s.ts < %4.ts + %5), 0)")
                   .arg(column, aggregate, metric, table(Tier::Minute))
                   .arg(Tiers::bucketMs(Tier::Minute));
    }
    statements << QStringLiteral("UPDATE %1 SET %2")
                      .arg(table(Tier::Minute), set.join(QStringLiteral(", ")));
    return statements;
}

SystemRollup::SystemRollup(QSqlDatabase db, Tier tier)
    : m_db(std::move(db))
    , m_tier(tier)
{ }

SystemRollup::~SystemRollup() = default;

bool SystemRollup::prepare(QString *error)
{
    m_upsert = std::make_unique<BulkInsert>(m_db, table(m_tier), upsertColumns(), 1,
        BulkInsert::Binding::Native, mergeClause(table(m_tier)));
    return m_upsert->prepare(error);
}

void SystemRollup::add(qint64 deviceId, qint64 tsMs, const dmr::SystemSample &sample)
{
    const std::array<double, SystemFields::kCount> v = SystemFields::values(sample);
    Bucket &m = m_buckets[{deviceId, Tiers::bucketOf(m_tier, tsMs)}];
    if (m.samples == 0) {
        m.firstTs = m.lastTs = tsMs;
        m.min = m.max = v;
    } else {
        m.firstTs = std::min(m.firstTs, tsMs);
        m.lastTs = std::max(m.lastTs, tsMs);
        for (int i = 0; i < SystemFields::kCount; ++i) {
            m.min[std::size_t(i)] = std::min(m.min[std::size_t(i)], v[std::size_t(i)]);
            m.max[std::size_t(i)] = std::max(m.max[std::size_t(i)], v[std::size_t(i)]);
        }
    }
    for (int i = 0; i < SystemFields::kCount; ++i)
        m.sum[std::size_t(i)] += v[std::size_t(i)];
    ++m.samples;
}

bool SystemRollup::write(QString *error)
{
    const std::map<std::pair<qint64, qint64>, Bucket> buckets = std::move(m_buckets);
    m_buckets.clear();
    for (const auto &[key, m] : buckets) {
        m_upsert->bind(0, key.first);
        m_upsert->bind(1, key.second);
        m_upsert->bind(2, m.samples);
        m_upsert->bind(3, m.firstTs);
        m_upsert->bind(4, m.lastTs);
        for (int i = 0; i < SystemFields::kCount; ++i) {
            m_upsert->bind(5 + 3 * i, m.min[std::size_t(i)]);
            m_upsert->bind(6 + 3 * i, m.max[std::size_t(i)]);
            m_upsert->bind(7 + 3 * i, m.sum[std::size_t(i)]);
        }
        if (!m_upsert->exec(error))
            return false;
    }
    return true;
}

} // namespace dmr::console
