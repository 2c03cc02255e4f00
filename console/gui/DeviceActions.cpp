// SPDX-License-Identifier: MIT
#include "gui/DeviceActions.h"

#include "gui/DeviceTableModel.h"
#include "gui/LabelsDialog.h"
#include "gui/MaintenanceDialog.h"
#include "service/ConsoleService.h"

#include <QDateTime>
#include <QInputDialog>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <algorithm>

namespace dmr::console {

namespace {

// "1 report", "1,234 reports": no translations are loaded to pick the plural.
QString counted(qint64 n, const QString &one, const QString &many)
{
    return (n == 1 ? one : many).arg(QLocale().toString(n));
}

} // namespace

DeviceActions::DeviceActions(ConsoleService *service, DeviceTableModel *devices, QWidget *window)
    : QObject(window)
    , m_service(service)
    , m_devices(devices)
    , m_window(window)
{ }

void DeviceActions::addActions(QMenu *menu, const QString &uuid)
{
    const bool known = !uuid.isEmpty() && m_devices->rowFor(uuid);
    QAction *rename = menu->addAction(tr("&Rename…"), this, [this, uuid] { this->rename(uuid); });
    QAction *merge
        = menu->addAction(tr("&Merge into…"), this, [this, uuid] { this->mergeInto(uuid); });
    menu->addSeparator();
    QAction *remove = menu->addAction(QIcon::fromTheme(QStringLiteral("edit-delete")),
        tr("&Delete…"), this, [this, uuid] { this->remove(uuid); });
    for (QAction *action : {rename, merge, remove})
        action->setEnabled(known);
    menu->addSeparator();
    QAction *maintenance
        = menu->addAction(tr("Mai&ntenance…"), this, [this, uuid] { editMaintenance(uuid); });
    QAction *labels = menu->addAction(tr("&Labels…"), this, [this, uuid] { editLabels(uuid); });
    for (QAction *action : {maintenance, labels})
        action->setEnabled(known && m_service->alerts());
}

QString DeviceActions::describe(const QString &uuid) const
{
    const DeviceOverview *row = m_devices->rowFor(uuid);
    if (!row)
        return uuid;
    const QString name = row->name();
    if (!row->displayName.isEmpty() && !row->device.hostname.isEmpty())
        return tr("%1 (hostname %2, device_id %3)")
            .arg(name, row->device.hostname, row->device.deviceId);
    return tr("%1 (device_id %2)").arg(name, row->device.deviceId);
}

QString DeviceActions::historyOf(const QString &uuid) const
{
    const DeviceOverview *row = m_devices->rowFor(uuid);
    if (!row)
        return QString();
    const QDateTime since = QDateTime::fromMSecsSinceEpoch(row->device.createdAt);
    return tr("%1 received since %2")
        .arg(counted(qint64(row->device.reportsReceived), tr("%1 report"), tr("%1 reports")),
            QLocale().toString(since, QLocale::ShortFormat));
}

void DeviceActions::rename(const QString &uuid)
{
    const DeviceOverview *row = m_devices->rowFor(uuid);
    if (!row || busy())
        return;
    auto *dialog = new QInputDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Rename device"));
    dialog->setLabelText(
        tr("Display name of %1.\nLeave it empty to show the hostname again.").arg(describe(uuid)));
    dialog->setTextValue(row->displayName);
    connect(dialog, &QInputDialog::textValueSelected, this, [this, uuid](const QString &text) {
        QString error;
        const std::optional<QString> name = DeviceChange::checkDisplayName(text, &error);
        if (!name)
            return showError(tr("The name cannot be used: %1.").arg(error));
        DeviceChange change;
        change.kind = DeviceChange::Kind::Rename;
        change.uuid = uuid;
        change.displayName = *name;
        submit(change, tr("Renaming %1…").arg(describe(uuid)));
    });
    m_dialog = dialog;
    dialog->open();
}

void DeviceActions::remove(const QString &uuid)
{
    if (!m_devices->rowFor(uuid) || busy())
        return;
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete device"),
        tr("Delete %1 and all its history?").arg(describe(uuid)), QMessageBox::NoButton, m_window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setInformativeText(
        tr("Its history goes with it: %1, every sample and every per-minute summary. This "
           "cannot be undone.\nIf the device reports again, it comes back as a new device.")
            .arg(historyOf(uuid)));
    QPushButton *confirm = box->addButton(tr("Delete"), QMessageBox::DestructiveRole);
    box->setDefaultButton(box->addButton(QMessageBox::Cancel));
    connect(box, &QMessageBox::buttonClicked, this, [this, uuid, confirm](QAbstractButton *button) {
        if (button != confirm)
            return;
        DeviceChange change;
        change.kind = DeviceChange::Kind::Delete;
        change.uuid = uuid;
        submit(change, tr("Deleting %1 and its history…").arg(describe(uuid)));
    });
    m_dialog = box;
    box->open();
}

void DeviceActions::mergeInto(const QString &uuid)
{
    if (!m_devices->rowFor(uuid) || busy())
        return;
    struct Choice
    {
        QString label;
        QString uuid;
    };
    std::vector<Choice> choices;
    for (int row = 0; row < m_devices->rowCount(); ++row) {
        const QString other = m_devices->index(row, 0).data(DeviceTableModel::UuidRole).toString();
        const DeviceOverview *device = m_devices->rowFor(other);
        if (other == uuid || !device)
            continue;
        choices.push_back(
            {tr("%1 — %2 — %3").arg(device->name(), device->device.deviceId, other.left(8)),
                other});
    }
    if (choices.empty())
        return showError(tr("There is no other device to merge %1 into.").arg(describe(uuid)));
    std::sort(choices.begin(), choices.end(),
        [](const Choice &a, const Choice &b) { return a.label.localeAwareCompare(b.label) < 0; });
    QStringList labels;
    for (const Choice &choice : choices)
        labels << choice.label;

    auto *dialog = new QInputDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Merge device"));
    dialog->setLabelText(
        tr("Merge %1 into which device?\nIts history becomes that device's, as when a board "
           "was reinstalled and reports under a new machine-id.")
            .arg(describe(uuid)));
    dialog->setComboBoxItems(labels);
    dialog->setComboBoxEditable(false);
    connect(dialog, &QInputDialog::textValueSelected, this,
        [this, uuid, choices](const QString &label) {
            const auto chosen = std::find_if(choices.begin(), choices.end(),
                [&label](const Choice &choice) { return choice.label == label; });
            if (chosen != choices.end())
                confirmMerge(uuid, chosen->uuid);
        });
    m_dialog = dialog;
    dialog->open();
}

void DeviceActions::editMaintenance(const QString &uuid)
{
    if (!m_devices->rowFor(uuid) || busy())
        return;
    auto *dialog = new MaintenanceDialog(m_service, uuid, describe(uuid), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &MaintenanceDialog::changed, this, &DeviceActions::message);
    m_dialog = dialog;
    dialog->open();
}

void DeviceActions::editLabels(const QString &uuid)
{
    if (!m_devices->rowFor(uuid) || busy())
        return;
    auto *dialog = new LabelsDialog(m_service, uuid, describe(uuid), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &LabelsDialog::changed, this, &DeviceActions::message);
    m_dialog = dialog;
    dialog->open();
}

void DeviceActions::confirmMerge(const QString &from, const QString &into)
{
    if (!m_devices->rowFor(from) || !m_devices->rowFor(into))
        return;
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Merge device"),
        tr("Merge %1 into %2?").arg(describe(from), describe(into)), QMessageBox::NoButton,
        m_window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setInformativeText(
        tr("All history of the first (%1) becomes the second's, and the first is removed. The "
           "second keeps its uuid, device_id and hostname; their report counts add up. This "
           "cannot be undone.")
            .arg(historyOf(from)));
    QPushButton *confirm = box->addButton(tr("Merge"), QMessageBox::DestructiveRole);
    box->setDefaultButton(box->addButton(QMessageBox::Cancel));
    connect(box, &QMessageBox::buttonClicked, this,
        [this, from, into, confirm](QAbstractButton *button) {
            if (button != confirm)
                return;
            DeviceChange change;
            change.kind = DeviceChange::Kind::Merge;
            change.uuid = into;
            change.from = from;
            submit(change, tr("Merging %1 into %2…").arg(describe(from), describe(into)));
        });
    m_dialog = box;
    box->open();
}

void DeviceActions::submit(const DeviceChange &change, const QString &doing)
{
    emit message(doing);
    m_service->changeDevice(change, this, [this](const DeviceChangeResult &result) {
        if (!result.done()) {
            emit message(result.error);
            showError(tr("The change was not made: %1.").arg(result.error));
        } else if (result.change.kind == DeviceChange::Kind::Rename) {
            emit message(result.displayName.isEmpty()
                    ? tr("%1 shows its hostname again").arg(result.hostname)
                    : tr("%1 is now called %2").arg(result.hostname, result.displayName));
        } else if (result.change.kind == DeviceChange::Kind::Delete) {
            emit message(tr("Deleted %1 with %2 of history")
                             .arg(result.hostname,
                                 counted(result.samples, tr("%1 sample"), tr("%1 samples"))));
        } else {
            emit message(tr("Merged %1 into %2: %3 of history moved")
                             .arg(result.fromHostname, result.hostname,
                                 counted(result.samples, tr("%1 sample"), tr("%1 samples"))));
        }
        emit finished(result);
    });
}

void DeviceActions::showError(const QString &text)
{
    auto *box
        = new QMessageBox(QMessageBox::Warning, tr("Device"), text, QMessageBox::Ok, m_window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = box;
    box->open();
}

} // namespace dmr::console
