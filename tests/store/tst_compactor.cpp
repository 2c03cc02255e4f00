// SPDX-License-Identifier: MIT
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/ChunkTable.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"
#include "support/TestDatabase.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>

using namespace dmr::console;

namespace {

constexpr qint64 kFirstMs = 1795000000000LL;
constexpr int kReports = 3600; // ten hours a device at 10 s
// A resend of the past: seven hours back, between two stored samples.
constexpr qint64 kLateShiftMs = -7 * 3600000LL - 5000;

QString text(const QVariantList &row)
{
    QStringList parts;
    for (const QVariant &value : row)
        parts << value.toString();
    return parts.join(QLatin1Char('|'));
}

// Everything a reader can be asked, as text, to compare before and after.
QStringList readings(StoreReader &reader, qint64 deviceId)
{
    QStringList out;
    QString error;
    const qint64 end = kFirstMs + qint64(kReports) * 10000 + 60000;
    auto keep = [&out](const QVariantList &row) {
        out << text(row);
        return true;
    };
    if (!reader.forEachSystemRow(deviceId, 0, end, keep, &error)
        || !reader.forEachNetworkRow(deviceId, 0, end, keep, &error))
        return {QStringLiteral("error: ") + error};
    // Raw histories (buckets under a minute): inside an old window, across a
    // window's border, over the open one.
    const qint64 hour = 3600000;
    for (const auto &[from, to] :
        std::vector<std::pair<qint64, qint64>> {{kFirstMs + 10 * 60000, kFirstMs + 40 * 60000},
            {ChunkTable::windowOf(kFirstMs) + 2 * hour - 20 * 60000,
                ChunkTable::windowOf(kFirstMs) + 2 * hour + 25 * 60000},
            {end - hour, end}}) {
        const auto buckets
            = reader.history(deviceId, QStringLiteral("load_5"), from, to, 97, &error);
        if (!buckets)
            return {QStringLiteral("error: ") + error};
        for (const HistoryBucket &b : *buckets) {
            out << QStringLiteral("bucket %1 %2 %3 %4 %5 %6")
                       .arg(b.firstTs)
                       .arg(b.lastTs)
                       .arg(b.min)
                       .arg(b.max)
                       .arg(b.avg, 0, 'g', 12)
                       .arg(b.count);
        }
        for (const auto &chart : {reader.systemChart(deviceId, from, to, 300, &error),
                 reader.networkChart(deviceId, from, to, 300, &error)}) {
            if (!chart)
                return {QStringLiteral("error: ") + error};
            for (const HistorySeries &series : *chart) {
                for (const QPointF &point : series.points)
                    out << QStringLiteral("%1 %2 %3")
                               .arg(series.name)
                               .arg(point.x())
                               .arg(point.y());
            }
        }
        for (const char *table : {"system_metrics", "network_metrics"}) {
            const auto count
                = reader.countRows(QString::fromLatin1(table), deviceId, from, to, &error);
            if (!count)
                return {QStringLiteral("error: ") + error};
            out << QStringLiteral("%1 rows %2").arg(QLatin1String(table)).arg(*count);
        }
    }
    // Keyset pages, as the REST export reads them.
    qint64 after = 0;
    for (int page = 0; page < 100; ++page) {
        int rows = 0;
        if (!reader.systemPage(
                deviceId, after, end, 333,
                [&](const QVariantList &row) {
                    out << QStringLiteral("page ") + text(row);
                    after = row.at(0).toLongLong();
                    ++rows;
                    return true;
                },
                &error))
            return {QStringLiteral("error: ") + error};
        if (rows < 333)
            break;
    }
    qint64 afterTs = 0;
    QString afterInterface;
    for (int page = 0; page < 100; ++page) {
        int rows = 0;
        if (!reader.networkPage(
                deviceId, afterTs, afterInterface, end, 500,
                [&](const QVariantList &row) {
                    out << QStringLiteral("net page ") + text(row);
                    afterTs = row.at(0).toLongLong();
                    afterInterface = row.at(1).toString();
                    ++rows;
                    return true;
                },
                &error))
            return {QStringLiteral("error: ") + error};
        if (rows < 500)
            break;
    }
    return out;
}

} // namespace

class TestCompactor : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void compactionKeepsEveryRow();
    void lateRowsJoinTheirChunk();
    void failedCompactionLosesNothing();
    void corruptChunkIsRefusedNotRead();
    void rollupTiersCompactAndReadTheSame();
    void lateReportJoinsItsRollupChunk();
    void compactsWhileTheWriterIsBehind();

private:
    std::unique_ptr<StoreWriter> openWriter(bool compact);
    void write(StoreWriter &writer, int device, quint64 first, quint64 last, qint64 shiftMs = 0);
    // Reports first..last of a device, one every `spacingMs` from kFirstMs.
    void writeSpaced(
        StoreWriter &writer, int device, quint64 first, quint64 last, qint64 spacingMs);
    // Every rollup row of `tier` (chunks decoded and merged with late rows,
    // through the reader's path), as text with reals to hundredths: a
    // chunk keeps a rollup's sums and rates to hundredths (ChunkTable).
    QStringList rollupRows(Tier tier);
    // Every stored row with every column, chunks decoded, sorted.
    QStringList everyRow();
    qint64 idOf(int device);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestDatabase::Scratch> m_scratch;
    QString m_path;
    std::unique_ptr<ReportQueue> m_queue;
    std::unique_ptr<IngestCounters> m_counters;
    std::unique_ptr<DeviceRegistry> m_registry;
    qint64 m_now = kFirstMs;
};

void TestCompactor::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_scratch
        = std::make_unique<TestDatabase::Scratch>(m_dir->filePath(QStringLiteral("metrics.db")));
    TEST_DATABASE_READY(*m_scratch);
    m_path = m_scratch->location();
    m_queue = std::make_unique<ReportQueue>(100000);
    m_counters = std::make_unique<IngestCounters>();
    m_registry = std::make_unique<DeviceRegistry>([this] { return m_now; });
}

void TestCompactor::cleanup()
{
    m_registry.reset();
    m_queue.reset();
    m_scratch.reset();
    m_dir.reset();
}

std::unique_ptr<StoreWriter> TestCompactor::openWriter(bool compact)
{
    StoreWriter::Options options;
    options.databasePath = m_path;
    options.compact = compact;
    auto writer = std::make_unique<StoreWriter>(options, m_queue.get(), m_counters.get());
    QString error;
    if (!writer->open(&error))
        qFatal("cannot open the writer: %s", qPrintable(error));
    return writer;
}

void TestCompactor::write(
    StoreWriter &writer, int device, quint64 first, quint64 last, qint64 shiftMs)
{
    std::vector<AcceptedReport> batch;
    for (quint64 s = first; s <= last; ++s) {
        AcceptedReport accepted;
        accepted.report = TestReports::makeReport(
            TestReports::deviceId(device), 77 + quint32(device), s, 2 + device);
        accepted.report.sampleTimeMs += shiftMs;
        m_now = accepted.report.sampleTimeMs;
        if (m_registry->observe(accepted.report, &accepted.device)
            != DeviceRegistry::Verdict::Accepted)
            qFatal("test reports must be accepted");
        batch.push_back(std::move(accepted));
    }
    m_queue->push(std::move(batch));
    QVERIFY(writer.flushAll());
}

void TestCompactor::writeSpaced(
    StoreWriter &writer, int device, quint64 first, quint64 last, qint64 spacingMs)
{
    std::vector<AcceptedReport> batch;
    for (quint64 s = first; s <= last; ++s) {
        AcceptedReport accepted;
        accepted.report = TestReports::makeReport(TestReports::deviceId(device), 5, s);
        accepted.report.sampleTimeMs = kFirstMs + qint64(s) * spacingMs;
        m_now = accepted.report.sampleTimeMs;
        if (m_registry->observe(accepted.report, &accepted.device)
            != DeviceRegistry::Verdict::Accepted)
            qFatal("test reports must be accepted");
        batch.push_back(std::move(accepted));
    }
    m_queue->push(std::move(batch));
    QVERIFY(writer.flushAll());
}

QStringList TestCompactor::rollupRows(Tier tier)
{
    TestSql::Connection sql(m_path);
    QStringList out;
    const QVariantList devices = [&] {
        QVariantList ids;
        for (const QVariantList &row : sql.rows(QStringLiteral("SELECT id FROM devices")))
            ids << row.first();
        return ids;
    }();
    for (bool network : {false, true}) {
        const ChunkTable::Kind kind = ChunkTable::kindOf(tier, network);
        for (const QVariant &device : devices) {
            QString error;
            const bool ok = ChunkTable::forEachRow(
                sql.db(), kind, device.toLongLong(), 0, std::numeric_limits<qint64>::max() / 2,
                [&](const QVariantList &row) {
                    QStringList parts {QString::number(int(kind)), device.toString()};
                    for (const QVariant &value : row) {
                        const double real = std::round(value.toDouble() * 100.0) / 100.0;
                        parts << (value.typeId() != QMetaType::Double ? value.toString()
                                : real == std::floor(real) ? QString::number(qint64(real))
                                                           : QString::number(real, 'f', 2));
                    }
                    out << parts.join(QLatin1Char('|'));
                    return true;
                },
                &error);
            if (!ok)
                return {error};
        }
    }
    return out;
}

qint64 TestCompactor::idOf(int device)
{
    TestSql::Connection sql(m_path);
    return sql
        .value(QStringLiteral("SELECT id FROM devices WHERE device_id = '%1'")
                   .arg(QString::fromStdString(TestReports::deviceId(device))))
        .toLongLong();
}

QStringList TestCompactor::everyRow()
{
    TestSql::Connection sql(m_path);
    QStringList out;
    for (ChunkTable::Kind kind : {ChunkTable::Kind::System, ChunkTable::Kind::Network}) {
        const QString prefix = QString::number(int(kind)) + QLatin1Char(' ');
        for (const QVariantList &row :
            sql.rows(QStringLiteral("SELECT device, %1 FROM %2")
                         .arg(ChunkTable::columns(kind).join(QStringLiteral(", ")),
                             ChunkTable::rowTable(kind))))
            out << prefix + text(row);
        for (const QVariantList &chunk :
            sql.rows(QStringLiteral("SELECT device, data FROM metric_chunks WHERE kind = %1")
                         .arg(int(kind)))) {
            QString error;
            const std::optional<ColumnBlock> block
                = ChunkCodec::decode(chunk.at(1).toByteArray(), &error);
            if (!block)
                return {error};
            for (const QVariantList &row : ChunkTable::toRows(kind, *block))
                out << prefix + text(QVariantList {chunk.at(0)} + row);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

void TestCompactor::compactionKeepsEveryRow()
{
    {
        auto writer = openWriter(false);
        write(*writer, 0, 1, kReports);
        write(*writer, 1, 1, kReports / 2);
    }
    const QStringList rowsBefore = everyRow();
    QCOMPARE(rowsBefore.size(), kReports * 3 + kReports / 2 * 4);
    QStringList before[2];
    {
        StoreReader reader(m_path, QStringLiteral("before"));
        QString error;
        QVERIFY(reader.open(&error));
        for (int d = 0; d < 2; ++d)
            before[d] = readings(reader, idOf(d));
    }
    QVERIFY(before[0].size() > kReports * 3);
    QVERIFY(!before[0].first().startsWith(QLatin1String("error")));

    // A writer with compaction finds the old rows on start, as it would
    // after the migration of a database from before chunks.
    {
        auto writer = openWriter(true);
        QString error;
        QVERIFY2(writer->compact(-1, &error), qPrintable(error));
    }
    TestSql::Connection sql(m_path);
    // Ten hours: windows 0..4 at most; all but the newest (or the one the
    // grace keeps open) are chunks now.
    QVERIFY(sql.value(QStringLiteral("SELECT COUNT(*) FROM metric_chunks")).toInt() >= 6);
    for (int d = 0; d < 2; ++d) {
        const qint64 newest = sql.value(QStringLiteral("SELECT MAX(ts) FROM system_metrics"
                                                       " WHERE device = %1")
                                            .arg(idOf(d)))
                                  .toLongLong();
        const qint64 oldest = sql.value(QStringLiteral("SELECT MIN(ts) FROM system_metrics"
                                                       " WHERE device = %1")
                                            .arg(idOf(d)))
                                  .toLongLong();
        // The newest report stays a row; rows are left only in windows that
        // have not ended ten minutes before it.
        QCOMPARE(newest,
            TestReports::makeReport(
                TestReports::deviceId(d), 77 + quint32(d), d == 0 ? kReports : kReports / 2)
                .sampleTimeMs);
        QVERIFY(oldest >= ChunkTable::windowOf(newest - 10 * 60000));
    }
    QCOMPARE(everyRow(), rowsBefore);
    StoreReader reader(m_path, QStringLiteral("after"));
    QString error;
    QVERIFY(reader.open(&error));
    for (int d = 0; d < 2; ++d)
        QCOMPARE(readings(reader, idOf(d)), before[d]);
}

void TestCompactor::lateRowsJoinTheirChunk()
{
    {
        auto writer = openWriter(true);
        write(*writer, 0, 1, kReports);
        QString error;
        QVERIFY2(writer->compact(-1, &error), qPrintable(error));
        // A resend of the past arrives after its window closed: sequence
        // kReports + 1 sampled seven hours earlier.
        write(*writer, 0, kReports + 1, kReports + 1, kLateShiftMs);
    }
    const qint64 late
        = TestReports::makeReport(TestReports::deviceId(0), 77, kReports + 1).sampleTimeMs
        + kLateShiftMs;
    TestSql::Connection sql(m_path);
    QCOMPARE(
        sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics WHERE ts = %1").arg(late))
            .toInt(),
        1);
    auto readsLateOnce = [this, late] {
        StoreReader reader(m_path, QStringLiteral("late"));
        QString error;
        if (!reader.open(&error))
            return -1;
        int seen = 0, total = 0;
        reader.forEachSystemRow(
            idOf(0), 0, late + 86400000,
            [&](const QVariantList &row) {
                seen += row.at(0).toLongLong() == late;
                ++total;
                return true;
            },
            &error);
        return total == kReports + 1 ? seen : -total;
    };
    QCOMPARE(readsLateOnce(), 1);
    // The next writer's compaction merges it into its window's chunk.
    {
        auto writer = openWriter(true);
        QString error;
        QVERIFY2(writer->compact(-1, &error), qPrintable(error));
    }
    QCOMPARE(
        sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics WHERE ts = %1").arg(late))
            .toInt(),
        0);
    QCOMPARE(sql.value(QStringLiteral("SELECT row_count FROM metric_chunks WHERE kind = 1"
                                      " AND start_ts = %1")
                           .arg(ChunkTable::windowOf(late)))
                 .toInt(),
        721); // 720 reports of two hours, and the late one
    QCOMPARE(readsLateOnce(), 1);
}

void TestCompactor::failedCompactionLosesNothing()
{
    {
        auto writer = openWriter(false);
        write(*writer, 0, 1, kReports);
    }
    const QStringList rowsBefore = everyRow();
    {
        TestSql::Connection sql(m_path);
        QString error;
        QVERIFY2(TestSql::refuseInserts(sql, QStringLiteral("metric_chunks"), &error),
            qPrintable(error));
    }
    {
        auto writer = openWriter(true);
        QString error;
        QVERIFY(!writer->compact(-1, &error));
        QVERIFY2(error.contains(QLatin1String("disk on fire")), qPrintable(error));
    }
    QCOMPARE(everyRow(), rowsBefore);
    {
        TestSql::Connection sql(m_path);
        QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM metric_chunks")).toInt(), 0);
        QVERIFY(sql.exec(TestSql::dropRefusal(sql, QStringLiteral("metric_chunks"))));
    }
    {
        auto writer = openWriter(true);
        QString error;
        QVERIFY2(writer->compact(-1, &error), qPrintable(error));
    }
    QCOMPARE(everyRow(), rowsBefore);
}

void TestCompactor::corruptChunkIsRefusedNotRead()
{
    {
        auto writer = openWriter(true);
        write(*writer, 0, 1, kReports);
        QString error;
        QVERIFY2(writer->compact(-1, &error), qPrintable(error));
    }
    {
        TestSql::Connection sql(m_path);
        const QString garbage = sql.db().driverName() == QLatin1String("QPSQL")
            ? QStringLiteral("'\\x01deadbeef'::bytea")
            : QStringLiteral("X'01deadbeef'");
        QString error;
        QVERIFY2(
            sql.exec(QStringLiteral("UPDATE metric_chunks SET data = %1 WHERE kind = 1"
                                    " AND start_ts = (SELECT MIN(start_ts) FROM metric_chunks)")
                         .arg(garbage),
                &error),
            qPrintable(error));
    }
    StoreReader reader(m_path, QStringLiteral("corrupt"));
    QString error;
    QVERIFY(reader.open(&error));
    int rows = 0;
    QVERIFY(!reader.forEachSystemRow(
        idOf(0), 0, kFirstMs + 86400000,
        [&rows](const QVariantList &) {
            ++rows;
            return true;
        },
        &error));
    QVERIFY2(error.contains(QLatin1String("corrupt chunk")), qPrintable(error));
    QCOMPARE(rows, 0);
}

void TestCompactor::rollupTiersCompactAndReadTheSame()
{
    // 70 days of a device reporting every 5 minutes: 69 closed days of
    // minutes and two closed 30-day windows of hours.
    constexpr qint64 spacing = 5 * 60000;
    constexpr quint64 reports = 70 * 288;
    {
        auto writer = openWriter(false);
        writeSpaced(*writer, 0, 1, reports, spacing);
    }
    const QStringList minutesBefore = rollupRows(Tier::Minute);
    const QStringList hoursBefore = rollupRows(Tier::Hour);
    QCOMPARE(minutesBefore.size(), int(reports * 3)); // a system and two network rows each
    std::set<qint64> hours;
    for (quint64 s = 1; s <= reports; ++s)
        hours.insert(Tiers::bucketOf(Tier::Hour, kFirstMs + qint64(s) * spacing));
    QCOMPARE(hoursBefore.size(), int(hours.size() * 3));
    const qint64 id = idOf(0);
    const qint64 end = kFirstMs + qint64(reports + 1) * spacing;
    struct Reading
    {
        qint64 from;
        int buckets;
        const char *resolution;
    };
    // 70 days in 500 buckets (3.4 h each): hours; 3 days in 1,000 (4.3 min): minutes.
    const std::vector<Reading> ranges = {{kFirstMs, 500, "hour"},
        {kFirstMs + 20 * 86400000LL, 1000, "minute"}, {end - 3 * 86400000LL, 1000, "minute"}};
    auto read = [&] {
        StoreReader reader(m_path, QStringLiteral("tiers"));
        QString error;
        QStringList out;
        if (!reader.open(&error))
            return QStringList {error};
        for (const Reading &r : ranges) {
            const qint64 to = std::min(end, r.from + (r.buckets == 500 ? 71 : 3) * 86400000LL);
            QString resolution;
            const auto buckets = reader.history(
                id, QStringLiteral("cpu_percent"), r.from, to, r.buckets, &error, &resolution);
            if (!buckets)
                return QStringList {error};
            out << resolution;
            for (const HistoryBucket &b : *buckets) {
                out << QStringLiteral("%1 %2 %3 %4 %5 %6")
                           .arg(b.firstTs)
                           .arg(b.lastTs)
                           .arg(b.min)
                           .arg(b.max)
                           .arg(b.avg, 0, 'g', 10)
                           .arg(b.count);
            }
            for (const auto &chart : {reader.systemChart(id, r.from, to, r.buckets, &error),
                     reader.networkChart(id, r.from, to, r.buckets, &error)}) {
                if (!chart)
                    return QStringList {error};
                for (const HistorySeries &series : *chart) {
                    for (const QPointF &point : series.points)
                        out << QStringLiteral("%1 %2 %3")
                                   .arg(series.name)
                                   .arg(point.x())
                                   .arg(point.y(), 0, 'f', 2);
                }
            }
        }
        return out;
    };
    const QStringList before = read();
    QVERIFY(before.size() > 2000);
    QVERIFY(before.contains(QStringLiteral("hour")));
    QVERIFY(before.contains(QStringLiteral("minute")));

    {
        auto writer = openWriter(true);
        QString error;
        QVERIFY2(writer->compact(-1, &error), qPrintable(error));
    }
    TestSql::Connection sql(m_path);
    auto chunks = [&sql](ChunkTable::Kind kind) {
        return sql
            .value(
                QStringLiteral("SELECT COUNT(*) FROM metric_chunks WHERE kind = %1").arg(int(kind)))
            .toInt();
    };
    QVERIFY(chunks(ChunkTable::Kind::SystemMinute) >= 69);
    QCOMPARE(chunks(ChunkTable::Kind::NetworkMinute), chunks(ChunkTable::Kind::SystemMinute));
    QCOMPARE(chunks(ChunkTable::Kind::SystemHour), 2);
    QCOMPARE(chunks(ChunkTable::Kind::NetworkHour), 2);
    // Rows are left only in the windows still open.
    const qint64 newest = kFirstMs + qint64(reports) * spacing;
    QVERIFY(sql.value(QStringLiteral("SELECT MIN(ts) FROM system_metrics_1m")).toLongLong()
        >= ChunkTable::windowOf(ChunkTable::Kind::SystemMinute, newest - 10 * 60000));
    QVERIFY(sql.value(QStringLiteral("SELECT MIN(ts) FROM network_metrics_1h")).toLongLong()
        >= ChunkTable::windowOf(ChunkTable::Kind::NetworkHour, newest - 10 * 60000));
    QCOMPARE(rollupRows(Tier::Minute), minutesBefore);
    QCOMPARE(rollupRows(Tier::Hour), hoursBefore);
    QCOMPARE(read(), before);
    // The first minute's rates are NULL (no sample before): still NULL.
    QVERIFY(minutesBefore.at(int(reports)).contains(QLatin1String("||")));
}

void TestCompactor::lateReportJoinsItsRollupChunk()
{
    constexpr qint64 spacing = 5 * 60000;
    constexpr quint64 reports = 3 * 288;
    {
        auto writer = openWriter(true);
        writeSpaced(*writer, 0, 1, reports, spacing);
        QString error;
        QVERIFY2(writer->compact(-1, &error), qPrintable(error));
    }
    const QStringList before = rollupRows(Tier::Minute);
    // A resend sampled 10 s after report 10 (at :40), in its minute, in a
    // day closed into a chunk.
    const qint64 late = kFirstMs + 10 * spacing + 10000;
    const qint64 minute = Tiers::bucketOf(Tier::Minute, late);
    {
        auto writer = openWriter(false);
        std::vector<AcceptedReport> batch;
        AcceptedReport accepted;
        accepted.report = TestReports::makeReport(TestReports::deviceId(0), 5, reports + 1);
        accepted.report.sampleTimeMs = late;
        accepted.report.system.cpuPercent = 99.5;
        m_now = kFirstMs + qint64(reports) * spacing;
        QCOMPARE(m_registry->observe(accepted.report, &accepted.device),
            DeviceRegistry::Verdict::Accepted);
        batch.push_back(std::move(accepted));
        m_queue->push(std::move(batch));
        QVERIFY(writer->flushAll());
    }
    TestSql::Connection sql(m_path);
    QCOMPARE(
        sql.value(
               QStringLiteral("SELECT COUNT(*) FROM system_metrics_1m WHERE ts = %1").arg(minute))
            .toInt(),
        1);
    auto minuteRow = [&](const QStringList &rows) {
        for (const QString &row : rows) {
            if (row.startsWith(QStringLiteral("3|1|%1|").arg(minute)))
                return row.split(QLatin1Char('|'));
        }
        return QStringList();
    };
    // Read as one bucket: two samples, the late one's CPU the max.
    const QStringList merged = minuteRow(rollupRows(Tier::Minute));
    const QStringList original = minuteRow(before);
    QCOMPARE(merged.value(3), QStringLiteral("2"));
    QCOMPARE(original.value(3), QStringLiteral("1"));
    const int cpuMax = 2
        + int(ChunkTable::columns(ChunkTable::Kind::SystemMinute)
                  .indexOf(QStringLiteral("cpu_percent_max")));
    QCOMPARE(merged.value(cpuMax), QStringLiteral("99.50"));
    QCOMPARE(rollupRows(Tier::Minute).size(), before.size());
    // The next compaction merges it into the chunk.
    {
        auto writer = openWriter(true);
        QString error;
        QVERIFY2(writer->compact(-1, &error), qPrintable(error));
    }
    QCOMPARE(
        sql.value(
               QStringLiteral("SELECT COUNT(*) FROM system_metrics_1m WHERE ts = %1").arg(minute))
            .toInt(),
        0);
    QCOMPARE(minuteRow(rollupRows(Tier::Minute)), merged);
}

void TestCompactor::compactsWhileTheWriterIsBehind()
{
    {
        auto writer = openWriter(false);
        write(*writer, 0, 1, kReports);
    }
    // Far more queued than a tick writes, in small transactions: the queue
    // stays non-empty until the last batch, as under a fleet beyond the
    // writer's capacity. Maintenance must not wait for it to empty.
    std::vector<AcceptedReport> backlog;
    for (int device = 1; device <= 10; ++device) {
        for (quint64 s = 1; s <= 1000; ++s) {
            AcceptedReport accepted;
            accepted.report = TestReports::makeReport(
                TestReports::deviceId(device), 77 + quint32(device), s, 2);
            m_now = accepted.report.sampleTimeMs;
            QCOMPARE(m_registry->observe(accepted.report, &accepted.device),
                DeviceRegistry::Verdict::Accepted);
            backlog.push_back(std::move(accepted));
        }
    }
    StoreWriter::Options options;
    options.databasePath = m_path;
    options.flushIntervalMs = 1;
    options.maxReportsPerTransaction = 10;
    StoreWriter writer(options, m_queue.get(), m_counters.get());
    QString error;
    QVERIFY2(writer.open(&error), qPrintable(error));
    m_queue->push(std::move(backlog));
    qint64 chunksWhenDrained = -1;
    connect(&writer, &StoreWriter::runsStored, this, [&] {
        if (m_queue->size() == 0 && chunksWhenDrained < 0) {
            TestSql::Connection sql(m_path);
            chunksWhenDrained
                = sql.value(QStringLiteral("SELECT COUNT(*) FROM metric_chunks")).toLongLong();
        }
    });
    QTRY_VERIFY_WITH_TIMEOUT(chunksWhenDrained >= 0, 120000);
    QVERIFY2(chunksWhenDrained > 0, "nothing was compacted while reports were queued");
}

QTEST_GUILESS_MAIN(TestCompactor)
#include "tst_compactor.moc"
