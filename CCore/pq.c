/*
 * Lock-free priority queue: one Vyukov bounded MPMC ring per priority level.
 *
 * Each cell carries a sequence number: a producer may fill cell `pos` when seq == pos, a
 * consumer may take it when seq == pos + 1, and the consumer hands it to the next lap with
 * seq = pos + capacity. Positions only grow, so there is no ABA. Removal swaps a queued cell's
 * id to 0; pop takes ids with an exchange, so exactly one of the two gets a given id.
 */
#include "ccore.h"
#include "ccore_internal.h"

#include <stdatomic.h>
#include <stdlib.h>

#define LEVELS (CCORE_PRIORITY_MAX - CCORE_PRIORITY_MIN + 1)

typedef struct cell {
    _Atomic uint64_t seq;
    _Atomic uint64_t id; /* 0: empty or removed */
    _Atomic uint64_t enqueued_at;
} cell;

typedef struct level {
    CCORE_CACHE_ALIGNED _Atomic uint64_t enqueue_pos;
    CCORE_CACHE_ALIGNED _Atomic uint64_t dequeue_pos;
    CCORE_CACHE_ALIGNED _Atomic(cell *) cells; /* allocated on first push */
} level;

struct ccore_pq {
    CCORE_CACHE_ALIGNED _Atomic uint32_t nonempty; /* bit i: level i may hold tasks */
    _Atomic int64_t removed;                       /* removed cells not yet skipped by a pop */
    uint64_t mask;
    uint64_t aging_interval;
    level levels[LEVELS];
};

static uint64_t round_up_pow2(uint64_t v) {
    uint64_t p = 2;
    while (p < v) p <<= 1;
    return p;
}

ccore_pq *ccore_pq_create(uint32_t capacity_per_level, uint64_t aging_interval) {
    if (capacity_per_level == 0 || capacity_per_level > (1u << 31)) return NULL;
    ccore_pq *q = ccore_aligned_calloc(sizeof(ccore_pq));
    if (!q) return NULL;
    q->mask = round_up_pow2(capacity_per_level) - 1;
    q->aging_interval = aging_interval;
    return q;
}

void ccore_pq_destroy(ccore_pq *q) {
    if (!q) return;
    for (int i = 0; i < LEVELS; i++) free(atomic_load_explicit(&q->levels[i].cells, memory_order_relaxed));
    free(q);
}

uint32_t ccore_pq_capacity_per_level(const ccore_pq *q) { return (uint32_t)(q->mask + 1); }

/* Returns the level's ring, allocating it on first use; racing allocators keep the first. */
static cell *level_cells(ccore_pq *q, level *lv) {
    cell *cells = atomic_load_explicit(&lv->cells, memory_order_acquire);
    if (cells) return cells;
    cell *fresh = malloc(sizeof(cell) * (q->mask + 1));
    if (!fresh) return NULL;
    for (uint64_t i = 0; i <= q->mask; i++) {
        atomic_init(&fresh[i].seq, i);
        atomic_init(&fresh[i].id, 0);
        atomic_init(&fresh[i].enqueued_at, 0);
    }
    if (atomic_compare_exchange_strong_explicit(&lv->cells, &cells, fresh, memory_order_acq_rel,
                                                memory_order_acquire))
        return fresh;
    free(fresh);
    return cells;
}

ccore_status ccore_pq_push(ccore_pq *q, uint64_t id, uint32_t priority, uint64_t now) {
    if (id == 0 || id == UINT64_MAX || priority < CCORE_PRIORITY_MIN || priority > CCORE_PRIORITY_MAX)
        return CCORE_INVALID;
    uint32_t index = priority - CCORE_PRIORITY_MIN;
    level *lv = &q->levels[index];
    cell *cells = level_cells(q, lv);
    if (!cells) return CCORE_NOMEM;

    cell *c;
    uint64_t pos = atomic_load_explicit(&lv->enqueue_pos, memory_order_relaxed);
    for (;;) {
        c = &cells[pos & q->mask];
        uint64_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        int64_t diff = (int64_t)(seq - pos);
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&lv->enqueue_pos, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed))
                break;
        } else if (diff < 0) {
            return CCORE_FULL; /* the cell still holds the task of the previous lap */
        } else {
            pos = atomic_load_explicit(&lv->enqueue_pos, memory_order_relaxed);
        }
    }
    atomic_store_explicit(&c->id, id, memory_order_relaxed);
    atomic_store_explicit(&c->enqueued_at, now, memory_order_relaxed);
    atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
    /* Publish, fence, then read the bitmap; a consumer clears a bit, fences, then re-reads the
     * level (clear_if_empty). With a fence on both sides one of the two sees the other: the bit
     * ends set whenever the level holds a task. Writing the bitmap only when the bit is clear
     * keeps its cache line shared between cores instead of bouncing on every push. */
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t bit = 1u << index;
    if (!(atomic_load_explicit(&q->nonempty, memory_order_relaxed) & bit))
        atomic_fetch_or_explicit(&q->nonempty, bit, memory_order_seq_cst);
    return CCORE_OK;
}

typedef enum { TAKEN, EMPTY, SKIPPED } take_result;

/* Takes the head of one level; SKIPPED when the head was a removed task. */
static take_result take_head(ccore_pq *q, uint32_t index, uint64_t *id, uint64_t *enqueued_at) {
    level *lv = &q->levels[index];
    cell *cells = atomic_load_explicit(&lv->cells, memory_order_acquire);
    if (!cells) return EMPTY;
    cell *c;
    uint64_t pos = atomic_load_explicit(&lv->dequeue_pos, memory_order_relaxed);
    for (;;) {
        c = &cells[pos & q->mask];
        uint64_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        int64_t diff = (int64_t)(seq - (pos + 1));
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&lv->dequeue_pos, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed))
                break;
        } else if (diff < 0) {
            return EMPTY; /* empty, or the producer of this cell has not published yet */
        } else {
            pos = atomic_load_explicit(&lv->dequeue_pos, memory_order_relaxed);
        }
    }
    *id = atomic_exchange_explicit(&c->id, 0, memory_order_acq_rel);
    *enqueued_at = atomic_load_explicit(&c->enqueued_at, memory_order_relaxed);
    atomic_store_explicit(&c->seq, pos + q->mask + 1, memory_order_release);
    if (*id == 0) {
        atomic_fetch_sub_explicit(&q->removed, 1, memory_order_relaxed);
        return SKIPPED;
    }
    return TAKEN;
}

/* Reads a level's head without taking it; false when there is no published head. */
static bool peek_head(const ccore_pq *q, uint32_t index, uint64_t *enqueued_at) {
    const level *lv = &q->levels[index];
    cell *cells = atomic_load_explicit(&lv->cells, memory_order_acquire);
    if (!cells) return false;
    uint64_t pos = atomic_load_explicit(&lv->dequeue_pos, memory_order_relaxed);
    cell *c = &cells[pos & q->mask];
    if (atomic_load_explicit(&c->seq, memory_order_acquire) != pos + 1) return false;
    *enqueued_at = atomic_load_explicit(&c->enqueued_at, memory_order_relaxed);
    return true;
}

static uint32_t effective_priority(const ccore_pq *q, uint32_t index, uint64_t enqueued_at, uint64_t now) {
    uint64_t boost = 0;
    if (q->aging_interval && now > enqueued_at) boost = (now - enqueued_at) / q->aging_interval;
    uint64_t eff = index + CCORE_PRIORITY_MIN + boost;
    return eff > UINT32_MAX ? UINT32_MAX : (uint32_t)eff;
}

static int highest_bit(uint32_t bits) { return 31 - __builtin_clz(bits); }

/* Chooses the level whose head has the highest effective priority, the older head on a tie.
 * Returns -1 when no level has a published head. */
static int best_level(const ccore_pq *q, uint32_t bits, uint64_t now, uint64_t *head_enqueued_at) {
    if (q->aging_interval == 0) {
        /* Without aging the highest non-empty level wins; its head time is read only for peek. */
        while (bits) {
            int index = highest_bit(bits);
            if (peek_head(q, (uint32_t)index, head_enqueued_at)) return index;
            bits &= ~(1u << index);
        }
        return -1;
    }
    int best = -1;
    uint32_t best_eff = 0;
    uint64_t best_time = 0;
    while (bits) {
        int index = highest_bit(bits);
        bits &= ~(1u << index);
        uint64_t t;
        if (!peek_head(q, (uint32_t)index, &t)) continue;
        uint32_t eff = effective_priority(q, (uint32_t)index, t, now);
        if (best < 0 || eff > best_eff || (eff == best_eff && t < best_time)) {
            best = index;
            best_eff = eff;
            best_time = t;
        }
    }
    *head_enqueued_at = best_time;
    return best;
}

/* Clears a level's bit, then looks again: a push that raced with the clear is seen here.
 * The second look compares positions, not the head cell: a head another consumer is taking at
 * that moment reads as gone although the cell behind it is published, and that consumer never
 * looks at the bit again, so a head-cell check could leave a level's bit clear over its tasks.
 * A position claimed by a push still in flight keeps the bit set, which pop tolerates. */
static void clear_if_empty(ccore_pq *q, uint32_t index) {
    level *lv = &q->levels[index];
    atomic_fetch_and_explicit(&q->nonempty, ~(1u << index), memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst); /* pairs with the fence in push */
    uint64_t head = atomic_load_explicit(&lv->dequeue_pos, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&lv->enqueue_pos, memory_order_acquire);
    if (tail != head) atomic_fetch_or_explicit(&q->nonempty, 1u << index, memory_order_seq_cst);
}

ccore_status ccore_pq_pop(ccore_pq *q, uint64_t now, ccore_pq_item *out) {
    for (;;) {
        uint32_t bits = atomic_load_explicit(&q->nonempty, memory_order_acquire);
        if (bits == 0) return CCORE_EMPTY;
        uint64_t ignored;
        int index = best_level(q, bits, now, &ignored);
        if (index < 0) {
            /* Bits set but no published head: stale bits, or pushes still in flight. */
            while (bits) {
                int i = highest_bit(bits);
                bits &= ~(1u << i);
                clear_if_empty(q, (uint32_t)i);
            }
            return CCORE_EMPTY;
        }
        uint64_t id, enqueued_at;
        switch (take_head(q, (uint32_t)index, &id, &enqueued_at)) {
        case TAKEN:
            out->id = id;
            out->enqueued_at = enqueued_at;
            out->priority = (uint32_t)index + CCORE_PRIORITY_MIN;
            out->effective_priority = effective_priority(q, (uint32_t)index, enqueued_at, now);
            return CCORE_OK;
        case EMPTY: /* another consumer took it first */
            clear_if_empty(q, (uint32_t)index);
            break;
        case SKIPPED: /* a removed task: choose again, the next head may rank differently */
            break;
        }
    }
}

ccore_status ccore_pq_peek(const ccore_pq *q, uint64_t now, ccore_pq_item *out) {
    uint32_t bits = atomic_load_explicit(&q->nonempty, memory_order_acquire);
    uint64_t enqueued_at;
    int index = best_level(q, bits, now, &enqueued_at);
    if (index < 0) return CCORE_EMPTY;
    const level *lv = &q->levels[index];
    cell *cells = atomic_load_explicit(&lv->cells, memory_order_acquire);
    uint64_t pos = atomic_load_explicit(&lv->dequeue_pos, memory_order_relaxed);
    out->id = atomic_load_explicit(&cells[pos & q->mask].id, memory_order_relaxed);
    out->enqueued_at = enqueued_at;
    out->priority = (uint32_t)index + CCORE_PRIORITY_MIN;
    out->effective_priority = effective_priority(q, (uint32_t)index, enqueued_at, now);
    return CCORE_OK;
}

bool ccore_pq_remove(ccore_pq *q, uint64_t id) {
    if (id == 0 || id == UINT64_MAX) return false;
    for (uint32_t index = 0; index < LEVELS; index++) {
        level *lv = &q->levels[index];
        cell *cells = atomic_load_explicit(&lv->cells, memory_order_acquire);
        if (!cells) continue;
        uint64_t head = atomic_load_explicit(&lv->dequeue_pos, memory_order_acquire);
        uint64_t tail = atomic_load_explicit(&lv->enqueue_pos, memory_order_acquire);
        /* Cells outside [head, tail) hold 0 (taken ids are swapped out), so a stale window is safe. */
        for (uint64_t pos = head; pos != tail && pos - head <= q->mask; pos++) {
            uint64_t expected = id;
            if (atomic_compare_exchange_strong_explicit(&cells[pos & q->mask].id, &expected, 0,
                                                        memory_order_acq_rel, memory_order_relaxed)) {
                atomic_fetch_add_explicit(&q->removed, 1, memory_order_relaxed);
                return true;
            }
        }
    }
    return false;
}

size_t ccore_pq_count(const ccore_pq *q) {
    int64_t total = 0;
    for (int i = 0; i < LEVELS; i++) {
        uint64_t head = atomic_load_explicit(&q->levels[i].dequeue_pos, memory_order_acquire);
        uint64_t tail = atomic_load_explicit(&q->levels[i].enqueue_pos, memory_order_acquire);
        if (tail > head) total += (int64_t)(tail - head);
    }
    total -= atomic_load_explicit(&q->removed, memory_order_relaxed);
    return total > 0 ? (size_t)total : 0;
}
