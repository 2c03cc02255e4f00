// SPDX-License-Identifier: MIT
#include "store/SystemFields.h"

namespace dmr::console {

namespace SystemFields {

const QStringList &names()
{
    static const QStringList list = {
        QStringLiteral("cpu_percent"),
        QStringLiteral("memory_percent"),
        QStringLiteral("memory_used_kb"),
        QStringLiteral("memory_total_kb"),
        QStringLiteral("disk_percent"),
        QStringLiteral("disk_used_kb"),
        QStringLiteral("disk_total_kb"),
        QStringLiteral("disk_available_kb"),
        QStringLiteral("load_1"),
        QStringLiteral("load_5"),
        QStringLiteral("load_15"),
        QStringLiteral("uptime_seconds"),
    };
    return list;
}

std::array<double, kCount> values(const dmr::SystemSample &s)
{
    return {s.cpuPercent, s.memoryPercent(), double(s.memoryUsedKb), double(s.memoryTotalKb),
        s.diskPercent(), double(s.diskUsedKb), double(s.diskTotalKb), double(s.diskAvailableKb),
        s.load1, s.load5, s.load15, double(s.uptimeSeconds)};
}

dmr::SystemSample fromQuery(const QSqlQuery &query, int first)
{
    auto count = [&](int field) { return query.value(first + field).toULongLong(); };
    auto real = [&](int field) { return query.value(first + field).toDouble(); };
    dmr::SystemSample s;
    s.cpuPercent = real(0);
    s.memoryUsedKb = count(2);
    s.memoryTotalKb = count(3);
    s.diskUsedKb = count(5);
    s.diskTotalKb = count(6);
    s.diskAvailableKb = count(7);
    s.load1 = real(8);
    s.load5 = real(9);
    s.load15 = real(10);
    s.uptimeSeconds = count(11);
    return s;
}

} // namespace SystemFields

} // namespace dmr::console
