// SPDX-License-Identifier: MIT
#include "ingest/ReportQueue.h"

#include <QMutexLocker>
#include <iterator>

namespace dmr::console {

ReportQueue::ReportQueue(std::size_t capacity)
    : m_capacity(capacity)
{ }

std::size_t ReportQueue::trimLocked()
{
    std::size_t dropped = 0;
    while (m_reports.size() > m_capacity) {
        const dmr::Report &report = m_reports.front().report;
        if (report.sequence > 0 && m_dropped.size() < m_capacity)
            m_dropped.push_back({report.deviceId, report.runId, report.sequence});
        m_reports.pop_front();
        ++dropped;
    }
    return dropped;
}

std::size_t ReportQueue::push(std::vector<AcceptedReport> &&reports)
{
    QMutexLocker lock(&m_mutex);
    std::move(reports.begin(), reports.end(), std::back_inserter(m_reports));
    reports.clear();
    return trimLocked();
}

std::size_t ReportQueue::pushFront(std::vector<AcceptedReport> &&reports)
{
    QMutexLocker lock(&m_mutex);
    m_reports.insert(m_reports.begin(), std::make_move_iterator(reports.begin()),
        std::make_move_iterator(reports.end()));
    reports.clear();
    return trimLocked();
}

std::vector<AcceptedReport> ReportQueue::take(std::size_t max)
{
    QMutexLocker lock(&m_mutex);
    const std::size_t n = std::min(max, m_reports.size());
    std::vector<AcceptedReport> out;
    out.reserve(n);
    std::move(m_reports.begin(), m_reports.begin() + n, std::back_inserter(out));
    m_reports.erase(m_reports.begin(), m_reports.begin() + n);
    return out;
}

std::vector<ReportQueue::Dropped> ReportQueue::takeDropped()
{
    QMutexLocker lock(&m_mutex);
    std::vector<Dropped> dropped;
    dropped.swap(m_dropped);
    return dropped;
}

std::size_t ReportQueue::size() const
{
    QMutexLocker lock(&m_mutex);
    return m_reports.size();
}

} // namespace dmr::console
