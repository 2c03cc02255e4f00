// SPDX-License-Identifier: MIT
#include "http/LivePush.h"

#include "http/ApiJson.h"
#include "http/DeviceCache.h"
#include "http/HttpLogging.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QWebSocket>

namespace dmr::console {

namespace {

constexpr int kFlushMs = 250;
constexpr int kStatusCheckMs = 1000;

QByteArray message(const char *type, const QJsonArray &devices)
{
    return QJsonDocument(QJsonObject {{QStringLiteral("type"), QLatin1String(type)},
                             {QStringLiteral("devices"), devices}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

LivePush::LivePush(DeviceCache *cache, QObject *parent)
    : QObject(parent)
    , m_cache(cache)
    , m_flushTimer(new QTimer(this))
    , m_statusTimer(new QTimer(this))
{
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(kFlushMs);
    connect(m_flushTimer, &QTimer::timeout, this, &LivePush::flush);
    connect(m_statusTimer, &QTimer::timeout, this, &LivePush::checkStatus);
    m_statusTimer->start(kStatusCheckMs);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const DeviceOverview *device : m_cache->search(QString()))
        m_online.insert(device->device.uuid, m_cache->isOnline(*device, now));
}

LivePush::~LivePush()
{
    for (QWebSocket *socket : m_clients.keys())
        delete socket;
}

void LivePush::add(std::unique_ptr<QWebSocket> owned)
{
    QWebSocket *socket = owned.release();
    socket->setParent(this);
    m_clients.insert(socket, QString());
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        m_clients.remove(socket);
        socket->deleteLater();
    });
    connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &text) {
        const QJsonObject request = QJsonDocument::fromJson(text.toUtf8()).object();
        if (!request.contains(QStringLiteral("subscribe")))
            return;
        const QString uuid = request.value(QStringLiteral("subscribe")).toString();
        m_clients.insert(socket, uuid);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QJsonArray devices;
        for (const DeviceOverview *device : m_cache->search(uuid)) {
            if (uuid.isEmpty() || device->device.uuid == uuid)
                devices.append(ApiJson::device(*device, m_cache->isOnline(*device, now)));
        }
        send(socket, message("devices", devices));
    });
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QJsonArray devices;
    for (const DeviceOverview *device : m_cache->search(QString()))
        devices.append(ApiJson::device(*device, m_cache->isOnline(*device, now)));
    send(socket, message("devices", devices));
    qCDebug(lcHttp, "WebSocket client %s connected; %d clients",
        qPrintable(socket->peerAddress().toString()), int(m_clients.size()));
}

void LivePush::devicesChanged(const QStringList &uuids)
{
    if (m_clients.isEmpty())
        return;
    for (const QString &uuid : uuids)
        m_changed.insert(uuid);
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

void LivePush::devicesRemoved(const QStringList &uuids)
{
    for (const QString &uuid : uuids) {
        m_changed.remove(uuid);
        m_online.remove(uuid);
    }
    const QByteArray text
        = QJsonDocument(QJsonObject {{QStringLiteral("type"), QStringLiteral("removed")},
                            {QStringLiteral("uuids"), QJsonArray::fromStringList(uuids)}})
              .toJson(QJsonDocument::Compact);
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it) {
        if (it.value().isEmpty() || uuids.contains(it.value()))
            send(it.key(), text);
    }
}

void LivePush::flush()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QHash<QString, QJsonObject> json;
    for (const QString &uuid : std::as_const(m_changed)) {
        if (const DeviceOverview *device = m_cache->find(uuid)) {
            const bool online = m_cache->isOnline(*device, now);
            m_online.insert(uuid, online);
            json.insert(uuid, ApiJson::device(*device, online));
        }
    }
    m_changed.clear();
    QByteArray all;
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it) {
        if (it.value().isEmpty()) {
            if (all.isEmpty()) {
                QJsonArray devices;
                for (const QJsonObject &object : std::as_const(json))
                    devices.append(object);
                all = message("update", devices);
            }
            send(it.key(), all);
        } else if (json.contains(it.value())) {
            send(it.key(), message("update", QJsonArray {json.value(it.value())}));
        }
    }
}

void LivePush::checkStatus()
{
    // Going offline happens with no report at all, so it is looked for here.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QStringList changed;
    for (const DeviceOverview *device : m_cache->search(QString())) {
        const bool online = m_cache->isOnline(*device, now);
        auto it = m_online.find(device->device.uuid);
        if (it == m_online.end() || *it != online) {
            m_online.insert(device->device.uuid, online);
            changed.append(device->device.uuid);
        }
    }
    if (!changed.isEmpty()) {
        devicesChanged(changed);
        if (!m_clients.isEmpty())
            flush();
    }
}

void LivePush::alertChanged(const QJsonObject &alert)
{
    const QByteArray text = QJsonDocument(
        QJsonObject {{QStringLiteral("type"), QStringLiteral("alert")},
            {QStringLiteral("alert"),
                alert}}).toJson(QJsonDocument::Compact);
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it)
        send(it.key(), text);
}

void LivePush::send(QWebSocket *socket, const QByteArray &text)
{
    // A client that does not read is dropped rather than buffered without end.
    if (socket->bytesToWrite() > 8 * 1024 * 1024) {
        qCWarning(lcHttp, "WebSocket client %s is not reading; closing it",
            qPrintable(socket->peerAddress().toString()));
        socket->abort();
        return;
    }
    socket->sendTextMessage(QString::fromUtf8(text));
}

} // namespace dmr::console
