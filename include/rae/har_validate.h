/* har_validate: HAR 1.2 conformance checks, each problem reported with its place.
 *
 * Besides the HAR rules, the JSON text is held to RFC 8259, which rae's reader itself relaxes
 * (it reads such files, repairing what it must): bytes that are not UTF-8, raw control characters
 * and invalid escapes in strings are errors (not JSON text: readers reject the file or repair it
 * each their own way); lone surrogate escapes (`"\ud800"`, allowed by JSON's grammar but not
 * Unicode) and duplicate member names (JSON says they SHOULD be unique; readers disagree on which
 * value counts) are warnings. */
#ifndef RAE_HAR_VALIDATE_H
#define RAE_HAR_VALIDATE_H

#include "rae/err.h"
#include "rae/har.h"

typedef enum har_severity {
    HAR_SEVERITY_ERROR,  /* the file is not conformant */
    HAR_SEVERITY_WARNING /* conformant, but readers may disagree on what it says */
} har_severity;

typedef struct har_problem {
    long entry;          /* -1 outside the entries */
    size_t line, column; /* where the entry starts, or the exact place of a JSON text problem
                            (encoding, duplicate key, syntax); 0 for the log header's rules */
    const char *path;    /* e.g. "response.content.mimeType"; borrowed for the call */
    const char *message; /* borrowed for the call */
    har_severity severity;
} har_problem;

typedef void (*har_problem_fn)(void *user, const har_problem *p);

/* The path of a problem that is malformed JSON rather than a HAR rule (bad input: exit 2). */
#define HAR_PROBLEM_SYNTAX "(json)"

/* Checks the whole file from its first entry; calls report for each problem, in file order but
 * for the log header's rules, which come first. Returns the number of errors (warnings are only
 * reported), or -1 when the file cannot be read on (err filled). */
long har_validate(har_reader *r, har_problem_fn report, void *user, rae_err *err);

#endif
