// SPDX-License-Identifier: MIT
#pragma once

#include <QTcpServer>

namespace dmr::console {

// The HTTP API's listening socket. Its connections send without Nagle's delay
// (TCP_NODELAY): QHttpServer writes a response's headers and body in separate
// writes, and with Nagle the tail of a large body waited for the client's
// delayed ACK, 40 ms on Linux, on every keep-alive response. And each
// connection gets a RequestSizeGuard, because QHttpServer 6.4 buffers a whole
// request before any handler sees it, however large.
class HttpListener : public QTcpServer
{
    Q_OBJECT
public:
    HttpListener(qint64 maxBodyBytes, QObject *parent = nullptr);

signals:
    // A request was refused with 413 before its body was read.
    void requestTooLarge(const QString &peer, qint64 declaredBytes);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    qint64 m_maxBodyBytes;
};

} // namespace dmr::console
