/* Documents and matching.
 *
 * A document holds the values of one event by interned field id (only
 * names some rule uses get an id; every value is also kept for keyword
 * search), each as written and lower-cased, so that case-insensitive
 * comparison is a plain byte comparison. Rules are indexed by the event
 * ids their logsource takes, so an event is only tested against the rules
 * that can take it. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "sigma_int.h"

/* ---- the rule index ---- */

static size_t bucket_of(int64_t eid) { return (size_t)((uint64_t)eid % ASH_SIGMA_BUCKETS); }

static void add_bucket(size_t *out, size_t *n, size_t max, size_t b) {
  size_t k;
  for (k = 0; k < *n && out[k] != b; k++) {
  }
  if (k == *n && *n < max) out[(*n)++] = b;
}

/* The event ids a condition requires, as buckets: a selection whose every
 * group has a plain `EventID: N` (or list) item can only match those ids;
 * an AND needs what any one of its parts needs; an OR the union of what
 * all its parts need. 0 when the condition does not restrict the id (or
 * the set would not fit). A rule of service "security" then waits only
 * for its 4624s instead of being tried on every Security event. */
static int cond_buckets(const rule *r, const cnode *c, uint32_t eid_field, size_t *out, size_t *n,
                        size_t max) {
  switch (c->t) {
  case N_SEL: {
    const selection *sel = &r->sel[c->sel];
    if (!sel->ng) return 0;
    for (size_t g = 0; g < sel->ng; g++) {
      const fitem *it = NULL;
      for (size_t k = 0; k < sel->g[g].nit && !it; k++) {
        const fitem *x = &sel->g[g].it[k];
        if (x->field != eid_field || x->neg || x->all || !x->nm) continue;
        size_t m;
        for (m = 0; m < x->nm; m++) {
          const matcher *mt = &x->m[m];
          if (mt->kind != M_GLOB || mt->shape != S_EXACT || !mt->textn || mt->textn > 9) break;
          size_t d;
          for (d = 0; d < mt->textn && mt->text[d] >= '0' && mt->text[d] <= '9'; d++) {
          }
          if (d != mt->textn) break;
        }
        if (m == x->nm) it = x;
      }
      if (!it) return 0;
      for (size_t m = 0; m < it->nm; m++) {
        if (*n >= max) return 0;
        add_bucket(out, n, max, bucket_of(strtoll(it->m[m].text, NULL, 10)));
      }
    }
    return 1;
  }
  case N_AND:
    for (size_t i = 0; i < c->nk; i++) {
      size_t save = *n;
      if (cond_buckets(r, c->kids[i], eid_field, out, n, max)) return 1;
      *n = save;
    }
    return 0;
  case N_OR:
    for (size_t i = 0; i < c->nk; i++)
      if (!cond_buckets(r, c->kids[i], eid_field, out, n, max)) return 0;
    return c->nk > 0;
  default: return 0;
  }
}

/* The buckets a rule goes to; ASH_SIGMA_BUCKETS for "any event id". */
static size_t rule_buckets(const ash_sigma *s, const rule *r, size_t *out, size_t max) {
  size_t n = 0;
  if (!r->cond) return 0; /* a correlation: fed by its rules' hits */
  int any = r->ls.any;
  for (size_t a = 0; a < r->ls.nalt; a++)
    if (!r->ls.alt[a].eids) any = 1;
  if (any) {
    uint32_t eid = ash_sigma_field_lookup(s, "EventID", 7);
    if (eid != ASH_SIGMA_FIELD_NONE && cond_buckets(r, r->cond, eid, out, &n, max) && n) return n;
    out[0] = ASH_SIGMA_BUCKETS;
    return 1;
  }
  for (size_t a = 0; a < r->ls.nalt; a++) {
    for (const int *e = r->ls.alt[a].eids; *e; e++) {
      size_t b = bucket_of(*e), k;
      for (k = 0; k < n && out[k] != b; k++) {
      }
      if (k == n && n < max) out[n++] = b;
    }
  }
  return n;
}

/* The bigrams an event must hold for a condition to be true (a necessary
 * condition only): an item needs what all its values share (every value,
 * with all), a group what any of its items needs, a selection what all its
 * groups share; and needs the union, or the intersection; not nothing.
 * Negated items, regular expressions, numbers and the like need nothing. */
typedef struct bgset {
  uint64_t w[ASH_SIGMA_BGW];
} bgset;

static bgset bg_none(void) {
  bgset b;
  memset(&b, 0, sizeof b);
  return b;
}
static bgset bg_all(void) {
  bgset b;
  memset(&b, 0xFF, sizeof b);
  return b;
}
static void bg_and(bgset *a, const uint64_t *b) {
  for (int i = 0; i < ASH_SIGMA_BGW; i++) a->w[i] &= b[i];
}
static void bg_or(bgset *a, const uint64_t *b) {
  for (int i = 0; i < ASH_SIGMA_BGW; i++) a->w[i] |= b[i];
}

static bgset item_need(const fitem *it) {
  if (it->neg || !it->nm) return bg_none();
  bgset r = it->all ? bg_none() : bg_all();
  for (size_t i = 0; i < it->nm; i++) {
    const matcher *m = &it->m[i];
    if (m->kind != M_GLOB || !m->hasbg) {
      if (!it->all) return bg_none();
      continue;
    }
    if (it->all) {
      /* alternatives of one value (base64offset) share a group: only a
       * value with a single alternative is certain */
      int alone =
          (i == 0 || it->m[i - 1].grp != m->grp) && (i + 1 == it->nm || it->m[i + 1].grp != m->grp);
      if (alone) bg_or(&r, m->bg);
    } else {
      bg_and(&r, m->bg);
    }
  }
  return r;
}

static bgset cond_need(const rule *r, const cnode *c) {
  switch (c->t) {
  case N_SEL: {
    const selection *sel = &r->sel[c->sel];
    if (!sel->ng) return bg_none();
    bgset acc = bg_all();
    for (size_t g = 0; g < sel->ng; g++) {
      bgset gr = bg_none();
      for (size_t k = 0; k < sel->g[g].nit; k++) {
        bgset x = item_need(&sel->g[g].it[k]);
        bg_or(&gr, x.w);
      }
      bg_and(&acc, gr.w);
    }
    return acc;
  }
  case N_AND: {
    bgset acc = bg_none();
    for (size_t i = 0; i < c->nk; i++) {
      bgset x = cond_need(r, c->kids[i]);
      bg_or(&acc, x.w);
    }
    return acc;
  }
  case N_OR: {
    if (!c->nk) return bg_none();
    bgset acc = bg_all();
    for (size_t i = 0; i < c->nk; i++) {
      bgset x = cond_need(r, c->kids[i]);
      bg_and(&acc, x.w);
    }
    return acc;
  }
  default: return bg_none();
  }
}

/* ---- the literal prefilter ----
 *
 * The bigram sets above say little about a rule that is an OR of many
 * literals (`CommandLine|contains: [' -dc-ip ', ' -kirbi', ...]`): their
 * intersection is empty, and the 1,183 process_creation rules of SigmaHQ
 * are mostly such. For each rule we compute a clause instead: a set of
 * literals such that whenever the condition is true, one of them occurs in
 * some value of the event (lower-cased). An event's values are scanned for
 * every literal of the set once (a hash of each 3- and 4-byte window), and
 * a rule none of whose literals occurred is not evaluated.
 *
 * Why a clause holds (lclause is "none" when it cannot be said):
 * - a wildcard/literal matcher that matches a value holds each of its
 *   literal tokens in that value: in the lower-cased copy when it is case
 *   insensitive (its text is lower-cased), and in the raw copy, hence the
 *   lower-cased one lower-cased, when cased; we take its longest token;
 * - an item (no neq, no null or exists, only such matchers) is true only
 *   when one of its matchers matched its field's value (or, keywords, any
 *   value): the union of theirs; with `all`, every group of alternatives
 *   matched, so the union over any one group;
 * - a group (AND of items) needs what any one of its items needs; a
 *   selection (OR of groups) the union; and: any one part; or: the union;
 *   not and the constants: none.
 * Literals shorter than 3 bytes, and clauses of more than LIT_MAX, make
 * the clause none: they would filter nothing and cost a scan. */
#define LIT_MAX 96u
#define LIT_MIN 3u

typedef struct lcl {
  uint32_t *v;
  size_t n, cap;
  int none;
  size_t minlen; /* shortest literal, the clause's selectivity */
} lcl;

typedef struct litb {
  ash_sigma *s;
  ash_buf pool;
  uint32_t *off; /* nlit + 1 */
  size_t cap;
  uint32_t *ht; /* literal dedup: id + 1 */
  size_t htcap;
  int rc;
} litb;

static uint64_t lit_hash(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  return h;
}

static const char *lit_text(const litb *b, uint32_t id, size_t *n) {
  *n = b->off[id + 1] - b->off[id];
  return b->pool.p + b->off[id];
}

/* The id of literal p (lower-cased here), interned. UINT32_MAX on error. */
static uint32_t lit_intern(litb *b, const char *p, size_t n) {
  char low[256];
  if (n > sizeof low) n = sizeof low; /* a prefix of a literal is a literal */
  for (size_t i = 0; i < n; i++) low[i] = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] + 32) : p[i];
  ash_sigma *s = b->s;
  if (2 * (s->nlit + 1) > b->htcap) {
    size_t nc = b->htcap ? 2 * b->htcap : 4096;
    uint32_t *nh = calloc(nc, sizeof *nh);
    if (!nh) return UINT32_MAX;
    for (size_t i = 0; i < b->htcap; i++)
      if (b->ht[i]) {
        size_t ln;
        const char *t = lit_text(b, b->ht[i] - 1, &ln);
        size_t k = (size_t)lit_hash(t, ln) & (nc - 1);
        while (nh[k]) k = (k + 1) & (nc - 1);
        nh[k] = b->ht[i];
      }
    free(b->ht);
    b->ht = nh;
    b->htcap = nc;
  }
  size_t k = (size_t)lit_hash(low, n) & (b->htcap - 1);
  for (; b->ht[k]; k = (k + 1) & (b->htcap - 1)) {
    size_t ln;
    const char *t = lit_text(b, b->ht[k] - 1, &ln);
    if (ln == n && !memcmp(t, low, n)) return b->ht[k] - 1;
  }
  uint32_t *no = ash_array_room(b->off, &b->cap, s->nlit + 1, sizeof *b->off, 1024);
  if (!no) return UINT32_MAX;
  b->off = no;
  if (ash_buf_add(&b->pool, low, n)) return UINT32_MAX;
  b->off[s->nlit + 1] = (uint32_t)b->pool.n;
  b->ht[k] = (uint32_t)s->nlit + 1;
  return (uint32_t)s->nlit++;
}

static void lcl_free(lcl *c) {
  free(c->v);
  c->v = NULL;
  c->n = c->cap = 0;
}
static lcl lcl_none(void) {
  lcl c = {NULL, 0, 0, 1, 0};
  return c;
}
static lcl lcl_empty(void) {
  lcl c = {NULL, 0, 0, 0, SIZE_MAX};
  return c;
}

static void lcl_add(litb *b, lcl *c, uint32_t id) {
  if (c->none) return;
  for (size_t i = 0; i < c->n; i++)
    if (c->v[i] == id) return;
  if (c->n >= LIT_MAX) {
    lcl_free(c);
    c->none = 1;
    return;
  }
  uint32_t *nv = ash_array_room(c->v, &c->cap, c->n, sizeof *c->v, 8);
  if (!nv) {
    b->rc = ASH_ENOMEM;
    lcl_free(c);
    c->none = 1;
    return;
  }
  c->v = nv;
  c->v[c->n++] = id;
  size_t ln;
  lit_text(b, id, &ln);
  if (ln < c->minlen) c->minlen = ln;
}

/* a |= x (x freed) */
static void lcl_union(litb *b, lcl *a, lcl *x) {
  if (x->none) {
    lcl_free(a);
    a->none = 1;
  }
  for (size_t i = 0; i < x->n && !a->none; i++) lcl_add(b, a, x->v[i]);
  lcl_free(x);
}

/* Is x a better filter than a? Longer shortest literal, then fewer. */
static int lcl_better(const lcl *x, const lcl *a) {
  if (x->none) return 0;
  if (a->none) return 1;
  return x->minlen != a->minlen ? x->minlen > a->minlen : x->n < a->n;
}

/* keep the better of a and x (the other freed) */
static void lcl_best(lcl *a, lcl *x) {
  if (lcl_better(x, a)) {
    lcl_free(a);
    *a = *x;
  } else {
    lcl_free(x);
  }
}

static lcl matcher_lits(litb *b, const matcher *m) {
  if (m->kind != M_GLOB || m->neg) return lcl_none();
  const gtok *best = NULL;
  for (size_t i = 0; i < m->ntok; i++)
    if (m->tok[i].t == T_LIT && (!best || m->tok[i].n > best->n)) best = &m->tok[i];
  if (!best || best->n < LIT_MIN) return lcl_none();
  uint32_t id = lit_intern(b, m->text + best->off, best->n);
  if (id == UINT32_MAX) {
    b->rc = ASH_ENOMEM;
    return lcl_none();
  }
  lcl c = lcl_empty();
  lcl_add(b, &c, id);
  return c;
}

static lcl item_lits(litb *b, const fitem *it) {
  if (it->neg || !it->nm) return lcl_none();
  if (!it->all) {
    lcl acc = lcl_empty();
    for (size_t i = 0; i < it->nm && !acc.none; i++) {
      lcl x = matcher_lits(b, &it->m[i]);
      lcl_union(b, &acc, &x);
    }
    return acc;
  }
  lcl best = lcl_none();
  for (size_t i = 0; i < it->nm;) {
    int g = it->m[i].grp;
    lcl acc = lcl_empty();
    for (; i < it->nm && it->m[i].grp == g; i++) {
      lcl x = matcher_lits(b, &it->m[i]);
      lcl_union(b, &acc, &x);
    }
    lcl_best(&best, &acc);
  }
  return best;
}

static lcl cond_lits(litb *b, const rule *r, const cnode *c) {
  switch (c->t) {
  case N_SEL: {
    const selection *sel = &r->sel[c->sel];
    if (!sel->ng) return lcl_none();
    lcl acc = lcl_empty();
    for (size_t g = 0; g < sel->ng && !acc.none; g++) {
      lcl best = lcl_none();
      for (size_t k = 0; k < sel->g[g].nit; k++) {
        lcl x = item_lits(b, &sel->g[g].it[k]);
        lcl_best(&best, &x);
      }
      lcl_union(b, &acc, &best);
    }
    return acc;
  }
  case N_AND: {
    lcl best = lcl_none();
    for (size_t i = 0; i < c->nk; i++) {
      lcl x = cond_lits(b, r, c->kids[i]);
      lcl_best(&best, &x);
    }
    return best;
  }
  case N_OR: {
    if (!c->nk) return lcl_none();
    lcl acc = lcl_empty();
    for (size_t i = 0; i < c->nk && !acc.none; i++) {
      lcl x = cond_lits(b, r, c->kids[i]);
      lcl_union(b, &acc, &x);
    }
    return acc;
  }
  default: return lcl_none();
  }
}

/* A literal's scan key: its first 4 bytes (3 when that is all it has). */
static uint32_t lit_key(const char *p, size_t n) {
  uint32_t k = (uint32_t)(unsigned char)p[0] | (uint32_t)(unsigned char)p[1] << 8 |
               (uint32_t)(unsigned char)p[2] << 16;
  if (n >= 4) k |= (uint32_t)(unsigned char)p[3] << 24;
  return k;
}
static size_t key_bit(uint32_t k) { return (size_t)((k * 2654435761u) >> 16); }
static size_t key_slot(uint32_t k, size_t cap) {
  return (size_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

/* Buckets with fewer rules that have a clause than this evaluate them
 * directly: a scan of the event costs about what a few rules do. */
#define LIT_SCAN_RULES 24u

void ash_sigma_lit_free(ash_sigma *s) {
  free(s->litp);
  free(s->litoff);
  free(s->lclause);
  free(s->lcstart);
  free(s->lnext);
  free(s->lkey);
  free(s->lhead);
  free(s->bscan);
}

static int lit_build(ash_sigma *s) {
  ash_sigma_lit_free(s);
  s->litp = NULL;
  s->litoff = s->lclause = s->lnext = s->lkey = s->lhead = NULL;
  s->lcstart = NULL;
  s->bscan = NULL;
  s->nlit = 0;
  s->lcap = 0;
  memset(s->lbm, 0, sizeof s->lbm);
  memset(s->lpre, 0, sizeof s->lpre);
  litb b;
  memset(&b, 0, sizeof b);
  b.s = s;
  ash_buf_init(&b.pool, 64u << 20);
  b.off = calloc(1024, sizeof *b.off);
  b.cap = 1024;
  s->lcstart = calloc(s->nr + 1, sizeof *s->lcstart);
  size_t ncl = 0, clcap = 0;
  int rc = b.off && s->lcstart ? ASH_OK : ASH_ENOMEM;
  for (size_t i = 0; i < s->nr && !rc; i++) {
    s->lcstart[i] = ncl;
    if (!s->r[i].cond) continue;
    lcl c = cond_lits(&b, &s->r[i], s->r[i].cond);
    if (b.rc) rc = b.rc;
    if (!rc && !c.none && c.n) {
      uint32_t *nv = ash_array_room(s->lclause, &clcap, ncl + c.n, sizeof *nv, 4096);
      if (!nv) {
        rc = ASH_ENOMEM;
      } else {
        s->lclause = nv;
        memcpy(s->lclause + ncl, c.v, c.n * sizeof *c.v);
        ncl += c.n;
      }
    }
    lcl_free(&c);
  }
  if (!rc) s->lcstart[s->nr] = ncl;
  free(b.ht);
  if (!rc) {
    s->litp = b.pool.p;
    s->litoff = b.off;
    b.pool.p = NULL;
    b.off = NULL;
  }
  ash_buf_free(&b.pool);
  free(b.off);
  if (rc) return rc;
  /* the scan table: literals by key, chained */
  size_t cap = 16;
  while (cap < 2 * s->nlit + 2) cap *= 2;
  s->lcap = cap;
  s->lkey = calloc(cap, sizeof *s->lkey);
  s->lhead = calloc(cap, sizeof *s->lhead);
  s->lnext = calloc(s->nlit + 1, sizeof *s->lnext);
  s->bscan = calloc(ASH_SIGMA_BUCKETS + 1, 1);
  if (!s->lkey || !s->lhead || !s->lnext || !s->bscan) return ASH_ENOMEM;
  for (size_t j = 0; j < s->nlit; j++) {
    const char *p = s->litp + s->litoff[j];
    size_t n = s->litoff[j + 1] - s->litoff[j];
    uint32_t k = lit_key(p, n);
    size_t t = n >= 4;
    s->lbm[t][key_bit(k) >> 6] |= 1ull << (key_bit(k) & 63);
    size_t pb = key_bit(k & 0xffffffu);
    s->lpre[pb >> 6] |= 1ull << (pb & 63);
    /* 3-byte keys have a zero top byte, which no 4-byte key of a literal
     * without NUL bytes has; a NUL in a literal only costs a collision */
    size_t slot = key_slot(k, cap);
    while (s->lhead[slot] && s->lkey[slot] != k) slot = (slot + 1) & (cap - 1);
    s->lkey[slot] = k;
    s->lnext[j] = s->lhead[slot];
    s->lhead[slot] = (uint32_t)j + 1;
  }
  return ASH_OK;
}

/* Mark the literals present in one lower-cased value. */
static void lit_scan_value(const ash_sigma *s, ash_sigma_doc *d, const char *p, size_t n) {
  for (size_t i = 0; i + LIT_MIN <= n; i++) {
    uint32_t k3 = (uint32_t)(unsigned char)p[i] | (uint32_t)(unsigned char)p[i + 1] << 8 |
                  (uint32_t)(unsigned char)p[i + 2] << 16;
    /* most positions start no literal: one test for both lengths */
    size_t pb = key_bit(k3);
    if (!(s->lpre[pb >> 6] >> (pb & 63) & 1)) continue;
    for (int t = 0; t < 2; t++) {
      uint32_t k = k3;
      if (t) {
        if (i + 4 > n) break;
        k |= (uint32_t)(unsigned char)p[i + 3] << 24;
      }
      size_t bit = key_bit(k);
      if (!(s->lbm[t][bit >> 6] >> (bit & 63) & 1)) continue;
      size_t slot = key_slot(k, s->lcap);
      while (s->lhead[slot] && s->lkey[slot] != k) slot = (slot + 1) & (s->lcap - 1);
      for (uint32_t j = s->lhead[slot]; j; j = s->lnext[j - 1]) {
        size_t ln = s->litoff[j] - s->litoff[j - 1];
        const char *lit = s->litp + s->litoff[j - 1];
        /* the key holds the literal's first 3 or 4 bytes, and literals
         * sharing a prefix often differ at their end */
        size_t kn = t ? 4 : 3;
        /* (a 3-byte literal shares a 4-byte key whose last byte is NUL) */
        if (kn > ln) kn = ln;
        if (ln <= n - i && p[i + ln - 1] == lit[ln - 1] && !memcmp(p + i + kn, lit + kn, ln - kn))
          d->litgen[j - 1] = d->gen;
      }
    }
  }
}

/* May rule i match d, as far as its literals say? */
static int lit_may(const ash_sigma *s, ash_sigma_doc *d, size_t i) {
  size_t a = s->lcstart[i], e = s->lcstart[i + 1];
  if (a == e || d->ovl_over) return 1;
  if (d->lscan != d->gen) {
    for (size_t k = 0; k < d->nall; k++)
      lit_scan_value(s, d, d->text.p + d->all[k].loff, d->all[k].n);
    for (size_t k = 0; k < d->novl; k++)
      lit_scan_value(s, d, d->text.p + d->ovl[k]->loff, d->ovl[k]->n);
    d->lscan = d->gen;
  }
  for (; a < e; a++)
    if (d->litgen[s->lclause[a]] == d->gen) return 1;
  return 0;
}

static int build_index(ash_sigma *s) {
  free(s->need);
  s->need = malloc((s->nr ? s->nr : 1) * sizeof *s->need);
  if (!s->need) return ASH_ENOMEM;
  for (size_t i = 0; i < s->nr; i++) {
    bgset b = s->r[i].cond ? cond_need(&s->r[i], s->r[i].cond) : bg_none();
    memcpy(s->need[i], b.w, sizeof b.w);
  }
  free(s->bidx);
  free(s->bstart);
  s->bidx = NULL;
  s->bstart = calloc(ASH_SIGMA_BUCKETS + 2, sizeof *s->bstart);
  if (!s->bstart) return ASH_ENOMEM;
  size_t tmp[64], total = 0;
  for (size_t i = 0; i < s->nr; i++) {
    size_t n = rule_buckets(s, &s->r[i], tmp, 64);
    for (size_t k = 0; k < n; k++) s->bstart[tmp[k] + 1]++;
    total += n;
  }
  for (size_t b = 0; b <= ASH_SIGMA_BUCKETS; b++) s->bstart[b + 1] += s->bstart[b];
  s->bidx = malloc((total ? total : 1) * sizeof *s->bidx);
  size_t *fill = calloc(ASH_SIGMA_BUCKETS + 1, sizeof *fill);
  if (!s->bidx || !fill) {
    free(fill);
    return ASH_ENOMEM;
  }
  for (size_t i = 0; i < s->nr; i++) {
    size_t n = rule_buckets(s, &s->r[i], tmp, 64);
    for (size_t k = 0; k < n; k++) s->bidx[s->bstart[tmp[k]] + fill[tmp[k]]++] = (uint32_t)i;
  }
  free(fill);
  int rc = lit_build(s);
  if (rc) return rc;
  /* which buckets scan for literals: the rules with a clause that an event
   * of the bucket meets (its own and the any-event-id bucket) */
  for (size_t b = 0; b < ASH_SIGMA_BUCKETS; b++) {
    size_t n = 0;
    for (size_t k = s->bstart[b]; k < s->bstart[b + 1]; k++)
      n += s->lcstart[s->bidx[k] + 1] != s->lcstart[s->bidx[k]];
    for (size_t k = s->bstart[ASH_SIGMA_BUCKETS]; k < s->bstart[ASH_SIGMA_BUCKETS + 1]; k++)
      n += s->lcstart[s->bidx[k] + 1] != s->lcstart[s->bidx[k]];
    s->bscan[b] = n >= LIT_SCAN_RULES;
  }
  s->indexed = 1;
  return ASH_OK;
}

/* ---- documents ---- */

int ash_sigma_prepare(ash_sigma *s) {
  if (s->indexed) return ASH_OK;
  int rc = ash_sigma_corr_resolve(s);
  if (!rc) rc = build_index(s);
  /* loading is over: what it parsed is written for the next run now, not
   * at exit, so that a run stopped during its evaluation still leaves it */
  if (s->yc) {
    s->cached = ash_ycache_hits(s->yc);
    ash_ycache_close(s->yc);
    s->yc = NULL;
  }
  return rc;
}

int ash_sigma_doc_open(ash_sigma_doc **out, const ash_sigma *s) {
  /* the index is a cache of the set, built when the first document of a
   * loaded set is opened */
  ash_sigma *ms = (ash_sigma *)s;
  int rc;
  if (!s->indexed && (rc = ash_sigma_prepare(ms))) return rc;
  ash_sigma_doc *d = calloc(1, sizeof *d);
  if (!d) return ASH_ENOMEM;
  d->s = s;
  d->nv = s->nf;
  d->v = calloc(d->nv ? d->nv : 1, sizeof *d->v);
  d->ov = calloc(d->nv ? d->nv : 1, sizeof *d->ov);
  d->md = pcre2_match_data_create(1, NULL);
  d->nlit = s->nlit;
  d->litgen = calloc(s->nlit ? s->nlit : 1, sizeof *d->litgen);
  if (!d->v || !d->ov || !d->md || !d->litgen) {
    ash_sigma_doc_close(d);
    return ASH_ENOMEM;
  }
  ash_buf_init(&d->text, ASH_MAX_SIGMA_DOC);
  d->gen = 1;
  *out = d;
  return ASH_OK;
}

void ash_sigma_doc_close(ash_sigma_doc *d) {
  if (!d) return;
  free(d->v);
  free(d->ov);
  free(d->all);
  free(d->strs);
  free(d->kv);
  free(d->litgen);
  ash_buf_free(&d->text);
  if (d->md) pcre2_match_data_free((pcre2_match_data *)d->md);
  free(d);
}

void ash_sigma_doc_reset(ash_sigma_doc *d, int64_t event_id, ash_str channel, ash_str provider,
                         int64_t ts) {
  (void)provider;
  d->gen++;
  if (d->gen == 0) {
    /* wrapped: forget every stale mark */
    memset(d->v, 0, d->nv * sizeof *d->v);
    memset(d->ov, 0, d->nv * sizeof *d->ov);
    memset(d->litgen, 0, d->s->nlit * sizeof *d->litgen);
    d->lscan = 0;
    d->gen = 1;
  }
  d->novl = 0;
  d->ovl_over = 0;
  ash_buf_reset(&d->text);
  memset(d->bg, 0, sizeof d->bg);
  d->nall = 0;
  d->eid = event_id;
  d->ts = ts;
  size_t n = channel.n < sizeof d->chanbuf ? channel.n : sizeof d->chanbuf - 1;
  if (n) memcpy(d->chanbuf, channel.p, n);
  d->chanbuf[n] = 0;
  d->channel = ash_str_make(d->chanbuf, n);
}

/* "0x00000000000003e7" -> "0x3e7": EVTX stores HexInt64 values padded,
 * Windows' own rendering (Event Viewer, Winlogbeat, the rules) does not. */
static ash_str unpad_hex(ash_str v) {
  if (v.n < 4 || v.p[0] != '0' || (v.p[1] != 'x' && v.p[1] != 'X') || v.p[2] != '0') return v;
  for (size_t i = 2; i < v.n; i++) {
    char c = v.p[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return v;
  }
  size_t z = 2;
  while (z + 1 < v.n && v.p[z] == '0') z++;
  /* the "0x" stays in front of the significant digits: callers copy the
   * two pieces */
  return ash_str_make(v.p + z, v.n - z);
}

void ash_sigma_bigrams(const char *p, size_t n, uint64_t bg[ASH_SIGMA_BGW]) {
  for (size_t i = 0; i + 1 < n; i++) {
    unsigned h = ((unsigned char)p[i] * 31u + (unsigned char)p[i + 1] * 7u) & 1023u;
    bg[h >> 6] |= 1ull << (h & 63);
  }
}

/* dst = src with ASCII A-Z lower-cased, eight bytes at a time: every
 * event value is copied this way once. */
static void lower_copy(char *dst, const char *src, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    memcpy(&x, src + i, 8);
    x = ash_sigma_lower8(x);
    memcpy(dst + i, &x, 8);
  }
  for (; i < n; i++) {
    char c = src[i];
    dst[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
  }
}

static int put_value(ash_sigma_doc *d, ash_str value, dval *out) {
  ash_str digits = unpad_hex(value);
  int hex = digits.p != value.p;
  size_t off = d->text.n;
  int rc;
  if (hex && (rc = ash_buf_add(&d->text, "0x", 2))) return rc;
  if ((rc = ash_buf_add(&d->text, digits.p, digits.n))) return rc;
  size_t n = d->text.n - off;
  size_t loff = d->text.n;
  if ((rc = ash_buf_reserve(&d->text, n))) return rc;
  lower_copy(d->text.p + loff, d->text.p + off, n);
  d->text.n += n;
  d->text.p[d->text.n] = 0;
  out->off = (uint32_t)off;
  out->n = (uint32_t)n;
  out->loff = (uint32_t)loff;
  out->gen = d->gen;
  memset(out->bg, 0, sizeof out->bg);
  ash_sigma_bigrams(d->text.p + loff, n, out->bg);
  for (int i = 0; i < ASH_SIGMA_BGW; i++) d->bg[i] |= out->bg[i];
  return ASH_OK;
}

int ash_sigma_doc_add(ash_sigma_doc *d, ash_str name, ash_str value) {
  dval v;
  int rc = put_value(d, value, &v);
  if (rc) return rc;
  dval *a = ash_array_room(d->all, &d->allcap, d->nall, sizeof *d->all, 32);
  if (!a) return ASH_ENOMEM;
  d->all = a;
  d->all[d->nall++] = v;
  uint32_t id = ash_sigma_field_lookup(d->s, name.p, name.n);
  if (id != ASH_SIGMA_FIELD_NONE && id < d->nv && d->v[id].gen != d->gen) d->v[id] = v;
  /* Defender names its data items with spaces ("Threat Name"); the rules
   * write them without ("ThreatName"), as the event's rendering in the
   * Sigma converters and Hayabusa does */
  if (name.n < 128 && memchr(name.p, ' ', name.n)) {
    char c[128];
    size_t k = 0;
    for (size_t i = 0; i < name.n; i++)
      if (name.p[i] != ' ') c[k++] = name.p[i];
    id = ash_sigma_field_lookup(d->s, c, k);
    if (id != ASH_SIGMA_FIELD_NONE && id < d->nv && d->v[id].gen != d->gen) d->v[id] = v;
  }
  return ASH_OK;
}

int ash_sigma_doc_add_overlay(ash_sigma_doc *d, const char *name, ash_str value) {
  uint32_t id = ash_sigma_field_lookup(d->s, name, strlen(name));
  if (id == ASH_SIGMA_FIELD_NONE || id >= d->nv) return ASH_OK;
  int rc = put_value(d, value, &d->ov[id]);
  if (rc) return rc;
  /* the literal scan reads every overlay value too */
  if (d->novl < sizeof d->ovl / sizeof d->ovl[0])
    d->ovl[d->novl++] = &d->ov[id];
  else
    d->ovl_over = 1;
  return ASH_OK;
}

int ash_sigma_doc_get(const ash_sigma_doc *d, uint32_t id, int ov, ash_str *raw, ash_str *low,
                      const uint64_t **bg) {
  if (id >= d->nv) return 0;
  const dval *v = NULL;
  if (ov && d->ov[id].gen == d->gen)
    v = &d->ov[id];
  else if (d->v[id].gen == d->gen)
    v = &d->v[id];
  if (!v) return 0;
  *raw = ash_str_make(d->text.p + v->off, v->n);
  *low = ash_str_make(d->text.p + v->loff, v->n);
  if (bg) *bg = v->bg;
  return 1;
}

/* ---- Security 4688 as process_creation ---- */

static ash_str attr(const ash_event *ev, const char *name) {
  for (size_t i = 0; i < ev->nattrs; i++)
    if (ash_str_eq(ev->attrs[i].k, name)) return ev->attrs[i].v;
  return ASH_STR_NULL;
}

/* "0x1a4" -> "420": Sysmon writes process ids in decimal, 4688 in hex. */
static int hex_to_dec(ash_str v, char out[24]) {
  if (v.n < 3 || v.n > 18 || v.p[0] != '0' || (v.p[1] | 32) != 'x') return 0;
  uint64_t x = 0;
  for (size_t i = 2; i < v.n; i++) {
    char c = v.p[i];
    int dgt = c >= '0' && c <= '9'                 ? c - '0'
              : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10
                                                   : -1;
    if (dgt < 0) return 0;
    x = x * 16 + (uint64_t)dgt;
  }
  snprintf(out, 24, "%llu", (unsigned long long)x);
  return 1;
}

/* The integrity level names Sysmon writes, from the mandatory label SIDs
 * of 4688 (S-1-16-<RID>, well-known SIDs). */
static const char *integrity(ash_str sid) {
  static const struct {
    const char *sid, *name;
  } T[] = {{"S-1-16-0", "Untrusted"},    {"S-1-16-4096", "Low"},   {"S-1-16-8192", "Medium"},
           {"S-1-16-8448", "Medium"},    {"S-1-16-12288", "High"}, {"S-1-16-16384", "System"},
           {"S-1-16-20480", "Protected"}};
  for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
    if (ash_str_ieq(sid, T[i].sid)) return T[i].name;
  return NULL;
}

static int overlay_4688(ash_sigma_doc *d, const ash_event *ev) {
  int rc = ASH_OK;
  ash_str v;
  char num[24];
  if ((v = attr(ev, "NewProcessName")).n) rc = ash_sigma_doc_add_overlay(d, "Image", v);
  if (!rc && (v = attr(ev, "ParentProcessName")).n)
    rc = ash_sigma_doc_add_overlay(d, "ParentImage", v);
  if (!rc && hex_to_dec(attr(ev, "NewProcessId"), num))
    rc = ash_sigma_doc_add_overlay(d, "ProcessId", ash_str_cstr(num));
  if (!rc && hex_to_dec(attr(ev, "ProcessId"), num))
    rc = ash_sigma_doc_add_overlay(d, "ParentProcessId", ash_str_cstr(num));
  const char *il = integrity(attr(ev, "MandatoryLabel"));
  if (!rc && il) rc = ash_sigma_doc_add_overlay(d, "IntegrityLevel", ash_str_cstr(il));
  ash_str u = attr(ev, "SubjectUserName"), dom = attr(ev, "SubjectDomainName");
  if (!rc && u.n) {
    char buf[512];
    int n = dom.n ? snprintf(buf, sizeof buf, "%.*s\\%.*s", (int)dom.n, dom.p, (int)u.n, u.p)
                  : snprintf(buf, sizeof buf, "%.*s", (int)u.n, u.p);
    if (n > 0 && (size_t)n < sizeof buf)
      rc = ash_sigma_doc_add_overlay(d, "User", ash_str_make(buf, (size_t)n));
  }
  return rc;
}

/* ---- the attrs object, read without building a JSON tree ---- */

static const char *skip_ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

static int hexval(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* The bytes fast_str copies as they are: printable ASCII but the quote
 * and the backslash (0x20-0x7f without 0x22 and 0x5c), written out as
 * rows of 16 so that the table can be checked by eye. */
static const uint8_t plain_byte[256] = {
    /* 0x00-0x1f: control bytes */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: 0x22 '"' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: 0x5c '\\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
    /* 0x80-0xff: 0, left to jansson's UTF-8 check */
};

/* One JSON string at *pp (after its opening quote), decoded to *o. 0 for
 * anything the fast path leaves to jansson: a byte >= 0x80 (jansson checks
 * UTF-8), a control byte or an unknown escape (errors), \u0000 (a key with
 * a NUL in it), a surrogate escape. */
static int fast_str(const char **pp, char **o) {
  const char *p = *pp;
  char *w = *o;
  for (;;) {
    unsigned char c = (unsigned char)*p++;
    if (plain_byte[c]) {
      *w++ = (char)c;
      continue;
    }
    if (c == '"') break;
    if (c != '\\') return 0; /* a control byte or a byte from 0x80 */
    switch (*p++) {
    case '"': *w++ = '"'; break;
    case '\\': *w++ = '\\'; break;
    case '/': *w++ = '/'; break;
    case 'b': *w++ = '\b'; break;
    case 'f': *w++ = '\f'; break;
    case 'n': *w++ = '\n'; break;
    case 'r': *w++ = '\r'; break;
    case 't': *w++ = '\t'; break;
    case 'u': {
      unsigned cp = 0;
      for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return 0;
        cp = cp * 16 + (unsigned)h;
      }
      p += 4;
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
      if (cp < 0x80) {
        *w++ = (char)cp;
      } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
      } else {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
      }
      break;
    }
    default: return 0;
    }
  }
  *pp = p;
  *o = w;
  return 1;
}

/* The index + 1 of an earlier pair of this object with the key of kv[n],
 * or 0 (the key is then remembered). */
static size_t key_seen(ash_sigma_doc *d, size_t n) {
  ash_str k = d->kv[n].k;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < k.n; i++) h = (h ^ (unsigned char)k.p[i]) * 1099511628211ull;
  size_t slot = (size_t)(h & 1023u);
  for (;;) {
    if (d->keygen[slot] != d->kgen) {
      d->keygen[slot] = d->kgen;
      d->keyslot[slot] = (uint32_t)n + 1;
      return 0;
    }
    ash_str o = d->kv[d->keyslot[slot] - 1].k;
    if (o.n == k.n && !memcmp(o.p, k.p, k.n)) return d->keyslot[slot];
    slot = (slot + 1) & 1023u;
  }
}

/* The attrs object as ash_event_attrs_json writes it, {"k":"v",...} with
 * string values, read straight into d->kv (strings decoded into d->strs).
 * 1 when read; 0 when the text is anything else (another value type, a
 * non-ASCII byte, a syntax error, text after the object): the caller then
 * reads it with jansson, so that both paths give the same pairs in the
 * same order, and every error stays jansson's. jansson keeps an object's
 * insertion order, and a repeated key (EVTX UserData repeats names: CAPI2's
 * fileRef, value; 4648's LogonGuid) keeps its first place with its last
 * value; so does this. A decoded string is never longer than
 * its JSON form, so strs needs the text's length. */
static int read_attrs(ash_sigma_doc *d, const char *js, size_t *nkv) {
  size_t len = strlen(js);
  if (len + 1 > d->strscap) {
    char *n = realloc(d->strs, len + 1);
    if (!n) return 0;
    d->strs = n;
    d->strscap = len + 1;
  }
  if (++d->kgen == 0) {
    memset(d->keygen, 0, sizeof d->keygen);
    d->kgen = 1;
  }
  char *w = d->strs;
  const char *p = skip_ws(js);
  size_t n = 0;
  if (*p++ != '{') return 0;
  p = skip_ws(p);
  if (*p == '}') {
    p++;
  } else {
    for (;;) {
      if (*p++ != '"') return 0;
      /* the repeated-key table holds at most half its slots */
      if (n >= 512) return 0;
      ash_kv *kv = ash_array_room(d->kv, &d->kvcap, n, sizeof *d->kv, 64);
      if (!kv) return 0;
      d->kv = kv;
      char *k0 = w;
      if (!fast_str(&p, &w)) return 0;
      kv[n].k = ash_str_make(k0, (size_t)(w - k0));
      p = skip_ws(p);
      if (*p++ != ':') return 0;
      p = skip_ws(p);
      if (*p++ != '"') return 0;
      char *v0 = w;
      if (!fast_str(&p, &w)) return 0;
      kv[n].v = ash_str_make(v0, (size_t)(w - v0));
      size_t seen = key_seen(d, n);
      if (seen)
        kv[seen - 1].v = kv[n].v;
      else
        n++;
      p = skip_ws(p);
      if (*p == ',') {
        p = skip_ws(p + 1);
        continue;
      }
      if (*p++ != '}') return 0;
      break;
    }
  }
  if (*skip_ws(p)) return 0;
  *nkv = n;
  return 1;
}

int ash_sigma_doc_from_event(ash_sigma_doc *d, const ash_event *ev, const char *attrs_json) {
  json_t *root = NULL;
  ash_kv *kv = NULL;
  size_t nkv = 0;
  int rc = ASH_OK;
  const ash_kv *attrs = ev->attrs;
  size_t nattrs = ev->nattrs;
  if (attrs_json && read_attrs(d, attrs_json, &nkv)) {
    attrs = d->kv;
    nattrs = nkv;
  } else if (attrs_json) {
    json_error_t je;
    root = json_loads(attrs_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!root || !json_is_object(root)) {
      json_decref(root);
      return ASH_EFORMAT;
    }
    size_t cap = json_object_size(root);
    kv = calloc(cap ? cap : 1, sizeof *kv);
    if (!kv) {
      json_decref(root);
      return ASH_ENOMEM;
    }
    const char *k;
    json_t *v;
    nkv = 0;
    json_object_foreach(root, k, v) {
      if (json_is_string(v)) {
        kv[nkv].k = ash_str_cstr(k);
        kv[nkv].v = ash_str_make(json_string_value(v), json_string_length(v));
        nkv++;
      }
    }
    attrs = kv;
    nattrs = nkv;
  }
  ash_event view = *ev;
  view.attrs = attrs;
  view.nattrs = nattrs;
  ash_str provider = attr(&view, "System.Provider");
  ash_sigma_doc_reset(d, ev->event_id, ev->channel, provider, ev->ts);
  char num[24];
  if (ev->event_id != ASH_UNSET) {
    snprintf(num, sizeof num, "%lld", (long long)ev->event_id);
    rc = ash_sigma_doc_add(d, ash_str_cstr("EventID"), ash_str_cstr(num));
  }
  if (!rc && ev->channel.n) rc = ash_sigma_doc_add(d, ash_str_cstr("Channel"), ev->channel);
  if (!rc && provider.n) rc = ash_sigma_doc_add(d, ash_str_cstr("Provider_Name"), provider);
  if (!rc && ev->host.n) rc = ash_sigma_doc_add(d, ash_str_cstr("Computer"), ev->host);
  for (size_t i = 0; i < nattrs && !rc; i++) {
    if (ash_str_eq(attrs[i].k, "System.Provider")) continue;
    rc = ash_sigma_doc_add(d, attrs[i].k, attrs[i].v);
  }
  if (!rc && ev->event_id == 4688 && ash_str_ieq(ev->channel, "Security"))
    rc = overlay_4688(d, &view);
  free(kv);
  json_decref(root);
  return rc;
}

/* ---- matching ---- */

static size_t utf8_len(unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

/* Does token t match at s[pos..]? *len gets the bytes it took. */
static int tok_at(const matcher *m, const gtok *t, const char *s, size_t n, size_t pos,
                  size_t *len) {
  switch (t->t) {
  case T_LIT:
    if (n - pos < t->n || memcmp(s + pos, m->text + t->off, t->n)) return 0;
    *len = t->n;
    return 1;
  case T_ONE: {
    if (pos >= n) return 0;
    size_t l = utf8_len((unsigned char)s[pos]);
    *len = l <= n - pos ? l : n - pos;
    return 1;
  }
  case T_DASH:
    if (pos >= n) return 0;
    if (s[pos] == '-' || s[pos] == '/') {
      *len = 1;
      return 1;
    }
    /* – — ― (U+2013, U+2014, U+2015) */
    if (n - pos >= 3 && (unsigned char)s[pos] == 0xE2 && (unsigned char)s[pos + 1] == 0x80 &&
        (unsigned char)s[pos + 2] >= 0x93 && (unsigned char)s[pos + 2] <= 0x95) {
      *len = 3;
      return 1;
    }
    return 0;
  default: return 0;
  }
}

/* Wildcard match with one backtrack point: each token matches at most one
 * length at a given position, so retrying only from the last star finds a
 * match whenever one exists. */
static int glob(const matcher *m, const char *s, size_t n) {
  size_t ti = 0, si = 0, star_ti = (size_t)-1, star_si = 0, len;
  for (;;) {
    if (ti < m->ntok) {
      const gtok *t = &m->tok[ti];
      if (t->t == T_STAR) {
        star_ti = ti++;
        star_si = si;
        continue;
      }
      if (tok_at(m, t, s, n, si, &len)) {
        si += len;
        ti++;
        continue;
      }
    } else if (si == n) {
      return 1;
    }
    if (star_ti == (size_t)-1 || star_si >= n) return 0;
    si = ++star_si;
    ti = star_ti + 1;
  }
}

static int parse_number(ash_str s, double *out) {
  char buf[64];
  while (s.n && (s.p[0] == ' ')) s.p++, s.n--;
  if (!s.n || s.n >= sizeof buf) return 0;
  memcpy(buf, s.p, s.n);
  buf[s.n] = 0;
  char *end;
  double v;
  if (s.n > 2 && buf[0] == '0' && (buf[1] | 32) == 'x')
    v = (double)strtoull(buf + 2, &end, 16);
  else
    v = strtod(buf, &end);
  if (*end || end == buf) return 0;
  *out = v;
  return 1;
}

static int cmp_num(int cmp, double a, double b) {
  switch (cmp) {
  case C_LT: return a < b;
  case C_LTE: return a <= b;
  case C_GT: return a > b;
  case C_GTE: return a >= b;
  default: return a == b;
  }
}

/* minute/hour/... of "2024-03-01 10:22:01.123" or "2024-03-01T10:22:01Z". */
static int time_part(ash_str s, int part, double *out) {
  int64_t t;
  if (ash_time_parse_iso(s, &t)) return 0;
  int64_t sec = t >= 0 ? t / 1000000 : (t - 999999) / 1000000;
  int64_t days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
  int64_t rem = sec - days * 86400;
  /* civil from days (Howard Hinnant) */
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, dd = doy - (153 * mp + 2) / 5 + 1;
  int64_t mm = mp < 10 ? mp + 3 : mp - 9;
  if (mm <= 2) y++;
  switch (part) {
  case TP_MINUTE: *out = (double)(rem / 60 % 60); return 1;
  case TP_HOUR: *out = (double)(rem / 3600); return 1;
  case TP_DAY: *out = (double)dd; return 1;
  case TP_MONTH: *out = (double)mm; return 1;
  case TP_YEAR: *out = (double)y; return 1;
  case TP_WEEK: {
    /* ISO 8601 week: the week of the Thursday of this date's week */
    int64_t wd = ((days % 7) + 7 + 3) % 7; /* 0 = Monday (1970-01-01 was a Thursday) */
    int64_t thu = days - wd + 3;
    int64_t jan1 = ash_days_from_civil(y, 1, 1);
    /* the Thursday may fall in the previous or next year */
    int64_t ty = y;
    if (thu < jan1)
      ty = y - 1;
    else if (thu >= ash_days_from_civil(y + 1, 1, 1))
      ty = y + 1;
    *out = (double)((thu - ash_days_from_civil(ty, 1, 1)) / 7 + 1);
    return 1;
  }
  default: return 0;
  }
}

static int cidr_has(const matcher *m, ash_str v) {
  ash_ip ip;
  if (ash_ip_parse(v, &ip) != ASH_OK || ip.fam != m->net.fam) return 0;
  const uint8_t *a = ip.b, *b = m->net.b;
  unsigned bits = m->plen;
  if (ip.fam == 4) {
    a += 12;
    b += 12;
  }
  for (unsigned i = 0; bits; i++) {
    unsigned take = bits >= 8 ? 8 : bits;
    uint8_t mask = (uint8_t)(0xFF << (8 - take));
    if ((a[i] & mask) != (b[i] & mask)) return 0;
    bits -= take;
  }
  return 1;
}

/* Does h hold n? The contains test of every rule. glibc's memmem walks a
 * long value (a PowerShell script block, a command line) a byte or two at
 * a time; here 16 positions are tested at once for the needle's first and
 * last bytes (both must match at a hit), and only those candidates are
 * compared in full. Same answer as memmem; nothing is read outside h. */
static int has_sub(const char *h, size_t hn, const char *n, size_t nn) {
  if (!nn) return 1;
  if (nn > hn) return 0;
  if (nn == 1) return memchr(h, n[0], hn) != NULL;
  size_t last = hn - nn, i = 0; /* candidate positions 0..last */
#if defined(__SSE2__)
  const __m128i f = _mm_set1_epi8(n[0]), l = _mm_set1_epi8(n[nn - 1]);
  /* the loads read h[i .. i+15] and h[i+nn-1 .. i+nn+14]; i + 15 <= last
   * keeps the second inside h (i + nn + 14 <= hn - 1) */
  for (; i + 15 <= last; i += 16) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(h + i + nn - 1));
    unsigned msk =
        (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));
    while (msk) {
      unsigned j = (unsigned)__builtin_ctz(msk);
      if (!memcmp(h + i + j + 1, n + 1, nn - 2)) return 1;
      msk &= msk - 1;
    }
  }
#endif
  for (; i <= last; i++)
    if (h[i] == n[0] && h[i + nn - 1] == n[nn - 1] && !memcmp(h + i + 1, n + 1, nn - 2)) return 1;
  return 0;
}

int ash_sigma_matcher_test(const ash_sigma_doc *d, const matcher *m, int ov, ash_str raw,
                           ash_str low, const uint64_t *bg) {
  switch (m->kind) {
  case M_GLOB: {
    if (m->usebg && bg) {
      for (unsigned k = 0; k < m->nbgw; k++) {
        unsigned i = m->bgw[k];
        if (m->bg[i] & ~bg[i]) return 0;
      }
    }
    ash_str v = m->cased ? raw : low;
    switch (m->shape) {
    case S_ANY: return 1;
    case S_EXACT: return v.n == m->textn && !memcmp(v.p, m->text, v.n);
    case S_PREFIX: return v.n >= m->textn && !memcmp(v.p, m->text, m->textn);
    case S_SUFFIX: return v.n >= m->textn && !memcmp(v.p + v.n - m->textn, m->text, m->textn);
    case S_CONTAINS: return has_sub(v.p, v.n, m->text, m->textn);
    default: return glob(m, v.p, v.n);
    }
  }
  case M_RE:
    return pcre2_match((const pcre2_code *)m->re, (PCRE2_SPTR)raw.p, raw.n, 0, 0,
                       (pcre2_match_data *)d->md, NULL) >= 0;
  case M_CIDR: return cidr_has(m, raw);
  case M_NUM: {
    double x;
    return parse_number(raw, &x) && cmp_num(m->cmp, x, m->num);
  }
  case M_TIME: {
    double x;
    return time_part(raw, m->tpart, &x) && cmp_num(m->cmp, x, m->num);
  }
  case M_NULL: return raw.n == 0;
  case M_FREF: {
    ash_str r2, l2;
    if (!ash_sigma_doc_get(d, m->fref, ov, &r2, &l2, NULL)) return 0;
    ash_str a = m->cased ? raw : low, b = m->cased ? r2 : l2;
    return a.n == b.n && !memcmp(a.p, b.p, a.n);
  }
  default: return 0;
  }
}

/* The values of an item against one field value: any (or, with all,
 * every group of alternatives) matches. */
static int values_match(const ash_sigma_doc *d, const fitem *it, int ov, ash_str raw, ash_str low,
                        const uint64_t *bg) {
  if (!it->all) {
    for (size_t i = 0; i < it->nm; i++)
      if (ash_sigma_matcher_test(d, &it->m[i], ov, raw, low, bg)) return 1;
    return 0;
  }
  for (size_t i = 0; i < it->nm;) {
    int g = it->m[i].grp, ok = 0;
    for (; i < it->nm && it->m[i].grp == g; i++)
      if (!ok && ash_sigma_matcher_test(d, &it->m[i], ov, raw, low, bg)) ok = 1;
    if (!ok) return 0;
  }
  return 1;
}

/* Can m match no value of d, by its bigrams? A value's bigrams are a part
 * of the document's, so a matcher lacking some of the document's lacks
 * them in every value, where ash_sigma_matcher_test says no. */
static int doc_lacks(const ash_sigma_doc *d, const matcher *m) {
  if (m->kind != M_GLOB || !m->usebg) return 0;
  for (unsigned k = 0; k < m->nbgw; k++) {
    unsigned i = m->bgw[k];
    if (m->bg[i] & ~d->bg[i]) return 1;
  }
  return 0;
}

static int item_match(const ash_sigma_doc *d, const fitem *it, int ov) {
  if (!it->nm) return 0;
  if (it->field == ASH_SIGMA_FIELD_NONE) {
    /* keywords: each value (each group with all) found in some value */
    if (!it->all) {
      /* any keyword in any value: keyword by keyword, so that one whose
       * bigrams the event lacks (doc_lacks) skips every value at once */
      for (size_t i = 0; i < it->nm; i++) {
        if (doc_lacks(d, &it->m[i])) continue;
        for (size_t k = 0; k < d->nall; k++) {
          ash_str raw = ash_str_make(d->text.p + d->all[k].off, d->all[k].n);
          ash_str low = ash_str_make(d->text.p + d->all[k].loff, d->all[k].n);
          if (ash_sigma_matcher_test(d, &it->m[i], ov, raw, low, d->all[k].bg)) return !it->neg;
        }
      }
      return it->neg;
    }
    for (size_t i = 0; i < it->nm;) {
      int g = it->m[i].grp, ok = 0;
      for (; i < it->nm && it->m[i].grp == g; i++)
        for (size_t k = 0; k < d->nall && !ok && !doc_lacks(d, &it->m[i]); k++) {
          ash_str raw = ash_str_make(d->text.p + d->all[k].off, d->all[k].n);
          ash_str low = ash_str_make(d->text.p + d->all[k].loff, d->all[k].n);
          ok = ash_sigma_matcher_test(d, &it->m[i], ov, raw, low, d->all[k].bg);
        }
      if (!ok) return it->neg;
    }
    return !it->neg;
  }
  ash_str raw, low;
  const uint64_t *bg = NULL;
  int present = ash_sigma_doc_get(d, it->field, ov, &raw, &low, &bg);
  if (it->m[0].kind == M_EXISTS) return present == it->m[0].exists;
  if (!present) {
    /* an absent field is null, and differs from every value */
    for (size_t i = 0; i < it->nm; i++)
      if (it->m[i].kind == M_NULL) return !it->neg;
    return it->neg;
  }
  return values_match(d, it, ov, raw, low, bg) ? !it->neg : it->neg;
}

static int sel_match(const ash_sigma_doc *d, const selection *s, int ov) {
  for (size_t g = 0; g < s->ng; g++) {
    size_t k;
    for (k = 0; k < s->g[g].nit; k++)
      if (!item_match(d, &s->g[g].it[k], ov)) break;
    if (k == s->g[g].nit) return 1;
  }
  return 0;
}

static int cond_eval(const ash_sigma_doc *d, const rule *r, const cnode *c) {
  switch (c->t) {
  case N_SEL: return sel_match(d, &r->sel[c->sel], r->ls.overlay);
  case N_AND:
    for (size_t i = 0; i < c->nk; i++)
      if (!cond_eval(d, r, c->kids[i])) return 0;
    return 1;
  case N_OR:
    for (size_t i = 0; i < c->nk; i++)
      if (cond_eval(d, r, c->kids[i])) return 1;
    return 0;
  case N_NOT: return !cond_eval(d, r, c->kids[0]);
  case N_TRUE: return 1;
  default: return 0;
  }
}

int ash_sigma_match(const ash_sigma *s, ash_sigma_doc *d, int (*cb)(void *u, size_t rule),
                    void *u) {
  /* d->litgen is sized for the literals of the index it was opened on */
  if (!s->indexed || d->nv != s->nf || d->nlit != s->nlit) return ASH_EUSAGE;
  size_t b = d->eid == ASH_UNSET ? ASH_SIGMA_BUCKETS : bucket_of(d->eid);
  const uint32_t *x = s->bidx + s->bstart[b], *xe = s->bidx + s->bstart[b + 1];
  const uint32_t *y = s->bidx + s->bstart[ASH_SIGMA_BUCKETS],
                 *ye = s->bidx + s->bstart[ASH_SIGMA_BUCKETS + 1];
  if (b == ASH_SIGMA_BUCKETS) x = xe;
  /* merge the event id's bucket with the any-event-id bucket, in rule order */
  while (x < xe || y < ye) {
    uint32_t i = (y >= ye || (x < xe && *x < *y)) ? *x++ : *y++;
    const rule *r = &s->r[i];
    uint64_t miss = 0;
    for (int k = 0; k < ASH_SIGMA_BGW; k++) miss |= s->need[i][k] & ~d->bg[k];
    if (miss) continue;
    if (!ash_sigma_logsource_takes(&r->ls, d->eid, d->channel)) continue;
    if (s->bscan[b] && !lit_may(s, d, i)) continue;
    if (!cond_eval(d, r, r->cond)) continue;
    int rc = cb(u, i);
    if (rc) return rc;
  }
  return ASH_OK;
}
