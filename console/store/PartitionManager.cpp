// SPDX-License-Identifier: MIT
#include "store/PartitionManager.h"

#include "store/ChunkTable.h"
#include "store/HardwareTable.h"
#include "store/SqlConnection.h"
#include "store/StoreLogging.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimeZone>
#include <QVariant>

namespace dmr::console {

namespace {

// The partition sizes follow each tier's retention (defaults: 30 days raw,
// 90 minute, 1825 hour) and its volume. A day for the raw rows and chunks:
// they are most of the data, and a partition outlives its horizon by at
// most a day (3 % of 30 days). A week (from Monday) for the minutes: a
// sixtieth of raw's volume, 13 partitions a table for 90 days, at most 8 %
// kept too long. A year for the hours: another sixtieth, so even a year
// too long is little, and five years make 5 partitions instead of 60
// months; fewer partitions keep plans that cannot prune (fleet-wide reads
// of a tier) cheap.
enum class Period { Day, Week, Year };

struct TableSpec
{
    QString table;
    QString column;
    Tier tier;
    // A chunk's rows reach a window past its start_ts: a chunk partition's
    // data ends that much after its range.
    qint64 extentMs;
};

Period periodKind(Tier tier)
{
    switch (tier) {
    case Tier::Raw:
        return Period::Day;
    case Tier::Minute:
        return Period::Week;
    case Tier::Hour:
        return Period::Year;
    }
    return Period::Day;
}

const QList<TableSpec> &specs()
{
    static const QList<TableSpec> list = [] {
        QList<TableSpec> specs;
        for (Tier tier : Tiers::kAll) {
            specs.append({Tiers::systemTable(tier), QStringLiteral("ts"), tier, 0});
            specs.append({Tiers::networkTable(tier), QStringLiteral("ts"), tier, 0});
        }
        // Hardware rows are raw rows that stay rows (nothing compacts them).
        specs.append({HardwareTable::table(), QStringLiteral("ts"), Tier::Raw, 0});
        for (Tier tier : Tiers::kAll)
            specs.append({QStringLiteral("metric_chunks_%1").arg(Tiers::name(tier)),
                QStringLiteral("start_ts"), tier,
                ChunkTable::windowMs(ChunkTable::kindOf(tier, false))});
        return specs;
    }();
    return list;
}

const TableSpec *specOf(const QString &table)
{
    for (const TableSpec &spec : specs())
        if (spec.table == table)
            return &spec;
    return nullptr;
}

qint64 keepOf(const PartitionManager::Horizons &horizons, Tier tier)
{
    switch (tier) {
    case Tier::Raw:
        return horizons.keepRawMs;
    case Tier::Minute:
        return horizons.keepMinuteMs;
    case Tier::Hour:
        return horizons.keepHourMs;
    }
    return 0;
}

qint64 msOf(const QDate &date)
{
    return QDateTime(date, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}

// lock_not_available: another session holds the table; try again later.
bool isLockTimeout(const QSqlError &error)
{
    return error.nativeErrorCode() == QLatin1String("55P03");
}

} // namespace

PartitionManager::PartitionManager(QSqlDatabase db)
    : m_db(std::move(db))
{ }

QStringList PartitionManager::tables()
{
    QStringList names;
    for (const TableSpec &spec : specs())
        names << spec.table;
    return names;
}

QString PartitionManager::partitionName(const QString &table, qint64 fromMs)
{
    return QStringLiteral("%1_p%2").arg(table,
        QDateTime::fromMSecsSinceEpoch(fromMs, QTimeZone::utc())
            .date()
            .toString(QStringLiteral("yyyyMMdd")));
}

PartitionManager::Partition PartitionManager::periodOf(const QString &table, qint64 tsMs)
{
    const TableSpec *spec = specOf(table);
    const QDate date = QDateTime::fromMSecsSinceEpoch(tsMs, QTimeZone::utc()).date();
    QDate from = date;
    QDate to = date.addDays(1);
    switch (periodKind(spec ? spec->tier : Tier::Raw)) {
    case Period::Day:
        break;
    case Period::Week:
        from = date.addDays(1 - date.dayOfWeek());
        to = from.addDays(7);
        break;
    case Period::Year:
        from = QDate(date.year(), 1, 1);
        to = from.addYears(1);
        break;
    }
    Partition period;
    period.fromMs = msOf(from);
    period.toMs = msOf(to);
    period.name = partitionName(table, period.fromMs);
    return period;
}

std::optional<QList<PartitionManager::Partition>> PartitionManager::partitions(
    const QString &table, QString *error) const
{
    QList<Partition> list;
    if (!SqlConnection::isPostgres(m_db))
        return list;
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)"
                                 " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                                 " WHERE i.inhparent = ?::regclass"));
    query.addBindValue(table);
    if (!query.exec()) {
        *error = query.lastError().text();
        return std::nullopt;
    }
    // "FOR VALUES FROM ('1795000000000') TO ('1795086400000')"; DEFAULT has no range.
    static const QRegularExpression bounds(
        QStringLiteral("FROM \\('?(-?\\d+)'?\\) TO \\('?(-?\\d+)'?\\)"));
    while (query.next()) {
        const QRegularExpressionMatch match = bounds.match(query.value(1).toString());
        if (!match.hasMatch())
            continue;
        list.append({query.value(0).toString(), match.captured(1).toLongLong(),
            match.captured(2).toLongLong()});
    }
    std::sort(list.begin(), list.end(),
        [](const Partition &a, const Partition &b) { return a.fromMs < b.fromMs; });
    return list;
}

bool PartitionManager::begin(QString *error)
{
    error->clear();
    if (!SqlConnection::beginWrite(m_db, kLockWaitMs, error))
        return false;
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT pg_try_advisory_xact_lock(%1)").arg(kAdvisoryKey))
        || !query.next()) {
        *error = query.lastError().text();
        query.finish();
        m_db.rollback();
        return false;
    }
    const bool locked = query.value(0).toBool();
    query.finish();
    if (!locked)
        m_db.rollback();
    return locked;
}

std::optional<int> PartitionManager::ensure(qint64 nowMs, QString *error)
{
    error->clear();
    if (!SqlConnection::isPostgres(m_db))
        return 0;
    int created = 0;
    for (const TableSpec &spec : specs()) {
        for (Partition period = periodOf(spec.table, nowMs); period.fromMs <= nowMs + kLookAheadMs;
             period = periodOf(spec.table, period.toMs)) {
            if (SqlConnection::hasTable(m_db, period.name))
                continue;
            switch (create(spec.table, period, error)) {
            case Outcome::Done:
                ++created;
                break;
            case Outcome::Skipped:
                break;
            case Outcome::Busy:
                // Another console is at it, or the table is busy: next time.
                return created;
            case Outcome::Failed:
                return std::nullopt;
            }
        }
    }
    return created;
}

PartitionManager::Outcome PartitionManager::create(
    const QString &table, const Partition &period, QString *error)
{
    if (!begin(error))
        return error->isEmpty() ? Outcome::Busy : Outcome::Failed;
    // Another console may have made it between the look and the lock.
    if (SqlConnection::hasTable(m_db, period.name)) {
        m_db.rollback();
        return Outcome::Skipped;
    }
    const QString defaultPartition = table + QStringLiteral("_default");
    const QString range = QStringLiteral("%1 >= %2 AND %1 < %3")
                              .arg(specOf(table)->column)
                              .arg(period.fromMs)
                              .arg(period.toMs);
    // Made beside the table and attached: ATTACH takes the parent's SHARE
    // UPDATE EXCLUSIVE lock, so its readers and writers go on, where
    // CREATE ... PARTITION OF would take ACCESS EXCLUSIVE. Rows of its range
    // already in the DEFAULT partition (reports from ahead of the clock, or
    // written before this ran) move in the same transaction, by one
    // statement so that exactly the rows deleted are the rows inserted; the
    // DEFAULT partition is locked first, as ATTACH would, so that none
    // arrive meanwhile.
    const QStringList statements = {
        QStringLiteral("LOCK TABLE %1 IN ACCESS EXCLUSIVE MODE").arg(defaultPartition),
        QStringLiteral("CREATE TABLE %1 (LIKE %2 INCLUDING DEFAULTS INCLUDING STORAGE)")
            .arg(period.name, table),
        QStringLiteral("WITH moved AS (DELETE FROM %1 WHERE %2 RETURNING *)"
                       " INSERT INTO %3 SELECT * FROM moved")
            .arg(defaultPartition, range, period.name),
        QStringLiteral("ALTER TABLE %1 ATTACH PARTITION %2 FOR VALUES FROM (%3) TO (%4)")
            .arg(table, period.name)
            .arg(period.fromMs)
            .arg(period.toMs),
    };
    QSqlQuery query(m_db);
    int moved = 0;
    for (const QString &sql : statements) {
        if (!query.exec(sql)) {
            const QSqlError failure = query.lastError();
            query.finish();
            m_db.rollback();
            if (isLockTimeout(failure))
                return Outcome::Busy;
            // duplicate_table: made by a console that did not take the lock.
            if (failure.nativeErrorCode() == QLatin1String("42P07"))
                return Outcome::Skipped;
            *error
                = QStringLiteral("cannot create partition %1: %2").arg(period.name, failure.text());
            return Outcome::Failed;
        }
        if (sql.startsWith(QLatin1String("WITH")))
            moved = std::max(0, query.numRowsAffected());
    }
    query.finish();
    if (!m_db.commit()) {
        const QSqlError failure = m_db.lastError();
        m_db.rollback();
        *error = QStringLiteral("cannot create partition %1: %2").arg(period.name, failure.text());
        return isLockTimeout(failure) ? Outcome::Busy : Outcome::Failed;
    }
    if (moved > 0)
        qCInfo(lcStore, "created partition %s, with %d rows moved from %s", qPrintable(period.name),
            moved, qPrintable(defaultPartition));
    else
        qCDebug(lcStore, "created partition %s", qPrintable(period.name));
    return Outcome::Done;
}

std::optional<int> PartitionManager::dropExpired(const Horizons &horizons, QString *error)
{
    error->clear();
    if (!SqlConnection::isPostgres(m_db) || horizons.ageMs <= 0)
        return 0;
    int dropped = 0;
    for (const TableSpec &spec : specs()) {
        const qint64 keep = keepOf(horizons, spec.tier);
        if (keep <= 0)
            continue;
        const std::optional<QList<Partition>> list = partitions(spec.table, error);
        if (!list)
            return std::nullopt;
        // Ours only: "<table>_pYYYYMMDD", never the DEFAULT partition.
        const QRegularExpression ours(
            QStringLiteral("^%1_p\\d{8}$").arg(QRegularExpression::escape(spec.table)));
        for (const Partition &partition : *list) {
            // Retention deletes a row once it is older than the horizon, a
            // chunk once its whole window is.
            if (partition.toMs + spec.extentMs > horizons.ageMs - keep)
                break; // oldest first: the rest are newer
            if (!ours.match(partition.name).hasMatch())
                continue;
            switch (drop(spec.table, partition, partition.toMs + spec.extentMs + keep, error)) {
            case Outcome::Done:
                ++dropped;
                break;
            case Outcome::Skipped:
                break;
            case Outcome::Busy:
                return dropped;
            case Outcome::Failed:
                return std::nullopt;
            }
        }
    }
    return dropped;
}

PartitionManager::Outcome PartitionManager::drop(
    const QString &table, const Partition &partition, qint64 deviceKeptBefore, QString *error)
{
    if (!begin(error))
        return error->isEmpty() ? Outcome::Busy : Outcome::Failed;
    QSqlQuery query(m_db);
    // Retention ages a device's history from its own newest report: one
    // that stopped reporting keeps its last days. A partition holding rows of
    // a device last seen too recently for them to have expired stays; the
    // per-row deletes take the other devices' rows from it.
    query.prepare(QStringLiteral("SELECT EXISTS (SELECT 1 FROM devices d WHERE d.last_seen < ?"
                                 " AND EXISTS (SELECT 1 FROM %1 p WHERE p.device = d.id))")
                      .arg(partition.name));
    query.addBindValue(deviceKeptBefore);
    bool kept = false;
    bool ok = query.exec() && query.next();
    if (ok) {
        kept = query.value(0).toBool();
        query.finish();
        ok = kept || query.exec(QStringLiteral("DROP TABLE IF EXISTS %1").arg(partition.name));
    }
    if (!ok) {
        const QSqlError failure = query.lastError();
        query.finish();
        m_db.rollback();
        if (isLockTimeout(failure))
            return Outcome::Busy;
        // undefined_table: dropped by a console that did not take the lock.
        if (failure.nativeErrorCode() == QLatin1String("42P01"))
            return Outcome::Skipped;
        *error = QStringLiteral("cannot drop partition %1: %2").arg(partition.name, failure.text());
        return Outcome::Failed;
    }
    if (kept) {
        m_db.rollback();
        qCDebug(lcStore, "partition %s kept: a device in it stopped reporting before it expired",
            qPrintable(partition.name));
        return Outcome::Skipped;
    }
    if (!m_db.commit()) {
        const QSqlError failure = m_db.lastError();
        m_db.rollback();
        *error = QStringLiteral("cannot drop partition %1: %2").arg(partition.name, failure.text());
        return Outcome::Failed;
    }
    qCInfo(lcStore, "dropped partition %s of %s: all of it older than retention keeps",
        qPrintable(partition.name), qPrintable(table));
    return Outcome::Done;
}

} // namespace dmr::console
