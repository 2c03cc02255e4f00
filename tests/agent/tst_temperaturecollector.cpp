// SPDX-License-Identifier: MIT
#include "TemperatureCollector.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using dmr::agent::TemperatureCollector;

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

QStringList names(const std::vector<dmr::TemperatureSample> &sensors)
{
    QStringList out;
    for (const dmr::TemperatureSample &sensor : sensors)
        out << QString::fromStdString(sensor.sensor);
    return out;
}

} // namespace

class TestTemperatureCollector : public QObject
{
    Q_OBJECT

private slots:
    // The Pi's hwmon chip only mirrors its thermal zone: one sensor.
    void raspberryPi()
    {
        TemperatureCollector collector(tree("proc-rpi").toStdString());
        const auto sensors = collector.collect();
        QCOMPARE(names(sensors), QStringList {"cpu-thermal"});
        QCOMPARE(sensors[0].celsius, 48.312);
        QCOMPARE(collector.skipped(), std::size_t(0));
    }

    // ACPI and package zones, coretemp and NVMe by label; the Wi-Fi zone is
    // down (an empty read) and counted, acpitz's hwmon mirror left out.
    void laptop()
    {
        TemperatureCollector collector(tree("proc-laptop").toStdString());
        const auto sensors = collector.collect();
        QCOMPARE(names(sensors),
            (QStringList {"acpitz", "x86_pkg_temp", "nvme/Composite", "nvme/Sensor 1",
                "coretemp/Package id 0", "coretemp/Core 0", "coretemp/Core 1", "coretemp/Core 2",
                "coretemp/Core 3"}));
        QCOMPARE(sensors[2].celsius, 38.85);
        QCOMPARE(collector.skipped(), std::size_t(1));
    }

    // A VM, a board without thermal zones, a kernel without hwmon: none, and
    // nothing wrong.
    void absent_data()
    {
        QTest::addColumn<QString>("root");
        QTest::newRow("server") << tree("proc-server");
        QTest::newRow("old kernel") << tree("proc-oldkernel");
        QTest::newRow("missing tree") << tree("no-such-tree");
    }
    void absent()
    {
        QFETCH(QString, root);
        TemperatureCollector collector(root.toStdString());
        QVERIFY(collector.collect().empty());
        QCOMPARE(collector.skipped(), std::size_t(0));
    }

    // "hot", a value out of range, an empty and a 23-digit one are skipped
    // and counted; a zone without a type file goes by its directory name;
    // control bytes in a name become '?'.
    void garbage()
    {
        TemperatureCollector collector(tree("proc-garbage").toStdString());
        const auto sensors = collector.collect();
        QCOMPARE(names(sensors), QStringList {"thermal_zone2"});
        QCOMPARE(sensors[0].celsius, 41.0);
        QCOMPARE(collector.skipped(), std::size_t(4));
    }

    void belowZeroAndLongNames()
    {
        QTemporaryDir dir;
        const QString zone = dir.filePath("sys/class/thermal/thermal_zone0/");
        QVERIFY(writeFile(zone + "type", "outdoor\n"));
        QVERIFY(writeFile(zone + "temp", "-12500\n"));
        const QString chip = dir.filePath("sys/class/hwmon/hwmon3/");
        QVERIFY(writeFile(chip + "name", "a_very_long_chip_name_from_some_vendor\n"));
        QVERIFY(writeFile(chip + "temp7_input", "30000\n"));
        QVERIFY(writeFile(chip + "temp7_label", "and an even longer label\tthat goes on\n"));
        TemperatureCollector collector(dir.path().toStdString());
        const auto sensors = collector.collect();
        QCOMPARE(sensors.size(), std::size_t(2));
        QCOMPARE(sensors[0].celsius, -12.5);
        QCOMPARE(sensors[1].sensor.size(), std::size_t(48));
        QVERIFY(sensors[1].sensor.find('\t') == std::string::npos);
    }

    void atMostThirtyTwo()
    {
        QTemporaryDir dir;
        for (int i = 1; i <= 40; ++i) {
            QVERIFY(writeFile(
                dir.filePath(QStringLiteral("sys/class/hwmon/hwmon0/temp%1_input").arg(i)),
                QByteArray::number(20000 + i)));
        }
        QVERIFY(writeFile(dir.filePath("sys/class/hwmon/hwmon0/name"), "big\n"));
        TemperatureCollector collector(dir.path().toStdString());
        const auto sensors = collector.collect();
        QCOMPARE(sensors.size(), std::size_t(32));
        QCOMPARE(names(sensors).first(), QStringLiteral("big/temp1"));
        QCOMPARE(collector.skipped(), std::size_t(8));
    }
};

QTEST_GUILESS_MAIN(TestTemperatureCollector)
#include "tst_temperaturecollector.moc"
