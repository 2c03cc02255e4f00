// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>
#include <QJsonObject>
#include <QJsonValue>
#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableView;

namespace dmr::console {

class ConsoleService;
class JsonTableModel;

// Users, API tokens and the audit log, for the person at the desk: the
// window is its own admin (it runs as the local user). Everything goes
// through the REST API's requests (ConsoleService::accountRequest), so the
// window allows exactly what the API allows, and answers come later: no
// click waits on SQL or on a password being hashed.
class AccountsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit AccountsDialog(ConsoleService *service, QWidget *parent = nullptr);

    JsonTableModel *users() const { return m_users; }
    JsonTableModel *tokens() const { return m_tokens; }
    JsonTableModel *audit() const { return m_audit; }
    // The new token's secret while it is shown (once), else empty.
    QString shownSecret() const;
    QString status() const;

    // What the buttons do, after asking where they must.
    void addUser(const QString &name, const QString &password, const QString &role);
    void setRole(const QString &name, const QString &role);
    void setPassword(const QString &name, const QString &password);
    void deleteUser(const QString &name);
    void createToken(
        const QString &user, const QString &name, const QString &role, int expiresInDays);
    void revokeToken(qint64 id);
    void refresh();

signals:
    // The three lists were read again.
    void refreshed();
    // A request was refused or failed; the dialog shows why.
    void failed(const QString &error);

private:
    using Ok = std::function<void(const QJsonValue &)>;
    void send(const QByteArray &method, const QStringList &path, const QJsonObject &body, Ok ok);
    void showStatus(const QString &text, bool error);
    QString selectedUser() const;
    qint64 selectedToken() const;
    QWidget *usersTab();
    QWidget *tokensTab();
    QWidget *auditTab();

    ConsoleService *m_service;
    JsonTableModel *m_users;
    JsonTableModel *m_tokens;
    JsonTableModel *m_audit;
    QTableView *m_userView = nullptr;
    QTableView *m_tokenView = nullptr;
    QLineEdit *m_newName = nullptr;
    QLineEdit *m_newPassword = nullptr;
    QComboBox *m_newRole = nullptr;
    QComboBox *m_changeRole = nullptr;
    QLineEdit *m_changePassword = nullptr;
    QComboBox *m_tokenUser = nullptr;
    QLineEdit *m_tokenName = nullptr;
    QComboBox *m_tokenRole = nullptr;
    QSpinBox *m_tokenDays = nullptr;
    QLineEdit *m_secret = nullptr;
    QLabel *m_secretNote = nullptr;
    QLabel *m_status = nullptr;
    int m_pendingLists = 0;
};

} // namespace dmr::console
