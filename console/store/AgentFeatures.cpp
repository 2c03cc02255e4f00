// SPDX-License-Identifier: MIT
#include "store/AgentFeatures.h"

#include "dmr/Report.h"

#include <QRegularExpression>

#ifndef DMR_CONSOLE_VERSION
#error "DMR_CONSOLE_VERSION must be defined (console/store/CMakeLists.txt)"
#endif

namespace dmr::console {

const QList<AgentFeatures::Field> &AgentFeatures::fields()
{
    static const std::uint32_t v020 = dmr::packVersion(0, 2, 0);
    static const QList<Field> list = {
        {"core_percents", v020},
        {"temperatures", v020},
        {"battery", v020},
        {"swap", v020},
        {"disk_io", v020},
        {"file_systems", v020},
        {"processes", v020},
        {"failed_units", v020},
    };
    return list;
}

std::optional<std::uint32_t> AgentFeatures::parseVersion(const QString &text)
{
    static const QRegularExpression pattern(
        QStringLiteral("^v?(\\d{1,4})\\.(\\d{1,4})(?:\\.(\\d{1,4}))?(?:[-+].*)?$"));
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return std::nullopt;
    return dmr::packVersion(match.captured(1).toUInt(), match.captured(2).toUInt(),
        match.captured(3).isEmpty() ? 0u : match.captured(3).toUInt());
}

std::uint32_t AgentFeatures::consoleVersion()
{
    static const std::uint32_t version
        = parseVersion(QStringLiteral(DMR_CONSOLE_VERSION)).value_or(0);
    return version;
}

bool AgentFeatures::outdated(const QString &agentVersion)
{
    const std::optional<std::uint32_t> version = parseVersion(agentVersion);
    return version && *version < consoleVersion();
}

QStringList AgentFeatures::missingFields(const QString &agentVersion)
{
    QStringList missing;
    const std::optional<std::uint32_t> version = parseVersion(agentVersion);
    if (!version)
        return missing;
    for (const Field &field : fields()) {
        if (*version < field.since)
            missing << QLatin1String(field.name);
    }
    return missing;
}

} // namespace dmr::console
