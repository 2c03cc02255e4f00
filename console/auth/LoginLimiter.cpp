// SPDX-License-Identifier: MIT
#include "auth/LoginLimiter.h"

#include <QDateTime>
#include <algorithm>

namespace dmr::console {

LoginLimiter::LoginLimiter(Options options, Clock clock)
    : m_options(options)
    , m_clock(std::move(clock))
{ }

qint64 LoginLimiter::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

qint64 LoginLimiter::wait(Failures &failures, const QString &key, int limit, qint64 t) const
{
    const auto it = failures.find(key);
    if (it == failures.end())
        return 0;
    std::deque<qint64> &times = *it;
    while (!times.empty() && times.front() <= t - m_options.windowMs)
        times.pop_front();
    if (times.empty()) {
        failures.erase(it);
        return 0;
    }
    if (int(times.size()) < limit)
        return 0;
    // The attempt that would make it limit+1 waits for the oldest to expire.
    return times[times.size() - std::size_t(limit)] + m_options.windowMs - t;
}

qint64 LoginLimiter::retryAfterMs(const QString &address, const QString &name)
{
    const qint64 t = now();
    return std::max(wait(m_byAddress, address, m_options.failuresPerAddress, t),
        wait(m_byUser, name.toLower(), m_options.failuresPerUser, t));
}

void LoginLimiter::add(Failures &failures, const QString &key, qint64 t)
{
    if (!failures.contains(key) && failures.size() >= m_options.maxTracked) {
        // Full: forget the key whose newest failure is oldest.
        auto oldest = failures.begin();
        for (auto it = failures.begin(); it != failures.end(); ++it) {
            if (it->empty() || (!oldest->empty() && it->back() < oldest->back()))
                oldest = it;
        }
        failures.erase(oldest);
    }
    std::deque<qint64> &times = failures[key];
    times.push_back(t);
    // Only the newest `limit` matter; the rest is memory an attacker fills.
    const std::size_t keep
        = std::size_t(std::max(m_options.failuresPerAddress, m_options.failuresPerUser));
    while (times.size() > keep)
        times.pop_front();
}

void LoginLimiter::failed(const QString &address, const QString &name)
{
    const qint64 t = now();
    add(m_byAddress, address, t);
    add(m_byUser, name.toLower(), t);
}

void LoginLimiter::succeeded(const QString &address, const QString &name)
{
    m_byUser.remove(name.toLower());
    const auto it = m_byAddress.find(address);
    if (it != m_byAddress.end() && !it->empty()) {
        it->pop_back();
        if (it->empty())
            m_byAddress.erase(it);
    }
}

} // namespace dmr::console
