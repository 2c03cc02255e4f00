// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmr::agent {

// The processes on top at each sample, from root/proc/<pid>/stat: the five
// using the most CPU since the last collect() (those that used some), then
// the five with the most resident memory (a process in both lists is listed
// once, so there are 5 to 10). CPU is a
// percentage of one core, as top shows it. A process that ended between the
// directory listing and its read, or whose stat is malformed, is skipped and
// counted; a pid reused by a new process (another start time) starts over.
class ProcessCollector
{
public:
    static constexpr std::size_t kTopByCpu = 5;
    static constexpr std::size_t kTopByMemory = 5;

    struct Stat
    {
        std::string name;
        std::uint64_t cpuTicks = 0; // utime + stime
        std::uint64_t startTicks = 0; // since boot
        std::uint64_t rssPages = 0;
    };

    // Clock ticks per second and page size default to the system's
    // (sysconf); tests pass their fixtures' own.
    explicit ProcessCollector(
        std::string root = "/", long ticksPerSecond = 0, std::uint64_t pageBytes = 0);

    // nowMs is a monotonic clock's (Clock::monotonicMs()). The first call
    // only has memory to rank by.
    std::vector<dmr::ProcessSample> collect(std::int64_t nowMs);
    std::size_t skipped() const { return m_skipped; }
    std::size_t seen() const { return m_seen; }

    static std::optional<Stat> parseStat(std::string_view text);

private:
    // The stat line of /proc/<pid>, read relative to /proc's descriptor;
    // empty when the process is gone or the file unreadable.
    std::string_view readStat(int procFd, const char *pid);

    struct Known
    {
        std::uint32_t pid;
        std::uint64_t startTicks;
        std::uint64_t cpuTicks;
    };

    std::string m_proc;
    double m_ticksPerSecond;
    std::uint64_t m_pageKb;
    char m_statBuffer[2048];
    std::vector<Known> m_previous; // sorted by pid
    std::vector<Known> m_current;
    std::int64_t m_previousMs = 0;
    bool m_primed = false;
    std::size_t m_skipped = 0;
    std::size_t m_seen = 0;
};

} // namespace dmr::agent
