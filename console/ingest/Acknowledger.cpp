// SPDX-License-Identifier: MIT
#include "ingest/Acknowledger.h"

#include "dmr/Codec.h"

#include <QDateTime>
#include <QTimer>

namespace dmr::console {

Acknowledger::Acknowledger(int intervalMs, Clock clock, QObject *parent)
    : QObject(parent)
    , m_intervalMs(intervalMs)
    , m_clock(clock ? std::move(clock) : Clock([] { return QDateTime::currentMSecsSinceEpoch(); }))
{
    qRegisterMetaType<DatagramBatch>();
    qRegisterMetaType<QList<StoredRun>>();
}

void Acknowledger::start()
{
    if (m_intervalMs <= 0 || m_timer)
        return;
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &Acknowledger::sendDue);
    m_timer->start(m_intervalMs);
}

void Acknowledger::stop()
{
    delete m_timer;
    m_timer = nullptr;
}

void Acknowledger::noteReturnPaths(const QList<DeviceReturnPath> &paths)
{
    for (const DeviceReturnPath &path : paths) {
        Peer &peer = m_peers[path.deviceId];
        peer.path = path;
        peer.hasPath = true;
        peer.heard = true;
    }
}

void Acknowledger::noteStored(const QList<StoredRun> &runs)
{
    for (const StoredRun &run : runs) {
        Peer &peer = m_peers[run.deviceId];
        peer.run = run;
        peer.hasRun = true;
        peer.changed = true;
    }
}

void Acknowledger::sendDue()
{
    DatagramBatch out;
    const qint64 now = m_clock();
    for (Peer &peer : m_peers) {
        if (!peer.hasPath || !peer.hasRun || !(peer.heard || peer.changed))
            continue;
        dmr::Ack ack;
        ack.runId = peer.run.runId;
        ack.contiguous = peer.run.window.contiguous();
        ack.storedAbove = peer.run.window.bitsAbove();
        const std::string bytes = dmr::seal(
            dmr::PayloadKind::Ack, dmr::encodeAck(ack), peer.path.security, &peer.path.key, now);
        Datagram datagram;
        datagram.bytes = QByteArray(bytes.data(), qsizetype(bytes.size()));
        datagram.sender = peer.path.address;
        datagram.senderPort = peer.path.port;
        out.append(std::move(datagram));
        peer.heard = peer.changed = false;
    }
    if (!out.isEmpty())
        emit acknowledgementsReady(out);
}

} // namespace dmr::console
