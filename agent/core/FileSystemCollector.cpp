// SPDX-License-Identifier: MIT
#include "FileSystemCollector.h"

#include "DiskCollector.h"
#include "ProcFile.h"
#include "TextScanner.h"
#include "dmr/Codec.h"

#include <algorithm>
#include <sys/statvfs.h>

namespace dmr::agent {

namespace {

// Not block-device backed, yet real storage that can fill up.
constexpr std::string_view kNetworkTypes[] = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph",
    "glusterfs", "fuse.glusterfs", "fuse.sshfs", "zfs", "9p", "virtiofs"};
// Block-device backed, yet not storage to watch: always-full images.
constexpr std::string_view kImageTypes[] = {"squashfs", "iso9660", "udf", "erofs"};

bool oneOf(std::string_view value, const std::string_view *begin, const std::string_view *end)
{
    return std::find(begin, end, value) != end;
}

// The wire carries printable ASCII: a USB stick's accented label or a FUSE
// helper's odd name is shown with '?' for what it cannot carry.
std::string printable(std::string text)
{
    for (char &c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            c = '?';
    }
    return text;
}

} // namespace

FileSystemCollector::FileSystemCollector(std::string root, Stat stat)
    : m_root(std::move(root))
    , m_path(ProcFile::join(m_root, "proc/self/mounts"))
    , m_stat(std::move(stat))
{ }

bool FileSystemCollector::systemStat(const std::string &path, struct statvfs &out)
{
    return ::statvfs(path.c_str(), &out) == 0;
}

std::string FileSystemCollector::unescape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size()
            && std::all_of(text.begin() + long(i) + 1, text.begin() + long(i) + 4,
                [](char c) { return c >= '0' && c <= '7'; })) {
            out += char((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
            i += 3;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::vector<FileSystemCollector::Mount> FileSystemCollector::parseMounts(std::string_view text)
{
    std::vector<Mount> mounts;
    TextScanner lines(text);
    while (!lines.atEnd()) {
        TextScanner fields(lines.nextLine());
        const std::string_view source = fields.nextToken();
        const std::string_view mount = fields.nextToken();
        const std::string_view type = fields.nextToken();
        // A short line (a truncated file) is skipped, not guessed at.
        if (source.empty() || mount.empty() || type.empty())
            continue;
        mounts.push_back({unescape(source), unescape(mount), std::string(type)});
    }
    return mounts;
}

bool FileSystemCollector::isReal(const Mount &mount)
{
    if (oneOf(mount.type, std::begin(kImageTypes), std::end(kImageTypes)))
        return false;
    if (oneOf(mount.type, std::begin(kNetworkTypes), std::end(kNetworkTypes)))
        return true;
    // "/dev/root" too: the kernel's name for root= on many boards.
    return mount.source.rfind("/dev/", 0) == 0;
}

Result<std::vector<dmr::FileSystemSample>> FileSystemCollector::collect()
{
    using Collected = Result<std::vector<dmr::FileSystemSample>>;
    m_skipped = 0;
    const std::string error = ProcFile::read(m_path, m_buffer);
    if (!error.empty())
        return Collected::failure(error);
    std::vector<Mount> mounts = parseMounts(m_buffer);
    mounts.erase(std::remove_if(mounts.begin(), mounts.end(),
                     [](const Mount &mount) { return !isReal(mount); }),
        mounts.end());
    std::stable_sort(mounts.begin(), mounts.end(), [](const Mount &a, const Mount &b) {
        return a.mount.size() != b.mount.size() ? a.mount.size() < b.mount.size()
                                                : a.mount < b.mount;
    });
    std::vector<dmr::FileSystemSample> out;
    std::vector<std::string> sources;
    for (const Mount &mount : mounts) {
        if (std::find(sources.begin(), sources.end(), mount.source) != sources.end())
            continue;
        sources.push_back(mount.source);
        struct statvfs stats = {};
        if (out.size() >= dmr::kMaxFileSystems || mount.mount.size() > dmr::kMaxMountLength
            || mount.type.size() > dmr::kMaxFileSystemTypeLength
            || !m_stat(ProcFile::join(m_root, mount.mount), stats)) {
            ++m_skipped;
            continue;
        }
        const DiskUsage usage = DiskCollector::fromStatvfs(stats);
        dmr::FileSystemSample sample;
        sample.mount = printable(mount.mount);
        sample.type = printable(mount.type);
        sample.sizeKb = usage.totalKb;
        sample.usedKb = usage.usedKb;
        sample.availableKb = usage.availableKb;
        // vfat and btrfs have no inode table: they report 0 files.
        sample.inodesTotal = stats.f_files;
        sample.inodesUsed = stats.f_files - std::min<std::uint64_t>(stats.f_ffree, stats.f_files);
        out.push_back(std::move(sample));
    }
    return Collected::success(std::move(out));
}

} // namespace dmr::agent
