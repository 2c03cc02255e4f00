// SPDX-License-Identifier: MIT
#include "dmr/Report.h"

#include <algorithm>
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
        && system == other.system && interfaces == other.interfaces && labels == other.labels
        && labelsHash == other.labelsHash;
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

    constexpr std::uint32_t kOffsetBasis = 2166136261u;
    constexpr std::uint32_t kPrime = 16777619u;
    std::uint32_t hash = kOffsetBasis;
    auto add = [&hash](unsigned char byte) {
        hash ^= byte;
        hash *= kPrime;
    };
    for (const Label *label : sorted) {
        for (char c : label->first)
            add(static_cast<unsigned char>(c));
        add('=');
        for (char c : label->second)
            add(static_cast<unsigned char>(c));
        add('\n');
    }
    return hash == 0 ? 1 : hash;
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
