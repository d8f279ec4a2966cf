/* A workspace's own filesystem, for a disk quota that holds for writes from inside the sprite:
 * DIR/workspace.img, a sparse ext4 image (see local_fs_create for its size), mounted (loop,
 * nosuid, nodev, discard) at DIR/ws, the workspace being DIR/ws/workspace (a directory, not the
 * mount point, so that a restore can swap it atomically). Everything else the sprite writes is
 * there too, outside the workspace (so that checkpoints do not take it): its /tmp (ws/tmp) and its
 * services' output (ws/logs, reached as DIR/run/logs, a link). A write beyond the quota fails with
 * ENOSPC. Used when rae runs as root and the host has loop devices, mkfs.ext4 and mount; otherwise
 * the workspace is a plain directory and the quota holds only for files written through rae. */
#include "sprite/local/local.h"
#include "host/tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

int local_fs_available(rae_err *why) {
    char tool[PATH_MAX];
    const char *missing =
        geteuid() != 0                          ? "rae does not run as root"
        : access("/dev/loop-control", W_OK) < 0 ? "no loop devices (/dev/loop-control)"
        : host_tool_find("mkfs.ext4", tool, sizeof tool) < 0
            ? "mkfs.ext4 not found: apt-get install e2fsprogs"
        : host_tool_find("mount", tool, sizeof tool) < 0 ? "mount not found: apt-get install mount"
                                                         : NULL;
    if (missing) rae_err_fail(why, "%s", missing);
    return !missing;
}

/* 1 when DIR/ws is a mount point (another device than DIR). */
static int mounted(const lsprite *s) {
    char mnt[PATH_MAX + 8];
    struct stat a, b;
    local_path(s, "ws", mnt, sizeof mnt);
    return stat(s->dir, &a) == 0 && stat(mnt, &b) == 0 && a.st_dev != b.st_dev;
}

/* DIR/sub, a directory of the sprite's uid (mode) or of root (mode): made when missing. */
static int own_dir(const lsprite *s, const char *sub, int sprites, mode_t mode, rae_err *err) {
    char path[PATH_MAX + 16];
    local_path(s, sub, path, sizeof path);
    if (mkdir(path, mode) < 0 && errno != EEXIST)
        return rae_err_fail(err, "%s: cannot create: %s", path, strerror(errno));
    if (sprites && geteuid() == 0 && chown(path, s->uid, s->gid) < 0)
        return rae_err_fail(err, "%s: cannot hand to uid %u: %s", path, (unsigned)s->uid,
                            strerror(errno));
    return 0;
}

/* What the filesystem holds beside the workspace: ws/tmp, ws/logs and the link DIR/run/logs to
 * it. A sprite made before they were (its /tmp in DIR/tmp, its logs in DIR/run/logs) gets them
 * on its next use: the old DIR/tmp goes when empty, else stays (what is in it stays the user's
 * until rm) and is no longer the sprite's /tmp; old logs are kept in DIR/run/logs.old. */
static int lay_out_fs(const lsprite *s, rae_err *err) {
    char run_logs[PATH_MAX + 16], old[PATH_MAX + 32];
    struct stat sb;
    if (own_dir(s, "ws/tmp", 1, 0700, err) < 0 || own_dir(s, "ws/logs", 0, 0700, err) < 0 ||
        own_dir(s, "run", 0, 0755, err) < 0)
        return -1;
    local_path(s, "run/logs", run_logs, sizeof run_logs);
    if (lstat(run_logs, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(old, sizeof old, "%s.old", run_logs);
        if (rename(run_logs, old) < 0)
            return rae_err_fail(err, "%s: cannot move aside: %s", run_logs, strerror(errno));
    }
    if (symlink("../ws/logs", run_logs) < 0 && errno != EEXIST)
        return rae_err_fail(err, "%s: cannot link: %s", run_logs, strerror(errno));
    local_path(s, "tmp", old, sizeof old);
    rmdir(old); /* a /tmp of before: gone when empty */
    return 0;
}

int local_fs_mount(const lsprite *s, rae_err *err) {
    if (!s->own_fs) return 0;
    if (mounted(s)) return lay_out_fs(s, err);
    char img[PATH_MAX + 16], mnt[PATH_MAX + 8], mount_bin[PATH_MAX];
    local_path(s, "workspace.img", img, sizeof img);
    local_path(s, "ws", mnt, sizeof mnt);
    if (mkdir(mnt, 0755) < 0 && errno != EEXIST)
        return rae_err_fail(err, "%s: %s", mnt, strerror(errno));
    if (host_tool_find("mount", mount_bin, sizeof mount_bin) < 0)
        return rae_err_fail(err, "mount not found: apt-get install mount");
    const char *argv[] = {mount_bin, "-o", "loop,nosuid,nodev,discard", img, mnt, NULL};
    char where[128];
    snprintf(where, sizeof where, "mounting the workspace of '%s'", s->name);
    if (host_tool_run(where, argv, -1, NULL, err) < 0) return -1;
    return lay_out_fs(s, err);
}

int local_fs_create(const lsprite *s, rae_err *err) {
    char img[PATH_MAX + 16], mkfs[PATH_MAX], owner[32];
    local_path(s, "workspace.img", img, sizeof img);
    int fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    /* Twice the quota, half of it reserved for root (mkfs -m 50): the sprite's processes get
     * about the quota (ext4's metadata and journal come on top of it), and rae keeps room to
     * build a restored tree beside a full workspace. The image is sparse: only what is written
     * takes the host's disk. */
    unsigned long long size = 2 * (s->lim.disk_quota + s->lim.disk_quota / 16 + (16ULL << 20));
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        return rae_err_fail(err, "%s: %s", img, strerror(e));
    }
    close(fd);
    if (host_tool_find("mkfs.ext4", mkfs, sizeof mkfs) < 0)
        return rae_err_fail(err, "mkfs.ext4 not found: apt-get install e2fsprogs");
    snprintf(owner, sizeof owner, "root_owner=%u:%u", (unsigned)s->uid, (unsigned)s->gid);
    const char *argv[] = {mkfs, "-q", "-F", "-m", "50", "-E", owner, img, NULL};
    char where[128];
    snprintf(where, sizeof where, "making the workspace filesystem of '%s'", s->name);
    if (host_tool_run(where, argv, -1, NULL, err) < 0) return -1;
    return local_fs_mount(s, err);
}

int local_fs_unmount(const lsprite *s, rae_err *err) {
    char mnt[PATH_MAX + 8];
    local_path(s, "ws", mnt, sizeof mnt);
    if (!s->own_fs || !mounted(s)) return 0;
    /* detached: a process that still holds a file open cannot keep the sprite from going */
    if (umount2(mnt, MNT_DETACH) < 0) return rae_err_fail(err, "%s: %s", mnt, strerror(errno));
    return 0;
}

unsigned long long local_fs_used(const lsprite *s) {
    char ws[PATH_MAX + 32];
    struct statvfs v;
    local_workspace(s, ws, sizeof ws);
    if (statvfs(ws, &v) < 0) return 0;
    return (unsigned long long)(v.f_blocks - v.f_bfree) * v.f_frsize;
}
