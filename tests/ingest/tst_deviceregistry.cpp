// SPDX-License-Identifier: MIT
#include "ingest/DeviceRegistry.h"
#include "support/TestReports.h"

#include <QSet>
#include <QTest>
#include <QUuid>
#include <algorithm>

using namespace dmr::console;

using TestReports::makeReport;

namespace {

const std::string kDevice = TestReports::deviceId(1);

} // namespace

class TestDeviceRegistry : public QObject
{
    Q_OBJECT
private slots:
    void sequences_data();
    void sequences();
    void duplicateLeavesDeviceUnchanged();
    void uuidPerDevice();
    void hostnameChangeBumpsUpdatedAt();
    void isOnline_data();
    void isOnline();
    void neverSeenIsOffline();
    void restoreContinues();
    void removedDeviceComesBackAsNew();
    void absorbTakesOverCounters();
};

void TestDeviceRegistry::sequences_data()
{
    // Reports of one device as "run:sequence", in arrival order.
    QTest::addColumn<QString>("arrivals");
    QTest::addColumn<int>("accepted");
    QTest::addColumn<int>("duplicates");
    QTest::addColumn<int>("stale");
    QTest::addColumn<quint64>("lost");
    QTest::addColumn<quint64>("lastSequence");

    QTest::newRow("in order") << "1:1 1:2 1:3 1:4 1:5" << 5 << 0 << 0 << quint64(0) << quint64(5);
    QTest::newRow("gap of two") << "1:1 1:2 1:5" << 3 << 0 << 0 << quint64(2) << quint64(5);
    QTest::newRow("late arrivals fill the gap")
        << "1:1 1:4 1:2 1:3" << 4 << 0 << 0 << quint64(0) << quint64(4);
    QTest::newRow("duplicate of the newest")
        << "1:1 1:2 1:2" << 2 << 1 << 0 << quint64(0) << quint64(2);
    QTest::newRow("duplicate of an older one")
        << "1:1 1:2 1:3 1:1" << 3 << 1 << 0 << quint64(0) << quint64(3);
    QTest::newRow("duplicate of a late arrival")
        << "1:1 1:3 1:2 1:2" << 3 << 1 << 0 << quint64(0) << quint64(3);
    // The window is 8192 wide: an hour of resends at a 1-second interval.
    QTest::newRow("age 8191 is inside the window")
        << "1:1 1:8193 1:2" << 3 << 0 << 0 << quint64(8190) << quint64(8193);
    QTest::newRow("age 8192 is stale")
        << "1:1 1:8194 1:2" << 2 << 0 << 1 << quint64(8192) << quint64(8194);
    QTest::newRow("advance of 8191 remembers the previous one")
        << "1:1 1:8192 1:1" << 2 << 1 << 0 << quint64(8190) << quint64(8192);
    QTest::newRow("advance of 8192 forgets it: stale, not duplicate")
        << "1:1 1:8193 1:1" << 2 << 0 << 1 << quint64(8191) << quint64(8193);
    QTest::newRow("far behind is stale")
        << "1:1 1:20000 1:100" << 2 << 0 << 1 << quint64(19998) << quint64(20000);
    QTest::newRow("resends fill an outage's gap")
        << "1:1 1:2 1:60 1:61 1:3 1:4 1:5 1:3" << 7 << 1 << 0 << quint64(54) << quint64(61);
    QTest::newRow("a replay of an earlier run is a duplicate")
        << "1:1 1:2 2:1 2:2 1:2" << 4 << 1 << 0 << quint64(0) << quint64(2);
    QTest::newRow("an earlier run's late report is taken")
        << "1:1 1:3 2:1 1:2" << 4 << 0 << 0 << quint64(1) << quint64(1);
    QTest::newRow("late arrival after a long jump")
        << "1:1 1:200 1:199" << 3 << 0 << 0 << quint64(197) << quint64(200);
    QTest::newRow("first seen at 5: 4 lost") << "7:5" << 1 << 0 << 0 << quint64(4) << quint64(5);
    QTest::newRow("first seen at 5, then 3 arrives late")
        << "7:5 7:3" << 2 << 0 << 0 << quint64(3) << quint64(5);
    QTest::newRow("new run restarts at 1")
        << "1:1 1:2 1:3 2:1 2:2" << 5 << 0 << 0 << quint64(0) << quint64(2);
    QTest::newRow("new run starting at 5: 4 lost")
        << "1:1 1:2 2:5" << 3 << 0 << 0 << quint64(4) << quint64(5);
    QTest::newRow("new run at a lower sequence is no duplicate")
        << "1:1 1:2 1:3 2:2" << 4 << 0 << 0 << quint64(1) << quint64(2);
    QTest::newRow("run id 0 is a run like any other")
        << "0:1 0:2 0:2 0:3" << 3 << 1 << 0 << quint64(0) << quint64(3);
}

void TestDeviceRegistry::sequences()
{
    QFETCH(QString, arrivals);
    QFETCH(int, accepted);
    QFETCH(int, duplicates);
    QFETCH(int, stale);
    QFETCH(quint64, lost);
    QFETCH(quint64, lastSequence);

    DeviceRegistry registry([] { return qint64(1795000000000LL); });
    int counts[3] = {};
    for (const QString &arrival : arrivals.split(QLatin1Char(' '))) {
        const QStringList parts = arrival.split(QLatin1Char(':'));
        QCOMPARE(parts.size(), 2);
        DeviceSnapshot snapshot;
        const auto verdict = registry.observe(
            makeReport(kDevice, parts[0].toUInt(), parts[1].toULongLong()), &snapshot);
        ++counts[int(verdict)];
    }
    QCOMPARE(counts[int(DeviceRegistry::Verdict::Accepted)], accepted);
    QCOMPARE(counts[int(DeviceRegistry::Verdict::Duplicate)], duplicates);
    QCOMPARE(counts[int(DeviceRegistry::Verdict::Stale)], stale);
    const DeviceSnapshot *device = registry.find(kDevice);
    QVERIFY(device);
    QCOMPARE(device->reportsLost, lost);
    QCOMPARE(device->reportsReceived, quint64(accepted));
    QCOMPARE(device->lastSequence, lastSequence);
}

void TestDeviceRegistry::duplicateLeavesDeviceUnchanged()
{
    qint64 now = 1795000000000LL;
    DeviceRegistry registry([&now] { return now; });
    DeviceSnapshot first;
    QCOMPARE(
        registry.observe(makeReport(kDevice, 1, 3), &first), DeviceRegistry::Verdict::Accepted);
    now += 5000;
    DeviceSnapshot untouched;
    untouched.hostname = QStringLiteral("sentinel");
    QCOMPARE(registry.observe(makeReport(kDevice, 1, 3), &untouched),
        DeviceRegistry::Verdict::Duplicate);
    QCOMPARE(untouched.hostname, QStringLiteral("sentinel"));
    const DeviceSnapshot *device = registry.find(kDevice);
    QCOMPARE(device->lastSeen, first.lastSeen);
    QCOMPARE(device->reportsReceived, quint64(1));
}

void TestDeviceRegistry::uuidPerDevice()
{
    DeviceRegistry registry;
    QSet<QString> uuids;
    for (int n = 0; n < 5; ++n) {
        QString uuid;
        for (quint64 sequence = 1; sequence <= 3; ++sequence) {
            DeviceSnapshot snapshot;
            QCOMPARE(registry.observe(makeReport(TestReports::deviceId(n), 1, sequence), &snapshot),
                DeviceRegistry::Verdict::Accepted);
            QCOMPARE(snapshot.deviceId, QString::fromStdString(TestReports::deviceId(n)));
            if (sequence == 1)
                uuid = snapshot.uuid;
            QCOMPARE(snapshot.uuid, uuid);
        }
        QCOMPARE(uuid.size(), 36);
        QVERIFY(!QUuid::fromString(uuid).isNull());
        uuids.insert(uuid);
    }
    QCOMPARE(uuids.size(), 5);
    QCOMPARE(registry.size(), 5);
    QCOMPARE(registry.devices().size(), 5);
    QVERIFY(!registry.find("unknown"));
}

void TestDeviceRegistry::hostnameChangeBumpsUpdatedAt()
{
    qint64 now = 1795000001000LL;
    DeviceRegistry registry([&now] { return now; });
    DeviceSnapshot snapshot;
    dmr::Report report = makeReport(kDevice, 1, 1);
    report.hostname = "old-name";
    registry.observe(report, &snapshot);
    QCOMPARE(snapshot.createdAt, now);
    QCOMPARE(snapshot.updatedAt, now);
    QCOMPARE(snapshot.hostname, QStringLiteral("old-name"));
    QCOMPARE(snapshot.agentVersion, QStringLiteral("0.1.0"));

    now += 10000;
    report.sequence = 2;
    registry.observe(report, &snapshot);
    QCOMPARE(snapshot.updatedAt, 1795000001000LL);
    QCOMPARE(snapshot.lastSeen, now);

    now += 10000;
    report.sequence = 3;
    report.hostname = "new-name";
    registry.observe(report, &snapshot);
    QCOMPARE(snapshot.hostname, QStringLiteral("new-name"));
    QCOMPARE(snapshot.createdAt, 1795000001000LL);
    QCOMPARE(snapshot.updatedAt, now);
    QCOMPARE(snapshot.lastSeen, now);

    now += 10000;
    report.sequence = 4;
    report.intervalSeconds = 30;
    registry.observe(report, &snapshot);
    QCOMPARE(snapshot.intervalSeconds, 30u);
    QCOMPARE(snapshot.updatedAt, now);
    QCOMPARE(snapshot.createdAt, 1795000001000LL);
}

void TestDeviceRegistry::isOnline_data()
{
    QTest::addColumn<quint32>("interval");
    QTest::addColumn<int>("offlineAfter");
    QTest::addColumn<qint64>("limitSeconds");

    QTest::newRow("interval 10: 60 s") << 10u << 60 << qint64(60);
    QTest::newRow("interval 30: 90 s") << 30u << 60 << qint64(90);
    QTest::newRow("interval 1: 60 s") << 1u << 60 << qint64(60);
    QTest::newRow("interval 20: exactly 60 s") << 20u << 60 << qint64(60);
    QTest::newRow("interval 10, offline after 120: 120 s") << 10u << 120 << qint64(120);
    QTest::newRow("interval 3600: 3 hours") << 3600u << 60 << qint64(10800);
}

void TestDeviceRegistry::isOnline()
{
    QFETCH(quint32, interval);
    QFETCH(int, offlineAfter);
    QFETCH(qint64, limitSeconds);

    qint64 now = 1795000000000LL;
    DeviceRegistry registry([&now] { return now; });
    dmr::Report report = makeReport(kDevice, 1, 1);
    report.intervalSeconds = interval;
    DeviceSnapshot snapshot;
    QCOMPARE(registry.observe(report, &snapshot), DeviceRegistry::Verdict::Accepted);
    const qint64 seen = now;

    QVERIFY(DeviceRegistry::isOnline(snapshot, seen, offlineAfter));
    QVERIFY(DeviceRegistry::isOnline(snapshot, seen + limitSeconds * 1000 - 1, offlineAfter));
    QVERIFY(!DeviceRegistry::isOnline(snapshot, seen + limitSeconds * 1000, offlineAfter));
    QVERIFY(!DeviceRegistry::isOnline(snapshot, seen + limitSeconds * 1000 + 60000, offlineAfter));

    // A new report brings it back.
    now = seen + limitSeconds * 1000 + 60000;
    report.sequence = 2;
    QCOMPARE(registry.observe(report, &snapshot), DeviceRegistry::Verdict::Accepted);
    QVERIFY(DeviceRegistry::isOnline(snapshot, now + 1000, offlineAfter));
}

void TestDeviceRegistry::neverSeenIsOffline()
{
    DeviceSnapshot device;
    device.intervalSeconds = 10;
    QVERIFY(!DeviceRegistry::isOnline(device, 1000));
    QVERIFY(!DeviceRegistry::isOnline(device, 1795000000000LL));
}

void TestDeviceRegistry::restoreContinues()
{
    qint64 now = 1795000000000LL;
    QList<DeviceSnapshot> saved;
    {
        DeviceRegistry before([&now] { return now; });
        DeviceSnapshot snapshot;
        for (quint64 sequence : {1, 2, 4, 5}) // 3 lost
            before.observe(makeReport(kDevice, 9, sequence), &snapshot);
        before.observe(makeReport(TestReports::deviceId(2), 4, 1), &snapshot);
        saved = before.devices();
    }
    QCOMPARE(saved.size(), 2);
    const auto savedDevice
        = std::find_if(saved.cbegin(), saved.cend(), [](const DeviceSnapshot &device) {
              return device.deviceId == QString::fromStdString(kDevice);
          });
    QVERIFY(savedDevice != saved.cend());
    // What the writer would have stored: 1, 2, then 4 and 5 above the gap.
    saved[int(savedDevice - saved.cbegin())].storedSequence = 2;
    saved[int(savedDevice - saved.cbegin())].storedAbove = "06"; // bits 1 and 2: 4 and 5

    now += 3600000;
    DeviceRegistry after([&now] { return now; });
    after.restore(saved);
    QCOMPARE(after.size(), 2);
    const DeviceSnapshot *restored = after.find(kDevice);
    QVERIFY(restored);
    QCOMPARE(restored->uuid, savedDevice->uuid);

    DeviceSnapshot snapshot;
    // The last sequence stored is a duplicate after a restart.
    QCOMPARE(
        after.observe(makeReport(kDevice, 9, 5), &snapshot), DeviceRegistry::Verdict::Duplicate);
    // The same run continues: 6 lost, 7 arrives.
    QCOMPARE(
        after.observe(makeReport(kDevice, 9, 7), &snapshot), DeviceRegistry::Verdict::Accepted);
    QCOMPARE(snapshot.uuid, savedDevice->uuid);
    QCOMPARE(snapshot.createdAt, savedDevice->createdAt);
    QCOMPARE(snapshot.reportsReceived, quint64(5));
    QCOMPARE(snapshot.reportsLost, quint64(2));
    QCOMPARE(snapshot.lastSequence, quint64(7));
    QCOMPARE(snapshot.lastSeen, now);
    // A late arrival of the gap opened after the restart still counts.
    QCOMPARE(
        after.observe(makeReport(kDevice, 9, 6), &snapshot), DeviceRegistry::Verdict::Accepted);
    QCOMPARE(snapshot.reportsLost, quint64(1));
    // So does the resend of one lost before the restart.
    QCOMPARE(
        after.observe(makeReport(kDevice, 9, 3), &snapshot), DeviceRegistry::Verdict::Accepted);
    QCOMPARE(snapshot.reportsLost, quint64(0));
    QCOMPARE(
        after.observe(makeReport(kDevice, 9, 3), &snapshot), DeviceRegistry::Verdict::Duplicate);
    // And a restarted agent is a new run.
    QCOMPARE(
        after.observe(makeReport(kDevice, 10, 1), &snapshot), DeviceRegistry::Verdict::Accepted);
    QCOMPARE(snapshot.reportsLost, quint64(0));
    QCOMPARE(snapshot.runId, 10u);
    QCOMPARE(snapshot.uuid, savedDevice->uuid);
}

void TestDeviceRegistry::removedDeviceComesBackAsNew()
{
    qint64 now = 1000;
    DeviceRegistry registry([&now] { return now; });
    DeviceSnapshot first;
    for (quint64 s = 1; s <= 3; ++s)
        QCOMPARE(
            registry.observe(makeReport(kDevice, 1, s), &first), DeviceRegistry::Verdict::Accepted);
    // Only the uuid the store deleted: a device that came back since stays.
    QVERIFY(!registry.remove(kDevice, QStringLiteral("another-uuid")));
    QCOMPARE(registry.size(), 1);
    QVERIFY(registry.remove(kDevice, first.uuid));
    QCOMPARE(registry.size(), 0);
    QVERIFY(!registry.remove(kDevice, first.uuid));

    // Its next report, even a resend of one it had sent, makes a new device.
    now = 5000;
    DeviceSnapshot again;
    QCOMPARE(
        registry.observe(makeReport(kDevice, 1, 3), &again), DeviceRegistry::Verdict::Accepted);
    QVERIFY(again.uuid != first.uuid);
    QCOMPARE(again.reportsReceived, quint64(1));
    QCOMPARE(again.createdAt, 5000);
}

void TestDeviceRegistry::absorbTakesOverCounters()
{
    qint64 now = 1000;
    DeviceRegistry registry([&now] { return now; });
    const std::string old = TestReports::deviceId(2);
    DeviceSnapshot from, into;
    for (quint64 s : {1, 2, 5}) // two lost
        registry.observe(makeReport(old, 7, s), &from);
    now = 2000;
    for (quint64 s : {1, 2, 3, 4})
        registry.observe(makeReport(kDevice, 9, s), &into);

    DeviceSnapshot merged;
    QVERIFY(!registry.absorb("no-such-device", old, from.uuid, &merged));
    QVERIFY(registry.absorb(kDevice, old, from.uuid, &merged));
    QCOMPARE(merged.uuid, into.uuid);
    QCOMPARE(merged.deviceId, into.deviceId);
    QCOMPARE(merged.reportsReceived, quint64(7));
    QCOMPARE(merged.reportsLost, quint64(2));
    QCOMPARE(merged.createdAt, 1000);
    QCOMPARE(merged.runId, 9u);
    QCOMPARE(registry.size(), 1);
    QVERIFY(!registry.find(old));
    // Twice is once: the old device is no longer there to add.
    QVERIFY(registry.absorb(kDevice, old, from.uuid, &merged));
    QCOMPARE(merged.reportsReceived, quint64(7));
    // The next report counts on from there.
    DeviceSnapshot next;
    registry.observe(makeReport(kDevice, 9, 5), &next);
    QCOMPARE(next.reportsReceived, quint64(8));
    QCOMPARE(next.reportsLost, quint64(2));
}

QTEST_GUILESS_MAIN(TestDeviceRegistry)
#include "tst_deviceregistry.moc"
