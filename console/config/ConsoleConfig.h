// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Seal.h"

#include <QHostAddress>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <optional>

namespace dmr::console {

// Everything the console can be told, resolved with the precedence
// command-line flag > environment variable > .env file > default.
struct ConsoleConfig
{
    bool headless = false;
    QHostAddress udpBind = QHostAddress::Any;
    quint16 udpPort = 47800;
    QHostAddress httpBind = QHostAddress::LocalHost;
    quint16 httpPort = 8000;
    QString apiToken; // legacy Bearer token with an admin's rights; empty: none
    QString scrapeToken; // Bearer token for /metrics only; empty: none
    bool authAlways = false; // false: reads are open while HTTP is bound to loopback (no TLS)
    int sessionHours = 12;
    QString tlsCert; // PEM; with tlsKey: HTTPS on httpsPort, HTTP redirects
    QString tlsKey;
    quint16 httpsPort = 8443;
    QString database; // SQLite file path or postgresql:// URL (DatabaseLocation)
    QString databasePasswordFile; // folded into database as ?password_file=
    QString logFile; // "-" for stderr only
    int statsIntervalSeconds = 60;
    int offlineAfterSeconds = 60; // lower bound of max(this, 3 x interval)
    int queueCapacity = 200000; // reports held between ingest and the writer
    int flushIntervalMs = 1000; // longest time an accepted report waits for its transaction
    int keepRawDays = 30; // raw history (chunks and rows); 0: for ever
    int keepMinuteDays = 90; // per-minute rollups; 0: for ever
    int keepHourDays = 1825; // per-hour rollups; 0: for ever
    qint64 maxDbBytes = 0; // disk budget of the database; 0: none
    // Compaction, retention and the disk budget in the writer; off only to
    // measure ingest without them (the maintenance benchmark's baseline).
    bool storeMaintenance = true;
    int forgetAfterDays = 0; // devices unseen this long are deleted; 0: never
    // Alerting's notifications (alerts/Notifier).
    int alertGroupWaitSeconds = 10;
    int alertRepeatMinutes = 240;
    QUrl heartbeatUrl; // the dead man's switch; empty: none
    int heartbeatIntervalSeconds = 60;
    // "8G", "500M", "1T", "1048576": bytes, with K, M, G or T as powers of 1024.
    static std::optional<qint64> parseSize(const QString &text);
    int receiveBufferBytes = 8 * 1024 * 1024;
    // Lets several consoles on one host share the UDP port (SO_REUSEPORT).
    bool reusePort = false;
    bool receive = true; // off: attached to a shared database, no UDP
    // The least protection every datagram must have; devices with a key in
    // the key file must use at least that key's level.
    dmr::Security security = dmr::Security::None;
    QString keyFile; // device keys (KeyStore); default: beside the database
    int maxClockSkewSeconds = 300; // a report's send time may differ this much from ours
    int ackIntervalSeconds = 2; // acknowledgements to agents; 0: none

    // Parses arguments (argv including the program name) and environment.
    // On --help or --version, prints and sets *exitCode to 0; on a bad value,
    // sets *error and *exitCode to 2. Returns nullopt in both cases.
    static std::optional<ConsoleConfig> parse(const QStringList &arguments,
        const QProcessEnvironment &environment, QString *error, int *exitCode);
    // parse() for an operator command (`keys`, `db`): a bad value is printed
    // as "metrics-console COMMAND: why" on stderr.
    static std::optional<ConsoleConfig> parseForCommand(const QStringList &arguments,
        const QProcessEnvironment &environment, const char *command, int *exitCode);

    static QString defaultDatabasePath(const QProcessEnvironment &environment);
    static QString defaultKeyFile(const QString &databasePath);
    // The database for logs and windows: a URL without its password.
    QString databaseShown() const;
    static QString helpText();
};

} // namespace dmr::console
