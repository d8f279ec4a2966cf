/* libFuzzer target for what comes from the browser: the DevTools pipe's reader (NUL-separated
 * JSON messages, cdp.c) feeding the recorder (recorder.c, targets.c, entry.c) as a capture does,
 * its journal going to /dev/null. The input is the byte stream Chromium writes on its fd 4;
 * replies to the recorder's first commands have small ids. Replayed by ctest (fuzz/cdp_replay)
 * over tests/fuzz/seeds-cdp. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/cdp.h"
#include "capture/journal.h"
#include "capture/recorder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a descriptor to read from, at its start; -1 when it cannot be made. */
static int as_fd(const uint8_t *data, size_t size) {
    int fd = memfd_create("cdp-input", MFD_CLOEXEC);
    for (size_t done = 0; fd >= 0 && done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    if (fd >= 0) lseek(fd, 0, SEEK_SET);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rae_err err;
    int in = as_fd(data, size), out = open("/dev/null", O_WRONLY | O_CLOEXEC);
    journal *j = journal_open("/dev/null", &err);
    if (in < 0 || out < 0 || !j) abort();
    rec_opts o = {.start_url = "http://127.0.0.1/", .headless = 1, .shared = 1};
    recorder *r = recorder_new(j, &o);
    cdp *c = cdp_new(out, in, recorder_on_event, r);
    recorder_start(r, c);
    for (int rc = 0, turns = 0; rc != 1 && turns < 100000; turns++)
        rc = cdp_read(c, &err); /* -1: a malformed message, skipped; 1: the end */
    recorder_tick(r);
    recorder_release_bodies(r);
    recorder_flush(r, "the fuzz input ended");
    cdp_free(c);
    recorder_free(r);
    journal_close(j);
    close(in);
    close(out);
    return 0;
}
