// SPDX-License-Identifier: MIT
#pragma once

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string>

namespace dmr {

// The libcrypto functions dmr/Seal.cpp uses, for LibCrypto's table.
#define DMR_LIBCRYPTO_FUNCTIONS(X)                                                                 \
    X(OPENSSL_init_crypto)                                                                         \
    X(OPENSSL_cleanse)                                                                             \
    X(CRYPTO_memcmp)                                                                               \
    X(RAND_bytes)                                                                                  \
    X(OSSL_PARAM_construct_utf8_string)                                                            \
    X(OSSL_PARAM_construct_end)                                                                    \
    X(EVP_MAC_fetch)                                                                               \
    X(EVP_MAC_CTX_new)                                                                             \
    X(EVP_MAC_CTX_free)                                                                            \
    X(EVP_MAC_CTX_set_params)                                                                      \
    X(EVP_MAC_init)                                                                                \
    X(EVP_MAC_update)                                                                              \
    X(EVP_MAC_final)                                                                               \
    X(EVP_CIPHER_fetch)                                                                            \
    X(EVP_CIPHER_CTX_new)                                                                          \
    X(EVP_CIPHER_CTX_free)                                                                         \
    X(EVP_CIPHER_CTX_ctrl)                                                                         \
    X(EVP_EncryptInit_ex2)                                                                         \
    X(EVP_EncryptUpdate)                                                                           \
    X(EVP_EncryptFinal_ex)                                                                         \
    X(EVP_DecryptInit_ex2)                                                                         \
    X(EVP_DecryptUpdate)                                                                           \
    X(EVP_DecryptFinal_ex)

// OpenSSL's libcrypto, loaded with dlopen() the first time signing or
// encryption needs it rather than linked: mapped and relocated, it costs an
// agent 1.5 MB of resident memory, 400 KB of it private, whether anything is
// signed or not. The headers give the types, so a call through the table is
// checked like a direct one.
struct LibCrypto
{
#define DMR_LIBCRYPTO_MEMBER(name) decltype(&::name) name = nullptr;
    DMR_LIBCRYPTO_FUNCTIONS(DMR_LIBCRYPTO_MEMBER)
#undef DMR_LIBCRYPTO_MEMBER

    // The table, loaded once; nullptr when libcrypto.so.3 cannot be loaded
    // or lacks a function, and then *why says what went wrong.
    static const LibCrypto *load(std::string *why = nullptr);
};

} // namespace dmr
