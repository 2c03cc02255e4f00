// SPDX-License-Identifier: MIT
#include "dmr/Codec.h"
#include "dmr/Seal.h"

#include <QFile>
#include <QHostAddress>
#include <QMap>
#include <QNetworkDatagram>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

class TestLoadgen : public QObject
{
    Q_OBJECT

private slots:
    void sendsConsecutiveReportsPerDevice();
    void sameSeedSameDevices();
    void spreadsDevicesOverSockets();
    void sealsWithTheKeysItWrites_data();
    void sealsWithTheKeysItWrites();
    void rejectsBadArguments_data();
    void rejectsBadArguments();

private:
    struct Run
    {
        QList<dmr::Report> reports;
        QList<quint16> senderPorts; // of each report
        QList<QByteArray> datagrams;
        QString summary;
        int undecodable = 0;
        int exitCode = -1;
    };
    // Runs metrics-loadgen against a socket of ours; QVERIFY failures end it early.
    void runAgainstLocalSocket(const QStringList &extraArguments, Run &run);
};

void TestLoadgen::runAgainstLocalSocket(const QStringList &extraArguments, Run &run)
{
    QUdpSocket socket;
    QVERIFY2(socket.bind(QHostAddress::LocalHost, 0), qPrintable(socket.errorString()));
    socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4 << 20);
    auto drain = [&] {
        while (socket.hasPendingDatagrams()) {
            const QNetworkDatagram received = socket.receiveDatagram();
            const QByteArray datagram = received.data();
            run.datagrams.append(datagram);
            const dmr::DecodeResult result = dmr::decode(datagram.constData(), datagram.size());
            if (result.ok()) {
                run.reports.append(*result.report);
                run.senderPorts.append(quint16(received.senderPort()));
            } else
                ++run.undecodable;
        }
    };
    connect(&socket, &QUdpSocket::readyRead, this, drain);

    QProcess loadgen;
    loadgen.setProgram(QStringLiteral(DMR_LOADGEN_PATH));
    loadgen.setArguments(
        QStringList {"--target", QStringLiteral("127.0.0.1:%1").arg(socket.localPort())}
        + extraArguments);
    loadgen.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    loadgen.start();
    QVERIFY2(loadgen.waitForStarted(), qPrintable(loadgen.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(loadgen.state() == QProcess::NotRunning, 30000);
    run.exitCode = loadgen.exitCode();
    run.summary = QString::fromUtf8(loadgen.readAllStandardOutput()).trimmed();

    const QRegularExpressionMatch sent = QRegularExpression("\\bsent=(\\d+)\\b").match(run.summary);
    if (sent.hasMatch()) {
        // Datagrams on loopback may still sit in the socket when the process ends.
        const int expected = sent.captured(1).toInt();
        QTRY_VERIFY_WITH_TIMEOUT(run.datagrams.size() >= expected, 5000);
    }
    drain();
}

void TestLoadgen::sendsConsecutiveReportsPerDevice()
{
    Run run;
    runAgainstLocalSocket({"--devices", "5", "--rate", "500", "--duration", "1"}, run);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.undecodable, 0);

    const QRegularExpression summary(
        "^sent=(\\d+) errors=0 refused=0 duration_s=[\\d.]+ rate_per_s=[\\d.]+ "
        "bytes_per_report=\\d+$");
    const QRegularExpressionMatch match = summary.match(run.summary);
    QVERIFY2(match.hasMatch(), qPrintable(run.summary));
    QCOMPARE(match.captured(1).toLongLong(), qint64(run.reports.size()));
    // A loaded machine may cut the last few; 500 is what an idle one sends.
    QVERIFY2(run.reports.size() > 400 && run.reports.size() <= 500,
        qPrintable(QString::number(run.reports.size())));

    QMap<QString, QList<quint64>> sequences;
    QSet<QString> hostnames;
    for (const dmr::Report &report : run.reports) {
        const QString id = QString::fromStdString(report.deviceId);
        QCOMPARE(id.size(), 32);
        sequences[id].append(report.sequence);
        hostnames.insert(QString::fromStdString(report.hostname));
        QCOMPARE(report.interfaces.size(), size_t(2));
        QCOMPARE(report.intervalSeconds, 1u);
    }
    QCOMPARE(sequences.size(), 5);
    QCOMPARE(hostnames.size(), 5);
    QVERIFY(hostnames.contains("loadgen-000000"));
    for (const QList<quint64> &received : sequences) {
        for (int i = 0; i < received.size(); ++i)
            QCOMPARE(received[i], quint64(i + 1));
    }
}

void TestLoadgen::sameSeedSameDevices()
{
    const QStringList arguments {"--devices", "3", "--rate", "300", "--duration", "0.1"};
    QList<QSet<QString>> ids;
    for (const char *seed : {"42", "42", "43"}) {
        Run run;
        runAgainstLocalSocket(arguments + QStringList {"--seed", seed}, run);
        if (QTest::currentTestFailed())
            return;
        QSet<QString> devices;
        for (const dmr::Report &report : run.reports)
            devices.insert(QString::fromStdString(report.deviceId));
        ids.append(devices);
    }
    QCOMPARE(ids[0].size(), 3);
    QCOMPARE(ids[1], ids[0]);
    QVERIFY(ids[2] != ids[0]);
}

void TestLoadgen::spreadsDevicesOverSockets()
{
    Run run;
    runAgainstLocalSocket(
        {"--devices", "8", "--sockets", "3", "--rate", "400", "--duration", "0.5"}, run);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.undecodable, 0);

    // Device i sends from socket i % 3, always the same one, its reports in order.
    QMap<QString, quint16> portOf; // hostname -> source port
    QMap<QString, QList<quint64>> sequences;
    for (qsizetype i = 0; i < run.reports.size(); ++i) {
        const QString host = QString::fromStdString(run.reports[i].hostname);
        QCOMPARE(portOf.value(host, run.senderPorts[i]), run.senderPorts[i]);
        portOf.insert(host, run.senderPorts[i]);
        sequences[host].append(run.reports[i].sequence);
    }
    QCOMPARE(portOf.size(), 8);
    QCOMPARE(QSet<quint16>(portOf.begin(), portOf.end()).size(), 3);
    const auto hostname = [](int device) {
        return QStringLiteral("loadgen-%1").arg(device, 6, 10, QLatin1Char('0'));
    };
    for (int i = 0; i < 8; ++i)
        QCOMPARE(portOf.value(hostname(i)), portOf.value(hostname(i % 3)));
    for (const QList<quint64> &received : std::as_const(sequences)) {
        for (int i = 0; i < received.size(); ++i)
            QCOMPARE(received[i], quint64(i + 1));
    }
}

void TestLoadgen::sealsWithTheKeysItWrites_data()
{
    QTest::addColumn<QString>("level");
    QTest::newRow("sign") << QStringLiteral("sign");
    QTest::newRow("encrypt") << QStringLiteral("encrypt");
}

// --write-keys makes the console's key file; the reports then sent with
// --security open with exactly those keys, each with its own device's.
void TestLoadgen::sealsWithTheKeysItWrites()
{
    QFETCH(QString, level);
    QTemporaryDir dir;
    const QString keyFile = dir.filePath(QStringLiteral("keys"));
    const QStringList devices {"--devices", "4", "--seed", "7", "--security", level};
    QCOMPARE(QProcess::execute(
                 QStringLiteral(DMR_LOADGEN_PATH), devices + QStringList {"--write-keys", keyFile}),
        0);
    QCOMPARE(QFile::permissions(keyFile) & ~(QFile::ReadUser | QFile::WriteUser),
        QFile::ReadOwner | QFile::WriteOwner);
    QFile file(keyFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QMap<quint32, QPair<QString, dmr::Key>> keys; // by key id
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.isEmpty())
            continue;
        const QList<QByteArray> fields = line.split(' ');
        QCOMPARE(fields.size(), 3);
        QCOMPARE(QString::fromLatin1(fields[2]), level);
        const std::optional<dmr::Key> key = dmr::Key::fromText(fields[1].toStdString());
        QVERIFY(key);
        keys.insert(key->id, {QString::fromLatin1(fields[0]), *key});
    }
    QCOMPARE(keys.size(), 4);

    Run run;
    runAgainstLocalSocket(devices + QStringList {"--rate", "200", "--duration", "0.2"}, run);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.datagrams.size() >= 20);
    QSet<QString> seen;
    for (const QByteArray &bytes : std::as_const(run.datagrams)) {
        std::optional<dmr::Envelope> envelope
            = dmr::parseEnvelope(bytes.constData(), std::size_t(bytes.size()));
        QVERIFY(envelope);
        QCOMPARE(QString::fromLatin1(dmr::securityName(envelope->security)), level);
        QVERIFY(keys.contains(envelope->keyId));
        const auto &[deviceId, key] = keys[envelope->keyId];
        QCOMPARE(dmr::open(*envelope, key), dmr::OpenResult::Ok);
        const dmr::DecodeResult decoded = dmr::decodeReport(envelope->payload);
        QVERIFY2(decoded.ok(), decoded.detail.c_str());
        QCOMPARE(QString::fromStdString(decoded.report->deviceId), deviceId);
        seen.insert(deviceId);
    }
    QCOMPARE(seen.size(), 4);
}

void TestLoadgen::rejectsBadArguments_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("zero devices") << QStringList {"--devices", "0"};
    QTest::newRow("negative rate") << QStringList {"--rate", "-5"};
    QTest::newRow("missing value") << QStringList {"--duration"};
    QTest::newRow("bad port") << QStringList {"--target", "127.0.0.1:70000"};
    QTest::newRow("too many interfaces") << QStringList {"--interfaces", "33"};
    QTest::newRow("unknown option") << QStringList {"--frobnicate"};
    QTest::newRow("unknown level") << QStringList {"--security", "rot13"};
    QTest::newRow("zero sockets") << QStringList {"--sockets", "0"};
    QTest::newRow("more sockets than devices") << QStringList {"--devices", "2", "--sockets", "3"};
    QTest::newRow("keys without a level") << QStringList {"--write-keys", "/tmp/never-written"};
}

void TestLoadgen::rejectsBadArguments()
{
    QFETCH(QStringList, arguments);
    QProcess loadgen;
    loadgen.start(QStringLiteral(DMR_LOADGEN_PATH), arguments);
    QVERIFY(loadgen.waitForFinished(10000));
    QCOMPARE(loadgen.exitStatus(), QProcess::NormalExit);
    QCOMPARE(loadgen.exitCode(), 2);
    QVERIFY(loadgen.readAllStandardError().contains("Usage:"));
}

QTEST_GUILESS_MAIN(TestLoadgen)
#include "tst_loadgen.moc"
