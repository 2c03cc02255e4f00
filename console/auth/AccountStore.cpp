// SPDX-License-Identifier: MIT
#include "auth/AccountStore.h"

#include "store/SqlConnection.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>
#include <algorithm>

namespace dmr::console {

namespace {

Role roleOr(const QVariant &value, Role fallback)
{
    return parseRole(value.toString()).value_or(fallback);
}

// How long a change of users waits for the write lock.
constexpr int kWaitMs = 5000;

const char *const kUserColumns = "SELECT id, name, role, password_hash, created_at, updated_at,"
                                 " last_login FROM users";

AccountStore::User userOf(const QSqlQuery &query)
{
    AccountStore::User user;
    user.id = query.value(0).toLongLong();
    user.name = query.value(1).toString();
    user.role = roleOr(query.value(2), Role::Viewer);
    user.passwordHash = query.value(3).toByteArray();
    user.createdAt = query.value(4).toLongLong();
    user.updatedAt = query.value(5).toLongLong();
    user.lastLogin = query.value(6).toLongLong();
    return user;
}

} // namespace

AccountStore::AccountStore(QSqlDatabase db)
    : m_db(std::move(db))
{ }

bool AccountStore::transact(
    int waitMs, QString *error, const std::function<bool(QSqlQuery &)> &body)
{
    // At most waitMs for the write lock (1 for "not now"): the caller's
    // thread never waits out the store writer's transactions unasked.
    if (!SqlConnection::beginWrite(m_db, std::max(waitMs, 1), error))
        return false;
    QSqlQuery query(m_db);
    if (!body(query)) {
        m_db.rollback();
        return false;
    }
    if (!m_db.commit()) {
        *error = m_db.lastError().text();
        m_db.rollback();
        return false;
    }
    return true;
}

bool AccountStore::exec(QSqlQuery &query, QString *error) const
{
    if (query.exec())
        return true;
    *error = query.lastError().text();
    return false;
}

std::optional<qint64> AccountStore::userCount(QString *error) const
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM users"));
    if (!exec(query, error) || !query.next())
        return std::nullopt;
    return query.value(0).toLongLong();
}

std::optional<QList<AccountStore::User>> AccountStore::users(QString *error) const
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QLatin1String(kUserColumns) + QStringLiteral(" ORDER BY name"));
    if (!exec(query, error))
        return std::nullopt;
    QList<User> list;
    while (query.next())
        list.append(userOf(query));
    return list;
}

std::optional<std::optional<AccountStore::User>> AccountStore::user(
    const QString &name, QString *error) const
{
    QSqlQuery query(m_db);
    query.prepare(QLatin1String(kUserColumns) + QStringLiteral(" WHERE name = ?"));
    query.addBindValue(name);
    if (!exec(query, error))
        return std::nullopt;
    if (!query.next())
        return std::optional<User>();
    return std::optional<User>(userOf(query));
}

std::optional<qint64> AccountStore::addUser(
    const QString &name, const QByteArray &passwordHash, Role role, qint64 nowMs, QString *error)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO users (name, password_hash, role, created_at,"
                                 " updated_at) VALUES (?, ?, ?, ?, ?)"));
    query.addBindValue(name);
    query.addBindValue(QString::fromLatin1(passwordHash));
    query.addBindValue(roleName(role));
    query.addBindValue(nowMs);
    query.addBindValue(nowMs);
    if (!exec(query, error))
        return std::nullopt;
    QSqlQuery id(m_db);
    id.prepare(QStringLiteral("SELECT id FROM users WHERE name = ?"));
    id.addBindValue(name);
    if (!exec(id, error) || !id.next())
        return std::nullopt;
    return id.value(0).toLongLong();
}

std::optional<bool> AccountStore::setRole(
    const QString &name, Role role, qint64 nowMs, QString *error)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE users SET role = ?, updated_at = ? WHERE name = ?"));
    query.addBindValue(roleName(role));
    query.addBindValue(nowMs);
    query.addBindValue(name);
    if (!exec(query, error))
        return std::nullopt;
    return query.numRowsAffected() > 0;
}

std::optional<bool> AccountStore::setPassword(
    const QString &name, const QByteArray &passwordHash, qint64 nowMs, QString *error)
{
    bool found = false;
    const bool ok = transact(kWaitMs, error, [&](QSqlQuery &query) {
        query.prepare(
            QStringLiteral("UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?"));
        query.addBindValue(QString::fromLatin1(passwordHash));
        query.addBindValue(nowMs);
        query.addBindValue(name);
        if (!exec(query, error))
            return false;
        found = query.numRowsAffected() > 0;
        query.prepare(QStringLiteral(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = ?)"));
        query.addBindValue(name);
        return exec(query, error);
    });
    return ok ? std::optional<bool>(found) : std::nullopt;
}

std::optional<bool> AccountStore::deleteUser(const QString &name, QString *error)
{
    bool found = false;
    const bool ok = transact(kWaitMs, error, [&](QSqlQuery &query) {
        for (const char *sql : {"DELETE FROM sessions WHERE user_id IN (SELECT id FROM users"
                                " WHERE name = ?)",
                 "DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE name = ?)",
                 "DELETE FROM users WHERE name = ?"}) {
            query.prepare(QLatin1String(sql));
            query.addBindValue(name);
            if (!exec(query, error))
                return false;
            found = query.numRowsAffected() > 0; // the last: the user's row
        }
        return true;
    });
    return ok ? std::optional<bool>(found) : std::nullopt;
}

std::optional<qint64> AccountStore::addToken(qint64 userId, const QString &name,
    const QByteArray &digest, Role role, qint64 nowMs, qint64 expiresAt, QString *error)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO api_tokens (user_id, name, digest, role, created_at,"
                                 " expires_at) VALUES (?, ?, ?, ?, ?, ?)"));
    query.addBindValue(userId);
    query.addBindValue(name);
    query.addBindValue(QString::fromLatin1(digest));
    query.addBindValue(roleName(role));
    query.addBindValue(nowMs);
    query.addBindValue(expiresAt);
    if (!exec(query, error))
        return std::nullopt;
    QSqlQuery id(m_db);
    id.prepare(QStringLiteral("SELECT id FROM api_tokens WHERE digest = ?"));
    id.addBindValue(QString::fromLatin1(digest));
    if (!exec(id, error) || !id.next())
        return std::nullopt;
    return id.value(0).toLongLong();
}

namespace {

const char *const kTokenColumns
    = "SELECT t.id, t.user_id, u.name, t.name, t.role, t.created_at, t.expires_at,"
      " t.revoked_at, t.last_used, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id";

AccountStore::Token tokenOf(const QSqlQuery &query)
{
    AccountStore::Token token;
    token.id = query.value(0).toLongLong();
    token.userId = query.value(1).toLongLong();
    token.user = query.value(2).toString();
    token.name = query.value(3).toString();
    // Never above the owner's role as it is now.
    token.role
        = std::min(roleOr(query.value(4), Role::Viewer), roleOr(query.value(9), Role::Viewer));
    token.createdAt = query.value(5).toLongLong();
    token.expiresAt = query.value(6).toLongLong();
    token.revokedAt = query.value(7).toLongLong();
    token.lastUsed = query.value(8).toLongLong();
    return token;
}

} // namespace

std::optional<QList<AccountStore::Token>> AccountStore::tokens(qint64 userId, QString *error) const
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QLatin1String(kTokenColumns)
        + (userId > 0 ? QStringLiteral(" WHERE t.user_id = ?") : QString())
        + QStringLiteral(" ORDER BY t.id DESC"));
    if (userId > 0)
        query.addBindValue(userId);
    if (!exec(query, error))
        return std::nullopt;
    QList<Token> list;
    while (query.next())
        list.append(tokenOf(query));
    return list;
}

std::optional<std::optional<AccountStore::Token>> AccountStore::token(
    qint64 id, QString *error) const
{
    QSqlQuery query(m_db);
    query.prepare(QLatin1String(kTokenColumns) + QStringLiteral(" WHERE t.id = ?"));
    query.addBindValue(id);
    if (!exec(query, error))
        return std::nullopt;
    if (!query.next())
        return std::optional<Token>();
    return std::optional<Token>(tokenOf(query));
}

std::optional<bool> AccountStore::revokeToken(qint64 id, qint64 nowMs, QString *error)
{
    QSqlQuery query(m_db);
    query.prepare(
        QStringLiteral("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0"));
    query.addBindValue(nowMs);
    query.addBindValue(id);
    if (!exec(query, error))
        return std::nullopt;
    return query.numRowsAffected() > 0;
}

std::optional<AccountStore::Lookup> AccountStore::byToken(
    const QByteArray &digest, qint64 nowMs, QString *error) const
{
    QSqlQuery query(m_db);
    query.prepare(QLatin1String(kTokenColumns) + QStringLiteral(" WHERE t.digest = ?"));
    query.addBindValue(QString::fromLatin1(digest));
    if (!exec(query, error))
        return std::nullopt;
    Lookup lookup;
    if (!query.next()) {
        lookup.refusal = QStringLiteral("invalid");
        return lookup;
    }
    const Token token = tokenOf(query);
    if (token.revokedAt > 0) {
        lookup.refusal = QStringLiteral("revoked");
        return lookup;
    }
    if (token.expiresAt > 0 && token.expiresAt <= nowMs) {
        lookup.refusal = QStringLiteral("expired");
        return lookup;
    }
    Principal principal;
    principal.kind = Principal::Kind::Token;
    principal.name = token.user;
    principal.userId = token.userId;
    principal.role = token.role;
    principal.tokenId = token.id;
    lookup.principal = principal;
    return lookup;
}

bool AccountStore::noteTokensUsed(const QHash<qint64, qint64> &uses, int waitMs, QString *error)
{
    if (uses.isEmpty())
        return true;
    return transact(waitMs, error, [&](QSqlQuery &query) {
        query.prepare(QStringLiteral("UPDATE api_tokens SET last_used = ? WHERE id = ?"));
        for (auto it = uses.cbegin(); it != uses.cend(); ++it) {
            query.addBindValue(it.value());
            query.addBindValue(it.key());
            if (!exec(query, error))
                return false;
        }
        return true;
    });
}

bool AccountStore::addSession(const QByteArray &digest, qint64 userId, const QByteArray &csrf,
    const QString &address, qint64 nowMs, qint64 expiresAt, int waitMs, QString *error)
{
    return transact(waitMs, error, [&](QSqlQuery &query) {
        query.prepare(QStringLiteral("INSERT INTO sessions (digest, user_id, csrf, address,"
                                     " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)"));
        query.addBindValue(QString::fromLatin1(digest));
        query.addBindValue(userId);
        query.addBindValue(QString::fromLatin1(csrf));
        query.addBindValue(address.isNull() ? QStringLiteral("") : address.left(64));
        query.addBindValue(nowMs);
        query.addBindValue(expiresAt);
        if (!exec(query, error))
            return false;
        query.prepare(QStringLiteral("UPDATE users SET last_login = ? WHERE id = ?"));
        query.addBindValue(nowMs);
        query.addBindValue(userId);
        return exec(query, error);
    });
}

std::optional<AccountStore::Lookup> AccountStore::bySession(
    const QByteArray &digest, qint64 nowMs, QString *error) const
{
    QSqlQuery query(m_db);
    query.prepare(
        QStringLiteral("SELECT s.user_id, u.name, u.role, s.csrf, s.expires_at FROM"
                       " sessions s JOIN users u ON u.id = s.user_id WHERE s.digest = ?"));
    query.addBindValue(QString::fromLatin1(digest));
    if (!exec(query, error))
        return std::nullopt;
    Lookup lookup;
    if (!query.next()) {
        lookup.refusal = QStringLiteral("invalid");
        return lookup;
    }
    if (query.value(4).toLongLong() <= nowMs) {
        lookup.refusal = QStringLiteral("expired");
        return lookup;
    }
    Principal principal;
    principal.kind = Principal::Kind::Session;
    principal.userId = query.value(0).toLongLong();
    principal.name = query.value(1).toString();
    principal.role = roleOr(query.value(2), Role::Viewer);
    principal.csrf = query.value(3).toString();
    principal.sessionExpiresAt = query.value(4).toLongLong();
    lookup.principal = principal;
    return lookup;
}

bool AccountStore::deleteSession(const QByteArray &digest, int waitMs, QString *error)
{
    return transact(waitMs, error, [&](QSqlQuery &query) {
        query.prepare(QStringLiteral("DELETE FROM sessions WHERE digest = ?"));
        query.addBindValue(QString::fromLatin1(digest));
        return exec(query, error);
    });
}

std::optional<int> AccountStore::deleteExpiredSessions(qint64 nowMs, int waitMs, QString *error)
{
    return deleteWhere(
        QStringLiteral("DELETE FROM sessions WHERE expires_at <= ?"), nowMs, waitMs, error);
}

bool AccountStore::audit(const QList<AuditEntry> &entries, int waitMs, QString *error)
{
    if (entries.isEmpty())
        return true;
    // A null QString binds as NULL: these columns are never NULL.
    const auto text = [](const QString &value, int size) {
        return value.isNull() ? QStringLiteral("") : value.left(size);
    };
    return transact(waitMs, error, [&](QSqlQuery &query) {
        query.prepare(QStringLiteral("INSERT INTO audit_log (at, actor, action, target, address,"
                                     " status) VALUES (?, ?, ?, ?, ?, ?)"));
        for (const AuditEntry &entry : entries) {
            query.addBindValue(entry.at);
            query.addBindValue(text(entry.actor, 64));
            query.addBindValue(text(entry.action, 128));
            query.addBindValue(text(entry.target, 255));
            query.addBindValue(text(entry.address, 64));
            query.addBindValue(entry.status);
            if (!exec(query, error))
                return false;
        }
        return true;
    });
}

std::optional<int> AccountStore::deleteAuditBefore(qint64 beforeMs, int waitMs, QString *error)
{
    return deleteWhere(
        QStringLiteral("DELETE FROM audit_log WHERE at < ?"), beforeMs, waitMs, error);
}

std::optional<int> AccountStore::deleteWhere(
    const QString &sql, qint64 bound, int waitMs, QString *error)
{
    int gone = 0;
    const bool ok = transact(waitMs, error, [&](QSqlQuery &query) {
        query.prepare(sql);
        query.addBindValue(bound);
        if (!exec(query, error))
            return false;
        gone = query.numRowsAffected();
        return true;
    });
    return ok ? std::optional<int>(gone) : std::nullopt;
}

std::optional<QList<AccountStore::AuditEntry>> AccountStore::auditLog(
    int limit, QString *error) const
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT at, actor, action, target, address, status FROM"
                                 " audit_log ORDER BY id DESC LIMIT ?"));
    query.addBindValue(limit);
    if (!exec(query, error))
        return std::nullopt;
    QList<AuditEntry> list;
    while (query.next()) {
        AuditEntry entry;
        entry.at = query.value(0).toLongLong();
        entry.actor = query.value(1).toString();
        entry.action = query.value(2).toString();
        entry.target = query.value(3).toString();
        entry.address = query.value(4).toString();
        entry.status = query.value(5).toInt();
        list.append(entry);
    }
    return list;
}

} // namespace dmr::console
