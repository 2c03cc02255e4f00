// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace dmr::agent {

// The two clocks the agent needs: wall time for what a report says, and a
// monotonic one for when the next report is due, so that setting the system
// clock neither bunches nor skips reports.
class Clock
{
public:
    static std::int64_t realtimeMs();
    static std::int64_t monotonicMs();
    static std::int64_t monotonicNs();
    // "2026-11-28T12:00:00.123Z"
    static std::string isoUtc(std::int64_t epochMs);
};

} // namespace dmr::agent
