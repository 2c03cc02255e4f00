// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/AcceptedReport.h"

#include <QMutex>
#include <deque>
#include <string>
#include <vector>

namespace dmr::console {

// The bounded hand-over between the ingest thread and the store writer.
// When the writer falls behind and the queue is full, the oldest reports are
// dropped (and counted): memory stays bounded whatever arrives.
class ReportQueue
{
public:
    // A datagram's report that was dropped: its agent may send it again.
    struct Dropped
    {
        std::string deviceId;
        quint32 runId = 0;
        quint64 sequence = 0;
    };

    explicit ReportQueue(std::size_t capacity);

    // Appends; returns how many old reports were dropped to make room.
    std::size_t push(std::vector<AcceptedReport> &&reports);
    // Removes and returns up to `max` of the oldest reports.
    std::vector<AcceptedReport> take(std::size_t max);
    // Puts reports back at the front, after a failed write; drops the oldest beyond capacity.
    std::size_t pushFront(std::vector<AcceptedReport> &&reports);

    // The datagram reports dropped since the last call (at most capacity()).
    std::vector<Dropped> takeDropped();

    std::size_t size() const;
    std::size_t capacity() const { return m_capacity; }

private:
    std::size_t trimLocked();

    const std::size_t m_capacity;
    mutable QMutex m_mutex;
    std::deque<AcceptedReport> m_reports;
    std::vector<Dropped> m_dropped;
};

} // namespace dmr::console
