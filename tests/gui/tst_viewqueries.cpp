// SPDX-License-Identifier: MIT
#include "gui/ViewQueries.h"
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QTemporaryDir>
#include <QTest>
#include <map>

class TestViewQueries : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void fleetHasNewestValues();
    void systemHistoryKeepsMinAndMaxPerColumn_data();
    void systemHistoryKeepsMinAndMaxPerColumn();
    void networkRatesSurviveCounterResets_data();
    void networkRatesSurviveCounterResets();
    void countsRows();

private:
    QTemporaryDir m_dir;
    QString m_path;
    qint64 m_first = 0;
    qint64 m_last = 0;
    static constexpr int kReports = 400;
    static constexpr int kResetAt = 200; // counters start over here (agent restart)
};

void TestViewQueries::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("view.db"));
    IngestCounters counters;
    ReportQueue queue(100000);
    DeviceRegistry registry;
    std::vector<AcceptedReport> batch;
    for (int device = 0; device < 3; ++device) {
        for (quint64 seq = 1; seq <= kReports; ++seq) {
            AcceptedReport accepted;
            accepted.report = TestReports::makeReport(TestReports::deviceId(device), 1, seq);
            if (seq >= kResetAt) {
                for (dmr::InterfaceSample &i : accepted.report.interfaces) {
                    i.rxBytes = (seq - kResetAt) * 1000;
                    i.txBytes = (seq - kResetAt) * 500;
                }
            }
            QVERIFY(registry.observe(accepted.report, &accepted.device)
                == DeviceRegistry::Verdict::Accepted);
            batch.push_back(std::move(accepted));
        }
    }
    m_first = batch.front().report.sampleTimeMs;
    m_last = batch.back().report.sampleTimeMs;
    queue.push(std::move(batch));
    StoreWriter::Options options;
    options.databasePath = m_path;
    StoreWriter writer(options, &queue, &counters);
    QString error;
    QVERIFY2(writer.open(&error), qPrintable(error));
    QVERIFY(writer.flushAll());
    writer.stop();
}

void TestViewQueries::fleetHasNewestValues()
{
    StoreReader reader(m_path, QStringLiteral("fleet"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    ViewQueries queries(reader.sql());
    const auto fleet = queries.fleet(&error);
    QVERIFY2(fleet, qPrintable(error));
    QCOMPARE(fleet->size(), 3);
    const auto overviews = reader.devices(&error);
    QVERIFY(overviews);
    for (const DeviceOverview &overview : *overviews) {
        const auto it = std::find_if(fleet->cbegin(), fleet->cend(),
            [&](const DeviceRow &row) { return row.device.uuid == overview.device.uuid; });
        QVERIFY(it != fleet->cend());
        QCOMPARE(it->id, overview.id);
        QCOMPARE(it->latestTs, overview.latestTs);
        QVERIFY(it->system == overview.system);
        QCOMPARE(it->device.lastSeen, overview.device.lastSeen);
        QCOMPARE(it->device.hostname, overview.device.hostname);
    }
}

void TestViewQueries::systemHistoryKeepsMinAndMaxPerColumn_data()
{
    QTest::addColumn<int>("columns");
    QTest::addColumn<qint64>("fromOffset");
    QTest::newRow("7 samples a column") << 57 << qint64(0);
    QTest::newRow("one column") << 1 << qint64(0);
    QTest::newRow("more columns than samples") << 1000 << qint64(0);
    QTest::newRow("range starts mid-way") << 37 << qint64(1234567);
    QTest::newRow("mid-way, columns under a minute") << 400 << qint64(1234567);
}

void TestViewQueries::systemHistoryKeepsMinAndMaxPerColumn()
{
    QFETCH(int, columns);
    QFETCH(qint64, fromOffset);
    StoreReader reader(m_path, QStringLiteral("history"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    ViewQueries queries(reader.sql());
    const qint64 from = m_first + fromOffset;
    const qint64 to = m_last + 1;
    const auto series = queries.systemHistory(1, from, to, columns, &error);
    QVERIFY2(series, qPrintable(error));
    QCOMPARE(series->size(), ViewQueries::chartedMetrics().size());

    // The same extremes computed from the raw rows, on the test's own connection.
    // Columns of a minute or more come from the per-minute rollup: a minute
    // counts in the column of its first sample, and whole minutes are read.
    const bool byMinute = to - from >= qint64(columns) * 60000;
    const qint64 start = byMinute ? from - from % 60000 : from;
    TestSql::Connection sql(m_path);
    const QList<QVariantList> rows
        = sql.rows(QStringLiteral("SELECT ts, %1 FROM system_metrics WHERE device = 1 AND ts >= %2"
                                  " AND ts < %3 ORDER BY ts")
                       .arg(ViewQueries::chartedMetrics().join(QStringLiteral(", ")))
                       .arg(start)
                       .arg(to));
    QVERIFY(rows.size() > 1);
    std::map<qint64, qint64> firstOfMinute;
    for (const QVariantList &row : rows) {
        const qint64 ts = row.at(0).toLongLong();
        firstOfMinute.emplace(ts - ts % 60000, ts); // rows come in time order
    }
    const double width = double(to - from) / columns;
    for (int m = 0; m < series->size(); ++m) {
        std::map<int, std::pair<double, double>> expected;
        for (const QVariantList &row : rows) {
            qint64 ts = row.at(0).toLongLong();
            if (byMinute)
                ts = std::max(firstOfMinute.at(ts - ts % 60000), from);
            const int column = int((ts - from) * columns / (to - from));
            const double value = row.at(1 + m).toDouble();
            auto it = expected.find(column);
            if (it == expected.end())
                expected.emplace(column, std::make_pair(value, value));
            else
                it->second
                    = {std::min(it->second.first, value), std::max(it->second.second, value)};
        }
        std::map<int, std::pair<double, double>> got;
        const QList<QPointF> &points = series->at(m).points;
        QVERIFY(points.size() <= 2 * columns);
        for (const QPointF &p : points) {
            const int column = int((p.x() - double(from)) / width);
            auto it = got.find(column);
            if (it == got.end())
                got.emplace(column, std::make_pair(p.y(), p.y()));
            else
                it->second
                    = {std::min(it->second.first, p.y()), std::max(it->second.second, p.y())};
        }
        QCOMPARE(got, expected);
    }
}

void TestViewQueries::networkRatesSurviveCounterResets_data()
{
    QTest::addColumn<int>("columns");
    QTest::newRow("from the rows") << 100;
    QTest::newRow("from the per-minute rollup") << 20; // 200 s a column
}

void TestViewQueries::networkRatesSurviveCounterResets()
{
    QFETCH(int, columns);
    StoreReader reader(m_path, QStringLiteral("network"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    ViewQueries queries(reader.sql());
    const auto series = queries.networkHistory(2, m_first, m_last + 1, columns, &error);
    QVERIFY2(series, qPrintable(error));
    QCOMPARE(series->size(), 4); // eth0 rx, eth0 tx, wlan0 rx, wlan0 tx
    QCOMPARE(series->at(0).name, QStringLiteral("eth0 rx"));
    QCOMPARE(series->at(1).name, QStringLiteral("eth0 tx"));
    // 1000 and 500 bytes every 10 s; the step where the counters start over
    // is left out rather than shown as a negative or huge rate.
    for (int i = 0; i < series->size(); ++i) {
        const double rate = i % 2 == 0 ? 100.0 : 50.0;
        QVERIFY(!series->at(i).points.isEmpty());
        for (const QPointF &p : series->at(i).points)
            QCOMPARE(p.y(), rate);
    }
}

void TestViewQueries::countsRows()
{
    StoreReader reader(m_path, QStringLiteral("count"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    ViewQueries queries(reader.sql());
    QCOMPARE(queries.countRows(QStringLiteral("system_metrics"), 1, m_first, m_last + 1, &error),
        std::optional<qint64>(kReports));
    QCOMPARE(queries.countRows(QStringLiteral("network_metrics"), 1, m_first, m_last + 1, &error),
        std::optional<qint64>(2 * kReports));
    QVERIFY(!queries.countRows(QStringLiteral("devices; DROP"), 1, 0, 1, &error));
}

QTEST_GUILESS_MAIN(TestViewQueries)
#include "tst_viewqueries.moc"
