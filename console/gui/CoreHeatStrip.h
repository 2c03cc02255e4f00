// SPDX-License-Identifier: MIT
#pragma once

#include <QImage>
#include <QList>
#include <QWidget>

namespace dmr::console {

// A board's cores over time at a glance: one row per core (cpu0 on top), one
// column per report, an idle core in the window's base colour and a busy one
// warm. Where a single core carries a burst the others do not, a CPU chart of
// the whole board shows a quarter of it; this shows the core.
class CoreHeatStrip : public QWidget
{
    Q_OBJECT
public:
    explicit CoreHeatStrip(QWidget *parent = nullptr);

    // Per report, oldest first: each core's percentage.
    void setColumns(const QList<QList<double>> &columns);
    int cores() const { return m_image.height(); }
    int columns() const { return m_image.width(); }
    // The colour of a percentage (0 to 100): for the legend and tests.
    QColor colorOf(double percent) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QImage m_image;
};

} // namespace dmr::console
