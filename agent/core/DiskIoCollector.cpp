// SPDX-License-Identifier: MIT
#include "DiskIoCollector.h"

#include "ProcFile.h"
#include "TextScanner.h"

#include <algorithm>
#include <cmath>
#include <unistd.h>

namespace dmr::agent {

DiskIoCollector::DiskIoCollector(std::string root)
    : m_path(ProcFile::join(root, "proc/diskstats"))
    , m_block(ProcFile::join(root, "sys/block"))
{ }

Result<std::vector<DiskIoCollector::DiskCounters>> DiskIoCollector::parseDiskstats(
    std::string_view text)
{
    using Parsed = Result<std::vector<DiskCounters>>;
    std::vector<DiskCounters> disks;
    TextScanner lines(text);
    while (!lines.atEnd()) {
        TextScanner fields(lines.nextLine());
        std::uint64_t values[13] = {};
        std::uint64_t major = 0;
        std::uint64_t minor = 0;
        if (fields.atLineEnd())
            continue;
        if (!fields.nextU64(major) || !fields.nextU64(minor))
            return Parsed::failure("a line does not start with major and minor numbers");
        const std::string_view name = fields.nextToken();
        if (name.empty())
            return Parsed::failure("a line has no device name");
        // Fields 1-11 are in every kernel since 2.6; 4.18 added discards,
        // 5.5 flushes: only the first ten are needed.
        for (int i = 0; i < 10; ++i) {
            if (!fields.nextU64(values[i]))
                return Parsed::failure(
                    std::string(name) + ": field " + std::to_string(i + 1) + " is not a counter");
        }
        disks.push_back({std::string(name), values[2], values[6], values[9]});
    }
    return Parsed::success(std::move(disks));
}

std::optional<dmr::DiskIoSample> DiskIoCollector::rates(const std::vector<DiskCounters> &from,
    const std::vector<DiskCounters> &to, std::int64_t elapsedMs)
{
    if (elapsedMs <= 0 || from.size() != to.size())
        return std::nullopt;
    std::uint64_t read = 0;
    std::uint64_t written = 0;
    std::uint64_t busiest = 0;
    for (std::size_t i = 0; i < to.size(); ++i) {
        const DiskCounters &a = from[i];
        const DiskCounters &b = to[i];
        if (a.name != b.name || b.sectorsRead < a.sectorsRead || b.sectorsWritten < a.sectorsWritten
            || b.busyMs < a.busyMs)
            return std::nullopt;
        read += b.sectorsRead - a.sectorsRead;
        written += b.sectorsWritten - a.sectorsWritten;
        busiest = std::max(busiest, b.busyMs - a.busyMs);
    }
    const double seconds = double(elapsedMs) / 1000.0;
    dmr::DiskIoSample sample;
    sample.readKbPerSecond = std::uint64_t(std::llround(double(read) / 2.0 / seconds));
    sample.writeKbPerSecond = std::uint64_t(std::llround(double(written) / 2.0 / seconds));
    sample.busyPercent
        = std::round(std::min(100.0, 100.0 * double(busiest) / double(elapsedMs)) * 100.0) / 100.0;
    return sample;
}

bool DiskIoCollector::isHardware(const std::string &name) const
{
    // A disk's name may hold '/' (cciss/c0d0), which /sys/block spells '!'.
    std::string entry = name;
    std::replace(entry.begin(), entry.end(), '/', '!');
    return ::access((m_block + '/' + entry + "/device").c_str(), F_OK) == 0;
}

Result<std::optional<dmr::DiskIoSample>> DiskIoCollector::collect(std::int64_t nowMs)
{
    using Collected = Result<std::optional<dmr::DiskIoSample>>;
    const std::string error = ProcFile::read(m_path, m_buffer);
    if (!error.empty())
        return Collected::failure(error);
    Result<std::vector<DiskCounters>> parsed = parseDiskstats(m_buffer);
    if (!parsed.ok())
        return Collected::failure(m_path + ": " + parsed.error());
    std::vector<DiskCounters> disks;
    for (DiskCounters &disk : parsed.value()) {
        if (isHardware(disk.name))
            disks.push_back(std::move(disk));
    }
    std::optional<dmr::DiskIoSample> sample;
    if (!m_previous.empty() || !disks.empty())
        sample = rates(m_previous, disks, nowMs - m_previousMs);
    m_previous = std::move(disks);
    m_previousMs = nowMs;
    return Collected::success(sample);
}

} // namespace dmr::agent
