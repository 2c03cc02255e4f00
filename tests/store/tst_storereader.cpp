// SPDX-License-Identifier: MIT
#include "dmr/Codec.h"
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/DeviceLifecycle.h"
#include "store/Retention.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"
#include "support/TestDatabase.h"
#include "support/TestHardware.h"
#include "support/TestReports.h"
#include "support/TestSql.h"
#include "support/TestStore.h"

#include <QTemporaryDir>
#include <QTest>
#include <map>
#include <memory>

using namespace dmr::console;

namespace {

constexpr qint64 kMinuteMs = 60000;
constexpr qint64 kHourMs = 60 * kMinuteMs;
constexpr qint64 kDayMs = 24 * kHourMs;

} // namespace

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
    void pagesReadEveryRowOnce_data();
    void pagesReadEveryRowOnce();
    void countsDevices();
    void hardwareWrittenReadRetainedDeleted();
    // The window's reads (once ViewQueries), on a database of their own.
    void fleetHasNewestValues();
    void systemHistoryKeepsMinAndMaxPerColumn_data();
    void systemHistoryKeepsMinAndMaxPerColumn();
    void networkRatesSurviveCounterResets_data();
    void networkRatesSurviveCounterResets();
    void countsRows();
    void readsEveryReportAcrossManyChunks();
    void readKeepsOneSnapshotWhileCompacting();

private:
    void writeChartData();

    QTemporaryDir m_dir;
    std::unique_ptr<TestDatabase::Scratch> m_scratch;
    std::unique_ptr<TestDatabase::Scratch> m_chartScratch;
    QString m_path;
    qint64 m_firstTs = 0;
    static constexpr int kReports = 1000;
    // The charts' database: three devices whose counters start over midway.
    QString m_chartPath;
    qint64 m_chartFirst = 0;
    qint64 m_chartLast = 0;
    static constexpr int kChartReports = 400;
    static constexpr int kResetAt = 200; // counters start over here (agent restart)
};

// Two devices, 1,000 reports each, written by the real writer.
void TestStoreReader::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_scratch
        = std::make_unique<TestDatabase::Scratch>(m_dir.filePath(QStringLiteral("reader.db")));
    TEST_DATABASE_READY(*m_scratch);
    m_path = m_scratch->location();
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
    writeChartData();
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

void TestStoreReader::pagesReadEveryRowOnce_data()
{
    QTest::addColumn<bool>("network");
    QTest::addColumn<int>("limit");
    QTest::newRow("system, 7 a page") << false << 7;
    QTest::newRow("system, one page") << false << 1000;
    QTest::newRow("network, 7 a page") << true << 7; // pages end between two interfaces
    QTest::newRow("network, one a page") << true << 1;
}

// The REST export's pages: together the rows forEach*Row streams, in its
// order, none twice, whatever the page size.
void TestStoreReader::pagesReadEveryRowOnce()
{
    QFETCH(bool, network);
    QFETCH(int, limit);
    StoreReader reader(m_path, QStringLiteral("reader"));
    QString error;
    QVERIFY(reader.open(&error));
    const qint64 from = m_firstTs + 100 * 10000;
    const qint64 to = m_firstTs + 300 * 10000;
    QList<QVariantList> streamed;
    const StoreReader::Row collect = [&](const QVariantList &row) {
        streamed.append(row);
        return true;
    };
    QVERIFY(network ? reader.forEachNetworkRow(2, from, to, collect, &error)
                    : reader.forEachSystemRow(2, from, to, collect, &error));
    QCOMPARE(streamed.size(), network ? 400 : 200);

    QList<QVariantList> paged;
    qint64 afterTs = from - 1;
    QString afterInterface;
    for (int pages = 0; pages <= streamed.size(); ++pages) {
        int rows = 0;
        const StoreReader::Row page = [&](const QVariantList &row) {
            ++rows;
            paged.append(row);
            afterTs = row.at(0).toLongLong();
            if (network)
                afterInterface = row.at(1).toString();
            return true;
        };
        QVERIFY2(network ? reader.networkPage(2, afterTs, afterInterface, to, limit, page, &error)
                         : reader.systemPage(2, afterTs, to, limit, page, &error),
            qPrintable(error));
        QVERIFY(rows <= limit);
        if (rows < limit)
            break;
    }
    QCOMPARE(paged, streamed);
}

// hardware_metrics end to end on the store: a row per report that has
// hardware, in the report's transaction; read back in pages and as the
// newest; an undecodable row left out and counted; raw retention and a
// device's deletion take the rows.
void TestStoreReader::hardwareWrittenReadRetainedDeleted()
{
    TestDatabase::Scratch scratch(m_dir.filePath(QStringLiteral("hardware.db")));
    TEST_DATABASE_READY(scratch);
    const QString path = scratch.location();
    IngestCounters counters;
    ReportQueue queue(1000);
    DeviceRegistry registry;
    std::vector<AcceptedReport> batch;
    constexpr int kCount = 10;
    for (quint64 seq = 1; seq <= kCount; ++seq) {
        AcceptedReport accepted;
        accepted.report = TestReports::makeReport(TestReports::deviceId(7), 1, seq);
        // Every third without hardware (as an older agent's would be).
        if (seq % 3 != 0) {
            accepted.report.hardware = dmr::test::sampleHardware();
            accepted.report.hardware.corePercents[0] = double(seq);
        }
        QVERIFY(registry.observe(accepted.report, &accepted.device)
            == DeviceRegistry::Verdict::Accepted);
        batch.push_back(std::move(accepted));
    }
    const QString uuid = batch.front().device.uuid;
    const qint64 first = batch.front().report.sampleTimeMs;
    const qint64 last = batch.back().report.sampleTimeMs;
    queue.push(std::move(batch));
    {
        StoreWriter::Options options;
        options.databasePath = path;
        StoreWriter writer(options, &queue, &counters);
        QString error;
        QVERIFY2(writer.open(&error), qPrintable(error));
        QVERIFY(writer.flushAll());
        writer.stop();
    }
    StoreReader reader(path, QStringLiteral("hardware-reader"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    std::optional<HardwareHistory> all = reader.hardwareHistory(uuid, first, last + 1, 100, &error);
    QVERIFY2(all, qPrintable(error));
    QCOMPARE(all->rows.size(), 7); // 10 reports, 3 without hardware
    QCOMPARE(all->skipped, 0);
    QCOMPARE(all->rows.front().ts, first);
    QCOMPARE(all->rows.front().hardware.corePercents[0], 1.0);
    dmr::HardwareSample expected = dmr::test::sampleHardware();
    expected.corePercents[0] = 2;
    QCOMPARE(all->rows.at(1).hardware, expected);
    // Pages: 3, then from after the last one's time.
    std::optional<HardwareHistory> page = reader.hardwareHistory(uuid, first, last + 1, 3, &error);
    QVERIFY2(page, qPrintable(error));
    QCOMPARE(page->rows.size(), 3);
    QCOMPARE(page->read, 3);
    page = reader.hardwareHistory(uuid, page->lastTs + 1, last + 1, 100, &error);
    QCOMPARE(page->rows.size(), 4);
    std::optional<HardwareRow> latest = reader.latestHardware(uuid, &error);
    QVERIFY2(latest, qPrintable(error));
    QCOMPARE(latest->hardware.corePercents[0], 10.0);
    QVERIFY(!reader.latestHardware(QStringLiteral("00000000-0000-0000-0000-000000000000"), &error));
    QVERIFY(error.isEmpty());

    TestSql::Connection sql(path);
    QVERIFY(sql.isOpen());
    // A row this console cannot decode: left out, counted, the rest still read.
    QVERIFY(sql.exec(QStringLiteral("UPDATE hardware_metrics SET body = %1 WHERE ts = %2")
                         .arg(sql.db().driverName() == QLatin1String("QPSQL")
                                 ? QStringLiteral("'\\xffff'::bytea")
                                 : QStringLiteral("X'FFFF'"))
                         .arg(all->rows.constLast().ts)));
    all = reader.hardwareHistory(uuid, first, last + 1, 100, &error);
    QVERIFY2(all, qPrintable(error));
    QCOMPARE(all->rows.size(), 6);
    QCOMPARE(all->skipped, 1);
    QCOMPARE(all->read, 7);
    latest = reader.latestHardware(uuid, &error);
    QVERIFY(latest);
    QCOMPARE(latest->hardware.corePercents[0], 8.0); // the one before the broken one

    // Raw retention: everything older than the newest report by a day goes
    // (whole two-hour windows); with a clock a week on, all of it.
    const QString count = QStringLiteral("SELECT COUNT(*) FROM hardware_metrics");
    QCOMPARE(sql.value(count).toInt(), 7);
    {
        Retention::Limits limits;
        limits.keepRawMs = kDayMs;
        const qint64 id = sql.value(QStringLiteral("SELECT id FROM devices")).toLongLong();
        Retention forDevice(sql.db(), limits, [last] { return last + 7 * kDayMs; });
        forDevice.noteNewest(id, last + 7 * kDayMs);
        const std::optional<qint64> deleted = forDevice.step(&error);
        QVERIFY2(deleted, qPrintable(error));
        QVERIFY(*deleted >= 7);
    }
    QCOMPARE(sql.value(count).toInt(), 0);

    // A device's deletion takes its rows.
    QVERIFY(sql.exec(
        QStringLiteral("INSERT INTO hardware_metrics (device, ts, body)"
                       " SELECT id, %1, %2 FROM devices")
            .arg(last)
            .arg(sql.db().driverName() == QLatin1String("QPSQL") ? QStringLiteral("'\\x00'::bytea")
                                                                 : QStringLiteral("X'00'"))));
    QCOMPARE(sql.value(count).toInt(), 1);
    DeviceLifecycle lifecycle(sql.db());
    const std::optional<DeviceLifecycle::Device> device = lifecycle.find(uuid, &error);
    QVERIFY2(device, qPrintable(error));
    qint64 samples = 0;
    QVERIFY2(lifecycle.remove(*device, &samples, &error), qPrintable(error));
    QCOMPARE(sql.value(count).toInt(), 0);
}

void TestStoreReader::countsDevices()
{
    StoreReader reader(m_path, QStringLiteral("reader"));
    QString error;
    QVERIFY(reader.open(&error));
    QCOMPARE(reader.deviceCount(&error), std::optional<qint64>(2));
}

void TestStoreReader::writeChartData()
{
    QVERIFY(m_dir.isValid());
    m_chartScratch
        = std::make_unique<TestDatabase::Scratch>(m_dir.filePath(QStringLiteral("view.db")));
    TEST_DATABASE_READY(*m_chartScratch);
    m_chartPath = m_chartScratch->location();
    IngestCounters counters;
    ReportQueue queue(100000);
    DeviceRegistry registry;
    std::vector<AcceptedReport> batch;
    for (int device = 0; device < 3; ++device) {
        for (quint64 seq = 1; seq <= kChartReports; ++seq) {
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
    m_chartFirst = batch.front().report.sampleTimeMs;
    m_chartLast = batch.back().report.sampleTimeMs;
    queue.push(std::move(batch));
    StoreWriter::Options options;
    options.databasePath = m_chartPath;
    StoreWriter writer(options, &queue, &counters);
    QString error;
    QVERIFY2(writer.open(&error), qPrintable(error));
    QVERIFY(writer.flushAll());
    writer.stop();
}

void TestStoreReader::fleetHasNewestValues()
{
    StoreReader reader(m_chartPath, QStringLiteral("fleet"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    const auto fleet = reader.fleet(&error);
    QVERIFY2(fleet, qPrintable(error));
    QCOMPARE(fleet->size(), 3);
    const auto overviews = reader.devices(&error);
    QVERIFY(overviews);
    for (const DeviceOverview &overview : *overviews) {
        const auto it = std::find_if(fleet->cbegin(), fleet->cend(),
            [&](const DeviceOverview &row) { return row.device.uuid == overview.device.uuid; });
        QVERIFY(it != fleet->cend());
        QCOMPARE(it->id, overview.id);
        QCOMPARE(it->latestTs, overview.latestTs);
        QVERIFY(it->system == overview.system);
        QCOMPARE(it->device.lastSeen, overview.device.lastSeen);
        QCOMPARE(it->device.hostname, overview.device.hostname);
    }
}

void TestStoreReader::systemHistoryKeepsMinAndMaxPerColumn_data()
{
    QTest::addColumn<int>("columns");
    QTest::addColumn<qint64>("fromOffset");
    QTest::newRow("7 samples a column") << 57 << qint64(0);
    QTest::newRow("one column") << 1 << qint64(0);
    QTest::newRow("more columns than samples") << 1000 << qint64(0);
    QTest::newRow("range starts mid-way") << 37 << qint64(1234567);
    QTest::newRow("mid-way, columns under a minute") << 400 << qint64(1234567);
}

void TestStoreReader::systemHistoryKeepsMinAndMaxPerColumn()
{
    QFETCH(int, columns);
    QFETCH(qint64, fromOffset);
    StoreReader reader(m_chartPath, QStringLiteral("history"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    const qint64 from = m_chartFirst + fromOffset;
    const qint64 to = m_chartLast + 1;
    const auto series = reader.systemChart(1, from, to, columns, &error);
    QVERIFY2(series, qPrintable(error));
    QCOMPARE(series->size(), StoreReader::chartedMetrics().size());

    // The same extremes computed from the raw rows, on the test's own connection.
    // Columns of a minute or more come from the per-minute rollup: a minute
    // counts in the column of its first sample, and whole minutes are read.
    const bool byMinute = to - from >= qint64(columns) * 60000;
    const qint64 start = byMinute ? from - from % 60000 : from;
    TestSql::Connection sql(m_chartPath);
    const QList<QVariantList> rows
        = sql.rows(QStringLiteral("SELECT ts, %1 FROM system_metrics WHERE device = 1 AND ts >= %2"
                                  " AND ts < %3 ORDER BY ts")
                       .arg(StoreReader::chartedMetrics().join(QStringLiteral(", ")))
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

void TestStoreReader::networkRatesSurviveCounterResets_data()
{
    QTest::addColumn<int>("columns");
    QTest::newRow("from the rows") << 100;
    QTest::newRow("from the per-minute rollup") << 20; // 200 s a column
}

void TestStoreReader::networkRatesSurviveCounterResets()
{
    QFETCH(int, columns);
    StoreReader reader(m_chartPath, QStringLiteral("network"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    const auto series = reader.networkChart(2, m_chartFirst, m_chartLast + 1, columns, &error);
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

void TestStoreReader::countsRows()
{
    StoreReader reader(m_chartPath, QStringLiteral("count"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    QCOMPARE(reader.countRows(
                 QStringLiteral("system_metrics"), 1, m_chartFirst, m_chartLast + 1, &error),
        std::optional<qint64>(kChartReports));
    QCOMPARE(reader.countRows(
                 QStringLiteral("network_metrics"), 1, m_chartFirst, m_chartLast + 1, &error),
        std::optional<qint64>(2 * kChartReports));
    QVERIFY(!reader.countRows(QStringLiteral("devices; DROP"), 1, 0, 1, &error));
}

// Three days of a report a minute: two closed into chunks (two dozen raw
// windows, two days of minutes) with late reports beside them, a day of
// rows. Each report is counted once however the reader is asked.
void TestStoreReader::readsEveryReportAcrossManyChunks()
{
    const QString path = m_dir.filePath(QStringLiteral("chunked.db"));
    const qint64 from = TestReports::makeReport(TestReports::deviceId(0), 1, 0).sampleTimeMs;
    const qint64 to = from + 3 * kDayMs;
    qint64 reports = 0;
    {
        IngestCounters counters;
        ReportQueue queue(100000);
        StoreWriter::Options options;
        options.databasePath = path;
        StoreWriter writer(options, &queue, &counters);
        QString error;
        QVERIFY2(writer.open(&error), qPrintable(error));
        TestStore::TimedReports timed(writer, queue, 0);
        QVERIFY(timed.write(TestStore::every(kMinuteMs, from, from + 2 * kDayMs)));
        QVERIFY2(writer.compact(-1, &error), qPrintable(error));
        QVERIFY(timed.write(TestStore::every(
            5 * kHourMs, from + 5 * kMinuteMs, from + 2 * kDayMs - 3 * kHourMs, 30000)));
        QVERIFY(timed.write(TestStore::every(kMinuteMs, from + 2 * kDayMs, to)));
        writer.stop();
        reports = qint64(timed.times().size());
    }
    qint64 id = 0;
    {
        TestSql::Connection sql(path);
        id = sql.value(QStringLiteral("SELECT id FROM devices")).toLongLong();
        QVERIFY(sql.value(QStringLiteral("SELECT COUNT(*) FROM metric_chunks WHERE kind = %1")
                              .arg(int(ChunkTable::Kind::System)))
                    .toLongLong()
            >= 20);
    }
    StoreReader reader(path, QStringLiteral("chunked"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));

    qint64 system = 0, network = 0;
    QVERIFY2(reader.forEachSystemRow(
                 id, from, to,
                 [&system](const QVariantList &) {
                     ++system;
                     return true;
                 },
                 &error),
        qPrintable(error));
    QCOMPARE(system, reports);
    QVERIFY2(reader.forEachNetworkRow(
                 id, from, to,
                 [&network](const QVariantList &) {
                     ++network;
                     return true;
                 },
                 &error),
        qPrintable(error));
    QCOMPARE(network, 2 * reports);
    QCOMPARE(reader.countRows(QStringLiteral("system_metrics"), id, from, to, &error),
        std::optional<qint64>(reports));
    QCOMPARE(reader.countRows(QStringLiteral("network_metrics"), id, from, to, &error),
        std::optional<qint64>(2 * reports));

    // Buckets of 26 s (raw rows and chunks), 43 min (minutes), a day (hours).
    for (const auto &[buckets, tier] :
        {std::pair {10000, "raw"}, std::pair {100, "minute"}, std::pair {3, "hour"}}) {
        QString resolution;
        const auto history = reader.history(
            id, QStringLiteral("cpu_percent"), from, to, buckets, &error, &resolution);
        QVERIFY2(history, qPrintable(error));
        QCOMPARE(resolution, QLatin1String(tier));
        qint64 counted = 0;
        for (const HistoryBucket &bucket : *history)
            counted += bucket.count;
        QCOMPARE(counted, reports);
    }

    // The REST export's keyset pages.
    qint64 paged = 0;
    qint64 afterTs = from - 1;
    for (int rows = 700; rows == 700;) {
        rows = 0;
        QVERIFY2(reader.systemPage(
                     id, afterTs, to, 700,
                     [&](const QVariantList &row) {
                         ++rows;
                         afterTs = row.at(0).toLongLong();
                         return true;
                     },
                     &error),
            qPrintable(error));
        paged += rows;
    }
    QCOMPARE(paged, reports);
}

// The reader's statements of one read share a snapshot: rows the writer's
// compaction moves into chunks while a read is under way are read where
// they were, not missed where they went.
void TestStoreReader::readKeepsOneSnapshotWhileCompacting()
{
    const QString path = m_dir.filePath(QStringLiteral("compacting.db"));
    const qint64 from = TestReports::makeReport(TestReports::deviceId(0), 1, 0).sampleTimeMs;
    const qint64 to = from + 12 * kHourMs;
    IngestCounters counters;
    ReportQueue queue(100000);
    StoreWriter::Options options;
    options.databasePath = path;
    StoreWriter writer(options, &queue, &counters);
    QString error;
    QVERIFY2(writer.open(&error), qPrintable(error));
    TestStore::TimedReports timed(writer, queue, 0);
    QVERIFY(timed.write(TestStore::every(kMinuteMs, from, to)));
    const qint64 reports = qint64(timed.times().size());
    const auto value = [&path](const char *sql) {
        TestSql::Connection connection(path);
        return connection.value(QLatin1String(sql)).toLongLong();
    };
    const qint64 id = value("SELECT id FROM devices");
    const auto chunks = [&value] { return value("SELECT COUNT(*) FROM metric_chunks"); };
    QCOMPARE(chunks(), qint64(0));

    StoreReader reader(path, QStringLiteral("compacting"));
    QVERIFY2(reader.open(&error), qPrintable(error));
    qint64 rows = 0;
    QString compactError;
    QVERIFY2(reader.forEachSystemRow(
                 id, from, to,
                 [&](const QVariantList &) {
                     if (rows++ == 0 && !writer.compact(-1, &compactError))
                         return false;
                     return true;
                 },
                 &error),
        qPrintable(error));
    QVERIFY2(compactError.isEmpty(), qPrintable(compactError));
    QVERIFY(chunks() >= 8); // system and network, five windows closed or more
    QCOMPARE(rows, reports);

    rows = 0;
    QVERIFY2(reader.forEachSystemRow(
                 id, from, to,
                 [&rows](const QVariantList &) {
                     ++rows;
                     return true;
                 },
                 &error),
        qPrintable(error));
    QCOMPARE(rows, reports);
    writer.stop();
}

QTEST_GUILESS_MAIN(TestStoreReader)
#include "tst_storereader.moc"
