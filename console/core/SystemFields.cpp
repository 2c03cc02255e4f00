// SPDX-License-Identifier: MIT
#include "SystemFields.h"

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
        s.diskPercent(), double(s.diskUsedKb), double(s.diskTotalKb), s.load1, s.load5, s.load15,
        double(s.uptimeSeconds)};
}

} // namespace SystemFields
