// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/FactsCache.h"
#include "dmr/Seal.h"
#include "ingest/Datagram.h"
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"

#include <QElapsedTimer>
#include <QObject>
#include <memory>
#include <optional>

namespace dmr::console {

class KeyStore;
class ReportQueue;

// What ingest demands of a datagram beyond a valid report.
struct IngestPolicy
{
    dmr::Security required = dmr::Security::None;
    std::shared_ptr<const KeyStore> keys; // may be null: no device has a key
    // Bound on |send time - now|; 0 turns the check off. Checked when the
    // datagram carries a send time or is signed or encrypted (an unprotected
    // datagram without one, from an older agent or a test, is not).
    qint64 maxClockSkewMs = 300000;
};

// Where a device's datagrams come from and how they were protected: what an
// acknowledgement to it needs.
struct DeviceReturnPath
{
    QString deviceId;
    QHostAddress address;
    quint16 port = 0;
    dmr::Security security = dmr::Security::None;
    dmr::Key key; // when security is not None
};

// Turns datagrams into accepted reports: decodes and validates them, asks
// the registry about the device and its sequence, counts every refusal by
// reason and hands the accepted ones to the writer's queue. Lives on the
// receiver's thread.
class Ingest : public QObject
{
    Q_OBJECT
public:
    Ingest(ReportQueue *queue, IngestCounters *counters, DeviceRegistry::Clock clock = {},
        IngestPolicy policy = {}, QObject *parent = nullptr);

    void restore(const QList<DeviceSnapshot> &devices) { m_registry.restore(devices); }
    // Each device's newest stored hardware: the facts its agent now sends
    // by hash only (see dmr::FactsCache::learn).
    void restoreFacts(const std::vector<std::pair<std::string, dmr::HardwareSample>> &facts)
    {
        for (const auto &[deviceId, hardware] : facts)
            m_facts.learn(deviceId, hardware);
    }
    const DeviceRegistry &registry() const { return m_registry; }

    // A report that arrived over HTTP, already validated there: the registry
    // and the writer's queue take it like a datagram's. Returns the device
    // afterwards. Call on the ingest thread.
    DeviceSnapshot submit(const AcceptedReport &report, DeviceRegistry::Source source);

public slots:
    void ingest(const DatagramBatch &batch);
    // The store deleted a device (DeviceRegistry::remove).
    void forgetDevice(const QString &deviceId, const QString &uuid);
    // The store merged device `from` into `into` (DeviceRegistry::absorb);
    // announces `into`'s new counters in devicesUpdated.
    void mergeDevices(const QString &into, const QString &from, const QString &fromUuid);
    // Devices another console registered first (DeviceRegistry::adopt);
    // announces them under their stored uuids in devicesUpdated.
    void adoptDevices(const QList<DeviceAdoption> &adoptions);

signals:
    // Devices seen in a batch, newest state; for live views.
    void devicesUpdated(const QList<DeviceSnapshot> &devices);
    // The newest accepted report of each device in a batch, for views that
    // show current values without asking the database (the HTTP API's cache).
    // Only built while something is connected.
    void reportsAccepted(const QList<AcceptedReport> &reports);
    // Where each device of a batch reported from, for acknowledgements.
    // Only built while something is connected.
    void returnPathsSeen(const QList<DeviceReturnPath> &paths);

private:
    struct Opened
    {
        dmr::Report report;
        DeviceReturnPath path;
    };
    // Envelope, key, report and clock checks; on failure counts and logs.
    std::optional<Opened> open(const Datagram &datagram);
    void reject(const Datagram &datagram, Rejection reason, const QString &why);
    void queue(std::vector<AcceptedReport> accepted);
    void logRejection(const Datagram &datagram, const QString &why);
    // Fills in the hardware facts a report carries only by hash, and counts
    // the reports whose facts this console has not heard yet.
    void resolveFacts(dmr::Report &report);

    ReportQueue *m_queue;
    IngestCounters *m_counters;
    DeviceRegistry::Clock m_clock;
    IngestPolicy m_policy;
    DeviceRegistry m_registry;
    dmr::FactsCache m_facts;
    QElapsedTimer m_logWindow;
    QElapsedTimer m_dropLog;
    int m_loggedInWindow = 0;
    quint64 m_suppressed = 0;
};

} // namespace dmr::console
