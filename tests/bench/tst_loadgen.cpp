// SPDX-License-Identifier: MIT
#include "dmr/Codec.h"

#include <QHostAddress>
#include <QMap>
#include <QNetworkDatagram>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <QUdpSocket>

class TestLoadgen : public QObject
{
    Q_OBJECT

private slots:
    void sendsConsecutiveReportsPerDevice();
    void sameSeedSameDevices();
    void rejectsBadArguments_data();
    void rejectsBadArguments();

private:
    struct Run
    {
        QList<dmr::Report> reports;
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
            const QByteArray datagram = socket.receiveDatagram().data();
            const dmr::DecodeResult result = dmr::decode(datagram.constData(), datagram.size());
            if (result.ok())
                run.reports.append(*result.report);
            else
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
        QTRY_VERIFY_WITH_TIMEOUT(run.reports.size() + run.undecodable >= expected, 5000);
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

void TestLoadgen::rejectsBadArguments_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("zero devices") << QStringList {"--devices", "0"};
    QTest::newRow("negative rate") << QStringList {"--rate", "-5"};
    QTest::newRow("missing value") << QStringList {"--duration"};
    QTest::newRow("bad port") << QStringList {"--target", "127.0.0.1:70000"};
    QTest::newRow("too many interfaces") << QStringList {"--interfaces", "33"};
    QTest::newRow("unknown option") << QStringList {"--frobnicate"};
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
