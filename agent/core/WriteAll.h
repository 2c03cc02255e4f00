// SPDX-License-Identifier: MIT
#pragma once

#include <cerrno>
#include <string_view>
#include <unistd.h>

namespace dmr::agent {

// write(2) until all of `bytes` is written, across short writes and signals;
// false (errno set) if the file refuses more.
inline bool writeAll(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes.remove_prefix(std::size_t(n));
    }
    return true;
}

} // namespace dmr::agent
