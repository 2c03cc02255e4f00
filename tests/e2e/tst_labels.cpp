// SPDX-License-Identifier: MIT
// Labels end to end: two real metrics-agent processes, each with its own
// --label flags, report over real UDP to a headless metrics-console; the
// labels must reach the REST filter (?label=), the Prometheus page and a
// rule that targets them, through a real HTTP client.
#include "support/AgentProcess.h"
#include "support/ConsoleProcess.h"
#include "support/Promtool.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

namespace {

const QByteArray kToken = QByteArrayLiteral("labels-test-token");

} // namespace

class TestLabels : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void agentLabelsReachFilterMetricsAndRules();

private:
    struct Reply
    {
        int status = 0;
        QByteArray body;
    };
    Reply send(const QByteArray &method, const QString &path, const QByteArray &body = {});
    QJsonArray devices(const QString &query);

    QTemporaryDir m_dir;
    std::unique_ptr<ConsoleProcess> m_console;
    QNetworkAccessManager m_http;
};

void TestLabels::init()
{
    QVERIFY(m_dir.isValid());
    m_console = std::make_unique<ConsoleProcess>(m_dir.filePath(QStringLiteral("labels.db")));
}

void TestLabels::cleanup()
{
    m_console->kill();
    if (QTest::currentTestFailed())
        qWarning("console log:\n%s", m_console->log().constData());
}

TestLabels::Reply TestLabels::send(
    const QByteArray &method, const QString &path, const QByteArray &body)
{
    QNetworkRequest request(
        QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_console->httpPort()).arg(path)));
    request.setRawHeader("Authorization", "Bearer " + kToken);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = m_http.sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    Reply out {
        reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
    reply->deleteLater();
    return out;
}

QJsonArray TestLabels::devices(const QString &query)
{
    const Reply reply = send("GET", QStringLiteral("/api/devices/") + query);
    if (reply.status != 200)
        return {};
    return QJsonDocument::fromJson(reply.body).array();
}

void TestLabels::agentLabelsReachFilterMetricsAndRules()
{
    QVERIFY2(m_console->start({QStringLiteral("--flush-interval"), QStringLiteral("50"),
                 QStringLiteral("--api-token"), QString::fromLatin1(kToken)}),
        m_console->log().constData());

    // A rule for the lab only, before any report: memory above 10 % (the
    // fixture's boards use 14.49 %), so only the lab board's alert fires.
    const Reply rule = send("POST", QStringLiteral("/api/rules/"),
        "{\"name\":\"Lab memory\",\"metric\":\"memory_percent\",\"raise\":10,"
        "\"severity\":\"critical\",\"labels\":{\"location\":\"lab\"}}");
    QVERIFY2(rule.status == 201, rule.body.constData());

    AgentProcess lab;
    AgentProcess office;
    const QStringList every {QStringLiteral("--interval"), QStringLiteral("0.2")};
    QVERIFY(lab.start(m_console->udpPort(), QStringLiteral("lab-board"),
        every
            + QStringList {QStringLiteral("--label"), QStringLiteral("location=lab"),
                QStringLiteral("--label"), QStringLiteral("role=gateway")}));
    QVERIFY(office.start(m_console->udpPort(), QStringLiteral("office-board"),
        every + QStringList {QStringLiteral("--label"), QStringLiteral("location=office")}));
    QTRY_COMPARE_WITH_TIMEOUT(devices(QString()).size(), 2, 15000);

    // The REST filter: only the lab board, with both its labels.
    QTRY_COMPARE_WITH_TIMEOUT(devices(QStringLiteral("?label=location:lab")).size(), 1, 10000);
    const QJsonObject board = devices(QStringLiteral("?label=location:lab")).first().toObject();
    QCOMPARE(board[QLatin1String("device_id")].toString(), QStringLiteral("lab-board"));
    QCOMPARE(board[QLatin1String("labels")][QLatin1String("role")].toString(),
        QStringLiteral("gateway"));
    const QString labUuid = board[QLatin1String("uuid")].toString();
    QCOMPARE(devices(QStringLiteral("?label=location:office&label=role:gateway")).size(), 0);
    QCOMPARE(devices(QStringLiteral("?label=role=gateway")).size(), 1);
    QCOMPARE(send("GET", QStringLiteral("/api/devices/?label=nocolon")).status, 400);

    // The Prometheus page: the labels ride on each device's samples.
    const Reply metrics = send("GET", QStringLiteral("/metrics"));
    QCOMPARE(metrics.status, 200);
    const QByteArray labSample = "dmr_device_online{uuid=\"" + labUuid.toLatin1()
        + "\",device_id=\"lab-board\",hostname=\"raspberrypi\",location=\"lab\",role=\"gateway\"} "
          "1";
    QVERIFY2(metrics.body.contains(labSample), metrics.body.constData());
    QVERIFY(metrics.body.contains("dmr_device_network_rx_bytes_total{uuid=\"" + labUuid.toLatin1()
        + "\",device_id=\"lab-board\",hostname=\"raspberrypi\",location=\"lab\",role=\"gateway\","
          "interface=\"eth0\"}"));
    if (const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
        !promtool.isEmpty()) {
        const PromtoolCheck check = checkMetrics(promtool, metrics.body);
        QVERIFY(check.ran);
        QVERIFY2(check.findings.trimmed().isEmpty(), check.findings.constData());
    }

    // The rule: one firing alert, the lab board's.
    QJsonArray firing;
    QTRY_VERIFY_WITH_TIMEOUT((firing = QJsonDocument::fromJson(
                                  send("GET", QStringLiteral("/api/alerts/?state=firing")).body)
                                           .array(),
                                 !firing.isEmpty()),
        10000);
    QTest::qWait(500); // the office board's reports, had the rule matched it
    firing = QJsonDocument::fromJson(send("GET", QStringLiteral("/api/alerts/?state=firing")).body)
                 .array();
    QCOMPARE(firing.size(), 1);
    QCOMPARE(firing.first()[QLatin1String("device")].toString(), labUuid);
    QCOMPARE(firing.first()[QLatin1String("rule")].toString(), QStringLiteral("Lab memory"));
    QCOMPARE(firing.first()[QLatin1String("severity")].toString(), QStringLiteral("critical"));

    // A person's label wins over the agent's: moving the board to the office
    // takes it out of the lab's filter and clears the lab's alert.
    const Reply moved = send("PUT", QStringLiteral("/api/devices/%1/labels/").arg(labUuid),
        "{\"labels\":{\"location\":\"office\"}}");
    QVERIFY2(moved.status == 200, moved.body.constData());
    QTRY_COMPARE_WITH_TIMEOUT(devices(QStringLiteral("?label=location:lab")).size(), 0, 10000);
    QCOMPARE(devices(QStringLiteral("?label=location:office")).size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(
        QJsonDocument::fromJson(send("GET", QStringLiteral("/api/alerts/?state=firing")).body)
            .array()
            .isEmpty(),
        10000);
}

QTEST_GUILESS_MAIN(TestLabels)
#include "tst_labels.moc"
