// SPDX-License-Identifier: MIT
#pragma once

#include <QSqlDatabase>
#include <QString>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>

namespace dmr::console {

// Deletes what is older than the tiers keep, on the writer's connection, a
// device per transaction: raw history (chunks and rows) after keepRawMs, the
// minute rollups after keepMinuteMs, the hour rollups after keepHourMs. Ages count back from the
// earlier of the device's newest report and the console's clock, so a device whose clock runs ahead
// loses none of its history early, and a console set up with old data (or a test's fixed times)
// deletes nothing it should keep.
class Retention
{
public:
    struct Limits
    {
        qint64 keepRawMs = 0; // 0: keep for ever
        qint64 keepMinuteMs = 0; // 0: keep for ever
        qint64 keepHourMs = 0; // 0: keep for ever
        // Pages in use, in bytes, beyond which the oldest raw windows go, then
        // the oldest minutes; 0: no budget. Open raw windows (rows) and the
        // hour tier are never deleted for it.
        qint64 maxBytes = 0;
    };

    Retention(QSqlDatabase db, Limits limits, std::function<qint64()> clock);

    void noteNewest(qint64 deviceId, qint64 newestTs);
    // The device is gone (deleted, or merged into another): so is all known of it.
    void forget(qint64 deviceId);
    bool pending() const { return !m_queue.empty(); }
    // The newest report noted of any device; 0 before the first.
    qint64 newest() const;
    // Applies the limits to the next device that may have something to
    // delete. nullopt with an empty error when none has; else the rows and
    // chunks deleted.
    std::optional<qint64> step(QString *error);
    // One step of keeping the database within maxBytes: the oldest window of
    // raw chunks of the whole fleet goes, or, with none left, the oldest day
    // of minutes. nullopt with an empty error when within the budget (or
    // nothing is left that it may delete); else what went, as a sentence.
    std::optional<QString> enforceBudget(QString *error);

private:
    QSqlDatabase m_db;
    Limits m_limits;
    std::function<qint64()> m_clock;
    std::map<qint64, qint64> m_newest;
    std::map<qint64, qint64> m_appliedAt; // device -> the raw horizon last applied
    std::deque<qint64> m_queue;
    std::set<qint64> m_queued;
    bool m_budgetExplained = false;
};

} // namespace dmr::console
