// SPDX-License-Identifier: MIT
#include "store/HardwareMetrics.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace dmr::console {

namespace {

bool holdsData(const dmr::FileSystemSample &fs)
{
    static constexpr std::array<std::string_view, 7> kNotData
        = {"squashfs", "iso9660", "udf", "tmpfs", "devtmpfs", "ramfs", "cramfs"};
    return fs.sizeKb > 0 && std::find(kNotData.begin(), kNotData.end(), fs.type) == kNotData.end();
}

} // namespace

const QStringList &HardwareMetrics::names()
{
    static const QStringList list
        = {QStringLiteral("temperature_max"), QStringLiteral("battery_percent"),
            QStringLiteral("file_system_max_percent"), QStringLiteral("failed_units")};
    return list;
}

int HardwareMetrics::index(const QString &name)
{
    return int(names().indexOf(name));
}

std::optional<double> HardwareMetrics::value(int index, const dmr::HardwareSample &hardware)
{
    switch (index) {
    case 0:
        return temperatureMax(hardware);
    case 1:
        return batteryPercent(hardware);
    case 2:
        return fileSystemMaxPercent(hardware);
    case 3:
        return failedUnits(hardware);
    default:
        return std::nullopt;
    }
}

std::optional<double> HardwareMetrics::temperatureMax(const dmr::HardwareSample &hardware)
{
    std::optional<double> hottest;
    for (const dmr::TemperatureSample &t : hardware.temperatures)
        hottest = std::max(hottest.value_or(t.celsius), t.celsius);
    return hottest;
}

std::optional<double> HardwareMetrics::batteryPercent(const dmr::HardwareSample &hardware)
{
    if (!hardware.battery)
        return std::nullopt;
    return hardware.battery->percent;
}

std::optional<double> HardwareMetrics::fileSystemMaxPercent(const dmr::HardwareSample &hardware)
{
    std::optional<double> fullest;
    for (const dmr::FileSystemSample &fs : hardware.fileSystems) {
        if (holdsData(fs))
            fullest = std::max(fullest.value_or(fs.percent()), fs.percent());
    }
    return fullest;
}

std::optional<double> HardwareMetrics::failedUnits(const dmr::HardwareSample &hardware)
{
    if (!hardware.failedUnits)
        return std::nullopt;
    return double(hardware.failedUnits->size());
}

} // namespace dmr::console
