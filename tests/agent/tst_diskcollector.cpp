// SPDX-License-Identifier: MIT
#include "DiskCollector.h"

#include <QTest>
#include <sys/statvfs.h>

using dmr::agent::DiskCollector;

class TestDiskCollector : public QObject
{
    Q_OBJECT

private slots:
    void fromStatvfs_data()
    {
        QTest::addColumn<qulonglong>("frsize");
        QTest::addColumn<qulonglong>("blocks");
        QTest::addColumn<qulonglong>("bfree");
        QTest::addColumn<qulonglong>("bavail");
        QTest::addColumn<qulonglong>("totalKb");
        QTest::addColumn<qulonglong>("usedKb");
        QTest::addColumn<qulonglong>("availableKb");
        QTest::addColumn<double>("percent");
        // 5 % reserved for root: df shows used / (used + available).
        QTest::newRow("ext4 with reserve") << 4096ull << 1000ull << 300ull << 250ull << 4000ull
                                           << 2800ull << 1000ull << 70.0 / 95.0 * 100.0;
        QTest::newRow("empty") << 4096ull << 1000ull << 1000ull << 1000ull << 4000ull << 0ull
                               << 4000ull << 0.0;
        QTest::newRow("full") << 4096ull << 1000ull << 0ull << 0ull << 4000ull << 4000ull << 0ull
                              << 100.0;
        QTest::newRow("reserve only left")
            << 4096ull << 1000ull << 50ull << 0ull << 4000ull << 3800ull << 0ull << 100.0;
        QTest::newRow("512-byte blocks") << 512ull << 1001ull << 1ull << 1ull << 500ull << 500ull
                                         << 0ull << 1000.0 / 1001.0 * 100.0;
        QTest::newRow("no blocks (procfs)")
            << 4096ull << 0ull << 0ull << 0ull << 0ull << 0ull << 0ull << 0.0;
        // 64 PiB in 64 KiB blocks does not overflow.
        QTest::newRow("huge") << 65536ull << (1ull << 40) << (1ull << 39) << (1ull << 39)
                              << (1ull << 46) << (1ull << 45) << (1ull << 45) << 50.0;
    }
    void fromStatvfs()
    {
        QFETCH(qulonglong, frsize);
        QFETCH(qulonglong, blocks);
        QFETCH(qulonglong, bfree);
        QFETCH(qulonglong, bavail);
        struct statvfs stats = {};
        stats.f_frsize = frsize;
        stats.f_bsize = frsize;
        stats.f_blocks = blocks;
        stats.f_bfree = bfree;
        stats.f_bavail = bavail;
        const dmr::agent::DiskUsage usage = DiskCollector::fromStatvfs(stats);
        QTEST(qulonglong(usage.totalKb), "totalKb");
        QTEST(qulonglong(usage.usedKb), "usedKb");
        QTEST(qulonglong(usage.availableKb), "availableKb");
        QFETCH(double, percent);
        QVERIFY2(qAbs(usage.percent - percent) < 1e-9, QByteArray::number(usage.percent));
    }

    void realRoot()
    {
        auto result = DiskCollector("/").collect();
        QVERIFY2(result.ok(), result.error().c_str());
        QVERIFY(result.value().totalKb > 0);
        QVERIFY(result.value().usedKb <= result.value().totalKb);
        QVERIFY(result.value().percent >= 0 && result.value().percent <= 100);
    }

    void missingPath()
    {
        auto result = DiskCollector("/no/such/disk/path").collect();
        QVERIFY(!result.ok());
        QVERIFY2(QString::fromStdString(result.error()).contains("/no/such/disk/path"),
            result.error().c_str());
    }
};

QTEST_GUILESS_MAIN(TestDiskCollector)
#include "tst_diskcollector.moc"
