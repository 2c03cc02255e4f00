// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

namespace dmr::console {

// Passwords, tokens and session ids: how they are made, hashed and compared
// (libsodium). A password is kept as an Argon2id string (libsodium's
// crypto_pwhash_str: salt and parameters included, so stronger parameters
// later still verify the old ones). A token or a session id is 32 random
// bytes, which no one can guess, so a fast hash (SHA-256) of it is what is
// stored: whoever reads the database cannot use what they read.
namespace Secret {

constexpr int kMinPasswordLength = 8;
constexpr int kMaxPasswordLength = 1024;

// Why a password is refused (too short, too long), or empty.
QString passwordProblem(const QString &password);
// The Argon2id string; empty when out of memory (it takes 64 MiB a while).
QByteArray hashPassword(const QString &password);
bool verifyPassword(const QByteArray &hash, const QString &password);
// Spends the time a verification does, for an unknown user: a login's answer
// time then tells no one which names exist.
void verifyNothing(const QString &password);
// `prefix` and 32 random bytes as base64url: "dmr_4Kx…".
QByteArray randomToken(const QByteArray &prefix = QByteArray());
// SHA-256 of a token, 64 hex digits.
QByteArray digest(const QByteArray &token);
// Constant time for equal lengths, so that timing tells nothing of a secret.
bool equal(const QByteArray &a, const QByteArray &b);

} // namespace Secret

} // namespace dmr::console
