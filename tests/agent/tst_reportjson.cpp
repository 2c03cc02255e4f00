// SPDX-License-Identifier: MIT
#include "ReportJson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using dmr::agent::ReportJson;

class TestReportJson : public QObject
{
    Q_OBJECT

private slots:
    void quote_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("plain") << QByteArray("raspberrypi");
        QTest::newRow("quotes and backslashes") << QByteArray("a\"b\\c");
        QTest::newRow("control characters") << QByteArray("a\nb\tc\x01\x1f\x7f");
        QTest::newRow("empty") << QByteArray();
    }
    void quote()
    {
        QFETCH(QByteArray, text);
        const std::string json = "[" + ReportJson::quote(text.toStdString()) + "]";
        QJsonParseError error;
        const QJsonDocument document
            = QJsonDocument::fromJson(QByteArray::fromStdString(json), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, json.c_str());
        QCOMPARE(document.array().at(0).toString().toUtf8(), text);
    }

    void fieldsAndValues()
    {
        dmr::Report report;
        report.deviceId = "dev\"1";
        report.hostname = "host";
        report.agentVersion = dmr::packVersion(0, 1, 0);
        report.intervalSeconds = 10;
        report.runId = 4000000000u;
        report.sequence = 3;
        report.sampleTimeMs = 1795867200123;
        report.system.cpuPercent = 12.345;
        report.system.memoryUsedKb = 250;
        report.system.memoryTotalKb = 1000;
        report.system.diskUsedKb = 1;
        report.system.diskTotalKb = 4;
        report.system.diskAvailableKb = 2; // one block reserved for root
        report.system.load1 = 0.5;
        report.system.uptimeSeconds = 42;
        report.interfaces.push_back({"eth0", "10.0.0.1", "aa:bb:cc:dd:ee:ff", 1, 2, 3, 4});

        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(
            QByteArray::fromStdString(ReportJson::format(report)), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        const QJsonObject o = document.object();
        QCOMPARE(o.value("device_id").toString(), QString("dev\"1"));
        QCOMPARE(o.value("agent_version").toString(), QString("0.1.0"));
        QCOMPARE(o.value("run_id").toDouble(), 4000000000.0);
        QCOMPARE(o.value("sample_time").toString(), QString("2026-11-28T12:00:00.123Z"));
        QCOMPARE(o.value("ts").toDouble(), 1795867200123.0);
        QCOMPARE(o.value("cpu_percent").toDouble(), 12.35);
        QCOMPARE(o.value("memory_percent").toDouble(), 25.0);
        QCOMPARE(o.value("disk_percent").toDouble(), 33.33);
        QCOMPARE(o.value("disk_total_kb").toDouble(), 4.0);
        QCOMPARE(o.value("disk_available_kb").toDouble(), 2.0);
        QCOMPARE(o.value("network").toArray().size(), 1);
        const QJsonObject eth0 = o.value("network").toArray().at(0).toObject();
        QCOMPARE(eth0.keys(),
            (QStringList {"interface", "ip_address", "mac_address", "rx_bytes", "rx_packets",
                "tx_bytes", "tx_packets"}));
        QCOMPARE(eth0.value("tx_packets").toInt(), 4);

        QVERIFY(!o.contains("labels")); // an agent without labels

        report.interfaces.clear();
        const QJsonDocument empty
            = QJsonDocument::fromJson(QByteArray::fromStdString(ReportJson::format(report)));
        QVERIFY(empty.object().value("network").isArray());
    }

    void labels()
    {
        dmr::Report report;
        report.deviceId = "dev1";
        report.labels = {{"location", "Zürich \"lab\""}, {"rack", ""}, {"role", "gateway"}};
        report.labelsHash = dmr::labelsHash(report.labels);
        const std::string text = ReportJson::format(report);
        QJsonParseError error;
        const QJsonDocument document
            = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, text.c_str());
        const QJsonObject labels = document.object().value("labels").toObject();
        QCOMPARE(labels.keys(), (QStringList {"location", "rack", "role"}));
        QCOMPARE(labels.value("location").toString(), QString("Zürich \"lab\""));
        QCOMPARE(labels.value("rack").toString(), QString(""));
        QVERIFY(text.find("  \"labels\": {\"location\": ") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestReportJson)
#include "tst_reportjson.moc"
