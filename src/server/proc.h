/* proc: a process of a sprite that the server watches on its loop (an engineer run, replay.py).
 *
 * Its output comes to on_output in chunks as libuv's pipe reads them; its end comes to on_end
 * once, after the last of its output, with its exit status. The end is seen through a pidfd that
 * libuv polls: no timer that looks for it, no blocking wait on the loop. (uv_spawn cannot be used:
 * the sprite's driver starts the process, on a worker thread, as a sandbox needs.) A process that
 * closes its output and goes on, or ends while something it left holds its output open, is given
 * SRV_PROC_LINGER_MS, then killed or no longer read. */
#ifndef RAE_SERVER_PROC_H
#define RAE_SERVER_PROC_H

#include <stddef.h>
#include <uv.h>

#include "rae/err.h"
#include "rae/sprite.h"

#define SRV_PROC_LINGER_MS 10000

typedef struct srv_proc srv_proc;

/* A chunk of the process's output (stdout and, when merged, stderr). */
typedef void (*srv_proc_output_fn)(void *ud, const char *data, size_t n);
/* The process has ended with status (128+N: killed by signal N) and its output is read to its
 * end. The srv_proc is gone when this returns. */
typedef void (*srv_proc_end_fn)(void *ud, int status);

/* Watches p, started by rae_sprite_exec: takes its pid and fds (p is cleared). NULL with err
 * when the loop cannot watch it: its output is closed then, and p->pid is left for the caller to
 * kill and wait for. */
srv_proc *srv_proc_watch(uv_loop_t *loop, rae_sprite_proc *p, srv_proc_output_fn on_output,
                         srv_proc_end_fn on_end, void *ud, rae_err *err);
/* Sends sig to the process while it runs. */
void srv_proc_kill(srv_proc *pr, int sig);
/* For a server that stops: kills the process, waits for it (it ends at once), closes everything
 * and returns its status; no callback follows. */
int srv_proc_end_now(srv_proc *pr);

#endif
