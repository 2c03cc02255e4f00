// SPDX-License-Identifier: MIT
#include "FileSystemCollector.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <sys/statvfs.h>

using dmr::agent::FileSystemCollector;

namespace {

QString tree(const char *name)
{
    return QStringLiteral(DMR_TEST_DATA "/") + QLatin1String(name);
}

// A fake statvfs: 4 KiB fragments, 1,000,000 blocks, a fifth free, 5 %
// reserved for root, 65,536 inodes with 60,000 free; "/mnt/photos" (a hung
// NFS server) cannot be read, and vfat has no inodes.
bool fakeStat(const std::string &path, struct statvfs &out)
{
    if (path.size() >= 11 && path.compare(path.size() - 11, 11, "/mnt/photos") == 0)
        return false;
    out = {};
    out.f_frsize = 4096;
    out.f_bsize = 4096;
    out.f_blocks = 1000000;
    out.f_bfree = 200000;
    out.f_bavail = 150000;
    const bool boot = path.find("/boot") != std::string::npos;
    out.f_files = boot ? 0 : 65536;
    out.f_ffree = boot ? 0 : 60000;
    return true;
}

QStringList mounts(const std::vector<dmr::FileSystemSample> &fileSystems)
{
    QStringList out;
    for (const dmr::FileSystemSample &fs : fileSystems)
        out << QString::fromStdString(fs.mount + ' ' + fs.type);
    return out;
}

} // namespace

class TestFileSystemCollector : public QObject
{
    Q_OBJECT

private slots:
    void fixtures_data()
    {
        QTest::addColumn<QString>("root");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<int>("skipped");
        // The SD card's root and firmware partition; the snap's squashfs, the
        // overlay, tmpfs, cgroup and the bind mount of the root are not
        // file systems to watch.
        QTest::newRow("raspberry pi")
            << tree("proc-rpi") << QStringList {"/ ext4", "/boot/firmware vfat"} << 0;
        // Shortest mount first; the USB stick's blank unescaped; the NFS
        // mount is real but its server does not answer.
        QTest::newRow("laptop") << tree("proc-laptop")
                                << QStringList {"/ ext4", "/home ext4", "/boot/efi vfat",
                                       "/media/ana/USB STICK exfat"}
                                << 1;
        // btrfs's second subvolume of /dev/sdb counts once; ZFS is real.
        QTest::newRow("server") << tree("proc-server")
                                << QStringList {"/ ext4", "/srv/data xfs", "/var/log/archive zfs",
                                       "/var/lib/postgresql btrfs"}
                                << 0;
        // Binary junk and lines without three fields are skipped, not guessed.
        QTest::newRow("garbage") << tree("proc-garbage") << QStringList {} << 0;
        QTest::newRow("truncated") << tree("proc-truncated") << QStringList {"/ ext4"} << 0;
    }
    void fixtures()
    {
        QFETCH(QString, root);
        QFETCH(QStringList, expected);
        QFETCH(int, skipped);
        FileSystemCollector collector(root.toStdString(), fakeStat);
        auto result = collector.collect();
        QVERIFY2(result.ok(), result.error().c_str());
        QCOMPARE(mounts(result.value()), expected);
        QCOMPARE(int(collector.skipped()), skipped);
    }

    // df's figures: Size 4,000,000 KiB, Used 3,200,000, Avail 600,000,
    // Use% 84.21; IUse% 8.45; vfat without inodes reads 0 of 0.
    void figuresAsDfShowsThem()
    {
        FileSystemCollector collector(tree("proc-rpi").toStdString(), fakeStat);
        auto result = collector.collect();
        QVERIFY(result.ok());
        const dmr::FileSystemSample &root = result.value().at(0);
        QCOMPARE(root.sizeKb, std::uint64_t(4000000));
        QCOMPARE(root.usedKb, std::uint64_t(3200000));
        QCOMPARE(root.availableKb, std::uint64_t(600000));
        QCOMPARE(root.percent(), 84.21);
        QCOMPARE(root.inodesTotal, std::uint64_t(65536));
        QCOMPARE(root.inodesUsed, std::uint64_t(5536));
        QCOMPARE(root.inodePercent(), 8.45);
        const dmr::FileSystemSample &boot = result.value().at(1);
        QCOMPARE(boot.inodesTotal, std::uint64_t(0));
        QCOMPARE(boot.inodePercent(), 0.0);
    }

    void missingMountsFails()
    {
        FileSystemCollector collector(tree("proc-empty").toStdString(), fakeStat);
        auto result = collector.collect();
        QVERIFY(!result.ok());
        QVERIFY2(result.error().find("cannot open") != std::string::npos, result.error().c_str());
    }

    void atMostTwentyFour()
    {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath("proc/self"));
        QFile file(dir.filePath("proc/self/mounts"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        for (int i = 0; i < 30; ++i)
            file.write(QStringLiteral("/dev/sd%1 /data/%2 ext4 rw 0 0\n").arg(i).arg(i).toLatin1());
        file.close();
        FileSystemCollector collector(dir.path().toStdString(), fakeStat);
        auto result = collector.collect();
        QVERIFY(result.ok());
        QCOMPARE(result.value().size(), std::size_t(24));
        QCOMPARE(collector.skipped(), std::size_t(6));
    }

    // A USB stick's accented label: what the wire cannot carry becomes '?',
    // and the report still goes (it used to be refused whole).
    void nonAsciiMountPoint()
    {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath("proc/self"));
        QFile file(dir.filePath("proc/self/mounts"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("/dev/sda1 /media/pi/CL\303\211\\040USB vfat rw 0 0\n");
        file.close();
        FileSystemCollector collector(dir.path().toStdString(), fakeStat);
        auto result = collector.collect();
        QVERIFY(result.ok());
        QCOMPARE(mounts(result.value()), QStringList {"/media/pi/CL?? USB vfat"});
    }

    // The real machine's own mounts, with the real statvfs: whatever they
    // are, the root file system is among them and the figures add up.
    void thisMachine()
    {
        FileSystemCollector collector;
        auto result = collector.collect();
        QVERIFY2(result.ok(), result.error().c_str());
        for (const dmr::FileSystemSample &fs : result.value()) {
            QVERIFY(!fs.mount.empty() && fs.mount.front() == '/');
            QVERIFY(fs.usedKb + fs.availableKb <= fs.sizeKb);
            QVERIFY(fs.inodesUsed <= fs.inodesTotal);
        }
    }

    void unescape_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("blank") << "/media/USB\\040STICK"
                               << "/media/USB STICK";
        QTest::newRow("tab and backslash") << "/a\\011b\\134c"
                                           << "/a\tb\\c";
        QTest::newRow("not octal") << "/a\\09z"
                                   << "/a\\09z";
        QTest::newRow("cut short") << "/a\\04"
                                   << "/a\\04";
    }
    void unescape()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QCOMPARE(
            QString::fromStdString(FileSystemCollector::unescape(text.toStdString())), expected);
    }
};

QTEST_GUILESS_MAIN(TestFileSystemCollector)
#include "tst_filesystemcollector.moc"
