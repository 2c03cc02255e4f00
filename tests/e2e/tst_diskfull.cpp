// SPDX-License-Identifier: MIT
// A full disk: the console's database on a 1 MiB tmpfs fills up under
// ingest. The console keeps running and says so (/healthz 503 with the
// reason), keeps accepted reports in its queue, and once the file system
// grows it writes them all, and the database passes PRAGMA integrity_check.
// Needs root to mount the tmpfs (CI runs as root); skipped otherwise.
#include "support/ConsoleProcess.h"
#include "support/HttpJson.h"
#include "support/TestSql.h"

#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <unistd.h>

namespace {

const QString kLoadgen = QStringLiteral(DMR_BINARY_DIR "/tests/bench/loadgen/metrics-loadgen");

bool run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    return process.waitForFinished(10000) && process.exitStatus() == QProcess::NormalExit
        && process.exitCode() == 0;
}

} // namespace

class TestDiskFull : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void fullDiskKeepsReportsAndRecovers();

private:
    QTemporaryDir m_dir;
    QString m_mount;
    bool m_mounted = false;
    quint16 m_httpPort = 0;
    QNetworkAccessManager m_http;
};

void TestDiskFull::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_mount = m_dir.filePath(QStringLiteral("small"));
    QVERIFY(QDir().mkpath(m_mount));
    if (::geteuid() != 0)
        QSKIP("mounting a tmpfs needs root");
    m_mounted = run(QStringLiteral("mount"),
        {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
            QStringLiteral("size=1m"), QStringLiteral("tmpfs"), m_mount});
    if (!m_mounted)
        QSKIP("this machine does not let us mount a tmpfs");
}

void TestDiskFull::cleanupTestCase()
{
    if (m_mounted)
        run(QStringLiteral("umount"), {QStringLiteral("-l"), m_mount});
}

void TestDiskFull::fullDiskKeepsReportsAndRecovers()
{
    const QString db = m_mount + QStringLiteral("/metrics.db");
    ConsoleProcess console(db);
    QVERIFY2(console.start({QStringLiteral("--flush-interval"), QStringLiteral("50")}),
        console.log().constData());
    const quint16 udpPort = console.udpPort();
    m_httpPort = console.httpPort();
    QVERIFY2(m_httpPort != 0, console.log().constData());

    // About 60,000 rows: several times what fits in 1 MiB.
    QProcess loadgen;
    loadgen.start(kLoadgen,
        {QStringLiteral("--devices"), QStringLiteral("50"), QStringLiteral("--rate"),
            QStringLiteral("5000"), QStringLiteral("--duration"), QStringLiteral("4"),
            QStringLiteral("--target"), QStringLiteral("127.0.0.1:%1").arg(udpPort)});
    QVERIFY(loadgen.waitForFinished(20000));
    const auto sent = QRegularExpression(QStringLiteral("sent=(\\d+)"))
                          .match(QString::fromUtf8(loadgen.readAllStandardOutput()));
    QVERIFY(sent.hasMatch());

    int status = 0;
    QJsonObject health;
    QTRY_COMPARE_WITH_TIMEOUT(
        (health = getJson(m_http, m_httpPort, QStringLiteral("/healthz"), &status), status), 503,
        10000);
    QVERIFY2(health[QStringLiteral("store_error")].toString().contains(QLatin1String("full")),
        qPrintable(QJsonDocument(health).toJson()));
    qInfo("while full: %s", qPrintable(health[QStringLiteral("store_error")].toString()));
    QVERIFY(console.isRunning());
    QJsonObject stats = getJson(m_http, m_httpPort, QStringLiteral("/api/stats/"), &status);
    QCOMPARE(status, 200);
    QVERIFY2(
        stats[QStringLiteral("queued")].toDouble() > 0, qPrintable(QJsonDocument(stats).toJson()));

    // Room again: everything waiting is written, and the console is healthy.
    QVERIFY(run(QStringLiteral("mount"),
        {QStringLiteral("-o"), QStringLiteral("remount,size=64m"), m_mount}));
    QTRY_COMPARE_WITH_TIMEOUT(
        (getJson(m_http, m_httpPort, QStringLiteral("/healthz"), &status), status), 200, 15000);
    // Everything accepted is written (or counted as dropped): the queue and
    // the batch in the writer's hands are empty.
    auto settled = [&] {
        stats = getJson(m_http, m_httpPort, QStringLiteral("/api/stats/"), &status);
        return stats[QStringLiteral("persisted")].toDouble()
            + stats[QStringLiteral("dropped")].toDouble()
            == stats[QStringLiteral("accepted")].toDouble();
    };
    QTRY_VERIFY_WITH_TIMEOUT(settled(), 15000);
    const qint64 accepted = qint64(stats[QStringLiteral("accepted")].toDouble());
    const qint64 persisted = qint64(stats[QStringLiteral("persisted")].toDouble());
    const qint64 dropped = qint64(stats[QStringLiteral("dropped")].toDouble());
    QCOMPARE(persisted + dropped, accepted);
    QCOMPARE(dropped, 0); // the queue (200,000) held everything meanwhile

    QCOMPARE(console.terminate(), 0);
    TestSql::Connection sql(db);
    QCOMPARE(sql.value(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
    QCOMPARE(
        sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toLongLong(), persisted);
}

QTEST_GUILESS_MAIN(TestDiskFull)
#include "tst_diskfull.moc"
