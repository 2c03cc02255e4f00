// SPDX-License-Identifier: MIT
#include "Ingest.h"

#include "IngestCounters.h"
#include "Logging.h"
#include "ReportQueue.h"
#include "dmr/Codec.h"

#include <QMetaMethod>

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

Ingest::Ingest(
    ReportQueue *queue, IngestCounters *counters, DeviceRegistry::Clock clock, QObject *parent)
    : QObject(parent)
    , m_queue(queue)
    , m_counters(counters)
    , m_registry(std::move(clock))
{
    m_logWindow.start();
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
        dmr::DecodeResult decoded
            = dmr::decode(datagram.bytes.constData(), std::size_t(datagram.bytes.size()));
        if (!decoded.ok()) {
            const Rejection reason = toRejection(decoded.reason);
            m_counters->reject(reason);
            logRejection(datagram,
                rejectionName(reason) + QStringLiteral(": ")
                    + QString::fromStdString(decoded.detail));
            continue;
        }
        AcceptedReport report;
        report.report = std::move(*decoded.report);
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
        seen.insert(report.device.uuid, int(accepted.size()));
        accepted.push_back(std::move(report));
    }
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

DeviceSnapshot Ingest::submit(const AcceptedReport &report, DeviceRegistry::Source source)
{
    AcceptedReport accepted = report;
    m_registry.observe(accepted.report, &accepted.device, source);
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
