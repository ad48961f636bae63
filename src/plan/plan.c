/* The recovery plan (plan.h): from the findings and the events they rest
 * on, the ordered steps of scenario.md's finding 5. */
#include "ashiato/plan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/ip.h"
#include "ashiato/time.h"

/* ---- a list of distinct names (case-insensitive), bounded */

typedef struct names {
  char **v;
  size_t n, cap;
  size_t dropped; /* refused by ASH_PLAN_MAX_VALUES, said in the plan */
} names;

static int names_has(const names *s, const char *x) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcasecmp(s->v[i], x)) return 1;
  return 0;
}

static int names_add(names *s, const char *x) {
  if (!x || !x[0] || names_has(s, x)) return ASH_OK;
  if (s->n >= ASH_PLAN_MAX_VALUES) {
    s->dropped++;
    return ASH_OK;
  }
  char **v = ash_array_room(s->v, &s->cap, s->n, sizeof *v, 8);
  if (!v) return ASH_ENOMEM;
  s->v = v;
  if (!(s->v[s->n] = strdup(x))) return ASH_ENOMEM;
  s->n++;
  return ASH_OK;
}

static void names_free(names *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof *s);
}

static int bare_is_builtin(const char *a) {
  size_t n = strlen(a);
  return !n || a[n - 1] == '$' || !strcasecmp(a, "SYSTEM") || !strcasecmp(a, "LOCAL SERVICE") ||
         !strcasecmp(a, "NETWORK SERVICE") || !strcasecmp(a, "ANONYMOUS LOGON") || !strcmp(a, "-");
}

/* ---- what the plan is built from */

typedef struct ctx ctx;
static void names_done(ctx *c, names *s);

/* A persistence item (service, task, registry value) of the intruder. */
typedef struct persist {
  const char *action;        /* remove_service, remove_task, remove_registry */
  const ash_watch_item *why; /* the file name, hash or account it matched */
  char host[64], name[256], what[512], when[40];
  ash_plan_ref ref;
} persist;

typedef struct backup_run {
  int64_t ts;
  char host[64];
  char job[128];
  ash_plan_ref ref;
} backup_run;

struct ctx {
  ash_store *s;
  ash_plan *p;
  ash_finding *f; /* copies of the findings at ASH_WATCH_MIN_SCORE or above */
  size_t nf, capf;
  names reached, tunnel_hosts, rebuild, dcs, files, apps, admins, services, privileged, da_used,
      all_dcs;
  names *alias; /* per reached host (same index), its names as the events log them */
  persist *pe;
  size_t npe, cappe;
  backup_run *bk;
  size_t nbk, capbk;
  int64_t tamper_ts;
  names tamper_hosts;
  const char *cur_host; /* the host of the query under way */
  int cur_is_dc;
  size_t cur_net_users;
  names cur_users;
  int rc;
};

/* free a list, counting what its cap refused */
static void names_done(ctx *c, names *s) {
  c->p->values_dropped += s->dropped;
  names_free(s);
}

static int on_finding(void *u, const ash_finding *f) {
  ctx *c = u;
  if (f->score < ASH_WATCH_MIN_SCORE) return 0;
  ash_finding *v = ash_array_room(c->f, &c->capf, c->nf, sizeof *v, 32);
  if (!v) return c->rc = ASH_ENOMEM;
  c->f = v;
  if ((c->rc = ash_finding_copy(&c->f[c->nf], f))) return c->rc;
  c->nf++;
  return 0;
}

static int has_attack(const ash_finding *f, const char *prefix) {
  size_t n = strlen(prefix);
  for (size_t i = 0; i < f->attack.n; i++)
    if (!strncasecmp(f->attack.v[i], prefix, n)) return 1;
  return 0;
}

/* ---- steps */

static ash_plan_step *step_new(ash_plan *p, ash_plan_phase ph, const char *action) {
  ash_plan_step *v = ash_array_room(p->steps, &p->cap, p->nsteps, sizeof *v, 16);
  if (!v) return NULL;
  p->steps = v;
  ash_plan_step *st = &p->steps[p->nsteps++];
  memset(st, 0, sizeof *st);
  st->phase = ph;
  st->action = action;
  return st;
}

static int step_text(ash_plan *p, ash_plan_step *st, const char *id, const char *const *args,
                     size_t n) {
  ash_buf b;
  ash_buf_init(&b, 1 << 20);
  int rc = ash_plan_msg(p->lang, id, args, n, &b);
  if (!rc && !b.p) rc = ash_buf_adds(&b, "");
  if (!rc) {
    free(st->text);
    st->text = strdup(b.p);
    if (!st->text) rc = ASH_ENOMEM;
  }
  ash_buf_free(&b);
  return rc;
}

static int step_values(ash_plan_step *st, const names *s) {
  for (size_t i = 0; i < s->n; i++) {
    char **v = realloc(st->values, (st->nvalues + 1) * sizeof *v);
    if (!v) return ASH_ENOMEM;
    st->values = v;
    if (!(st->values[st->nvalues] = strdup(s->v[i]))) return ASH_ENOMEM;
    st->nvalues++;
  }
  return ASH_OK;
}

static int step_value(ash_plan_step *st, const char *x) {
  names one = {(char **)&x, 1, 1, 0};
  return step_values(st, &one);
}

static int step_ref(ash_plan_step *st, const ash_plan_ref *r) {
  if (st->nrefs >= ASH_PLAN_MAX_REFS) return ASH_OK;
  for (size_t i = 0; i < st->nrefs; i++)
    if (st->refs[i].path && r->path && st->refs[i].ref == r->ref &&
        !strcmp(st->refs[i].path, r->path))
      return ASH_OK;
  ash_plan_ref *d = &st->refs[st->nrefs];
  *d = *r;
  d->path = r->path ? strdup(r->path) : NULL;
  if (r->path && !d->path) return ASH_ENOMEM;
  st->nrefs++;
  return ASH_OK;
}

/* Cite finding f (by id) and its first evidence item. */
static int step_cite(ash_plan_step *st, const ash_finding *f) {
  for (size_t i = 0; i < st->ncites; i++)
    if (!strcmp(st->cites[i], f->id)) return ASH_OK;
  if (st->ncites >= sizeof st->cites / sizeof st->cites[0]) return ASH_OK;
  snprintf(st->cites[st->ncites++], sizeof st->cites[0], "%s", f->id);
  if (!f->nevidence) return ASH_OK;
  const ash_evidence *e = &f->evidence[0];
  ash_plan_ref r = {{0}, e->ts, e->source_path, e->ref, e->ref_kind};
  snprintf(r.finding, sizeof r.finding, "%s", f->id);
  return step_ref(st, &r);
}

static int step_cite_id(ctx *c, ash_plan_step *st, const char *id) {
  for (size_t i = 0; i < c->nf; i++)
    if (!strcmp(c->f[i].id, id)) return step_cite(st, &c->f[i]);
  return ASH_OK;
}

/* Cite every finding naming host h (hosts) or account a. */
static int step_cite_host(ctx *c, ash_plan_step *st, const char *h) {
  for (size_t i = 0; i < c->nf; i++)
    for (size_t j = 0; j < c->f[i].hosts.n; j++)
      if (!strcasecmp(c->f[i].hosts.v[j], h)) ASH_TRY(step_cite(st, &c->f[i]));
  return ASH_OK;
}

static int step_cite_item(ctx *c, ash_plan_step *st, const ash_watch_item *it) {
  for (size_t i = 0; i < it->ncites; i++) ASH_TRY(step_cite_id(c, st, it->cites[i]));
  return ASH_OK;
}

static int step_set(char **dst, const ash_buf *b) {
  if (!b->n) return ASH_OK;
  *dst = strdup(b->p);
  return *dst ? ASH_OK : ASH_ENOMEM;
}

/* Join s with the language's separator into b ("none" when empty). */
static int join(ctx *c, const names *s, ash_buf *b) {
  ash_buf_reset(b);
  if (!s->n) return ash_plan_msg(c->p->lang, "none", NULL, 0, b);
  for (size_t i = 0; i < s->n; i++) {
    if (i) ASH_TRY(ash_plan_msg(c->p->lang, "sep", NULL, 0, b));
    ASH_TRY(ash_buf_adds(b, s->v[i]));
  }
  return ASH_OK;
}

static int kind_names(const ash_watchlist *w, ash_watch_kind k, names *out) {
  for (size_t i = 0; i < w->n; i++)
    if (w->items[i].kind == k) ASH_TRY(names_add(out, w->items[i].value));
  return ASH_OK;
}

/* A time of the text, in the plan's zone (the JSON's times stay UTC). */
static void fmt_day(const ash_plan *p, int64_t t, char out[40]) {
  if (t == ASH_TIME_UNSET) {
    snprintf(out, 40, "?");
    return;
  }
  ash_time_format_tz(t, p->tz, out);
}

/* ---- what the events say about the hosts */

static int on_dc(void *u, const ash_event *ev, const char *path, int rec, const char *attrs) {
  ctx *c = u;
  char h[64];
  size_t n = ev->host.n < sizeof h - 1 ? ev->host.n : sizeof h - 1;
  for (size_t i = 0; i < n; i++) h[i] = (char)tolower((unsigned char)ev->host.p[i]);
  h[n] = 0;
  char *dot = strchr(h, '.');
  if (dot) *dot = 0;
  return c->rc = names_add(&c->all_dcs, h);
}

/* The domain controllers of the case: the hosts that log Kerberos TGT
 * requests (4768), which only a KDC, i.e. a domain controller, logs. The
 * first 20000 such events are enough: every DC issues tickets all day,
 * so each appears within any day of them. */
static int find_dcs(ctx *c) {
  ash_event_query q;
  memset(&q, 0, sizeof q);
  q.since = q.until = ASH_TIME_UNSET;
  q.has_event_id = 1;
  q.event_id = 4768;
  q.windows_only = 1; /* a Kerberos TGT request is a Security event, never a flow */
  q.limit = 20000;
  int rc = ash_store_events(c->s, &q, on_dc, c);
  return rc ? rc : c->rc;
}

static int on_logon(void *u, const ash_event *ev, const char *path, int rec, const char *attrs) {
  ctx *c = u;
  if (!ev->user.n || ev->user.n >= 128) return 0;
  char a[128];
  memcpy(a, ev->user.p, ev->user.n);
  a[ev->user.n] = 0;
  if (bare_is_builtin(a)) return 0;
  if (ev->logon_type == 3) {
    if (!names_has(&c->cur_users, a) && c->cur_users.n < 64) {
      if ((c->rc = names_add(&c->cur_users, a))) return c->rc;
    }
  }
  /* A service logon (type 5) or an account named as a service account:
   * Windows keeps the passwords of the services' accounts in the host's
   * LSA secrets, which an administrator of the host can read. */
  if (ev->logon_type == 5 || !strncasecmp(a, "svc", 3)) {
    if ((c->rc = names_add(&c->services, a))) return c->rc;
  } else if ((ev->logon_type == 2 || ev->logon_type == 10 || ev->logon_type == 11 ||
              ev->logon_type == 7) &&
             names_has(&c->privileged, a)) {
    /* an administrator's interactive logon leaves its credentials in the
     * host's LSASS memory, where whoever held the host could take them */
    if ((c->rc = names_add(&c->admins, a))) return c->rc;
  }
  if (c->cur_is_dc && (ash_watchlist_has(c->p->watch, ASH_WATCH_ACCOUNT, a, strlen(a)) ||
                       ash_watchlist_has(c->p->watch, ASH_WATCH_ADMIN, a, strlen(a))))
    if ((c->rc = names_add(&c->da_used, a))) return c->rc;
  return 0;
}

/* The host names an event logs are FQDNs or short names, in any case; the
 * findings' are short and lower case. A query by the short name would miss
 * "FS01.corp.example.local", so each reached host is queried as the event
 * host names of the kinds build_facts asks for that name it (c->alias[i]
 * for c->reached.v[i]). */
static int on_hostname(void *u, const char *name) {
  ctx *c = u;
  for (size_t i = 0; i < c->reached.n; i++) {
    size_t n = strlen(c->reached.v[i]);
    if (!strncasecmp(name, c->reached.v[i], n) && (name[n] == 0 || name[n] == '.'))
      ASH_TRY(names_add(&c->alias[i], name));
  }
  return 0;
}

static int on_privileged(void *u, const char *user) {
  ctx *c = u;
  return names_add(&c->privileged, user);
}

static const ash_watch_item *watch_name_in(const ash_watchlist *w, ash_str s) {
  if (!s.n) return NULL;
  for (size_t i = 0; i < w->n; i++) {
    const ash_watch_item *it = &w->items[i];
    if (it->kind != ASH_WATCH_FILE_NAME && it->kind != ASH_WATCH_SHA256) continue;
    size_t m = strlen(it->value);
    for (size_t k = 0; m && k + m <= s.n; k++)
      if (!strncasecmp(s.p + k, it->value, m)) return it;
  }
  return NULL;
}

static void cpy(char *dst, size_t cap, ash_str s) {
  size_t n = s.n < cap - 1 ? s.n : cap - 1;
  memcpy(dst, s.p ? s.p : "", n);
  dst[n] = 0;
}

/* Persistence on a reached host: a service, task or registry value that
 * starts one of the intruder's programs (by name or hash), or a service or
 * task that an account the intruder held created after the intruder was
 * first seen with it. */
static int on_persist(void *u, const ash_event *ev, const char *path, int rec, const char *attrs) {
  ctx *c = u;
  const ash_watchlist *w = c->p->watch;
  const ash_watch_item *why = watch_name_in(w, ev->path);
  if (!why) why = watch_name_in(w, ev->command_line);
  if (!why) why = watch_name_in(w, ev->process);
  if (!why) why = watch_name_in(w, ev->sha256);
  int by_name = why != NULL, by_account = 0;
  if (!by_name && ev->user.n && ev->user.n < 128) {
    for (size_t i = 0; i < w->n; i++) {
      const ash_watch_item *it = &w->items[i];
      if ((it->kind == ASH_WATCH_ACCOUNT || it->kind == ASH_WATCH_ADMIN) &&
          strlen(it->value) == ev->user.n && !strncasecmp(it->value, ev->user.p, ev->user.n) &&
          it->first_seen != ASH_TIME_UNSET && ev->ts >= it->first_seen) {
        by_account = 1;
        why = it;
      }
    }
  }
  if (!by_name && !by_account) return 0;
  persist x;
  memset(&x, 0, sizeof x);
  x.why = why;
  snprintf(x.host, sizeof x.host, "%s", c->cur_host);
  if (!strcmp(ev->kind, "win.service")) {
    x.action = "remove_service";
    cpy(x.name, sizeof x.name, ev->service);
    cpy(x.what, sizeof x.what, ev->path);
  } else if (!strcmp(ev->kind, "win.task")) {
    x.action = "remove_task";
    cpy(x.name, sizeof x.name, ev->path);
    cpy(x.what, sizeof x.what, ev->command_line);
  } else {
    x.action = "remove_registry";
    cpy(x.name, sizeof x.name, ev->path);
    cpy(x.what, sizeof x.what, ev->command_line.n ? ev->command_line : ev->process);
  }
  if (!x.name[0]) return 0;
  /* one item per (host, action, name): 7045 and 4697 say the same */
  for (size_t i = 0; i < c->npe; i++)
    if (c->pe[i].action == x.action && !strcasecmp(c->pe[i].host, x.host) &&
        !strcasecmp(c->pe[i].name, x.name)) {
      if (!c->pe[i].what[0]) snprintf(c->pe[i].what, sizeof c->pe[i].what, "%s", x.what);
      return 0;
    }
  if (c->npe >= ASH_PLAN_MAX_VALUES) return 0;
  fmt_day(c->p, ev->ts, x.when);
  x.ref.ts = ev->ts;
  x.ref.path = (char *)path; /* copied by step_ref */
  x.ref.ref = ev->ref;
  x.ref.ref_kind = rec ? ASH_REF_RECORD : ASH_REF_OFFSET;
  persist *v = ash_array_room(c->pe, &c->cappe, c->npe, sizeof *v, 8);
  if (!v) return c->rc = ASH_ENOMEM;
  c->pe = v;
  c->pe[c->npe] = x;
  if (path && !(c->pe[c->npe].ref.path = strdup(path))) return c->rc = ASH_ENOMEM;
  c->npe++;
  return 0;
}

static const char *base_name(ash_str s, size_t *n) {
  size_t b = 0;
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] == '\\' || s.p[i] == '/') b = i + 1;
  *n = s.n - b;
  return s.p + b;
}

static int contains(ash_str s, const char *lit) {
  size_t m = strlen(lit);
  for (size_t k = 0; k + m <= s.n; k++)
    if (!strncasecmp(s.p + k, lit, m)) return 1;
  return 0;
}

/* A backup run: a process start of a backup program. Backup products run
 * their jobs as processes on a schedule (an agent started per job, or
 * wbadmin start backup), and that start is the time the backup's contents
 * were read. Deleting a catalog (wbadmin delete) is not a backup. */
static int on_process(void *u, const ash_event *ev, const char *path, int rec, const char *attrs) {
  ctx *c = u;
  size_t n;
  const char *b = base_name(ev->process, &n);
  ash_str nm = {b, n};
  int is = 0;
  if (contains(nm, "wbadmin"))
    is = contains(ev->command_line, "start backup");
  else if (contains(nm, "backup") || contains(nm, "veeam") || contains(nm, "ntbackup"))
    is = !contains(ev->command_line, "delete");
  if (!is || ev->ts == ASH_TIME_UNSET) return 0;
  char host[64];
  cpy(host, sizeof host, ev->host);
  char *dot = strchr(host, '.');
  if (dot) *dot = 0;
  for (char *q = host; *q; q++) *q = (char)tolower((unsigned char)*q);
  /* Sysmon 1 and 4688 record the same start: one run per host within
   * ten minutes */
  for (size_t i = c->nbk; i-- > 0;) {
    if (ev->ts - c->bk[i].ts > 10 * ASH_MIN) break;
    if (!strcmp(c->bk[i].host, host)) return 0;
  }
  if (c->nbk >= 100000) return 0;
  backup_run *v = ash_array_room(c->bk, &c->capbk, c->nbk, sizeof *v, 64);
  if (!v) return c->rc = ASH_ENOMEM;
  c->bk = v;
  backup_run *r = &c->bk[c->nbk];
  memset(r, 0, sizeof *r);
  r->ts = ev->ts;
  snprintf(r->host, sizeof r->host, "%s", host);
  /* the job, when the command line names one ("--job nightly") */
  size_t j = 0;
  ash_str cl = ev->command_line;
  for (size_t k = 0; k + 5 <= cl.n; k++)
    if (!strncasecmp(cl.p + k, "--job", 5) || !strncasecmp(cl.p + k, "/job:", 5)) {
      k += 5;
      while (k < cl.n && (cl.p[k] == ' ' || cl.p[k] == '=' || cl.p[k] == '"')) k++;
      while (k < cl.n && j < sizeof r->job - 1 && cl.p[k] != ' ' && cl.p[k] != '"')
        r->job[j++] = cl.p[k++];
      break;
    }
  r->job[j] = 0;
  if (!r->job[0]) cpy(r->job, sizeof r->job, nm);
  r->ref.ts = ev->ts;
  r->ref.ref = ev->ref;
  r->ref.ref_kind = rec ? ASH_REF_RECORD : ASH_REF_OFFSET;
  if (path && !(r->ref.path = strdup(path))) return c->rc = ASH_ENOMEM;
  c->nbk++;
  return 0;
}

static int on_source(void *u, const ash_source_info *si) {
  uint64_t *cnt = u;
  if (!si->format) return 0;
  if (!strcmp(si->format, "fortigate"))
    cnt[ASH_FW_FORTIGATE] += si->parsed;
  else if (!strcmp(si->format, "panos"))
    cnt[ASH_FW_PANOS] += si->parsed;
  else if (!strcmp(si->format, "asa"))
    cnt[ASH_FW_ASA] += si->parsed;
  return 0;
}

static int query_host(ctx *c, const char *host, const char *kind, int64_t since,
                      int (*cb)(void *, const ash_event *, const char *, int, const char *)) {
  ash_event_query q;
  memset(&q, 0, sizeof q);
  q.kind = kind;
  q.host = host;
  q.since = since;
  q.until = ASH_TIME_UNSET;
  c->cur_host = host;
  int rc = ash_store_events(c->s, &q, cb, c);
  return rc ? rc : c->rc;
}

/* ---- building */

static int build_facts(ctx *c) {
  ash_plan *p = c->p;
  const ash_watchlist *w = p->watch;
  int64_t since = w->earliest;
  /* the hosts reached, and which of them to rebuild */
  for (size_t i = 0; i < w->ntunnels; i++)
    if (w->tunnels[i].host[0]) ASH_TRY(names_add(&c->tunnel_hosts, w->tunnels[i].host));
  for (size_t i = 0; i < c->nf; i++) {
    const ash_finding *f = &c->f[i];
    for (size_t j = 0; j < f->hosts.n; j++) ASH_TRY(names_add(&c->reached, f->hosts.v[j]));
    /* where credential theft (T1003), impact (T1485/6, T1490) or a
     * backdoor (tunnel, relay) ran, or an attack tool was saved (the
     * past incident's host): the intruder had administrator rights there */
    int rebuild = has_attack(f, "T1003") || has_attack(f, "T1485") || has_attack(f, "T1486") ||
                  has_attack(f, "T1490") || !strcmp(f->hunt, "cloud-tunnel") ||
                  !strcmp(f->hunt, "loopback-rdp") || !strcmp(f->hunt, "rdp-relay");
    if (rebuild)
      for (size_t j = 0; j < f->hosts.n; j++) ASH_TRY(names_add(&c->rebuild, f->hosts.v[j]));
    if (!strcmp(f->hunt, "past-incident-link") && f->hosts.n)
      ASH_TRY(names_add(&c->rebuild, f->hosts.v[0]));
    if (has_attack(f, "T1490")) {
      if (c->tamper_ts == ASH_TIME_UNSET || f->first_seen < c->tamper_ts)
        c->tamper_ts = f->first_seen;
      for (size_t j = 0; j < f->hosts.n; j++) ASH_TRY(names_add(&c->tamper_hosts, f->hosts.v[j]));
    }
  }
  /* the privileged users, and the reached hosts' names as logged in the
   * kinds queried below: from the wide table by the store's index over
   * kind, not by counting every host and user of the events and flows
   * (7 s of a 10^7-event case's 8 s report) */
  static const char *const KINDS[] = {"win.logon", "win.service", "win.task", "win.registry"};
  if (c->reached.n && !(c->alias = calloc(c->reached.n, sizeof *c->alias))) return ASH_ENOMEM;
  ASH_TRY(ash_store_privileged_users(c->s, on_privileged, c));
  ASH_TRY(ash_store_event_hosts(c->s, KINDS, 4, on_hostname, c));
  ASH_TRY(find_dcs(c));
  /* per reached host: its role, its logons, its persistence */
  for (size_t i = 0; i < c->reached.n; i++) {
    const char *h = c->reached.v[i];
    int is_dc = names_has(&c->all_dcs, h);
    names *alias = &c->alias[i];
    int rc = alias->n ? ASH_OK : names_add(alias, h);
    names_done(c, &c->cur_users);
    c->cur_is_dc = is_dc;
    for (size_t k = 0; !rc && k < alias->n; k++) {
      rc = query_host(c, alias->v[k], "win.logon", since, on_logon);
      if (!rc) rc = query_host(c, alias->v[k], "win.service", since, on_persist);
      if (!rc) rc = query_host(c, alias->v[k], "win.task", since, on_persist);
      if (!rc) rc = query_host(c, alias->v[k], "win.registry", since, on_persist);
      /* query_host points cur_host at the alias; the plan names the host
       * as the findings do */
      for (size_t e = 0; e < c->npe; e++)
        if (!strcasecmp(c->pe[e].host, alias->v[k]))
          snprintf(c->pe[e].host, sizeof c->pe[e].host, "%s", h);
    }
    ASH_TRY(rc);
    /* A file server is where many people's network logons land (mapped
     * drives, redirected folders); an application or database server sees
     * a few service and admin accounts. Ten distinct accounts separate the
     * two in every generated and sample case; a DC is a DC first. */
    if (is_dc)
      ASH_TRY(names_add(&c->dcs, h));
    else if (c->cur_users.n >= 10)
      ASH_TRY(names_add(&c->files, h));
    else
      ASH_TRY(names_add(&c->apps, h));
  }
  names_done(c, &c->cur_users);
  /* accounts the intruder held that are privileged on a DC are domain
   * admins in effect: whoever administers a DC administers the domain */
  names da = {0};
  for (size_t i = 0; i < c->da_used.n; i++)
    if (names_has(&c->privileged, c->da_used.v[i])) ASH_TRY(names_add(&da, c->da_used.v[i]));
  names_done(c, &c->da_used);
  c->da_used = da;
  p->dc_reached = c->dcs.n > 0;
  p->domain_admin_used = c->da_used.n > 0;
  /* backups */
  ash_event_query q;
  memset(&q, 0, sizeof q);
  q.kind = "win.process";
  q.since = q.until = ASH_TIME_UNSET;
  ASH_TRY(ash_store_events(c->s, &q, on_process, c));
  ASH_TRY(c->rc);
  p->cutoff = w->earliest;
  p->restore_from = ASH_TIME_UNSET;
  p->backups_seen = c->nbk;
  for (size_t i = 0; i < c->nbk; i++) {
    if (p->cutoff != ASH_TIME_UNSET && c->bk[i].ts >= p->cutoff) {
      p->backups_suspect++;
    } else if (p->restore_from == ASH_TIME_UNSET || c->bk[i].ts > p->restore_from) {
      p->restore_from = c->bk[i].ts;
      snprintf(p->restore_host, sizeof p->restore_host, "%s", c->bk[i].host);
    }
  }
  return ASH_OK;
}

static int contain(ctx *c) {
  ash_plan *p = c->p;
  const ash_watchlist *w = p->watch;
  ash_buf a, b, cfg;
  ash_buf_init(&a, 1 << 20);
  ash_buf_init(&b, 1 << 20);
  ash_buf_init(&cfg, 4 << 20);
  names relays = {0}, vpn = {0}, accts = {0};
  int rc = kind_names(w, ASH_WATCH_RELAY, &relays);
  if (!rc) rc = kind_names(w, ASH_WATCH_VPN_SOURCE, &vpn);
  if (!rc) rc = kind_names(w, ASH_WATCH_ACCOUNT, &accts);
  ash_plan_step *st = rc ? NULL : step_new(p, ASH_PHASE_CONTAIN, "block_addresses");
  if (!rc && !st) rc = ASH_ENOMEM;
  if (!rc && (relays.n || vpn.n)) {
    rc = join(c, &relays, &a);
    if (!rc) rc = join(c, &vpn, &b);
    const char *args[] = {a.p, b.p};
    if (!rc) rc = step_text(p, st, "block", args, 2);
    if (!rc) rc = step_values(st, &relays);
    if (!rc) rc = step_values(st, &vpn);
    if (!rc) rc = ash_fw_config(p->firewall, w, &cfg);
    if (!rc) rc = step_set(&st->config, &cfg);
    for (size_t i = 0; !rc && i < w->n; i++)
      if (w->items[i].kind == ASH_WATCH_RELAY || w->items[i].kind == ASH_WATCH_VPN_SOURCE)
        rc = step_cite_item(c, st, &w->items[i]);
  } else if (!rc) {
    rc = step_text(p, st, "block_none", NULL, 0);
  }
  if (!rc && accts.n) {
    st = step_new(p, ASH_PHASE_CONTAIN, "disable_vpn");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &accts, &a);
    const char *args[] = {a.p};
    if (!rc) rc = step_text(p, st, "disable_vpn", args, 1);
    if (!rc) rc = step_values(st, &accts);
    ash_buf_reset(&cfg);
    ash_buf_reset(&b);
    size_t refused = 0;
    if (!rc) rc = ash_fw_user_config(p->firewall, w, &cfg, &b, &refused);
    if (!rc) rc = step_set(&st->config, &cfg);
    if (!rc) rc = step_set(&st->directory, &b);
    if (!rc && refused) {
      char n[24];
      snprintf(n, sizeof n, "%zu", refused);
      const char *ra[] = {n};
      ash_buf_reset(&a);
      rc = ash_buf_adds(&a, st->text);
      if (!rc) rc = ash_buf_addc(&a, ' ');
      if (!rc) rc = ash_plan_msg(p->lang, "refused_names", ra, 1, &a);
      if (!rc) {
        free(st->text);
        st->text = strdup(a.p);
        if (!st->text) rc = ASH_ENOMEM;
      }
    }
    for (size_t i = 0; !rc && i < w->n; i++)
      if (w->items[i].kind == ASH_WATCH_ACCOUNT) rc = step_cite_item(c, st, &w->items[i]);
  }
  /* the tunnel host first: it is the way in that is still open */
  for (size_t i = 0; !rc && i < w->ntunnels; i++) {
    const ash_watch_tunnel *t = &w->tunnels[i];
    st = step_new(p, ASH_PHASE_CONTAIN, "isolate_tunnel_host");
    if (!st) {
      rc = ASH_ENOMEM;
      break;
    }
    char port[16], prov[128];
    snprintf(port, sizeof port, "%d", t->port);
    snprintf(prov, sizeof prov, "%s%s%s%s%s", t->provider, t->service[0] ? " " : "", t->service,
             t->region[0] ? ", " : "", t->region);
    const char *args[] = {t->host[0] ? t->host : t->server_ip, t->relay_ip, port,
                          prov[0] ? prov : "?"};
    rc = step_text(p, st, "isolate_tunnel", args, 4);
    if (!rc) rc = step_value(st, args[0]);
    if (!rc) rc = step_cite_id(c, st, t->finding);
  }
  names others = {0};
  for (size_t i = 0; !rc && i < c->reached.n; i++)
    if (!names_has(&c->tunnel_hosts, c->reached.v[i])) rc = names_add(&others, c->reached.v[i]);
  if (!rc && others.n) {
    st = step_new(p, ASH_PHASE_CONTAIN, "isolate_hosts");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &others, &a);
    const char *args[] = {a.p};
    if (!rc) rc = step_text(p, st, "isolate_hosts", args, 1);
    if (!rc) rc = step_values(st, &others);
    for (size_t i = 0; !rc && i < others.n; i++) rc = step_cite_host(c, st, others.v[i]);
  }
  names_done(c, &others);
  names_done(c, &relays);
  names_done(c, &vpn);
  names_done(c, &accts);
  ash_buf_free(&a);
  ash_buf_free(&b);
  ash_buf_free(&cfg);
  return rc;
}

static int eradicate(ctx *c) {
  ash_plan *p = c->p;
  const ash_watchlist *w = p->watch;
  int rc = ASH_OK;
  ash_buf a;
  ash_buf_init(&a, 1 << 20);
  /* the same service or task on several hosts (PsExec's, pushed to each)
   * is one step naming the hosts */
  char *done = calloc(c->npe + 1, 1);
  if (!done) rc = ASH_ENOMEM;
  for (size_t i = 0; !rc && i < c->npe; i++) {
    if (done[i]) continue;
    const persist *x = &c->pe[i];
    ash_plan_step *st = step_new(p, ASH_PHASE_ERADICATE, x->action);
    if (!st) {
      rc = ASH_ENOMEM;
      break;
    }
    names hosts = {0};
    for (size_t j = i; !rc && j < c->npe; j++) {
      const persist *y = &c->pe[j];
      if (done[j] || y->action != x->action || strcasecmp(y->name, x->name) ||
          strcasecmp(y->what, x->what))
        continue;
      done[j] = 1;
      rc = names_add(&hosts, y->host);
      if (!rc) rc = step_ref(st, &y->ref);
      if (!rc && y->why) rc = step_cite_item(c, st, y->why);
    }
    if (!rc) rc = join(c, &hosts, &a);
    const char *args[] = {a.p, x->name, x->what[0] ? x->what : "?", x->when};
    if (!rc) rc = step_text(p, st, x->action, args, 4);
    if (!rc) rc = step_value(st, x->name);
    if (!rc) rc = step_values(st, &hosts);
    names_done(c, &hosts);
  }
  free(done);
  names files = {0}, hashes = {0};
  /* the full paths when the finding gave them, else the names */
  for (size_t i = 0; !rc && i < w->n; i++) {
    const ash_watch_item *it = &w->items[i];
    if (it->kind == ASH_WATCH_FILE_NAME) rc = names_add(&files, it->note[0] ? it->note : it->value);
    if (it->kind == ASH_WATCH_SHA256) rc = names_add(&hashes, it->value);
  }
  /* and the programs the persistence starts (a service's image path, a
   * task's command): the intruder's, since the persistence is */
  for (size_t i = 0; !rc && i < c->npe; i++) {
    const char *q = c->pe[i].what;
    char exe[512];
    size_t n = 0;
    if (*q == '"') {
      q++;
      while (q[n] && q[n] != '"' && n < sizeof exe - 1) n++;
    } else {
      while (q[n] && q[n] != ' ' && n < sizeof exe - 1) n++;
    }
    memcpy(exe, q, n);
    exe[n] = 0;
    if (n > 4 && !strcasecmp(exe + n - 4, ".exe") && !strchr(exe, '\n')) {
      /* the OS's own programs run the persistence of others (powershell) */
      int os = strstr(exe, "\\System32\\") || strstr(exe, "\\system32\\");
      if (!os) rc = names_add(&files, exe);
    }
  }
  if (!rc && files.n) {
    ash_plan_step *st = step_new(p, ASH_PHASE_ERADICATE, "remove_files");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &files, &a);
    const char *args[] = {a.p};
    if (!rc) rc = step_text(p, st, "remove_files", args, 1);
    if (!rc) rc = step_values(st, &files);
    for (size_t i = 0; !rc && i < w->n; i++)
      if (w->items[i].kind == ASH_WATCH_FILE_NAME) rc = step_cite_item(c, st, &w->items[i]);
  }
  if (!rc && hashes.n) {
    ash_plan_step *st = step_new(p, ASH_PHASE_ERADICATE, "remove_hashes");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &hashes, &a);
    const char *args[] = {a.p};
    if (!rc) rc = step_text(p, st, "remove_hashes", args, 1);
    if (!rc) rc = step_values(st, &hashes);
    for (size_t i = 0; !rc && i < w->n; i++)
      if (w->items[i].kind == ASH_WATCH_SHA256) rc = step_cite_item(c, st, &w->items[i]);
  }
  if (!rc && c->rebuild.n) {
    ash_plan_step *st = step_new(p, ASH_PHASE_ERADICATE, "rebuild_hosts");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &c->rebuild, &a);
    const char *args[] = {a.p};
    if (!rc) rc = step_text(p, st, "rebuild", args, 1);
    if (!rc) rc = step_values(st, &c->rebuild);
    for (size_t i = 0; !rc && i < c->rebuild.n; i++) rc = step_cite_host(c, st, c->rebuild.v[i]);
  }
  names_done(c, &files);
  names_done(c, &hashes);
  ash_buf_free(&a);
  return rc;
}

static int credentials(ctx *c) {
  ash_plan *p = c->p;
  const ash_watchlist *w = p->watch;
  ash_buf a, b;
  ash_buf_init(&a, 1 << 20);
  ash_buf_init(&b, 1 << 20);
  names linked = {0}, admins = {0}, services = {0};
  int rc = kind_names(w, ASH_WATCH_ACCOUNT, &linked);
  /* the intruder's own admin accounts first, then the others used there */
  if (!rc) rc = kind_names(w, ASH_WATCH_ADMIN, &admins);
  for (size_t i = 0; !rc && i < c->admins.n; i++)
    if (!names_has(&linked, c->admins.v[i])) rc = names_add(&admins, c->admins.v[i]);
  for (size_t i = 0; !rc && i < c->services.n; i++)
    if (!names_has(&linked, c->services.v[i]) && !names_has(&admins, c->services.v[i]))
      rc = names_add(&services, c->services.v[i]);
  ash_plan_step *st;
  if (!rc && linked.n) {
    st = step_new(p, ASH_PHASE_CREDENTIALS, "reset_linked");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &linked, &a);
    const char *args[] = {a.p};
    if (!rc) rc = step_text(p, st, "reset_linked", args, 1);
    if (!rc) rc = step_values(st, &linked);
    for (size_t i = 0; !rc && i < w->n; i++)
      if (w->items[i].kind == ASH_WATCH_ACCOUNT) rc = step_cite_item(c, st, &w->items[i]);
  }
  if (!rc && admins.n) {
    st = step_new(p, ASH_PHASE_CREDENTIALS, "reset_admins");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &admins, &a);
    const char *args[] = {a.p};
    if (!rc) rc = step_text(p, st, "reset_admins", args, 1);
    if (!rc) rc = step_values(st, &admins);
    for (size_t i = 0; !rc && i < w->n; i++)
      if (w->items[i].kind == ASH_WATCH_ADMIN) rc = step_cite_item(c, st, &w->items[i]);
  }
  if (!rc && services.n) {
    st = step_new(p, ASH_PHASE_CREDENTIALS, "reset_services");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &services, &a);
    const char *args[] = {a.p};
    if (!rc) rc = step_text(p, st, "reset_services", args, 1);
    if (!rc) rc = step_values(st, &services);
    /* they are reset because the hosts they were seen on were held */
    for (size_t i = 0; !rc && i < c->reached.n; i++) rc = step_cite_host(c, st, c->reached.v[i]);
  }
  if (!rc) {
    st = step_new(p, ASH_PHASE_CREDENTIALS,
                  p->dc_reached || p->domain_admin_used ? "krbtgt_twice" : "krbtgt_not_required");
    if (!st) rc = ASH_ENOMEM;
  }
  if (!rc && (p->dc_reached || p->domain_admin_used)) {
    ash_buf r1, r2;
    ash_buf_init(&r1, 1 << 20);
    ash_buf_init(&r2, 1 << 20);
    rc = join(c, &c->dcs, &a);
    const char *a1[] = {a.p};
    if (!rc && p->dc_reached) rc = ash_plan_msg(p->lang, "krbtgt_dc", a1, 1, &r1);
    if (!rc) rc = join(c, &c->da_used, &b);
    const char *a2[] = {b.p};
    if (!rc && p->domain_admin_used) rc = ash_plan_msg(p->lang, "krbtgt_da", a2, 1, &r2);
    ash_buf why;
    ash_buf_init(&why, 1 << 20);
    const char *a3[] = {r1.p, r2.p};
    if (!rc && p->dc_reached && p->domain_admin_used)
      rc = ash_plan_msg(p->lang, "krbtgt_and", a3, 2, &why);
    else if (!rc)
      rc = ash_buf_adds(&why, p->dc_reached ? r1.p : r2.p);
    const char *a4[] = {why.p};
    if (!rc) rc = step_text(p, st, "krbtgt", a4, 1);
    if (!rc) rc = step_value(st, "krbtgt");
    for (size_t i = 0; !rc && i < c->dcs.n; i++) rc = step_cite_host(c, st, c->dcs.v[i]);
    ash_buf_free(&why);
    ash_buf_free(&r1);
    ash_buf_free(&r2);
  } else if (!rc) {
    rc = step_text(p, st, "krbtgt_not", NULL, 0);
  }
  names laps = {0};
  for (size_t i = 0; !rc && i < c->reached.n; i++)
    if (!names_has(&c->dcs, c->reached.v[i])) rc = names_add(&laps, c->reached.v[i]);
  if (!rc && laps.n) {
    st = step_new(p, ASH_PHASE_CREDENTIALS, "rotate_laps");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &laps, &a);
    const char *args[] = {a.p};
    if (!rc) rc = step_text(p, st, "laps", args, 1);
    if (!rc) rc = step_values(st, &laps);
    for (size_t i = 0; !rc && i < laps.n; i++) rc = step_cite_host(c, st, laps.v[i]);
  }
  names_done(c, &laps);
  names_done(c, &linked);
  names_done(c, &admins);
  names_done(c, &services);
  ash_buf_free(&a);
  ash_buf_free(&b);
  return rc;
}

static int restore(ctx *c) {
  ash_plan *p = c->p;
  const ash_watchlist *w = p->watch;
  ash_buf a, b, d;
  ash_buf_init(&a, 1 << 20);
  ash_buf_init(&b, 1 << 20);
  ash_buf_init(&d, 1 << 20);
  int rc = ASH_OK;
  ash_plan_step *st = NULL;
  if (c->reached.n) {
    st = step_new(p, ASH_PHASE_RESTORE, "restore_order");
    if (!st) rc = ASH_ENOMEM;
    if (!rc) rc = join(c, &c->dcs, &a);
    if (!rc) rc = join(c, &c->files, &b);
    if (!rc) rc = join(c, &c->apps, &d);
    const char *args[] = {a.p, b.p, d.p};
    if (!rc) rc = step_text(p, st, "restore_order", args, 3);
    if (!rc) rc = step_values(st, &c->dcs);
    if (!rc) rc = step_values(st, &c->files);
    if (!rc) rc = step_values(st, &c->apps);
    for (size_t i = 0; !rc && i < c->reached.n; i++) rc = step_cite_host(c, st, c->reached.v[i]);
  }
  char cut[40], from[40];
  fmt_day(p, p->cutoff, cut);
  if (!rc && p->cutoff != ASH_TIME_UNSET) {
    st = step_new(p, ASH_PHASE_RESTORE, "backup_cutoff");
    if (!st) rc = ASH_ENOMEM;
    ash_buf_reset(&a);
    const backup_run *best = NULL;
    for (size_t i = 0; i < c->nbk; i++)
      if (c->bk[i].ts == p->restore_from && !strcmp(c->bk[i].host, p->restore_host))
        best = &c->bk[i];
    if (!rc && best) {
      fmt_day(p, best->ts, from);
      const char *args[] = {from, best->host, best->job};
      rc = ash_plan_msg(p->lang, "backup_run", args, 3, &a);
    } else if (!rc) {
      rc = ash_plan_msg(p->lang, "backup_none_before", NULL, 0, &a);
    }
    const char *args[] = {cut, a.p};
    if (!rc) rc = step_text(p, st, "backup_cutoff", args, 2);
    if (!rc) rc = step_value(st, cut);
    if (!rc && best) rc = step_ref(st, &best->ref);
    /* the finding that dates the first footprint */
    for (size_t i = 0; !rc && i < c->nf; i++) {
      const ash_finding *f = &c->f[i];
      int first = f->first_seen == p->cutoff;
      for (size_t e = 0; e < f->nevidence; e++) first |= f->evidence[e].ts == p->cutoff;
      if (first) rc = step_cite(st, f);
    }
    /* suspect backups */
    st = rc ? NULL : step_new(p, ASH_PHASE_RESTORE, "suspect_backups");
    if (!rc && !st) rc = ASH_ENOMEM;
    names progs = {0};
    if (!rc) rc = kind_names(w, ASH_WATCH_FILE_NAME, &progs);
    if (!rc) rc = join(c, &progs, &b);
    names_done(c, &progs);
    if (!rc && p->backups_suspect) {
      const backup_run *last = NULL;
      for (size_t i = 0; i < c->nbk; i++)
        if (c->bk[i].ts >= p->cutoff && (!last || c->bk[i].ts > last->ts)) last = &c->bk[i];
      char n[24], lt[40];
      snprintf(n, sizeof n, "%llu", (unsigned long long)p->backups_suspect);
      fmt_day(p, last ? last->ts : ASH_TIME_UNSET, lt);
      const char *sa[] = {cut, n, lt, b.p};
      rc = step_text(p, st, "backup_suspect", sa, 4);
      if (!rc && last) rc = step_ref(st, &last->ref);
    } else if (!rc) {
      const char *sa[] = {cut};
      rc = step_text(p, st, "backup_suspect_none", sa, 1);
    }
    if (!rc) rc = step_value(st, cut);
    /* when each implant entered: from then on it is in every backup */
    ash_buf extra;
    ash_buf_init(&extra, 1 << 20);
    for (size_t i = 0; !rc && i < w->n; i++) {
      const ash_watch_item *it = &w->items[i];
      if (it->kind != ASH_WATCH_FILE_NAME || it->first_seen == ASH_TIME_UNSET) continue;
      char t[40];
      fmt_day(p, it->first_seen, t);
      const char *ia[] = {t, it->value};
      rc = p->lang == ASH_LANG_JA ? ASH_OK : ash_buf_addc(&extra, ' ');
      if (!rc) rc = ash_plan_msg(p->lang, "backup_implant", ia, 2, &extra);
      if (!rc) rc = step_cite_item(c, st, it);
    }
    if (!rc && c->tamper_ts != ASH_TIME_UNSET) {
      char t[40];
      fmt_day(p, c->tamper_ts, t);
      rc = join(c, &c->tamper_hosts, &a);
      const char *ta[] = {t, a.p};
      if (!rc) rc = p->lang == ASH_LANG_JA ? ASH_OK : ash_buf_addc(&extra, ' ');
      if (!rc) rc = ash_plan_msg(p->lang, "backup_tampered", ta, 2, &extra);
      for (size_t i = 0; !rc && i < c->nf; i++)
        if (has_attack(&c->f[i], "T1490")) rc = step_cite(st, &c->f[i]);
    }
    if (!rc && extra.n) {
      ash_buf all;
      ash_buf_init(&all, 2 << 20);
      rc = ash_buf_adds(&all, st->text);
      if (!rc) rc = ash_buf_add(&all, extra.p, extra.n);
      if (!rc) {
        free(st->text);
        st->text = strdup(all.p);
        if (!st->text) rc = ASH_ENOMEM;
      }
      ash_buf_free(&all);
    }
    ash_buf_free(&extra);
  }
  ash_buf_free(&a);
  ash_buf_free(&b);
  ash_buf_free(&d);
  return rc;
}

static int verify(ctx *c) {
  ash_plan *p = c->p;
  const ash_watchlist *w = p->watch;
  ash_plan_step *st = step_new(p, ASH_PHASE_VERIFY, "watch");
  if (!st) return ASH_ENOMEM;
  if (!c->nf) return step_text(p, st, "no_findings", NULL, 0);
  ash_buf v[6];
  for (int i = 0; i < 6; i++) ash_buf_init(&v[i], 1 << 20);
  names l[6] = {{0}};
  int rc = kind_names(w, ASH_WATCH_RELAY, &l[0]);
  if (!rc) rc = kind_names(w, ASH_WATCH_VPN_SOURCE, &l[1]);
  if (!rc) rc = kind_names(w, ASH_WATCH_ACCOUNT, &l[2]);
  if (!rc) rc = kind_names(w, ASH_WATCH_ADMIN, &l[2]);
  if (!rc) rc = kind_names(w, ASH_WATCH_FILE_NAME, &l[3]);
  if (!rc) rc = kind_names(w, ASH_WATCH_SHA256, &l[3]);
  if (!rc) rc = kind_names(w, ASH_WATCH_LOOPBACK_HOST, &l[5]);
  for (size_t i = 0; !rc && i < w->ntunnels; i++) {
    const ash_watch_tunnel *t = &w->tunnels[i];
    char port[16], mins[24];
    snprintf(port, sizeof port, "%d", t->port);
    snprintf(mins, sizeof mins, "%lld", (long long)(t->min_session_s / 60));
    const char *ta[] = {t->host[0] ? t->host : t->server_ip, t->relay_ip, port, mins};
    ash_buf one;
    ash_buf_init(&one, 4096);
    rc = ash_plan_msg(p->lang, "tunnel_shape", ta, 4, &one);
    if (!rc) rc = names_add(&l[4], one.p);
    ash_buf_free(&one);
  }
  for (int i = 0; !rc && i < 6; i++) rc = join(c, &l[i], &v[i]);
  char days[16], gap[16];
  snprintf(days, sizeof days, "%d", w->watch_days);
  snprintf(gap, sizeof gap, "%lld", (long long)(w->longest_gap / ASH_DAY));
  const char *args[] = {days, gap, v[0].p, v[1].p, v[2].p, v[3].p, v[4].p, v[5].p};
  if (!rc) rc = step_text(p, st, "watch", args, 8);
  if (!rc) rc = step_value(st, days);
  for (size_t i = 0; !rc && i < w->n; i++) rc = step_cite_item(c, st, &w->items[i]);
  for (int i = 0; i < 6; i++) {
    names_done(c, &l[i]);
    ash_buf_free(&v[i]);
  }
  return rc;
}

static void ctx_free(ctx *c) {
  for (size_t i = 0; c->alias && i < c->reached.n; i++) {
    c->p->values_dropped += c->alias[i].dropped;
    names_free(&c->alias[i]);
  }
  free(c->alias);
  for (size_t i = 0; i < c->nf; i++) ash_finding_free(&c->f[i]);
  free(c->f);
  names *all[] = {&c->reached, &c->tunnel_hosts, &c->rebuild,  &c->dcs,        &c->files,
                  &c->apps,    &c->admins,       &c->services, &c->privileged, &c->da_used,
                  &c->all_dcs, &c->tamper_hosts, &c->cur_users};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    c->p->values_dropped += all[i]->dropped;
    names_free(all[i]);
  }
  for (size_t i = 0; i < c->npe; i++) free(c->pe[i].ref.path);
  free(c->pe);
  for (size_t i = 0; i < c->nbk; i++) free(c->bk[i].ref.path);
  free(c->bk);
}

int ash_plan_build(ash_store *s, const ash_plan_opts *o, ash_plan **out) {
  if (!s || !o || !out) return ASH_EUSAGE;
  ash_plan *p = calloc(1, sizeof *p);
  if (!p) return ASH_ENOMEM;
  p->lang = o->lang;
  p->tz = o->tz;
  p->firewall = o->firewall;
  p->cutoff = p->restore_from = ASH_TIME_UNSET;
  ctx c;
  memset(&c, 0, sizeof c);
  c.s = s;
  c.p = p;
  c.tamper_ts = ASH_TIME_UNSET;
  int rc = ASH_OK;
  if (p->firewall == ASH_FW_AUTO) {
    /* the vendor whose records the case holds most of: the perimeter the
     * logs came from is the one to configure. A case with no firewall log
     * (Zeek, Windows only) gets the generic Linux form. */
    uint64_t cnt[5] = {0};
    rc = ash_store_sources(s, on_source, cnt);
    p->firewall = ASH_FW_IPTABLES;
    uint64_t best = 0;
    for (int v = ASH_FW_FORTIGATE; v <= ASH_FW_ASA; v++)
      if (cnt[v] > best) {
        best = cnt[v];
        p->firewall = (ash_fw_vendor)v;
        p->firewall_detected = 1;
      }
  }
  if (!rc) rc = ash_watchlist_build(s, &p->watch);
  if (!rc) rc = ash_store_findings(s, NULL, on_finding, &c);
  if (!rc) rc = c.rc;
  if (!rc && c.nf) rc = build_facts(&c);
  if (!rc && c.nf) rc = contain(&c);
  if (!rc && c.nf) rc = eradicate(&c);
  if (!rc && c.nf) rc = credentials(&c);
  if (!rc && c.nf) rc = restore(&c);
  if (!rc) rc = verify(&c);
  ctx_free(&c);
  if (rc) {
    ash_plan_close(p);
    return rc;
  }
  *out = p;
  return ASH_OK;
}

void ash_plan_close(ash_plan *p) {
  if (!p) return;
  for (size_t i = 0; i < p->nsteps; i++) {
    ash_plan_step *st = &p->steps[i];
    free(st->text);
    free(st->config);
    free(st->directory);
    for (size_t k = 0; k < st->nvalues; k++) free(st->values[k]);
    free(st->values);
    for (size_t k = 0; k < st->nrefs; k++) free(st->refs[k].path);
  }
  free(p->steps);
  ash_watchlist_close(p->watch);
  free(p);
}

/* ---- output */

static int ref_text(const ash_plan *p, const ash_plan_ref *r, ash_buf *o) {
  char t[40];
  fmt_day(p, r->ts, t);
  ASH_TRY(ash_buf_printf(o, "%s %s", t, r->path ? r->path : "?"));
  if (r->ref_kind == ASH_REF_RECORD)
    return ash_buf_printf(o, " record %llu", (unsigned long long)r->ref);
  if (r->ref_kind == ASH_REF_OFFSET)
    return ash_buf_printf(o, " offset %llu", (unsigned long long)r->ref);
  return ASH_OK;
}

#define TEXT_CITES 6
#define TEXT_REFS 3

int ash_plan_to_text(const ash_plan *p, ash_buf *o) {
  ash_buf h, t;
  ash_buf_init(&h, 4096);
  ash_buf_init(&t, 4096);
  const char *vn[] = {ash_fw_vendor_name(p->firewall)};
  int rc = ash_plan_msg(p->lang, p->firewall_detected ? "firewall_detected" : "firewall_given", vn,
                        1, &h);
  const char *hv[] = {h.p};
  if (!rc) rc = ash_plan_msg(p->lang, "title", hv, 1, &t);
  if (!rc) rc = ash_buf_addc(&t, '\n');
  if (!rc) rc = ash_buf_add(o, t.p, t.n);
  ash_buf_free(&h);
  ash_buf_free(&t);
  ASH_TRY(rc);
  int phase = 0, k = 0;
  for (size_t i = 0; i < p->nsteps; i++) {
    const ash_plan_step *st = &p->steps[i];
    if ((int)st->phase != phase) {
      phase = st->phase;
      k = 0;
      ASH_TRY(ash_buf_printf(o, "\n%s\n", ash_plan_phase_title(p->lang, st->phase)));
    }
    ASH_TRY(ash_buf_printf(o, "  %d.%d %s\n", phase, ++k, st->text ? st->text : ""));
    if (st->ncites) {
      ASH_TRY(ash_buf_adds(o, "      "));
      ASH_TRY(ash_plan_msg(p->lang, "findings", NULL, 0, o));
      ASH_TRY(ash_buf_adds(o, ":"));
      /* the text stays readable; --json has them all */
      for (size_t j = 0; j < st->ncites && j < TEXT_CITES; j++)
        ASH_TRY(ash_buf_printf(o, " %s", st->cites[j]));
      if (st->ncites > TEXT_CITES) ASH_TRY(ash_buf_printf(o, " (+%zu)", st->ncites - TEXT_CITES));
      ASH_TRY(ash_buf_addc(o, '\n'));
    }
    for (size_t j = 0; j < st->nrefs && j < TEXT_REFS; j++) {
      ASH_TRY(ash_buf_adds(o, "      "));
      ASH_TRY(ash_plan_msg(p->lang, "evidence", NULL, 0, o));
      ASH_TRY(ash_buf_adds(o, ": "));
      ASH_TRY(ref_text(p, &st->refs[j], o));
      ASH_TRY(ash_buf_addc(o, '\n'));
    }
    const char *blocks[2] = {st->config, st->directory};
    for (int b = 0; b < 2; b++) {
      if (!blocks[b]) continue;
      ASH_TRY(ash_buf_adds(o, b ? "      PowerShell (Active Directory):\n" : "      "));
      if (!b) {
        ASH_TRY(ash_plan_msg(p->lang, "config", NULL, 0, o));
        ASH_TRY(ash_buf_adds(o, ":\n"));
      }
      for (const char *l = blocks[b]; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        ASH_TRY(ash_buf_adds(o, "        "));
        ASH_TRY(ash_buf_add(o, l, n));
        ASH_TRY(ash_buf_addc(o, '\n'));
        l += n + (e != NULL);
      }
    }
  }
  return ASH_OK;
}

static int jstr(ash_buf *o, const char *s) {
  ASH_TRY(ash_buf_addc(o, '"'));
  ASH_TRY(ash_buf_add_json_str(o, s ? s : "", s ? strlen(s) : 0));
  return ash_buf_addc(o, '"');
}

static int jtime(ash_buf *o, int64_t t) {
  if (t == ASH_TIME_UNSET) return ash_buf_adds(o, "null");
  char s[32];
  ash_time_format(t, s);
  return jstr(o, s);
}

int ash_plan_to_json(const ash_plan *p, ash_buf *o) {
  ASH_TRY(ash_buf_printf(o, "{\"lang\":\"%s\",\"firewall\":\"%s\",\"firewall_detected\":%s,",
                         p->lang == ASH_LANG_JA ? "ja" : "en", ash_fw_vendor_name(p->firewall),
                         p->firewall_detected ? "true" : "false"));
  ASH_TRY(ash_buf_adds(o, "\"cutoff\":"));
  ASH_TRY(jtime(o, p->cutoff));
  ASH_TRY(ash_buf_adds(o, ",\"restore_from\":"));
  ASH_TRY(jtime(o, p->restore_from));
  ASH_TRY(ash_buf_adds(o, ",\"restore_host\":"));
  ASH_TRY(jstr(o, p->restore_host));
  if (p->values_dropped) ASH_TRY(ash_buf_printf(o, ",\"values_dropped\":%zu", p->values_dropped));
  ASH_TRY(ash_buf_printf(o,
                         ",\"backups_seen\":%llu,\"backups_suspect\":%llu,\"dc_reached\":%s,"
                         "\"domain_admin_used\":%s,\"steps\":[",
                         (unsigned long long)p->backups_seen,
                         (unsigned long long)p->backups_suspect, p->dc_reached ? "true" : "false",
                         p->domain_admin_used ? "true" : "false"));
  for (size_t i = 0; i < p->nsteps; i++) {
    const ash_plan_step *st = &p->steps[i];
    ASH_TRY(ash_buf_printf(o, "%s{\"phase\":%d,\"phase_name\":", i ? "," : "", (int)st->phase));
    ASH_TRY(jstr(o, ash_plan_phase_title(p->lang, st->phase)));
    ASH_TRY(ash_buf_printf(o, ",\"action\":\"%s\",\"text\":", st->action));
    ASH_TRY(jstr(o, st->text));
    ASH_TRY(ash_buf_adds(o, ",\"values\":["));
    for (size_t k = 0; k < st->nvalues; k++) {
      if (k) ASH_TRY(ash_buf_addc(o, ','));
      ASH_TRY(jstr(o, st->values[k]));
    }
    ASH_TRY(ash_buf_addc(o, ']'));
    if (st->config) {
      ASH_TRY(ash_buf_adds(o, ",\"config\":"));
      ASH_TRY(jstr(o, st->config));
    }
    if (st->directory) {
      ASH_TRY(ash_buf_adds(o, ",\"directory\":"));
      ASH_TRY(jstr(o, st->directory));
    }
    ASH_TRY(ash_buf_adds(o, ",\"findings\":["));
    for (size_t k = 0; k < st->ncites; k++) {
      if (k) ASH_TRY(ash_buf_addc(o, ','));
      ASH_TRY(jstr(o, st->cites[k]));
    }
    ASH_TRY(ash_buf_adds(o, "],\"evidence\":["));
    for (size_t k = 0; k < st->nrefs; k++) {
      const ash_plan_ref *r = &st->refs[k];
      ASH_TRY(ash_buf_adds(o, k ? ",{" : "{"));
      if (r->finding[0]) {
        ASH_TRY(ash_buf_adds(o, "\"finding\":"));
        ASH_TRY(jstr(o, r->finding));
        ASH_TRY(ash_buf_addc(o, ','));
      }
      ASH_TRY(ash_buf_adds(o, "\"ts\":"));
      ASH_TRY(jtime(o, r->ts));
      if (r->path) {
        ASH_TRY(ash_buf_adds(o, ",\"source\":{\"path\":"));
        ASH_TRY(jstr(o, r->path));
        ASH_TRY(ash_buf_printf(o, ",\"%s\":%llu}",
                               r->ref_kind == ASH_REF_RECORD ? "record" : "offset",
                               (unsigned long long)r->ref));
      }
      ASH_TRY(ash_buf_addc(o, '}'));
    }
    ASH_TRY(ash_buf_adds(o, "]}"));
  }
  ASH_TRY(ash_buf_adds(o, "],\"watchlist\":"));
  ASH_TRY(ash_watchlist_to_json(p->watch, o));
  return ash_buf_addc(o, '}');
}
