/* libFuzzer target for `rae har recover`: a capture's journal (one JSON line per entry or page,
 * the last one maybe cut by a crash) turned into a HAR. What it writes must be a HAR that rae's
 * own reader takes: anything else aborts, as a crash would. Replayed by ctest
 * (fuzz/journal_replay) over tests/fuzz/seeds-journal. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture/journal.h"
#include "rae/har.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data to path; 0 when it all went. */
static int write_file(const char *path, const uint8_t *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = fwrite(data, 1, size, f);
    return fclose(f) == 0 && n == size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char dir[] = "/tmp/rae-fuzz-journal-XXXXXX", in[64], out[64];
    rae_err err;
    if (!mkdtemp(dir)) abort();
    snprintf(in, sizeof in, "%s/capture.har.journal", dir);
    snprintf(out, sizeof out, "%s/capture.har", dir);
    if (write_file(in, data, size) < 0) abort();
    journal_stats st;
    if (journal_to_har(in, out, &st, &err) == 0) {
        har_reader *r;
        rae_err he;
        if (har_reader_open(out, &r, &he) < 0) {
            fprintf(stderr, "the HAR written from the journal is not one: %s\n", he.message);
            abort();
        }
        arena *a = arena_new();
        har_entry *e;
        while (har_reader_next(r, a, &e, &he) != 0)
            arena_reset(a);
        arena_free(a);
        har_reader_free(r);
        unlink(out);
    }
    unlink(in);
    rmdir(dir);
    return 0;
}
