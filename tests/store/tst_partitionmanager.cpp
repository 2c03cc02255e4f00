// SPDX-License-Identifier: MIT
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/ChunkTable.h"
#include "store/Database.h"
#include "store/PartitionManager.h"
#include "store/StoreWriter.h"
#include "support/TestDatabase.h"
#include "support/TestReports.h"
#include "support/TestSql.h"
#include "support/TestStore.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>
#include <memory>

using namespace dmr::console;

namespace {

constexpr qint64 kDayMs = 24 * 3600 * 1000;
constexpr int kReports = 3600; // ten hours at 10 s, all on 2026-11-18
constexpr qint64 kFirstMs = 1795000000000LL; // 2026-11-18 11:06:40 UTC, a Wednesday
const qint64 kDayStartMs
    = QDateTime(QDate(2026, 11, 18), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();

// What ensure() or dropExpired() did, -1 for a failure.
int done(const std::optional<int> &count)
{
    return count.value_or(-1);
}

QStringList names(const QList<PartitionManager::Partition> &partitions)
{
    QStringList list;
    for (const PartitionManager::Partition &partition : partitions)
        list << partition.name;
    return list;
}

} // namespace

class TestPartitionManager : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_scratch = std::make_unique<TestDatabase::Scratch>(
            m_dir->filePath(QStringLiteral("metrics.db")));
        TEST_DATABASE_READY(*m_scratch);
        m_path = m_scratch->location();
        m_database = std::make_unique<Database>(QStringLiteral("partitions"));
        QString error;
        QVERIFY2(m_database->open(m_path, &error), qPrintable(error));
        QVERIFY2(m_database->migrate(&error), qPrintable(error));
    }

    void cleanup() { m_database.reset(); }

    void doesNothingOnSqlite()
    {
        if (m_scratch->isPostgres())
            QSKIP("SQLite has no partitions");
        TestSql::Connection sql(m_path);
        const QStringList tables = sql.tables();
        PartitionManager manager(m_database->sql());
        QString error;
        QCOMPARE(done(manager.ensure(kFirstMs, &error)), 0);
        QCOMPARE(done(manager.dropExpired({kFirstMs, kDayMs, kDayMs, kDayMs}, &error)), 0);
        QVERIFY(manager.partitions(QStringLiteral("system_metrics"), &error)->isEmpty());
        QCOMPARE(sql.tables(), tables);
    }

    // A day a partition for raw history, a week (from Monday) for minutes, a
    // year for hours: from the period now is in to the one three days on.
    void createsTheComingPeriods()
    {
        if (!m_scratch->isPostgres())
            QSKIP("PostgreSQL only");
        PartitionManager manager(m_database->sql());
        QString error;
        const std::optional<int> created = manager.ensure(kFirstMs, &error);
        QVERIFY2(created, qPrintable(error));
        QCOMPARE(*created, 4 * 4 + 3 * 1 + 3 * 1); // 4 raw tables: hardware_metrics too
        const QStringList days = {QStringLiteral("p20261118"), QStringLiteral("p20261119"),
            QStringLiteral("p20261120"), QStringLiteral("p20261121")};
        for (const QString &table : {QStringLiteral("system_metrics"),
                 QStringLiteral("network_metrics"), QStringLiteral("metric_chunks_raw")}) {
            QStringList expected;
            for (const QString &day : days)
                expected << table + QLatin1Char('_') + day;
            QCOMPARE(names(*manager.partitions(table, &error)), expected);
        }
        for (const QString &table : {QStringLiteral("system_metrics_1m"),
                 QStringLiteral("network_metrics_1m"), QStringLiteral("metric_chunks_minute")})
            QCOMPARE(names(*manager.partitions(table, &error)),
                QStringList {table + QStringLiteral("_p20261116")}); // Monday
        for (const QString &table : {QStringLiteral("system_metrics_1h"),
                 QStringLiteral("network_metrics_1h"), QStringLiteral("metric_chunks_hour")})
            QCOMPARE(names(*manager.partitions(table, &error)),
                QStringList {table + QStringLiteral("_p20260101")});
        const QList<PartitionManager::Partition> week
            = *manager.partitions(QStringLiteral("system_metrics_1m"), &error);
        QCOMPARE(week.first().fromMs, kDayStartMs - 2 * kDayMs);
        QCOMPARE(week.first().toMs, kDayStartMs + 5 * kDayMs);

        // Again: nothing new, nothing changed.
        QCOMPARE(done(manager.ensure(kFirstMs, &error)), 0);
        QCOMPARE(names(*manager.partitions(QStringLiteral("system_metrics"), &error)).size(), 4);
        // Sunday the 22nd: the 22nd to 25th; the next week starts on the 23rd.
        QCOMPARE(done(manager.ensure(kDayStartMs + 4 * kDayMs, &error)), 4 * 4 + 3);
        QCOMPARE(names(*manager.partitions(QStringLiteral("system_metrics_1m"), &error)),
            QStringList({QStringLiteral("system_metrics_1m_p20261116"),
                QStringLiteral("system_metrics_1m_p20261123")}));
    }

    // The writer makes the partitions at open, and what it writes (rows,
    // rollups, chunks) goes to them, none to DEFAULT.
    void writesGoToTheirPartitions()
    {
        if (!m_scratch->isPostgres())
            QSKIP("PostgreSQL only");
        write([] { return kFirstMs; });
        TestSql::Connection sql(m_path);
        for (const QString &table : PartitionManager::tables())
            QCOMPARE(count(sql, table + QStringLiteral("_default")), 0);
        QCOMPARE(count(sql, QStringLiteral("system_metrics_p20261118"))
                + sql.value(QStringLiteral("SELECT SUM(row_count) FROM metric_chunks_raw_p20261118"
                                           " WHERE kind = 1"))
                      .toInt(),
            kReports);
        QVERIFY(count(sql, QStringLiteral("metric_chunks_raw_p20261118")) > 0);
        QVERIFY(count(sql, QStringLiteral("network_metrics_p20261118")) > 0);
        QCOMPARE(count(sql, QStringLiteral("system_metrics_1m_p20261116")), 601);
        QCOMPARE(count(sql, QStringLiteral("system_metrics_1h_p20260101")), 11);
        QVERIFY(count(sql, QStringLiteral("network_metrics_1h_p20260101")) > 0);
    }

    // Rows written before their partition existed move into it; none is lost,
    // and what is older than every partition stays in DEFAULT.
    void movesRowsOutOfTheDefault()
    {
        if (!m_scratch->isPostgres())
            QSKIP("PostgreSQL only");
        // The writer's clock a month back: it makes October's partitions,
        // and November's reports land in DEFAULT.
        write([] { return kFirstMs - 30 * kDayMs; });
        TestSql::Connection sql(m_path);
        // An hour of 2025, older than every partition.
        QVERIFY(sql.exec(QStringLiteral("INSERT INTO system_metrics_1h (device, ts, samples,"
                                        " first_ts, last_ts%1) SELECT device, %2, samples,"
                                        " first_ts, last_ts%1 FROM system_metrics_1h LIMIT 1")
                             .arg(rollupColumns(sql))
                             .arg(kFirstMs - 400 * kDayMs)));
        const QStringList tables = PartitionManager::tables();
        QHash<QString, QString> before;
        for (const QString &table : tables)
            before.insert(table, fingerprint(sql, table));
        QVERIFY(count(sql, QStringLiteral("system_metrics_default")) > 0);
        QVERIFY(count(sql, QStringLiteral("metric_chunks_raw_default")) > 0);
        QVERIFY(count(sql, QStringLiteral("system_metrics_1m_default")) > 0);

        PartitionManager manager(m_database->sql());
        QString error;
        const std::optional<int> created = manager.ensure(kFirstMs, &error);
        QVERIFY2(created, qPrintable(error));
        // The days and the week; the year 2026 was made by the writer.
        QCOMPARE(*created, 4 * 4 + 3);
        for (const QString &table : tables)
            QCOMPARE(fingerprint(sql, table), before.value(table));
        for (const QString &table : tables) {
            if (table != QLatin1String("system_metrics_1h"))
                QCOMPARE(count(sql, table + QStringLiteral("_default")), 0);
        }
        QCOMPARE(count(sql, QStringLiteral("system_metrics_1h_default")), 1);
        QCOMPARE(count(sql, QStringLiteral("system_metrics_1m_p20261116")), 601);
        // The moved-into partitions got the parent's indexes.
        QVERIFY(sql.value(QStringLiteral("SELECT COUNT(*) FROM pg_indexes"
                                         " WHERE tablename = 'system_metrics_1m_p20261116'"))
                    .toInt()
            >= 1);
        QCOMPARE(sql.integrity(), QStringLiteral("ok"));
    }

    // Partitions wholly older than their tier's horizon go, DEFAULT never;
    // the rows of newer ones stay, and so does a partition holding rows of a
    // device that stopped reporting before they expired.
    void dropsWhatRetentionExpired()
    {
        if (!m_scratch->isPostgres())
            QSKIP("PostgreSQL only");
        PartitionManager manager(m_database->sql());
        QString error;
        // Days -10 to -7, -5 to -2 and 0 to 3 from the 18th.
        for (qint64 at : {kDayStartMs - 10 * kDayMs, kDayStartMs - 5 * kDayMs, kDayStartMs})
            QVERIFY2(manager.ensure(at, &error), qPrintable(error));
        TestSql::Connection sql(m_path);
        // Device 1 reports still; device 2 stopped on day -8.
        QVERIFY(sql.exec(QStringLiteral("INSERT INTO devices (id, uuid, device_id, created_at,"
                                        " updated_at, last_seen) VALUES"
                                        " (1, 'a', 'a', 0, 0, %1), (2, 'b', 'b', 0, 0, %2)")
                             .arg(kDayStartMs + 12 * 3600000)
                             .arg(kDayStartMs - 8 * kDayMs + 3600000)));
        QList<qint64> days = {-30};
        for (int day = -10; day <= 3; ++day)
            days << day;
        for (qint64 day : days)
            insertRow(sql, 1, kDayStartMs + day * kDayMs + 3600000);
        insertRow(sql, 2, kDayStartMs - 9 * kDayMs + 3600000);
        const int rows = count(sql, QStringLiteral("system_metrics"));
        const int minutePartitions
            = int(manager.partitions(QStringLiteral("system_metrics_1m"), &error)->size());

        // Noon on the 18th, raw kept 3.5 days back: to the 14th 12:00.
        PartitionManager::Horizons horizons;
        horizons.ageMs = kDayStartMs + 12 * 3600000;
        horizons.keepRawMs = 4 * kDayMs;
        const std::optional<int> dropped = manager.dropExpired(horizons, &error);
        QVERIFY2(dropped, qPrintable(error));
        // The 8th to 11th and the 13th of the four raw tables, but device
        // 2's 9th of system_metrics.
        QCOMPARE(*dropped, 4 * 5 - 1);
        QCOMPARE(names(*manager.partitions(QStringLiteral("system_metrics"), &error)),
            QStringList({QStringLiteral("system_metrics_p20261109"),
                QStringLiteral("system_metrics_p20261114"),
                QStringLiteral("system_metrics_p20261115"),
                QStringLiteral("system_metrics_p20261116"),
                QStringLiteral("system_metrics_p20261118"),
                QStringLiteral("system_metrics_p20261119"),
                QStringLiteral("system_metrics_p20261120"),
                QStringLiteral("system_metrics_p20261121")}));
        QCOMPARE(names(*manager.partitions(QStringLiteral("metric_chunks_raw"), &error)).first(),
            QStringLiteral("metric_chunks_raw_p20261114"));
        // keep-minute 0: kept for ever.
        QCOMPARE(int(manager.partitions(QStringLiteral("system_metrics_1m"), &error)->size()),
            minutePartitions);
        // Days 8, 10, 11 and 13 of device 1 are gone; the rest is there.
        QCOMPARE(count(sql, QStringLiteral("system_metrics")), rows - 4);
        // October's, the 12th's and the 17th's: no partition of theirs.
        QCOMPARE(count(sql, QStringLiteral("system_metrics_default")), 3);
        QCOMPARE(count(sql, QStringLiteral("system_metrics_p20261109")), 2);
        for (const QString &table : PartitionManager::tables())
            QVERIFY(
                sql.value(QStringLiteral("SELECT to_regclass('%1_default') IS NOT NULL").arg(table))
                    .toBool());

        // Again: nothing more.
        QCOMPARE(done(manager.dropExpired(horizons, &error)), 0);
        // Forever: nothing.
        horizons.keepRawMs = 0;
        horizons.ageMs = kDayStartMs + 1000 * kDayMs;
        QCOMPARE(done(manager.dropExpired(horizons, &error)), 0);
    }

    // The writer drops expired partitions at open, before its per-row
    // retention, and the two together keep exactly what per-row retention
    // alone keeps (as on SQLite, where this test runs too).
    void writerDropsThenTrims()
    {
        constexpr int reports = 9000; // 25 hours: the 18th 11:06 to the 19th 12:06
        constexpr qint64 keepMs = 10 * 3600000LL;
        const qint64 newest
            = TestReports::makeReport(TestReports::deviceId(0), 7, reports).sampleTimeMs;
        write([] { return kFirstMs; }, reports, 0);
        write([newest] { return newest; }, 0, keepMs);

        // Raw history goes in whole two-hour windows older than the horizon.
        const qint64 keptFrom = ChunkTable::windowOf(newest - keepMs);
        int expected = 0;
        for (int s = 1; s <= reports; ++s)
            expected
                += TestReports::makeReport(TestReports::deviceId(0), 7, quint64(s)).sampleTimeMs
                >= keptFrom;
        TestSql::Connection sql(m_path);
        QCOMPARE(count(sql, QStringLiteral("system_metrics"))
                + sql.value(QStringLiteral("SELECT SUM(row_count) FROM metric_chunks"
                                           " WHERE kind = 1"))
                      .toInt(),
            expected);
        if (!m_scratch->isPostgres())
            return;
        QString error;
        PartitionManager manager(m_database->sql());
        for (const QString &table : {QStringLiteral("system_metrics"),
                 QStringLiteral("network_metrics"), QStringLiteral("metric_chunks_raw")}) {
            const QStringList partitions = names(*manager.partitions(table, &error));
            QVERIFY(!partitions.contains(table + QStringLiteral("_p20261118")));
            QVERIFY(partitions.contains(table + QStringLiteral("_p20261119")));
            QCOMPARE(count(sql, table + QStringLiteral("_default")), 0);
        }
    }

    // Of consoles sharing a database, the one holding the lock does it; the
    // others leave it, and do it later.
    void leavesItToTheConsoleHoldingTheLock()
    {
        if (!m_scratch->isPostgres())
            QSKIP("PostgreSQL only");
        TestSql::Connection other(m_path);
        QVERIFY(other.exec(QStringLiteral("BEGIN")));
        QVERIFY(other.exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)")
                               .arg(PartitionManager::kAdvisoryKey)));
        PartitionManager manager(m_database->sql());
        QString error;
        QCOMPARE(done(manager.ensure(kFirstMs, &error)), 0);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(manager.partitions(QStringLiteral("system_metrics"), &error)->isEmpty());
        QVERIFY(other.exec(QStringLiteral("ROLLBACK")));
        QCOMPARE(done(manager.ensure(kFirstMs, &error)), 22);
    }

private:
    // Opens a writer on the test's database with this clock and raw
    // retention, writes reports 1..reports of one device, and compacts.
    void write(std::function<qint64()> clock, int reports = kReports, qint64 keepRawMs = 0)
    {
        ReportQueue queue(std::max(reports, 1));
        IngestCounters counters;
        StoreWriter::Options options;
        options.databasePath = m_path;
        options.clock = std::move(clock);
        options.keepRawMs = keepRawMs;
        StoreWriter writer(options, &queue, &counters);
        QString error;
        QVERIFY2(writer.open(&error), qPrintable(error));
        if (reports > 0)
            QVERIFY(TestStore::writeReports(writer, queue, 0, 7, reports));
        QVERIFY2(writer.compact(-1, &error), qPrintable(error));
    }

    static int count(const TestSql::Connection &sql, const QString &table)
    {
        return sql.value(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)).toInt();
    }

    // The rows of a table, all partitions, as a count and sums.
    static QString fingerprint(const TestSql::Connection &sql, const QString &table)
    {
        const QString time = table.startsWith(QLatin1String("metric_chunks"))
            ? QStringLiteral("start_ts")
            : QStringLiteral("ts");
        const QVariantList row = sql.rows(QStringLiteral("SELECT COUNT(*), SUM(%1), SUM(device)"
                                                         " FROM %2")
                                              .arg(time, table))
                                     .value(0);
        QStringList parts;
        for (const QVariant &value : row)
            parts << value.toString();
        return parts.join(QLatin1Char('|'));
    }

    // The rollup's metric columns, each with a leading comma.
    static QString rollupColumns(const TestSql::Connection &sql)
    {
        QString list;
        for (const QString &column : sql.columns(QStringLiteral("system_metrics_1h")))
            if (column.endsWith(QLatin1String("_min")) || column.endsWith(QLatin1String("_max"))
                || column.endsWith(QLatin1String("_sum")))
                list += QStringLiteral(", ") + column;
        return list;
    }

    static void insertRow(const TestSql::Connection &sql, qint64 device, qint64 ts)
    {
        QString error;
        QVERIFY2(sql.exec(QStringLiteral("INSERT INTO system_metrics (device, ts, cpu_percent,"
                                         " memory_percent, memory_used_kb, memory_total_kb,"
                                         " disk_percent, disk_used_kb, disk_total_kb, load_1,"
                                         " load_5, load_15, uptime_seconds, run_id, sequence)"
                                         " VALUES (%1, %2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)")
                              .arg(device)
                              .arg(ts),
                     &error),
            qPrintable(error));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestDatabase::Scratch> m_scratch;
    std::unique_ptr<Database> m_database;
    QString m_path;
};

QTEST_GUILESS_MAIN(TestPartitionManager)
#include "tst_partitionmanager.moc"
