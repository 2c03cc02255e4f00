// SPDX-License-Identifier: MIT
#include "BatteryCollector.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using dmr::BatteryState;
using dmr::agent::BatteryCollector;

namespace {

QString tree(const char *name)
{
    return QStringLiteral(DMR_TEST_DATA "/") + QLatin1String(name);
}

bool writeFile(const QString &path, const QByteArray &text)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size();
}

bool addBattery(const QTemporaryDir &dir, const QString &name,
    const QList<QPair<QString, QByteArray>> &attributes)
{
    const QString base = dir.filePath("sys/class/power_supply/" + name + "/");
    if (!writeFile(base + "type", "Battery\n"))
        return false;
    for (const auto &[attribute, value] : attributes) {
        if (!writeFile(base + attribute, value + '\n'))
            return false;
    }
    return true;
}

} // namespace

class TestBatteryCollector : public QObject
{
    Q_OBJECT

private slots:
    // BAT0 by its energy (38.92 of 51.21 Wh); the mouse's battery (scope
    // Device, 5 %) and the AC adapter do not count.
    void laptop()
    {
        BatteryCollector collector(tree("proc-laptop").toStdString());
        const auto battery = collector.collect();
        QVERIFY(battery);
        QCOMPARE(battery->percent, 76.0);
        QCOMPARE(battery->state, BatteryState::Discharging);
    }

    void absent_data()
    {
        QTest::addColumn<QString>("root");
        QTest::newRow("raspberry pi: empty power_supply") << tree("proc-rpi");
        QTest::newRow("server: no power_supply") << tree("proc-server");
        // Unreadable capacity, no energy figures: no level to report.
        QTest::newRow("garbage") << tree("proc-garbage");
        QTest::newRow("missing tree") << tree("no-such-tree");
    }
    void absent()
    {
        QFETCH(QString, root);
        BatteryCollector collector(root.toStdString());
        QVERIFY(!collector.collect());
    }

    // Two batteries: energy together over capacity together, not the mean.
    void twoBatteries()
    {
        QTemporaryDir dir;
        QVERIFY(addBattery(dir, "BAT0",
            {{"status", "Charging"}, {"capacity", "20"}, {"energy_now", "4000000"},
                {"energy_full", "20000000"}}));
        QVERIFY(addBattery(dir, "BAT1",
            {{"status", "Full"}, {"capacity", "100"}, {"energy_now", "60000000"},
                {"energy_full", "60000000"}}));
        BatteryCollector collector(dir.path().toStdString());
        const auto battery = collector.collect();
        QVERIFY(battery);
        QCOMPARE(battery->percent, 80.0);
        QCOMPARE(battery->state, BatteryState::Charging);
    }

    // An empty bay is left out; charge_* (µAh) where energy_* is missing.
    void emptyBayAndChargeFigures()
    {
        QTemporaryDir dir;
        QVERIFY(addBattery(dir, "BAT0", {{"present", "0"}}));
        QVERIFY(addBattery(dir, "BAT1",
            {{"present", "1"}, {"status", "Not charging"}, {"charge_now", "1500000"},
                {"charge_full", "2000000"}}));
        BatteryCollector collector(dir.path().toStdString());
        const auto battery = collector.collect();
        QVERIFY(battery);
        QCOMPARE(battery->percent, 75.0);
        QCOMPARE(battery->state, BatteryState::NotCharging);
    }

    // A UPS HAT's driver may give a capacity above 100.
    void capacityAloneIsClamped()
    {
        QTemporaryDir dir;
        QVERIFY(addBattery(dir, "ups", {{"capacity", "104"}}));
        BatteryCollector collector(dir.path().toStdString());
        const auto battery = collector.collect();
        QVERIFY(battery);
        QCOMPARE(battery->percent, 100.0);
        QCOMPARE(battery->state, BatteryState::Unknown);
    }

    void status_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("state");
        QTest::newRow("charging") << "Charging" << int(BatteryState::Charging);
        QTest::newRow("discharging") << "Discharging" << int(BatteryState::Discharging);
        QTest::newRow("not charging") << "Not charging" << int(BatteryState::NotCharging);
        QTest::newRow("full") << "Full" << int(BatteryState::Full);
        QTest::newRow("unknown") << "Unknown" << int(BatteryState::Unknown);
        QTest::newRow("nonsense") << "Exploding" << int(BatteryState::Unknown);
        QTest::newRow("empty") << "" << int(BatteryState::Unknown);
    }
    void status()
    {
        QFETCH(QString, text);
        QFETCH(int, state);
        QCOMPARE(int(BatteryCollector::parseStatus(text.toStdString())), state);
    }
};

QTEST_GUILESS_MAIN(TestBatteryCollector)
#include "tst_batterycollector.moc"
