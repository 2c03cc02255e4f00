// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QStringList>

namespace dmr::console {

// `metrics-console keys add DEVICE_ID [--security sign|encrypt] [options]`
// creates a device key in the console's key file and prints the line for the
// agent's key file; `metrics-console keys list` shows the devices with keys.
// `arguments` starts with the program name, then "keys". Returns the exit code.
int runKeysCommand(const QStringList &arguments, const QProcessEnvironment &environment);

} // namespace dmr::console
