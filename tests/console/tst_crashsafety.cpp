// SPDX-License-Identifier: MIT
// kill -9 at random moments of a busy ingest, again and again on one
// database: after each, the database opens and passes PRAGMA integrity_check,
// every row committed before the kill is still there, and a restarted
// console stores a new datagram within 2 seconds of its start.
// DMR_KILL_RUNS sets the number of kills (default 20; the benchmark uses 100).
#include "TestReports.h"
#include "TestSql.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

namespace {

const QString kConsole = QStringLiteral(DMR_BINARY_DIR "/console/metrics-console");
const QString kLoadgen = QStringLiteral(DMR_BINARY_DIR "/tests/bench/loadgen/metrics-loadgen");

} // namespace

class TestCrashSafety : public QObject
{
    Q_OBJECT
private slots:
    void killNineAtRandomMoments();

private:
    // Starts the console and returns its UDP port (0 on failure).
    quint16 startConsole(QProcess *console, QByteArray *log);
    qint64 storedRows();

    QTemporaryDir m_dir;
    QString m_db;
};

quint16 TestCrashSafety::startConsole(QProcess *console, QByteArray *log)
{
    console->setProcessChannelMode(QProcess::MergedChannels);
    console->start(kConsole,
        {QStringLiteral("--headless"), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
            QStringLiteral("--udp-port"), QStringLiteral("0"), QStringLiteral("--http-port"),
            QStringLiteral("0"), QStringLiteral("--flush-interval"), QStringLiteral("50"),
            QStringLiteral("--db"), m_db, QStringLiteral("--log-file"), QStringLiteral("-"),
            QStringLiteral("--env-file"), QStringLiteral("/dev/null")});
    if (!console->waitForStarted())
        return 0;
    static const QRegularExpression portLine(QStringLiteral("UDP port (\\d+)"));
    for (int i = 0; i < 200; ++i) {
        console->waitForReadyRead(25);
        *log += console->readAll();
        const auto match = portLine.match(QString::fromUtf8(*log));
        if (match.hasMatch())
            return quint16(match.captured(1).toUInt());
        if (console->state() == QProcess::NotRunning)
            return 0;
    }
    return 0;
}

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
        QProcess console;
        QByteArray log;
        QElapsedTimer sinceStart;
        sinceStart.start();
        const quint16 port = startConsole(&console, &log);
        QVERIFY2(port != 0, log.constData());

        // A restarted console ingests again within 2 s of its start.
        const qint64 before = storedRows();
        QUdpSocket probe;
        const dmr::Report report
            = TestReports::makeReport(TestReports::deviceId(9), 1000u + quint32(run), 1);
        probe.writeDatagram(TestReports::encoded(report), QHostAddress::LocalHost, port);
        QTRY_VERIFY2_WITH_TIMEOUT(storedRows() > before, log.constData(), 5000);
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
        QVERIFY(console.state() == QProcess::Running);
        console.kill(); // SIGKILL: no flush, no cleanup
        QVERIFY(console.waitForFinished(5000));
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
