/* The secrets of a capture, kept from the model providers: every secret value (a token, a
 * cookie, a password, an API key, a CSRF value) is replaced by a placeholder {{RAE_SECRET_n}} in
 * everything rae sends to a model, and a script gets the value back as the environment variable
 * RAE_SECRET_n. A value shows up in other forms too (percent-encoded in a URL, with "\/" in JSON
 * text): each form is replaced. A value found by its name is a secret from 6 bytes; one known to
 * be a credential (.env's) from 3: shorter ones cannot be told apart from text. */
#ifndef RAE_AI_REDACT_H
#define RAE_AI_REDACT_H

#include <stddef.h>

#define AI_SECRET_MIN 6     /* bytes of a value found by its name */
#define AI_CREDENTIAL_MIN 3 /* of a value known to be a credential */

typedef struct ai_redact ai_redact;

/* An empty table. Caller frees with ai_redact_free. */
ai_redact *ai_redact_new(void);
void ai_redact_free(ai_redact *r);
/* Adds a secret (copied; shorter than AI_SECRET_MIN or already known: nothing). */
void ai_redact_add(ai_redact *r, const char *secret, size_t len);
/* Adds a credential (shorter than AI_CREDENTIAL_MIN: nothing). */
void ai_redact_add_credential(ai_redact *r, const char *secret, size_t len);
/* How many secrets, and the n-th (1-based, as in its placeholder), borrowed. */
size_t ai_redact_count(const ai_redact *r);
const char *ai_redact_value(const ai_redact *r, size_t n);
/* text[0..len) with every form of every secret replaced by its placeholder, longest first
 * (caller frees; NUL-terminated). */
char *ai_redact_text(const ai_redact *r, const char *text, size_t len);
/* A window of text[0..len) from byte `from`, redacted, of at most about max_out bytes (*cut set
 * when more followed): a secret that crosses either edge is replaced whole, never shown in part,
 * so a window is cut from the whole text, not the text cut first. */
char *ai_redact_window(const ai_redact *r, const char *text, size_t len, size_t from,
                       size_t max_out, int *cut);
/* The longest form of a secret, in bytes: how much more than a window to read so that none is
 * cut at its end. */
size_t ai_redact_longest(const ai_redact *r);

#endif
