// SPDX-License-Identifier: MIT
#include "CoreCollector.h"

#include "ProcFile.h"
#include "TextScanner.h"

#include <cstdint>

namespace dmr::agent {

namespace {

// The per-core lines come first; the interrupt list after them can be tens
// of kilobytes on a big machine. A 1024-core line is under 200 bytes.
constexpr std::size_t kStatReadLimit = 256 * 1024;

bool isCoreLabel(std::string_view label, std::uint64_t &index)
{
    return label.size() > 3 && label.substr(0, 3) == "cpu"
        && TextScanner::parseU64(label.substr(3), index);
}

} // namespace

CoreCollector::CoreCollector(std::string root)
    : m_path(ProcFile::join(root, "proc/stat"))
{ }

Result<std::vector<CpuTimes>> CoreCollector::parseCores(std::string_view text)
{
    std::vector<CpuTimes> cores;
    TextScanner lines(text);
    while (!lines.atEnd()) {
        const std::string_view line = lines.nextLine();
        TextScanner fields(line);
        const std::string_view label = fields.nextToken();
        std::uint64_t index = 0;
        if (!isCoreLabel(label, index)) {
            if (!cores.empty())
                break; // past the per-core block
            continue;
        }
        Result<CpuTimes> times
            = CpuCollector::parseTimes(line.substr(std::size_t(label.end() - line.begin())), label);
        if (!times.ok())
            return Result<std::vector<CpuTimes>>::failure(times.error());
        cores.push_back(times.value());
    }
    return Result<std::vector<CpuTimes>>::success(std::move(cores));
}

Result<std::vector<double>> CoreCollector::collect()
{
    const std::string error = ProcFile::read(m_path, m_buffer, kStatReadLimit);
    if (!error.empty())
        return Result<std::vector<double>>::failure(error);
    Result<std::vector<CpuTimes>> parsed = parseCores(m_buffer);
    if (!parsed.ok())
        return Result<std::vector<double>>::failure(m_path + ": " + parsed.error());
    const std::vector<CpuTimes> &now = parsed.value();
    std::vector<double> percents;
    percents.reserve(now.size());
    for (std::size_t i = 0; i < now.size(); ++i) {
        std::optional<double> delta;
        // The same number of lines: indexes still name the same cores.
        if (m_previous.size() == now.size())
            delta = CpuCollector::percentBetween(m_previous[i], now[i]);
        percents.push_back(delta ? *delta : CpuCollector::sinceBootPercent(now[i]));
    }
    m_previous = now;
    return Result<std::vector<double>>::success(std::move(percents));
}

} // namespace dmr::agent
