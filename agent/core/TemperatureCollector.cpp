// SPDX-License-Identifier: MIT
#include "TemperatureCollector.h"

#include "ProcFile.h"
#include "TextScanner.h"
#include "dmr/Codec.h"

#include <algorithm>
#include <cstdint>

namespace dmr::agent {

namespace {

std::string normalized(std::string name)
{
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

bool startsWith(const std::string &text, const char *prefix)
{
    return text.rfind(prefix, 0) == 0;
}

// Printable ASCII only, and short enough for the wire; labels are firmware
// strings and may hold anything.
std::string sensorName(std::string name)
{
    for (char &c : name) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            c = '?';
    }
    if (name.size() > dmr::kMaxSensorNameLength)
        name.resize(dmr::kMaxSensorNameLength);
    return name;
}

} // namespace

TemperatureCollector::TemperatureCollector(std::string root)
    : m_thermal(ProcFile::join(root, "sys/class/thermal"))
    , m_hwmon(ProcFile::join(root, "sys/class/hwmon"))
{ }

bool TemperatureCollector::add(
    std::vector<dmr::TemperatureSample> &out, std::string name, const std::string &path)
{
    const std::string text = ProcFile::firstLine(path, m_buffer);
    // Millidegrees, signed: a sensor outdoors in winter reads below zero.
    const bool negative = !text.empty() && text.front() == '-';
    std::uint64_t magnitude = 0;
    if (text.empty() || !TextScanner::parseU64(negative ? text.substr(1) : text, magnitude)
        || magnitude > 1000000) {
        ++m_skipped;
        return false;
    }
    const double celsius = (negative ? -double(magnitude) : double(magnitude)) / 1000.0;
    if (celsius < -273 || out.size() >= dmr::kMaxTemperatures) {
        ++m_skipped;
        return false;
    }
    out.push_back({sensorName(std::move(name)), celsius});
    return true;
}

std::vector<dmr::TemperatureSample> TemperatureCollector::collect()
{
    m_skipped = 0;
    std::vector<dmr::TemperatureSample> out;
    std::vector<std::string> zoneTypes;
    for (const std::string &zone : ProcFile::list(m_thermal)) {
        if (!startsWith(zone, "thermal_zone"))
            continue;
        const std::string dir = m_thermal + '/' + zone;
        std::string type = ProcFile::firstLine(dir + "/type", m_buffer);
        if (type.empty())
            type = zone;
        zoneTypes.push_back(normalized(type));
        add(out, type, dir + "/temp");
    }
    for (const std::string &chip : ProcFile::list(m_hwmon)) {
        const std::string dir = m_hwmon + '/' + chip;
        std::string name = ProcFile::firstLine(dir + "/name", m_buffer);
        if (name.empty())
            name = chip;
        if (std::find(zoneTypes.begin(), zoneTypes.end(), normalized(name)) != zoneTypes.end())
            continue;
        for (const std::string &file : ProcFile::list(dir)) {
            const std::size_t suffix = file.rfind("_input");
            if (!startsWith(file, "temp") || suffix == std::string::npos
                || suffix + 6 != file.size())
                continue;
            const std::string input = file.substr(0, suffix); // "temp1"
            std::string label = ProcFile::firstLine(dir + '/' + input + "_label", m_buffer);
            add(out, name + '/' + (label.empty() ? input : label), dir + '/' + file);
        }
    }
    return out;
}

} // namespace dmr::agent
