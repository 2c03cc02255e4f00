// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"
#include "dmr/Report.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct statvfs;

namespace dmr::agent {

// Every real mounted file system, from root/proc/self/mounts, with df's
// figures and its inodes. Real means backed by a block device ("/dev/..."),
// or a network or pooled file system (nfs, cifs, zfs, ...); pseudo file
// systems (proc, sysfs, cgroup, tmpfs, overlay, fuse helpers) and read-only
// images that are always full (squashfs snaps, iso9660) are left out, and a
// device mounted twice (bind mounts, btrfs subvolumes) counts once, at its
// shortest mount point. At most kMaxFileSystems, shortest mount points first
// ("/", "/boot", "/home", ...).
class FileSystemCollector
{
public:
    struct Mount
    {
        std::string source;
        std::string mount;
        std::string type;
    };
    // statvfs(2), injectable so that tests need no real mounts; returns
    // false when the mount point cannot be read (a hung NFS server's
    // timeout is the kernel's, not ours).
    using Stat = std::function<bool(const std::string &path, struct statvfs &out)>;

    explicit FileSystemCollector(std::string root = "/", Stat stat = systemStat);

    Result<std::vector<dmr::FileSystemSample>> collect();
    // Mount points skipped by the last collect() (unreadable, or beyond the limit).
    std::size_t skipped() const { return m_skipped; }

    static std::vector<Mount> parseMounts(std::string_view text);
    static bool isReal(const Mount &mount);
    // /proc/mounts escapes blanks and backslashes as octal (\040).
    static std::string unescape(std::string_view text);
    static bool systemStat(const std::string &path, struct statvfs &out);

private:
    std::string m_root;
    std::string m_path;
    Stat m_stat;
    std::string m_buffer;
    std::size_t m_skipped = 0;
};

} // namespace dmr::agent
