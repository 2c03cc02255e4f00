// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <array>

namespace dmr::console {

// The resolutions history is kept at. Raw is every report as sent; minute
// and hour hold, per device, bucket (and interface), the number of samples,
// their first and last time and the min, max and sum of every metric. Each
// tier is kept for its own number of days (Retention), so that a console
// keeps weeks of raw history, months of minutes and years of hours.
enum class Tier { Raw = 0, Minute = 1, Hour = 2 };

namespace Tiers {

constexpr std::array<Tier, 3> kAll = {Tier::Raw, Tier::Minute, Tier::Hour};
constexpr std::array<Tier, 2> kRollups = {Tier::Minute, Tier::Hour};

// "raw", "minute", "hour": what the REST API's "resolution" says.
QString name(Tier tier);
// A rollup's bucket: 60,000 and 3,600,000; 0 for raw.
qint64 bucketMs(Tier tier);
inline qint64 bucketOf(Tier tier, qint64 tsMs)
{
    const qint64 bucket = bucketMs(tier);
    return bucket > 0 ? tsMs - ((tsMs % bucket) + bucket) % bucket : tsMs;
}
// system_metrics, system_metrics_1m, system_metrics_1h, and the same of network_metrics.
QString systemTable(Tier tier);
QString networkTable(Tier tier);

} // namespace Tiers

} // namespace dmr::console
