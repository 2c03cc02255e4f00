// SPDX-License-Identifier: MIT
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QTemporaryDir>
#include <QTest>

class TestStoreReader : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void devicesWithLatestMetrics();
    void unknownDevice();
    void historyKeepsMinAndMax_data();
    void historyKeepsMinAndMax();
    void historyRejectsBadInput();
    void streamsEveryRow();

private:
    QTemporaryDir m_dir;
    QString m_path;
    qint64 m_firstTs = 0;
    static constexpr int kReports = 1000;
};

// Two devices, 1,000 reports each, written by the real writer.
void TestStoreReader::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("reader.db"));
    IngestCounters counters;
    ReportQueue queue(100000);
    DeviceRegistry registry;
    std::vector<AcceptedReport> batch;
    for (int device = 0; device < 2; ++device) {
        for (quint64 seq = 1; seq <= kReports; ++seq) {
            AcceptedReport accepted;
            accepted.report = TestReports::makeReport(TestReports::deviceId(device), 1, seq);
            QVERIFY(registry.observe(accepted.report, &accepted.device)
                == DeviceRegistry::Verdict::Accepted);
            batch.push_back(std::move(accepted));
        }
    }
    m_firstTs = batch.front().report.sampleTimeMs;
    queue.push(std::move(batch));
    StoreWriter::Options options;
    options.databasePath = m_path;
    StoreWriter writer(options, &queue, &counters);
    QString error;
    QVERIFY2(writer.open(&error), qPrintable(error));
    QVERIFY(writer.flushAll());
    writer.stop();
    QCOMPARE(counters.persisted.load(), quint64(2 * kReports));
}

void TestStoreReader::devicesWithLatestMetrics()
{
    StoreReader reader(m_path, QStringLiteral("reader"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    const auto devices = reader.devices(&error);
    QVERIFY2(devices, qPrintable(error));
    QCOMPARE(devices->size(), 2);
    const dmr::Report last = TestReports::makeReport(TestReports::deviceId(0), 1, kReports);
    const DeviceOverview &first = devices->at(0);
    QCOMPARE(first.device.deviceId, QString::fromStdString(last.deviceId));
    QCOMPARE(first.latestTs, last.sampleTimeMs);
    QVERIFY(first.system == last.system);
    QCOMPARE(first.interfaces.size(), last.interfaces.size());
    QVERIFY(first.interfaces[0] == last.interfaces[0]);

    const auto one = reader.device(first.device.uuid, &error);
    QVERIFY2(one, qPrintable(error));
    QCOMPARE(one->id, first.id);
    QCOMPARE(one->device.reportsReceived, quint64(kReports));
}

void TestStoreReader::unknownDevice()
{
    StoreReader reader(m_path, QStringLiteral("reader"));
    QString error;
    QVERIFY(reader.open(&error));
    QVERIFY(!reader.device(QStringLiteral("00000000-0000-0000-0000-000000000000"), &error));
    QVERIFY(error.isEmpty());
}

void TestStoreReader::historyKeepsMinAndMax_data()
{
    QTest::addColumn<QString>("metric");
    QTest::addColumn<int>("buckets");
    for (const QString &metric : {QStringLiteral("cpu_percent"), QStringLiteral("memory_used_kb"),
             QStringLiteral("load_1")}) {
        for (int buckets : {1, 7, 100, 1000, 5000})
            QTest::addRow("%s, %d buckets", qPrintable(metric), buckets) << metric << buckets;
    }
}

// Each bucket's min, max, count and average equal what SQL finds over the
// bucket's rows, and no row is lost or counted twice across buckets; buckets
// of a minute or more (1, 7 and 100 here) are read from the per-minute rollup.
void TestStoreReader::historyKeepsMinAndMax()
{
    QFETCH(QString, metric);
    QFETCH(int, buckets);
    StoreReader reader(m_path, QStringLiteral("reader"));
    QString error;
    QVERIFY(reader.open(&error));
    const qint64 from = m_firstTs;
    const qint64 to = m_firstTs + qint64(kReports) * 10000;
    const auto history = reader.history(1, metric, from, to, buckets, &error);
    QVERIFY2(history, qPrintable(error));
    QVERIFY(history->size() <= buckets);
    QCOMPARE(history->size(), std::min(buckets, kReports));

    TestSql::Connection check(m_path);
    qint64 total = 0;
    for (const HistoryBucket &bucket : *history) {
        total += bucket.count;
        QSqlQuery query(check.db());
        QVERIFY(query.exec(
            QStringLiteral("SELECT MIN(%1), MAX(%1), COUNT(*), AVG(%1) FROM system_metrics"
                           " WHERE device = 1 AND ts >= %2 AND ts <= %3")
                .arg(metric)
                .arg(bucket.firstTs)
                .arg(bucket.lastTs)));
        QVERIFY(query.next());
        QCOMPARE(bucket.min, query.value(0).toDouble());
        QCOMPARE(bucket.max, query.value(1).toDouble());
        QCOMPARE(bucket.count, query.value(2).toLongLong());
        // From the per-minute sums when buckets span minutes: equal up to rounding.
        const double avg = query.value(3).toDouble();
        QVERIFY2(qAbs(bucket.avg - avg) <= 1e-9 * std::max(1.0, qAbs(avg)),
            qPrintable(QStringLiteral("%1 != %2").arg(bucket.avg).arg(avg)));
    }
    QCOMPARE(total, qint64(kReports));
}

void TestStoreReader::historyRejectsBadInput()
{
    StoreReader reader(m_path, QStringLiteral("reader"));
    QString error;
    QVERIFY(reader.open(&error));
    QVERIFY(!reader.history(1, QStringLiteral("ts; DROP TABLE devices"), 0, 10, 10, &error));
    QVERIFY(error.contains(QStringLiteral("unknown metric")));
    QVERIFY(!reader.history(1, QStringLiteral("cpu_percent"), 10, 10, 10, &error));
    QVERIFY(!reader.history(1, QStringLiteral("cpu_percent"), 0, 10, 0, &error));
}

void TestStoreReader::streamsEveryRow()
{
    StoreReader reader(m_path, QStringLiteral("reader"));
    QString error;
    QVERIFY(reader.open(&error));
    const qint64 from = m_firstTs + 100 * 10000;
    const qint64 to = m_firstTs + 300 * 10000;
    int system = 0;
    qint64 previous = 0;
    QVERIFY(reader.forEachSystemRow(
        2, from, to,
        [&](const QVariantList &row) {
            ++system;
            const bool ordered = row.at(0).toLongLong() > previous;
            previous = row.at(0).toLongLong();
            return ordered && row.size() == StoreReader::systemColumns().size();
        },
        &error));
    QCOMPARE(system, 200);
    int network = 0;
    QVERIFY(reader.forEachNetworkRow(
        2, from, to, [&](const QVariantList &) { return ++network > 0; }, &error));
    QCOMPARE(network, 400);
    int stoppedAfter = 0;
    QVERIFY(reader.forEachSystemRow(
        2, from, to, [&](const QVariantList &) { return ++stoppedAfter < 5; }, &error));
    QCOMPARE(stoppedAfter, 5);
}

QTEST_GUILESS_MAIN(TestStoreReader)
#include "tst_storereader.moc"
