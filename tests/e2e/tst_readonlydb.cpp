// SPDX-License-Identifier: MIT
// The database's file system turns read-only under a running console, the
// way ext4 does on a disk error (errors=remount-ro): an ext4 image on a loop
// device, its error triggered through /sys/fs/ext4/DEV/trigger_fs_error.
// The console keeps running and says why (/healthz 503 naming the read-only
// file system), keeps what arrives in its queue and acknowledges none of it.
// Such a file system is writable again only once mounted anew, which needs
// the console's files closed; so, as an operator would: stop the console,
// check and mount the file system again, start the console. The agent,
// never acknowledged meanwhile, resends: every sequence of its run is
// stored exactly once, and the database passes PRAGMA integrity_check.
// Needs root, loop devices and mkfs.ext4 (CI has them); skipped otherwise.
#include "support/AgentProcess.h"
#include "support/ConsoleProcess.h"
#include "support/HttpJson.h"
#include "support/TestSql.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <unistd.h>

namespace {

const QString kDevice = QStringLiteral("read-only-test-device");

// Runs a program; its output, or a null array if it failed.
QByteArray run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(30000) || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0)
        return QByteArray();
    const QByteArray output = process.readAll();
    return output.isNull() ? QByteArray("") : output;
}

} // namespace

class TestReadOnlyDb : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void readOnlyFileSystemLosesNothing();

private:
    bool mount();
    // The console's /api/stats/ figure `name`.
    qint64 stat(quint16 port, const char *name);

    QTemporaryDir m_dir;
    QString m_image;
    QString m_mount;
    bool m_mounted = false;
    QNetworkAccessManager m_http;
};

bool TestReadOnlyDb::mount()
{
    m_mounted = !run(QStringLiteral("mount"),
        {QStringLiteral("-o"), QStringLiteral("loop,errors=remount-ro"), m_image, m_mount})
                     .isNull();
    return m_mounted;
}

void TestReadOnlyDb::initTestCase()
{
    QVERIFY(m_dir.isValid());
    if (::geteuid() != 0)
        QSKIP("mounting a loop device needs root");
    m_image = m_dir.filePath(QStringLiteral("ext4.img"));
    m_mount = m_dir.filePath(QStringLiteral("mnt"));
    QVERIFY(QDir().mkpath(m_mount));
    QFile image(m_image);
    QVERIFY(image.open(QIODevice::WriteOnly) && image.resize(64 << 20));
    image.close();
    // No journal: nothing for the error to abort, so that e2fsck and a new
    // mount bring it back.
    if (run(QStringLiteral("mkfs.ext4"),
            {QStringLiteral("-q"), QStringLiteral("-F"), QStringLiteral("-O"),
                QStringLiteral("^has_journal"), m_image})
            .isNull())
        QSKIP("mkfs.ext4 is not there or failed");
    if (!mount())
        QSKIP("this machine does not let us mount a loop device");
}

void TestReadOnlyDb::cleanupTestCase()
{
    if (m_mounted)
        run(QStringLiteral("umount"), {QStringLiteral("-l"), m_mount});
}

qint64 TestReadOnlyDb::stat(quint16 port, const char *name)
{
    int status = 0;
    return qint64(
        getJson(m_http, port, QStringLiteral("/api/stats/"), &status)[QLatin1String(name)].toDouble(
            -1));
}

void TestReadOnlyDb::readOnlyFileSystemLosesNothing()
{
    const QString db = m_mount + QStringLiteral("/metrics.db");
    const QStringList consoleOptions {QStringLiteral("--flush-interval"), QStringLiteral("200")};
    ConsoleProcess console(db);
    QVERIFY2(console.start(consoleOptions), console.log().constData());
    const quint16 udpPort = console.udpPort();
    const quint16 httpPort = console.httpPort();
    QVERIFY2(httpPort != 0, console.log().constData());

    AgentProcess agent;
    QVERIFY(agent.start(udpPort, kDevice, {QStringLiteral("--interval"), QStringLiteral("1")}));
    QTRY_VERIFY_WITH_TIMEOUT(stat(httpPort, "persisted") >= 3, 15000);

    // The disk error: ext4 turns the file system read-only at once,
    // whatever files are open on it.
    const QString device = QFileInfo(
        QString::fromUtf8(run(QStringLiteral("findmnt"),
                              {QStringLiteral("-no"), QStringLiteral("SOURCE"), m_mount}))
            .trimmed())
                               .fileName();
    QFile trigger(QStringLiteral("/sys/fs/ext4/%1/trigger_fs_error").arg(device));
    if (!trigger.open(QIODevice::WriteOnly))
        QSKIP("this kernel has no ext4 trigger_fs_error to turn a file system read-only");
    trigger.write("tst_readonlydb");
    trigger.close();
    const qint64 persistedBefore = stat(httpPort, "persisted");

    int status = 0;
    QJsonObject health;
    QTRY_COMPARE_WITH_TIMEOUT(
        (health = getJson(m_http, httpPort, QStringLiteral("/healthz"), &status), status), 503,
        10000);
    const QString why = health[QStringLiteral("store_error")].toString();
    qInfo("while read-only: %s", qPrintable(why));
    QVERIFY2(why.contains(QLatin1String("read-only")), qPrintable(why));
    // Reports still arrive, wait in the queue, and none is written.
    const qint64 acceptedAtError = stat(httpPort, "accepted");
    QTRY_VERIFY_WITH_TIMEOUT(stat(httpPort, "accepted") >= acceptedAtError + 3, 10000);
    QVERIFY(stat(httpPort, "queued") >= 3);
    QVERIFY(stat(httpPort, "write_errors") > 0);
    QVERIFY(stat(httpPort, "persisted") <= persistedBefore + 1); // a batch in flight at most
    QVERIFY(console.isRunning());
    QVERIFY2(console.log().contains("read-only"), console.log().constData());

    // What an operator does: stop the console (its queue cannot be written
    // and is lost with it; the agent still has those reports), check the
    // file system, mount it again, start the console on the same port.
    QVERIFY(console.terminate() >= 0);
    QVERIFY(!run(QStringLiteral("umount"), {m_mount}).isNull());
    m_mounted = false;
    QProcess fsck;
    fsck.start(QStringLiteral("e2fsck"), {QStringLiteral("-f"), QStringLiteral("-y"), m_image});
    QVERIFY(fsck.waitForFinished(30000));
    QVERIFY2(fsck.exitCode() <= 1, fsck.readAll().constData()); // 1: errors corrected
    QVERIFY(mount());
    QTest::qWait(2000); // the agent meanwhile sends to a closed port
    ConsoleProcess again(db);
    QVERIFY2(again.start(consoleOptions
                 + QStringList {QStringLiteral("--udp-port"), QString::number(udpPort)}),
        again.log().constData());

    // Every sequence from the first on, the read-only time's and the
    // downtime's included, once the agent's resends (10 s after sending)
    // are in.
    auto query = [&db](const QString &text) { return TestSql::Connection(db).rows(text); };
    const QString stored
        = QStringLiteral("SELECT count(*), count(DISTINCT sequence), min(sequence),"
                         " max(sequence) FROM system_metrics");
    QList<QVariantList> rows;
    QElapsedTimer waited;
    waited.start();
    do {
        QTest::qWait(500);
        rows = query(stored);
    } while (waited.elapsed() < 40000
        && !(rows.size() == 1 && rows[0][0] == rows[0][3]
            && rows[0][3].toLongLong() >= persistedBefore + 12));
    QCOMPARE(agent.terminate(), 0);
    QCOMPARE(again.terminate(), 0);
    rows = query(stored);
    QCOMPARE(rows.size(), 1);
    qInfo("stored %lld rows, sequences %lld to %lld; %lld were stored before the error",
        rows[0][0].toLongLong(), rows[0][2].toLongLong(), rows[0][3].toLongLong(), persistedBefore);
    QCOMPARE(rows[0][1], rows[0][0]); // never twice
    QCOMPARE(rows[0][2].toLongLong(), 1);
    QCOMPARE(rows[0][0], rows[0][3]); // nothing lost
    QVERIFY(rows[0][3].toLongLong() >= persistedBefore + 12);
    QCOMPARE(TestSql::Connection(db).value(QStringLiteral("PRAGMA integrity_check")).toString(),
        QStringLiteral("ok"));
}

QTEST_GUILESS_MAIN(TestReadOnlyDb)
#include "tst_readonlydb.moc"
