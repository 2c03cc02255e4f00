// SPDX-License-Identifier: MIT
#include "http/DeviceCache.h"

#include "http/ApiJson.h"
#include "ingest/DeviceRegistry.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>

namespace dmr::console {

DeviceCache::DeviceCache(int offlineAfterSeconds)
    : m_offlineAfterSeconds(offlineAfterSeconds)
{ }

void DeviceCache::reset(const QList<DeviceOverview> &devices)
{
    m_devices.clear();
    for (const DeviceOverview &overview : devices)
        m_devices.insert(overview.device.uuid, overview);
    ++m_version;
}

QList<QPair<qint64, qint64>> DeviceCache::refresh(const QList<DeviceOverview> &stored)
{
    QList<QPair<qint64, qint64>> newer; // (devices.id, ts) of reports to read interfaces of
    QHash<QString, QString> uuidOf; // device_id -> stored uuid
    for (const DeviceOverview &row : stored) {
        uuidOf.insert(row.device.deviceId, row.device.uuid);
        if (m_removed.contains(row.device.uuid))
            continue;
        auto it = m_devices.find(row.device.uuid);
        if (it == m_devices.end()) {
            it = m_devices.insert(row.device.uuid, row);
            if (row.latestTs > 0)
                newer.append({row.id, row.latestTs});
            continue;
        }
        DeviceOverview &cached = *it;
        cached.id = row.id;
        cached.displayName = row.displayName;
        cached.labels = row.labels;
        if (row.device.lastSeen > cached.device.lastSeen)
            cached.device = row.device;
        if (row.latestTs > cached.latestTs) {
            cached.latestTs = row.latestTs;
            cached.system = row.system;
            newer.append({row.id, row.latestTs});
        }
    }
    for (auto it = m_devices.begin(); it != m_devices.end();) {
        const auto storedUuid = uuidOf.constFind(it->device.deviceId);
        if (storedUuid != uuidOf.cend() && *storedUuid != it.key())
            it = m_devices.erase(it); // an alias of the stored device
        else
            ++it;
    }
    ++m_version;
    return newer;
}

void DeviceCache::updateInterfaces(
    const QHash<qint64, std::vector<dmr::InterfaceSample>> &interfaces)
{
    if (interfaces.isEmpty())
        return;
    for (DeviceOverview &overview : m_devices) {
        const auto found = interfaces.constFind(overview.id);
        if (found != interfaces.cend())
            overview.interfaces = *found;
    }
    ++m_version;
}

void DeviceCache::updateDevices(const QList<DeviceSnapshot> &devices)
{
    for (const DeviceSnapshot &device : devices) {
        if (!m_removed.contains(device.uuid))
            m_devices[device.uuid].device = device;
    }
    ++m_version;
}

void DeviceCache::updateReports(const QList<AcceptedReport> &reports)
{
    for (const AcceptedReport &accepted : reports) {
        if (m_removed.contains(accepted.device.uuid))
            continue;
        DeviceOverview &overview = m_devices[accepted.device.uuid];
        overview.device = accepted.device;
        const qint64 ts = accepted.report.sampleTimeMs;
        if (ts < overview.latestTs)
            continue;
        if (accepted.hasSystem) {
            overview.latestTs = ts;
            overview.system = accepted.report.system;
        }
        if (!accepted.report.interfaces.empty())
            overview.interfaces = accepted.report.interfaces;
    }
    ++m_version;
}

void DeviceCache::setDatabaseId(const QString &uuid, qint64 id)
{
    const auto it = m_devices.find(uuid);
    if (it != m_devices.end())
        it->id = id;
}

void DeviceCache::setDisplayName(const QString &uuid, const QString &displayName)
{
    const auto it = m_devices.find(uuid);
    if (it == m_devices.end())
        return;
    it->displayName = displayName;
    ++m_version;
}

void DeviceCache::setLabels(const QString &uuid, const QMap<QString, QString> &labels)
{
    const auto it = m_devices.find(uuid);
    if (it == m_devices.end() || it->labels == labels)
        return;
    it->labels = labels;
    ++m_version;
}

void DeviceCache::remove(const QString &uuid)
{
    m_removed.insert(uuid);
    m_devices.remove(uuid);
    ++m_version;
}

void DeviceCache::merge(const QString &from, const DeviceOverview &stored)
{
    remove(from);
    const auto it = m_devices.find(stored.device.uuid);
    if (it == m_devices.end())
        return;
    DeviceSnapshot &d = it->device;
    // Ingest adds the merged device's counters too, and may have done so
    // already; the larger is the newer.
    d.reportsReceived = std::max(d.reportsReceived, stored.device.reportsReceived);
    d.reportsLost = std::max(d.reportsLost, stored.device.reportsLost);
    d.createdAt = std::min(d.createdAt, stored.device.createdAt);
    it->displayName = stored.displayName;
    it->id = stored.id;
    ++m_version;
}

const DeviceOverview *DeviceCache::find(const QString &uuid) const
{
    const auto it = m_devices.constFind(uuid);
    return it == m_devices.constEnd() ? nullptr : &*it;
}

std::vector<const DeviceOverview *> DeviceCache::search(const QString &text) const
{
    std::vector<const DeviceOverview *> found;
    found.reserve(std::size_t(m_devices.size()));
    for (const DeviceOverview &overview : m_devices) {
        const DeviceSnapshot &d = overview.device;
        if (text.isEmpty() || d.uuid.contains(text, Qt::CaseInsensitive)
            || d.deviceId.contains(text, Qt::CaseInsensitive)
            || d.hostname.contains(text, Qt::CaseInsensitive)
            || overview.displayName.contains(text, Qt::CaseInsensitive))
            found.push_back(&overview);
    }
    const auto shown = [](const DeviceOverview *o) -> const QString & {
        return o->displayName.isEmpty() ? o->device.hostname : o->displayName;
    };
    std::sort(
        found.begin(), found.end(), [&shown](const DeviceOverview *a, const DeviceOverview *b) {
            const int byName = shown(a).compare(shown(b));
            return byName != 0 ? byName < 0 : a->device.deviceId < b->device.deviceId;
        });
    return found;
}

bool DeviceCache::isOnline(const DeviceOverview &device, qint64 nowMs) const
{
    return DeviceRegistry::isOnline(device.device, nowMs, m_offlineAfterSeconds);
}

QByteArray DeviceCache::toJson(
    const std::vector<const DeviceOverview *> &devices, int offlineAfterSeconds, qint64 nowMs)
{
    QJsonArray array;
    for (const DeviceOverview *overview : devices) {
        array.append(ApiJson::device(
            *overview, DeviceRegistry::isOnline(overview->device, nowMs, offlineAfterSeconds)));
    }
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

std::vector<DeviceOverview> DeviceCache::sorted() const
{
    std::vector<DeviceOverview> copy;
    copy.reserve(std::size_t(m_devices.size()));
    for (const DeviceOverview *overview : search(QString()))
        copy.push_back(*overview);
    return copy;
}

} // namespace dmr::console
