// SPDX-License-Identifier: MIT
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/StoreWriter.h"
#include "support/TestDatabase.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <memory>

using namespace dmr::console;

namespace {

constexpr int kDevices = 3;

// Device d reports with d * 2 interfaces (0, 2, 4), so that the network rows
// fill the 16-row statement at other counts than the system rows do.
int interfacesOf(int device)
{
    return device * 2;
}

double rounded(std::uint64_t part, std::uint64_t whole)
{
    return std::round(10000.0 * double(part) / double(whole)) / 100.0;
}

} // namespace

class TestStoreWriter : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void storesReports_data();
    void storesReports();
    void reopenUpdatesKnownDevices();
    void writesOnItsTimer();
    void failedWriteKeepsReports_data();
    void failedWriteKeepsReports();
    void reportsUnhealthyAndRecovers();
    void reconnectsAfterLostConnection();

private:
    // `count` reports, round robin over the devices, through a real registry.
    std::vector<AcceptedReport> makeAccepted(int count, quint64 firstSequence = 1);
    std::unique_ptr<StoreWriter> openWriter(int maxPerTransaction = 4000, int retryMs = 1000);
    void verifyStored(const std::vector<AcceptedReport> &reports);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestDatabase::Scratch> m_scratch;
    QString m_path;
    std::unique_ptr<ReportQueue> m_queue;
    std::unique_ptr<IngestCounters> m_counters;
    std::unique_ptr<DeviceRegistry> m_registry;
    qint64 m_now = 0;
};

void TestStoreWriter::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_scratch
        = std::make_unique<TestDatabase::Scratch>(m_dir->filePath(QStringLiteral("metrics.db")));
    TEST_DATABASE_READY(*m_scratch);
    m_path = m_scratch->location();
    m_queue = std::make_unique<ReportQueue>(100000);
    m_counters = std::make_unique<IngestCounters>();
    m_now = 1795000000000LL;
    m_registry = std::make_unique<DeviceRegistry>([this] { return m_now; });
}

void TestStoreWriter::cleanup()
{
    m_registry.reset();
    m_counters.reset();
    m_queue.reset();
    m_scratch.reset();
    m_dir.reset();
}

std::vector<AcceptedReport> TestStoreWriter::makeAccepted(int count, quint64 firstSequence)
{
    std::vector<AcceptedReport> reports;
    for (int i = 0; i < count; ++i) {
        const int device = i % kDevices;
        const quint64 sequence = firstSequence + quint64(i / kDevices);
        AcceptedReport accepted;
        accepted.report = TestReports::makeReport(TestReports::deviceId(device),
            0x9e3779b9u + quint32(device), sequence, interfacesOf(device));
        m_now += 1000;
        if (m_registry->observe(accepted.report, &accepted.device)
            != DeviceRegistry::Verdict::Accepted)
            qFatal("test reports must be accepted by the registry");
        reports.push_back(std::move(accepted));
    }
    return reports;
}

std::unique_ptr<StoreWriter> TestStoreWriter::openWriter(int maxPerTransaction, int retryMs)
{
    StoreWriter::Options options;
    options.databasePath = m_path;
    options.maxReportsPerTransaction = maxPerTransaction;
    options.retryIntervalMs = retryMs;
    options.flushIntervalMs = 20;
    auto writer = std::make_unique<StoreWriter>(options, m_queue.get(), m_counters.get());
    QString error;
    if (!writer->open(&error)) {
        qWarning("cannot open the writer: %s", qPrintable(error));
        return nullptr;
    }
    return writer;
}

void TestStoreWriter::verifyStored(const std::vector<AcceptedReport> &reports)
{
    TestSql::Connection check(m_path);
    QVERIFY(check.isOpen());

    std::size_t interfaces = 0;
    for (const AcceptedReport &accepted : reports)
        interfaces += accepted.report.interfaces.size();
    QCOMPARE(check.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toULongLong(),
        quint64(reports.size()));
    QCOMPARE(check.value(QStringLiteral("SELECT COUNT(*) FROM network_metrics")).toULongLong(),
        quint64(interfaces));

    // Every report's row, found by device uuid and sequence.
    QHash<QString, QVariantList> systemRows;
    for (const QVariantList &row : check.rows(QStringLiteral(
             "SELECT d.uuid, s.sequence, s.ts, s.cpu_percent, s.memory_percent, s.memory_used_kb,"
             " s.memory_total_kb, s.disk_percent, s.disk_used_kb, s.disk_total_kb, s.load_1,"
             " s.load_5, s.load_15, s.uptime_seconds, s.run_id, s.disk_available_kb"
             " FROM system_metrics s JOIN devices d ON d.id = s.device"))) {
        QCOMPARE(row.size(), 16);
        systemRows.insert(row[0].toString() + QLatin1Char('/') + row[1].toString(), row);
    }
    QCOMPARE(systemRows.size(), qsizetype(reports.size()));

    QHash<QString, QVariantList> networkRows;
    for (const QVariantList &row : check.rows(QStringLiteral(
             "SELECT d.uuid, n.ts, n.interface, n.ip_address, n.mac_address, n.rx_bytes,"
             " n.tx_bytes, n.rx_packets, n.tx_packets"
             " FROM network_metrics n JOIN devices d ON d.id = n.device"))) {
        QCOMPARE(row.size(), 9);
        networkRows.insert(row[0].toString() + QLatin1Char('/') + row[1].toString()
                + QLatin1Char('/') + row[2].toString(),
            row);
    }
    QCOMPARE(networkRows.size(), qsizetype(interfaces));

    for (const AcceptedReport &accepted : reports) {
        const dmr::Report &r = accepted.report;
        const dmr::SystemSample &s = r.system;
        const QVariantList row = systemRows.value(
            accepted.device.uuid + QLatin1Char('/') + QString::number(r.sequence));
        QVERIFY2(
            !row.isEmpty(), qPrintable(QStringLiteral("no row for sequence %1").arg(r.sequence)));
        QCOMPARE(row[2].toLongLong(), r.sampleTimeMs);
        QCOMPARE(row[3].toDouble(), s.cpuPercent);
        QCOMPARE(row[4].toDouble(), rounded(s.memoryUsedKb, s.memoryTotalKb));
        QCOMPARE(row[5].toULongLong(), s.memoryUsedKb);
        QCOMPARE(row[6].toULongLong(), s.memoryTotalKb);
        // df's Use%: of used + available, not of the size (root's reserve).
        QCOMPARE(row[7].toDouble(), rounded(s.diskUsedKb, s.diskUsedKb + s.diskAvailableKb));
        QCOMPARE(row[8].toULongLong(), s.diskUsedKb);
        QCOMPARE(row[9].toULongLong(), s.diskTotalKb);
        QCOMPARE(row[10].toDouble(), s.load1);
        QCOMPARE(row[11].toDouble(), s.load5);
        QCOMPARE(row[12].toDouble(), s.load15);
        QCOMPARE(row[13].toULongLong(), s.uptimeSeconds);
        QCOMPARE(row[14].toLongLong(), qint64(r.runId));
        QCOMPARE(row[15].toULongLong(), s.diskAvailableKb);

        for (const dmr::InterfaceSample &sample : r.interfaces) {
            const QVariantList n = networkRows.value(accepted.device.uuid + QLatin1Char('/')
                + QString::number(r.sampleTimeMs) + QLatin1Char('/')
                + QString::fromStdString(sample.name));
            QVERIFY(!n.isEmpty());
            QCOMPARE(n[3].toString(), QString::fromStdString(sample.ipAddress));
            QCOMPARE(n[4].toString(), QString::fromStdString(sample.macAddress));
            QCOMPARE(n[5].toULongLong(), sample.rxBytes);
            QCOMPARE(n[6].toULongLong(), sample.txBytes);
            QCOMPARE(n[7].toULongLong(), sample.rxPackets);
            QCOMPARE(n[8].toULongLong(), sample.txPackets);
        }
    }

    // One devices row per device, as the registry knows it now.
    const QList<DeviceSnapshot> known = m_registry->devices();
    QSet<QString> devicesWithReports;
    for (const AcceptedReport &accepted : reports)
        devicesWithReports.insert(accepted.device.uuid);
    QCOMPARE(check.value(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(),
        devicesWithReports.size());
    for (const DeviceSnapshot &device : known) {
        if (!devicesWithReports.contains(device.uuid))
            continue;
        const QList<QVariantList> rows = check.rows(
            QStringLiteral("SELECT device_id, hostname, agent_version, interval_seconds,"
                           " created_at, updated_at, last_seen, reports_received, reports_lost,"
                           " run_id, last_sequence FROM devices WHERE uuid = '%1'")
                .arg(device.uuid));
        QCOMPARE(rows.size(), 1);
        const QVariantList &row = rows.first();
        QCOMPARE(row[0].toString(), device.deviceId);
        QCOMPARE(row[1].toString(), device.hostname);
        QCOMPARE(row[2].toString(), device.agentVersion);
        QCOMPARE(row[3].toUInt(), device.intervalSeconds);
        QCOMPARE(row[4].toLongLong(), device.createdAt);
        QCOMPARE(row[5].toLongLong(), device.updatedAt);
        QCOMPARE(row[6].toLongLong(), device.lastSeen);
        QCOMPARE(row[7].toULongLong(), device.reportsReceived);
        QCOMPARE(row[8].toULongLong(), device.reportsLost);
        QCOMPARE(row[9].toLongLong(), qint64(device.runId));
        QCOMPARE(row[10].toULongLong(), device.lastSequence);
    }

    // The per-minute rollup says what the rows say, however the minutes were
    // split across transactions.
    const QString raw = QStringLiteral(
        "SELECT device, (ts / 60000) * 60000 AS minute, COUNT(*), MIN(ts), MAX(ts),"
        " MIN(cpu_percent), MAX(cpu_percent), ROUND(SUM(cpu_percent), 6), MIN(load_15),"
        " MAX(memory_used_kb), ROUND(SUM(uptime_seconds), 6), MAX(disk_percent)"
        " FROM system_metrics GROUP BY device, minute ORDER BY device, minute");
    const QString rollup = QStringLiteral(
        "SELECT device, ts, samples, first_ts, last_ts, cpu_percent_min, cpu_percent_max,"
        " ROUND(cpu_percent_sum, 6), load_15_min, memory_used_kb_max,"
        " ROUND(uptime_seconds_sum, 6), disk_percent_max FROM system_metrics_1m"
        " ORDER BY device, ts");
    const QList<QVariantList> expected = check.rows(raw);
    QCOMPARE(check.rows(rollup).size(), expected.size());
    QCOMPARE(check.rows(rollup), expected);

    // Network rates between consecutive samples of an interface, by the
    // minute of the later one, as a window function finds them in the rows.
    const QString rate
        = QStringLiteral("CASE WHEN ts > LAG(ts) OVER w AND %1 >= LAG(%1) OVER w"
                         " THEN (%1 - LAG(%1) OVER w) * 1000.0 / (ts - LAG(ts) OVER w) END");
    const QString rawRates
        = QStringLiteral(
            "SELECT device, (ts / 60000) * 60000 AS minute, interface, COUNT(*), MIN(ts),"
            " MAX(ts), ROUND(MIN(rx), 6), ROUND(MAX(rx), 6), ROUND(MIN(tx), 6), ROUND(MAX(tx), 6)"
            " FROM (SELECT device, ts, interface, %1 AS rx, %2 AS tx FROM network_metrics"
            " WINDOW w AS (PARTITION BY device, interface ORDER BY ts)) AS r"
            " GROUP BY device, minute, interface ORDER BY device, minute, interface")
              .arg(rate.arg(QStringLiteral("rx_bytes")), rate.arg(QStringLiteral("tx_bytes")));
    const QString rolledRates = QStringLiteral(
        "SELECT device, ts, interface, samples, first_ts, last_ts, ROUND(rx_rate_min, 6),"
        " ROUND(rx_rate_max, 6), ROUND(tx_rate_min, 6), ROUND(tx_rate_max, 6)"
        " FROM network_metrics_1m ORDER BY device, ts, interface");
    const QList<QVariantList> expectedRates = check.rows(rawRates);
    QCOMPARE(check.rows(rolledRates).size(), expectedRates.size());
    QCOMPARE(check.rows(rolledRates), expectedRates);
}

void TestStoreWriter::storesReports_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("maxPerTransaction");

    // System rows: 16-row statements and the single-row tail; network rows
    // (6 per 3 reports) cross 16 at other counts.
    for (int count : {0, 1, 3, 15, 16, 17, 32, 100})
        QTest::addRow("%d reports", count) << count << 4000;
    QTest::newRow("100 reports, 7 per transaction") << 100 << 7;
    QTest::newRow("50 reports, 1 per transaction") << 50 << 1;
}

void TestStoreWriter::storesReports()
{
    QFETCH(int, count);
    QFETCH(int, maxPerTransaction);

    const std::vector<AcceptedReport> reports = makeAccepted(count);
    m_queue->push(makeAccepted(0)); // an empty push is harmless
    {
        std::vector<AcceptedReport> copy = reports;
        m_queue->push(std::move(copy));
    }
    auto writer = openWriter(maxPerTransaction);
    QVERIFY(writer);
    QVERIFY(writer->flushAll());
    QCOMPARE(m_queue->size(), std::size_t(0));
    QCOMPARE(m_counters->persisted.load(), quint64(count));
    QCOMPARE(m_counters->writeErrors.load(), quint64(0));
    writer.reset();
    verifyStored(reports);
}

void TestStoreWriter::reopenUpdatesKnownDevices()
{
    std::vector<AcceptedReport> all = makeAccepted(9);
    {
        std::vector<AcceptedReport> copy = all;
        m_queue->push(std::move(copy));
        auto writer = openWriter();
        QVERIFY(writer);
        QVERIFY(writer->flushAll());
    }
    // Same devices after a restart: their rows are updated, not added again.
    m_now += 60000;
    std::vector<AcceptedReport> later = makeAccepted(9, 10);
    {
        std::vector<AcceptedReport> copy = later;
        m_queue->push(std::move(copy));
        auto writer = openWriter();
        QVERIFY(writer);
        QVERIFY(writer->flushAll());
    }
    QCOMPARE(m_counters->persisted.load(), quint64(18));
    all.insert(all.end(), later.begin(), later.end());
    verifyStored(all);
}

void TestStoreWriter::writesOnItsTimer()
{
    auto writer = openWriter();
    QVERIFY(writer);
    const std::vector<AcceptedReport> reports = makeAccepted(40);
    {
        std::vector<AcceptedReport> copy = reports;
        m_queue->push(std::move(copy));
    }
    QTRY_COMPARE(m_counters->persisted.load(), quint64(40));
    QCOMPARE(m_queue->size(), std::size_t(0));
    writer.reset();
    verifyStored(reports);
}

void TestStoreWriter::failedWriteKeepsReports_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<int>("count");

    // A failure on the network rows comes after the devices and system rows
    // of the same transaction were written: all of it must roll back.
    QTest::newRow("system_metrics refuses") << "system_metrics" << 20;
    QTest::newRow("network_metrics refuses") << "network_metrics" << 20;
    QTest::newRow("devices refuses") << "devices" << 5;
}

void TestStoreWriter::failedWriteKeepsReports()
{
    QFETCH(QString, table);
    QFETCH(int, count);

    auto writer = openWriter();
    QVERIFY(writer);
    // A real SQL failure from the database itself, as a full disk or a
    // corrupt page would give: another connection adds a trigger that aborts
    // every insert into one table.
    {
        TestSql::Connection admin(m_path);
        QString error;
        QVERIFY2(TestSql::refuseInserts(admin, table, &error), qPrintable(error));
    }
    const std::vector<AcceptedReport> reports = makeAccepted(count);
    {
        std::vector<AcceptedReport> copy = reports;
        m_queue->push(std::move(copy));
    }
    QTest::ignoreMessage(QtCriticalMsg, QRegularExpression(QStringLiteral("disk on fire")));
    QTest::ignoreMessage(QtCriticalMsg, QRegularExpression(QStringLiteral("disk on fire")));
    QTest::ignoreMessage(QtCriticalMsg, QRegularExpression(QStringLiteral("disk on fire")));
    QVERIFY(!writer->flushAll());
    QVERIFY(m_counters->writeErrors.load() > 0);
    QCOMPARE(m_counters->persisted.load(), quint64(0));
    QCOMPARE(m_counters->dropped.load(), quint64(0));
    QCOMPARE(m_queue->size(), std::size_t(count));
    {
        TestSql::Connection check(m_path);
        QCOMPARE(check.value(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);
        QCOMPARE(check.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), 0);
        QCOMPARE(check.value(QStringLiteral("SELECT COUNT(*) FROM network_metrics")).toInt(), 0);
        // The database recovers; nothing was lost.
        QVERIFY(check.exec(TestSql::dropRefusal(check, table)));
    }
    QVERIFY(writer->flushAll());
    QCOMPARE(m_counters->persisted.load(), quint64(count));
    QCOMPARE(m_queue->size(), std::size_t(0));
    writer.reset();
    verifyStored(reports);
}

namespace {

int g_writeFailureLines = 0;
QtMessageHandler g_previousHandler = nullptr;

void countWriteFailures(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtCriticalMsg && message.startsWith(QLatin1String("cannot write to the database")))
        ++g_writeFailureLines;
    g_previousHandler(type, context, message);
}

} // namespace

void TestStoreWriter::reportsUnhealthyAndRecovers()
{
    g_writeFailureLines = 0;
    g_previousHandler = qInstallMessageHandler(countWriteFailures);
    const auto restoreHandler = qScopeGuard([] { qInstallMessageHandler(g_previousHandler); });
    auto writer = openWriter(4000, 50);
    QVERIFY(writer);
    QSignalSpy health(writer.get(), &StoreWriter::healthChanged);
    {
        TestSql::Connection admin(m_path);
        QString error;
        QVERIFY2(TestSql::refuseInserts(admin, QStringLiteral("system_metrics"), &error),
            qPrintable(error));
    }
    const std::vector<AcceptedReport> reports = makeAccepted(10);
    {
        std::vector<AcceptedReport> copy = reports;
        m_queue->push(std::move(copy));
    }
    QTest::ignoreMessage(QtCriticalMsg, QRegularExpression(QStringLiteral("disk on fire")));
    QTRY_COMPARE(health.count(), 1);
    QCOMPARE(health.at(0).at(0).toBool(), false);
    QVERIFY2(health.at(0).at(1).toString().contains(QLatin1String("disk on fire")),
        qPrintable(health.at(0).at(1).toString()));
    // Retries keep failing while the trigger is there, and keep the reports.
    QTRY_VERIFY(m_counters->writeErrors.load() >= 3);
    QCOMPARE(m_queue->size(), std::size_t(10));
    // Logged once, not on every retry: an outage must not flood the log.
    QCOMPARE(g_writeFailureLines, 1);
    {
        TestSql::Connection admin(m_path);
        QVERIFY(admin.exec(TestSql::dropRefusal(admin, QStringLiteral("system_metrics"))));
    }
    QTRY_COMPARE(m_counters->persisted.load(), quint64(10));
    QCOMPARE(health.count(), 2);
    QCOMPARE(health.at(1).at(0).toBool(), true);
    writer.reset();
    verifyStored(reports);
}

namespace {

// The server ends the writer's session, as a restart would: its next
// statement fails, and only a new connection helps.
bool terminateWriter(const QString &path, QString *error)
{
    TestSql::Connection admin(path);
    return admin.exec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                     " WHERE datname = current_database()"
                                     " AND application_name = 'metrics-console'"),
        error);
}

} // namespace

void TestStoreWriter::reconnectsAfterLostConnection()
{
    if (!m_scratch->isPostgres())
        QSKIP("a connection to lose: PostgreSQL only");
    auto writer = openWriter(4000, 50);
    QVERIFY(writer);
    QSignalSpy health(writer.get(), &StoreWriter::healthChanged);
    std::vector<AcceptedReport> reports = makeAccepted(30);
    m_queue->push({reports.begin(), reports.begin() + 10});
    QTRY_COMPARE(m_counters->persisted.load(), quint64(10));

    QString error;
    QVERIFY2(terminateWriter(m_path, &error), qPrintable(error));
    m_queue->push({reports.begin() + 10, reports.begin() + 20});
    // Unhealthy with the reason, the reports kept, then written over a new
    // connection with every statement prepared again.
    QTRY_VERIFY(health.count() >= 1);
    QCOMPARE(health.at(0).at(0).toBool(), false);
    QVERIFY2(health.at(0).at(1).toString().startsWith(QLatin1String("database connection lost: ")),
        qPrintable(health.at(0).at(1).toString()));
    QVERIFY(health.at(0).at(1).toString().endsWith(QLatin1String("; retrying")));
    QTRY_COMPARE(m_counters->persisted.load(), quint64(20));
    QCOMPARE(health.count(), 2);
    QCOMPARE(health.at(1).at(0).toBool(), true);
    QCOMPARE(m_counters->dropped.load(), quint64(0));

    // The final flush reconnects too.
    QVERIFY2(terminateWriter(m_path, &error), qPrintable(error));
    m_queue->push({reports.begin() + 20, reports.end()});
    QVERIFY(writer->flushAll());
    QCOMPARE(m_counters->persisted.load(), quint64(30));
    writer.reset();
    verifyStored(reports);
}

QTEST_GUILESS_MAIN(TestStoreWriter)
#include "tst_storewriter.moc"
