/* beacon: a program calling home on a schedule, and sessions held open for
 * hours, to any address outside the organisation's own networks, cloud or
 * not (issue 17 item 6). cloud-tunnel looks only at long sessions and
 * rents cloud ranges; a beacon to a hosting provider's address on 8443
 * was invisible to it. This hunt scores every pair of the shared model
 * (model_flows.c) the way RITA v5 does: the timestamps' regularity
 * (Bowley skewness and MAD of the intervals), the data sizes' (the same
 * on the bytes a connection), how evenly the connections fill the hours
 * (histogram), and how much of the case they span (duration); and its
 * long-connection thresholds (1, 4, 8, 12 hours connected). The scoring is
 * our own; the subscores are in beacon.h for the unit tests.
 *
 * "Internal" is private space (RFC 1918, ULA, CGNAT, which holds VPN
 * pools and servers in practice) plus what --internal names; the model
 * takes flows from internal sources to destinations that are neither. */
#include "beacon.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"
#include "ashiato/ranges.h"
#include "model_flows.h"

/* ---- the subscores ---- */

static double median_of(const double *v, size_t n) {
  if (!n) return 0;
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

double beacon_skew_score(const double *v, size_t n) {
  if (n < 3) return 0;
  size_t h1 = n / 2, h2 = n % 2 ? n / 2 + 1 : n / 2;
  double q1 = median_of(v, h1), q2 = median_of(v, n), q3 = median_of(v + h2, n - h2);
  /* intervals of whole seconds that differ by less than 10 s are a clock,
   * whatever way they lean: the skew of noise that small says nothing */
  if (q3 - q1 < 10 || q2 == q1 || q2 == q3) return 1;
  return clamp01(1 - fabs((q1 + q3 - 2 * q2) / (q3 - q1)));
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double beacon_mad_score(const double *v, size_t n, double *median) {
  double q2 = median_of(v, n);
  if (median) *median = q2;
  if (n < 3 || q2 < 1) return 0;
  /* the deviations of a sorted series, sorted: merge the two runs either
   * side of the median (no allocation needed beyond a small copy) */
  double *dev = malloc(n * sizeof *dev);
  if (!dev) return 0;
  for (size_t i = 0; i < n; i++) dev[i] = fabs(v[i] - q2);
  qsort(dev, n, sizeof *dev, cmp_d);
  double mad = median_of(dev, n);
  free(dev);
  return clamp01((q2 - mad) / q2);
}

#define HIST_MAXBINS 2048
double beacon_hist_score(const uint32_t *starts, size_t n, int64_t base, int64_t first,
                         int64_t last, double interval) {
  if (n < 3 || last <= first) return 0;
  double w = interval * 2 > 3600 ? interval * 2 : 3600;
  double span = (double)(last - first);
  if (span / w > HIST_MAXBINS) w = span / HIST_MAXBINS;
  size_t nb = (size_t)(span / w) + 1;
  uint32_t bins[HIST_MAXBINS + 1];
  memset(bins, 0, nb * sizeof *bins);
  for (size_t i = 0; i < n; i++) {
    double t = (double)(base + (int64_t)starts[i] - first);
    if (t < 0) t = 0;
    size_t b = (size_t)(t / w);
    bins[b < nb ? b : nb - 1]++;
  }
  /* the last bin is partial: judged on the full ones when there are any */
  size_t m = nb > 1 ? nb - 1 : nb;
  double sum = 0, sq = 0;
  for (size_t i = 0; i < m; i++) {
    sum += bins[i];
    sq += (double)bins[i] * bins[i];
  }
  double mean = sum / (double)m, var = sq / (double)m - mean * mean;
  if (mean <= 0) return 0;
  return clamp01(1 - sqrt(var > 0 ? var : 0) / mean);
}

double beacon_dur_score(int64_t first, int64_t last, int64_t case_first, int64_t case_last,
                        uint32_t hours_of_day) {
  double cover =
      case_last > case_first ? (double)(last - first) / (double)(case_last - case_first) : 1;
  double hours = __builtin_popcount(hours_of_day & 0xffffffu) / 12.0;
  return clamp01(cover > hours ? cover : hours);
}

/* ---- scoring a pair ---- */

/* A series needs this many connections before its regularity means
 * anything: with fewer, three or four browsing visits can line up by
 * chance (RITA scores from 4; its own authors call short series noise). */
#define MIN_CONN 12
/* A beacon is reported when its timestamps alone are this regular (a
 * person's visits are not: their intervals skew and spread, ts < 0.6) and
 * the four subscores together pass RITA's own base threshold of 0.5 with
 * room: 0.6. */
#define MIN_TS 0.75
#define MIN_TOTAL 0.6
/* RITA v5's long-connection thresholds, hours connected in all. */
static const int LONG_H[4] = {1, 4, 8, 12};
/* the score each threshold gives: at most medium (under 65), since long
 * sessions alone are also backups, VPNs and streams; cloud-tunnel is the
 * corroborated form that can go higher */
static const int LONG_SCORE[4] = {22, 35, 48, 58};

typedef struct bcand {
  pair *p;
  int beacon, longc;
  double ts, ts_skew, ts_mad, ds, ds_skew, ds_mad, hist, dur, total, interval;
  uint32_t nconn, nsrc;
  uint32_t npeers; /* other internal hosts holding the same pattern to its network */
  uint64_t net;    /* the /16 (/48) of the address */
  int report;      /* cloud long connections are cloud-tunnel's: peers only */
  int cloud, rentable;
  ash_cloud cl;
  int score;
  hunt_reasons R; /* written by score(), for the reported ones only */
} bcand;

/* The start times (seconds since *base, sorted) and sizes of p: its heavy
 * part's when it turned heavy with more of them, else its series'. Returns
 * the count (0: none kept); *stride: one kept for every stride sessions. */
static size_t series_of(const pair *p, uint32_t **st, uint32_t **sz, int64_t *base,
                        uint32_t *stride) {
  const heavy *h = p->h;
  const series *sr = p->sr;
  size_t n = 0;
  const uint32_t *s0 = NULL, *z0 = NULL;
  if (h && (!sr || h->nst >= sr->n)) {
    n = h->nst;
    s0 = h->starts;
    z0 = h->sizes;
    *base = p->first / ASH_SEC;
    *stride = h->stride;
  } else if (sr) {
    n = sr->n;
    s0 = sr->starts;
    z0 = sr->sizes;
    *base = sr->base;
    *stride = sr->stride;
  }
  if (n < 3 || !s0) return 0;
  *st = malloc(n * sizeof **st);
  *sz = malloc(n * sizeof **sz);
  if (!*st || !*sz) {
    /* the caller frees both whatever the result: leave nothing to free */
    free(*st);
    free(*sz);
    *st = *sz = NULL;
    return 0;
  }
  memcpy(*st, s0, n * sizeof **st);
  memcpy(*sz, z0, n * sizeof **sz);
  /* sessions arrive in the order they end: nearly sorted, insertion sort */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && (*st)[j - 1] > (*st)[j]; j--) {
      uint32_t t = (*st)[j];
      (*st)[j] = (*st)[j - 1];
      (*st)[j - 1] = t;
    }
  return n;
}

/* The beacon subscores of k; 0 when the series is too short. */
static int beacon_scores(const hunt_flows *T, bcand *k) {
  uint32_t *st = NULL, *sz = NULL, stride = 1;
  int64_t base = 0;
  size_t n = series_of(k->p, &st, &sz, &base, &stride);
  if (n < MIN_CONN) {
    free(st);
    free(sz);
    return 0;
  }
  double *v = malloc(n * sizeof *v);
  if (!v) {
    free(st);
    free(sz);
    return 0;
  }
  size_t m = 0;
  uint32_t hours = 0;
  for (size_t i = 0; i < n; i++) {
    hours |= 1u << (((base + st[i]) / 3600) % 24);
    if (i && st[i] > st[i - 1]) v[m++] = (double)(st[i] - st[i - 1]);
  }
  int ok = m >= MIN_CONN - 1;
  if (ok) {
    qsort(v, m, sizeof *v, cmp_d);
    k->ts_skew = beacon_skew_score(v, m);
    k->ts_mad = beacon_mad_score(v, m, &k->interval);
    k->ts = (k->ts_skew + k->ts_mad) / 2;
    for (size_t i = 0; i < n; i++) v[i] = (double)sz[i];
    qsort(v, n, sizeof *v, cmp_d);
    k->ds_skew = beacon_skew_score(v, n);
    k->ds_mad = beacon_mad_score(v, n, NULL);
    k->ds = (k->ds_skew + k->ds_mad) / 2;
    int64_t first = base + st[0], last = base + st[n - 1];
    k->hist = beacon_hist_score(st, n, base, first, last, k->interval);
    k->dur = beacon_dur_score(first, last, T->first_ts / ASH_SEC, T->last_ts / ASH_SEC, hours);
    k->total = (k->ts + k->ds + k->hist + k->dur) / 4;
    /* kept starts are every stride-th session's */
    k->interval /= stride;
  }
  free(v);
  free(st);
  free(sz);
  return ok;
}

/* Ports whose protocol itself polls on a timer (NTP, DNS, DHCP, SNMP,
 * syslog, NetBIOS, Kerberos, LDAP, NTP's Windows time), with a name. */
static const char *infra_port(int32_t port) {
  switch (port) {
  case 123: return "NTP";
  case 53: return "DNS";
  case 67:
  case 68: return "DHCP";
  case 137:
  case 138: return "NetBIOS";
  case 161:
  case 162: return "SNMP";
  case 514: return "syslog";
  case 88: return "Kerberos";
  case 389: return "LDAP";
  default: return NULL;
  }
}

/* Mostly inbound bytes, megabytes a connection: a download job's shape. */
static int download(const pair *p) {
  return p->sessions && p->in >= 20 * (p->out > 0 ? p->out : 1) &&
         p->in / p->sessions >= 10 * 1000 * 1000;
}

static ash_ip net_of(const bcand *k, unsigned *len);

static void score(bcand *k) {
  pair *p = k->p;
  char t[32];
  int s = 0;
  k->R.n = 0;
  hunt_reasons *R = &k->R;
  if (k->beacon) {
    /* the four subscores, weighted as RITA weighs them (equally) but with
     * the timestamps counted twice: they are what a schedule is, where
     * sizes vary with the commands a beacon carries */
    int wts = (int)lround(30 * k->ts), wds = (int)lround(12 * k->ds);
    int wh = (int)lround(14 * k->hist), wd = (int)lround(10 * k->dur);
    hunt_fmt_dur((int64_t)(k->interval * ASH_SEC), t);
    hunt_why(R, "beacon_schedule", wts, t, HUNT_ARG("%.2f", k->ts_skew),
             HUNT_ARG("%.2f", k->ts_mad));
    hunt_why(R, k->ds >= 0.8 ? "beacon_sizes" : "beacon_sizes.vary", wds,
             HUNT_ARG("%.2f", k->ds_skew), HUNT_ARG("%.2f", k->ds_mad));
    hunt_why(R, k->hist >= 0.7 ? "beacon_hours" : "beacon_hours.uneven", wh,
             HUNT_ARG("%.2f", k->hist));
    hunt_why(R, "beacon_duration", wd, HUNT_ARG("%.0f", 100 * k->dur), HUNT_ARG("%.2f", k->dur));
    s = wts + wds + wh + wd;
    /* a long series is a program's: people do not visit a site 200 times
     * at the same interval */
    if (k->nconn >= 100) {
      hunt_why(R, "many_connections", 6, HUNT_ARG("%u", k->nconn));
      s += 6;
    }
  }
  if (k->longc) {
    int lvl = 0;
    while (lvl < 3 && p->covered >= (int64_t)LONG_H[lvl + 1] * ASH_HOUR) lvl++;
    hunt_fmt_dur(p->covered, t);
    int w = LONG_SCORE[lvl] > s ? LONG_SCORE[lvl] - s : 0;
    hunt_why(R, "long_connection", w, t, HUNT_ARG("%d", LONG_H[lvl]));
    s += w;
  }
  /* one host only: a beacon's relay serves one implant; an address many
   * hosts reach alike is a service the organisation uses (update servers,
   * telemetry, chat): at most low, whatever its schedule */
  if (k->nsrc <= 1) {
    hunt_why0(R, "single_internal_host", 8);
    s += 8;
  } else if (k->nsrc == 2) {
    /* two hosts on the same schedule are more often a pair (two domain
     * controllers asking one time server) than two implants: medium at
     * most, still listed */
    int w = s > 60 ? 60 - s : 0;
    hunt_why0(R, "second_internal_host", w);
    s += w;
  } else if (k->nsrc >= 3) {
    int w = s > 30 ? 30 - s : 0;
    w -= 5;
    hunt_why(R, "many_internal_hosts", w, HUNT_ARG("%u", k->nsrc));
    s += w;
  }
  /* A SaaS agent on every server (monitoring, telemetry, EDR) reaches the
   * vendor's pool of addresses, each host its own one of them, on the same
   * port and schedule: counted by address, each looks like one host's
   * beacon. Counted by network (net_of: the published prefix, else the /16), several internal hosts
   * holding the same pattern there (alike in days and interval) are the organisation's service, not
   * one implant's relay, which is rented for one host and called on its own schedule. One such peer
   * is not enough: two hosts can share a rented network by chance (the provider's biggest region).
   */
  if (k->npeers >= 2 && s > 30) {
    int w = 30 - s - 5;
    char net[64];
    unsigned len;
    ash_ip m = net_of(k, &len);
    char a[ASH_IP_STRLEN];
    ash_ip_format(&m, a);
    snprintf(net, sizeof net, "%s/%u", a, len);
    if (k->cloud)
      hunt_why(R, "agent_pool_peers.cloud", w, HUNT_ARG("%u", k->npeers), net, k->cl.provider,
               HUNT_ARG("%d", p->port));
    else
      hunt_why(R, "agent_pool_peers", w, HUNT_ARG("%u", k->npeers), net, HUNT_ARG("%d", p->port));
    s += w;
  }
  /* Updates and content pulls: a schedule whose connections each bring in
   * megabytes and send next to nothing is a download job (Windows Update,
   * WSUS, package mirrors, AV signatures). A command channel's check-ins
   * are small both ways; what an implant sends out grows with what it
   * steals, not what it fetches. */
  if (k->beacon && download(p)) {
    char per[32];
    hunt_fmt_bytes(p->in / p->sessions, per);
    hunt_why(R, "download_pull", -20, per,
             HUNT_ARG("%.1f", 100.0 * (double)p->out / (double)p->in));
    s -= 20;
  }
  /* time, name and management protocols poll on a schedule by design:
   * their regularity is the protocol's, not a program's choice */
  if (k->beacon && infra_port(p->port)) {
    hunt_why(R, "infra_protocol", -25, HUNT_ARG("%d", p->port), infra_port(p->port));
    s -= 25;
  }
  /* a provider's own endpoint (storage, APIs) is where agents call home;
   * anyone-can-rent compute is where relays live */
  if (k->cloud && k->rentable == 0) {
    hunt_why(R, "provider_endpoint", -15, k->cl.provider, k->cl.service);
    s -= 15;
  } else if (k->cloud && k->rentable == 2) {
    hunt_why(R, "rentable_compute", 0, k->cl.provider,
             k->cl.service[0] ? k->cl.service : "compute");
  }
  if (s < 1) s = 1;
  if (s > 100) s = 100;
  k->score = s;
}

/* ---- the finding ---- */

static int tls_port(int32_t port) {
  static const int32_t P[] = {443, 8443, 4443, 993, 995, 465, 636, 853, 989, 990, 5061, 10443};
  for (size_t i = 0; i < sizeof P / sizeof P[0]; i++)
    if (P[i] == port) return 1;
  return 0;
}

static int make_finding(hunt_ctx *c, hostmap *hm, bcand *k, ash_finding *f) {
  pair *p = k->p;
  int rc = ash_finding_init(f, ASH_HUNT_BEACON);
  if (rc) return rc;
  char sip[ASH_IP_STRLEN], dip[ASH_IP_STRLEN], t1[32], t2[32], iv[32], cn[32], bo[32], bi[32];
  ash_ip_format(&p->src, sip);
  ash_ip_format(&p->dst, dip);
  char key[128];
  int kl = snprintf(key, sizeof key, "%s|%s|%d", sip, dip, p->port);
  ash_finding_set_id(f, key, (size_t)kl);
  ash_finding_set_score(f, k->score);
  ash_finding_add_attack(f, "T1071");
  if (tls_port(p->port)) ash_finding_add_attack(f, "T1573");
  const char *host = hm ? hostmap_name(hm, &p->src) : NULL;
  const char *who = host ? host : sip;
  hunt_fmt_time(p->first, t1);
  hunt_fmt_time(p->last, t2);
  hunt_fmt_dur((int64_t)(k->interval * ASH_SEC), iv);
  hunt_fmt_dur(p->covered, cn);
  hunt_fmt_bytes(p->out, bo);
  hunt_fmt_bytes(p->in, bi);
  ash_buf b;
  ash_buf_init(&b, ASH_MAX_FINDING_TEXT);
  hunt_text T, S;
  hunt_text_init(&T);
  hunt_text_init(&S);
  char port[16];
  snprintf(port, sizeof port, "%d", p->port);
  if (k->beacon)
    hunt_say(&T, "beacon.title", who, dip, port, iv);
  else
    hunt_say(&T, "beacon.title.long", who, dip, port, cn);
  if (host)
    hunt_say(&S, "beacon.sum.who.host", who, sip);
  else
    hunt_say(&S, "beacon.sum.who", who);
  hunt_say(&S, "beacon.sum.head", HUNT_ARG("%u", p->sessions), dip, port, t1, t2, cn, bo, bi);
  if (k->beacon)
    hunt_say(&S, "beacon.sum.rita", iv, HUNT_ARG("%.2f", k->total), HUNT_ARG("%.2f", k->ts),
             HUNT_ARG("%.2f", k->ds), HUNT_ARG("%.2f", k->hist), HUNT_ARG("%.2f", k->dur));
  hunt_say_why(&S, "why.ranks", &k->R, k->score);
  if (k->score >= 65) hunt_say0(&S, "beacon.sum.advice");
  rc = hunt_text_set(f, &T, &S);
  hunt_text_free(&T);
  hunt_text_free(&S);
  if (!rc && host) rc = ash_finding_add_host(f, ash_str_cstr(host));
  if (!rc) rc = ash_finding_add_ip(f, &p->src);
  if (!rc) rc = ash_finding_add_ip(f, &p->dst);
  ash_finding_see(f, p->first);
  ash_finding_see(f, p->last);
  /* evidence: a sample of the connections, the first ones recorded, the
   * longest, and the last */
  int64_t ids[2 + SERIES_IDS + NTOP];
  size_t ni = 0;
  ids[ni++] = p->first_id;
  if (p->sr)
    for (int i = 0; i < SERIES_IDS; i++) ids[ni++] = p->sr->ids[i];
  if (p->h)
    for (int i = 0; i < NTOP; i++) ids[ni++] = p->h->top_id[i];
  ids[ni++] = p->last_id;
  int64_t uniq[2 + SERIES_IDS + NTOP];
  size_t nu = 0;
  for (size_t i = 0; i < ni; i++) {
    int dup = !ids[i];
    for (size_t j = 0; j < i; j++) dup |= ids[j] == ids[i];
    if (!dup) uniq[nu++] = ids[i];
  }
  hunt_evq q;
  hunt_evq_init(&q, c, f);
  hunt_evq_addv(&q, uniq, nu);
  if (!rc) rc = hunt_evq_flush(&q);
  /* every append checked: a details text cut by a failed allocation
   * would be stored as if whole (alloc.ingest_hunt) */
  ash_buf_reset(&b);
  int jr =
      ash_buf_printf(&b,
                     "{\"kind\":\"%s\",\"connections\":%u,\"port\":%d,\"connected_s\":%" PRId64
                     ",\"bytes_out\":%" PRId64 ",\"bytes_in\":%" PRId64
                     ",\"internal_hosts_to_address\":%u,\"internal_hosts_alike_to_network\":%u",
                     k->beacon ? "beacon" : "long-connection", p->sessions, p->port,
                     p->covered / ASH_SEC, p->out, p->in, k->nsrc, k->npeers);
  if (!jr && k->beacon)
    jr = ash_buf_printf(
        &b,
        ",\"interval_s\":%.0f,\"beacon_score\":%.3f,\"ts_score\":%.3f,\"ts_skew\":%.3f,"
        "\"ts_mad\":%.3f,\"ds_score\":%.3f,\"ds_skew\":%.3f,\"ds_mad\":%.3f,"
        "\"hist_score\":%.3f,\"dur_score\":%.3f",
        k->interval, k->total, k->ts, k->ts_skew, k->ts_mad, k->ds, k->ds_skew, k->ds_mad, k->hist,
        k->dur);
  if (!jr) jr = hunt_reasons_json(&b, &k->R);
  if (!jr) jr = ash_buf_adds(&b, "}");
  if (!rc) rc = jr;
  if (!rc) rc = ash_finding_set_details(f, b.p, b.n);
  ash_buf_free(&b);
  return rc;
}

static int cmp_bcand(const void *a, const void *b) {
  const bcand *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->p->sessions > y->p->sessions ? -1 : x->p->sessions < y->p->sessions;
}

/* The network an address is judged by for peers: for a cloud address the
 * provider's published prefix that holds it (3.112.0.0/14), else its /16
 * (IPv6: /48). A vendor's pool of agent endpoints is allocated from one
 * such block and spans several /16s in it (the monitoring SaaS of the
 * generator's cases answers from 3.113.x and 3.115.x alike). Not the
 * provider's (provider, region, service) class: that holds every tenant
 * of a region, and an intruder's rented relay shares it with whatever the
 * organisation's workstations use there. */
static ash_ip net_of(const bcand *k, unsigned *len) {
  ash_ip m = k->p->dst;
  *len = m.fam == 4 ? 16 : 48;
  /* a block shorter than /12 (/32) is a provider's aggregate, not one
   * allocation: fall back to the /16 */
  if (k->cloud && k->cl.prefix_len >= (m.fam == 4 ? 12u : 32u)) *len = k->cl.prefix_len;
  ash_ip_mask(&m, *len);
  return m;
}

static uint64_t net_key(const bcand *k) {
  unsigned len;
  ash_ip m = net_of(k, &len);
  uint64_t h = ash_hash_bytes(m.b, sizeof m.b, ASH_HASH_SEED);
  uint8_t tail[2] = {m.fam, (uint8_t)len};
  return ash_hash_bytes(tail, sizeof tail, h);
}

static int cmp_net(const void *a, const void *b) {
  const bcand *x = a, *y = b;
  if (x->p->port != y->p->port) return x->p->port < y->p->port ? -1 : 1;
  if (x->net != y->net) return x->net < y->net ? -1 : 1;
  return memcmp(x->p->src.b, y->p->src.b, 16);
}

/* Two pairs hold the same pattern: active on days within a factor of two
 * of each other, and the same program's shape: both hold connections open
 * for hours (websocket agents, which also reconnect on a schedule of
 * sorts), or both poll with intervals within a factor of 1.5 (agents share
 * their configured schedule; jitter moves the median little). */
static int alike(const bcand *a, const bcand *b) {
  int64_t da = a->p->days, db = b->p->days;
  if (da * 2 < db || db * 2 < da) return 0;
  int same = a->longc && b->longc;
  if (!same && a->beacon && b->beacon && a->interval > 0 && b->interval > 0)
    same = a->interval * 1.5 >= b->interval && b->interval * 1.5 >= a->interval;
  /* an update pull is not alike to a two-way channel next to it */
  return same && download(a->p) == download(b->p);
}

/* npeers of every candidate: distinct other internal hosts with an alike
 * pair to the same network and port. cs is sorted by (port, net, src). */
static void count_peers(bcand *cs, size_t nc) {
  qsort(cs, nc, sizeof *cs, cmp_net);
  for (size_t i = 0; i < nc;) {
    size_t j = i;
    while (j < nc && cs[j].p->port == cs[i].p->port && cs[j].net == cs[i].net) j++;
    for (size_t a = i; a < j; a++) {
      if (!cs[a].report) continue;
      uint32_t n = 0;
      const ash_ip *last = NULL;
      for (size_t b = i; b < j; b++) {
        if (!memcmp(cs[b].p->src.b, cs[a].p->src.b, 16)) continue;
        if (last && !memcmp(last->b, cs[b].p->src.b, 16)) continue;
        if (!alike(&cs[a], &cs[b])) continue;
        n++;
        last = &cs[b].p->src;
      }
      cs[a].npeers = n;
    }
    i = j;
  }
}

int ash_hunt_beacon(hunt_ctx *c, hunt_list *out) {
  hunt_flows *T = NULL;
  int rc = hunt_flows_shared(c, &T);
  bcand *cs = NULL;
  size_t nc = 0, capc = 0;
  for (size_t i = 0; !rc && i < T->pairs.n; i++) {
    pair *p = &T->pairs.v[i];
    if (!p->sr && !p->h) continue;
    hunt_pair_finalize(p);
    bcand k;
    memset(&k, 0, sizeof k);
    k.p = p;
    k.nconn = p->sessions;
    k.beacon = beacon_scores(T, &k) && k.ts >= MIN_TS && k.total >= MIN_TOTAL;
    /* a long connection is one held open past the first threshold; many
     * short visits that add up to an hour are a person browsing */
    k.longc = p->longest >= (int64_t)LONG_H[0] * ASH_HOUR;
    if (!k.beacon && !k.longc) continue;
    k.cloud = ash_ranges_lookup(c->ranges, &p->dst, &k.cl);
    k.rentable = k.cloud ? ash_cloud_rentable(&k.cl) : 1;
    /* long sessions to cloud ranges are cloud-tunnel's to judge, with its
     * corroboration; a beacon is reported wherever it goes. They are kept
     * as peers of the beacons to the same network. */
    k.report = k.beacon || !k.cloud;
    const dstat *d = ash_keymap_get(&T->dsts, &p->dst);
    k.nsrc = d ? d->nsrc : 1;
    k.net = net_key(&k);
    bcand *v = ash_array_room(cs, &capc, nc, sizeof *v, 64);
    if (!v) {
      rc = ASH_ENOMEM;
      break;
    }
    cs = v;
    cs[nc++] = k;
  }
  if (!rc && nc) {
    count_peers(cs, nc);
    size_t m = 0;
    for (size_t i = 0; i < nc; i++)
      if (cs[i].report) {
        score(&cs[i]);
        cs[m++] = cs[i];
      }
    nc = m;
    qsort(cs, nc, sizeof *cs, cmp_bcand);
  }
  hostmap *hm = NULL;
  if (!rc && nc) rc = hunt_hosts(c, &hm);
  for (size_t i = 0; !rc && i < nc && i < ASH_MAX_HUNT_FINDINGS; i++) {
    ash_finding f;
    rc = make_finding(c, hm, &cs[i], &f);
    if (!rc)
      rc = hunt_list_add(out, &f);
    else
      ash_finding_free(&f);
  }
  free(cs);
  return rc;
}
