/* har_filter: sorts entries into API traffic and noise (assets, trackers, preflights, other
 * sites' hosts, HTML navigations). The first-party site is learnt from the capture first. */
#ifndef RAE_HAR_FILTER_H
#define RAE_HAR_FILTER_H

#include "rae/har.h"

typedef enum har_class {
    HAR_CLASS_API,
    HAR_CLASS_DOCUMENT,    /* GET of an HTML page */
    HAR_CLASS_ASSET,       /* scripts, styles, images, fonts, media, source maps, manifests */
    HAR_CLASS_TRACKER,     /* analytics, beacons, pixels, error and RUM reporting */
    HAR_CLASS_PREFLIGHT,   /* CORS OPTIONS */
    HAR_CLASS_THIRD_PARTY, /* hosts of other sites: CDNs, embeds, widgets */
    HAR_CLASS_FAILED,      /* no response at all */
    HAR_CLASS_OTHER,       /* websockets, data:, blob:, browser-internal URLs */
    HAR_CLASS_COUNT
} har_class;

#define HAR_SITE_SCRIPTS 64

typedef struct har_site {
    char site[256]; /* registrable domain of the first page, "" = every host is first party */
    int locked;     /* set once a page was seen */
    /* Hashes of the last URLs (host and path) that served a script: a bot-management sensor
     * (Akamai and the like) posts its data back to the URL of its script. */
    unsigned long long scripts[HAR_SITE_SCRIPTS];
    size_t n_scripts;
} har_site;

/* Learns the first-party site from the first HTML page of the capture; call for entries in order.
 * Both functions take scratch memory from a (e.g. the entry's arena). */
void har_site_observe(har_site *s, const har_entry *e, arena *a);
har_class har_classify(const har_entry *e, const har_site *s, arena *a);
const char *har_class_name(har_class c);

/* The registrable domain of a host ("api.example.co.uk" -> "example.co.uk"; IPs and single labels
 * are kept whole; the port is dropped). Writes at most n bytes. */
void har_registrable_domain(const char *host, char *out, size_t n);

#endif
