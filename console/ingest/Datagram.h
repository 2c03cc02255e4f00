// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QMetaType>

namespace dmr::console {

// One datagram as it came off the socket (or is going out: then `sender` is
// where it goes).
struct Datagram
{
    QByteArray bytes;
    QHostAddress sender;
    quint16 senderPort = 0;
    bool truncated = false; // larger than the receive buffer: certainly oversize
};

using DatagramBatch = QList<Datagram>;

} // namespace dmr::console

Q_DECLARE_METATYPE(dmr::console::DatagramBatch)
