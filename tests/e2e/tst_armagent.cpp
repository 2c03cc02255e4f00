// SPDX-License-Identifier: MIT
// The ARM agent end to end: the metrics-agent of an arm64 cross build
// (installers/cross-build.sh arm64), run under qemu-user, reports over real
// UDP on 127.0.0.1 to this build's headless metrics-console, which must know
// the board and its system metrics through REST. The binary is named by
// DMR_ARM64_AGENT (set by CMake's -DDMR_ARM64_AGENT=PATH, or in ctest's
// environment; installers/test.sh always sets it); without it the test skips.
#include "support/ConsoleProcess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

namespace {

const QByteArray kToken = QByteArrayLiteral("arm-agent-test-token");
// The fixture board's identity and figures (tests/data/proc-rpi).
const QString kDeviceId = QStringLiteral("5c0a9f2e1b7d4e3a8c6f0d2b4a1e9c7f");

// e_machine of an ELF file's header; 0 when it is not one.
int elfMachine(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray header = file.read(20);
    if (header.size() < 20
        || !header.startsWith("\x7f"
                              "ELF"))
        return 0;
    return quint8(header[18]) | quint8(header[19]) << 8; // little-endian targets only
}

} // namespace

class TestArmAgent : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanup();
    void reportsReachTheConsole();

private:
    QJsonDocument get(const QString &path);

    QString m_agent;
    QString m_emulator;
    QTemporaryDir m_dir;
    std::unique_ptr<ConsoleProcess> m_console;
    QNetworkAccessManager m_http;
};

void TestArmAgent::initTestCase()
{
    m_agent = qEnvironmentVariable("DMR_ARM64_AGENT");
    if (m_agent.isEmpty())
        QSKIP(
            "DMR_ARM64_AGENT is not set: no arm64 agent to run (installers/cross-build.sh arm64)");
    constexpr int kAarch64 = 183; // EM_AARCH64
    QVERIFY2(elfMachine(m_agent) == kAarch64,
        qPrintable(m_agent + QStringLiteral(" is not an arm64 ELF executable")));
    m_emulator = QStandardPaths::findExecutable(QStringLiteral("qemu-aarch64-static"));
    QVERIFY2(!m_emulator.isEmpty(), "qemu-aarch64-static is not installed (qemu-user-static)");
    QVERIFY(m_dir.isValid());
}

void TestArmAgent::cleanup()
{
    if (!m_console)
        return;
    m_console->kill();
    if (QTest::currentTestFailed())
        qWarning("console log:\n%s", m_console->log().constData());
}

QJsonDocument TestArmAgent::get(const QString &path)
{
    QNetworkRequest request(
        QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_console->httpPort()).arg(path)));
    request.setRawHeader("Authorization", "Bearer " + kToken);
    QNetworkReply *reply = m_http.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    const QByteArray body = reply->readAll();
    reply->deleteLater();
    return QJsonDocument::fromJson(body);
}

void TestArmAgent::reportsReachTheConsole()
{
    m_console = std::make_unique<ConsoleProcess>(m_dir.filePath(QStringLiteral("arm.db")));
    QVERIFY2(m_console->start({QStringLiteral("--flush-interval"), QStringLiteral("50"),
                 QStringLiteral("--api-token"), QString::fromLatin1(kToken)}),
        m_console->log().constData());

    // No binfmt_misc is needed: qemu-user runs the binary with the target's
    // loader and libraries from multiarch (libc6:arm64, libcrypto3:arm64).
    constexpr int kReports = 5;
    QProcess agent;
    agent.setProcessChannelMode(QProcess::MergedChannels);
    agent.start(m_emulator,
        {m_agent, QStringLiteral("--root"), QStringLiteral(DMR_TEST_DATA "/proc-rpi"),
            QStringLiteral("--server"), QStringLiteral("127.0.0.1:%1").arg(m_console->udpPort()),
            QStringLiteral("--interval"), QStringLiteral("0.2"), QStringLiteral("--count"),
            QString::number(kReports), QStringLiteral("--log-file"), QStringLiteral("-"),
            QStringLiteral("--env-file"), QStringLiteral("/dev/null"),
            QStringLiteral("--systemctl"), QStringLiteral(DMR_TEST_DATA "/systemctl/two-failed")});
    QVERIFY(agent.waitForFinished(30000));
    const QByteArray agentLog = agent.readAll();
    QVERIFY2(
        agent.exitStatus() == QProcess::NormalExit && agent.exitCode() == 0, agentLog.constData());

    QJsonObject device;
    QTRY_VERIFY_WITH_TIMEOUT(
        (device = get(QStringLiteral("/api/devices/")).array().first().toObject(),
            device.value(QLatin1String("reports_received")).toInt() == kReports),
        10000);
    QCOMPARE(device.value(QLatin1String("device_id")).toString(), kDeviceId);
    QCOMPARE(device.value(QLatin1String("hostname")).toString(), QStringLiteral("raspberrypi"));
    QCOMPARE(device.value(QLatin1String("reports_lost")).toInt(), 0);
    QCOMPARE(device.value(QLatin1String("agent_outdated")).toBool(), false);
    QVERIFY(device.value(QLatin1String("online")).toBool());

    // The system figures as the ARM build read them from the fixture's /proc,
    // stored and served back: the same as the host's agent sends
    // (tst_pipeline), so byte order, word size and float formatting agree.
    const QString uuid = device.value(QLatin1String("uuid")).toString();
    const QJsonObject one = get(QStringLiteral("/api/devices/%1/").arg(uuid)).object();
    const QJsonObject system = one.value(QLatin1String("system")).toObject();
    QCOMPARE(system.value(QLatin1String("memory_total_kb")).toDouble(), 3884244.0);
    QCOMPARE(system.value(QLatin1String("memory_used_kb")).toDouble(), 3884244.0 - 3321456.0);
    QCOMPARE(system.value(QLatin1String("memory_percent")).toDouble(), 14.49);
    QCOMPARE(system.value(QLatin1String("load_1")).toDouble(), 0.52);
    QCOMPARE(system.value(QLatin1String("load_15")).toDouble(), 0.59);
    QCOMPARE(system.value(QLatin1String("uptime_seconds")).toDouble(), 123456.0);
    QVERIFY(system.value(QLatin1String("disk_total_kb")).toDouble() > 0);
    QCOMPARE(one.value(QLatin1String("network")).toArray().size(), 2); // lo skipped

    // The board's hardware as the ARM build read it: the Pi's thermal zone
    // (its hwmon mirror left out), four cores, zram swap, the processes by
    // memory, and two failed units from its systemctl (a host script the
    // emulated agent spawned).
    const QJsonObject hardware = one.value(QLatin1String("hardware")).toObject();
    QVERIFY(!hardware.isEmpty());
    const QJsonArray temperatures = hardware.value(QLatin1String("temperatures")).toArray();
    QCOMPARE(temperatures.size(), 1);
    QCOMPARE(temperatures.at(0)[QLatin1String("sensor")].toString(), QStringLiteral("cpu-thermal"));
    QCOMPARE(temperatures.at(0)[QLatin1String("celsius")].toDouble(), 48.3);
    QCOMPARE(hardware.value(QLatin1String("core_percents")).toArray().size(), 4);
    QCOMPARE(hardware.value(QLatin1String("swap_total_kb")).toDouble(), 971061.0);
    QCOMPARE(hardware.value(QLatin1String("swap_used_kb")).toDouble(), 258716.0);
    const QJsonArray processes = hardware.value(QLatin1String("processes")).toArray();
    QVERIFY(processes.size() >= 5);
    bool nodeRed = false;
    for (const QJsonValue &process : processes)
        nodeRed = nodeRed || process[QLatin1String("name")].toString() == QLatin1String("node-red");
    QVERIFY2(nodeRed, "node-red, the largest process, is listed by name");
    QCOMPARE(hardware.value(QLatin1String("failed_units")).toArray(),
        (QJsonArray {QStringLiteral("bluetooth.service"), QStringLiteral("mnt-backup.mount")}));
    QVERIFY(hardware.value(QLatin1String("battery")).isNull());
}

QTEST_GUILESS_MAIN(TestArmAgent)
#include "tst_armagent.moc"
