// SPDX-License-Identifier: MIT
#pragma once

#include "store/ChunkTable.h"

#include <QSqlDatabase>
#include <deque>
#include <map>
#include <optional>
#include <set>

namespace dmr::console {

// Closes devices' windows into chunks (ChunkTable), on the writer's
// connection, a window per transaction, so that the writer can interleave it
// with its batches and never stall ingest: two hours of raw rows, a day of
// minutes, thirty days of hours. A window closes once its device has stored
// a report `grace` past its end: reports arrive late (resends), and one that
// arrives after its window closed is merged in at the next step. The newest
// report of each device always stays a row.
class Compactor
{
public:
    static constexpr qint64 kDefaultGraceMs = 10 * 60 * 1000;

    explicit Compactor(QSqlDatabase db, qint64 graceMs = kDefaultGraceMs);

    // The device stored a report sampled at newestTs.
    void noteNewest(qint64 deviceId, qint64 newestTs);
    // The device is gone (deleted, or merged into another): so is all known of it.
    void forget(qint64 deviceId);
    // Learns every device's newest report from the row tables: on start, and
    // for `db maintain`.
    bool scanAll(QString *error);
    bool pending() const { return !m_queue.empty(); }
    // Each device's newest stored sample time, as far as known.
    const std::map<qint64, qint64> &newest() const { return m_newest; }

    struct Step
    {
        qint64 deviceId = 0;
        Tier tier = Tier::Raw;
        qint64 windowStart = 0;
        qint64 rows = 0; // moved from the row tables into chunks
    };
    // Closes the oldest closable window of the next device that has one, in
    // one transaction (rolled back on failure). nullopt with an empty error
    // when nothing is left to close.
    std::optional<Step> step(QString *error);

private:
    std::optional<qint64> oldestRow(qint64 deviceId, Tier tier, QString *error) const;
    bool closeWindow(qint64 deviceId, Tier tier, qint64 windowStart, qint64 *rows, QString *error);
    bool closeKind(
        ChunkTable::Kind kind, qint64 deviceId, qint64 windowStart, qint64 *rows, QString *error);

    QSqlDatabase m_db;
    qint64 m_graceMs;
    std::map<qint64, qint64> m_newest; // device -> newest stored sample time
    // device -> the window start before which nothing was left to close when
    // last looked: a device is looked at again once a window more can close.
    std::map<qint64, qint64> m_checked;
    std::deque<qint64> m_queue; // devices that may have a window to close
    std::set<qint64> m_queued; // the same, to look up
};

} // namespace dmr::console
