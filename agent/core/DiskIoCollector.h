// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"
#include "dmr/Report.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmr::agent {

// Disk reads, writes and busy time from root/proc/diskstats, for the disks
// that are hardware: those listed in root/sys/block with a "device" link
// (mmcblk0, sda, nvme0n1, vda), so partitions (counted in their disk
// already), loop, ram, zram and device-mapper volumes are left out. Rates
// need two samples: the first collect() (and one after the disk set changed
// or counters went backwards) only takes the baseline and returns nullopt.
class DiskIoCollector
{
public:
    struct DiskCounters
    {
        std::string name;
        std::uint64_t sectorsRead = 0; // 512-byte sectors, whatever the disk's own size
        std::uint64_t sectorsWritten = 0;
        std::uint64_t busyMs = 0; // time with I/O in flight
    };

    explicit DiskIoCollector(std::string root = "/");

    // nowMs is a monotonic clock's (Clock::monotonicMs()).
    Result<std::optional<dmr::DiskIoSample>> collect(std::int64_t nowMs);

    static Result<std::vector<DiskCounters>> parseDiskstats(std::string_view text);
    static std::optional<dmr::DiskIoSample> rates(const std::vector<DiskCounters> &from,
        const std::vector<DiskCounters> &to, std::int64_t elapsedMs);

private:
    bool isHardware(const std::string &name) const;

    std::string m_path;
    std::string m_block;
    std::string m_buffer;
    std::vector<DiskCounters> m_previous;
    std::int64_t m_previousMs = 0;
};

} // namespace dmr::agent
