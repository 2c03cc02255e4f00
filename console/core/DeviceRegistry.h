// SPDX-License-Identifier: MIT
#pragma once

#include "AcceptedReport.h"

#include <QList>
#include <functional>
#include <string>
#include <unordered_map>

// Every device the console knows, by device_id: its uuid, when it was first
// and last seen, and the sequence bookkeeping that counts lost datagrams and
// refuses duplicates. Lives on the ingest thread; not thread-safe.
class DeviceRegistry
{
public:
    using Clock = std::function<qint64()>; // ms since the epoch

    enum class Verdict { Accepted, Duplicate, Stale };

    // Datagrams carry an agent run and sequence; reports submitted over HTTP
    // carry neither, so they leave the agent's loss bookkeeping alone. A
    // registration (a device created over HTTP without metrics) is not a report.
    enum class Source { Datagram, Http, Registration };

    static constexpr quint64 kWindow = 64; // late datagrams are accepted this far back

    explicit DeviceRegistry(Clock clock = {});

    // Seeds the registry with devices read from the database at start.
    void restore(const QList<DeviceSnapshot> &devices);

    // Records one report. On Accepted, *snapshot holds the device afterwards.
    // From HTTP, an empty hostname, a zero interval or agent version keep the
    // device's current values.
    Verdict observe(
        const dmr::Report &report, DeviceSnapshot *snapshot, Source source = Source::Datagram);

    int size() const { return static_cast<int>(m_devices.size()); }
    const DeviceSnapshot *find(const std::string &deviceId) const;
    QList<DeviceSnapshot> devices() const;

    // DESIGN.md's rule: online while the last report is younger than
    // max(offlineAfter, 3 x the device's interval).
    static bool isOnline(const DeviceSnapshot &device, qint64 nowMs, int offlineAfterSeconds = 60);

private:
    struct Entry
    {
        DeviceSnapshot snapshot;
        quint64 window = 0; // bit i set: sequence (lastSequence - i) was received
    };

    Clock m_clock;
    std::unordered_map<std::string, Entry> m_devices;
};
