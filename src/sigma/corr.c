/* Correlation rules (Sigma correlation specification 2.1): event_count,
 * value_count, temporal, temporal_ordered, value_sum and value_avg, with
 * group-by, timespan, aliases, generate, and correlations of
 * correlations.
 *
 * Events arrive in time order (the store hands them out so), so each
 * correlation keeps, per group-by key, the hits of the last timespan and
 * tests its condition after each hit. When the condition holds the
 * correlation fires once and forgets that group's window: one alert per
 * burst, not one per event after the threshold. This is why a condition
 * needs a lower bound (gt, gte or eq): "fewer than N in an hour" can only
 * be decided when the hour is over, which a stream that fires as it goes
 * does not do; such rules are reported, not run. value_percentile needs
 * the whole population of the window and is reported too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/time.h"
#include "sigma_int.h"

#define MAX_GROUPS 100000u
#define MAX_WINDOW 10000u
#define MAX_CHAIN 8

void ash_sigma_corr_free(corr *c) {
  if (!c) return;
  for (size_t i = 0; i < c->nrefs; i++) free(c->refs[i]);
  free(c->refs);
  free(c->refidx);
  free(c->gb);
  free(c->field);
  free(c);
}

static const char *sc(const ynode *n) {
  return n && n->type == Y_SCALAR && !ash_yaml_is_null(n) ? n->s : NULL;
}

/* The field for rule reference k: the alias's field for that rule when
 * name is an alias, else name itself. */
static const char *aliased(const ynode *aliases, const char *name, const char *ref) {
  const ynode *a = ash_yaml_get(aliases, name);
  const char *f = a ? sc(ash_yaml_get(a, ref)) : NULL;
  return f ? f : name;
}

int ash_sigma_corr_load(ash_sigma *s, const ynode *d, rule *r, char *err, size_t errn) {
  const ynode *c = ash_yaml_get(d, "correlation");
  if (!c || c->type != Y_MAP) {
    snprintf(err, errn, "correlation is not a map");
    return ASH_EFORMAT;
  }
  corr *k = calloc(1, sizeof *k);
  if (!k) return ASH_ENOMEM;
  r->corr = k;
  const char *type = sc(ash_yaml_get(c, "type"));
  static const struct {
    const char *n;
    int t;
  } T[] = {{"event_count", CT_EVENT_COUNT}, {"value_count", CT_VALUE_COUNT},
           {"temporal", CT_TEMPORAL},       {"temporal_ordered", CT_TEMPORAL_ORDERED},
           {"value_sum", CT_VALUE_SUM},     {"value_avg", CT_VALUE_AVG}};
  for (size_t i = 0; type && i < sizeof T / sizeof T[0]; i++)
    if (!strcmp(type, T[i].n)) k->type = T[i].t;
  if (!k->type) {
    snprintf(err, errn, "unsupported correlation type %.40s", type ? type : "(none)");
    return ASH_EFORMAT;
  }
  const ynode *rules = ash_yaml_get(c, "rules");
  size_t nr = rules ? (rules->type == Y_SEQ ? rules->n : 1) : 0;
  if (!nr) {
    snprintf(err, errn, "correlation names no rules");
    return ASH_EFORMAT;
  }
  k->refs = calloc(nr, sizeof *k->refs);
  k->refidx = calloc(nr, sizeof *k->refidx);
  if (!k->refs || !k->refidx) return ASH_ENOMEM;
  for (size_t i = 0; i < nr; i++) {
    const char *ref = sc(rules->type == Y_SEQ ? rules->kids[i] : rules);
    if (!ref) {
      snprintf(err, errn, "correlation rule reference is not a string");
      return ASH_EFORMAT;
    }
    if (!(k->refs[i] = strdup(ref))) return ASH_ENOMEM;
    k->nrefs++;
  }
  const char *span = sc(ash_yaml_get(c, "timespan"));
  if (!span || ash_duration_parse(ash_str_cstr(span), &k->span_us) || k->span_us <= 0) {
    snprintf(err, errn, "correlation timespan missing or not like 10m");
    return ASH_EFORMAT;
  }
  const ynode *aliases = ash_yaml_get(c, "aliases");
  const ynode *gb = ash_yaml_get(c, "group-by");
  k->ngb = gb ? (gb->type == Y_SEQ ? gb->n : 1) : 0;
  k->gb = calloc(k->ngb * nr + 1, sizeof *k->gb);
  if (!k->gb) return ASH_ENOMEM;
  for (size_t g = 0; g < k->ngb; g++) {
    const char *name = sc(gb->type == Y_SEQ ? gb->kids[g] : gb);
    if (!name) {
      snprintf(err, errn, "group-by field is not a string");
      return ASH_EFORMAT;
    }
    for (size_t i = 0; i < nr; i++) {
      const char *f = aliased(aliases, name, k->refs[i]);
      int rc = ash_sigma_intern(s, f, strlen(f), &k->gb[g * nr + i]);
      if (rc) return rc;
    }
  }
  const ynode *cond = ash_yaml_get(c, "condition");
  int lower = 0;
  if (cond && cond->type == Y_MAP) {
    for (size_t i = 0; i < cond->n; i++) {
      const char *key = sc(cond->kids[2 * i]);
      const ynode *v = cond->kids[2 * i + 1];
      if (!key) continue;
      if (!strcmp(key, "field")) {
        const char *f = sc(v);
        if (v->type == Y_SEQ && v->n == 1) f = sc(v->kids[0]);
        if (!f) {
          snprintf(err, errn, "correlation condition field must be one field name");
          return ASH_EFORMAT;
        }
        k->field = calloc(nr, sizeof *k->field);
        if (!k->field) return ASH_ENOMEM;
        for (size_t j = 0; j < nr; j++) {
          const char *af = aliased(aliases, f, k->refs[j]);
          int rc = ash_sigma_intern(s, af, strlen(af), &k->field[j]);
          if (rc) return rc;
        }
        continue;
      }
      static const struct {
        const char *n;
        int c;
      } C[] = {{"gt", C_GT},   {"gte", C_GTE}, {"lt", C_LT},
               {"lte", C_LTE}, {"eq", C_EQ},   {"neq", 99}};
      int op = 0;
      for (size_t j = 0; j < sizeof C / sizeof C[0]; j++)
        if (!strcmp(key, C[j].n)) op = C[j].c;
      const char *num = sc(v);
      char *end = NULL;
      double x = num ? strtod(num, &end) : 0;
      if (!op || !num || *end || k->ncmp == 4) {
        snprintf(err, errn, "bad correlation condition '%.40s'", key);
        return ASH_EFORMAT;
      }
      if (op == C_GT || op == C_GTE || op == C_EQ) lower = 1;
      k->cmp[k->ncmp] = op;
      k->cv[k->ncmp++] = x;
    }
  }
  int temporal = k->type == CT_TEMPORAL || k->type == CT_TEMPORAL_ORDERED;
  if (!temporal && !k->ncmp) {
    snprintf(err, errn, "correlation needs a condition");
    return ASH_EFORMAT;
  }
  if (k->ncmp && !lower) {
    snprintf(err, errn,
             "correlation condition without a lower bound (gt, gte, eq) is not supported");
    return ASH_EFORMAT;
  }
  if ((k->type == CT_VALUE_COUNT || k->type == CT_VALUE_SUM || k->type == CT_VALUE_AVG) &&
      !k->field) {
    snprintf(err, errn, "correlation %s needs condition.field", type);
    return ASH_EFORMAT;
  }
  const char *gen = sc(ash_yaml_get(c, "generate"));
  k->generate = gen && (!strcmp(gen, "true") || !strcmp(gen, "True") || !strcmp(gen, "yes"));
  return ASH_OK;
}

static int find_rule(const ash_sigma *s, size_t self, const char *ref, size_t *out) {
  for (size_t i = 0; i < s->nr; i++) {
    if (i == self) continue;
    const rule *r = &s->r[i];
    if ((r->name && !strcmp(r->name, ref)) || (r->info.id[0] && !strcmp(r->info.id, ref))) {
      *out = i;
      return 1;
    }
  }
  return 0;
}

int ash_sigma_corr_resolve(ash_sigma *s) {
  /* a correlation that names a rule not in the set cannot run; removing
   * it may orphan a correlation of it, hence the loop */
  for (;;) {
    size_t bad = (size_t)-1;
    const char *missing = NULL;
    for (size_t i = 0; i < s->nr && bad == (size_t)-1; i++) {
      corr *c = s->r[i].corr;
      if (!c) continue;
      for (size_t k = 0; k < c->nrefs; k++)
        if (!find_rule(s, i, c->refs[k], &c->refidx[k])) {
          bad = i;
          missing = c->refs[k];
          break;
        }
    }
    if (bad == (size_t)-1) break;
    char why[200];
    snprintf(why, sizeof why, "correlation names rule '%.80s', which is not loaded", missing);
    rule *r = &s->r[bad];
    ash_sigma_reject *x = ash_array_room(s->rej, &s->rejcap, s->nrej, sizeof *s->rej, 16);
    if (!x) return ASH_ENOMEM;
    s->rej = x;
    x = &s->rej[s->nrej];
    x->path = strdup(r->info.path);
    x->id = strdup(r->info.id);
    x->title = strdup(r->info.title);
    x->reason = strdup(why);
    if (!x->path || !x->id || !x->title || !x->reason) {
      free((char *)x->path);
      free((char *)x->id);
      free((char *)x->title);
      free((char *)x->reason);
      return ASH_ENOMEM;
    }
    s->nrej++;
    ash_sigma_rule_free(r);
    memmove(r, r + 1, (s->nr - bad - 1) * sizeof *r);
    s->nr--;
  }
  /* who feeds whom, and which rules only speak through a correlation */
  for (size_t i = 0; i < s->nr; i++) {
    free(s->r[i].feeds);
    s->r[i].feeds = NULL;
    s->r[i].nfeeds = 0;
    s->r[i].suppressed = 0;
  }
  for (size_t i = 0; i < s->nr; i++) {
    corr *c = s->r[i].corr;
    if (!c) continue;
    for (size_t k = 0; k < c->nrefs; k++) {
      rule *t = &s->r[c->refidx[k]];
      size_t j;
      for (j = 0; j < t->nfeeds && t->feeds[j] != i; j++) {
      }
      if (j < t->nfeeds) continue;
      uint32_t *f = realloc(t->feeds, (t->nfeeds + 1) * sizeof *f);
      if (!f) return ASH_ENOMEM;
      t->feeds = f;
      t->feeds[t->nfeeds++] = (uint32_t)i;
      if (!c->generate) t->suppressed = 1;
    }
  }
  return ASH_OK;
}

/* ---- the running state ---- */

typedef struct went {
  int64_t ts;
  uint32_t ref; /* position in the correlation's rules */
  uint64_t vh;  /* hash of the value field (value_count); 0 when empty */
  double num;
  int hasnum;
} went;

typedef struct cgroup {
  char *key;
  uint64_t h;
  went *e;
  size_t n, cap;
} cgroup;

typedef struct cstate {
  cgroup *g;
  size_t ng, gcap;
  uint32_t *ix; /* open addressing, group index + 1 */
  size_t ixcap;
} cstate;

struct ash_sigma_corr_state {
  const ash_sigma *s;
  cstate *c; /* per rule (only correlations use theirs) */
  ash_buf key;
};

int ash_sigma_corr_open(ash_sigma_corr_state **out, const ash_sigma *s) {
  ash_sigma_corr_state *st = calloc(1, sizeof *st);
  if (!st) return ASH_ENOMEM;
  st->s = s;
  st->c = calloc(s->nr ? s->nr : 1, sizeof *st->c);
  if (!st->c) {
    free(st);
    return ASH_ENOMEM;
  }
  ash_buf_init(&st->key, 1u << 16);
  *out = st;
  return ASH_OK;
}

void ash_sigma_corr_close(ash_sigma_corr_state *st) {
  if (!st) return;
  for (size_t i = 0; i < st->s->nr; i++) {
    for (size_t g = 0; g < st->c[i].ng; g++) {
      free(st->c[i].g[g].key);
      free(st->c[i].g[g].e);
    }
    free(st->c[i].g);
    free(st->c[i].ix);
  }
  free(st->c);
  ash_buf_free(&st->key);
  free(st);
}

static cgroup *group_of(cstate *c, const char *key, size_t n) {
  uint64_t h = ash_sigma_hash_lower(key, n) | 1;
  if (c->ixcap) {
    for (size_t i = h & (c->ixcap - 1);; i = (i + 1) & (c->ixcap - 1)) {
      uint32_t v = c->ix[i];
      if (!v) break;
      cgroup *g = &c->g[v - 1];
      if (g->h == h && !strcmp(g->key, key)) return g;
    }
  }
  if (c->ng >= MAX_GROUPS) return NULL;
  if ((c->ng + 1) * 2 > c->ixcap) {
    size_t nc = c->ixcap ? 2 * c->ixcap : 64;
    uint32_t *ix = calloc(nc, sizeof *ix);
    if (!ix) return NULL;
    for (size_t k = 0; k < c->ng; k++) {
      size_t i = c->g[k].h & (nc - 1);
      while (ix[i]) i = (i + 1) & (nc - 1);
      ix[i] = (uint32_t)k + 1;
    }
    free(c->ix);
    c->ix = ix;
    c->ixcap = nc;
  }
  cgroup *gg = ash_array_room(c->g, &c->gcap, c->ng, sizeof *c->g, 16);
  if (!gg) return NULL;
  c->g = gg;
  cgroup *g = &c->g[c->ng];
  memset(g, 0, sizeof *g);
  if (!(g->key = strdup(key))) return NULL;
  g->h = h;
  size_t i = h & (c->ixcap - 1);
  while (c->ix[i]) i = (i + 1) & (c->ixcap - 1);
  c->ix[i] = (uint32_t)++c->ng;
  return g;
}

static int holds(const corr *k, double v) {
  for (size_t i = 0; i < k->ncmp; i++) {
    double x = k->cv[i];
    int ok;
    switch (k->cmp[i]) {
    case C_GT: ok = v > x; break;
    case C_GTE: ok = v >= x; break;
    case C_LT: ok = v < x; break;
    case C_LTE: ok = v <= x; break;
    case C_EQ: ok = v == x; break;
    default: ok = v != x; break;
    }
    if (!ok) return 0;
  }
  return 1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The correlation's measure over a group's window. */
static double measure(const corr *k, const cgroup *g) {
  switch (k->type) {
  case CT_EVENT_COUNT: return (double)g->n;
  case CT_VALUE_COUNT: {
    uint64_t *v = malloc((g->n ? g->n : 1) * sizeof *v);
    if (!v) return 0;
    size_t m = 0;
    for (size_t i = 0; i < g->n; i++)
      if (g->e[i].vh) v[m++] = g->e[i].vh;
    qsort(v, m, sizeof *v, cmp_u64);
    size_t d = 0;
    for (size_t i = 0; i < m; i++)
      if (!i || v[i] != v[i - 1]) d++;
    free(v);
    return (double)d;
  }
  case CT_TEMPORAL: {
    size_t d = 0;
    for (size_t r = 0; r < k->nrefs; r++)
      for (size_t i = 0; i < g->n; i++)
        if (g->e[i].ref == r) {
          d++;
          break;
        }
    return (double)d;
  }
  case CT_TEMPORAL_ORDERED: {
    /* the longest prefix of the rules that appears in order */
    size_t want = 0;
    for (size_t i = 0; i < g->n && want < k->nrefs; i++)
      if (g->e[i].ref == want) want++;
    return (double)want;
  }
  case CT_VALUE_SUM:
  case CT_VALUE_AVG: {
    double sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < g->n; i++)
      if (g->e[i].hasnum) {
        sum += g->e[i].num;
        m++;
      }
    return k->type == CT_VALUE_SUM ? sum : (m ? sum / (double)m : 0);
  }
  default: return 0;
  }
}

static int feed(ash_sigma_corr_state *st, const ash_sigma_doc *d, size_t i, int64_t ts,
                int (*fire)(void *u, size_t j), void *u, int depth) {
  const ash_sigma *s = st->s;
  const rule *src = &s->r[i];
  for (size_t f = 0; f < src->nfeeds; f++) {
    size_t j = src->feeds[f];
    const corr *k = s->r[j].corr;
    uint32_t ref = 0;
    while (ref < k->nrefs && k->refidx[ref] != i) ref++;
    /* the group key: the group-by values, as this rule's events name them */
    ash_buf_reset(&st->key);
    int rc = ash_buf_addc(&st->key, 'k');
    for (size_t g = 0; g < k->ngb && !rc; g++) {
      ash_str raw, low;
      if (ash_sigma_doc_get(d, k->gb[g * k->nrefs + ref], src->ls.overlay, &raw, &low, NULL))
        rc = ash_buf_add(&st->key, low.p, low.n);
      if (!rc) rc = ash_buf_addc(&st->key, '\x1f');
    }
    if (rc == ASH_ELIMIT) continue; /* a key longer than any real one */
    if (rc) return rc;
    cgroup *g = group_of(&st->c[j], st->key.p, st->key.n);
    if (!g) continue; /* group cap reached: counted as not correlated */
    /* forget what fell out of the window */
    size_t drop = 0;
    while (drop < g->n && g->e[drop].ts < ts - k->span_us) drop++;
    if (g->n == MAX_WINDOW && !drop) drop = 1;
    if (drop) {
      memmove(g->e, g->e + drop, (g->n - drop) * sizeof *g->e);
      g->n -= drop;
    }
    went *e = ash_array_room(g->e, &g->cap, g->n, sizeof *g->e, 8);
    if (!e) return ASH_ENOMEM;
    g->e = e;
    went w;
    memset(&w, 0, sizeof w);
    w.ts = ts;
    w.ref = ref;
    if (k->field) {
      ash_str raw, low;
      if (ash_sigma_doc_get(d, k->field[ref], src->ls.overlay, &raw, &low, NULL) && low.n) {
        w.vh = ash_sigma_hash_lower(low.p, low.n) | 1;
        char num[64];
        if (raw.n < sizeof num) {
          memcpy(num, raw.p, raw.n);
          num[raw.n] = 0;
          char *end;
          double x = strtod(num, &end);
          if (end != num && !*end) {
            w.num = x;
            w.hasnum = 1;
          }
        }
      }
    }
    g->e[g->n++] = w;
    double m = measure(k, g);
    int ok = k->ncmp ? holds(k, m) : m == (double)k->nrefs;
    if (!ok) continue;
    g->n = 0;
    if ((rc = fire(u, j))) return rc;
    if (depth < MAX_CHAIN && (rc = feed(st, d, j, ts, fire, u, depth + 1))) return rc;
  }
  return ASH_OK;
}

int ash_sigma_corr_feed(ash_sigma_corr_state *st, const ash_sigma_doc *d, size_t i, int64_t ts,
                        int (*fire)(void *u, size_t j), void *u) {
  return feed(st, d, i, ts, fire, u, 0);
}
