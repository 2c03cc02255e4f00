// SPDX-License-Identifier: MIT
#include "ingest/Ingest.h"

#include "dmr/Codec.h"
#include "ingest/IngestLogging.h"
#include "ingest/KeyStore.h"
#include "ingest/ReportQueue.h"

#include <QDateTime>
#include <QMetaMethod>

namespace dmr::console {

namespace {

// Rejections logged per 10 s; the rest are only counted, so that a flood of
// garbage cannot fill the disk with log lines.
constexpr int kLogBudget = 20;

Rejection toRejection(dmr::RejectReason reason)
{
    switch (reason) {
    case dmr::RejectReason::Oversize:
        return Rejection::Oversize;
    case dmr::RejectReason::Empty:
        return Rejection::Empty;
    case dmr::RejectReason::Unsupported:
        return Rejection::Unsupported;
    case dmr::RejectReason::Invalid:
        return Rejection::Invalid;
    case dmr::RejectReason::Malformed:
    case dmr::RejectReason::None:
        break;
    }
    return Rejection::Malformed;
}

} // namespace

Ingest::Ingest(ReportQueue *queue, IngestCounters *counters, DeviceRegistry::Clock clock,
    IngestPolicy policy, QObject *parent)
    : QObject(parent)
    , m_queue(queue)
    , m_counters(counters)
    , m_clock(
          clock ? clock : DeviceRegistry::Clock([] { return QDateTime::currentMSecsSinceEpoch(); }))
    , m_policy(std::move(policy))
    , m_registry(m_clock)
{
    m_logWindow.start();
}

void Ingest::reject(const Datagram &datagram, Rejection reason, const QString &why)
{
    m_counters->reject(reason);
    logRejection(datagram, rejectionName(reason) + QStringLiteral(": ") + why);
}

std::optional<Ingest::Opened> Ingest::open(const Datagram &datagram)
{
    std::optional<dmr::Envelope> envelope
        = dmr::parseEnvelope(datagram.bytes.constData(), std::size_t(datagram.bytes.size()));
    if (!envelope || envelope->kind != dmr::PayloadKind::Report) {
        reject(datagram, Rejection::Malformed,
            envelope ? QStringLiteral("an acknowledgement, not a report")
                     : QStringLiteral("not a protobuf datagram envelope"));
        return std::nullopt;
    }
    Opened opened;
    const KeyStore::Entry *entry = nullptr;
    if (envelope->security != dmr::Security::None) {
        entry = m_policy.keys ? m_policy.keys->findKey(envelope->keyId) : nullptr;
        if (!entry) {
            reject(datagram, Rejection::UnknownDevice,
                QStringLiteral("no device has key %1 (metrics-console keys add DEVICE_ID)")
                    .arg(envelope->keyId));
            return std::nullopt;
        }
        switch (dmr::open(*envelope, entry->key)) {
        case dmr::OpenResult::Ok:
            break;
        case dmr::OpenResult::BadSignature:
            reject(datagram, Rejection::BadSignature,
                QStringLiteral("the signature does not match key %1 of device %2")
                    .arg(envelope->keyId)
                    .arg(entry->deviceId));
            return std::nullopt;
        case dmr::OpenResult::Undecryptable:
            reject(datagram, Rejection::Undecryptable,
                QStringLiteral("does not decrypt with key %1 of device %2")
                    .arg(envelope->keyId)
                    .arg(entry->deviceId));
            return std::nullopt;
        }
        opened.path.key = entry->key;
    }
    dmr::DecodeResult decoded = dmr::decodeReport(envelope->payload);
    if (!decoded.ok()) {
        const Rejection reason = toRejection(decoded.reason);
        reject(datagram, reason, QString::fromStdString(decoded.detail));
        return std::nullopt;
    }
    opened.report = std::move(*decoded.report);
    const QString deviceId = QString::fromStdString(opened.report.deviceId);
    if (entry && entry->deviceId != deviceId) {
        reject(datagram, Rejection::KeyMismatch,
            QStringLiteral("key %1 belongs to device %2, not %3")
                .arg(envelope->keyId)
                .arg(entry->deviceId, deviceId));
        return std::nullopt;
    }
    // A keyed datagram's key is this device's (checked above): its level is the device's.
    const dmr::Security deviceLevel = entry ? entry->level
        : m_policy.keys                     ? m_policy.keys->levelOf(deviceId)
                                            : dmr::Security::None;
    const dmr::Security required = std::max(m_policy.required, deviceLevel);
    if (envelope->security < required) {
        reject(datagram, Rejection::Unsigned,
            QStringLiteral("device %1 sent a %2 datagram; %3 is required")
                .arg(deviceId, QLatin1String(dmr::securityName(envelope->security)),
                    QLatin1String(dmr::securityName(required))));
        return std::nullopt;
    }
    if (m_policy.maxClockSkewMs > 0
        && (envelope->sentTimeMs != 0 || envelope->security != dmr::Security::None)) {
        const qint64 now = m_clock();
        const qint64 skew = m_policy.maxClockSkewMs;
        const qint64 sent = envelope->sentTimeMs;
        // Compared, not subtracted: the send time is any 64-bit number a
        // sender likes, and now - sent could overflow.
        if (sent < now - skew || sent > now + skew || opened.report.sampleTimeMs > now + skew) {
            reject(datagram, Rejection::ClockSkew,
                QStringLiteral("device %1 sent at %2 s from now, more than the %3 s allowed")
                    .arg(deviceId)
                    .arg((double(sent) - double(now)) / 1000.0, 0, 'g', 6)
                    .arg(skew / 1000));
            return std::nullopt;
        }
    }
    opened.path.deviceId = deviceId;
    opened.path.address = datagram.sender;
    opened.path.port = datagram.senderPort;
    opened.path.security = envelope->security;
    return opened;
}

void Ingest::logRejection(const Datagram &datagram, const QString &why)
{
    if (m_logWindow.elapsed() > 10000) {
        if (m_suppressed > 0)
            qCWarning(lcIngest, "%llu more datagrams rejected in the last 10 s (see the counters)",
                m_suppressed);
        m_logWindow.restart();
        m_loggedInWindow = 0;
        m_suppressed = 0;
    }
    if (m_loggedInWindow++ < kLogBudget)
        qCWarning(lcIngest, "rejected datagram from %s:%u: %s",
            qPrintable(datagram.sender.toString()), datagram.senderPort, qPrintable(why));
    else
        ++m_suppressed;
}

void Ingest::ingest(const DatagramBatch &batch)
{
    // Reports the writer's queue dropped may be sent again by their agents.
    for (const ReportQueue::Dropped &dropped : m_queue->takeDropped())
        m_registry.forget(dropped.deviceId, dropped.runId, dropped.sequence);
    const bool wantPaths = isSignalConnected(QMetaMethod::fromSignal(&Ingest::returnPathsSeen));
    QHash<QString, DeviceReturnPath> paths;
    std::vector<AcceptedReport> accepted;
    accepted.reserve(batch.size());
    QHash<QString, int> seen; // uuid -> index in `accepted`, for devicesUpdated
    for (const Datagram &datagram : batch) {
        m_counters->received.fetch_add(1, std::memory_order_relaxed);
        if (datagram.truncated || datagram.bytes.size() > int(dmr::kMaxDatagramSize)) {
            m_counters->reject(Rejection::Oversize);
            logRejection(datagram,
                QStringLiteral("oversize: more than %1 bytes").arg(dmr::kMaxDatagramSize));
            continue;
        }
        if (datagram.bytes.isEmpty()) {
            reject(datagram, Rejection::Empty, QStringLiteral("empty datagram"));
            continue;
        }
        std::optional<Opened> opened = open(datagram);
        if (!opened)
            continue;
        // Duplicates too: a resend whose acknowledgement was lost needs another.
        if (wantPaths)
            paths.insert(opened->path.deviceId, std::move(opened->path));
        AcceptedReport report;
        report.report = std::move(opened->report);
        switch (m_registry.observe(report.report, &report.device)) {
        case DeviceRegistry::Verdict::Accepted:
            break;
        case DeviceRegistry::Verdict::Duplicate:
            m_counters->reject(Rejection::Duplicate);
            logRejection(datagram,
                QStringLiteral("duplicate: sequence %1 of device %2 was already received")
                    .arg(report.report.sequence)
                    .arg(QString::fromStdString(report.report.deviceId)));
            continue;
        case DeviceRegistry::Verdict::Stale:
            m_counters->reject(Rejection::Stale);
            logRejection(datagram,
                QStringLiteral("stale: sequence %1 of device %2 is older than the window")
                    .arg(report.report.sequence)
                    .arg(QString::fromStdString(report.report.deviceId)));
            continue;
        }
        // After the registry: a duplicate or stale report teaches nothing.
        resolveFacts(report.report);
        const auto earlier = seen.constFind(report.device.uuid);
        if (earlier != seen.cend() && report.report.labels.empty()) {
            // Alerting hears only of each device's last report of a batch,
            // and labels come whole in few reports: an earlier one's pass on.
            AcceptedReport &before = accepted[std::size_t(*earlier)];
            if (!before.report.labels.empty()
                && before.report.labelsHash == report.report.labelsHash)
                report.report.labels = std::move(before.report.labels);
        }
        seen.insert(report.device.uuid, int(accepted.size()));
        accepted.push_back(std::move(report));
    }
    if (!paths.isEmpty())
        emit returnPathsSeen(paths.values());
    if (accepted.empty())
        return;

    QList<DeviceSnapshot> updated;
    updated.reserve(seen.size());
    for (int index : std::as_const(seen))
        updated.append(accepted[std::size_t(index)].device);
    QList<AcceptedReport> newest;
    if (isSignalConnected(QMetaMethod::fromSignal(&Ingest::reportsAccepted))) {
        newest.reserve(seen.size());
        for (int index : std::as_const(seen))
            newest.append(accepted[std::size_t(index)]);
    }
    queue(std::move(accepted));
    emit devicesUpdated(updated);
    if (!newest.isEmpty())
        emit reportsAccepted(newest);
}

void Ingest::resolveFacts(dmr::Report &report)
{
    const dmr::FactsCache::Outcome outcome = m_facts.resolve(report);
    // Filled-in facts were checked with another report's figures: a hostile
    // or broken sender could pair them with usage that does not fit (more
    // inodes used than there are). Such a report keeps its system metrics.
    if (outcome == dmr::FactsCache::Outcome::Filled
        && !dmr::validateHardware(report.hardware, false).empty()) {
        report.hardware.temperatures.clear();
        report.hardware.fileSystems.clear();
        m_counters->factsUnknown.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (outcome == dmr::FactsCache::Outcome::Unknown)
        m_counters->factsUnknown.fetch_add(1, std::memory_order_relaxed);
}

void Ingest::forgetDevice(const QString &deviceId, const QString &uuid)
{
    m_registry.remove(deviceId.toStdString(), uuid);
    m_facts.forget(deviceId.toStdString());
}

void Ingest::mergeDevices(const QString &into, const QString &from, const QString &fromUuid)
{
    // `from`'s agent now reports as `into` (or is gone); its facts, if it
    // sends them again, come under its own id with a full report.
    m_facts.forget(from.toStdString());
    DeviceSnapshot device;
    if (m_registry.absorb(into.toStdString(), from.toStdString(), fromUuid, &device))
        emit devicesUpdated({device});
}

void Ingest::adoptDevices(const QList<DeviceAdoption> &adoptions)
{
    QList<DeviceSnapshot> adopted;
    for (const DeviceAdoption &adoption : adoptions) {
        DeviceSnapshot device;
        if (m_registry.adopt(adoption, &device))
            adopted.append(device);
    }
    if (!adopted.isEmpty())
        emit devicesUpdated(adopted);
}

DeviceSnapshot Ingest::submit(const AcceptedReport &report, DeviceRegistry::Source source)
{
    AcceptedReport accepted = report;
    m_registry.observe(accepted.report, &accepted.device, source);
    resolveFacts(accepted.report);
    m_counters->received.fetch_add(1, std::memory_order_relaxed);
    const DeviceSnapshot device = accepted.device;
    std::vector<AcceptedReport> one;
    one.push_back(accepted);
    queue(std::move(one));
    emit devicesUpdated({device});
    if (source != DeviceRegistry::Source::Registration)
        emit reportsAccepted({accepted});
    return device;
}

void Ingest::queue(std::vector<AcceptedReport> accepted)
{
    m_counters->accepted.fetch_add(accepted.size(), std::memory_order_relaxed);
    if (const std::size_t dropped = m_queue->push(std::move(accepted))) {
        m_counters->dropped.fetch_add(dropped, std::memory_order_relaxed);
        // Once per 10 s at most: under a flood this would otherwise be a line per batch.
        if (!m_dropLog.isValid() || m_dropLog.elapsed() > 10000) {
            qCWarning(lcIngest,
                "writer queue full (%zu reports): dropping the oldest; %llu dropped so far",
                m_queue->capacity(), static_cast<unsigned long long>(m_counters->dropped.load()));
            m_dropLog.start();
        }
    }
}

} // namespace dmr::console
