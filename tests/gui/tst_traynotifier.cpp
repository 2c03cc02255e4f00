// SPDX-License-Identifier: MIT
#include "gui/TrayNotifier.h"

#include <QSignalSpy>
#include <QTest>

using namespace dmr::console;

class TestTrayNotifier : public QObject
{
    Q_OBJECT
private slots:
    void oneDevice();
    void manyAtOnceBecomeOneNotification();
};

void TestTrayNotifier::oneDevice()
{
    TrayNotifier tray {QIcon()};
    QSignalSpy notified(&tray, &TrayNotifier::notified);
    tray.deviceOnlineChanged(QStringLiteral("u1"), QStringLiteral("pi-kitchen"), false);
    QTRY_COMPARE(notified.count(), 1);
    QCOMPARE(notified.first().at(1).toString(), QStringLiteral("pi-kitchen went offline"));
    tray.deviceOnlineChanged(QStringLiteral("u1"), QStringLiteral("pi-kitchen"), true);
    QTRY_COMPARE(notified.count(), 2);
    QCOMPARE(notified.last().at(1).toString(), QStringLiteral("pi-kitchen is back online"));
}

void TestTrayNotifier::manyAtOnceBecomeOneNotification()
{
    TrayNotifier tray {QIcon()};
    QSignalSpy notified(&tray, &TrayNotifier::notified);
    for (int i = 0; i < 50; ++i)
        tray.deviceOnlineChanged(QString::number(i), QStringLiteral("node-%1").arg(i), false);
    tray.deviceOnlineChanged(QStringLiteral("x"), QStringLiteral("gateway"), true);
    QTRY_COMPARE(notified.count(), 1);
    QTest::qWait(200);
    QCOMPARE(notified.count(), 1);
    QCOMPARE(notified.first().at(1).toString(),
        QStringLiteral("50 devices went offline: node-0, node-1, node-2 and 47 more\n"
                       "gateway is back online"));
}

QTEST_MAIN(TestTrayNotifier)
#include "tst_traynotifier.moc"
