// SPDX-License-Identifier: MIT
#include "DiskIoCollector.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using dmr::agent::DiskIoCollector;

Q_DECLARE_METATYPE(std::vector<DiskIoCollector::DiskCounters>)

namespace {

QString tree(const char *name)
{
    return QStringLiteral(DMR_TEST_DATA "/") + QLatin1String(name);
}

// A copy of a fixture's diskstats and sys/block, so that a test can move
// the counters on.
bool copyTree(const QString &from, const QString &to)
{
    QDir source(from);
    if (!QDir().mkpath(to))
        return false;
    for (const QFileInfo &entry :
        source.entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot)) {
        const QString target = to + '/' + entry.fileName();
        if (entry.isDir() ? !copyTree(entry.filePath(), target)
                          : !QFile::copy(entry.filePath(), target))
            return false;
    }
    return true;
}

bool replace(const QString &path, const QString &with)
{
    QFile::remove(path);
    return QFile::copy(with, path);
}

} // namespace

class TestDiskIoCollector : public QObject
{
    Q_OBJECT

private slots:
    // The Pi's SD card alone: its partitions, zram, loop and ram devices
    // are left out. 10,000 sectors read and 20,000 written in 10 s, busy
    // 2 s of them.
    void raspberryPiRates()
    {
        QTemporaryDir dir;
        QVERIFY(copyTree(tree("proc-rpi"), dir.path()));
        DiskIoCollector collector(dir.path().toStdString());
        auto first = collector.collect(1000000);
        QVERIFY2(first.ok(), first.error().c_str());
        QVERIFY(!first.value()); // a baseline only
        QVERIFY(replace(dir.filePath("proc/diskstats"), dir.filePath("proc/diskstats.later")));
        auto second = collector.collect(1010000);
        QVERIFY2(second.ok(), second.error().c_str());
        QVERIFY(second.value());
        QCOMPARE(second.value()->readKbPerSecond, std::uint64_t(500));
        QCOMPARE(second.value()->writeKbPerSecond, std::uint64_t(1000));
        QCOMPARE(second.value()->busyPercent, 20.0);
    }

    void parsesEveryFixture_data()
    {
        QTest::addColumn<QString>("root");
        QTest::addColumn<int>("lines");
        QTest::newRow("raspberry pi") << tree("proc-rpi") << 6;
        QTest::newRow("laptop") << tree("proc-laptop") << 4;
        QTest::newRow("server") << tree("proc-server") << 4;
    }
    void parsesEveryFixture()
    {
        QFETCH(QString, root);
        QFETCH(int, lines);
        QFile file(root + "/proc/diskstats");
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        auto parsed = DiskIoCollector::parseDiskstats(std::string_view(text.data(), text.size()));
        QVERIFY2(parsed.ok(), parsed.error().c_str());
        QCOMPARE(int(parsed.value().size()), lines);
        // Twice at the same time: no rate to give (no division by zero).
        DiskIoCollector collector(root.toStdString());
        QVERIFY(collector.collect(5000).ok());
        auto again = collector.collect(5000);
        QVERIFY(again.ok());
        QVERIFY(!again.value());
    }

    void rates_data()
    {
        using Disks = std::vector<DiskIoCollector::DiskCounters>;
        QTest::addColumn<Disks>("from");
        QTest::addColumn<Disks>("to");
        QTest::addColumn<bool>("rated");
        const Disks one {{"sda", 100, 100, 100}};
        QTest::newRow("counters went back (a disk replugged)")
            << one << Disks {{"sda", 50, 100, 100}} << false;
        QTest::newRow("another disk set") << one << Disks {{"sdb", 200, 200, 200}} << false;
        QTest::newRow("a disk more")
            << one << Disks {{"sda", 200, 200, 200}, {"sdb", 1, 1, 1}} << false;
        QTest::newRow("moved on") << one << Disks {{"sda", 2100, 100, 99999}} << true;
    }
    void rates()
    {
        using Disks = std::vector<DiskIoCollector::DiskCounters>;
        QFETCH(Disks, from);
        QFETCH(Disks, to);
        QFETCH(bool, rated);
        const auto sample = DiskIoCollector::rates(from, to, 1000);
        QCOMPARE(bool(sample), rated);
        if (sample) {
            QCOMPARE(sample->readKbPerSecond, std::uint64_t(1000));
            QCOMPARE(sample->busyPercent, 100.0); // more busy time than elapsed: capped
        }
    }

    void failures_data()
    {
        QTest::addColumn<QString>("root");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("garbage") << tree("proc-garbage") << "major and minor";
        QTest::newRow("truncated line") << tree("proc-truncated") << "mmcblk0p2: field";
        QTest::newRow("missing") << tree("proc-empty") << "cannot open";
    }
    void failures()
    {
        QFETCH(QString, root);
        QFETCH(QString, errorPart);
        DiskIoCollector collector(root.toStdString());
        auto result = collector.collect(1000);
        QVERIFY(!result.ok());
        QVERIFY2(
            QString::fromStdString(result.error()).contains(errorPart), result.error().c_str());
    }

    // A container sees no hardware disk: no disk_io at all, not zeros.
    void noHardwareDisk()
    {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath("proc"));
        QFile file(dir.filePath("proc/diskstats"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("   7       0 loop0 57 0 2154 21 0 0 0 0 0 64 21\n");
        file.close();
        DiskIoCollector collector(dir.path().toStdString());
        QVERIFY(collector.collect(1000).ok());
        auto second = collector.collect(11000);
        QVERIFY(second.ok());
        QVERIFY(!second.value());
    }
};

QTEST_GUILESS_MAIN(TestDiskIoCollector)
#include "tst_diskiocollector.moc"
