// SPDX-License-Identifier: MIT
#pragma once

#include "auth/AccountStore.h"
#include "auth/Principal.h"

#include <QByteArray>
#include <QJsonObject>
#include <QMetaType>
#include <QStringList>
#include <QUrlQuery>
#include <functional>

namespace dmr::console {

// A request about accounts: users, API tokens and the audit log, from the
// REST API (/api/users/, /api/tokens/, /api/audit/) or from the window.
struct AccountRequest
{
    QByteArray method; // GET, POST, PUT, DELETE
    QStringList path; // after /api/, without the empty last: {"tokens", "3"}
    QUrlQuery query;
    QByteArray body;
    Principal principal; // who asks (the caller proved it)
    QString address; // from where, for the audit log
};

struct AccountReply
{
    int status = 200;
    QByteArray json; // empty for 204
    // Refused for a wrong current password: a guess, for the login limits.
    bool wrongPassword = false;
};

// What may be done to accounts, and by whom, on an AccountStore: admins
// manage users and every token; anyone with a user manages their own tokens
// and password. Every change is written to the audit log. Passwords are
// hashed here, so a call that sets one takes a tenth of a second or so.
class AccountService
{
public:
    using Clock = std::function<qint64()>;
    // auditWaitMs: how long an audit entry may wait for the database's write
    // lock before it is kept for flushAudit() instead. The HTTP thread says
    // 1 (it never waits on the store writer's transactions); the window's
    // thread and the command line can wait.
    explicit AccountService(AccountStore *store, int auditWaitMs = 5000, Clock clock = {});

    AccountReply handle(const AccountRequest &request);

    // The command line's and the window's: a user, refused as the REST API
    // would refuse it (bad name, weak password, taken name).
    AccountReply addUser(const Principal &by, const QString &address, const QString &name,
        const QString &password, Role role);
    // Adds an entry to the audit log, written now or, when the database is
    // busy, by a later flushAudit(); a failure is logged, not thrown: the
    // action it records is done.
    void audit(const QString &actor, const QString &address, const QString &action,
        const QString &target, int status);
    // Writes the entries kept, waiting at most waitMs; true when none is left.
    bool flushAudit(int waitMs);

    // A user's name: 1 to 64 letters, digits and . _ @ -.
    static bool validName(const QString &name);
    static QJsonObject userJson(const AccountStore::User &user);
    static QJsonObject tokenJson(const AccountStore::Token &token, qint64 nowMs);

private:
    qint64 now() const;
    AccountReply users(const AccountRequest &request);
    AccountReply changeUser(const AccountRequest &request, const AccountStore::User &user);
    AccountReply tokens(const AccountRequest &request);
    AccountReply auditLog(const AccountRequest &request);
    // Whether removing `user`'s admin role (by deletion or demotion) leaves none.
    std::optional<bool> isLastAdmin(const AccountStore::User &user, QString *error);
    AccountReply done(const AccountRequest &request, AccountReply reply, const QString &target);

    AccountStore *m_store;
    int m_auditWaitMs;
    Clock m_clock;
    QList<AccountStore::AuditEntry> m_auditQueue;
    qint64 m_auditDropped = 0;
};

} // namespace dmr::console

Q_DECLARE_METATYPE(dmr::console::AccountRequest)
Q_DECLARE_METATYPE(dmr::console::AccountReply)
