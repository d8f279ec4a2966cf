/* ckpt manifests (text, one entry a line, ending with a BLAKE2b checksum of the lines above),
 * the path rules a manifest must obey, checkpoint ids, and the index of files already hashed. */
#include "ckpt/internal.h"
#include "util/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "rae-checkpoint 1\n"
#define INDEX_MAGIC "rae-checkpoint-index 1\n"

/* ---- paths ---- */

void ckpt_escape(buf *b, const char *s) {
    static const char digits[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p == '%' || *p == 0x7f) {
            char e[3] = {'%', digits[*p >> 4], digits[*p & 15]};
            buf_append(b, e, 3);
        } else {
            buf_putc(b, (char)*p);
        }
    }
}

static int xdigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The unescaped copy of s[0..n) in a, or NULL when it holds a bad escape, a NUL or a space. */
static char *unescape(arena *a, const char *s, size_t n) {
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n) return NULL;
            int x = xdigit(s[i + 1]), y = xdigit(s[i + 2]);
            int h = x < 0 || y < 0 ? -1 : x * 16 + y;
            if (h <= 0) return NULL; /* a bad escape or a NUL */
            *o++ = (char)h;
            i += 2;
        } else if ((unsigned char)s[i] <= ' ') {
            return NULL;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

static unsigned path_byte(const char *p) {
    return *p == '/' ? 1u : *p ? (unsigned)(unsigned char)*p + 1u : 0u;
}

int ckpt_path_cmp(const char *a, const char *b) {
    int ra = !strcmp(a, "."), rb = !strcmp(b, ".");
    if (ra || rb) return rb - ra;
    for (;; a++, b++) {
        unsigned x = path_byte(a), y = path_byte(b);
        if (x != y) return x < y ? -1 : 1;
        if (!x) return 0;
    }
}

int ckpt_path_check(const char *path) {
    if (!strcmp(path, ".")) return 0;
    size_t len = strlen(path);
    if (!len || len >= 4096 || path[0] == '/') return -1;
    for (const char *c = path;;) {
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        if (n == 0 || n > 255) return -1;
        if (c[0] == '.' && (n == 1 || (n == 2 && c[1] == '.'))) return -1;
        if (!slash) return 0;
        c = slash + 1;
    }
}

int ckpt_id_check(const char *id) {
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return -1;
    }
    return n >= 1 && n < sizeof(((ckpt_info *)0)->id) ? 0 : -1;
}

/* ---- manifests ---- */

ckpt_entry *ckpt_manifest_add(ckpt_manifest *m) {
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->e = realloc(m->e, m->cap * sizeof *m->e);
        if (!m->e) abort();
    }
    ckpt_entry *e = arena_alloc(m->a, sizeof *e);
    m->e[m->n++] = e;
    return e;
}

void ckpt_manifest_free(ckpt_manifest *m) {
    free(m->e);
    arena_free(m->a);
    m->e = NULL;
    m->a = NULL;
    m->n = m->cap = 0;
}

int ckpt_manifest_write(ckpt_store *s, const ckpt_manifest *m, const char *tmpname, int datasync,
                        rae_err *err) {
    const ckpt_info *in = &m->info;
    buf b = BUF_INIT;
    buf_reserve(&b, 128 * m->n + 1024);
    buf_puts(&b, MAGIC);
    buf_printf(&b, "id %s\ntime %.6f\nautomatic %d\ncomment ", in->id, in->time, in->automatic);
    ckpt_escape(&b, in->comment);
    buf_printf(&b,
               "\nfiles %llu\ndirs %llu\nsymlinks %llu\nskipped %llu\nbytes %llu\nadded %llu\n"
               "read %llu %llu\nentries %zu\n",
               in->files, in->dirs, in->symlinks, in->skipped, in->bytes, in->added, in->read_files,
               in->read_bytes, m->n);
    for (size_t i = 0; i < m->n; i++) {
        const ckpt_entry *e = m->e[i];
        char hex[2 * CKPT_HASH + 1] = "-";
        if (e->type == 'f') ckpt_hex(e->hash, hex);
        buf_printf(&b, "%c %o %u %u %lld %llu %s ", e->type, e->mode, e->uid, e->gid, e->mtime,
                   e->size, hex);
        ckpt_escape(&b, e->path);
        if (e->type == 'l') {
            buf_putc(&b, ' ');
            ckpt_escape(&b, e->target);
        }
        buf_putc(&b, '\n');
    }
    unsigned char sum[CKPT_HASH];
    char hex[2 * CKPT_HASH + 1];
    crypto_generichash(sum, sizeof sum, (const unsigned char *)b.data, b.len, NULL, 0);
    ckpt_hex(sum, hex);
    buf_printf(&b, "end %s\n", hex);
    int rc = 0;
    int fd = openat(s->tmpfd, tmpname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = rae_err_fail(err, "%s/tmp/%s: %s", s->dir, tmpname, ckpt_errtext(errno));
    } else if (fs_write_all(fd, b.data, b.len) < 0 || (datasync && fdatasync(fd) < 0)) {
        rc = rae_err_fail(err, "%s/tmp/%s: write: %s", s->dir, tmpname, ckpt_errtext(errno));
    }
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = rae_err_fail(err, "%s/tmp/%s: close: %s", s->dir, tmpname, ckpt_errtext(errno));
    buf_free(&b);
    return rc;
}

/* Reads fd whole (at most max bytes when max) into a NUL-terminated buffer (caller frees). */
static char *read_fd(int fd, size_t max, size_t *len) {
    size_t cap = 65536, n = 0;
    char *p = malloc(cap);
    if (!p) abort();
    for (;;) {
        if (n + 1 == cap) {
            if (max && n >= max) break;
            cap *= 2;
            p = realloc(p, cap);
            if (!p) abort();
        }
        size_t want = cap - 1 - n;
        if (max && want > max - n) want = max - n;
        if (!want) break;
        ssize_t r = read(fd, p + n, want);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            free(p);
            return NULL;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    p[n] = '\0';
    *len = n;
    return p;
}

static int split(char *line, char **f, int max) {
    int n = 0;
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *sp = strchr(p, ' ');
        if (!sp) break;
        *sp = '\0';
        p = sp + 1;
    }
    return n;
}

static int parse_ull(const char *s, unsigned long long *v) {
    char *end;
    if (!*s || *s == '-') return -1;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return *end || errno ? -1 : 0;
}

static int parse_entry(ckpt_manifest *m, char *line) {
    char *f[9];
    int nf = split(line, f, 9);
    if (nf < 8 || strlen(f[0]) != 1) return -1;
    char type = f[0][0];
    if (type != 'f' && type != 'd' && type != 'l') return -1;
    if ((type == 'l') != (nf == 9)) return -1;
    char *end;
    errno = 0;
    unsigned long mode = strtoul(f[1], &end, 8);
    if (*end || errno || mode > 07777) return -1;
    unsigned long long uid, gid, size;
    if (parse_ull(f[2], &uid) < 0 || parse_ull(f[3], &gid) < 0 || parse_ull(f[5], &size) < 0 ||
        uid > 0xffffffffu || gid > 0xffffffffu)
        return -1;
    errno = 0;
    long long mtime = strtoll(f[4], &end, 10);
    if (*end || errno || !*f[4]) return -1;
    ckpt_entry *e = ckpt_manifest_add(m);
    e->type = type;
    e->mode = (unsigned)mode;
    e->uid = (unsigned)uid;
    e->gid = (unsigned)gid;
    e->mtime = mtime;
    e->size = size;
    if (type == 'f') {
        if (ckpt_unhex(f[6], strlen(f[6]), e->hash) < 0) return -1;
    } else if (strcmp(f[6], "-") != 0) {
        return -1;
    }
    e->path = unescape(m->a, f[7], strlen(f[7]));
    if (!e->path || ckpt_path_check(e->path) < 0) return -1;
    if (!strcmp(e->path, ".") && type != 'd') return -1;
    if (type == 'l') {
        e->target = unescape(m->a, f[8], strlen(f[8]));
        if (!e->target || !*e->target) return -1;
    }
    return 0;
}

static int entry_cmp(const void *a, const void *b) {
    return ckpt_path_cmp((*(ckpt_entry *const *)a)->path, (*(ckpt_entry *const *)b)->path);
}

/* Parses text (NUL-terminated, len bytes) into m; a message in why on failure. */
static int parse_manifest(ckpt_manifest *m, const char *id, char *text, size_t len, int full,
                          const char **why) {
    *why = "not a manifest";
    if (strncmp(text, MAGIC, strlen(MAGIC)) != 0) return -1;
    if (full) {
        *why = "truncated or damaged (checksum)";
        if (len < strlen(MAGIC) + 69 || text[len - 1] != '\n') return -1;
        char *endl = text + len - 69; /* "end " + 64 hex + "\n" */
        if ((endl != text && endl[-1] != '\n') || strncmp(endl, "end ", 4) != 0) return -1;
        unsigned char want[CKPT_HASH], got[CKPT_HASH];
        if (ckpt_unhex(endl + 4, 2 * CKPT_HASH, want) < 0) return -1;
        crypto_generichash(got, sizeof got, (const unsigned char *)text, (size_t)(endl - text),
                           NULL, 0);
        if (sodium_memcmp(want, got, sizeof got) != 0) return -1;
        *endl = '\0';
    }
    *why = "bad header";
    ckpt_info *in = &m->info;
    unsigned long long entries = 0;
    int have_entries = 0;
    char *p = text + strlen(MAGIC);
    while (*p && !have_entries) {
        char *nl = strchr(p, '\n');
        if (!nl) return -1;
        *nl = '\0';
        char *val = strchr(p, ' ');
        if (!val) return -1;
        *val++ = '\0';
        if (!strcmp(p, "id")) {
            if (strcmp(val, id) != 0) return -1;
            snprintf(in->id, sizeof in->id, "%s", val);
        } else if (!strcmp(p, "time")) {
            in->time = strtod(val, NULL);
        } else if (!strcmp(p, "automatic")) {
            in->automatic = atoi(val) ? 1 : 0;
        } else if (!strcmp(p, "comment")) {
            char *c = unescape(m->a, val, strlen(val));
            if (!c) return -1;
            snprintf(in->comment, sizeof in->comment, "%s", c);
        } else if (!strcmp(p, "read")) {
            if (sscanf(val, "%llu %llu", &in->read_files, &in->read_bytes) != 2) return -1;
        } else {
            unsigned long long v;
            if (parse_ull(val, &v) < 0) return -1;
            if (!strcmp(p, "files")) in->files = v;
            if (!strcmp(p, "dirs")) in->dirs = v;
            if (!strcmp(p, "symlinks")) in->symlinks = v;
            if (!strcmp(p, "skipped")) in->skipped = v;
            if (!strcmp(p, "bytes")) in->bytes = v;
            if (!strcmp(p, "added")) in->added = v;
            if (!strcmp(p, "entries")) {
                entries = v;
                have_entries = 1;
            }
        }
        p = nl + 1;
    }
    if (!have_entries || strcmp(in->id, id) != 0) return -1;
    if (!full) return 0;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (!nl) return -1;
        *nl = '\0';
        if (parse_entry(m, p) < 0) {
            *why = "bad entry (type, mode, hash, or a path that is absolute, empty, or has '..')";
            return -1;
        }
        p = nl + 1;
    }
    *why = "wrong number of entries";
    if (m->n != entries) return -1;
    qsort(m->e, m->n, sizeof *m->e, entry_cmp);
    *why = "no root directory entry";
    if (!m->n || strcmp(m->e[0]->path, ".") != 0) return -1;
    *why = "a path appears twice";
    for (size_t i = 1; i < m->n; i++)
        if (!strcmp(m->e[i - 1]->path, m->e[i]->path)) return -1;
    return 0;
}

int ckpt_manifest_load(ckpt_store *s, const char *id, int full, ckpt_manifest *m, rae_err *err) {
    memset(m, 0, sizeof *m);
    m->a = arena_new();
    if (ckpt_id_check(id) < 0) return rae_err_set(err, RAE_E_NOT_FOUND, "no checkpoint '%s'", id);
    int fd = openat(s->mansfd, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return rae_err_set(err, RAE_E_NOT_FOUND, "no checkpoint '%s'", id);
        return rae_err_fail(err, "%s/manifests/%s: %s", s->dir, id, strerror(errno));
    }
    size_t len;
    char *text = read_fd(fd, full ? 0 : 4096, &len);
    int e = errno;
    close(fd);
    if (!text) return rae_err_fail(err, "%s/manifests/%s: read: %s", s->dir, id, strerror(e));
    const char *why;
    int rc = parse_manifest(m, id, text, len, full, &why);
    free(text);
    if (rc < 0) return rae_err_fail(err, "%s/manifests/%s: damaged manifest: %s", s->dir, id, why);
    return 0;
}

/* ---- ids ---- */

/* The last sequence number given (DIR/seq), or 0. */
static unsigned long long load_seq(ckpt_store *s) {
    char text[32];
    int fd = openat(s->dirfd, "seq", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return 0;
    text[n] = '\0';
    return strtoull(text, NULL, 10);
}

void ckpt_save_seq(ckpt_store *s, const char *id) {
    char tmp[64], text[32];
    ckpt_tmp_name(tmp, sizeof tmp, "seq", randombytes_random());
    int len = snprintf(text, sizeof text, "%llu\n", strtoull(id + 1, NULL, 10));
    int fd = openat(s->tmpfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    int ok = write(fd, text, (size_t)len) == len;
    if (close(fd) < 0) ok = 0;
    if (!ok || renameat(s->tmpfd, tmp, s->dirfd, "seq") < 0) unlinkat(s->tmpfd, tmp, 0);
}

void ckpt_next_id(ckpt_store *s, double now, char *id, size_t n) {
    unsigned long long max = load_seq(s);
    int fd = openat(s->mansfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] != 'c' || ckpt_id_check(de->d_name) < 0) continue;
            unsigned long long v = strtoull(de->d_name + 1, NULL, 10);
            if (v > max) max = v;
        }
        closedir(d);
    } else if (fd >= 0) {
        close(fd);
    }
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y%m%dT%H%M%S", &tm);
    snprintf(id, n, "c%06u-%.15s", (unsigned)(max + 1), when);
}

/* ---- the index ---- */

void ckpt_index_name(const char *root, char out[48]) {
    char canon[PATH_MAX + 256], *real = realpath(root, NULL);
    if (real) {
        snprintf(canon, sizeof canon, "%s", real);
    } else {
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", root);
        char *slash = strrchr(parent, '/');
        const char *base = slash ? root + (slash - parent) + 1 : root;
        if (slash == parent)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        real = realpath(slash ? parent : ".", NULL);
        if (real)
            snprintf(canon, sizeof canon, "%s%s%s", real, strcmp(real, "/") ? "/" : "", base);
        else
            snprintf(canon, sizeof canon, "%s", root);
    }
    free(real);
    unsigned char h[16];
    char hex[2 * CKPT_HASH + 1];
    crypto_generichash(h, sizeof h, (const unsigned char *)canon, strlen(canon), NULL, 0);
    memset(hex, 0, sizeof hex);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(out, 48, "index-%.32s", hex);
}

smap *ckpt_index_load(ckpt_store *s, const char *name, arena *a) {
    smap *m = smap_new();
    int fd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return m;
    size_t len;
    char *text = read_fd(fd, 0, &len);
    close(fd);
    if (!text) return m;
    if (strncmp(text, INDEX_MAGIC, strlen(INDEX_MAGIC)) != 0) goto bad;
    for (char *p = text + strlen(INDEX_MAGIC); *p;) {
        char *nl = strchr(p, '\n');
        if (!nl) goto bad;
        *nl = '\0';
        char *f[7];
        if (split(p, f, 7) != 7) goto bad;
        ckpt_idx *x = arena_alloc(a, sizeof *x);
        unsigned long long mt, ct;
        if (parse_ull(f[0], &x->dev) < 0 || parse_ull(f[1], &x->ino) < 0 ||
            parse_ull(f[2], &x->size) < 0 || parse_ull(f[3], &mt) < 0 || parse_ull(f[4], &ct) < 0 ||
            ckpt_unhex(f[5], strlen(f[5]), x->hash) < 0)
            goto bad;
        x->mtime = (long long)mt;
        x->ctime = (long long)ct;
        char *path = unescape(a, f[6], strlen(f[6]));
        if (!path) goto bad;
        int created;
        *smap_slot(m, path, strlen(path), &created) = x;
        p = nl + 1;
    }
    free(text);
    return m;
bad:
    free(text);
    smap_free(m);
    return smap_new();
}

void ckpt_index_save(ckpt_store *s, const char *name, ckpt_entry *const *e, size_t n) {
    buf b = BUF_INIT;
    buf_reserve(&b, 128 * n + 64);
    buf_puts(&b, INDEX_MAGIC);
    for (size_t i = 0; i < n; i++) {
        if (e[i]->type != 'f' || e[i]->racy || e[i]->mtime < 0 || e[i]->ctime < 0) continue;
        char hex[2 * CKPT_HASH + 1];
        ckpt_hex(e[i]->hash, hex);
        buf_printf(&b, "%llu %llu %llu %lld %lld %s ", e[i]->dev, e[i]->ino, e[i]->size,
                   e[i]->mtime, e[i]->ctime, hex);
        ckpt_escape(&b, e[i]->path);
        buf_putc(&b, '\n');
    }
    char tmp[64];
    ckpt_tmp_name(tmp, sizeof tmp, "index", randombytes_random());
    int fd = openat(s->tmpfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        int ok = fs_write_all(fd, b.data, b.len) == 0;
        if (close(fd) < 0) ok = 0;
        if (!ok || renameat(s->tmpfd, tmp, s->dirfd, name) < 0) unlinkat(s->tmpfd, tmp, 0);
    }
    buf_free(&b);
}
