/* Files built into the rae binary (tools/embed.c writes the table at build time): the web app
 * (web/, built by Vite) under "/", and the OpenAPI document at "/api/openapi.json". Read-only. */
#ifndef RAE_SERVER_ASSETS_H
#define RAE_SERVER_ASSETS_H

typedef struct srv_asset {
    const char *path; /* the URL path: "/index.html", "/assets/index-1a2b3c.js" */
    const unsigned char *data, *end;
} srv_asset;

/* Sorted by path; srv_n_assets entries, then a zeroed one. */
extern const srv_asset srv_assets[];
extern const unsigned long srv_n_assets;

/* The built-in file at path, or NULL. */
const srv_asset *srv_asset_find(const char *path);

#endif
