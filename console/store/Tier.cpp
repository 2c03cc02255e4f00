// SPDX-License-Identifier: MIT
#include "store/Tier.h"

namespace dmr::console::Tiers {

QString name(Tier tier)
{
    switch (tier) {
    case Tier::Raw:
        return QStringLiteral("raw");
    case Tier::Minute:
        return QStringLiteral("minute");
    case Tier::Hour:
        return QStringLiteral("hour");
    }
    return QString();
}

qint64 bucketMs(Tier tier)
{
    switch (tier) {
    case Tier::Raw:
        return 0;
    case Tier::Minute:
        return 60 * 1000;
    case Tier::Hour:
        return 3600 * 1000;
    }
    return 0;
}

QString systemTable(Tier tier)
{
    switch (tier) {
    case Tier::Raw:
        return QStringLiteral("system_metrics");
    case Tier::Minute:
        return QStringLiteral("system_metrics_1m");
    case Tier::Hour:
        return QStringLiteral("system_metrics_1h");
    }
    return QString();
}

QString networkTable(Tier tier)
{
    switch (tier) {
    case Tier::Raw:
        return QStringLiteral("network_metrics");
    case Tier::Minute:
        return QStringLiteral("network_metrics_1m");
    case Tier::Hour:
        return QStringLiteral("network_metrics_1h");
    }
    return QString();
}

} // namespace dmr::console::Tiers
