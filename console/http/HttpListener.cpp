// SPDX-License-Identifier: MIT
#include "http/HttpListener.h"

#include "http/HttpLogging.h"
#include "http/RequestSizeGuard.h"

#include <QSslSocket>
#include <QTimer>
#include <memory>

namespace dmr::console {

namespace {

// Long enough for a slow board on a slow link; short enough that sockets
// opened and left silent do not pile up.
constexpr int kHandshakeMs = 10000;
constexpr int kMaxHandshaking = 256;

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
    // Connections that never finish their handshake hold a descriptor each
    // for kHandshakeMs: past a bound, new ones are closed at once.
    if (m_handshaking >= kMaxHandshaking) {
        socket->abort();
        socket->deleteLater();
        if (++m_handshakesRefused == 1 || m_handshakesRefused % 1000 == 0)
            qCWarning(lcHttp, "%llu TLS connections refused: %d handshakes already waiting",
                static_cast<unsigned long long>(m_handshakesRefused), kMaxHandshaking);
        return;
    }
    ++m_handshaking;
    // Once, whichever comes first: encrypted, or the socket going.
    auto counted = std::make_shared<bool>(true);
    const auto done = [this, counted] {
        if (*counted) {
            *counted = false;
            --m_handshaking;
        }
    };
    connect(socket, &QSslSocket::encrypted, this, done);
    connect(socket, &QObject::destroyed, this, done);
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
