// SPDX-License-Identifier: MIT
#include "CpuCollector.h"

#include "ProcFile.h"
#include "TextScanner.h"

#include <algorithm>

namespace dmr::agent {

namespace {

// Only the first line is needed; on machines with hundreds of CPUs the rest
// of /proc/stat (per-CPU lines, the interrupt list) is tens of kilobytes.
constexpr std::size_t kStatReadLimit = 4096;

double clampPercent(double value)
{
    return std::clamp(value, 0.0, 100.0);
}

} // namespace

CpuCollector::CpuCollector(std::string root)
    : m_path(ProcFile::join(root, "proc/stat"))
{ }

Result<CpuTimes> CpuCollector::parseStat(std::string_view text)
{
    TextScanner scanner(text);
    const std::string_view line = scanner.nextLine();
    TextScanner fields(line);
    if (fields.nextToken() != "cpu")
        return Result<CpuTimes>::failure("first line does not start with \"cpu\"");
    return parseTimes(line.substr(3), "cpu");
}

Result<CpuTimes> CpuCollector::parseTimes(std::string_view counters, std::string_view name)
{
    TextScanner fields(counters);
    // Kernels before 2.6 have four fields, current ones ten. guest and
    // guest_nice (fields 9 and 10) are already counted in user and nice.
    std::uint64_t values[8] = {};
    int count = 0;
    while (count < 8 && !fields.atLineEnd()) {
        if (!fields.nextU64(values[count]))
            return Result<CpuTimes>::failure("field " + std::to_string(count + 1) + " of the "
                + std::string(name) + " line is not a counter");
        ++count;
    }
    if (count < 4)
        return Result<CpuTimes>::failure("the " + std::string(name) + " line has "
            + std::to_string(count) + " fields, at least 4 expected");

    CpuTimes times;
    for (std::uint64_t value : values) {
        if (times.total + value < times.total)
            return Result<CpuTimes>::failure(std::string(name) + " counters overflow 64 bits");
        times.total += value;
    }
    times.busy = times.total - values[3] - values[4];
    return Result<CpuTimes>::success(times);
}

double CpuCollector::sinceBootPercent(const CpuTimes &times)
{
    if (times.total == 0)
        return 0;
    return clampPercent(100.0 * double(times.busy) / double(times.total));
}

std::optional<double> CpuCollector::percentBetween(const CpuTimes &from, const CpuTimes &to)
{
    if (to.total <= from.total || to.busy < from.busy)
        return std::nullopt;
    const double total = double(to.total - from.total);
    const double busy = double(to.busy - from.busy);
    return clampPercent(100.0 * busy / total);
}

Result<double> CpuCollector::collect()
{
    const std::string error = ProcFile::read(m_path, m_buffer, kStatReadLimit);
    if (!error.empty())
        return Result<double>::failure(error);
    const Result<CpuTimes> parsed = parseStat(m_buffer);
    if (!parsed.ok())
        return Result<double>::failure(m_path + ": " + parsed.error());

    const CpuTimes &now = parsed.value();
    if (m_previous && now.total == m_previous->total && now.busy == m_previous->busy)
        return Result<double>::success(m_lastPercent);
    const std::optional<double> delta
        = m_previous ? percentBetween(*m_previous, now) : std::nullopt;
    m_lastPercent = delta ? *delta : sinceBootPercent(now);
    m_previous = now;
    return Result<double>::success(m_lastPercent);
}

} // namespace dmr::agent
