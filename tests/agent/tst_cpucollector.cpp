// SPDX-License-Identifier: MIT
#include "CpuCollector.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using dmr::agent::CpuCollector;
using dmr::agent::CpuTimes;

class TestCpuCollector : public QObject
{
    Q_OBJECT

private:
    static QString fixture(const QString &tree) { return QStringLiteral(DMR_TEST_DATA "/") + tree; }

    // A writable root whose proc/stat the test replaces between samples.
    static bool writeStat(const QTemporaryDir &dir, const QByteArray &content)
    {
        QDir().mkpath(dir.filePath("proc"));
        QFile file(dir.filePath("proc/stat"));
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            && file.write(content) == content.size();
    }
    static QByteArray read(const QString &path)
    {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

private slots:
    void sinceBootThenDelta_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::addColumn<double>("sinceBoot");
        QTest::addColumn<double>("delta");
        // Deltas chosen in the fixtures: busy / total ticks between the two snapshots.
        QTest::newRow("raspberry pi") << "proc-rpi" << 1.6984010261135551 << 37.5; // 375/1000
        QTest::newRow("server 64 cpus")
            << "proc-server" << 12.256363031251528 << 29.0; // 5800/20000
        // guest +20 is already inside user +30 and must not be counted twice.
        QTest::newRow("laptop with guest time") << "proc-laptop" << 8.644830403005836 << 20.0;
        QTest::newRow("kernel 2.4, four fields") << "proc-oldkernel" << 13.2 << 75.0;
    }
    void sinceBootThenDelta()
    {
        QFETCH(QString, tree);
        QFETCH(double, sinceBoot);
        QFETCH(double, delta);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(writeStat(dir, read(fixture(tree) + "/proc/stat")));

        CpuCollector collector(dir.path().toStdString());
        auto first = collector.collect();
        QVERIFY2(first.ok(), first.error().c_str());
        QVERIFY(qAbs(first.value() - sinceBoot) < 1e-9);

        QVERIFY(writeStat(dir, read(fixture(tree) + "/proc/stat.later")));
        auto second = collector.collect();
        QVERIFY2(second.ok(), second.error().c_str());
        QVERIFY2(qAbs(second.value() - delta) < 1e-9, QByteArray::number(second.value()));
    }

    void countersGoingBackwardsRestartTheBaseline()
    {
        QTemporaryDir dir;
        QVERIFY(writeStat(dir, "cpu  500 0 500 9000 0 0 0 0 0 0\n"));
        CpuCollector collector(dir.path().toStdString());
        QCOMPARE(collector.collect().value(), 10.0);
        // Total went down (a CPU went offline): no delta, since-boot value instead.
        QVERIFY(writeStat(dir, "cpu  100 0 100 1800 0 0 0 0 0 0\n"));
        QCOMPARE(collector.collect().value(), 10.0);
        // ... and the new sample is the baseline for the next delta.
        QVERIFY(writeStat(dir, "cpu  150 0 150 1900 0 0 0 0 0 0\n"));
        QCOMPARE(collector.collect().value(), 50.0);
    }

    void unchangedCountersRepeatThePreviousValue()
    {
        QTemporaryDir dir;
        QVERIFY(writeStat(dir, "cpu  100 0 100 800 0 0 0 0\n"));
        CpuCollector collector(dir.path().toStdString());
        QCOMPARE(collector.collect().value(), 20.0);
        QVERIFY(writeStat(dir, "cpu  190 0 100 810 0 0 0 0\n"));
        QCOMPARE(collector.collect().value(), 90.0);
        QCOMPARE(collector.collect().value(), 90.0);
    }

    void percentIsClamped()
    {
        // idle going backwards while total grows would give more than 100 %.
        QVERIFY(!CpuCollector::percentBetween({1000, 100}, {1000, 200}));
        QCOMPARE(*CpuCollector::percentBetween({1000, 100}, {1100, 200}), 100.0);
        QCOMPARE(*CpuCollector::percentBetween({1000, 100}, {1100, 100}), 0.0);
        QCOMPARE(CpuCollector::sinceBootPercent({0, 0}), 0.0);
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("root");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("missing file") << "/nonexistent-root"
                                      << "cannot open";
        QTest::newRow("empty file") << fixture("proc-empty") << "is empty";
        QTest::newRow("garbage") << fixture("proc-garbage") << "does not start with";
        QTest::newRow("truncated line") << fixture("proc-truncated") << "at least 4";
        QTest::newRow("counters overflowing 64 bits") << fixture("proc-bigcounters") << "overflow";
    }
    void badInput()
    {
        QFETCH(QString, root);
        QFETCH(QString, errorPart);
        CpuCollector collector(root.toStdString());
        auto result = collector.collect();
        QVERIFY(!result.ok());
        QVERIFY2(
            QString::fromStdString(result.error()).contains(errorPart), result.error().c_str());
    }

    void parseStat_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qulonglong>("total");
        QTest::addColumn<qulonglong>("busy");
        QTest::newRow("current kernel")
            << QByteArray("cpu  1 2 3 4 5 6 7 8 9 10\n") << true << 36ull << 27ull;
        QTest::newRow("no newline") << QByteArray("cpu  1 2 3 4") << true << 10ull << 6ull;
        QTest::newRow("cpu0 first") << QByteArray("cpu0 1 2 3 4\n") << false << 0ull << 0ull;
        QTest::newRow("negative") << QByteArray("cpu  -1 2 3 4\n") << false << 0ull << 0ull;
        QTest::newRow("letters") << QByteArray("cpu  1 2 x 4\n") << false << 0ull << 0ull;
        QTest::newRow("nul bytes") << QByteArray("cpu  1\0 2 3 4\n", 15) << false << 0ull << 0ull;
        QTest::newRow("above 2^64")
            << QByteArray("cpu  18446744073709551616 0 0 1\n") << false << 0ull << 0ull;
        QTest::newRow("empty") << QByteArray() << false << 0ull << 0ull;
        QTest::newRow("huge line")
            << QByteArray("cpu  ") + QByteArray(100000, '7') << false << 0ull << 0ull;
    }
    void parseStat()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, ok);
        auto result = CpuCollector::parseStat(std::string_view(text.constData(), text.size()));
        QCOMPARE(result.ok(), ok);
        if (ok) {
            QFETCH(qulonglong, total);
            QFETCH(qulonglong, busy);
            QCOMPARE(qulonglong(result.value().total), total);
            QCOMPARE(qulonglong(result.value().busy), busy);
        } else {
            QVERIFY(!result.error().empty());
        }
    }
};

QTEST_GUILESS_MAIN(TestCpuCollector)
#include "tst_cpucollector.moc"
