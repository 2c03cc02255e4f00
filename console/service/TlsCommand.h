// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace dmr::console {

// `metrics-console tls selfsigned --cert PATH --key PATH [--host NAME]...
// [--days N] [--force]`: a self-signed certificate (ECDSA P-256, SHA-256)
// for a first set-up, valid for the given host names and addresses
// (default: this machine's name, localhost, 127.0.0.1 and ::1). The key is
// written with mode 0600; existing files are kept unless --force. Browsers
// warn about it until it is trusted; curl takes it with --cacert. Returns
// the exit code.
int runTlsCommand(const QStringList &arguments);

} // namespace dmr::console
