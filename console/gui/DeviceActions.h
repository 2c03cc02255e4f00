// SPDX-License-Identifier: MIT
#pragma once

#include "store/DeviceChange.h"

#include <QObject>
#include <QPointer>
#include <QWidget>

class QMenu;

namespace dmr::console {

class ConsoleService;
class DeviceTableModel;

// What the window can do to a device itself: Rename…, Delete… and Merge
// into…, Maintenance… and Labels…, for the device table's context menu and
// the Device menu. Asks in window-modal dialogs that do not block (no nested
// event loop), says what a deletion or a merge takes with it before doing
// it, and hands the change to the store writer (ConsoleService::changeDevice)
// or, for maintenance and labels, to alerting (MaintenanceDialog and
// LabelsDialog, through ConsoleService::alertRequest): the GUI thread never
// waits on SQL. The table follows the service's deviceChanged; this says how
// it went in message().
class DeviceActions : public QObject
{
    Q_OBJECT
public:
    DeviceActions(ConsoleService *service, DeviceTableModel *devices, QWidget *window);

    // Adds the actions for device `uuid` to `menu`.
    void addActions(QMenu *menu, const QString &uuid);
    // The dialog or confirmation open now, if any (tests answer it).
    QWidget *openDialog() const { return m_dialog; }

public slots:
    void rename(const QString &uuid);
    void remove(const QString &uuid);
    // Asks which device `uuid` merges into, then to confirm.
    void mergeInto(const QString &uuid);
    void editMaintenance(const QString &uuid);
    void editLabels(const QString &uuid);

signals:
    // A line for the status bar: what is being done, then how it went.
    void message(const QString &text);
    void finished(const DeviceChangeResult &result);

private:
    void confirmMerge(const QString &from, const QString &into);
    void submit(const DeviceChange &change, const QString &doing);
    void showError(const QString &text);
    // A dialog of ours is open: one at a time.
    bool busy() const { return m_dialog && m_dialog->isVisible(); }
    // "name (device_id)", and what its history is, for the dialogs.
    QString describe(const QString &uuid) const;
    QString historyOf(const QString &uuid) const;

    ConsoleService *m_service;
    DeviceTableModel *m_devices;
    QWidget *m_window;
    QPointer<QWidget> m_dialog;
};

} // namespace dmr::console
