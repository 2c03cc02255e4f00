// SPDX-License-Identifier: MIT
#pragma once

#include "auth/Role.h"

#include <QString>

namespace dmr::console {

// Who made a request, and how they proved it.
struct Principal
{
    enum class Kind {
        Anonymous, // nothing presented (reads on loopback, where allowed)
        Session, // the web page's cookie
        Token, // a user's API token
        LegacyToken, // METRICS_API_TOKEN: an admin without a user
        ScrapeToken, // METRICS_SCRAPE_TOKEN: /metrics only
        Local, // the desktop window or the `users` command: the local user
    };
    Kind kind = Kind::Anonymous;
    QString name; // the user's; "api" for the legacy token; empty when anonymous
    qint64 userId = 0; // 0: no user row behind it
    Role role = Role::Viewer;
    QString csrf; // a session's: what its state-changing requests must send
    qint64 sessionExpiresAt = 0;
    qint64 tokenId = 0;

    bool isUser() const { return userId > 0; }
    bool may(Role needed) const { return kind != Kind::ScrapeToken && role >= needed; }
    // For the audit log and acknowledgements.
    QString actor() const { return name.isEmpty() ? QStringLiteral("anonymous") : name; }
};

} // namespace dmr::console
