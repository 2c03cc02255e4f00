// SPDX-License-Identifier: MIT
// Renaming, deleting and merging devices through the real store writer, on a
// real SQLite file holding rows, chunks of raw history and of minutes (made
// by the writer's Compactor) and minute and hour rollups whose keys collide
// between the devices.
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/ChunkCodec.h"
#include "store/ChunkTable.h"
#include "store/DeviceLifecycle.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"
#include "store/Tier.h"
#include "support/SingleRowDriver.h"
#include "support/TestDatabase.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QSet>
#include <QSignalSpy>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>
#include <tuple>

using namespace dmr::console;

namespace {

constexpr qint64 kFirstMs = 1795000000000LL;
constexpr quint64 kReports = 1200; // 3 h 20 min at 10 s: two closed two-hour windows
constexpr qint64 kDayMs = 86400000LL;

QString text(const QVariantList &row)
{
    QStringList parts;
    for (const QVariant &value : row)
        parts << (value.isNull() ? QStringLiteral("NULL") : value.toString());
    return parts.join(QLatin1Char('|'));
}

// A rollup row as text: numbers to hundredths, which is what a rollup chunk
// keeps of a sum or a rate (and whole numbers whether they come back from
// SQL as reals or from a chunk as integers).
QString rollupText(const QVariantList &row)
{
    QStringList parts;
    for (const QVariant &value : row) {
        if (value.isNull())
            parts << QStringLiteral("NULL");
        else if (value.typeId() == QMetaType::QString)
            parts << value.toString();
        else
            parts << QString::number(value.toDouble(), 'f', 2);
    }
    return parts.join(QLatin1Char('|'));
}

// How the test expects two rollup rows with one key to combine, written
// independently of the code under test.
QVariant combined(const QString &column, const QVariant &a, const QVariant &b)
{
    if (a.isNull())
        return b;
    if (b.isNull())
        return a;
    if (column == QLatin1String("samples") || column.endsWith(QLatin1String("_sum")))
        return column == QLatin1String("samples") ? QVariant(a.toLongLong() + b.toLongLong())
                                                  : QVariant(a.toDouble() + b.toDouble());
    if (column == QLatin1String("first_ts"))
        return std::min(a.toLongLong(), b.toLongLong());
    if (column == QLatin1String("last_ts"))
        return std::max(a.toLongLong(), b.toLongLong());
    if (column.endsWith(QLatin1String("_min")))
        return std::min(a.toDouble(), b.toDouble());
    if (column.endsWith(QLatin1String("_max")))
        return std::max(a.toDouble(), b.toDouble());
    return QStringLiteral("no rule for ") + column;
}

} // namespace

class TestDeviceLifecycle : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void displayNames_data();
    void displayNames();
    void ownedTablesFollowTheSchema();
    void rename();
    void deleteTakesEveryRowItOwns();
    void mergeCombinesCollidingKeys_data();
    void mergeCombinesCollidingKeys();
    void readsLoseNothingOnSingleRowDriver();
    void reportsOnTheirWayFollowTheChange();
    void reportsOnTheirWayFollowChangesInTurn();
    void refusals();
    void forgetsDevicesUnseenTooLong();

private:
    std::unique_ptr<StoreWriter> openWriter(
        qint64 forgetAfterMs = 0, std::function<qint64()> clock = {});
    // Reports first..last of `device`, moved in time by shiftMs, with CPU
    // and RX traffic of their own so that two devices' rollups differ.
    void write(StoreWriter &writer, int device, quint64 first, quint64 last, qint64 shiftMs = 0,
        double cpuShift = 0, quint64 rxPerReport = 0);
    // Three devices with two closed windows each, compacted; devices 1 and 2
    // sample the same minutes and windows, device 3 stands by.
    void writeFleet(StoreWriter &writer);
    DeviceChangeResult change(StoreWriter &writer, DeviceChange::Kind kind, const QString &uuid,
        const QString &from = {}, const QString &name = {});
    QString uuidOf(int device);
    qint64 idOf(int device);
    // Every row of a device with every column, chunks decoded, sorted.
    QStringList rowsOf(qint64 id);
    // A rollup's rows of a device, from its chunks and its table, by key (ts
    // and interface); a bucket in both (a late report) as one row.
    QMap<QString, QVariantList> rollupOf(ChunkTable::Kind kind, qint64 id);
    qint64 count(const QString &sql);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestDatabase::Scratch> m_scratch;
    QString m_path;
    std::unique_ptr<ReportQueue> m_queue;
    std::unique_ptr<IngestCounters> m_counters;
    std::unique_ptr<DeviceRegistry> m_registry;
    qint64 m_now = kFirstMs;
};

void TestDeviceLifecycle::init()
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

void TestDeviceLifecycle::cleanup()
{
    m_registry.reset();
    m_queue.reset();
    m_scratch.reset();
    m_dir.reset();
}

std::unique_ptr<StoreWriter> TestDeviceLifecycle::openWriter(
    qint64 forgetAfterMs, std::function<qint64()> clock)
{
    StoreWriter::Options options;
    options.databasePath = m_path;
    options.flushIntervalMs = 10;
    options.forgetAfterMs = forgetAfterMs;
    options.clock = std::move(clock);
    auto writer = std::make_unique<StoreWriter>(options, m_queue.get(), m_counters.get());
    QString error;
    if (!writer->open(&error))
        qFatal("cannot open the writer: %s", qPrintable(error));
    return writer;
}

void TestDeviceLifecycle::write(StoreWriter &writer, int device, quint64 first, quint64 last,
    qint64 shiftMs, double cpuShift, quint64 rxPerReport)
{
    std::vector<AcceptedReport> batch;
    for (quint64 s = first; s <= last; ++s) {
        AcceptedReport accepted;
        accepted.report = TestReports::makeReport(TestReports::deviceId(device), 5, s);
        dmr::Report &r = accepted.report;
        r.sampleTimeMs += shiftMs;
        r.system.cpuPercent
            = double((qint64(r.system.cpuPercent * 100) + qint64(cpuShift * 100)) % 10001) / 100.0;
        for (dmr::InterfaceSample &sample : r.interfaces)
            sample.rxBytes += s * rxPerReport;
        m_now = r.sampleTimeMs;
        if (m_registry->observe(r, &accepted.device) != DeviceRegistry::Verdict::Accepted)
            qFatal("test reports must be accepted");
        batch.push_back(std::move(accepted));
    }
    m_queue->push(std::move(batch));
    QVERIFY(writer.flushAll());
}

void TestDeviceLifecycle::writeFleet(StoreWriter &writer)
{
    // Device 2 samples 10 s earlier: its first minute has a rate where
    // device 1's has none yet (a NULL that must give way).
    write(writer, 1, 1, kReports);
    write(writer, 2, 1, kReports, -10000, 33.33, 500);
    write(writer, 3, 1, kReports / 2);
    // A few reports a day later close the first day's minutes into chunks.
    write(writer, 1, kReports + 1, kReports + 6, kDayMs);
    write(writer, 2, kReports + 1, kReports + 6, kDayMs - 10000, 33.33, 500);
    QString error;
    QVERIFY2(writer.compact(-1, &error), qPrintable(error));
    QVERIFY(count(QStringLiteral("SELECT COUNT(*) FROM metric_chunks WHERE kind = %1")
                      .arg(int(ChunkTable::Kind::SystemMinute)))
        >= 2);
}

DeviceChangeResult TestDeviceLifecycle::change(StoreWriter &writer, DeviceChange::Kind kind,
    const QString &uuid, const QString &from, const QString &name)
{
    DeviceChange request;
    request.kind = kind;
    request.uuid = uuid;
    request.from = from;
    request.displayName = name;
    return writer.changeDevice(request);
}

QString TestDeviceLifecycle::uuidOf(int device)
{
    return m_registry->find(TestReports::deviceId(device))->uuid;
}

qint64 TestDeviceLifecycle::idOf(int device)
{
    return count(QStringLiteral("SELECT id FROM devices WHERE device_id = '%1'")
                     .arg(QString::fromStdString(TestReports::deviceId(device))));
}

qint64 TestDeviceLifecycle::count(const QString &sql)
{
    TestSql::Connection connection(m_path);
    return connection.value(sql).toLongLong();
}

QStringList TestDeviceLifecycle::rowsOf(qint64 id)
{
    TestSql::Connection sql(m_path);
    QStringList out;
    for (ChunkTable::Kind kind : {ChunkTable::Kind::System, ChunkTable::Kind::Network}) {
        const QString prefix = QString::number(int(kind)) + QLatin1Char(' ');
        for (const QVariantList &row :
            sql.rows(QStringLiteral("SELECT %1 FROM %2 WHERE device = %3")
                         .arg(ChunkTable::columns(kind).join(QStringLiteral(", ")),
                             ChunkTable::rowTable(kind))
                         .arg(id)))
            out << prefix + text(row);
        for (const QVariantList &chunk :
            sql.rows(QStringLiteral("SELECT data, row_count FROM metric_chunks WHERE kind = %1"
                                    " AND device = %2")
                         .arg(int(kind))
                         .arg(id))) {
            QString error;
            const std::optional<ColumnBlock> block
                = ChunkCodec::decode(chunk.at(0).toByteArray(), &error);
            if (!block)
                return {error};
            const std::vector<QVariantList> rows = ChunkTable::toRows(kind, *block);
            if (qint64(rows.size()) != chunk.at(1).toLongLong())
                return {QStringLiteral("row_count %1 of a chunk of %2 rows")
                            .arg(chunk.at(1).toLongLong())
                            .arg(rows.size())};
            for (const QVariantList &row : rows)
                out << prefix + text(row);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

QMap<QString, QVariantList> TestDeviceLifecycle::rollupOf(ChunkTable::Kind kind, qint64 id)
{
    TestSql::Connection sql(m_path);
    const QStringList &columns = ChunkTable::columns(kind);
    const bool network = ChunkTable::isNetwork(kind);
    std::vector<QVariantList> rows;
    for (const QVariantList &row :
        sql.rows(QStringLiteral("SELECT %1 FROM %2 WHERE device = %3")
                     .arg(columns.join(QStringLiteral(", ")), ChunkTable::rowTable(kind))
                     .arg(id)))
        rows.push_back(row);
    for (const QVariantList &chunk :
        sql.rows(QStringLiteral("SELECT data FROM metric_chunks WHERE kind = %1 AND device = %2")
                     .arg(int(kind))
                     .arg(id))) {
        QString error;
        const std::optional<ColumnBlock> block
            = ChunkCodec::decode(chunk.at(0).toByteArray(), &error);
        if (!block)
            return {{QStringLiteral("error"), {error}}};
        for (const QVariantList &row : ChunkTable::toRows(kind, *block))
            rows.push_back(row);
    }
    QMap<QString, QVariantList> byKey;
    for (const QVariantList &row : rows) {
        const QString key = row.at(0).toString() + QLatin1Char('|')
            + (network ? row.at(1).toString() : QString());
        auto it = byKey.find(key);
        if (it == byKey.end()) {
            byKey.insert(key, row);
            continue;
        }
        for (int c = network ? 2 : 1; c < columns.size(); ++c)
            (*it)[c] = combined(columns.at(c), it->at(c), row.at(c));
    }
    return byKey;
}

void TestDeviceLifecycle::displayNames_data()
{
    QTest::addColumn<QString>("typed");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("stored");

    QTest::newRow("plain") << "Greenhouse Pi" << true << "Greenhouse Pi";
    QTest::newRow("trimmed") << "  shed \t" << true << "shed";
    QTest::newRow("empty clears") << "" << true << "";
    QTest::newRow("blank clears") << "   " << true << "";
    QTest::newRow("253 characters")
        << QString(253, QLatin1Char('x')) << true << QString(253, QLatin1Char('x'));
    QTest::newRow("254 characters") << QString(254, QLatin1Char('x')) << false << QString();
    // Characters, not UTF-16 units: 253 emoji are 506 units.
    QString emoji;
    for (int i = 0; i < 253; ++i)
        emoji += QString::fromUtf8("\xf0\x9f\x8c\xb1");
    QTest::newRow("253 emoji") << emoji << true << emoji;
    QTest::newRow("newline inside") << "two\nlines" << false << QString();
    QTest::newRow("escape") << QStringLiteral("bell\x1b[0m") << false << QString();
    QTest::newRow("C1 control") << QString::fromUtf8("a\xc2\x85z") << false << QString();
    QTest::newRow("accents are fine")
        << QString::fromUtf8("Gewächshaus") << true << QString::fromUtf8("Gewächshaus");
}

void TestDeviceLifecycle::displayNames()
{
    QFETCH(QString, typed);
    QFETCH(bool, valid);
    QFETCH(QString, stored);
    QString error;
    const std::optional<QString> name = DeviceChange::checkDisplayName(typed, &error);
    QCOMPARE(name.has_value(), valid);
    if (valid) {
        QCOMPARE(*name, stored);
        QVERIFY(!name->isNull()); // bound as '' rather than NULL
    } else {
        QVERIFY(error.startsWith(QLatin1String("display_name")));
    }
}

void TestDeviceLifecycle::ownedTablesFollowTheSchema()
{
    auto writer = openWriter();
    auto names = [this] {
        TestSql::Connection sql(m_path);
        QStringList list;
        for (const DeviceLifecycle::OwnedTable &table : DeviceLifecycle::ownedTables(sql.db()))
            list << table.name;
        list.sort();
        return list;
    };
    const QStringList all = {"alerts", "device_labels", "hardware_metrics", "metric_chunks",
        "network_metrics", "network_metrics_1h", "network_metrics_1m", "outages", "system_metrics",
        "system_metrics_1h", "system_metrics_1m"};
    QCOMPARE(names(), all);
    // Every table with a device column is one of them: a table added later
    // that holds devices' rows must be named in ownedTables().
    {
        TestSql::Connection sql(m_path);
        QStringList withDevice;
        for (const QString &table : sql.tables()) {
            if (sql.columns(table).contains(QStringLiteral("device")))
                withDevice << table;
        }
        withDevice.sort();
        QCOMPARE(withDevice, names());
        // Only those the schema has (one from before the hour tier has none).
        QVERIFY(sql.exec(QStringLiteral("DROP TABLE network_metrics_1h")));
    }
    QStringList fewer = all;
    fewer.removeOne(QStringLiteral("network_metrics_1h"));
    QCOMPARE(names(), fewer);
}

void TestDeviceLifecycle::rename()
{
    auto writer = openWriter();
    write(*writer, 1, 1, 3);
    QSignalSpy changed(writer.get(), &StoreWriter::deviceChanged);
    const DeviceChangeResult result
        = change(*writer, DeviceChange::Kind::Rename, uuidOf(1), {}, QStringLiteral("Shed"));
    QVERIFY2(result.done(), qPrintable(result.error));
    QCOMPARE(result.displayName, QStringLiteral("Shed"));
    QCOMPARE(result.deviceId, QString::fromStdString(TestReports::deviceId(1)));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE display_name = 'Shed'")), 1);

    // Readers show it, and the writer's next report of the device leaves it.
    write(*writer, 1, 4, 4);
    StoreReader reader(m_path, QStringLiteral("rename-reader"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    const std::optional<DeviceOverview> device = reader.device(uuidOf(1), &error);
    QVERIFY2(device, qPrintable(error));
    QCOMPARE(device->displayName, QStringLiteral("Shed"));
    QCOMPARE(device->name(), QStringLiteral("Shed"));
    QCOMPARE(device->device.reportsReceived, quint64(4));

    // An empty name shows the hostname again.
    QVERIFY(change(*writer, DeviceChange::Kind::Rename, uuidOf(1), {}, QLatin1String("")).done());
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE display_name = ''")), 1);
    const std::optional<DeviceOverview> cleared = reader.device(uuidOf(1), &error);
    QCOMPARE(cleared->name(), cleared->device.hostname);
}

void TestDeviceLifecycle::deleteTakesEveryRowItOwns()
{
    auto writer = openWriter();
    writeFleet(*writer);
    const qint64 gone = idOf(1);
    const QStringList othersBefore = rowsOf(idOf(2)) + rowsOf(idOf(3));
    const qint64 samples
        = count(QStringLiteral("SELECT (SELECT COUNT(*) FROM system_metrics WHERE device = %1)"
                               " + (SELECT SUM(row_count) FROM metric_chunks WHERE device = %1"
                               " AND kind = 1)")
                    .arg(gone));
    QCOMPARE(samples, qint64(kReports + 6));
    QStringList owned;
    {
        TestSql::Connection sql(m_path);
        // What alerting keeps of it: a label, an outage, an alert.
        QVERIFY(sql.exec(QStringLiteral("INSERT INTO device_labels (device, name, value)"
                                        " VALUES (%1, 'room', 'lab')")
                             .arg(gone)));
        QVERIFY(sql.exec(
            QStringLiteral("INSERT INTO outages (device, start_ts, end_ts) VALUES (%1, 1, 2)")
                .arg(gone)));
        QVERIFY(sql.exec(QStringLiteral("INSERT INTO alerts (rule_id, device, metric, severity,"
                                        " raised_at, raised_value) VALUES (1, %1, 'offline',"
                                        " 'critical', 1, 1)")
                             .arg(gone)));
        // And a hardware row (an agent from 0.2.0 on).
        QVERIFY(sql.exec(QStringLiteral("INSERT INTO hardware_metrics (device, ts, body)"
                                        " VALUES (%1, 1, %2)")
                             .arg(gone)
                             .arg(sql.db().driverName() == QLatin1String("QPSQL")
                                     ? QStringLiteral("'\\x00'::bytea")
                                     : QStringLiteral("X'00'"))));
        for (const DeviceLifecycle::OwnedTable &table : DeviceLifecycle::ownedTables(sql.db()))
            owned << table.name;
    }
    QCOMPARE(owned.size(), 11);
    for (const QString &table : owned) {
        QVERIFY2(
            count(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE device = %2").arg(table).arg(gone))
                > 0,
            qPrintable(table));
    }

    const DeviceChangeResult result = change(*writer, DeviceChange::Kind::Delete, uuidOf(1));
    QVERIFY2(result.done(), qPrintable(result.error));
    QCOMPARE(result.samples, samples);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE id = %1").arg(gone)), 0);
    for (const QString &table : owned) {
        QVERIFY2(
            count(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE device = %2").arg(table).arg(gone))
                == 0,
            qPrintable(table));
    }
    QCOMPARE(rowsOf(idOf(2)) + rowsOf(idOf(3)), othersBefore);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices")), 2);
    // Once only.
    const DeviceChangeResult again = change(*writer, DeviceChange::Kind::Delete, uuidOf(1));
    QCOMPARE(again.status, DeviceChangeResult::Status::NotFound);
    TestSql::Connection sql(m_path);
    QCOMPARE(sql.integrity(), QStringLiteral("ok"));
}

void TestDeviceLifecycle::mergeCombinesCollidingKeys_data()
{
    QTest::addColumn<bool>("chunkIds");
    QTest::newRow("chunks with ids (SQLite's table)") << true;
    // The PostgreSQL table has none: a chunk is known by (device, kind, start_ts).
    QTest::newRow("chunks without ids") << false;
}

void TestDeviceLifecycle::mergeCombinesCollidingKeys()
{
    QFETCH(bool, chunkIds);
    auto writer = openWriter();
    writeFleet(*writer);
    if (!chunkIds) {
        if (m_scratch->isPostgres())
            QSKIP("PostgreSQL's chunk table has no ids: the other row is this one there");
        TestSql::Connection sql(m_path);
        const QStringList columns = sql.columns(QStringLiteral("metric_chunks"));
        QVERIFY(columns.contains(QStringLiteral("id")));
        QStringList kept = columns;
        kept.removeOne(QStringLiteral("id"));
        for (const QString &statement :
            {QStringLiteral("CREATE TABLE chunks_without_id (device BIGINT NOT NULL"
                            " REFERENCES devices(id), kind INTEGER NOT NULL,"
                            " start_ts BIGINT NOT NULL, first_ts BIGINT NOT NULL,"
                            " last_ts BIGINT NOT NULL, row_count BIGINT NOT NULL,"
                            " data BLOB NOT NULL)"),
                QStringLiteral("INSERT INTO chunks_without_id (%1) SELECT %1 FROM metric_chunks")
                    .arg(kept.join(QStringLiteral(", "))),
                QStringLiteral("DROP TABLE metric_chunks"),
                QStringLiteral("ALTER TABLE chunks_without_id RENAME TO metric_chunks"),
                QStringLiteral("CREATE UNIQUE INDEX metric_chunks_device_kind_start"
                               " ON metric_chunks (device, kind, start_ts)"),
                QStringLiteral("CREATE INDEX metric_chunks_kind_start"
                               " ON metric_chunks (kind, start_ts)")}) {
            QString error;
            QVERIFY2(sql.exec(statement, &error), qPrintable(error));
        }
        QVERIFY(!sql.columns(QStringLiteral("metric_chunks")).contains(QStringLiteral("id")));
    }
    QVERIFY(change(*writer, DeviceChange::Kind::Rename, uuidOf(2), {}, QStringLiteral("old board"))
                .done());
    const qint64 into = idOf(1), from = idOf(2);
    const QStringList bystanderBefore = rowsOf(idOf(3));
    QStringList expectedRows = rowsOf(into) + rowsOf(from);
    std::sort(expectedRows.begin(), expectedRows.end());
    QCOMPARE(expectedRows.size(), int(kReports + 6) * 3 * 2);
    // Both have chunks of the same windows, raw and minutes: those must
    // become one each.
    QList<QVariantList> shared;
    {
        TestSql::Connection sql(m_path);
        shared = sql.rows(QStringLiteral(
            "SELECT a.kind, COUNT(*) FROM metric_chunks a JOIN metric_chunks b ON a.kind = b.kind"
            " AND a.start_ts = b.start_ts WHERE a.device = %1 AND b.device = %2"
            " GROUP BY a.kind ORDER BY a.kind")
                              .arg(into)
                              .arg(from));
    }
    QCOMPARE(shared,
        QList<QVariantList>({{int(ChunkTable::Kind::System), 3},
            {int(ChunkTable::Kind::Network), 3}, {int(ChunkTable::Kind::SystemMinute), 1},
            {int(ChunkTable::Kind::NetworkMinute), 1}}));
    const qint64 windows
        = count(QStringLiteral("SELECT COUNT(DISTINCT kind * 10000000000000 + start_ts)"
                               " FROM metric_chunks WHERE device IN (%1, %2)")
                    .arg(into)
                    .arg(from));

    // What each rollup must hold afterwards, combined here on the side.
    const QList<ChunkTable::Kind> rollups
        = {ChunkTable::Kind::SystemMinute, ChunkTable::Kind::NetworkMinute,
            ChunkTable::Kind::SystemHour, ChunkTable::Kind::NetworkHour};
    QMap<int, QMap<QString, QString>> expected;
    int collisions = 0, nullGivesWay = 0, minimumsDiffer = 0;
    for (ChunkTable::Kind kind : rollups) {
        const QStringList &columns = ChunkTable::columns(kind);
        const int first = ChunkTable::isNetwork(kind) ? 2 : 1; // after the key
        const QMap<QString, QVariantList> a = rollupOf(kind, into);
        const QMap<QString, QVariantList> b = rollupOf(kind, from);
        QMap<QString, QString> &rows = expected[int(kind)];
        for (auto it = a.cbegin(); it != a.cend(); ++it)
            rows.insert(it.key(), rollupText(it.value()));
        for (auto it = b.cbegin(); it != b.cend(); ++it) {
            QVariantList row = it.value();
            if (!a.contains(it.key())) {
                rows.insert(it.key(), rollupText(row));
                continue;
            }
            ++collisions;
            const QVariantList &mine = a.value(it.key());
            for (int c = first; c < columns.size(); ++c) {
                const QString &column = columns.at(c);
                if (mine.at(c).isNull() != row.at(c).isNull())
                    ++nullGivesWay;
                if (column.endsWith(QLatin1String("_min")) && !mine.at(c).isNull()
                    && !row.at(c).isNull() && mine.at(c) != row.at(c))
                    ++minimumsDiffer;
                row[c] = combined(column, mine.at(c), row.at(c));
            }
            rows.insert(it.key(), rollupText(row));
        }
    }
    // The test must be able to tell a wrong combination from a right one.
    QVERIFY(collisions > 500);
    QVERIFY(nullGivesWay > 0);
    QVERIFY(minimumsDiffer > 100);

    // Labels: one name on both (the target's value stays), one on each.
    {
        TestSql::Connection sql(m_path);
        for (const auto &[device, name, value] :
            {std::tuple {into, "room", "lab"}, std::tuple {from, "room", "shed"},
                std::tuple {from, "role", "gateway"}, std::tuple {into, "rack", "2"}}) {
            QVERIFY(sql.exec(QStringLiteral("INSERT INTO device_labels (device, name, value)"
                                            " VALUES (%1, '%2', '%3')")
                                 .arg(device)
                                 .arg(QLatin1String(name), QLatin1String(value))));
        }
    }

    QSignalSpy changed(writer.get(), &StoreWriter::deviceChanged);
    const DeviceChangeResult result
        = change(*writer, DeviceChange::Kind::Merge, uuidOf(1), uuidOf(2));
    QVERIFY2(result.done(), qPrintable(result.error));
    QCOMPARE(changed.count(), 1);
    {
        TestSql::Connection sql(m_path);
        QCOMPARE(sql.rows(QStringLiteral("SELECT device, name, value FROM device_labels"
                                         " ORDER BY name")),
            QList<QVariantList>({{into, QStringLiteral("rack"), QStringLiteral("2")},
                {into, QStringLiteral("role"), QStringLiteral("gateway")},
                {into, QStringLiteral("room"), QStringLiteral("lab")}}));
    }
    QCOMPARE(result.samples, qint64(kReports + 6));
    QCOMPARE(result.fromDeviceId, QString::fromStdString(TestReports::deviceId(2)));
    QCOMPARE(result.displayName, QStringLiteral("old board"));

    // Every row of both, exactly once, and every chunk decodes to its row_count.
    QCOMPARE(rowsOf(into), expectedRows);
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM metric_chunks WHERE device = %1").arg(into)),
        windows);
    for (ChunkTable::Kind kind : rollups) {
        QMap<QString, QString> got;
        const QMap<QString, QVariantList> rows = rollupOf(kind, into);
        for (auto it = rows.cbegin(); it != rows.cend(); ++it)
            got.insert(it.key(), rollupText(it.value()));
        QCOMPARE(got.size(), expected.value(int(kind)).size());
        for (auto it = got.cbegin(); it != got.cend(); ++it)
            QCOMPARE(it.value(), expected.value(int(kind)).value(it.key()));
    }
    {
        // A rollup chunk holds each bucket once: the two devices' minutes combined.
        TestSql::Connection sql(m_path);
        for (const QVariantList &chunk :
            sql.rows(QStringLiteral("SELECT kind, data FROM metric_chunks WHERE device = %1"
                                    " AND kind IN (%2, %3)")
                         .arg(into)
                         .arg(int(ChunkTable::Kind::SystemMinute))
                         .arg(int(ChunkTable::Kind::NetworkMinute)))) {
            const auto kind = ChunkTable::Kind(chunk.at(0).toInt());
            QString error;
            const std::optional<ColumnBlock> block
                = ChunkCodec::decode(chunk.at(1).toByteArray(), &error);
            QVERIFY2(block, qPrintable(error));
            QSet<QString> keys;
            for (const QVariantList &row : ChunkTable::toRows(kind, *block)) {
                const QString key = row.at(0).toString() + QLatin1Char('|')
                    + (ChunkTable::isNetwork(kind) ? row.at(1).toString() : QString());
                QVERIFY2(!keys.contains(key), qPrintable(key));
                keys.insert(key);
            }
            QVERIFY(keys.size() > 100);
        }
        for (const DeviceLifecycle::OwnedTable &table : DeviceLifecycle::ownedTables(sql.db()))
            QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE device = %2")
                                   .arg(table.name)
                                   .arg(from))
                         .toLongLong(),
                qint64(0));
        QCOMPARE(sql.integrity(), QStringLiteral("ok"));
    }
    QCOMPARE(rowsOf(idOf(3)), bystanderBefore);

    // The device row: the target's identity and state, both counters, the
    // earlier first sight, the source's name as it had none.
    TestSql::Connection sql(m_path);
    QCOMPARE(sql.rows(QStringLiteral("SELECT uuid, device_id, reports_received, created_at,"
                                     " display_name FROM devices WHERE id = %1")
                          .arg(into)),
        QList<QVariantList>({{uuidOf(1), QString::fromStdString(TestReports::deviceId(1)),
            qint64(2 * (kReports + 6)), m_registry->find(TestReports::deviceId(2))->createdAt,
            QStringLiteral("old board")}}));
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 2);

    // A StoreReader sees one device with the history of both.
    StoreReader reader(m_path, QStringLiteral("merge-reader"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    qint64 samples = 0;
    QVERIFY(reader.forEachSystemRow(
        into, 0, kFirstMs + 2 * kDayMs,
        [&samples](const QVariantList &) {
            ++samples;
            return true;
        },
        &error));
    QCOMPARE(samples, qint64(2 * (kReports + 6)));
}

// Every read of a merge and a delete is taken to its end before the next
// statement, as PostgreSQL's driver needs: on SingleRowDriver none is cut
// short, and the merge and the delete do all they do on SQLite.
void TestDeviceLifecycle::readsLoseNothingOnSingleRowDriver()
{
    // The driver imitates QPSQL over a SQLite file; the _pg run has the real one.
    SQLITE_ONLY(*m_scratch);
    {
        auto writer = openWriter();
        writeFleet(*writer);
    }
    const qint64 into = idOf(1), from = idOf(2), gone = idOf(3);
    QStringList expectedRows = rowsOf(into) + rowsOf(from);
    std::sort(expectedRows.begin(), expectedRows.end());
    QVERIFY(count(QStringLiteral("SELECT COUNT(*) FROM metric_chunks a JOIN metric_chunks b"
                                 " ON a.kind = b.kind AND a.start_ts = b.start_ts"
                                 " WHERE a.device = %1 AND b.device = %2")
                      .arg(into)
                      .arg(from))
        > 0);

    TestSql::SingleRowConnection connection(m_path);
    QVERIFY(connection.isOpen());
    DeviceLifecycle lifecycle(connection.db());
    QString error;
    const std::optional<DeviceLifecycle::Device> target = lifecycle.find(uuidOf(1), &error);
    const std::optional<DeviceLifecycle::Device> source = lifecycle.find(uuidOf(2), &error);
    const std::optional<DeviceLifecycle::Device> bystander = lifecycle.find(uuidOf(3), &error);
    QVERIFY2(target && source && bystander, qPrintable(error));
    qint64 samples = 0;
    QVERIFY2(lifecycle.merge(*source, *target, &samples, &error), qPrintable(error));
    QCOMPARE(samples, qint64(kReports + 6));
    QVERIFY2(lifecycle.remove(*bystander, &samples, &error), qPrintable(error));
    QCOMPARE(samples, qint64(kReports / 2));
    QCOMPARE(connection.lostReads(), 0);

    QCOMPARE(rowsOf(into), expectedRows);
    for (const qint64 id : {from, gone})
        QCOMPARE(count(QStringLiteral("SELECT (SELECT COUNT(*) FROM devices WHERE id = %1)"
                                      " + (SELECT COUNT(*) FROM metric_chunks WHERE device = %1)"
                                      " + (SELECT COUNT(*) FROM system_metrics WHERE device = %1)")
                           .arg(id)),
            qint64(0));
}

void TestDeviceLifecycle::reportsOnTheirWayFollowTheChange()
{
    auto writer = openWriter();
    write(*writer, 1, 1, 10);
    write(*writer, 2, 1, 10, -10000);
    write(*writer, 3, 1, 10);
    const QString uuid1 = uuidOf(1), uuid2 = uuidOf(2), uuid3 = uuidOf(3);
    const qint64 into = idOf(1);
    QVERIFY(change(*writer, DeviceChange::Kind::Merge, uuid1, uuid2).done());
    QVERIFY(change(*writer, DeviceChange::Kind::Delete, uuid3).done());
    QCOMPARE(
        count(QStringLiteral("SELECT reports_received FROM devices WHERE id = %1").arg(into)), 20);

    // Accepted by ingest before it heard: device 2's report goes to device
    // 1, device 3's goes with its device, and device 1's old counters do not
    // take device 2's out of the row.
    const quint64 persisted = m_counters->persisted.load();
    write(*writer, 2, 11, 11, -10000);
    write(*writer, 3, 11, 11);
    write(*writer, 1, 11, 11);
    QCOMPARE(m_counters->persisted.load(), persisted + 3);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices")), 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE uuid = '%1'").arg(uuid3)), 0);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM system_metrics")), 22);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM system_metrics WHERE device = %1"
                                  " AND sequence = 11")
                       .arg(into)),
        2);
    QCOMPARE(
        count(QStringLiteral("SELECT reports_received FROM devices WHERE id = %1").arg(into)), 20);

    // Once ingest adds them up, its snapshots are right again.
    DeviceSnapshot merged;
    QVERIFY(m_registry->absorb(TestReports::deviceId(1), TestReports::deviceId(2), uuid2, &merged));
    QCOMPARE(merged.reportsReceived, quint64(22));
    QVERIFY(m_registry->remove(TestReports::deviceId(3), uuid3));
    write(*writer, 1, 12, 12);
    QCOMPARE(
        count(QStringLiteral("SELECT reports_received FROM devices WHERE id = %1").arg(into)), 23);
    // A deleted device that reports again is a new device.
    write(*writer, 3, 12, 12);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE device_id = '%1'")
                       .arg(QString::fromStdString(TestReports::deviceId(3)))),
        1);
    QVERIFY(uuidOf(3) != uuid3);
    QCOMPARE(count(QStringLiteral("SELECT reports_received FROM devices WHERE uuid = '%1'")
                       .arg(uuidOf(3))),
        1);
}

void TestDeviceLifecycle::reportsOnTheirWayFollowChangesInTurn()
{
    auto writer = openWriter();
    for (int device : {1, 2, 3})
        write(*writer, device, 1, 5);
    const qint64 last = idOf(3);
    QVERIFY(change(*writer, DeviceChange::Kind::Merge, uuidOf(1), uuidOf(2)).done());
    QVERIFY(change(*writer, DeviceChange::Kind::Merge, uuidOf(3), uuidOf(1)).done());
    // Device 2's late report goes where device 1 went.
    write(*writer, 2, 6, 6);
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM system_metrics WHERE device = %1").arg(last)),
        16);
    QVERIFY(change(*writer, DeviceChange::Kind::Delete, uuidOf(3)).done());
    write(*writer, 2, 7, 7);
    write(*writer, 1, 6, 6);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices")), 0);
    for (const char *table : {"system_metrics", "network_metrics", "system_metrics_1m"})
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM %1").arg(QLatin1String(table))), 0);
}

void TestDeviceLifecycle::refusals()
{
    auto writer = openWriter();
    write(*writer, 1, 1, 3);
    write(*writer, 2, 1, 3);
    const QString unknown = QStringLiteral("00000000-0000-4000-8000-000000000000");
    QCOMPARE(change(*writer, DeviceChange::Kind::Rename, unknown, {}, QStringLiteral("x")).status,
        DeviceChangeResult::Status::NotFound);
    QCOMPARE(change(*writer, DeviceChange::Kind::Delete, unknown).status,
        DeviceChangeResult::Status::NotFound);
    QCOMPARE(change(*writer, DeviceChange::Kind::Merge, unknown, uuidOf(1)).status,
        DeviceChangeResult::Status::NotFound);
    const DeviceChangeResult unknownFrom
        = change(*writer, DeviceChange::Kind::Merge, uuidOf(1), unknown);
    QCOMPARE(unknownFrom.status, DeviceChangeResult::Status::NotFound);
    QVERIFY(unknownFrom.error.contains(unknown));
    const DeviceChangeResult itself
        = change(*writer, DeviceChange::Kind::Merge, uuidOf(1), uuidOf(1));
    QCOMPARE(itself.status, DeviceChangeResult::Status::Refused);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices")), 2);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM system_metrics")), 6);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE display_name <> ''")), 0);
}

void TestDeviceLifecycle::forgetsDevicesUnseenTooLong()
{
    {
        auto writer = openWriter();
        write(*writer, 1, 1, 5);
        write(*writer, 2, 1, 5, 4 * kDayMs);
    }
    // Just started, the writer gives every device its two days, however
    // long ago it reported.
    qint64 clock = kFirstMs + 3 * kDayMs + 3600000;
    auto writer = openWriter(2 * kDayMs, [&clock] { return clock; });
    QSignalSpy changed(writer.get(), &StoreWriter::deviceChanged);
    QTest::qWait(200);
    QCOMPARE(changed.count(), 0);
    // Two days after a start device 1 has not reported for five days, device
    // 2 for one. The check is once a minute: a new writer looks at once.
    writer.reset();
    qint64 opened = clock;
    writer = openWriter(2 * kDayMs, [&clock] { return clock; });
    clock = opened + 2 * kDayMs;
    QSignalSpy forgotten(writer.get(), &StoreWriter::deviceChanged);
    QTRY_COMPARE(forgotten.count(), 1);
    const auto result = forgotten.first().first().value<DeviceChangeResult>();
    QVERIFY(result.done());
    QVERIFY(result.forgotten);
    QCOMPARE(result.change.kind, DeviceChange::Kind::Delete);
    QCOMPARE(result.deviceId, QString::fromStdString(TestReports::deviceId(1)));
    QCOMPARE(result.samples, qint64(5));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices")), 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM system_metrics")), 5);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM devices WHERE device_id = '%1'")
                       .arg(QString::fromStdString(TestReports::deviceId(2)))),
        1);
    // Looked at again a minute later, not at every tick.
    QTest::qWait(200);
    QCOMPARE(forgotten.count(), 1);
}

QTEST_GUILESS_MAIN(TestDeviceLifecycle)
#include "tst_devicelifecycle.moc"
