/*
 * Worker table: an open-addressed hash table of worker rows, probed linearly.
 *
 * A row's id is 0 when never used and TOMBSTONE when freed, so lookups probe past freed rows
 * and stop at unused ones. Only the single writer (register, remove) changes ids. Each row keeps
 * its mutable state in one 64-bit word:
 *
 *   bits  0-15 busy slots   16-31 total slots   32-47 type   48-55 state   56-63 generation
 *
 * Every change is a compare-and-swap on that word, and the writer bumps the generation when it
 * frees or reuses a row, so a reader that found the row just before it changed hands fails its
 * swap rather than touching the new worker. The free slots of each type are kept in a counter
 * updated by the difference each swap makes, which is what makes ccore_wt_free_slots O(1).
 */
#include "ccore.h"
#include "ccore_internal.h"

#include <stdatomic.h>

#define TOMBSTONE UINT64_MAX
#define STATE_FREE 0u

typedef struct row {
    _Atomic uint64_t id;
    _Atomic uint64_t word;
    _Atomic uint64_t heartbeat;
    char pad[CCORE_CACHE_LINE - 3 * sizeof(uint64_t)];
} row;

typedef struct free_counter {
    CCORE_CACHE_ALIGNED _Atomic int64_t slots;
} free_counter;

struct ccore_wt {
    uint64_t mask;
    uint32_t capacity;
    uint32_t type_count;
    _Atomic uint32_t count; /* rows in use, dead ones included */
    row *rows;
    free_counter *free_by_type;
};

/* --- the packed word ---------------------------------------------------------------------- */

static inline uint32_t w_busy(uint64_t w) { return (uint32_t)(w & 0xffff); }
static inline uint32_t w_total(uint64_t w) { return (uint32_t)((w >> 16) & 0xffff); }
static inline uint32_t w_type(uint64_t w) { return (uint32_t)((w >> 32) & 0xffff); }
static inline uint32_t w_state(uint64_t w) { return (uint32_t)((w >> 48) & 0xff); }
static inline uint64_t w_gen(uint64_t w) { return w >> 56; }

static inline uint64_t w_make(uint32_t busy, uint32_t total, uint32_t type, uint32_t state, uint64_t gen) {
    return (uint64_t)busy | (uint64_t)total << 16 | (uint64_t)type << 32 | (uint64_t)state << 48 |
           (gen & 0xff) << 56;
}

static inline uint64_t w_with_busy(uint64_t w, uint32_t busy) { return (w & ~(uint64_t)0xffff) | busy; }
static inline uint64_t w_with_state(uint64_t w, uint32_t state) {
    return (w & ~((uint64_t)0xff << 48)) | (uint64_t)state << 48;
}

/* Free slots a row contributes to its type's counter. */
static inline int64_t w_free(uint64_t w) {
    return w_state(w) == CCORE_WORKER_ONLINE ? (int64_t)w_total(w) - (int64_t)w_busy(w) : 0;
}

/* Swaps a row's word and moves its type's free counter by the difference. */
static bool swap_word(ccore_wt *t, row *r, uint64_t *expected, uint64_t desired) {
    if (!atomic_compare_exchange_weak_explicit(&r->word, expected, desired, memory_order_acq_rel,
                                               memory_order_acquire))
        return false;
    int64_t before = w_free(*expected), after = w_free(desired);
    if (w_type(*expected) == w_type(desired)) {
        if (after != before)
            atomic_fetch_add_explicit(&t->free_by_type[w_type(desired)].slots, after - before, memory_order_relaxed);
    } else { /* a worker registering again under another type */
        if (before) atomic_fetch_sub_explicit(&t->free_by_type[w_type(*expected)].slots, before, memory_order_relaxed);
        if (after) atomic_fetch_add_explicit(&t->free_by_type[w_type(desired)].slots, after, memory_order_relaxed);
    }
    return true;
}

/* --- lookup ------------------------------------------------------------------------------- */

static inline uint64_t hash_id(uint64_t id) {
    /* splitmix64's finaliser: ids are often sequential, this spreads them over the table. */
    id ^= id >> 30;
    id *= 0xbf58476d1ce4e5b9ull;
    id ^= id >> 27;
    id *= 0x94d049bb133111ebull;
    return id ^ (id >> 31);
}

static row *find(const ccore_wt *t, uint64_t id) {
    if (id == 0 || id == TOMBSTONE) return NULL;
    for (uint64_t i = hash_id(id), n = 0; n <= t->mask; i++, n++) {
        row *r = &t->rows[i & t->mask];
        uint64_t key = atomic_load_explicit(&r->id, memory_order_acquire);
        if (key == id) return r;
        if (key == 0) return NULL;
    }
    return NULL;
}

/* Loads a row's word and checks that the row still belongs to `id` and is in use. */
static bool load_word(const row *r, uint64_t id, uint64_t *w) {
    *w = atomic_load_explicit(&r->word, memory_order_acquire);
    return w_state(*w) != STATE_FREE && atomic_load_explicit(&r->id, memory_order_acquire) == id;
}

/* --- life cycle --------------------------------------------------------------------------- */

ccore_wt *ccore_wt_create(uint32_t capacity, uint32_t type_count) {
    if (capacity == 0 || capacity > (1u << 24) || type_count == 0 || type_count > CCORE_WT_MAX_TYPES) return NULL;
    ccore_wt *t = calloc(1, sizeof(ccore_wt));
    if (!t) return NULL;
    uint64_t size = 2;
    while (size < (uint64_t)capacity * 2) size <<= 1; /* at most half full: short probes */
    t->mask = size - 1;
    t->capacity = capacity;
    t->type_count = type_count;
    t->rows = ccore_aligned_calloc(sizeof(row) * size);
    t->free_by_type = ccore_aligned_calloc(sizeof(free_counter) * type_count);
    if (!t->rows || !t->free_by_type) {
        ccore_wt_destroy(t);
        return NULL;
    }
    return t;
}

void ccore_wt_destroy(ccore_wt *t) {
    if (!t) return;
    free(t->rows);
    free(t->free_by_type);
    free(t);
}

ccore_status ccore_wt_register(ccore_wt *t, uint64_t id, uint32_t type, uint32_t slots, uint64_t now) {
    if (id == 0 || id == TOMBSTONE || type >= t->type_count || slots == 0 || slots > CCORE_WT_MAX_SLOTS)
        return CCORE_INVALID;
    row *r = find(t, id);
    if (!r) {
        if (atomic_load_explicit(&t->count, memory_order_relaxed) >= t->capacity) return CCORE_FULL;
        for (uint64_t i = hash_id(id);; i++) { /* the table is never full: size >= 2 * capacity */
            row *candidate = &t->rows[i & t->mask];
            uint64_t key = atomic_load_explicit(&candidate->id, memory_order_relaxed);
            if (key == 0 || key == TOMBSTONE) {
                r = candidate;
                break;
            }
        }
        atomic_store_explicit(&r->heartbeat, now, memory_order_relaxed);
        atomic_store_explicit(&r->id, id, memory_order_release);
        atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);
    } else {
        atomic_store_explicit(&r->heartbeat, now, memory_order_relaxed);
    }
    uint64_t w = atomic_load_explicit(&r->word, memory_order_acquire);
    while (!swap_word(t, r, &w, w_make(0, slots, type, CCORE_WORKER_ONLINE, w_gen(w) + 1))) {}
    return CCORE_OK;
}

ccore_status ccore_wt_remove(ccore_wt *t, uint64_t id) {
    row *r = find(t, id);
    if (!r) return CCORE_NOT_FOUND;
    /* Free the word first (new generation), then the id: a reader holding the old word fails. */
    uint64_t w = atomic_load_explicit(&r->word, memory_order_acquire);
    while (!swap_word(t, r, &w, w_make(0, 0, w_type(w), STATE_FREE, w_gen(w) + 1))) {}
    atomic_store_explicit(&r->id, TOMBSTONE, memory_order_release);
    atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
    return CCORE_OK;
}

/* --- any thread --------------------------------------------------------------------------- */

ccore_status ccore_wt_heartbeat(ccore_wt *t, uint64_t id, uint64_t now) {
    row *r = find(t, id);
    uint64_t w;
    if (!r || !load_word(r, id, &w)) return CCORE_NOT_FOUND;
    if (w_state(w) == CCORE_WORKER_DEAD) return CCORE_DEAD;
    /* A row reused between the check and the store gets a fresh heartbeat it just had anyway. */
    atomic_store_explicit(&r->heartbeat, now, memory_order_release);
    return CCORE_OK;
}

ccore_status ccore_wt_acquire_slot(ccore_wt *t, uint64_t id) {
    row *r = find(t, id);
    if (!r) return CCORE_NOT_FOUND;
    uint64_t w;
    do {
        if (!load_word(r, id, &w)) return CCORE_NOT_FOUND;
        if (w_state(w) == CCORE_WORKER_DEAD) return CCORE_DEAD;
        if (w_state(w) != CCORE_WORKER_ONLINE || w_busy(w) >= w_total(w)) return CCORE_FULL;
    } while (!swap_word(t, r, &w, w_with_busy(w, w_busy(w) + 1)));
    return CCORE_OK;
}

ccore_status ccore_wt_release_slot(ccore_wt *t, uint64_t id) {
    row *r = find(t, id);
    if (!r) return CCORE_NOT_FOUND;
    uint64_t w;
    do {
        if (!load_word(r, id, &w)) return CCORE_NOT_FOUND;
        if (w_busy(w) == 0) return CCORE_INVALID;
    } while (!swap_word(t, r, &w, w_with_busy(w, w_busy(w) - 1)));
    return CCORE_OK;
}

ccore_status ccore_wt_set_draining(ccore_wt *t, uint64_t id) {
    row *r = find(t, id);
    if (!r) return CCORE_NOT_FOUND;
    uint64_t w;
    do {
        if (!load_word(r, id, &w)) return CCORE_NOT_FOUND;
        if (w_state(w) == CCORE_WORKER_DEAD) return CCORE_DEAD;
    } while (!swap_word(t, r, &w, w_with_state(w, CCORE_WORKER_DRAINING)));
    return CCORE_OK;
}

ccore_status ccore_wt_get(const ccore_wt *t, uint64_t id, ccore_worker_info *out) {
    row *r = find(t, id);
    uint64_t w;
    if (!r || !load_word(r, id, &w)) return CCORE_NOT_FOUND;
    out->id = id;
    out->last_heartbeat = atomic_load_explicit(&r->heartbeat, memory_order_acquire);
    out->type = w_type(w);
    out->total_slots = w_total(w);
    out->busy_slots = w_busy(w);
    uint32_t state = w_state(w);
    out->state = state == CCORE_WORKER_ONLINE && w_busy(w) >= w_total(w) ? CCORE_WORKER_BUSY
                                                                          : (ccore_worker_state)state;
    return CCORE_OK;
}

uint32_t ccore_wt_free_slots(const ccore_wt *t, uint32_t type) {
    if (type >= t->type_count) return 0;
    int64_t n = atomic_load_explicit(&t->free_by_type[type].slots, memory_order_relaxed);
    return n > 0 ? (uint32_t)n : 0; /* transiently negative while swaps and counter updates interleave */
}

uint32_t ccore_wt_count(const ccore_wt *t) { return atomic_load_explicit(&t->count, memory_order_relaxed); }

size_t ccore_wt_reap(ccore_wt *t, uint64_t now, uint64_t timeout, uint64_t *out_ids, size_t cap) {
    size_t found = 0;
    for (uint64_t i = 0; i <= t->mask && found < cap; i++) {
        row *r = &t->rows[i];
        uint64_t id = atomic_load_explicit(&r->id, memory_order_acquire);
        if (id == 0 || id == TOMBSTONE) continue;
        uint64_t w;
        for (;;) {
            if (!load_word(r, id, &w)) break;
            uint32_t state = w_state(w);
            if (state != CCORE_WORKER_ONLINE && state != CCORE_WORKER_DRAINING) break;
            uint64_t beat = atomic_load_explicit(&r->heartbeat, memory_order_acquire);
            if (beat >= now || now - beat <= timeout) break;
            if (swap_word(t, r, &w, w_with_state(w, CCORE_WORKER_DEAD))) {
                out_ids[found++] = id;
                break;
            }
        }
    }
    return found;
}
