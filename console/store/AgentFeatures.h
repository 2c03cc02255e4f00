// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>
#include <cstdint>
#include <optional>

namespace dmr::console {

// What an agent of a given version sends, so that views can tell "the agent
// is too old to send this" from "the device has none": the one table of the
// report fields that came after 0.1.0, keyed by the version that added each.
// The REST API's device JSON (agent_outdated, missing_fields) and the window
// both read it here.
class AgentFeatures
{
public:
    struct Field
    {
        const char *name; // as in the hardware JSON (ApiJson::hardware)
        std::uint32_t since; // dmr::packVersion() of the first agent sending it
    };
    // In the order the hardware JSON has them.
    static const QList<Field> &fields();

    // "0.2.0" (also "v0.2.0", "0.2") as dmr::packVersion(); nullopt when it
    // is not a version (empty: a device registered over HTTP, no agent).
    static std::optional<std::uint32_t> parseVersion(const QString &text);
    // This console's own version (the project's).
    static std::uint32_t consoleVersion();
    // Older than this console; false when the version is unknown.
    static bool outdated(const QString &agentVersion);
    // The fields an agent of that version does not send; empty when the
    // version is unknown (no agent to blame) or new enough.
    static QStringList missingFields(const QString &agentVersion);
};

} // namespace dmr::console
