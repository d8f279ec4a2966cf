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
                      rae_err *err) {
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

/* The files rae engineer writes, in order. shown: sent as a code event (.env holds secrets). */
static const struct {
    const char *name, *language;
    mode_t mode;
    int shown;
    int (*gen)(const eng_model *m, const eng_options *o, buf *out);
} files[] = {
    {"api_client.py", "python", 0644, 1, eng_gen_python},
    {"openapi.json", "json", 0644, 1, eng_gen_openapi},
    {"replay.py", "python", 0755, 1, eng_gen_replay},
    {"README.md", "markdown", 0644, 1, eng_gen_readme},
    {"model.json", "json", 0644, 1, eng_gen_model},
    {".env", "dotenv", 0600, 0, eng_gen_env},
};

#define N_FILES (sizeof files / sizeof *files)

const char *eng_file_name(size_t i) {
    return i < N_FILES ? files[i].name : NULL;
}

int eng_write(const eng_model *m, const char *dir, const eng_options *o, rae_err *err) {
    memset(err, 0, sizeof *err);
    if (fs_mkdirs(dir, 0755, 0755) < 0) {
        snprintf(err->message, sizeof err->message, "%.400s: cannot create directory: %s", dir,
                 strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < N_FILES; i++) {
        buf b = BUF_INIT;
        int rc = files[i].gen(m, o, &b);
        if (rc < 0) {
            snprintf(err->message, sizeof err->message, "%.400s/%s: could not be generated", dir,
                     files[i].name);
            buf_free(&b);
            return -1;
        }
        rc = write_file(dir, files[i].name, &b, files[i].mode, err);
        if (rc == 0 && files[i].shown) emit_code(o, files[i].name, files[i].language, &b);
        buf_free(&b);
        if (rc < 0) return -1;
    }
    return 0;
}
