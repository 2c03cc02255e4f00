// SPDX-License-Identifier: MIT
#pragma once

#include <QTableView>

namespace dmr::console {

// The device table. Each re-sort is a layoutChanged, after which QTableView
// lays out its headers, scroll bars and viewport again; in Qt 6.4 that
// repaints the whole view, scroll bars and frames included, even when no
// size changed. A scroll bar's tall gradient fills are split across Qt's
// thread pool and waited for, which on a busy machine made that repaint the
// GUI thread's longest stall (30 ms and more, four times a second). This view
// lays out again only when something the layout depends on changed.
class DeviceTableView : public QTableView
{
    Q_OBJECT
public:
    using QTableView::QTableView;

    // Times updateGeometries() was skipped because nothing had changed.
    int skippedLayouts() const { return m_skipped; }

protected:
    void updateGeometries() override;

private:
    struct Geometry
    {
        QSize size;
        QSize viewport;
        int rows = -1;
        int columns = -1;
        int width = -1; // sum of the columns' widths
        int height = -1; // sum of the rows' heights
        QSize horizontalHeader;
        QSize verticalHeader;
        bool operator==(const Geometry &other) const;
    };
    Geometry current() const;

    Geometry m_laidOut;
    int m_skipped = 0;
};

} // namespace dmr::console
