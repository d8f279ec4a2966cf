/* sprite/tool: running the system's tools from rae (see tool.c). */
#ifndef RAE_HOST_TOOL_H
#define RAE_HOST_TOOL_H

#include <stddef.h>
#include <time.h>

#include "rae/err.h"

/* Milliseconds since since (CLOCK_MONOTONIC). */
long host_tool_elapsed_ms(const struct timespec *since);
/* Sleeps ms milliseconds, through signals. */
void host_tool_sleep_ms(long ms);

/* The absolute path of tool into out: the first on $PATH (absolute entries only), else in the
 * usual system directories. 0 when found, -1 otherwise. */
int host_tool_find(const char *tool, char *out, size_t n);

/* Runs argv (argv[0] absolute) with stdin from input (NULL: /dev/null), stdout and stderr
 * captured, in the network namespace netns_fd when >= 0; killed after 15 s. 0 when it exits 0;
 * -1 otherwise, with err = "WHERE: its output (exit N)". */
int host_tool_run(const char *where, const char *const argv[], int netns_fd, const char *input,
                  rae_err *err);
/* host_tool_run, with pass_fd (>= 0) given to the tool as its fd 3. */
int host_tool_run_fd(const char *where, const char *const argv[], int netns_fd, const char *input,
                     int pass_fd, rae_err *err);

#endif
