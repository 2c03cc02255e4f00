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
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStorageInfo>
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

// A file made before auto_vacuum=INCREMENTAL (Database::open) never gives
// deleted pages back: VACUUM rewrites it with the setting, which takes a
// free space of the file's size beside it. False with a sentence on failure.
bool giveSpaceBack(const QString &path, QString *message)
{
    const QString name = QStringLiteral("db-vacuum");
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        QSqlQuery query(db);
        if (!db.open() || !query.exec(QStringLiteral("PRAGMA auto_vacuum")) || !query.next()) {
            *message = db.lastError().text();
            ok = false;
        } else if (query.value(0).toInt() == 2) {
            query.finish();
            *message = QStringLiteral("%1 MB now; free pages go back to the file system as "
                                      "history is deleted")
                           .arg(QFileInfo(path).size() / 1048576);
        } else {
            query.finish();
            const qint64 size = QFileInfo(path).size();
            const QStorageInfo volume(QFileInfo(path).absolutePath());
            if (volume.bytesAvailable() < size + size / 10) {
                *message = QStringLiteral("the file keeps its free pages (auto_vacuum=NONE): "
                                          "rewriting it takes %1 MB free beside it, and %2 MB are")
                               .arg(size / 1048576)
                               .arg(volume.bytesAvailable() / 1048576);
            } else if (!query.exec(QStringLiteral("PRAGMA auto_vacuum=INCREMENTAL"))
                || !query.exec(QStringLiteral("VACUUM"))) {
                *message = QStringLiteral("VACUUM failed: %1").arg(query.lastError().text());
                ok = false;
            } else {
                *message = QStringLiteral("rewritten with auto_vacuum=INCREMENTAL: %1 MB now "
                                          "(was %2 MB); from now on deleted history gives its "
                                          "space back")
                               .arg(QFileInfo(path).size() / 1048576)
                               .arg(size / 1048576);
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

int maintain(const ConsoleConfig &config)
{
    const QString &path = config.database;
    if (!QFileInfo::exists(path)) {
        std::fprintf(stderr, "metrics-console db: no database at %s\n", qPrintable(path));
        return 1;
    }
    ReportQueue queue(1);
    IngestCounters counters;
    StoreWriter::Options options;
    options.databasePath = path;
    options.compactGraceMs = 0; // every window but each device's newest
    options.keptFreePages = 0; // every free page goes back to the file system
    // Retention and the disk budget as the console would apply them.
    constexpr qint64 kDayMs = 86400000;
    options.keepRawMs = qint64(config.keepRawDays) * kDayMs;
    options.keepMinuteMs = qint64(config.keepMinuteDays) * kDayMs;
    options.keepHourMs = qint64(config.keepHourDays) * kDayMs;
    options.maxDbBytes = config.maxDbBytes;
    StoreWriter writer(options, &queue, &counters);
    QString error;
    if (!writer.open(&error) || !writer.compact(-1, &error)) {
        std::fprintf(stderr, "metrics-console db: %s\n", qPrintable(error));
        return 1;
    }
    writer.stop();
    std::printf("%s: every window that can close is a chunk now, and retention is applied\n",
        qPrintable(path));
    QString message;
    const bool ok = giveSpaceBack(path, &message);
    std::printf("%s: %s\n", qPrintable(path), qPrintable(message));
    return ok ? 0 : 1;
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
    return verb == QLatin1String("stats") ? stats(config->database, json) : maintain(*config);
}

} // namespace dmr::console
