/* control: a UNIX socket on which a capture takes commands for the tab a person looks at —
 * {"op":"navigate","url":...}, {"op":"back"}, {"op":"forward"}, {"op":"reload"}, {"op":"status"}
 * — one JSON line per connection, answered with one ({"ok":true,...} or {"error":"..."}). The
 * server drives the browser of a sprite through it (the URL bar and buttons of its page). */
#ifndef RAE_CAPTURE_CONTROL_H
#define RAE_CAPTURE_CONTROL_H

#include <stddef.h>

#include "capture/recorder.h"
#include "rae/err.h"

/* Listens on path (a socket left there by a capture that died is replaced; any other file is an
 * error). Returns the listening fd, or -1 and err. */
int control_open(const char *path, rae_err *err);
/* Takes one connection on the listening fd and answers its command. */
void control_serve(int listen_fd, recorder *r);
/* Stops listening: closes fd and removes path. */
void control_close(int fd, const char *path);

#endif
