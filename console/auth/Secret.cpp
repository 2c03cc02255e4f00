// SPDX-License-Identifier: MIT
#include "auth/Secret.h"

#include <sodium.h>

namespace dmr::console::Secret {

namespace {

bool ready()
{
    // Thread-safe and idempotent; -1 only when no randomness is to be had.
    static const bool ok = sodium_init() >= 0;
    return ok;
}

// libsodium's interactive limits (2 passes over 64 MiB): about 0.1 s on a
// laptop core, under a second on a Raspberry Pi; what it recommends for
// logins.
constexpr unsigned long long kOps = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr std::size_t kMemory = crypto_pwhash_MEMLIMIT_INTERACTIVE;

} // namespace

QString passwordProblem(const QString &password)
{
    if (password.size() < kMinPasswordLength)
        return QStringLiteral("a password has at least %1 characters").arg(kMinPasswordLength);
    if (password.size() > kMaxPasswordLength)
        return QStringLiteral("a password has at most %1 characters").arg(kMaxPasswordLength);
    return QString();
}

QByteArray hashPassword(const QString &password)
{
    if (!ready())
        return {};
    const QByteArray utf8 = password.toUtf8();
    QByteArray out(crypto_pwhash_STRBYTES, '\0');
    if (crypto_pwhash_str(out.data(), utf8.constData(), quint64(utf8.size()), kOps, kMemory) != 0)
        return {};
    out.truncate(qsizetype(qstrlen(out.constData())));
    return out;
}

bool verifyPassword(const QByteArray &hash, const QString &password)
{
    if (!ready() || hash.isEmpty() || hash.size() >= crypto_pwhash_STRBYTES)
        return false;
    const QByteArray utf8 = password.toUtf8();
    QByteArray terminated = hash;
    terminated.append('\0');
    return crypto_pwhash_str_verify(terminated.constData(), utf8.constData(), quint64(utf8.size()))
        == 0;
}

void verifyNothing(const QString &password)
{
    // A hash of a random password, made once: verifying against it costs
    // what a real user's does and never succeeds.
    static const QByteArray decoy = hashPassword(QString::fromLatin1(randomToken()));
    verifyPassword(decoy, password);
}

QByteArray randomToken(const QByteArray &prefix)
{
    if (!ready())
        return {};
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    const QByteArray raw(reinterpret_cast<const char *>(bytes), sizeof bytes);
    sodium_memzero(bytes, sizeof bytes);
    return prefix + raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray digest(const QByteArray &token)
{
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(
        out, reinterpret_cast<const unsigned char *>(token.constData()), quint64(token.size()));
    return QByteArray(reinterpret_cast<const char *>(out), sizeof out).toHex();
}

bool equal(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    return a.isEmpty() || sodium_memcmp(a.constData(), b.constData(), std::size_t(a.size())) == 0;
}

} // namespace dmr::console::Secret
