// SPDX-License-Identifier: MIT
#include "dmr/Seal.h"

#include "dmr/Hex.h"
#include "dmr/LibCrypto.h"
#include "metrics.pb.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <unordered_map>

namespace dmr {

namespace {

constexpr std::size_t kHeaderSize = 18;
constexpr std::size_t kHmacSize = 32;
constexpr std::size_t kAeadTagSize = 16;
constexpr std::size_t kNonceSize = 12;

using Header = std::array<unsigned char, kHeaderSize>;

// "dmr1", kind, security, key id and send time: what the tag covers besides
// the payload.
Header header(PayloadKind kind, Security security, std::uint32_t keyId, std::int64_t sentTimeMs)
{
    Header bytes {'d', 'm', 'r', '1'};
    bytes[4] = static_cast<unsigned char>(kind);
    bytes[5] = static_cast<unsigned char>(security);
    for (int i = 0; i < 4; ++i)
        bytes[6 + i] = static_cast<unsigned char>(keyId >> (24 - 8 * i));
    const auto time = static_cast<std::uint64_t>(sentTimeMs);
    for (int i = 0; i < 8; ++i)
        bytes[10 + i] = static_cast<unsigned char>(time >> (56 - 8 * i));
    return bytes;
}

// libcrypto's functions (dmr/LibCrypto.h). Callers that sign, encrypt or
// verify check cryptoAvailable() first, so a missing library ends here only
// through a programming error.
//
// The built-in default provider is all this needs: the system's openssl.cnf
// (and whatever it loads) is left alone, which keeps a small agent small
// (4.6 MB more resident otherwise).
const LibCrypto &crypto()
{
    std::string why;
    static const LibCrypto *const loaded = [&why] {
        const LibCrypto *table = LibCrypto::load(&why);
        if (table
            && table->OPENSSL_init_crypto(
                   OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, nullptr)
                != 1)
            table = nullptr;
        return table;
    }();
    if (!loaded) {
        std::fprintf(stderr, "fatal: %s\n", why.empty() ? "libcrypto does not start" : why.c_str());
        std::abort();
    }
    return *loaded;
}

void randomBytes(unsigned char *out, std::size_t size)
{
    if (crypto().RAND_bytes(out, int(size)) != 1)
        std::abort(); // no entropy: nothing secure can be done
}

struct MacFree
{
    void operator()(EVP_MAC_CTX *context) const { crypto().EVP_MAC_CTX_free(context); }
};
struct CipherFree
{
    void operator()(EVP_CIPHER_CTX *context) const { crypto().EVP_CIPHER_CTX_free(context); }
};
using MacContext = std::unique_ptr<EVP_MAC_CTX, MacFree>;
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherFree>;

EVP_MAC *hmacAlgorithm()
{
    static EVP_MAC *const hmac = crypto().EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!hmac)
        std::abort(); // libcrypto without HMAC: a broken installation
    return hmac;
}

EVP_CIPHER *gcmAlgorithm()
{
    static EVP_CIPHER *const gcm = crypto().EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (!gcm)
        std::abort();
    return gcm;
}

MacContext newMacContext()
{
    MacContext made(crypto().EVP_MAC_CTX_new(hmacAlgorithm()));
    char digest[] = "SHA256";
    const OSSL_PARAM params[]
        = {crypto().OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
            crypto().OSSL_PARAM_construct_end()};
    if (!made || crypto().EVP_MAC_CTX_set_params(made.get(), params) != 1)
        std::abort();
    return made;
}

CipherContext newCipherContext()
{
    CipherContext made(crypto().EVP_CIPHER_CTX_new());
    if (!made)
        std::abort();
    return made;
}

// OpenSSL contexts keyed once per key and thread. Keying is most of the cost
// of a small message: HMAC hashes its two pads and copies digest states
// (about 0.4 us with OpenSSL 3), AES-GCM expands the key and builds its GHASH
// table (about 0.5 us); a keyed context only takes a new nonce. About 1 KB a
// context, so a thread keeps at most kMaxKeyedKeys keys this way (4 MB); a
// larger fleet's further keys share one context re-keyed per message, which
// is only slower.
struct KeyedContexts
{
    std::array<unsigned char, kKeySize> bytes {};
    MacContext mac;
    CipherContext cipher;
};

constexpr std::size_t kMaxKeyedKeys = 4096;

class ContextCache
{
public:
    // A context keyed with `key`, ready for a message.
    EVP_MAC_CTX *mac(const Key &key)
    {
        KeyedContexts *keyed = find(key);
        MacContext &slot = keyed ? keyed->mac : m_sharedMac;
        // The shared context takes each message's key; a key's own only its first.
        const bool keyNeeded = !keyed || !slot;
        if (!slot)
            slot = newMacContext();
        // Without a key, HMAC starts over with the one it has.
        if (crypto().EVP_MAC_init(slot.get(), keyNeeded ? key.bytes.data() : nullptr,
                keyNeeded ? key.bytes.size() : 0, nullptr)
            != 1)
            std::abort();
        return slot.get();
    }

    // A context for `key`; the caller's Init_ex2 passes the nonce, and the
    // key only when `*keyNeeded`.
    EVP_CIPHER_CTX *cipher(const Key &key, bool *keyNeeded)
    {
        KeyedContexts *keyed = find(key);
        CipherContext &slot = keyed ? keyed->cipher : m_sharedCipher;
        *keyNeeded = !keyed || !slot;
        if (!slot)
            slot = newCipherContext();
        return slot.get();
    }

private:
    KeyedContexts *find(const Key &key)
    {
        auto it = m_byId.find(key.id);
        if (it == m_byId.end()) {
            if (m_byId.size() >= kMaxKeyedKeys)
                return nullptr;
            it = m_byId.emplace(key.id, KeyedContexts {}).first;
            it->second.bytes = key.bytes;
        } else if (crypto().CRYPTO_memcmp(it->second.bytes.data(), key.bytes.data(), kKeySize)
            != 0) {
            // The same id with new bytes: a key file reloaded with a new key.
            it->second = KeyedContexts {};
            it->second.bytes = key.bytes;
        }
        return &it->second;
    }

    std::unordered_map<std::uint32_t, KeyedContexts> m_byId;
    MacContext m_sharedMac;
    CipherContext m_sharedCipher;
};

ContextCache &contexts()
{
    thread_local ContextCache cache;
    return cache;
}

using Hmac = std::array<unsigned char, kHmacSize>;

Hmac hmac(const Header &head, const std::string &payload, const Key &key)
{
    EVP_MAC_CTX *ctx = contexts().mac(key);
    Hmac tag;
    std::size_t length = 0;
    if (crypto().EVP_MAC_update(ctx, head.data(), head.size()) != 1
        || crypto().EVP_MAC_update(
               ctx, reinterpret_cast<const unsigned char *>(payload.data()), payload.size())
            != 1
        || crypto().EVP_MAC_final(ctx, tag.data(), &length, tag.size()) != 1 || length != kHmacSize)
        std::abort();
    return tag;
}

} // namespace

bool cryptoAvailable(std::string *why)
{
    const LibCrypto *table = LibCrypto::load(why);
    return table != nullptr;
}

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
    std::string text = std::to_string(id) + ':';
    for (unsigned char byte : bytes)
        appendHex(text, byte);
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
    Key key;
    do
        randomBytes(reinterpret_cast<unsigned char *>(&key.id), sizeof key.id);
    while (key.id == 0);
    randomBytes(key.bytes.data(), key.bytes.size());
    return key;
}

std::string seal(PayloadKind kind, const std::string &payload, Security security, const Key *key,
    std::int64_t sentTimeMs)
{
    v1::Datagram datagram;
    datagram.set_kind(static_cast<v1::Kind>(kind));
    datagram.set_security(static_cast<v1::Security>(security));
    datagram.set_sent_time_ms(sentTimeMs);
    if (security == Security::None) {
        datagram.set_payload(payload);
        return datagram.SerializeAsString();
    }
    // A caller's mistake; sealing as None instead would send in clear what
    // was meant to be protected.
    if (!key)
        std::abort();
    datagram.set_key_id(key->id);
    const Header head = header(kind, security, key->id, sentTimeMs);
    if (security == Security::Sign) {
        datagram.set_payload(payload);
        const Hmac tag = hmac(head, payload, *key);
        datagram.set_tag(tag.data(), tag.size());
        return datagram.SerializeAsString();
    }
    std::string nonce(kNonceSize, '\0');
    randomBytes(reinterpret_cast<unsigned char *>(nonce.data()), nonce.size());
    std::string cipher(payload.size(), '\0');
    std::string tag(kAeadTagSize, '\0');
    bool keyNeeded = false;
    EVP_CIPHER_CTX *ctx = contexts().cipher(*key, &keyNeeded);
    int length = 0;
    unsigned char scratch[16]; // GCM's final step writes nothing
    if (crypto().EVP_EncryptInit_ex2(ctx, keyNeeded ? gcmAlgorithm() : nullptr,
            keyNeeded ? key->bytes.data() : nullptr,
            reinterpret_cast<const unsigned char *>(nonce.data()), nullptr)
            != 1
        || crypto().EVP_EncryptUpdate(ctx, nullptr, &length, head.data(), int(head.size())) != 1
        || crypto().EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char *>(cipher.data()),
               &length, reinterpret_cast<const unsigned char *>(payload.data()),
               int(payload.size()))
            != 1
        || crypto().EVP_EncryptFinal_ex(ctx, scratch, &length) != 1
        || crypto().EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, int(tag.size()), tag.data())
            != 1)
        std::abort();
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
    const Header head
        = header(envelope.kind, envelope.security, envelope.keyId, envelope.sentTimeMs);
    if (envelope.security == Security::Sign) {
        if (envelope.tag.size() != kHmacSize)
            return OpenResult::BadSignature;
        const Hmac expected = hmac(head, envelope.payload, key);
        return crypto().CRYPTO_memcmp(expected.data(), envelope.tag.data(), kHmacSize) == 0
            ? OpenResult::Ok
            : OpenResult::BadSignature;
    }
    if (envelope.tag.size() != kAeadTagSize || envelope.nonce.size() != kNonceSize
        || envelope.payload.size() > std::size_t(INT32_MAX))
        return OpenResult::Undecryptable;
    // In place: GCM decrypts a byte from the byte at the same offset.
    auto *text = reinterpret_cast<unsigned char *>(envelope.payload.data());
    bool keyNeeded = false;
    EVP_CIPHER_CTX *ctx = contexts().cipher(key, &keyNeeded);
    int length = 0;
    unsigned char scratch[16]; // GCM's final step writes nothing
    const bool ok = crypto().EVP_DecryptInit_ex2(ctx, keyNeeded ? gcmAlgorithm() : nullptr,
                        keyNeeded ? key.bytes.data() : nullptr,
                        reinterpret_cast<const unsigned char *>(envelope.nonce.data()), nullptr)
            == 1
        && crypto().EVP_DecryptUpdate(ctx, nullptr, &length, head.data(), int(head.size())) == 1
        && crypto().EVP_DecryptUpdate(ctx, text, &length, text, int(envelope.payload.size())) == 1
        && crypto().EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, int(kAeadTagSize),
               const_cast<char *>(envelope.tag.data()))
            == 1
        && crypto().EVP_DecryptFinal_ex(ctx, scratch, &length) == 1;
    if (!ok) {
        // Unauthenticated plaintext: never to be used.
        crypto().OPENSSL_cleanse(envelope.payload.data(), envelope.payload.size());
        envelope.payload.clear();
        return OpenResult::Undecryptable;
    }
    return OpenResult::Ok;
}

} // namespace dmr
