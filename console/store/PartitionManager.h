// SPDX-License-Identifier: MIT
#pragma once

#include "store/Tier.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <optional>

namespace dmr::console {

// The time partitions of the metric tables on PostgreSQL (PostgresSchema
// makes each table partitioned with only a DEFAULT partition): creates the
// ones the coming days write to, and drops those retention has wholly
// expired, so that old history goes as a DROP TABLE instead of row by row.
// Does nothing on SQLite. Several consoles may share one database: each
// change is made under a transaction-level advisory lock, by whichever
// console gets it; the others leave it to that one.
class PartitionManager
{
public:
    // A partitioned table's time partition: [fromMs, toMs) of its time column.
    struct Partition
    {
        QString name;
        qint64 fromMs = 0;
        qint64 toMs = 0;
    };

    struct Horizons
    {
        // The time ages count back from: the earlier of the console's clock
        // and the newest report stored (as Retention's, so that a clock
        // that jumps ahead, or a test's fixed clock, drops nothing early).
        qint64 ageMs = 0;
        qint64 keepRawMs = 0; // 0: keep for ever
        qint64 keepMinuteMs = 0; // 0: keep for ever
        qint64 keepHourMs = 0; // 0: keep for ever
    };

    explicit PartitionManager(QSqlDatabase db);

    // Creates the partitions of every partitioned table from the period
    // nowMs is in to the one kLookAheadMs later, moving the rows of their
    // ranges out of the DEFAULT partition. The number created (0 on SQLite,
    // or while another console holds the lock); nullopt on an error.
    std::optional<int> ensure(qint64 nowMs, QString *error);
    // Drops the time partitions whose whole range retention would delete
    // (never a DEFAULT one), each in a transaction that waits at most
    // kLockWaitMs for the table. The number dropped; nullopt on an error. A
    // partition that cannot be locked in time is left for the next call.
    std::optional<int> dropExpired(const Horizons &horizons, QString *error);

    // The time partitions of one partitioned table, oldest first (empty on SQLite).
    std::optional<QList<Partition>> partitions(const QString &table, QString *error) const;
    // Every partitioned table with time partitions, in ensure()'s order.
    static QStringList tables();
    // The table's partition for [fromMs, ...): "<table>_pYYYYMMDD" (UTC).
    static QString partitionName(const QString &table, qint64 fromMs);
    // The period (UTC) of `table`'s partitions that tsMs is in.
    static Partition periodOf(const QString &table, qint64 tsMs);

    static constexpr qint64 kLookAheadMs = qint64(3) * 24 * 3600 * 1000;
    static constexpr int kLockWaitMs = 1000;
    // pg_try_advisory_xact_lock's key ("dmrpart"): one console at a time
    // creates or drops partitions of a database.
    static constexpr qint64 kAdvisoryKey = 0x646d7270617274;

private:
    enum class Outcome { Done, Skipped, Busy, Failed };
    Outcome create(const QString &table, const Partition &period, QString *error);
    Outcome drop(
        const QString &table, const Partition &partition, qint64 deviceKeptBefore, QString *error);
    // Begins a transaction with a lock timeout and the advisory lock; false
    // (rolled back) with an empty error when another console holds the lock.
    bool begin(QString *error);

    QSqlDatabase m_db;
};

} // namespace dmr::console
