// SPDX-License-Identifier: MIT
#include "store/Retention.h"

#include "store/ChunkTable.h"
#include "store/MinuteRollup.h"
#include "store/NetworkMinuteRollup.h"

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
    if (m_limits.keepRawMs <= 0 && m_limits.keepMinuteMs <= 0)
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
    if (m_limits.keepRawMs > 0) {
        const qint64 before = age - m_limits.keepRawMs;
        // Whole windows only: a chunk goes once all of it is too old.
        deletes.push_back({QStringLiteral("DELETE FROM %1 WHERE device = ? AND start_ts <= ?")
                               .arg(ChunkTable::table()),
            before - ChunkTable::kWindowMs});
        for (ChunkTable::Kind kind : {ChunkTable::Kind::System, ChunkTable::Kind::Network})
            deletes.push_back({QStringLiteral("DELETE FROM %1 WHERE device = ? AND ts < ?")
                                   .arg(ChunkTable::rowTable(kind)),
                ChunkTable::windowOf(before)});
    }
    if (m_limits.keepMinuteMs > 0) {
        const qint64 before = age - m_limits.keepMinuteMs;
        for (const QString &table : {MinuteRollup::table(), NetworkMinuteRollup::table()})
            deletes.push_back(
                {QStringLiteral("DELETE FROM %1 WHERE device = ? AND ts < ?").arg(table), before});
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
    const std::optional<qint64> pages = number(QStringLiteral("PRAGMA page_count"));
    const std::optional<qint64> free = number(QStringLiteral("PRAGMA freelist_count"));
    const std::optional<qint64> pageSize = number(QStringLiteral("PRAGMA page_size"));
    if (!pages || !free || !pageSize)
        return std::nullopt;
    if ((*pages - *free) * *pageSize <= m_limits.maxBytes)
        return std::nullopt;
    // Portable SQL: the oldest window (or hour) of the whole fleet at once.
    const std::optional<qint64> oldestChunk
        = number(QStringLiteral("SELECT MIN(start_ts) FROM %1").arg(ChunkTable::table()));
    if (!oldestChunk)
        return std::nullopt;
    QStringList deletes;
    qint64 before = 0;
    QString what;
    if (*oldestChunk >= 0) {
        before = *oldestChunk + ChunkTable::kWindowMs;
        deletes << QStringLiteral("DELETE FROM %1 WHERE start_ts < ?").arg(ChunkTable::table());
        what = QStringLiteral("raw history");
    } else {
        const std::optional<qint64> oldestMinute
            = number(QStringLiteral("SELECT MIN(ts) FROM %1").arg(MinuteRollup::table()));
        if (!oldestMinute || *oldestMinute < 0)
            return std::nullopt; // nothing it may delete is left
        before = *oldestMinute + 3600000;
        for (const QString &table : {MinuteRollup::table(), NetworkMinuteRollup::table()})
            deletes << QStringLiteral("DELETE FROM %1 WHERE ts < ?").arg(table);
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
