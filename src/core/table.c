/* The one hash table (include/ashiato/table.h): an open-addressing index
 * with linear probing at most half full, and the keyed map and interner
 * built on it. */
#include "ashiato/table.h"

#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"

#define FIRST_CAP 64

void ash_index_free(ash_index *x) {
  free(x->slot);
  x->slot = NULL;
  x->cap = x->n = 0;
}

static void place(uint64_t *slot, size_t cap, uint64_t s) {
  size_t mask = cap - 1, k = (uint32_t)(s >> 32) & mask;
  while (slot[k]) k = (k + 1) & mask;
  slot[k] = s;
}

int ash_index_reserve(ash_index *x) {
  if (x->max && x->n >= x->max) return ASH_ELIMIT;
  if ((x->n + 1) * 2 <= x->cap) return ASH_OK;
  if (x->cap > SIZE_MAX / 2 / sizeof *x->slot) return ASH_ENOMEM;
  size_t cap = x->cap ? x->cap * 2 : FIRST_CAP;
  uint64_t *s = calloc(cap, sizeof *s);
  if (!s) return ASH_ENOMEM;
  for (size_t i = 0; i < x->cap; i++)
    if (x->slot[i]) place(s, cap, x->slot[i]);
  free(x->slot);
  x->slot = s;
  x->cap = cap;
  return ASH_OK;
}

int ash_index_add(ash_index *x, uint32_t h, size_t pos) {
  if (pos >= UINT32_MAX - 1) return ASH_ELIMIT;
  int rc = ash_index_reserve(x);
  if (rc) return rc;
  place(x->slot, x->cap, ((uint64_t)h << 32) | (uint64_t)(pos + 1));
  x->n++;
  return ASH_OK;
}

void ash_index_remove(ash_index *x, uint32_t h, size_t pos) {
  if (!x->cap) return;
  size_t mask = x->cap - 1, k = h & mask;
  uint64_t want = ((uint64_t)h << 32) | (uint64_t)(pos + 1);
  while (x->slot[k] && x->slot[k] != want) k = (k + 1) & mask;
  if (!x->slot[k]) return;
  x->slot[k] = 0;
  x->n--;
  /* Shift back the entries after the hole that could not sit in their own
   * slot because of it, so that every probe still reaches its entry. */
  for (size_t j = (k + 1) & mask; x->slot[j]; j = (j + 1) & mask) {
    size_t home = (uint32_t)(x->slot[j] >> 32) & mask;
    /* j may move to the hole k when home is not in the cyclic range (k, j] */
    int stays = k < j ? (home > k && home <= j) : (home > k || home <= j);
    if (stays) continue;
    x->slot[k] = x->slot[j];
    x->slot[j] = 0;
    k = j;
  }
}

void ash_index_clear(ash_index *x) {
  if (x->slot) memset(x->slot, 0, x->cap * sizeof *x->slot);
  x->n = 0;
}

/* ---- keymap ---- */

static uint32_t default_hash(const ash_keymap *m, const void *key) {
  uint64_t h;
  if (m->hash) return m->hash(key);
  if (m->ksize == 8) {
    uint64_t v;
    memcpy(&v, key, 8);
    h = ash_hash_u64(v);
  } else {
    h = ash_hash_u64(ash_hash_bytes(key, m->ksize, ASH_HASH_SEED));
  }
  return (uint32_t)(h >> 32);
}

static int key_eq(const void *ctx, size_t pos, const void *key) {
  const ash_keymap *m = ctx;
  return !memcmp(m->keys + pos * m->ksize, key, m->ksize);
}

void ash_keymap_init(ash_keymap *m, size_t ksize, size_t vsize, size_t max) {
  memset(m, 0, sizeof *m);
  m->ksize = ksize;
  m->vsize = vsize;
  ash_index_init(&m->ix, max);
}

void ash_keymap_free(ash_keymap *m) {
  free(m->keys);
  free(m->vals);
  ash_index_free(&m->ix);
  m->keys = m->vals = NULL;
  m->n = m->capv = 0;
}

void *ash_keymap_get(const ash_keymap *m, const void *key) {
  size_t i = ash_index_find(&m->ix, default_hash(m, key), key_eq, m, key);
  if (i == ASH_INDEX_NONE) return NULL;
  /* a set has no values: any non-NULL pointer says "present" */
  return m->vsize ? m->vals + i * m->vsize : (void *)m->keys;
}

int ash_keymap_put(ash_keymap *m, const void *key, void **val, int *fresh) {
  uint32_t h = default_hash(m, key);
  size_t i = ash_index_find(&m->ix, h, key_eq, m, key);
  if (fresh) *fresh = i == ASH_INDEX_NONE;
  if (i == ASH_INDEX_NONE) {
    int rc = ash_index_reserve(&m->ix);
    if (rc) return rc;
    if (m->n == m->capv) {
      size_t cap = m->capv;
      uint8_t *k = ash_array_grow(m->keys, &cap, m->ksize, FIRST_CAP);
      if (!k) return ASH_ENOMEM;
      m->keys = k;
      if (m->vsize) {
        size_t capv = m->capv;
        uint8_t *v = ash_array_grow(m->vals, &capv, m->vsize, FIRST_CAP);
        if (!v) return ASH_ENOMEM; /* keys grew: harmless, capv says the smaller */
        m->vals = v;
      }
      m->capv = cap;
    }
    i = m->n;
    memcpy(m->keys + i * m->ksize, key, m->ksize);
    if (m->vsize) memset(m->vals + i * m->vsize, 0, m->vsize);
    rc = ash_index_add(&m->ix, h, i);
    if (rc) return rc;
    m->n++;
  }
  if (val) *val = m->vsize ? m->vals + i * m->vsize : NULL;
  return ASH_OK;
}

/* ---- interner ---- */

typedef struct skey {
  const char *s;
  size_t n;
} skey;

static int str_eq(const void *ctx, size_t pos, const void *key) {
  const ash_strtab *t = ctx;
  const skey *k = key;
  return t->len[pos] == k->n && !memcmp(t->s[pos], k->s, k->n);
}

static uint32_t str_hash(const char *s, size_t n) {
  return (uint32_t)(ash_hash_u64(ash_hash_bytes(s, n, ASH_HASH_SEED)) >> 32);
}

void ash_strtab_init(ash_strtab *t, size_t max) {
  memset(t, 0, sizeof *t);
  ash_index_init(&t->ix, max);
}

void ash_strtab_free(ash_strtab *t) {
  for (size_t i = 0; i < t->n; i++) free(t->s[i]);
  free(t->s);
  free(t->len);
  ash_index_free(&t->ix);
  size_t max = t->ix.max;
  memset(t, 0, sizeof *t);
  t->ix.max = max;
}

uint32_t ash_strtab_find(const ash_strtab *t, const char *s, size_t n) {
  skey k = {s, n};
  size_t i = ash_index_find(&t->ix, str_hash(s, n), str_eq, t, &k);
  return i == ASH_INDEX_NONE ? UINT32_MAX : (uint32_t)i;
}

int ash_strtab_intern(ash_strtab *t, const char *s, size_t n, uint32_t *id) {
  uint32_t h = str_hash(s, n);
  skey k = {s, n};
  size_t i = ash_index_find(&t->ix, h, str_eq, t, &k);
  if (i != ASH_INDEX_NONE) {
    *id = (uint32_t)i;
    return ASH_OK;
  }
  int rc = ash_index_reserve(&t->ix);
  if (rc) return rc;
  if (t->n == t->caps) {
    size_t cap = t->caps;
    char **v = ash_array_grow(t->s, &cap, sizeof *v, 256);
    if (!v) return ASH_ENOMEM;
    t->s = v;
    size_t capl = t->caps;
    size_t *l = ash_array_grow(t->len, &capl, sizeof *l, 256);
    if (!l) return ASH_ENOMEM;
    t->len = l;
    t->caps = cap;
  }
  char *d = malloc(n + 1);
  if (!d) return ASH_ENOMEM;
  if (n) memcpy(d, s, n);
  d[n] = 0;
  rc = ash_index_add(&t->ix, h, t->n);
  if (rc) {
    free(d);
    return rc;
  }
  t->s[t->n] = d;
  t->len[t->n] = n;
  *id = (uint32_t)t->n++;
  return ASH_OK;
}
