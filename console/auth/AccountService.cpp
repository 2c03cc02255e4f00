// SPDX-License-Identifier: MIT
#include "auth/AccountService.h"

#include "auth/AuthLogging.h"
#include "auth/Secret.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace dmr::console {

namespace {

constexpr qint64 kDayMs = 86400000;
constexpr int kMaxTokenDays = 3650;
constexpr int kMaxAuditQueued = 10000;

QJsonValue time(qint64 ms)
{
    if (ms <= 0)
        return QJsonValue();
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

AccountReply reply(int status, const QJsonValue &value)
{
    const QJsonDocument document
        = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    return {status, document.toJson(QJsonDocument::Compact)};
}

AccountReply error(int status, const QString &message)
{
    return reply(status, QJsonObject {{QStringLiteral("error"), message}});
}

AccountReply databaseError(const QString &what)
{
    qCWarning(lcAuth, "accounts: %s", qPrintable(what));
    return error(500, QStringLiteral("database error: %1").arg(what));
}

std::optional<QJsonObject> objectBody(const QByteArray &body, AccountReply *refusal)
{
    QJsonParseError parse;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parse);
    if (parse.error != QJsonParseError::NoError || !document.isObject()) {
        *refusal = error(400, QStringLiteral("the body must be a JSON object"));
        return std::nullopt;
    }
    return document.object();
}

} // namespace

AccountService::AccountService(AccountStore *store, int auditWaitMs, Clock clock)
    : m_store(store)
    , m_auditWaitMs(auditWaitMs)
    , m_clock(std::move(clock))
{ }

qint64 AccountService::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

bool AccountService::validName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9._@-]{1,64}$"));
    return pattern.match(name).hasMatch();
}

QJsonObject AccountService::userJson(const AccountStore::User &user)
{
    return {{QStringLiteral("name"), user.name}, {QStringLiteral("role"), roleName(user.role)},
        {QStringLiteral("created_at"), time(user.createdAt)},
        {QStringLiteral("updated_at"), time(user.updatedAt)},
        {QStringLiteral("last_login"), time(user.lastLogin)}};
}

QJsonObject AccountService::tokenJson(const AccountStore::Token &token, qint64 nowMs)
{
    return {{QStringLiteral("id"), double(token.id)}, {QStringLiteral("name"), token.name},
        {QStringLiteral("user"), token.user}, {QStringLiteral("role"), roleName(token.role)},
        {QStringLiteral("created_at"), time(token.createdAt)},
        {QStringLiteral("expires_at"), time(token.expiresAt)},
        {QStringLiteral("last_used"), time(token.lastUsed)},
        {QStringLiteral("revoked"), token.revokedAt > 0},
        {QStringLiteral("expired"), token.expiresAt > 0 && token.expiresAt <= nowMs}};
}

void AccountService::audit(const QString &actor, const QString &address, const QString &action,
    const QString &target, int status)
{
    AccountStore::AuditEntry entry;
    entry.at = now();
    entry.actor = actor;
    entry.action = action;
    entry.target = target;
    entry.address = address;
    entry.status = status;
    // Bounded: a database away for long loses the oldest, counted, not memory.
    if (m_auditQueue.size() >= kMaxAuditQueued) {
        m_auditQueue.removeFirst();
        if (++m_auditDropped == 1 || m_auditDropped % 1000 == 0)
            qCWarning(lcAuth, "the audit log cannot be written: %lld entries lost so far",
                qlonglong(m_auditDropped));
    }
    m_auditQueue.append(entry);
    flushAudit(m_auditWaitMs);
}

bool AccountService::flushAudit(int waitMs)
{
    if (m_auditQueue.isEmpty())
        return true;
    QString why;
    if (!m_store->audit(m_auditQueue, waitMs, &why)) {
        qCDebug(
            lcAuth, "%lld audit entries wait: %s", qlonglong(m_auditQueue.size()), qPrintable(why));
        return false;
    }
    m_auditQueue.clear();
    return true;
}

AccountReply AccountService::done(
    const AccountRequest &request, AccountReply answer, const QString &target)
{
    if (request.method != "GET")
        audit(request.principal.actor(), request.address,
            QString::fromLatin1(request.method) + QStringLiteral(" /api/")
                + request.path.join(QLatin1Char('/')) + QLatin1Char('/'),
            target, answer.status);
    return answer;
}

AccountReply AccountService::handle(const AccountRequest &request)
{
    const QString what = request.path.value(0);
    if (what == QLatin1String("users"))
        return users(request);
    if (what == QLatin1String("tokens"))
        return tokens(request);
    if (what == QLatin1String("audit"))
        return auditLog(request);
    return error(404, QStringLiteral("no such resource"));
}

AccountReply AccountService::addUser(const Principal &by, const QString &address,
    const QString &name, const QString &password, Role role)
{
    if (!validName(name))
        return error(400,
            QStringLiteral("a user name is 1 to 64 letters, digits, '.', '_', '@' or"
                           " '-'"));
    if (const QString problem = Secret::passwordProblem(password); !problem.isEmpty())
        return error(400, problem);
    QString why;
    const auto existing = m_store->user(name, &why);
    if (!existing)
        return databaseError(why);
    if (*existing)
        return error(409, QStringLiteral("there is a user %1 already").arg(name));
    const QByteArray hash = Secret::hashPassword(password);
    if (hash.isEmpty())
        return error(503, QStringLiteral("cannot hash the password (out of memory?)"));
    if (!m_store->addUser(name, hash, role, now(), &why))
        return databaseError(why);
    const auto added = m_store->user(name, &why);
    if (!added || !*added)
        return databaseError(why);
    qCInfo(lcAuth, "user %s (%s) added by %s", qPrintable(name), qPrintable(roleName(role)),
        qPrintable(by.actor()));
    audit(by.actor(), address, QStringLiteral("add user"), name + QLatin1Char(' ') + roleName(role),
        201);
    return reply(201, userJson(**added));
}

std::optional<bool> AccountService::isLastAdmin(const AccountStore::User &user, QString *why)
{
    if (user.role != Role::Admin)
        return false;
    const auto all = m_store->users(why);
    if (!all)
        return std::nullopt;
    return std::none_of(all->cbegin(), all->cend(), [&user](const AccountStore::User &other) {
        return other.id != user.id && other.role == Role::Admin;
    });
}

AccountReply AccountService::users(const AccountRequest &request)
{
    const Principal &by = request.principal;
    QString why;
    const QString name = request.path.value(1);
    if (name.isEmpty()) {
        if (!by.may(Role::Admin))
            return error(403, QStringLiteral("only admins manage users"));
        if (request.method == "GET") {
            const auto all = m_store->users(&why);
            if (!all)
                return databaseError(why);
            QJsonArray list;
            for (const AccountStore::User &user : *all)
                list.append(userJson(user));
            return reply(200, list);
        }
        if (request.method != "POST")
            return error(405, QStringLiteral("GET or POST /api/users/"));
        AccountReply refusal;
        const std::optional<QJsonObject> body = objectBody(request.body, &refusal);
        if (!body)
            return refusal;
        const std::optional<Role> role
            = parseRole(body->value(QLatin1String("role")).toString(QStringLiteral("viewer")));
        if (!role)
            return error(400, QStringLiteral("role is %1").arg(roleChoices()));
        // addUser audits it, with what came of it.
        return addUser(by, request.address, body->value(QLatin1String("name")).toString(),
            body->value(QLatin1String("password")).toString(), *role);
    }
    // A user may see and change their own password; the rest is an admin's.
    const bool self = by.isUser() && by.name == name;
    if (!by.may(Role::Admin) && !self)
        return error(403, QStringLiteral("only admins manage other users"));
    const auto user = m_store->user(name, &why);
    if (!user)
        return databaseError(why);
    if (!*user)
        return done(request, error(404, QStringLiteral("no user %1").arg(name)), name);
    if (request.method == "GET")
        return reply(200, userJson(**user));
    if (request.method == "PUT")
        return done(request, changeUser(request, **user), name);
    if (request.method != "DELETE")
        return error(405, QStringLiteral("GET, PUT or DELETE /api/users/{name}/"));
    if (!by.may(Role::Admin))
        return done(request, error(403, QStringLiteral("only admins delete users")), name);
    const std::optional<bool> last = isLastAdmin(**user, &why);
    if (!last)
        return databaseError(why);
    if (*last)
        return done(request,
            error(409, QStringLiteral("%1 is the last admin; make another admin first").arg(name)),
            name);
    if (!m_store->deleteUser(name, &why))
        return databaseError(why);
    qCInfo(lcAuth, "user %s deleted by %s", qPrintable(name), qPrintable(by.actor()));
    return done(request, {204, {}}, name);
}

AccountReply AccountService::changeUser(
    const AccountRequest &request, const AccountStore::User &user)
{
    const Principal &by = request.principal;
    AccountReply refusal;
    const std::optional<QJsonObject> body = objectBody(request.body, &refusal);
    if (!body)
        return refusal;
    const bool admin = by.may(Role::Admin);
    QString why;
    if (body->contains(QLatin1String("role"))) {
        if (!admin)
            return error(403, QStringLiteral("only admins change roles"));
        const std::optional<Role> role = parseRole(body->value(QLatin1String("role")).toString());
        if (!role)
            return error(400, QStringLiteral("role is %1").arg(roleChoices()));
        if (*role != Role::Admin) {
            const std::optional<bool> last = isLastAdmin(user, &why);
            if (!last)
                return databaseError(why);
            if (*last)
                return error(409,
                    QStringLiteral("%1 is the last admin; make another admin first")
                        .arg(user.name));
        }
        if (!m_store->setRole(user.name, *role, now(), &why))
            return databaseError(why);
        qCInfo(lcAuth, "user %s is %s now (by %s)", qPrintable(user.name),
            qPrintable(roleName(*role)), qPrintable(by.actor()));
    }
    if (body->contains(QLatin1String("password"))) {
        const QString password = body->value(QLatin1String("password")).toString();
        // Someone changing their own password proves they know the old one:
        // a session left open on a shared screen is not enough.
        if (!admin
            && !Secret::verifyPassword(
                user.passwordHash, body->value(QLatin1String("current_password")).toString())) {
            AccountReply refused = error(403, QStringLiteral("current_password is wrong"));
            refused.wrongPassword = true;
            return refused;
        }
        if (const QString problem = Secret::passwordProblem(password); !problem.isEmpty())
            return error(400, problem);
        const QByteArray hash = Secret::hashPassword(password);
        if (hash.isEmpty())
            return error(503, QStringLiteral("cannot hash the password (out of memory?)"));
        if (!m_store->setPassword(user.name, hash, now(), &why))
            return databaseError(why);
        qCInfo(lcAuth, "password of %s changed by %s; their sessions ended", qPrintable(user.name),
            qPrintable(by.actor()));
    }
    const auto changed = m_store->user(user.name, &why);
    if (!changed || !*changed)
        return databaseError(why);
    return reply(200, userJson(**changed));
}

AccountReply AccountService::tokens(const AccountRequest &request)
{
    const Principal &by = request.principal;
    const bool admin = by.may(Role::Admin);
    QString why;
    const QString id = request.path.value(1);
    // A token makes and revokes no tokens (an admin's aside): one handed to
    // a device could otherwise mint its owner's full rights, or revoke the
    // owner's other tokens. That is for the owner, signed in.
    if (request.method != "GET" && by.kind == Principal::Kind::Token && !admin)
        return done(request,
            error(
                403, QStringLiteral("a token cannot make or revoke tokens; sign in as its owner")),
            QString());
    if (id.isEmpty() && request.method == "GET") {
        qint64 owner = by.userId;
        if (admin) {
            owner = 0;
            const QString name = request.query.queryItemValue(QStringLiteral("user"));
            if (!name.isEmpty()) {
                const auto user = m_store->user(name, &why);
                if (!user)
                    return databaseError(why);
                if (!*user)
                    return error(404, QStringLiteral("no user %1").arg(name));
                owner = (*user)->id;
            }
        } else if (owner <= 0) {
            return error(403, QStringLiteral("tokens belong to users; sign in as one"));
        }
        const auto list = m_store->tokens(owner, &why);
        if (!list)
            return databaseError(why);
        QJsonArray array;
        const qint64 t = now();
        for (const AccountStore::Token &token : *list)
            array.append(tokenJson(token, t));
        return reply(200, array);
    }
    if (id.isEmpty() && request.method == "POST") {
        AccountReply refusal;
        const std::optional<QJsonObject> body = objectBody(request.body, &refusal);
        if (!body)
            return refusal;
        // An admin may make a token for another user (a service account);
        // anyone else, for themselves.
        QString ownerName = body->value(QLatin1String("user")).toString(by.name);
        if (!by.isUser() && !body->contains(QLatin1String("user")))
            return done(request,
                error(400, QStringLiteral("a token belongs to a user: give \"user\"")), QString());
        if (ownerName != by.name && !admin)
            return done(request, error(403, QStringLiteral("only admins make tokens for others")),
                ownerName);
        const auto owner = m_store->user(ownerName, &why);
        if (!owner)
            return databaseError(why);
        if (!*owner)
            return done(
                request, error(404, QStringLiteral("no user %1").arg(ownerName)), ownerName);
        const std::optional<Role> role
            = parseRole(body->value(QLatin1String("role")).toString(roleName((*owner)->role)));
        if (!role)
            return error(400, QStringLiteral("role is %1").arg(roleChoices()));
        if (*role > (*owner)->role)
            return done(request,
                error(403,
                    QStringLiteral("a token's role is at most its owner's (%1)")
                        .arg(roleName((*owner)->role))),
                ownerName);
        if (*role > by.role)
            return done(request,
                error(403,
                    QStringLiteral("a token's role is at most its maker's (%1)")
                        .arg(roleName(by.role))),
                ownerName);
        const QString name = body->value(QLatin1String("name")).toString().trimmed();
        if (name.isEmpty() || name.size() > 128)
            return error(400, QStringLiteral("name the token (1 to 128 characters): what uses it"));
        qint64 expiresAt = 0;
        const QJsonValue days = body->value(QLatin1String("expires_in_days"));
        if (!days.isUndefined() && !days.isNull()) {
            const double value = days.toDouble(-1);
            if (!(value > 0 && value <= kMaxTokenDays))
                return error(400,
                    QStringLiteral("expires_in_days is more than 0 and at most %1")
                        .arg(kMaxTokenDays));
            expiresAt = now() + qint64(value * double(kDayMs));
        }
        const QByteArray secret = Secret::randomToken("dmr_");
        if (secret.isEmpty())
            return error(503, QStringLiteral("no randomness to make a token with"));
        const std::optional<qint64> tokenId = m_store->addToken(
            (*owner)->id, name, Secret::digest(secret), *role, now(), expiresAt, &why);
        if (!tokenId)
            return databaseError(why);
        const auto token = m_store->token(*tokenId, &why);
        if (!token || !*token)
            return databaseError(why);
        qCInfo(lcAuth, "token %lld \"%s\" (%s) for %s made by %s", qlonglong(*tokenId),
            qPrintable(name), qPrintable(roleName(*role)), qPrintable(ownerName),
            qPrintable(by.actor()));
        QJsonObject json = tokenJson(**token, now());
        // Shown this once: only its hash is kept.
        json.insert(QStringLiteral("token"), QString::fromLatin1(secret));
        return done(request, reply(201, json),
            QStringLiteral("token %1 of %2").arg(*tokenId).arg(ownerName));
    }
    bool ok = false;
    const qint64 tokenId = id.toLongLong(&ok);
    if (!ok)
        return error(404, QStringLiteral("no token %1").arg(id));
    const auto token = m_store->token(tokenId, &why);
    if (!token)
        return databaseError(why);
    // Someone else's token is "not found" to a non-admin: nothing to learn.
    if (!*token || (!admin && (*token)->userId != by.userId))
        return done(request, error(404, QStringLiteral("no token %1").arg(id)), id);
    if (request.method == "GET")
        return reply(200, tokenJson(**token, now()));
    if (request.method != "DELETE")
        return error(405, QStringLiteral("GET or DELETE /api/tokens/{id}/"));
    if (!m_store->revokeToken(tokenId, now(), &why))
        return databaseError(why);
    qCInfo(lcAuth, "token %lld of %s revoked by %s", qlonglong(tokenId), qPrintable((*token)->user),
        qPrintable(by.actor()));
    return done(request, {204, {}}, QStringLiteral("token %1 of %2").arg(id, (*token)->user));
}

AccountReply AccountService::auditLog(const AccountRequest &request)
{
    if (!request.principal.may(Role::Admin))
        return error(403, QStringLiteral("only admins read the audit log"));
    if (request.method != "GET")
        return error(405, QStringLiteral("GET /api/audit/"));
    int limit = 200;
    if (request.query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = request.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > 10000)
            return error(400, QStringLiteral("limit is 1 to 10000"));
    }
    // What waits to be written is part of the log.
    flushAudit(2000);
    QString why;
    const auto entries = m_store->auditLog(limit, &why);
    if (!entries)
        return databaseError(why);
    QJsonArray list;
    for (const AccountStore::AuditEntry &entry : *entries) {
        list.append(QJsonObject {{QStringLiteral("at"), time(entry.at)},
            {QStringLiteral("user"), entry.actor}, {QStringLiteral("action"), entry.action},
            {QStringLiteral("target"), entry.target}, {QStringLiteral("address"), entry.address},
            {QStringLiteral("status"), entry.status}});
    }
    return reply(200, list);
}

} // namespace dmr::console
