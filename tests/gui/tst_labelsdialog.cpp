// SPDX-License-Identifier: MIT
#include "gui/DeviceActions.h"
#include "gui/DeviceTableModel.h"
#include "gui/LabelsDialog.h"
#include "gui/MainWindow.h"
#include "support/TestConsole.h"
#include "support/TestWidgets.h"

#include <QAction>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

// Labels… from the device table's context menu, against a real console
// with a device that reports over UDP with a label of its agent: a person's
// labels are edited beside the agent's, and land in the alerting API.
class TestLabelsDialog : public QObject
{
    Q_OBJECT
private slots:
    void editsThePersonsLabelsBesideTheAgents();
};

namespace {

// The row of label `name`, -1 if none.
int rowOf(QTableWidget *table, const QString &name)
{
    for (int row = 0; row < table->rowCount(); ++row) {
        if (table->item(row, LabelsDialog::Name)->text() == name)
            return row;
    }
    return -1;
}

void setRow(QTableWidget *table, int row, const QString &name, const QString &value)
{
    table->item(row, LabelsDialog::Name)->setText(name);
    table->item(row, LabelsDialog::Value)->setText(value);
}

} // namespace

void TestLabelsDialog::editsThePersonsLabelsBesideTheAgents()
{
    QTemporaryDir dir;
    ConsoleService service(TestConsole::config(dir.filePath(QStringLiteral("console.db"))));
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    MainWindow window(&service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // One report: alerting hears only the newest report of a device in each
    // batch of datagrams, so the labels of a first report followed closely
    // by others can miss it (they come again with the agent's 60th report).
    TestConsole::sendReports(service.udpPort(), 6, 1, {{"role", "gateway"}});
    DeviceTableModel *model = window.deviceModel();
    QTRY_COMPARE(model->rowCount(), 1);
    const QString uuid = model->index(0, 0).data(DeviceTableModel::UuidRole).toString();
    const QString path = QStringLiteral("devices/%1/labels").arg(uuid);
    QTRY_COMPARE(
        TestConsole::get(service, path)[QLatin1String("labels")][QLatin1String("role")].toString(),
        QStringLiteral("gateway"));

    std::unique_ptr<QMenu> menu(window.deviceMenu(uuid));
    QAction *action = TestWidgets::actionNamed(menu.get(), QStringLiteral("&Labels…"));
    QVERIFY(action && action->isEnabled());
    action->trigger();
    auto *dialog = qobject_cast<LabelsDialog *>(window.deviceActions()->openDialog());
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->saveButton()->isEnabled()); // not before the labels are read
    QTableWidget *table = dialog->table();
    QCOMPARE(table->rowCount(), 1);
    // The agent's label is shown, not editable.
    QCOMPARE(table->item(0, LabelsDialog::Name)->text(), QStringLiteral("role"));
    QCOMPARE(table->item(0, LabelsDialog::SetBy)->text(), QStringLiteral("the agent"));
    QVERIFY(!(table->item(0, LabelsDialog::Value)->flags() & Qt::ItemIsEditable));

    // Two of a person's: saved, the dialog closes, the API has them.
    setRow(table, dialog->addLabel(), QStringLiteral("room"), QStringLiteral("lab"));
    setRow(table, dialog->addLabel(), QStringLiteral("rack"), QStringLiteral("2"));
    dialog->addLabel(); // left empty: ignored
    QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
    QTRY_VERIFY(!window.deviceActions()->openDialog());
    QJsonObject labels = TestConsole::get(service, path).toObject();
    QCOMPARE(labels[QLatin1String("user_labels")].toObject(),
        QJsonObject({{QStringLiteral("room"), QStringLiteral("lab")},
            {QStringLiteral("rack"), QStringLiteral("2")}}));
    QCOMPARE(labels[QLatin1String("labels")][QLatin1String("role")].toString(),
        QStringLiteral("gateway"));
    QVERIFY2(window.statusBar()->currentMessage().contains(QLatin1String("saved")),
        qPrintable(window.statusBar()->currentMessage()));

    // Again: the person's rows are editable; what the service refuses is shown.
    window.deviceActions()->editLabels(uuid);
    dialog = qobject_cast<LabelsDialog *>(window.deviceActions()->openDialog());
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->saveButton()->isEnabled());
    table = dialog->table();
    QCOMPARE(table->rowCount(), 3);
    const int rack = rowOf(table, QStringLiteral("rack"));
    QVERIFY(rack >= 0);
    QVERIFY(table->item(rack, LabelsDialog::Value)->flags() & Qt::ItemIsEditable);
    QCOMPARE(table->item(rack, LabelsDialog::SetBy)->text(), QStringLiteral("a person"));
    table->item(rack, LabelsDialog::Name)->setText(QStringLiteral("bad name!"));
    QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
    QTRY_VERIFY2(dialog->statusLabel()->text().contains(QLatin1String("name is letters, digits")),
        qPrintable(dialog->statusLabel()->text()));
    QVERIFY(dialog->isVisible());
    // A name twice is said here: a JSON object could not carry both.
    setRow(table, rack, QStringLiteral("room"), QStringLiteral("shed"));
    QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
    QVERIFY2(dialog->statusLabel()->text().contains(QLatin1String("twice")),
        qPrintable(dialog->statusLabel()->text()));
    // One removed, the agent's overridden: saved as such.
    table->selectRow(rowOf(table, QStringLiteral("room")));
    dialog->removeSelected();
    QCOMPARE(table->rowCount(), 2);
    setRow(table, rowOf(table, QStringLiteral("room")), QStringLiteral("role"),
        QStringLiteral("router"));
    // The agent's row cannot be removed.
    table->selectRow(0);
    QCOMPARE(table->item(0, LabelsDialog::SetBy)->text(), QStringLiteral("the agent"));
    dialog->removeSelected();
    QCOMPARE(table->rowCount(), 2);
    QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
    QTRY_VERIFY(!window.deviceActions()->openDialog());
    labels = TestConsole::get(service, path).toObject();
    QCOMPARE(labels[QLatin1String("user_labels")].toObject(),
        QJsonObject({{QStringLiteral("role"), QStringLiteral("router")}}));
    QCOMPARE(labels[QLatin1String("labels")][QLatin1String("role")].toString(),
        QStringLiteral("router"));
}

QTEST_MAIN(TestLabelsDialog)
#include "tst_labelsdialog.moc"
