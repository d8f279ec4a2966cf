/* lineio (lineio.h): poll-driven writes and reads against one deadline. */
#include "util/lineio.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline (ms on the monotonic clock): 0 when ready, -1 with
 * errno ETIMEDOUT or poll's. */
static int wait_for(int fd, short events, long deadline) {
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0) break;
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, (int)left);
        if (n > 0) return 0;
        if (n < 0 && errno != EINTR) return -1;
    }
    errno = ETIMEDOUT;
    return -1;
}

long lineio_exchange(int fd, const char *req, size_t n, char *out, size_t outlen, int deadline_ms) {
    long deadline = now_ms() + deadline_ms;
    for (size_t done = 0; done < n;) {
        if (wait_for(fd, POLLOUT, deadline) < 0) return -1;
        ssize_t w = write(fd, req + done, n - done);
        if (w < 0 && errno != EAGAIN && errno != EINTR) return -1;
        if (w > 0) done += (size_t)w;
    }
    size_t len = 0;
    out[0] = 0;
    while (!memchr(out, '\n', len)) {
        if (len + 1 >= outlen) {
            errno = EMSGSIZE;
            return -1;
        }
        if (wait_for(fd, POLLIN, deadline) < 0) return -1;
        ssize_t got = read(fd, out + len, outlen - 1 - len);
        if (got == 0) break;
        if (got < 0 && errno != EAGAIN && errno != EINTR) return -1;
        if (got > 0) len += (size_t)got;
        out[len] = 0;
    }
    return (long)len;
}
