// SPDX-License-Identifier: MIT
#include "ResendBuffer.h"

#include <algorithm>

namespace dmr::agent {

ResendBuffer::ResendBuffer(std::size_t capacity, std::uint32_t runId)
    : m_capacity(capacity)
    , m_runId(runId)
{ }

void ResendBuffer::add(std::uint64_t sequence, std::string payload, std::int64_t nowMs)
{
    if (m_capacity == 0)
        return;
    if (m_entries.size() >= m_capacity) {
        m_entries.pop_front();
        ++m_evicted;
    }
    m_entries.push_back({sequence, std::move(payload), nowMs});
    ++m_changes;
}

std::size_t ResendBuffer::acknowledge(const dmr::Ack &ack)
{
    if (ack.runId != m_runId)
        return 0;
    m_heard = true;
    const std::size_t before = m_entries.size();
    m_entries.erase(std::remove_if(m_entries.begin(), m_entries.end(),
                        [&ack](const Entry &entry) { return ack.stored(entry.sequence); }),
        m_entries.end());
    const std::size_t removed = before - m_entries.size();
    m_acknowledged += removed;
    m_changes += removed;
    return removed;
}

bool ResendBuffer::hasDue(std::int64_t nowMs, std::int64_t afterMs) const
{
    // Entries are in sending order, but resends move sentAtMs on: look at all.
    return m_heard && std::any_of(m_entries.begin(), m_entries.end(), [&](const Entry &entry) {
        return nowMs - entry.sentAtMs >= afterMs;
    });
}

std::vector<const ResendBuffer::Entry *> ResendBuffer::takeDue(
    std::int64_t nowMs, std::int64_t afterMs, std::size_t max)
{
    std::vector<const Entry *> due;
    if (!m_heard)
        return due;
    for (Entry &entry : m_entries) {
        if (due.size() >= max)
            break;
        if (nowMs - entry.sentAtMs >= afterMs) {
            entry.sentAtMs = nowMs;
            due.push_back(&entry);
        }
    }
    return due;
}

} // namespace dmr::agent
