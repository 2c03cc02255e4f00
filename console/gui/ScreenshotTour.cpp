// SPDX-License-Identifier: MIT
#include "gui/ScreenshotTour.h"

#include "gui/DeviceFilterProxyModel.h"
#include "gui/DeviceTableModel.h"
#include "gui/DeviceView.h"
#include "gui/MainWindow.h"

#include <QApplication>
#include <QDir>
#include <QPixmap>
#include <QTableView>
#include <QTimer>

namespace dmr::console {

namespace {

constexpr int kSettleMs = 3000; // a few fleet refreshes and status ticks

} // namespace

ScreenshotTour::ScreenshotTour(MainWindow *window, QString folder, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_folder(std::move(folder))
{ }

void ScreenshotTour::start()
{
    QDir().mkpath(m_folder);
    QTimer::singleShot(kSettleMs, this, &ScreenshotTour::shootMainWindow);
}

void ScreenshotTour::save(const QString &name)
{
    const QString path = QDir(m_folder).filePath(name);
    if (!m_window->grab().save(path))
        qWarning("cannot save %s", qPrintable(path));
}

void ScreenshotTour::shootMainWindow()
{
    QTableView *table = m_window->deviceTable();
    table->sortByColumn(DeviceTableModel::Cpu, Qt::DescendingOrder);
    table->selectRow(1);
    QTimer::singleShot(500, this, [this] {
        save(QStringLiteral("main-window.png"));
        shootDeviceView();
    });
}

void ScreenshotTour::shootDeviceView()
{
    const QString uuid
        = m_window->proxyModel()->index(0, 0).data(DeviceTableModel::UuidRole).toString();
    DeviceView *view = m_window->openDevice(uuid);
    if (!view) {
        QApplication::exit(1);
        return;
    }
    connect(
        view, &DeviceView::networkShown, this,
        [this] {
            QTimer::singleShot(800, this, [this] {
                save(QStringLiteral("device-view.png"));
                QApplication::quit();
            });
        },
        Qt::SingleShotConnection);
    view->setRange(DeviceView::Range::Day);
}

} // namespace dmr::console
