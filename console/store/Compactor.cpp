// SPDX-License-Identifier: MIT
#include "store/Compactor.h"

#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>

namespace dmr::console {

namespace {

QString failure(const QSqlQuery &query)
{
    return query.lastError().text();
}

} // namespace

Compactor::Compactor(QSqlDatabase db, qint64 graceMs)
    : m_db(std::move(db))
    , m_graceMs(graceMs)
{ }

void Compactor::noteNewest(qint64 deviceId, qint64 newestTs)
{
    auto [it, added] = m_newest.try_emplace(deviceId, newestTs);
    if (!added && newestTs <= it->second)
        return;
    it->second = newestTs;
    // Worth a look only once a window can have closed since the last one.
    const auto checked = m_checked.find(deviceId);
    if (checked != m_checked.end() && ChunkTable::windowOf(newestTs - m_graceMs) <= checked->second)
        return;
    if (m_queued.insert(deviceId).second)
        m_queue.push_back(deviceId);
}

void Compactor::forget(qint64 deviceId)
{
    m_newest.erase(deviceId);
    m_checked.erase(deviceId);
    if (m_queued.erase(deviceId) > 0)
        m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), deviceId), m_queue.end());
}

bool Compactor::scanAll(QString *error)
{
    QSqlQuery devices(m_db);
    devices.setForwardOnly(true);
    if (!devices.exec(QStringLiteral("SELECT id FROM devices ORDER BY id"))) {
        *error = failure(devices);
        return false;
    }
    std::vector<qint64> ids;
    while (devices.next())
        ids.push_back(devices.value(0).toLongLong());
    QSqlQuery newest(m_db);
    newest.setForwardOnly(true);
    for (qint64 id : ids) {
        for (ChunkTable::Kind kind : {ChunkTable::Kind::System, ChunkTable::Kind::Network}) {
            // One index seek on (device, ts) each.
            newest.prepare(QStringLiteral("SELECT MAX(ts) FROM %1 WHERE device = ?")
                               .arg(ChunkTable::rowTable(kind)));
            newest.addBindValue(id);
            if (!newest.exec()) {
                *error = failure(newest);
                return false;
            }
            if (newest.next() && !newest.isNull(0))
                noteNewest(id, newest.value(0).toLongLong());
            newest.finish();
        }
    }
    return true;
}

std::optional<qint64> Compactor::oldestRow(qint64 deviceId, Tier tier, QString *error) const
{
    std::optional<qint64> oldest;
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    for (bool network : {false, true}) {
        query.prepare(QStringLiteral("SELECT MIN(ts) FROM %1 WHERE device = ?")
                          .arg(ChunkTable::rowTable(ChunkTable::kindOf(tier, network))));
        query.addBindValue(deviceId);
        if (!query.exec()) {
            *error = failure(query);
            return std::nullopt;
        }
        if (query.next() && !query.isNull(0)) {
            const qint64 ts = query.value(0).toLongLong();
            oldest = oldest ? std::min(*oldest, ts) : ts;
        }
        query.finish();
    }
    return oldest;
}

std::optional<Compactor::Step> Compactor::step(QString *error)
{
    error->clear();
    while (!m_queue.empty()) {
        const qint64 deviceId = m_queue.front();
        const qint64 closeAt = m_newest.at(deviceId) - m_graceMs;
        // The finest tier first: its windows are what readers of recent
        // history decode.
        for (Tier tier : Tiers::kAll) {
            // Windows that start before this one's have all ended `grace` ago.
            const qint64 closeBefore
                = ChunkTable::windowOf(ChunkTable::kindOf(tier, false), closeAt);
            const std::optional<qint64> oldest = oldestRow(deviceId, tier, error);
            if (!error->isEmpty())
                return std::nullopt;
            if (!oldest || *oldest >= closeBefore)
                continue;
            Step step {
                deviceId, tier, ChunkTable::windowOf(ChunkTable::kindOf(tier, false), *oldest), 0};
            if (!closeWindow(deviceId, tier, step.windowStart, &step.rows, error))
                return std::nullopt;
            // Round robin: the next device's oldest window before this one's next.
            m_queue.pop_front();
            m_queue.push_back(deviceId);
            return step;
        }
        m_queue.pop_front(); // nothing to close until it reports again
        m_queued.erase(deviceId);
        // Every tier's windows end on a raw window's end: looking again when
        // a raw window can close sees the others too.
        m_checked[deviceId] = ChunkTable::windowOf(closeAt);
    }
    return std::nullopt;
}

bool Compactor::closeWindow(
    qint64 deviceId, Tier tier, qint64 windowStart, qint64 *rows, QString *error)
{
    if (!m_db.transaction()) {
        *error = m_db.lastError().text();
        return false;
    }
    if (closeKind(ChunkTable::kindOf(tier, false), deviceId, windowStart, rows, error)
        && closeKind(ChunkTable::kindOf(tier, true), deviceId, windowStart, rows, error)
        && m_db.commit())
        return true;
    if (error->isEmpty())
        *error = m_db.lastError().text();
    m_db.rollback();
    return false;
}

bool Compactor::closeKind(
    ChunkTable::Kind kind, qint64 deviceId, qint64 windowStart, qint64 *moved, QString *error)
{
    const QStringList &columns = ChunkTable::columns(kind);
    const qint64 windowEnd = windowStart + ChunkTable::windowMs(kind);
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT %1 FROM %2 WHERE device = ? AND ts >= ? AND ts < ?")
                      .arg(columns.join(QStringLiteral(", ")), ChunkTable::rowTable(kind)));
    query.addBindValue(deviceId);
    query.addBindValue(windowStart);
    query.addBindValue(windowEnd);
    if (!query.exec()) {
        *error = failure(query);
        return false;
    }
    std::vector<QVariantList> rows;
    while (query.next()) {
        QVariantList values;
        values.reserve(columns.size());
        for (int i = 0; i < columns.size(); ++i)
            values.append(query.value(i));
        rows.push_back(std::move(values));
    }
    query.finish();
    if (rows.empty())
        return true;
    const qint64 fresh = qint64(rows.size());

    // A window closed before: its late rows join the chunk.
    query.prepare(
        QStringLiteral("SELECT data FROM %1 WHERE device = ? AND kind = ? AND start_ts = ?")
            .arg(ChunkTable::table()));
    query.addBindValue(deviceId);
    query.addBindValue(int(kind));
    query.addBindValue(windowStart);
    if (!query.exec()) {
        *error = failure(query);
        return false;
    }
    const bool existed = query.next();
    if (existed) {
        const std::optional<ColumnBlock> block
            = ChunkCodec::decode(query.value(0).toByteArray(), error);
        if (!block)
            return false;
        for (QVariantList &row : ChunkTable::toRows(kind, *block))
            rows.push_back(std::move(row));
    }
    query.finish();

    // A late report's second row of a bucket the chunk holds becomes one.
    if (ChunkTable::isRollup(kind)) {
        ChunkTable::sortForReaders(kind, &rows);
        ChunkTable::mergeDuplicates(kind, &rows);
    }
    // The span of the samples: a rollup row's are its first_ts and last_ts.
    const int firstColumn = ChunkTable::isRollup(kind)
        ? int(ChunkTable::columns(kind).indexOf(QStringLiteral("first_ts")))
        : 0;
    const int lastColumn = ChunkTable::isRollup(kind)
        ? int(ChunkTable::columns(kind).indexOf(QStringLiteral("last_ts")))
        : 0;
    qint64 first = rows.front().at(firstColumn).toLongLong();
    qint64 last = rows.front().at(lastColumn).toLongLong();
    for (const QVariantList &row : rows) {
        first = std::min(first, row.at(firstColumn).toLongLong());
        last = std::max(last, row.at(lastColumn).toLongLong());
    }
    const qint64 count = qint64(rows.size());
    const QByteArray data = ChunkCodec::encode(ChunkTable::toBlock(kind, std::move(rows)));
    if (existed) {
        query.prepare(QStringLiteral("UPDATE %1 SET first_ts = ?, last_ts = ?, row_count = ?,"
                                     " data = ? WHERE device = ? AND kind = ? AND start_ts = ?")
                          .arg(ChunkTable::table()));
        query.addBindValue(first);
        query.addBindValue(last);
        query.addBindValue(count);
        query.addBindValue(data);
        query.addBindValue(deviceId);
        query.addBindValue(int(kind));
        query.addBindValue(windowStart);
    } else {
        query.prepare(QStringLiteral("INSERT INTO %1 (device, kind, start_ts, first_ts, last_ts,"
                                     " row_count, data) VALUES (?, ?, ?, ?, ?, ?, ?)")
                          .arg(ChunkTable::table()));
        query.addBindValue(deviceId);
        query.addBindValue(int(kind));
        query.addBindValue(windowStart);
        query.addBindValue(first);
        query.addBindValue(last);
        query.addBindValue(count);
        query.addBindValue(data);
    }
    if (!query.exec()) {
        *error = failure(query);
        return false;
    }
    query.prepare(QStringLiteral("DELETE FROM %1 WHERE device = ? AND ts >= ? AND ts < ?")
                      .arg(ChunkTable::rowTable(kind)));
    query.addBindValue(deviceId);
    query.addBindValue(windowStart);
    query.addBindValue(windowEnd);
    if (!query.exec()) {
        *error = failure(query);
        return false;
    }
    if (query.numRowsAffected() != fresh) {
        *error = QStringLiteral("compaction of device %1 at %2: %3 rows read, %4 deleted")
                     .arg(deviceId)
                     .arg(windowStart)
                     .arg(fresh)
                     .arg(query.numRowsAffected());
        return false;
    }
    *moved += fresh;
    return true;
}

} // namespace dmr::console
