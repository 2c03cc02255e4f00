// SPDX-License-Identifier: MIT
#include "DeviceRegistry.h"

#include <QDateTime>
#include <QUuid>
#include <algorithm>

DeviceRegistry::DeviceRegistry(Clock clock)
    : m_clock(clock ? std::move(clock) : Clock([] { return QDateTime::currentMSecsSinceEpoch(); }))
{ }

void DeviceRegistry::restore(const QList<DeviceSnapshot> &devices)
{
    for (const DeviceSnapshot &device : devices) {
        Entry entry;
        entry.snapshot = device;
        // Only the newest sequence survives a restart; older ones count as seen.
        entry.window = device.lastSequence > 0 ? ~quint64(0) : 0;
        m_devices[device.deviceId.toStdString()] = entry;
    }
}

const DeviceSnapshot *DeviceRegistry::find(const std::string &deviceId) const
{
    const auto it = m_devices.find(deviceId);
    return it == m_devices.end() ? nullptr : &it->second.snapshot;
}

QList<DeviceSnapshot> DeviceRegistry::devices() const
{
    QList<DeviceSnapshot> list;
    list.reserve(size());
    for (const auto &entry : m_devices)
        list.append(entry.second.snapshot);
    return list;
}

bool DeviceRegistry::isOnline(const DeviceSnapshot &device, qint64 nowMs, int offlineAfterSeconds)
{
    const qint64 limitMs
        = 1000 * std::max<qint64>(offlineAfterSeconds, 3 * qint64(device.intervalSeconds));
    return device.lastSeen > 0 && nowMs - device.lastSeen < limitMs;
}

DeviceRegistry::Verdict DeviceRegistry::observe(
    const dmr::Report &report, DeviceSnapshot *snapshot, Source source)
{
    const qint64 now = m_clock();
    auto [it, inserted] = m_devices.try_emplace(report.deviceId);
    Entry &entry = it->second;
    DeviceSnapshot &device = entry.snapshot;
    if (inserted) {
        device.uuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
        device.deviceId = QString::fromStdString(report.deviceId);
        // Empty, not null: a null QString is stored as SQL NULL, and a device
        // created over HTTP may come without hostname or agent version.
        device.hostname = device.agentVersion = QLatin1String("");
        device.createdAt = now;
        device.updatedAt = now;
    }

    if (source != Source::Datagram) {
        // No sequence to account for.
    } else if (inserted || report.runId != device.runId) {
        // A new agent run: its first datagrams before this one never arrived.
        device.runId = report.runId;
        device.reportsLost += report.sequence - 1;
        device.lastSequence = report.sequence;
        entry.window = 1;
    } else if (report.sequence > device.lastSequence) {
        const quint64 advance = report.sequence - device.lastSequence;
        device.reportsLost += advance - 1;
        entry.window = advance >= kWindow ? 1 : (entry.window << advance) | 1;
        device.lastSequence = report.sequence;
    } else {
        const quint64 age = device.lastSequence - report.sequence;
        if (age >= kWindow)
            return Verdict::Stale;
        const quint64 bit = quint64(1) << age;
        if (entry.window & bit)
            return Verdict::Duplicate;
        // A late arrival that was counted lost when the gap opened.
        entry.window |= bit;
        if (device.reportsLost > 0)
            --device.reportsLost;
    }

    const bool keep = source != Source::Datagram;
    const QString hostname = keep && report.hostname.empty()
        ? device.hostname
        : QString::fromStdString(report.hostname);
    const QString agentVersion = keep && report.agentVersion == 0
        ? device.agentVersion
        : QString::fromStdString(dmr::versionString(report.agentVersion));
    const quint32 interval
        = keep && report.intervalSeconds == 0 ? device.intervalSeconds : report.intervalSeconds;
    if (hostname != device.hostname || agentVersion != device.agentVersion
        || interval != device.intervalSeconds) {
        device.hostname = hostname;
        device.agentVersion = agentVersion;
        device.intervalSeconds = interval;
        device.updatedAt = now;
    }
    if (source != Source::Registration) {
        device.lastSeen = now;
        ++device.reportsReceived;
    }
    *snapshot = device;
    return Verdict::Accepted;
}
