// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QString>
#include <deque>
#include <functional>

namespace dmr::console {

// Failed logins, counted per address and per user name over a sliding
// window: past the limit, further attempts are refused without a password
// check until the oldest failure leaves the window. Per address stops one
// machine guessing many names; per name stops many machines guessing one
// (a botnet), at the price that they can keep that name out meanwhile, as
// every lockout can. In memory, per console; bounded in size.
class LoginLimiter
{
public:
    struct Options
    {
        int failuresPerAddress = 20;
        int failuresPerUser = 5;
        qint64 windowMs = 15 * 60 * 1000;
        int maxTracked = 10000; // names and addresses each; the oldest go first
    };
    using Clock = std::function<qint64()>;

    explicit LoginLimiter(Options options, Clock clock = {});

    // 0 when an attempt may be made now; else how long until it may.
    qint64 retryAfterMs(const QString &address, const QString &name);
    void failed(const QString &address, const QString &name);
    // A good password clears the name's failures, and takes back the one
    // failure its attempt was counted as from the address (an attempt is
    // counted as failed when it starts, so that attempts in flight count).
    void succeeded(const QString &address, const QString &name);

private:
    using Failures = QHash<QString, std::deque<qint64>>;
    qint64 now() const;
    qint64 wait(Failures &failures, const QString &key, int limit, qint64 t) const;
    void add(Failures &failures, const QString &key, qint64 t);

    Options m_options;
    Clock m_clock;
    Failures m_byAddress;
    Failures m_byUser;
};

} // namespace dmr::console
