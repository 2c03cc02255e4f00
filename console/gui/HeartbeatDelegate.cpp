// SPDX-License-Identifier: MIT
#include "gui/HeartbeatDelegate.h"

#include "gui/DeviceTableModel.h"
#include "gui/HeartbeatStrip.h"

#include <QApplication>
#include <QPainter>

namespace dmr::console {

void HeartbeatDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant marks = index.data(DeviceTableModel::HeartbeatRole);
    if (marks.isNull()) {
        // Not a device row (a group's heading): as any other cell.
        CachedTextDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 2;
    const int height = std::min(opt.rect.height() - 6, opt.fontMetrics.height());
    const QRect rect(opt.rect.left() + margin, opt.rect.top() + (opt.rect.height() - height) / 2,
        opt.rect.width() - 2 * margin, height);
    HeartbeatStrip::paintMarks(painter, rect, marks.toByteArray());
}

QSize HeartbeatDelegate::sizeHint(
    const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    // Two pixels and a gap per mark.
    QSize size = CachedTextDelegate::sizeHint(option, index);
    size.setWidth(std::max(size.width(), 3 * DeviceTableModel::kHeartbeatMarks + 8));
    return size;
}

} // namespace dmr::console
