// SPDX-License-Identifier: MIT
// The PostgreSQL server restarts under load: the console stores into a
// database of its own on the scratch server (tests/support/pg-scratch.sh)
// while metrics-loadgen sends for 12 s, and the server is stopped for 4 s
// in the middle. While it is away the console says so (/healthz 503, the
// reason naming the lost connection) and keeps the reports queued; once it
// is back the console reconnects by itself, is healthy again within
// seconds, and in the end every report it accepted is stored exactly once.
// PostgreSQL only (the _pg run); the server is started again whatever
// happens, since the other tests share it.
#include "support/ConsoleProcess.h"
#include "support/HttpJson.h"
#include "support/TestDatabase.h"
#include "support/TestSql.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTest>
#include <unistd.h>

namespace {

const QString kLoadgen = QStringLiteral(DMR_BINARY_DIR "/tests/bench/loadgen/metrics-loadgen");
const QString kPgBin = QStringLiteral("/usr/lib/postgresql/15/bin");

// Runs pg_ctl on the scratch server's data folder, as the postgres user
// when we are root (as pg-scratch.sh does); its output in *output.
bool pgCtl(const QString &dataDir, const QStringList &arguments, QString *output)
{
    QStringList command = {kPgBin + QStringLiteral("/pg_ctl"), QStringLiteral("-D"), dataDir};
    command += arguments;
    QString program = command.takeFirst();
    if (::geteuid() == 0) {
        command.prepend(program);
        command
            = QStringList {QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--")}
            + command;
        program = QStringLiteral("runuser");
    }
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, command);
    const bool ok = process.waitForFinished(90000) && process.exitStatus() == QProcess::NormalExit
        && process.exitCode() == 0;
    *output = QString::fromLocal8Bit(process.readAll()).trimmed();
    return ok;
}

// The options the server was started with (pg_ctl keeps its command line
// in postmaster.opts), without -D, as one -o argument for pg_ctl start.
QString startOptions(const QString &dataDir)
{
    QFile file(dataDir + QStringLiteral("/postmaster.opts"));
    if (!file.open(QIODevice::ReadOnly))
        return QString();
    QStringList words = QProcess::splitCommand(QString::fromLocal8Bit(file.readAll()).trimmed());
    if (!words.isEmpty())
        words.removeFirst(); // the postgres binary
    QStringList options;
    for (int i = 0; i < words.size(); ++i) {
        if (words.at(i) == QLatin1String("-D")) {
            ++i;
            continue;
        }
        options.append(QLatin1Char('\'') + words.at(i) + QLatin1Char('\''));
    }
    return options.join(QLatin1Char(' '));
}

bool isRunning(const QString &dataDir)
{
    QString output;
    return pgCtl(dataDir, {QStringLiteral("status")}, &output);
}

} // namespace

class TestDbRestart : public QObject
{
    Q_OBJECT
private slots:
    void serverRestartUnderLoadLosesNothing();

private:
    QNetworkAccessManager m_http;
};

void TestDbRestart::serverRestartUnderLoadLosesNothing()
{
    if (!TestDatabase::wantsPostgres())
        QSKIP("PostgreSQL only: see tst_dbrestart_pg");
    const QString pgDir = qEnvironmentVariable("DMR_TEST_PG_DIR");
    if (pgDir.isEmpty() || qEnvironmentVariable("DMR_TEST_PG_URL").isEmpty()) {
        const char *why = "no scratch PostgreSQL server: DMR_TEST_PG_URL and DMR_TEST_PG_DIR "
                          "are not set (tests/support/pg-scratch.sh prints them)";
        if (qgetenv("DMR_REQUIRE_PG") == "1")
            QFAIL(why);
        QSKIP(why);
    }
    const QString dataDir = pgDir + QStringLiteral("/data");
    const QString serverLog = pgDir + QStringLiteral("/server.log");
    QVERIFY2(QFile::exists(kPgBin + QStringLiteral("/pg_ctl")), "no PostgreSQL 15 binaries");
    QVERIFY2(isRunning(dataDir), "the scratch server is not running");
    const QString options = startOptions(dataDir);
    QVERIFY2(!options.isEmpty(), "cannot read the scratch server's postmaster.opts");

    TestDatabase::Scratch scratch(QString {});
    TEST_DATABASE_READY(scratch);
    // Declared after the scratch database: the server is up again before
    // the database is dropped, and for the tests that come after.
    auto startServer = [&] {
        QString output;
        const bool ok = pgCtl(dataDir,
            {QStringLiteral("start"), QStringLiteral("-w"), QStringLiteral("-t"),
                QStringLiteral("60"), QStringLiteral("-l"), serverLog, QStringLiteral("-o"),
                options},
            &output);
        if (!ok)
            qWarning("cannot start the scratch server again: %s", qPrintable(output));
        return ok;
    };
    const auto restartAlways = qScopeGuard([&] {
        if (!isRunning(dataDir))
            startServer();
    });

    ConsoleProcess console(scratch.location(), 60000);
    QVERIFY2(console.start({QStringLiteral("--flush-interval"), QStringLiteral("200")}),
        console.log().constData());
    const quint16 httpPort = console.httpPort();
    QVERIFY2(httpPort != 0, console.log().constData());

    // 1,000 devices at 2 reports a second each: no device sends twice in a
    // millisecond, so (device, ts) names one report.
    QProcess loadgen;
    loadgen.start(kLoadgen,
        {QStringLiteral("--devices"), QStringLiteral("1000"), QStringLiteral("--rate"),
            QStringLiteral("2000"), QStringLiteral("--duration"), QStringLiteral("12"),
            QStringLiteral("--target"), QStringLiteral("127.0.0.1:%1").arg(console.udpPort())});
    QVERIFY(loadgen.waitForStarted());
    QTest::qWait(3000);

    int status = 0;
    QJsonObject stats = getJson(m_http, httpPort, QStringLiteral("/api/stats/"), &status);
    QCOMPARE(status, 200);
    const double persistedBefore = stats[QStringLiteral("persisted")].toDouble();
    QVERIFY2(persistedBefore > 0, qPrintable(QJsonDocument(stats).toJson()));

    QString output;
    QElapsedTimer down;
    down.start();
    QVERIFY2(pgCtl(dataDir,
                 {QStringLiteral("stop"), QStringLiteral("-m"), QStringLiteral("fast"),
                     QStringLiteral("-w")},
                 &output),
        qPrintable(output));

    // Away: unhealthy, saying why, and the reports wait in the queue.
    QJsonObject health;
    QTRY_COMPARE_WITH_TIMEOUT(
        (health = getJson(m_http, httpPort, QStringLiteral("/healthz"), &status), status), 503,
        3500);
    const QString reason = health[QStringLiteral("store_error")].toString()
        + health[QStringLiteral("error")].toString();
    QVERIFY2(
        reason.contains(QLatin1String("connection")), qPrintable(QJsonDocument(health).toJson()));
    qInfo("while the server is away: %s",
        qPrintable(QJsonDocument(health).toJson(QJsonDocument::Compact)));
    QTRY_VERIFY_WITH_TIMEOUT(
        (stats = getJson(m_http, httpPort, QStringLiteral("/api/stats/"), &status),
            stats[QStringLiteral("queued")].toDouble() > 0),
        3000);
    QVERIFY(console.isRunning());
    const qint64 remaining = 4000 - down.elapsed();
    if (remaining > 0)
        QTest::qWait(int(remaining));
    health = getJson(m_http, httpPort, QStringLiteral("/healthz"), &status);
    QCOMPARE(status, 503);
    const double queuedWhileDown = getJson(
        m_http, httpPort, QStringLiteral("/api/stats/"), &status)[QStringLiteral("queued")]
                                       .toDouble();

    QVERIFY(startServer());
    const double downSeconds = double(down.elapsed()) / 1000.0;
    QElapsedTimer back;
    back.start();
    QTRY_COMPARE_WITH_TIMEOUT(
        (getJson(m_http, httpPort, QStringLiteral("/healthz"), &status), status), 200, 15000);
    const double recoverSeconds = double(back.elapsed()) / 1000.0;

    QVERIFY(loadgen.state() == QProcess::NotRunning || loadgen.waitForFinished(30000));
    const auto sent = QRegularExpression(QStringLiteral("sent=(\\d+)"))
                          .match(QString::fromUtf8(loadgen.readAllStandardOutput()));
    QVERIFY(sent.hasMatch());
    auto settled = [&] {
        stats = getJson(m_http, httpPort, QStringLiteral("/api/stats/"), &status);
        return status == 200 && stats[QStringLiteral("queued")].toDouble() == 0
            && stats[QStringLiteral("persisted")].toDouble()
                + stats[QStringLiteral("dropped")].toDouble()
            == stats[QStringLiteral("accepted")].toDouble();
    };
    QTRY_VERIFY_WITH_TIMEOUT(settled(), 30000);
    const qint64 accepted = qint64(stats[QStringLiteral("accepted")].toDouble());
    const qint64 persisted = qint64(stats[QStringLiteral("persisted")].toDouble());
    const qint64 dropped = qint64(stats[QStringLiteral("dropped")].toDouble());
    QCOMPARE(console.terminate(), 0);

    TestSql::Connection sql(scratch.location());
    QVERIFY2(sql.isOpen(), qPrintable(sql.error()));
    const qint64 rows
        = sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toLongLong();
    const qint64 duplicates
        = sql.value(QStringLiteral("SELECT COUNT(*) FROM (SELECT device, ts FROM system_metrics"
                                   " GROUP BY device, ts HAVING COUNT(*) > 1) d"))
              .toLongLong();
    const qint64 resent
        = sql.value(QStringLiteral("SELECT COUNT(*) FROM (SELECT device, run_id, sequence"
                                   " FROM system_metrics GROUP BY device, run_id, sequence"
                                   " HAVING COUNT(*) > 1) d"))
              .toLongLong();
    qInfo("sent %s, accepted %lld, persisted %lld, dropped %lld, rows %lld; server away %.1f s "
          "(%.0f reports queued), healthy %.1f s after it was back",
        qPrintable(sent.captured(1)), accepted, persisted, dropped, rows, downSeconds,
        queuedWhileDown, recoverSeconds);
    const QString log = QString::fromUtf8(console.log());
    static const QRegularExpression connectionLines(
        QStringLiteral("^.*console\\.(store|alerts).*(connection|writing to the database "
                       "again|reconnected).*$"),
        QRegularExpression::MultilineOption);
    for (auto it = connectionLines.globalMatch(log); it.hasNext();)
        qInfo("console: %s", qPrintable(it.next().captured(0).left(200)));
    QVERIFY2(
        log.contains(QLatin1String("database connection back after")), qPrintable(log.right(3000)));

    QVERIFY(accepted > 0);
    QCOMPARE(dropped, 0);
    QCOMPARE(persisted, accepted);
    QCOMPARE(rows, accepted);
    QCOMPARE(duplicates, 0);
    QCOMPARE(resent, 0);
    // Reconnecting is tried at most 5 s apart, and the first write after is
    // a small one.
    QVERIFY2(recoverSeconds < 8, qPrintable(QString::number(recoverSeconds)));
    QCOMPARE(sql.integrity(), QStringLiteral("ok"));
}

QTEST_GUILESS_MAIN(TestDbRestart)
#include "tst_dbrestart.moc"
