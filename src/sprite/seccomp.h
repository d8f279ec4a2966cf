/* The default seccomp filter of every process in a sprite (`ssec_`): the system calls container
 * runtimes deny by default (moby's default profile, for a process with no capabilities) answer
 * EPERM — namespaces, mounts, io_uring, keyrings, bpf, perf events, userfaultfd, kernel modules,
 * kexec, reboot, swap, clock setting, ... —, clone3 answers ENOSYS (its flags cannot be inspected:
 * libc falls back to clone, whose flags can), and a system call of another ABI (i386 or x32 on
 * x86-64) ends the process. Everything else is allowed. Built once with libseccomp and exported
 * as the classic BPF program that bwrap's --seccomp reads. The list and the reasons:
 * docs/sprites.md. */
#ifndef RAE_SPRITE_SECCOMP_H
#define RAE_SPRITE_SECCOMP_H

#include <stddef.h>

typedef struct ssec_filter {
    unsigned char *bpf; /* owned: struct sock_filter[len / 8] */
    size_t len;         /* bytes */
} ssec_filter;

/* Builds the filter into *out (free it with ssec_free). 0, or -1 + err. */
int ssec_build(ssec_filter *out, char *err, size_t errlen);
/* Frees what ssec_build made (a zeroed filter too). */
void ssec_free(ssec_filter *f);
/* A new memfd (close-on-exec, never fd 0, 1 or 2) holding the program at offset 0, for one bwrap
 * to read: the caller closes it. -1 + errno when it cannot be made. */
int ssec_memfd(const ssec_filter *f);

#endif
