/* display: a virtual X display served over VNC by TigerVNC's Xvnc, on a UNIX socket only (no TCP
 * port), for a headful browser that a person watches and drives through noVNC. */
#ifndef RAE_CAPTURE_DISPLAY_H
#define RAE_CAPTURE_DISPLAY_H

#include <stddef.h>
#include <sys/types.h>

typedef struct display {
    pid_t pid;     /* Xvnc; 0 when not running */
    int number;    /* the X display :N */
    char name[16]; /* ":N" */
    char *socket;  /* the RFB socket path (caller's string) */
} display;

enum { DISPLAY_OK = 0, DISPLAY_RUNTIME = -1, DISPLAY_USAGE = -2 };

/* Starts Xvnc serving RFB on socket_path and waits until it accepts X clients. Returns
 * DISPLAY_OK, DISPLAY_USAGE when socket_path already exists, DISPLAY_RUNTIME otherwise (err
 * filled). */
int display_start(const char *socket_path, int width, int height, display *d, char *err,
                  size_t errlen);
/* Stops Xvnc and removes its socket. */
void display_stop(display *d);

#endif
