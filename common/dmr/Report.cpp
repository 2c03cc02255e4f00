// SPDX-License-Identifier: MIT
#include "dmr/Report.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace dmr {

bool InterfaceSample::operator==(const InterfaceSample &other) const
{
    return name == other.name && ipAddress == other.ipAddress && macAddress == other.macAddress
        && rxBytes == other.rxBytes && txBytes == other.txBytes && rxPackets == other.rxPackets
        && txPackets == other.txPackets;
}

namespace {

double percentOf(std::uint64_t part, std::uint64_t whole)
{
    return whole == 0 ? 0.0 : std::round(10000.0 * double(part) / double(whole)) / 100.0;
}

} // namespace

double SystemSample::memoryPercent() const
{
    return percentOf(memoryUsedKb, memoryTotalKb);
}

double SystemSample::diskPercent() const
{
    return percentOf(diskUsedKb, diskUsedKb + diskAvailableKb);
}

bool SystemSample::operator==(const SystemSample &other) const
{
    return cpuPercent == other.cpuPercent && memoryUsedKb == other.memoryUsedKb
        && memoryTotalKb == other.memoryTotalKb && diskUsedKb == other.diskUsedKb
        && diskTotalKb == other.diskTotalKb && diskAvailableKb == other.diskAvailableKb
        && load1 == other.load1 && load5 == other.load5 && load15 == other.load15
        && uptimeSeconds == other.uptimeSeconds;
}

bool TemperatureSample::operator==(const TemperatureSample &other) const
{
    return sensor == other.sensor && celsius == other.celsius;
}

double FileSystemSample::percent() const
{
    return percentOf(usedKb, usedKb + availableKb);
}

double FileSystemSample::inodePercent() const
{
    return percentOf(inodesUsed, inodesTotal);
}

bool FileSystemSample::operator==(const FileSystemSample &other) const
{
    return mount == other.mount && type == other.type && sizeKb == other.sizeKb
        && usedKb == other.usedKb && availableKb == other.availableKb
        && inodesTotal == other.inodesTotal && inodesUsed == other.inodesUsed;
}

bool ProcessSample::operator==(const ProcessSample &other) const
{
    return pid == other.pid && name == other.name && cpuPercent == other.cpuPercent
        && rssKb == other.rssKb;
}

const char *batteryStateName(BatteryState state)
{
    switch (state) {
    case BatteryState::Unknown:
        break;
    case BatteryState::Charging:
        return "charging";
    case BatteryState::Discharging:
        return "discharging";
    case BatteryState::NotCharging:
        return "not charging";
    case BatteryState::Full:
        return "full";
    }
    return "unknown";
}

bool BatterySample::operator==(const BatterySample &other) const
{
    return percent == other.percent && state == other.state;
}

bool DiskIoSample::operator==(const DiskIoSample &other) const
{
    return readKbPerSecond == other.readKbPerSecond && writeKbPerSecond == other.writeKbPerSecond
        && busyPercent == other.busyPercent;
}

bool HardwareSample::empty() const
{
    return corePercents.empty() && temperatures.empty() && !battery && swapTotalKb == 0 && !diskIo
        && fileSystems.empty() && processes.empty() && !failedUnits;
}

bool HardwareSample::operator==(const HardwareSample &other) const
{
    return corePercents == other.corePercents && temperatures == other.temperatures
        && battery == other.battery && swapUsedKb == other.swapUsedKb
        && swapTotalKb == other.swapTotalKb && diskIo == other.diskIo
        && fileSystems == other.fileSystems && processes == other.processes
        && failedUnits == other.failedUnits;
}

bool Report::operator==(const Report &other) const
{
    return deviceId == other.deviceId && hostname == other.hostname
        && agentVersion == other.agentVersion && intervalSeconds == other.intervalSeconds
        && runId == other.runId && sequence == other.sequence && sampleTimeMs == other.sampleTimeMs
        && system == other.system && interfaces == other.interfaces && labels == other.labels
        && labelsHash == other.labelsHash && hardware == other.hardware
        && factsHash == other.factsHash && factsIncluded == other.factsIncluded;
}

namespace {

constexpr std::uint32_t kOffsetBasis = 2166136261u;
constexpr std::uint32_t kPrime = 16777619u;

class Fnv1a
{
public:
    void add(const std::string &bytes)
    {
        for (char c : bytes)
            add(static_cast<unsigned char>(c));
    }
    void add(unsigned char byte)
    {
        m_hash ^= byte;
        m_hash *= kPrime;
    }
    // 0 is kept for "none".
    std::uint32_t value() const { return m_hash == 0 ? 1 : m_hash; }

private:
    std::uint32_t m_hash = kOffsetBasis;
};

} // namespace

std::uint32_t factsHash(const HardwareSample &hardware)
{
    if (hardware.temperatures.empty() && hardware.fileSystems.empty()
        && (!hardware.failedUnits || hardware.failedUnits->empty()))
        return 0;
    Fnv1a hash;
    for (const TemperatureSample &sensor : hardware.temperatures) {
        hash.add('t');
        hash.add(sensor.sensor);
        hash.add('\n');
    }
    for (const FileSystemSample &fs : hardware.fileSystems) {
        hash.add('f');
        hash.add(fs.mount);
        hash.add('\t');
        hash.add(fs.type);
        hash.add('\t');
        hash.add(std::to_string(fs.sizeKb));
        hash.add('\t');
        hash.add(std::to_string(fs.inodesTotal));
        hash.add('\n');
    }
    if (hardware.failedUnits) {
        for (const std::string &unit : *hardware.failedUnits) {
            hash.add('u');
            hash.add(unit);
            hash.add('\n');
        }
    }
    return hash.value();
}

std::uint32_t labelsHash(const Labels &labels)
{
    if (labels.empty())
        return 0;
    using Label = Labels::value_type;
    std::vector<const Label *> sorted;
    sorted.reserve(labels.size());
    for (const Label &label : labels)
        sorted.push_back(&label);
    std::stable_sort(sorted.begin(), sorted.end(),
        [](const Label *a, const Label *b) { return a->first < b->first; });

    Fnv1a hash;
    for (const Label *label : sorted) {
        hash.add(label->first);
        hash.add('=');
        hash.add(label->second);
        hash.add('\n');
    }
    return hash.value();
}

std::uint32_t packVersion(unsigned major, unsigned minor, unsigned patch)
{
    return (std::uint32_t(major & 0xffff) << 16) | ((minor & 0xff) << 8) | (patch & 0xff);
}

std::string versionString(std::uint32_t packed)
{
    return std::to_string(packed >> 16) + '.' + std::to_string((packed >> 8) & 0xff) + '.'
        + std::to_string(packed & 0xff);
}

} // namespace dmr
