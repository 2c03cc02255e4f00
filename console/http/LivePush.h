// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <memory>

class QTimer;
class QWebSocket;

namespace dmr::console {

class DeviceCache;

// The WebSocket side of the API (/ws): every client first gets the whole
// device list, then the devices that changed, at most four times a second so
// that a fleet reporting thousands of times a second costs each client a few
// messages, and every online/offline change as it happens. A client may send
// {"subscribe": "<uuid>"} to receive one device only ("" for all again).
// Devices deleted or merged away are announced as removed.
class LivePush : public QObject
{
    Q_OBJECT
public:
    explicit LivePush(DeviceCache *cache, QObject *parent = nullptr);
    ~LivePush() override;

    // Takes a connection that upgraded on /ws.
    void add(std::unique_ptr<QWebSocket> socket);
    void devicesChanged(const QStringList &uuids);
    // Deleted, or merged into another: {"type": "removed", "uuids": [...]}
    // to every client that hears of them.
    void devicesRemoved(const QStringList &uuids);
    // {"type": "alert", "alert": {...}} to every client, as GET /api/alerts/
    // gives it: raised, cleared, acknowledged or silenced.
    void alertChanged(const QJsonObject &alert);
    int clientCount() const { return int(m_clients.size()); }

private:
    void flush();
    void checkStatus();
    void send(QWebSocket *socket, const QByteArray &message);

    DeviceCache *m_cache;
    QHash<QWebSocket *, QString> m_clients; // socket -> subscribed uuid, "" for all
    QSet<QString> m_changed;
    QHash<QString, bool> m_online; // last status pushed, per uuid
    QTimer *m_flushTimer;
    QTimer *m_statusTimer;
};

} // namespace dmr::console
