// SPDX-License-Identifier: MIT
#include "LoadOptions.h"

#include "dmr/Codec.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

namespace dmr::bench {

namespace {

constexpr std::uint32_t kMaxDevices = 1'000'000;
constexpr double kMaxRate = 10'000'000;
constexpr double kMaxDuration = 7 * 86400;
constexpr std::uint32_t kMaxSockets = 1024;

std::optional<std::uint64_t> parseUnsigned(const std::string &text, std::uint64_t max)
{
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    errno = 0;
    char *end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || value > max)
        return std::nullopt;
    return value;
}

std::optional<double> parsePositive(const std::string &text, double max)
{
    if (text.empty())
        return std::nullopt;
    char *end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (*end != '\0' || !std::isfinite(value) || value <= 0 || value > max)
        return std::nullopt;
    return value;
}

// "host:port", "[v6]:port" or a bare host (default port).
bool parseTarget(const std::string &text, LoadOptions &options)
{
    std::string host = text;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos)
            return false;
        host = text.substr(1, close - 1);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':')
                return false;
            port = text.substr(close + 2);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        const auto colon = text.find(':');
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty())
        return false;
    options.targetHost = host;
    if (!port.empty()) {
        const auto value = parseUnsigned(port, 65535);
        if (!value || *value == 0)
            return false;
        options.targetPort = static_cast<std::uint16_t>(*value);
    }
    return true;
}

} // namespace

std::uint64_t LoadOptions::totalReports() const
{
    return static_cast<std::uint64_t>(std::llround(ratePerSecond * durationSeconds));
}

std::uint32_t LoadOptions::intervalSeconds() const
{
    const double interval = std::round(double(devices) / ratePerSecond);
    return static_cast<std::uint32_t>(std::clamp(interval, 1.0, double(kMaxIntervalSeconds)));
}

std::string LoadOptions::usage(const char *program)
{
    return std::string("Usage: ") + program
        + " --devices N --rate REPORTS_PER_S --duration S [options]\n"
          "\n"
          "Simulates N metrics agents sending reports over UDP to a console, at an\n"
          "aggregate rate, round-robin across the devices, then prints one summary line\n"
          "(sent= errors= refused= duration_s= rate_per_s= bytes_per_report=) on stdout.\n"
          "\n"
          "Options:\n"
          "  --devices N         simulated devices (default 100)\n"
          "  --rate R            reports per second, all devices together (default 1000)\n"
          "  --duration S        seconds to run, fractions allowed (default 10)\n"
          "  --target HOST:PORT  where to send (default 127.0.0.1:47800)\n"
          "  --interfaces K      network interfaces per device, 0 to 32 (default 2)\n"
          "  --seed X            device ids and values derive from it, so reruns with the\n"
          "                      same seed report as the same devices (default 1)\n"
          "  --run-id X          run id every device reports (default: random per device)\n"
          "  --security LEVEL    none, sign or encrypt each report with its device's bench\n"
          "                      key, derived from the seed: it protects nothing (default none)\n"
          "  --write-keys FILE   write the console's key file (--key-file) for these devices\n"
          "                      at --security's level, then exit without sending\n"
          "  --label-values N    give each device a label rack=rack-NN with N values\n"
          "                      (device index modulo N; default 0: no labels)\n"
          "  --sockets N         send from N UDP sockets, device i from socket i modulo N,\n"
          "                      each its own source port, so that consoles sharing the\n"
          "                      port (--reuse-port on) each get a share (default 1)\n"
          "  --hardware 0|1      report a board's hardware (cores, temperatures, file\n"
          "                      systems, processes, ...) as 0.2.0 agents do; 0 sends what\n"
          "                      0.1.0 agents sent (default 1)\n"
          "  -h, --help          show this help\n";
}

LoadOptions::ParseResult LoadOptions::parse(int argc, char **argv)
{
    ParseResult result;
    LoadOptions options;
    auto fail = [&result](std::string error) {
        result.error = std::move(error);
        return result;
    };

    using Setter = std::function<bool(const std::string &)>;
    const std::map<std::string, Setter> setters {
        {"--devices",
            [&options](const std::string &v) {
                const auto n = parseUnsigned(v, kMaxDevices);
                return n && *n > 0 ? (options.devices = std::uint32_t(*n), true) : false;
            }},
        {"--rate",
            [&options](const std::string &v) {
                const auto r = parsePositive(v, kMaxRate);
                return r ? (options.ratePerSecond = *r, true) : false;
            }},
        {"--duration",
            [&options](const std::string &v) {
                const auto d = parsePositive(v, kMaxDuration);
                return d ? (options.durationSeconds = *d, true) : false;
            }},
        {"--target", [&options](const std::string &v) { return parseTarget(v, options); }},
        {"--interfaces",
            [&options](const std::string &v) {
                const auto k = parseUnsigned(v, kMaxInterfaces);
                return k ? (options.interfaces = std::uint32_t(*k), true) : false;
            }},
        {"--seed",
            [&options](const std::string &v) {
                const auto s = parseUnsigned(v, UINT64_MAX);
                return s ? (options.seed = *s, true) : false;
            }},
        {"--run-id",
            [&options](const std::string &v) {
                const auto id = parseUnsigned(v, UINT32_MAX);
                return id ? (options.runId = std::uint32_t(*id), true) : false;
            }},
        {"--security",
            [&options](const std::string &v) {
                const auto level = parseSecurity(v);
                return level ? (options.security = *level, true) : false;
            }},
        {"--label-values",
            [&options](const std::string &v) {
                const auto n = parseUnsigned(v, kMaxDevices);
                return n ? (options.labelValues = std::uint32_t(*n), true) : false;
            }},
        {"--hardware",
            [&options](const std::string &v) {
                if (v != "0" && v != "1")
                    return false;
                options.hardware = v == "1";
                return true;
            }},
        {"--sockets",
            [&options](const std::string &v) {
                const auto n = parseUnsigned(v, kMaxSockets);
                return n && *n > 0 ? (options.sockets = std::uint32_t(*n), true) : false;
            }},
        {"--write-keys",
            [&options](const std::string &v) {
                options.writeKeysPath = v;
                return !v.empty();
            }},
    };

    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            result.helpRequested = true;
            return result;
        }
        std::string value;
        bool hasValue = false;
        if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg.resize(eq);
            hasValue = true;
        }
        const auto setter = setters.find(arg);
        if (setter == setters.end())
            return fail("unknown option " + arg);
        if (!hasValue) {
            if (i + 1 >= argc)
                return fail(arg + " needs a value");
            value = argv[++i];
        }
        if (!setter->second(value))
            return fail("invalid value for " + arg + ": '" + value + "'");
    }
    if (!options.writeKeysPath.empty() && options.security == Security::None)
        return fail("--write-keys needs --security sign or encrypt");
    if (options.sockets > options.devices)
        return fail("--sockets is more than --devices: some sockets would send nothing");
    if (options.totalReports() == 0)
        return fail("--rate x --duration is less than one report");
    result.options = options;
    return result;
}

} // namespace dmr::bench
