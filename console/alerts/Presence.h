// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <optional>

namespace dmr::console {

// Where a device is, beyond online and offline.
enum class PresenceState {
    NeverSeen, // known (registered) but no report yet
    Live, // reporting on time
    Late, // a report is overdue, but not for as long as makes it offline
    Offline, // silent for max(offline-after, 3 x its interval): DESIGN.md's rule
    Maintenance, // a person said so, until an end time: no alerts
};

QString presenceName(PresenceState state);

// Follows every device's last report and tells when one goes offline and
// when it comes back: the outages. Times are the console's clock, ms.
class Presence
{
public:
    struct Device
    {
        qint64 lastSeen = 0; // 0: never
        qint64 intervalMs = 10000;
        qint64 maintenanceUntil = 0;
        bool offline = false; // as last told
        qint64 outageStart = 0; // while offline: the first report missed
    };
    struct Change
    {
        QString uuid;
        bool offline = false;
        // Going offline: when the first missing report was due (the outage's
        // start). Coming back: when the report arrived (its end).
        qint64 at = 0;
        qint64 outageStart = 0; // coming back: the outage that ends
    };

    explicit Presence(int offlineAfterSeconds = 60);

    static PresenceState stateOf(const Device &device, qint64 nowMs, int offlineAfterSeconds);
    PresenceState state(const QString &uuid, qint64 nowMs) const;
    qint64 offlineAfterMs(const Device &device) const;

    // A device known from the database; `offlineSince` > 0 restores an open outage.
    void restore(const QString &uuid, const Device &device);
    // A report arrived at nowMs; a Change when it ends an outage.
    std::optional<Change> seen(const QString &uuid, qint64 intervalMs, qint64 nowMs);
    void setMaintenance(const QString &uuid, qint64 untilMs);
    void forget(const QString &uuid) { m_devices.remove(uuid); }
    // The devices that went offline since the last call.
    QList<Change> tick(qint64 nowMs);

    const QHash<QString, Device> &devices() const { return m_devices; }

private:
    int m_offlineAfterSeconds;
    QHash<QString, Device> m_devices;
};

} // namespace dmr::console
