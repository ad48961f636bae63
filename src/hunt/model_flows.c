/* The shared model of per-pair flow statistics: see model_flows.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"
#include "model_flows.h"

static uint32_t pair_hash(const ash_ip *s, const ash_ip *d, int32_t port) {
  if (s->fam == 4 && d->fam == 4) {
    uint64_t k = ((uint64_t)ash_le32(s->b + 12) << 32) | ash_le32(d->b + 12);
    return (uint32_t)(ash_hash_u64(k ^ ((uint64_t)(uint32_t)port * 0x9E3779B97F4A7C15ULL)) >> 16);
  }
  uint64_t h = ash_hash_bytes(s->b, 16, ASH_HASH_SEED);
  h = ash_hash_bytes(d->b, 16, h);
  return (uint32_t)(ash_hash_u64(ash_hash_bytes(&port, sizeof port, h)) >> 16);
}
static uint64_t ip_hash1(const ash_ip *ip) {
  return ash_hash_bytes(ip->b + (ip->fam == 4 ? 12 : 0), ip->fam == 4 ? 4 : 16, ASH_HASH_SEED);
}

typedef struct pkey {
  const ash_ip *s, *d;
  int32_t port;
} pkey;

static int pair_eq(const void *ctx, size_t pos, const void *key) {
  const pair *p = &((const ptab *)ctx)->v[pos];
  const pkey *k = key;
  return p->port == k->port && ash_ip_eq(&p->src, k->s) && ash_ip_eq(&p->dst, k->d);
}

/* The pair (s, d, port) of hash h, or a new zeroed one (*fresh = 1) when
 * there is room; NULL at the index's cap (*rc ASH_OK) or out of memory
 * (*rc ASH_ENOMEM). Pointers stay valid only until the next call. */
static pair *pair_find(ptab *t, uint32_t h, const ash_ip *s, const ash_ip *d, int32_t port,
                       int *fresh, int *rc) {
  pkey key = {s, d, port};
  *fresh = 0;
  *rc = ASH_OK;
  size_t i = ash_index_find(&t->ix, h, pair_eq, t, &key);
  if (i != ASH_INDEX_NONE) return &t->v[i];
  int r = ash_index_reserve(&t->ix);
  if (r) {
    *rc = r == ASH_ELIMIT ? ASH_OK : r;
    return NULL;
  }
  pair *v = ash_array_room(t->v, &t->capv, t->n, sizeof *v, 4096);
  if (!v) {
    *rc = ASH_ENOMEM;
    return NULL;
  }
  t->v = v;
  pair *p = &t->v[t->n];
  memset(p, 0, sizeof *p);
  p->src = *s;
  p->dst = *d;
  p->port = port;
  p->hash = h;
  ash_index_add(&t->ix, h, t->n); /* cannot fail: reserved */
  t->n++;
  *fresh = 1;
  return p;
}

void hunt_heavy_free(heavy *h) {
  if (!h) return;
  free(h->starts);
  free(h->sizes);
  free(h->iv);
  free(h);
}

static void series_free(series *sr) {
  if (!sr) return;
  free(sr->starts);
  free(sr->sizes);
  free(sr);
}

static void heap_rebuild(hunt_flows *T);

/* At the cap, make room by forgetting the pairs that never held a long
 * session (their past cannot make them candidates) and index the rest;
 * pairs with a series of starts (at most ASH_MAX_HUNT_SERIES) are kept for
 * the beacon hunt. */
static int pairs_compact(hunt_flows *T) {
  ptab *t = &T->pairs;
  size_t w = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (t->v[i].longest < LONG_SESSION && !t->v[i].h && !t->v[i].sr) {
      T->dropped_pairs++;
      continue;
    }
    t->v[w++] = t->v[i];
  }
  t->n = w;
  ash_index_clear(&t->ix);
  for (size_t i = 0; i < t->n; i++) ASH_TRY(ash_index_add(&t->ix, t->v[i].hash, i));
  if (T->sheap) heap_rebuild(T);
  return ASH_OK;
}

/* The entry of ip in a keymap of addresses; NULL at the map's cap (the
 * address is then not counted) and on allocation failure (*rc). */
static void *ip_get(hunt_flows *T, ash_keymap *m, const ash_ip *ip, int *fresh, int *rc) {
  void *v = NULL;
  int r = ash_keymap_put(m, ip, &v, fresh);
  *rc = r == ASH_ELIMIT ? ASH_OK : r;
  T->uncounted += r == ASH_ELIMIT;
  return r ? NULL : v;
}

static uint32_t ip_key_hash(const void *key) { return (uint32_t)ip_hash1(key); }

static heavy *heavy_of(hunt_flows *T, pair *p, int64_t when) {
  if (p->h) return p->h;
  p->h = calloc(1, sizeof *p->h);
  if (p->h) {
    p->h->stride = 1;
    p->h->base_day = (int32_t)(when / ASH_DAY) - DAYWORDS * 32;
    /* what came before was short sessions, counted the simple way */
    p->h->days_before = p->days;
    p->h->short_total = p->total;
    T->heavy_bytes += (int64_t)sizeof *p->h;
  }
  return p->h;
}

static void mark_days(heavy *h, int64_t start, int64_t end) {
  int32_t d0 = (int32_t)(start / ASH_DAY), d1 = (int32_t)(end / ASH_DAY);
  if (d1 - d0 > DAYWORDS * 64) d0 = d1 - DAYWORDS * 64;
  for (int32_t d = d0; d <= d1; d++) {
    int32_t b = d - h->base_day;
    if (b < 0 || b >= DAYWORDS * 64)
      h->days_outside++;
    else
      h->dayset[b / 64] |= 1ULL << (b % 64);
  }
}

static void top_add(heavy *h, int64_t id, int64_t dur) {
  int k = NTOP;
  while (k > 0 && (h->top_id[k - 1] == 0 || h->top_dur[k - 1] < dur)) k--;
  if (k >= NTOP) return;
  memmove(h->top_id + k + 1, h->top_id + k, (size_t)(NTOP - 1 - k) * sizeof *h->top_id);
  memmove(h->top_dur + k + 1, h->top_dur + k, (size_t)(NTOP - 1 - k) * sizeof *h->top_dur);
  h->top_id[k] = id;
  h->top_dur[k] = dur;
}

static int start_add(heavy *h, int64_t since_first_s, int64_t bytes) {
  if (h->skip) {
    h->skip--;
    return ASH_OK;
  }
  if (!h->starts) {
    h->starts = malloc(ASH_MAX_HUNT_STARTS * sizeof *h->starts);
    h->sizes = malloc(ASH_MAX_HUNT_STARTS * sizeof *h->sizes);
    if (!h->starts || !h->sizes) return ASH_ENOMEM;
  }
  if (h->nst == ASH_MAX_HUNT_STARTS) {
    /* keep every other one and sample half as often from now on: a
     * regular series stays regular, only coarser */
    for (uint32_t i = 0; i < h->nst / 2; i++) {
      h->starts[i] = h->starts[2 * i];
      h->sizes[i] = h->sizes[2 * i];
    }
    h->nst /= 2;
    h->stride *= 2;
  }
  h->starts[h->nst] = (uint32_t)(since_first_s < 0            ? 0
                                 : since_first_s > UINT32_MAX ? UINT32_MAX
                                                              : since_first_s);
  h->sizes[h->nst] = (uint32_t)(bytes < 0 ? 0 : bytes > UINT32_MAX ? UINT32_MAX : bytes);
  h->nst++;
  h->skip = h->stride - 1;
  return ASH_OK;
}

/* ---- which pairs keep a series, whatever the order of the flows
 *
 * At most ASH_MAX_HUNT_SERIES pairs keep a series: of every pair that
 * reaches SERIES_FROM sessions without a long one, those of least rank
 * (their hash, then source, destination and port). First come, as
 * before, made the set depend on the order the store hands the flows in:
 * time on SQLite, pair after pair on ClickHouse (a 10^7-flow case gave
 * 296 findings on one and 267 on the other). The kept pairs are a
 * max-heap by rank: a pair of lower rank than the greatest takes its
 * place. The greatest only falls, so a pair dropped or refused is never
 * taken later, and a pair of the final set is taken at its SERIES_FROM-th
 * session (fewer than the cap of lower rank were kept then): each kept
 * series is whole, and the set is the same in any order. */

static int ip_rank(const ash_ip *a, const ash_ip *b) {
  if (a->fam != b->fam) return a->fam < b->fam ? -1 : 1;
  return memcmp(a->b, b->b, 16);
}

static int rank_cmp(const pair *a, const pair *b) {
  if (a->hash != b->hash) return a->hash < b->hash ? -1 : 1;
  int c = ip_rank(&a->src, &b->src);
  if (!c) c = ip_rank(&a->dst, &b->dst);
  if (!c) c = a->port < b->port ? -1 : a->port > b->port;
  return c;
}

static void heap_down(hunt_flows *T, uint32_t i) {
  const pair *v = T->pairs.v;
  uint32_t *h = T->sheap, n = T->nseries;
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && rank_cmp(&v[h[l]], &v[h[m]]) > 0) m = l;
    if (r < n && rank_cmp(&v[h[r]], &v[h[m]]) > 0) m = r;
    if (m == i) return;
    uint32_t t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

static void heap_up(hunt_flows *T, uint32_t i) {
  const pair *v = T->pairs.v;
  uint32_t *h = T->sheap;
  while (i && rank_cmp(&v[h[(i - 1) / 2]], &v[h[i]]) < 0) {
    uint32_t t = h[i];
    h[i] = h[(i - 1) / 2];
    h[(i - 1) / 2] = t;
    i = (i - 1) / 2;
  }
}

/* The heap again after the pairs moved (pairs_compact). */
static void heap_rebuild(hunt_flows *T) {
  T->nseries = 0;
  for (size_t i = 0; i < T->pairs.n; i++)
    if (T->pairs.v[i].sr) T->sheap[T->nseries++] = (uint32_t)i;
  for (uint32_t i = T->nseries / 2; i-- > 0;) heap_down(T, i);
}

/* May p (of SERIES_FROM sessions or more, without a series) keep one?
 * *take 1 when it may: it has room, made by dropping the series of the
 * pair of greatest rank when needed. */
static int series_admit(hunt_flows *T, pair *p, int *take) {
  *take = 0;
  uint32_t at = (uint32_t)(p - T->pairs.v);
  if (!T->sheap) {
    T->sheap = malloc(T->max_series * sizeof *T->sheap);
    if (!T->sheap) return ASH_ENOMEM;
  }
  if (T->nseries < T->max_series) {
    T->sheap[T->nseries++] = at;
    heap_up(T, T->nseries - 1);
    *take = 1;
    return ASH_OK;
  }
  pair *top = &T->pairs.v[T->sheap[0]];
  if (rank_cmp(p, top) >= 0) {
    if (!p->no_series) T->series_refused++;
    p->no_series = 1;
    return ASH_OK;
  }
  series_free(top->sr);
  top->sr = NULL;
  top->no_series = 1;
  T->series_refused++;
  T->sheap[0] = at;
  heap_down(T, 0);
  *take = 1;
  return ASH_OK;
}

/* Record a short session's start and size in p's series, creating it at
 * the SERIES_FROM-th session when the pair may keep one (series_admit): a
 * pair seen only a few times cannot be scored as a beacon, and the first
 * few starts lost leave a long series regular. Growth doubles up to ASH_MAX_HUNT_STARTS, then the
 * series keeps every other start and samples half as often, as heavy pairs
 * do: allocations are per pair, never per flow. */
static int series_add(hunt_flows *T, pair *p, int64_t start, int64_t bytes, int64_t id) {
  series *sr = p->sr;
  if (!sr) {
    if (p->sessions < SERIES_FROM) return ASH_OK;
    int take;
    ASH_TRY(series_admit(T, p, &take));
    if (!take) return ASH_OK;
    sr = p->sr = calloc(1, sizeof *sr);
    if (!sr) return ASH_ENOMEM;
    sr->stride = 1;
    /* sessions arrive in end order: leave a day's room for earlier starts */
    sr->base = start / ASH_SEC - 86400;
  }
  if (sr->skip) {
    sr->skip--;
    return ASH_OK;
  }
  if (sr->n == sr->cap) {
    if (sr->cap < ASH_MAX_HUNT_STARTS) {
      uint32_t nc = sr->cap ? sr->cap * 2 : 32;
      if (nc > ASH_MAX_HUNT_STARTS) nc = ASH_MAX_HUNT_STARTS;
      uint32_t *a = realloc(sr->starts, nc * sizeof *a);
      if (!a) return ASH_ENOMEM;
      sr->starts = a;
      uint32_t *b = realloc(sr->sizes, nc * sizeof *b);
      if (!b) return ASH_ENOMEM;
      sr->sizes = b;
      T->heavy_bytes += (int64_t)((nc - sr->cap) * 2 * sizeof *a);
      sr->cap = nc;
    } else {
      for (uint32_t i = 0; i < sr->n / 2; i++) {
        sr->starts[i] = sr->starts[2 * i];
        sr->sizes[i] = sr->sizes[2 * i];
      }
      sr->n /= 2;
      sr->stride *= 2;
    }
  }
  int64_t off = start / ASH_SEC - sr->base;
  sr->starts[sr->n] = (uint32_t)(off < 0 ? 0 : off > UINT32_MAX ? UINT32_MAX : off);
  sr->sizes[sr->n] = (uint32_t)(bytes < 0 ? 0 : bytes > UINT32_MAX ? UINT32_MAX : bytes);
  for (int i = 0; i < SERIES_IDS; i++)
    if (!sr->ids[i]) {
      sr->ids[i] = id;
      break;
    }
  sr->n++;
  sr->skip = sr->stride - 1;
  return ASH_OK;
}

/* The days of a session spanning days d0..d1, counted once: sessions
 * come in (ts, id) order, and a day already counted (at most the last
 * day counted) is not counted again. */
static void add_days(pair *p, int32_t d0, int32_t d1) {
  if (d0 <= p->last_day) d0 = p->last_day + 1;
  if (d1 >= d0) {
    p->days += d1 - d0 + 1;
    p->last_day = d1;
  }
}

/* One finished session of pair p. */
static int session(hunt_flows *T, pair *p, int64_t start, int64_t end, int64_t out, int64_t in,
                   int64_t unk, int64_t id) {
  if (end < start) end = start;
  int64_t dur = end - start;
  /* turn heavy before counting this session: the heavy part starts with
   * the totals of the sessions before it */
  if (dur >= LONG_SESSION && !p->h && !heavy_of(T, p, start)) return ASH_ENOMEM;
  p->sessions++;
  if (out > 0) p->out += out;
  if (in > 0) p->in += in;
  if (unk > 0) p->unk += unk;
  if (!p->first_id || start < p->first) {
    p->first = start;
    p->first_id = id;
  }
  if (end >= p->last) {
    p->last = end;
    p->last_id = id;
  }
  p->total += dur;
  add_days(p, (int32_t)(start / ASH_DAY), (int32_t)(end / ASH_DAY));
  if (dur > p->longest) p->longest = dur;
  heavy *h = p->h;
  if (!h)
    return series_add(T, p, start, (out > 0 ? out : 0) + (in > 0 ? in : 0) + (unk > 0 ? unk : 0),
                      id);
  top_add(h, id, dur);
  mark_days(h, dur >= LONG_SESSION ? start : end, end);
  if (dur < LONG_SESSION)
    h->short_total += dur;
  else if (h->niv >= ASH_MAX_HUNT_LONG)
    h->long_extra += dur;
  int rc = start_add(h, (start - p->first) / ASH_SEC,
                     (out > 0 ? out : 0) + (in > 0 ? in : 0) + (unk > 0 ? unk : 0));
  if (rc) return rc;
  if (dur >= LONG_SESSION && h->niv < ASH_MAX_HUNT_LONG) {
    if (h->niv == h->capiv) {
      uint32_t nc = h->capiv ? h->capiv * 2 : 8;
      void *v = realloc(h->iv, nc * sizeof *h->iv);
      if (!v) return ASH_ENOMEM;
      T->heavy_bytes += (int64_t)((nc - h->capiv) * sizeof *h->iv);
      h->iv = v;
      h->capiv = nc;
    }
    h->iv[h->niv][0] = start;
    h->iv[h->niv][1] = end;
    h->niv++;
  }
  return ASH_OK;
}

static int close_pending(hunt_flows *T, pair *p) {
  heavy *h = p->h;
  if (!h || !h->pend_id) return ASH_OK;
  int64_t id = h->pend_id;
  h->pend_id = 0;
  return session(T, p, h->pend_start, h->pend_end, h->pend_out, h->pend_in, 0, id);
}

/* ---- the pass over the flows ---- */

/* At the pairs' cap, compact once; then new pairs are not followed. */
static int pairs_room(hunt_flows *T) {
  if (T->pairs.n >= ASH_MAX_HUNT_PAIRS && !T->full) {
    ASH_TRY(pairs_compact(T));
    if (T->pairs.n > ASH_MAX_HUNT_PAIRS / 4 * 3) T->full = 1;
  }
  return ASH_OK;
}

/* One flow row, already parsed and filtered (internal source, external
 * destination). */
typedef struct frow {
  int64_t id, ts, out, in, unk, dur;
  int64_t key_ts; /* the store's ts, of the (ts, id) order */
  ash_ip src, dst;
  int32_t port;
  int interim;
  uint32_t hash;
} frow;

static int flow_row(hunt_flows *T, const frow *f) {
  const ash_ip src = f->src, dst = f->dst;
  const int64_t id = f->id, ts = f->ts, out = f->out, in = f->in, dur = f->dur;
  const int32_t port = f->port;
  const int interim = f->interim;
  int rc, fresh;
  sstat *ss = NULL;
  if (!T->pushed) {
    ss = ip_get(T, &T->srcs, &src, &fresh, &rc);
    if (rc) return rc;
  }
  if (ss) {
    ss->flows += !interim;
    if (!interim) ss->bytes += (out > 0 ? out : 0) + (in > 0 ? in : 0);
  }
  ASH_TRY(pairs_room(T));
  pair *p = pair_find(&T->pairs, f->hash, &src, &dst, port, &fresh, &rc);
  if (rc) return rc;
  if (!p) {
    T->dropped_pairs++; /* full of long-lived pairs: new ones are not followed */
    return ASH_OK;
  }
  if (fresh) {
    p->last_day = INT32_MIN;
    p->seen_ts = f->key_ts;
    p->seen_id = id;
    if (ss) ss->dsts++;
    int dfresh;
    dstat *ds = NULL;
    if (!T->pushed) {
      ds = ip_get(T, &T->dsts, &dst, &dfresh, &rc);
      if (rc) return rc;
    }
    if (ds) {
      /* the exact number of hosts (the first version remembered four and
       * counted every new pair past them: a host reaching an address on
       * two ports counted twice); past the set's cap a new host is not
       * counted */
      dsrc k;
      memcpy(k.dst, dst.b, 16);
      memcpy(k.src, src.b, 16);
      int added;
      void *none;
      int r = ash_keymap_put(&T->dsrcs, &k, &none, &added);
      if (r && r != ASH_ELIMIT) return r;
      T->uncounted += r == ASH_ELIMIT;
      if (!r && added) ds->nsrc++;
    }
  }
  int64_t start = ts - dur;
  if (interim) {
    p->interim++;
    heavy *h = heavy_of(T, p, ts - dur);
    if (!h) {
      return ASH_ENOMEM;
    }
    int same = h->pend_id && llabs(h->pend_start - start) <= SAME_START;
    if (h->pend_id && !same && start > h->pend_start) {
      /* a new session began before the last one was seen closing */
      ASH_TRY(close_pending(T, p));
    }
    if (same && ts <= h->pend_end) return ASH_OK; /* out of order: already counted */
    /* this interval's bytes: the growth of the totals since the last one */
    int64_t sd = out - (same ? h->pend_out : 0), rd = in - (same ? h->pend_in : 0);
    double v = (double)(sd > 0 ? sd : 0) + (double)(rd > 0 ? rd : 0);
    h->nd++;
    h->dsum += v;
    h->dsq += v * v;
    if (v < 2000) h->didle++;
    if (sd > 500 && rd > 500) h->dboth++;
    if (!h->pend_id || same) {
      h->pend_start = same ? h->pend_start : start;
      h->pend_end = ts;
      h->pend_out = out;
      h->pend_in = in;
      h->pend_id = id;
    }
    if (dur > p->longest) p->longest = dur;
    return ASH_OK;
  }
  if (p->h && p->h->pend_id && llabs(p->h->pend_start - start) <= SAME_START) p->h->pend_id = 0;
  return session(T, p, start, ts, out, in, f->unk, id);
}

/* Rows are read in batches: the pair each row belongs to sits somewhere in
 * a table of up to a million pairs, and waiting for memory twice a row
 * (index slot, pair) was half of the hunt's time. A batch hashes every row
 * and prefetches its slot, then prefetches the pairs the slots point to,
 * then processes the rows in order: the waits overlap. */
#define BATCH 256

/* The pass over the store's flows (ash_store_flows, in (ts, id) order):
 * rows are filtered and converted as they come, and processed a batch at
 * a time. */
typedef struct scan {
  hunt_flows *T;
  frow *batch;
  size_t nb;
  /* consecutive rows often repeat an address: classify each once */
  ash_ip last_src, last_dst;
  int src_ok, dst_ok;
} scan;

static int flush(scan *S) {
  hunt_flows *T = S->T;
  for (size_t i = 0; i < S->nb; i++) {
    size_t at = ash_index_peek(&T->pairs.ix, S->batch[i].hash);
    if (at != ASH_INDEX_NONE) __builtin_prefetch(&T->pairs.v[at]);
  }
  int rc = ASH_OK;
  for (size_t i = 0; !rc && i < S->nb; i++) rc = flow_row(T, &S->batch[i]);
  S->nb = 0;
  return rc;
}

static int64_t or0(int64_t v) { return v == ASH_UNSET ? 0 : v; }

static int scan_cb(void *u, const ash_flow *fl) {
  scan *S = u;
  hunt_flows *T = S->T;
  hunt_ctx *c = T->c;
  T->flows += !T->pushed;
  if (!fl->src.fam || !fl->dst.fam) return ASH_OK;
  if (!ash_ip_eq(&fl->src, &S->last_src) || !S->last_src.fam) {
    S->last_src = fl->src;
    S->src_ok = hunt_is_internal(c, &fl->src);
  }
  if (!S->src_ok) return ASH_OK;
  if (!ash_ip_eq(&fl->dst, &S->last_dst) || !S->last_dst.fam) {
    S->last_dst = fl->dst;
    S->dst_ok = ash_ip_is_public(&fl->dst) && !hunt_is_internal(c, &fl->dst);
  }
  if (!S->dst_ok) return ASH_OK;
  if (!T->pushed) {
    T->used++;
    /* start and end as the store settled them at ingest (ash_flow) */
    if (!T->first_ts || fl->start < T->first_ts) T->first_ts = fl->start;
    if (fl->end > T->last_ts) T->last_ts = fl->end;
  }
  frow *f = &S->batch[S->nb++];
  f->id = fl->id;
  f->key_ts = fl->ts;
  /* the rows speak of a session's end so far and its length */
  f->ts = fl->end;
  f->dur = fl->end - fl->start;
  f->src = fl->src;
  f->dst = fl->dst;
  f->port = fl->dst_port;
  /* an unlogged count reads as 0, which is what it means here */
  f->out = or0(fl->bytes_out);
  f->in = or0(fl->bytes_in);
  f->interim = (fl->flags & ASH_FLOW_INTERIM) != 0;
  /* a flow logged with its bytes of both directions together (Cisco ASA,
   * ash_flow.bytes_total) counts them as undirected, whatever the other
   * flows of the case do (the first version decided once for the case,
   * on its first 2,000 flows: a case of FortiGate and ASA logs counted
   * the ASA bytes as nothing when FortiGate's came first) */
  f->unk = fl->bytes_out == ASH_UNSET && fl->bytes_in == ASH_UNSET ? or0(fl->bytes_total) : 0;
  f->hash = pair_hash(&f->src, &f->dst, f->port);
  ash_index_prefetch(&T->pairs.ix, f->hash);
  return S->nb == BATCH ? flush(S) : ASH_OK;
}

/* The store's counts per host and address (ash_store_flow_pairs) into
 * the maps the full pass fills (flow_row). */
static int pushed_host(void *u, const ash_ip *ip, uint64_t flows, int64_t bytes, uint64_t dsts) {
  scan *S = u;
  int fresh, rc;
  sstat *ss = ip_get(S->T, &S->T->srcs, ip, &fresh, &rc);
  if (ss) {
    ss->flows = flows;
    ss->bytes = bytes;
    ss->dsts = dsts > UINT32_MAX ? UINT32_MAX : (uint32_t)dsts;
  }
  return rc;
}

static int pushed_addr(void *u, const ash_ip *ip, uint64_t nsrc) {
  scan *S = u;
  int fresh, rc;
  dstat *ds = ip_get(S->T, &S->T->dsts, ip, &fresh, &rc);
  if (ds) ds->nsrc = nsrc > UINT32_MAX ? UINT32_MAX : (uint32_t)nsrc;
  return rc;
}

static uint32_t clamp_u32(int64_t v) {
  return (uint32_t)(v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : v);
}

/* A pair of short sessions the store summed (ash_flow_series): the pair
 * its records would have built one by one (session, series_add). */
static int pushed_series(void *u, const ash_flow_series *s) {
  scan *S = u;
  hunt_flows *T = S->T;
  if (s->n > ASH_MAX_HUNT_STARTS || !s->n || !s->ndays || !s->stride || s->stride > UINT32_MAX ||
      s->sessions < SERIES_FROM)
    return ASH_EFORMAT;
  ASH_TRY(pairs_room(T));
  int fresh, rc;
  pair *p = pair_find(&T->pairs, pair_hash(&s->src, &s->dst, s->dst_port), &s->src, &s->dst,
                      s->dst_port, &fresh, &rc);
  if (rc) return rc;
  if (!p) {
    T->dropped_pairs++;
    return ASH_OK;
  }
  if (!fresh) return ASH_EFORMAT; /* a pair handed over twice */
  p->last_day = INT32_MIN;
  p->seen_ts = s->seen_ts;
  p->seen_id = s->seen_id;
  p->sessions = (uint32_t)s->sessions;
  p->out = s->out;
  p->in = s->in;
  p->unk = s->unk;
  p->first = s->first;
  p->first_id = s->first_id;
  /* session: the last end kept is at least 0 */
  if (s->last >= 0) {
    p->last = s->last;
    p->last_id = s->last_id;
  }
  p->total = s->total;
  p->longest = s->longest;
  for (size_t i = 0; i < s->ndays; i++) add_days(p, s->day0[i], s->day1[i]);
  int take;
  ASH_TRY(series_admit(T, p, &take));
  if (!take) return ASH_OK;
  series *sr = p->sr = calloc(1, sizeof *sr);
  if (!sr) return ASH_ENOMEM;
  /* series_add's growth: 32 starts, doubled up to ASH_MAX_HUNT_STARTS */
  uint32_t cap = 32;
  while (cap < s->n || (s->stride > 1 && cap < ASH_MAX_HUNT_STARTS)) cap *= 2;
  sr->starts = malloc(cap * sizeof *sr->starts);
  sr->sizes = malloc(cap * sizeof *sr->sizes);
  if (!sr->starts || !sr->sizes) return ASH_ENOMEM;
  T->heavy_bytes += (int64_t)(cap * 2 * sizeof *sr->starts);
  sr->cap = cap;
  sr->n = (uint32_t)s->n;
  sr->stride = (uint32_t)s->stride;
  sr->base = s->start_s[0] - 86400;
  for (size_t i = 0; i < s->n; i++) {
    sr->starts[i] = clamp_u32(s->start_s[i] - sr->base);
    sr->sizes[i] = s->sizes[i];
  }
  /* the ranks past the last one kept: what series_add would skip next */
  uint64_t m = s->sessions - SERIES_FROM + 1, after = m - 1 - (m - 1) / s->stride * s->stride;
  sr->skip = (uint32_t)(s->stride - 1 - after);
  memcpy(sr->ids, s->ids, sizeof sr->ids);
  return ASH_OK;
}

static int cmp_seen(const void *a, const void *b) {
  const pair *x = a, *y = b;
  if (x->seen_ts != y->seen_ts) return x->seen_ts < y->seen_ts ? -1 : 1;
  return x->seen_id < y->seen_id ? -1 : x->seen_id > y->seen_id;
}

/* The pairs in the order the full pass creates them, by their first
 * record in (ts, id): the hunts walk the pairs in this order, so their
 * sorts (qsort, not stable) get the same input and order equals alike,
 * and a cap on findings cuts at the same place. */
static int pairs_in_pass_order(hunt_flows *T) {
  ptab *t = &T->pairs;
  qsort(t->v, t->n, sizeof *t->v, cmp_seen);
  ash_index_clear(&t->ix);
  for (size_t i = 0; i < t->n; i++) ASH_TRY(ash_index_add(&t->ix, t->v[i].hash, i));
  return ASH_OK;
}

static int scan_flows(hunt_flows *T) {
  hunt_ctx *c = T->c;
  int rc;
  scan S;
  memset(&S, 0, sizeof S);
  S.T = T;
  S.batch = malloc(BATCH * sizeof *S.batch);
  if (!S.batch) return ASH_ENOMEM;
  /* Interim records of long sessions (FortiGate logid 0000000020, Zeek's
   * open_conn/conn_long) carry the session's totals so far; the bytes of
   * each interval are the difference between consecutive ones (flow_row).
   * The store says which rows are interim: no format, no attributes. */
  /* where the store can, it picks the candidate pairs and counts hosts
   * and addresses itself (ClickHouse: on the servers), and the rows
   * build only those pairs; a pair's statistics depend on its own
   * records alone, in (ts, id) order, so they are the full pass's */
  ash_flow_pairs fp;
  memset(&fp, 0, sizeof fp);
  fp.internal = c->opts ? c->opts->internal : NULL;
  /* fewer finished sessions, and no long one or interim record: no
   * series and nothing else a hunt reads. (Pairs of SERIES_FROM sessions
   * the beacon hunt cannot score yet are sent too: they compete for the
   * series as in the full pass, series_admit.) */
  fp.min_sessions = SERIES_FROM;
  fp.min_longest = LONG_SESSION;
  fp.flow = scan_cb;
  fp.series = pushed_series;
  fp.series_from = SERIES_FROM;
  fp.series_max = ASH_MAX_HUNT_STARTS;
  fp.host = pushed_host;
  fp.addr = pushed_addr;
  fp.u = &S;
  int done = 0;
  T->pushed = 1;
  rc = ash_store_flow_pairs(c->store, &fp, &done);
  if (!rc && done) {
    rc = flush(&S);
    T->flows = fp.flows;
    T->used = fp.used;
    T->first_ts = fp.first;
    T->last_ts = fp.last;
    if (!rc) rc = pairs_in_pass_order(T);
  }
  T->pushed = done;
  if (!rc && !done) rc = ash_store_flows(c->store, NULL, scan_cb, &S);
  if (!rc && !done) rc = flush(&S);
  free(S.batch);
  /* sessions still open when the logs end count with what was seen */
  for (size_t i = 0; !rc && i < T->pairs.n; i++) rc = close_pending(T, &T->pairs.v[i]);
  return rc;
}

/* ---- the time a pair was connected ---- */

static int cmp_iv(const void *a, const void *b) {
  const int64_t *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Time connected and days active, exact for the long sessions: sessions
 * arrive in the order they end, and a long session holds the short ones
 * (beacons) that ended inside it, so a running union would count only its
 * tail. The long sessions are merged by start; the short ones add their
 * durations. */
void hunt_pair_finalize(pair *p) {
  heavy *h = p->h;
  if (!h) {
    p->covered = p->total;
    return;
  }
  if (h->niv) qsort(h->iv, h->niv, sizeof *h->iv, cmp_iv);
  int64_t cov = 0, cs = 0, ce = INT64_MIN;
  for (uint32_t i = 0; i < h->niv; i++) {
    if (h->iv[i][0] > ce) {
      if (ce != INT64_MIN) cov += ce - cs;
      cs = h->iv[i][0];
      ce = h->iv[i][1];
    } else if (h->iv[i][1] > ce) {
      ce = h->iv[i][1];
    }
  }
  if (ce != INT64_MIN) cov += ce - cs;
  cov += h->short_total + h->long_extra;
  int64_t span = p->last - p->first;
  p->covered = span > 0 && cov > span ? span : cov;
  int days = h->days_before + h->days_outside;
  for (int i = 0; i < DAYWORDS; i++) days += __builtin_popcountll(h->dayset[i]);
  p->days = days;
}

/* ---- the model ---- */

/* What the model left out at its caps, for the run to say. */
static void say_caps(hunt_flows *T) {
  const char *who = "beacon and cloud-tunnel";
  if (T->series_refused)
    hunt_limit(T->c,
               "%s: %llu host-address-port pairs with %d or more short sessions were not"
               " scored as beacons: at most %u keep their start times (ASH_MAX_HUNT_SERIES;"
               " which ones does not depend on the order of the logs)",
               who, (unsigned long long)T->series_refused, SERIES_FROM, T->max_series);
  if (T->dropped_pairs)
    hunt_limit(T->c,
               "%s: past %u host-address-port pairs (ASH_MAX_HUNT_PAIRS) %llu pairs of short"
               " sessions were forgotten%s",
               who, ASH_MAX_HUNT_PAIRS, (unsigned long long)T->dropped_pairs,
               T->full ? ", and then new pairs were not followed"
                       : " and counted afresh if seen again");
  if (T->uncounted)
    hunt_limit(T->c,
               "%s: %llu hosts, addresses or host-address pairs past their caps"
               " (ASH_MAX_HUNT_HOSTS %u, ASH_MAX_HUNT_PAIRS %u) are missing from the counts of"
               " hosts per address and destinations per host",
               who, (unsigned long long)T->uncounted, ASH_MAX_HUNT_HOSTS, ASH_MAX_HUNT_PAIRS);
}

/* ASHIATO_HUNT_MODEL_DUMP=FILE: every pair a hunt can read (a heavy
 * part, or SERIES_FROM sessions: the candidates of ash_store_flow_pairs)
 * with all it holds, in the pairs' order, and the model's totals; for
 * the test that both back ends build the same model
 * (e2e.clickhouse_hunt_model). Not for users: the file is plain text of
 * the case's addresses. */
static int dump_model(const hunt_flows *T, const char *path) {
  FILE *o = fopen(path, "w");
  if (!o) return ASH_EIO;
  fprintf(o, "flows %llu used %llu first %lld last %lld series %u refused %llu dropped %llu\n",
          (unsigned long long)T->flows, (unsigned long long)T->used, (long long)T->first_ts,
          (long long)T->last_ts, T->nseries, (unsigned long long)T->series_refused,
          (unsigned long long)T->dropped_pairs);
  for (size_t i = 0; i < T->pairs.n; i++) {
    const pair *p = &T->pairs.v[i];
    if (!p->h && p->sessions < SERIES_FROM) continue;
    char a[ASH_IP_STRLEN], b[ASH_IP_STRLEN];
    ash_ip_format(&p->src, a);
    ash_ip_format(&p->dst, b);
    fprintf(o,
            "%s %s %d n %u i %u first %lld/%lld last %lld/%lld total %lld longest %lld days %d/%d"
            " bytes %lld/%lld/%lld seen %lld/%lld ns %d",
            a, b, p->port, p->sessions, p->interim, (long long)p->first, (long long)p->first_id,
            (long long)p->last, (long long)p->last_id, (long long)p->total, (long long)p->longest,
            p->days, p->last_day, (long long)p->out, (long long)p->in, (long long)p->unk,
            (long long)p->seen_ts, (long long)p->seen_id, p->no_series);
    /* the counts of its address and host the hunts read with it */
    const dstat *ds = ash_keymap_get(&T->dsts, &p->dst);
    const sstat *ss = ash_keymap_get(&T->srcs, &p->src);
    fprintf(o, " nsrc %u host %llu/%u/%lld", ds ? ds->nsrc : 0,
            ss ? (unsigned long long)ss->flows : 0ull, ss ? ss->dsts : 0,
            ss ? (long long)ss->bytes : 0ll);
    const series *sr = p->sr;
    if (sr) {
      fprintf(o, " series base %lld n %u cap %u stride %u skip %u ids %lld,%lld,%lld,%lld:",
              (long long)sr->base, sr->n, sr->cap, sr->stride, sr->skip, (long long)sr->ids[0],
              (long long)sr->ids[1], (long long)sr->ids[2], (long long)sr->ids[3]);
      for (uint32_t k = 0; k < sr->n; k++) fprintf(o, " %u/%u", sr->starts[k], sr->sizes[k]);
    }
    const heavy *h = p->h;
    if (h) {
      fprintf(o,
              " heavy nst %u stride %u niv %u nd %u/%u/%u sum %.17g/%.17g days %d/%d/%d short %lld"
              " extra %lld top %lld:",
              h->nst, h->stride, h->niv, h->nd, h->didle, h->dboth, h->dsum, h->dsq, h->base_day,
              h->days_before, h->days_outside, (long long)h->short_total, (long long)h->long_extra,
              (long long)h->top_id[0]);
      for (uint32_t k = 0; k < h->nst; k++) fprintf(o, " %u/%u", h->starts[k], h->sizes[k]);
      for (uint32_t k = 0; k < h->niv; k++)
        fprintf(o, " [%lld,%lld]", (long long)h->iv[k][0], (long long)h->iv[k][1]);
      for (int k = 0; k < DAYWORDS; k++)
        if (h->dayset[k]) fprintf(o, " d%d:%llx", k, (unsigned long long)h->dayset[k]);
    }
    fputc('\n', o);
  }
  return fclose(o) ? ASH_EIO : ASH_OK;
}

int hunt_flows_build(hunt_ctx *c, hunt_flows *T) {
  memset(T, 0, sizeof *T);
  T->c = c;
  /* at the cap the pairs are compacted once (flow_row); then new ones are
   * not followed */
  ash_index_init(&T->pairs.ix, ASH_MAX_HUNT_PAIRS);
  ash_keymap_init(&T->dsts, sizeof(ash_ip), sizeof(dstat), ASH_MAX_HUNT_PAIRS);
  ash_keymap_init(&T->srcs, sizeof(ash_ip), sizeof(sstat), ASH_MAX_HUNT_HOSTS);
  T->dsts.hash = T->srcs.hash = ip_key_hash;
  ash_keymap_init(&T->dsrcs, sizeof(dsrc), 0, ASH_MAX_HUNT_PAIRS);
  /* ASHIATO_HUNT_SERIES_MAX: a lower cap, for the test that the series
   * kept at the cap are the same in any order (e2e.clickhouse_hunt_pushdown) */
  const char *sm = getenv("ASHIATO_HUNT_SERIES_MAX");
  unsigned long long m = sm && *sm ? strtoull(sm, NULL, 10) : 0;
  T->max_series = m && m < ASH_MAX_HUNT_SERIES ? (uint32_t)m : ASH_MAX_HUNT_SERIES;
  int rc = scan_flows(T);
  if (!rc) say_caps(T);
  const char *dump = getenv("ASHIATO_HUNT_MODEL_DUMP");
  if (!rc && dump && *dump) rc = dump_model(T, dump);
  return rc;
}

void hunt_flows_free(hunt_flows *T) {
  for (size_t i = 0; i < T->pairs.n; i++) {
    hunt_heavy_free(T->pairs.v[i].h);
    series_free(T->pairs.v[i].sr);
  }
  free(T->pairs.v);
  free(T->sheap);
  ash_index_free(&T->pairs.ix);
  ash_keymap_free(&T->dsts);
  ash_keymap_free(&T->dsrcs);
  ash_keymap_free(&T->srcs);
}

int hunt_flows_shared(hunt_ctx *c, hunt_flows **out) {
  if (!c->flows) {
    hunt_flows *T = malloc(sizeof *T);
    if (!T) return ASH_ENOMEM;
    int rc = hunt_flows_build(c, T);
    if (rc) {
      hunt_flows_free(T);
      free(T);
      return rc;
    }
    c->flows = T;
  }
  *out = c->flows;
  return ASH_OK;
}

void hunt_flows_release(hunt_ctx *c) {
  if (!c->flows) return;
  hunt_flows_free(c->flows);
  free(c->flows);
  c->flows = NULL;
}
