// SPDX-License-Identifier: MIT
#pragma once

#include "auth/AccountStore.h"
#include "auth/Principal.h"

#include <QByteArray>
#include <QHash>
#include <functional>
#include <optional>

namespace dmr::console {

// Who a request is, from what it presents: an API token (Authorization:
// Bearer), a web session's cookie, or the configured legacy and scrape
// tokens. Looks tokens and sessions up by their SHA-256 and keeps what it
// found for a moment (cacheMs), so that a page's burst of requests is one
// lookup and a revocation anywhere, another console's included, takes
// effect within that moment. Lives on one thread with its store.
class Authenticator
{
public:
    struct Options
    {
        QByteArray legacyToken; // METRICS_API_TOKEN: an admin without a user
        QByteArray scrapeToken; // METRICS_SCRAPE_TOKEN: /metrics only
        qint64 sessionMs = 12 * 3600 * 1000;
        qint64 cacheMs = 2000;
    };
    struct Result
    {
        std::optional<Principal> principal; // nullopt: anonymous or refused
        QString refusal; // why what was presented is refused; empty: nothing presented
        bool databaseError = false;
    };
    struct NewSession
    {
        QByteArray id; // the cookie's value; only its hash is stored
        QByteArray csrf;
        qint64 expiresAt = 0;
    };
    using Clock = std::function<qint64()>;

    Authenticator(AccountStore *store, Options options, Clock clock = {});

    // `bearer`: the token after "Bearer "; `sessionId`: the cookie's value.
    // A token, when there is one, wins over the cookie.
    Result authenticate(const QByteArray &bearer, const QByteArray &sessionId);
    std::optional<NewSession> startSession(qint64 userId, const QString &address, QString *error);
    bool endSession(const QByteArray &sessionId, QString *error);
    // Forgets what it looked up: after a change here (a revocation).
    void forget() { m_cache.clear(); }
    bool hasLegacyToken() const { return !m_options.legacyToken.isEmpty(); }
    // Writes when tokens were last used, at most once a minute (or now with
    // `force`), waiting at most waitMs for the database: a request never
    // waits for it.
    void flushTokenUse(int waitMs, bool force = false);
    qint64 sessionMs() const { return m_options.sessionMs; }

private:
    qint64 now() const;
    Result lookUp(const QByteArray &key, bool token, const QByteArray &digest, qint64 t);

    struct Cached
    {
        AccountStore::Lookup lookup;
        qint64 at = 0;
    };
    AccountStore *m_store;
    Options m_options;
    Clock m_clock;
    QHash<QByteArray, Cached> m_cache;
    QHash<qint64, qint64> m_tokenUses; // token id -> last use, not written yet
    qint64 m_tokenUsesWrittenAt = 0;
    qint64 m_expiredSweptAt = 0;
};

} // namespace dmr::console
