// SPDX-License-Identifier: MIT
// The console's pipeline in one process: real UDP on 127.0.0.1, real SQLite
// files, datagrams made by the codec the agent uses.
#include "dmr/Codec.h"
#include "service/ConsoleService.h"
#include "support/TestSql.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

using namespace dmr::console;

namespace {

dmr::Report makeReport(const std::string &deviceId, quint32 runId, quint64 sequence)
{
    dmr::Report report;
    report.deviceId = deviceId;
    report.hostname = "host-" + deviceId.substr(0, 6);
    report.agentVersion = dmr::packVersion(0, 1, 0);
    report.intervalSeconds = 1;
    report.runId = runId;
    report.sequence = sequence;
    report.sampleTimeMs
        = 1795000000000LL + qint64(sequence) * 1000 + runId; // runs never share a time
    report.system.cpuPercent = double(sequence % 100);
    report.system.memoryUsedKb = 1000 + sequence;
    report.system.memoryTotalKb = 8000;
    report.system.diskUsedKb = 500;
    report.system.diskTotalKb = 1000;
    report.system.diskAvailableKb = 500;
    report.system.load1 = 0.25;
    report.system.load5 = 0.5;
    report.system.load15 = 0.75;
    report.system.uptimeSeconds = 3600 + sequence;
    report.interfaces.push_back({"eth0", "10.1.2.3", "02:00:00:00:00:01", 100 * sequence,
        50 * sequence, sequence, sequence});
    report.interfaces.push_back({"wlan0", "", "", 7, 8, 9, 10});
    return report;
}

} // namespace

class TestConsoleService : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void storesWhatArrives();
    void garbageIsCountedAndHarmless();
    void restartKeepsHistoryAndUuids();
    void restartKnowsTheHardwareFacts();
    void stopFlushesEverything();
    void busyPortIsAClearError();

private:
    ConsoleConfig config() const;
    void send(quint16 port, const std::string &datagram);

    QTemporaryDir m_dir;
    QUdpSocket m_socket;
};

void TestConsoleService::init()
{
    QVERIFY(m_dir.isValid());
    QFile::remove(m_dir.filePath(QStringLiteral("metrics.db")));
}

ConsoleConfig TestConsoleService::config() const
{
    ConsoleConfig config;
    config.headless = true;
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0; // a free port: never the fixed 8000
    config.database = m_dir.filePath(QStringLiteral("metrics.db"));
    config.statsIntervalSeconds = 0;
    config.flushIntervalMs = 20;
    return config;
}

void TestConsoleService::send(quint16 port, const std::string &datagram)
{
    m_socket.writeDatagram(datagram.data(), qint64(datagram.size()), QHostAddress::LocalHost, port);
}

void TestConsoleService::storesWhatArrives()
{
    ConsoleService service(config());
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    QVERIFY(service.udpPort() != 0);

    const std::string id = "0123456789abcdef0123456789abcdef";
    for (quint64 seq = 1; seq <= 50; ++seq)
        send(service.udpPort(), dmr::encode(makeReport(id, 7, seq)));
    QTRY_COMPARE(service.counters().persisted.load(), quint64(50));

    TestSql::Connection reader(config().database);
    QCOMPARE(reader.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), 50);
    QCOMPARE(reader.value(QStringLiteral("SELECT COUNT(*) FROM network_metrics")).toInt(), 100);
    QCOMPARE(reader.value(QStringLiteral("SELECT device_id FROM devices")).toString(),
        QString::fromStdString(id));
    QCOMPARE(reader.value(QStringLiteral("SELECT hostname FROM devices")).toString(),
        QStringLiteral("host-012345"));
    // The values of one report, exactly as sent.
    const dmr::Report expected = makeReport(id, 7, 42);
    QCOMPARE(
        reader
            .value(QStringLiteral("SELECT memory_used_kb FROM system_metrics WHERE sequence = 42"))
            .toLongLong(),
        qint64(expected.system.memoryUsedKb));
    QCOMPARE(reader.value(QStringLiteral("SELECT ts FROM system_metrics WHERE sequence = 42"))
                 .toLongLong(),
        expected.sampleTimeMs);
    QCOMPARE(
        reader.value(QStringLiteral("SELECT cpu_percent FROM system_metrics WHERE sequence = 42"))
            .toDouble(),
        42.0);
    QCOMPARE(
        reader
            .value(QStringLiteral("SELECT memory_percent FROM system_metrics WHERE sequence = 42"))
            .toDouble(),
        expected.system.memoryPercent());
    QCOMPARE(
        reader.value(QStringLiteral("SELECT disk_percent FROM system_metrics WHERE sequence = 42"))
            .toDouble(),
        50.0);
    QCOMPARE(reader.value(QStringLiteral("SELECT load_15 FROM system_metrics WHERE sequence = 42"))
                 .toDouble(),
        0.75);
    QCOMPARE(reader
                 .value(QStringLiteral(
                     "SELECT rx_bytes FROM network_metrics WHERE interface = 'eth0' AND ts = %1")
                            .arg(expected.sampleTimeMs))
                 .toLongLong(),
        qint64(4200));
    QCOMPARE(reader
                 .value(QStringLiteral(
                     "SELECT mac_address FROM network_metrics WHERE interface = 'eth0' LIMIT 1"))
                 .toString(),
        QStringLiteral("02:00:00:00:00:01"));
    QCOMPARE(reader
                 .value(QStringLiteral(
                     "SELECT ip_address FROM network_metrics WHERE interface = 'eth0' LIMIT 1"))
                 .toString(),
        QStringLiteral("10.1.2.3"));
    service.stop();
}

void TestConsoleService::garbageIsCountedAndHarmless()
{
    ConsoleService service(config());
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    const quint16 port = service.udpPort();
    const std::string id = "feedfacefeedfacefeedfacefeedface";
    const std::string valid = dmr::encode(makeReport(id, 1, 1));

    int garbage = 0;
    for (quint64 seq = 1; seq <= 20; ++seq) {
        send(port, dmr::encode(makeReport(id, 1, seq)));
        send(port, std::string("\xff\xff\xff\xff garbage", 13));
        send(port, valid.substr(0, valid.size() / 2));
        send(port, std::string(1400, 'A'));
        garbage += 3;
    }
    send(port, valid); // a duplicate of sequence 1
    QTRY_COMPARE(service.counters().received.load(), quint64(20 + garbage + 1));
    QTRY_COMPARE(service.counters().persisted.load(), quint64(20));
    QCOMPARE(service.counters().rejectedTotal(), quint64(garbage + 1));
    QCOMPARE(service.counters().rejectedFor(Rejection::Oversize), quint64(20));
    QCOMPARE(service.counters().rejectedFor(Rejection::Duplicate), quint64(1));
    QCOMPARE(service.counters().rejectedFor(Rejection::Malformed), quint64(40));
    service.stop();

    TestSql::Connection reader(config().database);
    QCOMPARE(reader.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), 20);
    QCOMPARE(reader.value(QStringLiteral("SELECT reports_lost FROM devices")).toInt(), 0);
}

void TestConsoleService::restartKeepsHistoryAndUuids()
{
    const std::string a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const std::string b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    QString uuidA, uuidB;
    {
        ConsoleService service(config());
        QString error;
        QVERIFY2(service.start(&error), qPrintable(error));
        for (quint64 seq = 1; seq <= 10; ++seq) {
            send(service.udpPort(), dmr::encode(makeReport(a, 5, seq)));
            send(service.udpPort(), dmr::encode(makeReport(b, 6, seq)));
        }
        QTRY_COMPARE(service.counters().persisted.load(), quint64(20));
        service.stop();
        TestSql::Connection reader(config().database);
        uuidA = reader
                    .value(QStringLiteral("SELECT uuid FROM devices WHERE device_id = '%1'")
                               .arg(QString::fromStdString(a)))
                    .toString();
        uuidB = reader
                    .value(QStringLiteral("SELECT uuid FROM devices WHERE device_id = '%1'")
                               .arg(QString::fromStdString(b)))
                    .toString();
        QVERIFY(!uuidA.isEmpty() && !uuidB.isEmpty() && uuidA != uuidB);
    }
    {
        ConsoleService service(config());
        QString error;
        QVERIFY2(service.start(&error), qPrintable(error));
        // The agents kept running: a is on sequence 15 (11..14 were lost while
        // the console was down); b restarted (new run).
        send(service.udpPort(), dmr::encode(makeReport(a, 5, 15)));
        send(service.udpPort(), dmr::encode(makeReport(b, 9, 1)));
        send(service.udpPort(), dmr::encode(makeReport(a, 5, 10))); // already stored before
        QTRY_COMPARE(service.counters().persisted.load(), quint64(2));
        QTRY_COMPARE(service.counters().rejectedFor(Rejection::Duplicate), quint64(1));
        service.stop();
    }
    TestSql::Connection reader(config().database);
    QCOMPARE(reader.value(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 2);
    QCOMPARE(reader.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), 22);
    QCOMPARE(reader
                 .value(QStringLiteral("SELECT uuid FROM devices WHERE device_id = '%1'")
                            .arg(QString::fromStdString(a)))
                 .toString(),
        uuidA);
    QCOMPARE(reader
                 .value(QStringLiteral("SELECT uuid FROM devices WHERE device_id = '%1'")
                            .arg(QString::fromStdString(b)))
                 .toString(),
        uuidB);
    QCOMPARE(reader
                 .value(QStringLiteral("SELECT reports_lost FROM devices WHERE device_id = '%1'")
                            .arg(QString::fromStdString(a)))
                 .toInt(),
        4);
    QCOMPARE(
        reader
            .value(QStringLiteral("SELECT reports_received FROM devices WHERE device_id = '%1'")
                       .arg(QString::fromStdString(a)))
            .toInt(),
        11);
}

// A console that restarts knows each board's sensor names and file systems
// from its newest stored hardware: the agent's next report, which carries
// only their hash, is stored whole rather than without them.
void TestConsoleService::restartKnowsTheHardwareFacts()
{
    const std::string board = "cccccccccccccccccccccccccccccccc";
    auto withHardware = [&board](quint64 seq, bool facts) {
        dmr::Report report = makeReport(board, 7, seq);
        report.agentVersion = dmr::packVersion(0, 2, 0);
        report.hardware.temperatures = {{"cpu-thermal", 51.5}};
        report.hardware.fileSystems = {{"/", "ext4", 30000000, 12000000, 16000000, 1900000, 41000}};
        report.hardware.corePercents = {12, 30, 4, 9};
        report.factsHash = dmr::factsHash(report.hardware);
        report.factsIncluded = facts;
        return report;
    };
    {
        ConsoleService service(config());
        QString error;
        QVERIFY2(service.start(&error), qPrintable(error));
        send(service.udpPort(), dmr::encode(withHardware(1, true)));
        send(service.udpPort(), dmr::encode(withHardware(2, false)));
        QTRY_COMPARE(service.counters().persisted.load(), quint64(2));
        QCOMPARE(service.counters().factsUnknown.load(), quint64(0));
        service.stop();
    }
    ConsoleService service(config());
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    send(service.udpPort(), dmr::encode(withHardware(3, false)));
    QTRY_COMPARE(service.counters().persisted.load(), quint64(1));
    QCOMPARE(service.counters().factsUnknown.load(), quint64(0));
    service.stop();
    TestSql::Connection reader(config().database);
    const QByteArray body
        = reader.value(QStringLiteral("SELECT body FROM hardware_metrics ORDER BY ts DESC LIMIT 1"))
              .toByteArray();
    const auto stored = dmr::decodeHardwareRecord(body.toStdString());
    QVERIFY(stored);
    QCOMPARE(stored->temperatures.size(), std::size_t(1));
    QCOMPARE(stored->temperatures[0].sensor, std::string("cpu-thermal"));
    QCOMPARE(stored->fileSystems.at(0).mount, std::string("/"));
}

void TestConsoleService::stopFlushesEverything()
{
    ConsoleConfig slow = config();
    slow.flushIntervalMs = 10000; // nothing is written unless stop() flushes
    ConsoleService service(slow);
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    for (quint64 seq = 1; seq <= 500; ++seq)
        send(
            service.udpPort(), dmr::encode(makeReport("cafecafecafecafecafecafecafecafe", 3, seq)));
    QTRY_COMPARE(service.counters().accepted.load(), quint64(500));
    QCOMPARE(service.counters().persisted.load(), quint64(0));
    service.stop();
    QCOMPARE(service.counters().persisted.load(), quint64(500));
    TestSql::Connection reader(slow.database);
    QCOMPARE(reader.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), 500);
}

void TestConsoleService::busyPortIsAClearError()
{
    QUdpSocket holder;
    QVERIFY(holder.bind(QHostAddress::LocalHost, 0));
    ConsoleConfig busy = config();
    busy.udpPort = holder.localPort();
    ConsoleService service(busy);
    QString error;
    QVERIFY(!service.start(&error));
    QVERIFY2(error.contains(QString::number(holder.localPort())), qPrintable(error));
    QVERIFY(!service.isRunning());
}

QTEST_GUILESS_MAIN(TestConsoleService)
#include "tst_consoleservice.moc"
