// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <optional>
#include <string>

namespace dmr::agent {

// The system's battery from root/sys/class/power_supply: the supplies of type
// "Battery" that power the system (a wireless mouse's has scope "Device" and
// is left out). Several batteries (some laptops have two) read as one: the
// level is their energy (or charge) together over their capacity together,
// the mean of their capacity files where those are missing; the state is
// charging if any charges, discharging if any discharges. nullopt on a board
// without a battery, and where no level can be read.
class BatteryCollector
{
public:
    explicit BatteryCollector(std::string root = "/");

    std::optional<dmr::BatterySample> collect();

    static dmr::BatteryState parseStatus(const std::string &status);

private:
    std::string m_directory;
    std::string m_buffer;
};

} // namespace dmr::agent
