// SPDX-License-Identifier: MIT
#include "alerts/AlertService.h"
#include "alerts/Notifier.h"
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/StoreWriter.h"
#include "support/TestDatabase.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace dmr::console;

namespace {

// A local HTTP server that answers each POST with the next status of a list
// (the last one repeats) and keeps the bodies.
class Receiver : public QObject
{
public:
    explicit Receiver(QList<int> statuses)
        : m_statuses(std::move(statuses))
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                QObject::connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
                    *buffer += socket->readAll();
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    qsizetype length = 0;
                    for (const QByteArray &line : buffer->left(end).split('\n')) {
                        if (line.toLower().startsWith("content-length:"))
                            length = line.mid(15).trimmed().toLongLong();
                    }
                    if (buffer->size() < end + 4 + length)
                        return;
                    bodies.append(buffer->mid(end + 4, length));
                    headers.append(buffer->left(end));
                    const int status = m_statuses.value(
                        int(bodies.size()) - 1, m_statuses.isEmpty() ? 200 : m_statuses.last());
                    socket->write("HTTP/1.1 " + QByteArray::number(status)
                        + " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                    socket->disconnectFromHost();
                    buffer->clear();
                });
                QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    QString url() const
    {
        return QStringLiteral("http://127.0.0.1:%1/hook").arg(m_server.serverPort());
    }

    QList<QByteArray> bodies;
    QList<QByteArray> headers;

private:
    QTcpServer m_server;
    QList<int> m_statuses;
};

QJsonValue parse(const AlertReply &reply)
{
    const QJsonDocument document = QJsonDocument::fromJson(reply.json);
    return document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
}

} // namespace

class TestAlertService : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void shipsDefaultRules();
    void rulesOverRest();
    void raisesStoresAndClears();
    void busyDatabaseDelaysButLosesNothing();
    void offlineOutagesAndUptime();
    void acknowledgeSilenceMaintenanceLabels();
    void webhookRetriesUntilDelivered();
    void stormOfOfflineIsOneNotification();
    void commandChannelGetsTheAlert();
    void refusesBadRequests();
    void agentLabelsAreStoredAndTargeted();
    void fleetRaisesAndResolvesOnce();
    void onePresenceLeaderAndTakeover();
    void reconnectsAfterLostConnection();

private:
    void writeDevices(int count);
    AcceptedReport report(int device, quint64 sequence, double cpu);
    // Of m_service, or of another service (several collectors).
    AlertReply call(const QByteArray &method, const QString &path, const QByteArray &body = {},
        AlertService *service = nullptr);
    std::unique_ptr<AlertService> startService();
    void addWebhook(const QString &url);

    QTemporaryDir m_dir;
    std::unique_ptr<TestDatabase::Scratch> m_scratch;
    QString m_path;
    qint64 m_now = 0;
    std::unique_ptr<AlertService> m_service;
    QHash<int, QString> m_uuids;
};

void TestAlertService::init()
{
    const QString file
        = m_dir.filePath(QStringLiteral("alerts-%1.db").arg(QTest::currentTestFunction()));
    QFile::remove(file);
    m_scratch = std::make_unique<TestDatabase::Scratch>(file);
    TEST_DATABASE_READY(*m_scratch);
    m_path = m_scratch->location();
    m_now = TestReports::makeReport(TestReports::deviceId(0), 1, 1).sampleTimeMs + 1000;
    m_uuids.clear();
}

void TestAlertService::cleanup()
{
    m_service.reset();
    m_scratch.reset();
}

void TestAlertService::writeDevices(int count)
{
    IngestCounters counters;
    ReportQueue queue(std::size_t(count) + 1);
    StoreWriter::Options options;
    options.databasePath = m_path;
    StoreWriter writer(options, &queue, &counters);
    QString error;
    QVERIFY2(writer.open(&error), qPrintable(error));
    qint64 now = m_now;
    DeviceRegistry registry([&now] { return now; });
    std::vector<AcceptedReport> batch;
    for (int d = 0; d < count; ++d) {
        AcceptedReport accepted;
        accepted.report = TestReports::makeReport(TestReports::deviceId(d), 1, 1);
        QVERIFY(registry.observe(accepted.report, &accepted.device)
            == DeviceRegistry::Verdict::Accepted);
        m_uuids.insert(d, accepted.device.uuid);
        batch.push_back(std::move(accepted));
    }
    queue.push(std::move(batch));
    QVERIFY(writer.flushAll());
}

AcceptedReport TestAlertService::report(int device, quint64 sequence, double cpu)
{
    AcceptedReport accepted;
    accepted.report = TestReports::makeReport(TestReports::deviceId(device), 1, sequence);
    accepted.report.system.cpuPercent = cpu;
    accepted.device.uuid = m_uuids.value(device);
    accepted.device.intervalSeconds = 10;
    accepted.device.reportsReceived = sequence;
    return accepted;
}

std::unique_ptr<AlertService> TestAlertService::startService()
{
    AlertService::Options options;
    options.databasePath = m_path;
    options.tickMs = 3600000; // the test ticks
    auto service = std::make_unique<AlertService>(options, [this] { return m_now; });
    QString error;
    if (!service->start(&error)) {
        qWarning("%s", qPrintable(error));
        return nullptr;
    }
    Notifier::Options notify;
    notify.groupWaitMs = 0;
    notify.firstRetryMs = 0;
    service->notifier()->setOptions(notify);
    return service;
}

AlertReply TestAlertService::call(
    const QByteArray &method, const QString &path, const QByteArray &body, AlertService *service)
{
    AlertRequest request;
    request.method = method;
    const QString trimmed = path.section(QLatin1Char('?'), 0, 0);
    request.path = trimmed.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    request.query = QUrlQuery(path.section(QLatin1Char('?'), 1));
    request.body = body;
    request.user = QStringLiteral("tester");
    return (service ? service : m_service.get())->handle(request);
}

void TestAlertService::addWebhook(const QString &url)
{
    QCOMPARE(call("POST", QStringLiteral("channels"),
                 QJsonDocument(
                     QJsonObject {{QStringLiteral("name"), QStringLiteral("hook")},
                         {QStringLiteral("kind"), QStringLiteral("webhook")},
                         {QStringLiteral("settings"), QJsonObject {{QStringLiteral("url"), url}}}})
                     .toJson())
                 .status,
        201);
}

void TestAlertService::shipsDefaultRules()
{
    writeDevices(1);
    m_service = startService();
    QVERIFY(m_service);
    const QJsonArray rules = parse(call("GET", QStringLiteral("rules"))).toArray();
    QStringList names;
    for (const QJsonValue &rule : rules)
        names << rule[QLatin1String("metric")].toString() + QLatin1Char(' ')
                + rule[QLatin1String("severity")].toString() + QLatin1Char(' ')
                + QString::number(rule[QLatin1String("raise")].toDouble()) + QLatin1Char('/')
                + QString::number(rule[QLatin1String("for_seconds")].toDouble());
    QCOMPARE(names,
        QStringList(
            {QStringLiteral("offline critical 0/0"), QStringLiteral("disk_percent warning 90/0"),
                QStringLiteral("disk_percent critical 95/0"),
                QStringLiteral("memory_percent warning 90/300"),
                QStringLiteral("cpu_percent warning 95/600"),
                QStringLiteral("report_loss_percent warning 5/600")}));
}

void TestAlertService::rulesOverRest()
{
    writeDevices(2);
    m_service = startService();
    QVERIFY(m_service);
    const AlertReply created = call("POST", QStringLiteral("rules"),
        "{\"name\":\"Load\",\"metric\":\"load_1\",\"raise\":3,\"clear\":2,\"device\":\""
            + m_uuids.value(1).toUtf8() + "\"}");
    QCOMPARE(created.status, 201);
    const qint64 id = qint64(parse(created)[QLatin1String("id")].toDouble());
    QVERIFY(id > 6);
    QCOMPARE(call("PUT", QStringLiteral("rules/%1").arg(id), "{\"raise\":3.5}").status, 200);
    const QJsonObject rule = parse(call("GET", QStringLiteral("rules/%1").arg(id))).toObject();
    QCOMPARE(rule[QLatin1String("raise")].toDouble(), 3.5);
    QCOMPARE(rule[QLatin1String("clear")].toDouble(), 2.0); // kept
    QCOMPARE(rule[QLatin1String("device")].toString(), m_uuids.value(1));
    QCOMPARE(call("DELETE", QStringLiteral("rules/%1").arg(id)).status, 204);
    QCOMPARE(call("GET", QStringLiteral("rules/%1").arg(id)).status, 404);
    QCOMPARE(call("DELETE", QStringLiteral("rules/%1").arg(id)).status, 404);
    // Stored: a new service sees the same rules.
    m_service = startService();
    QCOMPARE(parse(call("GET", QStringLiteral("rules"))).toArray().size(), 6);
}

// The store writer can hold the database's write lock for long stretches:
// alerting goes on evaluating, keeps what it found, and writes it all once
// the lock is free.
void TestAlertService::busyDatabaseDelaysButLosesNothing()
{
    writeDevices(2);
    m_service = startService();
    QVERIFY(m_service);
    QCOMPARE(call("POST", QStringLiteral("rules"),
                 "{\"name\":\"Hot\",\"metric\":\"cpu_percent\",\"raise\":80,\"clear\":70}")
                 .status,
        201);
    QSignalSpy changed(m_service.get(), &AlertService::alertsChanged);
    TestSql::Connection writer(m_path);
    QSqlQuery lock(writer.db());
    // The write lock another writer holds: SQLite's one for the file,
    // PostgreSQL's on the alerts table (reads go on).
    const auto takeLock = [&] {
        if (!m_scratch->isPostgres())
            return lock.exec(QStringLiteral("BEGIN IMMEDIATE"));
        return lock.exec(QStringLiteral("BEGIN"))
            && lock.exec(QStringLiteral("LOCK TABLE alerts IN EXCLUSIVE MODE"));
    };
    QVERIFY2(takeLock(), qPrintable(lock.lastError().text()));
    m_service->reportsAccepted({report(0, 2, 85)});
    m_service->tick();
    QTest::qWait(400); // several tries at 100 ms
    QCOMPARE(changed.size(), 0);
    // Evaluation goes on meanwhile: the second device raises too.
    m_service->reportsAccepted({report(1, 2, 95)});
    QVERIFY(lock.exec(QStringLiteral("ROLLBACK")));
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 3000);
    QCOMPARE(changed.first().first().toJsonArray().size(), 2);
    // A clear found while the database is busy is stored afterwards too.
    QVERIFY(takeLock());
    m_now += 10000;
    m_service->reportsAccepted({report(0, 3, 60)});
    m_service->tick();
    QTest::qWait(300);
    QCOMPARE(changed.size(), 1);
    QVERIFY(lock.exec(QStringLiteral("ROLLBACK")));
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, 3000);
    QCOMPARE(changed.last().first().toJsonArray().first()[QLatin1String("state")].toString(),
        QStringLiteral("resolved"));
    QCOMPARE(writer.value(QStringLiteral("SELECT COUNT(*) FROM alerts")).toInt(), 2);
    QCOMPARE(writer.value(QStringLiteral("SELECT COUNT(*) FROM alerts WHERE cleared_at IS NULL"))
                 .toInt(),
        1);
}

void TestAlertService::raisesStoresAndClears()
{
    writeDevices(2);
    m_service = startService();
    QVERIFY(m_service);
    QCOMPARE(call("POST", QStringLiteral("rules"),
                 "{\"name\":\"Hot\",\"metric\":\"cpu_percent\",\"raise\":80,\"clear\":70}")
                 .status,
        201);
    QSignalSpy changed(m_service.get(), &AlertService::alertsChanged);
    QSignalSpy firing(m_service.get(), &AlertService::firingChanged);
    m_service->reportsAccepted({report(0, 2, 85), report(1, 2, 50)});
    // Written (and announced) within 100 ms, in one transaction.
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 2000);
    const QJsonObject raised = changed.first().first().toJsonArray().first().toObject();
    QCOMPARE(raised[QLatin1String("state")].toString(), QStringLiteral("firing"));
    QCOMPARE(raised[QLatin1String("device")].toString(), m_uuids.value(0));
    QCOMPARE(raised[QLatin1String("raised_value")].toDouble(), 85.0);
    QVERIFY2(raised[QLatin1String("summary")].toString().contains(
                 QLatin1String("cpu_percent 85.0 > 80")),
        qPrintable(raised[QLatin1String("summary")].toString()));
    m_service->tick();
    QCOMPARE(firing.size(), 1);
    QCOMPARE(firing.last().first().value<QList<AlertService::Firing>>().size(), 1);
    QCOMPARE(parse(call("GET", QStringLiteral("alerts"))).toArray().size(), 1);
    // Still above the clear threshold: nothing; below it: resolved.
    m_now += 10000;
    m_service->reportsAccepted({report(0, 3, 75)});
    m_service->tick();
    QCOMPARE(changed.size(), 1);
    m_now += 10000;
    m_service->reportsAccepted({report(0, 4, 60)});
    m_service->tick();
    QCOMPARE(changed.size(), 2);
    QCOMPARE(changed.last().first().toJsonArray().first()[QLatin1String("state")].toString(),
        QStringLiteral("resolved"));
    QCOMPARE(parse(call("GET", QStringLiteral("alerts"))).toArray().size(), 0);
    const QJsonArray all = parse(call("GET", QStringLiteral("alerts?state=all"))).toArray();
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first()[QLatin1String("cleared_value")].toDouble(), 60.0);
    TestSql::Connection sql(m_path);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM alerts WHERE cleared_at IS NOT NULL"))
                 .toInt(),
        1);
}

void TestAlertService::offlineOutagesAndUptime()
{
    writeDevices(1);
    m_service = startService();
    QVERIFY(m_service);
    m_service->reportsAccepted({report(0, 2, 10)});
    const qint64 lastReport = m_now;
    // Silent past max(60 s, 3 x 10 s): offline within the next tick.
    m_now += 60000;
    m_service->tick();
    QCOMPARE(parse(call("GET", QStringLiteral("alerts"))).toArray().size(), 0);
    m_now += 1000;
    m_service->tick();
    const QJsonArray firing = parse(call("GET", QStringLiteral("alerts"))).toArray();
    QCOMPARE(firing.size(), 1);
    QCOMPARE(firing.first()[QLatin1String("metric")].toString(), QStringLiteral("offline"));
    QCOMPARE(firing.first()[QLatin1String("severity")].toString(), QStringLiteral("critical"));
    QJsonObject presence
        = parse(call("GET", QStringLiteral("devices/%1/presence").arg(m_uuids.value(0))))
              .toObject();
    QCOMPARE(presence[QLatin1String("state")].toString(), QStringLiteral("offline"));
    // Back after ten minutes.
    m_now = lastReport + 600000;
    m_service->reportsAccepted({report(0, 3, 10)});
    QCOMPARE(parse(call("GET", QStringLiteral("alerts"))).toArray().size(), 0);
    presence = parse(call("GET", QStringLiteral("devices/%1/presence").arg(m_uuids.value(0))))
                   .toObject();
    QCOMPARE(presence[QLatin1String("state")].toString(), QStringLiteral("live"));
    const QJsonArray outages = presence[QLatin1String("outages")].toArray();
    QCOMPARE(outages.size(), 1);
    // From the first report missed (10 s after the last) to the one that came.
    QCOMPARE(outages.first()[QLatin1String("seconds")].toDouble(), 590.0);
    // The device is known for ~601 s, 590 of them out.
    const double day = presence[QLatin1String("uptime_percent")][QLatin1String("24h")].toDouble();
    QVERIFY2(day > 1.0 && day < 3.0, qPrintable(QString::number(day)));
    const QJsonArray heartbeat = presence[QLatin1String("heartbeat")].toArray();
    QCOMPARE(heartbeat.size(), 60);
    QVERIFY(heartbeat.contains(QStringLiteral("missing")));
    TestSql::Connection sql(m_path);
    QCOMPARE(
        sql.value(QStringLiteral("SELECT COUNT(*) FROM outages WHERE end_ts IS NOT NULL")).toInt(),
        1);
}

void TestAlertService::acknowledgeSilenceMaintenanceLabels()
{
    writeDevices(1);
    m_service = startService();
    QVERIFY(m_service);
    const QString uuid = m_uuids.value(0);
    QCOMPARE(call("POST", QStringLiteral("rules"),
                 "{\"name\":\"Hot\",\"metric\":\"cpu_percent\",\"raise\":80,\"labels\":{\"room\":"
                 "\"lab\"}}")
                 .status,
        201);
    m_service->reportsAccepted({report(0, 2, 95)});
    QCOMPARE(parse(call("GET", QStringLiteral("alerts"))).toArray().size(), 0); // no label yet
    const AlertReply labels = call("PUT", QStringLiteral("devices/%1/labels").arg(uuid),
        "{\"labels\":{\"room\":\"lab\",\"rack\":\"2\"}}");
    QCOMPARE(labels.status, 200);
    QCOMPARE(parse(call("GET", QStringLiteral("devices/%1/labels").arg(uuid)))[QLatin1String(
                 "labels")][QLatin1String("rack")]
                 .toString(),
        QStringLiteral("2"));
    m_now += 10000;
    m_service->reportsAccepted({report(0, 3, 95)});
    const QJsonArray firing = parse(call("GET", QStringLiteral("alerts"))).toArray();
    QCOMPARE(firing.size(), 1);
    const qint64 id = qint64(firing.first()[QLatin1String("id")].toDouble());
    const QJsonObject acked
        = parse(call("POST", QStringLiteral("alerts/%1/ack").arg(id), "{\"by\":\"ana\"}"))
              .toObject();
    QCOMPARE(acked[QLatin1String("acknowledged_by")].toString(), QStringLiteral("ana"));
    const QJsonObject silenced
        = parse(call("POST", QStringLiteral("alerts/%1/silence").arg(id), "{\"minutes\":30}"))
              .toObject();
    QVERIFY(!silenced[QLatin1String("silenced_until")].isNull());
    QCOMPARE(
        call("POST", QStringLiteral("alerts/%1/silence").arg(id), "{\"minutes\":-1}").status, 400);
    // Maintenance: what fires stays, nothing new is raised.
    QCOMPARE(
        call("PUT", QStringLiteral("devices/%1/maintenance").arg(uuid), "{\"minutes\":60}").status,
        200);
    const QJsonObject presence
        = parse(call("GET", QStringLiteral("devices/%1/presence").arg(uuid))).toObject();
    QCOMPARE(presence[QLatin1String("state")].toString(), QStringLiteral("maintenance"));
    m_now += 10000;
    m_service->reportsAccepted({report(0, 4, 10)});
    m_now += 10000;
    m_service->reportsAccepted({report(0, 5, 99)});
    QCOMPARE(parse(call("GET", QStringLiteral("alerts"))).toArray().size(), 0);
    QCOMPARE(
        call("PUT", QStringLiteral("devices/%1/maintenance").arg(uuid), "{\"minutes\":0}").status,
        200);
    m_now += 10000;
    m_service->reportsAccepted({report(0, 6, 99)});
    QCOMPARE(parse(call("GET", QStringLiteral("alerts"))).toArray().size(), 1);
}

void TestAlertService::webhookRetriesUntilDelivered()
{
    writeDevices(1);
    Receiver receiver({500, 200});
    m_service = startService();
    QVERIFY(m_service);
    const AlertReply channel = call("POST", QStringLiteral("channels"),
        QJsonDocument(QJsonObject {{QStringLiteral("name"), QStringLiteral("hook")},
                          {QStringLiteral("kind"), QStringLiteral("webhook")},
                          {QStringLiteral("settings"),
                              QJsonObject {{QStringLiteral("url"), receiver.url()},
                                  {QStringLiteral("format"), QStringLiteral("slack")}}}})
            .toJson());
    QCOMPARE(channel.status, 201);
    QCOMPARE(call("POST", QStringLiteral("rules"),
                 "{\"name\":\"Hot\",\"metric\":\"cpu_percent\",\"raise\":80}")
                 .status,
        201);
    QSignalSpy attempts(m_service->notifier(), &Notifier::attempted);
    m_service->reportsAccepted({report(0, 2, 95)});
    m_service->tick();
    // The retry is due at once here (no backoff in the test): it follows
    // the failed attempt without another tick.
    QTRY_COMPARE(attempts.size(), 2);
    QCOMPARE(attempts.at(0).at(1).toBool(), false);
    QVERIFY2(attempts.at(0).at(3).toString().contains(QLatin1String("500")),
        qPrintable(attempts.at(0).at(3).toString()));
    QCOMPARE(attempts.at(1).at(1).toBool(), true);
    QCOMPARE(attempts.at(1).at(2).toInt(), 2);
    QCOMPARE(receiver.bodies.size(), 2);
    const QJsonObject body = QJsonDocument::fromJson(receiver.bodies.last()).object();
    QVERIFY2(
        body[QLatin1String("text")].toString().contains(QLatin1String("cpu_percent 95.0 > 80")),
        receiver.bodies.last().constData());
    const QJsonArray log = parse(call("GET", QStringLiteral("notifications"))).toArray();
    QCOMPARE(log.size(), 2);
    QCOMPARE(log.at(0)[QLatin1String("ok")].toBool(), true);
    QCOMPARE(log.at(1)[QLatin1String("ok")].toBool(), false);
    // The test action goes out at once.
    const qint64 id = qint64(parse(channel)[QLatin1String("id")].toDouble());
    QCOMPARE(call("POST", QStringLiteral("channels/%1/test").arg(id)).status, 202);
    QTRY_COMPARE(receiver.bodies.size(), 3);
    QVERIFY(receiver.bodies.last().contains("test notification"));
}

void TestAlertService::stormOfOfflineIsOneNotification()
{
    writeDevices(1000);
    Receiver receiver({200});
    m_service = startService();
    QVERIFY(m_service);
    QCOMPARE(call("POST", QStringLiteral("channels"),
                 QJsonDocument(QJsonObject {{QStringLiteral("name"), QStringLiteral("hook")},
                                   {QStringLiteral("kind"), QStringLiteral("webhook")},
                                   {QStringLiteral("settings"),
                                       QJsonObject {{QStringLiteral("url"), receiver.url()}}}})
                     .toJson())
                 .status,
        201);
    QSignalSpy attempts(m_service->notifier(), &Notifier::attempted);
    QList<AcceptedReport> all;
    for (int d = 0; d < 1000; ++d)
        all.append(report(d, 2, 10));
    m_service->reportsAccepted(all);
    // The switch dies: every device goes silent at once.
    m_now += 61000;
    m_service->tick();
    QTRY_COMPARE(attempts.size(), 1);
    QTest::qWait(200);
    QCOMPARE(attempts.size(), 1);
    QCOMPARE(receiver.bodies.size(), 1);
    const QJsonObject body = QJsonDocument::fromJson(receiver.bodies.first()).object();
    QCOMPARE(body[QLatin1String("alerts")].toArray().size(), 1000);
    QCOMPARE(body[QLatin1String("subject")].toString(),
        QStringLiteral("[critical] 1000 devices: Device offline"));
    QCOMPARE(parse(call("GET", QStringLiteral("alerts?limit=10000"))).toArray().size(), 1000);
}

void TestAlertService::commandChannelGetsTheAlert()
{
    writeDevices(1);
    m_service = startService();
    QVERIFY(m_service);
    const QString out = m_dir.filePath(QStringLiteral("command.txt"));
    const QJsonObject settings {{QStringLiteral("program"), QStringLiteral("/bin/sh")},
        {QStringLiteral("arguments"),
            QJsonArray {QStringLiteral("-c"),
                QStringLiteral("printf '%s|%s|%s' \"$ALERT_STATUS\" \"$ALERT_COUNT\" "
                               "\"$ALERT_SUBJECT\" > \"$1\""),
                QStringLiteral("sh"), out}}};
    QCOMPARE(call("POST", QStringLiteral("channels"),
                 QJsonDocument(QJsonObject {{QStringLiteral("name"), QStringLiteral("script")},
                                   {QStringLiteral("kind"), QStringLiteral("command")},
                                   {QStringLiteral("settings"), settings}})
                     .toJson())
                 .status,
        201);
    QSignalSpy attempts(m_service->notifier(), &Notifier::attempted);
    m_service->reportsAccepted({report(0, 2, 10)});
    m_now += 61000;
    m_service->tick();
    QTRY_COMPARE(attempts.size(), 1);
    QVERIFY2(attempts.first().at(1).toBool(), qPrintable(attempts.first().at(3).toString()));
    QFile file(out);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(file.readAll());
    QVERIFY2(text.startsWith(QLatin1String("firing|1|[critical] ")), qPrintable(text));
    QVERIFY2(text.endsWith(QLatin1String("is offline")), qPrintable(text));
}

void TestAlertService::refusesBadRequests()
{
    writeDevices(1);
    m_service = startService();
    QVERIFY(m_service);
    QCOMPARE(call("POST", QStringLiteral("rules"), "not json").status, 400);
    QCOMPARE(
        call("POST", QStringLiteral("rules"), "{\"name\":\"x\",\"metric\":\"nope\",\"raise\":1}")
            .status,
        400);
    QCOMPARE(call("POST", QStringLiteral("rules"),
                 "{\"name\":\"x\",\"metric\":\"load_1\",\"raise\":1,\"device\":\"no-such-device\"}")
                 .status,
        400);
    QCOMPARE(call("GET", QStringLiteral("rules/abc")).status, 404);
    QCOMPARE(call("GET", QStringLiteral("alerts?state=odd")).status, 400);
    QCOMPARE(call("GET", QStringLiteral("alerts/999")).status, 404);
    QCOMPARE(call("GET", QStringLiteral("devices/nope/presence")).status, 404);
    QCOMPARE(call("PUT", QStringLiteral("devices/%1/labels").arg(m_uuids.value(0)),
                 "{\"labels\":{\"bad key\":\"x\"}}")
                 .status,
        400);
    // A value may hold a comma (labels are not parsed from text).
    QCOMPARE(call("PUT", QStringLiteral("devices/%1/labels").arg(m_uuids.value(0)),
                 "{\"labels\":{\"room\":\"lab, bench 2\"}}")
                 .status,
        200);
    QCOMPARE(
        parse(call("GET", QStringLiteral("devices/%1/labels").arg(m_uuids.value(0))))[QLatin1String(
            "labels")][QLatin1String("room")]
            .toString(),
        QStringLiteral("lab, bench 2"));
    QCOMPARE(call("POST", QStringLiteral("channels"),
                 "{\"name\":\"x\",\"kind\":\"webhook\",\"settings\":{\"url\":\"ftp://x\"}}")
                 .status,
        400);
    QCOMPARE(call("POST", QStringLiteral("channels"),
                 "{\"name\":\"x\",\"kind\":\"command\",\"settings\":{\"program\":\"relative\"}}")
                 .status,
        400);
    QCOMPARE(
        call("POST", QStringLiteral("channels"), "{\"name\":\"x\",\"kind\":\"pigeon\"}").status,
        400);
}

void TestAlertService::agentLabelsAreStoredAndTargeted()
{
    writeDevices(1);
    m_service = startService();
    QVERIFY(m_service);
    QCOMPARE(call("POST", QStringLiteral("rules"),
                 "{\"name\":\"Lab hot\",\"metric\":\"cpu_percent\",\"raise\":80,"
                 "\"labels\":{\"location\":\"lab\"}}")
                 .status,
        201);
    QSignalSpy labels(m_service.get(), &AlertService::labelsChanged);
    AcceptedReport first = report(0, 2, 95);
    first.report.labels = {{"location", "lab"}, {"role", "gateway"}};
    first.report.labelsHash = dmr::labelsHash(first.report.labels);
    m_service->reportsAccepted({first});
    m_service->tick();
    QCOMPARE(labels.size(), 1);
    using LabelMap = QMap<QString, QString>;
    QCOMPARE(labels.first().at(1).value<LabelMap>().value(QStringLiteral("role")),
        QStringLiteral("gateway"));
    TestSql::Connection sql(m_path);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM device_labels WHERE source = 'agent'"))
                 .toInt(),
        2);
    // The next report, hash only, raises the rule that targets the label.
    m_now += 10000;
    AcceptedReport next = report(0, 3, 95);
    next.report.labelsHash = first.report.labelsHash;
    m_service->reportsAccepted({next});
    m_service->tick();
    const QJsonArray firing = parse(call("GET", QStringLiteral("alerts"))).toArray();
    QCOMPARE(firing.size(), 1);
    QCOMPARE(firing.first()[QLatin1String("rule")].toString(), QStringLiteral("Lab hot"));
    // A person's label of the same name wins.
    QCOMPARE(call("PUT", QStringLiteral("devices/%1/labels").arg(m_uuids.value(0)),
                 "{\"labels\":{\"location\":\"shed\"}}")
                 .status,
        200);
    QCOMPARE(
        parse(call("GET", QStringLiteral("devices/%1/labels").arg(m_uuids.value(0))))[QLatin1String(
            "labels")][QLatin1String("location")]
            .toString(),
        QStringLiteral("shed"));
    // Which of them a person set: the window edits only those.
    const QJsonObject both
        = parse(call("GET", QStringLiteral("devices/%1/labels").arg(m_uuids.value(0)))).toObject();
    QCOMPARE(both[QLatin1String("user_labels")].toObject(),
        QJsonObject({{QStringLiteral("location"), QStringLiteral("shed")}}));
    QCOMPARE(
        both[QLatin1String("labels")][QLatin1String("role")].toString(), QStringLiteral("gateway"));
    // The person drops theirs: the agent's label of that name is back.
    QCOMPARE(
        call("PUT", QStringLiteral("devices/%1/labels").arg(m_uuids.value(0)), "{\"labels\":{}}")
            .status,
        200);
    const QJsonObject after
        = parse(call("GET", QStringLiteral("devices/%1/labels").arg(m_uuids.value(0)))).toObject();
    QCOMPARE(after[QLatin1String("labels")][QLatin1String("location")].toString(),
        QStringLiteral("lab"));
    QVERIFY(after[QLatin1String("user_labels")].toObject().isEmpty());
}

// Several collectors on one PostgreSQL database, each with its own alerting,
// hear the same condition (an agent's reports reach two of them, or it moved
// from one to the other): one alert for the fleet, announced once, and
// resolved once.
void TestAlertService::fleetRaisesAndResolvesOnce()
{
    if (!m_scratch->isPostgres())
        QSKIP("several collectors share a database on PostgreSQL only");
    writeDevices(1);
    Receiver receiver({200});
    m_service = startService();
    QVERIFY(m_service);
    addWebhook(receiver.url());
    QCOMPARE(call("POST", QStringLiteral("rules"),
                 "{\"name\":\"Hot\",\"metric\":\"cpu_percent\",\"raise\":80,\"clear\":70}")
                 .status,
        201);
    // Started after: it loads the same rule and channel.
    const std::unique_ptr<AlertService> other = startService();
    QVERIFY(other);
    QSignalSpy firstSent(m_service->notifier(), &Notifier::attempted);
    QSignalSpy otherSent(other->notifier(), &Notifier::attempted);
    QSignalSpy otherFiring(other.get(), &AlertService::firingChanged);
    m_service->reportsAccepted({report(0, 2, 95)});
    other->reportsAccepted({report(0, 2, 95)});
    m_service->tick();
    other->tick();
    QTRY_COMPARE(firstSent.size() + otherSent.size(), 1);
    m_service->tick();
    other->tick();
    QTest::qWait(300);
    QCOMPARE(firstSent.size(), 1); // the one whose insert made the row
    QCOMPARE(otherSent.size(), 0);
    QCOMPARE(receiver.bodies.size(), 1);
    TestSql::Connection sql(m_path);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM alerts")).toInt(), 1);
    // The other counts it as firing too (its window shows it), with its id.
    QVERIFY(!otherFiring.isEmpty());
    const auto firing = otherFiring.last().first().value<QList<AlertService::Firing>>();
    QCOMPARE(firing.size(), 1);
    QCOMPARE(
        firing.first().alertId, sql.value(QStringLiteral("SELECT id FROM alerts")).toLongLong());
    // Both see it clear; the other one first this time: it resolves the
    // alert and says so, the first drops it quietly.
    m_now += 10000;
    other->reportsAccepted({report(0, 3, 50)});
    m_service->reportsAccepted({report(0, 3, 50)});
    other->tick();
    m_service->tick();
    QTRY_COMPARE(firstSent.size() + otherSent.size(), 2);
    m_service->tick();
    other->tick();
    QTest::qWait(300);
    QCOMPARE(otherSent.size(), 1);
    QCOMPARE(firstSent.size(), 1);
    QCOMPARE(receiver.bodies.size(), 2);
    QCOMPARE(QJsonDocument::fromJson(receiver.bodies.last())
                 .object()[QLatin1String("status")]
                 .toString(),
        QStringLiteral("resolved"));
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM alerts")).toInt(), 1);
    QCOMPARE(
        sql.value(QStringLiteral("SELECT COUNT(*) FROM alerts WHERE cleared_at IS NULL")).toInt(),
        0);
    // Raised again, it is one new alert, announced once.
    m_now += 10000;
    m_service->reportsAccepted({report(0, 4, 97)});
    other->reportsAccepted({report(0, 4, 97)});
    other->tick();
    m_service->tick();
    QTRY_COMPARE(firstSent.size() + otherSent.size(), 3);
    QTest::qWait(300);
    QCOMPARE(firstSent.size() + otherSent.size(), 3);
    QCOMPARE(otherSent.size(), 2);
    QCOMPARE(
        sql.value(QStringLiteral("SELECT COUNT(*) FROM alerts WHERE cleared_at IS NULL")).toInt(),
        1);
}

// Each collector hears only its own agents: one of them, the holder of the
// presence lock, judges online and offline for the fleet from
// devices.last_seen; when it stops, another takes over.
void TestAlertService::onePresenceLeaderAndTakeover()
{
    if (!m_scratch->isPostgres())
        QSKIP("several collectors share a database on PostgreSQL only");
    writeDevices(2);
    Receiver receiver({200});
    m_service = startService();
    QVERIFY(m_service);
    addWebhook(receiver.url());
    std::unique_ptr<AlertService> other = startService();
    QVERIFY(other);
    QVERIFY(m_service->isPresenceLeader()); // it asked first
    QVERIFY(!other->isPresenceLeader());
    QSignalSpy firstSent(m_service->notifier(), &Notifier::attempted);
    QSignalSpy otherSent(other->notifier(), &Notifier::attempted);
    TestSql::Connection sql(m_path);
    const auto count
        = [&sql](const char *query) { return sql.value(QString::fromLatin1(query)).toInt(); };
    const auto reportedAt = [&sql, this](int device) {
        QVERIFY(sql.exec(QStringLiteral("UPDATE devices SET last_seen = %1 WHERE uuid = '%2'")
                             .arg(m_now)
                             .arg(m_uuids.value(device))));
    };
    // Each collector hears one of the devices, then both go silent.
    m_service->reportsAccepted({report(0, 2, 10)});
    other->reportsAccepted({report(1, 2, 10)});
    m_now += 61000;
    other->tick();
    m_service->tick();
    other->tick();
    QVERIFY(!other->isPresenceLeader());
    // The leader judged both, from the database: one outage each, one
    // alert each, announced once.
    QCOMPARE(count("SELECT COUNT(*) FROM outages WHERE end_ts IS NULL"), 2);
    QCOMPARE(
        count("SELECT COUNT(*) FROM alerts WHERE metric = 'offline' AND cleared_at IS NULL"), 2);
    QTRY_COMPARE(firstSent.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(receiver.bodies.first())
                 .object()[QLatin1String("alerts")]
                 .toArray()
                 .size(),
        2);
    // The other tells presence as the database has it.
    const QJsonObject presence = parse(
        call("GET", QStringLiteral("devices/%1/presence").arg(m_uuids.value(1)), {}, other.get()))
                                     .toObject();
    QCOMPARE(presence[QLatin1String("state")].toString(), QStringLiteral("offline"));
    // Device 1 is back, at the other collector (its writer stores last_seen):
    // the leader sees it in the database.
    m_now += 5000;
    other->reportsAccepted({report(1, 3, 10)});
    reportedAt(1);
    other->tick();
    QCOMPARE(count("SELECT COUNT(*) FROM outages WHERE end_ts IS NULL"), 2);
    m_service->tick();
    QCOMPARE(count("SELECT COUNT(*) FROM outages WHERE end_ts IS NULL"), 1);
    QCOMPARE(count("SELECT COUNT(*) FROM alerts WHERE cleared_at IS NULL"), 1);
    QTRY_COMPARE(firstSent.size(), 2);
    QTest::qWait(200);
    QCOMPARE(otherSent.size(), 0);
    // The leader stops: its connection ends, its lock with it, and the other
    // takes over within a few ticks.
    m_service.reset();
    QTRY_VERIFY_WITH_TIMEOUT((other->tick(), other->isPresenceLeader()), 5000);
    // It ends what the old leader began: device 0 is back.
    m_now += 5000;
    reportedAt(0);
    other->tick();
    QCOMPARE(count("SELECT COUNT(*) FROM outages WHERE end_ts IS NULL"), 0);
    QCOMPARE(count("SELECT COUNT(*) FROM alerts WHERE cleared_at IS NULL"), 0);
    QTRY_COMPARE(otherSent.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(receiver.bodies.last())
                 .object()[QLatin1String("status")]
                 .toString(),
        QStringLiteral("resolved"));
    // And judges the silence of both from now on.
    m_now += 61000;
    other->tick();
    QCOMPARE(count("SELECT COUNT(*) FROM outages WHERE end_ts IS NULL"), 2);
    QCOMPARE(count("SELECT COUNT(*) FROM alerts WHERE cleared_at IS NULL"), 2);
    QTRY_COMPARE(otherSent.size(), 2);
    QCOMPARE(count("SELECT COUNT(*) FROM outages"), 4);
}

void TestAlertService::reconnectsAfterLostConnection()
{
    if (!m_scratch->isPostgres())
        QSKIP("a connection to lose: PostgreSQL only");
    writeDevices(1);
    m_service = startService();
    QVERIFY(m_service);
    QCOMPARE(call("POST", QStringLiteral("rules"),
                 "{\"name\":\"Hot\",\"metric\":\"cpu_percent\",\"raise\":80,\"clear\":70}")
                 .status,
        201);
    QSignalSpy changed(m_service.get(), &AlertService::alertsChanged);
    m_service->reportsAccepted({report(0, 2, 85)});
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 2000);

    // The server ends alerting's session, as a restart would: the clearing
    // is written over a new connection, its statement prepared again.
    {
        TestSql::Connection admin(m_path);
        QString error;
        QVERIFY2(admin.exec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM"
                                           " pg_stat_activity WHERE datname = current_database()"
                                           " AND application_name = 'metrics-console'"),
                     &error),
            qPrintable(error));
    }
    m_now += 10000;
    m_service->reportsAccepted({report(0, 3, 60)});
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, 5000);
    QCOMPARE(changed.last().first().toJsonArray().first()[QLatin1String("state")].toString(),
        QStringLiteral("resolved"));
    TestSql::Connection sql(m_path);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM alerts WHERE cleared_at IS NOT NULL"))
                 .toInt(),
        1);
}

QTEST_GUILESS_MAIN(TestAlertService)
#include "tst_alertservice.moc"
