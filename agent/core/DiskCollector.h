// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"

#include <cstdint>
#include <string>

struct statvfs;

namespace dmr::agent {

struct DiskUsage
{
    std::uint64_t totalKb = 0;
    std::uint64_t usedKb = 0;
    std::uint64_t availableKb = 0; // to unprivileged users
    // As df shows it: used / (used + available to unprivileged users), so the
    // blocks reserved for root count neither as used nor as free.
    double percent = 0;
};

// Usage of the file system holding DISK_PATH, from statvfs(2). Unlike the other
// collectors it does not read under the proc root: the path is the one to
// measure (in a container, mount the host's disk and point DISK_PATH at it).
class DiskCollector
{
public:
    explicit DiskCollector(std::string path = "/");

    Result<DiskUsage> collect() const;
    const std::string &path() const { return m_path; }

    static DiskUsage fromStatvfs(const struct statvfs &stats);

private:
    std::string m_path;
};

} // namespace dmr::agent
