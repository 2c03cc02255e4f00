// SPDX-License-Identifier: MIT
#pragma once

#include "gui/AlertClient.h"

#include <QDialog>
#include <QJsonObject>

class QComboBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace dmr::console {

class AlertTableModel;
class ConsoleService;

// Alerts > Alerts…: what fires, and the recent history, kept current by
// what alerting announces (AlertService::alertsChanged); selected alerts are
// acknowledged or silenced for a while, through the alerting API's requests
// (AlertClient) as the person at the desk ("desktop:" and the login name).
class AlertsDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Show { Firing, History };

    explicit AlertsDialog(ConsoleService *service, QWidget *parent = nullptr);

    AlertTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QComboBox *showBox() const { return m_show; }
    QLabel *statusLabel() const { return m_status; }
    QPushButton *acknowledgeButton() const { return m_acknowledge; }
    QPushButton *silenceButton() const { return m_silence; }
    // Selects the alert of that id, if it is listed.
    bool selectAlert(qint64 id);

public slots:
    // Reads the list again: what fires, or the history as well.
    void refresh();
    void acknowledgeSelected();
    // For `minutes`; 0 ends the silence.
    void silenceSelected(int minutes);
    // Asks for how many hours, in a dialog that does not block.
    void silenceCustom();

signals:
    // An answer came and is shown (the list read, a change made or refused).
    void answered();

private:
    QList<QJsonObject> selectedAlerts() const;
    void updateButtons();
    // Sends one request per alert and says how it went once all answered.
    void changeEach(const QList<qint64> &ids, const QString &action, const QJsonObject &body,
        const QString &done);
    void showError(const QString &text);
    void showInfo(const QString &text);

    AlertClient m_client;
    AlertTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QComboBox *m_show;
    QLabel *m_status;
    QPushButton *m_acknowledge;
    QPushButton *m_silence;
};

} // namespace dmr::console
