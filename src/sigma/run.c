/* Running a rule set over a case, and turning its hits into findings.
 *
 * A responder does not want one alert row per event: SigmaHQ's noisier
 * rules fire thousands of times on a busy host. Hits are grouped by
 * (rule, host), and each group becomes one finding with its count, its
 * time span and a few sample records that lead back to the source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "hunt/hunt_internal.h"
#include "sigma_int.h"

typedef struct rstate {
  const ash_sigma *s;
  ash_sigma_doc *d;
  ash_sigma_level min;
  int (*cb)(void *u, const ash_sigma_hit *h);
  void *u;
  ash_sigma_run_stats *st;
  ash_sigma_hit hit;
  ash_sigma_corr_state *corr;
} rstate;

static int emit(rstate *r, size_t i) {
  if (r->s->r[i].info.level < r->min) return 0;
  r->st->matches++;
  r->hit.rule = i;
  return r->cb(r->u, &r->hit);
}

static int on_fire(void *u, size_t j) { return emit(u, j); }

static int on_hit(void *u, size_t i) {
  rstate *r = u;
  const rule *x = &r->s->r[i];
  int rc = x->suppressed ? 0 : emit(r, i);
  if (!rc && x->nfeeds) rc = ash_sigma_corr_feed(r->corr, r->d, i, r->hit.ev->ts, on_fire, r);
  return rc;
}

static int on_event(void *u, const ash_event *ev, const char *source_path, int ref_is_record,
                    const char *attrs_json) {
  rstate *r = u;
  /* Windows events are the ones with a channel (EVTX and every JSON
   * export of them carry one); other records are not Sigma's */
  if (!ev->channel.n || ev->event_id == ASH_UNSET) return 0;
  r->st->events++;
  int rc = ash_sigma_doc_from_event(r->d, ev, attrs_json);
  if (rc == ASH_EFORMAT) {
    r->st->bad++;
    return 0;
  }
  if (rc) return rc;
  r->hit.ev = ev;
  r->hit.source_path = source_path;
  r->hit.ref_is_record = ref_is_record;
  r->hit.attrs_json = attrs_json;
  return ash_sigma_match(r->s, r->d, on_hit, r);
}

int ash_sigma_run(ash_store *st, const ash_sigma *s, ash_sigma_level min,
                  int (*cb)(void *u, const ash_sigma_hit *h), void *u, ash_sigma_run_stats *stats) {
  ash_sigma_run_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  rstate r;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.min = min;
  r.cb = cb;
  r.u = u;
  r.st = stats;
  int rc = ash_sigma_doc_open(&r.d, s);
  if (rc) return rc;
  if ((rc = ash_sigma_corr_open(&r.corr, s))) {
    ash_sigma_doc_close(r.d);
    return rc;
  }
  ash_event_query q;
  memset(&q, 0, sizeof q);
  q.since = q.until = ASH_TIME_UNSET;
  q.windows_only = 1; /* on_event's own test, done by the store, flows never read */
  rc = ash_store_events(st, &q, on_event, &r);
  ash_sigma_corr_close(r.corr);
  ash_sigma_doc_close(r.d);
  return rc;
}

/* ---- grouping ---- */

int ash_sigma_level_score(ash_sigma_level l) {
  static const int S[] = {10, 30, 50, 75, 92};
  return (unsigned)l < 5 ? S[l] : 10;
}

typedef struct group {
  size_t rule;
  char *host;
  uint64_t count;
  ash_finding f;
  size_t next; /* hash chain, index + 1 */
} group;

struct ash_sigma_group {
  const ash_sigma *s;
  char *hunt;
  group *g;
  size_t ng, gcap;
  size_t *head; /* buckets, index + 1 */
  size_t nhead;
};

int ash_sigma_group_open(ash_sigma_group **out, const ash_sigma *s, const char *hunt) {
  ash_sigma_group *g = calloc(1, sizeof *g);
  if (!g) return ASH_ENOMEM;
  g->s = s;
  g->nhead = 4096;
  g->head = calloc(g->nhead, sizeof *g->head);
  g->hunt = strdup(hunt);
  if (!g->head || !g->hunt) {
    ash_sigma_group_close(g);
    return ASH_ENOMEM;
  }
  *out = g;
  return ASH_OK;
}

void ash_sigma_group_close(ash_sigma_group *g) {
  if (!g) return;
  for (size_t i = 0; i < g->ng; i++) {
    free(g->g[i].host);
    ash_finding_free(&g->g[i].f);
  }
  free(g->g);
  free(g->head);
  free(g->hunt);
  free(g);
}

/* "attack.t1003.001" -> "T1003.001"; other tags (tactics, groups, cars) are
 * not techniques. */
static int technique(const char *tag, char out[32]) {
  if (strncmp(tag, "attack.t", 8) || tag[8] < '0' || tag[8] > '9') return 0;
  snprintf(out, 32, "T%s", tag + 8);
  for (char *p = out; *p; p++)
    if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
  return 1;
}

static int start_group(ash_sigma_group *g, group *x, size_t ri, const char *host) {
  const rule *r = &g->s->r[ri];
  int rc = ash_finding_init(&x->f, g->hunt);
  if (rc) return rc;
  char key[600];
  int kn = snprintf(key, sizeof key, "%s|%s|%s", r->info.id, r->info.path, host);
  ash_finding_set_id(&x->f, key, kn > 0 ? (size_t)kn : 0);
  ash_finding_set_score(&x->f, ash_sigma_level_score(r->info.level));
  hunt_text T;
  hunt_text_init(&T);
  hunt_say(&T, "sigma.title", r->info.title[0] ? r->info.title : r->info.id,
           host[0] ? host : "sigma.nohost");
  rc = hunt_text_set(&x->f, &T, NULL);
  hunt_text_free(&T);
  if (rc) return rc;
  for (size_t i = 0; i < r->info.ntags && !rc; i++) {
    char t[32];
    if (technique(r->info.tags[i], t)) rc = ash_finding_add_attack(&x->f, t);
  }
  if (!rc && host[0]) rc = ash_finding_add_host(&x->f, ash_str_cstr(host));
  return rc;
}

int ash_sigma_group_add(ash_sigma_group *g, const ash_sigma_hit *h) {
  const ash_event *ev = h->ev;
  char host[256];
  snprintf(host, sizeof host, "%.*s", (int)(ev->host.n < 255 ? ev->host.n : 255),
           ev->host.p ? ev->host.p : "");
  uint64_t hh = ash_sigma_hash_lower(host, strlen(host)) * 31 + h->rule;
  size_t b = hh % g->nhead, i;
  for (i = g->head[b]; i; i = g->g[i - 1].next)
    if (g->g[i - 1].rule == h->rule && !strcmp(g->g[i - 1].host, host)) break;
  group *x;
  int rc;
  if (i) {
    x = &g->g[i - 1];
  } else {
    group *ng = ash_array_room(g->g, &g->gcap, g->ng, sizeof *g->g, 64);
    if (!ng) return ASH_ENOMEM;
    g->g = ng;
    x = &g->g[g->ng];
    memset(x, 0, sizeof *x);
    x->rule = h->rule;
    if (!(x->host = strdup(host))) return ASH_ENOMEM;
    g->ng++;
    if ((rc = start_group(g, x, h->rule, host))) return rc;
    x->next = g->head[b];
    g->head[b] = g->ng;
  }
  x->count++;
  ash_finding_see(&x->f, ev->ts);
  if (ev->user.n && (rc = ash_finding_add_account(&x->f, ev->user))) return rc;
  if (ev->process.n && (rc = ash_finding_add_file(&x->f, ev->process))) return rc;
  if (x->count > ASH_SIGMA_SAMPLES) {
    x->f.evidence_dropped++;
    return ASH_OK;
  }
  /* the record as a responder reads it: the command line when there is
   * one, else the event's data items */
  ash_buf t;
  ash_buf_init(&t, 4096);
  rc = ash_buf_printf(&t, "EventID %lld %.*s: ", (long long)ev->event_id, (int)ev->channel.n,
                      ev->channel.p);
  if (!rc) {
    if (ev->command_line.n)
      rc = ash_buf_add(&t, ev->command_line.p,
                       ev->command_line.n < 2000 ? ev->command_line.n : 2000);
    else if (h->attrs_json)
      rc = ash_buf_add(&t, h->attrs_json,
                       strlen(h->attrs_json) < 2000 ? strlen(h->attrs_json) : 2000);
  }
  if (rc == ASH_ELIMIT) rc = ASH_OK;
  ash_evidence e;
  memset(&e, 0, sizeof e);
  e.ts = ev->ts;
  e.kind = (char *)ev->kind;
  e.text = t.p ? t.p : (char *)"";
  e.source_path = (char *)h->source_path;
  e.ref = ev->ref;
  e.ref_kind = h->source_path ? (h->ref_is_record ? ASH_REF_RECORD : ASH_REF_OFFSET) : ASH_REF_NONE;
  if (!rc) rc = ash_finding_add_evidence(&x->f, &e);
  ash_buf_free(&t);
  return rc;
}

static int cmp_first(const void *a, const void *b) {
  const group *x = *(group *const *)a, *y = *(group *const *)b;
  if (x->f.first_seen != y->f.first_seen) return x->f.first_seen < y->f.first_seen ? -1 : 1;
  return x->rule < y->rule ? -1 : x->rule > y->rule;
}

int ash_sigma_group_findings(ash_sigma_group *g, int (*cb)(void *u, const ash_finding *f),
                             void *u) {
  group **order = malloc((g->ng ? g->ng : 1) * sizeof *order);
  if (!order) return ASH_ENOMEM;
  for (size_t i = 0; i < g->ng; i++) order[i] = &g->g[i];
  qsort(order, g->ng, sizeof *order, cmp_first);
  int rc = ASH_OK;
  ash_buf b;
  ash_buf_init(&b, 1u << 16);
  for (size_t i = 0; i < g->ng && !rc; i++) {
    group *x = order[i];
    const rule *r = &g->s->r[x->rule];
    char t1[32] = "", t2[32] = "";
    if (x->f.first_seen != ASH_TIME_UNSET) ash_time_format(x->f.first_seen, t1);
    if (x->f.last_seen != ASH_TIME_UNSET) ash_time_format(x->f.last_seen, t2);
    hunt_text S;
    hunt_text_init(&S);
    char level[32];
    snprintf(level, sizeof level, "level.%s", ash_sigma_level_name(r->info.level));
    hunt_say(&S, "sigma.sum", r->info.title, level, r->info.logsource,
             HUNT_ARG("%llu", (unsigned long long)x->count),
             x->host[0] ? x->host : "sigma.unnamed_host");
    if (t1[0]) hunt_say(&S, "sigma.sum.between", t1, t2);
    hunt_say(&S, "sigma.sum.rule", r->info.id, r->info.path);
    rc = hunt_text_set(&x->f, NULL, &S);
    hunt_text_free(&S);
    ash_buf_reset(&b);
    if (!rc) rc = ash_buf_adds(&b, "{\"rule_id\":\"");
    if (!rc) rc = ash_buf_add_json_str(&b, r->info.id, strlen(r->info.id));
    if (!rc) rc = ash_buf_adds(&b, "\",\"rule_title\":\"");
    if (!rc) rc = ash_buf_add_json_str(&b, r->info.title, strlen(r->info.title));
    if (!rc) rc = ash_buf_adds(&b, "\",\"rule_path\":\"");
    if (!rc) rc = ash_buf_add_json_str(&b, r->info.path, strlen(r->info.path));
    if (!rc)
      rc = ash_buf_printf(&b, "\",\"level\":\"%s\",\"count\":%llu,\"tags\":[",
                          ash_sigma_level_name(r->info.level), (unsigned long long)x->count);
    for (size_t k = 0; k < r->info.ntags && !rc; k++) {
      rc = ash_buf_adds(&b, k ? ",\"" : "\"");
      if (!rc) rc = ash_buf_add_json_str(&b, r->info.tags[k], strlen(r->info.tags[k]));
      if (!rc) rc = ash_buf_addc(&b, '"');
    }
    if (!rc) rc = ash_buf_adds(&b, "]}");
    if (!rc) rc = ash_finding_set_details(&x->f, b.p, b.n);
    if (!rc) rc = cb(u, &x->f);
  }
  ash_buf_free(&b);
  free(order);
  return rc;
}
