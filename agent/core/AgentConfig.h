// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"
#include "dmr/Report.h"
#include "dmr/Seal.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmr::agent {

// Everything the agent is told, resolved once at start. Each key comes from
// the first of: command-line flag, environment variable, `.env` file (the
// current directory's, or --env-file PATH), built-in default. Without a key
// file, the key is the systemd credential kKeyCredential when there is one.
// Values are checked here, at the edge; past parse() nothing re-checks them.
struct AgentConfig
{
    // The credential that holds the key under systemd (LoadCredential= in
    // installers/systemd/metrics-agent.service): $CREDENTIALS_DIRECTORY/this.
    static constexpr const char *kKeyCredential = "metrics-agent.key";

    std::string serverHost = "127.0.0.1";
    std::uint16_t serverPort = 47800;
    bool serverGiven = false; // by flag, environment or .env
    double intervalSeconds = 10;
    std::string deviceId;
    std::string diskPath = "/";
    std::string root = "/";
    bool includeLoopback = false;
    std::string systemctl = "systemctl"; // "" = do not ask for failed units
    bool processes = true; // the top processes by CPU and memory
    std::string logFile = ".log/metrics.log"; // "" = stderr only
    std::string envFile; // the .env file read, "" if none
    dmr::Security security = dmr::Security::None;
    std::optional<dmr::Key> key; // required unless security is None
    std::string keySource; // the key file's path, or "systemd credential PATH"
    double resendBufferSeconds = 3600; // reports kept until acknowledged; 0 = none kept
    double resendRate = 20; // resent reports per second at most
    std::string spillFile; // where the resend buffer survives restarts; "" = nowhere
    // --label NAME=VALUE (repeatable) or METRICS_LABELS=NAME=VALUE,...: sorted
    // by name and valid by dmr::validateLabels(). The flags replace the
    // variable's list rather than add to it, as any flag replaces its variable.
    dmr::Labels labels;

    bool once = false;
    bool print = false;
    bool help = false;
    bool version = false;
    std::uint64_t count = 0; // reports to send before exiting, 0 = forever
    std::uint64_t benchReports = 0;

    // "host:port", with IPv6 hosts in brackets.
    std::string serverText() const;

    struct EnvEntry
    {
        std::string key;
        std::string value;
        int line = 0;
    };
    using Environment = std::function<std::optional<std::string>(const std::string &)>;

    // args excludes argv[0]. defaultEnvFile is read when present and no
    // --env-file is given; an --env-file that cannot be read is an error.
    static Result<AgentConfig> parse(const std::vector<std::string> &args, const Environment &env,
        const std::string &defaultEnvFile = ".env");
    static Environment processEnvironment();
    static std::string usage();

    // "host:port", "[v6]:port", "[v6]", "v6", or a bare "host" (port 47800).
    static Result<std::pair<std::string, std::uint16_t>> parseServer(std::string_view text);
    // NAME=VALUE items (blanks around names and values ignored, empty items
    // skipped) into labels sorted by name; source names them in errors.
    static Result<dmr::Labels> parseLabels(
        const std::vector<std::string> &items, const std::string &source);
    // KEY=VALUE lines, # comments, 'single' or "double" quotes, an optional
    // `export ` prefix. name is used in error messages.
    static Result<std::vector<EnvEntry>> parseEnvFile(
        std::string_view text, const std::string &name);
    // The key line ("KEY_ID:KEY_HEX", '#' comments) from a file that only its
    // owner may read or write.
    static Result<dmr::Key> readKeyFile(const std::string &path);
    // The key in directory/kKeyCredential, a file that others than its owner
    // may not write and only its group may also read (systemd's ACL for the
    // service's user shows as group bits). None when directory is "", the file
    // does not exist, or it holds just "none" (the unit's fallback).
    static Result<std::optional<dmr::Key>> readKeyCredential(const std::string &directory);
    // How many reports the resend buffer holds: its seconds over the interval.
    std::size_t resendCapacity() const;
};

} // namespace dmr::agent
