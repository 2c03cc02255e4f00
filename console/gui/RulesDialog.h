// SPDX-License-Identifier: MIT
#pragma once

#include "gui/AlertClient.h"

#include <QDialog>
#include <QPointer>

class QLabel;
class QMessageBox;
class QPushButton;
class QTableView;

namespace dmr::console {

class ConsoleService;
class RuleForm;
class RuleTableModel;

// Alerts > Rules…: every alert rule in a table, and a form to add, change
// or delete one. All of it through the alerting API's requests
// (AlertClient), answered later: the dialog never waits, and shows the
// service's refusal (a name missing, a threshold on the wrong side) as the
// web API would give it.
class RulesDialog : public QDialog
{
    Q_OBJECT
public:
    explicit RulesDialog(ConsoleService *service, QWidget *parent = nullptr);

    RuleTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    RuleForm *form() const { return m_form; }
    QLabel *statusLabel() const { return m_status; }
    QPushButton *saveButton() const { return m_save; }
    QPushButton *deleteButton() const { return m_delete; }
    // The deletion's confirmation while it is open (tests answer it).
    QMessageBox *confirmation() const;

public slots:
    // Reads the rules again, then shows rule `select` (0: the one shown, if
    // it is still there).
    void refresh(qint64 select = 0);
    // An empty form for a new rule.
    void newRule();
    // The form's rule, created or changed.
    void save();
    // Asks, then deletes the rule shown.
    void removeRule();

signals:
    // An answer came and is shown (rules read, a change made or refused).
    void answered();

private:
    void showRow(int row);
    void setBusy(bool busy);
    void showError(const QString &text);
    void showInfo(const QString &text);

    AlertClient m_client;
    RuleTableModel *m_model;
    QTableView *m_table;
    RuleForm *m_form;
    QLabel *m_status;
    QPushButton *m_new;
    QPushButton *m_save;
    QPushButton *m_delete;
    QPointer<QMessageBox> m_confirmation;
};

} // namespace dmr::console
