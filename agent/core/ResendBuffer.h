// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Codec.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace dmr::agent {

// The reports of this run the console has not acknowledged yet, oldest
// first, at most `capacity` of them (the oldest go when it is full). Once
// acknowledgements show that the console stores what it gets, a report that
// is still missing some time after it was sent is due to go again.
class ResendBuffer
{
public:
    struct Entry
    {
        std::uint64_t sequence = 0;
        std::string payload; // encodeReport(), sealed afresh when resent
        std::int64_t sentAtMs = 0; // monotonic, last time it went out
    };

    ResendBuffer(std::size_t capacity, std::uint32_t runId);

    void add(std::uint64_t sequence, std::string payload, std::int64_t nowMs);
    // Forgets what the console has stored. Acks of another run are ignored.
    // Returns how many entries it removed.
    std::size_t acknowledge(const dmr::Ack &ack);
    // Up to `max` reports the console has not stored although they were sent
    // at least `afterMs` ago, oldest first; marks them sent now. Nothing
    // before the first acknowledgement: a console that never acknowledges
    // (an older one) gets no resends.
    std::vector<const Entry *> takeDue(std::int64_t nowMs, std::int64_t afterMs, std::size_t max);
    bool hasDue(std::int64_t nowMs, std::int64_t afterMs) const;

    const std::deque<Entry> &entries() const { return m_entries; }
    std::size_t size() const { return m_entries.size(); }
    std::size_t capacity() const { return m_capacity; }
    std::uint64_t evicted() const { return m_evicted; }
    std::uint64_t acknowledged() const { return m_acknowledged; }
    bool heardFromConsole() const { return m_heard; }
    // Goes up whenever an entry comes or goes (not when one is resent), so
    // that a copy on disk can tell whether it is out of date.
    std::uint64_t changes() const { return m_changes; }

private:
    std::size_t m_capacity;
    std::uint32_t m_runId;
    std::deque<Entry> m_entries;
    bool m_heard = false;
    std::uint64_t m_evicted = 0;
    std::uint64_t m_acknowledged = 0;
    std::uint64_t m_changes = 0;
};

} // namespace dmr::agent
