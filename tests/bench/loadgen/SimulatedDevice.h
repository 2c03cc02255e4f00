// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"
#include "dmr/Seal.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dmr::bench {

// One fake agent. It keeps its report between calls and only moves the
// numbers, so that a million of them fit in memory and producing a report
// allocates nothing.
class SimulatedDevice
{
public:
    // The id, hostname, hardware and addresses derive from (seed, index) only,
    // so that a rerun with the same seed reports as the same devices.
    // With `hardware`, a 0.2.0 agent's report: a board with cores, a CPU
    // temperature that follows the load, an SD card and a firmware
    // partition, zram swap, processes and now and then a failed unit (every
    // fifth device a laptop with a battery); without, a 0.1.0 agent's.
    SimulatedDevice(std::uint64_t seed, std::uint32_t index, std::uint32_t interfaces,
        std::uint32_t intervalSeconds, std::uint32_t runId, bool hardware = true);

    // The next report of this device, sampled at nowMs (Unix epoch, UTC).
    const Report &next(std::int64_t nowMs);
    // Labels as an agent's --label: whole in the first report and every
    // 60th, as their hash in the others.
    void setLabels(Labels labels);

    static std::string deviceIdFor(std::uint64_t seed, std::uint32_t index);
    // The device's key for --security: id index + 1, bytes from (seed, index),
    // so the key file and the sender agree without sharing anything.
    // Predictable: for benchmarks only.
    static Key keyFor(std::uint64_t seed, std::uint32_t index);

private:
    // SplitMix64: eight bytes of state per device, where a std::mt19937 would
    // take five kilobytes.
    std::uint64_t random();
    double uniform(double low, double high);
    // A bounded random walk, so that charts of a fake device look like a real one.
    double wander(double value, double step, double low, double high);
    void initHardware(std::uint32_t index);
    void nextHardware(double seconds);

    Report m_report;
    Labels m_labels;
    std::uint64_t m_rngState;
    std::uint64_t m_bootUptimeSeconds = 0;
    std::int64_t m_firstSampleMs = 0;
    double m_rxBytesPerSecond = 0;
    double m_txBytesPerSecond = 0;
    bool m_hardware = false;
    double m_heat = 0; // the CPU's temperature above ambient, following its load
    double m_ambient = 0;
    std::uint32_t m_factsSent = 0;
    // Per simulated process: its base share of the CPU and whether the
    // previous report listed it (its name then is not sent again).
    std::vector<dmr::ProcessSample> m_processes;
    std::vector<std::uint32_t> m_listed;
};

} // namespace dmr::bench
