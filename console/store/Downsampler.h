// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QPointF>
#include <vector>

namespace dmr::console {

// Reduces a series to at most two points per pixel column over [fromMs, toMs):
// the minimum and the maximum of each column, so that spikes survive however
// far the chart is zoomed out. Streams: memory is per column, not per sample.
class Downsampler
{
public:
    Downsampler(qint64 fromMs, qint64 toMs, int columns);

    int columns() const { return int(m_columns.size()); }
    int columnOf(qint64 tsMs) const;
    void add(qint64 tsMs, double value);
    // A column's extremes already computed elsewhere (in SQL).
    void addColumn(int column, double min, double max);

    // Columns in time order; each gives one point when min == max, else two,
    // placed at the column's centre, in the order that joins the previous
    // column with the shorter line.
    QList<QPointF> points() const;

private:
    struct Column
    {
        bool used = false;
        double min = 0;
        double max = 0;
    };
    qint64 m_from;
    qint64 m_to;
    std::vector<Column> m_columns;
};

} // namespace dmr::console
