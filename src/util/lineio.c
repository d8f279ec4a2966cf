/* lineio (lineio.h): poll-driven writes and reads against one deadline. */
#include "util/lineio.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

json_t *lineio_call(int fd, const json_t *req, size_t max, int deadline_ms) {
    char *text = json_dumps(req, JSON_COMPACT);
    if (!text) return errno = EINVAL, NULL;
    size_t n = strlen(text);
    char *line = realloc(text, n + 2 > max + 1 ? n + 2 : max + 1);
    if (!line) abort();
    line[n] = '\n';
    /* the answer goes where the request was: it is sent before the answer is read */
    long got = lineio_exchange(fd, line, n + 1, line, max + 1, deadline_ms);
    json_t *j = got > 0 ? json_loads(line, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
    if (got > 0 && !j) errno = EBADMSG;
    free(line);
    return j;
}

void lineio_serve_one(int listen_fd, int timeout_ms, size_t max, lineio_handler *handle,
                      void *ctx) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char *line = malloc(max + 1);
    if (!line) abort();
    size_t len = 0;
    ssize_t n;
    while (len < max && (n = read(fd, line + len, max - len)) > 0) {
        len += (size_t)n;
        if (memchr(line, '\n', len)) break;
    }
    line[len] = 0;
    json_error_t je;
    json_t *req = json_loads(line, JSON_DISABLE_EOF_CHECK, &je);
    free(line);
    if (req && !json_is_object(req)) {
        json_decref(req);
        req = NULL;
        snprintf(je.text, sizeof je.text, "not a JSON object");
    }
    json_t *resp = handle(ctx, req, req ? NULL : je.text);
    json_decref(req);
    char *out = json_dumps(resp, JSON_COMPACT);
    json_decref(resp);
    size_t k = out ? strlen(out) : 0;
    if (out) out[k] = '\n'; /* written with its length: the NUL is not sent */
    for (size_t done = 0; out && done < k + 1;) {
        ssize_t w = send(fd, out + done, k + 1 - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    free(out);
    close(fd);
}
