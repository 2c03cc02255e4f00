// SPDX-License-Identifier: MIT
#pragma once

#include "store/DeviceChange.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace dmr::console {

// Parses the JSON bodies of the REST API's changes to devices into a
// DeviceChange, at the edge: a wrong type, a missing or unknown field comes
// back as nullopt and a message naming the field.
class DeviceChangeParser
{
public:
    // PATCH /api/devices/{uuid}/: {"display_name": "..."}, the one field that
    // can be changed; "" or null clears it.
    static std::optional<DeviceChange> rename(
        const QString &uuid, const QByteArray &body, QString *error);
    // POST /api/devices/{uuid}/merge/: {"from": "<uuid>"}, the device whose
    // history moves to {uuid}.
    static std::optional<DeviceChange> merge(
        const QString &uuid, const QByteArray &body, QString *error);
};

} // namespace dmr::console
