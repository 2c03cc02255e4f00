// SPDX-License-Identifier: MIT
#include "dmr/Report.h"

#include <cmath>

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

bool Report::operator==(const Report &other) const
{
    return deviceId == other.deviceId && hostname == other.hostname
        && agentVersion == other.agentVersion && intervalSeconds == other.intervalSeconds
        && runId == other.runId && sequence == other.sequence && sampleTimeMs == other.sampleTimeMs
        && system == other.system && interfaces == other.interfaces;
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
