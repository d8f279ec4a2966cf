/* sprite/cgroup: a sprite's control group on the real cgroup file system. Each case works on a
 * group of its own, rae-test-<pid>-<case>, under the test's own groups; the teardown kills what
 * is left in it, removes it and reaps the children, also when a check fails. Skipped (with the
 * reason) when not root or when cgroups cannot be used here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/cgroup.h"

#define MAX_KIDS 16
#define MB (1024ULL * 1024ULL)

/* What children report, in a page shared with them. */
typedef struct shared {
    long counter[MAX_KIDS]; /* incremented by counting children */
    int ready[MAX_KIDS];    /* set once a child is in the group and running */
    int forked, eagain;     /* the forking child's results */
    rae_err err[MAX_KIDS];
} shared;

typedef struct tcase {
    host_cg_ctx *c;
    rae_err why;
    char name[48];
    shared *sh;
    pid_t kid[MAX_KIDS];
    int nkids;
} tcase;

/* ---- helpers ---- */

static long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static long counter(const tcase *t, int i) {
    return __atomic_load_n(&t->sh->counter[i], __ATOMIC_SEQ_CST);
}

static void need_cgroups(const tcase *t) {
    if (geteuid() != 0) {
        print_message("[  SKIP    ] needs root (cgroups)\n");
        skip();
    }
    if (!t->c) {
        print_message("[  SKIP    ] %s\n", t->why.message);
        skip();
    }
}

static int setup(void **state) {
    tcase *t = calloc(1, sizeof *t);
    if (!t) return -1;
    snprintf(t->name, sizeof t->name, "rae-test-%d-%s", (int)getpid(), (const char *)*state);
    t->sh = mmap(NULL, sizeof(shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (t->sh == MAP_FAILED) {
        free(t);
        return -1;
    }
    if (geteuid() == 0) t->c = host_cg_open(&t->why);
    *state = t;
    return 0;
}

static void reap(tcase *t, int i, int *status) {
    if (t->kid[i] <= 0) return;
    while (waitpid(t->kid[i], status, 0) < 0 && errno == EINTR) {
    }
    t->kid[i] = 0;
}

static int teardown(void **state) {
    tcase *t = *state;
    rae_err err;
    if (t->c) {
        if (host_cg_kill_all(t->c, t->name, &err) < 0)
            print_message("teardown: kill_all: %s\n", err.message);
        if (host_cg_remove(t->c, t->name, &err) < 0)
            print_message("teardown: remove: %s\n", err.message);
    }
    for (int i = 0; i < t->nkids; i++) {
        int st;
        if (t->kid[i] > 0) kill(t->kid[i], SIGKILL); /* one that never got into the group */
        reap(t, i, &st);
    }
    host_cg_free(t->c);
    munmap(t->sh, sizeof(shared));
    free(t);
    return 0;
}

/* Sets the group up; a limit whose controller this host does not offer (not mounted, v2: not
 * delegated) skips the case. */
static void setup_or_fail(const tcase *t, const host_cg_limits *lim) {
    rae_err err;
    int rc = host_cg_setup(t->c, t->name, lim, &err);
    if (rc != 0 &&
        (strstr(err.message, "is not mounted") || strstr(err.message, "is not delegated"))) {
        print_message("[  SKIP    ] %s\n", err.message);
        skip();
    }
    if (rc != 0) print_message("host_cg_setup: %s\n", err.message);
    assert_int_equal(rc, 0);
}

/* Counts in counter[i] every millisecond, forever. */
static void body_count(shared *sh, int i) {
    for (;;) {
        __atomic_add_fetch(&sh->counter[i], 1, __ATOMIC_SEQ_CST);
        usleep(1000);
    }
}

/* Forks 20 children that wait; counts the forks that worked and those refused with EAGAIN. */
static void body_fork20(shared *sh, int i) {
    for (int k = 0; k < 20; k++) {
        pid_t p = fork();
        if (p == 0) {
            for (;;)
                pause();
        }
        if (p > 0)
            __atomic_add_fetch(&sh->forked, 1, __ATOMIC_SEQ_CST);
        else if (errno == EAGAIN)
            __atomic_add_fetch(&sh->eagain, 1, __ATOMIC_SEQ_CST);
    }
    __atomic_store_n(&sh->ready[i], 2, __ATOMIC_SEQ_CST);
    for (;;)
        pause();
}

/* Allocates and touches 200 MB, then exits 0 (which it must not get to under a 32 MB limit). */
static void body_hog(shared *sh, int i) {
    size_t n = 200 * MB;
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) _exit(3);
    for (size_t k = 0; k < n; k += 4096)
        p[k] = (char)k;
    _exit(0);
}

/* Spins on the CPU. */
static void body_spin(shared *sh, int i) {
    for (;;)
        __atomic_add_fetch(&sh->counter[i], 1, __ATOMIC_RELAXED);
}

/* Forks two children that count too (the group then holds three processes of this one). */
static void body_tree(shared *sh, int i) {
    for (int k = 0; k < 2; k++) {
        pid_t p = fork();
        if (p == 0) {
            for (;;)
                pause();
        }
    }
    body_count(sh, i);
}

/* Forks child i running body. With enter, the child moves itself into the group first, as the
 * sandbox's child does before exec; without, it waits in place. Returns once it runs. */
static pid_t spawn(tcase *t, void (*body)(shared *, int), int enter) {
    assert_true(t->nkids < MAX_KIDS);
    int i = t->nkids;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (enter && host_cg_enter(t->c, t->name, 0, &t->sh->err[i]) < 0) {
            __atomic_store_n(&t->sh->ready[i], -1, __ATOMIC_SEQ_CST);
            _exit(99);
        }
        __atomic_store_n(&t->sh->ready[i], 1, __ATOMIC_SEQ_CST);
        body(t->sh, i);
        _exit(0);
    }
    t->kid[i] = pid;
    t->nkids++;
    long long end = now_us() + 5000000;
    while (__atomic_load_n(&t->sh->ready[i], __ATOMIC_SEQ_CST) == 0 && now_us() < end)
        sleep_ms(1);
    if (t->sh->ready[i] < 0)
        print_message("host_cg_enter in the child: %s\n", t->sh->err[i].message);
    assert_true(t->sh->ready[i] > 0);
    return pid;
}

/* Waits (5 s at most) until the group counts n processes. */
static int wait_count(const tcase *t, int n) {
    long long end = now_us() + 5000000;
    int k;
    while ((k = host_cg_count(t->c, t->name)) != n && now_us() < end)
        sleep_ms(2);
    return k;
}

/* 1 when /proc/PID/cgroup names the group (in every line of ours). */
static int in_group(pid_t pid, const char *name) {
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    FILE *f = fopen(path, "r");
    int found = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        size_t ln = strlen(line), nn = strlen(name);
        if (ln > nn && line[ln - nn - 1] == '/' && strcmp(line + ln - nn, name) == 0) found++;
    }
    fclose(f);
    return found;
}

/* How many directories named name are under dir (cgroup trees are shallow: 8 levels at most). */
static int dirs_named(const char *dir, const char *name, int depth) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        n += strcmp(e->d_name, name) == 0;
        if (depth < 8) n += dirs_named(sub, name, depth + 1);
    }
    closedir(d);
    return n;
}

static int dirs_left(const char *name) {
    return dirs_named("/sys/fs/cgroup", name, 0);
}

/* ---- cases ---- */

static void test_names(void **state) {
    tcase *t = *state;
    rae_err why;
    rae_err err;
    char long_name[SCG_NAME_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    assert_int_equal(host_cg_name_check("rae-test-1", &err), 0);
    assert_int_equal(host_cg_name_check("", &err), -1);
    assert_int_equal(host_cg_name_check("Bad_Name", &err), -1);
    assert_non_null(strstr(err.message, "Bad_Name"));
    assert_int_equal(host_cg_name_check("../x", &err), -1);
    assert_int_equal(host_cg_name_check(long_name, &err), -1);
    long_name[SCG_NAME_MAX] = 0;
    assert_int_equal(host_cg_name_check(long_name, &err), 0);
    int avail = host_cg_available(&why);
    print_message("host_cg_available: %d%s%s\n", avail, avail ? "" : ": ",
                  avail ? "" : why.message);
    need_cgroups(t);
    print_message("cgroup %s\n", host_cg_version(t->c));
    assert_int_equal(host_cg_setup(t->c, "../escape", NULL, &err), -1);
    assert_int_equal(host_cg_enter(t->c, "a/b", 0, &err), -1);
    assert_non_null(strstr(err.message, "a/b"));
}

static void test_enter(void **state) {
    tcase *t = *state;
    rae_err err;
    need_cgroups(t);
    setup_or_fail(t, NULL);
    assert_int_equal(host_cg_count(t->c, t->name), 0);
    pid_t a = spawn(t, body_count, 1);
    assert_int_equal(wait_count(t, 1), 1);
    assert_true(in_group(a, t->name) >= 1);
    assert_int_equal(host_cg_frozen(t->c, t->name), 0);
    /* moved by the parent this time */
    pid_t b = spawn(t, body_count, 0);
    assert_int_equal(host_cg_count(t->c, t->name), 1);
    int rc = host_cg_enter(t->c, t->name, b, &err);
    if (rc) print_message("host_cg_enter: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(wait_count(t, 2), 2);
    assert_true(in_group(b, t->name) >= 1);
    assert_int_equal(host_cg_oom_events(t->c, t->name), 0);
    /* a missing group: a clear error naming the file */
    assert_int_equal(host_cg_enter(t->c, "rae-test-no-such-group", b, &err), -1);
    print_message("enter a missing group: %s\n", err.message);
    assert_non_null(strstr(err.message, "rae-test-no-such-group/cgroup.procs"));
    assert_non_null(strstr(err.message, "No such file"));
}

static void test_freeze(void **state) {
    tcase *t = *state;
    rae_err err;
    need_cgroups(t);
    setup_or_fail(t, NULL);
    spawn(t, body_count, 1);
    sleep_ms(20);
    long before = counter(t, 0);
    assert_true(before > 0);

    long long t0 = now_us();
    int rc = host_cg_freeze(t->c, t->name, 1, &err);
    long long t1 = now_us();
    if (rc) print_message("freeze: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(host_cg_frozen(t->c, t->name), 1);
    long frozen_at = counter(t, 0);
    sleep_ms(200);
    assert_int_equal(counter(t, 0), frozen_at); /* no progress while frozen */
    assert_int_equal(host_cg_count(t->c, t->name), 1);
    /* freezing again is fine */
    assert_int_equal(host_cg_freeze(t->c, t->name, 1, &err), 0);

    long long t2 = now_us();
    rc = host_cg_freeze(t->c, t->name, 0, &err);
    long long t3 = now_us();
    if (rc) print_message("thaw: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(host_cg_frozen(t->c, t->name), 0);
    long long end = now_us() + 1000000;
    while (counter(t, 0) == frozen_at && now_us() < end) {
    }
    long long t4 = now_us();
    assert_true(counter(t, 0) > frozen_at); /* runs again */
    print_message("freeze %.2f ms, thaw %.2f ms (first progress after %.2f ms)\n",
                  (double)(t1 - t0) / 1000.0, (double)(t3 - t2) / 1000.0,
                  (double)(t4 - t2) / 1000.0);
    assert_true(t3 - t2 < 100000); /* milliseconds, not seconds */

    /* a missing group */
    assert_int_equal(host_cg_freeze(t->c, "rae-test-no-such-group", 1, &err), -1);
    print_message("freeze a missing group: %s\n", err.message);
    assert_int_equal(host_cg_frozen(t->c, "rae-test-no-such-group"), -1);
}

static void test_pids(void **state) {
    tcase *t = *state;
    rae_err err;
    need_cgroups(t);
    host_cg_limits lim = {.pids = 5};
    setup_or_fail(t, &lim);
    host_cg_limits got;
    assert_int_equal(host_cg_get_limits(t->c, t->name, &got, &err), 0);
    assert_int_equal(got.pids, 5);
    spawn(t, body_fork20, 1);
    long long end = now_us() + 5000000;
    while (__atomic_load_n(&t->sh->ready[0], __ATOMIC_SEQ_CST) != 2 && now_us() < end)
        sleep_ms(2);
    assert_int_equal(t->sh->ready[0], 2);
    int n = host_cg_count(t->c, t->name);
    print_message("pids.max 5: %d forks worked, %d got EAGAIN, %d processes in the group\n",
                  t->sh->forked, t->sh->eagain, n);
    assert_true(n <= 5);
    assert_true(t->sh->forked <= 4);
    assert_int_equal(t->sh->eagain, 20 - t->sh->forked);
    int rc = host_cg_kill_all(t->c, t->name, &err);
    if (rc) print_message("kill_all: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(host_cg_count(t->c, t->name), 0);
}

static void test_memory(void **state) {
    tcase *t = *state;
    rae_err err;
    need_cgroups(t);
    host_cg_limits lim = {.memory = 32 * MB};
    setup_or_fail(t, &lim);
    host_cg_limits got;
    assert_int_equal(host_cg_get_limits(t->c, t->name, &got, &err), 0);
    assert_int_equal(got.memory, 32 * MB);
    assert_int_equal(host_cg_oom_events(t->c, t->name), 0);
    spawn(t, body_hog, 1);
    int st = 0;
    reap(t, 0, &st);
    long ooms = host_cg_oom_events(t->c, t->name);
    print_message("200 MB under a 32 MB limit: %s %d; oom_kill %ld -> \"killed: the sprite's "
                  "memory limit of %llu MB was reached\"\n",
                  WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : 0, ooms,
                  got.memory / MB);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGKILL);
    assert_true(ooms > 0);
}

static double cpu_seconds(pid_t pid) {
    char path[64], b[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(b, 1, sizeof b - 1, f);
    fclose(f);
    b[n] = 0;
    const char *p = strrchr(b, ')');
    unsigned long ut = 0, stt = 0;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
     */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) != 2)
        return -1;
    return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

static void test_cpu(void **state) {
    tcase *t = *state;
    rae_err err;
    need_cgroups(t);
    host_cg_limits lim = {.cpu_percent = 20};
    setup_or_fail(t, &lim);
    host_cg_limits got;
    assert_int_equal(host_cg_get_limits(t->c, t->name, &got, &err), 0);
    assert_int_equal(got.cpu_percent, 20);
    pid_t pid = spawn(t, body_spin, 1);
    double c0 = cpu_seconds(pid);
    long long w0 = now_us();
    sleep_ms(1000);
    double c1 = cpu_seconds(pid);
    double share = (c1 - c0) / ((double)(now_us() - w0) / 1e6);
    print_message("cpu 20%%: a spinning child got %.0f%% of a core\n", share * 100);
    assert_true(share < 0.35);
    assert_true(share > 0.02); /* it ran at all (the machine may be busy) */
}

static void test_kill_all(void **state) {
    tcase *t = *state;
    rae_err err;
    need_cgroups(t);
    setup_or_fail(t, NULL);
    /* nothing to kill yet */
    assert_int_equal(host_cg_kill_all(t->c, t->name, &err), 0);
    for (int i = 0; i < 3; i++)
        spawn(t, body_tree, 1);
    assert_int_equal(wait_count(t, 9), 9);
    long long t0 = now_us();
    int rc = host_cg_kill_all(t->c, t->name, &err);
    if (rc) print_message("kill_all: %s\n", err.message);
    assert_int_equal(rc, 0);
    print_message("kill_all of 9 processes: %.2f ms\n", (double)(now_us() - t0) / 1000.0);
    assert_int_equal(host_cg_count(t->c, t->name), 0);
    for (int i = 0; i < 3; i++) {
        int st = 0;
        reap(t, i, &st);
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    }

    /* frozen: they must still die, and the group is left thawed */
    for (int i = 0; i < 3; i++)
        spawn(t, body_tree, 1);
    assert_int_equal(wait_count(t, 9), 9);
    rc = host_cg_freeze(t->c, t->name, 1, &err);
    assert_int_equal(rc, 0);
    t0 = now_us();
    rc = host_cg_kill_all(t->c, t->name, &err);
    if (rc) print_message("kill_all (frozen): %s\n", err.message);
    assert_int_equal(rc, 0);
    print_message("kill_all of 9 frozen processes: %.2f ms\n", (double)(now_us() - t0) / 1000.0);
    assert_int_equal(host_cg_count(t->c, t->name), 0);
    assert_int_equal(host_cg_frozen(t->c, t->name), 0);
    for (int i = 3; i < 6; i++) {
        int st = 0;
        reap(t, i, &st);
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    }
    /* a new process in the group runs */
    spawn(t, body_count, 1);
    long long end = now_us() + 1000000;
    while (counter(t, 6) < 5 && now_us() < end)
        sleep_ms(1);
    assert_true(counter(t, 6) >= 5);
    /* a missing group: nothing to do */
    assert_int_equal(host_cg_kill_all(t->c, "rae-test-no-such-group", &err), 0);
}

static void test_remove(void **state) {
    tcase *t = *state;
    rae_err err;
    need_cgroups(t);
    setup_or_fail(t, NULL); /* still made in every controller */
    spawn(t, body_count, 1);
    print_message("the group's directories: %d\n", dirs_left(t->name));
    assert_true(dirs_left(t->name) >= 1);
    /* a group with a process cannot go */
    int rc = host_cg_remove(t->c, t->name, &err);
    print_message("remove with a process left: %s\n", rc ? err.message : "(removed!)");
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.message, "rmdir"));
    assert_int_equal(host_cg_kill_all(t->c, t->name, &err), 0);
    rc = host_cg_remove(t->c, t->name, &err);
    if (rc) print_message("remove: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(host_cg_frozen(t->c, t->name), -1);
    assert_int_equal(dirs_left(t->name), 0);
    assert_int_equal(host_cg_count(t->c, t->name), 0);
    assert_int_equal(host_cg_oom_events(t->c, t->name), -1);
    host_cg_limits got;
    assert_int_equal(host_cg_get_limits(t->c, t->name, &got, &err), -1);
    /* absent: fine */
    assert_int_equal(host_cg_remove(t->c, t->name, &err), 0);
}

static void test_idempotent(void **state) {
    tcase *t = *state;
    rae_err err;
    need_cgroups(t);
    host_cg_limits a = {.memory = 64 * MB, .pids = 10, .cpu_percent = 50};
    setup_or_fail(t, &a);
    spawn(t, body_count, 1);
    setup_or_fail(t, &a);
    host_cg_limits got;
    assert_int_equal(host_cg_get_limits(t->c, t->name, &got, &err), 0);
    assert_int_equal(got.memory, 64 * MB);
    assert_int_equal(got.pids, 10);
    assert_int_equal(got.cpu_percent, 50);
    /* other limits: updated in place, the process stays */
    host_cg_limits b = {.memory = 128 * MB, .pids = 20, .cpu_percent = 150};
    setup_or_fail(t, &b);
    assert_int_equal(host_cg_get_limits(t->c, t->name, &got, &err), 0);
    assert_int_equal(got.memory, 128 * MB);
    assert_int_equal(got.pids, 20);
    assert_int_equal(got.cpu_percent, 150);
    /* lower again, then none at all */
    setup_or_fail(t, &a);
    assert_int_equal(host_cg_get_limits(t->c, t->name, &got, &err), 0);
    assert_int_equal(got.memory, 64 * MB);
    setup_or_fail(t, NULL);
    assert_int_equal(host_cg_get_limits(t->c, t->name, &got, &err), 0);
    assert_int_equal(got.memory, 0);
    assert_int_equal(got.pids, 0);
    assert_int_equal(got.cpu_percent, 0);
    assert_int_equal(host_cg_count(t->c, t->name), 1);
    /* a negative limit is refused with a clear reason */
    host_cg_limits neg = {.pids = -1};
    assert_int_equal(host_cg_setup(t->c, t->name, &neg, &err), -1);
    print_message("negative limit: %s\n", err.message);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate_setup_teardown(test_names, setup, teardown, "n"),
        cmocka_unit_test_prestate_setup_teardown(test_enter, setup, teardown, "e"),
        cmocka_unit_test_prestate_setup_teardown(test_freeze, setup, teardown, "f"),
        cmocka_unit_test_prestate_setup_teardown(test_pids, setup, teardown, "p"),
        cmocka_unit_test_prestate_setup_teardown(test_memory, setup, teardown, "m"),
        cmocka_unit_test_prestate_setup_teardown(test_cpu, setup, teardown, "c"),
        cmocka_unit_test_prestate_setup_teardown(test_kill_all, setup, teardown, "k"),
        cmocka_unit_test_prestate_setup_teardown(test_remove, setup, teardown, "r"),
        cmocka_unit_test_prestate_setup_teardown(test_idempotent, setup, teardown, "i"),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
