/* store: which sprite is whose, and the jobs (captures, engineer runs) of the history page. */
#include "store/internal.h"
#include "rae/sprite.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* ---- sprites ---- */

int rae_store_sprite_add(rae_store *s, long long user_id, const char *name, rae_err *err) {
    rae_err msg;
    if (rae_sprite_name_check(name, &msg) < 0)
        return store_fail(s, err, RAE_E_INVALID, "%s", msg.message);
    sqlite3_stmt *st =
        store_sql(s, "INSERT INTO sprites (name, user_id, created) VALUES (?1, ?2, ?3)");
    if (!st) return store_err_copy(s, err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_double(st, 3, store_now(s));
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc == SQLITE_DONE) return 0;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
        return store_fail(s, err, RAE_E_EXISTS, "sprite '%s' is taken", name);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return store_fail(s, err, RAE_E_NOT_FOUND, "no user of id %lld", user_id);
    return store_dberr(s, err, "adding a sprite");
}

int rae_store_sprite_owned(rae_store *s, long long user_id, const char *name) {
    sqlite3_stmt *st = store_sql(s, "SELECT 1 FROM sprites WHERE name = ?1 AND user_id = ?2");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return rc == SQLITE_ROW;
    return store_dberr(s, NULL, "reading a sprite");
}

int rae_store_sprite_owner(rae_store *s, const char *name, long long *user_id) {
    sqlite3_stmt *st = store_sql(s, "SELECT user_id FROM sprites WHERE name = ?1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && user_id) *user_id = sqlite3_column_int64(st, 0);
    store_done(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE)
        return store_fail(s, NULL, RAE_E_NOT_FOUND, "sprite '%s' is nobody's", name ? name : "");
    return store_dberr(s, NULL, "reading a sprite");
}

int rae_store_sprites_of(rae_store *s, long long user_id, char names[][RAE_STORE_SPRITE_NAME_MAX],
                         int max) {
    if (max <= 0) return 0;
    sqlite3_stmt *st =
        store_sql(s, "SELECT name FROM sprites WHERE user_id = ?1 ORDER BY created, name LIMIT ?2");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int(st, 2, max);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max)
        store_col_text(st, 0, names[n++], RAE_STORE_SPRITE_NAME_MAX);
    store_done(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return n;
    return store_dberr(s, NULL, "listing sprites");
}

int rae_store_sprite_remove(rae_store *s, long long user_id, const char *name) {
    sqlite3_stmt *st = store_sql(s, "DELETE FROM sprites WHERE name = ?1 AND user_id = ?2");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    if (store_exec(s, st, NULL, "removing a sprite") < 0) return -1;
    if (sqlite3_changes(s->db) == 0)
        return store_fail(s, NULL, RAE_E_NOT_FOUND, "no sprite '%s' of yours", name ? name : "");
    return 0;
}

/* ---- jobs ---- */

#define JOB_COLS "id, kind, user_id, sprite_name, status, started, ended, error, detail"

/* 1 when w is 1-15 of [a-z] (and of "_-" when more is set). */
static int word_ok(const char *w, int more) {
    size_t n = w ? strlen(w) : 0;
    int ok = n > 0 && n < 16;
    for (size_t i = 0; ok && i < n; i++)
        ok = (w[i] >= 'a' && w[i] <= 'z') || (more && (w[i] == '_' || w[i] == '-'));
    return ok;
}

/* text as a JSON object, compact, into *out (caller frees with free()); -1 (RAE_E_INVALID). */
static int json_object_text(rae_store *s, const char *text, const char *what, char **out,
                            rae_err *err) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        return store_fail(s, err, RAE_E_INVALID, "%s: line %d column %d: %s", what, je.line,
                          je.column, je.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return store_fail(s, err, RAE_E_INVALID, "%s: not a JSON object", what);
    }
    *out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return *out ? 0 : store_fail(s, err, RAE_E_FAIL, "out of memory");
}

static char *col_dup(sqlite3_stmt *st, int col) {
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? strdup((const char *)t) : NULL;
}

/* A job from a row of JOB_COLS; -1 when out of memory. */
static int col_job(sqlite3_stmt *st, rae_store_job *j) {
    memset(j, 0, sizeof *j);
    store_col_text(st, 0, j->id, sizeof j->id);
    store_col_text(st, 1, j->kind, sizeof j->kind);
    j->user_id = sqlite3_column_int64(st, 2);
    store_col_text(st, 3, j->sprite, sizeof j->sprite);
    store_col_text(st, 4, j->status, sizeof j->status);
    j->started = sqlite3_column_double(st, 5);
    j->ended = sqlite3_column_double(st, 6);
    j->error = col_dup(st, 7);
    j->detail = col_dup(st, 8);
    if (!j->detail) j->detail = strdup("{}");
    if (j->detail && (j->error || sqlite3_column_type(st, 7) == SQLITE_NULL)) return 0;
    rae_store_job_clear(j);
    return -1;
}

/* kind's first letter, '_' and 8 of [a-z0-9]. */
static void job_id(const char *kind, char out[16]) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    out[0] = kind[0];
    out[1] = '_';
    for (int i = 2; i < 10; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[10] = 0;
}

int rae_store_job_add(rae_store *s, const char *kind, long long user_id, const char *sprite,
                      const char *detail, rae_store_job *out, rae_err *err) {
    char id[16], *text = NULL;
    rae_err msg;
    if (!word_ok(kind, 0))
        return store_fail(s, err, RAE_E_INVALID, "a job kind has 1 to 15 lowercase letters");
    if (rae_sprite_name_check(sprite, &msg) < 0)
        return store_fail(s, err, RAE_E_INVALID, "%s", msg.message);
    int rc = json_object_text(s, detail ? detail : "{}", "job detail", &text, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st = store_sql(s, "INSERT INTO jobs (id, kind, user_id, sprite_name, status, "
                                    "started, detail) VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6) "
                                    "RETURNING " JOB_COLS);
    if (!st) {
        free(text);
        return store_err_copy(s, err);
    }
    for (int attempt = 0; attempt < 8; attempt++) { /* a new id when one is taken */
        job_id(kind, id);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, user_id);
        sqlite3_bind_text(st, 4, sprite, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 5, store_now(s));
        sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc != SQLITE_CONSTRAINT_UNIQUE) break;
        store_done(st);
    }
    int filled = 0;
    if (rc == SQLITE_ROW && out) filled = col_job(st, out) == 0 ? 1 : -1;
    if (rc == SQLITE_ROW) rc = sqlite3_step(st);
    store_done(st);
    free(text);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return store_fail(s, err, RAE_E_NOT_FOUND, "no user of id %lld", user_id);
    if (rc != SQLITE_DONE) {
        if (filled > 0) rae_store_job_clear(out);
        return store_dberr(s, err, "adding a job");
    }
    if (filled < 0) return store_fail(s, err, RAE_E_FAIL, "out of memory");
    return 0;
}

int rae_store_job_update(rae_store *s, const char *id, const char *status, const char *error,
                         const char *detail_patch, rae_err *err) {
    char *patch = NULL;
    if (status && !word_ok(status, 1))
        return store_fail(s, err, RAE_E_INVALID,
                          "a job status has 1 to 15 of lowercase letters, '_' and '-'");
    if (detail_patch) {
        int rc = json_object_text(s, detail_patch, "job detail", &patch, err);
        if (rc < 0) return rc;
    }
    sqlite3_stmt *st =
        store_sql(s, "UPDATE jobs SET status = coalesce(?2, status),"
                     " ended = CASE WHEN ?2 = 'running' THEN 0"
                     "  WHEN ?2 IS NOT NULL AND ended = 0 THEN ?5 ELSE ended END,"
                     " error = CASE WHEN ?3 IS NULL THEN error WHEN ?3 = '' THEN NULL ELSE ?3 END,"
                     " detail = CASE WHEN ?4 IS NULL THEN detail ELSE json_patch(detail, ?4) END"
                     " WHERE id = ?1");
    if (!st) {
        free(patch);
        return store_err_copy(s, err);
    }
    sqlite3_bind_text(st, 1, id ? id : "", -1, SQLITE_STATIC);
    if (status) sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    if (error) sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
    if (patch) sqlite3_bind_text(st, 4, patch, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 5, store_now(s));
    int rc = store_exec(s, st, err, "updating a job");
    free(patch);
    if (rc < 0) return rc;
    if (sqlite3_changes(s->db) == 0)
        return store_fail(s, err, RAE_E_NOT_FOUND, "no job '%s'", id ? id : "");
    return 0;
}

int rae_store_job_get(rae_store *s, long long user_id, const char *id, rae_store_job *out) {
    sqlite3_stmt *st =
        store_sql(s, "SELECT " JOB_COLS " FROM jobs WHERE id = ?1 AND (?2 = 0 OR user_id = ?2)");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id ? id : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    int rc = sqlite3_step(st), filled = rc == SQLITE_ROW ? col_job(st, out) : 0;
    store_done(st);
    if (rc == SQLITE_DONE) return store_fail(s, NULL, RAE_E_NOT_FOUND, "no job '%s'", id ? id : "");
    if (rc != SQLITE_ROW) return store_dberr(s, NULL, "reading a job");
    return filled < 0 ? store_fail(s, NULL, RAE_E_FAIL, "out of memory") : 0;
}

int rae_store_job_list(rae_store *s, long long user_id, const char *sprite, const char *kind,
                       int limit, rae_store_job **out, size_t *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = store_sql(s, "SELECT " JOB_COLS " FROM jobs WHERE (?1 = 0 OR user_id = ?1)"
                                    " AND (?2 IS NULL OR sprite_name = ?2)"
                                    " AND (?3 IS NULL OR kind = ?3)"
                                    " ORDER BY started DESC, seq DESC LIMIT ?4");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, user_id);
    if (sprite) sqlite3_bind_text(st, 2, sprite, -1, SQLITE_STATIC);
    if (kind) sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, limit > 0 ? limit : -1);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            rae_store_job *more = realloc(*out, cap * sizeof **out);
            if (!more) {
                rc = SQLITE_NOMEM;
                break;
            }
            *out = more;
        }
        if (col_job(st, &(*out)[*n]) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        (*n)++;
    }
    store_done(st);
    if (rc == SQLITE_DONE) return 0;
    rae_store_jobs_free(*out, *n);
    *out = NULL;
    *n = 0;
    return rc == SQLITE_NOMEM ? store_fail(s, NULL, RAE_E_FAIL, "out of memory")
                              : store_dberr(s, NULL, "listing jobs");
}

int rae_store_jobs_interrupted(rae_store *s, const char *kind) {
    sqlite3_stmt *st = store_sql(s, "UPDATE jobs SET status = 'error', ended = ?1, "
                                    "error = 'interrupted: the server stopped' "
                                    "WHERE status = 'running' AND (?2 IS NULL OR kind = ?2)");
    if (!st) return -1;
    sqlite3_bind_double(st, 1, store_now(s));
    if (kind)
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 2);
    if (store_exec(s, st, NULL, "marking interrupted jobs") < 0) return -1;
    return sqlite3_changes(s->db);
}

void rae_store_job_clear(rae_store_job *j) {
    if (!j) return;
    free(j->error);
    free(j->detail);
    j->error = j->detail = NULL;
}

void rae_store_jobs_free(rae_store_job *jobs, size_t n) {
    for (size_t i = 0; jobs && i < n; i++)
        rae_store_job_clear(&jobs[i]);
    free(jobs);
}
