// SPDX-License-Identifier: MIT
#pragma once

#include <QSslConfiguration>
#include <QString>
#include <optional>

namespace dmr::console {

// A server's TLS set-up from PEM files: the certificate (its chain after
// it) and the unencrypted EC or RSA key, TLS 1.2 or later, no client
// certificates asked for. nullopt and *error (naming the file and what is
// wrong with it) when either cannot be used. Warns of a key others can read
// and of a certificate past its date.
namespace TlsFiles {

std::optional<QSslConfiguration> load(
    const QString &certificatePath, const QString &keyPath, QString *error);

} // namespace TlsFiles

} // namespace dmr::console
