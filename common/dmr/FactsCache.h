// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace dmr {

// Gives reports that carry only facts_hash the sensor names and file systems
// their agent sent in full earlier (proto/metrics.proto's Facts). One per
// receiver; keyed by device id, a few hundred bytes a device.
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
    void forget(const std::string &deviceId);
    std::size_t size() const { return m_facts.size(); }

private:
    struct Facts
    {
        std::uint32_t hash = 0;
        std::vector<std::string> sensors;
        std::vector<FileSystemSample> fileSystems; // mount, type, size and inodes
    };
    std::unordered_map<std::string, Facts> m_facts;
};

} // namespace dmr
