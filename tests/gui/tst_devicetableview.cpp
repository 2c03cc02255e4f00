// SPDX-License-Identifier: MIT
#include "gui/DeviceFilterProxyModel.h"
#include "gui/DeviceTableModel.h"
#include "gui/DeviceTableView.h"

#include <QHeaderView>
#include <QScrollBar>
#include <QTest>

using namespace dmr::console;

namespace {

constexpr qint64 kStart = 1795000000000LL;

DeviceOverview row(int n, qint64 lastSeen, double cpu)
{
    DeviceOverview r;
    r.id = n + 1;
    r.device.uuid = QStringLiteral("00000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
    r.device.deviceId = QStringLiteral("machine%1").arg(n, 4, 10, QLatin1Char('0'));
    r.device.hostname = QStringLiteral("host-%1").arg(n);
    r.device.intervalSeconds = 10;
    r.device.lastSeen = lastSeen;
    r.latestTs = lastSeen;
    r.system.cpuPercent = cpu;
    return r;
}

QList<DeviceOverview> rows(int from, int to, qint64 lastSeen, double offset)
{
    QList<DeviceOverview> list;
    for (int n = from; n < to; ++n)
        list.append(row(n, lastSeen, std::fmod(n * 7.3 + offset, 100.0)));
    return list;
}

// Counts the paint events a widget receives.
class PaintCounter : public QObject
{
public:
    explicit PaintCounter(QWidget *widget) { widget->installEventFilter(this); }
    int paints = 0;

protected:
    bool eventFilter(QObject *, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            ++paints;
        return false;
    }
};

} // namespace

class TestDeviceTableView : public QObject
{
    Q_OBJECT
private slots:
    void resortRepaintsOnlyTheCells();
};

// A re-sort by a live column moves rows, not sizes: the cells repaint, the
// scroll bar does not; new rows still resize the scroll bar.
void TestDeviceTableView::resortRepaintsOnlyTheCells()
{
    qint64 now = kStart;
    DeviceTableModel model([&now] { return now; });
    model.setRefreshIntervalMs(0);
    model.applyRows(rows(0, 200, now, 0));
    model.refresh();
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    DeviceTableView view;
    view.setModel(&proxy);
    view.setSortingEnabled(true);
    view.sortByColumn(DeviceTableModel::Cpu, Qt::DescendingOrder);
    view.verticalHeader()->hide();
    view.resize(800, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCoreApplication::processEvents();
    const int maximum = view.verticalScrollBar()->maximum();
    QVERIFY(maximum > 0);

    PaintCounter cells(view.viewport());
    PaintCounter scrollBar(view.verticalScrollBar());
    for (int second = 1; second <= 3; ++second) {
        now += 1000;
        model.applyRows(rows(0, 200, now, second * 13.0));
        model.refresh();
        QTRY_VERIFY(cells.paints >= second);
        // The order follows the new values.
        const QModelIndex top = proxy.index(0, DeviceTableModel::Cpu);
        const QModelIndex next = proxy.index(1, DeviceTableModel::Cpu);
        QVERIFY(top.data(DeviceTableModel::SortRole).toDouble()
            >= next.data(DeviceTableModel::SortRole).toDouble());
    }
    QCOMPARE(scrollBar.paints, 0);
    QVERIFY(view.skippedLayouts() >= 3);
    QCOMPARE(view.verticalScrollBar()->maximum(), maximum);

    now += 1000;
    model.applyRows(rows(0, 400, now, 50.0));
    model.refresh();
    QTRY_VERIFY(view.verticalScrollBar()->maximum() > maximum);
    QCOMPARE(proxy.rowCount(), 400);
}

QTEST_MAIN(TestDeviceTableView)
#include "tst_devicetableview.moc"
