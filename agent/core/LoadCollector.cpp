// SPDX-License-Identifier: MIT
#include "LoadCollector.h"

#include "ProcFile.h"
#include "TextScanner.h"

namespace dmr::agent {

LoadCollector::LoadCollector(std::string root)
    : m_path(ProcFile::join(root, "proc/loadavg"))
{ }

Result<LoadAverage> LoadCollector::parseLoadavg(std::string_view text)
{
    TextScanner scanner(text);
    LoadAverage load;
    for (double *value : {&load.load1, &load.load5, &load.load15}) {
        if (!scanner.nextDouble(*value) || *value < 0)
            return Result<LoadAverage>::failure("expected three non-negative load averages");
    }
    return Result<LoadAverage>::success(load);
}

Result<LoadAverage> LoadCollector::collect()
{
    const std::string error = ProcFile::read(m_path, m_buffer, 1024);
    if (!error.empty())
        return Result<LoadAverage>::failure(error);
    Result<LoadAverage> parsed = parseLoadavg(m_buffer);
    if (!parsed.ok())
        return Result<LoadAverage>::failure(m_path + ": " + parsed.error());
    return parsed;
}

} // namespace dmr::agent
