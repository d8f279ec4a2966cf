/* ckpt_bench: times one call of the checkpoint store (src/ckpt/ckpt.h) for bench/checkpoint.
 *
 *   ckpt_bench create  STORE ROOT LEVEL SYNC     prints "ms ID files bytes added read_files"
 *   ckpt_bench restore STORE ROOT ID SYNC        prints "ms"
 *
 * The time is that of the call alone (CLOCK_MONOTONIC), not of opening the store or of the
 * process. Exit status 1 with the error on stderr when the call fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckpt/ckpt.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    rae_err err;
    if (argc != 6 || (strcmp(argv[1], "create") && strcmp(argv[1], "restore"))) {
        fprintf(stderr, "usage: ckpt_bench create STORE ROOT LEVEL SYNC\n"
                        "       ckpt_bench restore STORE ROOT ID SYNC\n");
        return 2;
    }
    int create = !strcmp(argv[1], "create");
    ckpt_store *s = ckpt_store_open(argv[2], create ? atoi(argv[4]) : 0, &err);
    if (!s) {
        fprintf(stderr, "ckpt_bench: %s\n", err.message);
        return 1;
    }
    ckpt_store_set_sync(s, atoi(argv[5]));
    double t0 = now_ms();
    int rc;
    ckpt_info info;
    if (create)
        rc = ckpt_create(s, argv[3], "bench", 1, &info, &err);
    else
        rc = ckpt_restore(s, argv[4], argv[3], &err);
    double ms = now_ms() - t0;
    ckpt_store_free(s);
    if (rc < 0) {
        fprintf(stderr, "ckpt_bench: %s\n", err.message);
        return 1;
    }
    if (create)
        printf("%.1f %s %llu %llu %llu %llu\n", ms, info.id, info.files, info.bytes, info.added,
               info.read_files);
    else
        printf("%.1f\n", ms);
    return 0;
}
