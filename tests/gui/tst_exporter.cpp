// SPDX-License-Identifier: MIT
#include "gui/Exporter.h"
#include "gui/HumanFormat.h"
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>

using namespace dmr::console;

class TestExporter : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void csvHasExactlyTheStoredRows_data();
    void csvHasExactlyTheStoredRows();
    void jsonHasExactlyTheStoredRows();
    void cancelLeavesNoFile();
    void refusesNothingToExport();
    void exportsTheMinutesAsked();
    void picksTheMinutesWhereRawIsGone();

private:
    ExportRequest minuteRequest(const QString &name) const;
    void checkMinutes(const QString &database, const ExportRequest &request);
    QString uuidOf(int device) const;
    QList<QStringList> csvRows(const QString &path) const;

    QTemporaryDir m_dir;
    QString m_path;
    qint64 m_first = 0;
    static constexpr int kReports = 3000;
};

void TestExporter::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("export.db"));
    IngestCounters counters;
    ReportQueue queue(100000);
    DeviceRegistry registry;
    std::vector<AcceptedReport> batch;
    for (int device = 0; device < 3; ++device) {
        for (quint64 seq = 1; seq <= kReports; ++seq) {
            AcceptedReport accepted;
            accepted.report = TestReports::makeReport(TestReports::deviceId(device), 1, seq);
            QVERIFY(registry.observe(accepted.report, &accepted.device)
                == DeviceRegistry::Verdict::Accepted);
            batch.push_back(std::move(accepted));
        }
    }
    m_first = batch.front().report.sampleTimeMs;
    queue.push(std::move(batch));
    StoreWriter::Options options;
    options.databasePath = m_path;
    StoreWriter writer(options, &queue, &counters);
    QString error;
    QVERIFY2(writer.open(&error), qPrintable(error));
    QVERIFY(writer.flushAll());
    writer.stop();
}

QString TestExporter::uuidOf(int device) const
{
    TestSql::Connection sql(m_path);
    return sql
        .rows(QStringLiteral("SELECT uuid FROM devices WHERE device_id = '%1'")
                  .arg(QString::fromStdString(TestReports::deviceId(device))))
        .value(0)
        .value(0)
        .toString();
}

QList<QStringList> TestExporter::csvRows(const QString &path) const
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QStringList> rows;
    while (!file.atEnd())
        rows.append(QString::fromUtf8(file.readLine()).trimmed().split(QLatin1Char(',')));
    return rows;
}

void TestExporter::csvHasExactlyTheStoredRows_data()
{
    QTest::addColumn<QList<int>>("devices");
    QTest::addColumn<qint64>("fromOffset");
    QTest::addColumn<qint64>("span");
    QTest::addColumn<QStringList>("metrics");
    QTest::newRow("one device, all metrics, everything")
        << QList<int> {1} << qint64(0) << qint64(kReports) * 10000 << StoreReader::systemMetrics();
    QTest::newRow("two devices, a middle range, three metrics")
        << QList<int> {0, 2} << qint64(5000 * 1000) << qint64(7777 * 1000)
        << QStringList {QStringLiteral("load_15"), QStringLiteral("cpu_percent"),
               QStringLiteral("uptime_seconds")};
    QTest::newRow("empty range") << QList<int> {0} << qint64(-100000) << qint64(50000)
                                 << QStringList {QStringLiteral("disk_percent")};
}

void TestExporter::csvHasExactlyTheStoredRows()
{
    QFETCH(QList<int>, devices);
    QFETCH(qint64, fromOffset);
    QFETCH(qint64, span);
    QFETCH(QStringList, metrics);
    // Columns come in the REST export's order, whatever order they were picked in.
    QStringList ordered = metrics;
    std::sort(ordered.begin(), ordered.end(), [](const QString &a, const QString &b) {
        return StoreReader::systemMetrics().indexOf(a) < StoreReader::systemMetrics().indexOf(b);
    });

    ExportRequest request;
    for (int device : devices)
        request.uuids.append(uuidOf(device));
    request.fromMs = m_first + fromOffset;
    request.toMs = request.fromMs + span;
    request.systemMetrics = metrics;
    request.network = true;
    request.path = m_dir.filePath(QStringLiteral("out.csv"));
    Exporter exporter(m_path);
    QSignalSpy finished(&exporter, &Exporter::finished);
    exporter.run(request);
    QCOMPARE(finished.count(), 1);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    const QStringList files = Exporter::outputFiles(request);
    QCOMPARE(files.size(), 2);
    QVERIFY(files.at(1).endsWith(QLatin1String("out-network.csv")));

    // The same rows straight from SQL, in the same order.
    TestSql::Connection sql(m_path);
    const auto where = [&](const QString &table) {
        return QStringLiteral("FROM ") + table
            + QStringLiteral(" m JOIN devices d ON d.id = m.device WHERE d.uuid IN ('%1')"
                             " AND ts >= %2 AND ts < %3")
                  .arg(request.uuids.join(QStringLiteral("','")))
                  .arg(request.fromMs)
                  .arg(request.toMs);
    };
    const QList<QVariantList> system
        = sql.rows(QStringLiteral("SELECT d.uuid, d.device_id, d.hostname, ts, %1 ")
                       .arg(ordered.join(QLatin1Char(',')))
            + where(QStringLiteral("system_metrics"))
            + QStringLiteral(" ORDER BY d.hostname, d.uuid, ts"));
    const QList<QVariantList> network = sql.rows(
        QStringLiteral("SELECT d.uuid, d.device_id, d.hostname, ts, interface, ip_address,"
                       " mac_address, rx_bytes, tx_bytes, rx_packets, tx_packets ")
        + where(QStringLiteral("network_metrics"))
        + QStringLiteral(" ORDER BY d.hostname, d.uuid, ts, interface"));

    const QList<QStringList> systemCsv = csvRows(files.at(0));
    QCOMPARE(systemCsv.first(),
        QStringList({QStringLiteral("uuid"), QStringLiteral("device_id"),
            QStringLiteral("hostname"), QStringLiteral("sample_time")})
            + ordered);
    if (metrics == StoreReader::systemMetrics()) {
        // Every metric: byte for byte the REST export's header (tst_httpapi).
        QFile file(files.at(0));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readLine(),
            QByteArray("uuid,device_id,hostname,sample_time,cpu_percent,memory_percent,"
                       "memory_used_kb,memory_total_kb,disk_percent,disk_used_kb,disk_total_kb,"
                       "disk_available_kb,load_1,load_5,load_15,uptime_seconds\n"));
    }
    QCOMPARE(systemCsv.size() - 1, system.size());
    for (int r = 0; r < system.size(); ++r) {
        const QStringList &csv = systemCsv.at(r + 1);
        const QVariantList &row = system.at(r);
        QCOMPARE(csv.at(0), row.at(0).toString());
        QCOMPARE(csv.at(1), row.at(1).toString());
        QCOMPARE(csv.at(3), HumanFormat::isoUtc(row.at(3).toLongLong()));
        QCOMPARE(QDateTime::fromString(csv.at(3), Qt::ISODateWithMs).toMSecsSinceEpoch(),
            row.at(3).toLongLong());
        QVERIFY(csv.at(3).endsWith(QLatin1Char('Z')));
        for (int m = 0; m < ordered.size(); ++m)
            QCOMPARE(csv.at(4 + m).toDouble(), row.at(4 + m).toDouble());
    }
    const QList<QStringList> networkCsv = csvRows(files.at(1));
    QCOMPARE(networkCsv.first().join(QLatin1Char(',')),
        QStringLiteral("uuid,device_id,hostname,sample_time,interface,ip_address,mac_address,"
                       "rx_bytes,tx_bytes,rx_packets,tx_packets"));
    QCOMPARE(networkCsv.size() - 1, network.size());
    for (int r = 0; r < network.size(); ++r) {
        for (int c = 4; c < 11; ++c)
            QCOMPARE(networkCsv.at(r + 1).at(c), network.at(r).at(c).toString());
    }
}

void TestExporter::jsonHasExactlyTheStoredRows()
{
    ExportRequest request;
    request.uuids = {uuidOf(0), uuidOf(1)};
    request.fromMs = m_first + 1000 * 1000;
    request.toMs = m_first + 2000 * 1000;
    request.systemMetrics = {QStringLiteral("cpu_percent"), QStringLiteral("memory_used_kb")};
    request.network = true;
    request.format = ExportRequest::Format::Json;
    request.path = m_dir.filePath(QStringLiteral("out.json"));
    Exporter exporter(m_path);
    QSignalSpy finished(&exporter, &Exporter::finished);
    exporter.run(request);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));

    QFile file(request.path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    QVERIFY2(!document.isNull(), qPrintable(parseError.errorString()));
    QCOMPARE(
        document.object().value(QLatin1String("resolution")).toString(), QStringLiteral("raw"));
    const QJsonArray devices = document.object().value(QLatin1String("devices")).toArray();
    QCOMPARE(devices.size(), 2);
    TestSql::Connection sql(m_path);
    for (const QJsonValue &value : devices) {
        const QJsonObject device = value.toObject();
        const QString uuid = device.value(QLatin1String("uuid")).toString();
        const QList<QVariantList> rows = sql.rows(QStringLiteral(
            "SELECT ts, cpu_percent, memory_used_kb FROM system_metrics m JOIN devices d"
            " ON d.id = m.device WHERE d.uuid = '%1' AND ts >= %2 AND ts < %3 ORDER BY ts")
                                                      .arg(uuid)
                                                      .arg(request.fromMs)
                                                      .arg(request.toMs));
        const QJsonArray system = device.value(QLatin1String("system")).toArray();
        QCOMPARE(system.size(), rows.size());
        QVERIFY(rows.size() > 50);
        for (int r = 0; r < rows.size(); ++r) {
            const QJsonObject o = system.at(r).toObject();
            QCOMPARE(o.value(QLatin1String("sample_time")).toString(),
                HumanFormat::isoUtc(rows.at(r).at(0).toLongLong()));
            QCOMPARE(o.value(QLatin1String("cpu_percent")).toDouble(), rows.at(r).at(1).toDouble());
            QCOMPARE(o.value(QLatin1String("memory_used_kb")).toInteger(),
                rows.at(r).at(2).toLongLong());
        }
        const QJsonArray network = device.value(QLatin1String("network")).toArray();
        QCOMPARE(network.size(), 2 * rows.size());
        QCOMPARE(network.first().toObject().value(QLatin1String("interface")).toString(),
            QStringLiteral("eth0"));
    }
}

void TestExporter::cancelLeavesNoFile()
{
    ExportRequest request;
    request.fromMs = 0;
    request.toMs = std::numeric_limits<qint64>::max();
    request.systemMetrics = StoreReader::systemMetrics();
    request.path = m_dir.filePath(QStringLiteral("cancelled.csv"));
    Exporter exporter(m_path);
    QSignalSpy finished(&exporter, &Exporter::finished);
    // Cancelled as soon as it starts counting, as the progress dialog's button would.
    connect(&exporter, &Exporter::progress, &exporter, [&exporter] { exporter.cancel(); });
    exporter.run(request);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY(finished.first().at(2).toLongLong() <= 1);
    QVERIFY(!QFile::exists(request.path));
}

void TestExporter::refusesNothingToExport()
{
    ExportRequest request;
    request.toMs = 1;
    request.path = m_dir.filePath(QStringLiteral("nothing.csv"));
    Exporter exporter(m_path);
    QSignalSpy finished(&exporter, &Exporter::finished);
    exporter.run(request);
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY(!QFile::exists(request.path));
}

ExportRequest TestExporter::minuteRequest(const QString &name) const
{
    ExportRequest request;
    request.uuids = {uuidOf(1)};
    request.fromMs = m_first;
    request.toMs = m_first + qint64(kReports) * 10000;
    request.systemMetrics = {QStringLiteral("load_1"), QStringLiteral("cpu_percent")};
    request.network = true;
    request.path = m_dir.filePath(name);
    return request;
}

// The export's CSV is the minute table's rows: avg = sum / samples.
void TestExporter::checkMinutes(const QString &database, const ExportRequest &request)
{
    Exporter exporter(database);
    QSignalSpy finished(&exporter, &Exporter::finished);
    exporter.run(request);
    QCOMPARE(finished.count(), 1);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QVERIFY2(finished.first().at(1).toString().contains(QLatin1String("minute rows")),
        qPrintable(finished.first().at(1).toString()));

    TestSql::Connection sql(database);
    const QList<QVariantList> minutes
        = sql.rows(QStringLiteral("SELECT ts, samples, cpu_percent_min, cpu_percent_max,"
                                  " cpu_percent_sum, load_1_min FROM system_metrics_1m m"
                                  " JOIN devices d ON d.id = m.device WHERE d.uuid = '%1'"
                                  " ORDER BY ts")
                       .arg(request.uuids.first()));
    QVERIFY(minutes.size() > 400);
    const QList<QStringList> csv = csvRows(Exporter::outputFiles(request).at(0));
    // Picked metrics only, in SystemFields order.
    QCOMPARE(csv.first().join(QLatin1Char(',')),
        QStringLiteral("uuid,device_id,hostname,sample_time,samples,first_sample_time,"
                       "last_sample_time,cpu_percent_min,cpu_percent_max,cpu_percent_avg,"
                       "load_1_min,load_1_max,load_1_avg"));
    QCOMPARE(csv.size() - 1, minutes.size());
    for (int r = 0; r < minutes.size(); ++r) {
        const QStringList &line = csv.at(r + 1);
        const QVariantList &row = minutes.at(r);
        QCOMPARE(line.at(3), HumanFormat::isoUtc(row.at(0).toLongLong()));
        QCOMPARE(line.at(4).toLongLong(), row.at(1).toLongLong());
        QCOMPARE(line.at(7).toDouble(), row.at(2).toDouble());
        QCOMPARE(line.at(8).toDouble(), row.at(3).toDouble());
        QVERIFY(qAbs(line.at(9).toDouble() - row.at(4).toDouble() / row.at(1).toDouble()) < 1e-9);
        QCOMPARE(line.at(10).toDouble(), row.at(5).toDouble());
    }
    const QList<QStringList> network = csvRows(Exporter::outputFiles(request).at(1));
    QCOMPARE(network.first().join(QLatin1Char(',')),
        QStringLiteral("uuid,device_id,hostname,sample_time,interface,samples,first_sample_time,"
                       "last_sample_time,rx_rate_min,rx_rate_max,tx_rate_min,tx_rate_max,"
                       "rx_bytes,tx_bytes"));
    QCOMPARE(network.size() - 1, 2 * minutes.size());
}

void TestExporter::exportsTheMinutesAsked()
{
    ExportRequest request = minuteRequest(QStringLiteral("minutes.csv"));
    request.tier = Tier::Minute;
    checkMinutes(m_path, request);
}

void TestExporter::picksTheMinutesWhereRawIsGone()
{
    // The raw history before the last 1,000 reports is gone, as retention
    // leaves it: the range's start is only in the minutes.
    const QString copy = m_dir.filePath(QStringLiteral("retained.db"));
    QVERIFY(QFile::copy(m_path, copy));
    const qint64 cut = m_first + qint64(kReports - 1000) * 10000;
    {
        TestSql::Connection sql(copy);
        QVERIFY(sql.exec(QStringLiteral("DELETE FROM system_metrics WHERE ts < %1").arg(cut)));
        QVERIFY(sql.exec(QStringLiteral("DELETE FROM network_metrics WHERE ts < %1").arg(cut)));
    }
    ExportRequest request = minuteRequest(QStringLiteral("auto.csv"));
    checkMinutes(copy, request);
    // Where the raw rows cover the range, they are what is exported.
    request.fromMs = cut;
    Exporter exporter(copy);
    QSignalSpy finished(&exporter, &Exporter::finished);
    exporter.run(request);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(csvRows(Exporter::outputFiles(request).at(0)).size() - 1, 1000);
}

QTEST_GUILESS_MAIN(TestExporter)
#include "tst_exporter.moc"
