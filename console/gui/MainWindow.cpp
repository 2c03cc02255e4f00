// SPDX-License-Identifier: MIT
#include "gui/MainWindow.h"

#include "alerts/Notifier.h"
#include "gui/AccountsDialog.h"
#include "gui/AlertsDialog.h"
#include "gui/CachedTextDelegate.h"
#include "gui/DeviceActions.h"
#include "gui/DeviceFilterProxyModel.h"
#include "gui/DeviceGroupProxyModel.h"
#include "gui/DeviceTableModel.h"
#include "gui/DeviceTableView.h"
#include "gui/DeviceView.h"
#include "gui/ExportDialog.h"
#include "gui/HeartbeatDelegate.h"
#include "gui/RulesDialog.h"
#include "gui/SettingsDialog.h"
#include "gui/StoreWorker.h"
#include "gui/TrayNotifier.h"
#include "service/ConsoleService.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMouseEvent>
#include <QProgressBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QTime>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace dmr::console {

namespace {

constexpr int kFleetRefreshMs = 1000;

} // namespace

MainWindow::MainWindow(ConsoleService *service, QWidget *parent)
    : QMainWindow(parent)
    , m_service(service)
    , m_model(new DeviceTableModel({}, this))
    , m_proxy(new DeviceFilterProxyModel(this))
    , m_groups(new DeviceGroupProxyModel(this))
    , m_storeThread(new QThread(this))
    , m_worker(new StoreWorker(service->config().database))
    , m_tabs(new QTabWidget(this))
    , m_search(new QLineEdit(this))
    , m_groupBox(new QComboBox(this))
    , m_views(new QStackedWidget(this))
    , m_table(new DeviceTableView(this))
    , m_tree(new QTreeView(this))
    , m_countsLabel(new QLabel(this))
    , m_rateLabel(new QLabel(this))
    , m_rejectedLabel(new QLabel(this))
    , m_storeLabel(new QLabel(this))
    , m_budgetLabel(new QLabel(this))
    , m_alertsLabel(new QLabel(this))
    , m_compactionBar(new QProgressBar(this))
{
    m_actions = new DeviceActions(service, m_model, this);
    setWindowTitle(tr("Device Metrics Console"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/metrics-console.svg")));
    resize(1280, 760);

    m_model->setOfflineAfterSeconds(service->config().offlineAfterSeconds);
    m_proxy->setSourceModel(m_model);
    m_groups->setSourceModel(m_proxy);
    connect(service, &ConsoleService::devicesUpdated, m_model, &DeviceTableModel::applySnapshots);
    connect(service, &ConsoleService::deviceChanged, m_model, &DeviceTableModel::applyDeviceChange);
    connect(service, &ConsoleService::deviceChanged, this, &MainWindow::deviceChanged);
    connect(m_actions, &DeviceActions::message, this,
        [this](const QString &text) { statusBar()->showMessage(text, 10000); });
    connect(service, &ConsoleService::storeHealthChanged, this,
        [this](bool healthy, const QString &error) {
            m_storeError = healthy ? QString() : error;
            updateStatus();
        });
    connect(service, &ConsoleService::storeBudgetDeleted, this,
        [this](const QString &what, qint64 steps) {
            m_budgetLabel->setText(tr("Disk budget: deleting old history"));
            m_budgetLabel->setToolTip(
                tr("%1 (%n step(s) in the last seconds, at %2). Raise --max-db-size or keep "
                   "fewer days to keep more.",
                    nullptr, int(steps))
                    .arg(what, QTime::currentTime().toString(QStringLiteral("HH:mm"))));
            m_budgetLabel->show();
            m_budgetShownAt.start();
        });
    connect(
        service, &ConsoleService::storeCompactionProgress, this, [this](qint64 done, qint64 total) {
            m_compactionBar->setVisible(done < total);
            m_compactionBar->setMaximum(1000);
            m_compactionBar->setValue(total > 0 ? int(1000 * done / total) : 1000);
            m_compactionBar->setToolTip(
                tr("Closing stored history into compact chunks: %1 of %2 rows")
                    .arg(done)
                    .arg(total));
        });

    m_storeThread->setObjectName(QStringLiteral("window-store"));
    m_worker->moveToThread(m_storeThread);
    connect(m_storeThread, &QThread::started, m_worker, &StoreWorker::open);
    connect(m_storeThread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &MainWindow::fleetRequested, m_worker, &StoreWorker::refreshFleet);
    connect(m_worker, &StoreWorker::fleetLoaded, this, [this](const QList<DeviceOverview> &rows) {
        m_fleetInFlight = false;
        m_model->applyRows(rows);
    });
    connect(m_worker, &StoreWorker::failed, this, [this](const QString &error) {
        m_fleetInFlight = false;
        statusBar()->showMessage(tr("Store: %1").arg(error), 10000);
    });
    m_storeThread->start();
    // One read at a time: a slow store is polled less often, never queued up.
    connect(&m_fleetTimer, &QTimer::timeout, this, [this] {
        if (m_fleetInFlight)
            return;
        m_fleetInFlight = true;
        emit fleetRequested();
    });
    m_fleetTimer.start(kFleetRefreshMs);
    emit fleetRequested();
    m_fleetInFlight = true;

    m_search->setPlaceholderText(
        tr("Search name, hostname, device ID or UUID; label:location=lab for a label"));
    m_search->setToolTip(DeviceFilterProxyModel::syntaxHelp());
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, m_proxy, &DeviceFilterProxyModel::setSearchText);

    m_groupBox->setObjectName(QStringLiteral("groupBox"));
    m_groupBox->setToolTip(tr("Group the devices by a label, with each group's counts"));
    m_groupBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    updateGroupKeys({});
    connect(m_model, &DeviceTableModel::labelKeysChanged, this, &MainWindow::updateGroupKeys);
    connect(m_groupBox, &QComboBox::activated, this,
        [this](int index) { setGroupBy(m_groupBox->itemData(index).toString()); });

    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(DeviceTableModel::Hostname, Qt::AscendingOrder);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(
        m_table->fontMetrics().height() + 8); // fixed heights: no per-row measuring
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    // The last, Labels, stretches.
    const int widths[DeviceTableModel::ColumnCount]
        = {80, 160, 250, 270, 70, 80, 70, 60, 60, 60, 100, 100, 60, 90, 130, 200};
    for (int column = 0; column < DeviceTableModel::ColumnCount; ++column)
        m_table->setColumnWidth(column, widths[column]);
    setUpDeviceView(m_table);

    // The tree is the same devices, through the grouping.
    m_tree->setObjectName(QStringLiteral("deviceTree"));
    m_tree->setModel(m_groups);
    m_tree->setUniformRowHeights(true); // no per-row measuring, as the table
    m_tree->setAllColumnsShowFocus(true);
    m_tree->header()->setSortIndicator(DeviceTableModel::Hostname, Qt::AscendingOrder);
    m_tree->setSortingEnabled(true);
    m_tree->header()->setStretchLastSection(true);
    for (int column = 0; column < DeviceTableModel::ColumnCount; ++column)
        m_tree->setColumnWidth(column, widths[column] + (column == 0 ? 30 : 0));
    setUpDeviceView(m_tree);
    connect(m_groups, &QAbstractItemModel::layoutChanged, this, &MainWindow::openGroups);
    connect(m_groups, &QAbstractItemModel::modelReset, this, &MainWindow::openGroups);
    const auto groupId = [this](const QModelIndex &index) {
        bool has = false;
        const QString value = m_groups->groupValue(index.row(), &has);
        return has ? QLatin1Char('=') + value : QString();
    };
    connect(m_tree, &QTreeView::collapsed, this, [this, groupId](const QModelIndex &index) {
        if (m_groups->isGroup(index))
            m_closedGroups.insert(groupId(index));
    });
    connect(m_tree, &QTreeView::expanded, this, [this, groupId](const QModelIndex &index) {
        if (m_groups->isGroup(index))
            m_closedGroups.remove(groupId(index));
    });
    m_views->addWidget(m_table);
    m_views->addWidget(m_tree);

    auto *devicesPage = new QWidget(this);
    auto *layout = new QVBoxLayout(devicesPage);
    layout->setContentsMargins(6, 6, 6, 0);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_search, 1);
    auto *groupLabel = new QLabel(tr("&Group by:"), this);
    groupLabel->setBuddy(m_groupBox);
    bar->addWidget(groupLabel);
    bar->addWidget(m_groupBox);
    layout->addLayout(bar);
    layout->addWidget(m_views, 1);
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->addTab(devicesPage, tr("Devices"));
    m_tabs->tabBar()->setTabButton(0, QTabBar::RightSide, nullptr);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, [this](int index) {
        if (index == 0)
            return;
        QWidget *page = m_tabs->widget(index);
        m_tabs->removeTab(index);
        page->deleteLater();
    });
    setCentralWidget(m_tabs);

    // Fixed sizes, wide enough for large fleets: a label whose text changes
    // width would ask the whole window to lay out again each time.
    const QFontMetrics metrics(m_countsLabel->font());
    const int height = m_countsLabel->sizeHint().height();
    const QString digits(7, QLatin1Char('0'));
    m_countsLabel->setFixedSize(
        metrics.horizontalAdvance(tr("%1 of %1 devices online").arg(digits)), height);
    m_rateLabel->setFixedSize(metrics.horizontalAdvance(tr("%1 datagrams/s").arg(digits)), height);
    m_rejectedLabel->setFixedSize(
        metrics.horizontalAdvance(tr("%1 rejected").arg(QString(10, QLatin1Char('0')))), height);
    statusBar()->addWidget(m_countsLabel);
    statusBar()->addWidget(m_rateLabel);
    statusBar()->addWidget(m_rejectedLabel);
    m_budgetLabel->setObjectName(QStringLiteral("budgetLabel"));
    m_budgetLabel->hide();
    m_compactionBar->setObjectName(QStringLiteral("compactionBar"));
    m_compactionBar->setFormat(tr("Compacting history %p%"));
    m_compactionBar->setMaximumWidth(220);
    m_compactionBar->hide();
    m_alertsLabel->setObjectName(QStringLiteral("alertsLabel"));
    m_alertsLabel->setCursor(Qt::PointingHandCursor);
    m_alertsLabel->installEventFilter(this);
    m_alertsLabel->hide();
    statusBar()->addPermanentWidget(m_alertsLabel);
    statusBar()->addPermanentWidget(m_compactionBar);
    statusBar()->addPermanentWidget(m_budgetLabel);
    statusBar()->addPermanentWidget(m_storeLabel);
    connect(m_model, &DeviceTableModel::countsChanged, this, &MainWindow::updateStatus);
    connect(&m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    m_statusTimer.start(1000);

    m_tray = new TrayNotifier(windowIcon(), this);
    if (AlertService *alerts = m_service->alerts()) {
        // Alerting speaks for the devices: its desktop channel notifies
        // (offline is a shipped rule), grouped and without flapping.
        connect(
            alerts->notifier(), &Notifier::desktopNotification, m_tray, &TrayNotifier::showAlert);
        connect(alerts, &AlertService::firingChanged, this, &MainWindow::showFiring);
        // The store's rows bring labels too, but only once a second and
        // only after alerting's transaction: this is at once.
        connect(alerts, &AlertService::labelsChanged, m_model, &DeviceTableModel::setLabels);
        QMetaObject::invokeMethod(alerts, &AlertService::publishAgain);
    } else {
        connect(m_model, &DeviceTableModel::deviceOnlineChanged, m_tray,
            &TrayNotifier::deviceOnlineChanged);
    }
    connect(m_tray, &TrayNotifier::activated, this, [this] {
        show();
        raise();
        activateWindow();
    });

    buildMenus();
    updateStatus();
}

MainWindow::~MainWindow()
{
    // Device views join their own threads; then this one.
    while (m_tabs->count() > 1)
        delete m_tabs->widget(1);
    m_storeThread->quit();
    m_storeThread->wait();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *exportAction = file->addAction(QIcon::fromTheme(QStringLiteral("document-export")),
        tr("&Export…"), this, &MainWindow::exportSelected);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    QAction *settings = file->addAction(QIcon::fromTheme(QStringLiteral("configure")),
        tr("&Settings…"), this, &MainWindow::editSettings);
    settings->setShortcut(QKeySequence::Preferences);
    file->addSeparator();
    QAction *quit = file->addAction(QIcon::fromTheme(QStringLiteral("application-exit")),
        tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *find = view->addAction(tr("&Find device"), this, [this] {
        m_tabs->setCurrentIndex(0);
        m_search->setFocus();
        m_search->selectAll();
    });
    find->setShortcut(QKeySequence::Find);
    QAction *open = view->addAction(tr("&Open selected device"), this, [this] {
        for (const QString &uuid : selectedUuids())
            openDevice(uuid);
    });
    open->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));

    // The selected device, or the one whose tab is shown.
    QMenu *device = menuBar()->addMenu(tr("&Device"));
    connect(device, &QMenu::aboutToShow, this, [this, device] {
        device->clear();
        QString uuid;
        if (auto *view = qobject_cast<DeviceView *>(m_tabs->currentWidget()))
            uuid = view->uuid();
        else if (const QStringList selected = selectedUuids(); selected.size() == 1)
            uuid = selected.first();
        m_actions->addActions(device, uuid);
    });

    QMenu *alerts = menuBar()->addMenu(tr("&Alerts"));
    QAction *firing = alerts->addAction(tr("&Alerts…"), this, &MainWindow::showAlerts);
    firing->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    QAction *rules = alerts->addAction(tr("&Rules…"), this, &MainWindow::showRules);
    for (QAction *action : {firing, rules})
        action->setEnabled(m_service->alerts());

    QMenu *access = menuBar()->addMenu(tr("A&ccess"));
    access->addAction(tr("&Users and tokens…"), this, &MainWindow::showAccounts);
}

QMenu *MainWindow::deviceMenu(const QString &uuid)
{
    auto *menu = new QMenu(this);
    menu->addAction(tr("&Open"), this, [this, uuid] { openDevice(uuid); });
    menu->addSeparator();
    m_actions->addActions(menu, uuid);
    return menu;
}

void MainWindow::deviceChanged(const DeviceChangeResult &result)
{
    const DeviceChange &change = result.change;
    QString gone;
    if (change.kind == DeviceChange::Kind::Delete)
        gone = change.uuid;
    else if (change.kind == DeviceChange::Kind::Merge)
        gone = change.from;
    if (DeviceView *view = gone.isEmpty() ? nullptr : deviceView(gone)) {
        m_tabs->removeTab(m_tabs->indexOf(view));
        view->deleteLater();
    }
    if (change.kind != DeviceChange::Kind::Delete) {
        if (DeviceView *view = deviceView(change.uuid)) {
            const QString name
                = result.displayName.isEmpty() ? result.hostname : result.displayName;
            m_tabs->setTabText(m_tabs->indexOf(view), name.isEmpty() ? change.uuid.left(8) : name);
        }
    }
}

DeviceView *MainWindow::deviceView(const QString &uuid) const
{
    for (int i = 1; i < m_tabs->count(); ++i) {
        auto *view = qobject_cast<DeviceView *>(m_tabs->widget(i));
        if (view && view->uuid() == uuid)
            return view;
    }
    return nullptr;
}

DeviceView *MainWindow::openDevice(const QString &uuid)
{
    if (uuid.isEmpty())
        return nullptr;
    if (DeviceView *existing = deviceView(uuid)) {
        m_tabs->setCurrentWidget(existing);
        return existing;
    }
    auto *view = new DeviceView(uuid, m_service->config().database, m_model, m_tabs);
    view->setAlertCall([service = m_service](const AlertRequest &request, QObject *context,
                           std::function<void(const AlertReply &)> done) {
        service->alertRequest(request, context, std::move(done));
    });
    const DeviceOverview *row = m_model->rowFor(uuid);
    const QString name = row && !row->name().isEmpty() ? row->name() : uuid.left(8);
    m_tabs->setCurrentIndex(m_tabs->addTab(view, name));
    return view;
}

QStringList MainWindow::selectedUuids() const
{
    QStringList uuids;
    const QModelIndexList rows = currentDeviceView()->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows) {
        const QString uuid = index.data(DeviceTableModel::UuidRole).toString();
        if (!uuid.isEmpty())
            uuids.append(uuid);
    }
    return uuids;
}

QAbstractItemView *MainWindow::currentDeviceView() const
{
    return m_views->currentWidget() == m_tree ? static_cast<QAbstractItemView *>(m_tree)
                                              : static_cast<QAbstractItemView *>(m_table);
}

void MainWindow::setUpDeviceView(QAbstractItemView *view)
{
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view->setAlternatingRowColors(true);
    view->setItemDelegate(new CachedTextDelegate(view));
    view->setItemDelegateForColumn(DeviceTableModel::Heartbeat, new HeartbeatDelegate(view));
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(view, &QWidget::customContextMenuRequested, this, [this, view](const QPoint &at) {
        const QString uuid = view->indexAt(at).data(DeviceTableModel::UuidRole).toString();
        if (uuid.isEmpty())
            return; // not a device: nothing, or a group's heading
        QMenu *menu = deviceMenu(uuid);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(view->viewport()->mapToGlobal(at));
    });
    // Enter and double-click both activate; a group's heading opens nothing.
    connect(view, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        openDevice(index.data(DeviceTableModel::UuidRole).toString());
    });
}

void MainWindow::updateGroupKeys(const QStringList &keys)
{
    // The current choice stays listed while no device has it any more, so
    // that a label being changed does not switch the view away.
    const QString current = m_groupBox->currentData().toString();
    QStringList listed = keys;
    if (!current.isEmpty() && !listed.contains(current))
        listed.append(current);
    m_groupBox->clear();
    m_groupBox->addItem(tr("No grouping"), QString());
    for (const QString &key : std::as_const(listed))
        m_groupBox->addItem(key, key);
    m_groupBox->setCurrentIndex(std::max(0, m_groupBox->findData(current)));
}

void MainWindow::setGroupBy(const QString &key)
{
    if (!key.isEmpty() && m_groupBox->findData(key) < 0)
        m_groupBox->addItem(key, key);
    m_groupBox->setCurrentIndex(std::max(0, m_groupBox->findData(key)));
    if (key == m_groups->groupKey())
        return;
    const bool grouped = !key.isEmpty();
    QAbstractItemView *from = currentDeviceView();
    m_closedGroups.clear();
    m_groups->setGroupKey(key);
    // Both views sort the one filter model: the shown header says how.
    if (grouped)
        m_tree->header()->setSortIndicator(m_proxy->sortColumn(), m_proxy->sortOrder());
    else
        m_table->horizontalHeader()->setSortIndicator(m_proxy->sortColumn(), m_proxy->sortOrder());
    m_views->setCurrentWidget(grouped ? static_cast<QWidget *>(m_tree) : m_table);
    if (from->hasFocus())
        currentDeviceView()->setFocus();
}

void MainWindow::openGroups()
{
    for (int row = 0; row < m_groups->rowCount(); ++row) {
        if (!m_tree->isFirstColumnSpanned(row, {}))
            m_tree->setFirstColumnSpanned(row, {}, true);
        bool has = false;
        const QString value = m_groups->groupValue(row, &has);
        const QModelIndex group = m_groups->index(row, 0);
        if (!m_tree->isExpanded(group)
            && !m_closedGroups.contains(has ? QLatin1Char('=') + value : QString()))
            m_tree->expand(group);
    }
}

void MainWindow::exportSelected()
{
    ExportDialog dialog(m_service->config().database, selectedUuids(), m_model, this);
    dialog.exec();
}

void MainWindow::editSettings()
{
    QSettings settings;
    SettingsDialog dialog(m_service, &settings, this);
    connect(&dialog, &SettingsDialog::offlineAfterChanged, m_model,
        &DeviceTableModel::setOfflineAfterSeconds);
    dialog.exec();
    updateStatus();
}

AlertsDialog *MainWindow::showAlerts()
{
    if (!m_alertsDialog) {
        m_alertsDialog = new AlertsDialog(m_service, this);
        m_alertsDialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_alertsDialog->show();
    m_alertsDialog->raise();
    m_alertsDialog->activateWindow();
    return m_alertsDialog;
}

AccountsDialog *MainWindow::showAccounts()
{
    if (!m_accountsDialog) {
        m_accountsDialog = new AccountsDialog(m_service, this);
        m_accountsDialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_accountsDialog->show();
    m_accountsDialog->raise();
    m_accountsDialog->activateWindow();
    return m_accountsDialog;
}

RulesDialog *MainWindow::showRules()
{
    if (!m_rulesDialog) {
        m_rulesDialog = new RulesDialog(m_service, this);
        m_rulesDialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_rulesDialog->show();
    m_rulesDialog->raise();
    m_rulesDialog->activateWindow();
    return m_rulesDialog;
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_alertsLabel && event->type() == QEvent::MouseButtonRelease
        && static_cast<QMouseEvent *>(event)->button() == Qt::LeftButton && m_service->alerts()) {
        showAlerts();
        return true;
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::updateStatus()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const IngestCounters &counters = m_service->counters();
    const quint64 received = counters.received.load();
    if (m_lastRateMs == 0) {
        m_lastRateMs = now;
        m_lastReceived = received;
    } else if (now - m_lastRateMs >= 1000) {
        m_rate = double(received - m_lastReceived) * 1000.0 / double(now - m_lastRateMs);
        m_lastRateMs = now;
        m_lastReceived = received;
    }
    m_countsLabel->setText(
        tr("%1 of %2 devices online").arg(m_model->onlineCount()).arg(m_model->rowCount()));
    m_rateLabel->setText(tr("%1 datagrams/s").arg(m_rate, 0, 'f', 0));
    m_rejectedLabel->setText(tr("%1 rejected").arg(counters.rejectedTotal()));
    m_rejectedLabel->setToolTip(counters.summary());
    // The budget's note stays while it deletes, and ten minutes after.
    if (m_budgetLabel->isVisible() && m_budgetShownAt.isValid()
        && m_budgetShownAt.elapsed() > 10 * 60 * 1000)
        m_budgetLabel->hide();
    m_storeLabel->setText(m_storeError.isEmpty()
            ? tr("UDP %1 · %2").arg(m_service->udpPort()).arg(m_service->config().databaseShown())
            : tr("Store error: %1").arg(m_storeError));
}

void MainWindow::showFiring(const QList<AlertService::Firing> &firing)
{
    m_model->setFiring(firing);
    int critical = 0;
    QStringList summaries;
    for (const AlertService::Firing &alert : firing) {
        critical += alert.severity == Severity::Critical ? 1 : 0;
        if (summaries.size() < 20)
            summaries << alert.summary;
    }
    m_tray->setFiring(int(firing.size()), critical);
    m_alertsLabel->setVisible(!firing.isEmpty());
    m_alertsLabel->setText(critical > 0
            ? tr("%n alert(s) firing, %1 critical", nullptr, int(firing.size())).arg(critical)
            : tr("%n alert(s) firing", nullptr, int(firing.size())));
    m_alertsLabel->setStyleSheet(critical > 0
            ? QStringLiteral("QLabel { color: white; background: #c0392b; padding: 0 6px; }")
            : QStringLiteral("QLabel { color: black; background: #f39c12; padding: 0 6px; }"));
    m_alertsLabel->setToolTip(
        summaries.join(QLatin1Char('\n')) + tr("\n\nClick to acknowledge or silence them."));
}

} // namespace dmr::console
