/* display: a virtual X display served over VNC by TigerVNC's Xvnc, on a UNIX socket only (no TCP
 * port), for a headful browser that a person watches and drives through noVNC. */
#ifndef RAE_CAPTURE_DISPLAY_H
#define RAE_CAPTURE_DISPLAY_H

#include <stddef.h>
#include <sys/types.h>

#include "rae/err.h"

typedef struct display {
    pid_t pid;     /* Xvnc; 0 when not running */
    int number;    /* the X display :N */
    char name[16]; /* ":N" */
    char *socket;  /* the RFB socket path (caller's string) */
} display;

/* Starts Xvnc serving RFB on socket_path and waits until it accepts X clients: 0, or -1 with err
 * (RAE_E_INVALID when socket_path is taken: the option names a path in use). */
int display_start(const char *socket_path, int width, int height, display *d, rae_err *err);
/* Stops Xvnc and removes its socket. */
void display_stop(display *d);

#endif
