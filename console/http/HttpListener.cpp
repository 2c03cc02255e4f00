// SPDX-License-Identifier: MIT
#include "http/HttpListener.h"

#include "http/HttpLogging.h"
#include "http/RequestSizeGuard.h"

#include <QSslSocket>
#include <QTimer>

namespace dmr::console {

namespace {

// Long enough for a slow board on a slow link; short enough that sockets
// opened and left silent do not pile up.
constexpr int kHandshakeMs = 10000;

} // namespace

HttpListener::HttpListener(qint64 maxBodyBytes, QObject *parent)
    : QTcpServer(parent)
    , m_maxBodyBytes(maxBodyBytes)
{ }

void HttpListener::setSslConfiguration(const QSslConfiguration &configuration)
{
    m_ssl = configuration;
    m_tls = true;
}

void HttpListener::incomingConnection(qintptr socketDescriptor)
{
    if (!m_tls) {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(socketDescriptor)) {
            delete socket;
            return;
        }
        ready(socket);
        return;
    }
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    socket->setSslConfiguration(m_ssl);
    connect(socket, &QSslSocket::encrypted, this, [this, socket] { ready(socket); });
    connect(socket, &QSslSocket::sslErrors, socket, [socket](const QList<QSslError> &errors) {
        qCDebug(lcHttp, "TLS handshake with %s failed: %s",
            qPrintable(socket->peerAddress().toString()),
            qPrintable(errors.value(0).errorString()));
    });
    // Until it is handed over, a socket that fails or goes is this one's to delete.
    connect(socket, &QAbstractSocket::disconnected, socket, [socket] {
        if (!socket->isEncrypted())
            socket->deleteLater();
    });
    QTimer::singleShot(kHandshakeMs, socket, [socket] {
        if (!socket->isEncrypted()) {
            qCDebug(lcHttp, "no TLS handshake from %s in time; closed",
                qPrintable(socket->peerAddress().toString()));
            socket->abort();
            socket->deleteLater();
        }
    });
    socket->startServerEncryption();
}

void HttpListener::ready(QTcpSocket *socket)
{
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // Before QHttpServer connects to it: the guard sees new bytes first.
    auto *guard = new RequestSizeGuard(socket, m_maxBodyBytes);
    connect(guard, &RequestSizeGuard::refused, this, &HttpListener::requestTooLarge);
    addPendingConnection(socket);
}

} // namespace dmr::console
