/* ashiato: the one hash table of the code base (issue 19), in three forms
 * over one open-addressing index with linear probing:
 *   - ash_index: a hash index over an array the caller owns (the hot
 *     tables of the hunts keep their records dense and in creation order);
 *   - ash_keymap: fixed-size keys (an address, two ids, a u64) to
 *     fixed-size values, both stored dense in insertion order;
 *   - ash_strtab: an interner, strings to small ids in order of first sight.
 * One result rule for every operation that can fail: ASH_OK, ASH_ELIMIT
 * when the table's own cap (max, set at init) would be passed, ASH_ENOMEM
 * when memory runs out. A failed add leaves the table as it was.
 *
 * (The name map.h is taken by the mapped format's column map.) */
#ifndef ASHIATO_TABLE_H
#define ASHIATO_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* FNV-1a, for byte keys. */
#define ASH_HASH_SEED 1469598103934665603ULL
static inline uint64_t ash_hash_bytes(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}
/* The splitmix64 finaliser, for integer keys. */
static inline uint64_t ash_hash_u64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* ---- the index ---- */

/* Each slot holds a 32-bit hash in its high half and the caller's position
 * + 1 in its low half (0: empty), so a probe compares hashes in one cache
 * line before the caller's record is touched. cap is a power of two, at
 * least twice n. Positions are below 2^32 - 1. */
typedef struct ash_index {
  uint64_t *slot;
  size_t cap, n;
  size_t max; /* most entries; 0 = no cap beyond memory */
} ash_index;

#define ASH_INDEX_NONE SIZE_MAX

static inline void ash_index_init(ash_index *x, size_t max) {
  x->slot = NULL;
  x->cap = x->n = 0;
  x->max = max;
}
void ash_index_free(ash_index *x);

/* eq(ctx, pos, key): does the record at pos hold key? */
typedef int (*ash_index_eq)(const void *ctx, size_t pos, const void *key);

/* The position of key (hash h), or ASH_INDEX_NONE. Inline so that a
 * constant eq is inlined into the probe. */
static inline size_t ash_index_find(const ash_index *x, uint32_t h, ash_index_eq eq,
                                    const void *ctx, const void *key) {
  if (!x->cap) return ASH_INDEX_NONE;
  size_t mask = x->cap - 1;
  for (size_t k = h & mask;; k = (k + 1) & mask) {
    uint64_t s = x->slot[k];
    if (!s) return ASH_INDEX_NONE;
    if ((uint32_t)(s >> 32) == h && eq(ctx, (size_t)(uint32_t)s - 1, key))
      return (size_t)(uint32_t)s - 1;
  }
}
/* Hint the cache about the first slot of h; the position it holds when its
 * hash is h (the likely answer of a find), else ASH_INDEX_NONE. */
static inline void ash_index_prefetch(const ash_index *x, uint32_t h) {
  if (x->cap) __builtin_prefetch(&x->slot[h & (x->cap - 1)]);
}
static inline size_t ash_index_peek(const ash_index *x, uint32_t h) {
  if (!x->cap) return ASH_INDEX_NONE;
  uint64_t s = x->slot[h & (x->cap - 1)];
  return s && (uint32_t)(s >> 32) == h ? (size_t)(uint32_t)s - 1 : ASH_INDEX_NONE;
}
/* Is there room for one more entry (growing the slots when needed)?
 * ASH_OK, ASH_ELIMIT at max, ASH_ENOMEM. */
int ash_index_reserve(ash_index *x);
/* Add pos under h; the key must be absent. Reserves first. */
int ash_index_add(ash_index *x, uint32_t h, size_t pos);
/* Remove the entry of pos under h (backward shift: no tombstones). */
void ash_index_remove(ash_index *x, uint32_t h, size_t pos);
/* Forget every entry, keeping the slots (to index a compacted array). */
void ash_index_clear(ash_index *x);

/* ---- fixed-size keys to fixed-size values ---- */

typedef struct ash_keymap {
  uint8_t *keys, *vals; /* n entries each, in insertion order */
  size_t ksize, vsize, n, capv;
  ash_index ix;
  uint32_t (*hash)(const void *key); /* NULL: the default (see keymap.c) */
} ash_keymap;

/* An empty map of ksize-byte keys (compared bytewise: zero any padding)
 * and vsize-byte values (0 for a set), holding at most max entries (0:
 * no cap beyond memory). */
void ash_keymap_init(ash_keymap *m, size_t ksize, size_t vsize, size_t max);
void ash_keymap_free(ash_keymap *m);
/* The value of key, or NULL. */
void *ash_keymap_get(const ash_keymap *m, const void *key);
/* The value of key in *val (zeroed when new; *fresh says which), valid
 * until the next put. ASH_OK / ASH_ELIMIT / ASH_ENOMEM. val and fresh
 * may be NULL. */
int ash_keymap_put(ash_keymap *m, const void *key, void **val, int *fresh);
static inline const void *ash_keymap_key(const ash_keymap *m, size_t i) {
  return m->keys + i * m->ksize;
}
static inline void *ash_keymap_val(const ash_keymap *m, size_t i) { return m->vals + i * m->vsize; }

/* A set of 64-bit numbers (EVTX record ids, file sizes). */
typedef ash_keymap ash_u64set;
static inline void ash_u64set_init(ash_u64set *s) { ash_keymap_init(s, 8, 0, 0); }
static inline int ash_u64set_has(const ash_u64set *s, uint64_t x) {
  return s->ksize && ash_keymap_get(s, &x) != NULL;
}
/* Add x; *added (when non-NULL) says whether it was new. */
static inline int ash_u64set_add(ash_u64set *s, uint64_t x, int *added) {
  if (!s->ksize) ash_u64set_init(s);
  return ash_keymap_put(s, &x, NULL, added);
}
static inline void ash_u64set_free(ash_u64set *s) { ash_keymap_free(s); }

/* ---- the interner ---- */

typedef struct ash_strtab {
  char **s; /* id -> string (NUL-terminated, owned) */
  size_t *len;
  size_t n, caps;
  ash_index ix;
} ash_strtab;

/* An empty table holding at most max strings (0: no cap). */
void ash_strtab_init(ash_strtab *t, size_t max);
void ash_strtab_free(ash_strtab *t);
/* The id of s (n bytes), added when new. ASH_OK / ASH_ELIMIT / ASH_ENOMEM. */
int ash_strtab_intern(ash_strtab *t, const char *s, size_t n, uint32_t *id);
/* The id of s, or UINT32_MAX when absent. */
uint32_t ash_strtab_find(const ash_strtab *t, const char *s, size_t n);
static inline const char *ash_strtab_str(const ash_strtab *t, uint32_t id) {
  return id < t->n ? t->s[id] : NULL;
}

#endif
