// SPDX-License-Identifier: MIT
#include "store/MinuteRollup.h"

#include "store/BulkInsert.h"
#include "store/SystemFields.h"

#include <algorithm>

namespace dmr::console {

namespace {

QStringList columns()
{
    QStringList list = {QStringLiteral("device"), QStringLiteral("ts"), QStringLiteral("samples"),
        QStringLiteral("first_ts"), QStringLiteral("last_ts")};
    for (const QString &metric : SystemFields::names()) {
        list << metric + QStringLiteral("_min") << metric + QStringLiteral("_max")
             << metric + QStringLiteral("_sum");
    }
    return list;
}

// Portable between SQLite (3.24+) and PostgreSQL: no MIN()/MAX() of two
// values (PostgreSQL calls them LEAST/GREATEST), CASE instead.
QString mergeClause()
{
    const QString t = MinuteRollup::table();
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

QStringList MinuteRollup::createStatements(const QStringList &metrics)
{
    QString create = QStringLiteral("CREATE TABLE %1 ("
                                    " device BIGINT NOT NULL REFERENCES devices(id),"
                                    " ts BIGINT NOT NULL,"
                                    " samples BIGINT NOT NULL,"
                                    " first_ts BIGINT NOT NULL,"
                                    " last_ts BIGINT NOT NULL")
                         .arg(table());
    QString aggregates;
    for (const QString &metric : metrics) {
        create += QStringLiteral(", %1_min DOUBLE PRECISION NOT NULL,"
                                 " %1_max DOUBLE PRECISION NOT NULL,"
                                 " %1_sum DOUBLE PRECISION NOT NULL")
                      .arg(metric);
        aggregates += QStringLiteral(", MIN(%1), MAX(%1), SUM(%1)").arg(metric);
    }
    create += QStringLiteral(", PRIMARY KEY (device, ts))");
    QStringList names = {QStringLiteral("device"), QStringLiteral("ts"), QStringLiteral("samples"),
        QStringLiteral("first_ts"), QStringLiteral("last_ts")};
    for (const QString &metric : metrics) {
        names << metric + QStringLiteral("_min") << metric + QStringLiteral("_max")
              << metric + QStringLiteral("_sum");
    }
    const QString minute = QStringLiteral("(ts / %1) * %1").arg(kMinuteMs);
    return {create,
        QStringLiteral("INSERT INTO %1 (%2) SELECT device, %3, COUNT(*), MIN(ts), MAX(ts)%4"
                       " FROM system_metrics GROUP BY device, %3")
            .arg(table(), names.join(QStringLiteral(", ")), minute, aggregates)};
}

QStringList MinuteRollup::addMetricStatements(const QString &metric)
{
    QStringList statements;
    QStringList set;
    for (const QString &aggregate :
        {QStringLiteral("MIN"), QStringLiteral("MAX"), QStringLiteral("SUM")}) {
        const QString column = QStringLiteral("%1_%2").arg(metric, aggregate.toLower());
        statements << QStringLiteral("ALTER TABLE %1 ADD COLUMN %2 DOUBLE PRECISION NOT NULL"
                                     " DEFAULT 0")
                          .arg(table(), column);
        set << QStringLiteral("%1 = COALESCE((SELECT %2(s.%3) FROM system_metrics s"
                              " WHERE s.device = %4.device AND s.ts >= %4.ts"
                              " AND s.ts < %4.ts + %5), 0)")
                   .arg(column, aggregate, metric, table())
                   .arg(kMinuteMs);
    }
    statements << QStringLiteral("UPDATE %1 SET %2").arg(table(), set.join(QStringLiteral(", ")));
    return statements;
}

MinuteRollup::MinuteRollup(QSqlDatabase db)
    : m_db(std::move(db))
{ }

MinuteRollup::~MinuteRollup() = default;

bool MinuteRollup::prepare(QString *error)
{
    m_upsert = std::make_unique<BulkInsert>(
        m_db, table(), columns(), 1, BulkInsert::Binding::Native, mergeClause());
    return m_upsert->prepare(error);
}

void MinuteRollup::add(qint64 deviceId, qint64 tsMs, const dmr::SystemSample &sample)
{
    const std::array<double, SystemFields::kCount> v = SystemFields::values(sample);
    Minute &m = m_minutes[{deviceId, minuteOf(tsMs)}];
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

bool MinuteRollup::write(QString *error)
{
    const std::map<std::pair<qint64, qint64>, Minute> minutes = std::move(m_minutes);
    m_minutes.clear();
    for (const auto &[key, m] : minutes) {
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
