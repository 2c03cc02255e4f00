// SPDX-License-Identifier: MIT
#pragma once

#include "AgentConfig.h"
#include "BatteryCollector.h"
#include "CoreCollector.h"
#include "CpuCollector.h"
#include "DiskCollector.h"
#include "DiskIoCollector.h"
#include "FileSystemCollector.h"
#include "LoadCollector.h"
#include "MemoryCollector.h"
#include "NetworkCollector.h"
#include "ProcessCollector.h"
#include "Result.h"
#include "SystemdCollector.h"
#include "TemperatureCollector.h"
#include "UptimeCollector.h"
#include "dmr/Report.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dmr::agent {

// Turns one round of the collectors into a dmr::Report that passes
// dmr::validate(). A collector that fails costs only its own fields (they
// read 0) and adds a line to problems(); only missing memory figures skip the
// report, because the wire format requires a non-zero memory total.
class ReportBuilder
{
public:
    explicit ReportBuilder(const AgentConfig &config,
        NetworkCollector::AddressLookup lookup = NetworkCollector::systemAddresses,
        FileSystemCollector::Stat fileSystemStat = FileSystemCollector::systemStat);

    Result<dmr::Report> build();
    // Takes the samples that rates need (CPU, cores, processes, disk I/O)
    // without building a report, so that the next build() measures since now
    // rather than since boot.
    void primeCpu();
    // Carries on a run an earlier process started (the spill file's): its
    // run id, and sequences from nextSequence on.
    void continueRun(std::uint32_t runId, std::uint64_t nextSequence);

    // Labels to send from the next report on (AgentConfig::labels, valid and
    // sorted); a change goes in full in the next report.
    void setLabels(const dmr::Labels &labels);

    // What went wrong in the last build(), one sentence each.
    const std::vector<std::string> &problems() const { return m_problems; }
    std::uint32_t runId() const { return m_runId; }
    // The sequence the next report gets.
    std::uint64_t nextSequence() const { return m_sequence + 1; }
    // Reports built by this process, whether it continues a run or not.
    std::uint64_t builtCount() const { return m_built; }
    std::uint64_t skippedCount() const { return m_skipped; }

    // Every report whose sequence % kFullLabelsEvery == 1 carries the labels
    // in full, so that a console that restarted or lost the one that did
    // learns them within this many reports; the others carry their hash.
    static constexpr std::uint64_t kFullLabelsEvery = 60;
    // The same for the hardware facts (sensor names, file systems).
    static constexpr std::uint64_t kFullFactsEvery = 60;

    // Leaves out what does not fit one datagram at the largest envelope, facts
    // included: processes (last first), then failed units, temperatures and
    // file systems beyond the first few. Interfaces are the codec's to trim.
    // Returns how many items were left out.
    static std::size_t fitToDatagram(dmr::Report &report);

    static std::uint32_t agentVersion();
    // Whole seconds for the wire, rounded up so that the console's online
    // window (3 x interval) never undercuts a sub-second test interval.
    static std::uint32_t wireInterval(double seconds);

private:
    void collectHardware(dmr::HardwareSample &hardware, const MemoryInfo *memory);

    AgentConfig m_config;
    CpuCollector m_cpu;
    MemoryCollector m_memory;
    DiskCollector m_disk;
    LoadCollector m_load;
    UptimeCollector m_uptime;
    NetworkCollector m_network;
    CoreCollector m_cores;
    TemperatureCollector m_temperatures;
    BatteryCollector m_battery;
    DiskIoCollector m_diskIo;
    FileSystemCollector m_fileSystems;
    ProcessCollector m_processes;
    SystemdCollector m_systemd;
    // The facts hash the console was last sent in full; 0 before any.
    std::uint32_t m_factsSent = 0;
    // The processes (pid, name) of the last report: their names are not sent again.
    std::vector<std::pair<std::uint32_t, std::string>> m_namedProcesses;
    dmr::Labels m_labels;
    std::uint32_t m_labelsHash = 0;
    // Until a report of this process carried the labels in full: a process
    // that continues a run (the spill file's) cannot know whether the
    // console has them, nor an agent whose labels just changed.
    bool m_labelsUnsent = true;
    std::uint32_t m_runId;
    std::uint64_t m_sequence = 0; // the last one used
    std::uint64_t m_built = 0;
    std::uint64_t m_skipped = 0;
    std::vector<std::string> m_problems;
};

} // namespace dmr::agent
