/* The recorder's targets: attaching to every page, iframe and worker as it appears (paused until
 * Network is enabled in it, so that its first request is seen; when other clients share the
 * browser, documents are held by Fetch until then), the user agent they announce, HAR pages and
 * their timings. */
#include "capture/internal.h"
#include "rae/version.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BUFFER (256 << 20)    /* Network.enable: bodies kept by the browser, in all */
#define MAX_RESOURCE (64 << 20)   /* ... and per resource */
#define MAX_INLINE_POST (1 << 20) /* request bodies sent inline with requestWillBeSent */

rec_session *rec_session_of(recorder *r, const char *id) {
    return id ? smap_gets(r->sessions, id) : NULL;
}

static rec_session *top_of(rec_session *s) {
    while (s && s->parent && !(s->type && strcmp(s->type, "page") == 0))
        s = s->parent;
    return s;
}

const char *rec_pageref(recorder *r, rec_session *s) {
    (void)r;
    s = top_of(s);
    return s && s->page ? s->page->id : NULL;
}

static void write_page(recorder *r, const rec_page *p) {
    json_t *page = rec_page_har(p);
    rec_journal(r, "page", page);
    json_decref(page);
}

int rec_page_loading(recorder *r, rec_session *s) {
    (void)r;
    s = top_of(s);
    return s && s->page && s->page->on_load < 0;
}

void rec_page_begin(recorder *r, rec_session *s, const char *url, double wall, double ts) {
    if (s->page) rec_release_bodies(r, s->page); /* the tab moves on: its last page is done */
    rec_page *p = calloc(1, sizeof *p);
    if (!p) abort();
    snprintf(p->id, sizeof p->id, "page_%zu", r->pages.n + 1);
    p->wall = wall;
    p->ts = ts;
    p->title = strdup(url);
    p->on_content = p->on_load = -1;
    pvec_push(&r->pages, p);
    s->page = p;
    r->st.pages = (long)r->pages.n;
    write_page(r, p);
}

/* ---- the user agent every target announces ---- */

static void set_user_agent(recorder *r, const char *browser_ua, const char *product) {
    const char *ua = r->o.user_agent;
    char *fixed = NULL;
    if (!ua && r->o.headless && browser_ua && strstr(browser_ua, "HeadlessChrome/")) {
        buf b = BUF_INIT; /* the headless browser says so in its user agent: a site may refuse */
        const char *at = strstr(browser_ua, "HeadlessChrome/");
        buf_append(&b, browser_ua, (size_t)(at - browser_ua));
        buf_puts(&b, at + strlen("Headless"));
        fixed = buf_take(&b);
        ua = fixed;
    }
    if (!ua && !r->o.locale) return;
    r->user_agent = strdup(ua ? ua : browser_ua ? browser_ua : "");
    free(fixed);
    const char *slash = product ? strchr(product, '/') : NULL;
    const char *full = slash ? slash + 1 : "0";
    char major[16];
    snprintf(major, sizeof major, "%.*s", (int)strcspn(full, "."), full);
    r->ua_meta = json_pack("{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}],s:[{s:s,s:s},{s:s,s:s}],"
                           "s:s,s:s,s:s,s:s,s:b}",
                           "brands", "brand", "Chromium", "version", major, "brand",
                           "Google Chrome", "version", major, "brand", "Not_A Brand", "version",
                           "24", "fullVersionList", "brand", "Chromium", "version", full, "brand",
                           "Google Chrome", "version", full, "platform", "Linux", "platformVersion",
                           "", "architecture", "x86", "model", "", "mobile", 0);
}

static void on_version(void *user, const cdp_msg *m) {
    recorder *r = user;
    const char *product = jv_str(jv_get(m->result, "product"), m->a, NULL);
    const char *ua = jv_str(jv_get(m->result, "userAgent"), m->a, NULL);
    free(r->browser_version);
    const char *slash = product ? strchr(product, '/') : NULL;
    r->browser_version = strdup(slash ? slash + 1 : product ? product : "");
    set_user_agent(r, ua, product);
    json_t *header =
        json_pack("{s:{s:s,s:s},s:{s:s,s:s}}", "creator", "name", "rae", "version", RAE_VERSION,
                  "browser", "name", "Chromium", "version", r->browser_version);
    rec_journal(r, "header", header);
    json_decref(header);
    r->header_written = 1;
}

/* ---- attaching ---- */

static int recorded_type(const char *type) {
    static const char *types[] = {"page", "iframe", "worker", "shared_worker", "service_worker"};
    for (size_t i = 0; type && i < sizeof types / sizeof *types; i++)
        if (strcmp(type, types[i]) == 0) return 1;
    return 0;
}

/* Opens the start URL in s when s is the start tab and it has not been opened yet. */
static void navigate_start_tab(recorder *r, rec_session *s) {
    if (r->navigated || !r->o.start_url || !s->ready || !r->start_target ||
        strcmp(s->target_id, r->start_target) != 0)
        return;
    r->navigated = 1;
    cdp_send(r->c, s->id, "Page.navigate", json_pack("{s:s}", "url", r->o.start_url), NULL, NULL,
             NULL);
}

/* The start tab exists (its session may already be set up): open the URL. */
static void on_start_tab(void *user, const cdp_msg *m) {
    recorder *r = user;
    const char *target = jv_str(jv_get(m->result, "targetId"), m->a, NULL);
    if (!target) {
        rec_progress(r, "capture", "cannot open a tab: %s", m->error ? m->error : "no target");
        return;
    }
    free(r->start_target);
    r->start_target = strdup(target);
    for (size_t i = 0; i < smap_count(r->sessions); i++)
        navigate_start_tab(r, smap_value(r->sessions, i));
}

/* A page's set-up commands were all answered (its frame tree came back after them). */
static void on_session_ready(void *user, const cdp_msg *m) {
    recorder *r = user;
    rec_session *s = rec_session_of(r, m->tag);
    if (!s) return;
    s->ready = 1;
    navigate_start_tab(r, s);
}

/* ---- the gate: documents wait until Network is on in their tab ---- */

static void continue_request(recorder *r, const char *fetch_id) {
    cdp_send(r->c, NULL, "Fetch.continueRequest", json_pack("{s:s}", "requestId", fetch_id), NULL,
             NULL, NULL);
}

/* Network.enable was answered in a session (or failed, or the session went): every request it
 * makes from now on is reported, so its documents held by the gate may go. */
static void on_listening(void *user, const cdp_msg *m) {
    recorder *r = user;
    rec_session *s = rec_session_of(r, m->tag);
    if (!s) return;
    s->listening = 1;
    for (size_t i = 0; i < s->held.n; i++) {
        continue_request(r, s->held.items[i]);
        free(s->held.items[i]);
    }
    s->held.n = 0;
}

/* The session recording target (a tab's or an out-of-process iframe's frame id), or NULL. */
static rec_session *session_of_target(recorder *r, const char *target) {
    for (size_t i = 0; target && i < smap_count(r->sessions); i++) {
        rec_session *s = smap_value(r->sessions, i);
        if (!s->gone && strcmp(s->target_id, target) == 0) return s;
    }
    return NULL;
}

/* Fetch.requestPaused: a document request, paused before it is sent. A new tab that another
 * client let run (see recorder_start) may have started its navigation before rae's Network.enable
 * reached it: the request waits until that is answered, and is recorded from what it says here
 * when its requestWillBeSent was lost. */
static void on_paused(recorder *r, const cdp_msg *m) {
    const char *id = jv_str(jv_get(m->params, "requestId"), m->a, NULL);
    if (!id) return;
    rec_session *s = session_of_target(r, jv_str(jv_get(m->params, "frameId"), m->a, NULL));
    if (s) rec_request_paused(r, s, m->params, m->a);
    if (s && !s->listening) {
        pvec_push(&s->held, strdup(id));
        return;
    }
    continue_request(r, id);
}

static void setup_session(recorder *r, rec_session *s) {
    const char *id = s->id;
    int page = strcmp(s->type, "page") == 0, frame = page || strcmp(s->type, "iframe") == 0;
    cdp_send(r->c, id, "Network.enable",
             json_pack("{s:i,s:i,s:i}", "maxTotalBufferSize", MAX_BUFFER, "maxResourceBufferSize",
                       MAX_RESOURCE, "maxPostDataSize", MAX_INLINE_POST),
             on_listening, r, id);
    if (r->user_agent) {
        json_t *p = json_pack("{s:s,s:s}", "userAgent", r->user_agent, "platform", "Linux x86_64");
        if (r->o.locale) json_object_set_new(p, "acceptLanguage", json_string(r->o.locale));
        if (r->ua_meta) json_object_set(p, "userAgentMetadata", r->ua_meta);
        cdp_send(r->c, id, "Network.setUserAgentOverride", p, NULL, NULL, NULL);
    }
    if (frame) cdp_send(r->c, id, "Page.enable", NULL, NULL, NULL, NULL);
    if (page) {
        cdp_send(r->c, id, "Page.setLifecycleEventsEnabled", json_pack("{s:b}", "enabled", 1), NULL,
                 NULL, NULL);
        if (r->o.timezone)
            cdp_send(r->c, id, "Emulation.setTimezoneOverride",
                     json_pack("{s:s}", "timezoneId", r->o.timezone), NULL, NULL, NULL);
        if (r->o.locale)
            cdp_send(r->c, id, "Emulation.setLocaleOverride",
                     json_pack("{s:s}", "locale", r->o.locale), NULL, NULL, NULL);
    }
    cdp_send(r->c, id, "Target.setAutoAttach",
             json_pack("{s:b,s:b,s:b}", "autoAttach", 1, "waitForDebuggerOnStart", 1, "flatten", 1),
             NULL, NULL, NULL);
    cdp_send(r->c, id, "Runtime.runIfWaitingForDebugger", NULL, NULL, NULL, NULL);
    if (page) cdp_send(r->c, id, "Page.getFrameTree", NULL, on_session_ready, r, id);
}

static void on_attached(recorder *r, const cdp_msg *m) {
    const char *id = jv_str(jv_get(m->params, "sessionId"), m->a, NULL);
    jv *info = jv_get(m->params, "targetInfo");
    const char *type = jv_str(jv_get(info, "type"), m->a, NULL);
    if (!id) return;
    if (!recorded_type(type)) { /* the browser's own UI, ...: let it run, and leave it */
        cdp_send(r->c, id, "Runtime.runIfWaitingForDebugger", NULL, NULL, NULL, NULL);
        cdp_send(r->c, NULL, "Target.detachFromTarget", json_pack("{s:s}", "sessionId", id), NULL,
                 NULL, NULL);
        return;
    }
    const char *target = jv_str(jv_get(info, "targetId"), m->a, NULL);
    if (rec_session_of(r, id)) return;  /* attached already: a session id is not reused */
    if (session_of_target(r, target)) { /* a service worker is offered twice: by the browser
                                           and by its page */
        cdp_send(r->c, id, "Runtime.runIfWaitingForDebugger", NULL, NULL, NULL, NULL);
        cdp_send(r->c, NULL, "Target.detachFromTarget", json_pack("{s:s}", "sessionId", id), NULL,
                 NULL, NULL);
        return;
    }
    rec_session *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->id = strdup(id);
    s->type = strdup(type);
    s->target_id = strdup(target ? target : "");
    s->parent = rec_session_of(r, m->session);
    smap_put(r->sessions, id, s);
    if (strcmp(s->type, "page") == 0) r->st.open_tabs++, r->st.had_tab = 1;
    setup_session(r, s);
}

void rec_session_gone(recorder *r, rec_session *s) {
    if (s->gone) return;
    s->gone = 1;
    if (strcmp(s->type, "page") == 0) r->st.open_tabs--;
    for (size_t i = 0; i < smap_count(r->reqs); i++) {
        rec_req *q = smap_value(r->reqs, i);
        if (!q || q->io != s) continue;
        for (size_t k = 0; k < q->hops.n; k++) {
            rec_entry *e = q->hops.items[k];
            if (!e->closed) {
                e->incomplete = "its tab or worker closed before the response finished";
                e->closed = 1;
            }
        }
        q->finished = 1;
    }
}

static void on_detached(recorder *r, const cdp_msg *m) {
    const char *id = jv_str(jv_get(m->params, "sessionId"), m->a, NULL);
    rec_session *s = rec_session_of(r, id);
    if (s) rec_session_gone(r, s);
    if (id) cdp_session_gone(r->c, id);
}

/* *slot = a copy of value when it differs (owned strings). */
static void set_text(char **slot, const char *value) {
    if (*slot && strcmp(*slot, value) == 0) return;
    free(*slot);
    *slot = strdup(value);
}

static void on_info_changed(recorder *r, const cdp_msg *m) {
    jv *info = jv_get(m->params, "targetInfo");
    const char *target = jv_str(jv_get(info, "targetId"), m->a, NULL);
    const char *title = jv_str(jv_get(info, "title"), m->a, NULL);
    const char *url = jv_str(jv_get(info, "url"), m->a, NULL);
    const char *type = jv_str(jv_get(info, "type"), m->a, NULL);
    if (type && strcmp(type, "page") == 0 && url && *url) { /* for the page's URL bar */
        set_text(&r->st.tab_url, url);
        set_text(&r->st.tab_title, title ? title : "");
    }
    if (!target || !title || !*title) return;
    for (size_t i = 0; i < smap_count(r->sessions); i++) {
        rec_session *s = smap_value(r->sessions, i);
        if (s->page && strcmp(s->target_id, target) == 0 && strcmp(s->page->title, title) != 0) {
            free(s->page->title);
            s->page->title = strdup(title);
            write_page(r, s->page);
        }
    }
}

static void on_page_event(recorder *r, const cdp_msg *m, int load) {
    rec_session *s = rec_session_of(r, m->session);
    if (!s || !s->page) return;
    double ms = (jv_num(jv_get(m->params, "timestamp")) - s->page->ts) * 1000;
    if (load) {
        s->page->on_load = ms;
        rec_release_bodies(r, s->page);
        if (r->st.first_load < 0) {
            r->st.first_load = rec_now() - r->t0;
            rec_progress(r, "capture", "page loaded %.2f s after the start", r->st.first_load);
        }
    } else {
        s->page->on_content = ms;
    }
    write_page(r, s->page);
}

static void on_lifecycle(recorder *r, const cdp_msg *m) {
    const char *name = jv_str(jv_get(m->params, "name"), m->a, NULL);
    rec_session *s = rec_session_of(r, m->session);
    if (!s || !s->page || !name || strcmp(name, "firstContentfulPaint") != 0) return;
    if (r->st.first_paint >= 0) return;
    r->st.first_paint = rec_now() - r->t0;
    rec_progress(r, "capture", "first paint %.2f s after the start", r->st.first_paint);
}

int rec_target_event(recorder *r, const cdp_msg *m) {
    const char *n = m->method;
    if (strcmp(n, "Target.attachedToTarget") == 0)
        on_attached(r, m);
    else if (strcmp(n, "Target.detachedFromTarget") == 0)
        on_detached(r, m);
    else if (strcmp(n, "Target.targetInfoChanged") == 0)
        on_info_changed(r, m);
    else if (strcmp(n, "Page.loadEventFired") == 0)
        on_page_event(r, m, 1);
    else if (strcmp(n, "Page.domContentEventFired") == 0)
        on_page_event(r, m, 0);
    else if (strcmp(n, "Page.lifecycleEvent") == 0)
        on_lifecycle(r, m);
    else if (strcmp(n, "Fetch.requestPaused") == 0)
        on_paused(r, m);
    else
        return strncmp(n, "Target.", 7) == 0 || strncmp(n, "Page.", 5) == 0 ||
               strncmp(n, "Fetch.", 6) == 0;
    return 1;
}

void recorder_start(recorder *r, cdp *c) {
    r->c = c;
    r->t0 = rec_now();
    cdp_send(c, NULL, "Browser.getVersion", NULL, on_version, r, NULL);
    cdp_send(c, NULL, "Target.setDiscoverTargets", json_pack("{s:b}", "discover", 1), NULL, NULL,
             NULL);
    cdp_send(c, NULL, "Target.setAutoAttach",
             json_pack("{s:b,s:b,s:b}", "autoAttach", 1, "waitForDebuggerOnStart", 1, "flatten", 1),
             NULL, NULL, NULL);
    /* waitForDebuggerOnStart holds a new target until Network is on in it only while rae is the
     * one debugger: a client of --cdp-port (Playwright, Puppeteer) auto-attaches too, and the
     * first Runtime.runIfWaitingForDebugger of any client lets a popup or a new tab run, so its
     * document request can go (and its requestWillBeSent be sent) before rae's Network.enable
     * reached it. So every document request is paused, browser-wide, until its tab listens. */
    if (r->o.shared)
        cdp_send(c, NULL, "Fetch.enable",
                 json_pack("{s:[{s:s,s:s,s:s}]}", "patterns", "urlPattern", "http*", "resourceType",
                           "Document", "requestStage", "Request"),
                 NULL, NULL, NULL);
    /* The browser starts without a window (--no-startup-window): the first tab is made now, so
     * that it waits for rae like every later target, and is navigated once Network is on in it.
     * (Navigating a tab that ran before rae attached can lose its document's body and end.) */
    cdp_send(c, NULL, "Target.createTarget", json_pack("{s:s}", "url", "about:blank"), on_start_tab,
             r, NULL);
}

/* ---- commands from outside (the control socket): the tab a person looks at ---- */

/* The page to drive: the start tab while it is open, else the page attached last. */
static rec_session *current_page(recorder *r) {
    rec_session *last = NULL;
    for (size_t i = 0; i < smap_count(r->sessions); i++) {
        rec_session *s = smap_value(r->sessions, i);
        if (s->gone || !s->type || strcmp(s->type, "page") != 0) continue;
        if (r->start_target && strcmp(s->target_id, r->start_target) == 0) return s;
        last = s;
    }
    return last;
}

/* Page.getNavigationHistory came back: go one entry back or forward (m->tag: "-1" or "1"). */
static void on_history(void *user, const cdp_msg *m) {
    recorder *r = user;
    if (!m->result) return;
    long step = strtol(m->tag ? m->tag : "0", NULL, 10);
    double index = jv_num(jv_get(m->result, "currentIndex")) + (double)step;
    jv *entries = jv_get(m->result, "entries");
    if (index < 0 || !jv_is(entries, JV_ARRAY) || index >= (double)entries->len) return;
    jv *entry = entries->items[(size_t)index];
    cdp_send(r->c, m->session, "Page.navigateToHistoryEntry",
             json_pack("{s:i}", "entryId", (int)jv_num(jv_get(entry, "id"))), NULL, NULL, NULL);
}

int recorder_page_command(recorder *r, const char *op, const char *url, rae_err *err) {
    rec_session *s = r->c ? current_page(r) : NULL;
    if (!s) return rae_err_fail(err, "no tab is open"), -1;
    /* until the start URL was asked for, a command would be overtaken by it (a navigate sent
     * first was aborted by rae's own navigation to the start URL a moment later) */
    if (r->o.start_url && !r->navigated)
        return rae_err_fail(err, "no tab is ready yet: the start page is being opened"), -1;
    if (strcmp(op, "navigate") == 0) {
        if (!url || !*url) return rae_err_fail(err, "navigate: no url"), -1;
        cdp_send(r->c, s->id, "Page.navigate", json_pack("{s:s}", "url", url), NULL, NULL, NULL);
    } else if (strcmp(op, "reload") == 0) {
        cdp_send(r->c, s->id, "Page.reload", NULL, NULL, NULL, NULL);
    } else if (strcmp(op, "back") == 0 || strcmp(op, "forward") == 0) {
        cdp_send(r->c, s->id, "Page.getNavigationHistory", NULL, on_history, r,
                 op[0] == 'b' ? "-1" : "1");
    } else {
        return rae_err_fail(err, "unknown command '%s' (navigate, back, forward, reload)", op), -1;
    }
    return 0;
}
