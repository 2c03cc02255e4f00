// SPDX-License-Identifier: MIT
#pragma once

#include "store/StoreReader.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <vector>

namespace dmr::console {

// Every device with its newest metrics, kept in memory on the HTTP thread:
// loaded once from the database, then kept current from ingest's signals, so
// that listing a thousand devices costs no SQL at all (DeviceListBody
// serializes the whole list).
class DeviceCache
{
public:
    explicit DeviceCache(int offlineAfterSeconds);

    void reset(const QList<DeviceOverview> &devices);
    // The registry's view of devices (uuid, counters, last_seen).
    void updateDevices(const QList<DeviceSnapshot> &devices);
    // Newest values; a late report older than what is shown changes nothing.
    void updateReports(const QList<AcceptedReport> &reports);
    void setDatabaseId(const QString &uuid, qint64 id);
    void setDisplayName(const QString &uuid, const QString &displayName);
    void setLabels(const QString &uuid, const QMap<QString, QString> &labels);
    // The store's view (StoreReader::fleet), for devices other consoles on a
    // shared database write: new ones appear, and a device whose stored
    // report is newer than the one here takes the store's values. A uuid
    // this console made for a device another console had registered (a
    // DeviceAdoption) goes. The uuids whose stored report is newer than the
    // cache's, for their interfaces to be read (updateInterfaces).
    QList<QPair<qint64, qint64>> refresh(const QList<DeviceOverview> &stored);
    // Interfaces of the newest report, by devices.id.
    void updateInterfaces(const QHash<qint64, std::vector<dmr::InterfaceSample>> &interfaces);
    // The store deleted the device: it goes, and updates about it that were
    // on their way (ingest's, from before it heard) are ignored. Its uuid is
    // never given again: a device that reports after a deletion is a new one.
    void remove(const QString &uuid);
    // The store merged `from` into `stored` (as read back after the merge):
    // `from` goes as by remove(), the other takes the store's name and
    // counters unless ingest's are newer.
    void merge(const QString &from, const DeviceOverview &stored);

    const DeviceOverview *find(const QString &uuid) const;
    // Sorted by name (display name, else hostname), then device_id. An empty
    // text matches all; else a case-insensitive substring of uuid, device_id,
    // hostname or display name.
    std::vector<const DeviceOverview *> search(const QString &text) const;
    bool isOnline(const DeviceOverview &device, qint64 nowMs) const;
    int size() const { return int(m_devices.size()); }
    int offlineAfterSeconds() const { return m_offlineAfterSeconds; }
    // Grows with every change, so a copy can tell that it is behind.
    quint64 version() const { return m_version; }
    // A copy of every device, in search()'s order.
    std::vector<DeviceOverview> sorted() const;

    // The JSON array of these devices, online as of nowMs.
    static QByteArray toJson(
        const std::vector<const DeviceOverview *> &devices, int offlineAfterSeconds, qint64 nowMs);

private:
    int m_offlineAfterSeconds;
    QHash<QString, DeviceOverview> m_devices; // by uuid
    QSet<QString> m_removed; // uuids of deleted and merged devices
    quint64 m_version = 0;
};

} // namespace dmr::console
