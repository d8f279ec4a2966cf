#include "rae/har_filter.h"

#include "util/url.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Hosts (or their parents) that serve analytics, ads, error reporting and RUM. */
static const char *const tracker_hosts[] = {
    "google-analytics.com",
    "googletagmanager.com",
    "doubleclick.net",
    "googlesyndication.com",
    "googleadservices.com",
    "adservice.google.com",
    "connect.facebook.net",
    "facebook.net",
    "hotjar.com",
    "hotjar.io",
    "segment.io",
    "segment.com",
    "mixpanel.com",
    "amplitude.com",
    "sentry.io",
    "nr-data.net",
    "newrelic.com",
    "browser-intake-datadoghq.com",
    "datadoghq-browser-agent.com",
    "bat.bing.com",
    "clarity.ms",
    "scorecardresearch.com",
    "quantserve.com",
    "optimizely.com",
    "fullstory.com",
    "cloudflareinsights.com",
    "chartbeat.com",
    "chartbeat.net",
    "adnxs.com",
    "criteo.com",
    "criteo.net",
    "taboola.com",
    "outbrain.com",
    "hubspot.com",
    "hs-analytics.net",
    "heapanalytics.com",
    "matomo.cloud",
    "piwik.pro",
    "bugsnag.com",
    "rollbar.com",
    "moatads.com",
    "krxd.net",
    "demdex.net",
    "omtrdc.net",
    "everesttech.net",
    "adsrvr.org",
    "rubiconproject.com",
    "pubmatic.com",
    "casalemedia.com",
    "yieldmo.com",
    "amazon-adsystem.com",
    "ads-twitter.com",
    "analytics.twitter.com",
    "px.ads.linkedin.com",
    "snap.licdn.com",
    "tiktok.com/i18n/pixel",
    "pinimg.com/ct",
    "stats.wp.com",
    "pixel.wp.com",
    "yandex.ru/metrika",
    "mc.yandex.ru",
    "parsely.com",
    "branch.io",
    "appsflyer.com",
    "onesignal.com",
    "intercomcdn.com",
    "newrelic.net",
    "go-mpulse.net",
    "akstat.io",
    "speedcurve.com",
    "ioam.de",
    "gemius.pl",
    "addthis.com",
    "sharethis.com",
    "tealiumiq.com",
    "tiqcdn.com",
    "ensighten.com",
    "evidon.com",
    "cookielaw.org",
    "onetrust.com",
    "trustarc.com",
    "consensu.org",
    "brightcove.net/analytics",
};

/* Path pieces that mark a beacon on any host. */
static const char *const tracker_paths[] = {
    "/collect",
    "/g/collect",
    "/j/collect",
    "/analytics",
    "/beacon",
    "/pixel",
    "/track",
    "/telemetry",
    "/rum",
    "/__utm",
    "/b/ss",
    "/log_event",
    "/events/track",
    "/sentry",
    "/csp-report",
    "/cdn-cgi/rum",
    "/metrics/collect",
    "/tracking",
    "/_Incapsula_Resource",
    "/akam",
    "/_private/browser/stats",
};

static const char *const asset_exts[] = {
    ".js",   ".mjs",  ".cjs", ".css", ".map",  ".png",   ".jpg", ".jpeg", ".gif", ".svg",
    ".webp", ".avif", ".ico", ".bmp", ".woff", ".woff2", ".ttf", ".otf",  ".eot", ".mp4",
    ".webm", ".mp3",  ".wav", ".ogg", ".m4a",  ".m4s",   ".ts",  ".m3u8", ".mpd", ".wasm",
    ".swf",  ".flv",  ".avi", ".mov", ".apng", ".jxl",   ".tif", ".tiff", ".cur",
};

static const char *const asset_types[] = {
    "script", "stylesheet", "image", "font", "media", "manifest", "texttrack", "imageset",
};

void har_registrable_domain(const char *host, char *out, size_t n) {
    size_t len = strlen(host);
    int numeric = len > 0 && strspn(host, "0123456789.") == len;
    if (numeric || strchr(host, ':') || !strchr(host, '.')) {
        snprintf(out, n, "%s", host);
        return;
    }
    /* Last two labels, or three for the "co.uk" shape (a short second level under a ccTLD). */
    const char *last = strrchr(host, '.');
    const char *p = last;
    while (p > host && p[-1] != '.')
        p--;
    const char *second = p; /* start of the second-to-last label */
    size_t tld_len = len - (size_t)(last - host) - 1, sld_len = (size_t)(last - second);
    int cc_sld = tld_len == 2 && sld_len <= 3 &&
                 (strncmp(second, "co.", 3) == 0 || strncmp(second, "com.", 4) == 0 ||
                  strncmp(second, "net.", 4) == 0 || strncmp(second, "org.", 4) == 0 ||
                  strncmp(second, "gov.", 4) == 0 || strncmp(second, "edu.", 4) == 0 ||
                  strncmp(second, "ac.", 3) == 0 || strncmp(second, "ne.", 3) == 0 ||
                  strncmp(second, "or.", 3) == 0 || strncmp(second, "go.", 3) == 0);
    if (cc_sld && second > host) {
        p = second - 1;
        while (p > host && p[-1] != '.')
            p--;
        second = p;
    }
    snprintf(out, n, "%s", second);
}

static int host_matches(const char *host, const char *pattern_host) {
    size_t h = strlen(host), p = strlen(pattern_host);
    if (h < p) return 0;
    return strcmp(host + h - p, pattern_host) == 0 && (h == p || host[h - p - 1] == '.');
}

static int is_tracker(const url_parts *u, const har_entry *e) {
    if (strcasecmp(e->resource_type, "ping") == 0 || strcasecmp(e->resource_type, "beacon") == 0 ||
        strcasecmp(e->resource_type, "csp_report") == 0)
        return 1;
    char hostpath[600];
    size_t hl = strlen(u->host), pl = strlen(u->path);
    if (hl > sizeof hostpath - 1) hl = sizeof hostpath - 1;
    if (pl > sizeof hostpath - 1 - hl) pl = sizeof hostpath - 1 - hl;
    memcpy(hostpath, u->host, hl);
    memcpy(hostpath + hl, u->path, pl);
    hostpath[hl + pl] = '\0';
    for (size_t i = 0; i < sizeof tracker_hosts / sizeof *tracker_hosts; i++) {
        const char *t = tracker_hosts[i], *slash = strchr(t, '/');
        if (slash) {
            if (strstr(hostpath, t)) return 1;
        } else if (host_matches(u->host, t)) {
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof tracker_paths / sizeof *tracker_paths; i++) {
        const char *t = tracker_paths[i];
        const char *at = strstr(u->path, t);
        size_t tl = strlen(t);
        /* the piece must be a whole segment prefix: "/collect", "/collect/..", "/collect?.." */
        if (at &&
            (at[tl] == '\0' || at[tl] == '/' || at[tl] == '.' || at[tl] == '-' || at[tl] == '_'))
            return 1;
    }
    return 0;
}

static int has_suffix_ci(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int is_asset(const url_parts *u, const har_entry *e) {
    for (size_t i = 0; i < sizeof asset_types / sizeof *asset_types; i++)
        if (strcasecmp(e->resource_type, asset_types[i]) == 0) return 1;
    for (size_t i = 0; i < sizeof asset_exts / sizeof *asset_exts; i++)
        if (has_suffix_ci(u->path, asset_exts[i])) return 1;
    const char *m = e->resp_body.mime_type;
    if (strncasecmp(m, "image/", 6) == 0 || strncasecmp(m, "font/", 5) == 0 ||
        strncasecmp(m, "audio/", 6) == 0 || strncasecmp(m, "video/", 6) == 0 ||
        strncasecmp(m, "text/css", 8) == 0 || strstr(m, "javascript") || strstr(m, "ecmascript") ||
        strstr(m, "font-") || strncasecmp(m, "application/wasm", 16) == 0 || strstr(m, "mpegurl") ||
        strstr(m, "dash+xml"))
        return 1;
    return 0;
}

static int is_html(const har_entry *e) {
    return strncasecmp(e->resp_body.mime_type, "text/html", 9) == 0 ||
           strncasecmp(e->resp_body.mime_type, "application/xhtml", 17) == 0;
}

static int is_read(const har_entry *e) {
    return strcasecmp(e->method, "GET") == 0 || strcasecmp(e->method, "HEAD") == 0;
}

static int is_document(const har_entry *e) {
    if (!is_read(e)) return 0;
    if (strcasecmp(e->resource_type, "document") == 0) return 1;
    if (*e->resource_type && strcasecmp(e->resource_type, "other") != 0) return 0;
    const char *accept = har_entry_req_header(e, "accept");
    return is_html(e) || (accept && strncasecmp(accept, "text/html", 9) == 0 &&
                          !har_entry_req_header(e, "x-requested-with"));
}

/* FNV-1a of the URL's host and path. */
static unsigned long long url_hash(const url_parts *u) {
    unsigned long long h = 1469598103934665603ULL;
    for (const char *parts[2] = {u->host, u->path}, **p = parts; p < parts + 2; p++)
        for (const unsigned char *c = (const unsigned char *)*p; *c; c++)
            h = (h ^ *c) * 1099511628211ULL;
    return h;
}

static int is_script(const har_entry *e) {
    const char *m = e->resp_body.mime_type;
    return strcasecmp(e->resource_type, "script") == 0 || strstr(m, "javascript") ||
           strstr(m, "ecmascript");
}

static int served_script(const har_site *s, const url_parts *u) {
    unsigned long long h = url_hash(u);
    size_t n = s->n_scripts < HAR_SITE_SCRIPTS ? s->n_scripts : HAR_SITE_SCRIPTS;
    for (size_t i = 0; i < n; i++)
        if (s->scripts[i] == h) return 1;
    return 0;
}

void har_site_observe(har_site *s, const har_entry *e, arena *a) {
    if (is_read(e) && e->status / 100 == 2 && is_script(e)) {
        url_parts su;
        if (url_parse(a, e->url, &su) == 0 && !served_script(s, &su))
            s->scripts[s->n_scripts++ % HAR_SITE_SCRIPTS] = url_hash(&su);
    }
    if (s->locked || !is_document(e) || e->status == 0) return;
    url_parts u;
    if (url_parse(a, e->url, &u) == 0 &&
        (strcmp(u.scheme, "http") == 0 || strcmp(u.scheme, "https") == 0)) {
        har_registrable_domain(u.host, s->site, sizeof s->site);
        s->locked = 1;
    }
}

static har_class classify(const har_entry *e, const har_site *s, const url_parts *u) {
    if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0) return HAR_CLASS_OTHER;
    if (strcasecmp(e->resource_type, "websocket") == 0 || e->status == 101) return HAR_CLASS_OTHER;
    if (strcasecmp(e->method, "OPTIONS") == 0 &&
        har_entry_req_header(e, "access-control-request-method"))
        return HAR_CLASS_PREFLIGHT;
    if (is_tracker(u, e) || (!is_read(e) && served_script(s, u))) return HAR_CLASS_TRACKER;
    if (s->site[0]) {
        char site[256];
        har_registrable_domain(u->host, site, sizeof site);
        if (strcmp(site, s->site) != 0) return HAR_CLASS_THIRD_PARTY;
    }
    /* No response and an error: a failed request. No response and no error: a request-only entry
     * (written by API tools and generators), still worth engineering. */
    if (e->status == 0 && *e->error_text) return HAR_CLASS_FAILED;
    if (is_read(e) && is_asset(u, e)) return HAR_CLASS_ASSET;
    if (is_document(e)) return HAR_CLASS_DOCUMENT;
    return HAR_CLASS_API;
}

har_class har_classify(const har_entry *e, const har_site *s, arena *a) {
    url_parts u;
    return url_parse(a, e->url, &u) < 0 ? HAR_CLASS_OTHER : classify(e, s, &u);
}

const char *har_class_name(har_class c) {
    static const char *names[HAR_CLASS_COUNT] = {"api",       "document",    "asset",  "tracker",
                                                 "preflight", "third-party", "failed", "other"};
    return c < HAR_CLASS_COUNT ? names[c] : "?";
}
