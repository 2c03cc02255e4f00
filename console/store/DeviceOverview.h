// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/AcceptedReport.h"

#include <QList>
#include <QMap>
#include <QMetaType>
#include <vector>

namespace dmr::console {

// A device as readers show it: its registry row and its newest metrics. The
// window's device table, the REST API's cache and its device bodies all hold
// this; StoreReader maps a `devices` row into it in one place.
struct DeviceOverview
{
    qint64 id = 0; // devices.id, for further queries; 0 until the store has the device
    DeviceSnapshot device;
    // The operator's name for it (devices.display_name), empty when none. The
    // store's alone: ingest's snapshots do not carry it.
    QString displayName;
    // Labels, name to value: the agent's (--label) with a person's on top.
    QMap<QString, QString> labels;
    qint64 latestTs = 0; // 0: no metrics stored yet
    dmr::SystemSample system;
    // The interfaces of the newest report; StoreReader::fleet() leaves them
    // out (the device table shows none).
    std::vector<dmr::InterfaceSample> interfaces;

    // What to call the device: its display name, else its hostname, else its device_id.
    QString name() const
    {
        if (!displayName.isEmpty())
            return displayName;
        return device.hostname.isEmpty() ? device.deviceId : device.hostname;
    }
};

} // namespace dmr::console

Q_DECLARE_METATYPE(dmr::console::DeviceOverview)
