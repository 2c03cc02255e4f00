// SPDX-License-Identifier: MIT
#pragma once

#include <QSslConfiguration>
#include <QTcpServer>

namespace dmr::console {

// The HTTP API's listening socket. Its connections send without Nagle's delay
// (TCP_NODELAY): QHttpServer writes a response's headers and body in separate
// writes, and with Nagle the tail of a large body waited for the client's
// delayed ACK, 40 ms on Linux, on every keep-alive response. And each
// connection gets a RequestSizeGuard, because QHttpServer 6.4 buffers a whole
// request before any handler sees it, however large.
// With a TLS configuration, each connection is a QSslSocket handed to
// QHttpServer only once its handshake is done (QHttpServer 6.4's sslSetup
// only works with the servers it makes itself); one that does not finish
// the handshake in time is closed.
class HttpListener : public QTcpServer
{
    Q_OBJECT
public:
    HttpListener(qint64 maxBodyBytes, QObject *parent = nullptr);
    void setSslConfiguration(const QSslConfiguration &configuration);

signals:
    // A request was refused with 413 before its body was read.
    void requestTooLarge(const QString &peer, qint64 declaredBytes);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void ready(QTcpSocket *socket);

    qint64 m_maxBodyBytes;
    bool m_tls = false;
    QSslConfiguration m_ssl;
    int m_handshaking = 0; // TLS sockets not yet handed to QHttpServer
    quint64 m_handshakesRefused = 0;
};

} // namespace dmr::console
