// SPDX-License-Identifier: MIT
#include "store/Retention.h"

#include "store/ChunkTable.h"
#include "store/HardwareTable.h"
#include "store/SqlConnection.h"
#include "store/StoreLogging.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimeZone>
#include <algorithm>

namespace dmr::console {

namespace {

// Applying the limits again is worth it once they reach this much further.
constexpr qint64 kStepMs = 10 * 60 * 1000;

} // namespace

Retention::Retention(QSqlDatabase db, Limits limits, std::function<qint64()> clock)
    : m_db(std::move(db))
    , m_limits(limits)
    , m_clock(std::move(clock))
{ }

void Retention::noteNewest(qint64 deviceId, qint64 newestTs)
{
    if (m_limits.keepRawMs <= 0 && m_limits.keepMinuteMs <= 0 && m_limits.keepHourMs <= 0)
        return;
    qint64 &newest = m_newest[deviceId];
    newest = std::max(newest, newestTs);
    const auto applied = m_appliedAt.find(deviceId);
    const qint64 horizon = std::min(newest, m_clock());
    if (applied != m_appliedAt.end() && horizon < applied->second + kStepMs)
        return;
    if (m_queued.insert(deviceId).second)
        m_queue.push_back(deviceId);
}

void Retention::forget(qint64 deviceId)
{
    m_newest.erase(deviceId);
    m_appliedAt.erase(deviceId);
    if (m_queued.erase(deviceId) > 0)
        m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), deviceId), m_queue.end());
}

qint64 Retention::newest() const
{
    qint64 newest = 0;
    for (const auto &[device, ts] : m_newest)
        newest = std::max(newest, ts);
    return newest;
}

std::optional<qint64> Retention::step(QString *error)
{
    error->clear();
    if (m_queue.empty())
        return std::nullopt;
    const qint64 deviceId = m_queue.front();
    m_queue.pop_front();
    m_queued.erase(deviceId);
    const qint64 age = std::min(m_newest.at(deviceId), m_clock());

    struct Delete
    {
        QString sql;
        qint64 before;
    };
    std::vector<Delete> deletes;
    for (Tier tier : Tiers::kAll) {
        const qint64 keep = tier == Tier::Raw ? m_limits.keepRawMs
            : tier == Tier::Minute            ? m_limits.keepMinuteMs
                                              : m_limits.keepHourMs;
        if (keep <= 0)
            continue;
        const qint64 before = age - keep;
        for (bool network : {false, true}) {
            const ChunkTable::Kind kind = ChunkTable::kindOf(tier, network);
            // Whole windows only: a chunk goes once all of it is too old.
            deletes.push_back({QStringLiteral("DELETE FROM %1 WHERE device = ? AND kind = %2"
                                              " AND start_ts <= ?")
                                   .arg(ChunkTable::table())
                                   .arg(int(kind)),
                before - ChunkTable::windowMs(kind)});
            // Raw rows by whole windows too, so that a window is never cut;
            // rollup rows by their bucket.
            deletes.push_back({QStringLiteral("DELETE FROM %1 WHERE device = ? AND ts < ?")
                                   .arg(ChunkTable::rowTable(kind)),
                tier == Tier::Raw ? ChunkTable::windowOf(before) : before});
        }
        // Hardware rows go with the system rows of their time.
        if (tier == Tier::Raw)
            deletes.push_back({QStringLiteral("DELETE FROM %1 WHERE device = ? AND ts < ?")
                                   .arg(HardwareTable::table()),
                ChunkTable::windowOf(before)});
    }
    if (!m_db.transaction()) {
        *error = m_db.lastError().text();
        return std::nullopt;
    }
    qint64 deleted = 0;
    QSqlQuery query(m_db);
    for (const Delete &d : deletes) {
        query.prepare(d.sql);
        query.addBindValue(deviceId);
        query.addBindValue(d.before);
        if (!query.exec()) {
            *error = query.lastError().text();
            m_db.rollback();
            return std::nullopt;
        }
        deleted += std::max(0, query.numRowsAffected());
    }
    if (!m_db.commit()) {
        *error = m_db.lastError().text();
        m_db.rollback();
        return std::nullopt;
    }
    m_appliedAt[deviceId] = age;
    return deleted;
}

std::optional<QString> Retention::enforceBudget(QString *error)
{
    error->clear();
    if (m_limits.maxBytes <= 0)
        return std::nullopt;
    if (SqlConnection::isPostgres(m_db)) {
        // Deleted rows give PostgreSQL no disk back until a VACUUM FULL:
        // measured by size, the budget would go on deleting everything.
        // There the days of each tier (--keep-*) bound the history.
        if (!m_budgetExplained)
            qCWarning(lcStore,
                "--max-db-size is not enforced on PostgreSQL; --keep-raw,"
                " --keep-minute and --keep-hour bound the history there");
        m_budgetExplained = true;
        return std::nullopt;
    }
    QSqlQuery query(m_db);
    auto number = [&query, error](const QString &sql) -> std::optional<qint64> {
        if (!query.exec(sql) || !query.next()) {
            *error = query.lastError().text();
            return std::nullopt;
        }
        const qint64 value = query.isNull(0) ? -1 : query.value(0).toLongLong();
        query.finish();
        return value;
    };
    qint64 used = 0;
    if (!SqlConnection::usedBytes(m_db, &used, error))
        return std::nullopt;
    if (used <= m_limits.maxBytes)
        return std::nullopt;
    // Portable SQL: the oldest window of the whole fleet at once, raw
    // first, then minutes (chunks, or rows by the hour where none are
    // closed); the hours stay.
    auto oldestChunk = [&](Tier tier) {
        return number(QStringLiteral("SELECT MIN(start_ts) FROM %1 WHERE kind IN (%2, %3)")
                          .arg(ChunkTable::table())
                          .arg(int(ChunkTable::kindOf(tier, false)))
                          .arg(int(ChunkTable::kindOf(tier, true))));
    };
    QStringList deletes;
    qint64 before = 0;
    QString what;
    const std::optional<qint64> oldestRaw = oldestChunk(Tier::Raw);
    if (!oldestRaw)
        return std::nullopt;
    if (*oldestRaw >= 0) {
        before = *oldestRaw + ChunkTable::kWindowMs;
        deletes << QStringLiteral("DELETE FROM %1 WHERE kind IN (%2, %3) AND start_ts < ?")
                       .arg(ChunkTable::table())
                       .arg(int(ChunkTable::Kind::System))
                       .arg(int(ChunkTable::Kind::Network));
        // Hardware rows have no tier above raw: they go with the raw history.
        deletes << QStringLiteral("DELETE FROM %1 WHERE ts < ?").arg(HardwareTable::table());
        what = QStringLiteral("raw history");
    } else {
        const std::optional<qint64> oldestMinutes = oldestChunk(Tier::Minute);
        if (!oldestMinutes)
            return std::nullopt;
        if (*oldestMinutes >= 0) {
            before = *oldestMinutes + ChunkTable::windowMs(ChunkTable::Kind::SystemMinute);
            deletes << QStringLiteral("DELETE FROM %1 WHERE kind IN (%2, %3) AND start_ts < ?")
                           .arg(ChunkTable::table())
                           .arg(int(ChunkTable::Kind::SystemMinute))
                           .arg(int(ChunkTable::Kind::NetworkMinute));
        } else {
            const std::optional<qint64> oldestMinute = number(
                QStringLiteral("SELECT MIN(ts) FROM %1").arg(Tiers::systemTable(Tier::Minute)));
            if (!oldestMinute || *oldestMinute < 0)
                return std::nullopt; // nothing it may delete is left
            before = *oldestMinute + Tiers::bucketMs(Tier::Hour);
        }
        for (const QString &table :
            {Tiers::systemTable(Tier::Minute), Tiers::networkTable(Tier::Minute)})
            deletes << QStringLiteral("DELETE FROM %1 WHERE ts < ?").arg(table);
        deletes << QStringLiteral("DELETE FROM %1 WHERE ts < ?").arg(HardwareTable::table());
        what = QStringLiteral("per-minute history");
    }
    if (!m_db.transaction()) {
        *error = m_db.lastError().text();
        return std::nullopt;
    }
    for (const QString &sql : deletes) {
        query.prepare(sql);
        query.addBindValue(before);
        if (!query.exec()) {
            *error = query.lastError().text();
            m_db.rollback();
            return std::nullopt;
        }
    }
    if (!m_db.commit()) {
        *error = m_db.lastError().text();
        m_db.rollback();
        return std::nullopt;
    }
    return QStringLiteral("the disk budget deleted the oldest %1 (before %2)")
        .arg(what, QDateTime::fromMSecsSinceEpoch(before, QTimeZone::utc()).toString(Qt::ISODate));
}

} // namespace dmr::console
