// SPDX-License-Identifier: MIT
#include "AgentConfig.h"
#include "Clock.h"
#include "Delivery.h"
#include "Logger.h"
#include "ReportBuilder.h"
#include "ReportJson.h"
#include "Sender.h"
#include "SpillKeeper.h"
#include "dmr/Codec.h"
#include "dmr/Seal.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace dmr::agent;

namespace {

// The gap between the two CPU samples of --once and of the first report, long
// enough for a meaningful percentage and short enough not to feel slow.
constexpr std::int64_t kFirstSampleGapNs = 250 * 1000000LL;

volatile std::sig_atomic_t g_stopSignal = 0;

void onStopSignal(int signal)
{
    g_stopSignal = signal;
}

// SIGTERM and SIGINT stay blocked except inside ppoll(), which unblocks them
// atomically: a signal that arrives while a report is being built is not lost
// in the gap before the sleep, it ends the sleep at once.
sigset_t installSignalHandlers()
{
    struct sigaction action = {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, nullptr);

    sigset_t blocked, previous;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigprocmask(SIG_BLOCK, &blocked, &previous);
    sigdelset(&previous, SIGTERM);
    sigdelset(&previous, SIGINT);
    return previous;
}

// Sleeps until the monotonic deadline or until `fd` is readable (fd -1: no
// socket yet); false if a stop signal came first.
bool waitUntil(std::int64_t deadlineNs, int fd, const sigset_t &waitMask)
{
    while (!g_stopSignal) {
        const std::int64_t left = deadlineNs - Clock::monotonicNs();
        if (left <= 0)
            return true;
        struct timespec timeout;
        timeout.tv_sec = time_t(left / 1000000000);
        timeout.tv_nsec = long(left % 1000000000);
        struct pollfd socket = {fd, POLLIN, 0};
        if (ppoll(&socket, fd >= 0 ? 1 : 0, &timeout, &waitMask) > 0)
            return !g_stopSignal;
    }
    return false;
}

// "location=lab,role=gateway", as METRICS_LABELS takes them.
std::string formatLabels(const dmr::Labels &labels)
{
    std::string text;
    for (const auto &[name, value] : labels)
        text += (text.empty() ? "" : ",") + name + '=' + value;
    return text;
}

std::string formatSeconds(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
}

void logProblems(Logger &logger, const ReportBuilder &builder)
{
    for (const std::string &problem : builder.problems())
        logger.logLimited(LogLevel::Warning, problem);
}

int runPrint(const AgentConfig &config, const sigset_t &waitMask)
{
    Logger logger(Logger::Options {std::string(), true});
    ReportBuilder builder(config);
    builder.primeCpu();
    if (!waitUntil(Clock::monotonicNs() + kFirstSampleGapNs, -1, waitMask))
        return 0;
    const Result<dmr::Report> report = builder.build();
    logProblems(logger, builder);
    if (!report.ok()) {
        logger.error(report.error());
        return 1;
    }
    const std::string json = ReportJson::format(report.value());
    std::fwrite(json.data(), 1, json.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

double cpuSeconds()
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The documented CPU benchmark: whole report cycles back to back, so the
// figure includes reading /proc, getifaddrs, encoding and the send syscall.
int runBench(const AgentConfig &config)
{
    Logger logger(Logger::Options {std::string(), true});
    ReportBuilder builder(config);
    Sender sender(config.serverHost, config.serverPort, logger);
    builder.primeCpu();
    std::size_t bytes = 0;
    const double cpuStart = cpuSeconds();
    const std::int64_t wallStart = Clock::monotonicNs();
    for (std::uint64_t i = 0; i < config.benchReports; ++i) {
        const Result<dmr::Report> report = builder.build();
        logProblems(logger, builder);
        if (!report.ok()) {
            logger.logLimited(LogLevel::Error, report.error());
            continue;
        }
        const std::string datagram
            = dmr::seal(dmr::PayloadKind::Report, dmr::encodeReport(report.value()),
                config.security, config.key ? &*config.key : nullptr, Clock::realtimeMs());
        bytes = datagram.size();
        sender.send(datagram);
    }
    const double cpu = cpuSeconds() - cpuStart;
    const double wall = double(Clock::monotonicNs() - wallStart) / 1e9;
    const double n = double(config.benchReports);
    std::printf("reports: %llu (%llu built, %llu skipped)\n",
        static_cast<unsigned long long>(config.benchReports),
        static_cast<unsigned long long>(builder.builtCount()),
        static_cast<unsigned long long>(builder.skippedCount()));
    std::printf("cpu per report: %.4f ms (user+sys, getrusage)\n", cpu * 1000.0 / n);
    std::printf("wall per report: %.4f ms\n", wall * 1000.0 / n);
    std::printf("encoded size: %zu bytes\n", bytes);
    return 0;
}

int runLoop(const AgentConfig &config, const sigset_t &waitMask)
{
    Logger logger(Logger::Options {config.logFile, true});
    ReportBuilder builder(config);
    SpillKeeper spill(config, logger);
    std::optional<Delivery> delivered;
    const std::string spillText = spill.restore(builder, delivered);
    Delivery &delivery = *delivered;
    char runId[16];
    std::snprintf(runId, sizeof runId, "%08x", builder.runId());
    logger.info("starting: version " + dmr::versionString(ReportBuilder::agentVersion())
        + ", console " + delivery.sender().target() + ", interval "
        + formatSeconds(config.intervalSeconds) + " s, device " + config.deviceId + ", run " + runId
        + ", security " + dmr::securityName(config.security)
        + (config.key
                ? " (key " + std::to_string(config.key->id) + " from " + config.keySource + ")"
                : std::string())
        + (config.labels.empty() ? std::string() : ", labels " + formatLabels(config.labels))
        + ", resend buffer " + std::to_string(config.resendCapacity()) + " reports" + spillText
        + (config.envFile.empty() ? "" : ", settings from " + config.envFile));

    spill.start(builder, delivery, Clock::monotonicMs());

    const std::int64_t intervalNs = std::int64_t(config.intervalSeconds * 1e9);
    builder.primeCpu();
    // Deadlines are start + k x interval on the monotonic clock, so slow
    // reports do not push later ones back; ticks missed while the machine
    // was suspended are skipped, not sent in a burst. Between them the agent
    // reads acknowledgements and resends what they show missing.
    std::int64_t next = Clock::monotonicNs() + std::min(intervalNs, kFirstSampleGapNs);
    std::uint64_t sent = 0;
    bool done = false;
    while (!done) {
        std::int64_t wake = next;
        const std::int64_t resendMs = delivery.nextResendMs(Clock::monotonicMs());
        if (resendMs >= 0)
            wake = std::min(wake, resendMs * 1000000);
        if (!waitUntil(wake, delivery.fd(), waitMask))
            break;
        delivery.readAcknowledgements();
        const std::int64_t now = Clock::monotonicNs();
        if (now >= next) {
            const Result<dmr::Report> report = builder.build();
            logProblems(logger, builder);
            if (report.ok()) {
                delivery.send(report.value(), Clock::realtimeMs(), now / 1000000);
                ++sent;
            } else {
                logger.logLimited(LogLevel::Error, report.error());
            }
            if (config.count > 0 && builder.builtCount() + builder.skippedCount() >= config.count)
                done = true;
            next += intervalNs;
            if (next <= now)
                next += ((now - next) / intervalNs + 1) * intervalNs;
        }
        delivery.resendDue(Clock::realtimeMs(), Clock::monotonicMs());
        spill.keep(builder, delivery, Clock::monotonicMs(), false);
    }
    const char *why = g_stopSignal == SIGTERM ? "SIGTERM"
        : g_stopSignal == SIGINT              ? "SIGINT"
                                              : "report count reached";
    const Sender &sender = delivery.sender();
    logger.info(std::string("stopping (") + why + "): " + std::to_string(sent) + " reports built, "
        + std::to_string(builder.skippedCount()) + " skipped, " + std::to_string(sender.sentCount())
        + " datagrams sent (" + std::to_string(delivery.resentCount()) + " resent), "
        + std::to_string(sender.failedCount()) + " not sent, "
        + std::to_string(delivery.buffer().size()) + " not acknowledged");
    spill.keep(builder, delivery, Clock::monotonicMs(), true);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    const Result<AgentConfig> parsed = AgentConfig::parse(args, AgentConfig::processEnvironment());
    if (!parsed.ok()) {
        std::fprintf(
            stderr, "metrics-agent: %s\nTry 'metrics-agent --help'.\n", parsed.error().c_str());
        return 2;
    }
    const AgentConfig &config = parsed.value();
    if (config.help) {
        std::fputs(AgentConfig::usage().c_str(), stdout);
        return 0;
    }
    if (config.version) {
        std::printf(
            "metrics-agent %s\n", dmr::versionString(ReportBuilder::agentVersion()).c_str());
        return 0;
    }
    // libcrypto is loaded only now, and only when something is protected.
    std::string cryptoProblem;
    if (config.security != dmr::Security::None && !dmr::cryptoAvailable(&cryptoProblem)) {
        std::fprintf(stderr, "metrics-agent: --security %s: %s\n",
            dmr::securityName(config.security), cryptoProblem.c_str());
        return 2;
    }
    const sigset_t waitMask = installSignalHandlers();
    if (config.print)
        return runPrint(config, waitMask);
    if (config.benchReports > 0)
        return runBench(config);
    return runLoop(config, waitMask);
}
