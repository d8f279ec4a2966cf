/* The default seccomp filter of a sprite's processes (see seccomp.h; the reasons in
 * docs/sprites.md). A deny list over an allowing default: what moby's default profile leaves out
 * for a container without capabilities, so that what runs in a sprite today (Chromium, Python,
 * rae itself) keeps running, and the kernel's riskiest entry points are out of reach. */
#include "host/seccomp.h"
#include "rae/err.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Answered EPERM, whatever their arguments. Names this libseccomp does not know are skipped (a
 * newer system call is then allowed: see docs/sprites.md). */
static const char *const denied[] = {
    /* namespaces and mounts: a sprite makes no namespace of its own (a user namespace would give
       it root's capabilities over new network, mount, ... namespaces, the way most container
       escapes begin) and mounts nothing */
    "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot", "move_mount",
    "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    /* kernel interfaces with a long record of holes, which nothing in a sprite needs */
    "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key", "request_key",
    "bpf", "perf_event_open", "userfaultfd", "fanotify_init", "lookup_dcookie",
    /* file handles: open_by_handle_at opens any file of a mounted filesystem by its inode */
    "open_by_handle_at", "name_to_handle_at",
    /* the machine's own state: modules, kexec, reboot, swap, accounting, quotas, time, names,
       the kernel log, raw I/O ports, terminals of others */
    "init_module", "finit_module", "delete_module", "create_module", "query_module",
    "get_kernel_syms", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct",
    "quotactl", "quotactl_fd", "settimeofday", "stime", "clock_settime", "sethostname",
    "setdomainname", "syslog", "iopl", "ioperm", "vhangup",
    /* other processes' memory and files beyond ptrace's own rules; NUMA placement */
    "kcmp", "pidfd_getfd", "process_madvise", "move_pages", "migrate_pages", "mbind",
    "set_mempolicy", "get_mempolicy", "set_mempolicy_home_node",
    /* obsolete: unused by anything that runs today */
    "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl", "vm86", "vm86old"};

/* clone(2) flags that make a namespace (CLONE_NEWTIME is unshare's and clone3's only). */
static const unsigned long clone_ns[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,   CLONE_NEWUSER,
                                         CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};

/* Socket families moby's profile denies: the kernel's crypto API (AF_ALG) and host-guest sockets
 * (AF_VSOCK). */
static const int denied_families[] = {AF_ALG, AF_VSOCK};

static int add_rules(scmp_filter_ctx ctx, rae_err *err) {
    for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
        int nr = seccomp_syscall_resolve_name(denied[i]);
        if (nr == __NR_SCMP_ERROR) continue; /* unknown to this libseccomp */
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
        if (rc < 0) return rae_err_fail(err, "seccomp: %s: %s", denied[i], strerror(-rc));
    }
    for (size_t i = 0; i < sizeof clone_ns / sizeof *clone_ns; i++) {
        /* one rule per flag: rules of one call are alternatives, so any of them denies */
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, clone_ns[i], clone_ns[i]));
        if (rc < 0) return rae_err_fail(err, "seccomp: clone: %s", strerror(-rc));
    }
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (rc < 0) return rae_err_fail(err, "seccomp: clone3: %s", strerror(-rc));
    for (size_t i = 0; i < sizeof denied_families / sizeof *denied_families; i++) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)denied_families[i]));
        if (rc < 0) return rae_err_fail(err, "seccomp: socket: %s", strerror(-rc));
    }
    return 0;
}

/* Reads the whole of fd (at its end after the export) from offset 0 into out. */
static int slurp(int fd, host_sec_filter *out) {
    struct stat sb;
    if (fstat(fd, &sb) < 0 || sb.st_size <= 0) return -1;
    out->len = (size_t)sb.st_size;
    out->bpf = malloc(out->len);
    if (!out->bpf) abort();
    return pread(fd, out->bpf, out->len, 0) == (ssize_t)out->len ? 0 : -1;
}

int host_sec_build(host_sec_filter *out, rae_err *err) {
    memset(out, 0, sizeof *out);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return rae_err_fail(err, "seccomp: cannot start a filter");
    /* only the native ABI: a system call of another (int 0x80, x32) ends the process */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (rc < 0) {
        seccomp_release(ctx);
        return rae_err_fail(err, "seccomp: the other ABIs' action: %s", strerror(-rc));
    }
    if (add_rules(ctx, err) < 0) {
        seccomp_release(ctx);
        return -1;
    }
    int fd = memfd_create("rae-seccomp", MFD_CLOEXEC);
    rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    if (rc == 0 && slurp(fd, out) < 0) rc = -EIO;
    if (fd >= 0) close(fd);
    if (rc < 0) {
        host_sec_free(out);
        return rae_err_fail(err, "seccomp: exporting the filter: %s", strerror(-rc));
    }
    return 0;
}

void host_sec_free(host_sec_filter *f) {
    free(f->bpf);
    f->bpf = NULL;
    f->len = 0;
}

int host_sec_memfd(const host_sec_filter *f) {
    int fd = memfd_create("rae-seccomp", MFD_CLOEXEC);
    if (fd >= 0 && fd < 3) { /* above the standard fds, which a child makes its own */
        int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        close(fd);
        fd = high;
    }
    if (fd < 0) return -1;
    if (pwrite(fd, f->bpf, f->len, 0) != (ssize_t)f->len) {
        int e = errno;
        close(fd);
        errno = e ? e : EIO;
        return -1;
    }
    return fd;
}
