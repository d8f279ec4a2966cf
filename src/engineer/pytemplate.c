/* The Python that generated files share whatever the API: kept as .py files in
 * src/engineer/py/ (linted by ctest engineer/templates) and built into rae under "py:NAME"
 * (tools/embed.c). */
#include "engineer/internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/assets.h"

void eng_template(buf *out, const char *name) {
    char key[64];
    snprintf(key, sizeof key, "py:%s", name);
    const asset *a = asset_find(key);
    if (!a) { /* the build embeds every file of src/engineer/py: this rae was built wrong */
        fprintf(stderr, "rae: this build lacks its template %s\n", name);
        abort();
    }
    buf_append(out, (const char *)a->data, (size_t)(a->end - a->data));
}
