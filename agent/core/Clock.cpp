// SPDX-License-Identifier: MIT
#include "Clock.h"

#include <cstdio>
#include <ctime>

namespace dmr::agent {

std::int64_t Clock::realtimeMs()
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return std::int64_t(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

std::int64_t Clock::monotonicMs()
{
    return monotonicNs() / 1000000;
}

std::int64_t Clock::monotonicNs()
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
}

std::string Clock::isoUtc(std::int64_t epochMs)
{
    std::int64_t seconds = epochMs / 1000;
    std::int64_t millis = epochMs % 1000;
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    const time_t t = static_cast<time_t>(seconds);
    struct tm parts;
    gmtime_r(&t, &parts);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
        parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, int(millis));
    return text;
}

} // namespace dmr::agent
