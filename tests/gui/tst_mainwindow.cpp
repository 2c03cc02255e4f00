// SPDX-License-Identifier: MIT
#include "gui/DeviceFilterProxyModel.h"
#include "gui/DeviceTableModel.h"
#include "gui/DeviceView.h"
#include "gui/InterfaceTableModel.h"
#include "gui/MainWindow.h"
#include "gui/MetricChart.h"
#include "gui/MigrationProgress.h"
#include "service/ConsoleService.h"
#include "store/Database.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QApplication>
#include <QDateTime>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QProgressDialog>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUdpSocket>

using namespace dmr::console;

// The window offscreen, with a device reporting to the real service over UDP.
class TestMainWindow : public QObject
{
    Q_OBJECT
private slots:
    void deviceAppearsAndOpens();
    void storeMaintenanceShowsInTheStatusBar();
    void olderDatabaseMigratesWithProgress();
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

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
