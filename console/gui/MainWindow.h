// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/AlertService.h"
#include "store/DeviceChange.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QSet>
#include <QTimer>

class QAbstractItemView;
class QComboBox;
class QLabel;
class QProgressBar;
class QLineEdit;
class QMenu;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QThread;
class QTreeView;

namespace dmr::console {

class AccountsDialog;
class AlertsDialog;
class ConsoleService;
class DeviceActions;
class DeviceFilterProxyModel;
class DeviceGroupProxyModel;
class DeviceTableModel;
class DeviceView;
class RulesDialog;
class StoreWorker;
class TrayNotifier;

// The console's window: the device table with its search box, a tab per
// opened device, and the counters in the status bar. Grouped by a label, the
// table gives way to a tree of the same devices under one row per value. Shows models; the data
// comes from the service's live updates and from the store, read on a thread
// of its own.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(ConsoleService *service, QWidget *parent = nullptr);
    ~MainWindow() override;

    DeviceTableModel *deviceModel() const { return m_model; }
    DeviceFilterProxyModel *proxyModel() const { return m_proxy; }
    QTableView *deviceTable() const { return m_table; }
    // The devices grouped by a label; shown instead of the table while grouped.
    QTreeView *deviceTree() const { return m_tree; }
    DeviceGroupProxyModel *groupModel() const { return m_groups; }
    QComboBox *groupBox() const { return m_groupBox; }
    QLineEdit *searchBox() const { return m_search; }
    QTabWidget *tabs() const { return m_tabs; }
    DeviceView *deviceView(const QString &uuid) const;
    DeviceActions *deviceActions() const { return m_actions; }
    // The device table's context menu for device `uuid`; the caller owns it.
    QMenu *deviceMenu(const QString &uuid);

public slots:
    DeviceView *openDevice(const QString &uuid);
    void exportSelected();
    void editSettings();
    // Alerts > Alerts… and Rules…: one of each, not modal, on top when open.
    AlertsDialog *showAlerts();
    RulesDialog *showRules();
    // Access > Users and tokens…: the web page's and REST API's accounts.
    AccountsDialog *showAccounts();
    // Groups the devices by label `key`; empty shows the flat table.
    void setGroupBy(const QString &key);

signals:
    void fleetRequested();

protected:
    // A click on the status bar's alerts opens the alerts.
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildMenus();
    // A device renamed, deleted or merged, by whoever: its tab follows.
    void deviceChanged(const DeviceChangeResult &result);
    void updateStatus();
    void showFiring(const QList<AlertService::Firing> &firing);
    QStringList selectedUuids() const;
    // What the table and the tree share: selection, delegates, menus.
    void setUpDeviceView(QAbstractItemView *view);
    QAbstractItemView *currentDeviceView() const;
    void updateGroupKeys(const QStringList &keys);
    // New groups open, and their headings span the row; the ones the
    // user closed stay closed.
    void openGroups();

    ConsoleService *m_service;
    DeviceTableModel *m_model;
    DeviceFilterProxyModel *m_proxy;
    DeviceGroupProxyModel *m_groups;
    QThread *m_storeThread;
    StoreWorker *m_worker;
    bool m_fleetInFlight = false;
    QTimer m_fleetTimer;
    QTimer m_statusTimer;
    quint64 m_lastReceived = 0;
    qint64 m_lastRateMs = 0;
    double m_rate = 0;
    QString m_storeError;
    TrayNotifier *m_tray = nullptr;
    DeviceActions *m_actions;

    QTabWidget *m_tabs;
    QLineEdit *m_search;
    QComboBox *m_groupBox;
    QStackedWidget *m_views;
    QTableView *m_table;
    QTreeView *m_tree;
    QSet<QString> m_closedGroups; // "=value" of the groups closed, "" for "(no key)"
    QLabel *m_countsLabel;
    QLabel *m_rateLabel;
    QLabel *m_rejectedLabel;
    QLabel *m_storeLabel;
    // What the disk budget deleted last, while it deletes; hidden otherwise.
    QLabel *m_budgetLabel;
    QLabel *m_alertsLabel;
    // Closing a backlog of history into chunks; hidden when there is none.
    QProgressBar *m_compactionBar;
    QElapsedTimer m_budgetShownAt;
    QPointer<AlertsDialog> m_alertsDialog;
    QPointer<RulesDialog> m_rulesDialog;
    QPointer<AccountsDialog> m_accountsDialog;
};

} // namespace dmr::console
