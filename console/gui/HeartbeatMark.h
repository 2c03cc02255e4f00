// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QColor>
#include <QLatin1String>
#include <QStringView>

namespace dmr::console {

// One expected report of a device, as presence (GET
// /api/devices/{uuid}/presence/) names it. A strip of them travels as a
// QByteArray of these characters, oldest first: one implicitly shared block
// per device for the table's model and the device view alike, rather than a
// list of strings per row.
enum class HeartbeatMark : char {
    Arrived = 'a',
    Lost = 'l', // none came while the device was up
    Missing = 'm', // the device was offline
    Pending = 'p', // may still be on its way
    None = 'n', // before the device was known, or before anyone watched
};

inline HeartbeatMark heartbeatMark(QStringView name)
{
    if (name == QLatin1String("arrived"))
        return HeartbeatMark::Arrived;
    if (name == QLatin1String("lost"))
        return HeartbeatMark::Lost;
    if (name == QLatin1String("missing"))
        return HeartbeatMark::Missing;
    if (name == QLatin1String("pending"))
        return HeartbeatMark::Pending;
    return HeartbeatMark::None;
}

// Breeze's positive, neutral and negative colours, as the status dots use.
inline QColor heartbeatColor(HeartbeatMark mark)
{
    switch (mark) {
    case HeartbeatMark::Arrived:
        return QColor(0x27, 0xae, 0x60);
    case HeartbeatMark::Lost:
        return QColor(0xf3, 0x9c, 0x12);
    case HeartbeatMark::Missing:
        return QColor(0xda, 0x44, 0x53);
    case HeartbeatMark::Pending:
        return QColor(0xbd, 0xc3, 0xc7);
    case HeartbeatMark::None:
        break;
    }
    return QColor(0xbd, 0xc3, 0xc7, 110);
}

} // namespace dmr::console
