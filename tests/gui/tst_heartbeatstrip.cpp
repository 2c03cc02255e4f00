// SPDX-License-Identifier: MIT
#include "gui/DeviceView.h"
#include "gui/HeartbeatMark.h"
#include "gui/HeartbeatStrip.h"
#include "service/ConsoleService.h"
#include "support/TestConsole.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QDateTime>
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

using namespace dmr::console;

class TestHeartbeatStrip : public QObject
{
    Q_OBJECT
private slots:
    void paintsOneMarkPerExpectedReport();
    void saysWhyThereIsNothing();
    void deviceViewShowsPresenceFromTheService();
};

void TestHeartbeatStrip::paintsOneMarkPerExpectedReport()
{
    QJsonArray heartbeat;
    for (int i = 0; i < 60; ++i) {
        const char *mark = i < 50 ? "none"
            : i == 55             ? "lost"
            : i == 56             ? "missing"
            : i == 59             ? "pending"
                                  : "arrived";
        heartbeat.append(QLatin1String(mark));
    }
    const QJsonObject presence {{QStringLiteral("state"), QStringLiteral("live")},
        {QStringLiteral("uptime_percent"),
            QJsonObject {{QStringLiteral("24h"), 99.5}, {QStringLiteral("7d"), QJsonValue()},
                {QStringLiteral("30d"), 100}}},
        {QStringLiteral("heartbeat_interval_seconds"), 10},
        {QStringLiteral("heartbeat"), heartbeat}};
    HeartbeatStrip strip;
    strip.setPresence(presence);
    QCOMPARE(strip.marks(), QByteArray(50, 'n') + "aaaaalmaap");
    QCOMPARE(strip.state(), QStringLiteral("live"));
    // The 7-day window reaches back before the device was known: no figure.
    QVERIFY2(
        strip.summary().contains(QStringLiteral("uptime 99.50 % (24 h), – (7 d), 100.00 % (30 d)")),
        qPrintable(strip.summary()));
    QVERIFY(strip.summary().contains(QLatin1String("every 10 s")));

    strip.resize(strip.sizeHint());
    strip.show();
    QVERIFY(QTest::qWaitForWindowExposed(&strip));
    const QImage image = strip.grab().toImage();
    // Five pixels per mark from the left, four of them painted.
    const int middle = image.height() / 2;
    const auto colourOf = [&](int mark) { return image.pixelColor(mark * 5 + 1, middle); };
    QCOMPARE(colourOf(50), heartbeatColor(HeartbeatMark::Arrived));
    QCOMPARE(colourOf(55), heartbeatColor(HeartbeatMark::Lost));
    QCOMPARE(colourOf(56), heartbeatColor(HeartbeatMark::Missing));
    QCOMPARE(colourOf(59), heartbeatColor(HeartbeatMark::Pending));
    QVERIFY(colourOf(55) != colourOf(56));
}

void TestHeartbeatStrip::saysWhyThereIsNothing()
{
    HeartbeatStrip strip;
    strip.setPresence({{QStringLiteral("state"), QStringLiteral("offline")},
        {QStringLiteral("heartbeat"), QJsonArray {QStringLiteral("missing")}}});
    QCOMPARE(strip.marks(), QByteArray("m"));
    strip.setUnavailable(QStringLiteral("alerting is not running"));
    QVERIFY(strip.marks().isEmpty());
    QVERIFY(strip.state().isEmpty());
    QCOMPARE(strip.summary(), QStringLiteral("alerting is not running"));
}

// The device view asks the real service for presence when shown (on the
// alerting thread, answered on the GUI thread) and shows the marks of the
// reports that arrived over UDP.
void TestHeartbeatStrip::deviceViewShowsPresenceFromTheService()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ConsoleService service(TestConsole::config(dir.filePath(QStringLiteral("console.db"))));
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));

    QUdpSocket socket;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (quint64 seq = 1; seq <= 3; ++seq) {
        dmr::Report report = TestReports::makeReport(TestReports::deviceId(3), 1, seq);
        report.sampleTimeMs = now - qint64(3 - seq) * 1000;
        socket.writeDatagram(
            TestReports::encoded(report), QHostAddress::LocalHost, service.udpPort());
    }
    TestSql::Connection sql(service.config().database);
    QTRY_COMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), 3);
    const QString uuid = sql.value(QStringLiteral("SELECT uuid FROM devices")).toString();
    QVERIFY(!uuid.isEmpty());

    DeviceView view(uuid, service.config().database, nullptr);
    int asked = 0;
    view.setAlertCall([&service, &asked](const AlertRequest &request, QObject *context,
                          std::function<void(const AlertReply &)> done) {
        ++asked;
        service.alertRequest(request, context, std::move(done));
    });
    QCOMPARE(asked, 0); // not shown yet: nothing asked
    view.resize(1000, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(asked >= 1);
    HeartbeatStrip *strip = view.heartbeatStrip();
    QTRY_VERIFY_WITH_TIMEOUT(strip->marks().contains('a'), 15000);
    QCOMPARE(strip->marks().size(), 60);
    // Before the device was known: no marks; the newest arrived.
    QCOMPARE(strip->marks().front(), 'n');
    QVERIFY2(strip->marks().right(2).contains('a'), strip->marks().constData());
    QCOMPARE(strip->state(), QStringLiteral("live"));
    QVERIFY(strip->summary().contains(QLatin1String("uptime")));
    view.hide();
}

QTEST_MAIN(TestHeartbeatStrip)
#include "tst_heartbeatstrip.moc"
