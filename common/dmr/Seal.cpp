// SPDX-License-Identifier: MIT
#include "dmr/Seal.h"

#include "metrics.pb.h"

#include <cstdlib>
#include <sodium.h>

namespace dmr {

namespace {

constexpr std::size_t kHeaderSize = 18;
constexpr std::size_t kHmacSize = crypto_auth_hmacsha256_BYTES;
constexpr std::size_t kAeadTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == kKeySize);
static_assert(crypto_auth_hmacsha256_KEYBYTES == kKeySize);

// libsodium must be initialised once before use; sodium_init() is thread-safe.
void ensureSodium()
{
    static const bool ready = sodium_init() >= 0;
    if (!ready)
        std::abort(); // no entropy source: nothing secure can be done
}

// "dmr1", kind, security, key id and send time: what the tag covers besides
// the payload.
std::array<unsigned char, kHeaderSize> header(
    PayloadKind kind, Security security, std::uint32_t keyId, std::int64_t sentTimeMs)
{
    std::array<unsigned char, kHeaderSize> bytes {'d', 'm', 'r', '1'};
    bytes[4] = static_cast<unsigned char>(kind);
    bytes[5] = static_cast<unsigned char>(security);
    for (int i = 0; i < 4; ++i)
        bytes[6 + i] = static_cast<unsigned char>(keyId >> (24 - 8 * i));
    const auto time = static_cast<std::uint64_t>(sentTimeMs);
    for (int i = 0; i < 8; ++i)
        bytes[10 + i] = static_cast<unsigned char>(time >> (56 - 8 * i));
    return bytes;
}

std::string hmac(
    const std::array<unsigned char, kHeaderSize> &head, const std::string &payload, const Key &key)
{
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key.bytes.data(), key.bytes.size());
    crypto_auth_hmacsha256_update(&state, head.data(), head.size());
    crypto_auth_hmacsha256_update(
        &state, reinterpret_cast<const unsigned char *>(payload.data()), payload.size());
    std::string tag(kHmacSize, '\0');
    crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char *>(tag.data()));
    sodium_memzero(&state, sizeof state);
    return tag;
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

const char *securityName(Security security)
{
    switch (security) {
    case Security::None:
        return "none";
    case Security::Sign:
        return "sign";
    case Security::Encrypt:
        return "encrypt";
    }
    return "unknown";
}

std::optional<Security> parseSecurity(const std::string &name)
{
    for (Security level : {Security::None, Security::Sign, Security::Encrypt}) {
        if (name == securityName(level))
            return level;
    }
    return std::nullopt;
}

std::string Key::toText() const
{
    static const char digits[] = "0123456789abcdef";
    std::string text = std::to_string(id) + ':';
    for (unsigned char byte : bytes) {
        text += digits[byte >> 4];
        text += digits[byte & 0xf];
    }
    return text;
}

std::optional<Key> Key::fromText(const std::string &text)
{
    const std::size_t colon = text.find(':');
    if (colon == std::string::npos || colon == 0 || colon > 10
        || text.size() != colon + 1 + 2 * kKeySize)
        return std::nullopt;
    std::uint64_t id = 0;
    for (std::size_t i = 0; i < colon; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
        id = id * 10 + std::uint64_t(text[i] - '0');
    }
    if (id == 0 || id > 0xffffffffULL)
        return std::nullopt;
    Key key;
    key.id = static_cast<std::uint32_t>(id);
    for (std::size_t i = 0; i < kKeySize; ++i) {
        const int hi = hexDigit(text[colon + 1 + 2 * i]);
        const int lo = hexDigit(text[colon + 2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        key.bytes[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return key;
}

Key Key::generate()
{
    ensureSodium();
    Key key;
    do
        key.id = randombytes_random();
    while (key.id == 0);
    randombytes_buf(key.bytes.data(), key.bytes.size());
    return key;
}

std::string seal(PayloadKind kind, const std::string &payload, Security security, const Key *key,
    std::int64_t sentTimeMs)
{
    v1::Datagram datagram;
    datagram.set_kind(static_cast<v1::Kind>(kind));
    datagram.set_security(static_cast<v1::Security>(security));
    datagram.set_sent_time_ms(sentTimeMs);
    if (security == Security::None || !key) {
        datagram.set_security(v1::SECURITY_NONE);
        datagram.set_payload(payload);
        return datagram.SerializeAsString();
    }
    ensureSodium();
    datagram.set_key_id(key->id);
    const auto head = header(kind, security, key->id, sentTimeMs);
    if (security == Security::Sign) {
        datagram.set_payload(payload);
        datagram.set_tag(hmac(head, payload, *key));
        return datagram.SerializeAsString();
    }
    std::string nonce(kNonceSize, '\0');
    randombytes_buf(nonce.data(), nonce.size());
    std::string cipher(payload.size(), '\0');
    std::string tag(kAeadTagSize, '\0');
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
        reinterpret_cast<unsigned char *>(cipher.data()),
        reinterpret_cast<unsigned char *>(tag.data()), nullptr,
        reinterpret_cast<const unsigned char *>(payload.data()), payload.size(), head.data(),
        head.size(), nullptr, reinterpret_cast<const unsigned char *>(nonce.data()),
        key->bytes.data());
    datagram.set_payload(std::move(cipher));
    datagram.set_tag(std::move(tag));
    datagram.set_nonce(std::move(nonce));
    return datagram.SerializeAsString();
}

std::optional<Envelope> parseEnvelope(const void *data, std::size_t size)
{
    v1::Datagram datagram;
    if (size > std::size_t(INT32_MAX) || !datagram.ParseFromArray(data, static_cast<int>(size)))
        return std::nullopt;
    if (datagram.security() > v1::SECURITY_ENCRYPT || datagram.kind() > v1::KIND_ACK)
        return std::nullopt;
    Envelope envelope;
    envelope.kind = static_cast<PayloadKind>(datagram.kind());
    envelope.security = static_cast<Security>(datagram.security());
    envelope.keyId = datagram.key_id();
    envelope.sentTimeMs = datagram.sent_time_ms();
    envelope.payload = std::move(*datagram.mutable_payload());
    envelope.tag = std::move(*datagram.mutable_tag());
    envelope.nonce = std::move(*datagram.mutable_nonce());
    return envelope;
}

OpenResult open(Envelope &envelope, const Key &key)
{
    if (envelope.security == Security::None)
        return OpenResult::Ok;
    ensureSodium();
    const auto head = header(envelope.kind, envelope.security, envelope.keyId, envelope.sentTimeMs);
    if (envelope.security == Security::Sign) {
        if (envelope.tag.size() != kHmacSize)
            return OpenResult::BadSignature;
        const std::string expected = hmac(head, envelope.payload, key);
        return sodium_memcmp(expected.data(), envelope.tag.data(), kHmacSize) == 0
            ? OpenResult::Ok
            : OpenResult::BadSignature;
    }
    if (envelope.tag.size() != kAeadTagSize || envelope.nonce.size() != kNonceSize)
        return OpenResult::Undecryptable;
    std::string plain(envelope.payload.size(), '\0');
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
            reinterpret_cast<unsigned char *>(plain.data()), nullptr,
            reinterpret_cast<const unsigned char *>(envelope.payload.data()),
            envelope.payload.size(), reinterpret_cast<const unsigned char *>(envelope.tag.data()),
            head.data(), head.size(),
            reinterpret_cast<const unsigned char *>(envelope.nonce.data()), key.bytes.data())
        != 0)
        return OpenResult::Undecryptable;
    envelope.payload = std::move(plain);
    return OpenResult::Ok;
}

} // namespace dmr
