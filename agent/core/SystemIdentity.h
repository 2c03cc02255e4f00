// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace dmr::agent {

// Who this machine is: the answers the report and the config's defaults share.
class SystemIdentity
{
public:
    // root/etc/machine-id trimmed, or "" when missing or not a usable id.
    static std::string machineId(const std::string &root);
    // With root "/", gethostname(2); otherwise root/proc/sys/kernel/hostname
    // (so a fixture or a mounted host /proc names its own machine), falling
    // back to gethostname(2). Reduced to what a report may carry.
    static std::string hostname(const std::string &root);
    // Tells runs of the agent apart: getrandom(2), else /dev/urandom, else
    // time and pid mixed.
    static std::uint32_t randomRunId();
    // Keeps printable ASCII only and at most maxLength characters.
    static std::string printable(const std::string &text, std::size_t maxLength);
};

} // namespace dmr::agent
