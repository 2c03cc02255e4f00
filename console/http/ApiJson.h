// SPDX-License-Identifier: MIT
#pragma once

#include "store/StoreReader.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace dmr::console {

// DESIGN.md's JSON shapes for the REST API and the live push, in one place so
// that both say the same thing: field names as in SQL, times as ISO 8601 UTC.
class ApiJson
{
public:
    // "2026-11-28T12:39:14.950Z"; null for 0 (never).
    static QJsonValue time(qint64 ms);
    static QString timeText(qint64 ms);
    static QByteArray timeLatin1(qint64 ms);
    // A JSON number as QJsonDocument writes it (shortest exact form).
    static QByteArray number(double value);
    // Milliseconds since the epoch from ISO 8601 (a zone-less time is UTC) or
    // from a plain integer of milliseconds.
    static std::optional<qint64> parseTime(const QString &text);

    static QJsonObject device(const DeviceOverview &overview, bool online);
    static QJsonObject system(const dmr::SystemSample &system, qint64 ts);
    static QJsonObject interface(const dmr::InterfaceSample &sample);
    // One hardware report: {"ts", "core_percents", "temperatures", "battery"
    // (or null), "swap_used_kb", "swap_total_kb", "disk_io" (or null),
    // "file_systems", "processes", "failed_units" (null where systemd does
    // not run)}. The REST API, its export and the web page share it.
    static QJsonObject hardware(const dmr::HardwareSample &hardware, qint64 ts);

    // {"error": "..."}, compact, for every 4xx and 5xx.
    static QByteArray error(const QString &message);
};

} // namespace dmr::console
