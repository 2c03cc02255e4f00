// SPDX-License-Identifier: MIT
// store-bench: what the store takes on disk for a fleet over simulated days
// of realistic reports (RealisticDevice), through the real StoreWriter with
// compaction running as it does in the console. Prints the database file's
// size (indexes and free pages included) and each table's share per report.
//
//   store-bench [--devices 30] [--days 7] [--interval 10] [--db PATH] [--no-compact]
//               [--start MS]
#include "RealisticDevice.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"
#include "store/Tier.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUuid>
#include <cstdio>
#include <map>

using namespace dmr::console;

namespace {

struct Fleet
{
    std::vector<dmr::bench::RealisticDevice> devices;
    std::vector<DeviceSnapshot> snapshots;
};

// Bytes per report of each tier, as `metrics-console db stats` counts them:
// its row tables' pages and its chunks' BLOBs, with the chunk table's own
// pages (keys, index, page slack) shared out by BLOB bytes.
void printTiers(const QString &path, qint64 reports)
{
    StoreReader reader(path, QStringLiteral("tiers"));
    QString error;
    const std::optional<StoreStats> stats
        = reader.open(&error) ? reader.stats(&error) : std::nullopt;
    if (!stats) {
        std::fprintf(stderr, "store-bench: %s\n", qPrintable(error));
        return;
    }
    std::map<QString, qint64> rowBytes, blobBytes;
    qint64 blobs = 0, overhead = 0;
    for (const StoreStats::Part &part : stats->parts) {
        if (part.name == QLatin1String("chunk table")) {
            overhead = part.bytes;
            continue;
        }
        const QString tier = part.name.split(QLatin1Char(' '))
                                 .at(part.name.startsWith(QLatin1String("network")) ? 1 : 0);
        if (part.name.endsWith(QLatin1String(" chunks"))) {
            blobBytes[tier] += part.bytes;
            blobs += part.bytes;
        } else {
            rowBytes[tier] += part.bytes;
        }
    }
    for (Tier tier : Tiers::kAll) {
        const QString name = Tiers::name(tier);
        const double share
            = blobs > 0 ? double(overhead) * double(blobBytes[name]) / double(blobs) : 0;
        const double bytes = double(rowBytes[name] + blobBytes[name]) + share;
        std::printf("tier %-7s %14.0f bytes %8.2f bytes/report (rows %lld, chunks %lld + %.0f)\n",
            qPrintable(name), bytes, bytes / double(reports),
            static_cast<long long>(rowBytes[name]), static_cast<long long>(blobBytes[name]), share);
    }
}

void measure(const QString &path, qint64 reports, double seconds)
{
    const QString name = QStringLiteral("measure");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.open();
        QSqlQuery query(db);
        query.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        const qint64 fileBytes = QFileInfo(path).size();
        query.exec(QStringLiteral("PRAGMA freelist_count"));
        query.next();
        const qint64 freePages = query.value(0).toLongLong();
        query.exec(QStringLiteral("PRAGMA page_size"));
        query.next();
        const qint64 pageSize = query.value(0).toLongLong();
        std::printf("reports stored         %lld in %.1f s (%.0f/s)\n",
            static_cast<long long>(reports), seconds, double(reports) / seconds);
        std::printf("database file          %lld bytes, %.2f bytes/report (free pages %lld)\n",
            static_cast<long long>(fileBytes), double(fileBytes) / double(reports),
            static_cast<long long>(freePages * pageSize));
        // Per table and index, from SQLite's dbstat (pages, so free space inside
        // pages counts too).
        if (query.exec(QStringLiteral("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"
                                      " ORDER BY 2 DESC"))) {
            while (query.next()) {
                std::printf("  %-36s %12lld bytes %8.2f bytes/report\n",
                    qPrintable(query.value(0).toString()),
                    static_cast<long long>(query.value(1).toLongLong()),
                    query.value(1).toDouble() / double(reports));
            }
        }
        query.exec(QStringLiteral("SELECT COUNT(*), SUM(row_count), SUM(LENGTH(data))"
                                  " FROM metric_chunks"));
        if (query.next())
            std::printf("chunks                 %lld holding %lld rows in %lld bytes\n",
                static_cast<long long>(query.value(0).toLongLong()),
                static_cast<long long>(query.value(1).toLongLong()),
                static_cast<long long>(query.value(2).toLongLong()));
        for (const char *table : {"system_metrics", "network_metrics"}) {
            query.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(QLatin1String(table)));
            query.next();
            std::printf("rows left in %-16s %lld\n", table,
                static_cast<long long>(query.value(0).toLongLong()));
        }
    }
    QSqlDatabase::removeDatabase(name);
    printTiers(path, reports);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Bytes on disk per report of a simulated fleet, through the real store."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("devices"), QStringLiteral("Devices."), QStringLiteral("N"),
        QStringLiteral("30")});
    parser.addOption({QStringLiteral("days"), QStringLiteral("Simulated days."),
        QStringLiteral("N"), QStringLiteral("7")});
    parser.addOption({QStringLiteral("interval"), QStringLiteral("Seconds between reports."),
        QStringLiteral("S"), QStringLiteral("10")});
    parser.addOption({QStringLiteral("db"),
        QStringLiteral("Database file (default: a scratch one)."), QStringLiteral("PATH")});
    parser.addOption({QStringLiteral("no-compact"),
        QStringLiteral("Keep every report as rows, as before chunks (the baseline).")});
    parser.addOption({QStringLiteral("start"),
        QStringLiteral("Time of the first report, ms since the epoch (default a fixed one, so "
                       "that runs compare)."),
        QStringLiteral("MS"), QStringLiteral("1795000000000")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Random seed."), QStringLiteral("N"),
        QStringLiteral("42")});
    parser.process(app);

    const int deviceCount = parser.value(QStringLiteral("devices")).toInt();
    const double days = parser.value(QStringLiteral("days")).toDouble();
    const int interval = parser.value(QStringLiteral("interval")).toInt();
    QTemporaryDir scratch;
    const QString path = parser.isSet(QStringLiteral("db"))
        ? parser.value(QStringLiteral("db"))
        : scratch.filePath(QStringLiteral("store-bench.db"));
    QFile::remove(path);

    const qint64 start = parser.value(QStringLiteral("start")).toLongLong();
    Fleet fleet;
    for (int i = 0; i < deviceCount; ++i) {
        fleet.devices.emplace_back(
            parser.value(QStringLiteral("seed")).toULongLong(), std::uint32_t(i), start, interval);
        DeviceSnapshot snapshot;
        snapshot.uuid
            = QUuid::createUuidV5(QUuid(), QString::number(i)).toString(QUuid::WithoutBraces);
        snapshot.createdAt = start;
        fleet.snapshots.push_back(snapshot);
    }

    ReportQueue queue(std::size_t(deviceCount) * 400);
    IngestCounters counters;
    StoreWriter::Options options;
    options.databasePath = path;
    options.compact = !parser.isSet(QStringLiteral("no-compact"));
    StoreWriter writer(options, &queue, &counters);
    QString error;
    if (!writer.open(&error)) {
        std::fprintf(stderr, "store-bench: %s\n", qPrintable(error));
        return 1;
    }
    QElapsedTimer clock;
    clock.start();
    const qint64 end = start + qint64(days * 86400000);
    qint64 reports = 0;
    // An hour of the fleet's reports at a time, as the writer would take them
    // in real time, then the compaction that hour allows.
    for (qint64 hour = start; hour < end; hour += 3600000) {
        std::vector<AcceptedReport> batch;
        for (int i = 0; i < deviceCount; ++i) {
            dmr::bench::RealisticDevice &device = fleet.devices[std::size_t(i)];
            DeviceSnapshot &snapshot = fleet.snapshots[std::size_t(i)];
            while (true) {
                const dmr::Report &report = device.next();
                AcceptedReport accepted;
                accepted.report = report;
                snapshot.deviceId = QString::fromStdString(report.deviceId);
                snapshot.hostname = QString::fromStdString(report.hostname);
                snapshot.agentVersion
                    = QString::fromStdString(dmr::versionString(report.agentVersion));
                snapshot.intervalSeconds = report.intervalSeconds;
                snapshot.runId = report.runId;
                snapshot.lastSequence = report.sequence;
                snapshot.lastSeen = snapshot.updatedAt = report.sampleTimeMs;
                ++snapshot.reportsReceived;
                accepted.device = snapshot;
                batch.push_back(std::move(accepted));
                if (report.sampleTimeMs >= std::min(end, hour + 3600000))
                    break;
            }
        }
        reports += qint64(batch.size());
        queue.push(std::move(batch));
        if (!writer.flushAll()) {
            std::fprintf(stderr, "store-bench: the writer failed (see its log)\n");
            return 1;
        }
        if (!writer.compact(-1, &error)) {
            std::fprintf(stderr, "store-bench: %s\n", qPrintable(error));
            return 1;
        }
    }
    const double seconds = double(clock.elapsed()) / 1000;
    writer.stop();
    std::printf("fleet                  %d devices (boards, servers, laptops), 2 interfaces,"
                " %d s interval, %.1f days\n",
        deviceCount, interval, days);
    measure(path, reports, seconds);
    return 0;
}
