// SPDX-License-Identifier: MIT
#include "ApiJson.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimeZone>

QJsonValue ApiJson::time(qint64 ms)
{
    return ms > 0 ? QJsonValue(timeText(ms)) : QJsonValue(QJsonValue::Null);
}

QString ApiJson::timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

std::optional<qint64> ApiJson::parseTime(const QString &text)
{
    bool isNumber = false;
    const qint64 number = text.toLongLong(&isNumber);
    if (isNumber)
        return number;
    QDateTime parsed = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!parsed.isValid())
        return std::nullopt;
    if (parsed.timeSpec() == Qt::LocalTime)
        parsed.setTimeSpec(Qt::UTC); // an API has no business guessing the server's zone
    return parsed.toMSecsSinceEpoch();
}

QJsonObject ApiJson::system(const dmr::SystemSample &s, qint64 ts)
{
    return QJsonObject {
        {QStringLiteral("sample_time"), time(ts)},
        {QStringLiteral("cpu_percent"), s.cpuPercent},
        {QStringLiteral("memory_percent"), s.memoryPercent()},
        {QStringLiteral("memory_used_kb"), double(s.memoryUsedKb)},
        {QStringLiteral("memory_total_kb"), double(s.memoryTotalKb)},
        {QStringLiteral("disk_percent"), s.diskPercent()},
        {QStringLiteral("disk_used_kb"), double(s.diskUsedKb)},
        {QStringLiteral("disk_total_kb"), double(s.diskTotalKb)},
        {QStringLiteral("load_1"), s.load1},
        {QStringLiteral("load_5"), s.load5},
        {QStringLiteral("load_15"), s.load15},
        {QStringLiteral("uptime_seconds"), double(s.uptimeSeconds)},
    };
}

QJsonObject ApiJson::interface(const dmr::InterfaceSample &n)
{
    return QJsonObject {
        {QStringLiteral("interface"), QString::fromStdString(n.name)},
        {QStringLiteral("ip_address"), QString::fromStdString(n.ipAddress)},
        {QStringLiteral("mac_address"), QString::fromStdString(n.macAddress)},
        {QStringLiteral("rx_bytes"), double(n.rxBytes)},
        {QStringLiteral("tx_bytes"), double(n.txBytes)},
        {QStringLiteral("rx_packets"), double(n.rxPackets)},
        {QStringLiteral("tx_packets"), double(n.txPackets)},
    };
}

QJsonObject ApiJson::device(const DeviceOverview &overview, bool online)
{
    const DeviceSnapshot &d = overview.device;
    QJsonArray network;
    for (const dmr::InterfaceSample &sample : overview.interfaces)
        network.append(interface(sample));
    return QJsonObject {
        {QStringLiteral("uuid"), d.uuid},
        {QStringLiteral("device_id"), d.deviceId},
        {QStringLiteral("hostname"), d.hostname},
        {QStringLiteral("agent_version"), d.agentVersion},
        {QStringLiteral("interval_seconds"), double(d.intervalSeconds)},
        {QStringLiteral("created_at"), time(d.createdAt)},
        {QStringLiteral("updated_at"), time(d.updatedAt)},
        {QStringLiteral("last_seen"), time(d.lastSeen)},
        {QStringLiteral("online"), online},
        {QStringLiteral("reports_received"), double(d.reportsReceived)},
        {QStringLiteral("reports_lost"), double(d.reportsLost)},
        {QStringLiteral("system"),
            overview.latestTs > 0 ? QJsonValue(system(overview.system, overview.latestTs))
                                  : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("network"), network},
    };
}

QByteArray ApiJson::error(const QString &message)
{
    return QJsonDocument(QJsonObject {{QStringLiteral("error"), message}})
        .toJson(QJsonDocument::Compact);
}
