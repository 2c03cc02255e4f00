// SPDX-License-Identifier: MIT
#include "MemoryCollector.h"

#include <QTest>

using dmr::agent::MemoryCollector;

class TestMemoryCollector : public QObject
{
    Q_OBJECT

private slots:
    void fixtures_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qulonglong>("totalKb");
        QTest::addColumn<qulonglong>("usedKb");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("raspberry pi") << "proc-rpi" << true << 3884244ull << 562788ull << "";
        QTest::newRow("server") << "proc-server" << true << 263842124ull << 62607557ull << "";
        QTest::newRow("laptop") << "proc-laptop" << true << 16110464ull << 6233921ull << "";
        // No MemAvailable: MemTotal - (MemFree + Buffers + Cached).
        QTest::newRow("old kernel") << "proc-oldkernel" << true << 1026936ull << 512124ull << "";
        QTest::newRow("counters near 2^64")
            << "proc-bigcounters" << true << 18446744073709551615ull << 1ull << "";
        // The cut line still reads as a (small) MemFree; nothing to tell it apart.
        QTest::newRow("truncated") << "proc-truncated" << true << 24683656ull << 24683413ull << "";
        QTest::newRow("garbage") << "proc-garbage" << false << 0ull << 0ull
                                 << "MemTotal is not a number";
        QTest::newRow("empty") << "proc-empty" << false << 0ull << 0ull << "is empty";
        QTest::newRow("missing") << "no-such-tree" << false << 0ull << 0ull << "cannot open";
    }
    void fixtures()
    {
        QFETCH(QString, tree);
        QFETCH(bool, ok);
        MemoryCollector collector((QStringLiteral(DMR_TEST_DATA "/") + tree).toStdString());
        auto result = collector.collect();
        QCOMPARE(result.ok(), ok);
        if (ok) {
            QFETCH(qulonglong, totalKb);
            QFETCH(qulonglong, usedKb);
            QCOMPARE(qulonglong(result.value().totalKb), totalKb);
            QCOMPARE(qulonglong(result.value().usedKb), usedKb);
        } else {
            QFETCH(QString, errorPart);
            QVERIFY2(
                QString::fromStdString(result.error()).contains(errorPart), result.error().c_str());
        }
    }

    void swap_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<qulonglong>("totalKb");
        QTest::addColumn<qulonglong>("usedKb");
        QTest::newRow("zram in use") << QByteArray("MemTotal: 100 kB\nMemAvailable: 50 kB\n"
                                                   "SwapTotal: 971061 kB\nSwapFree: 712345 kB\n")
                                     << 971061ull << 258716ull;
        QTest::newRow("no swap") << QByteArray("MemTotal: 100 kB\nMemAvailable: 50 kB\n"
                                               "SwapTotal: 0 kB\nSwapFree: 0 kB\n")
                                 << 0ull << 0ull;
        // Swap lines cost only themselves: memory is still reported.
        QTest::newRow("unreadable swap") << QByteArray("MemTotal: 100 kB\nMemAvailable: 50 kB\n"
                                                       "SwapTotal: lots\nSwapFree: 1 kB\n")
                                         << 0ull << 0ull;
        QTest::newRow("free above total") << QByteArray("MemTotal: 100 kB\nMemAvailable: 50 kB\n"
                                                        "SwapTotal: 10 kB\nSwapFree: 11 kB\n")
                                          << 0ull << 0ull;
        QTest::newRow("SwapFree missing")
            << QByteArray("MemTotal: 100 kB\nMemAvailable: 50 kB\nSwapTotal: 10 kB\n") << 0ull
            << 0ull;
    }
    void swap()
    {
        QFETCH(QByteArray, text);
        QFETCH(qulonglong, totalKb);
        QFETCH(qulonglong, usedKb);
        auto result = MemoryCollector::parseMeminfo(std::string_view(text.data(), text.size()));
        QVERIFY2(result.ok(), result.error().c_str());
        QCOMPARE(result.value().usedKb, std::uint64_t(50));
        QCOMPARE(qulonglong(result.value().swapTotalKb), totalKb);
        QCOMPARE(qulonglong(result.value().swapUsedKb), usedKb);
    }

    void parse_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qulonglong>("usedKb");
        QTest::newRow("available above total")
            << QByteArray("MemTotal: 100 kB\nMemAvailable: 200 kB\n") << true << 0ull;
        QTest::newRow("keys in any order")
            << QByteArray("MemAvailable: 40 kB\nFoo: x\nMemTotal: 100 kB\n") << true << 60ull;
        QTest::newRow("zero total")
            << QByteArray("MemTotal: 0 kB\nMemAvailable: 0 kB\n") << false << 0ull;
        QTest::newRow("no free figures") << QByteArray("MemTotal: 100 kB\n") << false << 0ull;
        QTest::newRow("crlf line ends")
            << QByteArray("MemTotal: 100 kB\r\nMemAvailable: 25 kB\r\n") << true << 75ull;
        QTest::newRow("bad available")
            << QByteArray("MemTotal: 100 kB\nMemAvailable: -1 kB\n") << false << 0ull;
        QTest::newRow("overflow") << QByteArray("MemTotal: 99999999999999999999 kB\n") << false
                                  << 0ull;
        QTest::newRow("huge line") << QByteArray(200000, 'M') + "\nMemTotal: 10 kB\nMemFree: 5 kB\n"
                                   << true << 5ull;
    }
    void parse()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, ok);
        auto result
            = MemoryCollector::parseMeminfo(std::string_view(text.constData(), text.size()));
        QCOMPARE(result.ok(), ok);
        if (ok) {
            QFETCH(qulonglong, usedKb);
            QCOMPARE(qulonglong(result.value().usedKb), usedKb);
        }
    }
};

QTEST_GUILESS_MAIN(TestMemoryCollector)
#include "tst_memorycollector.moc"
