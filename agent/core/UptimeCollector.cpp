// SPDX-License-Identifier: MIT
#include "UptimeCollector.h"

#include "ProcFile.h"
#include "TextScanner.h"

namespace dmr::agent {

namespace {

// A thousand years: anything above is a corrupt file, and the bound keeps the
// double-to-integer conversion defined.
constexpr double kMaxUptimeSeconds = 1000.0 * 365 * 86400;

} // namespace

UptimeCollector::UptimeCollector(std::string root)
    : m_path(ProcFile::join(root, "proc/uptime"))
{ }

Result<std::uint64_t> UptimeCollector::parseUptime(std::string_view text)
{
    TextScanner scanner(text);
    double seconds = 0;
    if (!scanner.nextDouble(seconds) || seconds < 0 || seconds > kMaxUptimeSeconds)
        return Result<std::uint64_t>::failure("expected the seconds since boot");
    return Result<std::uint64_t>::success(static_cast<std::uint64_t>(seconds));
}

Result<std::uint64_t> UptimeCollector::collect()
{
    const std::string error = ProcFile::read(m_path, m_buffer, 1024);
    if (!error.empty())
        return Result<std::uint64_t>::failure(error);
    Result<std::uint64_t> parsed = parseUptime(m_buffer);
    if (!parsed.ok())
        return Result<std::uint64_t>::failure(m_path + ": " + parsed.error());
    return parsed;
}

} // namespace dmr::agent
