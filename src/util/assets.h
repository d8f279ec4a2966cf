/* Files built into the rae binary (tools/embed.c writes the table at build time): the web app
 * (web/, built by Vite) under "/", the OpenAPI document at "/api/openapi.json", the AI engineer's
 * files under "ai:NAME" and the generated clients' Python templates under "py:NAME". Read-only. */
#ifndef RAE_UTIL_ASSETS_H
#define RAE_UTIL_ASSETS_H

typedef struct asset {
    const char *path; /* the URL path or name: "/index.html", "ai:system.md", "py:prelude.py" */
    const unsigned char *data, *end;
} asset;

/* Sorted by path; asset_count entries, then a zeroed one (written by tools/embed.c). */
extern const asset asset_table[];
extern const unsigned long asset_count;

/* The built-in file at path, or NULL. */
const asset *asset_find(const char *path);

#endif
