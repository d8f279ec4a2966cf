/* gateway_head: the head of a request to the gateway (gateway.h), read apart from the gateway
 * itself: a pure function of what a process in the sprite sent, fuzzed in fuzz_http. */
#include "ai/gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *header_value(const char *head, const char *name) {
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n"))
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') return p + 3 + n;
    return NULL;
}

int ai_gateway_head(const char *head, char *path, size_t pn, long *length) {
    if (strncmp(head, "POST ", 5) != 0) return 405;
    snprintf(path, pn, "%.*s", (int)strcspn(head + 5, " ?\r\n"), head + 5);
    const char *value = header_value(head, "Content-Length");
    char *end;
    *length = value ? strtol(value, &end, 10) : -1;
    if (!value || end == value || *length < 0 || (unsigned long)*length > AI_GATEWAY_BODY_MAX)
        return 411;
    return 0;
}
