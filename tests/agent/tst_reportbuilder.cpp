// SPDX-License-Identifier: MIT
#include "ReportBuilder.h"
#include "dmr/Codec.h"

#include <QProcess>
#include <QTest>
#include <cmath>

using dmr::agent::AgentConfig;
using dmr::agent::ReportBuilder;

namespace {

AgentConfig configFor(const QString &tree)
{
    AgentConfig config;
    config.root = (QStringLiteral(DMR_TEST_DATA "/") + tree).toStdString();
    config.deviceId = "5c0a9f2e1b7d4e3a8c6f0d2b4a1e9c7f";
    config.intervalSeconds = 10;
    return config;
}

std::map<std::string, std::string> addresses()
{
    return {{"eth0", "192.168.1.23"}, {"wlan0", "2001:db8::23"}, {"eno1", "not an address"}};
}

} // namespace

class TestReportBuilder : public QObject
{
    Q_OBJECT

private slots:
    void fixturesGiveValidReports_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::addColumn<QString>("hostname");
        QTest::addColumn<int>("interfaces");
        QTest::newRow("raspberry pi") << "proc-rpi"
                                      << "raspberrypi" << 2;
        QTest::newRow("server") << "proc-server"
                                << "db-01.example.net" << 5;
        QTest::newRow("laptop") << "proc-laptop"
                                << "thinkpad" << 3;
        QTest::newRow("old kernel") << "proc-oldkernel"
                                    << "oldbox" << 1;
        QTest::newRow("counters near 2^64") << "proc-bigcounters"
                                            << "" << 1;
    }
    void fixturesGiveValidReports()
    {
        QFETCH(QString, tree);
        QFETCH(QString, hostname);
        QFETCH(int, interfaces);
        ReportBuilder builder(configFor(tree), addresses);
        auto report = builder.build();
        QVERIFY2(report.ok(), report.error().c_str());
        QCOMPARE(dmr::validate(report.value()), std::string());
        if (!hostname.isEmpty())
            QCOMPARE(QString::fromStdString(report.value().hostname), hostname);
        QCOMPARE(int(report.value().interfaces.size()), interfaces);
        QCOMPARE(report.value().agentVersion, dmr::packVersion(0, 1, 0));
        QCOMPARE(report.value().intervalSeconds, 10u);
        QCOMPARE(report.value().sequence, std::uint64_t(1));
        QVERIFY(report.value().system.memoryTotalKb > 0);
        QVERIFY(report.value().system.diskTotalKb > 0); // the real "/"
        for (const dmr::InterfaceSample &sample : report.value().interfaces)
            QVERIFY(sample.name != "lo");
    }

    void raspberryPiValues()
    {
        ReportBuilder builder(configFor("proc-rpi"), addresses);
        auto report = builder.build();
        QVERIFY(report.ok());
        const dmr::SystemSample &s = report.value().system;
        QVERIFY(qAbs(s.cpuPercent - 1.6984010261135551) < 1e-9); // since boot: first sample
        QCOMPARE(s.memoryTotalKb, std::uint64_t(3884244));
        QCOMPARE(s.memoryUsedKb, std::uint64_t(562788));
        QCOMPARE(s.load1, 0.52);
        QCOMPARE(s.uptimeSeconds, std::uint64_t(123456));
        QCOMPARE(report.value().interfaces[0].ipAddress, std::string("192.168.1.23"));
        QVERIFY(builder.problems().empty());
    }

    // The disk as df shows it: Size is the file system's size, Use% is used /
    // (used + available). Measured on the disk the test runs on, so this
    // tells the two apart wherever root has blocks reserved (ext4's 5 %).
    void diskAgreesWithDf()
    {
        QProcess df;
        df.start(QStringLiteral("df"),
            {QStringLiteral("-k"), QStringLiteral("--output=size,used,avail,pcent"),
                QStringLiteral("/")});
        if (!df.waitForFinished(10000) || df.exitCode() != 0)
            QSKIP("GNU df is not available");
        ReportBuilder builder(configFor(QStringLiteral("proc-rpi")), addresses);
        auto report = builder.build();
        QVERIFY(report.ok());
        const QStringList fields = QString::fromUtf8(df.readAllStandardOutput())
                                       .split(QLatin1Char('\n'))
                                       .value(1)
                                       .simplified()
                                       .remove(QLatin1Char('%'))
                                       .split(QLatin1Char(' '));
        QCOMPARE(fields.size(), 4);
        const dmr::SystemSample &s = report.value().system;
        QCOMPARE(s.diskTotalKb, fields[0].toULongLong());
        // Used and available move while the test runs: a few MB apart at most.
        constexpr qint64 kSlackKb = 64 * 1024;
        QVERIFY(qAbs(qint64(s.diskUsedKb) - fields[1].toLongLong()) < kSlackKb);
        QVERIFY(qAbs(qint64(s.diskAvailableKb) - fields[2].toLongLong()) < kSlackKb);
        // df rounds Use% up to a whole percent.
        QVERIFY2(qAbs(std::ceil(s.diskPercent()) - fields[3].toDouble()) <= 1,
            qPrintable(QStringLiteral("%1 %2").arg(s.diskPercent()).arg(fields[3])));
        QCOMPARE(dmr::validate(report.value()), std::string());
    }

    void sequenceIncrementsAndRunIdStays()
    {
        ReportBuilder builder(configFor("proc-laptop"), addresses);
        std::uint32_t runId = 0;
        std::int64_t lastTime = 0;
        for (std::uint64_t expected = 1; expected <= 5; ++expected) {
            auto report = builder.build();
            QVERIFY(report.ok());
            QCOMPARE(report.value().sequence, expected);
            if (expected == 1)
                runId = report.value().runId;
            QCOMPARE(report.value().runId, runId);
            QVERIFY(report.value().sampleTimeMs >= lastTime);
            lastTime = report.value().sampleTimeMs;
        }
        QCOMPARE(builder.builtCount(), std::uint64_t(5));
    }

    void continuedRunKeepsItsIdAndSequence()
    {
        ReportBuilder builder(configFor("proc-laptop"), addresses);
        builder.continueRun(0xfeedbeef, 42);
        QCOMPARE(builder.nextSequence(), std::uint64_t(42));
        for (std::uint64_t expected = 42; expected <= 43; ++expected) {
            auto report = builder.build();
            QVERIFY(report.ok());
            QCOMPARE(report.value().runId, std::uint32_t(0xfeedbeef));
            QCOMPARE(report.value().sequence, expected);
        }
        QCOMPARE(builder.runId(), std::uint32_t(0xfeedbeef));
        // --count counts this process's reports, not the run's.
        QCOMPARE(builder.builtCount(), std::uint64_t(2));
    }

    void twoInterfaceReportIsSmallAndRoundTrips()
    {
        ReportBuilder builder(configFor("proc-rpi"), addresses);
        auto report = builder.build();
        QVERIFY(report.ok());
        QCOMPARE(report.value().interfaces.size(), std::size_t(2));
        const std::string bytes = dmr::encode(report.value());
        QVERIFY2(bytes.size() <= 200, QByteArray::number(qulonglong(bytes.size())));
        const dmr::DecodeResult decoded = dmr::decode(bytes);
        QVERIFY2(decoded.ok(), decoded.detail.c_str());
        // Hundredths on the wire: compare after the codec's own rounding.
        QCOMPARE(dmr::encode(*decoded.report), bytes);
        const dmr::Report &back = *decoded.report;
        QCOMPARE(back.deviceId, report.value().deviceId);
        QCOMPARE(back.hostname, report.value().hostname);
        QCOMPARE(back.sequence, report.value().sequence);
        QCOMPARE(back.runId, report.value().runId);
        QCOMPARE(back.sampleTimeMs, report.value().sampleTimeMs);
        QCOMPARE(back.system.memoryUsedKb, report.value().system.memoryUsedKb);
        QVERIFY(back.interfaces == report.value().interfaces);
    }

    void missingFilesStillReport()
    {
        // Only meminfo and stat: load, uptime and network are reported as zero/empty.
        AgentConfig config = configFor("proc-truncated");
        ReportBuilder builder(config, addresses);
        auto report = builder.build();
        QVERIFY2(report.ok(), report.error().c_str());
        QCOMPARE(dmr::validate(report.value()), std::string());
        QCOMPARE(report.value().system.cpuPercent, 0.0);
        QCOMPARE(report.value().system.load1, 0.0);
        QVERIFY(report.value().interfaces.empty());
        QCOMPARE(builder.problems().size(), std::size_t(3)); // stat, loadavg, net/dev
    }

    void noMemoryTotalSkipsAndCounts_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::newRow("garbage") << "proc-garbage";
        QTest::newRow("empty") << "proc-empty";
        QTest::newRow("missing") << "no-such-tree";
    }
    void noMemoryTotalSkipsAndCounts()
    {
        QFETCH(QString, tree);
        ReportBuilder builder(configFor(tree), addresses);
        auto first = builder.build();
        QVERIFY(!first.ok());
        QVERIFY2(QString::fromStdString(first.error()).contains("meminfo"), first.error().c_str());
        QVERIFY(!builder.build().ok());
        QCOMPARE(builder.skippedCount(), std::uint64_t(2));
        QCOMPARE(builder.builtCount(), std::uint64_t(0));
        QVERIFY(builder.problems().size() >= 4);
    }

    void invalidLookupAddressIsDropped()
    {
        ReportBuilder builder(configFor("proc-server"), addresses);
        auto report = builder.build();
        QVERIFY(report.ok());
        QCOMPARE(report.value().interfaces[0].name, std::string("eno1"));
        QCOMPARE(report.value().interfaces[0].ipAddress, std::string());
    }

    // The labels go in full in the first report and every 60th after it
    // (sequence % 60 == 1); the others carry their hash alone.
    void labelsInFullEverySixtyReports()
    {
        AgentConfig config = configFor("proc-laptop");
        config.labels = {{"location", "lab"}, {"role", "gateway"}};
        const std::uint32_t hash = dmr::labelsHash(config.labels);
        QVERIFY(hash != 0);
        ReportBuilder builder(config, addresses);
        for (std::uint64_t sequence = 1; sequence <= 125; ++sequence) {
            auto report = builder.build();
            QVERIFY2(report.ok(), report.error().c_str());
            QCOMPARE(report.value().sequence, sequence);
            QCOMPARE(report.value().labelsHash, hash);
            const bool full = sequence == 1 || sequence == 61 || sequence == 121;
            QVERIFY2(report.value().labels == (full ? config.labels : dmr::Labels()),
                qPrintable(QString("sequence %1").arg(sequence)));
            // As the console gets it.
            const dmr::DecodeResult decoded = dmr::decode(dmr::encode(report.value()));
            QVERIFY2(decoded.ok(), decoded.detail.c_str());
            QCOMPARE(decoded.report->labelsHash, hash);
            QCOMPARE(decoded.report->labels.size(), full ? std::size_t(2) : std::size_t(0));
        }
    }

    void noLabelsNoHash()
    {
        ReportBuilder builder(configFor("proc-laptop"), addresses);
        for (int i = 0; i < 3; ++i) {
            auto report = builder.build();
            QVERIFY(report.ok());
            QVERIFY(report.value().labels.empty());
            QCOMPARE(report.value().labelsHash, 0u);
        }
        // Only the hash's field would cost bytes: a report without labels has none.
        auto report = builder.build();
        QVERIFY(report.ok());
        dmr::Report hashed = report.value();
        hashed.labelsHash = 1;
        QCOMPARE(dmr::encode(hashed).size(), dmr::encode(report.value()).size() + 5);
    }

    // A process that continues a run (from the spill file) cannot tell
    // whether the console has its labels: its first report carries them.
    void continuedRunSendsLabelsFirst()
    {
        AgentConfig config = configFor("proc-laptop");
        config.labels = {{"location", "lab"}};
        ReportBuilder builder(config, addresses);
        builder.continueRun(0xfeedbeef, 59);
        for (std::uint64_t sequence = 59; sequence <= 62; ++sequence) {
            auto report = builder.build();
            QVERIFY(report.ok());
            QCOMPARE(report.value().sequence, sequence);
            QCOMPARE(report.value().labels.empty(), sequence != 59 && sequence != 61);
            QCOMPARE(report.value().labelsHash, dmr::labelsHash(config.labels));
        }
    }

    // Labels do not change while the agent runs today; if they ever do, the
    // next report carries the new ones.
    void changedLabelsGoInFull()
    {
        AgentConfig config = configFor("proc-laptop");
        config.labels = {{"location", "lab"}};
        ReportBuilder builder(config, addresses);
        QCOMPARE(builder.build().value().labels.size(), std::size_t(1)); // 1
        QVERIFY(builder.build().value().labels.empty()); // 2
        builder.setLabels(config.labels); // unchanged: nothing to resend
        QVERIFY(builder.build().value().labels.empty()); // 3
        const dmr::Labels moved {{"location", "hall"}, {"role", "gateway"}};
        builder.setLabels(moved);
        auto report = builder.build(); // 4
        QVERIFY(report.value().labels == moved);
        QCOMPARE(report.value().labelsHash, dmr::labelsHash(moved));
        report = builder.build(); // 5
        QVERIFY(report.value().labels.empty());
        QCOMPARE(report.value().labelsHash, dmr::labelsHash(moved));
        builder.setLabels({});
        report = builder.build(); // 6
        QVERIFY(report.value().labels.empty());
        QCOMPARE(report.value().labelsHash, 0u);
    }

    void wireInterval_data()
    {
        QTest::addColumn<double>("seconds");
        QTest::addColumn<uint>("wire");
        QTest::newRow("0.1") << 0.1 << 1u;
        QTest::newRow("0.5") << 0.5 << 1u;
        QTest::newRow("10") << 10.0 << 10u;
        QTest::newRow("2.5") << 2.5 << 3u;
        QTest::newRow("a day") << 86400.0 << 86400u;
    }
    void wireInterval()
    {
        QFETCH(double, seconds);
        QTEST(uint(ReportBuilder::wireInterval(seconds)), "wire");
    }
};

QTEST_GUILESS_MAIN(TestReportBuilder)
#include "tst_reportbuilder.moc"
