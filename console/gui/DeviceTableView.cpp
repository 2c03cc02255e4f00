// SPDX-License-Identifier: MIT
#include "gui/DeviceTableView.h"

#include <QHeaderView>

namespace dmr::console {

bool DeviceTableView::Geometry::operator==(const Geometry &other) const
{
    return size == other.size && viewport == other.viewport && rows == other.rows
        && columns == other.columns && width == other.width && height == other.height
        && horizontalHeader == other.horizontalHeader && verticalHeader == other.verticalHeader;
}

DeviceTableView::Geometry DeviceTableView::current() const
{
    Geometry geometry;
    geometry.size = size();
    geometry.viewport = viewport()->size();
    if (QAbstractItemModel *items = model()) {
        geometry.rows = items->rowCount(rootIndex());
        geometry.columns = items->columnCount(rootIndex());
    }
    const QHeaderView *columns = horizontalHeader();
    const QHeaderView *rows = verticalHeader();
    geometry.width = columns->length();
    geometry.height = rows->length();
    // What QTableView reserves for each header: nothing when hidden.
    geometry.horizontalHeader = columns->isHidden() ? QSize() : columns->sizeHint();
    geometry.verticalHeader = rows->isHidden() ? QSize() : rows->sizeHint();
    return geometry;
}

void DeviceTableView::updateGeometries()
{
    if (current() == m_laidOut) {
        ++m_skipped;
        return;
    }
    QTableView::updateGeometries();
    m_laidOut = current();
}

} // namespace dmr::console
