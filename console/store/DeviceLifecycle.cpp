// SPDX-License-Identifier: MIT
#include "store/DeviceLifecycle.h"

#include "store/ChunkCodec.h"
#include "store/ChunkTable.h"
#include "store/HardwareTable.h"
#include "store/SqlConnection.h"
#include "store/Tier.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>
#include <algorithm>

namespace dmr::console {

namespace {

const char kDeviceColumns[] = "id, uuid, device_id, hostname, display_name, created_at, last_seen,"
                              " reports_received, reports_lost";

DeviceLifecycle::Device deviceFrom(const QSqlQuery &query)
{
    DeviceLifecycle::Device d;
    d.id = query.value(0).toLongLong();
    d.uuid = query.value(1).toString();
    d.deviceId = query.value(2).toString();
    d.hostname = query.value(3).toString();
    d.displayName = query.value(4).toString();
    d.createdAt = query.value(5).toLongLong();
    d.lastSeen = query.value(6).toLongLong();
    d.reportsReceived = query.value(7).toLongLong();
    d.reportsLost = query.value(8).toLongLong();
    return d;
}

QString failure(const QSqlQuery &query)
{
    return query.lastError().text();
}

// Runs a prepared statement with `values` bound in order.
bool run(QSqlQuery &query, const QString &sql, const QVariantList &values, QString *error)
{
    if (!query.prepare(sql)) {
        *error = QStringLiteral("%1: %2").arg(failure(query), sql.left(80));
        return false;
    }
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec()) {
        *error = QStringLiteral("%1: %2").arg(failure(query), sql.left(80));
        return false;
    }
    return true;
}

// How a rollup column of two rows with the same key combines, as the SET
// clause of an upsert (`t` the stored row, excluded the incoming one).
// NULLs (a minute without a rate) give way to values. Portable: CASE rather
// than MIN()/MAX() of two values, which PostgreSQL calls LEAST/GREATEST.
std::optional<QString> combine(const QString &table, const QString &column)
{
    const QString nulls = QStringLiteral("%1 = CASE WHEN %2.%1 IS NULL THEN excluded.%1"
                                         " WHEN excluded.%1 IS NULL THEN %2.%1 ")
                              .arg(column, table);
    if (column == QLatin1String("samples") || column.endsWith(QLatin1String("_sum"))
        || column.endsWith(QLatin1String("_count")))
        return nulls + QStringLiteral("ELSE %2.%1 + excluded.%1 END").arg(column, table);
    if (column == QLatin1String("first_ts") || column.endsWith(QLatin1String("_min")))
        return nulls
            + QStringLiteral("WHEN excluded.%1 < %2.%1 THEN excluded.%1 ELSE %2.%1 END")
                  .arg(column, table);
    if (column == QLatin1String("last_ts") || column.endsWith(QLatin1String("_max")))
        return nulls
            + QStringLiteral("WHEN excluded.%1 > %2.%1 THEN excluded.%1 ELSE %2.%1 END")
                  .arg(column, table);
    return std::nullopt;
}

bool isKey(const QString &column)
{
    return column == QLatin1String("device") || column == QLatin1String("ts")
        || column == QLatin1String("interface");
}

} // namespace

QList<DeviceLifecycle::OwnedTable> DeviceLifecycle::ownedTables(const QSqlDatabase &db)
{
    // Only those the schema has: the rollups came with migrations 2 and 6,
    // chunks with 5 (and a database is opened before it is migrated).
    QList<OwnedTable> all = {{ChunkTable::table(), Role::Chunks},
        {QStringLiteral("device_labels"), Role::Keyed}, {QStringLiteral("outages"), Role::Rows},
        {QStringLiteral("alerts"), Role::Rows}, {HardwareTable::table(), Role::Rows}};
    for (Tier tier : Tiers::kAll) {
        const Role role = tier == Tier::Raw ? Role::Rows : Role::Rollup;
        all.append({Tiers::systemTable(tier), role});
        all.append({Tiers::networkTable(tier), role});
    }
    QList<OwnedTable> owned;
    for (const OwnedTable &table : all) {
        if (SqlConnection::hasTable(db, table.name))
            owned.append(table);
    }
    return owned;
}

DeviceLifecycle::DeviceLifecycle(QSqlDatabase db)
    : m_db(std::move(db))
{ }

template<typename Body>
bool DeviceLifecycle::inTransaction(Body body, QString *error)
{
    if (!m_db.transaction()) {
        *error = m_db.lastError().text();
        return false;
    }
    if (body() && m_db.commit())
        return true;
    if (error->isEmpty())
        *error = m_db.lastError().text();
    m_db.rollback();
    return false;
}

std::optional<DeviceLifecycle::Device> DeviceLifecycle::find(
    const QString &uuid, QString *error) const
{
    error->clear();
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!run(query,
            QStringLiteral("SELECT %1 FROM devices WHERE uuid = ?")
                .arg(QLatin1String(kDeviceColumns)),
            {uuid}, error))
        return std::nullopt;
    if (!query.next())
        return std::nullopt;
    return deviceFrom(query);
}

std::optional<QList<DeviceLifecycle::Device>> DeviceLifecycle::unseenSince(
    qint64 beforeMs, QString *error) const
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    // created_at too: a device registered over HTTP has not reported yet.
    if (!run(query,
            QStringLiteral("SELECT %1 FROM devices WHERE last_seen < ? AND created_at < ?"
                           " ORDER BY last_seen, id")
                .arg(QLatin1String(kDeviceColumns)),
            {beforeMs, beforeMs}, error))
        return std::nullopt;
    QList<Device> devices;
    while (query.next())
        devices.append(deviceFrom(query));
    return devices;
}

std::optional<qint64> DeviceLifecycle::systemSamples(qint64 deviceId, QString *error) const
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!run(query,
            QStringLiteral("SELECT COUNT(*) FROM %1 WHERE device = ?")
                .arg(ChunkTable::rowTable(ChunkTable::Kind::System)),
            {deviceId}, error)
        || !query.next())
        return std::nullopt;
    qint64 samples = query.value(0).toLongLong();
    if (!SqlConnection::hasTable(m_db, ChunkTable::table()))
        return samples;
    if (!run(query,
            QStringLiteral(
                "SELECT COALESCE(SUM(row_count), 0) FROM %1 WHERE device = ? AND kind = ?")
                .arg(ChunkTable::table()),
            {deviceId, int(ChunkTable::Kind::System)}, error)
        || !query.next())
        return std::nullopt;
    return samples + query.value(0).toLongLong();
}

bool DeviceLifecycle::rename(const Device &device, const QString &displayName, QString *error)
{
    return inTransaction(
        [&] {
            QSqlQuery query(m_db);
            return run(query, QStringLiteral("UPDATE devices SET display_name = ? WHERE id = ?"),
                {displayName, device.id}, error);
        },
        error);
}

bool DeviceLifecycle::remove(const Device &device, qint64 *samples, QString *error)
{
    return inTransaction(
        [&] {
            const std::optional<qint64> counted = systemSamples(device.id, error);
            if (!counted)
                return false;
            *samples = *counted;
            QSqlQuery query(m_db);
            // The rows it owns first: PostgreSQL keeps the foreign keys.
            for (const OwnedTable &table : ownedTables(m_db)) {
                if (!run(query, QStringLiteral("DELETE FROM %1 WHERE device = ?").arg(table.name),
                        {device.id}, error))
                    return false;
            }
            return run(
                query, QStringLiteral("DELETE FROM devices WHERE id = ?"), {device.id}, error);
        },
        error);
}

bool DeviceLifecycle::merge(const Device &from, const Device &into, qint64 *samples, QString *error)
{
    return inTransaction(
        [&] {
            const std::optional<qint64> counted = systemSamples(from.id, error);
            if (!counted)
                return false;
            *samples = *counted;
            QSqlQuery query(m_db);
            for (const OwnedTable &table : ownedTables(m_db)) {
                switch (table.role) {
                case Role::Rows:
                    if (!run(query,
                            QStringLiteral("UPDATE %1 SET device = ? WHERE device = ?")
                                .arg(table.name),
                            {into.id, from.id}, error))
                        return false;
                    break;
                case Role::Rollup:
                    if (!mergeRollup(table.name, from.id, into.id, error))
                        return false;
                    break;
                case Role::Chunks:
                    if (!mergeChunks(table.name, from.id, into.id, error))
                        return false;
                    break;
                case Role::Keyed:
                    if (!run(query,
                            QStringLiteral("DELETE FROM %1 WHERE device = ? AND name IN"
                                           " (SELECT name FROM %1 WHERE device = ?)")
                                .arg(table.name),
                            {from.id, into.id}, error)
                        || !run(query,
                            QStringLiteral("UPDATE %1 SET device = ? WHERE device = ?")
                                .arg(table.name),
                            {into.id, from.id}, error))
                        return false;
                    break;
                }
            }
            return run(query,
                       QStringLiteral(
                           "UPDATE devices SET reports_received = reports_received + ?,"
                           " reports_lost = reports_lost + ?,"
                           " created_at = CASE WHEN created_at > ? THEN ? ELSE created_at END,"
                           " display_name = CASE WHEN display_name = '' THEN ?"
                           " ELSE display_name END WHERE id = ?"),
                       {from.reportsReceived, from.reportsLost, from.createdAt, from.createdAt,
                           from.displayName, into.id},
                       error)
                && run(query, QStringLiteral("DELETE FROM devices WHERE id = ?"), {from.id}, error);
        },
        error);
}

bool DeviceLifecycle::mergeRollup(const QString &table, qint64 from, qint64 into, QString *error)
{
    const QSqlRecord record = m_db.record(table);
    QStringList columns, selected, keys, set;
    for (int i = 0; i < record.count(); ++i) {
        const QString column = record.fieldName(i);
        columns << column;
        selected << (column == QLatin1String("device") ? QStringLiteral("?") : column);
        if (isKey(column)) {
            keys << column;
            continue;
        }
        const std::optional<QString> clause = combine(table, column);
        if (!clause) {
            *error = QStringLiteral("cannot merge %1: no rule to combine its column %2")
                         .arg(table, column);
            return false;
        }
        set << *clause;
    }
    // `from`'s rows become `into`'s; where `into` has the key already, the
    // two rows combine into one (samples add, minimums take the smaller, ...).
    // The WHERE keeps SQLite from reading ON CONFLICT as a join's ON.
    QSqlQuery query(m_db);
    return run(query,
               QStringLiteral("INSERT INTO %1 (%2) SELECT %3 FROM %1 WHERE device = ?"
                              " ON CONFLICT (%4) DO UPDATE SET %5")
                   .arg(table, columns.join(QStringLiteral(", ")),
                       selected.join(QStringLiteral(", ")), keys.join(QStringLiteral(", ")),
                       set.join(QStringLiteral(", "))),
               {into, from}, error)
        && run(query, QStringLiteral("DELETE FROM %1 WHERE device = ?").arg(table), {from}, error);
}

bool DeviceLifecycle::mergeChunks(const QString &table, qint64 from, qint64 into, QString *error)
{
    // Windows both devices have a chunk of: each pair becomes one chunk
    // holding both chunks' rows, as Compactor does with rows that arrive
    // after their window closed; rollup rows of the same bucket (a minute
    // both reported in) become one. A chunk is addressed by its key
    // (device, kind, start_ts): the PostgreSQL table has no id column. The
    // windows first, read to the end, so that no read is open while the
    // table changes.
    std::vector<std::pair<int, qint64>> windows; // kind, start_ts
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!run(query,
            QStringLiteral("SELECT s.kind, s.start_ts FROM %1 s JOIN %1 t ON t.device = ?"
                           " AND t.kind = s.kind AND t.start_ts = s.start_ts WHERE s.device = ?"
                           " ORDER BY s.kind, s.start_ts")
                .arg(table),
            {into, from}, error))
        return false;
    while (query.next())
        windows.emplace_back(query.value(0).toInt(), query.value(1).toLongLong());
    query.finish();

    for (const auto &window : windows) {
        const int kindValue = window.first;
        const qint64 start = window.second;
        const auto kind = ChunkTable::Kind(kindValue);
        if (kindValue < int(ChunkTable::Kind::System)
            || kindValue > int(ChunkTable::Kind::NetworkHour)) {
            *error = QStringLiteral("chunks of kind %1 cannot be combined").arg(kindValue);
            return false;
        }
        const QString where = QStringLiteral(" WHERE device = ? AND kind = ? AND start_ts = ?");
        const auto which = [&] {
            return QStringLiteral("the chunks of devices %1 and %2, kind %3 at %4 of %5")
                .arg(into)
                .arg(from)
                .arg(kindValue)
                .arg(start)
                .arg(table);
        };
        std::optional<ColumnBlock> blocks[2];
        qint64 first = 0, last = 0, count = 0;
        const qint64 devices[2] = {into, from};
        for (int i = 0; i < 2; ++i) {
            if (!run(query,
                    QStringLiteral("SELECT first_ts, last_ts, row_count, data FROM %1").arg(table)
                        + where,
                    {devices[i], kindValue, start}, error))
                return false;
            if (!query.next()) {
                *error = QStringLiteral("one of %1 vanished").arg(which());
                return false;
            }
            first = i == 0 ? query.value(0).toLongLong()
                           : std::min(first, query.value(0).toLongLong());
            last = std::max(last, query.value(1).toLongLong());
            count += query.value(2).toLongLong();
            blocks[i] = ChunkCodec::decode(query.value(3).toByteArray(), error);
            query.finish();
            if (!blocks[i])
                return false;
        }
        std::vector<QVariantList> rows = ChunkTable::toRows(kind, *blocks[0]);
        for (QVariantList &row : ChunkTable::toRows(kind, *blocks[1]))
            rows.push_back(std::move(row));
        if (ChunkTable::isRollup(kind)) {
            ChunkTable::sortForReaders(kind, &rows);
            ChunkTable::mergeDuplicates(kind, &rows);
            count = qint64(rows.size());
        }
        const ColumnBlock combined = ChunkTable::toBlock(kind, std::move(rows));
        if (qint64(combined.rows()) != count) {
            *error = QStringLiteral("merging %1: %2 rows, expected %3")
                         .arg(which())
                         .arg(combined.rows())
                         .arg(count);
            return false;
        }
        if (!run(query,
                QStringLiteral("UPDATE %1 SET first_ts = ?, last_ts = ?, row_count = ?, data = ?")
                        .arg(table)
                    + where,
                {first, last, count, ChunkCodec::encode(combined), into, kindValue, start}, error)
            || !run(query, QStringLiteral("DELETE FROM %1").arg(table) + where,
                {from, kindValue, start}, error))
            return false;
    }
    return run(query, QStringLiteral("UPDATE %1 SET device = ? WHERE device = ?").arg(table),
        {into, from}, error);
}

} // namespace dmr::console
