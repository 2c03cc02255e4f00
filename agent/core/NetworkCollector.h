// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"
#include "dmr/Report.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmr::agent {

// Per-interface counters from root/proc/net/dev, the MAC address from
// root/sys/class/net/<name>/address and one IP address per interface.
//
// Addresses are not in /proc in a usable form, so they come from an
// injectable lookup (interface name -> address text). The default asks the
// kernel with getifaddrs(3): it always describes the live network namespace,
// also when the proc root points at a copy of another machine's /proc.
//
// Counters are read on every call. Addresses and MACs change rarely and cost
// most of a report's CPU time (getifaddrs dumps every link and address over
// netlink), so they are cached: refreshed whenever the set of interfaces
// changes, and otherwise after addressRefreshMs / macRefreshMs.
class NetworkCollector
{
public:
    using AddressLookup = std::function<std::map<std::string, std::string>()>;

    explicit NetworkCollector(std::string root = "/", bool includeLoopback = false,
        AddressLookup lookup = systemAddresses);

    // At most dmr::kMaxInterfaces interfaces, in the order of /proc/net/dev.
    // Lines that cannot be parsed are skipped; a file with no usable line at
    // all is an error.
    Result<std::vector<dmr::InterfaceSample>> collect();
    const std::string &path() const { return m_path; }
    // Lines skipped by the last collect(), for the log.
    int skippedLines() const { return m_skippedLines; }
    // 0 = look up on every collect().
    void setRefreshPeriods(std::int64_t addressRefreshMs, std::int64_t macRefreshMs);

    // Per interface: its first IPv4 address, else its first global IPv6 one.
    static std::map<std::string, std::string> systemAddresses();
    // One line of /proc/net/dev; false if it is not an interface line.
    static bool parseDevLine(std::string_view line, dmr::InterfaceSample &sample);
    // "AA:BB:..." as lowercase colon-separated octets; "" if not a MAC.
    static std::string normalizeMac(std::string_view text);

private:
    std::string m_root;
    std::string m_path;
    bool m_includeLoopback;
    AddressLookup m_lookup;
    std::string m_buffer;
    std::string m_macBuffer;
    int m_skippedLines = 0;
    std::int64_t m_addressRefreshMs = 30 * 1000;
    std::int64_t m_macRefreshMs = 5 * 60 * 1000;
    std::vector<std::string> m_cachedNames;
    std::map<std::string, std::string> m_addresses;
    std::map<std::string, std::string> m_macs;
    std::optional<std::int64_t> m_addressesAtMs;
    std::optional<std::int64_t> m_macsAtMs;
};

} // namespace dmr::agent
