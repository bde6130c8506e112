/* Helpers shared by the ccore sources; not part of the public headers. */
#ifndef CCORE_INTERNAL_H
#define CCORE_INTERNAL_H

#include <stdlib.h>
#include <string.h>

/* Hot atomics sit on their own cache line so that threads touching neighbours do not slow
 * each other down (false sharing). */
#define CCORE_CACHE_LINE 64
#define CCORE_CACHE_ALIGNED _Alignas(CCORE_CACHE_LINE)

/* Zeroed memory aligned to a cache line, released with free(). */
static inline void *ccore_aligned_calloc(size_t size) {
    size_t rounded = (size + CCORE_CACHE_LINE - 1) / CCORE_CACHE_LINE * CCORE_CACHE_LINE;
    void *p = aligned_alloc(CCORE_CACHE_LINE, rounded);
    if (p) memset(p, 0, rounded);
    return p;
}

#endif
