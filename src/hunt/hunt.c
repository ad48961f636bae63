/* The hunt registry and the run: each hunt in order, its findings stored
 * in the case in place of its previous ones, then all of them handed out
 * best first. See include/ashiato/hunt.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/hunt.h"
#include "ashiato/limits.h"
#include "ashiato/raw.h"
#include "hunt_internal.h"
#include "model_flows.h"

/* src/sigma/hunt_lolbin.c: the built-in Sigma pack */
int ash_hunt_lolbin(hunt_ctx *c, hunt_list *out);

static const struct hunt_def {
  ash_hunt_info info;
  int (*fn)(hunt_ctx *c, hunt_list *out);
} HUNTS[] = {
    /* tunnel and loopback first: the link follows accounts into them */
    {{ASH_HUNT_TUNNEL, "long-lived, rare, two-way sessions from a host to one cloud address"
                       " (traffic wrapped in HTTPS to a rented relay)"},
     ash_hunt_tunnel},
    {{ASH_HUNT_LOOPBACK, "RDP logons whose source is the host itself (RDP arriving through a"
                         " local tunnel)"},
     ash_hunt_loopback},
    {{ASH_HUNT_RELAY, "programs relaying RDP on a host with no loopback logon to show for it"
                      " (a loopback :3389 connection, netsh portproxy, ssh/plink -R)"},
     ash_hunt_relay},
    {{ASH_HUNT_LINK, "who put each antivirus-detected tool on its host, and what that account"
                     " did later"},
     ash_hunt_link},
    /* after the link: an account tied to a past detection weighs more */
    {{ASH_HUNT_ACCOUNT, "VPN sessions an account's own history and its peers do not explain (new"
                        " sources, countries, cloud addresses, impossible travel, odd hours, new"
                        " hosts reached)"},
     ash_hunt_account_use},
    {{ASH_HUNT_HOP, "another account's (an admin's) logons out of a host a suspicious VPN session"
                    " reached: credentials moving on"},
     ash_hunt_credential_hop},
    {{ASH_HUNT_BEACON, "connections on a schedule and long connections from a host to one address"
                       " outside the organisation's networks (RITA's beacon scoring)"},
     ash_hunt_beacon},
    {{"lolbin", "Windows' own tools turned against it (the built-in Sigma pack, data/rules)"},
     ash_hunt_lolbin},
};
#define NHUNTS (sizeof HUNTS / sizeof HUNTS[0])

const ash_hunt_info *ash_hunt_list(size_t *n) {
  static ash_hunt_info list[NHUNTS];
  for (size_t i = 0; i < NHUNTS; i++) list[i] = HUNTS[i].info;
  *n = NHUNTS;
  return list;
}

void ash_hunt_opts_default(ash_hunt_opts *o) { memset(o, 0, sizeof *o); }

static int keep_prior(void *u, const ash_finding *f) {
  hunt_ctx *c = u;
  /* stored findings of the hunt about to run are replaced, not joined */
  if (c->opts->only && f->hunt && !strcmp(f->hunt, c->opts->only)) return 0;
  ash_finding copy;
  ASH_TRY(ash_finding_copy(&copy, f));
  int rc = hunt_list_add(&c->prior, &copy);
  if (rc) ash_finding_free(&copy);
  return rc;
}

/* No index is built here: the flow hunts read the store's flows table
 * (ash_store_flows), in the order of its own (ts) index, kept by the
 * ingest. (Until schema 2 the first hunt of a case built a covering index
 * over the wide events table, about 10 s for 10^7 flows.) */

typedef struct inc_order {
  char id[16];
  int score;
} inc_order;

static int cmp_inc(const void *a, const void *b) {
  const inc_order *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return strcmp(x->id, y->id);
}

/* Hand each incident that holds a finding of this run (all) to
 * on_incident, best first, described from every finding (prior). */
static int report_incidents(const hunt_list *prior, const hunt_list *all,
                            int (*on_incident)(void *u, const ash_incident *x), void *u) {
  inc_order *o = calloc(all->n ? all->n : 1, sizeof *o);
  if (!o) return ASH_ENOMEM;
  size_t no = 0;
  for (size_t i = 0; i < all->n; i++) {
    const ash_finding *f = &all->v[i];
    if (!f->incident[0]) continue;
    size_t k = 0;
    while (k < no && strcmp(o[k].id, f->incident)) k++;
    if (k == no) snprintf(o[no++].id, sizeof o->id, "%s", f->incident);
  }
  int rc = ASH_OK;
  ash_buf title, story;
  ash_buf_init(&title, 4096);
  ash_buf_init(&story, 64u << 10);
  for (size_t k = 0; k < no; k++) {
    ash_incident x;
    hunt_incident_story(prior->v, prior->n, o[k].id, &x, &title, &story);
    o[k].score = x.score;
  }
  if (no) qsort(o, no, sizeof *o, cmp_inc);
  for (size_t k = 0; !rc && k < no; k++) {
    ash_incident x;
    rc = hunt_incident_story(prior->v, prior->n, o[k].id, &x, &title, &story);
    if (!rc) rc = on_incident(u, &x);
  }
  ash_buf_free(&title);
  ash_buf_free(&story);
  free(o);
  return rc;
}

/* What the shared models left out at their caps (hunt_ctx.capped). */
static void say_caps(hunt_ctx *c) {
  if (c->capped & HUNT_CAP_ACCOUNTS)
    hunt_limit(c,
               "more accounts (ASH_MAX_HUNT_VPN, %u) or account-host pairs"
               " (ASH_MAX_HUNT_USERHOST, %u) than a run follows: the later ones were not"
               " examined by the account hunts",
               ASH_MAX_HUNT_VPN, ASH_MAX_HUNT_USERHOST);
  if (c->capped & HUNT_CAP_VPN)
    hunt_limit(c,
               "more VPN sessions (ASH_MAX_HUNT_VPN, %u) or logons from VPN addresses"
               " (ASH_MAX_HUNT_RDP, %u) than a run follows: the later ones were not examined",
               ASH_MAX_HUNT_VPN, ASH_MAX_HUNT_RDP);
  if (c->capped & HUNT_CAP_HOSTS)
    hunt_limit(c,
               "more host names (ASH_MAX_HUNT_VPN, %u) or RDP relays (ASH_MAX_HUNT_RDP, %u)"
               " than a run follows: the later ones were not examined",
               ASH_MAX_HUNT_VPN, ASH_MAX_HUNT_RDP);
  if (c->capped & HUNT_CAP_DETECTIONS)
    hunt_limit(c,
               "more antivirus detections than a run links (ASH_MAX_HUNT_DETECTIONS, %u): the"
               " later ones were not linked to accounts",
               ASH_MAX_HUNT_DETECTIONS);
}

int ash_hunt_run_all(ash_store *s, const ash_hunt_opts *opts,
                     int (*on_finding)(void *u, const ash_finding *f), void *u) {
  ash_hunt_opts defaults;
  if (!opts) {
    ash_hunt_opts_default(&defaults);
    opts = &defaults;
  }
  if (opts->only) {
    size_t i = 0;
    while (i < NHUNTS && strcmp(HUNTS[i].info.name, opts->only)) i++;
    if (i == NHUNTS) return ASH_ENOTFOUND;
  }
  int rc = ash_store_commit(s);
  if (rc) return rc;
  hunt_ctx c;
  memset(&c, 0, sizeof c);
  c.store = s;
  c.opts = opts;
  c.ranges = opts->ranges;
  c.defer_evidence = 1;
  if (opts->only) rc = ash_store_findings(s, NULL, keep_prior, &c);
  hunt_list all;
  memset(&all, 0, sizeof all);
  for (size_t i = 0; !rc && i < NHUNTS; i++) {
    const char *name = HUNTS[i].info.name;
    if (opts->only && strcmp(opts->only, name)) continue;
    if (opts->progress) opts->progress(opts->progress_u, name, 0, 0);
    hunt_list out;
    memset(&out, 0, sizeof out);
    rc = HUNTS[i].fn(&c, &out);
    /* the evidence of all the hunt's findings, read at once */
    if (!rc) rc = hunt_evidence_resolve(&c, &out);
    if (!rc) {
      if (out.n) qsort(out.v, out.n, sizeof *out.v, ash_finding_cmp);
      /* a hunt that found too much keeps its best */
      if (out.n > ASH_MAX_HUNT_FINDINGS)
        hunt_limit(&c, "%s made %zu findings; only its best %u are kept (ASH_MAX_HUNT_FINDINGS)",
                   name, out.n, ASH_MAX_HUNT_FINDINGS);
      while (out.n > ASH_MAX_HUNT_FINDINGS) ash_finding_free(&out.v[--out.n]);
    }
    if (opts->progress) opts->progress(opts->progress_u, name, 1, out.n);
    /* later hunts join against these; the caller gets copies */
    for (size_t k = 0; !rc && k < out.n; k++) {
      ash_finding copy;
      rc = ash_finding_copy(&copy, &out.v[k]);
      if (!rc && (rc = hunt_list_add(&all, &copy))) ash_finding_free(&copy);
      if (!rc) rc = hunt_list_add(&c.prior, &out.v[k]);
    }
    hunt_list_free(&out);
  }
  /* one intrusion, one incident: linked over every finding, this run's
   * last in c.prior in the order of all */
  if (!rc) rc = hunt_incidents_link(c.prior.v, c.prior.n);
  for (size_t k = 0; !rc && k < all.n; k++)
    memcpy(all.v[k].incident, c.prior.v[c.prior.n - all.n + k].incident, sizeof all.v[k].incident);
  for (size_t i = 0; !rc && !opts->dry_run && i < NHUNTS; i++) {
    const char *name = HUNTS[i].info.name;
    if (!opts->only || !strcmp(opts->only, name))
      rc = ash_store_replace_findings(s, name, all.v, all.n);
  }
  if (!rc) {
    if (all.n) qsort(all.v, all.n, sizeof *all.v, ash_finding_cmp);
    if (opts->on_incident) rc = report_incidents(&c.prior, &all, opts->on_incident, u);
    for (size_t i = 0; !rc && on_finding && i < all.n; i++)
      if ((rc = on_finding(u, &all.v[i]))) break;
  }
  if (!rc) say_caps(&c);
  hunt_list_free(&all);
  hunt_list_free(&c.prior);
  hunt_hostmap_free(c.hosts);
  hunt_vpn_free(c.vpn);
  hunt_accounts_free(c.accts);
  hunt_detections_free(c.dets);
  hunt_reach_free(c.reach);
  ash_strtab_free(&c.accounts);
  free(c.loops);
  free(c.relays);
  hunt_evidence_close(&c);
  hunt_flows_release(&c);
  return rc;
}
