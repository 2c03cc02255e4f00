// SPDX-License-Identifier: MIT
#include "RealisticDevice.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dmr::bench {

namespace {

constexpr std::int64_t kDayMs = 86400000;

double hundredths(double value)
{
    return std::round(value * 100) / 100;
}

} // namespace

RealisticDevice::RealisticDevice(
    std::uint64_t seed, std::uint32_t index, std::int64_t startMs, std::uint32_t intervalSeconds)
    : m_random(seed * 0x9e3779b97f4a7c15ULL + index)
    , m_clockMs(startMs + std::int64_t(index % 1000) * 7)
{
    m_kind = Kind(index % 3);
    char id[33];
    std::snprintf(id, sizeof id, "%016llx%016llx", static_cast<unsigned long long>(m_random()),
        static_cast<unsigned long long>(m_random()));
    m_report.deviceId = id;
    static const char *const names[] = {"board", "server", "laptop"};
    m_report.hostname = std::string(names[int(m_kind)]) + "-" + std::to_string(index);
    m_report.agentVersion = packVersion(0, 2, 0);
    m_report.intervalSeconds = intervalSeconds;

    SystemSample &s = m_report.system;
    switch (m_kind) {
    case Kind::Board:
        m_cores = 4;
        s.memoryTotalKb = 3884084;
        s.diskTotalKb = 30044096;
        m_cpuBase = uniform(1, 6);
        m_rateBase = std::exp(uniform(std::log(300.0), std::log(20e3)));
        break;
    case Kind::Server:
        m_cores = 16;
        s.memoryTotalKb = 65848412;
        s.diskTotalKb = 960185584;
        m_cpuBase = uniform(5, 30);
        m_rateBase = std::exp(uniform(std::log(20e3), std::log(2e6)));
        break;
    case Kind::Laptop:
        m_cores = 8;
        s.memoryTotalKb = 16251932;
        s.diskTotalKb = 490617784;
        m_cpuBase = uniform(2, 15);
        m_rateBase = std::exp(uniform(std::log(2e3), std::log(200e3)));
        break;
    }
    m_memoryBase = m_memoryShare = uniform(0.15, 0.55);
    m_diskUsed = double(s.diskTotalKb) * uniform(0.2, 0.7);
    m_packetSize = uniform(300, 1200);

    static const char *const second[] = {"wlan0", "docker0", "wlp2s0"};
    for (const char *name : {"eth0", second[int(m_kind)]}) {
        InterfaceSample sample;
        sample.name = name;
        sample.ipAddress = "10." + std::to_string(index >> 8 & 0xff) + "."
            + std::to_string(index & 0xff) + "." + std::to_string(sample.name == "eth0" ? 2 : 3);
        char mac[18];
        const std::uint64_t bits = m_random();
        std::snprintf(mac, sizeof mac, "02:%02x:%02x:%02x:%02x:%02x", unsigned(bits & 0xff),
            unsigned(bits >> 8 & 0xff), unsigned(bits >> 16 & 0xff), unsigned(bits >> 24 & 0xff),
            unsigned(bits >> 32 & 0xff));
        sample.macAddress = mac;
        m_report.interfaces.push_back(sample);
    }
    reboot();
    m_bootMs = m_clockMs - std::int64_t(uniform(3600, 40 * 86400) * 1000);
}

void RealisticDevice::reboot()
{
    m_bootMs = m_clockMs;
    m_report.runId = std::uint32_t(m_random());
    m_report.sequence = 0;
    for (InterfaceSample &sample : m_report.interfaces)
        sample.rxBytes = sample.txBytes = sample.rxPackets = sample.txPackets = 0;
    m_load[0] = m_load[1] = m_load[2] = 1.5;
    m_memoryShare = m_memoryBase;
}

double RealisticDevice::activity(std::int64_t ms) const
{
    // Piecewise: quiet nights, a ramp into the working day, a dip at noon.
    const double hour = double(ms % kDayMs) / 3600000.0;
    if (hour < 6)
        return 0.3;
    if (hour < 9)
        return 0.3 + (hour - 6) / 3 * 1.1;
    if (hour < 12)
        return 1.4;
    if (hour < 13)
        return 1.0;
    if (hour < 18)
        return 1.6;
    if (hour < 23)
        return 1.6 - (hour - 18) / 5 * 1.3;
    return 0.3;
}

const Report &RealisticDevice::next()
{
    const double seconds = m_report.intervalSeconds;
    // The agent's timer: a few milliseconds late, and now and then a report
    // lost on the way (the console stores nothing for it).
    m_clockMs += std::int64_t(seconds * 1000);
    std::int64_t lost = 0;
    while (chance(0.002))
        ++lost;
    m_clockMs += lost * std::int64_t(seconds * 1000);
    m_report.sequence += 1 + std::uint64_t(lost);
    if (chance(1.0 / (5 * 8640))) // about once in five days
        reboot();
    if (m_report.sequence == 0)
        m_report.sequence = 1;
    m_report.sampleTimeMs = m_clockMs + std::int64_t(std::fabs(gaussian(3)));

    SystemSample &s = m_report.system;
    const double day = activity(m_clockMs);
    // CPU: AR(1) noise around the day's level, bursts of minutes, hourly jobs.
    m_cpuNoise = 0.85 * m_cpuNoise + gaussian(m_cpuBase * 0.25);
    double cpu = m_cpuBase * day + m_cpuNoise;
    if (m_burstLeft <= 0 && chance(seconds / (2 * 3600.0))) {
        m_burstLeft = -std::log(uniform(1e-6, 1)) * 180;
        m_burstLevel = uniform(55, 100);
        m_memoryShare = std::min(0.95, m_memoryShare + uniform(0.02, 0.12));
    }
    if (m_burstLeft > 0) {
        cpu = m_burstLevel + gaussian(4);
        m_burstLeft -= seconds;
    }
    if ((m_clockMs / 1000) % 3600 < 30)
        cpu += uniform(20, 45); // the hourly job
    s.cpuPercent = hundredths(std::clamp(cpu, 0.0, 100.0));
    // Loads: runnable tasks, smoothed as the kernel does every 5 s.
    const double runnable = s.cpuPercent / 100 * m_cores + std::fabs(gaussian(0.3));
    for (int tick = 0; tick < int(seconds / 5); ++tick) {
        static const double decay[3]
            = {std::exp(-5.0 / 60), std::exp(-5.0 / 300), std::exp(-5.0 / 900)};
        for (int i = 0; i < 3; ++i)
            m_load[i] = m_load[i] * decay[i] + runnable * (1 - decay[i]);
    }
    s.load1 = hundredths(m_load[0]);
    s.load5 = hundredths(m_load[1]);
    s.load15 = hundredths(m_load[2]);
    // Memory: drifts, and what a burst took comes back slowly.
    m_memoryShare += (m_memoryBase - m_memoryShare) * 0.002 + gaussian(0.0008);
    m_memoryShare = std::clamp(m_memoryShare, 0.05, 0.97);
    s.memoryUsedKb = std::uint64_t(double(s.memoryTotalKb) * m_memoryShare);
    // Disk: logs, a nightly rotation, now and then an update of hundreds of MB.
    m_diskUsed += -std::log(uniform(1e-9, 1)) * (m_kind == Kind::Server ? 40 : 6);
    const std::int64_t dayNumber = m_clockMs / kDayMs;
    if (dayNumber != m_lastRotateDay && m_clockMs % kDayMs > 3 * 3600000) {
        m_lastRotateDay = dayNumber;
        m_diskUsed -= uniform(20e3, 200e3);
    }
    if (chance(1.0 / 20000))
        m_diskUsed += uniform(50e3, 600e3);
    const double usable = double(s.diskTotalKb) * 0.95;
    m_diskUsed = std::clamp(m_diskUsed, double(s.diskTotalKb) * 0.05, usable);
    s.diskUsedKb = std::uint64_t(m_diskUsed);
    s.diskAvailableKb = std::uint64_t(usable) - s.diskUsedKb;
    s.uptimeSeconds = std::uint64_t(m_report.sampleTimeMs - m_bootMs) / 1000;

    // Traffic: the busy interface at a heavy-tailed rate around the day's
    // level, with transfers of minutes; the other one mostly chatter.
    if (m_transferLeft <= 0 && chance(seconds / (3 * 3600.0)))
        m_transferLeft = -std::log(uniform(1e-6, 1)) * 120;
    double rate = m_rateBase * day * std::exp(gaussian(0.8));
    if (m_transferLeft > 0) {
        rate += m_rateBase * uniform(20, 200);
        m_transferLeft -= seconds;
    }
    m_packetSize = std::clamp(m_packetSize + gaussian(40), 120.0, 1450.0);
    for (std::size_t i = 0; i < m_report.interfaces.size(); ++i) {
        InterfaceSample &sample = m_report.interfaces[i];
        const double r = i == 0 ? rate : (chance(0.7) ? uniform(0, 120) : rate * 0.05);
        const auto rx = std::uint64_t(r * seconds);
        const auto tx = std::uint64_t(r * seconds * uniform(0.05, 0.4));
        sample.rxBytes += rx;
        sample.txBytes += tx;
        sample.rxPackets += std::uint64_t(double(rx) / m_packetSize) + (rx > 0);
        sample.txPackets += std::uint64_t(double(tx) / (m_packetSize * 0.4)) + (tx > 0);
    }
    return m_report;
}

} // namespace dmr::bench
