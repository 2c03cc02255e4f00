// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace dmr {

// How a datagram is protected (proto/metrics.proto's Security). The order is
// the order of strength: a console requiring Sign takes Sign and Encrypt.
enum class Security : std::uint8_t { None = 0, Sign = 1, Encrypt = 2 };
const char *securityName(Security security);
std::optional<Security> parseSecurity(const std::string &name);

// What a datagram carries; authenticated, so neither passes for the other.
enum class PayloadKind : std::uint8_t { Report = 0, Ack = 1 };

constexpr std::size_t kKeySize = 32;

// One device's secret: HMAC-SHA-256 key for Sign, AES-256-GCM key for
// Encrypt. The id travels in clear so the console can find the key.
struct Key
{
    std::uint32_t id = 0;
    std::array<unsigned char, kKeySize> bytes {};

    // "id:64 hex digits", the form of key files and of the agent's config.
    std::string toText() const;
    static std::optional<Key> fromText(const std::string &text);
    // A fresh random key (OpenSSL's CSPRNG) with a random non-zero id.
    static Key generate();
};

// A datagram's envelope, parsed but not yet verified.
struct Envelope
{
    PayloadKind kind = PayloadKind::Report;
    Security security = Security::None;
    std::uint32_t keyId = 0;
    std::int64_t sentTimeMs = 0; // 0 when the sender did not say
    std::string payload; // plaintext after open()
    std::string tag;
    std::string nonce;
};

// Wraps a payload: signs or encrypts it with `key`, which Sign and Encrypt
// require (a null one aborts: a programming error); None ignores it.
// sentTimeMs goes into the authenticated header.
std::string seal(PayloadKind kind, const std::string &payload, Security security, const Key *key,
    std::int64_t sentTimeMs);

// Whether Sign and Encrypt can work here: libcrypto.so.3 (OpenSSL 3) is
// loaded on first use (dmr/LibCrypto.h). When it cannot be, *why says so.
// seal() with a key, open() of a protected envelope and Key::generate()
// need it.
bool cryptoAvailable(std::string *why = nullptr);

// Parses the envelope; nullopt if the bytes are not one.
std::optional<Envelope> parseEnvelope(const void *data, std::size_t size);

enum class OpenResult { Ok, BadSignature, Undecryptable };

// Checks the tag with `key` (the one envelope.keyId names) and, for Encrypt,
// replaces the payload with its plaintext (emptied if it does not open). A
// None envelope opens as it is.
OpenResult open(Envelope &envelope, const Key &key);

} // namespace dmr
