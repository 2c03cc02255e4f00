// SPDX-License-Identifier: MIT
#pragma once

#include "auth/Principal.h"
#include "auth/Role.h"

#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <functional>
#include <optional>

class QSqlQuery;

namespace dmr::console {

// The accounts' tables (AccountSchema): users, API tokens, web sessions and
// the audit log, on a connection its owner opened. SQL that SQLite and
// PostgreSQL both take. No secret is stored here in a form that can be used:
// passwords as Argon2id strings, tokens and session ids as SHA-256.
// nullopt and *error on a database error; "no such row" is not an error.
class AccountStore
{
public:
    struct User
    {
        qint64 id = 0;
        QString name;
        Role role = Role::Viewer;
        QByteArray passwordHash;
        qint64 createdAt = 0;
        qint64 updatedAt = 0;
        qint64 lastLogin = 0; // 0: never
    };
    struct Token
    {
        qint64 id = 0;
        qint64 userId = 0;
        QString user;
        QString name;
        Role role = Role::Viewer;
        qint64 createdAt = 0;
        qint64 expiresAt = 0; // 0: never
        qint64 revokedAt = 0; // 0: not revoked
        qint64 lastUsed = 0;
    };
    struct AuditEntry
    {
        qint64 at = 0;
        QString actor;
        QString action; // "POST /api/rules/", "login", "users add"
        QString target;
        QString address; // the client's; "local" for the window and the command line
        int status = 0; // the HTTP status the action ended with
    };
    // A token or a session looked up: who it is, or why it is refused.
    struct Lookup
    {
        std::optional<Principal> principal;
        QString refusal; // "expired", "revoked", "invalid"
    };

    explicit AccountStore(QSqlDatabase db);

    std::optional<qint64> userCount(QString *error) const;
    std::optional<QList<User>> users(QString *error) const;
    std::optional<std::optional<User>> user(const QString &name, QString *error) const;
    std::optional<qint64> addUser(const QString &name, const QByteArray &passwordHash, Role role,
        qint64 nowMs, QString *error);
    // false: no such user. A new role applies to the user's tokens too (a
    // token never acts above its owner).
    std::optional<bool> setRole(const QString &name, Role role, qint64 nowMs, QString *error);
    // Ends the user's web sessions: whoever had the old password is out.
    std::optional<bool> setPassword(
        const QString &name, const QByteArray &passwordHash, qint64 nowMs, QString *error);
    // With the user's tokens and sessions.
    std::optional<bool> deleteUser(const QString &name, QString *error);

    std::optional<qint64> addToken(qint64 userId, const QString &name, const QByteArray &digest,
        Role role, qint64 nowMs, qint64 expiresAt, QString *error);
    // Of one user, or of all (userId 0); newest first.
    std::optional<QList<Token>> tokens(qint64 userId, QString *error) const;
    std::optional<std::optional<Token>> token(qint64 id, QString *error) const;
    std::optional<bool> revokeToken(qint64 id, qint64 nowMs, QString *error);
    std::optional<Lookup> byToken(const QByteArray &digest, qint64 nowMs, QString *error) const;
    // When tokens were last used (token id -> ms), in one transaction that
    // waits at most waitMs for the write lock: false when it was not had
    // (try again later) or on error.
    bool noteTokensUsed(const QHash<qint64, qint64> &uses, int waitMs, QString *error);

    // With the user's last_login. Waits at most waitMs for the write lock.
    bool addSession(const QByteArray &digest, qint64 userId, const QByteArray &csrf,
        const QString &address, qint64 nowMs, qint64 expiresAt, int waitMs, QString *error);
    std::optional<Lookup> bySession(const QByteArray &digest, qint64 nowMs, QString *error) const;
    bool deleteSession(const QByteArray &digest, int waitMs, QString *error);
    // Sessions past their expiry; returns how many went.
    std::optional<int> deleteExpiredSessions(qint64 nowMs, int waitMs, QString *error);

    // The entries in one transaction that waits at most waitMs for the
    // write lock: false when it was not had (try again later) or on error.
    bool audit(const QList<AuditEntry> &entries, int waitMs, QString *error);
    // Entries older than `beforeMs`; returns how many went.
    std::optional<int> deleteAuditBefore(qint64 beforeMs, int waitMs, QString *error);
    // Newest first.
    std::optional<QList<AuditEntry>> auditLog(int limit, QString *error) const;

private:
    bool exec(QSqlQuery &query, QString *error) const;
    // `sql`, a DELETE with one bound value, in a transaction; how many rows went.
    std::optional<int> deleteWhere(const QString &sql, qint64 bound, int waitMs, QString *error);
    // `body` in a write transaction had within waitMs; rolled back when it fails.
    bool transact(int waitMs, QString *error, const std::function<bool(QSqlQuery &)> &body);
    QSqlDatabase m_db;
};

} // namespace dmr::console
