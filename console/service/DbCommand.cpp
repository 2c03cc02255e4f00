// SPDX-License-Identifier: MIT
#include "service/DbCommand.h"

#include "config/ConsoleConfig.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>
#include <cstdio>

namespace dmr::console {

namespace {

int usage()
{
    std::fputs("Usage: metrics-console db stats [--db PATH] [--json]\n"
               "       metrics-console db maintain [--db PATH]\n",
        stderr);
    return 2;
}

QString isoTime(qint64 ms)
{
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
                        .toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'"))
                  : QStringLiteral("-");
}

int stats(const QString &path, bool json)
{
    StoreReader reader(path, QStringLiteral("db-stats"));
    QString error;
    std::optional<StoreStats> stats;
    if (reader.open(&error))
        stats = reader.stats(&error);
    if (!stats) {
        std::fprintf(stderr, "metrics-console db: %s\n", qPrintable(error));
        return 1;
    }
    const double perReport
        = stats->reports > 0 ? double(stats->fileBytes) / double(stats->reports) : 0;
    if (json) {
        QJsonArray parts;
        for (const StoreStats::Part &part : stats->parts) {
            parts.append(QJsonObject {{QStringLiteral("name"), part.name},
                {QStringLiteral("samples"), double(part.rows)},
                {QStringLiteral("bytes"), double(part.bytes)},
                {QStringLiteral("oldest"),
                    part.oldestTs > 0 ? QJsonValue(isoTime(part.oldestTs)) : QJsonValue()},
                {QStringLiteral("newest"),
                    part.newestTs > 0 ? QJsonValue(isoTime(part.newestTs)) : QJsonValue()}});
        }
        const QJsonObject object {{QStringLiteral("database"), path},
            {QStringLiteral("file_bytes"), double(stats->fileBytes)},
            {QStringLiteral("free_bytes"), double(stats->freeBytes)},
            {QStringLiteral("reports"), double(stats->reports)},
            {QStringLiteral("bytes_per_report"), perReport}, {QStringLiteral("parts"), parts}};
        std::printf("%s", QJsonDocument(object).toJson(QJsonDocument::Indented).constData());
        return 0;
    }
    std::printf("%s: %lld bytes (%lld free), %lld reports, %.1f bytes per report\n",
        qPrintable(path), static_cast<long long>(stats->fileBytes),
        static_cast<long long>(stats->freeBytes), static_cast<long long>(stats->reports),
        perReport);
    std::printf("%-22s %14s %14s %8s  %-20s  %-20s\n", "part", "samples", "bytes", "B/sample",
        "oldest", "newest");
    for (const StoreStats::Part &part : stats->parts) {
        std::printf("%-22s %14lld %14lld %8.1f  %-20s  %-20s\n", qPrintable(part.name),
            static_cast<long long>(part.rows), static_cast<long long>(part.bytes),
            part.rows > 0 ? double(part.bytes) / double(part.rows) : 0.0,
            qPrintable(isoTime(part.oldestTs)), qPrintable(isoTime(part.newestTs)));
    }
    return 0;
}

int maintain(const QString &path)
{
    if (!QFileInfo::exists(path)) {
        std::fprintf(stderr, "metrics-console db: no database at %s\n", qPrintable(path));
        return 1;
    }
    ReportQueue queue(1);
    IngestCounters counters;
    StoreWriter::Options options;
    options.databasePath = path;
    options.compactGraceMs = 0; // every window but each device's newest
    StoreWriter writer(options, &queue, &counters);
    QString error;
    if (!writer.open(&error) || !writer.compact(-1, &error)) {
        std::fprintf(stderr, "metrics-console db: %s\n", qPrintable(error));
        return 1;
    }
    writer.stop();
    std::printf("%s: every window that can close is a chunk now\n", qPrintable(path));
    return 0;
}

} // namespace

int runDbCommand(const QStringList &arguments, const QProcessEnvironment &environment)
{
    // arguments: program, "db", verb, options...
    const QString verb = arguments.value(2);
    if (verb != QLatin1String("stats") && verb != QLatin1String("maintain"))
        return usage();
    QStringList options = {arguments.value(0)};
    bool json = false;
    for (const QString &argument : arguments.mid(3)) {
        if (argument == QLatin1String("--json") && verb == QLatin1String("stats"))
            json = true;
        else
            options.append(argument);
    }
    int exitCode = 0;
    const std::optional<ConsoleConfig> config
        = ConsoleConfig::parseForCommand(options, environment, "db", &exitCode);
    if (!config)
        return exitCode;
    return verb == QLatin1String("stats") ? stats(config->database, json)
                                          : maintain(config->database);
}

} // namespace dmr::console
