// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <QByteArray>
#include <QString>

namespace dmr::console {

// What the registry knows of a device right after one of its reports; the
// store writer copies it into the `devices` row.
struct DeviceSnapshot
{
    QString uuid;
    QString deviceId;
    QString hostname;
    QString agentVersion;
    quint32 intervalSeconds = 0;
    qint64 createdAt = 0; // ms since the epoch, console clock
    qint64 updatedAt = 0;
    qint64 lastSeen = 0;
    quint64 reportsReceived = 0;
    quint64 reportsLost = 0;
    quint32 runId = 0;
    quint64 lastSequence = 0;
    // What of run `runId` is on disk (SequenceWindow's contiguous and bitmap):
    // read at start so that the registry takes resends of the rest.
    quint64 storedSequence = 0;
    QByteArray storedAbove;
};

// A validated report on its way to the database.
struct AcceptedReport
{
    DeviceSnapshot device;
    dmr::Report report;
    // False for what arrived over HTTP without system metrics (a device
    // registration, or network counters alone): no system_metrics row is written.
    bool hasSystem = true;
};

} // namespace dmr::console
