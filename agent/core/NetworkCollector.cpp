// SPDX-License-Identifier: MIT
#include "NetworkCollector.h"

#include "Clock.h"
#include "ProcFile.h"
#include "TextScanner.h"
#include "dmr/Codec.h"
#include "dmr/Hex.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace dmr::agent {

namespace {

bool isUsableName(std::string_view name)
{
    if (name.empty() || name.size() > dmr::kMaxInterfaceNameLength || name == "." || name == "..")
        return false;
    for (unsigned char c : name) {
        // The name becomes part of a /sys path, so no slashes.
        if (c < 0x21 || c > 0x7e || c == '/')
            return false;
    }
    return true;
}

bool isGlobalIpv6(const in6_addr &address)
{
    return !IN6_IS_ADDR_LINKLOCAL(&address) && !IN6_IS_ADDR_LOOPBACK(&address)
        && !IN6_IS_ADDR_UNSPECIFIED(&address) && !IN6_IS_ADDR_MULTICAST(&address)
        && !IN6_IS_ADDR_SITELOCAL(&address) && !IN6_IS_ADDR_V4MAPPED(&address);
}

} // namespace

NetworkCollector::NetworkCollector(std::string root, bool includeLoopback, AddressLookup lookup)
    : m_root(std::move(root))
    , m_path(ProcFile::join(m_root, "proc/net/dev"))
    , m_includeLoopback(includeLoopback)
    , m_lookup(std::move(lookup))
{ }

void NetworkCollector::setRefreshPeriods(std::int64_t addressRefreshMs, std::int64_t macRefreshMs)
{
    m_addressRefreshMs = addressRefreshMs;
    m_macRefreshMs = macRefreshMs;
}

bool NetworkCollector::parseDevLine(std::string_view line, dmr::InterfaceSample &sample)
{
    // "  eth0: 123 4 0 0 0 0 0 0 567 8 ...": the name ends at the first colon
    // (the kernel forbids colons in names), which old kernels print with no
    // blank before the first number.
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
        return false;
    const std::string_view name = TextScanner::trim(line.substr(0, colon));
    if (!isUsableName(name))
        return false;

    TextScanner fields(line.substr(colon + 1));
    std::uint64_t values[10];
    for (std::uint64_t &value : values) {
        if (!fields.nextU64(value))
            return false;
    }
    sample.name.assign(name.data(), name.size());
    sample.rxBytes = values[0];
    sample.rxPackets = values[1];
    sample.txBytes = values[8];
    sample.txPackets = values[9];
    return true;
}

std::string NetworkCollector::normalizeMac(std::string_view text)
{
    text = TextScanner::trim(text);
    // 6 octets for Ethernet and Wi-Fi, up to 20 for InfiniBand.
    if (text.size() < 2 || (text.size() + 1) % 3 != 0 || (text.size() + 1) / 3 > 20)
        return {};
    std::string mac;
    mac.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); i += 3) {
        const int hi = hexDigit(text[i]), lo = hexDigit(text[i + 1]);
        if (hi < 0 || lo < 0 || (i + 2 < text.size() && text[i + 2] != ':'))
            return {};
        if (i > 0)
            mac += ':';
        mac += "0123456789abcdef"[hi];
        mac += "0123456789abcdef"[lo];
    }
    return mac;
}

std::map<std::string, std::string> NetworkCollector::systemAddresses()
{
    std::map<std::string, std::string> ipv4, ipv6;
    struct ifaddrs *list = nullptr;
    if (::getifaddrs(&list) != 0)
        return {};
    for (const struct ifaddrs *entry = list; entry; entry = entry->ifa_next) {
        if (!entry->ifa_addr || !entry->ifa_name)
            continue;
        char text[INET6_ADDRSTRLEN] = {};
        if (entry->ifa_addr->sa_family == AF_INET) {
            if (ipv4.count(entry->ifa_name))
                continue;
            const auto *address = reinterpret_cast<const sockaddr_in *>(entry->ifa_addr);
            if (inet_ntop(AF_INET, &address->sin_addr, text, sizeof text))
                ipv4.emplace(entry->ifa_name, text);
        } else if (entry->ifa_addr->sa_family == AF_INET6) {
            if (ipv6.count(entry->ifa_name))
                continue;
            const auto *address = reinterpret_cast<const sockaddr_in6 *>(entry->ifa_addr);
            if (isGlobalIpv6(address->sin6_addr)
                && inet_ntop(AF_INET6, &address->sin6_addr, text, sizeof text))
                ipv6.emplace(entry->ifa_name, text);
        }
    }
    ::freeifaddrs(list);
    // map::merge keeps the IPv4 entry where both exist.
    ipv4.merge(ipv6);
    return ipv4;
}

Result<std::vector<dmr::InterfaceSample>> NetworkCollector::collect()
{
    using NetworkResult = Result<std::vector<dmr::InterfaceSample>>;
    m_skippedLines = 0;
    const std::string error = ProcFile::read(m_path, m_buffer);
    if (!error.empty())
        return NetworkResult::failure(error);

    std::vector<dmr::InterfaceSample> interfaces;
    TextScanner lines(m_buffer);
    // Two header lines ("Inter-|   Receive ..." and " face |bytes ...").
    lines.nextLine();
    lines.nextLine();
    int parsedLines = 0;
    while (!lines.atEnd()) {
        const std::string_view line = lines.nextLine();
        if (TextScanner::trim(line).empty())
            continue;
        dmr::InterfaceSample sample;
        if (!parseDevLine(line, sample)) {
            ++m_skippedLines;
            continue;
        }
        ++parsedLines;
        if (sample.name == "lo" && !m_includeLoopback)
            continue;
        if (interfaces.size() >= dmr::kMaxInterfaces)
            continue;
        interfaces.push_back(std::move(sample));
    }
    if (parsedLines == 0 && m_skippedLines > 0)
        return NetworkResult::failure(m_path + ": no interface line could be parsed");

    const std::int64_t now = Clock::monotonicMs();
    bool namesChanged = interfaces.size() != m_cachedNames.size();
    for (std::size_t i = 0; !namesChanged && i < interfaces.size(); ++i)
        namesChanged = interfaces[i].name != m_cachedNames[i];
    if (namesChanged) {
        m_cachedNames.clear();
        for (const dmr::InterfaceSample &sample : interfaces)
            m_cachedNames.push_back(sample.name);
    }
    auto due = [&](const std::optional<std::int64_t> &at, std::int64_t period) {
        return namesChanged || !at || period <= 0 || now - *at >= period;
    };
    if (due(m_addressesAtMs, m_addressRefreshMs)) {
        m_addresses = m_lookup ? m_lookup() : std::map<std::string, std::string>();
        m_addressesAtMs = now;
    }
    if (due(m_macsAtMs, m_macRefreshMs)) {
        m_macs.clear();
        for (const dmr::InterfaceSample &sample : interfaces) {
            const std::string path
                = ProcFile::join(m_root, "sys/class/net/" + sample.name + "/address");
            m_macs[sample.name]
                = ProcFile::read(path, m_macBuffer, 256).empty() ? normalizeMac(m_macBuffer) : "";
        }
        m_macsAtMs = now;
    }
    for (dmr::InterfaceSample &sample : interfaces) {
        const auto address = m_addresses.find(sample.name);
        if (address != m_addresses.end())
            sample.ipAddress = address->second;
        const auto mac = m_macs.find(sample.name);
        if (mac != m_macs.end())
            sample.macAddress = mac->second;
    }
    return NetworkResult::success(std::move(interfaces));
}

} // namespace dmr::agent
