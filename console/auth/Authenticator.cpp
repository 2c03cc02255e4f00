// SPDX-License-Identifier: MIT
#include "auth/Authenticator.h"

#include "auth/AuthLogging.h"
#include "auth/Secret.h"

#include <QDateTime>

namespace dmr::console {

namespace {

constexpr int kMaxCached = 10000;
constexpr qint64 kTokenUseEveryMs = 60000; // last_used is a minute's news, not a write a request
constexpr qint64 kSweepEveryMs = 3600000;
// A sign-in or sign-out waits this long at most for the store writer's lock,
// on the HTTP thread; then the client is told to try again in a second.
constexpr int kSessionWaitMs = 1000;
constexpr qint64 kAuditKeepMs = 2 * 366 * 86400000LL;

} // namespace

Authenticator::Authenticator(AccountStore *store, Options options, Clock clock)
    : m_store(store)
    , m_options(std::move(options))
    , m_clock(std::move(clock))
{ }

qint64 Authenticator::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

Authenticator::Result Authenticator::authenticate(
    const QByteArray &bearer, const QByteArray &sessionId)
{
    const qint64 t = now();
    if (!bearer.isEmpty()) {
        Result result;
        if (!m_options.legacyToken.isEmpty() && Secret::equal(bearer, m_options.legacyToken)) {
            Principal principal;
            principal.kind = Principal::Kind::LegacyToken;
            principal.name = QStringLiteral("api");
            principal.role = Role::Admin;
            result.principal = principal;
            return result;
        }
        if (!m_options.scrapeToken.isEmpty() && Secret::equal(bearer, m_options.scrapeToken)) {
            Principal principal;
            principal.kind = Principal::Kind::ScrapeToken;
            principal.name = QStringLiteral("scrape");
            result.principal = principal;
            return result;
        }
        const QByteArray digest = Secret::digest(bearer);
        return lookUp("t" + digest, true, digest, t);
    }
    if (!sessionId.isEmpty()) {
        const QByteArray digest = Secret::digest(sessionId);
        return lookUp("s" + digest, false, digest, t);
    }
    return {};
}

Authenticator::Result Authenticator::lookUp(
    const QByteArray &key, bool token, const QByteArray &digest, qint64 t)
{
    Result result;
    auto cached = m_cache.constFind(key);
    AccountStore::Lookup lookup;
    if (cached != m_cache.cend() && t - cached->at < m_options.cacheMs) {
        lookup = cached->lookup;
    } else {
        QString error;
        const std::optional<AccountStore::Lookup> found
            = token ? m_store->byToken(digest, t, &error) : m_store->bySession(digest, t, &error);
        if (!found) {
            qCWarning(
                lcAuth, "cannot look up a %s: %s", token ? "token" : "session", qPrintable(error));
            result.databaseError = true;
            result.refusal = QStringLiteral("the accounts database cannot be read");
            return result;
        }
        lookup = *found;
        // Only what was found: unknown ones would let anyone fill memory.
        if (lookup.principal) {
            if (m_cache.size() >= kMaxCached)
                m_cache.clear();
            m_cache.insert(key, {lookup, t});
        }
    }
    if (!lookup.principal) {
        result.refusal = QStringLiteral("%1 %2").arg(
            lookup.refusal, token ? QStringLiteral("token") : QStringLiteral("session"));
        return result;
    }
    // A cached session may have expired since.
    if (!token && lookup.principal->sessionExpiresAt <= t) {
        m_cache.remove(key);
        result.refusal = QStringLiteral("expired session");
        return result;
    }
    if (token && m_tokenUses.size() < kMaxCached)
        m_tokenUses.insert(lookup.principal->tokenId, t);
    result.principal = lookup.principal;
    return result;
}

void Authenticator::flushTokenUse(int waitMs, bool force)
{
    const qint64 t = now();
    if (m_tokenUses.isEmpty() || (!force && t - m_tokenUsesWrittenAt < kTokenUseEveryMs))
        return;
    QString error;
    if (!m_store->noteTokensUsed(m_tokenUses, waitMs, &error)) {
        qCDebug(lcAuth, "token uses wait: %s", qPrintable(error));
        return;
    }
    m_tokenUses.clear();
    m_tokenUsesWrittenAt = t;
}

std::optional<Authenticator::NewSession> Authenticator::startSession(
    qint64 userId, const QString &address, QString *error)
{
    const qint64 t = now();
    if (t - m_expiredSweptAt > kSweepEveryMs) {
        m_expiredSweptAt = t;
        QString why;
        if (const std::optional<int> gone = m_store->deleteExpiredSessions(t, 1, &why); !gone)
            qCWarning(lcAuth, "cannot delete expired sessions: %s", qPrintable(why));
        // The audit log keeps two years, bounded however long the console runs.
        if (const std::optional<int> gone = m_store->deleteAuditBefore(t - kAuditKeepMs, 1, &why);
            !gone)
            qCWarning(lcAuth, "cannot delete old audit entries: %s", qPrintable(why));
        else if (*gone > 0)
            qCInfo(lcAuth, "deleted %d audit entries older than two years", *gone);
    }
    NewSession session;
    session.id = Secret::randomToken();
    session.csrf = Secret::randomToken();
    session.expiresAt = t + m_options.sessionMs;
    if (session.id.isEmpty() || session.csrf.isEmpty()) {
        *error = QStringLiteral("no randomness to make a session with");
        return std::nullopt;
    }
    if (!m_store->addSession(Secret::digest(session.id), userId, session.csrf, address, t,
            session.expiresAt, kSessionWaitMs, error))
        return std::nullopt;
    return session;
}

bool Authenticator::endSession(const QByteArray &sessionId, QString *error)
{
    const QByteArray digest = Secret::digest(sessionId);
    m_cache.remove("s" + digest);
    return m_store->deleteSession(digest, kSessionWaitMs, error);
}

} // namespace dmr::console
