// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

class QTcpSocket;

namespace dmr::console {

// Refuses an HTTP request whose body is over the limit before it is read:
// QHttpServer 6.4 keeps a whole request in memory before any handler runs, so
// a 10 GB upload would take 10 GB (20 on the way). Connected to the socket's
// readyRead ahead of QHttpServer, it sees each chunk of new bytes first. A
// request head that declares a Content-Length over the limit, or more bytes
// arriving before a response than a head and a full body can take (a chunked
// or lying upload), gets a 413 with a JSON error, and the connection is
// closed. After a WebSocket upgrade QHttpServer disconnects every readyRead
// slot, and the guard with them.
class RequestSizeGuard : public QObject
{
    Q_OBJECT
public:
    RequestSizeGuard(QTcpSocket *socket, qint64 maxBodyBytes);

    // The Content-Length a request head declares, if the head is complete
    // in `head` and has one; -1 otherwise.
    static qint64 declaredLength(const QByteArray &head);

signals:
    void refused(const QString &peer, qint64 bytes);

private:
    void inspect();
    void refuse(qint64 bytes);

    QTcpSocket *m_socket;
    qint64 m_maxBodyBytes;
    qint64 m_unanswered = 0; // bytes received since the last response went out
};

} // namespace dmr::console
