// SPDX-License-Identifier: MIT
#include "alerts/Presence.h"
#include "alerts/Rule.h"
#include "alerts/RuleEngine.h"
#include "support/TestHardware.h"
#include "support/TestReports.h"

#include <QJsonDocument>
#include <QTest>

using namespace dmr::console;

namespace {

const QString kUuid = QStringLiteral("3f1c0d4e-0000-4000-8000-000000000001");

Rule cpuRule(Rule::Comparison comparison, double raise, double clear, qint64 forMs)
{
    Rule rule;
    rule.id = 1;
    rule.name = QStringLiteral("CPU");
    rule.metric = QStringLiteral("cpu_percent");
    rule.comparison = comparison;
    rule.raise = raise;
    rule.clear = clear;
    rule.forMs = forMs;
    return rule;
}

// sequence 0: a report of a run of its own, so that it is never taken for a
// replay of an earlier one (RuleEngine::observe skips those).
AcceptedReport report(double cpu, quint64 sequence = 0, quint64 lost = 0)
{
    static quint32 runs = 1000;
    AcceptedReport accepted;
    accepted.report = TestReports::makeReport(
        TestReports::deviceId(1), sequence == 0 ? ++runs : 1, std::max<quint64>(sequence, 1));
    sequence = std::max<quint64>(sequence, 1);
    accepted.report.system.cpuPercent = cpu;
    accepted.device.uuid = kUuid;
    accepted.device.intervalSeconds = 10;
    accepted.device.reportsReceived = sequence;
    accepted.device.reportsLost = lost;
    return accepted;
}

// "R@30" raised at 30 s, "C@90" cleared at 90 s; "!" after R when flapping.
QString describe(const QList<AlertEvent> &events)
{
    QStringList parts;
    for (const AlertEvent &event : events) {
        parts << (event.kind == AlertEvent::Kind::Raised ? QStringLiteral("R")
                                                         : QStringLiteral("C"))
                + (event.flapping ? QStringLiteral("!") : QString()) + QLatin1Char('@')
                + QString::number(event.at / 1000)
                + (event.interface.isEmpty() ? QString() : QLatin1Char(':') + event.interface);
    }
    return parts.join(QLatin1Char(','));
}

} // namespace

class TestRuleEngine : public QObject
{
    Q_OBJECT
private slots:
    void thresholds_data();
    void thresholds();
    void offlineRaisesAndAReportClears();
    void maintenanceHoldsAlertsBack();
    void flappingIsMarked();
    void ratesPerInterface();
    void reportLossOverItsWindow();
    void labelsAndDeviceScope();
    void removedRuleEndsItsAlerts();
    void editedRuleEndsWhatItNoLongerTargets();
    void restoredAlertClears();
    void replayedReportsAreNotEvaluated();
    void ruleJson_data();
    void ruleJson();
    void presenceStates();
    void hardwareMetrics_data();
    void hardwareMetrics();
};

void TestRuleEngine::thresholds_data()
{
    QTest::addColumn<int>("comparison"); // 0 above, 1 below
    QTest::addColumn<double>("raise");
    QTest::addColumn<double>("clear");
    QTest::addColumn<int>("forSeconds");
    // "t:value" reports; "t:" a tick without a report.
    QTest::addColumn<QString>("timeline");
    QTest::addColumn<QString>("expected");

    QTest::newRow("at once, and hysteresis")
        << 0 << 90.0 << 80.0 << 0 << "0:50 10:95 20:85 30:81 40:80 50:95"
        << "R@10,C@40,R@50";
    QTest::newRow("equal is not above") << 0 << 90.0 << 90.0 << 0 << "0:90 10:90.01 20:90"
                                        << "R@10,C@20";
    QTest::newRow("must hold for its duration")
        << 0 << 90.0 << 90.0 << 60 << "0:95 10:95 20:50 30:95 60:95 80:95 90:95 100:20"
        << "R@90,C@100";
    QTest::newRow("fires on the timer when no report comes")
        << 0 << 90.0 << 90.0 << 60 << "0:95 30: 59: 60: 61:"
        << "R@60";
    QTest::newRow("a dip before the timer resets it")
        << 0 << 90.0 << 90.0 << 60 << "0:95 50:10 60: 70:95 129: 130:"
        << "R@130";
    QTest::newRow("below, with its own clear")
        << 1 << 10.0 << 20.0 << 0 << "0:50 10:9 20:15 30:19.99 40:20 50:5"
        << "R@10,C@40,R@50";
}

void TestRuleEngine::thresholds()
{
    QFETCH(int, comparison);
    QFETCH(double, raise);
    QFETCH(double, clear);
    QFETCH(int, forSeconds);
    QFETCH(QString, timeline);
    QFETCH(QString, expected);
    RuleEngine engine;
    engine.setRules({cpuRule(comparison ? Rule::Comparison::Below : Rule::Comparison::Above, raise,
                        clear, qint64(forSeconds) * 1000)},
        0);
    QList<AlertEvent> events;
    quint64 sequence = 0;
    for (const QString &step : timeline.split(QLatin1Char(' '))) {
        const qint64 at = step.section(QLatin1Char(':'), 0, 0).toLongLong() * 1000;
        const QString value = step.section(QLatin1Char(':'), 1);
        if (!value.isEmpty())
            events += engine.observe(report(value.toDouble(), ++sequence), at);
        events += engine.tick(at);
    }
    QCOMPARE(describe(events), expected);
}

void TestRuleEngine::offlineRaisesAndAReportClears()
{
    Rule offline;
    offline.id = 7;
    offline.name = QStringLiteral("Offline");
    offline.metric = QStringLiteral("offline");
    offline.severity = Severity::Critical;
    Rule late = offline;
    late.id = 8;
    late.forMs = 120000; // only after two more minutes
    RuleEngine engine;
    engine.setRules({offline, late}, 0);
    QCOMPARE(describe(engine.presence(kUuid, 60000, 61000)), QStringLiteral("R@61"));
    QCOMPARE(engine.firing().size(), 1);
    QCOMPARE(engine.firing().first().ruleId, 7);
    QCOMPARE(describe(engine.tick(180000)), QString());
    QCOMPARE(describe(engine.tick(181000)), QStringLiteral("R@181"));
    // It reports again: both end.
    QCOMPARE(describe(engine.observe(report(10), 200000)), QStringLiteral("C@200,C@200"));
    QVERIFY(engine.firing().isEmpty());
    // Back before the longer rule's time: it never fires.
    QCOMPARE(describe(engine.presence(kUuid, 300000, 300000)), QStringLiteral("R@300"));
    QCOMPARE(describe(engine.observe(report(10, 2), 310000)), QStringLiteral("C@310"));
    QCOMPARE(describe(engine.tick(500000)), QString());
}

void TestRuleEngine::maintenanceHoldsAlertsBack()
{
    RuleEngine engine;
    engine.setRules({cpuRule(Rule::Comparison::Above, 90, 90, 0)}, 0);
    engine.setMaintenance(kUuid, 100000);
    QCOMPARE(describe(engine.observe(report(99), 10000)), QString());
    QCOMPARE(describe(engine.tick(50000)), QString());
    // Still above when maintenance ends: it fires then.
    QCOMPARE(describe(engine.tick(100000)), QStringLiteral("R@100"));
    // What fires stays through a new maintenance window, and clears.
    engine.setMaintenance(kUuid, 300000);
    QCOMPARE(describe(engine.observe(report(10, 2), 200000)), QStringLiteral("C@200"));
}

void TestRuleEngine::flappingIsMarked()
{
    RuleEngine engine;
    engine.setRules({cpuRule(Rule::Comparison::Above, 90, 90, 0)}, 0);
    QList<AlertEvent> events;
    quint64 sequence = 0;
    // Up and down every minute: the fourth raise in 30 minutes flaps.
    for (int minute = 0; minute < 10; minute += 2) {
        events += engine.observe(report(95, ++sequence), minute * 60000LL);
        events += engine.observe(report(5, ++sequence), (minute + 1) * 60000LL);
    }
    // The fourth raise flaps: from then on it clears only after five calm
    // minutes, so the dance goes on as one alert.
    QCOMPARE(describe(events), QStringLiteral("R@0,C@60,R@120,C@180,R@240,C@300,R!@360"));
    QCOMPARE(describe(engine.observe(report(5, ++sequence), 700000)), QString());
    QCOMPARE(describe(engine.observe(report(5, ++sequence), 839999)), QString());
    QCOMPARE(describe(engine.observe(report(5, ++sequence), 1000000)), QStringLiteral("C@1000"));
    // Quiet for half an hour: no longer flapping, an ordinary alert again.
    QCOMPARE(describe(engine.observe(report(95, ++sequence), 3000000)), QStringLiteral("R@3000"));
    QCOMPARE(describe(engine.observe(report(5, ++sequence), 3010000)), QStringLiteral("C@3010"));
}

void TestRuleEngine::ratesPerInterface()
{
    Rule rx;
    rx.id = 3;
    rx.name = QStringLiteral("Busy link");
    rx.metric = QStringLiteral("rx_rate");
    rx.raise = 150; // bytes/s
    rx.clear = 150;
    RuleEngine engine;
    engine.setRules({rx}, 0);
    // makeReport's counters grow 1,000 bytes a report, 10 s apart: 100 B/s.
    QCOMPARE(describe(engine.observe(report(1, 1), 0)), QString());
    QCOMPARE(describe(engine.observe(report(1, 2), 10000)), QString());
    // Rates are over 10 s at least: a report 1 s later, with a jump, is no rate yet.
    AcceptedReport early = report(1, 2);
    early.report.sampleTimeMs += 1000;
    early.report.interfaces.at(0).rxBytes += 1000000;
    QCOMPARE(describe(engine.observe(early, 11000)), QString());
    // eth0 jumps by 3,000 more bytes: 400 B/s; wlan0 stays at 100.
    AcceptedReport burst = report(1, 3);
    burst.report.interfaces.at(0).rxBytes += 3000;
    QCOMPARE(describe(engine.observe(burst, 20000)), QStringLiteral("R@20:eth0"));
    // A counter that went back (a reboot) gives no rate.
    AcceptedReport reboot = report(1, 4);
    reboot.report.interfaces.at(0).rxBytes = 5;
    QCOMPARE(describe(engine.observe(reboot, 30000)), QString());
    AcceptedReport calm = report(1, 5);
    calm.report.interfaces.at(0).rxBytes = 505;
    QCOMPARE(describe(engine.observe(calm, 40000)), QStringLiteral("C@40:eth0"));
}

void TestRuleEngine::reportLossOverItsWindow()
{
    Rule loss;
    loss.id = 4;
    loss.name = QStringLiteral("Loss");
    loss.metric = QStringLiteral("report_loss_percent");
    loss.raise = 5;
    loss.clear = 2;
    loss.forMs = 600000;
    RuleEngine engine;
    engine.setRules({loss}, 0);
    QList<AlertEvent> events;
    // 10 minutes without loss, then 1 in 10 lost: 10 % once the window holds it.
    quint64 received = 0, lost = 0;
    for (int t = 0; t <= 1800; t += 10) {
        if (t > 600 && t < 1200 && (t / 10) % 10 == 0)
            ++lost;
        else
            ++received;
        AcceptedReport next = report(1, received + lost, lost); // the agent's sequence
        next.device.reportsReceived = received;
        events += engine.observe(next, t * 1000LL);
    }
    const QString text = describe(events);
    QVERIFY2(text.startsWith(QLatin1String("R@")), qPrintable(text));
    const int raisedAt
        = text.section(QLatin1Char('@'), 1, 1).section(QLatin1Char(','), 0, 0).toInt();
    // 5 % of ~60 reports is 3 lost: the fourth loss at 1,000 s passes it.
    QCOMPARE(raisedAt, 1000);
    QVERIFY2(text.contains(QLatin1String(",C@")), qPrintable(text));
    QCOMPARE(events.first().value > 5, true);
}

void TestRuleEngine::labelsAndDeviceScope()
{
    Rule lab = cpuRule(Rule::Comparison::Above, 90, 90, 0);
    QString error;
    lab.labels = Rule::parseLabels(QStringLiteral("location=lab, role:gateway"), &error);
    QVERIFY(error.isEmpty());
    Rule other = lab;
    other.id = 2;
    other.labels.clear();
    other.deviceUuid = QStringLiteral("another");
    RuleEngine engine;
    engine.setRules({lab, other}, 0);
    QCOMPARE(describe(engine.observe(report(99), 0)), QString());
    QCOMPARE(describe(engine.setLabels(
                 kUuid, {{QStringLiteral("location"), QStringLiteral("lab")}}, 5000)),
        QString());
    QCOMPARE(describe(engine.observe(report(99, 2), 10000)), QString());
    const Labels gateway {{QStringLiteral("location"), QStringLiteral("lab")},
        {QStringLiteral("role"), QStringLiteral("gateway")}};
    engine.setLabels(kUuid, gateway, 15000);
    const QList<AlertEvent> events = engine.observe(report(99, 3), 20000);
    QCOMPARE(describe(events), QStringLiteral("R@20"));
    QCOMPARE(events.first().rule.id, 1);
    // The same labels again change nothing; moved out of the lab, the board's
    // alert of the lab's rule ends, and nothing of it is kept.
    QCOMPARE(describe(engine.setLabels(kUuid, gateway, 25000)), QString());
    const QList<AlertEvent> moved = engine.setLabels(kUuid,
        {{QStringLiteral("location"), QStringLiteral("shed")},
            {QStringLiteral("role"), QStringLiteral("gateway")}},
        30000);
    QCOMPARE(describe(moved), QStringLiteral("C@30"));
    QCOMPARE(moved.first().rule.id, 1);
    QVERIFY(engine.firing().isEmpty());
    QCOMPARE(describe(engine.observe(report(99, 4), 35000)), QString());
}

void TestRuleEngine::removedRuleEndsItsAlerts()
{
    RuleEngine engine;
    engine.setRules({cpuRule(Rule::Comparison::Above, 90, 90, 0)}, 0);
    QCOMPARE(describe(engine.observe(report(99), 0)), QStringLiteral("R@0"));
    QCOMPARE(describe(engine.setRules({}, 5000)), QStringLiteral("C@5"));
    QVERIFY(engine.firing().isEmpty());
}

void TestRuleEngine::replayedReportsAreNotEvaluated()
{
    // After an outage the agent sends what it kept: reports older than the
    // one already heard say nothing about now, and raise nothing.
    RuleEngine engine;
    engine.setRules({cpuRule(Rule::Comparison::Above, 90, 90, 0)}, 0);
    QCOMPARE(describe(engine.observe(report(10, 20), 0)), QString());
    QCOMPARE(describe(engine.observe(report(99, 12), 1000)), QString());
    QCOMPARE(describe(engine.observe(report(99, 20), 2000)), QString()); // a duplicate
    QCOMPARE(describe(engine.observe(report(99, 21), 3000)), QStringLiteral("R@3"));
    // A new run (the agent restarted) starts its sequence again.
    AcceptedReport restarted = report(99, 1);
    restarted.report.runId = 2;
    restarted.report.system.cpuPercent = 10;
    QCOMPARE(describe(engine.observe(restarted, 4000)), QStringLiteral("C@4"));
}

void TestRuleEngine::editedRuleEndsWhatItNoLongerTargets()
{
    RuleEngine engine;
    Rule rule = cpuRule(Rule::Comparison::Above, 90, 90, 0);
    engine.setRules({rule}, 0);
    QCOMPARE(describe(engine.observe(report(99), 0)), QStringLiteral("R@0"));
    // A new threshold keeps the alert (it clears by the new one).
    rule.raise = rule.clear = 95;
    QCOMPARE(describe(engine.setRules({rule}, 1000)), QString());
    QCOMPARE(engine.firing().size(), 1);
    // Scoped to labels the device lacks: it ends.
    Rule scoped = rule;
    scoped.labels = {{QStringLiteral("location"), QStringLiteral("lab")}};
    QCOMPARE(describe(engine.setRules({scoped}, 2000)), QStringLiteral("C@2"));
    QVERIFY(engine.firing().isEmpty());
    // Measuring another metric: what it held under the old one ends.
    QCOMPARE(describe(engine.setRules({rule}, 3000)), QString());
    QCOMPARE(describe(engine.observe(report(99), 4000)), QStringLiteral("R@4"));
    Rule memory = rule;
    memory.metric = QStringLiteral("memory_percent");
    QCOMPARE(describe(engine.setRules({memory}, 5000)), QStringLiteral("C@5"));
    QVERIFY(engine.firing().isEmpty());
}

void TestRuleEngine::restoredAlertClears()
{
    RuleEngine engine;
    engine.setRules({cpuRule(Rule::Comparison::Above, 90, 80, 0)}, 0);
    engine.restoreFiring(1, kUuid, QString(), 0, 97);
    QCOMPARE(describe(engine.observe(report(85), 1000)), QString());
    QCOMPARE(describe(engine.observe(report(70, 2), 2000)), QStringLiteral("C@2"));
}

void TestRuleEngine::ruleJson_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error"); // empty: accepted
    QTest::newRow("whole") << QByteArray(
        "{\"name\":\"Hot\",\"metric\":\"cpu_percent\",\"comparison\":\">\",\n"
        "        "
        "\"raise\":95,\"clear\":90,\"for_seconds\":600,\"severity\":\"critical\",\"labels\":{"
        "\"room\":\"lab\"}}")
                           << QString();
    QTest::newRow("defaults") << QByteArray("{\"name\":\"Hot\",\"metric\":\"load_1\",\"raise\":4}")
                              << QString();
    QTest::newRow("unknown metric")
        << QByteArray("{\"name\":\"x\",\"metric\":\"temp\",\"raise\":1}")
        << QStringLiteral("unknown metric");
    QTest::newRow("unknown field")
        << QByteArray("{\"name\":\"x\",\"metric\":\"load_1\",\"thresh\":1}")
        << QStringLiteral("unknown field");
    QTest::newRow("clear on the wrong side")
        << QByteArray("{\"name\":\"x\",\"metric\":\"load_1\",\"raise\":4,\"clear\":5}")
        << QStringLiteral("healthy side");
    QTest::newRow("below with clear above") << QByteArray(
        "{\"name\":\"x\",\"metric\":\"disk_percent\",\"comparison\":\"<\",\"raise\":5,\"clear\":6}")
                                            << QString();
    QTest::newRow("bad severity") << QByteArray(
        "{\"name\":\"x\",\"metric\":\"load_1\",\"raise\":4,\"severity\":\"meh\"}")
                                  << QStringLiteral("severity");
    QTest::newRow("no name") << QByteArray("{\"metric\":\"load_1\",\"raise\":4}")
                             << QStringLiteral("name");
    QTest::newRow("string threshold")
        << QByteArray("{\"name\":\"x\",\"metric\":\"load_1\",\"raise\":\"4\"}")
        << QStringLiteral("number");
    QTest::newRow("short loss window") << QByteArray(
        "{\"name\":\"x\",\"metric\":\"report_loss_percent\",\"raise\":5,\"for_seconds\":10}")
                                       << QStringLiteral("at least 60");
    QTest::newRow("bad label") << QByteArray("{\"name\":\"x\",\"metric\":\"load_1\",\"raise\":4,\n"
                                             "        \"labels\":{\"bad key\":\"v\"}}")
                               << QStringLiteral("label");
    // Empty scopes are mistakes, not "every device" (that is null, or {}).
    QTest::newRow("empty device") << QByteArray(
        "{\"name\":\"x\",\"metric\":\"load_1\",\"raise\":4,\"device\":\" \"}")
                                  << QStringLiteral("uuid or null");
    QTest::newRow("empty selector text")
        << QByteArray("{\"name\":\"x\",\"metric\":\"load_1\",\"raise\":4,\"labels\":\"\"}")
        << QStringLiteral("selector is empty");
    QTest::newRow("selector text")
        << QByteArray("{\"name\":\"x\",\"metric\":\"load_1\",\"raise\":4,\"labels\":\"room=lab\"}")
        << QString();
}

void TestRuleEngine::ruleJson()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QString why;
    const std::optional<Rule> rule = Rule::fromJson(QJsonDocument::fromJson(json).object(), &why);
    if (error.isEmpty()) {
        QVERIFY2(rule, qPrintable(why));
        // Back and forth unchanged.
        QString again;
        const std::optional<Rule> copy = Rule::fromJson(
            [&] {
                QJsonObject object = rule->toJson();
                object.remove(QStringLiteral("id"));
                return object;
            }(),
            &again);
        QVERIFY2(copy, qPrintable(again));
        QCOMPARE(copy->toJson(), rule->toJson());
    } else {
        QVERIFY(!rule);
        QVERIFY2(why.contains(error), qPrintable(why));
    }
}

void TestRuleEngine::presenceStates()
{
    Presence presence(60);
    QCOMPARE(presence.state(kUuid, 0), PresenceState::NeverSeen);
    QVERIFY(!presence.seen(kUuid, 10000, 1000000));
    QCOMPARE(presence.state(kUuid, 1010000), PresenceState::Live);
    QCOMPARE(presence.state(kUuid, 1016000), PresenceState::Late);
    QCOMPARE(presence.state(kUuid, 1060000), PresenceState::Late);
    QCOMPARE(presence.state(kUuid, 1060001), PresenceState::Offline);
    QVERIFY(presence.tick(1060000).isEmpty());
    const QList<Presence::Change> down = presence.tick(1061000);
    QCOMPARE(down.size(), 1);
    QVERIFY(down.first().offline);
    QCOMPARE(down.first().at, 1010000); // the first report missed
    QVERIFY(presence.tick(1100000).isEmpty()); // once
    const std::optional<Presence::Change> back = presence.seen(kUuid, 10000, 1200000);
    QVERIFY(back);
    QCOMPARE(back->outageStart, 1010000);
    QCOMPARE(back->at, 1200000);
    // A device with a long interval: 3 x 60 s.
    QVERIFY(!presence.seen(QStringLiteral("slow"), 60000, 1000));
    QCOMPARE(presence.state(QStringLiteral("slow"), 171000), PresenceState::Late);
    QCOMPARE(presence.state(QStringLiteral("slow"), 181001), PresenceState::Offline);
    presence.setMaintenance(QStringLiteral("slow"), 500000);
    QCOMPARE(presence.state(QStringLiteral("slow"), 400000), PresenceState::Maintenance);
    QCOMPARE(presence.state(QStringLiteral("slow"), 500000), PresenceState::Offline);
}

void TestRuleEngine::hardwareMetrics_data()
{
    QTest::addColumn<QString>("metric");
    QTest::addColumn<int>("comparison"); // Rule::Comparison
    QTest::addColumn<double>("raise");
    QTest::addColumn<double>("clear");
    // The sample: hottest sensor 61.5 °C, battery 14.25 %, the fullest data
    // file system 64.65 % (the squashfs at 100 % does not count), 2 failed units.
    QTest::newRow("temperature_max")
        << "temperature_max" << int(Rule::Comparison::Above) << 60.0 << 55.0;
    QTest::newRow("battery_percent")
        << "battery_percent" << int(Rule::Comparison::Below) << 15.0 << 20.0;
    QTest::newRow("file_system_max_percent")
        << "file_system_max_percent" << int(Rule::Comparison::Above) << 60.0 << 50.0;
    QTest::newRow("failed_units") << "failed_units" << int(Rule::Comparison::Above) << 0.0 << 0.0;
}

// Each fires on the sample, stays firing while the report lacks the data
// (no battery, no systemd, sensor names unknown, an older agent), and clears
// once a report has it and it is back.
void TestRuleEngine::hardwareMetrics()
{
    QFETCH(QString, metric);
    QFETCH(int, comparison);
    QFETCH(double, raise);
    QFETCH(double, clear);
    QVERIFY(Rule::metrics().contains(metric));
    Rule rule = cpuRule(Rule::Comparison(comparison), raise, clear, 0);
    rule.metric = metric;
    RuleEngine engine;
    engine.setRules({rule}, 0);
    quint64 sequence = 0;
    auto withHardware = [&](const dmr::HardwareSample &hardware) {
        AcceptedReport accepted = report(1, ++sequence);
        accepted.report.hardware = hardware;
        return accepted;
    };
    // Absent from the start: nothing fires.
    QCOMPARE(describe(engine.observe(withHardware({}), 0)), QString());
    QCOMPARE(describe(engine.observe(withHardware(dmr::test::sampleHardware()), 10000)),
        QStringLiteral("R@10"));
    // Absent: neither clears nor raises again.
    dmr::HardwareSample without = dmr::test::sampleHardware();
    without.temperatures.clear();
    without.battery.reset();
    without.fileSystems.clear();
    without.failedUnits.reset();
    QCOMPARE(describe(engine.observe(withHardware(without), 20000)), QString());
    QCOMPARE(describe(engine.observe(withHardware({}), 30000)), QString());
    QCOMPARE(engine.firing().size(), 1);
    // Back to normal.
    dmr::HardwareSample fine = dmr::test::sampleHardware();
    for (dmr::TemperatureSample &t : fine.temperatures)
        t.celsius = 40;
    fine.battery->percent = 80;
    for (dmr::FileSystemSample &fs : fine.fileSystems)
        fs.usedKb = fs.availableKb = fs.sizeKb / 2;
    fine.failedUnits->clear();
    QCOMPARE(describe(engine.observe(withHardware(fine), 40000)), QStringLiteral("C@40"));
    QVERIFY(engine.firing().isEmpty());
}

QTEST_GUILESS_MAIN(TestRuleEngine)
#include "tst_ruleengine.moc"
