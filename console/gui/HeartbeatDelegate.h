// SPDX-License-Identifier: MIT
#pragma once

#include "gui/CachedTextDelegate.h"

namespace dmr::console {

// The device table's heartbeat column: the marks the model keeps per device
// (DeviceTableModel::HeartbeatRole), painted as HeartbeatStrip paints them,
// over the background and selection the style draws. Only visible cells
// paint, so the marks are computed for some fifty rows, not the fleet.
class HeartbeatDelegate : public CachedTextDelegate
{
public:
    using CachedTextDelegate::CachedTextDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace dmr::console
