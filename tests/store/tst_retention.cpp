// SPDX-License-Identifier: MIT
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/ChunkTable.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"
#include "support/TestDatabase.h"
#include "support/TestReports.h"
#include "support/TestSql.h"
#include "support/TestStore.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace dmr::console;

namespace {

constexpr int kReports = 3600; // ten hours at 10 s
constexpr qint64 kHourMs = 3600000;

} // namespace

class TestRetention : public QObject
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
        m_newest = TestReports::makeReport(TestReports::deviceId(0), 7, kReports).sampleTimeMs;
    }

    // Raw history older than keep-raw goes in whole windows, minutes older
    // than keep-minute go, the rest stays; old ranges are then answered from
    // the minutes, and say so.
    void deletesWhatIsTooOld()
    {
        write(4 * kHourMs, 8 * kHourMs, [] { return 4102444800000; }); // the clock in 2100
        TestSql::Connection sql(m_path);
        const qint64 rawHorizon = m_newest - 4 * kHourMs;
        const qint64 oldestChunk
            = sql.value(QStringLiteral("SELECT MIN(start_ts) FROM metric_chunks")).toLongLong();
        QVERIFY(oldestChunk + ChunkTable::kWindowMs > rawHorizon);
        QVERIFY(oldestChunk <= rawHorizon); // whole windows only: the one cut stays
        const qint64 oldestMinute
            = sql.value(QStringLiteral("SELECT MIN(ts) FROM system_metrics_1m")).toLongLong();
        QVERIFY(oldestMinute >= m_newest - 8 * kHourMs);
        QVERIFY(oldestMinute < m_newest - 8 * kHourMs + 60000);
        // The newest hours are all there: a row for every minute since.
        QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics_1m WHERE ts >= %1")
                               .arg(m_newest - 2 * kHourMs))
                     .toInt(),
            120);

        StoreReader reader(m_path, QStringLiteral("retention"));
        QString error;
        QVERIFY(reader.open(&error));
        const qint64 id = sql.value(QStringLiteral("SELECT id FROM devices")).toLongLong();
        QString resolution;
        // Six hours back: raw is gone, minutes answer.
        const auto old = reader.history(id, QStringLiteral("cpu_percent"), m_newest - 6 * kHourMs,
            m_newest - 5 * kHourMs - 30 * 60000, 97, &error, &resolution);
        QVERIFY2(old, qPrintable(error));
        QCOMPARE(resolution, QStringLiteral("minute"));
        QVERIFY(old->size() >= 29);
        // The last half hour: raw.
        const auto recent = reader.history(id, QStringLiteral("cpu_percent"), m_newest - 30 * 60000,
            m_newest + 1, 97, &error, &resolution);
        QVERIFY2(recent, qPrintable(error));
        QCOMPARE(resolution, QStringLiteral("raw"));
        int count = 0;
        for (const HistoryBucket &bucket : *recent)
            count += int(bucket.count);
        QCOMPARE(count, 181); // both ends are samples
    }

    // Ages count from the earlier of the device's newest report and the
    // console's clock: a console whose clock is behind deletes less.
    void agesCountFromTheEarlierClock()
    {
        write(4 * kHourMs, 0, [this] { return m_newest - 3 * kHourMs; });
        TestSql::Connection sql(m_path);
        const qint64 oldestChunk
            = sql.value(QStringLiteral("SELECT MIN(start_ts) FROM metric_chunks")).toLongLong();
        QVERIFY(oldestChunk + ChunkTable::kWindowMs > m_newest - 7 * kHourMs);
        QVERIFY(oldestChunk <= m_newest - 7 * kHourMs);
        // keep-minute 0: every minute kept.
        QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics_1m")).toInt(), 601);
    }

    // Over the budget, the oldest raw windows go first; what was just
    // reported (the open windows' rows) never does, nor any minute while raw
    // chunks are left.
    void keepsWithinTheDiskBudget()
    {
        // PostgreSQL gives deleted rows' disk back only to a VACUUM FULL:
        // there the budget is not enforced (Retention::enforceBudget says so).
        SQLITE_ONLY(*m_scratch);
        write(0, 0, [] { return 4102444800000; });
        const qint64 used = usedBytes();
        TestSql::Connection sql(m_path);
        const int chunks = sql.value(QStringLiteral("SELECT COUNT(*) FROM metric_chunks")).toInt();
        const int rows = sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt();
        const int minutes
            = sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics_1m")).toInt();
        QVERIFY(chunks >= 8);
        // A budget that the oldest window's chunks are enough to meet.
        applyBudget(used - 2048);
        QVERIFY(usedBytes() <= used - 2048);
        const int left = sql.value(QStringLiteral("SELECT COUNT(*) FROM metric_chunks")).toInt();
        QVERIFY(left < chunks);
        QVERIFY(left > 0);
        QCOMPARE(
            sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics_1m")).toInt(), minutes);
        // A budget nothing meets: every chunk, then every minute goes; the
        // open windows' rows stay.
        applyBudget(1);
        QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM metric_chunks")).toInt(), 0);
        QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics_1m")).toInt(), 0);
        QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), rows);
    }

    void keepsEverythingByDefault()
    {
        write(0, 0, [] { return 4102444800000; });
        TestSql::Connection sql(m_path);
        QCOMPARE(
            sql.value(QStringLiteral("SELECT SUM(row_count) FROM metric_chunks WHERE kind = 1"))
                    .toInt()
                + sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(),
            kReports);
    }

private:
    qint64 usedBytes()
    {
        TestSql::Connection sql(m_path);
        return (sql.value(QStringLiteral("PRAGMA page_count")).toLongLong()
                   - sql.value(QStringLiteral("PRAGMA freelist_count")).toLongLong())
            * sql.value(QStringLiteral("PRAGMA page_size")).toLongLong();
    }

    void applyBudget(qint64 maxBytes)
    {
        ReportQueue queue(1);
        IngestCounters counters;
        StoreWriter::Options options;
        options.databasePath = m_path;
        options.maxDbBytes = maxBytes;
        StoreWriter writer(options, &queue, &counters);
        // The window's status bar and /healthz hear of it.
        QSignalSpy deleted(&writer, &StoreWriter::budgetDeleted);
        QString error;
        QVERIFY2(writer.open(&error), qPrintable(error));
        QVERIFY2(writer.compact(-1, &error), qPrintable(error));
        QCOMPARE(deleted.size(), 1);
        QVERIFY(deleted.first().at(0).toString().startsWith(
            QLatin1String("the disk budget deleted the oldest")));
        QVERIFY(deleted.first().at(1).toLongLong() >= 1);
    }

    void write(qint64 keepRawMs, qint64 keepMinuteMs, std::function<qint64()> clock)
    {
        ReportQueue queue(kReports);
        IngestCounters counters;
        StoreWriter::Options options;
        options.databasePath = m_path;
        options.keepRawMs = keepRawMs;
        options.keepMinuteMs = keepMinuteMs;
        options.clock = std::move(clock);
        StoreWriter writer(options, &queue, &counters);
        QString error;
        QVERIFY2(writer.open(&error), qPrintable(error));
        QVERIFY(TestStore::writeReports(writer, queue, 0, 7, kReports));
        QVERIFY2(writer.compact(-1, &error), qPrintable(error));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestDatabase::Scratch> m_scratch;
    QString m_path;
    qint64 m_newest = 0;
};

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
