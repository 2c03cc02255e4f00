// SPDX-License-Identifier: MIT
#pragma once

#include "gui/AlertClient.h"

#include <QDialog>

class QLabel;
class QPushButton;
class QTableWidget;

namespace dmr::console {

class ConsoleService;

// Device > Labels…: the labels a person sets on a device, as name = value
// rows, beside the agent's (shown, not editable: the agent's next report
// would bring them back). A person's label of the same name wins over the
// agent's. Read and saved through the alerting API's requests (AlertClient),
// answered later: the dialog never waits.
class LabelsDialog : public QDialog
{
    Q_OBJECT
public:
    enum Column { Name, Value, SetBy, ColumnCount };

    // `description` names the device for people: "name (device_id …)".
    LabelsDialog(ConsoleService *service, const QString &uuid, const QString &description,
        QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }
    QPushButton *addButton() const { return m_add; }
    QPushButton *removeButton() const { return m_remove; }
    QPushButton *saveButton() const { return m_save; }
    QLabel *statusLabel() const { return m_status; }

public slots:
    // An empty row for a new label; its row.
    int addLabel();
    // The selected rows a person set.
    void removeSelected();
    // Replaces the person's labels with the rows shown.
    void save();

signals:
    // Saved: a line for the status bar. The dialog closes.
    void changed(const QString &message);
    // An answer came and is shown (the labels read, a change refused).
    void answered();

private:
    int appendRow(const QString &name, const QString &value, bool editable);
    bool editable(int row) const;
    void showError(const QString &text);

    AlertClient m_client;
    QString m_uuid;
    QString m_description;
    QTableWidget *m_table;
    QLabel *m_status;
    QPushButton *m_add;
    QPushButton *m_remove;
    QPushButton *m_save;
};

} // namespace dmr::console
