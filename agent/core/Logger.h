// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace dmr::agent {

enum class LogLevel { Info, Warning, Error };

// Timestamped lines ("2026-11-28T12:00:00.123Z metrics-agent warning: ...") to
// a size-rotated file and/or stderr. The agent runs unattended for months on
// small flash storage, so the file is bounded (maxBytes x (keep + 1)) and a
// condition that recurs every interval is logged once, then at most once per
// repeat window with the number of repeats in between.
class Logger
{
public:
    struct Options
    {
        std::string filePath; // "" = no file
        bool toStderr = true;
        std::uint64_t maxBytes = 5 * 1024 * 1024;
        int keep = 3; // metrics.log.1 .. metrics.log.<keep>
        std::int64_t repeatWindowMs = 60 * 1000;
    };
    using MsClock = std::function<std::int64_t()>;

    explicit Logger(Options options);
    ~Logger();
    Logger(const Logger &) = delete;
    Logger &operator=(const Logger &) = delete;

    void log(LogLevel level, std::string_view message);
    void info(std::string_view message) { log(LogLevel::Info, message); }
    void warning(std::string_view message) { log(LogLevel::Warning, message); }
    void error(std::string_view message) { log(LogLevel::Error, message); }

    // Rate-limited by the exact message text.
    void logLimited(LogLevel level, const std::string &message);

    // Tests replace the clocks to step through repeat windows.
    void setClocks(MsClock monotonicMs, MsClock realtimeMs);
    // Why the log file could not be used, "" if it is in use (or none asked).
    const std::string &fileError() const { return m_fileError; }
    std::uint64_t linesWritten() const { return m_linesWritten; }

    static const char *levelName(LogLevel level);

private:
    struct Repeat
    {
        std::int64_t lastLoggedMs = 0;
        std::uint64_t suppressed = 0;
    };

    bool openFile();
    void rotate();
    void writeLine(const std::string &line);

    Options m_options;
    int m_fd = -1;
    std::uint64_t m_fileSize = 0;
    std::string m_fileError;
    std::map<std::string, Repeat> m_repeats;
    MsClock m_monotonicMs;
    MsClock m_realtimeMs;
    std::uint64_t m_linesWritten = 0;
};

} // namespace dmr::agent
