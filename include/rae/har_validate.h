/* har_validate: HAR 1.2 conformance checks, each problem reported with its place. */
#ifndef RAE_HAR_VALIDATE_H
#define RAE_HAR_VALIDATE_H

#include "rae/har.h"

typedef struct har_problem {
    long entry;          /* -1 for the log header */
    size_t line, column; /* where the entry starts; 0 for the log header */
    const char *path;    /* e.g. "response.content.mimeType"; borrowed for the call */
    const char *message; /* borrowed for the call */
} har_problem;

typedef void (*har_problem_fn)(void *user, const har_problem *p);

/* Checks the whole file from its first entry; calls report for each problem. Returns the number
 * of problems, or -1 when the file cannot be read on (err filled). */
/* The path of a problem that is malformed JSON rather than a HAR rule (bad input: exit 2). */
#define HAR_PROBLEM_SYNTAX "(json)"

long har_validate(har_reader *r, har_problem_fn report, void *user, har_error *err);

#endif
