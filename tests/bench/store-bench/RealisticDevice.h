// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <cstdint>
#include <random>

namespace dmr::bench {

// A device whose numbers behave like a real machine's, for storage
// benchmarks: CPU that idles with noise, follows the working day, bursts
// for minutes at random and spikes with hourly jobs; load averages that
// follow it with the kernel's inertia; memory that drifts and jumps with
// bursts; a disk that fills with logs, is rotated nightly and grows in steps;
// traffic with heavy-tailed, bursty rates and packet sizes that vary; a sample
// clock with jitter and the odd lost report, and a reboot now and then. No
// sine waves, no uniform noise: both would flatter or punish a codec.
class RealisticDevice
{
public:
    enum class Kind { Board, Server, Laptop };

    RealisticDevice(std::uint64_t seed, std::uint32_t index, std::int64_t startMs,
        std::uint32_t intervalSeconds = 10);

    // The next report; its sample time moves on by the interval (plus jitter,
    // and now and then a lost report's gap).
    const Report &next();
    Kind kind() const { return m_kind; }

private:
    double gaussian(double sigma) { return std::normal_distribution<double>(0, sigma)(m_random); }
    double uniform(double low, double high)
    {
        return std::uniform_real_distribution<double>(low, high)(m_random);
    }
    bool chance(double p) { return uniform(0, 1) < p; }
    double activity(std::int64_t ms) const; // the working day, 0.3 .. 1.6
    void reboot();

    std::mt19937_64 m_random;
    Kind m_kind;
    Report m_report;
    std::int64_t m_clockMs;
    std::uint32_t m_cores = 4;
    double m_cpuBase = 5;
    double m_cpuNoise = 0;
    double m_burstLeft = 0; // seconds
    double m_burstLevel = 0;
    double m_memoryShare = 0.3;
    double m_memoryBase = 0.3;
    double m_load[3] = {0, 0, 0};
    double m_diskUsed = 0; // KiB
    double m_rateBase = 5e3; // bytes/s on the busy interface
    double m_transferLeft = 0; // seconds of a big transfer
    double m_packetSize = 600;
    std::int64_t m_bootMs = 0;
    std::int64_t m_lastRotateDay = 0;
};

} // namespace dmr::bench
