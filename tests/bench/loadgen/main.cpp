// SPDX-License-Identifier: MIT
// metrics-loadgen: many simulated agents on a few sockets, to measure how many
// reports a second the console ingests. See LoadOptions::usage().
#include "LoadGenerator.h"
#include "LoadOptions.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>

namespace {

std::atomic<bool> g_stop {false};

// Ctrl-C ends the run early but still prints the summary of what was sent.
void requestStop(int)
{
    g_stop.store(true);
}

} // namespace

int main(int argc, char **argv)
{
    using namespace dmr::bench;
    const LoadOptions::ParseResult parsed = LoadOptions::parse(argc, argv);
    if (parsed.helpRequested) {
        std::fputs(LoadOptions::usage(argv[0]).c_str(), stdout);
        return 0;
    }
    if (!parsed.options) {
        std::fprintf(stderr, "metrics-loadgen: %s\n%s", parsed.error.c_str(),
            LoadOptions::usage(argv[0]).c_str());
        return 2;
    }
    const LoadOptions &options = *parsed.options;
    if (!options.writeKeysPath.empty()) {
        if (const std::string error = LoadGenerator::writeKeyFile(options); !error.empty()) {
            std::fprintf(stderr, "metrics-loadgen: %s\n", error.c_str());
            return 1;
        }
        return 0;
    }
    std::signal(SIGINT, requestStop);
    std::signal(SIGTERM, requestStop);

    LoadGenerator generator(options);
    LoadSummary summary;
    if (const std::string error = generator.run(g_stop, summary); !error.empty()) {
        std::fprintf(stderr, "metrics-loadgen: %s\n", error.c_str());
        return 1;
    }
    std::printf("%s\n", summary.machineLine().c_str());
    std::fflush(stdout);
    std::fprintf(stderr,
        "metrics-loadgen: %llu reports from %u devices to %s port %u in %.2f s "
        "(%.0f/s of %.0f/s requested, %.0f bytes each), %llu errors%s%s%s\n",
        static_cast<unsigned long long>(summary.sent), options.devices, options.targetHost.c_str(),
        unsigned(options.targetPort), summary.durationSeconds, summary.ratePerSecond(),
        options.ratePerSecond, summary.bytesPerReport,
        static_cast<unsigned long long>(summary.errors),
        summary.lastError.empty() ? "" : " (last: ", summary.lastError.c_str(),
        summary.lastError.empty() ? "" : ")");
    if (summary.refused > 0)
        std::fprintf(stderr,
            "metrics-loadgen: the target refused %llu times: is a console listening "
            "there?\n",
            static_cast<unsigned long long>(summary.refused));
    return 0;
}
