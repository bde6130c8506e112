/*
 * ccore.h — the orchestrator's hot path: lock-free priority queues and the worker table.
 *
 * Both are plain C11 with <stdatomic.h>; no locks, no allocation on the hot path, no clock
 * calls: every function that needs the time takes `now` in ticks, a monotonic unit the caller
 * chooses (the orchestrator uses milliseconds). That keeps the code deterministic under test.
 *
 * Ids are 64-bit and chosen by the caller; 0 and UINT64_MAX are reserved.
 */
#ifndef CCORE_H
#define CCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Result codes shared by every ccore function that can fail. */
typedef enum ccore_status {
    CCORE_OK = 0,
    CCORE_EMPTY = 1,     /* nothing to pop */
    CCORE_FULL = 2,      /* no room: the queue level, the worker table or the worker's slots */
    CCORE_INVALID = 3,   /* an argument out of range (priority, reserved id, type index) */
    CCORE_NOMEM = 4,     /* allocation failed */
    CCORE_NOT_FOUND = 5, /* no such id */
    CCORE_DEAD = 6,      /* the worker was declared dead by the reaper: it must register again */
} ccore_status;

/* ------------------------------------------------------------------------------------------ */
/* Priority queue                                                                              */
/* ------------------------------------------------------------------------------------------ */

#define CCORE_PRIORITY_MIN 1
#define CCORE_PRIORITY_MAX 10

/**
 * A multi-producer multi-consumer priority queue of task ids.
 *
 * One bounded lock-free FIFO per priority level (Vyukov's ring with per-cell sequence numbers,
 * so no ABA), allocated on first use, and a bitmap of levels that may hold tasks. Pop returns
 * the head with the highest *effective* priority: priority + whole `aging_interval`s waited,
 * FIFO within a level, the older head on a tie. A full level refuses the push (CCORE_FULL);
 * nothing is ever dropped.
 */
typedef struct ccore_pq ccore_pq;

typedef struct ccore_pq_item {
    uint64_t id;
    uint64_t enqueued_at;         /* ticks, as given to push */
    uint32_t priority;            /* 1...10, as pushed */
    uint32_t effective_priority;  /* priority + aging at the `now` of the pop or peek */
} ccore_pq_item;

/**
 * Creates a queue. `capacity_per_level` is rounded up to a power of two (at least 2); memory for
 * a level (24 bytes a cell) is allocated when the first task of that priority arrives.
 * `aging_interval` in ticks; 0 turns aging off. Returns NULL on a zero capacity or no memory.
 */
ccore_pq *ccore_pq_create(uint32_t capacity_per_level, uint64_t aging_interval);

/** Frees the queue. No other call may be running or follow. */
void ccore_pq_destroy(ccore_pq *q);

/** [thread-safe] Appends `id` at `priority`. CCORE_OK, CCORE_FULL, CCORE_INVALID or CCORE_NOMEM. */
ccore_status ccore_pq_push(ccore_pq *q, uint64_t id, uint32_t priority, uint64_t now);

/** [thread-safe] Takes the best task into `*out`. CCORE_OK or CCORE_EMPTY. */
ccore_status ccore_pq_pop(ccore_pq *q, uint64_t now, ccore_pq_item *out);

/**
 * [thread-safe] Copies the task that pop would return now, without taking it. Another thread
 * may take it first: the answer is a hint, used to choose between queues. CCORE_OK or CCORE_EMPTY.
 */
ccore_status ccore_pq_peek(const ccore_pq *q, uint64_t now, ccore_pq_item *out);

/**
 * [thread-safe] Removes `id` if it is queued, in time linear in the queue's length (for cancels,
 * which are rare). Returns true when this call removed it: a concurrent pop then skips it.
 */
bool ccore_pq_remove(ccore_pq *q, uint64_t id);

/** [thread-safe] Tasks queued; exact when no call is running, a close estimate otherwise. */
size_t ccore_pq_count(const ccore_pq *q);

/** The capacity of each level after rounding. */
uint32_t ccore_pq_capacity_per_level(const ccore_pq *q);

/* ------------------------------------------------------------------------------------------ */
/* Worker table                                                                                */
/* ------------------------------------------------------------------------------------------ */

/**
 * The orchestrator's live view of its workers: id, worker type, slots, heartbeat and state.
 *
 * Membership (register, remove) has a single writer: the caller serialises those two calls.
 * Everything else — lookup, heartbeat, taking and giving back slots, draining, the reaper and
 * the free-slot counts — runs on any thread without a lock. A slot's type, total, busy count,
 * state and a generation share one 64-bit word changed by compare-and-swap, so a call racing
 * with the reuse of a slot for another worker fails cleanly instead of touching the newcomer.
 */
typedef struct ccore_wt ccore_wt;

typedef enum ccore_worker_state {
    CCORE_WORKER_ONLINE = 1,   /* has free slots */
    CCORE_WORKER_BUSY = 2,     /* online, every slot taken (derived, never stored) */
    CCORE_WORKER_DRAINING = 3, /* finishing its tasks; takes no new ones */
    CCORE_WORKER_DEAD = 4,     /* missed its heartbeats; waits to be removed */
} ccore_worker_state;

typedef struct ccore_worker_info {
    uint64_t id;
    uint64_t last_heartbeat; /* ticks */
    uint32_t type;           /* worker-type index, below the table's type_count */
    uint32_t total_slots;
    uint32_t busy_slots;
    ccore_worker_state state;
} ccore_worker_info;

#define CCORE_WT_MAX_TYPES 4096u
#define CCORE_WT_MAX_SLOTS 65535u

/** Creates a table for up to `capacity` workers of `type_count` types. NULL on bad sizes or no memory. */
ccore_wt *ccore_wt_create(uint32_t capacity, uint32_t type_count);

/** Frees the table. No other call may be running or follow. */
void ccore_wt_destroy(ccore_wt *t);

/**
 * [single writer] Adds a worker, online with no busy slot, or resets one already there (a
 * worker that registers again starts afresh). CCORE_OK, CCORE_FULL or CCORE_INVALID.
 */
ccore_status ccore_wt_register(ccore_wt *t, uint64_t id, uint32_t type, uint32_t slots, uint64_t now);

/** [single writer] Forgets a worker. CCORE_OK or CCORE_NOT_FOUND. */
ccore_status ccore_wt_remove(ccore_wt *t, uint64_t id);

/** [thread-safe] Records a heartbeat (one atomic store). CCORE_OK, CCORE_NOT_FOUND or CCORE_DEAD. */
ccore_status ccore_wt_heartbeat(ccore_wt *t, uint64_t id, uint64_t now);

/** [thread-safe] Takes one slot of an online worker. CCORE_OK, CCORE_FULL, CCORE_NOT_FOUND or CCORE_DEAD. */
ccore_status ccore_wt_acquire_slot(ccore_wt *t, uint64_t id);

/** [thread-safe] Gives a slot back. CCORE_OK, CCORE_INVALID (none busy), CCORE_NOT_FOUND. */
ccore_status ccore_wt_release_slot(ccore_wt *t, uint64_t id);

/** [thread-safe] Marks a worker draining: its slots stop counting as free. */
ccore_status ccore_wt_set_draining(ccore_wt *t, uint64_t id);

/** [thread-safe] Copies a worker's row. CCORE_OK or CCORE_NOT_FOUND. */
ccore_status ccore_wt_get(const ccore_wt *t, uint64_t id, ccore_worker_info *out);

/** [thread-safe] Free slots of online workers of `type`, in O(1). Exact when no call is running. */
uint32_t ccore_wt_free_slots(const ccore_wt *t, uint32_t type);

/** [thread-safe] Workers in the table, dead ones included. */
uint32_t ccore_wt_count(const ccore_wt *t);

/**
 * [thread-safe] Declares dead every online or draining worker whose last heartbeat is more than
 * `timeout` ticks before `now`, and writes up to `cap` of their ids to `out_ids`. Each worker is
 * reported once, by the call that killed it; a call that fills `out_ids` leaves the rest for the
 * next call. Returns how many ids it wrote.
 */
size_t ccore_wt_reap(ccore_wt *t, uint64_t now, uint64_t timeout, uint64_t *out_ids, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* CCORE_H */
