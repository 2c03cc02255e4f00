// SPDX-License-Identifier: MIT
#include "DiskCollector.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/statvfs.h>

namespace dmr::agent {

namespace {

// Kilobytes of `blocks` blocks of `size` bytes, computed without overflowing
// for exabyte file systems.
std::uint64_t toKb(std::uint64_t blocks, std::uint64_t size)
{
    if (size % 1024 == 0)
        return blocks * (size / 1024);
    return static_cast<std::uint64_t>(static_cast<long double>(blocks) * size / 1024);
}

} // namespace

DiskCollector::DiskCollector(std::string path)
    : m_path(std::move(path))
{ }

DiskUsage DiskCollector::fromStatvfs(const struct statvfs &stats)
{
    const std::uint64_t size = stats.f_frsize ? stats.f_frsize : stats.f_bsize;
    const std::uint64_t blocks = stats.f_blocks;
    const std::uint64_t free = std::min<std::uint64_t>(stats.f_bfree, blocks);
    const std::uint64_t available = std::min<std::uint64_t>(stats.f_bavail, free);

    DiskUsage usage;
    usage.totalKb = toKb(blocks, size);
    usage.usedKb = toKb(blocks - free, size);
    usage.availableKb = toKb(available, size);
    const std::uint64_t usedBlocks = blocks - free;
    if (usedBlocks + available > 0)
        usage.percent = 100.0 * double(usedBlocks) / double(usedBlocks + available);
    return usage;
}

Result<DiskUsage> DiskCollector::collect() const
{
    struct statvfs stats;
    if (::statvfs(m_path.c_str(), &stats) != 0)
        return Result<DiskUsage>::failure("cannot statvfs " + m_path + ": " + std::strerror(errno));
    return Result<DiskUsage>::success(fromStatvfs(stats));
}

} // namespace dmr::agent
