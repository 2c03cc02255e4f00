// SPDX-License-Identifier: MIT
#include "http/RequestSizeGuard.h"

#include "http/ApiJson.h"

#include <QTcpSocket>
#include <QTimer>

namespace dmr::console {

namespace {

// Room for a request head (QHttpServer itself takes heads of any size).
constexpr qint64 kMaxHeadBytes = 16 * 1024;

} // namespace

RequestSizeGuard::RequestSizeGuard(QTcpSocket *socket, qint64 maxBodyBytes)
    : QObject(socket)
    , m_socket(socket)
    , m_maxBodyBytes(maxBodyBytes)
{
    connect(socket, &QTcpSocket::readyRead, this, &RequestSizeGuard::inspect);
    // A response written means the request was complete: count afresh.
    connect(socket, &QTcpSocket::bytesWritten, this, [this] { m_unanswered = 0; });
}

qint64 RequestSizeGuard::declaredLength(const QByteArray &head)
{
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0)
        return -1;
    for (const QByteArray &line : head.left(end).split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon < 0 || line.left(colon).trimmed().toLower() != "content-length")
            continue;
        bool ok = false;
        const qint64 length = line.mid(colon + 1).trimmed().toLongLong(&ok);
        return ok && length >= 0 ? length : -1;
    }
    return -1;
}

void RequestSizeGuard::inspect()
{
    // QHttpServer reads everything available each time, so what is buffered
    // now arrived since the last readyRead.
    const qint64 fresh = m_socket->bytesAvailable();
    if (m_unanswered == 0) {
        const qint64 declared
            = declaredLength(m_socket->peek(std::min<qint64>(fresh, kMaxHeadBytes)));
        if (declared > m_maxBodyBytes)
            return refuse(declared);
    }
    m_unanswered += fresh;
    if (m_unanswered > kMaxHeadBytes + m_maxBodyBytes)
        refuse(m_unanswered);
}

void RequestSizeGuard::refuse(qint64 bytes)
{
    disconnect(m_socket, nullptr, this, nullptr);
    emit refused(m_socket->peerAddress().toString(), bytes);
    const QByteArray body
        = ApiJson::error(QStringLiteral("request body of %1 bytes is over the limit of %2 bytes")
                             .arg(bytes)
                             .arg(m_maxBodyBytes));
    // Read no more of it: the rest stays in the kernel until the socket closes.
    m_socket->setReadBufferSize(1);
    m_socket->write("HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
                    "Connection: close\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    m_socket->flush();
    QTcpSocket *socket = m_socket;
    QTimer::singleShot(200, socket, [socket] { socket->abort(); });
}

} // namespace dmr::console
