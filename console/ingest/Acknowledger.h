// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/Datagram.h"
#include "ingest/Ingest.h"
#include "ingest/StoredRun.h"

#include <QHash>
#include <QObject>
#include <functional>

class QTimer;

namespace dmr::console {

// Tells agents what the console has stored, so that they forget it and
// resend the rest. Every interval, each device that reported since the last
// acknowledgement, or whose stored state changed, gets one Ack datagram for
// its current run, to the address its reports came from, protected like
// them. Lives on the ingest thread: the return paths come from ingest, the
// stored runs from the writer (queued), the datagrams go out through the
// receiver's socket.
class Acknowledger : public QObject
{
    Q_OBJECT
public:
    using Clock = std::function<qint64()>; // ms since the epoch, for the send time

    explicit Acknowledger(int intervalMs, Clock clock = {}, QObject *parent = nullptr);

    // Starts the interval timer; call on the ingest thread.
    void start();
    // Stops the timer; call on the ingest thread before it ends.
    void stop();

public slots:
    void noteReturnPaths(const QList<DeviceReturnPath> &paths);
    void noteStored(const QList<StoredRun> &runs);
    // Builds and hands on the acknowledgements due now (the timer calls it).
    void sendDue();

signals:
    void acknowledgementsReady(const DatagramBatch &datagrams);

private:
    struct Peer
    {
        DeviceReturnPath path;
        StoredRun run;
        bool hasPath = false;
        bool hasRun = false;
        bool heard = false; // reported since the last acknowledgement
        bool changed = false; // more of it stored since the last acknowledgement
    };

    int m_intervalMs;
    Clock m_clock;
    QTimer *m_timer = nullptr;
    QHash<QString, Peer> m_peers; // by device_id
};

} // namespace dmr::console
