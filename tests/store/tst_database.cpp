// SPDX-License-Identifier: MIT
#include "store/Database.h"
#include "support/TestSql.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>

using namespace dmr::console;

namespace {

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

} // namespace

class TestDatabase : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void freshFile();
    void columns_data();
    void columns();
    void journalModeIsWal();
    void migrateTwiceIsNoOp();
    void refusesNewerSchema();
    void goldenFixture();
    void refusesNonDatabaseFile();
    void refusesUncreatableFolder();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString path(const QString &name = QStringLiteral("metrics.db")) const
    {
        return m_dir->filePath(name);
    }
};

void TestDatabase::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestDatabase::cleanup()
{
    m_dir.reset();
}

void TestDatabase::freshFile()
{
    const QString file = path(QStringLiteral("nested/folder/metrics.db"));
    {
        Database database(QStringLiteral("fresh"));
        QString error;
        QVERIFY2(database.open(file, &error), qPrintable(error));
        QCOMPARE(database.schemaVersion(), 0);
        // Progress before each statement, then done: total of total.
        QList<std::pair<int, int>> steps;
        QVERIFY2(database.migrate(&error,
                     [&steps](int done, int total) {
                         steps.append({done, total});
                     }),
            qPrintable(error));
        QVERIFY(steps.size() > 10);
        for (int i = 0; i < steps.size(); ++i)
            QCOMPARE(steps.at(i), std::make_pair(i, int(steps.size()) - 1));
        QCOMPARE(database.schemaVersion(), Database::kSchemaVersion);
        QCOMPARE(Database::kSchemaVersion, 10);
        QVERIFY(!database.isPostgres());
        const std::optional<QList<DeviceSnapshot>> devices = database.loadDevices(&error);
        QVERIFY2(devices, qPrintable(error));
        QVERIFY(devices->isEmpty());
    }
    QVERIFY(QFile::exists(file));
    TestSql::Connection check(file);
    QVERIFY(check.isOpen());
    QCOMPARE(check.rows(QStringLiteral("SELECT version FROM schema_version")),
        QList<QVariantList>({{Database::kSchemaVersion}}));
    const QStringList tables = check.db().tables();
    for (const char *table : {"schema_version", "devices", "system_metrics", "network_metrics",
             "system_metrics_1m", "network_metrics_1m", "system_metrics_1h", "network_metrics_1h",
             "metric_chunks", "users", "api_tokens", "sessions", "audit_log", "hardware_metrics"})
        QVERIFY2(tables.contains(QLatin1String(table)), table);
}

void TestDatabase::columns_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QStringList>("expected"); // DESIGN.md's field names, plus keys and `ts`

    QTest::newRow("devices") << "devices"
                             << QStringList {"id", "uuid", "device_id", "hostname", "created_at",
                                    "updated_at", "last_seen", "display_name"};
    QTest::newRow("system_metrics")
        << "system_metrics"
        << QStringList {"device", "ts", "cpu_percent", "memory_percent", "memory_used_kb",
               "memory_total_kb", "disk_percent", "disk_used_kb", "disk_total_kb",
               "disk_available_kb", "load_1", "load_5", "load_15", "uptime_seconds"};
    QTest::newRow("hardware_metrics") << "hardware_metrics" << QStringList {"device", "ts", "body"};
    QTest::newRow("network_metrics")
        << "network_metrics"
        << QStringList {"device", "ts", "interface", "ip_address", "mac_address", "rx_bytes",
               "tx_bytes", "rx_packets", "tx_packets"};
}

void TestDatabase::columns()
{
    QFETCH(QString, table);
    QFETCH(QStringList, expected);
    {
        Database database(QStringLiteral("columns"));
        QString error;
        QVERIFY2(database.open(path(), &error) && database.migrate(&error), qPrintable(error));
    }
    TestSql::Connection check(path());
    const QStringList columns = check.columns(table);
    QVERIFY2(!columns.isEmpty(), qPrintable(table));
    for (const QString &column : expected)
        QVERIFY2(columns.contains(column),
            qPrintable(QStringLiteral("%1 has no column %2 (it has %3)")
                           .arg(table, column, columns.join(QLatin1Char(',')))));
    // The online flag is derived from last_seen, never stored.
    QVERIFY(!columns.contains(QLatin1String("online")));
}

void TestDatabase::journalModeIsWal()
{
    Database database(QStringLiteral("wal"));
    QString error;
    QVERIFY2(database.open(path(), &error) && database.migrate(&error), qPrintable(error));
    QSqlQuery query(database.sql());
    QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode")) && query.next());
    QCOMPARE(query.value(0).toString(), QStringLiteral("wal"));
    // WAL is a property of the file: a second connection sees it too.
    TestSql::Connection check(path());
    QCOMPARE(check.value(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
}

void TestDatabase::migrateTwiceIsNoOp()
{
    QString error;
    {
        Database database(QStringLiteral("twice"));
        QVERIFY2(database.open(path(), &error) && database.migrate(&error), qPrintable(error));
        QSqlQuery insert(database.sql());
        QVERIFY(insert.exec(QStringLiteral(
            "INSERT INTO devices (uuid, device_id, created_at, updated_at, last_seen)"
            " VALUES ('0b7f3a52-5d1e-4c1a-9f7e-2f6a1d3c4b5a', 'dev-1', 1, 2, 3)")));
        QVERIFY2(database.migrate(&error), qPrintable(error));
        QCOMPARE(database.schemaVersion(), Database::kSchemaVersion);
    }
    {
        // And again after a restart.
        Database database(QStringLiteral("twice-again"));
        QVERIFY2(database.open(path(), &error) && database.migrate(&error), qPrintable(error));
        QCOMPARE(database.schemaVersion(), Database::kSchemaVersion);
        const auto devices = database.loadDevices(&error);
        QVERIFY2(devices, qPrintable(error));
        QCOMPARE(devices->size(), 1);
        QCOMPARE(devices->first().deviceId, QStringLiteral("dev-1"));
    }
    TestSql::Connection check(path());
    QCOMPARE(check.value(QStringLiteral("SELECT COUNT(*) FROM schema_version")).toInt(), 1);
}

void TestDatabase::refusesNewerSchema()
{
    {
        TestSql::Connection future(path());
        QVERIFY(future.isOpen());
        QVERIFY(future.exec(QStringLiteral("PRAGMA journal_mode=WAL")));
        QVERIFY(
            future.exec(QStringLiteral("CREATE TABLE schema_version (version INTEGER NOT NULL)")));
        QVERIFY(future.exec(QStringLiteral("INSERT INTO schema_version VALUES (99)")));
        QVERIFY(future.exec(QStringLiteral("CREATE TABLE readings (id INTEGER, value TEXT)")));
        QVERIFY(future.exec(QStringLiteral("INSERT INTO readings VALUES (1, 'from the future')")));
    }
    const QByteArray before = fileHash(path());
    QVERIFY(!before.isEmpty());
    {
        Database database(QStringLiteral("newer"));
        QString error;
        QVERIFY2(database.open(path(), &error), qPrintable(error));
        QVERIFY(!database.migrate(&error));
        QVERIFY2(error.contains(QLatin1String("99")), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("newer")), qPrintable(error));
        QCOMPARE(database.schemaVersion(), 99);
    }
    QCOMPARE(fileHash(path()), before);
    TestSql::Connection check(path());
    QStringList tables = check.db().tables();
    tables.sort();
    QCOMPARE(tables, QStringList({"readings", "schema_version"}));
    QCOMPARE(check.rows(QStringLiteral("SELECT version FROM schema_version")),
        QList<QVariantList>({{99}}));
}

void TestDatabase::goldenFixture()
{
    {
        TestSql::Connection fixture(path());
        QString error;
        QVERIFY2(TestSql::loadFixture(
                     fixture, QStringLiteral(DMR_TEST_DATA "/db/schema-v1.sql"), &error),
            qPrintable(error));
    }
    const QString sums = QStringLiteral("SELECT COUNT(*), SUM(cpu_percent), SUM(uptime_seconds),"
                                        " SUM(sequence) FROM system_metrics");
    const QString networkSums = QStringLiteral(
        "SELECT COUNT(*), SUM(rx_bytes), SUM(tx_packets), GROUP_CONCAT(interface) FROM"
        " network_metrics");
    QList<QVariantList> systemBefore, networkBefore;
    {
        TestSql::Connection check(path());
        systemBefore = check.rows(sums);
        networkBefore = check.rows(networkSums);
        QCOMPARE(systemBefore.first().first().toInt(), 4);
        QCOMPARE(networkBefore.first().first().toInt(), 4);
    }

    Database database(QStringLiteral("golden"));
    QString error;
    QVERIFY2(database.open(path(), &error), qPrintable(error));
    QCOMPARE(database.schemaVersion(), 1);
    QVERIFY2(database.migrate(&error), qPrintable(error));
    QCOMPARE(database.schemaVersion(), Database::kSchemaVersion);

    std::optional<QList<DeviceSnapshot>> devices = database.loadDevices(&error);
    QVERIFY2(devices, qPrintable(error));
    QCOMPARE(devices->size(), 2);
    std::sort(devices->begin(), devices->end(),
        [](const DeviceSnapshot &a, const DeviceSnapshot &b) { return a.createdAt < b.createdAt; });
    const DeviceSnapshot &pi = devices->at(0);
    QCOMPARE(pi.uuid, QStringLiteral("0b7f3a52-5d1e-4c1a-9f7e-2f6a1d3c4b5a"));
    QCOMPARE(pi.deviceId, QStringLiteral("4c4c4544004a3510804bb2c04f585032"));
    QCOMPARE(pi.hostname, QStringLiteral("raspberrypi-garage"));
    QCOMPARE(pi.agentVersion, QStringLiteral("0.1.0"));
    QCOMPARE(pi.intervalSeconds, 10u);
    QCOMPARE(pi.createdAt, 1795000000000LL);
    QCOMPARE(pi.updatedAt, 1795000000000LL);
    QCOMPARE(pi.lastSeen, 1795000020000LL);
    QCOMPARE(pi.reportsReceived, quint64(3));
    QCOMPARE(pi.reportsLost, quint64(1));
    QCOMPARE(pi.runId, 2654435769u); // above 2^31: must not come back negative
    QCOMPARE(pi.lastSequence, quint64(4));
    const DeviceSnapshot &nuc = devices->at(1);
    QCOMPARE(nuc.uuid, QStringLiteral("e2c4a6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d"));
    QCOMPARE(nuc.deviceId, QStringLiteral("office-nuc"));
    QCOMPARE(nuc.hostname, QStringLiteral("nuc.office.lan"));
    QCOMPARE(nuc.agentVersion, QStringLiteral("0.1.2"));
    QCOMPARE(nuc.intervalSeconds, 30u);
    QCOMPARE(nuc.updatedAt, 1795000010000LL);
    QCOMPARE(nuc.runId, 7u);

    TestSql::Connection check(path());
    QCOMPARE(check.rows(sums), systemBefore);
    QCOMPARE(check.rows(networkSums), networkBefore);
    // Version 7 gave devices a display name, none yet.
    QCOMPARE(check.rows(QStringLiteral("SELECT display_name FROM devices ORDER BY id")),
        QList<QVariantList>({{QString()}, {QString()}}));
    // Version 2 added the per-minute rollup, computed from the stored rows:
    // the pi's samples at :00 and :10 share a minute, the one at :20 starts the next.
    QCOMPARE(check.rows(QStringLiteral(
                 "SELECT device, ts, samples, first_ts, last_ts, cpu_percent_min,"
                 " cpu_percent_max, cpu_percent_sum, uptime_seconds_max FROM system_metrics_1m"
                 " ORDER BY device, ts")),
        QList<QVariantList>({
            {1, 1794999960000LL, 2, 1795000000000LL, 1795000010000LL, 12.5, 37.25, 49.75,
                8640133.0},
            {1, 1795000020000LL, 1, 1795000020000LL, 1795000020000LL, 5.0, 5.0, 5.0, 8640143.0},
            {2, 1794999960000LL, 1, 1795000010000LL, 1795000010000LL, 2.75, 2.75, 2.75, 3600.0},
        }));
    // And the network rates: the pi's eth0 moved 100,000 bytes each way
    // in 10 s; an interface seen once has no rate yet.
    const double none = -1; // NULL, through COALESCE
    QCOMPARE(check.rows(QStringLiteral(
                 "SELECT device, ts, interface, samples, first_ts, last_ts,"
                 " COALESCE(rx_rate_min, -1), COALESCE(rx_rate_max, -1),"
                 " COALESCE(tx_rate_min, -1), COALESCE(tx_rate_max, -1) FROM network_metrics_1m"
                 " ORDER BY device, ts, interface")),
        QList<QVariantList>({
            {1, 1794999960000LL, "eth0", 2, 1795000000000LL, 1795000010000LL, 1e4, 1e4, 1e4, 1e4},
            {1, 1794999960000LL, "wlan0", 1, 1795000000000LL, 1795000000000LL, none, none, none,
                none},
            {2, 1794999960000LL, "enp3s0", 1, 1795000010000LL, 1795000010000LL, none, none, none,
                none},
        }));
    // Version 4 added disk_available_kb: rows from older agents, whose total
    // was used + available, get total - used, so their Use% stays as stored.
    QCOMPARE(check.rows(QStringLiteral("SELECT ts, disk_available_kb, disk_percent FROM"
                                       " system_metrics WHERE device = 1 ORDER BY ts")),
        QList<QVariantList>({
            {1795000000000LL, 11590976LL, 61.42},
            {1795000010000LL, 11590896LL, 61.42},
            {1795000020000LL, 11590796LL, 61.42},
        }));
    QCOMPARE(check.rows(QStringLiteral(
                 "SELECT ts, disk_available_kb_min, disk_available_kb_max, disk_available_kb_sum"
                 " FROM system_metrics_1m WHERE device = 1 ORDER BY ts")),
        QList<QVariantList>({
            {1794999960000LL, 11590896.0, 11590976.0, 23181872.0},
            {1795000020000LL, 11590796.0, 11590796.0, 11590796.0},
        }));
    // Version 6 added the bytes each minute counted, from the stored rows,
    // and the hour tier, from the minutes: all three of the pi's samples
    // fall in one hour.
    QCOMPARE(check.rows(QStringLiteral("SELECT device, interface, rx_bytes_sum, tx_bytes_sum"
                                       " FROM network_metrics_1m ORDER BY device, ts, interface")),
        QList<QVariantList>({
            {1, "eth0", 100000LL, 100000LL},
            {1, "wlan0", 0LL, 0LL},
            {2, "enp3s0", 0LL, 0LL},
        }));
    QCOMPARE(
        check.rows(QStringLiteral("SELECT device, ts, samples, first_ts, last_ts, cpu_percent_min,"
                                  " cpu_percent_max, cpu_percent_sum, disk_available_kb_sum FROM"
                                  " system_metrics_1h ORDER BY device, ts")),
        QList<QVariantList>({
            {1, 1794999600000LL, 3, 1795000000000LL, 1795000020000LL, 5.0, 37.25, 54.75,
                34772668.0},
            {2, 1794999600000LL, 1, 1795000010000LL, 1795000010000LL, 2.75, 2.75, 2.75,
                check
                    .rows(QStringLiteral("SELECT disk_available_kb FROM system_metrics"
                                         " WHERE device = 2"))
                    .first()
                    .first()
                    .toDouble()},
        }));
    QCOMPARE(check.rows(QStringLiteral(
                 "SELECT device, interface, samples, COALESCE(rx_rate_max, -1), rx_bytes_sum"
                 " FROM network_metrics_1h ORDER BY device, ts, interface")),
        QList<QVariantList>({
            {1, "eth0", 2, 1e4, 100000LL},
            {1, "wlan0", 1, -1.0, 0LL},
            {2, "enp3s0", 1, -1.0, 0LL},
        }));
}

void TestDatabase::refusesNonDatabaseFile()
{
    QFile file(path());
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(8192, 'x'));
    file.close();
    const QByteArray before = fileHash(path());

    Database database(QStringLiteral("garbage"));
    QString error;
    const bool ok = database.open(path(), &error) && database.migrate(&error);
    QVERIFY(!ok);
    QVERIFY2(error.contains(path()) || error.contains(QLatin1String("not a database")),
        qPrintable(error));
    QCOMPARE(fileHash(path()), before);
}

void TestDatabase::refusesUncreatableFolder()
{
    // A regular file where the folder should be: fails for root too.
    QFile blocker(path(QStringLiteral("blocker")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    Database database(QStringLiteral("nofolder"));
    QString error;
    QVERIFY(!database.open(path(QStringLiteral("blocker/sub/metrics.db")), &error));
    QVERIFY2(error.contains(path(QStringLiteral("blocker/sub"))), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestDatabase)
#include "tst_database.moc"
