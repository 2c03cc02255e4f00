// SPDX-License-Identifier: MIT
// End to end with the real programs: metrics-agent reading a fixture /proc
// tree sends over real UDP to a headless metrics-console process, which
// stores into a temporary SQLite file; SIGTERM must leave everything on disk.
#include "support/ConsoleProcess.h"
#include "support/TestSql.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>
#include <memory>

namespace {

const QString kAgent = QStringLiteral(DMR_BINARY_DIR "/agent/metrics-agent");
const QString kLoadgen = QStringLiteral(DMR_BINARY_DIR "/tests/bench/loadgen/metrics-loadgen");
const QString kFixture = QStringLiteral(DMR_TEST_DATA "/proc-rpi");

} // namespace

class TestPipeline : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void agentToConsoleToSqlite();
    void sigtermWritesEveryAcceptedReport();

private:
    QTemporaryDir m_dir;
    QString m_db;
    std::unique_ptr<ConsoleProcess> m_console;
};

void TestPipeline::init()
{
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("pipeline-%1.db").arg(QTest::currentTestFunction()));
    m_console = std::make_unique<ConsoleProcess>(m_db);
}

void TestPipeline::cleanup()
{
    m_console->kill();
    if (QTest::currentTestFailed())
        qWarning("console log:\n%s", m_console->log().constData());
}

void TestPipeline::agentToConsoleToSqlite()
{
    QVERIFY2(m_console->start({QStringLiteral("--flush-interval"), QStringLiteral("50")}),
        m_console->log().constData());
    const quint16 port = m_console->udpPort();

    QProcess agent;
    agent.setProcessChannelMode(QProcess::MergedChannels);
    agent.start(kAgent,
        {QStringLiteral("--root"), kFixture, QStringLiteral("--server"),
            QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--interval"),
            QStringLiteral("0.2"), QStringLiteral("--count"), QStringLiteral("8"),
            QStringLiteral("--log-file"), QStringLiteral("-")});
    QVERIFY(agent.waitForFinished(15000));
    QCOMPARE(agent.exitCode(), 0);
    QTest::qWait(300); // the last datagram's transaction
    QCOMPARE(m_console->terminate(), 0);

    TestSql::Connection sql(m_db);
    // Identity and values come from the fixture tree (tests/data/proc-rpi).
    QCOMPARE(sql.value(QStringLiteral("SELECT device_id FROM devices")).toString(),
        QStringLiteral("5c0a9f2e1b7d4e3a8c6f0d2b4a1e9c7f"));
    QCOMPARE(sql.value(QStringLiteral("SELECT hostname FROM devices")).toString(),
        QStringLiteral("raspberrypi"));
    QVERIFY(QUuid::fromString(sql.value(QStringLiteral("SELECT uuid FROM devices")).toString())
                .version()
        == QUuid::Random);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), 8);
    QCOMPARE(sql.value(QStringLiteral(
                           "SELECT MIN(sequence) || '-' || MAX(sequence) FROM system_metrics"))
                 .toString(),
        QStringLiteral("1-8"));
    QCOMPARE(sql.value(QStringLiteral("SELECT reports_lost FROM devices")).toInt(), 0);
    QCOMPARE(sql.value(QStringLiteral("SELECT interval_seconds FROM devices")).toInt(), 1);
    QCOMPARE(sql.value(QStringLiteral("SELECT DISTINCT memory_total_kb FROM system_metrics"))
                 .toLongLong(),
        3884244LL);
    QCOMPARE(sql.value(QStringLiteral("SELECT DISTINCT memory_used_kb FROM system_metrics"))
                 .toLongLong(),
        3884244LL - 3321456LL);
    QCOMPARE(
        sql.value(QStringLiteral("SELECT DISTINCT memory_percent FROM system_metrics")).toDouble(),
        14.49);
    QCOMPARE(
        sql.value(
               QStringLiteral(
                   "SELECT DISTINCT load_1 || ' ' || load_5 || ' ' || load_15 FROM system_metrics"))
            .toString(),
        QStringLiteral("0.52 0.58 0.59"));
    QCOMPARE(sql.value(QStringLiteral("SELECT DISTINCT uptime_seconds FROM system_metrics"))
                 .toLongLong(),
        123456LL);
    QCOMPARE(
        sql.value(QStringLiteral("SELECT COUNT(DISTINCT interface) FROM network_metrics")).toInt(),
        2); // lo skipped
    QCOMPARE(sql.value(QStringLiteral("SELECT DISTINCT rx_bytes || ' ' || tx_bytes || ' ' || "
                                      "rx_packets || ' ' || tx_packets"
                                      " FROM network_metrics WHERE interface = 'eth0'"))
                 .toString(),
        QStringLiteral("987654321 123456789 765432 345678"));
    QCOMPARE(
        sql.value(QStringLiteral(
                      "SELECT DISTINCT mac_address FROM network_metrics WHERE interface = 'wlan0'"))
            .toString(),
        QStringLiteral("dc:a6:32:12:34:57"));
    // Sample times are the agent's clock, 200 ms apart, within the test's run.
    const qint64 span
        = sql.value(QStringLiteral("SELECT MAX(ts) - MIN(ts) FROM system_metrics")).toLongLong();
    QVERIFY2(span >= 1300 && span < 5000, qPrintable(QString::number(span)));
}

void TestPipeline::sigtermWritesEveryAcceptedReport()
{
    // Nothing is committed on the timer within the test: only SIGTERM's flush writes.
    QVERIFY2(m_console->start({QStringLiteral("--flush-interval"), QStringLiteral("10000")}),
        m_console->log().constData());
    const quint16 port = m_console->udpPort();

    QProcess loadgen;
    loadgen.start(kLoadgen,
        {QStringLiteral("--devices"), QStringLiteral("100"), QStringLiteral("--rate"),
            QStringLiteral("20000"), QStringLiteral("--duration"), QStringLiteral("1"),
            QStringLiteral("--target"), QStringLiteral("127.0.0.1:%1").arg(port)});
    QVERIFY(loadgen.waitForFinished(15000));
    QCOMPARE(loadgen.exitCode(), 0);
    const QString out = QString::fromUtf8(loadgen.readAllStandardOutput());
    const auto match = QRegularExpression(QStringLiteral("sent=(\\d+)")).match(out);
    QVERIFY2(match.hasMatch(), qPrintable(out));
    const int sent = match.captured(1).toInt();
    // A busy machine sends fewer than the 20,000 asked for; what matters is a
    // backlog of many transactions' worth waiting for the flush.
    QVERIFY2(sent >= 2000, qPrintable(out));

    QCOMPARE(m_console->terminate(), 0);
    // The claim under test is "every accepted report is on disk after
    // SIGTERM". UDP may drop datagrams on a busy CI machine before the
    // console sees them; those are not accepted and are not counted here.
    const auto stopped
        = QRegularExpression(QStringLiteral("stopped: received=(\\d+) accepted=(\\d+)"
                                            ".* persisted=(\\d+) dropped=0"))
              .match(QString::fromUtf8(m_console->log()));
    QVERIFY2(stopped.hasMatch(), m_console->log().right(2000).constData());
    const int accepted = stopped.captured(2).toInt();
    QCOMPARE(stopped.captured(3).toInt(), accepted);
    QVERIFY2(
        accepted >= sent * 9 / 10, qPrintable(QStringLiteral("%1 of %2").arg(accepted).arg(sent)));
    TestSql::Connection sql(m_db);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), accepted);
    QCOMPARE(
        sql.value(QStringLiteral("SELECT COUNT(*) FROM network_metrics")).toInt(), 2 * accepted);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 100);
    QCOMPARE(sql.value(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
}

QTEST_GUILESS_MAIN(TestPipeline)
#include "tst_pipeline.moc"
