// SPDX-License-Identifier: MIT
#include "gui/DeviceActions.h"
#include "gui/DeviceTableModel.h"
#include "gui/MainWindow.h"
#include "gui/MaintenanceDialog.h"
#include "support/TestConsole.h"
#include "support/TestSql.h"
#include "support/TestWidgets.h"

#include <QAction>
#include <QDateTimeEdit>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

// Maintenance… from the device table's context menu, against a real console
// with a device reporting over UDP: the time set lands in the device's
// presence, and ending it does too.
class TestMaintenanceDialog : public QObject
{
    Q_OBJECT
private slots:
    void setsAndEndsMaintenanceFromTheDeviceMenu();
};

void TestMaintenanceDialog::setsAndEndsMaintenanceFromTheDeviceMenu()
{
    QTemporaryDir dir;
    ConsoleService service(TestConsole::config(dir.filePath(QStringLiteral("console.db"))));
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    MainWindow window(&service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    TestConsole::sendReports(service.udpPort(), 5, 3);
    DeviceTableModel *model = window.deviceModel();
    QTRY_COMPARE(model->rowCount(), 1);
    const QString uuid = model->index(0, 0).data(DeviceTableModel::UuidRole).toString();
    // Alerting knows a device once the writer stored it.
    QTRY_COMPARE(TestConsole::get(service,
                     QStringLiteral("devices/%1/presence").arg(uuid))[QLatin1String("state")]
                     .toString(),
        QStringLiteral("live"));

    std::unique_ptr<QMenu> menu(window.deviceMenu(uuid));
    QAction *action = TestWidgets::actionNamed(menu.get(), QStringLiteral("Mai&ntenance…"));
    QVERIFY(action && action->isEnabled());
    action->trigger();
    auto *dialog = qobject_cast<MaintenanceDialog *>(window.deviceActions()->openDialog());
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    // "(live)", or "(late)" on a machine slow enough to take seconds here.
    QTRY_VERIFY2(dialog->stateLabel()->text().startsWith(QLatin1String("not in maintenance (")),
        qPrintable(dialog->stateLabel()->text()));
    QVERIFY(!dialog->endButton()->isEnabled());

    // Until a time three hours from now.
    const QDateTime until = QDateTime::currentDateTime().addSecs(3 * 3600);
    dialog->untilEdit()->setDateTime(until);
    QTest::mouseClick(dialog->setButton(), Qt::LeftButton);
    QTRY_VERIFY(!window.deviceActions()->openDialog());
    QJsonObject presence
        = TestConsole::get(service, QStringLiteral("devices/%1/presence").arg(uuid)).toObject();
    QCOMPARE(presence[QLatin1String("state")].toString(), QStringLiteral("maintenance"));
    const QDateTime stored = QDateTime::fromString(
        presence[QLatin1String("maintenance_until")].toString(), Qt::ISODateWithMs);
    QVERIFY(stored.isValid());
    // The edit shows minutes: the seconds of `until` are not kept.
    QVERIFY2(qAbs(stored.secsTo(until)) < 60, qPrintable(stored.toString(Qt::ISODate)));
    QVERIFY2(window.statusBar()->currentMessage().contains(QLatin1String("in maintenance until")),
        qPrintable(window.statusBar()->currentMessage()));
    TestSql::Connection sql(service.config().database);
    QVERIFY(
        sql.value(
               QStringLiteral("SELECT maintenance_until FROM devices WHERE uuid = '%1'").arg(uuid))
            .toLongLong()
        > QDateTime::currentMSecsSinceEpoch());

    // Again: it says so; a time past is refused here; ending it works.
    window.deviceActions()->editMaintenance(uuid);
    dialog = qobject_cast<MaintenanceDialog *>(window.deviceActions()->openDialog());
    QVERIFY(dialog);
    QTRY_VERIFY2(dialog->stateLabel()->text().startsWith(QLatin1String("in maintenance until")),
        qPrintable(dialog->stateLabel()->text()));
    QVERIFY(dialog->endButton()->isEnabled());
    QCOMPARE(
        dialog->untilEdit()->dateTime().toSecsSinceEpoch() / 60, stored.toSecsSinceEpoch() / 60);
    dialog->untilEdit()->setDateTime(QDateTime::currentDateTime().addSecs(-3600));
    QTest::mouseClick(dialog->setButton(), Qt::LeftButton);
    QVERIFY2(dialog->statusLabel()->text().contains(QLatin1String("future")),
        qPrintable(dialog->statusLabel()->text()));
    QVERIFY(dialog->isVisible());
    QTest::mouseClick(dialog->endButton(), Qt::LeftButton);
    QTRY_VERIFY(!window.deviceActions()->openDialog());
    presence
        = TestConsole::get(service, QStringLiteral("devices/%1/presence").arg(uuid)).toObject();
    QVERIFY(presence[QLatin1String("maintenance_until")].isNull());
    QVERIFY(presence[QLatin1String("state")].toString() != QLatin1String("maintenance"));
    QCOMPARE(
        sql.value(
               QStringLiteral("SELECT maintenance_until FROM devices WHERE uuid = '%1'").arg(uuid))
            .toLongLong(),
        0);
    QVERIFY2(window.statusBar()->currentMessage().contains(QLatin1String("ended")),
        qPrintable(window.statusBar()->currentMessage()));
}

QTEST_MAIN(TestMaintenanceDialog)
#include "tst_maintenancedialog.moc"
