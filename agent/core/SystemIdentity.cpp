// SPDX-License-Identifier: MIT
#include "SystemIdentity.h"

#include "Clock.h"
#include "ProcFile.h"
#include "TextScanner.h"
#include "dmr/Codec.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

namespace dmr::agent {

std::string SystemIdentity::printable(const std::string &text, std::size_t maxLength)
{
    std::string result;
    for (unsigned char c : text) {
        if (result.size() >= maxLength)
            break;
        if (c >= 0x21 && c <= 0x7e)
            result += char(c);
    }
    return result;
}

std::string SystemIdentity::machineId(const std::string &root)
{
    std::string buffer;
    if (!ProcFile::read(ProcFile::join(root, "etc/machine-id"), buffer, 4096).empty())
        return {};
    const std::string_view id = TextScanner::trim(buffer);
    if (id.empty() || id.size() > dmr::kMaxDeviceIdLength)
        return {};
    for (unsigned char c : id) {
        if (c < 0x21 || c > 0x7e)
            return {};
    }
    return std::string(id);
}

std::string SystemIdentity::hostname(const std::string &root)
{
    if (!root.empty() && root != "/") {
        std::string buffer;
        if (ProcFile::read(ProcFile::join(root, "proc/sys/kernel/hostname"), buffer, 4096)
                .empty()) {
            std::string name
                = printable(std::string(TextScanner::trim(buffer)), dmr::kMaxHostnameLength);
            if (!name.empty())
                return name;
        }
    }
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0)
        return {};
    return printable(name, dmr::kMaxHostnameLength);
}

std::uint32_t SystemIdentity::randomRunId()
{
    std::uint32_t id = 0;
    if (::getrandom(&id, sizeof id, GRND_NONBLOCK) == ssize_t(sizeof id))
        return id;
    const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        const ssize_t n = ::read(fd, &id, sizeof id);
        ::close(fd);
        if (n == ssize_t(sizeof id))
            return id;
    }
    const std::uint64_t mix = std::uint64_t(Clock::monotonicNs()) * 0x9e3779b97f4a7c15ULL
        ^ std::uint64_t(Clock::realtimeMs()) ^ (std::uint64_t(::getpid()) << 32);
    return std::uint32_t(mix ^ (mix >> 32));
}

} // namespace dmr::agent
