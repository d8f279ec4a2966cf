/* The sprite driver interface behind include/rae/sprite.h: each driver fills a sprite_ops table
 * and embeds `rae_sprites` first in its own state. sprite.c checks names and dispatches. */
#ifndef RAE_SPRITE_DRIVER_H
#define RAE_SPRITE_DRIVER_H

#include <pthread.h>

#include "rae/sprite.h"
#include "rae/err.h"

typedef struct sprite_ops {
    const char *kind; /* "local", ... */
    void (*free)(rae_sprites *d);
    int (*create)(rae_sprites *d, const char *name, rae_sprite_info *out, rae_err *err);
    int (*get)(rae_sprites *d, const char *name, rae_sprite_info *out, rae_err *err);
    int (*list)(rae_sprites *d, rae_sprite_info **out, size_t *count, rae_err *err);
    int (*destroy)(rae_sprites *d, const char *name, rae_err *err);
    int (*touch)(rae_sprites *d, const char *name, rae_err *err);
    int (*exec)(rae_sprites *d, const char *name, const rae_sprite_exec_opts *o,
                rae_sprite_proc *out, rae_err *err);
    int (*files_list)(rae_sprites *d, const char *name, const char *path, rae_sprite_file **out,
                      size_t *count, rae_err *err);
    int (*file_open)(rae_sprites *d, const char *name, const char *path, rae_err *err);
    int (*file_put)(rae_sprites *d, const char *name, const char *path, int fd, rae_err *err);
    int (*file_remove)(rae_sprites *d, const char *name, const char *path, rae_err *err);
    int (*file_rename)(rae_sprites *d, const char *name, const char *from, const char *to,
                       rae_err *err);
    int (*checkpoint)(rae_sprites *d, const char *name, const char *comment, int automatic,
                      rae_checkpoint *out, rae_err *err);
    int (*checkpoints)(rae_sprites *d, const char *name, rae_checkpoint **out, size_t *count,
                       rae_err *err);
    int (*restore)(rae_sprites *d, const char *name, const char *id, rae_err *err);
    int (*checkpoint_delete)(rae_sprites *d, const char *name, const char *id, rae_err *err);
    int (*service_start)(rae_sprites *d, const char *name, const char *svc, const char *const *argv,
                         const char *restart, rae_err *err);
    int (*service_stop)(rae_sprites *d, const char *name, const char *svc, rae_err *err);
    int (*services)(rae_sprites *d, const char *name, rae_sprite_service **out, size_t *count,
                    rae_err *err);
    int (*service_logs)(rae_sprites *d, const char *name, const char *svc, rae_err *err);
    int (*events)(rae_sprites *d, const char *name, int from_start, rae_err *err);
    int (*connect)(rae_sprites *d, const char *name, const char *path, rae_err *err);
    int (*listen)(rae_sprites *d, const char *name, const char *sock, char *inside, size_t insiden,
                  rae_err *err);
    int (*unlisten)(rae_sprites *d, const char *name, const char *sock, rae_err *err);
} sprite_ops;

struct rae_sprites {
    const sprite_ops *ops;
    pthread_t loop; /* rae_sprites_on_loop: the thread that may not call what blocks */
    int has_loop;
};

#endif
