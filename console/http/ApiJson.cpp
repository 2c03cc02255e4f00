// SPDX-License-Identifier: MIT
#include "http/ApiJson.h"

#include "store/AgentFeatures.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QTimeZone>

namespace dmr::console {

QJsonValue ApiJson::time(qint64 ms)
{
    return ms > 0 ? QJsonValue(timeText(ms)) : QJsonValue(QJsonValue::Null);
}

QString ApiJson::timeText(qint64 ms)
{
    return QString::fromLatin1(timeLatin1(ms));
}

QByteArray ApiJson::timeLatin1(qint64 ms)
{
    // QDateTime::toString costs microseconds, and a history or export response
    // writes thousands of times: the civil date by arithmetic (H. Hinnant's
    // days-to-civil) instead.
    constexpr qint64 kDayMs = 86400000;
    qint64 days = ms / kDayMs;
    qint64 msOfDay = ms % kDayMs;
    if (msOfDay < 0) {
        msOfDay += kDayMs;
        --days;
    }
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 dayOfEra = days - era * 146097;
    const qint64 yearOfEra
        = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const qint64 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const qint64 monthIndex = (5 * dayOfYear + 2) / 153;
    const int day = int(dayOfYear - (153 * monthIndex + 2) / 5 + 1);
    const int month = int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9);
    const qint64 year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999)
        return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1();
    // "YYYY-MM-DDTHH:MM:SS.mmmZ", digit by digit (snprintf showed in profiles).
    char text[24];
    auto digits = [&text](int at, int value, int count) {
        for (int i = at + count - 1; i >= at; --i, value /= 10)
            text[i] = char('0' + value % 10);
    };
    digits(0, int(year), 4);
    text[4] = '-';
    digits(5, month, 2);
    text[7] = '-';
    digits(8, day, 2);
    text[10] = 'T';
    digits(11, int(msOfDay / 3600000), 2);
    text[13] = ':';
    digits(14, int(msOfDay / 60000 % 60), 2);
    text[16] = ':';
    digits(17, int(msOfDay / 1000 % 60), 2);
    text[19] = '.';
    digits(20, int(msOfDay % 1000), 3);
    text[23] = 'Z';
    return QByteArray(text, sizeof text);
}

QByteArray ApiJson::number(double value)
{
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
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
        {QStringLiteral("disk_available_kb"), double(s.diskAvailableKb)},
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

QJsonObject ApiJson::hardware(const dmr::HardwareSample &h, qint64 ts)
{
    QJsonArray cores;
    for (double percent : h.corePercents)
        cores.append(percent);
    QJsonArray temperatures;
    for (const dmr::TemperatureSample &t : h.temperatures)
        temperatures.append(
            QJsonObject {{QStringLiteral("sensor"), QString::fromStdString(t.sensor)},
                {QStringLiteral("celsius"), t.celsius}});
    QJsonArray fileSystems;
    for (const dmr::FileSystemSample &fs : h.fileSystems) {
        fileSystems.append(QJsonObject {
            {QStringLiteral("mount"), QString::fromStdString(fs.mount)},
            {QStringLiteral("type"), QString::fromStdString(fs.type)},
            {QStringLiteral("size_kb"), double(fs.sizeKb)},
            {QStringLiteral("used_kb"), double(fs.usedKb)},
            {QStringLiteral("available_kb"), double(fs.availableKb)},
            {QStringLiteral("percent"), fs.percent()},
            {QStringLiteral("inodes_total"), double(fs.inodesTotal)},
            {QStringLiteral("inodes_used"), double(fs.inodesUsed)},
            {QStringLiteral("inode_percent"), fs.inodePercent()},
        });
    }
    QJsonArray processes;
    for (const dmr::ProcessSample &p : h.processes) {
        processes.append(QJsonObject {{QStringLiteral("pid"), double(p.pid)},
            {QStringLiteral("name"), QString::fromStdString(p.name)},
            {QStringLiteral("cpu_percent"), p.cpuPercent},
            {QStringLiteral("rss_kb"), double(p.rssKb)}});
    }
    QJsonValue battery(QJsonValue::Null);
    if (h.battery)
        battery = QJsonObject {{QStringLiteral("percent"), h.battery->percent},
            {QStringLiteral("state"), QLatin1String(dmr::batteryStateName(h.battery->state))}};
    QJsonValue diskIo(QJsonValue::Null);
    if (h.diskIo)
        diskIo = QJsonObject {
            {QStringLiteral("read_kb_per_second"), double(h.diskIo->readKbPerSecond)},
            {QStringLiteral("write_kb_per_second"), double(h.diskIo->writeKbPerSecond)},
            {QStringLiteral("busy_percent"), h.diskIo->busyPercent}};
    QJsonValue failedUnits(QJsonValue::Null);
    if (h.failedUnits) {
        QJsonArray units;
        for (const std::string &unit : *h.failedUnits)
            units.append(QString::fromStdString(unit));
        failedUnits = units;
    }
    return QJsonObject {
        {QStringLiteral("ts"), time(ts)},
        {QStringLiteral("core_percents"), cores},
        {QStringLiteral("temperatures"), temperatures},
        {QStringLiteral("battery"), battery},
        {QStringLiteral("swap_used_kb"), double(h.swapUsedKb)},
        {QStringLiteral("swap_total_kb"), double(h.swapTotalKb)},
        {QStringLiteral("disk_io"), diskIo},
        {QStringLiteral("file_systems"), fileSystems},
        {QStringLiteral("processes"), processes},
        {QStringLiteral("failed_units"), failedUnits},
    };
}

QJsonObject ApiJson::device(const DeviceOverview &overview, bool online)
{
    const DeviceSnapshot &d = overview.device;
    QJsonArray network;
    for (const dmr::InterfaceSample &sample : overview.interfaces)
        network.append(interface(sample));
    QJsonObject labels;
    for (auto it = overview.labels.cbegin(); it != overview.labels.cend(); ++it)
        labels.insert(it.key(), it.value());
    return QJsonObject {
        {QStringLiteral("uuid"), d.uuid},
        {QStringLiteral("device_id"), d.deviceId},
        {QStringLiteral("hostname"), d.hostname},
        {QStringLiteral("display_name"), overview.displayName},
        {QStringLiteral("labels"), labels},
        {QStringLiteral("agent_version"), d.agentVersion},
        {QStringLiteral("agent_outdated"), AgentFeatures::outdated(d.agentVersion)},
        {QStringLiteral("missing_fields"),
            QJsonArray::fromStringList(AgentFeatures::missingFields(d.agentVersion))},
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

} // namespace dmr::console
