// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <optional>

namespace dmr::console {

// Renames, deletes and merges devices on the writer's connection, each in
// one transaction that is rolled back whole on failure. Knows which tables
// hold a device's history (ownedTables()) and how each combines when two
// devices' histories become one. Portable SQL (SQLite 3.24+, PostgreSQL).
class DeviceLifecycle
{
public:
    enum class Role {
        Rows, // raw samples, no unique key: they move as they are
        Rollup, // aggregates with a key of (device, ts[, interface]): colliding keys combine
        Chunks, // closed windows of every tier (ChunkTable), unique per (device, kind, start_ts)
        Keyed, // one row per (device, name) (labels): the target's own rows win
    };
    struct OwnedTable
    {
        QString name;
        Role role;
    };
    // The one list of tables whose rows belong to a device (their `device`
    // column is its devices.id), of those this database has: raw rows,
    // chunks of every tier, the minute and hour rollups. Deleting a device
    // deletes from each, merging moves each.
    static QList<OwnedTable> ownedTables(const QSqlDatabase &db);

    struct Device
    {
        qint64 id = 0;
        QString uuid;
        QString deviceId;
        QString hostname;
        QString displayName;
        qint64 createdAt = 0;
        qint64 lastSeen = 0;
        qint64 reportsReceived = 0;
        qint64 reportsLost = 0;
    };

    explicit DeviceLifecycle(QSqlDatabase db);

    // nullopt with an empty error: no such device.
    std::optional<Device> find(const QString &uuid, QString *error) const;
    // Devices neither seen nor created since beforeMs, the longest unseen first.
    std::optional<QList<Device>> unseenSince(qint64 beforeMs, QString *error) const;

    bool rename(const Device &device, const QString &displayName, QString *error);
    // The device's row and every row it owns. *samples: the system samples
    // that went (rows and chunks).
    bool remove(const Device &device, qint64 *samples, QString *error);
    // Moves every row `from` owns to `into`, combining rows whose keys
    // collide, then deletes `from`. `into` keeps its identity and state
    // (uuid, device_id, hostname, last run); counters add up, created_at is
    // the earlier one, and a device without a display name takes from's.
    // *samples: the system samples moved.
    bool merge(const Device &from, const Device &into, qint64 *samples, QString *error);

private:
    std::optional<qint64> systemSamples(qint64 deviceId, QString *error) const;
    bool mergeRollup(const QString &table, qint64 from, qint64 into, QString *error);
    bool mergeChunks(const QString &table, qint64 from, qint64 into, QString *error);
    // Runs `body` in a transaction: committed when it returns true, else rolled back.
    template<typename Body>
    bool inTransaction(Body body, QString *error);

    QSqlDatabase m_db;
};

} // namespace dmr::console
