// SPDX-License-Identifier: MIT
#include "gui/AlertTableModel.h"
#include "gui/AlertsDialog.h"
#include "gui/CoreHeatStrip.h"
#include "gui/DeviceActions.h"
#include "gui/DeviceFilterProxyModel.h"
#include "gui/DeviceGroupProxyModel.h"
#include "gui/DeviceTableModel.h"
#include "gui/DeviceView.h"
#include "gui/HardwarePanel.h"
#include "gui/InterfaceTableModel.h"
#include "gui/JsonTableModel.h"
#include "gui/MainWindow.h"
#include "gui/MetricChart.h"
#include "gui/MigrationProgress.h"
#include "gui/RuleTableModel.h"
#include "gui/RulesDialog.h"
#include "service/ConsoleService.h"
#include "store/Database.h"
#include "support/TestConsole.h"
#include "support/TestHardware.h"
#include "support/TestReports.h"
#include "support/TestSql.h"
#include "support/TestWidgets.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QProgressDialog>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>
#include <QUdpSocket>
#include <map>
#include <memory>

using namespace dmr::console;

// The window offscreen, with a device reporting to the real service over UDP.
class TestMainWindow : public QObject
{
    Q_OBJECT
private slots:
    void deviceAppearsAndOpens();
    void boardHardwareAndOldAgents();
    void storeMaintenanceShowsInTheStatusBar();
    void olderDatabaseMigratesWithProgress();
    void renamesDeletesAndMergesFromTheTable();
    void alertsMenuAndStatusBarOpenTheDialogs();
    void agentLabelsFilterAndGroupTheDevices();
};

void TestMainWindow::deviceAppearsAndOpens()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ConsoleConfig config;
    config.database = dir.filePath(QStringLiteral("console.db"));
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.statsIntervalSeconds = 0;
    config.flushIntervalMs = 100;
    ConsoleService service(config);
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));

    MainWindow window(&service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QUdpSocket socket;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const std::string deviceId = TestReports::deviceId(7);
    for (quint64 seq = 1; seq <= 5; ++seq) {
        dmr::Report report = TestReports::makeReport(deviceId, 1, seq);
        report.sampleTimeMs = now - qint64(5 - seq) * 1000;
        QCOMPARE(socket.writeDatagram(
                     TestReports::encoded(report), QHostAddress::LocalHost, service.udpPort()),
            qint64(TestReports::encoded(report).size()));
    }

    DeviceFilterProxyModel *proxy = window.proxyModel();
    QTRY_COMPARE(proxy->rowCount(), 1);
    const QModelIndex host = proxy->index(0, DeviceTableModel::Hostname);
    QCOMPARE(host.data().toString(), QStringLiteral("host-4c4c4544"));
    QCOMPARE(proxy->index(0, DeviceTableModel::Status).data(DeviceTableModel::OnlineRole).toBool(),
        true);
    // The newest values come from the store once the writer has them.
    const dmr::Report last = TestReports::makeReport(deviceId, 1, 5);
    QTRY_COMPARE(proxy->index(0, DeviceTableModel::Cpu).data().toString(),
        QStringLiteral("%1 %").arg(last.system.cpuPercent, 0, 'f', 1));
    QTRY_VERIFY(window.statusBar()->findChildren<QLabel *>().size() >= 3);

    // Search as you type.
    QTest::keyClicks(window.searchBox(), QStringLiteral("nothing-like-it"));
    QCOMPARE(proxy->rowCount(), 0);
    window.searchBox()->clear();
    QTest::keyClicks(window.searchBox(), QString::fromStdString(deviceId).right(6));
    QCOMPARE(proxy->rowCount(), 1);

    // Enter opens the device.
    QTableView *table = window.deviceTable();
    table->setFocus();
    table->setCurrentIndex(proxy->index(0, DeviceTableModel::Hostname));
    QTest::keyClick(table, Qt::Key_Return);
    const QString uuid = proxy->index(0, 0).data(DeviceTableModel::UuidRole).toString();
    DeviceView *view = window.deviceView(uuid);
    QVERIFY(view);
    QCOMPARE(window.tabs()->currentWidget(), view);
    QCOMPARE(
        window.tabs()->tabText(window.tabs()->currentIndex()), QStringLiteral("host-4c4c4544"));
    // Its live charts fill from the store, off the GUI thread.
    QTRY_VERIFY_WITH_TIMEOUT(view->percentChart()->pointCount(0) >= 5, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(view->networkChart()->seriesNames().size() == 4, 10000);
    QTRY_COMPARE(view->interfaces()->rowCount(), 2);

    // A range pick is painted, and says which tier of history it shows.
    auto *resolution = view->findChild<QLabel *>(QStringLiteral("resolution"));
    QVERIFY(resolution);
    QTRY_COMPARE(resolution->text(), QStringLiteral("every report"));
    QSignalSpy shown(view, &DeviceView::historyShown);
    view->setRange(DeviceView::Range::Week);
    QTRY_VERIFY(shown.count() >= 1);
    QTRY_COMPARE(resolution->text(), QStringLiteral("per minute"));

    // Double-click on an open device switches to its tab rather than opening another.
    window.tabs()->setCurrentIndex(0);
    QCOMPARE(window.openDevice(uuid), view);
    QCOMPARE(window.tabs()->count(), 2);
}

// A 0.2.0 agent's board shows its hardware in the device view, and a click
// on a chart the processes of that moment; an 0.1.0 agent's row in the
// device table says what it lacks.
void TestMainWindow::boardHardwareAndOldAgents()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ConsoleConfig config;
    config.database = dir.filePath(QStringLiteral("console.db"));
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.statsIntervalSeconds = 0;
    config.flushIntervalMs = 100;
    ConsoleService service(config);
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    MainWindow window(&service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QUdpSocket socket;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    auto send = [&](const dmr::Report &report) {
        const QByteArray bytes = TestReports::encoded(report);
        return socket.writeDatagram(bytes, QHostAddress::LocalHost, service.udpPort())
            == bytes.size();
    };
    const std::string board = TestReports::deviceId(8);
    for (quint64 seq = 1; seq <= 5; ++seq) {
        dmr::Report report = TestReports::makeReport(board, 1, seq);
        report.agentVersion = dmr::packVersion(0, 2, 0);
        report.sampleTimeMs = now - qint64(5 - seq) * 1000;
        report.hardware = dmr::test::sampleHardware();
        // The firefox process bursts in the third report only.
        report.hardware.processes[0].cpuPercent = seq == 3 ? 390 : 2;
        report.factsHash = dmr::factsHash(report.hardware);
        report.factsIncluded = true;
        QVERIFY(send(report));
    }
    const std::string old = TestReports::deviceId(9);
    for (quint64 seq = 1; seq <= 2; ++seq) {
        dmr::Report report = TestReports::makeReport(old, 1, seq);
        report.sampleTimeMs = now - qint64(2 - seq) * 1000;
        QVERIFY(send(report));
    }

    DeviceFilterProxyModel *proxy = window.proxyModel();
    QTRY_COMPARE(proxy->rowCount(), 2);
    int oldRow = -1;
    int boardRow = -1;
    for (int row = 0; row < 2; ++row) {
        const QString id = proxy->index(row, DeviceTableModel::DeviceId).data().toString();
        (id == QString::fromStdString(old) ? oldRow : boardRow) = row;
    }
    QVERIFY(oldRow >= 0 && boardRow >= 0);
    QTRY_VERIFY(proxy->index(oldRow, DeviceTableModel::Hostname)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("older than this console")));
    QVERIFY(proxy->index(oldRow, DeviceTableModel::Hostname)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("temperatures")));
    QVERIFY(!proxy->index(oldRow, DeviceTableModel::Hostname).data(Qt::DecorationRole).isNull());
    QVERIFY(proxy->index(boardRow, DeviceTableModel::Hostname).data(Qt::DecorationRole).isNull());

    const QString uuid = proxy->index(boardRow, 0).data(DeviceTableModel::UuidRole).toString();
    DeviceView *view = window.openDevice(uuid);
    QVERIFY(view);
    HardwarePanel *hardware = view->hardware();
    QTRY_VERIFY_WITH_TIMEOUT(hardware->coreStrip()->columns() == 5, 10000);
    QCOMPARE(hardware->coreStrip()->cores(), 4);
    QCOMPARE(hardware->temperatureChart()->seriesNames(),
        (QStringList {"coretemp/Package_id_0", "acpitz", "nvme/Composite"}));
    QCOMPARE(hardware->temperatureChart()->pointCount(0), 5);
    QCOMPARE(hardware->fileSystemChart()->seriesNames(),
        (QStringList {"/", "/boot/efi", "/snap/core/1"}));
    QCOMPARE(hardware->fileSystemChart()->pointCount(0), 5);
    QCOMPARE(hardware->fileSystems()->rowCount(), 3);
    QCOMPARE(hardware->fileSystems()->row(0).value(QStringLiteral("mount")).toString(),
        QStringLiteral("/"));
    QVERIFY(hardware->summary().contains(QStringLiteral("Failed units: foo.service, bar.mount")));
    QVERIFY(hardware->summary().contains(QStringLiteral("discharging")));
    QCOMPARE(hardware->processes()->rowCount(), 2);
    QCOMPARE(hardware->processes()->row(0).value(QStringLiteral("cpu")).toString(),
        QLocale().toString(2.0, 'f', 1));

    // A click on the CPU chart at the third report: its processes, the burst.
    view->setRange(DeviceView::Range::Live);
    QTRY_VERIFY_WITH_TIMEOUT(view->percentChart()->pointCount(0) >= 5, 10000);
    QSignalSpy clicked(view->percentChart(), &MetricChart::clickedAt);
    hardware->showProcessesAt(now - 2000);
    QCOMPARE(hardware->processes()->row(0).value(QStringLiteral("cpu")).toString(),
        QLocale().toString(390.0, 'f', 1));
    QVERIFY(hardware->processesCaption().startsWith(QStringLiteral("Top processes at")));
    MetricChart *chart = view->percentChart();
    window.tabs()->setCurrentWidget(view);
    view->tabs()->setCurrentIndex(0);
    QTest::mouseClick(chart->viewport(), Qt::LeftButton, {}, chart->viewport()->rect().center());
    QTRY_COMPARE(clicked.count(), 1);
    QCOMPARE(view->tabs()->currentWidget(), hardware);
}

namespace {

QAbstractButton *buttonNamed(QMessageBox *box, const QString &text)
{
    for (QAbstractButton *button : box->buttons()) {
        if (button->text() == text)
            return button;
    }
    return nullptr;
}

} // namespace

// Rename…, Delete… and Merge into… from the table's context menu, each
// asked for in a dialog that does not block, against the real service.
void TestMainWindow::renamesDeletesAndMergesFromTheTable()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ConsoleConfig config;
    config.database = dir.filePath(QStringLiteral("console.db"));
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.statsIntervalSeconds = 0;
    config.flushIntervalMs = 50;
    ConsoleService service(config);
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    MainWindow window(&service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QUdpSocket socket;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int device : {11, 12, 13}) {
        for (quint64 seq = 1; seq <= quint64(device - 8); ++seq) {
            dmr::Report report = TestReports::makeReport(TestReports::deviceId(device), 1, seq);
            report.sampleTimeMs = now - qint64(10 - seq) * 1000;
            socket.writeDatagram(
                TestReports::encoded(report), QHostAddress::LocalHost, service.udpPort());
        }
    }
    DeviceTableModel *model = window.deviceModel();
    QTRY_COMPARE(model->rowCount(), 3);
    auto uuidOf = [model](int device) {
        for (int row = 0; row < model->rowCount(); ++row) {
            const QString uuid = model->index(row, 0).data(DeviceTableModel::UuidRole).toString();
            if (model->rowFor(uuid)->device.deviceId
                == QString::fromStdString(TestReports::deviceId(device)))
                return uuid;
        }
        return QString();
    };
    const QString greenhouse = uuidOf(11), old = uuidOf(12), gone = uuidOf(13);
    TestSql::Connection sql(config.database);
    QTRY_COMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), 12);
    DeviceActions *actions = window.deviceActions();

    // The context menu offers the three, for a known device.
    std::unique_ptr<QMenu> menu(window.deviceMenu(greenhouse));
    for (const char *text : {"&Open", "&Rename…", "&Merge into…", "&Delete…"}) {
        QAction *action = TestWidgets::actionNamed(menu.get(), QString::fromUtf8(text));
        QVERIFY2(action && action->isEnabled(), text);
    }

    // Rename: the name shows in the table, in the store, and is found.
    TestWidgets::actionNamed(menu.get(), QStringLiteral("&Rename…"))->trigger();
    auto *rename = qobject_cast<QInputDialog *>(actions->openDialog());
    QVERIFY(rename);
    QTRY_VERIFY(rename->isVisible());
    rename->setTextValue(QStringLiteral("  Greenhouse  "));
    rename->accept();
    QTRY_COMPARE(model->rowFor(greenhouse)->displayName, QStringLiteral("Greenhouse"));
    QTRY_COMPARE(
        sql.value(
               QStringLiteral("SELECT display_name FROM devices WHERE uuid = '%1'").arg(greenhouse))
            .toString(),
        QStringLiteral("Greenhouse"));
    window.proxyModel()->setSearchText(QStringLiteral("greenhouse"));
    QTRY_COMPARE(window.proxyModel()->rowCount(), 1);
    QCOMPARE(window.proxyModel()->index(0, DeviceTableModel::Hostname).data().toString(),
        QStringLiteral("Greenhouse"));
    window.proxyModel()->setSearchText(QString());

    // Delete, cancelled: nothing goes.
    window.openDevice(gone);
    QVERIFY(window.deviceView(gone));
    QTRY_VERIFY(!actions->openDialog() || !actions->openDialog()->isVisible());
    actions->remove(gone);
    auto *confirm = qobject_cast<QMessageBox *>(actions->openDialog());
    QVERIFY(confirm);
    QVERIFY2(confirm->text().contains(model->rowFor(gone)->device.hostname),
        qPrintable(confirm->text()));
    QVERIFY2(confirm->informativeText().contains(QLatin1String("5 reports received")),
        qPrintable(confirm->informativeText()));
    confirm->button(QMessageBox::Cancel)->click();
    QTest::qWait(300);
    QCOMPARE(model->rowCount(), 3);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 3);

    // Delete, confirmed: the row, its tab and its history go.
    QTRY_VERIFY(!actions->openDialog() || !actions->openDialog()->isVisible());
    actions->remove(gone);
    confirm = qobject_cast<QMessageBox *>(actions->openDialog());
    QVERIFY(confirm);
    buttonNamed(confirm, QStringLiteral("Delete"))->click();
    QTRY_COMPARE(model->rowCount(), 2);
    QTRY_VERIFY(!window.deviceView(gone));
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM devices WHERE uuid = '%1'").arg(gone))
                 .toInt(),
        0);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toInt(), 7);

    // Merge into: pick the device, confirm; one row with the history of both.
    QTRY_VERIFY(!actions->openDialog() || !actions->openDialog()->isVisible());
    actions->mergeInto(old);
    auto *pick = qobject_cast<QInputDialog *>(actions->openDialog());
    QVERIFY(pick);
    QCOMPARE(pick->comboBoxItems().size(), 1);
    QVERIFY(pick->comboBoxItems().first().contains(QLatin1String("Greenhouse")));
    pick->setTextValue(pick->comboBoxItems().first());
    pick->accept();
    QTRY_VERIFY(qobject_cast<QMessageBox *>(actions->openDialog()));
    confirm = qobject_cast<QMessageBox *>(actions->openDialog());
    QVERIFY2(
        confirm->text().contains(QLatin1String("into Greenhouse")), qPrintable(confirm->text()));
    buttonNamed(confirm, QStringLiteral("Merge"))->click();
    QTRY_COMPARE(model->rowCount(), 1);
    QVERIFY(model->rowFor(greenhouse));
    QTRY_COMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 1);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics s JOIN devices d"
                                      " ON d.id = s.device WHERE d.uuid = '%1'")
                           .arg(greenhouse))
                 .toInt(),
        7);
    QTRY_VERIFY(window.statusBar()->currentMessage().startsWith(QLatin1String("Merged")));
}

// What the store does on its own shows in the status bar: deletions to stay
// within the disk budget, and closing a backlog of history into chunks.
void TestMainWindow::storeMaintenanceShowsInTheStatusBar()
{
    QTemporaryDir dir;
    ConsoleConfig config;
    config.database = dir.filePath(QStringLiteral("console.db"));
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.statsIntervalSeconds = 0;
    ConsoleService service(config);
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    MainWindow window(&service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *budget = window.statusBar()->findChild<QLabel *>(QStringLiteral("budgetLabel"));
    auto *compaction
        = window.statusBar()->findChild<QProgressBar *>(QStringLiteral("compactionBar"));
    QVERIFY(budget && compaction);
    QVERIFY(!budget->isVisible());
    QVERIFY(!compaction->isVisible());

    // As the writer's signals arrive through the service (queued, from its thread).
    emit service.storeBudgetDeleted(
        QStringLiteral("the disk budget deleted the oldest raw history (before 2026-11-01)"), 3);
    QVERIFY(budget->isVisible());
    QVERIFY(budget->toolTip().contains(QLatin1String("oldest raw history")));
    emit service.storeCompactionProgress(250, 1000);
    QVERIFY(compaction->isVisible());
    QCOMPARE(compaction->value(), 250);
    emit service.storeCompactionProgress(1000, 1000);
    QVERIFY(!compaction->isVisible());
}

// A database of an older schema is brought up to date before the window
// opens, on a thread, with a progress dialog the GUI thread keeps painting.
void TestMainWindow::olderDatabaseMigratesWithProgress()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("old.db"));
    {
        TestSql::Connection old(path);
        QVERIFY(old.exec(QStringLiteral("CREATE TABLE schema_version (version INTEGER NOT NULL)")));
        QVERIFY(old.exec(QStringLiteral("INSERT INTO schema_version (version) VALUES (0)")));
    }
    int largest = 0;
    int polls = 0;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        ++polls; // the GUI thread's event loop runs meanwhile
        if (auto *dialog = qobject_cast<QProgressDialog *>(QApplication::activeModalWidget()))
            largest = std::max(largest, dialog->maximum());
    });
    poll.start(0);
    QString error;
    QVERIFY2(migrateShowingProgress(path, &error, 0), qPrintable(error));
    poll.stop();
    QVERIFY(polls > 0);
    QVERIFY(largest > 0); // the dialog showed with the migrations' steps
    Database database(QStringLiteral("check"));
    QVERIFY(database.open(path, &error));
    QCOMPARE(database.schemaVersion(), Database::kSchemaVersion);
    // A file that is no database: the reason, no dialog left behind.
    const QString junk = dir.filePath(QStringLiteral("junk.db"));
    QFile file(junk);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(8192, 'x'));
    file.close();
    QVERIFY(!migrateShowingProgress(junk, &error, 0));
    QVERIFY(!error.isEmpty());
    QVERIFY(!QApplication::activeModalWidget());
}

// Alerts > Alerts… and Rules… open one dialog each; a click on the status
// bar's alerts opens the alerts.
void TestMainWindow::alertsMenuAndStatusBarOpenTheDialogs()
{
    QTemporaryDir dir;
    ConsoleService service(TestConsole::config(dir.filePath(QStringLiteral("console.db"))));
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    MainWindow window(&service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QMenu *alerts = nullptr;
    for (QAction *action : window.menuBar()->actions()) {
        if (action->text() == QLatin1String("&Alerts"))
            alerts = action->menu();
    }
    QVERIFY(alerts);
    QAction *rulesAction = TestWidgets::actionNamed(alerts, QStringLiteral("&Rules…"));
    QVERIFY(rulesAction && rulesAction->isEnabled());
    rulesAction->trigger();
    auto *rules = window.findChild<RulesDialog *>();
    QVERIFY(rules);
    QVERIFY(rules->isVisible());
    QTRY_VERIFY(rules->model()->rowCount() > 0);
    QCOMPARE(window.showRules(), rules); // one, brought to the front
    QCOMPARE(window.findChildren<RulesDialog *>().size(), 1);

    QCOMPARE(TestConsole::call(service, "POST", QStringLiteral("rules"),
                 "{\"name\":\"Busy\",\"metric\":\"cpu_percent\",\"raise\":0}")
                 ->status,
        201);
    TestConsole::sendReports(service.udpPort(), 8, 2);
    auto *label = window.statusBar()->findChild<QLabel *>(QStringLiteral("alertsLabel"));
    QVERIFY(label);
    QTRY_VERIFY_WITH_TIMEOUT(label->isVisible(), 10000);
    QVERIFY(!window.findChild<AlertsDialog *>());
    QTest::mouseClick(label, Qt::LeftButton);
    auto *shown = window.findChild<AlertsDialog *>();
    QVERIFY(shown);
    QVERIFY(shown->isVisible());
    QTRY_COMPARE(shown->model()->rowCount(), 1);
    QCOMPARE(
        shown->model()->index(0, AlertTableModel::Rule).data().toString(), QStringLiteral("Busy"));
    QAction *alertsAction = TestWidgets::actionNamed(alerts, QStringLiteral("&Alerts…"));
    QVERIFY(alertsAction);
    alertsAction->trigger();
    QCOMPARE(window.findChildren<AlertsDialog *>().size(), 1);
    // Closed, it goes; the menu makes a new one.
    shown->close();
    QTRY_VERIFY(!window.findChild<AlertsDialog *>());
    alertsAction->trigger();
    QVERIFY(window.findChild<AlertsDialog *>());
}

// Labels set on the agents' side travel in their datagrams over real UDP;
// the window shows them, its search box keeps the devices with a label, and
// the devices group by it, following a label a person changes.
void TestMainWindow::agentLabelsFilterAndGroupTheDevices()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ConsoleService service(TestConsole::config(dir.filePath(QStringLiteral("console.db"))));
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    MainWindow window(&service);
    // The grouping, as the window's tree drives it, checked all along.
    QAbstractItemModelTester groupTester(
        window.groupModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // As `metrics-agent --label location=lab --label role=gateway` sends them.
    const std::map<int, dmr::Labels> agents = {{21, {{"location", "lab"}, {"role", "gateway"}}},
        {22, {{"location", "lab"}}}, {23, {{"location", "office"}}}};
    QUdpSocket socket;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const auto &[device, labels] : agents) {
        for (quint64 seq = 1; seq <= 3; ++seq) {
            dmr::Report report = TestReports::makeReport(TestReports::deviceId(device), 1, seq);
            report.sampleTimeMs = now - qint64(3 - seq) * 1000;
            report.labels = labels;
            report.labelsHash = dmr::labelsHash(labels);
            socket.writeDatagram(
                TestReports::encoded(report), QHostAddress::LocalHost, service.udpPort());
        }
    }
    DeviceTableModel *model = window.deviceModel();
    QTRY_COMPARE(model->rowCount(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(model->labelKeys(),
        QStringList({QStringLiteral("location"), QStringLiteral("role")}), 10000);
    const auto deviceIdOf = [](const QModelIndex &index) {
        return index.siblingAtColumn(DeviceTableModel::DeviceId).data().toString();
    };
    const QString lab1 = QString::fromStdString(TestReports::deviceId(21));
    const QString lab2 = QString::fromStdString(TestReports::deviceId(22));

    // The search box keeps the devices with the label.
    DeviceFilterProxyModel *proxy = window.proxyModel();
    QVERIFY(window.searchBox()->toolTip().contains(QLatin1String("label:location=lab")));
    QTest::keyClicks(window.searchBox(), QStringLiteral("label:location=lab"));
    QTRY_COMPARE(proxy->rowCount(), 2);
    QStringList shown = {deviceIdOf(proxy->index(0, 0)), deviceIdOf(proxy->index(1, 0))};
    shown.sort();
    QCOMPARE(shown, QStringList({lab1, lab2}));
    const QModelIndex first
        = proxy->index(deviceIdOf(proxy->index(0, 0)) == lab1 ? 0 : 1, DeviceTableModel::Labels);
    QCOMPARE(first.data().toString(), QStringLiteral("location=lab, role=gateway"));
    QTest::keyClicks(window.searchBox(), QStringLiteral(" label:role=gateway"));
    QTRY_COMPARE(proxy->rowCount(), 1);
    QCOMPARE(deviceIdOf(proxy->index(0, 0)), lab1);
    // Each device's heartbeat, from the arrivals the window saw.
    QVERIFY(proxy->index(0, DeviceTableModel::Heartbeat)
                .data(DeviceTableModel::HeartbeatRole)
                .toByteArray()
                .contains('a'));

    // Grouped by location, from the combo box that lists the label names.
    QComboBox *groupBox = window.groupBox();
    const int location = groupBox->findData(QStringLiteral("location"));
    QVERIFY(location > 0);
    QVERIFY(groupBox->findData(QStringLiteral("role")) > 0);
    groupBox->setCurrentIndex(location);
    emit groupBox->activated(location);
    QTreeView *tree = window.deviceTree();
    QTRY_VERIFY(tree->isVisible());
    QVERIFY(!window.deviceTable()->isVisible());
    DeviceGroupProxyModel *groups = window.groupModel();
    QCOMPARE(groups->rowCount(), 1);
    QCOMPARE(groups->index(0, 0).data().toString(),
        QStringLiteral("location=lab — 1 device: 1 online, 0 offline, 0 alerting"));
    window.searchBox()->clear();
    QTRY_COMPARE(groups->rowCount(), 2);
    QCOMPARE(groups->index(0, 0).data().toString(),
        QStringLiteral("location=lab — 2 devices: 2 online, 0 offline, 0 alerting"));
    QCOMPARE(groups->index(1, 0).data().toString(),
        QStringLiteral("location=office — 1 device: 1 online, 0 offline, 0 alerting"));
    QVERIFY(tree->isExpanded(groups->index(0, 0)));
    QVERIFY(tree->isFirstColumnSpanned(0, {}));

    // A person moves the office device to the lab (PUT .../labels/, as the
    // REST API does): alerting says so, and the groups follow.
    const QModelIndex office = groups->index(0, 0, groups->index(1, 0));
    const QString uuid = office.data(DeviceTableModel::UuidRole).toString();
    tree->selectionModel()->select(
        office, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    AlertRequest put;
    put.method = QByteArrayLiteral("PUT");
    put.path = {QStringLiteral("devices"), uuid, QStringLiteral("labels")};
    put.body = QByteArrayLiteral("{\"labels\":{\"location\":\"lab\"}}");
    int status = 0;
    service.alertRequest(
        put, &window, [&status](const AlertReply &reply) { status = reply.status; });
    QTRY_COMPARE(status, 200);
    QTRY_COMPARE(groups->rowCount(), 1);
    QCOMPARE(groups->index(0, 0).data().toString(),
        QStringLiteral("location=lab — 3 devices: 3 online, 0 offline, 0 alerting"));
    // It stays selected in its new group.
    const QModelIndexList selected = tree->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().data(DeviceTableModel::UuidRole).toString(), uuid);
    // The store's reads, a second apart, agree and keep it there.
    QTest::qWait(1500);
    QCOMPARE(groups->rowCount(), 1);

    // No grouping: the table again.
    window.setGroupBy(QString());
    QTRY_VERIFY(window.deviceTable()->isVisible());
    QCOMPARE(groups->rowCount(), 0);
    QCOMPARE(proxy->rowCount(), 3);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
