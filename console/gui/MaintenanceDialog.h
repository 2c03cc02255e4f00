// SPDX-License-Identifier: MIT
#pragma once

#include "gui/AlertClient.h"

#include <QDialog>

class QDateTimeEdit;
class QLabel;
class QPushButton;

namespace dmr::console {

class ConsoleService;

// Device > Maintenance…: puts a device in maintenance until a time (it
// raises no new alert meanwhile), or ends it now; shows whether it is in
// maintenance, as its presence says. Through the alerting API's requests
// (AlertClient), answered later: the dialog never waits.
class MaintenanceDialog : public QDialog
{
    Q_OBJECT
public:
    // `description` names the device for people: "name (device_id …)".
    MaintenanceDialog(ConsoleService *service, const QString &uuid, const QString &description,
        QWidget *parent = nullptr);

    QDateTimeEdit *untilEdit() const { return m_until; }
    QPushButton *setButton() const { return m_set; }
    QPushButton *endButton() const { return m_end; }
    QLabel *stateLabel() const { return m_state; }
    QLabel *statusLabel() const { return m_status; }

public slots:
    // Maintenance until the time chosen.
    void start();
    // Ends it now.
    void end();

signals:
    // Done: a line for the status bar. The dialog closes.
    void changed(const QString &message);
    // An answer came and is shown (the presence read, a change refused).
    void answered();

private:
    void put(const QJsonObject &body);
    void showError(const QString &text);

    AlertClient m_client;
    QString m_uuid;
    QString m_description;
    QLabel *m_state;
    QDateTimeEdit *m_until;
    QLabel *m_status;
    QPushButton *m_set;
    QPushButton *m_end;
};

} // namespace dmr::console
