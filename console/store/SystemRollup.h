// SPDX-License-Identifier: MIT
#pragma once

#include "store/SystemFields.h"
#include "store/Tier.h"

#include <QSqlDatabase>
#include <QStringList>
#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <utility>

namespace dmr::console {

class BulkInsert;

// Tables system_metrics_1m and system_metrics_1h: per device and minute (or
// hour), the number of samples, the first and last sample time, and the min,
// max and sum of every system metric. A week of one device reporting every
// second is 10,080 minute rows instead of 604,800, and a year 8,760 hours.
// The store writer folds each transaction's reports in (add(), then write()
// inside the same transaction); readers use a rollup when a bucket spans
// its bucket or more. Closed ranges of rollup rows are compacted into chunks
// like raw rows (ChunkTable), so a late report can leave a second row of a
// bucket beside its chunk: readers and the compactor merge them.
class SystemRollup
{
public:
    static QString table(Tier tier) { return Tiers::systemTable(tier); }
    // How a reader places a bucket's row (its first and last sample time) in
    // [fromMs, toMs): at its first sample, or at fromMs for the bucket that
    // straddles it; nothing when it lies outside. Readers select rows from
    // the bucket fromMs falls in, so a range widens to the whole buckets it
    // touches.
    static std::optional<qint64> placement(
        qint64 firstTs, qint64 lastTs, qint64 fromMs, qint64 toMs)
    {
        if (lastTs < fromMs || firstTs >= toMs)
            return std::nullopt;
        return std::max(firstTs, fromMs);
    }
    // The rollup's columns after device: ts, samples, first_ts, last_ts, then
    // x_min, x_max, x_sum of every system field.
    static QStringList columns();
    // Migration: the minute table with the aggregates of `metrics` (the
    // system fields as they were at that schema version), and its rows
    // computed from what system_metrics holds.
    static QStringList createStatements(const QStringList &metrics);
    // Migration: the hour table with the aggregates of `metrics`, and its
    // rows computed from the minute table.
    static QStringList createHourStatements(const QStringList &metrics);
    // Migration: the aggregates of a system field added to system_metrics
    // later, computed from what system_metrics holds.
    static QStringList addMetricStatements(const QString &metric);

    SystemRollup(QSqlDatabase db, Tier tier);
    ~SystemRollup();
    SystemRollup(const SystemRollup &) = delete;
    SystemRollup &operator=(const SystemRollup &) = delete;

    bool prepare(QString *error);
    void add(qint64 deviceId, qint64 tsMs, const dmr::SystemSample &sample);
    // Merges what was added into the table (an upsert per device and bucket)
    // and forgets it, also on failure: the caller rolls back and adds again.
    bool write(QString *error);

private:
    struct Bucket
    {
        qint64 samples = 0;
        qint64 firstTs = 0;
        qint64 lastTs = 0;
        std::array<double, SystemFields::kCount> min {};
        std::array<double, SystemFields::kCount> max {};
        std::array<double, SystemFields::kCount> sum {};
    };

    QSqlDatabase m_db;
    Tier m_tier;
    std::unique_ptr<BulkInsert> m_upsert;
    std::map<std::pair<qint64, qint64>, Bucket> m_buckets; // (device, bucket)
};

} // namespace dmr::console
