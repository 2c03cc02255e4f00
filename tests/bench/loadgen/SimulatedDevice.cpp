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
    std::uint32_t intervalSeconds, std::uint32_t runId, bool hardware)
    : m_rngState(deviceState(seed, index))
    , m_hardware(hardware)
{
    char hostname[32];
    std::snprintf(hostname, sizeof hostname, "loadgen-%06u", index);
    m_report.deviceId = deviceIdFor(seed, index);
    m_report.hostname = hostname;
    m_report.agentVersion = hardware ? packVersion(0, 2, 0) : packVersion(0, 1, 0);
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
    if (hardware)
        initHardware(index);
}

namespace {

// What runs on a small board: names and resident sizes (KiB) as they are
// seen on a Raspberry Pi with a few services.
struct KnownProcess
{
    const char *name;
    std::uint64_t rssKb;
    double cpuShare; // of the board's busy time, on average
};
constexpr KnownProcess kProcesses[]
    = {{"node-red", 96000, 0.30}, {"mosquitto", 6800, 0.08}, {"python3", 39000, 0.22},
        {"systemd-journal", 16800, 0.04}, {"systemd", 11800, 0.02}, {"sshd", 7100, 0.01},
        {"telegraf", 52000, 0.12}, {"kworker/0:1-eve", 0, 0.05}, {"dockerd", 71000, 0.06},
        {"containerd", 43000, 0.05}, {"avahi-daemon", 3900, 0.01}, {"metrics-agent", 2400, 0.01}};

} // namespace

void SimulatedDevice::initHardware(std::uint32_t index)
{
    HardwareSample &h = m_report.hardware;
    const bool laptop = index % 5 == 4;
    h.corePercents.assign(laptop ? 8 : 4, m_report.system.cpuPercent);
    m_ambient = uniform(28, 42);
    m_heat = m_report.system.cpuPercent * 0.35;
    h.temperatures = {{laptop ? "x86_pkg_temp" : "cpu-thermal", m_ambient + m_heat}};
    if (laptop) {
        h.temperatures.push_back({"nvme/Composite", m_ambient + 5});
        h.battery = BatterySample {uniform(20, 100), BatteryState::Discharging};
    }
    h.swapTotalKb = m_report.system.memoryTotalKb / 4;
    h.swapUsedKb = std::uint64_t(double(h.swapTotalKb) * uniform(0, 0.3));
    h.diskIo = DiskIoSample {};
    const SystemSample &s = m_report.system;
    h.fileSystems = {{"/", "ext4", s.diskTotalKb, s.diskUsedKb, s.diskAvailableKb,
                         s.diskTotalKb / 16, s.diskUsedKb / 40},
        {laptop ? "/boot/efi" : "/boot/firmware", "vfat", 524288, 62000, 462288, 0, 0}};
    h.failedUnits = std::vector<std::string>();
    std::uint32_t pid = 300 + std::uint32_t(random() % 500);
    for (const KnownProcess &known : kProcesses) {
        pid += 1 + std::uint32_t(random() % 200);
        m_processes.push_back({pid, known.name, known.cpuShare, known.rssKb});
    }
}

void SimulatedDevice::nextHardware(double seconds)
{
    HardwareSample &h = m_report.hardware;
    const double cpu = m_report.system.cpuPercent;
    const double cores = double(h.corePercents.size());
    // One core often carries a burst alone; the others share the rest.
    const std::size_t hot = random() % h.corePercents.size();
    const double total = cpu * cores;
    const double hotPercent = std::min(100.0, total * uniform(1.0 / cores, 1.0));
    const double rest = cores > 1 ? (total - hotPercent) / (cores - 1) : 0;
    for (std::size_t i = 0; i < h.corePercents.size(); ++i) {
        const double value = i == hot ? hotPercent : rest * uniform(0.85, 1.15);
        h.corePercents[i] = std::round(std::clamp(value, 0.0, 100.0) * 100.0) / 100.0;
    }
    // The die heats with the load and cools slowly (a minute's time constant).
    const double target = cpu * 0.35;
    m_heat += (target - m_heat) * std::min(1.0, seconds / 60.0);
    h.temperatures[0].celsius = std::round((m_ambient + m_heat + uniform(-0.4, 0.4)) * 10) / 10;
    if (h.temperatures.size() > 1)
        h.temperatures[1].celsius
            = std::round((m_ambient + 5 + m_heat * 0.3 + uniform(-0.3, 0.3)) * 10) / 10;
    if (h.battery) {
        // Drains over hours, charges when nearly empty, rests when full.
        BatterySample &b = *h.battery;
        if (b.state == BatteryState::Discharging && b.percent < 15)
            b.state = BatteryState::Charging;
        else if (b.state == BatteryState::Charging && b.percent >= 100)
            b.state = BatteryState::Full;
        else if (b.state == BatteryState::Full && random() % 720 == 0)
            b.state = BatteryState::Discharging;
        const double step = seconds / 3600.0 * (b.state == BatteryState::Charging ? 60 : -18);
        b.percent = std::round(std::clamp(b.percent + (b.state == BatteryState::Full ? 0 : step),
                                   0.0, 100.0)
                        * 100)
            / 100;
    }
    h.swapUsedKb = std::uint64_t(
        wander(double(h.swapUsedKb), double(h.swapTotalKb) * 0.002, 0, double(h.swapTotalKb)));
    // Disk traffic comes in bursts (a log rotation, an update): mostly little.
    const bool burst = random() % 50 == 0;
    h.diskIo->readKbPerSecond = burst ? random() % 40000 : random() % 200;
    h.diskIo->writeKbPerSecond = burst ? random() % 20000 : random() % 400;
    h.diskIo->busyPercent
        = std::round(std::min(100.0,
                         double(h.diskIo->readKbPerSecond + h.diskIo->writeKbPerSecond) / 400.0)
              * 100)
        / 100;
    const SystemSample &s = m_report.system;
    FileSystemSample &root = h.fileSystems[0];
    root.usedKb = s.diskUsedKb;
    root.availableKb = s.diskAvailableKb;
    root.inodesUsed = std::min(root.inodesTotal, s.diskUsedKb / 40);
    // A unit fails about once a week of reports and is fixed within the hour.
    if (h.failedUnits->empty() && random() % 60000 == 0)
        h.failedUnits->push_back("bluetooth.service");
    else if (!h.failedUnits->empty() && random() % 360 == 0)
        h.failedUnits->clear();

    // Each process's CPU is its share of the board's busy time with noise;
    // memory wanders. The agent's selection: top 5 by CPU, then by memory.
    std::vector<ProcessSample> now;
    for (ProcessSample &p : m_processes) {
        ProcessSample sample = p;
        sample.cpuPercent = std::round(cpu * cores * p.cpuPercent * uniform(0, 2) * 100) / 100;
        p.rssKb = std::uint64_t(wander(double(p.rssKb), double(p.rssKb) * 0.01, 0, 4e6));
        sample.rssKb = p.rssKb;
        now.push_back(sample);
    }
    std::vector<ProcessSample> top;
    auto pick = [&top, &now](auto better) {
        std::sort(now.begin(), now.end(), better);
        for (std::size_t i = 0; i < 5 && i < now.size(); ++i) {
            const bool listed = std::any_of(top.begin(), top.end(),
                [&](const ProcessSample &p) { return p.pid == now[i].pid; });
            if (!listed)
                top.push_back(now[i]);
        }
    };
    pick(
        [](const ProcessSample &a, const ProcessSample &b) { return a.cpuPercent > b.cpuPercent; });
    pick([](const ProcessSample &a, const ProcessSample &b) { return a.rssKb > b.rssKb; });
    for (ProcessSample &p : top)
        p.nameIncluded = std::find(m_listed.begin(), m_listed.end(), p.pid) == m_listed.end();
    m_listed.clear();
    for (const ProcessSample &p : top)
        m_listed.push_back(p.pid);
    h.processes = std::move(top);

    m_report.factsHash = factsHash(h);
    m_report.factsIncluded = m_report.factsHash != m_factsSent || m_report.sequence % 60 == 1;
    if (m_report.factsIncluded)
        m_factsSent = m_report.factsHash;
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
    if (m_hardware)
        nextHardware(seconds);
    return m_report;
}

} // namespace dmr::bench
