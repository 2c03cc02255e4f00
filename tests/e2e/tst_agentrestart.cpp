// SPDX-License-Identifier: MIT
// An agent restart during an outage, end to end with the real programs: an
// encrypting metrics-agent at a 1-second interval reports to a
// metrics-console; the console stops; while it is down the agent is stopped
// with SIGTERM and started again; then the console comes back. With
// --spill-file the second agent continues the first one's run and resends
// its unacknowledged reports, so every sequence of the run is stored exactly
// once. Without it (the second row) the first run's reports from the outage
// are gone with the process that held them: the test shows that gap, so the
// first row passes because of the spill file and not by chance.
#include "support/AgentProcess.h"
#include "support/ConsoleProcess.h"
#include "support/TestSql.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kDevice = QStringLiteral("restart-test-device");
// Seconds the console is down before and after the agent restarts.
constexpr int kDownBeforeRestart = 4;
constexpr int kDownAfterRestart = 4;

// What an agent's stop line says it built.
int reportsBuilt(const QByteArray &log)
{
    static const QRegularExpression line(QStringLiteral("stopping \\(SIGTERM\\): (\\d+) reports"));
    const QRegularExpressionMatch match = line.match(QString::fromUtf8(log));
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

QString runOf(const QByteArray &log)
{
    static const QRegularExpression line(QStringLiteral(", run ([0-9a-f]{8}),"));
    const QRegularExpressionMatch match = line.match(QString::fromUtf8(log));
    return match.hasMatch() ? match.captured(1) : QString();
}

} // namespace

class TestAgentRestart : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void restartDuringOutage_data();
    void restartDuringOutage();

private:
    QTemporaryDir m_dir;
    QString m_keys;
    QString m_agentKey;
};

void TestAgentRestart::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_keys = m_dir.filePath(QStringLiteral("keys"));
    m_agentKey = m_dir.filePath(QStringLiteral("agent.key"));
    const QByteArray error
        = AgentProcess::addKey(m_keys, kDevice, QStringLiteral("encrypt"), m_agentKey);
    QVERIFY2(error.isEmpty(), error.constData());
}

void TestAgentRestart::restartDuringOutage_data()
{
    QTest::addColumn<bool>("spill");
    QTest::newRow("spill file: one run, nothing lost") << true;
    QTest::newRow("no spill file: a new run, a gap") << false;
}

void TestAgentRestart::restartDuringOutage()
{
    QFETCH(bool, spill);
    const QString db = m_dir.filePath(QStringLiteral("restart-%1.db").arg(spill));
    const QStringList consoleOptions
        = {QStringLiteral("--key-file"), m_keys, QStringLiteral("--security"),
            QStringLiteral("encrypt"), QStringLiteral("--flush-interval"), QStringLiteral("200")};
    QStringList agentOptions
        = {QStringLiteral("--interval"), QStringLiteral("1"), QStringLiteral("--key-file"),
            m_agentKey, QStringLiteral("--security"), QStringLiteral("encrypt")};
    const QString spillFile = m_dir.filePath(QStringLiteral("agent-%1.spill").arg(spill));
    if (spill)
        agentOptions += {QStringLiteral("--spill-file"), spillFile};
    // A connection per look, as tst_outage does: the database comes and goes
    // with the console.
    auto query = [&db](const QString &text) { return TestSql::Connection(db).rows(text); };
    auto rowCount = [&query]() {
        return query(QStringLiteral("SELECT count(*) FROM system_metrics"))
            .value(0)
            .value(0)
            .toInt();
    };

    ConsoleProcess console(db);
    QVERIFY2(console.start(consoleOptions), console.log().constData());
    const quint16 port = console.udpPort();
    AgentProcess first;
    QVERIFY(first.start(port, kDevice, agentOptions));
    QTRY_VERIFY_WITH_TIMEOUT(rowCount() >= 3, 15000);

    QCOMPARE(console.terminate(), 0);
    const int storedBefore = rowCount();
    QTest::qWait(kDownBeforeRestart * 1000);
    QCOMPARE(first.terminate(), 0);
    const int builtByFirst = reportsBuilt(first.log());
    QVERIFY2(builtByFirst >= storedBefore + kDownBeforeRestart - 1, first.log().constData());
    QCOMPARE(QFile::exists(spillFile), spill);

    AgentProcess second;
    QVERIFY(second.start(port, kDevice, agentOptions));
    QTest::qWait(kDownAfterRestart * 1000);
    ConsoleProcess again(db);
    QVERIFY2(again.start(consoleOptions
                 + QStringList {QStringLiteral("--udp-port"), QString::number(port)}),
        again.log().constData());

    // With the spill file: until every sequence so far is stored, the
    // second agent's own outage reports included (resent 10 s after they
    // went out). Without: until the second run's reports arrive.
    QElapsedTimer waited;
    waited.start();
    const QString runs = QStringLiteral(
        "SELECT run_id, count(*), count(DISTINCT sequence), min(sequence), max(sequence) "
        "FROM system_metrics GROUP BY run_id ORDER BY min(ts)");
    QList<QVariantList> perRun;
    do {
        QTest::qWait(500);
        perRun = query(runs);
    } while (waited.elapsed() < 30000
        && !(spill ? perRun.size() == 1 && perRun[0][1] == perRun[0][4]
                    && perRun[0][4].toInt() >= builtByFirst + kDownAfterRestart + 2
                   : perRun.size() == 2 && perRun[1][1].toInt() >= 2));
    QCOMPARE(second.terminate(), 0);
    const int builtBySecond = reportsBuilt(second.log());
    QTest::qWait(500);
    QCOMPARE(again.terminate(), 0);

    perRun = query(runs);
    for (const QVariantList &run : perRun)
        qInfo("run %08llx: %d rows, %d distinct, sequences %d to %d", run[0].toULongLong(),
            run[1].toInt(), run[2].toInt(), run[3].toInt(), run[4].toInt());
    qInfo("first agent built %d reports (%d stored before the outage), the second %d", builtByFirst,
        storedBefore, builtBySecond);
    const QByteArray logs = "first agent:\n" + first.log() + "\nsecond agent:\n" + second.log();

    if (spill) {
        // One run across the restart, every sequence of it once, the
        // second agent's numbers going on where the first one's stopped.
        QVERIFY2(second.log().contains("continuing the run of spill file"), logs.constData());
        QCOMPARE(runOf(second.log()), runOf(first.log()));
        QCOMPARE(perRun.size(), 1);
        QCOMPARE(QString::number(perRun[0][0].toULongLong(), 16).rightJustified(8, '0'),
            runOf(first.log()));
        QCOMPARE(perRun[0][2], perRun[0][1]); // never twice
        QCOMPARE(perRun[0][3].toInt(), 1);
        QCOMPARE(perRun[0][4].toInt(), builtByFirst + builtBySecond);
        QVERIFY2(perRun[0][1] == perRun[0][4], logs.constData()); // nothing lost
        // A clean stop leaves the file for the next start.
        QVERIFY(QFile::exists(spillFile));
        QVERIFY(!QFile::exists(spillFile + ".bad"));
    } else {
        // Two runs; the first one's reports from the outage never arrive.
        QCOMPARE(perRun.size(), 2);
        QVERIFY(runOf(second.log()) != runOf(first.log()));
        QCOMPARE(perRun[0][1].toInt(), storedBefore);
        QVERIFY(perRun[0][1].toInt() <= builtByFirst - (kDownBeforeRestart - 1));
        // The second run numbers from 1 again (its own outage reports come
        // later, resent; the test does not wait for them).
        QVERIFY(perRun[1][4].toInt() <= builtBySecond);
    }
}

QTEST_GUILESS_MAIN(TestAgentRestart)
#include "tst_agentrestart.moc"
