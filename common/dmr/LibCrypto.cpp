// SPDX-License-Identifier: MIT
#include "dmr/LibCrypto.h"

#include <dlfcn.h>

namespace dmr {

namespace {

struct Loaded
{
    LibCrypto table;
    std::string error;
    bool ok = false;
};

Loaded loadOnce()
{
    Loaded loaded;
    // The library OpenSSL 3 installs everywhere (Debian's libssl3); a
    // process that links it already (the console) gets the same copy back.
    void *handle = ::dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *error = ::dlerror();
        loaded.error = std::string("cannot load libcrypto.so.3 (OpenSSL 3, Debian's libssl3): ")
            + (error ? error : "unknown error");
        return loaded;
    }
    // Never dlclose()d: contexts live as long as the process.
#define DMR_LIBCRYPTO_LOAD(name)                                                                   \
    loaded.table.name = reinterpret_cast<decltype(&::name)>(::dlsym(handle, #name));               \
    if (!loaded.table.name) {                                                                      \
        loaded.error = "libcrypto.so.3 has no " #name " (OpenSSL older than 3.0?)";                \
        return loaded;                                                                             \
    }
    DMR_LIBCRYPTO_FUNCTIONS(DMR_LIBCRYPTO_LOAD)
#undef DMR_LIBCRYPTO_LOAD
    loaded.ok = true;
    return loaded;
}

} // namespace

const LibCrypto *LibCrypto::load(std::string *why)
{
    static const Loaded loaded = loadOnce();
    if (!loaded.ok && why)
        *why = loaded.error;
    return loaded.ok ? &loaded.table : nullptr;
}

} // namespace dmr
