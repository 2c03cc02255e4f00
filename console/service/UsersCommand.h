// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QStringList>

namespace dmr::console {

// `metrics-console users add NAME [--role viewer|operator|admin]` (the
// password from a prompt, or the first line of stdin), `users list`,
// `users delete NAME`, `users passwd NAME`, `users role NAME ROLE`,
// `users token NAME --name WHAT [--role R] [--expires-days N]` (prints the
// token once) and `users revoke TOKEN_ID`, on the console's database (--db
// and the other options as the console takes them). Each change is in the
// audit log as the local user's. `arguments` starts with the program name,
// then "users". Returns the exit code.
int runUsersCommand(const QStringList &arguments, const QProcessEnvironment &environment);

} // namespace dmr::console
