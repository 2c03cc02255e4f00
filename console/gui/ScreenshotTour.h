// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

namespace dmr::console {

class MainWindow;

// Takes the README's screenshots of the running program: the main window,
// then the busiest device's view over the last 24 hours; then quits.
// metrics-console does this when DMR_SCREENSHOTS names a folder.
class ScreenshotTour : public QObject
{
    Q_OBJECT
public:
    ScreenshotTour(MainWindow *window, QString folder, QObject *parent = nullptr);
    void start();

private:
    void shootMainWindow();
    void shootDeviceView();
    void save(const QString &name);

    MainWindow *m_window;
    QString m_folder;
};

} // namespace dmr::console
