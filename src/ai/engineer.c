/* ai/engineer: the AI engineer's conversation, turn by turn. */
#include "rae/ai.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ai/conv.h"
#include "ai/http.h"
#include "ai/price.h"
#include "ai/redact.h"
#include "ai/secrets.h"
#include "ai/tools.h"
#include "util/buf.h"
#include "rae/err.h"
#include "util/fsutil.h"

#define TRIES 5         /* sends of one turn, retries of a rate limit or an overload included */
#define WAIT_MAX_S 60.0 /* the longest wait between them */

typedef struct run {
    const ai_options *o;
    const char *dir;
    ai_endpoint ep;
    char model[128];
    ai_price price;
    ai_redact *secrets;
    char *system;
    json_t *tools_schema, *messages;
    FILE *transcript;
    ai_tools tools;
    ai_usage used;
    double cost, last_turn_cost;
    int turns;
    int stopped; /* stop_fd was readable once: the person stopped the work */
    buf from;    /* the scripts taken from o->from_dir, for the first message */
} run;

ai_options ai_options_default(void) {
    ai_options o = {0};
    o.stop_fd = -1;
    o.max_cost = 0.50;
    o.max_turns = 30;
    o.max_tokens = 16000;
    o.run_timeout_s = 120;
    return o;
}

static const char *env_or(const char *name, const char *dflt) {
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* The provider: the option, else the one whose key is set (Anthropic's first). */
static int provider_of(const ai_options *o, ai_provider *p, rae_err *why) {
    if (o->provider && strcmp(o->provider, "anthropic") == 0) return *p = AI_ANTHROPIC, 0;
    if (o->provider && strcmp(o->provider, "openai") == 0) return *p = AI_OPENAI, 0;
    if (o->provider) return rae_err_set(why, RAE_E_INVALID, "--provider is anthropic or openai");
    if (env_or("ANTHROPIC_API_KEY", NULL)) return *p = AI_ANTHROPIC, 0;
    if (env_or("OPENAI_API_KEY", NULL)) return *p = AI_OPENAI, 0;
    /* through rae's gateway, which holds the key */
    if (strncmp(env_or("ANTHROPIC_BASE_URL", ""), "unix:", 5) == 0) return *p = AI_ANTHROPIC, 0;
    if (strncmp(env_or("OPENAI_BASE_URL", ""), "unix:", 5) == 0) return *p = AI_OPENAI, 0;
    return rae_err_set(why, RAE_E_NOT_FOUND,
                       "no model configured (set ANTHROPIC_API_KEY or OPENAI_API_KEY, or pass "
                       "--provider): the deterministic client only");
}

struct ai_redact *ai_secrets_new(void) {
    return ai_redact_new();
}

void ai_secrets_free(struct ai_redact *r) {
    ai_redact_free(r);
}

int ai_configured(const ai_options *o, rae_err *why) {
    ai_provider p;
    if (provider_of(o, &p, why) < 0) return 0;
    const char *key = p == AI_OPENAI ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
    const char *base =
        o->base_url ? o->base_url
                    : env_or(p == AI_OPENAI ? "OPENAI_BASE_URL" : "ANTHROPIC_BASE_URL", NULL);
    if (base && strncmp(base, "unix:", 5) == 0) return 1; /* rae's gateway holds the key */
    if (!env_or(key, NULL) && !(p == AI_OPENAI && base)) {
        rae_err_set(why, RAE_E_NOT_FOUND, "%s is not set",
                    p == AI_OPENAI ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY");
        return 0;
    }
    return 1;
}

/* ---- events ---- */

static void emit(const run *r, rae_event *ev) {
    if (r->o->on_event) r->o->on_event(r->o->event_user, ev);
}

static void progress(const run *r, const char *stage, const char *message) {
    rae_event ev = {.type = RAE_EV_PROGRESS, .stage = stage, .message = message};
    emit(r, &ev);
}

static void on_text(void *user, const char *text, size_t len) {
    run *r = user;
    char *t = strndup(text, len);
    rae_event ev = {.type = RAE_EV_MESSAGE, .message = t};
    emit(r, &ev);
    free(t);
}

static void on_write(void *user, const char *path, const char *content) {
    run *r = user;
    const char *dot = strrchr(path, '.');
    rae_event ev = {.type = RAE_EV_CODE,
                    .path = path,
                    .content = content,
                    .language = dot && strcmp(dot, ".py") == 0 ? "python" : "text"};
    emit(r, &ev);
}

static void usage_event(const run *r) {
    rae_event ev = {.type = RAE_EV_USAGE,
                    .input_tokens = r->used.input_tokens,
                    .output_tokens = r->used.output_tokens,
                    .cache_read_tokens = r->used.cache_read_tokens,
                    .cache_write_tokens = r->used.cache_write_tokens,
                    .cost_usd = r->cost,
                    .cost_unknown = !r->price.known};
    emit(r, &ev);
}

/* ---- the transcript: every message, as sent (secrets as placeholders) ---- */

static void record(run *r, json_t *line) {
    char *text = json_dumps(line, JSON_COMPACT);
    if (text && r->transcript) {
        fprintf(r->transcript, "%s\n", text);
        fflush(r->transcript);
    }
    free(text);
    json_decref(line);
}

/* Appends a message; one of the role of the last joins it (the providers want the roles to
 * alternate: a new task after a conversation that ended on tool results). */
static void append_message(json_t *messages, const char *role, json_t *content) {
    json_t *last = json_array_get(messages, json_array_size(messages) - 1);
    const char *last_role = json_string_value(json_object_get(last, "role"));
    if (last_role && strcmp(last_role, role) == 0)
        json_array_extend(json_object_get(last, "content"), content);
    else
        json_array_append_new(
            messages, json_pack("{s:s,s:o}", "role", role, "content", json_deep_copy(content)));
}

static void add_message(run *r, const char *role, json_t *content) {
    append_message(r->messages, role, content);
    record(r, json_pack("{s:s,s:s,s:O}", "type", "message", "role", role, "content", content));
}

/* The messages of an earlier run in dir, for --continue. */
static int resume(run *r, const char *path, rae_err *err) {
    FILE *f = fopen(path, "r");
    if (!f) return rae_err_fail(err, "--continue: %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        const char *type = json_string_value(json_object_get(j, "type"));
        const char *role = json_string_value(json_object_get(j, "role"));
        json_t *content = json_object_get(j, "content");
        if (type && strcmp(type, "message") == 0 && role && json_is_array(content))
            append_message(r->messages, role, content);
        json_decref(j);
    }
    free(line);
    fclose(f);
    if (!json_array_size(r->messages))
        return rae_err_fail(err, "--continue: %s holds no conversation", path);
    return 0;
}

/* ---- an earlier run's scripts (--from) ---- */

#define FROM_MAX_FILES 100
#define FROM_MAX_BYTES (1u << 20) /* of one file */

/* fd's content (at most FROM_MAX_BYTES) into b; -1 when it is longer or unreadable. */
static int read_small(int fd, buf *b) {
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        if (b->len + (size_t)n > FROM_MAX_BYTES) return -1;
        buf_append(b, chunk, (size_t)n);
    }
    return n < 0 ? -1 : 0;
}

/* Copies one regular file name of from (a directory fd) to DIR/scripts/name, said as written. */
static int copy_script(run *r, int from, const char *name, rae_err *err) {
    int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (in < 0 || fstat(in, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        if (in >= 0) close(in);
        return 0; /* not a file: left */
    }
    buf text = BUF_INIT, path = BUF_INIT, rel = BUF_INIT;
    int rc = read_small(in, &text);
    close(in);
    buf_printf(&rel, "scripts/%s", name);
    buf_printf(&path, "%s/%s", r->dir, rel.data);
    int out =
        rc < 0 ? -1 : open(path.data, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0 || fs_write_all(out, text.data ? text.data : "", text.len) < 0)
        rc = rae_err_fail(err, "--from: %s: %s", rc < 0 ? name : path.data,
                          rc < 0 ? "more than 1 MiB, or unreadable" : strerror(errno));
    if (out >= 0) close(out);
    if (rc == 0) {
        r->tools.written = realloc(r->tools.written, (r->tools.n_written + 1) * sizeof(char *));
        r->tools.written[r->tools.n_written++] = strdup(rel.data);
        on_write(r, rel.data, text.data ? text.data : "");
        buf_printf(&r->from, "- %s\n", rel.data);
    }
    buf_free(&text);
    buf_free(&path);
    buf_free(&rel);
    return rc;
}

/* The task scripts of o->from_dir/scripts into DIR/scripts (at most FROM_MAX_FILES). */
static int start_from(run *r, rae_err *err) {
    buf path = BUF_INIT;
    buf_printf(&path, "%s/scripts", r->o->from_dir);
    int from = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = from < 0 ? NULL : fdopendir(dup(from));
    int rc = d ? 0 : rae_err_fail(err, "--from: %s: %s", path.data, strerror(errno));
    buf_free(&path);
    buf_printf(&path, "%s/scripts", r->dir);
    if (rc == 0 && mkdir(path.data, 0755) < 0 && errno != EEXIST)
        rc = rae_err_fail(err, "%s: %s", path.data, strerror(errno));
    struct dirent *e;
    for (int n = 0; rc == 0 && (e = readdir(d)) && n < FROM_MAX_FILES; n++)
        if (e->d_name[0] != '.') rc = copy_script(r, from, e->d_name, err);
    if (d) closedir(d);
    if (from >= 0) close(from);
    buf_free(&path);
    return rc;
}

/* ---- the first message: rae's view of the capture, the methods, the task ---- */

/* "- api.NAME(arg: type, opt: type = None)  # METHOD /path": the arguments the caller gives. */
static void method_line(buf *b, json_t *op, const char *prefix, const char *skip) {
    size_t k;
    json_t *p;
    buf_printf(b, "- api.%s%s(", prefix, json_string_value(json_object_get(op, "name")));
    int first = 1;
    json_array_foreach(json_object_get(op, "params"), k, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *wire = json_string_value(json_object_get(p, "wire"));
        if (json_object_get(p, "filled_by") || (skip && wire && strcmp(wire, skip) == 0)) continue;
        buf_printf(b, "%s%s: %s%s", first ? "" : ", ", name,
                   json_string_value(json_object_get(p, "type")),
                   json_is_true(json_object_get(p, "required")) ? "" : " = None");
        first = 0;
    }
    buf_printf(b, ")  # %s %s%s\n", json_string_value(json_object_get(op, "method")),
               json_string_value(json_object_get(op, "path")),
               *prefix ? ": yields every item, page after page" : "");
}

static void method_list(buf *b, json_t *model) {
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(model, "operations"), i, op) {
        method_line(b, op, "", NULL);
        json_t *page = json_object_get(op, "pagination");
        if (page) method_line(b, op, "iter_", json_string_value(json_object_get(page, "param")));
    }
}

static char *first_message(run *r, rae_err *err) {
    buf path = BUF_INIT, b = BUF_INIT;
    buf_printf(&path, "%s/model.json", r->dir);
    json_error_t jerr;
    json_t *model = json_load_file(path.data, 0, &jerr);
    buf_free(&path);
    if (!model) {
        rae_err_fail(err, "%s/model.json: %s (run rae engineer without --prompt first)", r->dir,
                     jerr.text);
        return NULL;
    }
    char *text = json_dumps(model, JSON_COMPACT);
    buf_puts(&b, "The API model of the capture (model.json):\n\n");
    buf_puts(&b, text ? text : "{}");
    buf_puts(&b, "\n\nThe methods of api_client.ApiClient (the client fills the other "
                 "parameters itself):\n\n");
    method_list(&b, model);
    if (r->from.len)
        buf_printf(&b,
                   "\nAn earlier run's task scripts are already in this folder: start from "
                   "them and change what the task asks.\n\n%s",
                   r->from.data);
    buf_printf(&b, "\nThe task:\n\n%s\n", r->o->prompt);
    free(text);
    json_decref(model);
    char *redacted = ai_redact_text(r->secrets, b.data, b.len);
    buf_free(&b);
    return redacted;
}

/* The person's new task after an earlier conversation: merged into the last user message when
 * the conversation ended on one (an interrupted turn), else a new one. Tool calls left without
 * results (a run cut short) are answered first. */
static void continue_with(run *r, const char *prompt) {
    char *text = ai_redact_text(r->secrets, prompt, strlen(prompt));
    json_t *last = json_array_get(r->messages, json_array_size(r->messages) - 1);
    json_t *content = json_array();
    if (strcmp(json_string_value(json_object_get(last, "role")), "assistant") == 0) {
        size_t i;
        json_t *block;
        json_array_foreach(json_object_get(last, "content"), i, block) {
            const char *type = json_string_value(json_object_get(block, "type"));
            if (type && strcmp(type, "tool_use") == 0)
                json_array_append_new(
                    content, json_pack("{s:s,s:O,s:s,s:b}", "type", "tool_result", "tool_use_id",
                                       json_object_get(block, "id"), "content",
                                       "interrupted before it ran", "is_error", 1));
        }
    }
    json_array_append_new(content, json_pack("{s:s,s:s+}", "type", "text", "text",
                                             "The person asks next:\n\n", text));
    free(text);
    add_message(r, "user", content);
    json_decref(content);
}

/* ---- one turn ---- */

/* Whether the person stopped the work (ai_stop_fn). */
static int stopped(void *user) {
    run *r = user;
    if (!r->stopped && r->o->stop_fd >= 0) {
        struct pollfd p = {r->o->stop_fd, POLLIN, 0};
        r->stopped = poll(&p, 1, 0) > 0;
    }
    return r->stopped;
}

/* Sleeps s seconds, or less when stopped. */
static void wait_s(run *r, double s) {
    for (double left = s; left > 0 && !stopped(r); left -= 0.1) {
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
}

/* Sends the conversation until an answer comes, retrying what may pass with time: a rate limit
 * or an overload (after retry-after, else 1, 2, 4, 8 s), a server error, the network, and a
 * stream cut short (once). The answer in *out (caller frees). */
static int send_turn(run *r, ai_stream **out, rae_err *err) {
    ai_request q = {r->ep.provider, r->model,        r->o->max_tokens,
                    r->system,      r->tools_schema, r->messages};
    char *body = ai_request_body(&q);
    int cuts = 0;
    for (int attempt = 0;; attempt++) {
        ai_stream *s = ai_stream_new(r->ep.provider, on_text, r);
        ai_result res;
        ai_http_send(&r->ep, body, s, stopped, r, &res);
        if (res.fault == AI_OK) {
            free(body);
            *out = s;
            return 0;
        }
        ai_stream_free(s);
        cuts += res.fault == AI_FAULT_CUT;
        if (!ai_fault_retryable(res.fault) || attempt + 1 >= TRIES || cuts > 1) {
            free(body);
            if (res.fault == AI_FAULT_STOPPED)
                return rae_err_fail(err, "interrupted: the transcript and files so far are "
                                         "kept; --continue goes on");
            rae_errc code = res.fault == AI_FAULT_AUTH     ? RAE_E_DENIED
                            : res.fault == AI_FAULT_BUDGET ? RAE_E_LIMIT
                                                           : RAE_E_FAIL;
            return rae_err_set(err, code, "%s%s", res.message, attempt ? " (after retries)" : "");
        }
        double wait = res.retry_after >= 0 ? res.retry_after : (double)(1 << attempt);
        if (res.fault == AI_FAULT_CUT) wait = 0;
        if (wait > WAIT_MAX_S) wait = WAIT_MAX_S;
        buf msg = BUF_INIT;
        buf_printf(&msg, "%s; trying again in %.0f s", res.message, wait);
        progress(r, "retry", msg.data);
        buf_free(&msg);
        wait_s(r, wait);
    }
}

static void count(run *r, const ai_stream *s) {
    ai_usage u = ai_stream_usage(s);
    double before = r->cost;
    r->used.input_tokens += u.input_tokens;
    r->used.output_tokens += u.output_tokens;
    r->used.cache_read_tokens += u.cache_read_tokens;
    r->used.cache_write_tokens += u.cache_write_tokens;
    r->cost += ai_cost(&r->price, &u);
    r->last_turn_cost = r->cost - before;
    record(r, json_pack("{s:s,s:I,s:I,s:I,s:I,s:f}", "type", "usage", "input_tokens",
                        (json_int_t)u.input_tokens, "output_tokens", (json_int_t)u.output_tokens,
                        "cache_read_tokens", (json_int_t)u.cache_read_tokens, "cache_write_tokens",
                        (json_int_t)u.cache_write_tokens, "cost_usd", r->cost));
    usage_event(r);
}

static void tool_event(const run *r, const char *tool, const char *phase, const char *message) {
    rae_event ev = {.type = RAE_EV_TOOL, .tool = tool, .phase = phase, .message = message};
    emit(r, &ev);
}

/* The answers to the turn's tool calls, as one user message. */
static void run_tools(run *r, json_t *content, const char *truncated) {
    json_t *results = json_array();
    size_t i;
    json_t *block;
    json_array_foreach(content, i, block) {
        const char *type = json_string_value(json_object_get(block, "type"));
        if (!type || strcmp(type, "tool_use") != 0) continue;
        const char *name = json_string_value(json_object_get(block, "name"));
        json_t *input = json_object_get(block, "input");
        buf out = BUF_INIT;
        int is_error;
        char *shown = json_dumps(input, JSON_COMPACT);
        tool_event(r, name, "call", shown);
        free(shown);
        if (truncated && strcmp(truncated, name) == 0 && json_object_size(input) == 0) {
            buf_puts(&out, "your call's input was cut off at max_tokens, so it was not run: send "
                           "a shorter one (write a long file in parts)");
            is_error = 1;
        } else {
            is_error = ai_tool_call(&r->tools, name, input, &out);
        }
        tool_event(r, name, "result", out.data ? out.data : "");
        json_array_append_new(results,
                              json_pack("{s:s,s:O,s:s,s:b}", "type", "tool_result", "tool_use_id",
                                        json_object_get(block, "id"), "content",
                                        out.data ? out.data : "", "is_error", is_error));
        buf_free(&out);
    }
    add_message(r, "user", results);
    json_decref(results);
}

/* One turn: 1 when the model is done, 0 to go on, -1 with err. */
static int turn(run *r, rae_err *err) {
    ai_stream *s = NULL;
    if (send_turn(r, &s, err) < 0) return -1;
    count(r, s);
    json_t *content = ai_stream_content(s);
    int tools = 0;
    size_t i;
    json_t *block;
    json_array_foreach(content, i, block) {
        const char *type = json_string_value(json_object_get(block, "type"));
        tools += type && strcmp(type, "tool_use") == 0;
    }
    if (!json_array_size(content))
        json_array_append_new(content,
                              json_pack("{s:s,s:s}", "type", "text", "text", "(no answer)"));
    add_message(r, "assistant", content);
    int done = 0;
    if (tools) {
        run_tools(r, content, ai_stream_truncated(s));
        done = r->tools.finished;
    } else if (ai_stream_stop(s) == AI_STOP_MAX_TOKENS) {
        json_t *more = json_pack("[{s:s,s:s}]", "type", "text", "text",
                                 "Your answer was cut off at max_tokens: go on.");
        add_message(r, "user", more);
        json_decref(more);
    } else {
        done = 1;
    }
    ai_stream_free(s);
    return done;
}

/* ---- the run ---- */

static int setup(run *r, const char *har_path, rae_err *err) {
    ai_provider p;
    if (provider_of(r->o, &p, err) < 0) return -1;
    r->ep.provider = p;
    r->ep.key_var = p == AI_OPENAI ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
    r->ep.api_key = env_or(r->ep.key_var, "");
    r->ep.base_url = r->o->base_url
                         ? r->o->base_url
                         : env_or(p == AI_OPENAI ? "OPENAI_BASE_URL" : "ANTHROPIC_BASE_URL", NULL);
    if (r->o->model)
        snprintf(r->model, sizeof r->model, "%s", r->o->model);
    else
        ai_default_model(p, r->model, sizeof r->model);
    r->price = ai_price_of(r->model);
    r->system = ai_builtin("system.md");
    char *tools = ai_builtin("tools.json");
    r->tools_schema = tools ? json_loads(tools, 0, NULL) : NULL;
    free(tools);
    if (!r->system || !r->tools_schema)
        return rae_err_fail(err, "this rae was built without its AI engineer's files");
    r->secrets = r->o->secrets ? r->o->secrets : ai_redact_new();
    buf env = BUF_INIT;
    buf_printf(&env, "%s/.env", r->dir);
    int rc = ai_secrets_collect(r->secrets, r->o->secrets ? NULL : har_path, env.data, err);
    buf_free(&env);
    if (rc < 0) return -1;
    r->messages = json_array();
    r->tools = (ai_tools){.dir = r->dir,
                          .har_path = har_path,
                          .secrets = r->secrets,
                          .allow_run = r->o->allow_run,
                          .run_timeout_s = r->o->run_timeout_s,
                          .stop = stopped,
                          .on_write = on_write,
                          .user = r};
    return 0;
}

static int open_transcript(run *r, rae_err *err) {
    buf path = BUF_INIT;
    buf_printf(&path, "%s/transcript.ndjson", r->dir);
    int rc = 0;
    if (r->o->resume) rc = resume(r, path.data, err);
    if (rc == 0) {
        r->transcript = fopen(path.data, r->o->resume ? "a" : "w");
        if (!r->transcript) rc = rae_err_fail(err, "%s: %s", path.data, strerror(errno));
    }
    buf_free(&path);
    return rc;
}

/* What was asked and made, added to README.md. */
static void write_readme(run *r) {
    buf path = BUF_INIT;
    buf_printf(&path, "%s/README.md", r->dir);
    FILE *f = fopen(path.data, "a");
    buf_free(&path);
    if (!f) return;
    fprintf(f, "\n## Task: %s\n\nMade by rae's AI engineer (%s, %d turns, ", r->o->prompt, r->model,
            r->turns);
    if (r->price.known)
        fprintf(f, "$%.4f at the prices of %s).\n\n", r->cost, r->price.taken);
    else
        fprintf(f, "%ld input and %ld output tokens; cost unknown).\n\n", r->used.input_tokens,
                r->used.output_tokens);
    if (r->tools.summary) fprintf(f, "%s\n\n", r->tools.summary);
    for (size_t i = 0; i < r->tools.n_written; i++)
        fprintf(f, "- `%s`\n", r->tools.written[i]);
    fprintf(f, "\nThe conversation is in `transcript.ndjson`; `rae engineer HAR -o DIR --continue "
               "--prompt \"...\"` goes on from it.\n");
    fclose(f);
}

/* The end: the files written, relative to the run's folder (scripts/export.py), as the code
 * events said them, and the model's summary. */
static void complete(run *r) {
    rae_event ev = {.type = RAE_EV_COMPLETE,
                    .scripts_dir = r->dir,
                    .files = (const char *const *)r->tools.written,
                    .n_files = r->tools.n_written,
                    .message = r->tools.summary};
    emit(r, &ev);
}

/* Turns until the model is done, the turns or the budget run out, or an error. */
static int converse(run *r, rae_err *err) {
    for (;;) {
        if (r->turns >= r->o->max_turns)
            return rae_err_fail(err,
                                "the model did not finish in %d turns (--max-turns); "
                                "--continue goes on",
                                r->o->max_turns);
        if (r->price.known && r->cost + r->last_turn_cost > r->o->max_cost)
            return rae_err_fail(err,
                                "another turn would pass --max-cost $%.2f ($%.4f spent); "
                                "--continue with a higher --max-cost goes on",
                                r->o->max_cost, r->cost);
        r->turns++;
        int rc = turn(r, err);
        if (rc != 0) return rc < 0 ? -1 : 0;
    }
}

static void done_run(run *r) {
    if (r->transcript) fclose(r->transcript);
    ai_tools_done(&r->tools);
    if (r->secrets != r->o->secrets) ai_redact_free(r->secrets);
    json_decref(r->messages);
    json_decref(r->tools_schema);
    free(r->system);
    buf_free(&r->from);
}

int ai_engineer(const char *har_path, const char *dir, const ai_options *o, rae_err *err) {
    run r = {.o = o, .dir = dir};
    int rc = setup(&r, har_path, err);
    if (rc == 0) rc = open_transcript(&r, err);
    if (rc == 0 && !o->resume && o->from_dir) rc = start_from(&r, err);
    if (rc == 0 && !o->resume) {
        char *text = first_message(&r, err);
        if (!text) rc = -1;
        if (text) {
            record(&r, json_pack("{s:s,s:s,s:s}", "type", "prompt", "text", o->prompt, "model",
                                 r.model));
            json_t *content = json_pack("[{s:s,s:s}]", "type", "text", "text", text);
            add_message(&r, "user", content);
            json_decref(content);
        }
        free(text);
    } else if (rc == 0) {
        continue_with(&r, o->prompt);
    }
    if (rc == 0) {
        progress(&r, "model", r.model);
        rc = converse(&r, err);
    }
    if (rc == 0) {
        write_readme(&r);
        complete(&r);
    }
    done_run(&r);
    return rc;
}
