/* The capture's control socket (control.h). */
#include "capture/control.h"
#include "util/lineio.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define LINE_MAX_BYTES 8192

int control_open(const char *path, rae_err *err) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct stat sb;
    if (strlen(path) >= sizeof sa.sun_path)
        return rae_err_fail(err, "control socket %s: path too long", path), -1;
    if (lstat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode))
        return rae_err_fail(err, "control socket %s: a file is there already", path), -1;
    unlink(path); /* a socket a dead capture left */
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0) {
        rae_err_fail(err, "control socket %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    chmod(path, 0600);
    return fd;
}

static json_t *answer(recorder *r, json_t *req) {
    const char *op = json_string_value(json_object_get(req, "op"));
    if (!op) return json_pack("{s:s}", "error", "no op");
    if (strcmp(op, "status") == 0) {
        const rec_stats *st = recorder_stats(r);
        return json_pack("{s:b,s:I,s:I,s:I,s:I,s:s?,s:s?}", "ok", 1, "entries",
                         (json_int_t)st->entries, "pages", (json_int_t)st->pages, "tabs",
                         (json_int_t)st->open_tabs, "bytes", (json_int_t)st->bytes, "url",
                         st->tab_url, "title", st->tab_title);
    }
    rae_err err;
    if (recorder_page_command(r, op, json_string_value(json_object_get(req, "url")), &err) < 0)
        return json_pack("{s:s}", "error", err.message);
    return json_pack("{s:b}", "ok", 1);
}

static json_t *handle(void *r, json_t *req, const char *why) {
    (void)why;
    return req ? answer(r, req) : json_pack("{s:s}", "error", "not a JSON line");
}

/* One command; a client that says nothing (for 1 s) does not hold the capture up. */
void control_serve(int listen_fd, recorder *r) {
    lineio_serve_one(listen_fd, 1000, LINE_MAX_BYTES, handle, r);
}

void control_close(int fd, const char *path) {
    if (fd < 0) return;
    close(fd);
    unlink(path);
}
