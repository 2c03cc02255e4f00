// SPDX-License-Identifier: MIT
#include "http/HttpListener.h"

#include "http/RequestSizeGuard.h"

#include <QTcpSocket>

namespace dmr::console {

HttpListener::HttpListener(qint64 maxBodyBytes, QObject *parent)
    : QTcpServer(parent)
    , m_maxBodyBytes(maxBodyBytes)
{ }

void HttpListener::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // Before QHttpServer connects to it: the guard sees new bytes first.
    auto *guard = new RequestSizeGuard(socket, m_maxBodyBytes);
    connect(guard, &RequestSizeGuard::refused, this, &HttpListener::requestTooLarge);
    addPendingConnection(socket);
}

} // namespace dmr::console
