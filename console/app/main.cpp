// SPDX-License-Identifier: MIT
#include "config/ConsoleConfig.h"
#include "config/KeysCommand.h"
#include "config/LogFile.h"
#include "config/Logging.h"
#include "service/ConsoleService.h"
#include "service/DbCommand.h"
#include "service/TlsCommand.h"
#include "service/UsersCommand.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <csignal>
#include <cstdio>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>

// DMR_CONSOLE_WINDOW is 0 for the headless build (the metrics-console-headless
// package), which links neither widgets nor charts.
#if DMR_CONSOLE_WINDOW
#include "gui/MainWindow.h"
#include "gui/MigrationProgress.h"
#include "gui/SavedSettings.h"
#include "gui/ScreenshotTour.h"

#include <QApplication>
#include <QIcon>
#include <QMessageBox>
#include <QSettings>
#endif

using namespace dmr::console;

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int signal)
{
    const char byte = char(signal);
    [[maybe_unused]] const ssize_t n = ::write(g_signalPipe[1], &byte, 1);
}

// SIGTERM and SIGINT end the event loop through a socket pair, the one
// async-signal-safe way into Qt; the service then flushes before exit.
void installSignalHandlers(QCoreApplication *app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, app);
    QObject::connect(notifier, &QSocketNotifier::activated, app, [app] {
        char byte = 0;
        [[maybe_unused]] const ssize_t n = ::read(g_signalPipe[0], &byte, 1);
        qCInfo(lcStats, "signal %d received, writing queued reports and stopping", int(byte));
        app->quit();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
}

// The window needs a display; without one (a server, an ssh session) the
// console runs headless rather than failing.
bool canShowWindow(const QProcessEnvironment &environment)
{
#if DMR_CONSOLE_WINDOW
    return !environment.value(QStringLiteral("QT_QPA_PLATFORM")).isEmpty()
        || !environment.value(QStringLiteral("DISPLAY")).isEmpty()
        || !environment.value(QStringLiteral("WAYLAND_DISPLAY")).isEmpty();
#else
    Q_UNUSED(environment);
    return false;
#endif
}

QStringList argumentList(int argc, char *argv[])
{
    QStringList list;
    for (int i = 0; i < argc; ++i)
        list.append(QString::fromLocal8Bit(argv[i]));
    return list;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setOrganizationName(QStringLiteral("device-metrics-reporter"));
    QCoreApplication::setApplicationName(QStringLiteral("metrics-console"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DMR_VERSION));

    // The configuration decides which application object to make, so it is
    // read before there is one. In the window, the settings dialog's saved
    // values stand in for unset environment variables.
    const QStringList arguments = argumentList(argc, argv);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (arguments.value(1) == QLatin1String("keys")) {
        QCoreApplication app(argc, argv);
        return runKeysCommand(arguments, environment);
    }
    if (arguments.value(1) == QLatin1String("db")) {
        QCoreApplication app(argc, argv);
        return runDbCommand(arguments, environment);
    }
    if (arguments.value(1) == QLatin1String("users")) {
        QCoreApplication app(argc, argv);
        return runUsersCommand(arguments, environment);
    }
    if (arguments.value(1) == QLatin1String("tls")) {
        QCoreApplication app(argc, argv);
        return runTlsCommand(arguments);
    }
    QString error;
    int exitCode = 0;
    std::optional<ConsoleConfig> config
        = ConsoleConfig::parse(arguments, environment, &error, &exitCode);
    const bool window = config && !config->headless && canShowWindow(environment);
#if DMR_CONSOLE_WINDOW
    if (window) {
        QSettings settings;
        environment = SavedSettings(&settings).mergedInto(environment);
        config = ConsoleConfig::parse(arguments, environment, &error, &exitCode);
    }
#endif
    if (!config) {
        if (!error.isEmpty())
            std::fprintf(stderr, "metrics-console: %s\nTry --help.\n", qPrintable(error));
        return exitCode;
    }
#if DMR_CONSOLE_WINDOW
    std::unique_ptr<QCoreApplication> app = window ? std::make_unique<QApplication>(argc, argv)
                                                   : std::make_unique<QCoreApplication>(argc, argv);
#else
    auto app = std::make_unique<QCoreApplication>(argc, argv);
#endif

    LogFile::Options logOptions;
    logOptions.path = config->logFile.isEmpty() ? LogFile::defaultPath() : config->logFile;
    LogFile log(logOptions);
    log.install();

    if (!config->headless && !window)
        qCInfo(lcConfig,
            DMR_CONSOLE_WINDOW
                ? "no display (DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM); running headless"
                : "built without the window; running headless");

    installSignalHandlers(app.get());
#if DMR_CONSOLE_WINDOW
    // A database from an older console is brought up to date with progress
    // shown, not behind a window that does not appear yet.
    if (window && !migrateShowingProgress(config->database, &error)) {
        qCCritical(lcConfig, "cannot start: %s", qPrintable(error));
        std::fprintf(stderr, "metrics-console: %s\n", qPrintable(error));
        return 1;
    }
#endif
    ConsoleService service(*config);
    service.setBackgroundThreadsLowered(window);
    if (!service.start(&error)) {
        qCCritical(lcConfig, "cannot start: %s", qPrintable(error));
        std::fprintf(stderr, "metrics-console: %s\n", qPrintable(error));
#if DMR_CONSOLE_WINDOW
        // Started from a menu, nobody reads stderr.
        if (window)
            QMessageBox::critical(nullptr, QStringLiteral("metrics-console"),
                QStringLiteral("The console cannot start:\n\n%1").arg(error));
#endif
        return 1;
    }
    qCInfo(lcConfig, "metrics-console %s: UDP port %u, database %s", DMR_VERSION, service.udpPort(),
        qPrintable(config->databaseShown()));
#if DMR_CONSOLE_WINDOW
    std::unique_ptr<MainWindow> mainWindow;
    if (window) {
        QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/metrics-console.svg")));
        // The installed metrics-console.desktop: its name and icon in a
        // Wayland session's task bar.
        QGuiApplication::setDesktopFileName(QStringLiteral("metrics-console"));
        mainWindow = std::make_unique<MainWindow>(&service);
        mainWindow->resize(1400, 860);
        mainWindow->show();
        // resources/screenshots/make-screenshots.sh: the README's pictures.
        const QString shots = environment.value(QStringLiteral("DMR_SCREENSHOTS"));
        if (!shots.isEmpty())
            (new ScreenshotTour(mainWindow.get(), shots, mainWindow.get()))->start();
    }
#endif
    const int status = app->exec();
#if DMR_CONSOLE_WINDOW
    mainWindow.reset();
#endif
    service.stop();
    return status;
}
