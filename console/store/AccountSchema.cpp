// SPDX-License-Identifier: MIT
#include "store/AccountSchema.h"

namespace dmr::console {

QStringList accountTables()
{
    // Never edit once shipped: a later change is a migration of its own.
    return {
        QStringLiteral("CREATE TABLE users ("
                       " id {{ID}},"
                       " name VARCHAR(64) NOT NULL UNIQUE,"
                       " password_hash VARCHAR(255) NOT NULL,"
                       " role VARCHAR(16) NOT NULL,"
                       " created_at BIGINT NOT NULL,"
                       " updated_at BIGINT NOT NULL,"
                       " last_login BIGINT NOT NULL DEFAULT 0)"),
        QStringLiteral("CREATE TABLE api_tokens ("
                       " id {{ID}},"
                       " user_id BIGINT NOT NULL REFERENCES users(id),"
                       " name VARCHAR(128) NOT NULL,"
                       " digest VARCHAR(64) NOT NULL UNIQUE,"
                       " role VARCHAR(16) NOT NULL,"
                       " created_at BIGINT NOT NULL,"
                       " expires_at BIGINT NOT NULL DEFAULT 0,"
                       " revoked_at BIGINT NOT NULL DEFAULT 0,"
                       " last_used BIGINT NOT NULL DEFAULT 0)"),
        QStringLiteral("CREATE INDEX api_tokens_user ON api_tokens (user_id)"),
        QStringLiteral("CREATE TABLE sessions ("
                       " digest VARCHAR(64) NOT NULL PRIMARY KEY,"
                       " user_id BIGINT NOT NULL REFERENCES users(id),"
                       " csrf VARCHAR(64) NOT NULL,"
                       " address VARCHAR(64) NOT NULL DEFAULT '',"
                       " created_at BIGINT NOT NULL,"
                       " expires_at BIGINT NOT NULL)"),
        QStringLiteral("CREATE INDEX sessions_user ON sessions (user_id)"),
        QStringLiteral("CREATE TABLE audit_log ("
                       " id {{ID}},"
                       " at BIGINT NOT NULL,"
                       " actor VARCHAR(64) NOT NULL,"
                       " action VARCHAR(128) NOT NULL,"
                       " target VARCHAR(255) NOT NULL DEFAULT '',"
                       " address VARCHAR(64) NOT NULL DEFAULT '',"
                       " status INTEGER NOT NULL DEFAULT 0)"),
        QStringLiteral("CREATE INDEX audit_log_at ON audit_log (at)"),
    };
}

} // namespace dmr::console
