// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dmr {

// One network interface as the agent saw it. Addresses are text in the forms
// users read (dotted quad or RFC 5952 IPv6, colon-separated lowercase MAC).
struct InterfaceSample
{
    std::string name;
    std::string ipAddress;
    std::string macAddress;
    std::uint64_t rxBytes = 0;
    std::uint64_t txBytes = 0;
    std::uint64_t rxPackets = 0;
    std::uint64_t txPackets = 0;

    bool operator==(const InterfaceSample &other) const;
};

struct SystemSample
{
    double cpuPercent = 0;
    std::uint64_t memoryUsedKb = 0;
    std::uint64_t memoryTotalKb = 0;
    std::uint64_t diskUsedKb = 0;
    // As df counts them: the file system's size, (blocks - free) x fragment
    // size, and what unprivileged users can still write. Root's reserved
    // blocks are in total alone, so used + available <= total.
    std::uint64_t diskTotalKb = 0;
    std::uint64_t diskAvailableKb = 0;
    double load1 = 0;
    double load5 = 0;
    double load15 = 0;
    std::uint64_t uptimeSeconds = 0;

    // Both rounded to hundredths, as stored and shown. diskPercent() is df's
    // Use%: used / (used + available).
    double memoryPercent() const;
    double diskPercent() const;
    bool operator==(const SystemSample &other) const;
};

// An agent's labels (name, value), sorted by name, each name once.
using Labels = std::vector<std::pair<std::string, std::string>>;

// One report: what one datagram carries once decoded and validated. Values on
// the wire are rounded to hundredths; encode(decode(x)) is exact, and
// decode(encode(x)) equals x up to that rounding.
struct Report
{
    std::string deviceId;
    std::string hostname;
    std::uint32_t agentVersion = 0;
    std::uint32_t intervalSeconds = 0;
    std::uint32_t runId = 0;
    std::uint64_t sequence = 0;
    std::int64_t sampleTimeMs = 0;
    SystemSample system;
    std::vector<InterfaceSample> interfaces;
    // The agent's labels, sorted by name; empty in a report that carries only
    // their hash (most do: see proto/metrics.proto) and from an agent without
    // labels. labelsHash is labelsHash(the agent's labels), 0 when it has none.
    Labels labels;
    std::uint32_t labelsHash = 0;

    bool operator==(const Report &other) const;
};

// FNV-1a 32-bit over the labels in name order, each as "name=value\n"; never
// 0 (that hash is sent as 1), so that 0 means "no labels". Empty labels hash
// to 0.
std::uint32_t labelsHash(const Labels &labels);

std::uint32_t packVersion(unsigned major, unsigned minor, unsigned patch);
std::string versionString(std::uint32_t packed);

} // namespace dmr
