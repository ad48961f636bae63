/* cloud-tunnel: a host that holds long, two-way sessions to one external
 * address nobody else uses, for days, is what a program that wraps
 * traffic in HTTPS to a rented relay looks like from the firewall
 * (scenario.md, finding 3). Backups, updates and monitoring agents are
 * long-lived, periodic and cloud-bound too; what sets the tunnel apart is
 * the combination: rare address, rentable cloud range, interactive
 * two-way bursty traffic, a quiet host, irregular human timing, and, on the
 * host, RDP logons arriving from the host itself while the sessions are up.
 *
 * One streaming pass over the flows (in time order, through the (kind, ts)
 * index) aggregates per (internal host, external address, port) in a
 * capped hash table; the few pairs that held long sessions are then scored
 * and explained. Memory: ASH_MAX_HUNT_PAIRS pairs, plus, for pairs with
 * long sessions only, decimated start times and the long sessions. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/ranges.h"
#include "ashiato/time.h"
#include "model_flows.h"

/* ---- RITA v5 style regularity (Bowley skewness and MAD scores) ---- */

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median_sorted(const double *v, size_t n) {
  if (!n) return 0;
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Score of a sorted series: the mean of 1 - |Bowley skew| (quartiles as
 * halves' medians, skew taken as 0 when the spread is under 10 units or
 * the median sits on a quartile) and (median - MAD) / median (def when
 * the median is under 1). 1 is perfectly regular. */
static double rita_score(double *v, size_t n, double def, double *median_out) {
  if (n < 3) return 0;
  qsort(v, n, sizeof *v, cmp_d);
  size_t c1 = n / 2, c2 = n % 2 ? n / 2 + 1 : n / 2;
  double q1 = median_sorted(v, c1), q2 = median_sorted(v, n), q3 = median_sorted(v + c2, n - c2);
  double skew = 0;
  if (q3 - q1 >= 10 && q2 != q1 && q2 != q3) skew = (q1 + q3 - 2 * q2) / (q3 - q1);
  double skew_score = 1 - fabs(skew);
  double *dev = malloc(n * sizeof *dev);
  double mad_score = def;
  if (dev) {
    for (size_t i = 0; i < n; i++) dev[i] = fabs(v[i] - q2);
    qsort(dev, n, sizeof *dev, cmp_d);
    double mad = median_sorted(dev, n);
    free(dev);
    if (q2 >= 1) mad_score = (q2 - mad) / q2;
    if (mad_score < 0 || isnan(mad_score)) mad_score = 0;
  }
  if (median_out) *median_out = q2;
  return round((skew_score + mad_score) / 2 * 1000) / 1000;
}

/* ---- scoring one candidate ---- */

typedef struct cand {
  pair *p;
  int score;
  double persist, rarity, inter, quiet, cloudf, sched, beacon, corr;
  int has_cloud, rentable;
  ash_cloud cloud;
  double ts_score, ds_score, interval_s, cv, idle_frac, both_frac;
  int regular_known;
  uint32_t nsrc, host_dsts;
  /* other hosts with long sessions to the same /16 (IPv6 /48) and port,
   * or held by a program of the same name (Sysmon) */
  uint32_t nsim, nsim_net, nsim_proc;
  uint64_t host_flows;
  char host[64]; /* name of the internal host, "" when unknown */
  int host_inferred;
  int grouped; /* 1: folded into another pair's finding (same address) */
  /* corroboration */
  size_t nloop;     /* loopback RDP events credited to its sessions */
  double loop_lift; /* how many times more than chance */
  int64_t loop_ids[20];
  size_t nloop_ids;
  char proc[260]; /* process holding the connection (Sysmon 3) */
  int64_t proc_id;
  uint32_t nproc;
  char lproc[260]; /* process on a loopback :3389 connection */
  int64_t lproc_id;
  uint32_t nlproc;
  int uncorroborated_cap; /* scored past medium, held there: no host evidence */
  double twoway, volume;  /* the shape's parts, for the reasons */
  int shared_cap;         /* held at low: five or more hosts hold it alike */
  char accounts[4][128];
  size_t naccounts;
} cand;

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

static void regularity(cand *k) {
  heavy *h = k->p->h;
  k->regular_known = 0;
  if (!h || h->nst < 4) return;
  size_t n = h->nst;
  double *v = malloc(n * sizeof *v);
  if (!v) return;
  uint32_t *st = malloc(n * sizeof *st);
  if (!st) {
    free(v);
    return;
  }
  memcpy(st, h->starts, n * sizeof *st);
  /* starts arrive in end order: sort them before taking intervals */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && st[j - 1] > st[j]; j--) {
      uint32_t t = st[j];
      st[j] = st[j - 1];
      st[j - 1] = t;
    }
  size_t m = 0;
  for (size_t i = 1; i < n; i++)
    if (st[i] > st[i - 1]) v[m++] = (double)(st[i] - st[i - 1]);
  free(st);
  if (m >= 3) {
    k->ts_score = rita_score(v, m, 1, &k->interval_s);
    /* kept starts are every stride-th session's */
    k->interval_s /= h->stride;
    k->regular_known = 1;
  }
  for (size_t i = 0; i < n; i++) v[i] = (double)h->sizes[i];
  k->ds_score = rita_score(v, n, 0, NULL);
  free(v);
}

static void score(hunt_flows *T, cand *k) {
  pair *p = k->p;
  double longest_h = (double)p->longest / ASH_HOUR, conn_h = (double)p->covered / ASH_HOUR;
  k->persist = clamp01(0.4 * clamp01(longest_h / 4) + 0.3 * clamp01(p->days / 5.0) +
                       0.3 * clamp01(conn_h / 24));
  /* hosts that reach the address, or hold the same kind of long sessions
   * to its network or with the same program: a shared service */
  uint32_t n = k->nsrc > 1 + k->nsim ? k->nsrc : 1 + k->nsim;
  k->rarity = n <= 1 ? 1 : n == 2 ? 0.6 : n <= 4 ? 0.25 : 0;
  /* shape: two-way traffic at a human rate, with bursts and pauses */
  double out = (double)p->out, in = (double)p->in;
  double mx = out > in ? out : in, mn = out > in ? in : out;
  double ratio = mx > 0 ? mn / mx : 0;
  double secs = p->covered > 0 ? (double)p->covered / ASH_SEC : 1;
  double rate = (out + in + (double)p->unk) / secs;
  double twoway = ratio >= 0.05 ? 1 : ratio / 0.05;
  /* a firewall that logs no direction cannot tell uploads from dialogue */
  if (out + in == 0 && p->unk > 0) twoway = 0.5;
  double volume = rate >= 200 ? 1 : rate / 200;
  heavy *h = p->h;
  double bursty = 0.5;
  k->cv = -1;
  if (h && h->nd >= 5) {
    double mean = h->dsum / h->nd, var = h->dsq / h->nd - mean * mean;
    k->cv = mean > 0 && var > 0 ? sqrt(var) / mean : 0;
    k->idle_frac = (double)h->didle / h->nd;
    k->both_frac = (double)h->dboth / h->nd;
    bursty = clamp01(k->cv / 1.2);
  } else if (k->ds_score > 0 || (h && h->nst >= 3)) {
    /* without interim records: how much the sessions differ in size */
    bursty = clamp01(1 - k->ds_score);
  }
  k->inter = clamp01(0.45 * twoway + 0.25 * volume + 0.30 * bursty);
  k->twoway = twoway;
  k->volume = volume;
  k->quiet = k->host_dsts <= 5 ? 1 : k->host_dsts <= 20 ? 0.6 : k->host_dsts <= 100 ? 0.25 : 0;
  k->cloudf = !k->has_cloud ? 0.4 : k->rentable == 2 ? 1 : k->rentable == 1 ? 0.5 : 0;
  /* A fixed schedule means a program. With one-way or tiny traffic, to a
   * provider's endpoint or an address many hosts share, it is a job or an
   * agent; to a rare address anyone can rent, with traffic both ways, it
   * is a beacon. */
  k->sched = k->beacon = 0;
  if (k->regular_known && k->ts_score >= 0.8 && p->sessions >= 5) {
    if (k->rarity >= 0.6 && k->rentable == 2 && twoway >= 0.5)
      k->beacon = 1;
    else
      k->sched = 1 - 0.7 * twoway * volume;
  }
  k->corr = k->nloop ? clamp01(0.7 + 0.1 * (double)k->nloop) : k->nlproc ? 0.6 : 0;
  double s = 22 * k->persist + 14 * k->rarity + 16 * k->inter + 10 * k->quiet + 8 * k->cloudf -
             18 * k->sched + 6 * k->beacon + 30 * k->corr;
  /* one-way bulk transfers and keep-alives are not tunnels, however long */
  if (twoway < 0.2 && !k->nloop) s -= 10;
  if (volume < 0.25 && !k->nloop) s -= 8;
  /* sessions that five or more internal hosts hold alike (to the address,
   * or the same kind to its network) are a service the organisation uses,
   * whatever their shape: at most low, so that a chat or meeting app on
   * every workstation does not bury the rare host under mediums. Loopback
   * RDP or the program on it still raise it. */
  k->shared_cap = k->rarity == 0 && !k->nloop && !k->nlproc && s > 39;
  if (k->shared_cap) s = 39;
  /* Hours-long interactive HTTPS from one rare host to a rentable address
   * is also what a vendor's remote-support or remote-desktop tool looks
   * like from the firewall: the flows alone cannot tell the two apart. What
   * can is the host: RDP logons from the host itself during the sessions,
   * or a program on it relaying to its own RDP port over loopback. Without
   * either, at most medium (a lead to check with the host's logs); with
   * them, corr lifts it to high or critical. */
  k->uncorroborated_cap = !k->nloop && !k->nlproc && s > 64;
  if (k->uncorroborated_cap) s = 64;
  k->score = (int)lround(s);
  if (k->score < 1) k->score = 1;
  if (k->score > 100) k->score = 100;
  (void)T;
}

/* ---- corroboration from the hosts ---- */

static int overlaps(const pair *p, int64_t t, int64_t slack) {
  const heavy *h = p->h;
  if (!h) return 0;
  for (uint32_t i = 0; i < h->niv; i++)
    if (t >= h->iv[i][0] - slack && t <= h->iv[i][1] + slack) return 1;
  if (h->pend_id && t >= h->pend_start - slack && t <= h->pend_end + slack) return 1;
  return 0;
}

/* A connection between loopback addresses on port 3389 (Sysmon 3, 5156). */
typedef struct lconn {
  int64_t id, ts;
  char host[64];
  char proc[260];
} lconn;

/* Loopback RDP events of one host that fall in a candidate's sessions. */
typedef struct lhit {
  const char *host;
  size_t obs, total;
} lhit;

static void credit_loop(cand *k, const rdp_loop *e) {
  k->nloop++;
  if (k->nloop_ids < sizeof k->loop_ids / sizeof k->loop_ids[0])
    k->loop_ids[k->nloop_ids++] = e->id;
  if (e->user[0] && k->naccounts < 4) {
    size_t a = 0;
    while (a < k->naccounts && strcmp(k->accounts[a], e->user)) a++;
    if (a == k->naccounts) snprintf(k->accounts[k->naccounts++], 128, "%s", e->user);
  }
}

typedef struct netconn_ctx {
  cand *cs;
  size_t nc;
  lconn *lc;
  size_t nlc, caplc;
} netconn_ctx;

/* One Sysmon 3 / 5156 connection: who holds the connection to a
 * candidate's address, and which process connects to the host's own RDP
 * port over loopback. */
static int on_netconn(void *u, const ash_host_event *e) {
  netconn_ctx *N = u;
  const ash_ip *a = &e->src, *b = &e->dst;
  if (!a->fam || !b->fam || !e->host) return ASH_OK;
  const char *proc = e->process;
  char hs[64];
  hunt_short_host(e->host, strlen(e->host), hs, sizeof hs);
  int64_t sp = e->src_port, dp = e->dst_port;
  int loop_rdp = ash_ip_is_loopback(a) && ash_ip_is_loopback(b) && (sp == 3389 || dp == 3389);
  if (loop_rdp && N->nlc < ASH_MAX_HUNT_RDP) {
    lconn *nv = ash_array_room(N->lc, &N->caplc, N->nlc, sizeof *nv, 64);
    if (!nv) return ASH_ENOMEM;
    N->lc = nv;
    lconn *l = &N->lc[N->nlc++];
    l->id = e->id;
    l->ts = e->ts == ASH_TIME_UNSET ? 0 : e->ts;
    snprintf(l->host, sizeof l->host, "%s", hs);
    snprintf(l->proc, sizeof l->proc, "%s", proc ? proc : "");
  }
  for (size_t i = 0; i < N->nc; i++) {
    cand *k = &N->cs[i];
    if (loop_rdp) continue; /* kept below, judged by time like the logons */
    /* the connection as the host logged it: its own end and the remote */
    const ash_ip *local = ash_ip_eq(b, &k->p->dst) ? a : ash_ip_eq(a, &k->p->dst) ? b : NULL;
    if (!local) continue;
    if (k->host[0] ? strcmp(k->host, hs) != 0 : !ash_ip_eq(local, &k->p->src)) continue;
    if (!k->host[0]) {
      snprintf(k->host, sizeof k->host, "%s", hs);
      k->host_inferred = 1;
    }
    if (!k->nproc++ && proc) {
      snprintf(k->proc, sizeof k->proc, "%s", proc);
      k->proc_id = e->id;
    }
  }
  return ASH_OK;
}

static int corroborate(hunt_flows *T, cand *cs, size_t nc) {
  hunt_ctx *c = T->c;
  hostmap *hm;
  int rc = hunt_hosts(c, &hm);
  if (rc) return rc;
  for (size_t i = 0; i < nc; i++) {
    const char *h = hostmap_name(hm, &cs[i].p->src);
    if (h) snprintf(cs[i].host, sizeof cs[i].host, "%s", h);
  }
  netconn_ctx N = {cs, nc, NULL, 0, 0};
  ash_host_query q;
  memset(&q, 0, sizeof q);
  q.kind = ASH_KIND_WIN_NETCONN;
  q.since = q.until = ASH_TIME_UNSET;
  rc = ash_store_host_events(c->store, &q, on_netconn, &N);
  lconn *lc = N.lc;
  size_t nlc = N.nlc;
  double span = T->last_ts > T->first_ts ? (double)(T->last_ts - T->first_ts) : (double)ASH_DAY;
  /* a program connecting to the host's own RDP port over loopback while
   * the sessions were up (more often than their share of time explains) */
  for (size_t i = 0; !rc && i < nc; i++) {
    cand *k = &cs[i];
    if (!k->host[0]) continue;
    size_t obs = 0, total = 0;
    const lconn *first = NULL;
    for (size_t j = 0; j < nlc; j++) {
      if (strcmp(lc[j].host, k->host)) continue;
      total++;
      if (overlaps(k->p, lc[j].ts, 2 * ASH_MIN)) {
        obs++;
        if (!first) first = &lc[j];
      }
    }
    double share = (double)k->p->covered / span;
    if (share < 0.005) share = 0.005;
    if (!obs || (double)obs / ((double)total * (share > 1 ? 1 : share)) < 3) continue;
    k->nlproc = (uint32_t)obs;
    snprintf(k->lproc, sizeof k->lproc, "%s", first->proc);
    k->lproc_id = first->id;
  }
  free(lc);
  if (rc) return rc;
  /* RDP logons from the host itself while a session was up. A session that
   * is always up overlaps everything: what counts is how many more logons
   * fall inside the sessions than their share of the case's time would
   * hold by chance (lift), as for a relay that is up when the intruder
   * works and down otherwise. */
  const rdp_loop *lp;
  size_t nl;
  rc = hunt_loopback_rdp(c, &lp, &nl);
  if (rc || !nl) return rc;
  lhit *hits = calloc(nl, sizeof *hits);
  if (!hits) return ASH_ENOMEM;
  for (size_t i = 0; i < nc; i++) {
    cand *k = &cs[i];
    size_t nh = 0;
    for (size_t j = 0; j < nl; j++) {
      if (k->host[0] && strcmp(k->host, lp[j].host)) continue;
      size_t h = 0;
      while (h < nh && strcmp(hits[h].host, lp[j].host)) h++;
      if (h == nh) {
        hits[nh].host = lp[j].host;
        hits[nh].obs = hits[nh].total = 0;
        nh++;
      }
      hits[h].total++;
      if (overlaps(k->p, lp[j].ts, 2 * ASH_MIN)) hits[h].obs++;
    }
    double share = (double)k->p->covered / span;
    if (share < 0.005) share = 0.005;
    if (share > 1) share = 1;
    const char *best = NULL;
    double best_lift = 0;
    for (size_t h = 0; h < nh; h++) {
      double lift = (double)hits[h].obs / ((double)hits[h].total * share);
      if (hits[h].obs < 1 || lift < 3) continue;
      if (!k->host[0]) {
        /* naming an unnamed address needs more: most of the host's
         * loopback logons inside its sessions, and a host whose own
         * address is not known otherwise */
        ash_ip known;
        if (hits[h].obs < 2 || hits[h].obs * 2 < hits[h].total ||
            hostmap_ips(hm, hits[h].host, &known, 1))
          continue;
      }
      if (lift > best_lift) {
        best_lift = lift;
        best = hits[h].host;
      }
    }
    k->loop_lift = best_lift;
    if (!best) continue;
    if (!k->host[0]) {
      /* an address with no known name whose sessions frame one host's
       * loopback RDP logons is that host */
      snprintf(k->host, sizeof k->host, "%s", best);
      k->host_inferred = 1;
      ASH_TRY(hostmap_learn(hm, &k->p->src, best, 1));
    }
    for (size_t j = 0; j < nl; j++)
      if (!strcmp(lp[j].host, k->host) && overlaps(k->p, lp[j].ts, 2 * ASH_MIN))
        credit_loop(k, &lp[j]);
  }
  free(hits);
  return ASH_OK;
}

/* ---- shared services: the same kind of sessions from other hosts ---- */

typedef struct simkey {
  char key[80];
  ash_ip src;
  size_t idx;
} simkey;

static int cmp_simkey(const void *a, const void *b) {
  const simkey *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  if (c) return c;
  return memcmp(x->src.b, y->src.b, 16);
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '\\');
  const char *t = strrchr(p, '/');
  if (t && (!s || t > s)) s = t;
  return s ? s + 1 : p;
}

/* Bytes a second while connected. */
static double rate_of(const pair *p) {
  double secs = p->covered > 0 ? (double)p->covered / ASH_SEC : 1;
  return ((double)p->out + (double)p->in) / secs + 1e-9;
}

/* For every candidate, how many other internal hosts hold long sessions
 * in the same group (by network and port, then by program name). Sorting
 * keeps this O(n log n) however many candidates there are. */
static int similar(cand *cs, size_t nc) {
  simkey *v = malloc(nc * sizeof *v);
  if (!v) return ASH_ENOMEM;
  for (int pass = 0; pass < 2; pass++) {
    size_t n = 0;
    for (size_t i = 0; i < nc; i++) {
      const pair *p = cs[i].p;
      if (pass == 0) {
        const uint8_t *b = p->dst.b;
        if (p->dst.fam == 4)
          snprintf(v[n].key, sizeof v[n].key, "4:%u.%u:%d", b[12], b[13], p->port);
        else
          snprintf(v[n].key, sizeof v[n].key, "6:%02x%02x%02x%02x%02x%02x:%d", b[0], b[1], b[2],
                   b[3], b[4], b[5], p->port);
      } else {
        if (!cs[i].proc[0]) continue;
        snprintf(v[n].key, sizeof v[n].key, "%s", base_name(cs[i].proc));
        for (char *c = v[n].key; *c; c++)
          if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
      }
      v[n].src = p->src;
      v[n].idx = i;
      n++;
    }
    if (n) qsort(v, n, sizeof *v, cmp_simkey);
    for (size_t i = 0; i < n;) {
      size_t j = i, distinct = 0;
      int counted = 0;
      while (j < n && !strcmp(v[j].key, v[i].key)) {
        if (j == i || !ash_ip_eq(&v[j].src, &v[j - 1].src)) distinct++;
        j++;
      }
      for (size_t k = i; k < j; k++) {
        cand *c = &cs[v[k].idx];
        uint32_t others = (uint32_t)(distinct - 1);
        if (pass == 0 && j - i <= 4096) {
          /* on a shared network, only sessions of the same shape say
           * "service": within 10x of this one's rate. A relay rented next to
           * a monitoring service does not look like its keep-alives. */
          double r0 = rate_of(c->p);
          others = 0;
          for (size_t m = i; m < j; m++) {
            if (ash_ip_eq(&v[m].src, &c->p->src)) continue;
            if (m > i && ash_ip_eq(&v[m].src, &v[m - 1].src) && counted) continue;
            double r = rate_of(cs[v[m].idx].p);
            counted = r <= r0 * 10 && r * 10 >= r0;
            others += (uint32_t)counted;
          }
        }
        if (pass == 0)
          c->nsim_net = others;
        else
          c->nsim_proc = others;
        if (others > c->nsim) c->nsim = others;
      }
      i = j;
    }
  }
  free(v);
  return ASH_OK;
}

/* ---- the finding ---- */

/* The summary's account of why it ranks where it does: the facts the
 * score weighed, in words (the weights are the reasons', tunnel_reasons). */
/* Between two of add_reasons' items. */
static void sep(hunt_text *S, int *n) {
  if ((*n)++) hunt_say0(S, "tunnel.sum.sep");
}

static void add_reasons(hunt_text *S, const cand *k) {
  const pair *p = k->p;
  char t[32];
  int n = 0;
  hunt_say0(S, "tunnel.sum.why");
  if (k->nloop)
    sep(S, &n), hunt_say(S, "tunnel.sum.r.loop", HUNT_ARG("%zu", k->nloop));
  else if (k->nlproc)
    sep(S, &n), hunt_say0(S, "tunnel.sum.r.lproc");
  else if (k->uncorroborated_cap)
    sep(S, &n), hunt_say0(S, "tunnel.sum.r.uncorroborated");
  if (k->nsrc <= 1 && !k->nsim)
    sep(S, &n), hunt_say0(S, "single_internal_host");
  else if (k->nsrc > 4)
    sep(S, &n), hunt_say(S, "tunnel.sum.r.service", HUNT_ARG("%u", k->nsrc));
  else if (k->nsrc > 1)
    sep(S, &n), hunt_say(S, "tunnel.sum.r.hosts", HUNT_ARG("%u", k->nsrc));
  if (k->nsim_net) sep(S, &n), hunt_say(S, "tunnel.sum.r.net", HUNT_ARG("%u", k->nsim_net));
  if (k->nsim_proc) sep(S, &n), hunt_say(S, "tunnel.sum.r.proc", HUNT_ARG("%u", k->nsim_proc));
  double out = (double)p->out, in = (double)p->in;
  if (in > 0 && out / in >= 20)
    sep(S, &n), hunt_say(S, "tunnel.sum.r.upload", HUNT_ARG("%.0f", 100 * out / (out + in)));
  else if (out > 0 && in / out >= 20)
    sep(S, &n), hunt_say(S, "tunnel.sum.r.download", HUNT_ARG("%.0f", 100 * in / (out + in)));
  else if (out + in > 0)
    sep(S, &n), hunt_say(S, "tunnel.sum.r.twoway", HUNT_ARG("%.0f", 100 * out / (out + in)));
  else if (p->unk > 0)
    sep(S, &n), hunt_say0(S, "tunnel.sum.r.undirected");
  double rate = p->covered > 0 ? (out + in + (double)p->unk) / ((double)p->covered / ASH_SEC) : 0;
  if (rate < 50) sep(S, &n), hunt_say(S, "tunnel.sum.r.keepalive", HUNT_ARG("%.0f", rate));
  if (k->cv >= 0)
    sep(S, &n), hunt_say(S, k->cv >= 1 ? "tunnel.sum.r.bursty" : "tunnel.sum.r.steady",
                         HUNT_ARG("%.1f", k->cv), HUNT_ARG("%.0f", 100 * k->idle_frac));
  if (k->regular_known) {
    hunt_fmt_dur((int64_t)(k->interval_s * ASH_SEC), t);
    if (k->beacon)
      sep(S, &n), hunt_say(S, "tunnel.sum.r.beacon", t, HUNT_ARG("%.2f", k->ts_score));
    else if (k->ts_score >= 0.8)
      sep(S, &n), hunt_say(S, "tunnel.sum.r.schedule", t, HUNT_ARG("%.2f", k->ts_score));
    else
      sep(S, &n), hunt_say(S, "tunnel.sum.r.irregular", HUNT_ARG("%.2f", k->ts_score));
  }
  if (k->quiet >= 1)
    sep(S, &n), hunt_say(S, "tunnel.sum.r.quiet", HUNT_ARG("%u", k->host_dsts));
  else if (k->quiet <= 0)
    sep(S, &n), hunt_say(S, "tunnel.sum.r.busy", HUNT_ARG("%u", k->host_dsts));
  if (k->has_cloud) {
    if (k->rentable == 2)
      sep(S, &n), hunt_say(S, "rentable_compute", k->cloud.provider,
                           k->cloud.service[0] ? k->cloud.service : "compute");
    else if (k->rentable == 0)
      sep(S, &n), hunt_say(S, "provider_endpoint", k->cloud.provider, k->cloud.service);
  }
  hunt_say0(S, "tunnel.sum.end");
}

/* The score as weighted reasons (details.reasons, and the report's rows
 * in either language): each part of score()'s sum, rounded, then the
 * penalties and the caps as they applied; what rounding leaves over goes
 * to the largest part, so that the weights add up to the score (clamped
 * to 1..100 as every hunt's). The
 * sentences say what each part measured; why each part weighs what it
 * does is argued in score(). */
static void tunnel_reasons(const cand *k, hunt_reasons *R) {
  const pair *p = k->p;
  char lg[32], cn[32], t[32];
  hunt_fmt_dur(p->longest, lg);
  hunt_fmt_dur(p->covered, cn);
  R->n = 0;
  hunt_why(R, "tunnel_persistence", (int)lround(22 * k->persist), lg, HUNT_ARG("%d", p->days), cn);
  uint32_t alike = k->nsrc > 1 + k->nsim ? k->nsrc : 1 + k->nsim;
  if (alike <= 1)
    hunt_why0(R, "tunnel_rarity", (int)lround(14 * k->rarity));
  else
    hunt_why(R, "tunnel_rarity.shared", (int)lround(14 * k->rarity), HUNT_ARG("%u", alike));
  double out = (double)p->out, in = (double)p->in;
  double rate = p->covered > 0 ? (out + in + (double)p->unk) / ((double)p->covered / ASH_SEC) : 0;
  hunt_why(R, "tunnel_interactive", (int)lround(16 * k->inter),
           HUNT_ARG("%.0f", out + in > 0 ? 100 * out / (out + in) : 50), HUNT_ARG("%.0f", rate),
           HUNT_ARG("%.1f", k->cv >= 0 ? k->cv : 0));
  hunt_why(R, "tunnel_quiet_host", (int)lround(10 * k->quiet), HUNT_ARG("%u", k->host_dsts));
  int wc = (int)lround(8 * k->cloudf);
  if (!k->has_cloud)
    hunt_why0(R, "tunnel_cloud.unknown", wc);
  else if (k->rentable == 2)
    hunt_why(R, "tunnel_cloud", wc, k->cloud.provider,
             k->cloud.service[0] ? k->cloud.service : "compute");
  else
    hunt_why(R, "tunnel_cloud.provider", wc, k->cloud.provider,
             k->cloud.service[0] ? k->cloud.service : "?");
  if (k->sched > 0 || k->beacon) {
    hunt_fmt_dur((int64_t)(k->interval_s * ASH_SEC), t);
    if (k->sched > 0)
      hunt_why(R, "tunnel_schedule", -(int)lround(18 * k->sched), t);
    else
      hunt_why(R, "tunnel_beacon", 6, t);
  }
  if (k->nloop)
    hunt_why(R, "tunnel_host_rdp", (int)lround(30 * k->corr), HUNT_ARG("%zu", k->nloop));
  else if (k->nlproc)
    hunt_why(R, "tunnel_host_relay", (int)lround(30 * k->corr), k->lproc[0] ? k->lproc : "?");
  if (k->twoway < 0.2 && !k->nloop) hunt_why0(R, "tunnel_one_way", -10);
  if (k->volume < 0.25 && !k->nloop) hunt_why(R, "tunnel_keepalive", -8, HUNT_ARG("%.0f", rate));
  /* the raw sum: the score is it clamped to 1..100, as for every hunt
   * (hunt_reasons_sum) */
  int sum = 0;
  for (int i = 0; i < R->n; i++) sum += R->r[i].weight;
  if (k->shared_cap || k->uncorroborated_cap) {
    /* the cap's weight is what it took off */
    if (k->shared_cap)
      hunt_why(R, "tunnel_shared_cap", k->score - sum, HUNT_ARG("%u", alike));
    else
      hunt_why0(R, "tunnel_uncorroborated_cap", k->score - sum);
  } else if (R->n && (sum < 1 ? 1 : sum > 100 ? 100 : sum) != k->score) {
    int big = 0;
    for (int i = 1; i < R->n; i++)
      if (abs(R->r[i].weight) > abs(R->r[big].weight)) big = i;
    R->r[big].weight += k->score - sum;
  }
}

/* The provider, service and region of the address as a piece after
 * "to ADDR:PORT", or nothing when no range names it. */
static void say_where(hunt_text *t, const cand *k) {
  if (!k->has_cloud) return;
  const ash_cloud *cl = &k->cloud;
  if (cl->service[0] && cl->region[0])
    hunt_say(t, "tunnel.where.svc.region", cl->provider, cl->service, cl->region);
  else if (cl->service[0])
    hunt_say(t, "tunnel.where.svc", cl->provider, cl->service);
  else if (cl->region[0])
    hunt_say(t, "tunnel.where.region", cl->provider, cl->region);
  else
    hunt_say(t, "tunnel.where", cl->provider);
}

static int make_finding(hunt_flows *T, cand *k, size_t nalso, ash_finding *f) {
  hunt_ctx *c = T->c;
  pair *p = k->p;
  int rc = ash_finding_init(f, ASH_HUNT_TUNNEL);
  if (rc) return rc;
  char sip[ASH_IP_STRLEN], dip[ASH_IP_STRLEN];
  ash_ip_format(&p->src, sip);
  ash_ip_format(&p->dst, dip);
  char key[128];
  int kl = snprintf(key, sizeof key, "%s|%s|%d", sip, dip, p->port);
  ash_finding_set_id(f, key, (size_t)kl);
  ash_finding_set_score(f, k->score);
  ash_finding_add_attack(f, "T1572");
  ash_finding_add_attack(f, "T1090");
  if (k->nloop) ash_finding_add_attack(f, "T1021.001");
  const char *who = k->host[0] ? k->host : sip;
  char port[16];
  snprintf(port, sizeof port, "%d", p->port);
  hunt_text Tt, S;
  hunt_text_init(&Tt);
  hunt_text_init(&S);
  if (k->score >= 65) {
    hunt_say(&Tt, p->out && p->in ? "tunnel.title.high.twoway" : "tunnel.title.high", who, dip,
             port);
    say_where(&Tt, k);
    hunt_say(&Tt, "tunnel.title.days", HUNT_ARG("%d", p->days));
  } else {
    hunt_say(&Tt, "tunnel.title", who, dip, port);
    say_where(&Tt, k);
  }
  char lg[32], cn[32], bo[32], bi[32], t1[32], t2[32];
  hunt_fmt_dur(p->longest, lg);
  hunt_fmt_dur(p->covered, cn);
  hunt_fmt_bytes(p->out, bo);
  hunt_fmt_bytes(p->in, bi);
  hunt_fmt_time(p->first, t1);
  hunt_fmt_time(p->last, t2);
  int64_t span = p->last - p->first;
  double frac = span > 0 ? (double)p->covered / (double)span : 1;
  if (k->host[0])
    hunt_say(&S, "tunnel.sum.who.host", who, sip);
  else
    hunt_say(&S, "tunnel.sum.who", who);
  hunt_say(&S, "tunnel.sum.head", HUNT_ARG("%u", p->sessions), dip, port);
  say_where(&S, k);
  hunt_say(&S, "tunnel.sum.span", t1, t2, HUNT_ARG("%d", p->days), lg, cn,
           HUNT_ARG("%.0f", 100 * frac));
  if (!p->out && !p->in && p->unk) {
    char bu[32];
    hunt_fmt_bytes(p->unk, bu);
    hunt_say(&S, "tunnel.sum.bytes.both", bu);
  } else {
    hunt_say(&S, "tunnel.sum.bytes", bo, bi);
  }
  if (k->nloop) {
    hunt_say(&S, "tunnel.sum.loop", k->host, HUNT_ARG("%zu", k->nloop));
    if (k->naccounts) {
      char accts[4 * 130];
      size_t an = 0;
      accts[0] = 0;
      for (size_t a = 0; a < k->naccounts; a++)
        an +=
            (size_t)snprintf(accts + an, sizeof accts - an, "%s%s", a ? ", " : "", k->accounts[a]);
      hunt_say(&S, "tunnel.sum.loop.accounts", accts);
    }
    hunt_say0(&S, "tunnel.sum.loop.end");
  }
  if (k->proc[0]) hunt_say(&S, "tunnel.sum.proc", k->proc);
  if (k->lproc[0]) hunt_say(&S, "tunnel.sum.lproc", k->lproc);
  add_reasons(&S, k);
  if (k->score >= 65) hunt_say0(&S, "tunnel.sum.advice");
  /* an address many hosts hold sessions to is one finding (ash_hunt_tunnel) */
  if (nalso) hunt_say(&S, "tunnel.sum.also", HUNT_ARG("%zu", nalso));
  rc = hunt_text_set(f, &Tt, &S);
  hunt_text_free(&Tt);
  hunt_text_free(&S);
  if (!rc && k->host[0]) rc = ash_finding_add_host(f, ash_str_cstr(k->host));
  if (!rc) rc = ash_finding_add_ip(f, &p->src);
  if (!rc) rc = ash_finding_add_ip(f, &p->dst);
  for (size_t a = 0; !rc && a < k->naccounts; a++)
    rc = ash_finding_add_account(f, ash_str_cstr(k->accounts[a]));
  if (!rc && k->proc[0]) rc = ash_finding_add_file(f, ash_str_cstr(k->proc));
  ash_finding_see(f, p->first);
  ash_finding_see(f, p->last);
  /* evidence: first and last session, the longest ones, the host's side */
  int64_t ids[NTOP + 4];
  size_t ni = 0;
  ids[ni++] = p->first_id;
  if (p->h)
    for (int i = 0; i < NTOP; i++)
      if (p->h->top_id[i]) ids[ni++] = p->h->top_id[i];
  ids[ni++] = p->last_id;
  int64_t uniq[NTOP + 4];
  size_t nu = 0;
  for (size_t i = 0; i < ni; i++) {
    int dup = 0;
    for (size_t j = 0; j < i; j++) dup |= ids[j] == ids[i];
    if (!dup && ids[i]) uniq[nu++] = ids[i];
  }
  hunt_evq q;
  hunt_evq_init(&q, c, f);
  hunt_evq_addv(&q, uniq, nu);
  hunt_evq_addv(&q, k->loop_ids, k->nloop_ids);
  hunt_evq_add(&q, k->proc_id);
  hunt_evq_add(&q, k->lproc_id);
  if (!rc) rc = hunt_evq_flush(&q);
  ash_buf det;
  ash_buf_init(&det, ASH_MAX_FINDING_TEXT);
  int dr = ash_buf_printf(
      &det,
      "{\"sessions\":%u,\"days_active\":%d,\"longest_s\":%" PRId64 ",\"connected_s\":%" PRId64
      ",\"connected_fraction\":%.3f,\"bytes_out\":%" PRId64 ",\"bytes_in\":%" PRId64
      ",\"bytes_undirected\":%" PRId64 ",\"internal_hosts_to_address\":%u,"
      "\"host_internet_destinations\":%u,\"regularity\":%.3f,\"size_regularity\":%.3f,"
      "\"burst_cv\":%.3f,\"loopback_rdp\":%zu,\"interim_records\":%u,"
      "\"provider\":\"%s\",\"region\":\"%s\",\"service\":\"%s\",\"similar_hosts\":%u,"
      "\"port\":%d,\"uncorroborated_cap\":%d",
      p->sessions, p->days, p->longest / ASH_SEC, p->covered / ASH_SEC, frac, p->out, p->in, p->unk,
      k->nsrc, k->host_dsts, k->regular_known ? k->ts_score : -1, k->ds_score, k->cv, k->nloop,
      p->interim, k->has_cloud ? k->cloud.provider : "", k->has_cloud ? k->cloud.region : "",
      k->has_cloud ? k->cloud.service : "", k->nsim_net, p->port, k->uncorroborated_cap);
  hunt_reasons R;
  tunnel_reasons(k, &R);
  if (!dr) dr = hunt_reasons_json(&det, &R);
  if (!dr) dr = ash_buf_addc(&det, '}');
  /* provider strings come from our own data file (tabs and quotes cannot
   * occur in its classes); the reasons' arguments are JSON-escaped */
  if (!rc && !dr) rc = ash_finding_set_details(f, det.p, det.n);
  ash_buf_free(&det);
  return rc;
}

static int cmp_cand(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->p->longest > y->p->longest ? -1 : x->p->longest < y->p->longest;
}

int ash_hunt_tunnel(hunt_ctx *c, hunt_list *out) {
  hunt_flows *T = NULL;
  int rc = hunt_flows_shared(c, &T);
  cand *cs = NULL;
  size_t nc = 0, capc = 0;
  for (size_t i = 0; !rc && i < T->pairs.n; i++) {
    pair *p = &T->pairs.v[i];
    if (p->longest < CAND_LONGEST && (!p->h || p->total < CAND_CONNECTED)) continue;
    hunt_pair_finalize(p);
    cand *v = ash_array_room(cs, &capc, nc, sizeof *v, 64);
    if (!v) {
      rc = ASH_ENOMEM;
      break;
    }
    cs = v;
    cand *k = &cs[nc++];
    memset(k, 0, sizeof *k);
    k->p = p;
    const dstat *d = ash_keymap_get(&T->dsts, &p->dst);
    if (d) k->nsrc = d->nsrc;
    const sstat *s = ash_keymap_get(&T->srcs, &p->src);
    if (s) {
      k->host_dsts = s->dsts;
      k->host_flows = s->flows;
    }
    k->has_cloud = ash_ranges_lookup(c->ranges, &p->dst, &k->cloud);
    k->rentable = k->has_cloud ? ash_cloud_rentable(&k->cloud) : 1;
    regularity(k);
  }
  if (!rc && nc) rc = corroborate(T, cs, nc);
  if (!rc && nc) rc = similar(cs, nc);
  for (size_t i = 0; !rc && i < nc; i++) score(T, &cs[i]);
  if (!rc && nc) qsort(cs, nc, sizeof *cs, cmp_cand);
  size_t made = 0;
  for (size_t i = 0; !rc && i < nc && made < ASH_MAX_HUNT_FINDINGS; i++) {
    if (cs[i].grouped) continue;
    /* an address many hosts hold sessions to is one service: one finding
     * (its best pair), naming the other hosts */
    size_t nalso = 0;
    if (cs[i].nsrc >= 3 && !cs[i].nloop)
      for (size_t j = i + 1; j < nc; j++)
        if (!cs[j].grouped && !cs[j].nloop && cs[j].p->port == cs[i].p->port &&
            ash_ip_eq(&cs[j].p->dst, &cs[i].p->dst)) {
          cs[j].grouped = 1;
          nalso++;
        }
    ash_finding f;
    rc = make_finding(T, &cs[i], nalso, &f);
    for (size_t j = i + 1; !rc && nalso && j < nc; j++) {
      if (cs[j].grouped != 1 || !ash_ip_eq(&cs[j].p->dst, &cs[i].p->dst) ||
          cs[j].p->port != cs[i].p->port)
        continue;
      cs[j].grouped = 2;
      if (cs[j].host[0]) rc = ash_finding_add_host(&f, ash_str_cstr(cs[j].host));
      if (!rc) rc = ash_finding_add_ip(&f, &cs[j].p->src);
      ash_finding_see(&f, cs[j].p->first);
      ash_finding_see(&f, cs[j].p->last);
    }
    if (!rc) {
      rc = hunt_list_add(out, &f);
      made++;
    } else {
      ash_finding_free(&f);
    }
  }
  free(cs);
  return rc;
}
