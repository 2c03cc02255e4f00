// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/AcceptedReport.h"
#include "ingest/DeviceAdoption.h"
#include "ingest/SequenceWindow.h"

#include <QList>
#include <functional>
#include <string>
#include <unordered_map>

namespace dmr::console {

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

    // Runs before the current one whose windows are kept, so that a replay
    // of an older run's datagram is still recognised.
    static constexpr std::size_t kPreviousRuns = 3;

    explicit DeviceRegistry(Clock clock = {});

    // Seeds the registry with devices read from the database at start: what
    // is stored of each device's run counts as received, the rest is welcome.
    void restore(const QList<DeviceSnapshot> &devices);
    // Forgets that a report was received (it was dropped before it reached
    // the disk), so that the agent's resend of it is accepted.
    void forget(const std::string &deviceId, quint32 runId, quint64 sequence);

    // Forgets a deleted device, if `uuid` is still its uuid: a report of
    // its device_id makes a new device (a new uuid, counters from nothing).
    bool remove(const std::string &deviceId, const QString &uuid);
    // Device `from` (if `fromUuid` is still its uuid) was merged into
    // `into`: `into` takes over its counters and the earlier first sight, and
    // `from` is forgotten as by remove(). The snapshot of `into` afterwards in
    // *snapshot; false when `into` is not known.
    bool absorb(const std::string &into, const std::string &from, const QString &fromUuid,
        DeviceSnapshot *snapshot);
    // Another console registered the device first (DeviceAdoption): it takes
    // the stored uuid, and the stored counters are added to what was counted
    // here. The snapshot afterwards in *snapshot; false when the device is
    // not known or already has another uuid than the local one.
    bool adopt(const DeviceAdoption &adoption, DeviceSnapshot *snapshot);

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
    struct Run
    {
        quint32 id = 0;
        SequenceWindow window;
    };
    struct Entry
    {
        DeviceSnapshot snapshot;
        SequenceWindow window; // of snapshot.runId
        std::vector<Run> previous; // newest first, at most kPreviousRuns
    };
    static SequenceWindow *windowOf(Entry &entry, quint32 runId);

    Clock m_clock;
    std::unordered_map<std::string, Entry> m_devices;
};

} // namespace dmr::console
