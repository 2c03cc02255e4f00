// SPDX-License-Identifier: MIT
#include "ingest/DeviceRegistry.h"

#include <QDateTime>
#include <QUuid>
#include <algorithm>

namespace dmr::console {

DeviceRegistry::DeviceRegistry(Clock clock)
    : m_clock(clock ? std::move(clock) : Clock([] { return QDateTime::currentMSecsSinceEpoch(); }))
{ }

void DeviceRegistry::restore(const QList<DeviceSnapshot> &devices)
{
    for (const DeviceSnapshot &device : devices) {
        Entry entry;
        entry.snapshot = device;
        entry.window = SequenceWindow::fromHex(device.storedSequence, device.storedAbove);
        m_devices[device.deviceId.toStdString()] = entry;
    }
}

SequenceWindow *DeviceRegistry::windowOf(Entry &entry, quint32 runId)
{
    if (runId == entry.snapshot.runId)
        return &entry.window;
    for (Run &run : entry.previous) {
        if (run.id == runId)
            return &run.window;
    }
    return nullptr;
}

void DeviceRegistry::forget(const std::string &deviceId, quint32 runId, quint64 sequence)
{
    const auto it = m_devices.find(deviceId);
    if (it == m_devices.end())
        return;
    if (SequenceWindow *window = windowOf(it->second, runId))
        window->remove(sequence);
}

bool DeviceRegistry::remove(const std::string &deviceId, const QString &uuid)
{
    const auto it = m_devices.find(deviceId);
    if (it == m_devices.end() || it->second.snapshot.uuid != uuid)
        return false;
    m_devices.erase(it);
    return true;
}

bool DeviceRegistry::adopt(const DeviceAdoption &adoption, DeviceSnapshot *snapshot)
{
    const auto it = m_devices.find(adoption.deviceId.toStdString());
    if (it == m_devices.end() || it->second.snapshot.uuid != adoption.localUuid)
        return false;
    DeviceSnapshot &device = it->second.snapshot;
    device.uuid = adoption.storedUuid;
    device.reportsReceived += adoption.reportsReceived;
    device.reportsLost += adoption.reportsLost;
    if (adoption.createdAt > 0)
        device.createdAt = std::min(device.createdAt, adoption.createdAt);
    *snapshot = device;
    return true;
}

bool DeviceRegistry::absorb(const std::string &into, const std::string &from,
    const QString &fromUuid, DeviceSnapshot *snapshot)
{
    const auto target = m_devices.find(into);
    if (target == m_devices.end())
        return false;
    DeviceSnapshot &device = target->second.snapshot;
    const auto source = m_devices.find(from);
    if (source != m_devices.end() && source->second.snapshot.uuid == fromUuid) {
        const DeviceSnapshot &old = source->second.snapshot;
        device.reportsReceived += old.reportsReceived;
        device.reportsLost += old.reportsLost;
        device.createdAt = std::min(device.createdAt, old.createdAt);
        m_devices.erase(source);
    }
    *snapshot = device;
    return true;
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
    } else if (SequenceWindow *window = inserted ? nullptr : windowOf(entry, report.runId)) {
        const quint64 highest = window->highest();
        switch (window->insert(report.sequence)) {
        case SequenceWindow::Insert::Duplicate:
            return Verdict::Duplicate;
        case SequenceWindow::Insert::Stale:
            return Verdict::Stale;
        case SequenceWindow::Insert::Added:
            break;
        }
        if (window == &entry.window) {
            if (report.sequence > highest) {
                device.reportsLost += report.sequence - highest - 1;
            } else if (device.reportsLost > 0) {
                // A late arrival or a resend: it was counted lost when the gap opened.
                --device.reportsLost;
            }
            device.lastSequence = window->highest();
        }
    } else {
        // A new agent run: its first datagrams before this one never arrived.
        if (!inserted && device.runId != 0) {
            entry.previous.insert(entry.previous.begin(), Run {device.runId, entry.window});
            if (entry.previous.size() > kPreviousRuns)
                entry.previous.pop_back();
        }
        device.runId = report.runId;
        device.reportsLost += report.sequence - 1;
        entry.window = SequenceWindow();
        entry.window.insert(report.sequence);
        device.lastSequence = report.sequence;
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

} // namespace dmr::console
