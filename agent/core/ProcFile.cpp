// SPDX-License-Identifier: MIT
#include "ProcFile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace dmr::agent {

std::string ProcFile::read(const std::string &path, std::string &buffer, std::size_t maxBytes)
{
    buffer.clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return "cannot open " + path + ": " + std::strerror(errno);

    // /proc files report size 0, so grow in chunks instead of trusting fstat.
    std::size_t used = 0;
    bool truncated = false;
    while (true) {
        if (used == maxBytes) {
            char probe;
            truncated = ::read(fd, &probe, 1) > 0;
            break;
        }
        if (buffer.size() < used + 4096)
            buffer.resize(std::min(maxBytes, used + 4096));
        const ssize_t n = ::read(fd, buffer.data() + used, buffer.size() - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int error = errno;
            ::close(fd);
            buffer.clear();
            return "cannot read " + path + ": " + std::strerror(error);
        }
        if (n == 0)
            break;
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    buffer.resize(used);
    if (truncated) {
        const std::size_t lastNewline = buffer.rfind('\n');
        buffer.resize(lastNewline == std::string::npos ? 0 : lastNewline + 1);
    }
    if (buffer.empty())
        return path + " is empty";
    return {};
}

std::string ProcFile::firstLine(const std::string &path, std::string &buffer)
{
    if (!read(path, buffer, 4096).empty())
        return {};
    const std::size_t end = buffer.find('\n');
    std::string line = buffer.substr(0, end);
    const std::size_t first = line.find_first_not_of(" \t");
    const std::size_t last = line.find_last_not_of(" \t\r");
    return first == std::string::npos ? std::string() : line.substr(first, last - first + 1);
}

std::vector<std::string> ProcFile::list(const std::string &directory)
{
    std::vector<std::string> names;
    DIR *dir = ::opendir(directory.c_str());
    if (!dir)
        return names;
    while (const dirent *entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..")
            names.push_back(name);
    }
    ::closedir(dir);
    // Shorter first, then bytewise: "zone2" < "zone10", as the kernel numbers them.
    std::sort(names.begin(), names.end(), [](const std::string &a, const std::string &b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    return names;
}

std::string ProcFile::join(const std::string &root, const std::string &relative)
{
    std::string path = root.empty() ? std::string("/") : root;
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    std::size_t start = 0;
    while (start < relative.size() && relative[start] == '/')
        ++start;
    if (path.back() != '/')
        path += '/';
    path.append(relative, start, std::string::npos);
    return path;
}

} // namespace dmr::agent
