// SPDX-License-Identifier: MIT
#include "config/ConsoleConfig.h"

#include "config/EnvFile.h"
#include "store/DatabaseLocation.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>
#include <cstdio>
#include <functional>

namespace dmr::console {

namespace {

struct Key
{
    const char *flag;
    const char *env;
    const char *valueName;
    const char *help;
    std::function<bool(ConsoleConfig &, const QString &)> apply;
};

bool toPort(const QString &text, quint16 *port)
{
    bool ok = false;
    const uint value = text.toUInt(&ok);
    if (!ok || value > 65535)
        return false;
    *port = static_cast<quint16>(value);
    return true;
}

bool toInt(const QString &text, int minimum, int maximum, int *out)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < minimum || value > maximum)
        return false;
    *out = value;
    return true;
}

bool toSwitch(const QString &text, bool *out)
{
    if (text == QLatin1String("on") || text == QLatin1String("1"))
        *out = true;
    else if (text == QLatin1String("off") || text == QLatin1String("0"))
        *out = false;
    else
        return false;
    return true;
}

bool toAddress(const QString &text, QHostAddress *out)
{
    QHostAddress address;
    if (text == QLatin1String("*") || text == QLatin1String("any"))
        address = QHostAddress::Any;
    else if (text == QLatin1String("localhost"))
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(text))
        return false;
    *out = address;
    return true;
}

const QList<Key> &keys()
{
    static const QList<Key> table = {
        {"udp-port", "METRICS_UDP_PORT", "port", "UDP port for agent reports (default 47800).",
            [](ConsoleConfig &c, const QString &v) { return toPort(v, &c.udpPort); }},
        {"bind", "METRICS_BIND", "address",
            "Address to receive reports on (default 0.0.0.0, all IPv4; :: for IPv6 too).",
            [](ConsoleConfig &c, const QString &v) { return toAddress(v, &c.udpBind); }},
        {"http-port", "METRICS_HTTP_PORT", "port",
            "HTTP port of the REST API and web page (default 8000).",
            [](ConsoleConfig &c, const QString &v) { return toPort(v, &c.httpPort); }},
        {"http-bind", "METRICS_HTTP_BIND", "address",
            "Address the HTTP server binds (default 127.0.0.1).",
            [](ConsoleConfig &c, const QString &v) { return toAddress(v, &c.httpBind); }},
        {"api-token", "METRICS_API_TOKEN", "token",
            "Bearer token with an admin's rights and no user, as before there were users (default "
            "none). Prefer users and their tokens (`metrics-console users`). Prefer the variable "
            "or .env: a flag shows in the process list.",
            [](ConsoleConfig &c, const QString &v) {
                c.apiToken = v;
                return v.size() >= 8;
            }},
        {"scrape-token", "METRICS_SCRAPE_TOKEN", "token",
            "Bearer token that may read /metrics and nothing else, for a Prometheus server "
            "(default none: /metrics needs a viewer's session or token where login is required).",
            [](ConsoleConfig &c, const QString &v) {
                c.scrapeToken = v;
                return v.size() >= 16;
            }},
        {"auth", "METRICS_AUTH", "auto|on",
            "Who may read the web page and REST API. auto (default): anyone who reaches it while "
            "it is bound to loopback, a signed-in user or a token otherwise (and under TLS); on: "
            "always a user or a token. Writes always need one.",
            [](ConsoleConfig &c, const QString &v) {
                if (v == QLatin1String("on"))
                    c.authAlways = true;
                else if (v == QLatin1String("auto"))
                    c.authAlways = false;
                else
                    return false;
                return true;
            }},
        {"session-hours", "METRICS_SESSION_HOURS", "hours",
            "How long a web login lasts before the user signs in again (default 12).",
            [](ConsoleConfig &c, const QString &v) { return toInt(v, 1, 720, &c.sessionHours); }},
        {"tls-cert", "METRICS_TLS_CERT", "path",
            "PEM certificate (chain) for HTTPS; with --tls-key, the web page and REST API are "
            "served over HTTPS on --https-port and plain HTTP redirects there. "
            "`metrics-console tls selfsigned` makes a first one.",
            [](ConsoleConfig &c, const QString &v) {
                c.tlsCert = v;
                return !v.isEmpty();
            }},
        {"tls-key", "METRICS_TLS_KEY", "path",
            "PEM private key of --tls-cert (mode 0600; under systemd, LoadCredential=).",
            [](ConsoleConfig &c, const QString &v) {
                c.tlsKey = v;
                return !v.isEmpty();
            }},
        {"https-port", "METRICS_HTTPS_PORT", "port",
            "HTTPS port of the REST API and web page when --tls-cert and --tls-key are set "
            "(default 8443).",
            [](ConsoleConfig &c, const QString &v) { return toPort(v, &c.httpsPort); }},
        {"db", "METRICS_DB", "path|url",
            "SQLite database file (default $XDG_DATA_HOME/device-metrics-reporter/metrics.db), "
            "or postgresql://user@host:port/dbname for a PostgreSQL database that several "
            "consoles share; its password from METRICS_DB_PASSWORD_FILE, or libpq's PGPASSFILE "
            "or ~/.pgpass.",
            [](ConsoleConfig &c, const QString &v) {
                QString why;
                if (!DatabaseLocation::parse(v, &why))
                    return false;
                c.database = v;
                return true;
            }},
        {"db-password-file", "METRICS_DB_PASSWORD_FILE", "path",
            "File whose first line is the PostgreSQL password (mode 0600; under systemd, "
            "LoadCredential=). Never put the password on the command line.",
            [](ConsoleConfig &c, const QString &v) {
                c.databasePasswordFile = v;
                return !v.isEmpty();
            }},
        {"log-file", "METRICS_LOG_FILE", "path",
            "Log file, rotated by size; - for stderr only (default .log/metrics.log, stderr under "
            "systemd).",
            [](ConsoleConfig &c, const QString &v) {
                c.logFile = v;
                return !v.isEmpty();
            }},
        {"stats-interval", "METRICS_STATS_INTERVAL", "seconds",
            "How often the ingest counters are logged (default 60; 0 turns it off).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 0, 86400, &c.statsIntervalSeconds);
            }},
        {"offline-after", "METRICS_OFFLINE_AFTER", "seconds",
            "A device is offline when silent for max(this, 3 x its interval) (default 60).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 1, 86400 * 7, &c.offlineAfterSeconds);
            }},
        {"queue-capacity", "METRICS_QUEUE_CAPACITY", "reports",
            "Reports held in memory between ingest and the database writer (default 200000).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 1000, 100000000, &c.queueCapacity);
            }},
        {"flush-interval", "METRICS_FLUSH_INTERVAL_MS", "ms",
            "Longest time an accepted report waits for its database transaction (default 1000). "
            "Every transaction rewrites the newest page of each device, so fewer, larger "
            "transactions are what lets a large fleet be stored.",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 1, 10000, &c.flushIntervalMs);
            }},
        {"keep-raw", "METRICS_KEEP_RAW_DAYS", "days",
            "Days of raw history (every report) to keep; older ranges are read from the "
            "minute and hour rollups. 0 keeps it for ever (default 30).",
            [](ConsoleConfig &c, const QString &v) { return toInt(v, 0, 36500, &c.keepRawDays); }},
        {"keep-minute", "METRICS_KEEP_MINUTE_DAYS", "days",
            "Days of per-minute rollups to keep; 0 keeps them for ever (default 90).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 0, 36500, &c.keepMinuteDays);
            }},
        {"keep-hour", "METRICS_KEEP_HOUR_DAYS", "days",
            "Days of per-hour rollups to keep; 0 keeps them for ever (default 1825, five "
            "years).",
            [](ConsoleConfig &c, const QString &v) { return toInt(v, 0, 36500, &c.keepHourDays); }},
        {"max-db-size", "METRICS_MAX_DB_SIZE", "size",
            "Disk budget of the database, e.g. 8G (K, M, G, T: powers of 1024): beyond it the "
            "oldest raw history goes first, then the oldest minutes (default 0: none).",
            [](ConsoleConfig &c, const QString &v) {
                const std::optional<qint64> bytes = ConsoleConfig::parseSize(v);
                c.maxDbBytes = bytes.value_or(0);
                return bytes.has_value();
            }},
        {"store-maintenance", "METRICS_STORE_MAINTENANCE", "on|off",
            "Compaction into chunks, retention and the disk budget, run by the database writer "
            "between its batches (default on). off stores every report as rows and deletes "
            "nothing: for benchmarks, never for a console left alone.",
            [](ConsoleConfig &c, const QString &v) { return toSwitch(v, &c.storeMaintenance); }},
        {"forget-after", "METRICS_FORGET_AFTER_DAYS", "days",
            "Devices neither seen nor created for this many days (of the console running) are "
            "deleted with their history; 0 never forgets one (default 0).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 0, 36500, &c.forgetAfterDays);
            }},
        {"alert-group-wait", "METRICS_ALERT_GROUP_WAIT", "seconds",
            "Alerts raised or cleared within this time go out as one notification per channel "
            "(default 10; 0 sends each at once).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 0, 3600, &c.alertGroupWaitSeconds);
            }},
        {"alert-repeat", "METRICS_ALERT_REPEAT", "minutes",
            "Reminds of alerts still firing and not acknowledged every this many minutes "
            "(default 240; 0: never).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 0, 10080, &c.alertRepeatMinutes);
            }},
        {"heartbeat-url", "METRICS_HEARTBEAT_URL", "url",
            "A dead man's switch: the console POSTs a small JSON heartbeat here every "
            "--heartbeat-interval seconds, so an outside monitor notices when it is gone "
            "(default: none).",
            [](ConsoleConfig &c, const QString &v) {
                c.heartbeatUrl = QUrl(v, QUrl::StrictMode);
                return c.heartbeatUrl.isValid()
                    && (c.heartbeatUrl.scheme() == QLatin1String("http")
                        || c.heartbeatUrl.scheme() == QLatin1String("https"));
            }},
        {"heartbeat-interval", "METRICS_HEARTBEAT_INTERVAL", "seconds",
            "How often the heartbeat is sent (default 60).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 5, 86400, &c.heartbeatIntervalSeconds);
            }},
        {"security", "METRICS_SECURITY", "level",
            "Least protection a report must have: none, sign (HMAC-SHA-256) or encrypt "
            "(AES-256-GCM) (default none). Devices with a key must use their key's level "
            "whatever this says.",
            [](ConsoleConfig &c, const QString &v) {
                const std::optional<dmr::Security> level = dmr::parseSecurity(v.toStdString());
                c.security = level.value_or(dmr::Security::None);
                return level.has_value();
            }},
        {"key-file", "METRICS_KEY_FILE", "path",
            "Device keys, written by 'metrics-console keys add DEVICE_ID' (default: keys beside "
            "the database).",
            [](ConsoleConfig &c, const QString &v) {
                c.keyFile = v;
                return !v.isEmpty();
            }},
        {"max-clock-skew", "METRICS_MAX_CLOCK_SKEW", "seconds",
            "Reports whose send time is further than this from the console's clock are refused "
            "as stale or replayed (default 300).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 1, 86400 * 7, &c.maxClockSkewSeconds);
            }},
        {"ack-interval", "METRICS_ACK_INTERVAL", "seconds",
            "How often each reporting agent is told what is stored, so that it resends what is "
            "missing (default 2; 0 sends no acknowledgements).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 0, 3600, &c.ackIntervalSeconds);
            }},
        {"receive-buffer", "METRICS_RECEIVE_BUFFER", "bytes",
            "Kernel receive buffer asked for the UDP socket (default 8388608).",
            [](ConsoleConfig &c, const QString &v) {
                return toInt(v, 65536, 1 << 30, &c.receiveBufferBytes);
            }},
        {"reuse-port", "METRICS_REUSE_PORT", "on|off",
            "Share the UDP port with other consoles on this host that have it on too "
            "(SO_REUSEPORT): the kernel gives each agent, by its address and source port, to "
            "one of them (default off).",
            [](ConsoleConfig &c, const QString &v) { return toSwitch(v, &c.reusePort); }},
        {"receive", "METRICS_RECEIVE", "on|off",
            "Receive agents' reports over UDP (default on). Off: a console attached to a "
            "PostgreSQL database that collectors write, showing the whole fleet, its web page "
            "and REST API.",
            [](ConsoleConfig &c, const QString &v) { return toSwitch(v, &c.receive); }},
    };
    return table;
}

// The console's options, in the order --help lists them.
struct Options
{
    QCommandLineOption help;
    QCommandLineOption version;
    QCommandLineOption headless;
    QCommandLineOption envFile;
    QList<QCommandLineOption> keys; // one per entry of keys(), in its order
};

Options addOptions(QCommandLineParser &parser)
{
    parser.setApplicationDescription(QStringLiteral(
        "Device Metrics Reporter console: receives metrics reports from metrics-agent over UDP, "
        "stores them and shows them.\nEvery option can also be set by the environment variable "
        "named in brackets, or in a .env file."));
    Options options {parser.addHelpOption(), parser.addVersionOption(),
        QCommandLineOption(QStringLiteral("headless"),
            QStringLiteral("Run without the desktop window. [METRICS_HEADLESS=1]")),
        QCommandLineOption(QStringLiteral("env-file"),
            QStringLiteral("Read settings from this file instead of ./.env."),
            QStringLiteral("path")),
        {}};
    parser.addOption(options.headless);
    parser.addOption(options.envFile);
    for (const Key &key : keys()) {
        options.keys.append(QCommandLineOption(QString::fromLatin1(key.flag),
            QStringLiteral("%1 [%2]").arg(
                QString::fromLatin1(key.help), QString::fromLatin1(key.env)),
            QString::fromLatin1(key.valueName)));
        parser.addOption(options.keys.last());
    }
    return options;
}

} // namespace

QString ConsoleConfig::defaultDatabasePath(const QProcessEnvironment &environment)
{
    // systemd's StateDirectory= hands the service its own writable folder.
    const QString stateDirectory = environment.value(QStringLiteral("STATE_DIRECTORY"));
    if (!stateDirectory.isEmpty())
        return stateDirectory.split(QLatin1Char(':')).first() + QStringLiteral("/metrics.db");
    QString dataHome = environment.value(QStringLiteral("XDG_DATA_HOME"));
    if (dataHome.isEmpty())
        dataHome = environment.value(QStringLiteral("HOME"), QDir::homePath())
            + QStringLiteral("/.local/share");
    return dataHome + QStringLiteral("/device-metrics-reporter/metrics.db");
}

QString ConsoleConfig::databaseShown() const
{
    QString error;
    const std::optional<DatabaseLocation> location = DatabaseLocation::parse(database, &error);
    return location ? location->redacted() : database;
}

QString ConsoleConfig::defaultKeyFile(const QString &databasePath)
{
    return QFileInfo(databasePath).absolutePath() + QStringLiteral("/keys");
}

QString ConsoleConfig::helpText()
{
    QCommandLineParser parser;
    addOptions(parser);
    // Qt names the program after the application object's argv[0], or
    // "<executable_name>" while there is none, as when main() parses to
    // choose which application object to make. The name is fixed; say it.
    const QString text = parser.helpText();
    return QStringLiteral("Usage: metrics-console [options]")
        + text.mid(text.indexOf(QLatin1Char('\n')));
}

std::optional<qint64> ConsoleConfig::parseSize(const QString &text)
{
    static const QRegularExpression pattern(
        QStringLiteral("^(\\d{1,15})([KMGT]?)i?B?$"), QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return std::nullopt;
    const int power = int(QStringLiteral(" KMGT").indexOf(match.captured(2).toUpper()));
    qint64 bytes = match.captured(1).toLongLong();
    for (int i = 0; i < std::max(power, 0); ++i) {
        if (bytes > (qint64(1) << 52))
            return std::nullopt;
        bytes *= 1024;
    }
    return bytes;
}

std::optional<ConsoleConfig> ConsoleConfig::parseForCommand(const QStringList &arguments,
    const QProcessEnvironment &environment, const char *command, int *exitCode)
{
    QString error;
    std::optional<ConsoleConfig> config = parse(arguments, environment, &error, exitCode);
    if (!config && !error.isEmpty())
        std::fprintf(stderr, "metrics-console %s: %s\n", command, qPrintable(error));
    return config;
}

std::optional<ConsoleConfig> ConsoleConfig::parse(const QStringList &arguments,
    const QProcessEnvironment &environment, QString *error, int *exitCode)
{
    QCommandLineParser parser;
    const Options options = addOptions(parser);

    *exitCode = 2;
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return std::nullopt;
    }
    if (parser.isSet(options.help)) {
        std::fputs(qPrintable(helpText()), stdout);
        *exitCode = 0;
        return std::nullopt;
    }
    if (parser.isSet(options.version)) {
        std::printf("%s %s\n", qPrintable(QCoreApplication::applicationName()),
            qPrintable(QCoreApplication::applicationVersion()));
        *exitCode = 0;
        return std::nullopt;
    }
    if (!parser.positionalArguments().isEmpty()) {
        *error
            = QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first());
        return std::nullopt;
    }

    const QString envPath
        = parser.isSet(options.envFile) ? parser.value(options.envFile) : QStringLiteral(".env");
    QString envError;
    const std::optional<EnvFile> envFile = EnvFile::load(envPath, &envError);
    if (!envFile && parser.isSet(options.envFile)) {
        *error = envError;
        return std::nullopt;
    }

    ConsoleConfig config;
    const QString headlessName = QStringLiteral("METRICS_HEADLESS");
    QString headless;
    if (environment.contains(headlessName))
        headless = environment.value(headlessName);
    else if (envFile)
        headless = envFile->value(headlessName);
    config.headless = parser.isSet(options.headless) || headless == QLatin1String("1");
    config.database = defaultDatabasePath(environment);
    config.logFile = QString();
    for (int i = 0; i < keys().size(); ++i) {
        const Key &key = keys().at(i);
        const QString envName = QString::fromLatin1(key.env);
        QString value;
        QString source;
        if (parser.isSet(options.keys.at(i))) {
            value = parser.value(options.keys.at(i));
            source = QStringLiteral("--") + QString::fromLatin1(key.flag);
        } else if (environment.contains(envName)) {
            value = environment.value(envName);
            source = envName;
        } else if (envFile && envFile->contains(envName)) {
            value = envFile->value(envName);
            source = envName + QStringLiteral(" in ") + envPath;
        } else {
            continue;
        }
        if (!key.apply(config, value)) {
            // A database URL may hold a password: its reason, not its text.
            QString why;
            if (qstrcmp(key.flag, "db") == 0 && !DatabaseLocation::parse(value, &why))
                *error = QStringLiteral("invalid database for %1: %2").arg(source, why);
            else if (qstrcmp(key.flag, "api-token") == 0)
                *error = QStringLiteral("%1 is too short: at least 8 characters").arg(source);
            else if (qstrcmp(key.flag, "scrape-token") == 0)
                *error = QStringLiteral("%1 is too short: at least 16 characters").arg(source);
            else
                *error = QStringLiteral("invalid value '%1' for %2").arg(value, source);
            return std::nullopt;
        }
    }
    const std::optional<DatabaseLocation> location
        = DatabaseLocation::parse(config.database, error);
    if (!location)
        return std::nullopt;
    if (!config.databasePasswordFile.isEmpty()) {
        if (!location->isPostgres()) {
            *error = QStringLiteral("a database password file is for a postgresql:// database, "
                                    "not the SQLite file %1")
                         .arg(config.database);
            return std::nullopt;
        }
        QUrl url(config.database);
        QUrlQuery query(url);
        query.removeAllQueryItems(QStringLiteral("password_file"));
        query.addQueryItem(QStringLiteral("password_file"), config.databasePasswordFile);
        url.setQuery(query);
        config.database = url.toString();
    }
    if (config.tlsCert.isEmpty() != config.tlsKey.isEmpty()) {
        *error = QStringLiteral("HTTPS needs both --tls-cert and --tls-key");
        return std::nullopt;
    }
    if (config.keyFile.isEmpty())
        config.keyFile = defaultKeyFile(
            location->isPostgres() ? defaultDatabasePath(environment) : config.database);
    *exitCode = 0;
    return config;
}

} // namespace dmr::console
