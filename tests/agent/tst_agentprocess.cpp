// SPDX-License-Identifier: MIT
// Runs the real metrics-agent binary: what users and the installers see.
#include "dmr/Codec.h"
#include "dmr/Seal.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkDatagram>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>
#include <sys/stat.h>

class TestAgentProcess : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_workDir; // no stray .env, and .log/ lands here if anything logs to a file

    static QString agentPath() { return QStringLiteral(DMR_BINARY_DIR "/agent/metrics-agent"); }
    static QString fixture(const QString &tree) { return QStringLiteral(DMR_TEST_DATA "/") + tree; }

    // The agent reads settings from the environment; start it from a clean one.
    void setUp(QProcess &process)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &key : env.keys()) {
            if (key.startsWith("METRICS_") || key == "DEVICE_ID" || key == "DISK_PATH"
                || key == "INVOCATION_ID" || key == "JOURNAL_STREAM"
                || key == "CREDENTIALS_DIRECTORY")
                env.remove(key);
        }
        env.insert("METRICS_LOG_FILE", "-");
        // The fixtures run systemd: they ask a script, never the host.
        env.insert("METRICS_SYSTEMCTL", DMR_TEST_DATA "/systemctl/two-failed");
        process.setProcessEnvironment(env);
        process.setWorkingDirectory(m_workDir.path());
        process.setProgram(agentPath());
    }

    static QList<dmr::Report> drain(QUdpSocket &socket)
    {
        QList<dmr::Report> reports;
        while (socket.hasPendingDatagrams()) {
            const QByteArray data = socket.receiveDatagram().data();
            const dmr::DecodeResult decoded
                = dmr::decode(data.constData(), std::size_t(data.size()));
            if (decoded.ok())
                reports.append(*decoded.report);
            else
                qWarning("undecodable datagram: %s", decoded.detail.c_str());
        }
        return reports;
    }

private slots:
    void initTestCase() { QVERIFY2(QFile::exists(agentPath()), qPrintable(agentPath())); }

    void printsOneJsonReport()
    {
        QProcess agent;
        setUp(agent);
        agent.setArguments({"--once", "--print", "--root", fixture("proc-rpi")});
        agent.start();
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.exitStatus(), QProcess::NormalExit);
        QCOMPARE(agent.exitCode(), 0);

        QJsonParseError error;
        const QJsonDocument document
            = QJsonDocument::fromJson(agent.readAllStandardOutput(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        const QJsonObject o = document.object();
        const QStringList expectedKeys {"agent_version", "battery", "core_percents", "cpu_percent",
            "device_id", "disk_available_kb", "disk_io", "disk_percent", "disk_total_kb",
            "disk_used_kb", "failed_units", "file_systems", "hostname", "interval_seconds",
            "load_1", "load_15", "load_5", "memory_percent", "memory_total_kb", "memory_used_kb",
            "network", "processes", "run_id", "sample_time", "sequence", "swap_total_kb",
            "swap_used_kb", "temperatures", "ts", "uptime_seconds"};
        QCOMPARE(o.keys(), expectedKeys);
        QCOMPARE(o.value("device_id").toString(), QString("5c0a9f2e1b7d4e3a8c6f0d2b4a1e9c7f"));
        QCOMPARE(o.value("hostname").toString(), QString("raspberrypi"));
        QCOMPARE(o.value("agent_version").toString(), QString("0.2.0"));
        QCOMPARE(o.value("interval_seconds").toInt(), 10);
        QCOMPARE(o.value("sequence").toInt(), 1);
        QCOMPARE(o.value("memory_total_kb").toDouble(), 3884244.0);
        QCOMPARE(o.value("memory_used_kb").toDouble(), 562788.0);
        QCOMPARE(o.value("memory_percent").toDouble(), 14.49);
        QCOMPARE(o.value("load_1").toDouble(), 0.52);
        QCOMPARE(o.value("load_5").toDouble(), 0.58);
        QCOMPARE(o.value("load_15").toDouble(), 0.59);
        QCOMPARE(o.value("uptime_seconds").toInt(), 123456);
        // Fixture files do not change between the two samples: the since-boot figure.
        QCOMPARE(o.value("cpu_percent").toDouble(), 1.70);
        const QDateTime sampleTime
            = QDateTime::fromString(o.value("sample_time").toString(), Qt::ISODateWithMs);
        QVERIFY(sampleTime.isValid());
        QVERIFY(o.value("sample_time").toString().endsWith('Z'));
        QCOMPARE(qint64(o.value("ts").toDouble()), sampleTime.toMSecsSinceEpoch());
        QVERIFY(qAbs(sampleTime.msecsTo(QDateTime::currentDateTimeUtc())) < 10000);

        const QJsonArray network = o.value("network").toArray();
        QCOMPARE(network.size(), 2);
        const QJsonObject eth0 = network.at(0).toObject();
        QCOMPARE(eth0.keys(),
            (QStringList {"interface", "ip_address", "mac_address", "rx_bytes", "rx_packets",
                "tx_bytes", "tx_packets"}));
        QCOMPARE(eth0.value("interface").toString(), QString("eth0"));
        QCOMPARE(eth0.value("mac_address").toString(), QString("dc:a6:32:12:34:56"));
        QCOMPARE(eth0.value("rx_bytes").toDouble(), 987654321.0);
        QCOMPARE(eth0.value("tx_packets").toDouble(), 345678.0);
        QVERIFY(eth0.value("ip_address").isString()); // live address of this machine's eth0, if any
        QCOMPARE(network.at(1).toObject().value("interface").toString(), QString("wlan0"));
    }

    void sendsConsecutiveReportsAndStopsOnSigterm()
    {
        QUdpSocket console;
        QVERIFY(console.bind(QHostAddress::LocalHost, 0));
        QProcess agent;
        setUp(agent);
        agent.setArguments({"--server", QString("127.0.0.1:%1").arg(console.localPort()),
            "--interval", "0.2", "--root", fixture("proc-server"), "--device-id", "test-device"});
        agent.start();
        QVERIFY(agent.waitForStarted());

        QList<dmr::Report> reports;
        QTRY_VERIFY_WITH_TIMEOUT((reports += drain(console), reports.size() >= 5), 5000);
        for (int i = 0; i < reports.size(); ++i) {
            QCOMPARE(reports[i].sequence, std::uint64_t(i + 1));
            QCOMPARE(reports[i].runId, reports[0].runId);
            QCOMPARE(reports[i].deviceId, std::string("test-device"));
            QCOMPARE(reports[i].hostname, std::string("db-01.example.net"));
            QCOMPARE(reports[i].intervalSeconds, 1u);
            QCOMPARE(reports[i].interfaces.size(), std::size_t(5));
        }

        QElapsedTimer timer;
        timer.start();
        agent.terminate(); // SIGTERM
        QVERIFY(agent.waitForFinished(2000));
        QVERIFY2(timer.elapsed() < 1000, QByteArray::number(timer.elapsed()));
        QCOMPARE(agent.exitStatus(), QProcess::NormalExit);
        QCOMPARE(agent.exitCode(), 0);
        const QByteArray log = agent.readAllStandardError();
        QVERIFY2(log.contains("metrics-agent info: stopping (SIGTERM)"), log.constData());
    }

    void countSendsThatManyAndExits()
    {
        QUdpSocket console;
        QVERIFY(console.bind(QHostAddress::LocalHost, 0));
        QProcess agent;
        setUp(agent);
        agent.setArguments({"--server", QString("127.0.0.1:%1").arg(console.localPort()),
            "--interval", "0.1", "--count", "3", "--root", fixture("proc-laptop")});
        agent.start();
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.exitCode(), 0);
        QList<dmr::Report> reports;
        QTRY_VERIFY_WITH_TIMEOUT((reports += drain(console), reports.size() >= 3), 2000);
        QCOMPARE(reports.size(), 3);
        QCOMPARE(reports.last().sequence, std::uint64_t(3));
    }

    void keepsRunning_data()
    {
        QTest::addColumn<QString>("server");
        QTest::addColumn<QString>("logPart");
        QTest::newRow("name does not resolve") << "nonexistent.invalid:47800"
                                               << "cannot resolve console address";
        // Port 0 is reserved: nothing ever listens there... use a port we just released instead.
        QTest::newRow("no console listening") << ""
                                              << "unreachable (connection refused)";
    }
    void keepsRunning()
    {
        QFETCH(QString, server);
        QFETCH(QString, logPart);
        if (server.isEmpty()) {
            QUdpSocket probe;
            QVERIFY(probe.bind(QHostAddress::LocalHost, 0));
            server = QString("127.0.0.1:%1").arg(probe.localPort());
        }
        QProcess agent;
        setUp(agent);
        agent.setArguments(
            {"--server", server, "--interval", "0.1", "--root", fixture("proc-rpi")});
        agent.start();
        QVERIFY(agent.waitForStarted());
        QTest::qWait(1500);
        QCOMPARE(agent.state(), QProcess::Running);
        agent.terminate();
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.exitCode(), 0);
        const QByteArray log = agent.readAllStandardError();
        // Every report fails the same way, but it is logged once (rate-limited).
        QCOMPARE(log.count(logPart.toUtf8()), 1);
        QVERIFY(log.contains("stopping"));
    }

    void badValueExitsWithTwo()
    {
        QProcess agent;
        setUp(agent);
        agent.setArguments({"--interval", "0"});
        agent.start();
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.exitCode(), 2);
        QVERIFY(agent.readAllStandardError().contains("--interval"));
        QVERIFY(agent.readAllStandardOutput().isEmpty());
    }

    void badLabelExitsWithTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("labels"); // METRICS_LABELS
        QTest::addColumn<QByteArray>("errorPart");
        QTest::newRow("flag") << QStringList {"--print", "--label", "my location=lab"} << QString()
                              << QByteArray("--label: 'my location' is not a label name");
        QTest::newRow("environment")
            << QStringList {"--print"} << QString("location=lab,location=hall")
            << QByteArray("METRICS_LABELS (environment): label location is given twice");
    }
    void badLabelExitsWithTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, labels);
        QFETCH(QByteArray, errorPart);
        QProcess agent;
        setUp(agent);
        QProcessEnvironment env = agent.processEnvironment();
        if (!labels.isEmpty())
            env.insert("METRICS_LABELS", labels);
        agent.setProcessEnvironment(env);
        agent.setArguments(args);
        agent.start();
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.exitStatus(), QProcess::NormalExit);
        QCOMPARE(agent.exitCode(), 2);
        const QByteArray error = agent.readAllStandardError();
        QVERIFY2(error.contains(errorPart), error.constData());
        QVERIFY(agent.readAllStandardOutput().isEmpty());
    }

    // --print shows them; on the wire the first report has them in full and
    // the next ones their hash alone.
    void sendsLabels()
    {
        QProcess agent;
        setUp(agent);
        agent.setArguments({"--print", "--root", fixture("proc-rpi"), "--label", "role=gateway",
            "--label", "location=Building 4"});
        agent.start();
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.exitCode(), 0);
        const QJsonObject o = QJsonDocument::fromJson(agent.readAllStandardOutput()).object();
        const QJsonObject printed = o.value("labels").toObject();
        QCOMPARE(printed.keys(), (QStringList {"location", "role"}));
        QCOMPARE(printed.value("location").toString(), QString("Building 4"));

        QUdpSocket console;
        QVERIFY(console.bind(QHostAddress::LocalHost, 0));
        QProcess sender;
        setUp(sender);
        QProcessEnvironment env = sender.processEnvironment();
        env.insert("METRICS_LABELS", "role=gateway,location=Building 4");
        sender.setProcessEnvironment(env);
        sender.setArguments({"--server", QString("127.0.0.1:%1").arg(console.localPort()),
            "--interval", "0.1", "--count", "3", "--root", fixture("proc-laptop")});
        sender.start();
        QVERIFY(sender.waitForFinished(5000));
        QCOMPARE(sender.exitCode(), 0);
        QVERIFY(sender.readAllStandardError().contains("labels location=Building 4,role=gateway"));
        QList<dmr::Report> reports;
        QTRY_VERIFY_WITH_TIMEOUT((reports += drain(console), reports.size() >= 3), 2000);
        const dmr::Labels labels {{"location", "Building 4"}, {"role", "gateway"}};
        QVERIFY(reports[0].labels == labels);
        for (const dmr::Report &report : reports) {
            QCOMPARE(report.labelsHash, dmr::labelsHash(labels));
            QCOMPARE(report.labels.empty(), report.sequence != 1);
        }
    }

    void helpAndVersion()
    {
        QProcess agent;
        setUp(agent);
        agent.setArguments({"--help"});
        agent.start();
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.exitCode(), 0);
        const QByteArray help = agent.readAllStandardOutput();
        for (const char *key :
            {"METRICS_SERVER", "METRICS_INTERVAL", "DEVICE_ID", "DISK_PATH", "--label NAME=VALUE",
                "METRICS_LABELS", "--once", "--print", "$CREDENTIALS_DIRECTORY/metrics-agent.key"})
            QVERIFY2(help.contains(key), key);

        agent.setArguments({"--version"});
        agent.start();
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.readAllStandardOutput().trimmed(), QByteArray("metrics-agent 0.2.0"));
    }

    // As under systemd's LoadCredential=: no key file configured, the key in
    // $CREDENTIALS_DIRECTORY/metrics-agent.key, mode 0400.
    void signsWithKeyFromCredentialsDirectory()
    {
        const dmr::Key key = dmr::Key::generate();
        QTemporaryDir credentials;
        const QString keyPath = credentials.filePath("metrics-agent.key");
        QFile file(keyPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray::fromStdString(key.toText()) + '\n');
        file.close();
        QCOMPARE(::chmod(QFile::encodeName(keyPath).constData(), 0400), 0);

        QUdpSocket console;
        QVERIFY(console.bind(QHostAddress::LocalHost, 0));
        QProcess agent;
        setUp(agent);
        QProcessEnvironment env = agent.processEnvironment();
        env.insert("CREDENTIALS_DIRECTORY", credentials.path());
        agent.setProcessEnvironment(env);
        agent.setArguments({"--server", QString("127.0.0.1:%1").arg(console.localPort()),
            "--interval", "0.1", "--count", "1", "--root", fixture("proc-rpi")});
        agent.start();
        QVERIFY(agent.waitForFinished(5000));
        const QByteArray log = agent.readAllStandardError();
        QVERIFY2(agent.exitCode() == 0, log.constData());
        QVERIFY2(log.contains("security sign (key " + QByteArray::number(key.id)
                     + " from systemd credential " + QFile::encodeName(keyPath) + ")"),
            log.constData());

        QTRY_VERIFY_WITH_TIMEOUT(console.hasPendingDatagrams(), 2000);
        const QByteArray datagram = console.receiveDatagram().data();
        std::optional<dmr::Envelope> envelope
            = dmr::parseEnvelope(datagram.constData(), std::size_t(datagram.size()));
        QVERIFY(envelope);
        QCOMPARE(envelope->security, dmr::Security::Sign);
        QCOMPARE(envelope->keyId, key.id);
        QCOMPARE(dmr::open(*envelope, key), dmr::OpenResult::Ok);
        const dmr::DecodeResult report = dmr::decodeReport(envelope->payload);
        QVERIFY2(report.ok(), report.detail.c_str());
        QCOMPARE(report.report->deviceId, std::string("5c0a9f2e1b7d4e3a8c6f0d2b4a1e9c7f"));
    }

    void dotenvInWorkingDirectoryIsRead()
    {
        QTemporaryDir dir;
        QFile env(dir.filePath(".env"));
        QVERIFY(env.open(QIODevice::WriteOnly));
        env.write("# agent settings\nexport DEVICE_ID=\"from-dotenv\"\nMETRICS_PROC_ROOT="
            + fixture("proc-laptop").toUtf8() + "\n");
        env.close();
        QProcess agent;
        setUp(agent);
        agent.setWorkingDirectory(dir.path());
        agent.setArguments({"--print"});
        agent.start();
        QVERIFY(agent.waitForFinished(5000));
        QCOMPARE(agent.exitCode(), 0);
        const QJsonObject o = QJsonDocument::fromJson(agent.readAllStandardOutput()).object();
        QCOMPARE(o.value("device_id").toString(), QString("from-dotenv"));
        QCOMPARE(o.value("hostname").toString(), QString("thinkpad"));
    }
};

QTEST_GUILESS_MAIN(TestAgentProcess)
#include "tst_agentprocess.moc"
