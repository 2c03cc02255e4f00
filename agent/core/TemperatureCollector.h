// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <cstddef>
#include <string>
#include <vector>

namespace dmr::agent {

// Temperatures from root/sys/class/thermal (each zone by its type) and
// root/sys/class/hwmon (each chip's temp*_input as "chip/label", or
// "chip/tempN" without a label). A hwmon chip that only mirrors a thermal
// zone (the same name, '-' read as '_') is left out. A board without either
// reports none: that is not an error. A sensor that cannot be read right now
// (a Wi-Fi card that is down answers ENODATA) or reads outside -273..1000 °C
// is skipped and counted.
class TemperatureCollector
{
public:
    explicit TemperatureCollector(std::string root = "/");

    std::vector<dmr::TemperatureSample> collect();
    // Sensors skipped by the last collect().
    std::size_t skipped() const { return m_skipped; }

private:
    bool add(std::vector<dmr::TemperatureSample> &out, std::string name, const std::string &path);

    std::string m_thermal;
    std::string m_hwmon;
    std::string m_buffer;
    std::size_t m_skipped = 0;
};

} // namespace dmr::agent
