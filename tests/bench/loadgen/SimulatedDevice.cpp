// SPDX-License-Identifier: MIT
#include "SimulatedDevice.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

namespace dmr::bench {

namespace {

std::uint64_t splitMix(std::uint64_t &state)
{
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t deviceState(std::uint64_t seed, std::uint32_t index)
{
    std::uint64_t state = seed;
    return splitMix(state) ^ (std::uint64_t(index) * 0xd1b54a32d192ed03ULL);
}

constexpr std::uint64_t kMemorySizesKb[]
    = {1u << 20, 2u << 20, 4u << 20, 8u << 20, 16u << 20, 32u << 20, 64u << 20};
constexpr std::uint64_t kDiskSizesKb[]
    = {16ULL << 20, 32ULL << 20, 128ULL << 20, 256ULL << 20, 512ULL << 20, 1024ULL << 20};

// What df calls available: ext4 keeps 5 % of the size for root.
std::uint64_t availableKb(const SystemSample &s)
{
    const std::uint64_t usable = s.diskTotalKb - s.diskTotalKb / 20;
    return usable > s.diskUsedKb ? usable - s.diskUsedKb : 0;
}

} // namespace

std::string SimulatedDevice::deviceIdFor(std::uint64_t seed, std::uint32_t index)
{
    std::uint64_t state = deviceState(seed, index) ^ 0x6c6f616467656e00ULL; // "loadgen"
    char id[33];
    std::snprintf(id, sizeof id, "%016llx%016llx", static_cast<unsigned long long>(splitMix(state)),
        static_cast<unsigned long long>(splitMix(state)));
    return id;
}

Key SimulatedDevice::keyFor(std::uint64_t seed, std::uint32_t index)
{
    Key key;
    key.id = index + 1;
    std::uint64_t state = deviceState(seed, index) ^ 0x6b65790000000000ULL; // "key"
    for (std::size_t i = 0; i < kKeySize; i += 8) {
        const std::uint64_t word = splitMix(state);
        std::memcpy(key.bytes.data() + i, &word, sizeof word);
    }
    return key;
}

SimulatedDevice::SimulatedDevice(std::uint64_t seed, std::uint32_t index, std::uint32_t interfaces,
    std::uint32_t intervalSeconds, std::uint32_t runId)
    : m_rngState(deviceState(seed, index))
{
    char hostname[32];
    std::snprintf(hostname, sizeof hostname, "loadgen-%06u", index);
    m_report.deviceId = deviceIdFor(seed, index);
    m_report.hostname = hostname;
    m_report.agentVersion = packVersion(0, 1, 0);
    m_report.intervalSeconds = intervalSeconds;
    m_report.runId = runId;

    SystemSample &s = m_report.system;
    s.memoryTotalKb = kMemorySizesKb[random() % std::size(kMemorySizesKb)];
    s.memoryUsedKb = static_cast<std::uint64_t>(double(s.memoryTotalKb) * uniform(0.2, 0.7));
    s.diskTotalKb = kDiskSizesKb[random() % std::size(kDiskSizesKb)];
    s.diskUsedKb = static_cast<std::uint64_t>(double(s.diskTotalKb) * uniform(0.1, 0.8));
    s.diskAvailableKb = availableKb(s);
    s.cpuPercent = uniform(2, 40);
    s.load1 = s.load5 = s.load15 = uniform(0.05, 2.0);
    m_bootUptimeSeconds = static_cast<std::uint64_t>(uniform(600, 90 * 86400));
    m_rxBytesPerSecond = uniform(1e3, 5e6);
    m_txBytesPerSecond = m_rxBytesPerSecond * uniform(0.05, 1.0);

    for (std::uint32_t k = 0; k < interfaces; ++k) {
        InterfaceSample sample;
        sample.name = "eth" + std::to_string(k);
        char text[32];
        // 10.x.y.z for eth0, 11.x.y.z for eth1, ...: unique per device and readable.
        std::snprintf(text, sizeof text, "%u.%u.%u.%u", 10 + k, (index >> 16) & 0xff,
            (index >> 8) & 0xff, index & 0xff);
        sample.ipAddress = text;
        const std::uint64_t mac = random();
        // 02: a locally administered unicast address, never a real vendor's.
        std::snprintf(text, sizeof text, "02:%02x:%02x:%02x:%02x:%02x", unsigned(mac >> 32 & 0xff),
            unsigned(mac >> 24 & 0xff), unsigned(mac >> 16 & 0xff), unsigned(mac >> 8 & 0xff),
            unsigned(mac & 0xff));
        sample.macAddress = text;
        sample.rxBytes = random() % (1ULL << 36);
        sample.txBytes = random() % (1ULL << 34);
        sample.rxPackets = sample.rxBytes / 900;
        sample.txPackets = sample.txBytes / 600;
        m_report.interfaces.push_back(std::move(sample));
    }
}

std::uint64_t SimulatedDevice::random()
{
    return splitMix(m_rngState);
}

double SimulatedDevice::uniform(double low, double high)
{
    return low + (high - low) * double(random() >> 11) * 0x1.0p-53;
}

double SimulatedDevice::wander(double value, double step, double low, double high)
{
    return std::clamp(value + uniform(-step, step), low, high);
}

void SimulatedDevice::setLabels(Labels labels)
{
    m_labels = std::move(labels);
    m_report.labelsHash = labelsHash(m_labels);
}

const Report &SimulatedDevice::next(std::int64_t nowMs)
{
    if (m_report.sequence == 0)
        m_firstSampleMs = nowMs;
    ++m_report.sequence;
    m_report.sampleTimeMs = nowMs;
    if (!m_labels.empty()) {
        if (m_report.sequence % 60 == 1)
            m_report.labels = m_labels;
        else
            m_report.labels.clear();
    }

    SystemSample &s = m_report.system;
    s.cpuPercent = wander(s.cpuPercent, 8, 0, 100);
    const double memoryShare
        = wander(double(s.memoryUsedKb) / double(s.memoryTotalKb), 0.02, 0.05, 0.98);
    s.memoryUsedKb = static_cast<std::uint64_t>(double(s.memoryTotalKb) * memoryShare);
    // Disks fill slowly and are cleaned up now and then.
    s.diskUsedKb = std::min(s.diskTotalKb, s.diskUsedKb + random() % 4096);
    if (s.diskUsedKb > s.diskTotalKb * 95 / 100)
        s.diskUsedKb = s.diskTotalKb / 2;
    s.diskAvailableKb = availableKb(s);
    // Loads follow the CPU with the kernel's 1, 5 and 15 minute inertia.
    const double busy = s.cpuPercent / 25.0 + uniform(0, 0.3);
    s.load1 += (busy - s.load1) * 0.3;
    s.load5 += (busy - s.load5) * 0.08;
    s.load15 += (busy - s.load15) * 0.03;
    s.uptimeSeconds = m_bootUptimeSeconds + std::uint64_t(nowMs - m_firstSampleMs) / 1000;

    const double seconds = m_report.intervalSeconds;
    for (InterfaceSample &sample : m_report.interfaces) {
        const auto rx = std::uint64_t(m_rxBytesPerSecond * seconds * uniform(0.2, 1.8));
        const auto tx = std::uint64_t(m_txBytesPerSecond * seconds * uniform(0.2, 1.8));
        sample.rxBytes += rx;
        sample.txBytes += tx;
        sample.rxPackets += rx / 900 + 1;
        sample.txPackets += tx / 600 + 1;
    }
    return m_report;
}

} // namespace dmr::bench
