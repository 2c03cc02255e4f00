// SPDX-License-Identifier: MIT
#include "store/Downsampler.h"

#include <algorithm>
#include <cmath>

namespace dmr::console {

Downsampler::Downsampler(qint64 fromMs, qint64 toMs, int columns)
    : m_from(fromMs)
    , m_to(std::max(toMs, fromMs + 1))
    , m_columns(std::size_t(std::max(columns, 1)))
{ }

int Downsampler::columnOf(qint64 tsMs) const
{
    if (tsMs < m_from || tsMs >= m_to)
        return -1;
    // The same integer arithmetic as the SQL bucket, so both agree on borders.
    return int((tsMs - m_from) * qint64(m_columns.size()) / (m_to - m_from));
}

void Downsampler::add(qint64 tsMs, double value)
{
    const int column = columnOf(tsMs);
    if (column >= 0)
        addColumn(column, value, value);
}

void Downsampler::addColumn(int column, double min, double max)
{
    if (column < 0 || column >= int(m_columns.size()))
        return;
    Column &c = m_columns[std::size_t(column)];
    if (!c.used) {
        c = {true, min, max};
        return;
    }
    c.min = std::min(c.min, min);
    c.max = std::max(c.max, max);
}

QList<QPointF> Downsampler::points() const
{
    QList<QPointF> result;
    const double width = double(m_to - m_from) / double(m_columns.size());
    double previous = std::nan("");
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        const Column &c = m_columns[i];
        if (!c.used)
            continue;
        const double x = double(m_from) + (double(i) + 0.5) * width;
        if (c.min == c.max) {
            result.append({x, c.min});
        } else if (!std::isnan(previous)
            && std::abs(previous - c.max) < std::abs(previous - c.min)) {
            result.append({x, c.max});
            result.append({x, c.min});
        } else {
            result.append({x, c.min});
            result.append({x, c.max});
        }
        previous = result.last().y();
    }
    return result;
}

} // namespace dmr::console
