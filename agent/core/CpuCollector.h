// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dmr::agent {

// The aggregate "cpu" line of /proc/stat reduced to what a percentage needs,
// in clock ticks since boot.
struct CpuTimes
{
    std::uint64_t total = 0; // user+nice+system+idle+iowait+irq+softirq+steal
    std::uint64_t busy = 0; // total minus idle and iowait

    bool operator==(const CpuTimes &other) const
    {
        return total == other.total && busy == other.busy;
    }
};

// CPU usage from root/proc/stat. A percentage needs two samples, so the
// collector keeps the previous one:
// - the first call (and any call after the counters went backwards, e.g. a
//   CPU taken offline or a restored fixture) has no usable delta and returns
//   the average since boot; it becomes the baseline for the next call;
// - a call less than one clock tick after the previous returns the previous
//   percentage rather than dividing by zero.
class CpuCollector
{
public:
    explicit CpuCollector(std::string root = "/");

    Result<double> collect();
    const std::string &path() const { return m_path; }

    static Result<CpuTimes> parseStat(std::string_view text);
    // The counters after a "cpu" or "cpuN" label; name is for errors.
    static Result<CpuTimes> parseTimes(std::string_view counters, std::string_view name);
    static double sinceBootPercent(const CpuTimes &times);
    // nullopt when the counters went backwards or did not move.
    static std::optional<double> percentBetween(const CpuTimes &from, const CpuTimes &to);

private:
    std::string m_path;
    std::string m_buffer;
    std::optional<CpuTimes> m_previous;
    double m_lastPercent = 0;
};

} // namespace dmr::agent
