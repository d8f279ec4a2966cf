/* The sprite driver interface behind include/rae/sprite.h: each driver fills a sprite_ops table
 * and embeds `rae_sprites` first in its own state. sprite.c checks names and dispatches. */
#ifndef RAE_SPRITE_DRIVER_H
#define RAE_SPRITE_DRIVER_H

#include <pthread.h>

#include "rae/sprite.h"
#include "util/err.h"

typedef struct sprite_ops {
    const char *kind; /* "local", ... */
    void (*free)(rae_sprites *d);
    int (*create)(rae_sprites *d, const char *name, rae_sprite_info *out, char *err, size_t n);
    int (*get)(rae_sprites *d, const char *name, rae_sprite_info *out, char *err, size_t n);
    int (*list)(rae_sprites *d, rae_sprite_info **out, size_t *count, char *err, size_t n);
    int (*destroy)(rae_sprites *d, const char *name, char *err, size_t n);
    int (*touch)(rae_sprites *d, const char *name, char *err, size_t n);
    int (*exec)(rae_sprites *d, const char *name, const rae_sprite_exec_opts *o,
                rae_sprite_proc *out, char *err, size_t n);
    int (*files_list)(rae_sprites *d, const char *name, const char *path, rae_sprite_file **out,
                      size_t *count, char *err, size_t n);
    int (*file_open)(rae_sprites *d, const char *name, const char *path, char *err, size_t n);
    int (*file_put)(rae_sprites *d, const char *name, const char *path, int fd, char *err,
                    size_t n);
    int (*file_remove)(rae_sprites *d, const char *name, const char *path, char *err, size_t n);
    int (*file_rename)(rae_sprites *d, const char *name, const char *from, const char *to,
                       char *err, size_t n);
    int (*checkpoint)(rae_sprites *d, const char *name, const char *comment, int automatic,
                      rae_checkpoint *out, char *err, size_t n);
    int (*checkpoints)(rae_sprites *d, const char *name, rae_checkpoint **out, size_t *count,
                       char *err, size_t n);
    int (*restore)(rae_sprites *d, const char *name, const char *id, char *err, size_t n);
    int (*checkpoint_delete)(rae_sprites *d, const char *name, const char *id, char *err, size_t n);
    int (*service_start)(rae_sprites *d, const char *name, const char *svc, const char *const *argv,
                         const char *restart, char *err, size_t n);
    int (*service_stop)(rae_sprites *d, const char *name, const char *svc, char *err, size_t n);
    int (*services)(rae_sprites *d, const char *name, rae_sprite_service **out, size_t *count,
                    char *err, size_t n);
    int (*service_logs)(rae_sprites *d, const char *name, const char *svc, char *err, size_t n);
    int (*events)(rae_sprites *d, const char *name, int from_start, char *err, size_t n);
    int (*connect)(rae_sprites *d, const char *name, const char *path, char *err, size_t n);
    int (*listen)(rae_sprites *d, const char *name, const char *sock, char *inside, size_t insiden,
                  char *err, size_t n);
    int (*unlisten)(rae_sprites *d, const char *name, const char *sock, char *err, size_t n);
} sprite_ops;

struct rae_sprites {
    const sprite_ops *ops;
    pthread_t loop; /* rae_sprites_on_loop: the thread that may not call what blocks */
    int has_loop;
};

#endif
