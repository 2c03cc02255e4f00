// SPDX-License-Identifier: MIT
#include "gui/SavedSettings.h"
#include "gui/SettingsDialog.h"
#include "service/ConsoleService.h"
#include "support/TestReports.h"

#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

using namespace dmr::console;

class TestSettingsDialog : public QObject
{
    Q_OBJECT
private slots:
    void newUdpPortAppliesWithoutRestart();
    void badAddressKeepsTheOldSocket();
    void savedValuesStandInForUnsetVariables();

private:
    static quint16 freePort();
    static bool delivered(ConsoleService *service, quint16 port, quint64 sequence);
};

quint16 TestSettingsDialog::freePort()
{
    QUdpSocket probe;
    probe.bind(QHostAddress::LocalHost, 0);
    return probe.localPort();
}

bool TestSettingsDialog::delivered(ConsoleService *service, quint16 port, quint64 sequence)
{
    const quint64 before = service->counters().received.load();
    QUdpSocket socket;
    const QByteArray datagram
        = TestReports::encoded(TestReports::makeReport(TestReports::deviceId(1), 1, sequence));
    socket.writeDatagram(datagram, QHostAddress::LocalHost, port);
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 1500) {
        if (service->counters().received.load() > before)
            return true;
        QTest::qWait(20);
    }
    return false;
}

void TestSettingsDialog::newUdpPortAppliesWithoutRestart()
{
    QTemporaryDir dir;
    ConsoleConfig config;
    config.database = dir.filePath(QStringLiteral("c.db"));
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.statsIntervalSeconds = 0;
    ConsoleService service(config);
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    const quint16 oldPort = service.udpPort();
    QVERIFY(delivered(&service, oldPort, 1));

    QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    SettingsDialog dialog(&service, &settings);
    QSignalSpy offline(&dialog, &SettingsDialog::offlineAfterChanged);
    const quint16 newPort = freePort();
    dialog.udpPortBox()->setValue(newPort);
    dialog.offlineAfterBox()->setValue(120);
    QVERIFY2(dialog.apply(&error), qPrintable(error));

    QCOMPARE(service.udpPort(), newPort);
    QVERIFY(delivered(&service, newPort, 2));
    QVERIFY(!delivered(&service, oldPort, 3));
    QCOMPARE(offline.count(), 1);
    QCOMPARE(offline.first().at(0).toInt(), 120);
    SavedSettings saved(&settings);
    QCOMPARE(saved.value(QStringLiteral("METRICS_UDP_PORT")), QString::number(newPort));
    QCOMPARE(saved.value(QStringLiteral("METRICS_OFFLINE_AFTER")), QStringLiteral("120"));

    // The same port on another address: the socket is replaced in place.
    dialog.udpBindEdit()->setText(QStringLiteral("0.0.0.0"));
    QVERIFY2(dialog.apply(&error), qPrintable(error));
    QCOMPARE(service.udpPort(), newPort);
    QVERIFY(delivered(&service, newPort, 4));
    service.stop();
}

void TestSettingsDialog::badAddressKeepsTheOldSocket()
{
    QTemporaryDir dir;
    ConsoleConfig config;
    config.database = dir.filePath(QStringLiteral("c.db"));
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.statsIntervalSeconds = 0;
    ConsoleService service(config);
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    const quint16 port = service.udpPort();
    QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    SettingsDialog dialog(&service, &settings);

    dialog.udpBindEdit()->setText(QStringLiteral("not an address"));
    QVERIFY(!dialog.apply(&error));
    QVERIFY(!error.isEmpty());
    // TEST-NET-1: no local interface has it, so bind() fails.
    dialog.udpBindEdit()->setText(QStringLiteral("192.0.2.1"));
    error.clear();
    QVERIFY(!dialog.apply(&error));
    QVERIFY(!error.isEmpty());
    QCOMPARE(service.udpPort(), port);
    QVERIFY(delivered(&service, port, 1));
    QVERIFY(SavedSettings(&settings).value(QStringLiteral("METRICS_BIND")).isEmpty());
}

void TestSettingsDialog::savedValuesStandInForUnsetVariables()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    SavedSettings saved(&settings);
    saved.setValue(QStringLiteral("METRICS_UDP_PORT"), QStringLiteral("47999"));
    saved.setValue(QStringLiteral("METRICS_DB"), QStringLiteral("/tmp/saved.db"));
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("METRICS_DB"), QStringLiteral("/tmp/from-env.db"));
    const QProcessEnvironment merged = saved.mergedInto(environment);
    QCOMPARE(merged.value(QStringLiteral("METRICS_UDP_PORT")), QStringLiteral("47999"));
    QCOMPARE(merged.value(QStringLiteral("METRICS_DB")), QStringLiteral("/tmp/from-env.db"));
    QVERIFY(!merged.contains(QStringLiteral("METRICS_HTTP_PORT")));
}

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
