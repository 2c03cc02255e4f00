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
#include "store/StoreWriter.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUuid>
#include <cstdio>

using namespace dmr::console;

namespace {

struct Fleet
{
    std::vector<dmr::bench::RealisticDevice> devices;
    std::vector<DeviceSnapshot> snapshots;
};

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
