/* util/assets (assets.h): finding a file built into rae. */
#include "util/assets.h"

#include <string.h>

const asset *asset_find(const char *path) {
    size_t lo = 0, hi = asset_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, asset_table[mid].path);
        if (c == 0) return &asset_table[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
