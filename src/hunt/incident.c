/* Incidents: the findings of one intrusion, linked (issue 11 item 4,
 * issue 12). One intrusion leaves findings in several hunts: the tool it
 * dropped months earlier (past-incident-link), the account coming back
 * (account-use), the credentials it moved on with (credential-hop), the
 * backdoor and its relay (cloud-tunnel, loopback-rdp, rdp-relay, beacon),
 * and what it ran on the hosts (lolbin, sigma). A responder acts on the
 * intrusion, not on each finding: these are joined into incidents.
 *
 * The story findings (the hunts above other than the rule hunts), at
 * high or above, are joined when they name the same person's account
 * (an account is one person's credentials: two findings naming it are
 * the same hands), or the same host within a month of each other (the
 * session that reached a host and the backdoor found on it), or the same
 * outside address (the relay the tunnel and the beacons reach). Then
 * every other finding of medium or above joins the incident whose accounts or outside addresses it
 * names (other than story findings: within the incident's time, a day before its first finding to a
 * week after its last), or, for the rule hunts, whose hosts it is on within that time; and a rule
 * finding joins when the same rule fired on one of the incident's hosts within the hour. Groups of
 * two findings or more are incidents. Ids are given in the order of the incidents' first seeds: the
 * same case gives the same ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/ip.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

#define SEED_MIN 65
#define JOIN_MIN 40
#define HOST_GAP (30 * ASH_DAY)
#define BEFORE ASH_DAY
#define AFTER (7 * ASH_DAY)

static int story_hunt(const char *h) {
  static const char *const s[] = {ASH_HUNT_LINK,   ASH_HUNT_ACCOUNT,  ASH_HUNT_HOP,
                                  ASH_HUNT_TUNNEL, ASH_HUNT_LOOPBACK, ASH_HUNT_RELAY};
  for (size_t i = 0; h && i < sizeof s / sizeof s[0]; i++)
    if (!strcmp(h, s[i])) return 1;
  return 0;
}

static int64_t t_first(const ash_finding *f);

/* Where a hunt's finding sits in the chain: past detection, account,
 * lateral movement, the host's backdoor. */
static int role(const char *h) {
  static const char *const s[] = {ASH_HUNT_LINK,  ASH_HUNT_ACCOUNT,  ASH_HUNT_HOP,
                                  ASH_HUNT_RELAY, ASH_HUNT_LOOPBACK, ASH_HUNT_TUNNEL};
  for (int i = 0; h && i < (int)(sizeof s / sizeof s[0]); i++)
    if (!strcmp(h, s[i])) return i;
  return 9;
}

/* Story order: by day, and within a day by the place in the chain. */
static int story_before(const ash_finding *a, const ash_finding *b) {
  int64_t da = t_first(a) / ASH_DAY, db = t_first(b) / ASH_DAY;
  if (da != db) return da < db;
  if (role(a->hunt) != role(b->hunt)) return role(a->hunt) < role(b->hunt);
  return t_first(a) < t_first(b);
}

static int rule_hunt(const char *h) { return h && (!strcmp(h, "lolbin") || !strcmp(h, "sigma")); }

/* A person's account: not a system, service or computer account, whose
 * names many findings share without sharing hands. */
static int person(const char *a) {
  return a[0] && !hunt_is_service_account(a) && strncasecmp(a, "svc", 3) &&
         strcasecmp(a, "administrator");
}

static int share_account(const ash_finding *a, const ash_finding *b) {
  for (size_t i = 0; i < a->accounts.n; i++) {
    if (!person(a->accounts.v[i])) continue;
    for (size_t j = 0; j < b->accounts.n; j++)
      if (!strcasecmp(a->accounts.v[i], b->accounts.v[j])) return 1;
  }
  return 0;
}

static int share_host(const ash_finding *a, const ash_finding *b) {
  for (size_t i = 0; i < a->hosts.n; i++)
    for (size_t j = 0; j < b->hosts.n; j++)
      if (!strcmp(a->hosts.v[i], b->hosts.v[j])) return 1;
  return 0;
}

static int outside(const char *s) {
  ash_ip ip;
  return !ash_ip_parse(ash_str_cstr(s), &ip) && !ash_ip_is_private(&ip) &&
         !(ip.fam == 4 && ip.b[12] == 127);
}

static int share_outside_ip(const ash_finding *a, const ash_finding *b) {
  for (size_t i = 0; i < a->ips.n; i++) {
    if (!outside(a->ips.v[i])) continue;
    for (size_t j = 0; j < b->ips.n; j++)
      if (!strcmp(a->ips.v[i], b->ips.v[j])) return 1;
  }
  return 0;
}

static int64_t t_first(const ash_finding *f) {
  return f->first_seen != ASH_TIME_UNSET ? f->first_seen : f->last_seen;
}
static int64_t t_last(const ash_finding *f) {
  return f->last_seen != ASH_TIME_UNSET ? f->last_seen : f->first_seen;
}

/* [a] and [b] closer than gap (unknown times: not close). */
static int near(const ash_finding *a, const ash_finding *b, int64_t gap) {
  int64_t a0 = t_first(a), a1 = t_last(a), b0 = t_first(b), b1 = t_last(b);
  if (a0 == ASH_TIME_UNSET || b0 == ASH_TIME_UNSET) return 0;
  return b0 <= a1 + gap && a0 <= b1 + gap;
}

/* Two rule findings of the same rule ("Sigma: <rule> on <host>"). */
static int same_rule(const ash_finding *a, const ash_finding *b) {
  if (!a->title || !b->title) return 0;
  const char *x = strstr(a->title, " on "), *y = strstr(b->title, " on ");
  const char *xe = x, *ye = y;
  while (x && (x = strstr(x + 1, " on "))) xe = x;
  while (y && (y = strstr(y + 1, " on "))) ye = y;
  if (!xe || !ye) return 0;
  size_t nx = (size_t)(xe - a->title), ny = (size_t)(ye - b->title);
  return nx == ny && !memcmp(a->title, b->title, nx);
}

static size_t root(size_t *p, size_t i) {
  while (p[i] != i) i = p[i] = p[p[i]];
  return i;
}

typedef struct grp {
  size_t root;
  int64_t first, last;
  int nseeds;
} grp;

static int cmp_grp(const void *a, const void *b) {
  const grp *x = a, *y = b;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return x->root < y->root ? -1 : x->root > y->root;
}

int hunt_incidents_link(ash_finding *v, size_t n) {
  for (size_t i = 0; i < n; i++) v[i].incident[0] = 0;
  if (!n) return ASH_OK;
  size_t *p = malloc(n * sizeof *p);
  unsigned char *seed = calloc(n, 1);
  grp *g = calloc(n, sizeof *g);
  long *gi = malloc(n * sizeof *gi); /* each finding's group, -1 none */
  if (!p || !seed || !g || !gi) {
    free(p);
    free(seed);
    free(g);
    free(gi);
    return ASH_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    p[i] = i;
    gi[i] = -1;
    seed[i] = story_hunt(v[i].hunt) && v[i].score >= SEED_MIN;
  }
  for (size_t i = 0; i < n; i++) {
    if (!seed[i]) continue;
    for (size_t j = i + 1; j < n; j++) {
      if (!seed[j]) continue;
      if (share_account(&v[i], &v[j]) || share_outside_ip(&v[i], &v[j]) ||
          (share_host(&v[i], &v[j]) && near(&v[i], &v[j], HOST_GAP)))
        p[root(p, i)] = root(p, j);
    }
  }
  /* the groups of seeds and their times */
  size_t ng = 0;
  for (size_t i = 0; i < n; i++) {
    if (!seed[i]) continue;
    size_t r = root(p, i);
    size_t k = 0;
    while (k < ng && g[k].root != r) k++;
    if (k == ng) {
      g[ng].root = r;
      g[ng].first = INT64_MAX;
      g[ng].last = INT64_MIN;
      ng++;
    }
    g[k].nseeds++;
    gi[i] = (long)k;
    int64_t a = t_first(&v[i]), b = t_last(&v[i]);
    if (a != ASH_TIME_UNSET && a < g[k].first) g[k].first = a;
    if (b != ASH_TIME_UNSET && b > g[k].last) g[k].last = b;
  }
  /* the other findings join the first group they meet */
  for (size_t i = 0; i < n; i++) {
    ash_finding *f = &v[i];
    if (gi[i] >= 0 || f->score < JOIN_MIN) continue;
    int64_t f0 = t_first(f), f1 = t_last(f);
    if (f0 == ASH_TIME_UNSET) continue;
    for (size_t j = 0; j < n && gi[i] < 0; j++) {
      if (!seed[j]) continue;
      const grp *x = &g[gi[j]];
      int during = f1 >= x->first - BEFORE && f0 <= x->last + AFTER;
      /* a story finding naming the account or the relay is the same
       * intrusion whenever it happened (the account returns months after
       * the tool it dropped); the others must fall in its time */
      int ties = share_account(f, &v[j]) || share_outside_ip(f, &v[j]);
      if ((ties && (during || story_hunt(f->hunt))) ||
          (during && rule_hunt(f->hunt) && share_host(f, &v[j])))
        gi[i] = gi[j];
    }
  }
  /* the same rule on other hosts within the hour of one of the group's
   * own rule findings: one hand running one command across the domain
   * (the ransomware's deployment runs the same impact commands on every
   * server within minutes) */
  for (int pass = 0, grew = 1; grew && pass < 4; pass++) {
    grew = 0;
    for (size_t i = 0; i < n; i++) {
      ash_finding *f = &v[i];
      if (gi[i] >= 0 || f->score < JOIN_MIN || !rule_hunt(f->hunt)) continue;
      for (size_t j = 0; j < n && gi[i] < 0; j++) {
        const ash_finding *o = &v[j];
        if (gi[j] < 0 || !rule_hunt(o->hunt) || !same_rule(f, o) || !near(f, o, ASH_HOUR)) continue;
        gi[i] = gi[j];
        grew = 1;
      }
    }
  }
  /* incidents: the groups of two findings or more, numbered in the order
   * of their first seed */
  for (size_t k = 0; k < ng; k++) g[k].nseeds = 0;
  for (size_t i = 0; i < n; i++)
    if (gi[i] >= 0) g[gi[i]].nseeds++;
  size_t *num = calloc(ng ? ng : 1, sizeof *num);
  grp *sorted = calloc(ng ? ng : 1, sizeof *sorted);
  int rc = num && sorted ? ASH_OK : ASH_ENOMEM;
  size_t m = 0;
  for (size_t k = 0; !rc && k < ng; k++)
    if (g[k].nseeds >= 2) {
      sorted[m] = g[k];
      sorted[m++].root = k; /* the group's index, to number it */
    }
  if (!rc && m) qsort(sorted, m, sizeof *sorted, cmp_grp);
  for (size_t k = 0; !rc && k < m; k++) num[sorted[k].root] = k + 1;
  for (size_t i = 0; !rc && i < n; i++)
    if (gi[i] >= 0 && num[gi[i]])
      snprintf(v[i].incident, sizeof v[i].incident, "INC-%zu", num[gi[i]]);
  free(num);
  free(sorted);
  free(p);
  free(seed);
  free(g);
  free(gi);
  return rc;
}

/* ---- the story ---- */

static int in_set(const char *const *v, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i], s)) return 1;
  return 0;
}

int hunt_incident_story(const ash_finding *v, size_t n, const char *id, ash_incident *out,
                        ash_buf *title, ash_buf *story) {
  memset(out, 0, sizeof out[0]);
  snprintf(out->id, sizeof out->id, "%s", id);
  out->first_seen = out->last_seen = ASH_TIME_UNSET;
  const char *accts[8], *hosts[12];
  size_t na = 0, nh = 0, nrule = 0;
  /* the story findings in time order (at most 16) */
  const ash_finding *st[16];
  size_t ns = 0;
  for (size_t i = 0; i < n; i++) {
    const ash_finding *f = &v[i];
    if (strcmp(f->incident, id)) continue;
    out->nfindings++;
    if (f->score > out->score) out->score = f->score;
    int64_t a = t_first(f), b = t_last(f);
    if (a != ASH_TIME_UNSET && (out->first_seen == ASH_TIME_UNSET || a < out->first_seen))
      out->first_seen = a;
    if (b != ASH_TIME_UNSET && (out->last_seen == ASH_TIME_UNSET || b > out->last_seen))
      out->last_seen = b;
    for (size_t k = 0; k < f->hosts.n && nh < 12; k++)
      if (!in_set(hosts, nh, f->hosts.v[k])) hosts[nh++] = f->hosts.v[k];
    if (rule_hunt(f->hunt) || !story_hunt(f->hunt)) {
      nrule++;
      continue;
    }
    for (size_t k = 0; k < f->accounts.n && na < 8; k++)
      if (person(f->accounts.v[k]) && !in_set(accts, na, f->accounts.v[k]))
        accts[na++] = f->accounts.v[k];
    size_t at = ns < 16 ? ns++ : 15;
    while (at > 0 && story_before(f, st[at - 1])) {
      st[at] = st[at - 1];
      at--;
    }
    st[at] = f;
  }
  out->severity = ash_severity_of_score(out->score);
  ash_buf_reset(title);
  ash_buf_printf(title, "One intrusion: %zu findings", out->nfindings);
  for (size_t i = 0; i < na; i++)
    ash_buf_printf(title, "%s%s", i ? ", " : " on accounts ", accts[i]);
  for (size_t i = 0; i < nh && i < 6; i++)
    ash_buf_printf(title, "%s%s", i ? ", " : (na ? "; hosts " : " on hosts "), hosts[i]);
  if (nh > 6) ash_buf_printf(title, " and %zu more", nh - 6);
  ash_buf_reset(story);
  for (size_t i = 0; i < ns; i++) {
    char t[32] = "";
    if (t_first(st[i]) != ASH_TIME_UNSET) hunt_fmt_time(t_first(st[i]), t);
    ash_buf_printf(story, "%s%.10s %s: %s", i ? "\n" : "", t, st[i]->hunt,
                   st[i]->title ? st[i]->title : st[i]->id);
  }
  if (nrule)
    ash_buf_printf(story,
                   "%s... and %zu finding%s of what it ran on these hosts (lolbin, sigma,"
                   " beacon, ...)",
                   ns ? "\n" : "", nrule, nrule == 1 ? "" : "s");
  out->title = title->p ? title->p : "";
  out->story = story->p ? story->p : "";
  return ASH_OK;
}
