// SPDX-License-Identifier: MIT
#include "CoreCollector.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using dmr::agent::CoreCollector;

namespace {

QString tree(const char *name)
{
    return QStringLiteral(DMR_TEST_DATA "/") + QLatin1String(name);
}

// A root whose proc/stat is `text`.
bool writeStat(const QTemporaryDir &dir, const QByteArray &text)
{
    QDir().mkpath(dir.filePath("proc"));
    QFile file(dir.filePath("proc/stat"));
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size();
}

} // namespace

class TestCoreCollector : public QObject
{
    Q_OBJECT

private slots:
    void fixtures_data()
    {
        QTest::addColumn<QString>("root");
        QTest::addColumn<int>("cores");
        QTest::newRow("raspberry pi") << tree("proc-rpi") << 4;
        QTest::newRow("laptop") << tree("proc-laptop") << 8;
        QTest::newRow("server") << tree("proc-server") << 64;
        QTest::newRow("old kernel: cpu0 alone") << tree("proc-oldkernel") << 1;
    }
    void fixtures()
    {
        QFETCH(QString, root);
        QFETCH(int, cores);
        CoreCollector collector(root.toStdString());
        auto result = collector.collect();
        QVERIFY2(result.ok(), result.error().c_str());
        QCOMPARE(int(result.value().size()), cores);
        for (double percent : result.value())
            QVERIFY(percent >= 0 && percent <= 100);
    }

    void secondSampleIsTheDelta()
    {
        QTemporaryDir dir;
        QVERIFY(writeStat(dir,
            "cpu  400 0 100 500 0 0 0 0 0 0\n"
            "cpu0 100 0 0 100 0 0 0 0 0 0\n"
            "cpu1 300 0 100 400 0 0 0 0 0 0\n"
            "intr 12345 0 0\n"));
        CoreCollector collector(dir.path().toStdString());
        auto first = collector.collect();
        QVERIFY(first.ok());
        // Since boot: 100 of 200 ticks, 400 of 800.
        QCOMPARE(first.value(), (std::vector<double> {50.0, 50.0}));
        QVERIFY(writeStat(dir,
            "cpu  400 0 100 500 0 0 0 0 0 0\n"
            "cpu0 190 0 0 110 0 0 0 0 0 0\n"
            "cpu1 300 0 100 500 0 0 0 0 0 0\n"));
        auto second = collector.collect();
        QVERIFY(second.ok());
        // cpu0 busy 90 of 100 ticks; cpu1 idle for 100.
        QCOMPARE(second.value(), (std::vector<double> {90.0, 0.0}));
    }

    void coreGoneOfflineStartsOver()
    {
        QTemporaryDir dir;
        QVERIFY(writeStat(dir, "cpu 1 0 1 2 0\ncpu0 1 0 0 1 0\ncpu1 0 0 1 1 0\n"));
        CoreCollector collector(dir.path().toStdString());
        QVERIFY(collector.collect().ok());
        QVERIFY(writeStat(dir, "cpu 1 0 1 2 0\ncpu0 3 0 0 1 0\n"));
        auto result = collector.collect();
        QVERIFY(result.ok());
        // One line now: its since-boot average (3 of 4), not a delta against cpu0's old line.
        QCOMPARE(result.value(), std::vector<double> {75.0});
    }

    void failures_data()
    {
        QTest::addColumn<QString>("root");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("garbage") << tree("proc-garbage") << "";
        QTest::newRow("empty") << tree("proc-empty") << "is empty";
        QTest::newRow("missing") << tree("no-such-tree") << "cannot open";
    }
    void failures()
    {
        QFETCH(QString, root);
        QFETCH(QString, errorPart);
        CoreCollector collector(root.toStdString());
        auto result = collector.collect();
        // Garbage without cpuN lines reads as no cores, not as an error.
        if (errorPart.isEmpty()) {
            QVERIFY(!result.ok() || result.value().empty());
            return;
        }
        QVERIFY(!result.ok());
        QVERIFY2(
            QString::fromStdString(result.error()).contains(errorPart), result.error().c_str());
    }

    void malformedCoreLineFails()
    {
        QTemporaryDir dir;
        QVERIFY(writeStat(dir, "cpu 1 2 3 4\ncpu0 1 2 x 4\n"));
        CoreCollector collector(dir.path().toStdString());
        auto result = collector.collect();
        QVERIFY(!result.ok());
        QVERIFY2(result.error().find("cpu0") != std::string::npos, result.error().c_str());
    }
};

QTEST_GUILESS_MAIN(TestCoreCollector)
#include "tst_corecollector.moc"
