/* eng_write: every output file, written atomically (temporary file, fsync, rename). */
#include "engineer/internal.h"
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fill(FILE *f, void *ctx) {
    const buf *content = ctx;
    return content->len && fwrite(content->data, 1, content->len, f) != content->len ? -1 : 0;
}

static int write_file(const char *dir, const char *name, const buf *content, mode_t mode,
                      har_error *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (fs_replace(path, mode, fill, (void *)content) == 0) return 0;
    snprintf(err->message, sizeof err->message, "%.400s: cannot write: %s", path, strerror(errno));
    return -1;
}

static void emit_code(const eng_options *o, const char *name, const char *language,
                      const buf *content) {
    if (!o->on_event) return;
    rae_event ev = {0};
    ev.type = RAE_EV_CODE;
    ev.path = name;
    ev.language = language;
    ev.content = buf_str(content);
    o->on_event(o->event_user, &ev);
}

int eng_write(const eng_model *m, const char *dir, const eng_options *o, har_error *err) {
    static const struct {
        const char *name, *language;
        mode_t mode;
    } files[] = {{"api_client.py", "python", 0644}, {"openapi.json", "json", 0644},
                 {"replay.py", "python", 0755},     {"README.md", "markdown", 0644},
                 {"model.json", "json", 0644},      {".env", "dotenv", 0600}};
    memset(err, 0, sizeof *err);
    if (fs_mkdirs(dir, 0755, 0755) < 0) {
        snprintf(err->message, sizeof err->message, "%.400s: cannot create directory: %s", dir,
                 strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        buf b = BUF_INIT;
        int rc = 0;
        switch (i) {
        case 0:
            rc = eng_gen_python(m, &b);
            break;
        case 1:
            rc = eng_gen_openapi(m, &b);
            break;
        case 2:
            rc = eng_gen_replay(m, &b);
            break;
        case 3:
            rc = eng_gen_readme(m, &b);
            break;
        case 4:
            rc = eng_gen_model(m, &b);
            break;
        default:
            eng_gen_env(m, o->redact, &b);
            break;
        }
        if (rc < 0) {
            snprintf(err->message, sizeof err->message, "%.400s/%s: could not be generated", dir,
                     files[i].name);
            buf_free(&b);
            return -1;
        }
        rc = write_file(dir, files[i].name, &b, files[i].mode, err);
        if (rc == 0 && i != 5) emit_code(o, files[i].name, files[i].language, &b);
        buf_free(&b);
        if (rc < 0) return -1;
    }
    return 0;
}
