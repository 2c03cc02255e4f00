// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QStringList>

namespace dmr::console {

// `metrics-console db stats [--db PATH] [--json]` tells what the database
// holds: per part of the store its samples, bytes and time span, and the
// bytes per report. `metrics-console db maintain [--db PATH] [--keep-... N]
// [--max-db-size SIZE]` closes every window of history that can be closed
// into chunks now (all but each device's newest), applies retention and the
// disk budget as configured, and gives free pages back to the file system;
// a file from before auto_vacuum=INCREMENTAL is rewritten with it (VACUUM)
// when there is room beside it.
// `arguments` starts with the program name, then "db". Returns the exit code.
int runDbCommand(const QStringList &arguments, const QProcessEnvironment &environment);

} // namespace dmr::console
