// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Seal.h"

#include <cstdint>
#include <optional>
#include <string>

namespace dmr::bench {

// What one run of metrics-loadgen should do, parsed from its command line.
struct LoadOptions
{
    std::uint32_t devices = 100;
    double ratePerSecond = 1000;
    double durationSeconds = 10;
    std::string targetHost = "127.0.0.1";
    std::uint16_t targetPort = 47800;
    std::uint32_t interfaces = 2;
    std::uint64_t seed = 1;
    // Every device reports this run id when set; otherwise each draws its own,
    // as agents do on every start.
    std::optional<std::uint32_t> runId;
    // Sign or encrypt each report with its device's bench key (see
    // SimulatedDevice::keyFor); the console needs the file --write-keys makes.
    Security security = Security::None;
    // Write the console's key file for these devices and exit, sending nothing.
    std::string writeKeysPath;
    // When not 0, each device carries a label rack=rack-NN, NN its index
    // modulo this, sent as agents send labels (whole now and then, else
    // their hash): what a grouped device table is measured with.
    std::uint32_t labelValues = 0;
    // UDP sockets the devices are spread over, device i on socket i % N, each
    // its own source port: consoles sharing a port with SO_REUSEPORT are
    // given senders by source port, so one socket would load just one.
    std::uint32_t sockets = 1;
    // Devices report a board's hardware as 0.2.0 agents do (temperatures,
    // cores, file systems, processes, ...); without it, as 0.1.0 agents.
    bool hardware = true;

    // The number of reports the run sends when it keeps pace.
    std::uint64_t totalReports() const;
    // Each device reports once per N / rate seconds; agents announce that.
    std::uint32_t intervalSeconds() const;

    struct ParseResult;
    static ParseResult parse(int argc, char **argv);
    static std::string usage(const char *program);
};

struct LoadOptions::ParseResult
{
    std::optional<LoadOptions> options;
    bool helpRequested = false;
    std::string error;
};

} // namespace dmr::bench
