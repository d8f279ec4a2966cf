/* Where a capture's secrets are: the values .env holds (credentials, constant keys), and in the
 * HAR every Authorization and cookie value, and every header, query, form or JSON field whose name
 * says secret (token, password, key, csrf, session, signature...), or whose value is a JWT. Each
 * goes into the redaction table (ai/redact.h) before anything is sent to a model. */
#ifndef RAE_AI_SECRETS_H
#define RAE_AI_SECRETS_H

#include "ai/redact.h"
#include "rae/arena.h"
#include "rae/err.h"
#include "rae/har.h"

/* Adds the secrets of the HAR at har_path and of the .env at env_path (either may be NULL) to r.
 * 0, or -1 with err filled when the HAR cannot be read (its readable entries still count). A
 * caller that read the HAR already (with ai_secrets_entry) passes NULL for har_path. */
int ai_secrets_collect(ai_redact *r, const char *har_path, const char *env_path, rae_err *err);
/* Whether a field, header or cookie named so holds a secret. */
int ai_secret_name(const char *name);

#endif
