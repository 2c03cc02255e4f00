// SPDX-License-Identifier: MIT
#include "BatteryCollector.h"

#include "ProcFile.h"
#include "TextScanner.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace dmr::agent {

BatteryCollector::BatteryCollector(std::string root)
    : m_directory(ProcFile::join(root, "sys/class/power_supply"))
{ }

dmr::BatteryState BatteryCollector::parseStatus(const std::string &status)
{
    if (status == "Charging")
        return dmr::BatteryState::Charging;
    if (status == "Discharging")
        return dmr::BatteryState::Discharging;
    if (status == "Not charging")
        return dmr::BatteryState::NotCharging;
    if (status == "Full")
        return dmr::BatteryState::Full;
    return dmr::BatteryState::Unknown;
}

std::optional<dmr::BatterySample> BatteryCollector::collect()
{
    auto number = [this](const std::string &path, std::uint64_t &out) {
        return TextScanner::parseU64(ProcFile::firstLine(path, m_buffer), out);
    };
    std::uint64_t now = 0;
    std::uint64_t full = 0;
    bool energyEverywhere = true;
    double capacitySum = 0;
    int capacities = 0;
    int batteries = 0;
    bool charging = false;
    bool discharging = false;
    bool allFull = true;
    bool anyKnown = false;
    for (const std::string &supply : ProcFile::list(m_directory)) {
        const std::string dir = m_directory + '/' + supply + '/';
        if (ProcFile::firstLine(dir + "type", m_buffer) != "Battery"
            || ProcFile::firstLine(dir + "scope", m_buffer) == "Device")
            continue;
        // "present" is 0 for an empty bay of a laptop with two.
        if (ProcFile::firstLine(dir + "present", m_buffer) == "0")
            continue;
        ++batteries;
        std::uint64_t value = 0;
        if (number(dir + "capacity", value)) {
            capacitySum += double(std::min<std::uint64_t>(value, 100));
            ++capacities;
        }
        std::uint64_t level = 0;
        std::uint64_t design = 0;
        if ((number(dir + "energy_now", level) && number(dir + "energy_full", design))
            || (number(dir + "charge_now", level) && number(dir + "charge_full", design))) {
            now += level;
            full += design;
        } else {
            energyEverywhere = false;
        }
        const dmr::BatteryState state = parseStatus(ProcFile::firstLine(dir + "status", m_buffer));
        charging = charging || state == dmr::BatteryState::Charging;
        discharging = discharging || state == dmr::BatteryState::Discharging;
        allFull = allFull && state == dmr::BatteryState::Full;
        anyKnown = anyKnown || state != dmr::BatteryState::Unknown;
    }
    if (batteries == 0)
        return std::nullopt;
    dmr::BatterySample sample;
    if (energyEverywhere && full > 0)
        sample.percent = std::min(100.0, 100.0 * double(now) / double(full));
    else if (capacities > 0)
        sample.percent = capacitySum / capacities;
    else
        return std::nullopt;
    sample.percent = std::round(sample.percent * 100.0) / 100.0;
    if (charging)
        sample.state = dmr::BatteryState::Charging;
    else if (discharging)
        sample.state = dmr::BatteryState::Discharging;
    else if (allFull)
        sample.state = dmr::BatteryState::Full;
    else if (anyKnown)
        sample.state = dmr::BatteryState::NotCharging;
    return sample;
}

} // namespace dmr::agent
