// SPDX-License-Identifier: MIT
#include "SpillFile.h"

#include "WriteAll.h"
#include "dmr/Codec.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dmr::agent {

namespace {

constexpr std::string_view kMagic = "dmr-spill ";
// Far above what a resend buffer holds (an hour at 1 s is under 1 MiB, a
// week at 10 s about 15 MiB); bounds memory when the path names something else.
constexpr std::size_t kMaxFileBytes = 64 * 1024 * 1024;
constexpr std::size_t kEntryHeaderBytes = 8 + 4;
constexpr std::size_t kChunkBytes = 16 * 1024;

constexpr std::array<std::uint32_t, 256> makeCrcTable()
{
    std::array<std::uint32_t, 256> table {};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}
constexpr std::array<std::uint32_t, 256> kCrcTable = makeCrcTable();

void putLe(std::string &out, std::uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        out += char((value >> (8 * i)) & 0xff);
}

// Reads little-endian integers and byte runs, refusing to run past the end.
class Reader
{
public:
    explicit Reader(std::string_view bytes)
        : m_bytes(bytes)
    { }

    bool take(std::uint64_t &value, int bytes)
    {
        if (m_bytes.size() - m_pos < std::size_t(bytes))
            return false;
        value = 0;
        for (int i = 0; i < bytes; ++i)
            value |= std::uint64_t(static_cast<unsigned char>(m_bytes[m_pos + i])) << (8 * i);
        m_pos += std::size_t(bytes);
        return true;
    }
    bool take(std::string &out, std::size_t length)
    {
        if (m_bytes.size() - m_pos < length)
            return false;
        out.assign(m_bytes.data() + m_pos, length);
        m_pos += length;
        return true;
    }
    std::size_t left() const { return m_bytes.size() - m_pos; }

private:
    std::string_view m_bytes;
    std::size_t m_pos = 0;
};

std::string errorText(const char *what, const std::string &path)
{
    return std::string(what) + ' ' + path + ": " + std::strerror(errno);
}

std::string folderOf(const std::string &path)
{
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// Hands the encoded file to `sink` in parts of about kChunkBytes, so that
// saving a full buffer needs no second copy of it in memory.
template<class Sink>
bool encodeTo(const SpillFile::Header &header, const SpillFile::Entries &entries, Sink &&sink)
{
    std::string chunk;
    std::uint32_t crc = 0;
    auto flush = [&]() {
        crc = SpillFile::crc32(chunk, crc);
        const bool ok = sink(std::string_view(chunk));
        chunk.clear();
        return ok;
    };
    chunk += kMagic;
    chunk += std::to_string(SpillFile::kVersion);
    chunk += '\n';
    putLe(chunk, header.deviceId.size(), 1);
    chunk += header.deviceId;
    putLe(chunk, header.runId, 4);
    putLe(chunk, header.nextSequence, 8);
    putLe(chunk, entries.size(), 4);
    for (const ResendBuffer::Entry &entry : entries) {
        putLe(chunk, entry.sequence, 8);
        putLe(chunk, entry.payload.size(), 4);
        chunk += entry.payload;
        if (chunk.size() >= kChunkBytes && !flush())
            return false;
    }
    if (!flush())
        return false;
    putLe(chunk, crc, 4);
    return sink(std::string_view(chunk));
}

} // namespace

SpillFile::SpillFile(std::string path)
    : m_path(std::move(path))
{ }

std::uint32_t SpillFile::crc32(std::string_view bytes, std::uint32_t previous)
{
    std::uint32_t c = previous ^ 0xffffffffu;
    for (unsigned char byte : bytes)
        c = kCrcTable[(c ^ byte) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

std::string SpillFile::encode(const Header &header, const Entries &entries)
{
    std::string out;
    encodeTo(header, entries, [&out](std::string_view part) {
        out += part;
        return true;
    });
    return out;
}

Result<SpillFile::State> SpillFile::decode(std::string_view bytes)
{
    using StateResult = Result<State>;
    // The version line first: a later format may lay out the rest differently.
    const std::size_t newline = bytes.substr(0, 32).find('\n');
    if (bytes.substr(0, kMagic.size()) != kMagic || newline == std::string_view::npos)
        return StateResult::failure("not a spill file (no 'dmr-spill VERSION' line)");
    const std::string_view version = bytes.substr(kMagic.size(), newline - kMagic.size());
    if (version != std::to_string(kVersion))
        return StateResult::failure("format version '" + std::string(version)
            + "', this agent reads version " + std::to_string(kVersion));
    if (bytes.size() < newline + 1 + 4)
        return StateResult::failure("truncated");
    const std::string_view body = bytes.substr(0, bytes.size() - 4);
    Reader trailer(bytes.substr(bytes.size() - 4));
    std::uint64_t crc = 0;
    trailer.take(crc, 4);
    if (crc != crc32(body))
        return StateResult::failure("checksum mismatch (truncated or damaged)");

    // Past the checksum the file is what an agent wrote; the checks below
    // still keep a hand-made one from breaking the buffer's invariants.
    Reader in(body.substr(newline + 1));
    State state;
    std::uint64_t length = 0, runId = 0, count = 0;
    Header &header = state.header;
    if (!in.take(length, 1) || length == 0 || length > dmr::kMaxDeviceIdLength
        || !in.take(header.deviceId, std::size_t(length)) || !in.take(runId, 4)
        || !in.take(header.nextSequence, 8) || !in.take(count, 4))
        return StateResult::failure("header is damaged");
    header.runId = std::uint32_t(runId);
    if (header.runId == 0 || header.nextSequence == 0)
        return StateResult::failure("run id or next sequence is 0");
    if (count > in.left() / kEntryHeaderBytes)
        return StateResult::failure("entry count exceeds the file");
    state.entries.reserve(std::size_t(count));
    std::uint64_t previous = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        Entry entry;
        if (!in.take(entry.sequence, 8) || !in.take(length, 4) || length == 0
            || length > dmr::kMaxDatagramSize || !in.take(entry.payload, std::size_t(length)))
            return StateResult::failure("entry " + std::to_string(i + 1) + " is damaged");
        if (entry.sequence <= previous || entry.sequence >= header.nextSequence)
            return StateResult::failure("entry sequences are out of order");
        previous = entry.sequence;
        state.entries.push_back(std::move(entry));
    }
    if (in.left() != 0)
        return StateResult::failure("unexpected bytes after the last entry");
    return StateResult::success(std::move(state));
}

SpillFile::Loaded SpillFile::load(const std::string &deviceId, std::size_t maxEntries) const
{
    Loaded loaded;
    const int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return loaded;
        loaded.status = Status::Unusable;
        loaded.error = errorText("cannot open", m_path);
        return loaded;
    }
    loaded.status = Status::Unusable;
    struct stat status = {};
    std::string bytes;
    if (::fstat(fd, &status) != 0) {
        loaded.error = errorText("cannot stat", m_path);
    } else if (!S_ISREG(status.st_mode)) {
        loaded.error = m_path + " is not a regular file";
    } else if (std::uint64_t(status.st_size) > kMaxFileBytes) {
        loaded.error = m_path + " is larger than any spill file";
    } else {
        bytes.resize(std::size_t(status.st_size));
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::read(fd, &bytes[done], bytes.size() - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                loaded.error = errorText("cannot read", m_path);
            if (n <= 0)
                break;
            done += std::size_t(n);
        }
        bytes.resize(done);
    }
    ::close(fd);
    if (!loaded.error.empty())
        return loaded;

    Result<State> decoded = decode(bytes);
    if (!decoded.ok()) {
        loaded.error = m_path + ": " + decoded.error();
        return loaded;
    }
    if (decoded.value().header.deviceId != deviceId) {
        loaded.error = m_path + " holds the reports of device " + decoded.value().header.deviceId
            + ", not of " + deviceId;
        return loaded;
    }
    loaded.status = Status::Loaded;
    loaded.state = std::move(decoded.value());
    std::vector<Entry> &entries = loaded.state.entries;
    if (entries.size() > maxEntries) {
        loaded.dropped = entries.size() - maxEntries;
        entries.erase(entries.begin(), entries.begin() + std::ptrdiff_t(loaded.dropped));
    }
    return loaded;
}

std::string SpillFile::save(const Header &header, const Entries &entries) const
{
    // A fixed name, so that a crash in the middle leaves one stray file that
    // the next save reuses, not one more each time.
    const std::string temp = m_path + ".tmp";
    const int fd
        = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return errorText("cannot create", temp);
    std::string error;
    if (::fchmod(fd, 0600) != 0)
        error = errorText("cannot chmod", temp);
    else if (!encodeTo(header, entries, [fd](std::string_view part) { return writeAll(fd, part); }))
        error = errorText("cannot write", temp);
    else if (::fsync(fd) != 0)
        error = errorText("cannot fsync", temp);
    if (::close(fd) != 0 && error.empty())
        error = errorText("cannot close", temp);
    if (error.empty() && ::rename(temp.c_str(), m_path.c_str()) != 0)
        error = errorText("cannot rename to", m_path);
    if (!error.empty()) {
        ::unlink(temp.c_str());
        return error;
    }
    // The rename itself is durable only once the folder is synced; some file
    // systems refuse to, and then there is nothing better to do.
    const int folder = ::open(folderOf(m_path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder >= 0) {
        ::fsync(folder);
        ::close(folder);
    }
    return std::string();
}

std::string SpillFile::setAside() const
{
    // A folder or device named by mistake is not ours to move.
    struct stat status = {};
    if (::lstat(m_path.c_str(), &status) != 0)
        return errno == ENOENT ? std::string() : errorText("cannot stat", m_path);
    if (!S_ISREG(status.st_mode))
        return m_path + " is not a regular file, left as it is";
    const std::string bad = m_path + ".bad";
    if (::rename(m_path.c_str(), bad.c_str()) == 0)
        return std::string();
    const std::string renameError = errorText("cannot rename to", bad);
    if (::unlink(m_path.c_str()) == 0 || errno == ENOENT)
        return std::string();
    return renameError + ", nor remove it";
}

std::string SpillFile::remove() const
{
    if (::unlink(m_path.c_str()) == 0 || errno == ENOENT)
        return std::string();
    return errorText("cannot remove", m_path);
}

} // namespace dmr::agent
