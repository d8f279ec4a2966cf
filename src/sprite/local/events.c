/* A sprite's events: one JSON object per line in DIR/run/events.ndjson, appended by the driver
 * and the supervisor as things happen (state changes, services starting and exiting, sockets
 * appearing, checkpoints), read by whoever follows the sprite (the server, `rae sprite events`). */
#include "sprite/local/local.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EVENTS_MAX (1 << 20) /* a log this long moves to events.ndjson.1 */

static void events_path(const lsprite *s, char *out, size_t n) {
    local_path(s, "run/events.ndjson", out, n);
}

void local_ev_emit(const lsprite *s, const char *type, json_t *fields) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    json_t *ev = json_pack("{s:f,s:s,s:s}", "time", (double)t.tv_sec + t.tv_nsec / 1e9, "sprite",
                           s->name, "type", type);
    if (fields) json_object_update(ev, fields);
    json_decref(fields);
    char *line = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (!line) return;
    char path[PATH_MAX + 32], old[PATH_MAX + 40];
    events_path(s, path, sizeof path);
    struct stat sb;
    if (stat(path, &sb) == 0 && sb.st_size > EVENTS_MAX) {
        snprintf(old, sizeof old, "%s.1", path);
        rename(path, old);
    }
    size_t n = strlen(line);
    line[n] = '\n'; /* one write of the whole line: lines of two writers never interleave */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (write(fd, line, n + 1) < 0) {
            /* an event lost to a full disk is not worth failing the work it describes */
        }
        close(fd);
    }
    free(line);
}

int local_ev_open(rae_sprites *d, const char *name, int from_start, rae_err *err) {
    lsprite s;
    if (local_load((local *)d, name, &s, err) < 0) return -1;
    char path[PATH_MAX + 32];
    events_path(&s, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return rae_err_fail(err, "%s: %s", path, strerror(errno));
    if (!from_start) lseek(fd, 0, SEEK_END);
    return fd;
}
