// SPDX-License-Identifier: MIT
#pragma once

#include "ResendBuffer.h"
#include "Result.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace dmr::agent {

// The resend buffer on disk (--spill-file), so that an agent restart keeps
// the reports the console has not acknowledged. The agent continues the run
// it finds there rather than starting a new one: the console acknowledges
// only a device's current run, and its replay window is per run, so reports
// of an earlier run could never be acknowledged nor told from replays.
//
// The format, all integers little-endian:
//   "dmr-spill 1\n"                      magic and version, one text line
//   u8 length, device id                 whose reports these are
//   u32 run id, u64 next sequence        the first sequence not yet used
//   u32 count, count x (u64 sequence, u32 length, payload)
//   u32 CRC-32 of everything before it
// Payloads are encodeReport() bytes, unsealed: they are sealed afresh when
// resent, so no key ever reaches the file.
class SpillFile
{
public:
    static constexpr int kVersion = 1;

    struct Header
    {
        std::string deviceId;
        std::uint32_t runId = 0;
        std::uint64_t nextSequence = 1; // the first sequence a restart may use
    };
    struct Entry
    {
        std::uint64_t sequence = 0;
        std::string payload;
    };
    struct State
    {
        Header header;
        std::vector<Entry> entries; // ascending sequences, all below nextSequence
    };
    // What is saved: the resend buffer itself, written out without a copy of
    // its payloads (an hour of an outage is about a megabyte of them).
    using Entries = std::deque<ResendBuffer::Entry>;

    enum class Status {
        Loaded,
        Missing, // no file: the first start, nothing to say
        Unusable, // corrupt, unreadable, another device's or another version's
    };
    struct Loaded
    {
        Status status = Status::Missing;
        State state;
        std::string error; // why it is unusable, a sentence for the log
        std::size_t dropped = 0; // oldest entries over maxEntries, left out
    };

    explicit SpillFile(std::string path);

    const std::string &path() const { return m_path; }

    // Reads the file; a file of another device is Unusable. Keeps the newest
    // maxEntries entries (the resend buffer's capacity).
    Loaded load(const std::string &deviceId, std::size_t maxEntries) const;
    // Replaces the file atomically: a temporary file in the same folder,
    // written, fsync'ed, mode 0600, renamed over it, the folder fsync'ed; a
    // crash leaves the old file or the new one, never half of one. Returns ""
    // or why it failed.
    std::string save(const Header &header, const Entries &entries) const;
    // Moves an unusable file aside to path + ".bad" (for a look later) so
    // that it is not read again; removes it if that fails. Leaves anything
    // but a regular file alone. Returns "" or why it is still there.
    std::string setAside() const;
    // Removes the file; a missing file is no error.
    std::string remove() const;

    static std::string encode(const Header &header, const Entries &entries);
    static Result<State> decode(std::string_view bytes);
    // CRC-32 (IEEE, as zlib's), continued from an earlier part's result.
    static std::uint32_t crc32(std::string_view bytes, std::uint32_t previous = 0);

private:
    std::string m_path;
};

} // namespace dmr::agent
