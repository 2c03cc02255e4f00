// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace dmr::console {

// The tables of accounts (console/auth), the same on both drivers: SQLite's
// migration 9 and PostgreSQL's 2. {{ID}} is the driver's row id.
//  - users: a name, an Argon2id hash of the password (libsodium's string,
//    parameters included) and a role;
//  - api_tokens: a token's SHA-256 (never the token), its owner, its role
//    (never above its owner's), expiry and revocation;
//  - sessions: a web session's cookie, as a SHA-256, its CSRF token and
//    expiry, so that consoles sharing a database share sessions;
//  - audit_log: who did what, when, from where, and what came of it.
QStringList accountTables();

} // namespace dmr::console
