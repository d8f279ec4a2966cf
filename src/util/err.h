/* err: the one way a function fills its caller's error buffer. */
#ifndef RAE_UTIL_ERR_H
#define RAE_UTIL_ERR_H

#include <stddef.h>

/* Formats the message into err (nothing when err is NULL or errlen 0) and returns -1, so that a
 * failing function can end with `return err_set(err, errlen, "...", ...);`. */
int err_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
