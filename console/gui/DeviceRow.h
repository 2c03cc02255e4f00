// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/AcceptedReport.h"

#include <QList>
#include <QMetaType>

// One device as the device table shows it: its registry row and its newest
// system values (when any are stored).
struct DeviceRow
{
    qint64 id = 0; // devices.id; 0 until the store has the device
    DeviceSnapshot device;
    qint64 latestTs = 0; // 0: no metrics yet
    dmr::SystemSample system;
};

Q_DECLARE_METATYPE(DeviceRow)
