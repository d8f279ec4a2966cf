/* The local driver's supervisor, for the command line's hidden `rae sprite _supervise NAME`, which
 * the driver itself starts: not part of the sprite API (include/rae/sprite.h). */
#ifndef RAE_SPRITE_LOCAL_SUPERVISE_H
#define RAE_SPRITE_LOCAL_SUPERVISE_H

#include <stddef.h>

#include "rae/err.h"
#include "rae/sprite.h"

/* Supervises sprite name's services in this process until it has nothing left to run. */
int rae_sprites_local_supervise(rae_sprites *d, const char *name, rae_err *err);

#endif
