// SPDX-License-Identifier: MIT
#pragma once

#include "LoadOptions.h"
#include "SimulatedDevice.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace dmr::bench {

struct LoadSummary
{
    std::uint64_t sent = 0;
    std::uint64_t errors = 0;
    std::uint64_t refused = 0;
    double durationSeconds = 0;
    double bytesPerReport = 0;
    std::string lastError;

    double ratePerSecond() const { return durationSeconds > 0 ? sent / durationSeconds : 0; }
    // One line of key=value pairs for scripts to parse.
    std::string machineLine() const;
};

// Sends reports of all devices, round-robin, at the requested aggregate rate,
// from one socket or from several (LoadOptions::sockets).
class LoadGenerator
{
public:
    explicit LoadGenerator(const LoadOptions &options);

    // The console's key file for the options' devices, mode 0600. Returns an
    // empty string or what went wrong.
    static std::string writeKeyFile(const LoadOptions &options);

    // Runs for the options' duration or until stop turns true. Returns an
    // empty string or why the socket could not be opened.
    std::string run(const std::atomic<bool> &stop, LoadSummary &summary);

private:
    LoadOptions m_options;
    std::vector<SimulatedDevice> m_devices;
    std::vector<Key> m_keys; // per device, when sealing
};

} // namespace dmr::bench
