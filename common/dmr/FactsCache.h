// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dmr {

// Gives reports what their agent sent once and then left out (see
// proto/metrics.proto): the facts (sensor names, file systems, failed units'
// names) behind facts_hash, and the names of processes an earlier report
// listed. One per receiver; keyed by device id, about a kilobyte a device.
class FactsCache
{
public:
    enum class Outcome {
        None, // the report has no facts to resolve
        Learnt, // it carried them in full; remembered
        Filled, // names filled in from an earlier report
        Unknown, // not seen yet (a console restart, a lost datagram):
                 // temperatures and file systems dropped from the report
    };

    Outcome resolve(Report &report);
    // Takes the facts of hardware stored earlier (the newest of a device
    // when a console starts): their hash is the agent's, so reports that
    // carry only it resolve at once instead of after the next full one.
    void learn(const std::string &deviceId, const HardwareSample &hardware);
    // Processes whose name no report has told yet (their earlier report was
    // lost or is still to come): they keep an empty name. Since start.
    std::size_t unnamedProcesses() const { return m_unnamed; }
    void forget(const std::string &deviceId);
    std::size_t size() const { return m_facts.size(); }

private:
    struct Facts
    {
        std::uint32_t hash = 0;
        std::vector<std::string> sensors;
        std::vector<FileSystemSample> fileSystems; // mount, type, size and inodes
        std::vector<std::string> failedUnits;
        // The names of the processes lately listed, newest last; at most
        // kRememberedProcesses.
        std::vector<std::pair<std::uint32_t, std::string>> processes;
    };
    static constexpr std::size_t kRememberedProcesses = 24;

    void nameProcesses(Report &report, Facts &facts);

    std::unordered_map<std::string, Facts> m_facts;
    std::size_t m_unnamed = 0;
};

} // namespace dmr
