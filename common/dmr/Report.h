// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
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

// One temperature sensor: a thermal zone's type, or a hwmon chip's name and
// its input's label ("coretemp/Package id 0").
struct TemperatureSample
{
    std::string sensor;
    double celsius = 0; // tenths on the wire

    bool operator==(const TemperatureSample &other) const;
};

// A mounted file system as df shows it, inodes included (0 where the file
// system has none, as vfat and btrfs report).
struct FileSystemSample
{
    std::string mount;
    std::string type;
    std::uint64_t sizeKb = 0;
    std::uint64_t usedKb = 0;
    std::uint64_t availableKb = 0;
    std::uint64_t inodesTotal = 0;
    std::uint64_t inodesUsed = 0;

    // df's Use% (used / (used + available)) and IUse%, rounded to hundredths.
    double percent() const;
    double inodePercent() const;
    bool operator==(const FileSystemSample &other) const;
};

// One of the processes on top by CPU or by resident memory at a sample.
struct ProcessSample
{
    std::uint32_t pid = 0;
    std::string name; // the kernel's comm, at most 15 bytes
    double cpuPercent = 0; // of one core, as top shows it: 2 busy cores read 200
    std::uint64_t rssKb = 0;
    // Whether the name goes on the wire (see proto/metrics.proto): the agent
    // leaves out the names of processes its previous report listed; a
    // decoded report without it has an empty name until FactsCache fills it.
    bool nameIncluded = true;

    bool operator==(const ProcessSample &other) const;
};

enum class BatteryState : std::uint8_t { Unknown, Charging, Discharging, NotCharging, Full };
const char *batteryStateName(BatteryState state);

struct BatterySample
{
    double percent = 0;
    BatteryState state = BatteryState::Unknown;

    bool operator==(const BatterySample &other) const;
};

// The block devices' reads and writes since the last sample, all disks
// together (partitions and virtual devices left out), and how much of the
// time the busiest one had requests in flight.
struct DiskIoSample
{
    std::uint64_t readKbPerSecond = 0;
    std::uint64_t writeKbPerSecond = 0;
    double busyPercent = 0;

    bool operator==(const DiskIoSample &other) const;
};

// What a board has besides the system metrics every agent sends; each part is
// empty (or unset) where the device lacks it, and in reports of older agents.
struct HardwareSample
{
    std::vector<double> corePercents;
    std::vector<TemperatureSample> temperatures;
    std::optional<BatterySample> battery;
    std::uint64_t swapUsedKb = 0;
    std::uint64_t swapTotalKb = 0; // 0: no swap
    std::optional<DiskIoSample> diskIo;
    std::vector<FileSystemSample> fileSystems;
    std::vector<ProcessSample> processes;
    // Unset where systemd does not run; empty when no unit failed.
    std::optional<std::vector<std::string>> failedUnits;

    bool empty() const;
    bool operator==(const HardwareSample &other) const;
};

// The facts of a HardwareSample that rarely change (sensor names, file
// systems' mounts, types, sizes and inode counts, failed units' names),
// hashed like labels: most reports carry only the hash (proto/metrics.proto).
// FNV-1a 32-bit over "t" name "\n" per sensor, then "f" mount "\t" type "\t"
// size "\t" inodes "\n" per file system, then "u" name "\n" per failed unit;
// never 0, and 0 when there are none.
std::uint32_t factsHash(const HardwareSample &hardware);

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
    HardwareSample hardware;
    // factsHash(hardware); factsIncluded when this report carries the facts
    // themselves. Without them, sensors' and file systems' names are empty
    // until FactsCache (dmr/FactsCache.h) fills them in from an earlier one.
    std::uint32_t factsHash = 0;
    bool factsIncluded = false;

    bool operator==(const Report &other) const;
};

// FNV-1a 32-bit over the labels in name order, each as "name=value\n"; never
// 0 (that hash is sent as 1), so that 0 means "no labels". Empty labels hash
// to 0.
std::uint32_t labelsHash(const Labels &labels);

std::uint32_t packVersion(unsigned major, unsigned minor, unsigned patch);
std::string versionString(std::uint32_t packed);

} // namespace dmr
