// SPDX-License-Identifier: MIT
// Several collectors on one PostgreSQL: two metrics-console processes share
// one UDP port (--reuse-port on), metrics-loadgen spreads its devices over
// many source ports, and the kernel gives each device to one collector.
// Then: the database holds every report exactly once; 1,000 new devices
// registered by both collectors at the same moment are 1,000 rows with one
// uuid each, which both collectors' REST APIs agree on; a console attached
// to the database (--receive off) shows the whole fleet. Needs the scratch
// PostgreSQL of tests/support/pg-scratch.sh (DMR_TEST_PG_URL).
#include "support/ConsoleProcess.h"
#include "support/HttpJson.h"
#include "support/TestDatabase.h"
#include "support/TestSql.h"

#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>
#include <memory>

namespace {

const QString kLoadgen = QStringLiteral(DMR_BINARY_DIR "/tests/bench/loadgen/metrics-loadgen");

quint64 counter(const QString &summary, const char *name)
{
    const QRegularExpression pattern(QStringLiteral("\\b%1=(\\d+)").arg(QLatin1String(name)));
    const auto match = pattern.match(summary);
    return match.hasMatch() ? match.captured(1).toULongLong() : quint64(-1);
}

// The last "stopped:" line of a console's log: its final counters.
QString stoppedLine(const QByteArray &log)
{
    const QString text = QString::fromUtf8(log);
    const int at = text.lastIndexOf(QLatin1String("stopped: "));
    return at < 0 ? QString() : text.mid(at).section(QLatin1Char('\n'), 0, 0);
}

// A UDP port free on 127.0.0.1 now, for consoles that must share one.
quint16 freeUdpPort()
{
    QUdpSocket socket;
    socket.bind(QHostAddress::LocalHost, 0);
    return socket.localPort();
}

bool runLoadgen(const QStringList &arguments, QString *line)
{
    QProcess loadgen;
    loadgen.start(kLoadgen, arguments);
    if (!loadgen.waitForFinished(60000) || loadgen.exitCode() != 0)
        return false;
    *line = QString::fromLatin1(loadgen.readAllStandardOutput()).trimmed();
    return true;
}

QSet<QString> uuidsOf(QNetworkAccessManager &http, quint16 port, int *count)
{
    QNetworkReply *reply = http.get(
        QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/api/devices/").arg(port))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    const QJsonArray devices = QJsonDocument::fromJson(reply->readAll()).array();
    reply->deleteLater();
    QSet<QString> uuids;
    for (const QJsonValue &device : devices)
        uuids.insert(device[QLatin1String("uuid")].toString());
    *count = int(devices.size());
    return uuids;
}

} // namespace

class TestScaleOut : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void twoCollectorsStoreEveryReportOnce();
    void registrationRaceOfAThousandDevices();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestDatabase::Scratch> m_scratch;
};

void TestScaleOut::init()
{
    if (!TestDatabase::wantsPostgres())
        qputenv("DMR_TEST_DRIVER", "postgres"); // this test is PostgreSQL's alone
    m_dir = std::make_unique<QTemporaryDir>();
    m_scratch = std::make_unique<TestDatabase::Scratch>(m_dir->filePath(QStringLiteral("unused")));
    TEST_DATABASE_READY(*m_scratch);
}

void TestScaleOut::cleanup()
{
    m_scratch.reset();
    m_dir.reset();
}

void TestScaleOut::twoCollectorsStoreEveryReportOnce()
{
    const quint16 port = freeUdpPort();
    const QStringList shared
        = {QStringLiteral("--udp-port"), QString::number(port), QStringLiteral("--reuse-port"),
            QStringLiteral("on"), QStringLiteral("--ack-interval"), QStringLiteral("1")};
    ConsoleProcess first(m_scratch->location());
    ConsoleProcess second(m_scratch->location());
    QVERIFY2(first.start(shared), first.log().constData());
    QVERIFY2(second.start(shared), second.log().constData());
    QCOMPARE(first.udpPort(), port);
    QCOMPARE(second.udpPort(), port);
    // Attached: no UDP, the web page and REST of what the collectors store.
    ConsoleProcess attached(m_scratch->location());
    QVERIFY2(attached.start({QStringLiteral("--receive"), QStringLiteral("off")}),
        attached.log().constData());
    QCOMPARE(attached.udpPort(), quint16(0));

    constexpr int kDevices = 200;
    QString line;
    QVERIFY(
        runLoadgen({QStringLiteral("--devices"), QString::number(kDevices),
                       QStringLiteral("--sockets"), QStringLiteral("64"), QStringLiteral("--rate"),
                       QStringLiteral("2000"), QStringLiteral("--duration"), QStringLiteral("4"),
                       QStringLiteral("--target"), QStringLiteral("127.0.0.1:%1").arg(port)},
            &line));
    const quint64 sent = counter(line, "sent");
    QVERIFY2(sent > 0 && sent != quint64(-1), qPrintable(line));

    // The attached console shows every device the two collectors store.
    QNetworkAccessManager http;
    int shown = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        (uuidsOf(http, attached.httpPort(), &shown), shown == kDevices), 15000);

    QCOMPARE(first.terminate(), 0);
    QCOMPARE(second.terminate(), 0);
    QCOMPARE(attached.terminate(), 0);
    const QString one = stoppedLine(first.log());
    const QString two = stoppedLine(second.log());
    qInfo("first collector: %s", qPrintable(one));
    qInfo("second collector: %s", qPrintable(two));
    // The kernel spread the devices: both collectors stored some.
    QVERIFY(counter(one, "persisted") > 0);
    QVERIFY(counter(two, "persisted") > 0);
    QCOMPARE(counter(one, "received") + counter(two, "received"), sent);
    QCOMPARE(counter(one, "persisted") + counter(two, "persisted"), sent);
    QCOMPARE(counter(one, "dropped") + counter(two, "dropped"), quint64(0));

    TestSql::Connection sql(m_scratch->location());
    QVERIFY2(sql.isOpen(), qPrintable(sql.error()));
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), kDevices);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toULongLong(), sent);
    // Exactly once: no report twice, however the collectors shared them.
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM (SELECT device, run_id, sequence"
                                      " FROM system_metrics GROUP BY device, run_id, sequence"
                                      " HAVING COUNT(*) > 1) AS twice"))
                 .toInt(),
        0);
    QCOMPARE(sql.integrity(), QStringLiteral("ok"));
}

void TestScaleOut::registrationRaceOfAThousandDevices()
{
    ConsoleProcess first(m_scratch->location());
    ConsoleProcess second(m_scratch->location());
    QVERIFY2(first.start(), first.log().constData());
    QVERIFY2(second.start(), second.log().constData());
    // The same 1,000 new devices (one seed) reach both collectors at once:
    // each registers every one of them, racing the other.
    constexpr int kDevices = 1000;
    const auto arguments = [](quint16 port) {
        return QStringList {QStringLiteral("--devices"), QString::number(kDevices),
            QStringLiteral("--rate"), QStringLiteral("4000"), QStringLiteral("--duration"),
            QStringLiteral("1"), QStringLiteral("--seed"), QStringLiteral("77"),
            QStringLiteral("--target"), QStringLiteral("127.0.0.1:%1").arg(port)};
    };
    QProcess toFirst;
    QProcess toSecond;
    toFirst.start(kLoadgen, arguments(first.udpPort()));
    toSecond.start(kLoadgen, arguments(second.udpPort()));
    QVERIFY(toFirst.waitForFinished(30000) && toFirst.exitCode() == 0);
    QVERIFY(toSecond.waitForFinished(30000) && toSecond.exitCode() == 0);
    const quint64 sent = counter(QString::fromLatin1(toFirst.readAllStandardOutput()), "sent")
        + counter(QString::fromLatin1(toSecond.readAllStandardOutput()), "sent");

    // Both APIs come to the stored uuids: one per device, the same on both.
    QNetworkAccessManager http;
    int onFirst = 0;
    int onSecond = 0;
    QSet<QString> firstUuids;
    QSet<QString> secondUuids;
    QTRY_VERIFY_WITH_TIMEOUT(
        (firstUuids = uuidsOf(http, first.httpPort(), &onFirst),
            secondUuids = uuidsOf(http, second.httpPort(), &onSecond),
            onFirst == kDevices && onSecond == kDevices && firstUuids == secondUuids),
        20000);

    QCOMPARE(first.terminate(), 0);
    QCOMPARE(second.terminate(), 0);
    const QString one = stoppedLine(first.log());
    const QString two = stoppedLine(second.log());
    QCOMPARE(counter(one, "persisted") + counter(two, "persisted"), sent);
    // A registration that failed (a deadlock between the collectors, say)
    // was retried and stored, but must not happen: say which.
    for (const QByteArray &log : {first.log(), second.log()}) {
        const qsizetype at = log.indexOf("cannot add device");
        QVERIFY2(at < 0, log.mid(at, 400).constData());
    }

    TestSql::Connection sql(m_scratch->location());
    QVERIFY2(sql.isOpen(), qPrintable(sql.error()));
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), kDevices);
    QCOMPARE(
        sql.value(QStringLiteral("SELECT COUNT(DISTINCT uuid) FROM devices")).toInt(), kDevices);
    QSet<QString> stored;
    for (const QVariantList &row : sql.rows(QStringLiteral("SELECT uuid FROM devices")))
        stored.insert(row.value(0).toString());
    QCOMPARE(firstUuids, stored);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toULongLong(), sent);
}

QTEST_MAIN(TestScaleOut)
#include "tst_scaleout.moc"
