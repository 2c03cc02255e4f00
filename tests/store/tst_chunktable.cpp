// SPDX-License-Identifier: MIT
// ChunkTable::forEachRow over a device's history as the writer leaves it:
// many closed windows (chunks), late reports waiting beside them as rows,
// the open window and a day not compacted yet. On SQLite, and on SQLite
// that loses reads the way PostgreSQL's driver does (SingleRowDriver), where
// a read left open across another statement ends early.
#include "ingest/IngestCounters.h"
#include "store/ChunkTable.h"
#include "store/StoreWriter.h"
#include "support/SingleRowDriver.h"
#include "support/TestSql.h"
#include "support/TestStore.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <limits>
#include <memory>

using namespace dmr::console;

namespace {

constexpr qint64 kFirstMs = 1795000000000LL;
constexpr qint64 kMinuteMs = 60000;
constexpr qint64 kHourMs = 3600000;
constexpr qint64 kDayMs = 24 * kHourMs;
constexpr int kInterfaces = 2;
const char *const kInterfaceNames[kInterfaces] = {"eth0", "wlan0"}; // TestReports'

QString text(const QVariantList &row)
{
    QStringList parts;
    for (const QVariant &value : row)
        parts << (value.isNull() ? QStringLiteral("NULL") : value.toString());
    return parts.join(QLatin1Char('|'));
}

enum class Interleaved { Exec, Prepare, Tables, Record, Transaction, PreparedQueryEnds };

} // namespace

class TestChunkTable : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void singleRowDriverLosesInterleavedReads_data();
    void singleRowDriverLosesInterleavedReads();
    void readsEveryRow_data();
    void readsEveryRow();
    void readsEveryRollupRow_data();
    void readsEveryRollupRow();

private:
    // Every row forEachRow gives, as text; "error: ..." when it fails.
    QStringList rowsOf(const QSqlDatabase &db, ChunkTable::Kind kind, qint64 fromMs, qint64 toMs);

    QTemporaryDir m_dir;
    QString m_path;
    qint64 m_device = 0;
    std::vector<qint64> m_times; // every report's sample time, sorted
};

// Two days of a report a minute, closed into chunks (24 raw windows, two
// days of minutes); then late reports into every third closed window, and a
// day more that stays rows (the writer compacts no more).
void TestChunkTable::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("chunks.db"));
    ReportQueue queue(100000);
    IngestCounters counters;
    StoreWriter::Options options;
    options.databasePath = m_path;
    StoreWriter writer(options, &queue, &counters);
    QString error;
    QVERIFY2(writer.open(&error), qPrintable(error));
    TestStore::TimedReports reports(writer, queue, 0, kInterfaces);
    QVERIFY(reports.write(TestStore::every(kMinuteMs, kFirstMs, kFirstMs + 2 * kDayMs)));
    QVERIFY2(writer.compact(-1, &error), qPrintable(error));
    std::vector<qint64> late;
    for (qint64 ts = kFirstMs + 5 * kMinuteMs; ts < kFirstMs + 2 * kDayMs - 3 * kHourMs;
         ts += 6 * kHourMs) {
        for (qint64 one : TestStore::every(kMinuteMs, ts, ts + 3 * kMinuteMs, 30000))
            late.push_back(one);
    }
    QVERIFY(reports.write(late));
    QVERIFY(
        reports.write(TestStore::every(kMinuteMs, kFirstMs + 2 * kDayMs, kFirstMs + 3 * kDayMs)));
    writer.stop();
    m_times = reports.times();
    std::sort(m_times.begin(), m_times.end());

    TestSql::Connection sql(m_path);
    m_device = sql.value(QStringLiteral("SELECT id FROM devices")).toLongLong();
    QVERIFY(m_device > 0);
    const auto count = [&](const QString &sqlText, ChunkTable::Kind kind) {
        return sql.value(sqlText.arg(int(kind))).toLongLong();
    };
    const QString chunks = QStringLiteral("SELECT COUNT(*) FROM metric_chunks WHERE kind = %1");
    QVERIFY(count(chunks, ChunkTable::Kind::System) >= 20);
    QCOMPARE(count(chunks, ChunkTable::Kind::Network), count(chunks, ChunkTable::Kind::System));
    QCOMPARE(count(chunks, ChunkTable::Kind::SystemMinute), 2);
    // Rows beside the chunks, in windows that have one.
    QCOMPARE(
        sql
            .value(QStringLiteral(
                "SELECT COUNT(*) FROM system_metrics s WHERE EXISTS (SELECT 1 FROM metric_chunks c"
                " WHERE c.kind = 1 AND s.ts >= c.start_ts AND s.ts < c.start_ts + %1)")
                       .arg(ChunkTable::kWindowMs))
            .toLongLong(),
        qint64(late.size()));
}

void TestChunkTable::singleRowDriverLosesInterleavedReads_data()
{
    QTest::addColumn<Interleaved>("interleaved");
    QTest::addColumn<bool>("forwardOnly");
    for (const bool forwardOnly : {true, false}) {
        const char *how = forwardOnly ? "forward-only" : "whole";
        QTest::addRow("%s, exec", how) << Interleaved::Exec << forwardOnly;
        QTest::addRow("%s, prepare", how) << Interleaved::Prepare << forwardOnly;
        QTest::addRow("%s, tables()", how) << Interleaved::Tables << forwardOnly;
        QTest::addRow("%s, record()", how) << Interleaved::Record << forwardOnly;
        QTest::addRow("%s, transaction", how) << Interleaved::Transaction << forwardOnly;
        QTest::addRow("%s, a prepared query ends", how)
            << Interleaved::PreparedQueryEnds << forwardOnly;
    }
}

// The harness: a forward-only read with any other statement inside its
// loop stops after its first row, as on QPSQL; a whole one does not; a
// read taken to its end first loses nothing.
void TestChunkTable::singleRowDriverLosesInterleavedReads()
{
    QFETCH(Interleaved, interleaved);
    QFETCH(bool, forwardOnly);
    TestSql::SingleRowConnection connection(m_path);
    QVERIFY(connection.isOpen());
    QSqlDatabase db = connection.db();
    std::unique_ptr<QSqlQuery> prepared;
    // Another statement: for PreparedQueryEnds, a PREPARE or, when there is
    // a prepared query, its end (its DEALLOCATE on QPSQL).
    const auto interleave = [&] {
        switch (interleaved) {
        case Interleaved::Exec:
            return QSqlQuery(db).exec(QStringLiteral("SELECT 1"));
        case Interleaved::Prepare:
            return QSqlQuery(db).prepare(QStringLiteral("SELECT ?"));
        case Interleaved::Tables:
            return db.tables().contains(QStringLiteral("devices"));
        case Interleaved::Record:
            return db.record(QStringLiteral("devices")).contains(QStringLiteral("uuid"));
        case Interleaved::Transaction:
            return db.transaction() && db.commit();
        case Interleaved::PreparedQueryEnds:
            if (prepared) {
                prepared.reset();
                return true;
            }
            prepared = std::make_unique<QSqlQuery>(db);
            return prepared->prepare(QStringLiteral("SELECT ?"));
        }
        return false;
    };
    if (interleaved == Interleaved::PreparedQueryEnds)
        QVERIFY(interleave()); // prepared before the read, to end inside it

    const auto read = [&](bool interleaveInside) {
        QSqlQuery query(db);
        query.setForwardOnly(forwardOnly);
        if (!query.exec(QStringLiteral("SELECT ts FROM system_metrics ORDER BY ts")))
            return -1;
        int rows = 0;
        while (query.next()) {
            if (rows++ == 0 && interleaveInside && !interleave())
                return -2;
        }
        return rows;
    };
    const int all = read(false);
    QVERIFY(all > 1000);
    if (forwardOnly)
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(QStringLiteral("^SingleRowDriver: query results lost")));
    QCOMPARE(read(true), forwardOnly ? 1 : all);
    QCOMPARE(connection.lostReads(), forwardOnly ? 1 : 0);
    // The same statement once the read has ended costs nothing.
    QVERIFY(interleave());
    QCOMPARE(read(false), all);
    QCOMPARE(connection.lostReads(), forwardOnly ? 1 : 0);
}

QStringList TestChunkTable::rowsOf(
    const QSqlDatabase &db, ChunkTable::Kind kind, qint64 fromMs, qint64 toMs)
{
    QStringList out;
    QString error;
    if (!ChunkTable::forEachRow(
            db, kind, m_device, fromMs, toMs,
            [&out](const QVariantList &row) {
                out << text(row);
                return true;
            },
            &error))
        return {QStringLiteral("error: ") + error};
    return out;
}

void TestChunkTable::readsEveryRow_data()
{
    QTest::addColumn<bool>("network");
    QTest::addColumn<qint64>("fromMs");
    QTest::addColumn<qint64>("toMs");
    const qint64 end = kFirstMs + 3 * kDayMs;
    for (const bool network : {false, true}) {
        const char *kind = network ? "network" : "system";
        QTest::addRow("%s, everything", kind)
            << network << qint64(0) << std::numeric_limits<qint64>::max() / 2;
        QTest::addRow("%s, mid-window to mid-window", kind)
            << network << kFirstMs + 5 * kHourMs + 17000
            << kFirstMs + 2 * kDayMs + 5 * kHourMs + 3000;
        QTest::addRow("%s, inside one chunk", kind)
            << network << kFirstMs + 6 * kHourMs << kFirstMs + 6 * kHourMs + 20 * kMinuteMs;
        QTest::addRow("%s, rows alone", kind) << network << kFirstMs + 2 * kDayMs + kHourMs << end;
    }
}

// Each sample once, in time order (network: then by interface), on both
// connections alike; the single-row one loses no read.
void TestChunkTable::readsEveryRow()
{
    QFETCH(bool, network);
    QFETCH(qint64, fromMs);
    QFETCH(qint64, toMs);
    const ChunkTable::Kind kind = network ? ChunkTable::Kind::Network : ChunkTable::Kind::System;
    QStringList expected;
    for (qint64 ts : m_times) {
        if (ts < fromMs || ts >= toMs)
            continue;
        if (!network) {
            expected << QString::number(ts);
            continue;
        }
        for (int i = 0; i < kInterfaces; ++i)
            expected << QStringLiteral("%1|%2").arg(ts).arg(QLatin1String(kInterfaceNames[i]));
    }
    QVERIFY(expected.size() > 10);

    TestSql::Connection plain(m_path);
    const QStringList rows = rowsOf(plain.db(), kind, fromMs, toMs);
    QStringList keys;
    for (const QString &row : rows)
        keys << row.section(QLatin1Char('|'), 0, network ? 1 : 0);
    QCOMPARE(keys, expected);

    TestSql::SingleRowConnection singleRow(m_path);
    QVERIFY(singleRow.isOpen());
    QCOMPARE(rowsOf(singleRow.db(), kind, fromMs, toMs), rows);
    QCOMPARE(singleRow.lostReads(), 0);
}

void TestChunkTable::readsEveryRollupRow_data()
{
    QTest::addColumn<ChunkTable::Kind>("kind");
    QTest::newRow("system minutes") << ChunkTable::Kind::SystemMinute;
    QTest::newRow("network minutes") << ChunkTable::Kind::NetworkMinute;
    QTest::newRow("system hours") << ChunkTable::Kind::SystemHour;
}

// A rollup's buckets, a late report's minute merged into its chunk's: each
// report counted once, on both connections alike.
void TestChunkTable::readsEveryRollupRow()
{
    QFETCH(ChunkTable::Kind, kind);
    const qint64 to = std::numeric_limits<qint64>::max() / 2;
    TestSql::Connection plain(m_path);
    const QStringList rows = rowsOf(plain.db(), kind, 0, to);
    QVERIFY(!rows.isEmpty());
    QVERIFY2(!rows.first().startsWith(QLatin1String("error")), qPrintable(rows.first()));
    const int samples = int(ChunkTable::columns(kind).indexOf(QStringLiteral("samples")));
    QVERIFY(samples > 0);
    qint64 counted = 0;
    for (const QString &row : rows)
        counted += row.section(QLatin1Char('|'), samples, samples).toLongLong();
    const qint64 perReport = ChunkTable::isNetwork(kind) ? kInterfaces : 1;
    QCOMPARE(counted, qint64(m_times.size()) * perReport);

    TestSql::SingleRowConnection singleRow(m_path);
    QVERIFY(singleRow.isOpen());
    QCOMPARE(rowsOf(singleRow.db(), kind, 0, to), rows);
    QCOMPARE(singleRow.lostReads(), 0);
}

QTEST_GUILESS_MAIN(TestChunkTable)
#include "tst_chunktable.moc"
