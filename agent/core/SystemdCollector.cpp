// SPDX-License-Identifier: MIT
#include "SystemdCollector.h"

#include "Clock.h"
#include "ProcFile.h"
#include "TextScanner.h"
#include "dmr/Codec.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace dmr::agent {

namespace {

constexpr std::size_t kMaxOutput = 64 * 1024;

bool isUnitName(std::string_view name)
{
    if (name.empty() || name.size() > dmr::kMaxUnitNameLength || name.find('.') == name.npos)
        return false;
    for (char c : name) {
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) > 0x7e)
            return false;
    }
    return true;
}

} // namespace

SystemdCollector::SystemdCollector(std::string root, std::string systemctl)
    : m_marker(ProcFile::join(root, "run/systemd/system"))
    , m_systemctl(std::move(systemctl))
{ }

bool SystemdCollector::present() const
{
    return ::access(m_marker.c_str(), F_OK) == 0;
}

std::vector<std::string> SystemdCollector::parseUnits(std::string_view text)
{
    std::vector<std::string> units;
    TextScanner lines(text);
    while (!lines.atEnd() && units.size() < dmr::kMaxFailedUnits) {
        TextScanner fields(lines.nextLine());
        std::string_view name = fields.nextToken();
        // Without --plain, a failed unit's line starts with a bullet.
        if (name == "\u25cf" || name == "*")
            name = fields.nextToken();
        if (isUnitName(name))
            units.emplace_back(name);
    }
    return units;
}

Result<std::string> SystemdCollector::run() const
{
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC | O_NONBLOCK) != 0)
        return Result<std::string>::failure(std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    // The agent blocks SIGTERM and SIGINT (it waits for them) and ignores
    // SIGPIPE; systemctl gets the defaults, so that it can be stopped.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    const char *argv[] = {m_systemctl.c_str(), "list-units", "--state=failed", "--plain",
        "--no-legend", "--no-pager", "--full", nullptr};
    pid_t child = 0;
    const int spawned = ::posix_spawnp(
        &child, m_systemctl.c_str(), &actions, &attributes, const_cast<char **>(argv), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    if (spawned != 0) {
        ::close(pipeFds[0]);
        return Result<std::string>::failure(
            "cannot run " + m_systemctl + ": " + std::strerror(spawned));
    }
    // Everything below is bounded by one deadline: a systemctl stuck behind
    // a busy PID 1, or one that closed its output and lingers, is killed.
    std::string output;
    const std::int64_t deadline = Clock::monotonicMs() + kTimeoutMs;
    bool timedOut = false;
    char chunk[4096];
    while (true) {
        const std::int64_t left = deadline - Clock::monotonicMs();
        if (left <= 0) {
            timedOut = true;
            break;
        }
        pollfd readable {pipeFds[0], POLLIN, 0};
        const int ready = ::poll(&readable, 1, int(left));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            break;
        if (ready == 0)
            continue; // the deadline check above ends it
        const ssize_t n = ::read(pipeFds[0], chunk, sizeof chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            break;
        if (output.size() < kMaxOutput)
            output.append(chunk, std::size_t(n));
    }
    ::close(pipeFds[0]);
    int status = 0;
    pid_t reaped = 0;
    while (!timedOut) {
        reaped = ::waitpid(child, &status, WNOHANG);
        if (reaped == child || (reaped < 0 && errno != EINTR))
            break;
        if (Clock::monotonicMs() >= deadline) {
            timedOut = true;
            break;
        }
        ::usleep(5000);
    }
    if (timedOut) {
        ::kill(child, SIGKILL);
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) { }
        return Result<std::string>::failure(m_systemctl + " did not answer within 5 s");
    }
    if (reaped != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Result<std::string>::failure(m_systemctl + " failed (status "
            + std::to_string(
                reaped == child && WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status))
            + ")");
    return Result<std::string>::success(std::move(output));
}

std::optional<std::vector<std::string>> SystemdCollector::collect(std::int64_t nowMs)
{
    m_problem.clear();
    if (!present()) {
        m_units.reset();
        return std::nullopt;
    }
    if (!m_asked || nowMs - m_askedMs >= kRefreshMs) {
        m_asked = true;
        m_askedMs = nowMs;
        Result<std::string> output = run();
        if (output.ok()) {
            m_units = parseUnits(output.value());
        } else {
            m_problem = output.error() + (m_units ? "; failed units as of the last answer" : "");
        }
    }
    return m_units;
}

} // namespace dmr::agent
