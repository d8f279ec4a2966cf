/* The default seccomp filter of every process in a sprite (`host_sec_`): the system calls container
 * runtimes deny by default (moby's default profile, for a process with no capabilities) answer
 * EPERM — namespaces, mounts, io_uring, keyrings, bpf, perf events, userfaultfd, kernel modules,
 * kexec, reboot, swap, clock setting, ... —, clone3 answers ENOSYS (its flags cannot be inspected:
 * libc falls back to clone, whose flags can), and a system call of another ABI (i386 or x32 on
 * x86-64) ends the process. Everything else is allowed. Built once with libseccomp and exported
 * as the classic BPF program that bwrap's --seccomp reads. The list and the reasons:
 * docs/sprites.md. */
#ifndef RAE_HOST_SECCOMP_H
#define RAE_HOST_SECCOMP_H

#include <stddef.h>

#include "rae/err.h"

typedef struct host_sec_filter {
    unsigned char *bpf; /* owned: struct sock_filter[len / 8] */
    size_t len;         /* bytes */
} host_sec_filter;

/* Builds the filter into *out (free it with host_sec_free). 0, or -1 + err. */
int host_sec_build(host_sec_filter *out, rae_err *err);
/* Frees what host_sec_build made (a zeroed filter too). */
void host_sec_free(host_sec_filter *f);
/* A new memfd (close-on-exec, never fd 0, 1 or 2) holding the program at offset 0, for one bwrap
 * to read: the caller closes it. -1 + errno when it cannot be made. */
int host_sec_memfd(const host_sec_filter *f);

#endif
