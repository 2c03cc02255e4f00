// SPDX-License-Identifier: MIT
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/StoreWriter.h"
#include "support/TestReports.h"
#include "support/TestSql.h"
#include "support/TestStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <set>

using namespace dmr::console;

namespace {

constexpr int kReports = 2000; // five and a half hours at 10 s

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run console(const QStringList &arguments)
{
    QProcess process;
    process.setProcessEnvironment(QProcessEnvironment());
    process.start(QStringLiteral(DMR_BINARY_DIR "/console/metrics-console"),
        arguments + QStringList {QStringLiteral("--env-file"), QStringLiteral("/dev/null")});
    if (!process.waitForFinished(60000))
        return {};
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

QJsonObject partOf(const QJsonObject &stats, const QString &name)
{
    for (const QJsonValue &part : stats.value(QLatin1String("parts")).toArray()) {
        if (part.toObject().value(QLatin1String("name")).toString() == name)
            return part.toObject();
    }
    return {};
}

} // namespace

class TestDbCommand : public QObject
{
    Q_OBJECT

private slots:
    void statsThenMaintain()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("metrics.db"));
        {
            // Rows only, as a console before chunks (or with its newest
            // windows still open) leaves them.
            ReportQueue queue(kReports);
            IngestCounters counters;
            StoreWriter::Options options;
            options.databasePath = path;
            options.compact = false;
            StoreWriter writer(options, &queue, &counters);
            QString error;
            QVERIFY2(writer.open(&error), qPrintable(error));
            QVERIFY(TestStore::writeReports(writer, queue, 1, 5, kReports));
        }
        const QStringList db = {QStringLiteral("--db"), path};

        Run before = console(
            QStringList {QStringLiteral("db"), QStringLiteral("stats"), QStringLiteral("--json")}
            + db);
        QCOMPARE(before.exitCode, 0);
        QJsonObject stats = QJsonDocument::fromJson(before.out).object();
        QCOMPARE(stats.value(QLatin1String("reports")).toInt(), kReports);
        QCOMPARE(partOf(stats, QStringLiteral("raw rows")).value(QLatin1String("samples")).toInt(),
            kReports);
        QCOMPARE(
            partOf(stats, QStringLiteral("raw chunks")).value(QLatin1String("samples")).toInt(), 0);
        QVERIFY(stats.value(QLatin1String("bytes_per_report")).toDouble() > 100);

        Run maintain = console(QStringList {QStringLiteral("db"), QStringLiteral("maintain")} + db);
        QVERIFY2(maintain.exitCode == 0, maintain.err.constData());

        Run after = console(
            QStringList {QStringLiteral("db"), QStringLiteral("stats"), QStringLiteral("--json")}
            + db);
        QCOMPARE(after.exitCode, 0);
        stats = QJsonDocument::fromJson(after.out).object();
        // Nothing lost; all but the newest window in chunks.
        QCOMPARE(stats.value(QLatin1String("reports")).toInt(), kReports);
        const int rows
            = partOf(stats, QStringLiteral("raw rows")).value(QLatin1String("samples")).toInt();
        const int chunked
            = partOf(stats, QStringLiteral("raw chunks")).value(QLatin1String("samples")).toInt();
        QCOMPARE(rows + chunked, kReports);
        QVERIFY2(rows > 0 && rows <= 720, qPrintable(QString::number(rows)));
        QCOMPARE(
            partOf(stats, QStringLiteral("raw chunks")).value(QLatin1String("oldest")).toString(),
            QStringLiteral("2026-11-18T11:06:50Z"));

        // The table for people.
        Run text = console(QStringList {QStringLiteral("db"), QStringLiteral("stats")} + db);
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("2000 reports"), text.out.constData());
        QVERIFY(text.out.contains("raw chunks"));
    }

    // A file from before auto_vacuum=INCREMENTAL, with more than a day of
    // history: maintain applies --keep-raw (the minutes stay) and rewrites
    // the file so that deleted history gives its space back from now on.
    void maintainAppliesRetentionAndGivesSpaceBack()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("old.db"));
        {
            TestSql::Connection old(path);
            QVERIFY(old.exec(QStringLiteral("PRAGMA auto_vacuum=NONE")));
            QVERIFY(old.exec(QStringLiteral("CREATE TABLE made_before (x INTEGER)")));
        }
        constexpr int reports = 12000; // 33 hours at 10 s
        {
            ReportQueue queue(reports);
            IngestCounters counters;
            StoreWriter::Options options;
            options.databasePath = path;
            options.compact = false;
            StoreWriter writer(options, &queue, &counters);
            QString error;
            QVERIFY2(writer.open(&error), qPrintable(error));
            QVERIFY(TestStore::writeReports(writer, queue, 1, 5, reports));
        }
        {
            TestSql::Connection before(path);
            QCOMPARE(before.value(QStringLiteral("PRAGMA auto_vacuum")).toInt(), 0);
            QCOMPARE(
                before.value(QStringLiteral("SELECT SUM(samples) FROM system_metrics_1m")).toInt(),
                reports);
        }

        const Run maintain = console({QStringLiteral("db"), QStringLiteral("maintain"),
            QStringLiteral("--db"), path, QStringLiteral("--keep-raw"), QStringLiteral("1")});
        QVERIFY2(maintain.exitCode == 0, maintain.err.constData());
        QVERIFY2(maintain.out.contains("rewritten with auto_vacuum=INCREMENTAL"),
            maintain.out.constData());
        TestSql::Connection sql(path);
        QCOMPARE(sql.value(QStringLiteral("PRAGMA auto_vacuum")).toInt(), 2);
        // Raw history older than a day before the newest report is gone, in
        // whole two-hour windows; the minutes keep all of it.
        const qint64 raw
            = sql.value(QStringLiteral("SELECT (SELECT COUNT(*) FROM system_metrics) + (SELECT"
                                       " COALESCE(SUM(row_count), 0) FROM metric_chunks"
                                       " WHERE kind = 1)"))
                  .toLongLong();
        QVERIFY2(raw < reports && raw >= 8640, qPrintable(QString::number(raw)));
        std::set<qint64> minuteBuckets;
        for (int r = 1; r <= reports; ++r) {
            const qint64 ts
                = TestReports::makeReport(TestReports::deviceId(1), 5, quint64(r)).sampleTimeMs;
            minuteBuckets.insert(ts - ts % 60000);
        }
        QCOMPARE(
            sql.value(QStringLiteral("SELECT (SELECT COUNT(*) FROM system_metrics_1m) + (SELECT"
                                     " COALESCE(SUM(row_count), 0) FROM metric_chunks"
                                     " WHERE kind = 3)"))
                .toLongLong(),
            qint64(minuteBuckets.size()));
        QCOMPARE(sql.value(QStringLiteral("SELECT MIN(first) FROM (SELECT MIN(first_ts) AS first"
                                          " FROM system_metrics_1m UNION ALL SELECT"
                                          " MIN(first_ts) FROM metric_chunks WHERE kind = 3) AS t"))
                     .toLongLong(),
            TestReports::makeReport(TestReports::deviceId(1), 5, 1).sampleTimeMs);
        QCOMPARE(
            sql.value(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
        // Again: nothing more to rewrite.
        const Run again = console(
            {QStringLiteral("db"), QStringLiteral("maintain"), QStringLiteral("--db"), path});
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(again.out.contains("free pages go back"), again.out.constData());
    }

    void maintainGivesEveryFreePageBack()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("new.db"));
        constexpr int reports = 12000;
        {
            ReportQueue queue(reports);
            IngestCounters counters;
            StoreWriter::Options options;
            options.databasePath = path;
            options.compact = false;
            StoreWriter writer(options, &queue, &counters);
            QString error;
            QVERIFY2(writer.open(&error), qPrintable(error));
            QVERIFY(TestStore::writeReports(writer, queue, 1, 5, reports));
        }
        const qint64 before = QFileInfo(path).size();
        const Run maintain = console(
            {QStringLiteral("db"), QStringLiteral("maintain"), QStringLiteral("--db"), path});
        QVERIFY2(maintain.exitCode == 0, maintain.err.constData());
        QVERIFY2(maintain.out.contains("free pages go back"), maintain.out.constData());
        TestSql::Connection sql(path);
        QCOMPARE(sql.value(QStringLiteral("PRAGMA auto_vacuum")).toInt(), 2);
        // The rows that went into chunks freed pages; all of them are given
        // back, not one per statement.
        QCOMPARE(sql.value(QStringLiteral("PRAGMA freelist_count")).toLongLong(), 0);
        QVERIFY2(QFileInfo(path).size() < before / 2,
            qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(QFileInfo(path).size())));
        QCOMPARE(sql.value(QStringLiteral("SELECT (SELECT COUNT(*) FROM system_metrics) + (SELECT"
                                          " COALESCE(SUM(row_count), 0) FROM metric_chunks"
                                          " WHERE kind = 1)"))
                     .toLongLong(),
            reports);
    }

    void refusesWhatItCannotDo()
    {
        QCOMPARE(console({QStringLiteral("db")}).exitCode, 2);
        QCOMPARE(console({QStringLiteral("db"), QStringLiteral("shrink")}).exitCode, 2);
        const Run missing = console({QStringLiteral("db"), QStringLiteral("maintain"),
            QStringLiteral("--db"), QStringLiteral("/nonexistent/metrics.db")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains("no database"));
    }
};

QTEST_GUILESS_MAIN(TestDbCommand)
#include "tst_dbcommand.moc"
