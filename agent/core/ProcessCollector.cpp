// SPDX-License-Identifier: MIT
#include "ProcessCollector.h"

#include "ProcFile.h"
#include "TextScanner.h"
#include "dmr/Codec.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace dmr::agent {

namespace {

bool isPid(std::string_view name, std::uint32_t &pid)
{
    std::uint64_t value = 0;
    if (name.empty() || name.front() < '1' || name.front() > '9'
        || !TextScanner::parseU64(name, value) || value > 0xffffffffu)
        return false;
    pid = std::uint32_t(value);
    return true;
}

std::string processName(std::string_view comm)
{
    std::string name(comm.substr(0, dmr::kMaxProcessNameLength));
    for (char &c : name) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            c = '?';
    }
    return name.empty() ? std::string("?") : name;
}

struct Candidate
{
    dmr::ProcessSample sample;
    std::uint64_t cpuDelta = 0;
};

} // namespace

std::string_view ProcessCollector::readStat(int procFd, const char *pid)
{
    char path[32];
    std::snprintf(path, sizeof path, "%s/stat", pid);
    const int fd = ::openat(procFd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {};
    // One read: the kernel writes a stat line whole, well under 1 KB.
    const ssize_t n = ::read(fd, m_statBuffer, sizeof m_statBuffer);
    ::close(fd);
    return n > 0 ? std::string_view(m_statBuffer, std::size_t(n)) : std::string_view();
}

ProcessCollector::ProcessCollector(std::string root, long ticksPerSecond, std::uint64_t pageBytes)
    : m_proc(ProcFile::join(root, "proc"))
    , m_ticksPerSecond(double(ticksPerSecond > 0 ? ticksPerSecond : ::sysconf(_SC_CLK_TCK)))
    , m_pageKb((pageBytes > 0 ? pageBytes : std::uint64_t(::sysconf(_SC_PAGESIZE))) / 1024)
{
    if (m_ticksPerSecond <= 0)
        m_ticksPerSecond = 100;
    if (m_pageKb == 0)
        m_pageKb = 4;
}

std::optional<ProcessCollector::Stat> ProcessCollector::parseStat(std::string_view text)
{
    // "pid (comm) state ppid ...": comm may hold blanks and parentheses, so
    // it ends at the last ')'.
    const std::size_t open = text.find('(');
    const std::size_t close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return std::nullopt;
    Stat stat;
    stat.name = processName(text.substr(open + 1, close - open - 1));
    TextScanner fields(text.substr(close + 1));
    // Field 3 (state) is at index 0: utime is field 14, stime 15,
    // starttime 22, rss 24.
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    for (int field = 3; field <= 24; ++field) {
        const std::string_view token = fields.nextToken();
        if (token.empty())
            return std::nullopt;
        std::uint64_t *into = field == 14 ? &utime
            : field == 15                 ? &stime
            : field == 22                 ? &stat.startTicks
            : field == 24                 ? &stat.rssPages
                                          : nullptr;
        if (into && !TextScanner::parseU64(token, *into))
            return std::nullopt;
    }
    stat.cpuTicks = utime + stime;
    return stat;
}

std::vector<dmr::ProcessSample> ProcessCollector::collect(std::int64_t nowMs)
{
    m_skipped = 0;
    m_seen = 0;
    m_current.clear();
    const double elapsedTicks = double(nowMs - m_previousMs) / 1000.0 * m_ticksPerSecond;
    const bool rated = m_primed && elapsedTicks > 0;
    std::vector<Candidate> candidates;
    // readdir and openat relative to /proc: no list to sort, no path to
    // build and resolve from / for each of a few hundred processes.
    DIR *dir = ::opendir(m_proc.c_str());
    while (const dirent *entry = dir ? ::readdir(dir) : nullptr) {
        std::uint32_t pid = 0;
        if (!isPid(entry->d_name, pid))
            continue;
        ++m_seen;
        std::optional<Stat> stat;
        const std::string_view text = readStat(::dirfd(dir), entry->d_name);
        if (!text.empty())
            stat = parseStat(text);
        if (!stat) {
            ++m_skipped; // gone since the listing, or unreadable
            continue;
        }
        m_current.push_back({pid, stat->startTicks, stat->cpuTicks});
        Candidate candidate;
        candidate.sample.pid = pid;
        candidate.sample.name = std::move(stat->name);
        candidate.sample.rssKb = stat->rssPages * m_pageKb;
        const auto before = std::lower_bound(m_previous.begin(), m_previous.end(), pid,
            [](const Known &known, std::uint32_t value) { return known.pid < value; });
        if (rated && before != m_previous.end() && before->pid == pid
            && before->startTicks == stat->startTicks && stat->cpuTicks >= before->cpuTicks) {
            candidate.cpuDelta = stat->cpuTicks - before->cpuTicks;
            const double percent = 100.0 * double(candidate.cpuDelta) / elapsedTicks;
            candidate.sample.cpuPercent
                = std::round(std::min(percent, 100.0 * dmr::kMaxCores) * 100.0) / 100.0;
        }
        candidates.push_back(std::move(candidate));
    }
    if (dir)
        ::closedir(dir);
    std::sort(m_current.begin(), m_current.end(),
        [](const Known &a, const Known &b) { return a.pid < b.pid; });
    std::swap(m_previous, m_current);
    m_previousMs = nowMs;
    m_primed = true;

    // Ties go to the lower pid, so that an idle board's list does not flicker.
    std::vector<dmr::ProcessSample> top;
    auto take = [&](auto better, auto wanted, std::size_t count) {
        std::sort(
            candidates.begin(), candidates.end(), [&](const Candidate &a, const Candidate &b) {
                return better(a, b) || (!better(b, a) && a.sample.pid < b.sample.pid);
            });
        std::size_t taken = 0;
        for (const Candidate &candidate : candidates) {
            if (taken == count || !wanted(candidate))
                break;
            const bool listed = std::any_of(top.begin(), top.end(),
                [&](const dmr::ProcessSample &p) { return p.pid == candidate.sample.pid; });
            if (!listed)
                top.push_back(candidate.sample);
            ++taken;
        }
    };
    take([](const Candidate &a, const Candidate &b) { return a.cpuDelta > b.cpuDelta; },
        [](const Candidate &c) { return c.sample.cpuPercent >= 0.01; }, kTopByCpu);
    take([](const Candidate &a, const Candidate &b) { return a.sample.rssKb > b.sample.rssKb; },
        [](const Candidate &c) { return c.sample.rssKb > 0; }, kTopByMemory);
    return top;
}

} // namespace dmr::agent
