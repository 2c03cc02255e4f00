// SPDX-License-Identifier: MIT
#include "MemoryCollector.h"

#include "ProcFile.h"
#include "TextScanner.h"

namespace dmr::agent {

namespace {

enum Field { Total, Available, Free, Buffers, Cached, SwapTotal, SwapFree, FieldCount };

struct Known
{
    std::string_view key;
    Field field;
};

constexpr Known kKnown[] = {
    {"MemTotal:", Total},
    {"MemAvailable:", Available},
    {"MemFree:", Free},
    {"Buffers:", Buffers},
    {"Cached:", Cached},
    {"SwapTotal:", SwapTotal},
    {"SwapFree:", SwapFree},
};

bool isSwap(Field field)
{
    return field == SwapTotal || field == SwapFree;
}

} // namespace

MemoryCollector::MemoryCollector(std::string root)
    : m_path(ProcFile::join(root, "proc/meminfo"))
{ }

Result<MemoryInfo> MemoryCollector::parseMeminfo(std::string_view text)
{
    std::uint64_t values[FieldCount] = {};
    bool seen[FieldCount] = {};
    TextScanner lines(text);
    while (!lines.atEnd()) {
        TextScanner line(lines.nextLine());
        const std::string_view key = line.nextToken();
        for (const Known &known : kKnown) {
            if (key != known.key)
                continue;
            std::uint64_t value = 0;
            // An unreadable line for a key that matters makes the whole
            // file suspect; unknown keys are none of our business.
            if (!line.nextU64(value)) {
                if (isSwap(known.field))
                    break;
                return Result<MemoryInfo>::failure(
                    std::string(known.key.substr(0, known.key.size() - 1)) + " is not a number");
            }
            values[known.field] = value;
            seen[known.field] = true;
        }
    }
    if (!seen[Total] || values[Total] == 0)
        return Result<MemoryInfo>::failure("no MemTotal");

    MemoryInfo info;
    info.totalKb = values[Total];
    std::uint64_t available = 0;
    if (seen[Available]) {
        available = values[Available];
    } else if (seen[Free]) {
        available = values[Free] + values[Buffers] + values[Cached];
    } else {
        return Result<MemoryInfo>::failure("neither MemAvailable nor MemFree");
    }
    info.usedKb = available >= info.totalKb ? 0 : info.totalKb - available;
    if (seen[SwapTotal] && seen[SwapFree] && values[SwapFree] <= values[SwapTotal]) {
        info.swapTotalKb = values[SwapTotal];
        info.swapUsedKb = values[SwapTotal] - values[SwapFree];
    }
    return Result<MemoryInfo>::success(info);
}

Result<MemoryInfo> MemoryCollector::collect()
{
    const std::string error = ProcFile::read(m_path, m_buffer);
    if (!error.empty())
        return Result<MemoryInfo>::failure(error);
    Result<MemoryInfo> parsed = parseMeminfo(m_buffer);
    if (!parsed.ok())
        return Result<MemoryInfo>::failure(m_path + ": " + parsed.error());
    return parsed;
}

} // namespace dmr::agent
