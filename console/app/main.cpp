// SPDX-License-Identifier: MIT
#include "ConsoleConfig.h"
#include "ConsoleService.h"
#include "LogFile.h"
#include "Logging.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

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

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("metrics-console"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DMR_VERSION));

    QString error;
    int exitCode = 0;
    const std::optional<ConsoleConfig> config = ConsoleConfig::parse(
        QCoreApplication::arguments(), QProcessEnvironment::systemEnvironment(), &error, &exitCode);
    if (!config) {
        if (!error.isEmpty())
            std::fprintf(stderr, "metrics-console: %s\nTry --help.\n", qPrintable(error));
        return exitCode;
    }

    LogFile::Options logOptions;
    logOptions.path = config->logFile.isEmpty() ? LogFile::defaultPath() : config->logFile;
    LogFile log(logOptions);
    log.install();

    if (!config->headless)
        qCInfo(lcConfig, "this build has no desktop window yet; running headless");

    installSignalHandlers(&app);
    ConsoleService service(*config);
    if (!service.start(&error)) {
        qCCritical(lcConfig, "cannot start: %s", qPrintable(error));
        std::fprintf(stderr, "metrics-console: %s\n", qPrintable(error));
        return 1;
    }
    qCInfo(lcConfig, "metrics-console %s: UDP port %u, database %s", DMR_VERSION, service.udpPort(),
        qPrintable(config->database));
    const int status = app.exec();
    service.stop();
    return status;
}
