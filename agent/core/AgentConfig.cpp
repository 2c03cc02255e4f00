// SPDX-License-Identifier: MIT
#include "AgentConfig.h"

#include "ProcFile.h"
#include "SystemIdentity.h"
#include "TextScanner.h"
#include "dmr/Codec.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sys/stat.h>
#include <tuple>

namespace dmr::agent {

namespace {

constexpr std::uint16_t kDefaultPort = 47800;
constexpr double kMinInterval = 0.1;

struct Key
{
    const char *env;
    const char *flag;
};

enum KeyIndex {
    Server,
    Interval,
    DeviceId,
    DiskPath,
    ProcRoot,
    IncludeLo,
    LogFile,
    SecurityLevel,
    KeyFile,
    ResendBuffer,
    ResendRate,
    SpillPath,
    LabelList,
    Systemctl,
    Processes,
    KeyCount
};

constexpr Key kKeys[KeyCount] = {
    {"METRICS_SERVER", "--server"},
    {"METRICS_INTERVAL", "--interval"},
    {"DEVICE_ID", "--device-id"},
    {"DISK_PATH", "--disk-path"},
    {"METRICS_PROC_ROOT", "--root"},
    {"METRICS_INCLUDE_LO", "--include-lo"},
    {"METRICS_LOG_FILE", "--log-file"},
    {"METRICS_SECURITY", "--security"},
    {"METRICS_KEY_FILE", "--key-file"},
    {"METRICS_RESEND_BUFFER", "--resend-buffer"},
    {"METRICS_RESEND_RATE", "--resend-rate"},
    {"METRICS_SPILL_FILE", "--spill-file"},
    {"METRICS_LABELS", "--label"},
    {"METRICS_SYSTEMCTL", "--systemctl"},
    {"METRICS_PROCESSES", "--processes"},
};

// A raw value and where it came from, for error messages that send the user
// to the right place.
struct Raw
{
    std::string value;
    std::string source;
};

bool isKeyName(std::string_view key)
{
    if (key.empty() || (key[0] >= '0' && key[0] <= '9'))
        return false;
    for (char c : key) {
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '_'))
            return false;
    }
    return true;
}

bool isPrintableId(std::string_view text, std::size_t maxLength)
{
    if (text.empty() || text.size() > maxLength)
        return false;
    for (unsigned char c : text) {
        if (c < 0x21 || c > 0x7e)
            return false;
    }
    return true;
}

std::optional<bool> parseBool(std::string_view text)
{
    std::string lower;
    for (char c : text)
        lower += char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower == "1" || lower == "true" || lower == "yes" || lower == "on")
        return true;
    if (lower == "0" || lower == "false" || lower == "no" || lower == "off")
        return false;
    return std::nullopt;
}

std::optional<std::uint64_t> parsePositive(std::string_view text)
{
    std::uint64_t value = 0;
    if (!TextScanner::parseU64(text, value) || value == 0)
        return std::nullopt;
    return value;
}

std::optional<std::uint16_t> parsePort(std::string_view text)
{
    std::uint64_t value = 0;
    if (!TextScanner::parseU64(text, value) || value == 0 || value > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// Mode bits that get a key refused. A key file: any bit for others than its
// owner. A credential may also be readable by its group: where the file system
// has ACLs (tmpfs), systemd gives the service's user read access by an ACL,
// whose mask shows as the group bits, and the credentials directory keeps
// everyone else out.
constexpr mode_t kKeyFileOpenBits = 077;
constexpr mode_t kCredentialOpenBits = 037;

// What installers/systemd/metrics-agent.service's SetCredential= puts in the
// credential when /etc/metrics-agent/key does not exist: no key.
constexpr std::string_view kNoKeyCredential = "none";

// The text of a key file or credential; `what` names it in errors.
Result<std::string> readSecret(const std::string &path, const std::string &what, mode_t openBits)
{
    using TextResult = Result<std::string>;
    struct stat status = {};
    if (::stat(path.c_str(), &status) != 0)
        return TextResult::failure(
            "cannot read " + what + ' ' + path + ": " + std::strerror(errno));
    if (status.st_mode & openBits)
        return TextResult::failure(what + ' ' + path
            + " can be read or written by others than its owner; fix with: chmod 600 " + path);
    std::string text;
    const std::string error = ProcFile::read(path, text, 64 * 1024);
    if (!error.empty())
        return TextResult::failure("cannot read " + what + ": " + error);
    return TextResult::success(std::move(text));
}

Result<dmr::Key> parseKey(std::string_view text, const std::string &name)
{
    using KeyResult = Result<dmr::Key>;
    TextScanner lines(text);
    while (!lines.atEnd()) {
        std::string_view line = lines.nextLine();
        line = TextScanner::trim(line.substr(0, line.find('#')));
        if (line.empty())
            continue;
        const std::optional<dmr::Key> key = dmr::Key::fromText(std::string(line));
        if (!key)
            return KeyResult::failure(name
                + ": expected one line KEY_ID:KEY_HEX as printed by 'metrics-console keys add'");
        return KeyResult::success(*key);
    }
    return KeyResult::failure(name + " holds no key");
}

bool isSystemdService(const AgentConfig::Environment &env)
{
    for (const char *name : {"INVOCATION_ID", "JOURNAL_STREAM"}) {
        const std::optional<std::string> value = env(name);
        if (value && !value->empty())
            return true;
    }
    return false;
}

} // namespace

std::string AgentConfig::serverText() const
{
    if (serverHost.find(':') != std::string::npos)
        return '[' + serverHost + "]:" + std::to_string(serverPort);
    return serverHost + ':' + std::to_string(serverPort);
}

Result<std::pair<std::string, std::uint16_t>> AgentConfig::parseServer(std::string_view text)
{
    using ServerResult = Result<std::pair<std::string, std::uint16_t>>;
    text = TextScanner::trim(text);
    std::string_view host = text;
    std::uint16_t port = kDefaultPort;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos)
            return ServerResult::failure("'" + std::string(text) + "' has no closing ']'");
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            const std::optional<std::uint16_t> parsed
                = rest[0] == ':' ? parsePort(rest.substr(1)) : std::nullopt;
            if (!parsed)
                return ServerResult::failure(
                    "'" + std::string(text) + "' is not [address]:port with a port 1 to 65535");
            port = *parsed;
        }
    } else {
        const std::size_t colon = text.find(':');
        // Two or more colons without brackets: a bare IPv6 address.
        if (colon != std::string_view::npos
            && text.find(':', colon + 1) == std::string_view::npos) {
            host = text.substr(0, colon);
            const std::optional<std::uint16_t> parsed = parsePort(text.substr(colon + 1));
            if (!parsed)
                return ServerResult::failure(
                    "'" + std::string(text) + "' is not host:port with a port 1 to 65535");
            port = *parsed;
        }
    }
    if (host.empty())
        return ServerResult::failure("'" + std::string(text) + "' has no host");
    for (unsigned char c : host) {
        if (c <= 0x20 || c > 0x7e || c == '/' || c == '[' || c == ']')
            return ServerResult::failure(
                "'" + std::string(text) + "' is not a host name or address");
    }
    return ServerResult::success({std::string(host), port});
}

Result<std::vector<AgentConfig::EnvEntry>> AgentConfig::parseEnvFile(
    std::string_view text, const std::string &name)
{
    using EnvResult = Result<std::vector<EnvEntry>>;
    std::vector<EnvEntry> entries;
    TextScanner lines(text);
    int number = 0;
    while (!lines.atEnd()) {
        ++number;
        std::string_view line = TextScanner::trim(lines.nextLine());
        const std::string where = name + ':' + std::to_string(number) + ": ";
        if (line.empty() || line.front() == '#')
            continue;
        if (line.substr(0, 7) == "export " || line.substr(0, 7) == "export\t")
            line = TextScanner::trim(line.substr(7));
        const std::size_t equals = line.find('=');
        if (equals == std::string_view::npos)
            return EnvResult::failure(where + "expected KEY=VALUE");
        EnvEntry entry;
        entry.line = number;
        const std::string_view key = TextScanner::trim(line.substr(0, equals));
        if (!isKeyName(key))
            return EnvResult::failure(where + "'" + std::string(key) + "' is not a variable name");
        entry.key = std::string(key);

        std::string_view rest = TextScanner::trim(line.substr(equals + 1));
        if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
            const char quote = rest.front();
            std::size_t i = 1;
            bool closed = false;
            for (; i < rest.size(); ++i) {
                const char c = rest[i];
                if (c == quote) {
                    closed = true;
                    break;
                }
                // Backslash escapes only inside double quotes, as in sh.
                if (quote == '"' && c == '\\' && i + 1 < rest.size()) {
                    const char next = rest[++i];
                    entry.value += next == 'n' ? '\n' : next == 't' ? '\t' : next;
                    continue;
                }
                entry.value += c;
            }
            if (!closed)
                return EnvResult::failure(where + "unterminated " + quote + " quote");
            const std::string_view after = TextScanner::trim(rest.substr(i + 1));
            if (!after.empty() && after.front() != '#')
                return EnvResult::failure(where + "unexpected text after the closing quote");
        } else {
            // A # starts a comment only after a blank, so "a#b" stays a value.
            std::size_t comment = std::string_view::npos;
            for (std::size_t i = 0; i < rest.size(); ++i) {
                if (rest[i] == '#' && (i == 0 || rest[i - 1] == ' ' || rest[i - 1] == '\t')) {
                    comment = i;
                    break;
                }
            }
            entry.value = std::string(TextScanner::trim(rest.substr(0, comment)));
        }
        entries.push_back(std::move(entry));
    }
    return EnvResult::success(std::move(entries));
}

Result<dmr::Labels> AgentConfig::parseLabels(
    const std::vector<std::string> &items, const std::string &source)
{
    using LabelsResult = Result<dmr::Labels>;
    dmr::Labels labels;
    for (const std::string &item : items) {
        const std::string_view text = TextScanner::trim(item);
        if (text.empty())
            continue;
        const std::size_t equals = text.find('=');
        if (equals == std::string_view::npos)
            return LabelsResult::failure(
                source + ": '" + std::string(text) + "' is not NAME=VALUE");
        std::string name(TextScanner::trim(text.substr(0, equals)));
        std::string value(TextScanner::trim(text.substr(equals + 1)));
        if (!dmr::isLabelName(name))
            return LabelsResult::failure(source + ": '" + name
                + "' is not a label name: 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' and '-', "
                  "starting with a letter or '_'");
        if (!dmr::isLabelValue(value))
            return LabelsResult::failure(source + ": label " + name
                + ": the value must be at most 253 bytes of UTF-8 without control characters");
        for (const auto &label : labels) {
            if (label.first == name)
                return LabelsResult::failure(source + ": label " + name + " is given twice");
        }
        labels.emplace_back(std::move(name), std::move(value));
    }
    std::sort(labels.begin(), labels.end());
    // What is left: how many, and how long all of them are.
    const std::string problem = dmr::validateLabels(labels);
    if (!problem.empty())
        return LabelsResult::failure(source + ": " + problem);
    return LabelsResult::success(std::move(labels));
}

Result<dmr::Key> AgentConfig::readKeyFile(const std::string &path)
{
    const Result<std::string> text = readSecret(path, "key file", kKeyFileOpenBits);
    if (!text.ok())
        return Result<dmr::Key>::failure(text.error());
    return parseKey(text.value(), "key file " + path);
}

Result<std::optional<dmr::Key>> AgentConfig::readKeyCredential(const std::string &directory)
{
    using CredentialResult = Result<std::optional<dmr::Key>>;
    if (directory.empty())
        return CredentialResult::success(std::nullopt);
    const std::string path = ProcFile::join(directory, kKeyCredential);
    struct stat status = {};
    if (::stat(path.c_str(), &status) != 0 && errno == ENOENT)
        return CredentialResult::success(std::nullopt);
    const std::string what = "systemd credential";
    const Result<std::string> text = readSecret(path, what, kCredentialOpenBits);
    if (!text.ok())
        return CredentialResult::failure(text.error());
    if (TextScanner::trim(text.value()) == kNoKeyCredential)
        return CredentialResult::success(std::nullopt);
    const Result<dmr::Key> key = parseKey(text.value(), what + ' ' + path);
    if (!key.ok())
        return CredentialResult::failure(key.error());
    return CredentialResult::success(key.value());
}

std::size_t AgentConfig::resendCapacity() const
{
    return std::size_t(std::ceil(resendBufferSeconds / intervalSeconds));
}

AgentConfig::Environment AgentConfig::processEnvironment()
{
    return [](const std::string &name) -> std::optional<std::string> {
        const char *value = std::getenv(name.c_str());
        if (!value)
            return std::nullopt;
        return std::string(value);
    };
}

Result<AgentConfig> AgentConfig::parse(
    const std::vector<std::string> &args, const Environment &env, const std::string &defaultEnvFile)
{
    using ConfigResult = Result<AgentConfig>;
    AgentConfig config;
    std::optional<std::string> flags[KeyCount];
    std::optional<std::string> envFileFlag, countFlag, benchFlag;
    std::vector<std::string> labelFlags;

    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        std::string name = arg, value;
        bool hasValue = false;
        const std::size_t equals = arg.find('=');
        if (arg.rfind("--", 0) == 0 && equals != std::string::npos) {
            name = arg.substr(0, equals);
            value = arg.substr(equals + 1);
            hasValue = true;
        }
        auto takeValue = [&]() -> std::optional<std::string> {
            if (hasValue)
                return value;
            if (i + 1 < args.size())
                return args[++i];
            return std::nullopt;
        };

        if (name == "--help" || name == "-h") {
            config.help = true;
        } else if (name == "--version") {
            config.version = true;
        } else if (name == "--once") {
            config.once = true;
        } else if (name == "--print") {
            config.print = true;
        } else if (name == "--include-lo") {
            flags[IncludeLo] = hasValue ? value : std::string("1");
        } else if (name == kKeys[LabelList].flag) {
            // Repeatable, unlike the flags of kKeys below.
            const std::optional<std::string> given = takeValue();
            if (!given)
                return ConfigResult::failure(name + " needs a value");
            if (given->empty())
                return ConfigResult::failure(name + " needs a non-empty value");
            labelFlags.push_back(*given);
        } else if (name == "--env-file" || name == "--count" || name == "--bench-reports") {
            const std::optional<std::string> given = takeValue();
            if (!given)
                return ConfigResult::failure(name + " needs a value");
            (name == "--env-file"       ? envFileFlag
                    : name == "--count" ? countFlag
                                        : benchFlag)
                = given;
        } else {
            int key = -1;
            for (int k = 0; k < KeyCount; ++k) {
                if (name == kKeys[k].flag)
                    key = k;
            }
            if (key < 0)
                return ConfigResult::failure("unknown option '" + arg + "'");
            const std::optional<std::string> given = takeValue();
            if (!given)
                return ConfigResult::failure(name + " needs a value");
            if (given->empty())
                return ConfigResult::failure(name + " needs a non-empty value");
            flags[key] = given;
        }
    }
    if (config.help || config.version)
        return ConfigResult::success(config);

    // The .env file: --env-file must exist; the default one is optional.
    std::map<std::string, EnvEntry> dotenv;
    const std::string envPath = envFileFlag ? *envFileFlag : defaultEnvFile;
    if (!envPath.empty()) {
        std::string text;
        const std::string error = ProcFile::read(envPath, text, 1024 * 1024);
        if (error.empty()) {
            Result<std::vector<EnvEntry>> entries = parseEnvFile(text, envPath);
            if (!entries.ok())
                return ConfigResult::failure(entries.error());
            for (EnvEntry &entry : entries.value())
                dotenv[entry.key] = std::move(entry);
            config.envFile = envPath;
        } else if (envFileFlag && error.find(" is empty") == std::string::npos) {
            return ConfigResult::failure("--env-file: " + error);
        }
    }

    auto resolve = [&](int key) -> std::optional<Raw> {
        if (flags[key])
            return Raw {*flags[key], kKeys[key].flag};
        const std::optional<std::string> fromEnv = env(kKeys[key].env);
        if (fromEnv && !fromEnv->empty())
            return Raw {*fromEnv, std::string(kKeys[key].env) + " (environment)"};
        const auto found = dotenv.find(kKeys[key].env);
        if (found != dotenv.end() && !found->second.value.empty())
            return Raw {found->second.value,
                std::string(kKeys[key].env) + " (" + envPath + ':'
                    + std::to_string(found->second.line) + ')'};
        return std::nullopt;
    };

    if (const std::optional<Raw> raw = resolve(Server)) {
        const auto server = parseServer(raw->value);
        if (!server.ok())
            return ConfigResult::failure(raw->source + ": " + server.error());
        config.serverHost = server.value().first;
        config.serverPort = server.value().second;
        config.serverGiven = true;
    }
    if (const std::optional<Raw> raw = resolve(Interval)) {
        double seconds = 0;
        if (!TextScanner::parseDouble(TextScanner::trim(raw->value), seconds)
            || seconds < kMinInterval || seconds > dmr::kMaxIntervalSeconds)
            return ConfigResult::failure(raw->source + ": '" + raw->value
                + "' is not a number of seconds from 0.1 to 86400");
        config.intervalSeconds = seconds;
    }
    if (const std::optional<Raw> raw = resolve(ProcRoot))
        config.root = raw->value;
    if (const std::optional<Raw> raw = resolve(DiskPath))
        config.diskPath = raw->value;
    if (const std::optional<Raw> raw = resolve(IncludeLo)) {
        const std::optional<bool> value = parseBool(TextScanner::trim(raw->value));
        if (!value)
            return ConfigResult::failure(raw->source + ": '" + raw->value + "' is not 0 or 1");
        config.includeLoopback = *value;
    }
    if (const std::optional<Raw> raw = resolve(Systemctl))
        config.systemctl
            = TextScanner::trim(raw->value) == "off" ? std::string() : std::string(raw->value);
    if (const std::optional<Raw> raw = resolve(Processes)) {
        const std::optional<bool> value = parseBool(TextScanner::trim(raw->value));
        if (!value)
            return ConfigResult::failure(raw->source + ": '" + raw->value + "' is not 0 or 1");
        config.processes = *value;
    }
    if (const std::optional<Raw> raw = resolve(DeviceId)) {
        if (!isPrintableId(raw->value, dmr::kMaxDeviceIdLength))
            return ConfigResult::failure(raw->source
                + ": a device id is 1 to 64 printable "
                  "characters without spaces");
        config.deviceId = raw->value;
    } else {
        config.deviceId = SystemIdentity::machineId(config.root);
        if (config.deviceId.empty())
            config.deviceId
                = SystemIdentity::hostname(config.root).substr(0, dmr::kMaxDeviceIdLength);
        if (config.deviceId.empty())
            config.deviceId = "unknown";
    }
    if (const std::optional<Raw> raw = resolve(LogFile))
        config.logFile = raw->value == "-" ? std::string() : raw->value;
    else if (isSystemdService(env))
        config.logFile.clear();

    // Only systemd sets this, and only for a unit with credentials.
    const std::string credentials = env("CREDENTIALS_DIRECTORY").value_or(std::string());
    if (const std::optional<Raw> raw = resolve(KeyFile)) {
        const Result<dmr::Key> key = readKeyFile(raw->value);
        if (!key.ok()) {
            std::string error = raw->source + ": " + key.error();
            if (!credentials.empty())
                error += " (without a key file the agent would read "
                    + ProcFile::join(credentials, kKeyCredential) + ')';
            return ConfigResult::failure(error);
        }
        config.key = key.value();
        config.keySource = raw->value;
    } else {
        const Result<std::optional<dmr::Key>> key = readKeyCredential(credentials);
        if (!key.ok())
            return ConfigResult::failure(key.error());
        config.key = key.value();
        if (config.key)
            config.keySource = "systemd credential " + ProcFile::join(credentials, kKeyCredential);
    }
    if (config.key)
        config.security = dmr::Security::Sign; // unless told otherwise below
    if (const std::optional<Raw> raw = resolve(SecurityLevel)) {
        const std::optional<dmr::Security> level
            = dmr::parseSecurity(std::string(TextScanner::trim(raw->value)));
        if (!level)
            return ConfigResult::failure(
                raw->source + ": '" + raw->value + "' is not none, sign or encrypt");
        config.security = *level;
        if (*level != dmr::Security::None && !config.key)
            return ConfigResult::failure(raw->source + ": " + raw->value
                + " needs a key: set METRICS_KEY_FILE or, under systemd, put it in "
                  "/etc/metrics-agent/key, which the unit passes as a credential (see "
                  "'metrics-console keys add')");
    }
    for (const auto &[index, target, what] :
        {std::tuple {ResendBuffer, &config.resendBufferSeconds, "seconds from 0 to 604800"},
            std::tuple {ResendRate, &config.resendRate, "reports per second from 0.1 to 100000"}}) {
        if (const std::optional<Raw> raw = resolve(index)) {
            double value = 0;
            const bool isBuffer = index == ResendBuffer;
            if (!TextScanner::parseDouble(TextScanner::trim(raw->value), value)
                || value < (isBuffer ? 0 : 0.1) || value > (isBuffer ? 604800 : 100000))
                return ConfigResult::failure(
                    raw->source + ": '" + raw->value + "' is not a number of " + what);
            *target = value;
        }
    }

    if (const std::optional<Raw> raw = resolve(SpillPath))
        config.spillFile = raw->value;

    std::optional<Result<dmr::Labels>> labels;
    if (!labelFlags.empty()) {
        labels = parseLabels(labelFlags, kKeys[LabelList].flag);
    } else if (const std::optional<Raw> raw = resolve(LabelList)) {
        std::vector<std::string> items;
        for (std::size_t start = 0; start <= raw->value.size();) {
            const std::size_t comma = std::min(raw->value.find(',', start), raw->value.size());
            items.push_back(raw->value.substr(start, comma - start));
            start = comma + 1;
        }
        labels = parseLabels(items, raw->source);
    }
    if (labels) {
        if (!labels->ok())
            return ConfigResult::failure(labels->error());
        config.labels = std::move(labels->value());
    }

    if (countFlag) {
        const std::optional<std::uint64_t> count = parsePositive(*countFlag);
        if (!count)
            return ConfigResult::failure("--count: '" + *countFlag + "' is not a positive number");
        config.count = *count;
    } else if (config.once) {
        config.count = 1;
    }
    if (benchFlag) {
        const std::optional<std::uint64_t> count = parsePositive(*benchFlag);
        if (!count)
            return ConfigResult::failure(
                "--bench-reports: '" + *benchFlag + "' is not a positive number");
        config.benchReports = *count;
    }
    return ConfigResult::success(config);
}

std::string AgentConfig::usage()
{
    return "Usage: metrics-agent [options]\n"
           "\n"
           "Collects CPU (per core too), memory, swap, disks, file systems, load,\n"
           "uptime, network counters, temperatures, battery, top processes and\n"
           "failed systemd units, and sends them to the metrics console as one UDP\n"
           "datagram per interval.\n"
           "\n"
           "Each setting comes from the first of: option, environment variable,\n"
           ".env file, default.\n"
           "\n"
           "Options:\n"
           "  --server HOST:PORT  METRICS_SERVER      console address (127.0.0.1:47800;\n"
           "                                          [ipv6]:port; a bare host uses 47800)\n"
           "  --interval SECONDS  METRICS_INTERVAL    seconds between reports (10, min 0.1)\n"
           "  --device-id ID      DEVICE_ID           device id (/etc/machine-id, else hostname)\n"
           "  --disk-path PATH    DISK_PATH           file system to measure (/)\n"
           "  --root PATH         METRICS_PROC_ROOT   read proc/, sys/ and etc/machine-id under\n"
           "                                          PATH (/)\n"
           "  --include-lo        METRICS_INCLUDE_LO  also report the loopback interface (0)\n"
           "  --log-file PATH     METRICS_LOG_FILE    log file (.log/metrics.log; \"-\" = stderr\n"
           "                                          only; under systemd stderr only)\n"
           "  --security LEVEL    METRICS_SECURITY    none, sign (HMAC-SHA-256) or encrypt\n"
           "                                          (AES-256-GCM) (sign with a key\n"
           "                                          file, else none)\n"
           "  --key-file PATH     METRICS_KEY_FILE    this device's key, the line printed by\n"
           "                                          'metrics-console keys add'; mode 0600\n"
           "                                          ($CREDENTIALS_DIRECTORY/metrics-agent.key,\n"
           "                                          systemd's credential, if that exists)\n"
           "  --resend-buffer S   METRICS_RESEND_BUFFER  seconds of reports kept until the\n"
           "                                          console acknowledges them (3600; 0 = off)\n"
           "  --resend-rate N     METRICS_RESEND_RATE resent reports per second at most (20)\n"
           "  --spill-file PATH   METRICS_SPILL_FILE  keep unacknowledged reports in PATH\n"
           "                                          across restarts (off)\n"
           "  --label NAME=VALUE  METRICS_LABELS      a label of this device (none); repeat\n"
           "                                          the option for more; the variable is\n"
           "                                          NAME=VALUE,NAME2=VALUE2 (options replace\n"
           "                                          its list). At most 32; NAME is 1 to 64\n"
           "                                          of [A-Za-z_][A-Za-z0-9_.-]*, VALUE up\n"
           "                                          to 253 bytes, no control characters\n"
           "  --systemctl PATH    METRICS_SYSTEMCTL   systemctl to ask for failed units once a\n"
           "                                          minute where systemd runs (systemctl;\n"
           "                                          off = do not ask)\n"
           "  --processes 0|1     METRICS_PROCESSES   report the top 5 processes by CPU and\n"
           "                                          by memory (1)\n"
           "  --env-file PATH     read settings from PATH instead of ./.env\n"
           "  --once              send one report and exit\n"
           "  --count N           send N reports and exit\n"
           "  --print             print one report as JSON to stdout, send nothing\n"
           "  --help              show this help\n"
           "  --version           show the version\n"
           "\n"
           "Exit status: 0 on success or SIGTERM/SIGINT, 2 on a bad option or value.\n";
}

} // namespace dmr::agent
