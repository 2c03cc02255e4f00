// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"

#include <string>
#include <string_view>

namespace dmr::agent {

struct LoadAverage
{
    double load1 = 0;
    double load5 = 0;
    double load15 = 0;
};

// The 1, 5 and 15 minute load averages from root/proc/loadavg.
class LoadCollector
{
public:
    explicit LoadCollector(std::string root = "/");

    Result<LoadAverage> collect();
    const std::string &path() const { return m_path; }

    static Result<LoadAverage> parseLoadavg(std::string_view text);

private:
    std::string m_path;
    std::string m_buffer;
};

} // namespace dmr::agent
