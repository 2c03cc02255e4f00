// SPDX-License-Identifier: MIT
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/ChunkCodec.h"
#include "store/ChunkTable.h"
#include "store/Database.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"
#include "store/Tier.h"
#include "support/TestSql.h"

#include <QFile>
#include <QMap>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>

using namespace dmr::console;

namespace {

constexpr qint64 kAllTime = std::numeric_limits<qint64>::max() / 2;

// A row as text, every value exactly (reals to 17 digits): raw rows must
// come back bit for bit.
QString exact(const QVariantList &row)
{
    QStringList parts;
    for (const QVariant &value : row) {
        if (value.isNull())
            parts << QStringLiteral("NULL");
        else if (value.typeId() == QMetaType::Double)
            parts << QString::number(value.toDouble(), 'g', 17);
        else
            parts << value.toString();
    }
    return parts.join(QLatin1Char('|'));
}

// A rollup row as text, numbers to hundredths: a chunk keeps a rollup's
// reals to hundredths, and its aggregates of integer metrics as integers
// where the table has them as reals (ChunkTable).
QString toHundredths(const QVariantList &row)
{
    QStringList parts;
    for (const QVariant &value : row) {
        if (value.isNull())
            parts << QStringLiteral("NULL");
        else if (value.typeId() == QMetaType::QString)
            parts << value.toString();
        else
            parts << QString::number(std::round(value.toDouble() * 100.0) / 100.0, 'f', 2);
    }
    return parts.join(QLatin1Char('|'));
}

QStringList texts(const QList<QVariantList> &rows)
{
    QStringList out;
    for (const QVariantList &row : rows)
        out << exact(row);
    return out;
}

// The rows of one kind of one device, chunks and row table together, as
// readers get them.
std::optional<std::vector<QVariantList>> rowsOf(
    const TestSql::Connection &sql, ChunkTable::Kind kind, qint64 device)
{
    std::vector<QVariantList> rows;
    QString error;
    const bool ok = ChunkTable::forEachRow(
        sql.db(), kind, device, 0, kAllTime,
        [&rows](const QVariantList &row) {
            rows.push_back(row);
            return true;
        },
        &error);
    if (!ok) {
        qWarning("reading kind %d of device %lld: %s", int(kind), device, qPrintable(error));
        return std::nullopt;
    }
    return rows;
}

// The messages logged while the migration runs.
QStringList *g_log = nullptr;
QtMessageHandler g_previousHandler = nullptr;

void keepMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (g_log)
        g_log->append(message);
    g_previousHandler(type, context, message);
}

} // namespace

// A database of schema version 4 (tests/data/db/schema-v4.sql, written by
// make-schema-v4.py) migrates in place, its history is closed into chunks,
// and not a row is lost or changed on the way.
class TestMigration : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();

    void migratesToTheCurrentVersion();
    void reportsItsProgress();
    void schemaIsANewDatabases();
    void historyIsInChunks();
    void rawRowsReadBackIdentical();
    void rawChunksKeepEveryColumn();
    void minuteRollupsReadBackTheSame();
    void minuteByteSumsComeFromRawRows();
    void hourRollupsComeFromMinutes();
    void devicesAreUnchanged();
    void integrityCheckIsOk();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
    // What the version-4 database held, per device with rows.
    QList<qint64> m_devices;
    QMap<qint64, qint64> m_newest; // newest raw sample
    QMap<qint64, QStringList> m_system; // StoreReader::systemColumns(), exact
    QMap<qint64, QStringList> m_network; // StoreReader::networkColumns(), exact
    QMap<qint64, QList<QVariantList>> m_networkRows; // the same, as values
    QMap<qint64, QList<qint64>> m_rawTimes; // system and network sample times
    QMap<qint64, QList<qint64>> m_minuteTimes;
    QMap<qint64, QStringList> m_systemMinutes; // to hundredths
    QMap<qint64, QStringList> m_networkMinutes;
    int m_networkMinuteColumns = 0; // of version 4: the byte sums came with 6
    QStringList m_rawEveryColumn; // kind|device|every column, sorted
    QStringList m_systemTable, m_networkTable; // the raw tables' columns
    QStringList m_devicesRows;
    int m_versionBefore = -1;
    int m_versionAfter = -1;
    QList<QPair<int, int>> m_progress;
    QStringList m_log;
};

void TestMigration::initTestCase()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("metrics.db"));
    {
        TestSql::Connection fixture(m_path);
        QVERIFY(fixture.isOpen());
        QString error;
        QVERIFY2(TestSql::loadFixture(
                     fixture, QStringLiteral(DMR_TEST_DATA "/db/schema-v4.sql"), &error),
            qPrintable(error));
    }

    {
        TestSql::Connection before(m_path);
        m_devicesRows = texts(before.rows(QStringLiteral("SELECT * FROM devices ORDER BY id")));
        for (const QVariantList &row : before.rows(
                 QStringLiteral("SELECT DISTINCT device FROM system_metrics ORDER BY device")))
            m_devices << row.first().toLongLong();
        m_systemTable = before.columns(QStringLiteral("system_metrics"));
        m_networkTable = before.columns(QStringLiteral("network_metrics"));
        const QString system = StoreReader::systemColumns().join(QStringLiteral(", "));
        const QString network = StoreReader::networkColumns().join(QStringLiteral(", "));
        const QStringList networkMinute = ChunkTable::columns(ChunkTable::Kind::NetworkMinute);
        const QStringList networkMinuteTable = before.columns(QStringLiteral("network_metrics_1m"));
        for (const QString &column : networkMinute)
            m_networkMinuteColumns += networkMinuteTable.contains(column) ? 1 : 0;
        for (qint64 device : m_devices) {
            auto select = [&](const QString &columns, const QString &table, const char *order) {
                return before.rows(QStringLiteral("SELECT %1 FROM %2 WHERE device = %3 ORDER BY %4")
                                       .arg(columns, table)
                                       .arg(device)
                                       .arg(QLatin1String(order)));
            };
            m_system[device] = texts(select(system, QStringLiteral("system_metrics"), "ts"));
            m_networkRows[device]
                = select(network, QStringLiteral("network_metrics"), "ts, interface");
            m_network[device] = texts(m_networkRows[device]);
            auto times = [&](const QString &systemTable, const QString &networkTable) {
                QList<qint64> out;
                for (const QVariantList &row :
                    before.rows(QStringLiteral("SELECT ts FROM %1 WHERE device = %3 UNION"
                                               " SELECT ts FROM %2 WHERE device = %3 ORDER BY ts")
                                    .arg(systemTable, networkTable)
                                    .arg(device)))
                    out << row.first().toLongLong();
                return out;
            };
            m_rawTimes[device]
                = times(QStringLiteral("system_metrics"), QStringLiteral("network_metrics"));
            m_newest[device] = m_rawTimes[device].last();
            m_minuteTimes[device]
                = times(QStringLiteral("system_metrics_1m"), QStringLiteral("network_metrics_1m"));
            for (const QVariantList &row : select(
                     ChunkTable::columns(ChunkTable::Kind::SystemMinute).join(QStringLiteral(", ")),
                     QStringLiteral("system_metrics_1m"), "ts"))
                m_systemMinutes[device] << toHundredths(row);
            for (const QVariantList &row :
                select(networkMinute.mid(0, m_networkMinuteColumns).join(QStringLiteral(", ")),
                    QStringLiteral("network_metrics_1m"), "ts, interface"))
                m_networkMinutes[device] << toHundredths(row);
        }
        for (ChunkTable::Kind kind : {ChunkTable::Kind::System, ChunkTable::Kind::Network}) {
            for (const QVariantList &row :
                before.rows(QStringLiteral("SELECT device, %1 FROM %2")
                                .arg(ChunkTable::columns(kind).join(QStringLiteral(", ")),
                                    ChunkTable::rowTable(kind))))
                m_rawEveryColumn << QString::number(int(kind)) + QLatin1Char('|') + exact(row);
        }
        std::sort(m_rawEveryColumn.begin(), m_rawEveryColumn.end());
    }
    QCOMPARE(m_devicesRows.size(), 3);
    QCOMPARE(m_devices, (QList<qint64> {1, 2}));

    // What the console does on its first start: migrate, then close the
    // history into chunks (here all of it at once, as `db maintain` does).
    {
        m_log.clear();
        g_log = &m_log;
        g_previousHandler = qInstallMessageHandler(keepMessage);
        Database database(QStringLiteral("migration"));
        QString error;
        const bool opened = database.open(m_path, &error);
        m_versionBefore = database.schemaVersion();
        const bool migrated = opened && database.migrate(&error, [this](int done, int total) {
            m_progress.append({done, total});
        });
        m_versionAfter = database.schemaVersion();
        qInstallMessageHandler(g_previousHandler);
        g_log = nullptr;
        QVERIFY2(migrated, qPrintable(error));
    }
    ReportQueue queue(1);
    IngestCounters counters;
    StoreWriter::Options options;
    options.databasePath = m_path;
    options.compactGraceMs = 0; // every window but each device's newest
    StoreWriter writer(options, &queue, &counters);
    QString error;
    QVERIFY2(writer.open(&error), qPrintable(error));
    QVERIFY2(writer.compact(-1, &error), qPrintable(error));
    writer.stop();
}

void TestMigration::cleanupTestCase()
{
    m_dir.reset();
}

void TestMigration::migratesToTheCurrentVersion()
{
    QCOMPARE(m_versionBefore, 4);
    QCOMPARE(m_versionAfter, Database::kSchemaVersion);
    TestSql::Connection sql(m_path);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM schema_version")).toInt(), 1);
}

void TestMigration::reportsItsProgress()
{
    // For the window: from 0 of all the steps to all of them, never back.
    QVERIFY(m_progress.size() > 2);
    const int total = m_progress.first().second;
    QVERIFY(total > 0);
    QCOMPARE(m_progress.first().first, 0);
    QCOMPARE(m_progress.last(), qMakePair(total, total));
    for (qsizetype i = 1; i < m_progress.size(); ++i) {
        QCOMPARE(m_progress.at(i).second, total);
        QVERIFY(m_progress.at(i).first >= m_progress.at(i - 1).first);
    }
    // For the log: where it starts from and each version reached.
    auto logged = [this](const QString &text) {
        return std::any_of(m_log.cbegin(), m_log.cend(),
            [&text](const QString &line) { return line.contains(text); });
    };
    QVERIFY2(logged(QStringLiteral("from schema version 4 to %1").arg(Database::kSchemaVersion)),
        qPrintable(m_log.join(QLatin1Char('\n'))));
    for (int version = 5; version <= Database::kSchemaVersion; ++version) {
        QVERIFY2(logged(QStringLiteral("migrated to version %1").arg(version)),
            qPrintable(m_log.join(QLatin1Char('\n'))));
    }
}

void TestMigration::schemaIsANewDatabases()
{
    // The fixture's schema is version 4's as SQLite records it: migrated, it
    // is the schema of a database created new, table for table.
    const QString fresh = m_dir->filePath(QStringLiteral("fresh.db"));
    {
        Database database(QStringLiteral("fresh"));
        QString error;
        QVERIFY2(database.open(fresh, &error) && database.migrate(&error), qPrintable(error));
    }
    const QString schema = QStringLiteral("SELECT type, name, tbl_name, sql FROM sqlite_master"
                                          " ORDER BY type, name");
    TestSql::Connection migrated(m_path);
    TestSql::Connection created(fresh);
    QCOMPARE(texts(migrated.rows(schema)), texts(created.rows(schema)));
}

void TestMigration::historyIsInChunks()
{
    TestSql::Connection sql(m_path);
    QSet<int> kinds;
    for (const QVariantList &row :
        sql.rows(QStringLiteral("SELECT DISTINCT kind FROM metric_chunks")))
        kinds.insert(row.first().toInt());
    for (ChunkTable::Kind kind : {ChunkTable::Kind::System, ChunkTable::Kind::Network,
             ChunkTable::Kind::SystemMinute, ChunkTable::Kind::NetworkMinute})
        QVERIFY2(kinds.contains(int(kind)), qPrintable(QString::number(int(kind))));

    for (qint64 device : m_devices) {
        // Every window but the newest closed: a chunk each, no rows before it.
        for (Tier tier : {Tier::Raw, Tier::Minute}) {
            const ChunkTable::Kind kind = ChunkTable::kindOf(tier, false);
            const qint64 open = ChunkTable::windowOf(kind, m_newest[device]);
            std::set<qint64> closed;
            for (qint64 ts : tier == Tier::Raw ? m_rawTimes[device] : m_minuteTimes[device]) {
                if (ts < open)
                    closed.insert(ChunkTable::windowOf(kind, ts));
            }
            QVERIFY(!closed.empty());
            for (bool network : {false, true}) {
                const ChunkTable::Kind k = ChunkTable::kindOf(tier, network);
                QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM metric_chunks WHERE"
                                                  " device = %1 AND kind = %2")
                                       .arg(device)
                                       .arg(int(k)))
                             .toLongLong(),
                    qint64(closed.size()));
                QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE device = %2"
                                                  " AND ts < %3")
                                       .arg(ChunkTable::rowTable(k))
                                       .arg(device)
                                       .arg(open))
                             .toLongLong(),
                    qint64(0));
                QVERIFY(sql.value(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE device = %2")
                                      .arg(ChunkTable::rowTable(k))
                                      .arg(device))
                            .toLongLong()
                    > 0);
            }
        }
    }
}

void TestMigration::rawRowsReadBackIdentical()
{
    StoreReader reader(m_path, QStringLiteral("after"));
    QString error;
    QVERIFY2(reader.open(&error), qPrintable(error));
    for (qint64 device : m_devices) {
        QStringList system, network;
        QVERIFY2(reader.forEachSystemRow(
                     device, 0, kAllTime,
                     [&system](const QVariantList &row) {
                         system << exact(row);
                         return true;
                     },
                     &error),
            qPrintable(error));
        QVERIFY2(reader.forEachNetworkRow(
                     device, 0, kAllTime,
                     [&network](const QVariantList &row) {
                         network << exact(row);
                         return true;
                     },
                     &error),
            qPrintable(error));
        QVERIFY(m_system[device].size() > 1000);
        QCOMPARE(system, m_system[device]);
        QCOMPARE(network, m_network[device]);
    }
}

void TestMigration::rawChunksKeepEveryColumn()
{
    // Every column of the raw tables is in a chunk (readers do not show run_id
    // and sequence): decoded, the chunks and the rows left are the rows before.
    QStringList system = m_systemTable, network = m_networkTable;
    QStringList systemChunk
        = QStringList {QStringLiteral("device")} + ChunkTable::columns(ChunkTable::Kind::System);
    QStringList networkChunk
        = QStringList {QStringLiteral("device")} + ChunkTable::columns(ChunkTable::Kind::Network);
    for (QStringList *list : {&system, &network, &systemChunk, &networkChunk})
        std::sort(list->begin(), list->end());
    QCOMPARE(systemChunk, system);
    QCOMPARE(networkChunk, network);

    TestSql::Connection sql(m_path);
    QStringList after;
    for (ChunkTable::Kind kind : {ChunkTable::Kind::System, ChunkTable::Kind::Network}) {
        const QString prefix = QString::number(int(kind)) + QLatin1Char('|');
        for (const QVariantList &row :
            sql.rows(QStringLiteral("SELECT device, %1 FROM %2")
                         .arg(ChunkTable::columns(kind).join(QStringLiteral(", ")),
                             ChunkTable::rowTable(kind))))
            after << prefix + exact(row);
        for (const QVariantList &chunk :
            sql.rows(QStringLiteral("SELECT device, data FROM metric_chunks WHERE kind = %1")
                         .arg(int(kind)))) {
            QString error;
            const std::optional<ColumnBlock> block
                = ChunkCodec::decode(chunk.at(1).toByteArray(), &error);
            QVERIFY2(block, qPrintable(error));
            for (const QVariantList &row : ChunkTable::toRows(kind, *block))
                after << prefix + exact(QVariantList {chunk.at(0)} + row);
        }
    }
    std::sort(after.begin(), after.end());
    QCOMPARE(after.size(), m_rawEveryColumn.size());
    QCOMPARE(after, m_rawEveryColumn);
}

void TestMigration::minuteRollupsReadBackTheSame()
{
    TestSql::Connection sql(m_path);
    for (qint64 device : m_devices) {
        for (bool network : {false, true}) {
            const auto rows = rowsOf(sql, ChunkTable::kindOf(Tier::Minute, network), device);
            QVERIFY(rows);
            QStringList after;
            for (const QVariantList &row : *rows)
                after << toHundredths(network ? row.mid(0, m_networkMinuteColumns) : row);
            QCOMPARE(after, network ? m_networkMinutes[device] : m_systemMinutes[device]);
        }
    }
}

void TestMigration::minuteByteSumsComeFromRawRows()
{
    // Migration 6 adds the bytes each minute counted: the increases of each
    // interface's counters from its sample before, none across a reset.
    const QStringList &columns = ChunkTable::columns(ChunkTable::Kind::NetworkMinute);
    const int rxSum = int(columns.indexOf(QStringLiteral("rx_bytes_sum")));
    const int txSum = int(columns.indexOf(QStringLiteral("tx_bytes_sum")));
    QVERIFY(rxSum > 0 && txSum > 0);
    TestSql::Connection sql(m_path);
    for (qint64 device : m_devices) {
        std::map<std::pair<qint64, QString>, std::pair<qint64, qint64>> expected;
        std::map<QString, QVariantList> previous;
        bool reset = false;
        for (const QVariantList &row : m_networkRows[device]) {
            const QString name = row.at(1).toString();
            auto &sums = expected[{Tiers::bucketOf(Tier::Minute, row.at(0).toLongLong()), name}];
            const auto before = previous.find(name);
            if (before != previous.end()) {
                for (int counter : {4, 5}) {
                    const qint64 from = before->second.at(counter).toLongLong();
                    const qint64 to = row.at(counter).toLongLong();
                    reset = reset || to < from;
                    if (to >= from)
                        (counter == 4 ? sums.first : sums.second) += to - from;
                }
            }
            previous[name] = row;
        }
        QCOMPARE(reset, device == 1); // the fixture's reboot
        QStringList want, got;
        for (const auto &[key, sums] : expected)
            want << QStringLiteral("%1|%2|%3|%4")
                        .arg(key.first)
                        .arg(key.second)
                        .arg(sums.first)
                        .arg(sums.second);
        const auto rows = rowsOf(sql, ChunkTable::Kind::NetworkMinute, device);
        QVERIFY(rows);
        for (const QVariantList &row : *rows) {
            got << QStringLiteral("%1|%2|%3|%4")
                       .arg(row.at(0).toLongLong())
                       .arg(row.at(1).toString())
                       .arg(row.at(rxSum).toLongLong())
                       .arg(row.at(txSum).toLongLong());
        }
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        QCOMPARE(got, want);
    }
}

void TestMigration::hourRollupsComeFromMinutes()
{
    TestSql::Connection sql(m_path);
    for (qint64 device : m_devices) {
        for (bool network : {false, true}) {
            const ChunkTable::Kind minuteKind = ChunkTable::kindOf(Tier::Minute, network);
            const ChunkTable::Kind hourKind = ChunkTable::kindOf(Tier::Hour, network);
            const QStringList &names = ChunkTable::columns(hourKind);
            QCOMPARE(ChunkTable::columns(minuteKind), names);
            const auto minutes = rowsOf(sql, minuteKind, device);
            const auto hours = rowsOf(sql, hourKind, device);
            QVERIFY(minutes && hours);

            // Every sample of the device in its hours.
            const int samples = int(names.indexOf(QStringLiteral("samples")));
            qint64 counted = 0;
            for (const QVariantList &row : *hours)
                counted += row.at(samples).toLongLong();
            QCOMPARE(counted, qint64(network ? m_network[device].size() : m_system[device].size()));

            // Each hour, the minutes in it merged: sums added, mins and maxes
            // of theirs (a sum of reals only as close as the minutes'
            // hundredths allow).
            std::map<std::pair<qint64, QString>, std::pair<QVariantList, int>> merged;
            for (QVariantList row : *minutes) {
                row[0] = Tiers::bucketOf(Tier::Hour, row.at(0).toLongLong());
                auto &[into, count]
                    = merged[{row.at(0).toLongLong(), network ? row.at(1).toString() : QString()}];
                ++count;
                if (into.isEmpty()) {
                    into = row;
                    continue;
                }
                for (int c = 1; c < names.size(); ++c) {
                    const QString &name = names.at(c);
                    const QVariant &a = into.at(c);
                    const QVariant &b = row.at(c);
                    if (a.isNull() || b.isNull()) {
                        into[c] = a.isNull() ? b : a;
                    } else if (name == QLatin1String("samples")
                        || name.endsWith(QLatin1String("_sum"))) {
                        into[c] = a.toDouble() + b.toDouble();
                    } else if (name == QLatin1String("first_ts")
                        || name.endsWith(QLatin1String("_min"))) {
                        into[c] = std::min(a.toDouble(), b.toDouble());
                    } else if (name == QLatin1String("last_ts")
                        || name.endsWith(QLatin1String("_max"))) {
                        into[c] = std::max(a.toDouble(), b.toDouble());
                    }
                }
            }
            QCOMPARE(hours->size(), merged.size());
            auto expected = merged.cbegin();
            std::vector<QVariantList> sorted = *hours;
            std::sort(
                sorted.begin(), sorted.end(), [](const QVariantList &a, const QVariantList &b) {
                    return a.at(0).toLongLong() != b.at(0).toLongLong()
                        ? a.at(0).toLongLong() < b.at(0).toLongLong()
                        : a.at(1).toString() < b.at(1).toString();
                });
            for (const QVariantList &hour : sorted) {
                const auto &[want, count] = expected->second;
                ++expected;
                for (int c = 0; c < names.size(); ++c) {
                    const QVariant &a = hour.at(c);
                    const QVariant &b = want.at(c);
                    const QString where = QStringLiteral("device %1 hour %2 %3: %4 against %5")
                                              .arg(device)
                                              .arg(hour.at(0).toLongLong())
                                              .arg(names.at(c), exact({a}), exact({b}));
                    QVERIFY2(a.isNull() == b.isNull(), qPrintable(where));
                    if (a.isNull())
                        continue;
                    if (a.typeId() == QMetaType::QString) {
                        QVERIFY2(a.toString() == b.toString(), qPrintable(where));
                        continue;
                    }
                    const double tolerance = names.at(c).endsWith(QLatin1String("_sum"))
                        ? 0.005 * (count + 1)
                        : 0.0051;
                    QVERIFY2(std::abs(a.toDouble() - b.toDouble()) <= tolerance, qPrintable(where));
                }
            }
        }
    }
}

void TestMigration::devicesAreUnchanged()
{
    TestSql::Connection sql(m_path);
    // Version 7 added display_name (empty: no device has a name yet), 8
    // maintenance_until (0: none), both last.
    QStringList named = m_devicesRows;
    for (QString &row : named)
        row += QStringLiteral("||0");
    QCOMPARE(texts(sql.rows(QStringLiteral("SELECT * FROM devices ORDER BY id"))), named);
    Database database(QStringLiteral("devices"));
    QString error;
    QVERIFY2(database.open(m_path, &error), qPrintable(error));
    const std::optional<QList<DeviceSnapshot>> devices = database.loadDevices(&error);
    QVERIFY2(devices, qPrintable(error));
    QCOMPARE(devices->size(), 3);
}

void TestMigration::integrityCheckIsOk()
{
    TestSql::Connection sql(m_path);
    QCOMPARE(sql.value(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
}

QTEST_GUILESS_MAIN(TestMigration)
#include "tst_migration.moc"
