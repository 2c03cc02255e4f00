// SPDX-License-Identifier: MIT
#include "alerts/Presence.h"

#include <algorithm>

namespace dmr::console {

QString presenceName(PresenceState state)
{
    switch (state) {
    case PresenceState::NeverSeen:
        return QStringLiteral("never_seen");
    case PresenceState::Live:
        return QStringLiteral("live");
    case PresenceState::Late:
        return QStringLiteral("late");
    case PresenceState::Offline:
        return QStringLiteral("offline");
    case PresenceState::Maintenance:
        return QStringLiteral("maintenance");
    }
    return QString();
}

Presence::Presence(int offlineAfterSeconds)
    : m_offlineAfterSeconds(offlineAfterSeconds)
{ }

namespace {

qint64 thresholdMs(const Presence::Device &device, int offlineAfterSeconds)
{
    return std::max(qint64(offlineAfterSeconds) * 1000, 3 * device.intervalMs);
}

} // namespace

qint64 Presence::offlineAfterMs(const Device &device) const
{
    return thresholdMs(device, m_offlineAfterSeconds);
}

PresenceState Presence::stateOf(const Device &device, qint64 nowMs, int offlineAfterSeconds)
{
    if (device.maintenanceUntil > nowMs)
        return PresenceState::Maintenance;
    if (device.lastSeen <= 0)
        return PresenceState::NeverSeen;
    const qint64 silent = nowMs - device.lastSeen;
    if (silent > thresholdMs(device, offlineAfterSeconds))
        return PresenceState::Offline;
    // Late once a report is overdue by half an interval (clocks and
    // networks jitter): one is missing.
    if (silent > device.intervalMs + device.intervalMs / 2)
        return PresenceState::Late;
    return PresenceState::Live;
}

PresenceState Presence::state(const QString &uuid, qint64 nowMs) const
{
    const auto it = m_devices.constFind(uuid);
    return it == m_devices.cend() ? PresenceState::NeverSeen
                                  : stateOf(*it, nowMs, m_offlineAfterSeconds);
}

void Presence::restore(const QString &uuid, const Device &device)
{
    m_devices.insert(uuid, device);
}

std::optional<Presence::Change> Presence::seen(const QString &uuid, qint64 intervalMs, qint64 nowMs)
{
    Device &device = m_devices[uuid];
    device.lastSeen = nowMs;
    if (intervalMs > 0)
        device.intervalMs = intervalMs;
    if (!device.offline)
        return std::nullopt;
    device.offline = false;
    Change change {uuid, false, nowMs, device.outageStart};
    device.outageStart = 0;
    return change;
}

void Presence::setMaintenance(const QString &uuid, qint64 untilMs)
{
    m_devices[uuid].maintenanceUntil = untilMs;
}

QList<Presence::Change> Presence::tick(qint64 nowMs)
{
    QList<Change> changes;
    for (auto it = m_devices.begin(); it != m_devices.end(); ++it) {
        Device &device = *it;
        if (device.offline || device.lastSeen <= 0
            || nowMs - device.lastSeen <= offlineAfterMs(device))
            continue;
        device.offline = true;
        device.outageStart = device.lastSeen + device.intervalMs;
        changes.append({it.key(), true, device.outageStart, device.outageStart});
    }
    return changes;
}

} // namespace dmr::console
