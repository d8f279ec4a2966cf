/* sprite/seccomp: the default filter of a sprite's processes, loaded for real in a child: what it
 * denies answers EPERM (clone3 ENOSYS), what programs need (fork, threads, sockets) still works,
 * and a system call of another ABI (x32) ends the process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/seccomp.h"

/* Loads f into this process (a child: it is for good). */
static int load(const host_sec_filter *f) {
    struct sock_fprog prog = {.len = (unsigned short)(f->len / sizeof(struct sock_filter)),
                              .filter = (struct sock_filter *)f->bpf};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* Runs fn in a child under the filter; its status. fn writes what went wrong to fd. */
static int in_child(const host_sec_filter *f, void (*fn)(int fd), rae_err *why) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        if (load(f) < 0) {
            dprintf(p[1], "loading the filter: %s", strerror(errno));
            _exit(2);
        }
        fn(p[1]);
        _exit(0);
    }
    close(p[1]);
    rae_err_clear(why);
    ssize_t got = read(p[0], why->message, sizeof why->message - 1);
    why->message[got > 0 ? got : 0] = 0;
    close(p[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

/* A call that must fail with errno want. */
static void expect(int fd, const char *what, long rc, int want) {
    int e = errno;
    if (rc == -1 && e == want) return;
    dprintf(fd, "%s: %ld (%s), wanted %s", what, rc, rc == -1 ? strerror(e) : "no error",
            strerror(want));
    _exit(1);
}

static void denied(int fd) {
    expect(fd, "unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER), EPERM);
    expect(fd, "unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS), EPERM);
    expect(fd, "setns", setns(0, CLONE_NEWNET), EPERM);
    long rc = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (rc == 0) _exit(0); /* the filter let it through: a child, which goes */
    expect(fd, "clone(CLONE_NEWUSER)", rc, EPERM);
    rc = syscall(SYS_clone, CLONE_NEWNET | CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
    if (rc == 0) _exit(0);
    expect(fd, "clone(CLONE_NEWNET|CLONE_NEWPID)", rc, EPERM);
    expect(fd, "clone3", syscall(SYS_clone3, NULL, 0), ENOSYS);
    expect(fd, "io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL), EPERM);
    expect(fd, "keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0), EPERM);
    expect(fd, "add_key", syscall(SYS_add_key, "user", "k", "v", 1, -3), EPERM);
    expect(fd, "request_key", syscall(SYS_request_key, "user", "k", NULL, 0), EPERM);
    expect(fd, "bpf", syscall(SYS_bpf, 0, NULL, 0), EPERM);
    expect(fd, "perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM);
    expect(fd, "userfaultfd", syscall(SYS_userfaultfd, 0), EPERM);
    expect(fd, "mount", mount("none", "/", "tmpfs", 0, NULL), EPERM);
    expect(fd, "umount2", umount2("/nonexistent", 0), EPERM);
    expect(fd, "open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0), EPERM);
    expect(fd, "socket(AF_ALG)", socket(AF_ALG, SOCK_SEQPACKET, 0), EPERM);
    expect(fd, "reboot", syscall(SYS_reboot, 0, 0, 0, NULL), EPERM);
}

static void test_denied(void **state) {
    (void)state;
    host_sec_filter f;
    rae_err why;
    rae_err err;
    assert_int_equal(host_sec_build(&f, &err), 0);
    assert_true(f.len > 0 && f.len % sizeof(struct sock_filter) == 0);
    int st = in_child(&f, denied, &why);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fail_msg("status %d: %s", st, why.message);
    host_sec_free(&f);
}

static void *thread_main(void *arg) {
    return arg;
}

/* What programs do every day: fork, threads (glibc tries clone3, then clone), sockets, files. */
static void allowed(int fd) {
    pid_t pid = fork();
    if (pid == 0) _exit(7);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
        dprintf(fd, "fork: %s", pid < 0 ? strerror(errno) : "the child did not run");
        _exit(1);
    }
    pthread_t t;
    void *ret = NULL;
    int rc = pthread_create(&t, NULL, thread_main, &st);
    if (rc != 0 || pthread_join(t, &ret) != 0 || ret != &st) {
        dprintf(fd, "a thread: %s", strerror(rc));
        _exit(1);
    }
    int s = socket(AF_UNIX, SOCK_STREAM, 0), n = open("/dev/null", O_RDONLY);
    if (s < 0 || n < 0) {
        dprintf(fd, "socket or open: %s", strerror(errno));
        _exit(1);
    }
}

static void test_allowed(void **state) {
    (void)state;
    host_sec_filter f;
    rae_err why;
    rae_err err;
    assert_int_equal(host_sec_build(&f, &err), 0);
    int st = in_child(&f, allowed, &why);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fail_msg("status %d: %s", st, why.message);
    host_sec_free(&f);
}

#if defined(__x86_64__)
static void x32(int fd) {
    long ret = syscall(0x40000000L | SYS_getpid);
    dprintf(fd, "an x32 system call returned %ld (%s)", ret, strerror(errno));
}

/* An x32 system call (the same audit arch as x86-64, told apart by its number) ends the process;
 * without the filter it answers ENOSYS here (a kernel without x32). i386's int 0x80 cannot be
 * tried on this machine: it faults before any filter sees it. */
static void test_x32_ends_the_process(void **state) {
    (void)state;
    host_sec_filter f;
    rae_err why;
    rae_err err;
    assert_int_equal(host_sec_build(&f, &err), 0);
    int st = in_child(&f, x32, &why);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS) fail_msg("x32: status %d: %s", st, why.message);
    host_sec_free(&f);
}
#endif

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_denied),
        cmocka_unit_test(test_allowed),
#if defined(__x86_64__)
        cmocka_unit_test(test_x32_ends_the_process),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
