// SPDX-License-Identifier: MIT
#include "ReportBuilder.h"

#include "Clock.h"
#include "SystemIdentity.h"
#include "dmr/Codec.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cmath>

namespace dmr::agent {

namespace {

// Just under the codec's limit of 1e6, for a load average that a broken
// kernel or fixture reports as absurdly high.
constexpr double kMaxLoad = 999999.0;

double clampLoad(double load)
{
    return std::clamp(load, 0.0, kMaxLoad);
}

bool isIpAddress(const std::string &text)
{
    unsigned char buffer[16];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1
        || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

} // namespace

ReportBuilder::ReportBuilder(const AgentConfig &config, NetworkCollector::AddressLookup lookup,
    FileSystemCollector::Stat fileSystemStat)
    : m_config(config)
    , m_cpu(config.root)
    , m_memory(config.root)
    , m_disk(config.diskPath)
    , m_load(config.root)
    , m_uptime(config.root)
    , m_network(config.root, config.includeLoopback, std::move(lookup))
    , m_cores(config.root)
    , m_temperatures(config.root)
    , m_battery(config.root)
    , m_diskIo(config.root)
    , m_fileSystems(config.root, std::move(fileSystemStat))
    , m_processes(config.root)
    , m_systemd(config.root, config.systemctl)
    , m_labels(config.labels)
    , m_labelsHash(dmr::labelsHash(config.labels))
    , m_runId(SystemIdentity::randomRunId())
{ }

void ReportBuilder::setLabels(const dmr::Labels &labels)
{
    if (labels == m_labels)
        return;
    m_labels = labels;
    m_labelsHash = dmr::labelsHash(labels);
    m_labelsUnsent = true;
}

std::uint32_t ReportBuilder::agentVersion()
{
    return dmr::packVersion(DMR_VERSION_MAJOR, DMR_VERSION_MINOR, DMR_VERSION_PATCH);
}

std::uint32_t ReportBuilder::wireInterval(double seconds)
{
    const double rounded = std::ceil(std::clamp(seconds, 1.0, double(dmr::kMaxIntervalSeconds)));
    return static_cast<std::uint32_t>(rounded);
}

std::size_t ReportBuilder::fitToDatagram(dmr::Report &report)
{
    // What stays while anything else can go, so that a big machine's report
    // keeps some of each.
    constexpr std::size_t kKeepFailedUnits = 3;
    constexpr std::size_t kKeepTemperatures = 8;
    constexpr std::size_t kKeepFileSystems = 6;
    dmr::HardwareSample &h = report.hardware;
    auto fits = [&report, &h] {
        dmr::Report widest = report;
        // Interfaces beyond the first few are the codec's to leave out
        // (addressed ones come first), before processes: a host's 30 veths
        // should not cost what runs on it.
        if (widest.interfaces.size() > dmr::kKeptInterfaces)
            widest.interfaces.resize(dmr::kKeptInterfaces);
        widest.factsHash = dmr::factsHash(h);
        widest.factsIncluded = widest.factsHash != 0;
        for (dmr::ProcessSample &process : widest.hardware.processes)
            process.nameIncluded = true;
        return dmr::encodedSize(widest) + dmr::kMaxEnvelopeOverhead <= dmr::kMaxDatagramSize;
    };
    std::size_t dropped = 0;
    auto shrink = [&](auto &items, std::size_t keep) {
        while (items.size() > keep && !fits()) {
            items.pop_back();
            ++dropped;
        }
    };
    shrink(h.processes, 0);
    for (const bool keepSome : {true, false}) {
        // First down to a few of each, then, where that is still too much
        // (long mount points and labels in one report), to none.
        if (h.failedUnits)
            shrink(*h.failedUnits, keepSome ? kKeepFailedUnits : 0);
        shrink(h.temperatures, keepSome ? kKeepTemperatures : 0);
        shrink(h.fileSystems, keepSome ? kKeepFileSystems : 0);
    }
    return dropped;
}

void ReportBuilder::primeCpu()
{
    m_cpu.collect();
    m_cores.collect();
    const std::int64_t now = Clock::monotonicMs();
    m_diskIo.collect(now);
    if (m_config.processes)
        m_processes.collect(now);
}

void ReportBuilder::collectHardware(dmr::HardwareSample &hardware, const MemoryInfo *memory)
{
    const std::int64_t now = Clock::monotonicMs();
    Result<std::vector<double>> cores = m_cores.collect();
    if (cores.ok() && cores.value().size() <= dmr::kMaxCores)
        hardware.corePercents = std::move(cores.value());
    else if (!cores.ok())
        m_problems.push_back(cores.error());

    hardware.temperatures = m_temperatures.collect();
    hardware.battery = m_battery.collect();
    if (memory) {
        hardware.swapTotalKb = memory->swapTotalKb;
        hardware.swapUsedKb = memory->swapUsedKb;
    }

    Result<std::optional<dmr::DiskIoSample>> io = m_diskIo.collect(now);
    if (io.ok())
        hardware.diskIo = io.value();
    else
        m_problems.push_back(io.error());

    Result<std::vector<dmr::FileSystemSample>> fileSystems = m_fileSystems.collect();
    if (fileSystems.ok())
        hardware.fileSystems = std::move(fileSystems.value());
    else
        m_problems.push_back(fileSystems.error());

    if (m_config.processes) {
        hardware.processes = m_processes.collect(now);
        for (dmr::ProcessSample &process : hardware.processes) {
            const std::pair<std::uint32_t, std::string> named(process.pid, process.name);
            process.nameIncluded
                = std::find(m_namedProcesses.begin(), m_namedProcesses.end(), named)
                == m_namedProcesses.end();
        }
    }
    if (!m_config.systemctl.empty()) {
        hardware.failedUnits = m_systemd.collect(now);
        if (!m_systemd.problem().empty())
            m_problems.push_back(m_systemd.problem());
    }
}

void ReportBuilder::continueRun(std::uint32_t runId, std::uint64_t nextSequence)
{
    m_runId = runId;
    m_sequence = nextSequence - 1;
}

Result<dmr::Report> ReportBuilder::build()
{
    m_problems.clear();
    dmr::Report report;
    report.deviceId = m_config.deviceId;
    report.hostname = SystemIdentity::hostname(m_config.root);
    report.agentVersion = agentVersion();
    report.intervalSeconds = wireInterval(m_config.intervalSeconds);
    report.runId = m_runId;
    report.sampleTimeMs = Clock::realtimeMs();

    dmr::SystemSample &system = report.system;
    const Result<double> cpu = m_cpu.collect();
    if (cpu.ok())
        system.cpuPercent = std::clamp(cpu.value(), 0.0, 100.0);
    else
        m_problems.push_back(cpu.error());

    const Result<MemoryInfo> memory = m_memory.collect();
    if (memory.ok()) {
        system.memoryTotalKb = memory.value().totalKb;
        system.memoryUsedKb = std::min(memory.value().usedKb, memory.value().totalKb);
    } else {
        m_problems.push_back(memory.error());
    }

    const Result<DiskUsage> disk = m_disk.collect();
    if (disk.ok()) {
        system.diskUsedKb = disk.value().usedKb;
        system.diskTotalKb = disk.value().totalKb;
        system.diskAvailableKb = disk.value().availableKb;
    } else {
        m_problems.push_back(disk.error());
    }

    const Result<LoadAverage> load = m_load.collect();
    if (load.ok()) {
        system.load1 = clampLoad(load.value().load1);
        system.load5 = clampLoad(load.value().load5);
        system.load15 = clampLoad(load.value().load15);
    } else {
        m_problems.push_back(load.error());
    }

    const Result<std::uint64_t> uptime = m_uptime.collect();
    if (uptime.ok())
        system.uptimeSeconds = uptime.value();
    else
        m_problems.push_back(uptime.error());

    Result<std::vector<dmr::InterfaceSample>> network = m_network.collect();
    if (network.ok()) {
        report.interfaces = std::move(network.value());
        for (dmr::InterfaceSample &sample : report.interfaces) {
            // An injected lookup is not trusted to produce valid text.
            if (!sample.ipAddress.empty() && !isIpAddress(sample.ipAddress))
                sample.ipAddress.clear();
        }
        // The codec leaves out trailing interfaces when a datagram would be
        // too large (a host with dozens of container veths): addressed ones first.
        std::stable_partition(report.interfaces.begin(), report.interfaces.end(),
            [](const dmr::InterfaceSample &sample) { return !sample.ipAddress.empty(); });
        if (m_network.skippedLines() > 0)
            m_problems.push_back(m_network.path() + ": skipped "
                + std::to_string(m_network.skippedLines()) + " unparsable line(s)");
    } else {
        m_problems.push_back(network.error());
    }

    collectHardware(report.hardware, memory.ok() ? &memory.value() : nullptr);

    if (system.memoryTotalKb == 0) {
        ++m_skipped;
        return Result<dmr::Report>::failure("report skipped: no memory total ("
            + (memory.ok() ? std::string("zero") : memory.error()) + ")");
    }
    report.sequence = m_sequence + 1;
    report.labelsHash = m_labelsHash;
    if (m_labelsUnsent || report.sequence % kFullLabelsEvery == 1)
        report.labels = m_labels;
    // What a collector found that the wire cannot carry costs the hardware,
    // never the report: the board stays online with its system metrics.
    const std::string hardwareProblem = dmr::validateHardware(report.hardware, true);
    if (!hardwareProblem.empty()) {
        m_problems.push_back("hardware left out of this report: " + hardwareProblem);
        report.hardware = dmr::HardwareSample {};
    }
    if (const std::size_t dropped = fitToDatagram(report))
        m_problems.push_back("left out " + std::to_string(dropped)
            + " hardware item(s) that do not fit one datagram");
    report.factsHash = dmr::factsHash(report.hardware);
    report.factsIncluded = report.factsHash != 0
        && (report.factsHash != m_factsSent || report.sequence % kFullFactsEvery == 1);
    const std::string invalid = dmr::validate(report);
    if (!invalid.empty()) {
        ++m_skipped;
        return Result<dmr::Report>::failure("report skipped: " + invalid);
    }
    m_sequence = report.sequence;
    m_labelsUnsent = false;
    if (report.factsIncluded)
        m_factsSent = report.factsHash;
    m_namedProcesses.clear();
    for (const dmr::ProcessSample &process : report.hardware.processes)
        m_namedProcesses.emplace_back(process.pid, process.name);
    ++m_built;
    return Result<dmr::Report>::success(std::move(report));
}

} // namespace dmr::agent
