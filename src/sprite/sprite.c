/* The public sprite calls: names checked here once, then the driver's table. */
#include "sprite/driver.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rae_sprite_name_check(const char *name, rae_err *err) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 32)
        return rae_err_set(err, RAE_E_INVALID, "a sprite name has 1 to 32 characters, not %zu", n);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
        if (!ok)
            return rae_err_set(err, RAE_E_INVALID,
                               "bad sprite name '%s': use lowercase letters, digits and '-' "
                               "(not first)",
                               name);
    }
    return 0;
}

int rae_sprite_service_name_check(const char *svc, rae_err *err) {
    size_t n = svc ? strlen(svc) : 0;
    int ok = n > 0 && n <= 40;
    for (size_t i = 0; ok && i < n; i++)
        ok = (svc[i] >= 'a' && svc[i] <= 'z') || (svc[i] >= '0' && svc[i] <= '9') || svc[i] == '-';
    if (!ok)
        return rae_err_set(err, RAE_E_INVALID,
                           "bad service name '%s': 1 to 40 lowercase letters, digits and '-'",
                           svc ? svc : "");
    return 0;
}

void rae_sprites_free(rae_sprites *d) {
    if (d) d->ops->free(d);
}

#define CHECKED(call)                                                                              \
    do {                                                                                           \
        if (rae_sprite_name_check(name, err) < 0) return -1;                                       \
        return call;                                                                               \
    } while (0)

void rae_sprites_on_loop(rae_sprites *d) {
    d->loop = pthread_self();
    d->has_loop = 1;
}

/* -1 with err when the caller is the event loop's thread (rae_sprites_on_loop), said on stderr
 * too: a bug of the caller's, which a test should see. */
static int off_loop(rae_sprites *d, const char *what, rae_err *err) {
    if (!d->has_loop || !pthread_equal(d->loop, pthread_self())) return 0;
    fprintf(stderr, "rae: %s called on the event loop: it may block; run it on a worker thread\n",
            what);
    return rae_err_fail(err, "%s called on the event loop (a bug of rae's)", what);
}

/* A call that may block: never on the event loop. */
#define SLOW(call)                                                                                 \
    do {                                                                                           \
        if (off_loop(d, __func__, err) < 0) return -1;                                             \
        CHECKED(call);                                                                             \
    } while (0)

int rae_sprite_create(rae_sprites *d, const char *name, rae_sprite_info *out, rae_err *err) {
    SLOW(d->ops->create(d, name, out, err));
}

int rae_sprite_get(rae_sprites *d, const char *name, rae_sprite_info *out, rae_err *err) {
    CHECKED(d->ops->get(d, name, out, err));
}

int rae_sprite_list(rae_sprites *d, rae_sprite_info **out, size_t *n, rae_err *err) {
    return d->ops->list(d, out, n, err);
}

int rae_sprite_destroy(rae_sprites *d, const char *name, rae_err *err) {
    SLOW(d->ops->destroy(d, name, err));
}

int rae_sprite_exec(rae_sprites *d, const char *name, const rae_sprite_exec_opts *o,
                    rae_sprite_proc *out, rae_err *err) {
    if (!o->argv || !o->argv[0]) return rae_err_set(err, RAE_E_INVALID, "exec: no command given");
    SLOW(d->ops->exec(d, name, o, out, err));
}

int rae_sprite_files_list(rae_sprites *d, const char *name, const char *path, rae_sprite_file **out,
                          size_t *n, rae_err *err) {
    SLOW(d->ops->files_list(d, name, path, out, n, err));
}

int rae_sprite_file_open(rae_sprites *d, const char *name, const char *path, rae_err *err) {
    SLOW(d->ops->file_open(d, name, path, err));
}

int rae_sprite_file_put(rae_sprites *d, const char *name, const char *path, int fd, rae_err *err) {
    SLOW(d->ops->file_put(d, name, path, fd, err));
}

int rae_sprite_file_remove(rae_sprites *d, const char *name, const char *path, rae_err *err) {
    SLOW(d->ops->file_remove(d, name, path, err));
}

int rae_sprite_file_rename(rae_sprites *d, const char *name, const char *from, const char *to,
                           rae_err *err) {
    SLOW(d->ops->file_rename(d, name, from, to, err));
}

int rae_sprite_checkpoint(rae_sprites *d, const char *name, const char *comment, int automatic,
                          rae_checkpoint *out, rae_err *err) {
    SLOW(d->ops->checkpoint(d, name, comment, automatic, out, err));
}

int rae_sprite_checkpoints(rae_sprites *d, const char *name, rae_checkpoint **out, size_t *n,
                           rae_err *err) {
    SLOW(d->ops->checkpoints(d, name, out, n, err));
}

int rae_sprite_restore(rae_sprites *d, const char *name, const char *id, rae_err *err) {
    SLOW(d->ops->restore(d, name, id, err));
}

int rae_sprite_checkpoint_delete(rae_sprites *d, const char *name, const char *id, rae_err *err) {
    SLOW(d->ops->checkpoint_delete(d, name, id, err));
}

int rae_sprite_connect(rae_sprites *d, const char *name, const char *socket_path, rae_err *err) {
    CHECKED(d->ops->connect(d, name, socket_path, err));
}

/* 0 when sock may name a socket of rae_sprite_listen, else -1 + err. */
static int sock_name_check(const char *sock, rae_err *err) {
    size_t n = strlen(sock);
    if (n == 0 || n > 40 || sock[0] == '.' ||
        strspn(sock, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789-_.") != n)
        return rae_err_set(err, RAE_E_INVALID, "'%s' is no socket name (letters, digits, -, _, .)",
                           sock);
    return 0;
}

int rae_sprite_listen(rae_sprites *d, const char *name, const char *sock, char *inside,
                      size_t insiden, rae_err *err) {
    if (sock_name_check(sock, err) < 0) return -1;
    SLOW(d->ops->listen(d, name, sock, inside, insiden, err));
}

int rae_sprite_unlisten(rae_sprites *d, const char *name, const char *sock, rae_err *err) {
    if (sock_name_check(sock, err) < 0) return -1;
    SLOW(d->ops->unlisten(d, name, sock, err));
}

#define SERVICE_CHECKED(call)                                                                      \
    do {                                                                                           \
        if (rae_sprite_service_name_check(svc, err) < 0) return -1;                                \
        SLOW(call);                                                                                \
    } while (0)

int rae_sprite_service_start(rae_sprites *d, const char *name, const char *svc,
                             const char *const *argv, const char *restart, rae_err *err) {
    if (restart && strcmp(restart, "always") && strcmp(restart, "on-failure") &&
        strcmp(restart, "no"))
        return rae_err_set(err, RAE_E_INVALID, "restart policy '%s': always, on-failure or no",
                           restart);
    if (argv && !argv[0])
        return rae_err_set(err, RAE_E_INVALID, "service %s: no command given", svc);
    SERVICE_CHECKED(d->ops->service_start(d, name, svc, argv, restart, err));
}

int rae_sprite_service_stop(rae_sprites *d, const char *name, const char *svc, rae_err *err) {
    SERVICE_CHECKED(d->ops->service_stop(d, name, svc, err));
}

int rae_sprite_services(rae_sprites *d, const char *name, rae_sprite_service **out, size_t *n,
                        rae_err *err) {
    SLOW(d->ops->services(d, name, out, n, err));
}

int rae_sprite_service_logs(rae_sprites *d, const char *name, const char *svc, rae_err *err) {
    SERVICE_CHECKED(d->ops->service_logs(d, name, svc, err));
}

int rae_sprite_events_open(rae_sprites *d, const char *name, int from_start, rae_err *err) {
    CHECKED(d->ops->events(d, name, from_start, err));
}

int rae_sprite_touch(rae_sprites *d, const char *name, rae_err *err) {
    SLOW(d->ops->touch(d, name, err));
}
