// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace dmr::agent {

// Reads small kernel text files (/proc, /sys) with plain read(2) into a
// caller-owned buffer, so a report costs no stream objects and, once the
// buffers have grown, no allocations.
class ProcFile
{
public:
    // The default cap is far above any /proc file the agent reads; it bounds
    // memory when a fixture or a broken mount serves something huge.
    static constexpr std::size_t kDefaultMaxBytes = 256 * 1024;

    // Fills buffer with at most maxBytes of the file. When the cap cuts the
    // file, the last partial line is dropped: half a number parses as a
    // wrong number. Returns "" on success, otherwise why the file is unusable
    // (missing, unreadable, empty).
    static std::string read(
        const std::string &path, std::string &buffer, std::size_t maxBytes = kDefaultMaxBytes);

    // The first line of a small file (/sys attributes), blanks trimmed;
    // empty when the file is missing, unreadable or empty.
    static std::string firstLine(const std::string &path, std::string &buffer);
    // The names in a directory (no "." or ".."), sorted so that numbered
    // entries come in numeric order (hwmon2 before hwmon10); empty when the
    // directory is missing.
    static std::vector<std::string> list(const std::string &directory);
    // root + "/" + relative, without doubling slashes; root "" counts as "/".
    static std::string join(const std::string &root, const std::string &relative);
};

} // namespace dmr::agent
