// SPDX-License-Identifier: MIT
#include "gui/CoreHeatStrip.h"

#include <QPainter>
#include <QPalette>
#include <algorithm>

namespace dmr::console {

CoreHeatStrip::CoreHeatStrip(QWidget *parent)
    : QWidget(parent)
{
    setToolTip(tr("One row per core (cpu0 on top), one column per report; warmer is busier"));
}

QColor CoreHeatStrip::colorOf(double percent) const
{
    const QColor cold = palette().color(QPalette::Base);
    const QColor hot(0xd9, 0x48, 0x0f);
    const double f = std::clamp(percent / 100.0, 0.0, 1.0);
    return QColor::fromRgbF(float(cold.redF() + (hot.redF() - cold.redF()) * f),
        float(cold.greenF() + (hot.greenF() - cold.greenF()) * f),
        float(cold.blueF() + (hot.blueF() - cold.blueF()) * f));
}

void CoreHeatStrip::setColumns(const QList<QList<double>> &columns)
{
    int cores = 0;
    for (const QList<double> &column : columns)
        cores = std::max(cores, int(column.size()));
    if (columns.isEmpty() || cores == 0) {
        m_image = QImage();
        update();
        return;
    }
    // One pixel a cell, scaled when painted: cheap for a day of reports.
    m_image = QImage(int(columns.size()), cores, QImage::Format_RGB32);
    for (int x = 0; x < columns.size(); ++x) {
        for (int y = 0; y < cores; ++y) {
            const QList<double> &column = columns[x];
            // A core missing from a report (taken offline) is not an idle one.
            m_image.setPixelColor(
                x, y, y < column.size() ? colorOf(column[y]) : palette().color(QPalette::Window));
        }
    }
    updateGeometry();
    update();
}

QSize CoreHeatStrip::sizeHint() const
{
    return {400, std::clamp(cores() * 10, 40, 160)};
}

QSize CoreHeatStrip::minimumSizeHint() const
{
    return {100, 24};
}

void CoreHeatStrip::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    if (m_image.isNull()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("No per-core figures in this range"));
        return;
    }
    painter.drawImage(rect(), m_image);
}

} // namespace dmr::console
