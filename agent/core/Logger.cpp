// SPDX-License-Identifier: MIT
#include "Logger.h"

#include "Clock.h"
#include "WriteAll.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dmr::agent {

namespace {

// Distinct rate-limited messages remembered at once; bounds memory when the
// messages carry changing details.
constexpr std::size_t kMaxRepeatEntries = 32;

bool makeParentDirectories(const std::string &filePath, std::string &error)
{
    std::size_t slash = filePath.find('/', 1);
    while (slash != std::string::npos) {
        const std::string directory = filePath.substr(0, slash);
        if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
            error = "cannot create " + directory + ": " + std::strerror(errno);
            return false;
        }
        slash = filePath.find('/', slash + 1);
    }
    return true;
}

} // namespace

Logger::Logger(Options options)
    : m_options(std::move(options))
    , m_monotonicMs(&Clock::monotonicMs)
    , m_realtimeMs(&Clock::realtimeMs)
{
    if (!m_options.filePath.empty() && !openFile() && !m_options.toStderr) {
        // Losing every line silently is worse than writing to stderr.
        m_options.toStderr = true;
    }
    if (!m_fileError.empty())
        warning(m_fileError + "; logging to stderr only");
}

Logger::~Logger()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void Logger::setClocks(MsClock monotonicMs, MsClock realtimeMs)
{
    m_monotonicMs = std::move(monotonicMs);
    m_realtimeMs = std::move(realtimeMs);
}

const char *Logger::levelName(LogLevel level)
{
    switch (level) {
    case LogLevel::Info:
        return "info";
    case LogLevel::Warning:
        return "warning";
    case LogLevel::Error:
        return "error";
    }
    return "info";
}

bool Logger::openFile()
{
    if (!makeParentDirectories(m_options.filePath, m_fileError))
        return false;
    m_fd = ::open(m_options.filePath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) {
        m_fileError = "cannot open log file " + m_options.filePath + ": " + std::strerror(errno);
        return false;
    }
    struct stat info;
    m_fileSize = ::fstat(m_fd, &info) == 0 ? std::uint64_t(info.st_size) : 0;
    m_fileError.clear();
    return true;
}

void Logger::rotate()
{
    ::close(m_fd);
    m_fd = -1;
    const std::string &base = m_options.filePath;
    if (m_options.keep <= 0) {
        ::unlink(base.c_str());
    } else {
        for (int i = m_options.keep - 1; i >= 1; --i) {
            const std::string from = base + '.' + std::to_string(i);
            const std::string to = base + '.' + std::to_string(i + 1);
            ::rename(from.c_str(), to.c_str());
        }
        ::rename(base.c_str(), (base + ".1").c_str());
    }
    if (!openFile())
        m_options.toStderr = true;
}

void Logger::writeLine(const std::string &line)
{
    ++m_linesWritten;
    if (m_fd >= 0) {
        if (m_fileSize > 0 && m_fileSize + line.size() > m_options.maxBytes)
            rotate();
        if (m_fd >= 0) {
            writeAll(m_fd, line);
            m_fileSize += line.size();
        }
    }
    if (m_options.toStderr)
        writeAll(STDERR_FILENO, line);
}

void Logger::log(LogLevel level, std::string_view message)
{
    std::string line = Clock::isoUtc(m_realtimeMs ? m_realtimeMs() : Clock::realtimeMs());
    line += " metrics-agent ";
    line += levelName(level);
    line += ": ";
    line.append(message.data(), message.size());
    line += '\n';
    writeLine(line);
}

void Logger::logLimited(LogLevel level, const std::string &message)
{
    const std::int64_t now = m_monotonicMs ? m_monotonicMs() : Clock::monotonicMs();
    auto found = m_repeats.find(message);
    if (found == m_repeats.end()) {
        if (m_repeats.size() >= kMaxRepeatEntries) {
            auto oldest = m_repeats.begin();
            for (auto it = m_repeats.begin(); it != m_repeats.end(); ++it) {
                if (it->second.lastLoggedMs < oldest->second.lastLoggedMs)
                    oldest = it;
            }
            m_repeats.erase(oldest);
        }
        m_repeats.emplace(message, Repeat {now, 0});
        log(level, message);
        return;
    }
    Repeat &repeat = found->second;
    if (now - repeat.lastLoggedMs < m_options.repeatWindowMs) {
        ++repeat.suppressed;
        return;
    }
    if (repeat.suppressed > 0) {
        log(level,
            message + " (" + std::to_string(repeat.suppressed)
                + " identical messages suppressed in the last "
                + std::to_string((now - repeat.lastLoggedMs) / 1000) + " s)");
    } else {
        log(level, message);
    }
    repeat.lastLoggedMs = now;
    repeat.suppressed = 0;
}

} // namespace dmr::agent
