// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QObject>
#include <memory>

namespace dmr::console {

class DeviceCache;

// The body of GET /api/devices/ without a search: every device as JSON, and
// gzip-compressed for clients that accept it. Serializing a thousand devices
// takes tens of milliseconds, so the body is rebuilt on a pool thread from a
// copy of the cache while requests are answered with the previous one, at
// most a quarter of a second behind a change. A body over a second old is
// rebuilt before it is served, because online turns into offline with time
// alone and an occasional client must not get an old list.
class DeviceListBody : public QObject
{
public:
    struct Body
    {
        qint64 builtAtMs = 0;
        QByteArray json;
        QByteArray gzip;
    };

    explicit DeviceListBody(const DeviceCache *cache, QObject *parent = nullptr);
    ~DeviceListBody() override;

    // The newest body; starts a rebuild when it is stale. The very first call
    // builds on the calling thread, so there is always a body.
    std::shared_ptr<const Body> current(qint64 nowMs);

private:
    void startBuild(qint64 nowMs);

    const DeviceCache *m_cache;
    std::shared_ptr<const Body> m_body;
    QElapsedTimer m_age;
    quint64 m_builtVersion = 0;
    QFutureWatcher<std::shared_ptr<const DeviceListBody::Body>> m_build;
};

} // namespace dmr::console
