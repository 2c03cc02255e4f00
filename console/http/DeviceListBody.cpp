// SPDX-License-Identifier: MIT
#include "http/DeviceListBody.h"

#include "http/DeviceCache.h"
#include "http/Gzip.h"

#include <QtConcurrent/QtConcurrentRun>

namespace dmr::console {

namespace {

constexpr qint64 kChangedAgeMs = 250;
constexpr qint64 kMaxAgeMs = 1000;

std::shared_ptr<const DeviceListBody::Body> build(
    const std::vector<DeviceOverview> &devices, int offlineAfterSeconds, qint64 nowMs)
{
    std::vector<const DeviceOverview *> list;
    list.reserve(devices.size());
    for (const DeviceOverview &overview : devices)
        list.push_back(&overview);
    auto body = std::make_shared<DeviceListBody::Body>();
    body->builtAtMs = nowMs;
    body->json = DeviceCache::toJson(list, offlineAfterSeconds, nowMs);
    body->gzip = Gzip::compress(body->json);
    return body;
}

} // namespace

DeviceListBody::DeviceListBody(const DeviceCache *cache, QObject *parent)
    : QObject(parent)
    , m_cache(cache)
{
    connect(&m_build, &QFutureWatcherBase::finished, this, [this] {
        // A request may have built a newer one meanwhile.
        const std::shared_ptr<const Body> built = m_build.result();
        if (!m_body || built->builtAtMs >= m_body->builtAtMs) {
            m_body = built;
            m_age.start();
        }
    });
}

DeviceListBody::~DeviceListBody()
{
    m_build.waitForFinished(); // the build reads nothing of ours, but owns its result
}

std::shared_ptr<const DeviceListBody::Body> DeviceListBody::current(qint64 nowMs)
{
    // Older than a second (nobody asked for a while): built now, so that an
    // occasional client never gets an old list. Under steady requests the
    // body is rebuilt in the background before it gets that old.
    if (!m_body || m_age.elapsed() >= kMaxAgeMs) {
        m_builtVersion = m_cache->version();
        m_body = build(m_cache->sorted(), m_cache->offlineAfterSeconds(), nowMs);
        m_age.start();
        return m_body;
    }
    if (m_cache->version() != m_builtVersion && m_age.elapsed() >= kChangedAgeMs
        && !m_build.isRunning())
        startBuild(nowMs);
    return m_body;
}

void DeviceListBody::startBuild(qint64 nowMs)
{
    m_builtVersion = m_cache->version();
    m_age.start(); // no second build while this one runs or right after it
    m_build.setFuture(
        QtConcurrent::run(build, m_cache->sorted(), m_cache->offlineAfterSeconds(), nowMs));
}

} // namespace dmr::console
