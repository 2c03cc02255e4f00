// SPDX-License-Identifier: MIT
#pragma once

#include "Datagram.h"
#include "DeviceRegistry.h"

#include <QElapsedTimer>
#include <QObject>

struct IngestCounters;
class ReportQueue;

// Turns datagrams into accepted reports: decodes and validates them, asks
// the registry about the device and its sequence, counts every refusal by
// reason and hands the accepted ones to the writer's queue. Lives on the
// receiver's thread.
class Ingest : public QObject
{
    Q_OBJECT
public:
    Ingest(ReportQueue *queue, IngestCounters *counters, DeviceRegistry::Clock clock = {},
        QObject *parent = nullptr);

    void restore(const QList<DeviceSnapshot> &devices) { m_registry.restore(devices); }
    const DeviceRegistry &registry() const { return m_registry; }

    // A report that arrived over HTTP, already validated there: the registry
    // and the writer's queue take it like a datagram's. Returns the device
    // afterwards. Call on the ingest thread.
    DeviceSnapshot submit(const AcceptedReport &report, DeviceRegistry::Source source);

public slots:
    void ingest(const DatagramBatch &batch);

signals:
    // Devices seen in a batch, newest state; for live views.
    void devicesUpdated(const QList<DeviceSnapshot> &devices);
    // The newest accepted report of each device in a batch, for views that
    // show current values without asking the database (the HTTP API's cache).
    // Only built while something is connected.
    void reportsAccepted(const QList<AcceptedReport> &reports);

private:
    void queue(std::vector<AcceptedReport> accepted);
    void logRejection(const Datagram &datagram, const QString &why);

    ReportQueue *m_queue;
    IngestCounters *m_counters;
    DeviceRegistry m_registry;
    QElapsedTimer m_logWindow;
    QElapsedTimer m_dropLog;
    int m_loggedInWindow = 0;
    quint64 m_suppressed = 0;
};
