// SPDX-License-Identifier: MIT
// The REST API, live push and their errors, as a client sees them: a real
// console (UDP, ingest, writer, HTTP) on 127.0.0.1 with port 0, a real HTTP
// client, and the database read back with SQL of the test's own.
#include "http/HttpApi.h"
#include "service/ConsoleService.h"
#include "support/HttpJson.h"
#include "support/Promtool.h"
#include "support/TestHardware.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>
#include <QWebSocket>

using namespace dmr::console;

namespace {

const QByteArray kToken = "test-token-0123456789";

using Response = HttpResponse;

QByteArray systemBody(double cpu = 12.5)
{
    return QJsonDocument(QJsonObject {
                             {"cpu_percent", cpu},
                             {"memory_used_kb", 1000},
                             {"memory_total_kb", 4000},
                             {"disk_used_kb", 10},
                             {"disk_total_kb", 100},
                             {"load_1", 0.5},
                             {"load_5", 0.25},
                             {"load_15", 0.125},
                             {"uptime_seconds", 3600},
                         })
        .toJson(QJsonDocument::Compact);
}

} // namespace

class TestHttpApi : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void listsDevicesWithLatestMetrics();
    void listIsGzippedWhenAccepted();
    void search_data();
    void search();
    void oneDevice();
    void createsAndUpdatesDevices();
    void storesPostedMetricsLikeDatagrams();
    void errors_data();
    void errors();
    void hugeBodiesAreRefusedUnread_data();
    void hugeBodiesAreRefusedUnread();
    void history();
    void hardwareMetrics();
    void exportStreamsEveryRow_data();
    void exportStreamsEveryRow();
    void exportsARollupTier();
    void statsHealthAndMetrics();
    void metricsPassPromtool();
    void staticPages();
    void openReadsAreForLoopbackNamesOnly();
    void webSocketPushesUpdates();
    void healthzFailsWhileWritesFail();
    void occasionalClientGetsAFreshList();
    void renamesMergesAndDeletesDevices();
    // Last: it runs a second console, whose REST API takes the first one's
    // reader connection name (both are "http-api").
    void healthzSaysWhenTheDiskBudgetDeletes();

private:
    Response request(const QByteArray &method, const QString &path, const QByteArray &body = {},
        const QByteArray &token = {});
    QString uuidOf(const std::string &deviceId);
    void sendReports(const std::string &deviceId, quint32 run, quint64 from, quint64 to);
    qint64 count(const QString &sql);

    QTemporaryDir m_dir;
    std::unique_ptr<ConsoleService> m_service;
    QNetworkAccessManager m_http;
    QUdpSocket m_udp;
    quint64 m_sent = 0;
};

void TestHttpApi::initTestCase()
{
    QVERIFY(m_dir.isValid());
    ConsoleConfig config;
    config.headless = true;
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.apiToken = QString::fromLatin1(kToken);
    config.database = m_dir.filePath(QStringLiteral("metrics.db"));
    config.statsIntervalSeconds = 0;
    config.flushIntervalMs = 20;
    m_service = std::make_unique<ConsoleService>(config);
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
    QVERIFY(m_service->httpPort() != 0);

    // Two devices over UDP, one with 300 reports so that export needs pages.
    sendReports(TestReports::deviceId(1), 5, 1, 300);
    sendReports(TestReports::deviceId(2), 9, 1, 3);
    QTRY_COMPARE(m_service->counters().persisted.load(), m_sent);
}

void TestHttpApi::cleanupTestCase()
{
    m_service.reset();
}

void TestHttpApi::sendReports(const std::string &deviceId, quint32 run, quint64 from, quint64 to)
{
    for (quint64 seq = from; seq <= to; ++seq) {
        const QByteArray datagram
            = TestReports::encoded(TestReports::makeReport(deviceId, run, seq));
        m_udp.writeDatagram(datagram, QHostAddress::LocalHost, m_service->udpPort());
        ++m_sent;
        if (seq % 50 == 0) // gentle on the receive buffer
            QTest::qWait(5);
    }
}

Response TestHttpApi::request(
    const QByteArray &method, const QString &path, const QByteArray &body, const QByteArray &token)
{
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!token.isEmpty())
        headers.append({"Authorization", "Bearer " + token});
    return sendHttp(m_http, method,
        QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_service->httpPort()).arg(path)), body,
        headers);
}

QString TestHttpApi::uuidOf(const std::string &deviceId)
{
    TestSql::Connection sql(m_dir.filePath(QStringLiteral("metrics.db")));
    return sql
        .value(QStringLiteral("SELECT uuid FROM devices WHERE device_id = '%1'")
                   .arg(QString::fromStdString(deviceId)))
        .toString();
}

qint64 TestHttpApi::count(const QString &sql)
{
    TestSql::Connection connection(m_dir.filePath(QStringLiteral("metrics.db")));
    return connection.value(sql).toLongLong();
}

void TestHttpApi::listsDevicesWithLatestMetrics()
{
    // The list is cached for up to a second; it must show what was sent.
    QJsonArray devices;
    QTRY_VERIFY(
        (devices = request("GET", QStringLiteral("/api/devices/")).json().array()).size() == 2);
    const Response response = request("GET", QStringLiteral("/api/devices/"));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.headers.value("content-type"), QByteArray("application/json"));
    QJsonObject first;
    for (const QJsonValue &value : devices) {
        if (value[QStringLiteral("device_id")].toString()
            == QString::fromStdString(TestReports::deviceId(1)))
            first = value.toObject();
    }
    QVERIFY(!first.isEmpty());
    for (const char *field : {"uuid", "device_id", "hostname", "created_at", "updated_at",
             "last_seen", "online", "system", "network"})
        QVERIFY2(first.contains(QLatin1String(field)), field);
    QCOMPARE(first[QStringLiteral("uuid")].toString(), uuidOf(TestReports::deviceId(1)));
    QCOMPARE(first[QStringLiteral("online")].toBool(), true);
    QCOMPARE(first[QStringLiteral("reports_received")].toInt(), 300);
    const dmr::Report last = TestReports::makeReport(TestReports::deviceId(1), 5, 300);
    const QJsonObject system = first[QStringLiteral("system")].toObject();
    QCOMPARE(system[QStringLiteral("cpu_percent")].toDouble(), last.system.cpuPercent);
    QCOMPARE(system[QStringLiteral("memory_used_kb")].toDouble(), double(last.system.memoryUsedKb));
    QCOMPARE(system[QStringLiteral("load_15")].toDouble(), last.system.load15);
    QCOMPARE(system[QStringLiteral("sample_time")].toString(),
        QDateTime::fromMSecsSinceEpoch(last.sampleTimeMs, Qt::UTC).toString(Qt::ISODateWithMs));
    const QJsonArray network = first[QStringLiteral("network")].toArray();
    QCOMPARE(network.size(), 2);
    QCOMPARE(network[0][QStringLiteral("interface")].toString(), QStringLiteral("eth0"));
    QCOMPARE(network[0][QStringLiteral("rx_bytes")].toDouble(), double(last.interfaces[0].rxBytes));
    QCOMPARE(network[0][QStringLiteral("mac_address")].toString(),
        QString::fromStdString(last.interfaces[0].macAddress));
}

void TestHttpApi::listIsGzippedWhenAccepted()
{
    // Raw bytes: QNetworkAccessManager would decompress when it asked itself.
    auto get = [this](const QByteArray &acceptEncoding) {
        QNetworkRequest req(
            QUrl(QStringLiteral("http://127.0.0.1:%1/api/devices/").arg(m_service->httpPort())));
        req.setRawHeader("Accept-Encoding", acceptEncoding);
        QNetworkReply *reply = m_http.get(req);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(20000);
        reply->deleteLater();
        return std::make_pair(reply->rawHeader("Content-Encoding"), reply->readAll());
    };
    const auto [plainEncoding, plain] = get("identity");
    QCOMPARE(plainEncoding, QByteArray());
    const auto [gzipEncoding, gzipped] = get("br, gzip;q=0.8");
    QCOMPARE(gzipEncoding, QByteArray("gzip"));
    QVERIFY2(gzipped.size() < plain.size(), qPrintable(QString::number(gzipped.size())));
    QCOMPARE(gzipped.left(2), QByteArray("\x1f\x8b")); // the gzip magic number
    QCOMPARE(get("gzip;q=0").first, QByteArray());
    // The same list either way (one cached body; it may be a newer one).
    const QJsonArray devices = QJsonDocument::fromJson(plain).array();
    QCOMPARE(devices.size(), 2);
}

void TestHttpApi::search_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("expected");
    QTest::newRow("all") << QString() << 2;
    QTest::newRow("device_id part") << QStringLiteral("b2c000000001") << 1;
    QTest::newRow("hostname, any case") << QStringLiteral("HOST-4C4C") << 2;
    QTest::newRow("nothing") << QStringLiteral("no-such-thing") << 0;
    QTest::newRow("uuid") << QStringLiteral("UUID") << 1;
}

void TestHttpApi::search()
{
    QFETCH(QString, text);
    QFETCH(int, expected);
    if (text == QLatin1String("UUID"))
        text = uuidOf(TestReports::deviceId(2)).left(13);
    const Response response = request("GET",
        QStringLiteral("/api/devices/?search=")
            + QString::fromLatin1(QUrl::toPercentEncoding(text)));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.json().array().size(), expected);
}

// A 0.2.0 agent's reports: the first with its facts in full, the others with
// their hash only (ingest fills the names in); GET .../hardware-metrics/,
// the device's newest hardware, what an older agent lacks, the export.
void TestHttpApi::hardwareMetrics()
{
    const std::string deviceId = "hardware-board";
    const quint64 before = m_service->counters().persisted.load();
    for (quint64 seq = 1; seq <= 3; ++seq) {
        dmr::Report report = TestReports::makeReport(deviceId, 4, seq);
        report.agentVersion = dmr::packVersion(0, 2, 0);
        report.hardware = dmr::test::sampleHardware();
        report.hardware.corePercents[0] = double(seq);
        report.factsHash = dmr::factsHash(report.hardware);
        report.factsIncluded = seq == 1;
        m_udp.writeDatagram(
            TestReports::encoded(report), QHostAddress::LocalHost, m_service->udpPort());
        ++m_sent;
        QTRY_COMPARE(m_service->counters().persisted.load(), before + seq); // in order
    }
    const QString uuid = uuidOf(deviceId);
    QVERIFY(!uuid.isEmpty());
    const QString path = QStringLiteral("/api/devices/%1/hardware-metrics/").arg(uuid);
    Response response = request("GET", path + QStringLiteral("?from=0"));
    QCOMPARE(response.status, 200);
    QJsonObject body = response.json().object();
    QJsonArray items = body[QStringLiteral("items")].toArray();
    QCOMPARE(items.size(), 3);
    QVERIFY(body[QStringLiteral("next")].isNull());
    const QJsonObject last = items.at(2).toObject();
    QCOMPARE(last[QStringLiteral("core_percents")].toArray().at(0).toDouble(), 3.0);
    // Names came from the first report's facts.
    QCOMPARE(last[QStringLiteral("temperatures")][0][QStringLiteral("sensor")].toString(),
        QStringLiteral("coretemp/Package_id_0"));
    QCOMPARE(last[QStringLiteral("temperatures")][0][QStringLiteral("celsius")].toDouble(), 61.5);
    QCOMPARE(last[QStringLiteral("battery")][QStringLiteral("state")].toString(),
        QStringLiteral("discharging"));
    QCOMPARE(last[QStringLiteral("disk_io")][QStringLiteral("busy_percent")].toDouble(), 37.5);
    const QJsonObject root = last[QStringLiteral("file_systems")][0].toObject();
    QCOMPARE(root[QStringLiteral("mount")].toString(), QStringLiteral("/"));
    QCOMPARE(root[QStringLiteral("size_kb")].toDouble(), 30044096.0);
    for (const char *field : {"type", "used_kb", "available_kb", "percent", "inodes_total",
             "inodes_used", "inode_percent"})
        QVERIFY2(root.contains(QLatin1String(field)), field);
    QCOMPARE(last[QStringLiteral("processes")][0][QStringLiteral("name")].toString(),
        QStringLiteral("firefox"));
    QCOMPARE(last[QStringLiteral("failed_units")].toArray().size(), 2);
    QCOMPARE(last[QStringLiteral("swap_total_kb")].toDouble(), 2097148.0);
    QVERIFY(last[QStringLiteral("ts")].toString().endsWith(QLatin1Char('Z')));

    // Pages: limit and next.
    response = request("GET", path + QStringLiteral("?from=0&limit=2"));
    QCOMPARE(response.status, 200);
    body = response.json().object();
    QCOMPARE(body[QStringLiteral("items")].toArray().size(), 2);
    const QString next = body[QStringLiteral("next")].toString();
    QVERIFY(!next.isEmpty());
    response = request("GET",
        path + QStringLiteral("?limit=2&from=")
            + QString::fromLatin1(QUrl::toPercentEncoding(next)));
    QCOMPARE(response.json()[QStringLiteral("items")].toArray().size(), 1);

    // Errors as everywhere else.
    QCOMPARE(request("GET",
                 QStringLiteral("/api/devices/00000000-0000-0000-0000-000000000000/"
                                "hardware-metrics/"))
                 .status,
        404);
    for (const QString &bad :
        {QStringLiteral("?limit=0"), QStringLiteral("?limit=10001"), QStringLiteral("?limit=x"),
            QStringLiteral("?from=yesterday"), QStringLiteral("?from=2000&to=1000")}) {
        response = request("GET", path + bad);
        QCOMPARE(response.status, 400);
        QVERIFY2(response.json()[QStringLiteral("error")].isString(), qPrintable(bad));
    }

    // The device: its newest hardware, a current agent.
    QJsonObject device
        = request("GET", QStringLiteral("/api/devices/%1/").arg(uuid)).json().object();
    QCOMPARE(device[QStringLiteral("agent_version")].toString(), QStringLiteral("0.2.0"));
    QCOMPARE(device[QStringLiteral("agent_outdated")].toBool(), false);
    QCOMPARE(device[QStringLiteral("missing_fields")].toArray().size(), 0);
    QCOMPARE(
        device[QStringLiteral("hardware")][QStringLiteral("core_percents")][0].toDouble(), 3.0);
    // An older agent: what it does not send, and no hardware.
    device
        = request("GET", QStringLiteral("/api/devices/%1/").arg(uuidOf(TestReports::deviceId(2))))
              .json()
              .object();
    QCOMPARE(device[QStringLiteral("agent_version")].toString(), QStringLiteral("0.1.0"));
    QCOMPARE(device[QStringLiteral("agent_outdated")].toBool(), true);
    QCOMPARE(device[QStringLiteral("missing_fields")].toArray().size(), 8);
    QCOMPARE(
        device[QStringLiteral("missing_fields")][0].toString(), QStringLiteral("core_percents"));
    QVERIFY(device.contains(QStringLiteral("hardware")));
    QVERIFY(device[QStringLiteral("hardware")].isNull());

    // The export: JSON items as above, CSV a row per report.
    response
        = request("GET", QStringLiteral("/api/devices/%1/export.json?table=hardware").arg(uuid));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.json().array().size(), 3);
    QCOMPARE(response.json()
                 .array()
                 .at(0)[QStringLiteral("temperatures")][1][QStringLiteral("sensor")]
                 .toString(),
        QStringLiteral("acpitz"));
    response
        = request("GET", QStringLiteral("/api/devices/%1/export.csv?table=hardware").arg(uuid));
    QCOMPARE(response.status, 200);
    const QList<QByteArray> lines = response.body.trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines.at(0),
        QByteArray("uuid,device_id,hostname,sample_time,core_0,core_1,core_2,core_3,"
                   "temperature_max,battery_percent,swap_used_kb,swap_total_kb,"
                   "disk_read_kb_per_second,disk_write_kb_per_second,disk_busy_percent,"
                   "file_system_max_percent,failed_units"));
    QVERIFY2(
        lines.at(3).endsWith(",61.5,14.25,1024,2097148,512,2048,37.5,64.65,foo.service bar.mount"),
        lines.at(3).constData());
    QCOMPARE(
        request("GET",
            QStringLiteral("/api/devices/%1/export.csv?table=hardware&resolution=minute").arg(uuid))
            .status,
        400);
    // The counters: none of these facts were unknown.
    QCOMPARE(m_service->counters().factsUnknown.load(), quint64(0));
}

void TestHttpApi::oneDevice()
{
    const QString uuid = uuidOf(TestReports::deviceId(2));
    const Response response = request("GET", QStringLiteral("/api/devices/%1/").arg(uuid));
    QCOMPARE(response.status, 200);
    const QJsonObject device = response.json().object();
    QCOMPARE(device[QStringLiteral("uuid")].toString(), uuid);
    QCOMPARE(device[QStringLiteral("reports_received")].toInt(), 3);
    QCOMPARE(device[QStringLiteral("system")][QStringLiteral("uptime_seconds")].toDouble(),
        double(TestReports::makeReport(TestReports::deviceId(2), 9, 3).system.uptimeSeconds));
}

void TestHttpApi::createsAndUpdatesDevices()
{
    const qint64 devicesBefore = count(QStringLiteral("SELECT COUNT(*) FROM devices"));
    const qint64 rowsBefore = count(QStringLiteral("SELECT COUNT(*) FROM system_metrics"));
    Response created = request("POST", QStringLiteral("/api/devices/"),
        R"({"device_id": "http-device-1", "hostname": "web-1", "interval_seconds": 30})", kToken);
    QCOMPARE(created.status, 201);
    const QString uuid = created.json()[QStringLiteral("uuid")].toString();
    QVERIFY(!QUuid::fromString(uuid).isNull());
    QCOMPARE(created.json()[QStringLiteral("hostname")].toString(), QStringLiteral("web-1"));
    QVERIFY(created.json()[QStringLiteral("system")].isNull());

    // The same device_id again: the same device, updated.
    Response updated = request("POST", QStringLiteral("/api/devices/"),
        R"({"device_id": "http-device-1", "hostname": "web-1b"})", kToken);
    QCOMPARE(updated.status, 200);
    QCOMPARE(updated.json()[QStringLiteral("uuid")].toString(), uuid);
    QCOMPARE(updated.json()[QStringLiteral("hostname")].toString(), QStringLiteral("web-1b"));
    QCOMPARE(updated.json()[QStringLiteral("interval_seconds")].toInt(), 30);

    QTRY_COMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices")), devicesBefore + 1);
    QTRY_COMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE uuid = '%1'"
                                      " AND hostname = 'web-1b' AND interval_seconds = 30")
                           .arg(uuid)),
        qint64(1));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM system_metrics")), rowsBefore);

    // With metrics, in the agent's --print format.
    QJsonObject withMetrics = QJsonDocument::fromJson(systemBody(33.25)).object();
    withMetrics.insert("device_id", "http-device-2");
    withMetrics.insert("hostname", "web-2");
    withMetrics.insert("agent_version", "0.1.0");
    withMetrics.insert("network",
        QJsonArray {QJsonObject {{"interface", "eth0"}, {"ip_address", "192.0.2.7"},
            {"mac_address", "02:00:00:00:00:07"}, {"rx_bytes", 1}, {"tx_bytes", 2},
            {"rx_packets", 3}, {"tx_packets", 4}}});
    Response second = request(
        "POST", QStringLiteral("/api/devices/"), QJsonDocument(withMetrics).toJson(), kToken);
    QCOMPARE(second.status, 201);
    QCOMPARE(
        second.json()[QStringLiteral("system")][QStringLiteral("cpu_percent")].toDouble(), 33.25);
    QCOMPARE(second.json()[QStringLiteral("online")].toBool(), true);
    const QString uuid2 = second.json()[QStringLiteral("uuid")].toString();
    QTRY_COMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM system_metrics s JOIN devices d ON"
                             " d.id = s.device WHERE d.uuid = '%1' AND cpu_percent = 33.25")
                  .arg(uuid2)),
        qint64(1));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM network_metrics n JOIN devices d ON"
                                  " d.id = n.device WHERE d.uuid = '%1' AND tx_packets = 4")
                       .arg(uuid2)),
        qint64(1));
    QTRY_COMPARE(
        request("GET", QStringLiteral("/api/devices/?search=http-device")).json().array().size(),
        2);
}

void TestHttpApi::storesPostedMetricsLikeDatagrams()
{
    const QString uuid = uuidOf(TestReports::deviceId(2));
    const quint64 received = m_service->counters().received.load();
    Response system = request("POST", QStringLiteral("/api/devices/%1/system-metrics/").arg(uuid),
        systemBody(77.5), kToken);
    QCOMPARE(system.status, 201);
    QCOMPARE(
        system.json()[QStringLiteral("system")][QStringLiteral("cpu_percent")].toDouble(), 77.5);
    QCOMPARE(system.json()[QStringLiteral("reports_received")].toInt(), 4);
    QCOMPARE(m_service->counters().received.load(), received + 1);
    QTRY_COMPARE(count(QStringLiteral("SELECT COUNT(*) FROM system_metrics s JOIN devices d ON"
                                      " d.id = s.device WHERE d.uuid = '%1' AND cpu_percent = 77.5"
                                      " AND memory_percent = 25 AND sequence = 0")
                           .arg(uuid)),
        qint64(1));
    // Without disk_available_kb nothing is reserved: available = total - used.
    QCOMPARE(count(QStringLiteral("SELECT disk_available_kb FROM system_metrics s JOIN devices d"
                                  " ON d.id = s.device WHERE d.uuid = '%1' AND cpu_percent = 77.5")
                       .arg(uuid)),
        qint64(90));
    QCOMPARE(
        system.json()[QStringLiteral("system")][QStringLiteral("disk_available_kb")].toInt(), 90);

    const QByteArray network = R"([{"interface": "wwan0", "ip_address": "2001:db8::1",
        "mac_address": "", "rx_bytes": 10, "tx_bytes": 20, "rx_packets": 1, "tx_packets": 2}])";
    const qint64 systemRows = count(QStringLiteral("SELECT COUNT(*) FROM system_metrics"));
    Response posted = request(
        "POST", QStringLiteral("/api/devices/%1/network-metrics/").arg(uuid), network, kToken);
    QCOMPARE(posted.status, 201);
    QTRY_COMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM network_metrics WHERE interface = 'wwan0'"
                             " AND ip_address = '2001:db8::1' AND rx_bytes = 10")),
        qint64(1));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM system_metrics")), systemRows);

    // The agent's next datagram is neither a duplicate nor counted as lost.
    const quint64 lost
        = count(QStringLiteral("SELECT reports_lost FROM devices WHERE uuid = '%1'").arg(uuid));
    const quint64 receivedBefore = m_service->counters().received.load();
    sendReports(TestReports::deviceId(2), 9, 4, 4);
    // Arrived first: until then persisted == accepted holds without it.
    QTRY_COMPARE(m_service->counters().received.load(), receivedBefore + 1);
    QTRY_COMPARE(m_service->counters().persisted.load(), m_service->counters().accepted.load());
    QCOMPARE(m_service->counters().rejectedTotal(), quint64(0));
    QCOMPARE(quint64(count(
                 QStringLiteral("SELECT reports_lost FROM devices WHERE uuid = '%1'").arg(uuid))),
        lost);
}

void TestHttpApi::errors_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("says");

    const QString known = QStringLiteral("/api/devices/KNOWN/system-metrics/");
    QTest::newRow("no token") << QByteArray("POST") << known << systemBody() << QByteArray() << 401
                              << "Authorization";
    QTest::newRow("wrong token") << QByteArray("POST") << known << systemBody()
                                 << QByteArray("wrong-token-0000") << 401 << "invalid token";
    QTest::newRow("malformed JSON")
        << QByteArray("POST") << known << QByteArray("{\"cpu_percent\": ") << kToken << 400
        << "malformed JSON";
    QTest::newRow("empty body") << QByteArray("POST") << known << QByteArray() << kToken << 400
                                << "empty";
    QTest::newRow("not an object")
        << QByteArray("POST") << known << QByteArray("[1,2]") << kToken << 400 << "JSON object";
    QTest::newRow("wrong type") << QByteArray("POST") << known
                                << systemBody().replace("12.5", "\"high\"") << kToken << 400
                                << "cpu_percent must be a number";
    QTest::newRow("out of range") << QByteArray("POST") << known
                                  << systemBody().replace("12.5", "150") << kToken << 400
                                  << "cpu_percent must be 0 to 100";
    QTest::newRow("negative counter")
        << QByteArray("POST") << known << systemBody().replace("3600", "-1") << kToken << 400
        << "uptime_seconds";
    QTest::newRow("fraction of a count")
        << QByteArray("POST") << known
        << systemBody().replace("\"disk_used_kb\":10", "\"disk_used_kb\":10.5") << kToken << 400
        << "whole number";
    QTest::newRow("used over total")
        << QByteArray("POST") << known
        << systemBody().replace("\"memory_used_kb\":1000", "\"memory_used_kb\":5000") << kToken
        << 400 << "memory_used_kb must not exceed";
    QTest::newRow("used + available over total")
        << QByteArray("POST") << known
        << systemBody().replace("\"disk_total_kb\":100",
               "\"disk_total_kb\":100,"
               "\"disk_available_kb\":91")
        << kToken << 400 << "disk_used_kb + disk_available_kb must not exceed disk_total_kb";
    QTest::newRow("missing field")
        << QByteArray("POST") << known << systemBody().replace("\"load_5\":0.25,", "") << kToken
        << 400 << "load_5 is required";
    QTest::newRow("future sample")
        << QByteArray("POST") << known
        << systemBody().replace("{", "{\"sample_time\":\"2090-01-01T00:00:00Z\",") << kToken << 400
        << "future";
    QTest::newRow("bad interface address")
        << QByteArray("POST") << QStringLiteral("/api/devices/KNOWN/network-metrics/")
        << QByteArray(
               R"({"interface":"eth0","ip_address":"999.1.1.1","rx_bytes":1,"tx_bytes":1,"rx_packets":1,"tx_packets":1})")
        << kToken << 400 << "ip_address";
    QTest::newRow("interface name too long")
        << QByteArray("POST") << QStringLiteral("/api/devices/KNOWN/network-metrics/")
        << QByteArray(
               R"({"interface":"a-very-long-interface-name","rx_bytes":1,"tx_bytes":1,"rx_packets":1,"tx_packets":1})")
        << kToken << 400 << "interface";
    QTest::newRow("no device_id") << QByteArray("POST") << QStringLiteral("/api/devices/")
                                  << QByteArray(R"({"hostname":"x"})") << kToken << 400
                                  << "device_id is required";
    QTest::newRow("device_id not a string")
        << QByteArray("POST") << QStringLiteral("/api/devices/")
        << QByteArray(R"({"device_id":42})") << kToken << 400 << "device_id must be a string";
    QTest::newRow("bad interval") << QByteArray("POST") << QStringLiteral("/api/devices/")
                                  << QByteArray(R"({"device_id":"d","interval_seconds":0})")
                                  << kToken << 400 << "interval_seconds";
    QTest::newRow("partial system metrics")
        << QByteArray("POST") << QStringLiteral("/api/devices/")
        << QByteArray(R"({"device_id":"d","cpu_percent":5})") << kToken << 400 << "is required";
    QTest::newRow("body over 64 KiB")
        << QByteArray("POST") << known << QByteArray(70 * 1024, ' ') + systemBody() << kToken << 413
        << "over the limit";
    QTest::newRow("unknown uuid, POST")
        << QByteArray("POST")
        << QStringLiteral("/api/devices/00000000-0000-0000-0000-000000000000/system-metrics/")
        << systemBody() << kToken << 404 << "no device with uuid";
    QTest::newRow("unknown uuid, GET")
        << QByteArray("GET") << QStringLiteral("/api/devices/00000000-0000-0000-0000-000000000000/")
        << QByteArray() << QByteArray() << 404 << "no device with uuid";
    QTest::newRow("unknown uuid, history")
        << QByteArray("GET") << QStringLiteral("/api/devices/nope/history/") << QByteArray()
        << QByteArray() << 404 << "no device with uuid";
    QTest::newRow("unknown route") << QByteArray("GET") << QStringLiteral("/api/nothing/")
                                   << QByteArray() << QByteArray() << 404 << "no such resource";
    QTest::newRow("missing slash") << QByteArray("GET") << QStringLiteral("/api/devices")
                                   << QByteArray() << QByteArray() << 404 << "end with a slash";
    QTest::newRow("wrong method") << QByteArray("DELETE") << QStringLiteral("/api/devices/")
                                  << QByteArray() << QByteArray() << 405 << "allowed: GET, POST";
    QTest::newRow("GET on a POST route")
        << QByteArray("GET") << known << QByteArray() << QByteArray() << 405 << "allowed: POST";
    QTest::newRow("unknown metric")
        << QByteArray("GET") << QStringLiteral("/api/devices/KNOWN/history/?metric=temperature")
        << QByteArray() << QByteArray() << 400 << "unknown metric";
    QTest::newRow("bad points") << QByteArray("GET")
                                << QStringLiteral("/api/devices/KNOWN/history/?points=0")
                                << QByteArray() << QByteArray() << 400 << "points";
    QTest::newRow("bad time") << QByteArray("GET")
                              << QStringLiteral("/api/devices/KNOWN/history/?from=yesterday")
                              << QByteArray() << QByteArray() << 400 << "from must be";
    QTest::newRow("reversed range")
        << QByteArray("GET")
        << QStringLiteral(
               "/api/devices/KNOWN/export.csv?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")
        << QByteArray() << QByteArray() << 400 << "from must be before to";
    QTest::newRow("bad export table")
        << QByteArray("GET") << QStringLiteral("/api/devices/KNOWN/export.json?table=disks")
        << QByteArray() << QByteArray() << 400 << "table must be";
    // Changes to devices: token-protected like every write, checked at the edge.
    const QString device = QStringLiteral("/api/devices/KNOWN/");
    const QString merge = QStringLiteral("/api/devices/KNOWN/merge/");
    const QString nobody = QStringLiteral("/api/devices/00000000-0000-4000-8000-000000000000/");
    const QByteArray rename = R"({"display_name": "shed"})";
    QTest::newRow("PATCH without token")
        << QByteArray("PATCH") << device << rename << QByteArray() << 401 << "Authorization";
    QTest::newRow("DELETE with a wrong token")
        << QByteArray("DELETE") << device << QByteArray() << QByteArray("wrong-token-0000") << 401
        << "invalid token";
    QTest::newRow("merge without token")
        << QByteArray("POST") << merge
        << QByteArray(R"({"from": "00000000-0000-4000-8000-000000000000"})") << QByteArray() << 401
        << "Authorization";
    QTest::newRow("PATCH unknown uuid")
        << QByteArray("PATCH") << nobody << rename << kToken << 404 << "no device with uuid";
    QTest::newRow("DELETE unknown uuid")
        << QByteArray("DELETE") << nobody << QByteArray() << kToken << 404 << "no device with uuid";
    QTest::newRow("merge into unknown uuid")
        << QByteArray("POST") << nobody + QStringLiteral("merge/")
        << QByteArray(R"({"from": "KNOWN"})") << kToken << 404 << "no device with uuid";
    QTest::newRow("merge from unknown uuid")
        << QByteArray("POST") << merge
        << QByteArray(R"({"from": "00000000-0000-4000-8000-000000000000"})") << kToken << 404
        << "no device with uuid 00000000-0000-4000-8000-000000000000";
    QTest::newRow("merge into itself")
        << QByteArray("POST") << merge << QByteArray(R"({"from": "KNOWN"})") << kToken << 400
        << "merged into itself";
    QTest::newRow("merge without from")
        << QByteArray("POST") << merge << QByteArray("{}") << kToken << 400 << "from must be";
    QTest::newRow("merge with more")
        << QByteArray("POST") << merge << QByteArray(R"({"from": "KNOWN", "keep": "both"})")
        << kToken << 400 << "unknown field 'keep'";
    QTest::newRow("PATCH malformed JSON")
        << QByteArray("PATCH") << device << QByteArray("{\"display_name\": ") << kToken << 400
        << "malformed JSON";
    QTest::newRow("PATCH unknown field")
        << QByteArray("PATCH") << device << QByteArray(R"({"hostname": "other"})") << kToken << 400
        << "unknown field 'hostname': only display_name can be changed";
    QTest::newRow("PATCH without display_name") << QByteArray("PATCH") << device << QByteArray("{}")
                                                << kToken << 400 << "display_name is required";
    QTest::newRow("display_name not a string")
        << QByteArray("PATCH") << device << QByteArray(R"({"display_name": 7})") << kToken << 400
        << "display_name must be a string";
    QTest::newRow("display_name too long")
        << QByteArray("PATCH") << device
        << QByteArray("{\"display_name\": \"") + QByteArray(254, 'x') + "\"}" << kToken << 400
        << "at most 253 characters";
    QTest::newRow("display_name with a control character")
        << QByteArray("PATCH") << device << QByteArray(R"({"display_name": "a\u0007b"})") << kToken
        << 400 << "control characters";
    QTest::newRow("PUT on a device")
        << QByteArray("PUT") << device << rename << kToken << 405 << "allowed: GET, PATCH, DELETE";
    QTest::newRow("plain GET on /ws") << QByteArray("GET") << QStringLiteral("/ws") << QByteArray()
                                      << QByteArray() << 426 << "WebSocket";
}

void TestHttpApi::errors()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, token);
    QFETCH(int, status);
    QFETCH(QString, says);
    path.replace(QLatin1String("KNOWN"), uuidOf(TestReports::deviceId(1)));
    body.replace("KNOWN", uuidOf(TestReports::deviceId(1)).toLatin1());

    QTRY_COMPARE(m_service->counters().persisted.load(), m_service->counters().accepted.load());
    const QString fingerprint = QStringLiteral(
        "SELECT (SELECT COUNT(*) FROM devices) * 1000000 + (SELECT COUNT(*) FROM system_metrics)"
        " * 1000 + (SELECT COUNT(*) FROM network_metrics)");
    const qint64 before = count(fingerprint);
    const quint64 received = m_service->counters().received.load();

    const Response response = request(method, path, body, token);
    QCOMPARE(response.status, status);
    QCOMPARE(response.headers.value("content-type"), QByteArray("application/json"));
    const QString error = response.json()[QStringLiteral("error")].toString();
    QVERIFY2(error.contains(says), qPrintable(error));
    if (status == 401)
        QCOMPARE(response.headers.value("www-authenticate"), QByteArray("Bearer"));

    // Nothing reached ingest, nothing on disk changed.
    QTest::qWait(60);
    QCOMPARE(m_service->counters().received.load(), received);
    QCOMPARE(count(fingerprint), before);
    // And the server is still there.
    QCOMPARE(request("GET", QStringLiteral("/healthz")).status, 200);
}

void TestHttpApi::hugeBodiesAreRefusedUnread_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<int>("bodyBytes"); // sent after the head, in 64 KiB writes
    QTest::newRow("declared 1 GB, no token")
        << QByteArray("POST /api/devices/ HTTP/1.1\r\n"
                      "Host: x\r\nContent-Length: 1000000000\r\n\r\n")
        << 256 * 1024;
    QTest::newRow("chunked, no length")
        << QByteArray("POST /api/devices/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken
            + "\r\nTransfer-Encoding: chunked\r\n\r\n"
        << 2 * 1024 * 1024;
}

// QHttpServer 6.4 would buffer any body whole before a handler runs; these
// are refused with 413 while arriving, and the console does not grow.
void TestHttpApi::hugeBodiesAreRefusedUnread()
{
    QFETCH(QByteArray, head);
    QFETCH(int, bodyBytes);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_service->httpPort());
    QVERIFY(socket.waitForConnected(5000));
    socket.write(head);
    QByteArray answer;
    const QByteArray chunk(64 * 1024, 'x');
    for (int sent = 0; sent < bodyBytes && socket.state() == QAbstractSocket::ConnectedState;
         sent += int(chunk.size())) {
        socket.write(chunk);
        socket.waitForBytesWritten(1000);
        socket.waitForReadyRead(10);
        answer += socket.readAll();
    }
    QTRY_VERIFY((answer += socket.readAll()).contains("\r\n\r\n")
        || socket.state() != QAbstractSocket::ConnectedState);
    answer += socket.readAll();
    QVERIFY2(answer.startsWith("HTTP/1.1 413 "), answer.left(200).constData());
    QVERIFY2(answer.contains("application/json"), answer.constData());
    QVERIFY2(answer.contains("over the limit of 65536 bytes"), answer.constData());
    QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(request("GET", QStringLiteral("/healthz")).status, 200);
}

void TestHttpApi::history()
{
    const QString uuid = uuidOf(TestReports::deviceId(1));
    const qint64 from = TestReports::makeReport(TestReports::deviceId(1), 5, 1).sampleTimeMs;
    const qint64 to = TestReports::makeReport(TestReports::deviceId(1), 5, 300).sampleTimeMs + 1;
    const Response response = request("GET",
        QStringLiteral("/api/devices/%1/history/?metric=cpu_percent&from=%2&to=%3&points=10")
            .arg(uuid)
            .arg(from)
            .arg(QString::fromLatin1(QUrl::toPercentEncoding(
                QDateTime::fromMSecsSinceEpoch(to, Qt::UTC).toString(Qt::ISODateWithMs)))));
    QCOMPARE(response.status, 200);
    const QJsonArray points = response.json()[QStringLiteral("points")].toArray();
    QCOMPARE(points.size(), 10);
    // Five-minute buckets come from the per-minute rollup, and say so; the
    // same range in 1,000 points is read from every report.
    QCOMPARE(response.json()[QStringLiteral("resolution")].toString(), QStringLiteral("minute"));
    const Response fine = request("GET",
        QStringLiteral("/api/devices/%1/history/?metric=cpu_percent&from=%2&to=%3&points=1000")
            .arg(uuid)
            .arg(from)
            .arg(to));
    QCOMPARE(fine.status, 200);
    QCOMPARE(fine.json()[QStringLiteral("resolution")].toString(), QStringLiteral("raw"));
    QCOMPARE(fine.json()[QStringLiteral("points")].toArray().size(), 300);
    double max = 0, min = 100;
    int total = 0;
    for (quint64 seq = 1; seq <= 300; ++seq) {
        const double cpu
            = TestReports::makeReport(TestReports::deviceId(1), 5, seq).system.cpuPercent;
        max = std::max(max, cpu);
        min = std::min(min, cpu);
    }
    double seenMax = 0, seenMin = 100;
    for (const QJsonValue &point : points) {
        seenMax = std::max(seenMax, point[QStringLiteral("max")].toDouble());
        seenMin = std::min(seenMin, point[QStringLiteral("min")].toDouble());
        total += point[QStringLiteral("count")].toInt();
        QVERIFY(point[QStringLiteral("min")].toDouble() <= point[QStringLiteral("avg")].toDouble());
        QVERIFY(point[QStringLiteral("avg")].toDouble() <= point[QStringLiteral("max")].toDouble());
    }
    QCOMPARE(total, 300); // every sample in exactly one bucket
    QCOMPARE(seenMax, max); // spikes survive downsampling
    QCOMPARE(seenMin, min);
}

void TestHttpApi::exportStreamsEveryRow_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("table");
    QTest::addColumn<QString>("range");
    QTest::newRow("csv, system") << "csv"
                                 << "system" << QString();
    QTest::newRow("csv, network") << "csv"
                                  << "network" << QString();
    QTest::newRow("json, system") << "json"
                                  << "system" << QString();
    QTest::newRow("json, network") << "json"
                                   << "network" << QString();
    QTest::newRow("csv, system, range") << "csv"
                                        << "system"
                                        << "&from=1795000100000&to=1795001000000";
    QTest::newRow("json, network, range") << "json"
                                          << "network"
                                          << "&from=1795000100000&to=1795001000000";
}

void TestHttpApi::exportStreamsEveryRow()
{
    QFETCH(QString, format);
    QFETCH(QString, table);
    QFETCH(QString, range);
    const QString uuid = uuidOf(TestReports::deviceId(1));
    QTRY_COMPARE(m_service->counters().persisted.load(), m_service->counters().accepted.load());
    qint64 from = 0, to = std::numeric_limits<qint64>::max();
    if (!range.isEmpty()) {
        from = 1795000100000;
        to = 1795001000000;
    }
    const qint64 expected
        = count(QStringLiteral("SELECT COUNT(*) FROM %1_metrics m JOIN devices d"
                               " ON d.id = m.device WHERE d.uuid = '%2' AND ts >= %3 AND ts < %4")
                    .arg(table, uuid)
                    .arg(from)
                    .arg(to));
    QVERIFY(expected > 0);
    const Response response = request("GET",
        QStringLiteral("/api/devices/%1/export.%2?table=%3%4").arg(uuid, format, table, range));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.headers.value("transfer-encoding"), QByteArray("chunked"));
    QVERIFY(response.headers.value("content-disposition").startsWith("attachment"));
    if (format == QLatin1String("csv")) {
        const QList<QByteArray> lines = response.body.trimmed().split('\n');
        // The desktop's export writes the same header (tst_exporter).
        QCOMPARE(lines.first(),
            table == QLatin1String("system")
                ? QByteArray("uuid,device_id,hostname,sample_time,cpu_percent,memory_percent,"
                             "memory_used_kb,memory_total_kb,disk_percent,disk_used_kb,"
                             "disk_total_kb,disk_available_kb,load_1,load_5,load_15,"
                             "uptime_seconds")
                : QByteArray("uuid,device_id,hostname,sample_time,interface,ip_address,"
                             "mac_address,rx_bytes,tx_bytes,rx_packets,tx_packets"));
        QCOMPARE(qint64(lines.size() - 1), expected);
        QVERIFY(lines.at(1).startsWith(uuid.toLatin1() + ','
            + QByteArray::fromStdString(TestReports::deviceId(1)) + ",host-"));
    } else {
        const QJsonArray rows = response.json().array();
        QCOMPARE(qint64(rows.size()), expected);
        QVERIFY(rows.first().toObject().contains(QStringLiteral("sample_time")));
    }
}

// ?resolution=minute|hour exports a rollup's buckets (min, max and avg per
// metric; rates and bytes counted per interface); auto picks the finest tier
// that holds the range; X-Resolution says which.
void TestHttpApi::exportsARollupTier()
{
    const QString uuid = uuidOf(TestReports::deviceId(1));
    QTRY_COMPARE(m_service->counters().persisted.load(), m_service->counters().accepted.load());
    const QString device = QStringLiteral("(SELECT id FROM devices WHERE uuid = '%1')").arg(uuid);
    const qint64 minutes = count(
        QStringLiteral("SELECT COUNT(*) FROM system_metrics_1m WHERE device = %1").arg(device));
    const qint64 samples = count(
        QStringLiteral("SELECT COUNT(*) FROM system_metrics WHERE device = %1").arg(device));
    QVERIFY(minutes > 10);

    Response csv
        = request("GET", QStringLiteral("/api/devices/%1/export.csv?resolution=minute").arg(uuid));
    QCOMPARE(csv.status, 200);
    QCOMPARE(csv.headers.value("x-resolution"), QByteArray("minute"));
    QVERIFY(csv.headers.value("content-disposition").contains("-system-minute.csv"));
    QList<QByteArray> lines = csv.body.trimmed().split('\n');
    QVERIFY(lines.first().startsWith("uuid,device_id,hostname,sample_time,samples,"
                                     "first_sample_time,last_sample_time,cpu_percent_min,"
                                     "cpu_percent_max,cpu_percent_avg,memory_percent_min"));
    QCOMPARE(qint64(lines.size() - 1), minutes);
    qint64 counted = 0;
    for (const QByteArray &line : lines.mid(1))
        counted += line.split(',').at(4).toLongLong();
    QCOMPARE(counted, samples); // every report in exactly one minute

    // The network buckets: bytes counted add up to the counters' rise.
    const Response network = request("GET",
        QStringLiteral("/api/devices/%1/export.json?table=network&resolution=minute").arg(uuid));
    QCOMPARE(network.status, 200);
    const QJsonArray buckets = network.json().array();
    QCOMPARE(qint64(buckets.size()),
        count(QStringLiteral("SELECT COUNT(*) FROM network_metrics_1m WHERE device = %1")
                  .arg(device)));
    qint64 rx = 0;
    for (const QJsonValue &bucket : buckets) {
        if (bucket[QStringLiteral("interface")].toString() == QLatin1String("eth0"))
            rx += qint64(bucket[QStringLiteral("rx_bytes")].toDouble());
    }
    QCOMPARE(rx,
        count(QStringLiteral("SELECT MAX(rx_bytes) - MIN(rx_bytes) FROM network_metrics"
                             " WHERE device = %1 AND interface = 'eth0'")
                  .arg(device)));

    // The hours; auto is raw while raw history holds the range.
    const Response hours
        = request("GET", QStringLiteral("/api/devices/%1/export.csv?resolution=hour").arg(uuid));
    QCOMPARE(hours.headers.value("x-resolution"), QByteArray("hour"));
    QVERIFY(hours.body.trimmed().split('\n').size() >= 2);
    const Response automatic
        = request("GET", QStringLiteral("/api/devices/%1/export.csv?resolution=auto").arg(uuid));
    QCOMPARE(automatic.headers.value("x-resolution"), QByteArray("raw"));
    QCOMPARE(qint64(automatic.body.trimmed().split('\n').size() - 1), samples);
    QCOMPARE(
        request("GET", QStringLiteral("/api/devices/%1/export.csv?resolution=weekly").arg(uuid))
            .status,
        400);
}

void TestHttpApi::statsHealthAndMetrics()
{
    QTRY_COMPARE(m_service->counters().persisted.load(), m_service->counters().accepted.load());
    const Response stats = request("GET", QStringLiteral("/api/stats/"));
    QCOMPARE(stats.status, 200);
    QCOMPARE(quint64(stats.json()[QStringLiteral("received")].toDouble()),
        m_service->counters().received.load());
    QCOMPARE(quint64(stats.json()[QStringLiteral("persisted")].toDouble()),
        m_service->counters().persisted.load());
    QVERIFY(stats.json()[QStringLiteral("rejected_by_reason")].isObject());

    const Response health = request("GET", QStringLiteral("/healthz"));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.json()[QStringLiteral("database")].toString(), QStringLiteral("ok"));

    const Response metrics = request("GET", QStringLiteral("/metrics"));
    QCOMPARE(metrics.status, 200);
    QVERIFY(metrics.headers.value("content-type").startsWith("text/plain; version=0.0.4"));
    // Parsed back by the exposition format's grammar.
    static const QRegularExpression sampleLine(QStringLiteral(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.eE+-]+|NaN)$)"));
    static const QRegularExpression commentLine(
        QStringLiteral(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)"));
    QHash<QString, double> values;
    QSet<QString> typed;
    for (const QByteArray &raw : metrics.body.trimmed().split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (line.startsWith(QLatin1Char('#'))) {
            QVERIFY2(commentLine.match(line).hasMatch(), qPrintable(line));
            if (line.startsWith(QLatin1String("# TYPE")))
                typed.insert(line.section(QLatin1Char(' '), 2, 2));
            continue;
        }
        const QRegularExpressionMatch match = sampleLine.match(line);
        QVERIFY2(match.hasMatch(), qPrintable(line));
        QVERIFY2(typed.contains(match.captured(1)), qPrintable(line));
        values.insert(
            line.section(QLatin1Char(' '), 0, -2), line.section(QLatin1Char(' '), -1).toDouble());
    }
    QCOMPARE(values.value(QStringLiteral("dmr_reports_received_total")),
        double(m_service->counters().received.load()));
    QCOMPARE(values.value(QStringLiteral("dmr_devices")), 5.0); // hardwareMetrics() added one
    // The database's size, as the file system sees it.
    QVERIFY(values.value(QStringLiteral("dmr_store_file_bytes")) >= 4096);
    QVERIFY(values.contains(QStringLiteral("dmr_store_free_bytes")));
    QVERIFY(stats.json()[QStringLiteral("database_bytes")].toDouble() >= 4096);
    // Each tier's size and span: the raw rows are the system rows stored,
    // as rows or in chunks, each tier's span inside the reports' times.
    const QJsonObject tiers = stats.json()[QStringLiteral("tiers")].toObject();
    QCOMPARE(tiers.keys(), QStringList({"hour", "minute", "raw"}));
    const QJsonObject raw = tiers[QStringLiteral("raw")].toObject();
    QCOMPARE(qint64(raw[QStringLiteral("rows")].toDouble()),
        TestSql::Connection(m_dir.filePath(QStringLiteral("metrics.db")))
            .value(
                QStringLiteral("SELECT (SELECT COUNT(*) FROM system_metrics) + (SELECT"
                               " COALESCE(SUM(row_count), 0) FROM metric_chunks WHERE kind = 1)"))
            .toLongLong());
    QVERIFY(raw[QStringLiteral("bytes")].toDouble() > 0);
    QVERIFY(tiers[QStringLiteral("minute")].toObject()[QStringLiteral("rows")].toDouble() > 0);
    QVERIFY(tiers[QStringLiteral("hour")].toObject()[QStringLiteral("rows")].toDouble()
        <= tiers[QStringLiteral("minute")].toObject()[QStringLiteral("rows")].toDouble());
    QVERIFY(raw[QStringLiteral("oldest")].toString() <= raw[QStringLiteral("newest")].toString());
    QCOMPARE(values.value(QStringLiteral("dmr_store_tier_rows{tier=\"raw\"}")),
        raw[QStringLiteral("rows")].toDouble());
    QVERIFY(values.value(QStringLiteral("dmr_store_tier_bytes{tier=\"minute\"}")) > 0);
    QVERIFY(
        values.contains(QStringLiteral("dmr_store_tier_oldest_timestamp_seconds{tier=\"hour\"}")));
    QCOMPARE(values.value(QStringLiteral("dmr_store_budget_deletions_total")), 0.0);
    QVERIFY(!health.json().object().contains(QStringLiteral("disk_budget")));
    const QString uuid = uuidOf(TestReports::deviceId(1));
    bool found = false;
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        if (it.key().startsWith(
                QStringLiteral("dmr_device_uptime_seconds{uuid=\"%1\"").arg(uuid))) {
            QCOMPARE(it.value(),
                double(TestReports::makeReport(TestReports::deviceId(1), 5, 300)
                           .system.uptimeSeconds));
            found = true;
        }
    }
    QVERIFY(found);
}

// Prometheus's own linter (promtool check metrics, from Debian's prometheus
// package) on the live page: it prints a line for each finding, such as
// abbreviated units (_kb) or a gauge named like a counter.
void TestHttpApi::metricsPassPromtool()
{
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (promtool.isEmpty())
        QSKIP("promtool is not installed (Debian: prometheus)");
    const Response metrics = request("GET", QStringLiteral("/metrics"));
    QCOMPARE(metrics.status, 200);
    const PromtoolCheck check = checkMetrics(promtool, metrics.body);
    QVERIFY(check.ran);
    QVERIFY2(check.findings.trimmed().isEmpty(), check.findings.constData());
    QCOMPARE(check.exitCode, 0);

    // Base units: a device's disk and memory sizes in bytes, usage as ratios.
    const dmr::SystemSample s = TestReports::makeReport(TestReports::deviceId(1), 5, 300).system;
    const QString labels = QStringLiteral("{uuid=\"%1\"").arg(uuidOf(TestReports::deviceId(1)));
    auto valueOf = [&metrics, &labels](const char *name) -> std::optional<double> {
        for (const QByteArray &line : metrics.body.split('\n')) {
            if (line.startsWith(name + labels.toUtf8()))
                return line.mid(line.lastIndexOf(' ') + 1).toDouble();
        }
        return std::nullopt;
    };
    QCOMPARE(valueOf("dmr_device_disk_size_bytes"), double(s.diskTotalKb) * 1024);
    QCOMPARE(valueOf("dmr_device_disk_available_bytes"), double(s.diskAvailableKb) * 1024);
    QCOMPARE(valueOf("dmr_device_memory_size_bytes"), double(s.memoryTotalKb) * 1024);
    const std::optional<double> ratio = valueOf("dmr_device_disk_usage_ratio");
    QVERIFY(ratio);
    QCOMPARE(*ratio, s.diskPercent() / 100); // fuzzy: the page prints 15 digits
}

void TestHttpApi::staticPages()
{
    const Response index = request("GET", QStringLiteral("/"));
    QCOMPARE(index.status, 200);
    QVERIFY(index.headers.value("content-type").startsWith("text/html"));
    const Response device
        = request("GET", QStringLiteral("/device/%1/").arg(uuidOf(TestReports::deviceId(1))));
    QCOMPARE(device.status, 200);
    QVERIFY(device.headers.value("content-type").startsWith("text/html"));
    QCOMPARE(request("GET", QStringLiteral("/static/../index.html")).status, 404);
    QCOMPARE(request("GET", QStringLiteral("/static/missing.js")).status, 404);
}

void TestHttpApi::openReadsAreForLoopbackNamesOnly()
{
    // Reads without signing in are open on loopback, to this machine's
    // names: a page whose name an attacker pointed at 127.0.0.1 (DNS
    // rebinding) asks by that name, and is refused.
    const auto get = [this](const QByteArray &host) {
        QTcpSocket raw;
        raw.connectToHost(QHostAddress::LocalHost, m_service->httpPort());
        if (!raw.waitForConnected(5000))
            return QByteArray();
        raw.write("GET /api/devices/ HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
        QByteArray answer;
        while (raw.waitForReadyRead(5000))
            answer += raw.readAll();
        return answer.left(12);
    };
    const QByteArray port = QByteArray::number(m_service->httpPort());
    QCOMPARE(get("127.0.0.1:" + port), QByteArray("HTTP/1.1 200"));
    QCOMPARE(get("localhost:" + port), QByteArray("HTTP/1.1 200"));
    QCOMPARE(get("[::1]:" + port), QByteArray("HTTP/1.1 200"));
    QCOMPARE(get("evil.example:" + port), QByteArray("HTTP/1.1 403"));
    QCOMPARE(get("192.0.2.1:" + port), QByteArray("HTTP/1.1 403"));
}

void TestHttpApi::webSocketPushesUpdates()
{
    QWebSocket socket;
    QList<QJsonObject> messages;
    connect(&socket, &QWebSocket::textMessageReceived, this, [&messages](const QString &text) {
        messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_service->httpPort())));
    QTRY_VERIFY(!messages.isEmpty());
    QCOMPARE(messages.first()[QStringLiteral("type")].toString(), QStringLiteral("devices"));
    QCOMPARE(messages.first()[QStringLiteral("devices")].toArray().size(), 5);

    // A datagram shows up as an update of that device.
    const QString uuid = uuidOf(TestReports::deviceId(1));
    sendReports(TestReports::deviceId(1), 5, 301, 301);
    auto updated = [&] {
        for (const QJsonObject &message : messages) {
            if (message[QStringLiteral("type")] != QStringLiteral("update"))
                continue;
            for (const QJsonValue &device : message[QStringLiteral("devices")].toArray()) {
                if (device[QStringLiteral("uuid")].toString() == uuid
                    && device[QStringLiteral("reports_received")].toInt() == 301)
                    return true;
            }
        }
        return false;
    };
    QTRY_VERIFY(updated());

    // Subscribed to one device, the client hears of that one only.
    messages.clear();
    socket.sendTextMessage(
        QStringLiteral(R"({"subscribe": "%1"})").arg(uuidOf(TestReports::deviceId(2))));
    QTRY_VERIFY(!messages.isEmpty());
    QCOMPARE(messages.first()[QStringLiteral("devices")].toArray().size(), 1);
    messages.clear();
    sendReports(TestReports::deviceId(1), 5, 302, 302);
    QTest::qWait(600);
    QVERIFY(messages.isEmpty());
    sendReports(TestReports::deviceId(2), 9, 5, 5);
    QTRY_VERIFY(!messages.isEmpty());
    socket.close();
}

// While the database refuses writes, /healthz says 503 and why; the reports
// wait in the queue and are stored once writes work again.
void TestHttpApi::healthzFailsWhileWritesFail()
{
    {
        TestSql::Connection admin(m_dir.filePath(QStringLiteral("metrics.db")));
        QVERIFY(admin.exec(QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON system_metrics"
                                          " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")));
    }
    sendReports(TestReports::deviceId(2), 9, 6, 6);
    Response health;
    QTRY_COMPARE_WITH_TIMEOUT(
        (health = request("GET", QStringLiteral("/healthz"))).status, 503, 10000);
    QCOMPARE(health.json()[QStringLiteral("store_healthy")].toBool(), false);
    QVERIFY2(health.json()[QStringLiteral("store_error")].toString().contains(
                 QLatin1String("disk on fire")),
        health.body.constData());
    QVERIFY(m_service->counters().persisted.load() < m_service->counters().accepted.load());
    {
        TestSql::Connection admin(m_dir.filePath(QStringLiteral("metrics.db")));
        QVERIFY(admin.exec(QStringLiteral("DROP TRIGGER refuse")));
    }
    QTRY_COMPARE_WITH_TIMEOUT(request("GET", QStringLiteral("/healthz")).status, 200, 10000);
    QTRY_COMPARE(m_service->counters().persisted.load(), m_service->counters().accepted.load());
}

// The list body is rebuilt in the background under steady requests; a
// client that asks after a quiet second still gets what is true now.
void TestHttpApi::occasionalClientGetsAFreshList()
{
    const QString uuid = uuidOf(TestReports::deviceId(1));
    auto receivedOf = [this, &uuid] {
        for (const QJsonValue &device :
            request("GET", QStringLiteral("/api/devices/")).json().array()) {
            if (device[QStringLiteral("uuid")].toString() == uuid)
                return device[QStringLiteral("reports_received")].toInt();
        }
        return -1;
    };
    QTRY_COMPARE(m_service->counters().persisted.load(), m_service->counters().accepted.load());
    QTest::qWait(1200); // the last list body is over a second old now
    const int received = receivedOf(); // rebuilt, so current
    QTest::qWait(1200);
    const quint64 before = m_service->counters().accepted.load();
    sendReports(TestReports::deviceId(1), 5, 303, 303);
    QTRY_COMPARE(m_service->counters().accepted.load(), before + 1);
    QCOMPARE(receivedOf(), received + 1);
}

// PATCH, merge and DELETE of devices reporting over UDP: what a client and
// the database see afterwards, and what the live push says.
void TestHttpApi::renamesMergesAndDeletesDevices()
{
    const std::string kept = TestReports::deviceId(40), merged = TestReports::deviceId(41),
                      deleted = TestReports::deviceId(42);
    const quint64 received = m_service->counters().received.load();
    sendReports(kept, 3, 1, 20);
    sendReports(merged, 4, 1, 10);
    sendReports(deleted, 6, 1, 5);
    QTRY_COMPARE(m_service->counters().received.load(), received + 35);
    QTRY_COMPARE(m_service->counters().persisted.load(), m_service->counters().accepted.load());
    const QString uuid = uuidOf(kept), fromUuid = uuidOf(merged), goneUuid = uuidOf(deleted);
    const QString device = QStringLiteral("/api/devices/%1/");
    QTRY_COMPARE(request("GET", device.arg(goneUuid)).status, 200);

    QWebSocket socket;
    QList<QJsonObject> messages;
    connect(&socket, &QWebSocket::textMessageReceived, this, [&messages](const QString &text) {
        messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_service->httpPort())));
    QTRY_VERIFY(!messages.isEmpty());
    auto removed = [&messages](const QString &which) {
        for (const QJsonObject &message : messages) {
            if (message[QStringLiteral("type")] == QStringLiteral("removed")
                && message[QStringLiteral("uuids")].toArray().contains(which))
                return true;
        }
        return false;
    };

    // Rename: trimmed, shown beside the hostname, found by search.
    Response renamed
        = request("PATCH", device.arg(uuid), R"({"display_name": "  Greenhouse  "})", kToken);
    QCOMPARE(renamed.status, 200);
    QCOMPARE(
        renamed.json()[QStringLiteral("display_name")].toString(), QStringLiteral("Greenhouse"));
    QCOMPARE(renamed.json()[QStringLiteral("hostname")].toString(),
        QString::fromStdString(TestReports::makeReport(kept, 3, 1).hostname));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE uuid = '%1'"
                                  " AND display_name = 'Greenhouse'")
                       .arg(uuid)),
        qint64(1));
    QCOMPARE(request("GET", device.arg(uuid)).json()[QStringLiteral("display_name")].toString(),
        QStringLiteral("Greenhouse"));
    const QJsonArray found
        = request("GET", QStringLiteral("/api/devices/?search=GREENHOUSE")).json().array();
    QCOMPARE(found.size(), 1);
    QCOMPARE(found[0][QStringLiteral("uuid")].toString(), uuid);
    // null clears it.
    QCOMPARE(request("PATCH", device.arg(uuid), R"({"display_name": null})", kToken)
                 .json()[QStringLiteral("display_name")]
                 .toString(),
        QString());
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE uuid = '%1'"
                                  " AND display_name = ''")
                       .arg(uuid)),
        qint64(1));

    // Merge: one device with the history and the counts of both.
    const qint64 id = count(QStringLiteral("SELECT id FROM devices WHERE uuid = '%1'").arg(uuid));
    const qint64 fromId
        = count(QStringLiteral("SELECT id FROM devices WHERE uuid = '%1'").arg(fromUuid));
    Response mergedDevice = request("POST", device.arg(uuid) + QStringLiteral("merge/"),
        QStringLiteral(R"({"from": "%1"})").arg(fromUuid).toUtf8(), kToken);
    QCOMPARE(mergedDevice.status, 200);
    QCOMPARE(mergedDevice.json()[QStringLiteral("uuid")].toString(), uuid);
    QCOMPARE(
        mergedDevice.json()[QStringLiteral("device_id")].toString(), QString::fromStdString(kept));
    QCOMPARE(mergedDevice.json()[QStringLiteral("reports_received")].toInt(), 30);
    QCOMPARE(request("GET", device.arg(fromUuid)).status, 404);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE uuid = '%1'").arg(fromUuid)),
        qint64(0));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM system_metrics WHERE device = %1").arg(id)),
        qint64(30));
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM network_metrics WHERE device = %1").arg(fromId)),
        qint64(0));
    QCOMPARE(count(QStringLiteral("SELECT reports_received FROM devices WHERE id = %1").arg(id)),
        qint64(30));
    QTRY_VERIFY(removed(fromUuid));
    // Ingest took over the counts: the next report counts on from 30.
    sendReports(kept, 3, 21, 21);
    QTRY_COMPARE(
        request("GET", device.arg(uuid)).json()[QStringLiteral("reports_received")].toInt(), 31);
    QTRY_COMPARE(
        count(QStringLiteral("SELECT reports_received FROM devices WHERE id = %1").arg(id)),
        qint64(31));

    // Delete: 204, and every row of it gone.
    const qint64 goneId
        = count(QStringLiteral("SELECT id FROM devices WHERE uuid = '%1'").arg(goneUuid));
    Response deletion = request("DELETE", device.arg(goneUuid), {}, kToken);
    QCOMPARE(deletion.status, 204);
    QVERIFY(deletion.body.isEmpty());
    QCOMPARE(request("GET", device.arg(goneUuid)).status, 404);
    for (const char *table : {"devices", "system_metrics", "network_metrics", "system_metrics_1m",
             "network_metrics_1m", "metric_chunks"}) {
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE %2 = %3")
                           .arg(QLatin1String(table),
                               qstrcmp(table, "devices") ? QStringLiteral("device")
                                                         : QStringLiteral("id"))
                           .arg(goneId)),
            qint64(0));
    }
    QTRY_VERIFY(removed(goneUuid));
    // The list is rebuilt in the background, a moment behind.
    auto listed = [this]() {
        QStringList uuids;
        for (const QJsonValue &d : request("GET", QStringLiteral("/api/devices/")).json().array())
            uuids << d[QStringLiteral("uuid")].toString();
        return uuids;
    };
    QTRY_VERIFY(listed().contains(uuid) && !listed().contains(goneUuid));
    QCOMPARE(request("DELETE", device.arg(goneUuid), {}, kToken).status, 404);

    // A deleted device that reports again is a new device, with a new uuid.
    sendReports(deleted, 6, 6, 6);
    QTRY_VERIFY(!uuidOf(deleted).isEmpty());
    QVERIFY(uuidOf(deleted) != goneUuid);
    QTRY_VERIFY(listed().contains(uuidOf(deleted)));
    QCOMPARE(request("GET", device.arg(uuidOf(deleted)))
                 .json()[QStringLiteral("reports_received")]
                 .toInt(),
        1);

    const QByteArray metrics = request("GET", QStringLiteral("/metrics")).body;
    QVERIFY2(metrics.contains("dmr_http_responses_total{code=\"204\"} 1"), metrics.constData());
    socket.close();
}

QTEST_GUILESS_MAIN(TestHttpApi)
// A console over its disk budget deletes the oldest history; /healthz stays
// ok (the budget does its job) but says so, and /metrics counts the steps.
void TestHttpApi::healthzSaysWhenTheDiskBudgetDeletes()
{
    QTemporaryDir dir;
    ConsoleConfig config;
    config.headless = true;
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.database = dir.filePath(QStringLiteral("metrics.db"));
    config.statsIntervalSeconds = 0;
    config.flushIntervalMs = 20;
    config.maxDbBytes = 1; // nothing fits
    auto budgeted = std::make_unique<ConsoleService>(config);
    QString error;
    QVERIFY2(budgeted->start(&error), qPrintable(error));
    std::swap(m_service, budgeted);
    auto restore = qScopeGuard([&] { std::swap(m_service, budgeted); });
    sendReports(TestReports::deviceId(3), 4, 1, 30);
    Response health;
    QTRY_VERIFY_WITH_TIMEOUT((health = request("GET", QStringLiteral("/healthz")))
                                 .json()
                                 .object()
                                 .contains(QStringLiteral("disk_budget")),
        20000);
    QCOMPARE(health.status, 200);
    const QJsonObject budget = health.json()[QStringLiteral("disk_budget")].toObject();
    QVERIFY2(budget[QStringLiteral("last_deletion")].toString().startsWith(
                 QLatin1String("the disk budget deleted the oldest per-minute history")),
        health.body.constData());
    QVERIFY(budget[QStringLiteral("deletions")].toDouble() >= 1);
    QVERIFY(request("GET", QStringLiteral("/metrics"))
                .body.contains("\ndmr_store_budget_deletions_total "));
    QVERIFY(!request("GET", QStringLiteral("/metrics"))
                 .body.contains("\ndmr_store_budget_deletions_total 0\n"));
}

#include "tst_httpapi.moc"
