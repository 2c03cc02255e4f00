// SPDX-License-Identifier: MIT
// kill -9 at random moments of a busy ingest, again and again on one
// database: after each, the database opens and passes PRAGMA integrity_check,
// every row committed before the kill is still there, and a restarted
// console stores a new datagram within 2 seconds of its start.
// DMR_KILL_RUNS sets the number of kills (default 20; the benchmark uses 100).
#include "ConsoleProcess.h"
#include "TestReports.h"
#include "TestSql.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

namespace {

const QString kLoadgen = QStringLiteral(DMR_BINARY_DIR "/tests/bench/loadgen/metrics-loadgen");

} // namespace

class TestCrashSafety : public QObject
{
    Q_OBJECT
private slots:
    void killNineAtRandomMoments();

private:
    qint64 storedRows();

    QTemporaryDir m_dir;
    QString m_db;
};

qint64 TestCrashSafety::storedRows()
{
    TestSql::Connection sql(m_db);
    return sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toLongLong();
}

void TestCrashSafety::killNineAtRandomMoments()
{
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("crash.db"));
    const int runs = qEnvironmentVariableIsSet("DMR_KILL_RUNS")
        ? qEnvironmentVariableIntValue("DMR_KILL_RUNS")
        : 20;
    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo("%d kills, seed %u", runs, seed);
    QRandomGenerator random(seed);
    qint64 slowestStartMs = 0;

    for (int run = 0; run < runs; ++run) {
        ConsoleProcess console(m_db);
        QElapsedTimer sinceStart;
        sinceStart.start();
        QVERIFY2(console.start({QStringLiteral("--flush-interval"), QStringLiteral("50")}),
            console.log().constData());
        const quint16 port = console.udpPort();

        // A restarted console ingests again within 2 s of its start.
        const qint64 before = storedRows();
        QUdpSocket probe;
        const dmr::Report report
            = TestReports::makeReport(TestReports::deviceId(9), 1000u + quint32(run), 1);
        probe.writeDatagram(TestReports::encoded(report), QHostAddress::LocalHost, port);
        QTRY_VERIFY2_WITH_TIMEOUT(storedRows() > before, console.log().constData(), 5000);
        const qint64 startMs = sinceStart.elapsed();
        slowestStartMs = std::max(slowestStartMs, startMs);
        QVERIFY2(startMs < 2000,
            qPrintable(
                QStringLiteral("run %1: ingesting %2 ms after start").arg(run).arg(startMs)));

        QProcess loadgen;
        loadgen.start(kLoadgen,
            {QStringLiteral("--devices"), QStringLiteral("200"), QStringLiteral("--rate"),
                QStringLiteral("5000"), QStringLiteral("--duration"), QStringLiteral("10"),
                QStringLiteral("--target"), QStringLiteral("127.0.0.1:%1").arg(port)});
        QVERIFY(loadgen.waitForStarted());
        QTest::qWait(int(random.bounded(50, 900)));
        const qint64 committed = storedRows(); // what any reader could see: durable
        QVERIFY(console.isRunning());
        console.kill(); // SIGKILL: no flush, no cleanup
        loadgen.kill();
        loadgen.waitForFinished(5000);

        TestSql::Connection sql(m_db);
        QVERIFY2(sql.isOpen(), qPrintable(QStringLiteral("run %1").arg(run)));
        QCOMPARE(
            sql.value(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
        const qint64 after
            = sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toLongLong();
        QVERIFY2(after >= committed,
            qPrintable(QStringLiteral("run %1: %2 rows after the kill, %3 committed before")
                           .arg(run)
                           .arg(after)
                           .arg(committed)));
        // The rollups were committed with their rows.
        QCOMPARE(
            sql.value(QStringLiteral("SELECT SUM(samples) FROM system_metrics_1m")).toLongLong(),
            after);
    }
    qInfo("%d kills survived; slowest restart to a stored datagram %lld ms", runs, slowestStartMs);
}

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "tst_crashsafety.moc"
