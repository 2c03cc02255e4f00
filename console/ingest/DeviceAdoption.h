// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

namespace dmr::console {

// A device this console took for new, which another console writing to the
// same database had registered first: the stored row, and so its uuid,
// wins. The store writer finds it when its insert of the device gives way;
// ingest then takes on the stored uuid and adds the stored counters to its
// own (what this console counted before it knew).
struct DeviceAdoption
{
    QString deviceId;
    QString localUuid;
    QString storedUuid;
    quint64 reportsReceived = 0;
    quint64 reportsLost = 0;
    qint64 createdAt = 0;
};

} // namespace dmr::console

Q_DECLARE_METATYPE(QList<dmr::console::DeviceAdoption>)
