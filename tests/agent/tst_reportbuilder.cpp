// SPDX-License-Identifier: MIT
#include "ReportBuilder.h"
#include "dmr/Codec.h"
#include "dmr/Seal.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
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
    // Fixtures with run/systemd/system ask this, never the host's systemctl.
    config.systemctl = DMR_TEST_DATA "/systemctl/two-failed";
    return config;
}

std::map<std::string, std::string> addresses()
{
    return {{"eth0", "192.168.1.23"}, {"wlan0", "2001:db8::23"}, {"eno1", "not an address"}};
}

// A fixture tree copied in-process rather than by `cp`: under qemu-user (the
// ARM cross builds' tests) QProcess cannot start programs.
bool copyTree(const QString &from, const QString &to)
{
    if (!QDir().mkpath(to))
        return false;
    for (const QFileInfo &entry :
        QDir(from).entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot)) {
        const QString target = to + '/' + entry.fileName();
        if (entry.isDir() ? !copyTree(entry.filePath(), target)
                          : !QFile::copy(entry.filePath(), target))
            return false;
    }
    return true;
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
        QCOMPARE(report.value().agentVersion, dmr::packVersion(0, 2, 0));
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

    // The size budget over every fixture: a report with everything (its
    // facts included) fits one datagram even encrypted; a typical board's
    // report (the Pi's, facts by hash) stays at most 300 bytes.
    void sizeBudget_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::addColumn<int>("typicalLimit");
        QTest::newRow("raspberry pi") << "proc-rpi" << 300;
        QTest::newRow("laptop") << "proc-laptop" << 0;
        QTest::newRow("server") << "proc-server" << 0;
        QTest::newRow("old kernel") << "proc-oldkernel" << 0;
        QTest::newRow("garbage") << "proc-garbage" << 0;
    }
    void sizeBudget()
    {
        QFETCH(QString, tree);
        QFETCH(int, typicalLimit);
        ReportBuilder builder(configFor(tree), addresses);
        builder.primeCpu();
        auto full = builder.build();
        if (tree == "proc-garbage") {
            QVERIFY(!full.ok()); // no memory total: nothing to size
            return;
        }
        QVERIFY2(full.ok(), full.error().c_str());
        auto typical = builder.build();
        QVERIFY2(typical.ok(), typical.error().c_str());
        QCOMPARE(full.value().factsIncluded, full.value().factsHash != 0);
        QVERIFY(!typical.value().factsIncluded);

        const dmr::Key key = dmr::Key::generate();
        const std::string sealed = dmr::seal(dmr::PayloadKind::Report,
            dmr::encodeReport(full.value()), dmr::Security::Encrypt, &key, 1);
        const std::string plain = dmr::encode(typical.value());
        qInfo("%s: %zu bytes with its facts, encrypted; %zu bytes typical, plain", qPrintable(tree),
            sealed.size(), plain.size());
        QVERIFY(sealed.size() <= dmr::kMaxDatagramSize);
        if (typicalLimit > 0)
            QVERIFY2(plain.size() <= std::size_t(typicalLimit),
                QByteArray::number(qulonglong(plain.size())));

        // Nothing is left out on the way: both decode to what was built.
        const dmr::DecodeResult decoded = dmr::decode(plain);
        QVERIFY2(decoded.ok(), decoded.detail.c_str());
        QCOMPARE(dmr::encode(*decoded.report), plain);
        // Names of processes the previous report listed are left out.
        const auto &sent = typical.value().hardware.processes;
        const auto &received = decoded.report->hardware.processes;
        QCOMPARE(received.size(), sent.size());
        for (std::size_t i = 0; i < sent.size(); ++i) {
            QCOMPARE(received[i].pid, sent[i].pid);
            QCOMPARE(received[i].rssKb, sent[i].rssKb);
            QCOMPARE(received[i].name, sent[i].nameIncluded ? sent[i].name : std::string());
        }
        QCOMPARE(decoded.report->interfaces, typical.value().interfaces);
    }

    // A machine with everything at the codec's limits still goes out as one
    // datagram, facts and all: processes are left out first, then failed
    // units, temperatures and file systems beyond the first few.
    void largestReportIsTrimmedToOneDatagram()
    {
        ReportBuilder builder(configFor("proc-server"), addresses);
        auto built = builder.build();
        QVERIFY(built.ok());
        dmr::Report report = built.value();
        dmr::HardwareSample &h = report.hardware;
        h.corePercents.assign(64, 37.5);
        h.temperatures.clear();
        for (int i = 0; i < 32; ++i)
            h.temperatures.push_back({"coretemp/Core " + std::to_string(i), 40.0 + i});
        h.fileSystems.assign(24,
            dmr::FileSystemSample {
                "/srv/volumes/data", "ext4", 1000000000, 400000000, 500000000, 60000000, 1200000});
        h.processes.clear();
        for (std::uint32_t pid = 1000; pid < 1010; ++pid)
            h.processes.push_back({pid, "postgres: wal w", 12.5, 1234567});
        h.failedUnits = std::vector<std::string>(32, "a-rather-long-unit-name@instance.service");
        const std::size_t dropped = ReportBuilder::fitToDatagram(report);
        QVERIFY(dropped > 0);
        QVERIFY(h.processes.empty());
        QCOMPARE(h.failedUnits->size(), std::size_t(3));
        report.factsHash = dmr::factsHash(h);
        report.factsIncluded = true;
        QCOMPARE(dmr::validate(report), std::string());

        const dmr::Key key = dmr::Key::generate();
        const std::string payload = dmr::encodeReport(report);
        const std::string sealed
            = dmr::seal(dmr::PayloadKind::Report, payload, dmr::Security::Encrypt, &key, 1);
        QVERIFY2(
            sealed.size() <= dmr::kMaxDatagramSize, QByteArray::number(qulonglong(sealed.size())));
        const dmr::DecodeResult decoded = dmr::decodeReport(payload);
        QVERIFY2(decoded.ok(), decoded.detail.c_str());
        QCOMPARE(decoded.report->hardware.temperatures, h.temperatures);
        QCOMPARE(decoded.report->hardware.fileSystems, h.fileSystems);
        // The codec leaves out trailing interfaces; the first four always fit.
        QVERIFY(decoded.report->interfaces.size() >= 4);
    }

    // A process's name goes once: the report after lists its pid alone.
    void processNamesOnlyWhenNew()
    {
        ReportBuilder builder(configFor("proc-rpi"), addresses);
        auto first = builder.build();
        auto second = builder.build();
        QVERIFY(first.ok() && second.ok());
        QVERIFY(!second.value().hardware.processes.empty());
        for (const dmr::ProcessSample &p : first.value().hardware.processes)
            QVERIFY(p.nameIncluded);
        for (const dmr::ProcessSample &p : second.value().hardware.processes)
            QVERIFY(!p.nameIncluded);
        const dmr::DecodeResult decoded = dmr::decode(dmr::encode(second.value()));
        QVERIFY2(decoded.ok(), decoded.detail.c_str());
        QCOMPARE(
            decoded.report->hardware.processes.size(), second.value().hardware.processes.size());
        QVERIFY(decoded.report->hardware.processes[0].name.empty());
        QCOMPARE(
            decoded.report->hardware.processes[0].pid, second.value().hardware.processes[0].pid);
    }

    // Facts go in full the way labels do: in a process's first report,
    // after they change, and every 60th report.
    void factsInFullWhenNeeded()
    {
        QTemporaryDir dir;
        QVERIFY(copyTree(DMR_TEST_DATA "/proc-rpi", dir.path()));
        AgentConfig config = configFor("proc-rpi");
        config.root = dir.path().toStdString();
        ReportBuilder builder(config, addresses);
        std::vector<std::uint64_t> withFacts;
        for (int i = 0; i < 125; ++i) {
            if (i == 70) {
                // A second thermal zone appears (a module loaded): new facts.
                QDir().mkpath(dir.filePath("sys/class/thermal/thermal_zone1"));
                QFile type(dir.filePath("sys/class/thermal/thermal_zone1/type"));
                QVERIFY(type.open(QIODevice::WriteOnly));
                type.write("gpu-thermal\n");
                type.close();
                QFile temp(dir.filePath("sys/class/thermal/thermal_zone1/temp"));
                QVERIFY(temp.open(QIODevice::WriteOnly));
                temp.write("45000\n");
            }
            auto report = builder.build();
            QVERIFY(report.ok());
            QVERIFY(report.value().factsHash != 0);
            if (report.value().factsIncluded)
                withFacts.push_back(report.value().sequence);
        }
        QCOMPARE(withFacts, (std::vector<std::uint64_t> {1, 61, 71, 121}));
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
        // stat, loadavg, net/dev, and the diskstats cut mid-line
        QCOMPARE(builder.problems().size(), std::size_t(4));
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
