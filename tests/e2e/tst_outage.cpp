// SPDX-License-Identifier: MIT
// No loss across an outage, end to end with the real programs: an encrypting
// metrics-agent at a 1-second interval reports to a metrics-console; the
// console is stopped for 60 s (DMR_OUTAGE_SECONDS) and started again; the
// agent resends what the console's acknowledgements show missing, and
// afterwards every sample of the run, those of the outage included, is in
// the database exactly once.
#include "support/AgentProcess.h"
#include "support/ConsoleProcess.h"
#include "support/TestSql.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

namespace {

const QString kConsole = QStringLiteral(DMR_BINARY_DIR "/console/metrics-console");
const QString kAgent = QStringLiteral(DMR_BINARY_DIR "/agent/metrics-agent");
const QString kDevice = QStringLiteral("outage-test-device");

int outageSeconds()
{
    const int seconds = qEnvironmentVariableIntValue("DMR_OUTAGE_SECONDS");
    return seconds > 0 ? seconds : 60;
}

} // namespace

class TestOutage : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void agentRefusesAKeyFileOthersCanRead();
    void everySampleOfTheOutageArrivesOnce();

private:
    // Sequences stored for the device: count, distinct, highest.
    QList<QVariantList> stored() const;

    QTemporaryDir m_dir;
    QString m_keys;
    QString m_agentKey;
};

void TestOutage::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_keys = m_dir.filePath(QStringLiteral("keys"));
    m_agentKey = m_dir.filePath(QStringLiteral("agent.key"));
    const QByteArray error
        = AgentProcess::addKey(m_keys, kDevice, QStringLiteral("encrypt"), m_agentKey);
    QVERIFY2(error.isEmpty(), error.constData());
}

void TestOutage::agentRefusesAKeyFileOthersCanRead()
{
    const QString open = m_dir.filePath(QStringLiteral("open.key"));
    QVERIFY(QFile::copy(m_agentKey, open));
    QVERIFY(QFile::setPermissions(
        open, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    QProcess agent;
    agent.start(kAgent,
        {QStringLiteral("--key-file"), open, QStringLiteral("--once"), QStringLiteral("--env-file"),
            QStringLiteral("/dev/null")});
    QVERIFY(agent.waitForFinished(10000));
    QCOMPARE(agent.exitCode(), 2);
    QVERIFY2(agent.readAllStandardError().contains("chmod 600"), "no hint how to fix it");
}

QList<QVariantList> TestOutage::stored() const
{
    TestSql::Connection sql(m_dir.filePath(QStringLiteral("outage.db")));
    return sql.rows(QStringLiteral("SELECT count(*), count(DISTINCT sequence), "
                                   "coalesce(max(sequence), 0) FROM system_metrics"));
}

void TestOutage::everySampleOfTheOutageArrivesOnce()
{
    const QString db = m_dir.filePath(QStringLiteral("outage.db"));
    const QStringList consoleOptions
        = {QStringLiteral("--key-file"), m_keys, QStringLiteral("--security"),
            QStringLiteral("encrypt"), QStringLiteral("--flush-interval"), QStringLiteral("200")};
    ConsoleProcess console(db);
    QVERIFY2(console.start(consoleOptions), console.log().constData());
    const quint16 port = console.udpPort();

    AgentProcess agent;
    QVERIFY(agent.start(port, kDevice,
        {QStringLiteral("--interval"), QStringLiteral("1"), QStringLiteral("--key-file"),
            m_agentKey, QStringLiteral("--security"), QStringLiteral("encrypt")}));

    // A few reports stored, then the outage.
    QTRY_VERIFY_WITH_TIMEOUT(stored().value(0).value(0).toInt() >= 5, 15000);
    QCOMPARE(console.terminate(), 0);
    const qint64 downAt = QDateTime::currentMSecsSinceEpoch();
    const QList<QVariantList> before = stored();
    qInfo("console stopped with %d reports stored; down for %d s", before[0][0].toInt(),
        outageSeconds());
    QTest::qWait(outageSeconds() * 1000);

    ConsoleProcess again(db);
    QVERIFY2(again.start(consoleOptions
                 + QStringList {QStringLiteral("--udp-port"), QString::number(port)}),
        again.log().constData());
    const qint64 upAt = QDateTime::currentMSecsSinceEpoch();

    // Everything from sequence 1 to beyond the restart, without a gap.
    QElapsedTimer waited;
    waited.start();
    QList<QVariantList> after;
    const int outageReports = outageSeconds();
    do {
        QTest::qWait(500);
        after = stored();
    } while (waited.elapsed() < 90000
        && !(after[0][0] == after[0][2]
            && after[0][2].toInt() >= before[0][2].toInt() + outageReports + 5));
    QCOMPARE(agent.terminate(), 0);
    const QByteArray agentLog = agent.log();
    QTest::qWait(500);
    QCOMPARE(again.terminate(), 0);

    after = stored();
    const int count = after[0][0].toInt();
    const int distinct = after[0][1].toInt();
    const int highest = after[0][2].toInt();
    qInfo("after: %d rows, %d distinct sequences, highest %d", count, distinct, highest);
    if (count != highest)
        qWarning("agent log:\n%s\nconsole log:\n%s", agentLog.constData(), again.log().constData());
    QCOMPARE(distinct, count); // never twice
    QCOMPARE(count, highest); // every sequence 1..highest: nothing lost
    QVERIFY(highest >= before[0][2].toInt() + outageReports);

    // The outage's own samples, under their original times.
    TestSql::Connection sql(db);
    const int duringOutage = sql.value(QStringLiteral("SELECT count(*) FROM system_metrics "
                                                      "WHERE ts > %1 AND ts < %2")
                                           .arg(downAt + 1000)
                                           .arg(upAt - 1000))
                                 .toInt();
    qInfo("samples taken while the console was down: %d", duringOutage);
    QVERIFY(duringOutage >= outageSeconds() - 4);
    QVERIFY2(agentLog.contains(" resent)"), agentLog.constData());
    QVERIFY(!agentLog.contains("(0 resent)"));
}

QTEST_GUILESS_MAIN(TestOutage)
#include "tst_outage.moc"
