// SPDX-License-Identifier: MIT
#pragma once

#include "store/SystemFields.h"

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

// Table system_metrics_1m: per device and minute, the number of samples, the
// first and last sample time, and the min, max and sum of every system metric.
// A week of one device reporting every second is 10,080 rows there instead of
// 604,800, so charts and history over long ranges read little. The store
// writer folds each transaction's reports in (add(), then write() inside the
// same transaction); readers use it when a bucket spans more than a minute.
class MinuteRollup
{
public:
    static constexpr qint64 kMinuteMs = 60000;

    static QString table() { return QStringLiteral("system_metrics_1m"); }
    static qint64 minuteOf(qint64 tsMs) { return tsMs - tsMs % kMinuteMs; }
    // How a reader places a minute row (its first and last sample time) in
    // [fromMs, toMs): at its first sample, or at fromMs for the minute that
    // straddles it; nothing when it lies outside. Readers select rows from
    // minuteOf(fromMs) on, so a range widens to the whole minutes it touches.
    static std::optional<qint64> placement(
        qint64 firstTs, qint64 lastTs, qint64 fromMs, qint64 toMs)
    {
        if (lastTs < fromMs || firstTs >= toMs)
            return std::nullopt;
        return std::max(firstTs, fromMs);
    }
    // Migration: the table with the aggregates of `metrics` (the system
    // fields as they were at that schema version), and its rows computed from
    // what system_metrics holds.
    static QStringList createStatements(const QStringList &metrics);
    // Migration: the aggregates of a system field added to system_metrics
    // later, computed from what system_metrics holds.
    static QStringList addMetricStatements(const QString &metric);

    explicit MinuteRollup(QSqlDatabase db);
    ~MinuteRollup();
    MinuteRollup(const MinuteRollup &) = delete;
    MinuteRollup &operator=(const MinuteRollup &) = delete;

    bool prepare(QString *error);
    void add(qint64 deviceId, qint64 tsMs, const dmr::SystemSample &sample);
    // Merges what was added into the table (an upsert per device and minute)
    // and forgets it, also on failure: the caller rolls back and adds again.
    bool write(QString *error);

private:
    struct Minute
    {
        qint64 samples = 0;
        qint64 firstTs = 0;
        qint64 lastTs = 0;
        std::array<double, SystemFields::kCount> min {};
        std::array<double, SystemFields::kCount> max {};
        std::array<double, SystemFields::kCount> sum {};
    };

    QSqlDatabase m_db;
    std::unique_ptr<BulkInsert> m_upsert;
    std::map<std::pair<qint64, qint64>, Minute> m_minutes; // (device, minute)
};

} // namespace dmr::console
