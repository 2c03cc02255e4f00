// SPDX-License-Identifier: MIT
#include "gui/HumanFormat.h"

#include <QDateTime>
#include <QTimeZone>

namespace dmr::console {

namespace HumanFormat {

QString duration(quint64 seconds)
{
    const quint64 days = seconds / 86400;
    const quint64 hours = seconds % 86400 / 3600;
    const quint64 minutes = seconds % 3600 / 60;
    if (days > 0)
        return QStringLiteral("%1 d %2 h").arg(days).arg(hours);
    if (hours > 0)
        return QStringLiteral("%1 h %2 min").arg(hours).arg(minutes);
    if (minutes > 0)
        return QStringLiteral("%1 min").arg(minutes);
    return QStringLiteral("%1 s").arg(seconds);
}

QString ago(qint64 lastMs, qint64 nowMs)
{
    if (lastMs <= 0)
        return QStringLiteral("never");
    const qint64 seconds = std::max<qint64>(0, (nowMs - lastMs) / 1000);
    if (seconds < 60)
        return QStringLiteral("%1 s ago").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1 min ago").arg(seconds / 60);
    if (seconds < 86400)
        return QStringLiteral("%1 h ago").arg(seconds / 3600);
    return QStringLiteral("%1 d ago").arg(seconds / 86400);
}

QString bytes(double value)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    int unit = 0;
    while (value >= 1000 && unit < 5) {
        value /= 1000;
        ++unit;
    }
    return QStringLiteral("%1 %2")
        .arg(value, 0, 'f', unit == 0 || value >= 100 ? 0 : 1)
        .arg(QLatin1String(units[unit]));
}

QString rate(double bytesPerSecond)
{
    return bytes(bytesPerSecond) + QStringLiteral("/s");
}

QString isoUtc(qint64 ms)
{
    // Qt::ISODateWithMs writes "+00:00" for a QTimeZone::utc() time; DESIGN.md's form ends in Z.
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss.zzz'Z'"));
}

} // namespace HumanFormat

} // namespace dmr::console
