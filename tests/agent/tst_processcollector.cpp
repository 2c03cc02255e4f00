// SPDX-License-Identifier: MIT
#include "ProcessCollector.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using dmr::agent::ProcessCollector;

namespace {

QString tree(const char *name)
{
    return QStringLiteral(DMR_TEST_DATA "/") + QLatin1String(name);
}

// /proc/<pid>/stat as the kernel writes it, 52 fields.
QByteArray statLine(
    int pid, const QByteArray &comm, quint64 utime, quint64 stime, quint64 start, quint64 rssPages)
{
    return QByteArray::number(pid) + " (" + comm + ") S 1 " + QByteArray::number(pid) + ' '
        + QByteArray::number(pid) + " 0 -1 4194560 120 0 0 0 " + QByteArray::number(utime) + ' '
        + QByteArray::number(stime) + " 0 0 20 0 1 0 " + QByteArray::number(start) + " 123456789 "
        + QByteArray::number(rssPages)
        + " 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
}

bool writeProcess(const QTemporaryDir &dir, int pid, const QByteArray &stat)
{
    const QString path = dir.filePath(QStringLiteral("proc/%1/stat").arg(pid));
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(stat) == stat.size();
}

QStringList names(const std::vector<dmr::ProcessSample> &processes)
{
    QStringList out;
    for (const dmr::ProcessSample &p : processes)
        out << QString::fromStdString(p.name);
    return out;
}

} // namespace

class TestProcessCollector : public QObject
{
    Q_OBJECT

private slots:
    void parseStat_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("name");
        QTest::addColumn<qulonglong>("ticks");
        QTest::addColumn<qulonglong>("rss");
        QTest::newRow("plain") << statLine(7, "sshd", 10, 5, 300, 42) << true << "sshd" << 15ull
                               << 42ull;
        QTest::newRow("blank and parens in the name") << statLine(8, "Web (Content) x", 1, 2, 3, 4)
                                                      << true << "Web (Content) x" << 3ull << 4ull;
        // A workqueue worker's name is longer than comm's 15 bytes.
        QTest::newRow("long name cut") << statLine(9, "kworker/0:2-events", 0, 0, 1, 0) << true
                                       << "kworker/0:2-eve" << 0ull << 0ull;
        QTest::newRow("control bytes")
            << statLine(10, "a\x01z", 0, 0, 1, 0) << true << "a?z" << 0ull << 0ull;
        QTest::newRow("no closing paren")
            << QByteArray("77 (no closing paren S 1 2 3\n") << false << "" << 0ull << 0ull;
        QTest::newRow("not a number")
            << statLine(11, "x", 0, 0, 1, 0).replace(" 120 0 0 0 0 0", " 120 0 0 0 zz 0") << false
            << "" << 0ull << 0ull;
        QTest::newRow("cut before rss")
            << statLine(12, "x", 1, 1, 1, 1).left(60) << false << "" << 0ull << 0ull;
        QTest::newRow("empty") << QByteArray() << false << "" << 0ull << 0ull;
    }
    void parseStat()
    {
        QFETCH(QByteArray, line);
        QFETCH(bool, ok);
        QFETCH(QString, name);
        QFETCH(qulonglong, ticks);
        QFETCH(qulonglong, rss);
        const auto stat = ProcessCollector::parseStat(std::string_view(line.data(), line.size()));
        QCOMPARE(bool(stat), ok);
        if (!stat)
            return;
        QCOMPARE(QString::fromStdString(stat->name), name);
        QCOMPARE(qulonglong(stat->cpuTicks), ticks);
        QCOMPARE(qulonglong(stat->rssPages), rss);
    }

    // The first sample has no CPU to rank by: the five largest by memory.
    void firstSampleRanksByMemory()
    {
        ProcessCollector collector(tree("proc-rpi").toStdString(), 100, 4096);
        const auto top = collector.collect(1000);
        QCOMPARE(names(top),
            (QStringList {"node-red", "Web Content", "python3", "systemd-journal", "systemd"}));
        QCOMPARE(top[0].rssKb, std::uint64_t(24110 * 4));
        QCOMPARE(top[0].cpuPercent, 0.0);
        QCOMPARE(collector.seen(), std::size_t(10));
        QCOMPARE(collector.skipped(), std::size_t(0));
    }

    // 10 s at 100 ticks a second: 1,500 ticks are 150 % (one and a half
    // cores); the CPU top five come first, then the memory top five that
    // are not among them. A process that used nothing is not on the CPU list.
    void secondSampleRanksByCpu()
    {
        QTemporaryDir dir;
        QVERIFY(writeProcess(dir, 100, statLine(100, "busy", 1000, 0, 50, 10)));
        QVERIFY(writeProcess(dir, 200, statLine(200, "big", 0, 0, 60, 100000)));
        QVERIFY(writeProcess(dir, 300, statLine(300, "bit", 10, 0, 70, 20)));
        QVERIFY(writeProcess(dir, 400, statLine(400, "idle", 5, 5, 80, 30)));
        ProcessCollector collector(dir.path().toStdString(), 100, 4096);
        collector.collect(0);
        QVERIFY(writeProcess(dir, 100, statLine(100, "busy", 2000, 500, 50, 10)));
        QVERIFY(writeProcess(dir, 300, statLine(300, "bit", 11, 0, 70, 20)));
        const auto top = collector.collect(10000);
        QCOMPARE(names(top), (QStringList {"busy", "bit", "big", "idle"}));
        QCOMPARE(top[0].cpuPercent, 150.0);
        QCOMPARE(top[1].cpuPercent, 0.1);
        QCOMPARE(top[2].cpuPercent, 0.0);
    }

    // A pid reused by a new process (another start time) is not compared
    // with the old one's ticks; one whose ticks went back neither.
    void reusedPidStartsOver()
    {
        QTemporaryDir dir;
        QVERIFY(writeProcess(dir, 500, statLine(500, "old", 100, 0, 10, 1)));
        ProcessCollector collector(dir.path().toStdString(), 100, 4096);
        collector.collect(0);
        QVERIFY(writeProcess(dir, 500, statLine(500, "new", 900, 0, 20, 1)));
        const auto top = collector.collect(1000);
        QCOMPARE(names(top), QStringList {"new"});
        QCOMPARE(top[0].cpuPercent, 0.0);
    }

    // Malformed, empty and vanished stat files are skipped and counted.
    void garbage()
    {
        ProcessCollector collector(tree("proc-garbage").toStdString(), 100, 4096);
        QVERIFY(collector.collect(1000).empty());
        QCOMPARE(collector.seen(), std::size_t(4));
        QCOMPARE(collector.skipped(), std::size_t(4));
    }

    void noProcDirectory()
    {
        ProcessCollector collector(tree("no-such-tree").toStdString());
        QVERIFY(collector.collect(1000).empty());
        QCOMPARE(collector.seen(), std::size_t(0));
    }

    // The real /proc: this test process is there, with its own memory.
    void thisMachine()
    {
        ProcessCollector collector;
        collector.collect(0);
        const auto top = collector.collect(1000);
        QVERIFY(!top.empty());
        QVERIFY(top.size() <= ProcessCollector::kTopByCpu + ProcessCollector::kTopByMemory);
        QVERIFY(collector.seen() > 1);
    }
};

QTEST_GUILESS_MAIN(TestProcessCollector)
#include "tst_processcollector.moc"
