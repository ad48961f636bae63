/* The live hunts of `ashiato watch`: each event, as it is stored, against
 * the watch list (the intrusion's addresses and accounts) and the forms of
 * the hunts that need no history beyond it (loopback RDP, the lolbin
 * rules, the tunnel's shape). Memory is bounded: the known sources of the
 * watched accounts (ASH_MAX_WATCH_KNOWN) and the repeat table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/limits.h"
#include "ashiato/sigma.h"
#include "ashiato/time.h"
#include "ashiato/watchlist.h"
#include "watch_int.h"

/* Repeat table slots: a key seen again within ASH_LIVE_REPEAT_US is not
 * alerted again. When full the table is cleared (alerts then repeat once:
 * noise, never silence). */
#define REPEAT_SLOTS 8192u

/* The tunnel's shape (docs/scenario.md, the cloud-tunnel hunt): an HTTPS
 * session from a server lasting an hour or more with data both ways. A
 * browser's or an agent's HTTPS session rarely lasts an hour; the
 * monitoring websockets do, which is why "rare" matters: a destination
 * the case's cloud-tunnel findings already name as ordinary is not new,
 * and one alerted is not alerted again for ten minutes (the repeat
 * table). Only the watch list's tunnel servers are looked at: from
 * anywhere else (a workstation's Slack, every server's monitoring agent)
 * a long HTTPS session is ordinary, and without a tunnel in the case there
 * is no shape to compare with. */
#define TUNNEL_MIN_US (3600LL * 1000000)
#define TUNNEL_MIN_BYTES 10000

typedef struct known {
  uint32_t acct;
  ash_ip ip;
} known;

typedef struct repeat {
  uint64_t h;
  int64_t t;
} repeat;

struct ash_live {
  ash_ip *ips;
  size_t nips;
  char **accounts;
  size_t naccounts;
  char **hosts;
  size_t nhosts;
  ash_ip *host_ips; /* the tunnel servers' addresses */
  size_t nhost_ips;
  char **sha, **files; /* implants' hashes and file names */
  size_t nsha, nfiles;
  known *known;
  size_t nknown;
  /* destinations of long sessions the case already holds (cloud-tunnel's
   * findings below high: the monitoring websockets, the backups) */
  ash_ip *long_known;
  size_t nlong_known, caplong;
  repeat *rep;
  size_t nrep;
  ash_sigma *sigma;
  ash_sigma_live *sl;
  /* the alert under way for the sigma callback */
  ash_live_cb cb;
  void *u;
  int64_t now;
  const ash_event *ev;
};

static int ip_listed(const ash_ip *v, size_t n, const ash_ip *ip) {
  if (!ip->fam) return 0;
  for (size_t i = 0; i < n; i++)
    if (ash_ip_eq(&v[i], ip)) return 1;
  return 0;
}

static int acct_index(const ash_live *l, ash_str user) {
  for (size_t i = 0; i < l->naccounts; i++)
    if (strlen(l->accounts[i]) == user.n && !strncasecmp(l->accounts[i], user.p, user.n))
      return (int)i;
  return -1;
}

static int is_known(const ash_live *l, uint32_t a, const ash_ip *ip) {
  for (size_t i = 0; i < l->nknown; i++)
    if (l->known[i].acct == a && ash_ip_eq(&l->known[i].ip, ip)) return 1;
  return 0;
}

static int add_known(ash_live *l, uint32_t a, const ash_ip *ip) {
  if (l->nknown >= ASH_MAX_WATCH_KNOWN || is_known(l, a, ip)) return ASH_OK;
  if (!(l->nknown & (l->nknown + 1)) || !l->known) {
    size_t cap = l->nknown ? (l->nknown + 1) * 2 : 64;
    known *k = realloc(l->known, cap * sizeof *k);
    if (!k) return ASH_ENOMEM;
    l->known = k;
  }
  l->known[l->nknown].acct = a;
  l->known[l->nknown].ip = *ip;
  l->nknown++;
  return ASH_OK;
}

/* A login of a person: the kinds whose source address is where the
 * account was used from. */
static int is_login(const ash_event *ev) {
  const char *k = ev->kind;
  return !strcmp(k, ASH_KIND_VPN_LOGIN) || !strcmp(k, ASH_KIND_AUTH_LOGIN) ||
         !strcmp(k, ASH_KIND_ADMIN_LOGIN) || !strcmp(k, ASH_KIND_WIN_LOGON);
}

typedef struct loadu {
  ash_live *l;
  uint32_t acct;
} loadu;

static int on_history(void *u, const ash_event *ev, const char *path, int rec, const char *attrs) {
  loadu *x = u;
  if (!is_login(ev) || !ev->src_ip.fam) return 0;
  /* an address of the watch list is the intruder's, not one the account
   * is known to use: a login from it must alert as new */
  if (ip_listed(x->l->ips, x->l->nips, &ev->src_ip)) return 0;
  return add_known(x->l, x->acct, &ev->src_ip);
}

/* The cloud-tunnel hunt names every pair with long two-way sessions in
 * the case; those it scored below high are ordinary (they recur every day),
 * so their destinations are not "new" when a long session to them ends. */
static int on_long_finding(void *u, const ash_finding *f) {
  ash_live *l = u;
  if (f->score >= 65) return 0;
  for (size_t i = 0; i < f->ips.n; i++) {
    ash_ip ip;
    if (ash_ip_parse(ash_str_cstr(f->ips.v[i]), &ip) || ash_ip_is_private(&ip)) continue;
    if (ip_listed(l->long_known, l->nlong_known, &ip) || l->nlong_known >= ASH_MAX_WATCH_KNOWN)
      continue;
    if (l->nlong_known == l->caplong) {
      size_t cap = l->caplong ? l->caplong * 2 : 64;
      ash_ip *p = realloc(l->long_known, cap * sizeof *p);
      if (!p) return ASH_ENOMEM;
      l->long_known = p;
      l->caplong = cap;
    }
    l->long_known[l->nlong_known++] = ip;
  }
  return 0;
}

static int add_str(char ***v, size_t *n, const char *s);

static char *dupn(const char *s) {
  size_t n = strlen(s);
  char *d = malloc(n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

int ash_live_open(ash_live **out, ash_store *s, const ash_watch_iocs *io) {
  ash_live *l = calloc(1, sizeof *l);
  if (!l) return ASH_ENOMEM;
  int rc = ASH_OK;
  l->rep = calloc(REPEAT_SLOTS, sizeof *l->rep);
  l->host_ips = calloc(64, sizeof *l->host_ips);
  if (!l->rep || !l->host_ips) rc = ASH_ENOMEM;
  if (!rc && io->nips) {
    l->ips = malloc(io->nips * sizeof *l->ips);
    if (!l->ips) rc = ASH_ENOMEM;
    for (size_t i = 0; !rc && i < io->nips; i++) l->ips[l->nips++] = io->ips[i];
  }
  if (!rc && io->naccounts) {
    l->accounts = calloc(io->naccounts, sizeof *l->accounts);
    if (!l->accounts) rc = ASH_ENOMEM;
    for (size_t i = 0; !rc && i < io->naccounts; i++)
      if (!(l->accounts[l->naccounts++] = dupn(io->accounts[i]))) rc = ASH_ENOMEM;
  }
  if (!rc && io->nhosts) {
    l->hosts = calloc(io->nhosts, sizeof *l->hosts);
    if (!l->hosts) rc = ASH_ENOMEM;
    for (size_t i = 0; !rc && i < io->nhosts; i++)
      if (!(l->hosts[l->nhosts++] = dupn(io->hosts[i]))) rc = ASH_ENOMEM;
  }
  /* what the case knows of each watched account: the sources it logged in
   * from; a login from any other is the "new source" the linked account's
   * intruder comes back with */
  for (size_t i = 0; !rc && s && i < l->naccounts; i++) {
    ash_event_query q;
    memset(&q, 0, sizeof q);
    q.since = q.until = ASH_TIME_UNSET;
    q.user = l->accounts[i];
    loadu x = {l, (uint32_t)i};
    rc = ash_store_events(s, &q, on_history, &x);
  }
  for (size_t i = 0; !rc && i < io->nservers && l->nhost_ips < 64; i++)
    if (!ip_listed(l->host_ips, l->nhost_ips, &io->servers[i]))
      l->host_ips[l->nhost_ips++] = io->servers[i];
  for (size_t i = 0; !rc && i < io->nsha256; i++) rc = add_str(&l->sha, &l->nsha, io->sha256[i]);
  for (size_t i = 0; !rc && i < io->nfile_names; i++)
    rc = add_str(&l->files, &l->nfiles, io->file_names[i]);
  if (!rc && s) rc = ash_store_findings(s, "cloud-tunnel", on_long_finding, l);
  if (!rc) rc = ash_sigma_open(&l->sigma);
  if (!rc) rc = ash_sigma_load_pack(l->sigma);
  if (!rc) rc = ash_sigma_live_open(&l->sl, l->sigma, ASH_SIGMA_INFORMATIONAL);
  if (rc) {
    ash_live_close(l);
    return rc;
  }
  *out = l;
  return ASH_OK;
}

void ash_live_close(ash_live *l) {
  if (!l) return;
  for (size_t i = 0; i < l->naccounts; i++) free(l->accounts[i]);
  for (size_t i = 0; i < l->nhosts; i++) free(l->hosts[i]);
  free(l->accounts);
  free(l->hosts);
  free(l->host_ips);
  for (size_t i = 0; i < l->nsha; i++) free(l->sha[i]);
  for (size_t i = 0; i < l->nfiles; i++) free(l->files[i]);
  free(l->sha);
  free(l->files);
  free(l->ips);
  free(l->known);
  free(l->long_known);
  free(l->rep);
  ash_sigma_live_close(l->sl);
  ash_sigma_close(l->sigma);
  free(l);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

/* 1 when (hunt, key) was alerted within ASH_LIVE_REPEAT_US of now. */
/* The file name of a Windows or POSIX path. */
static ash_str base_name(ash_str p) {
  size_t i = p.n;
  while (i > 0 && p.p[i - 1] != '\\' && p.p[i - 1] != '/') i--;
  return ash_str_make(p.p + i, p.n - i);
}

static int repeated(ash_live *l, const char *hunt, const void *key, size_t kn, ash_str k2) {
  uint64_t h = fnv(1469598103934665603ULL, hunt, strlen(hunt));
  h = fnv(h, key, kn);
  h = fnv(h, k2.p, k2.n);
  if (!h) h = 1;
  if (l->nrep >= REPEAT_SLOTS / 2) {
    memset(l->rep, 0, REPEAT_SLOTS * sizeof *l->rep);
    l->nrep = 0;
  }
  size_t i = (size_t)h & (REPEAT_SLOTS - 1);
  while (l->rep[i].h && l->rep[i].h != h) i = (i + 1) & (REPEAT_SLOTS - 1);
  if (l->rep[i].h == h) {
    if (l->now - l->rep[i].t < ASH_LIVE_REPEAT_US) return 1;
    l->rep[i].t = l->now;
    return 0;
  }
  l->rep[i].h = h;
  l->rep[i].t = l->now;
  l->nrep++;
  return 0;
}

static int on_sigma(void *u, const ash_sigma_hit *hit) {
  ash_live *l = u;
  const ash_sigma_rule_info *r = ash_sigma_rule(l->sigma, hit->rule);
  if (repeated(l, "lolbin", r->id, strlen(r->id), l->ev->host)) return 0;
  char title[512], why[256];
  snprintf(title, sizeof title, "%s on %.*s", r->title, (int)l->ev->host.n, l->ev->host.p);
  snprintf(why, sizeof why, "Sigma rule %s (%s) of the built-in pack matched", r->id,
           ash_sigma_level_name(r->level));
  const char *sev = r->level >= ASH_SIGMA_CRITICAL ? "critical"
                    : r->level >= ASH_SIGMA_HIGH   ? "high"
                    : r->level >= ASH_SIGMA_MEDIUM ? "medium"
                                                   : "low";
  return l->cb(l->u, "lolbin", sev, title, why);
}

int ash_live_event(ash_live *l, const ash_event *ev, int64_t now_us, ash_live_cb cb, void *u) {
  l->now = now_us;
  char a[ASH_IP_STRLEN], b[ASH_IP_STRLEN], title[512], why[512];
  int rc = ASH_OK;
  /* 1. an address of the intrusion seen again, either way */
  const ash_ip *hitip = ip_listed(l->ips, l->nips, &ev->src_ip)   ? &ev->src_ip
                        : ip_listed(l->ips, l->nips, &ev->dst_ip) ? &ev->dst_ip
                                                                  : NULL;
  if (hitip && !repeated(l, "watch-ip", hitip->b, 16, ASH_STR_NULL)) {
    ash_ip_format(hitip, a);
    snprintf(title, sizeof title, "watched address %s seen again (%s from %.*s)", a, ev->kind,
             (int)ev->host.n, ev->host.p);
    snprintf(why, sizeof why, "%s is on the watch list: an address of the intrusion", a);
    if ((rc = cb(u, "watch-ip", "critical", title, why))) return rc;
  }
  /* 2. a watched account logging in from a source the case never saw it
   * use */
  int ai = ev->user.n && is_login(ev) && ev->src_ip.fam ? acct_index(l, ev->user) : -1;
  /* sources outside the organisation only: inside, a Windows logon comes
   * from whatever VPN tunnel address or workstation the person has today,
   * which is new every session and says nothing */
  if (ai >= 0 && !ash_ip_is_loopback(&ev->src_ip) && !ash_ip_is_private(&ev->src_ip) &&
      !is_known(l, (uint32_t)ai, &ev->src_ip)) {
    if (!repeated(l, "account-new-source", ev->src_ip.b, 16, ev->user)) {
      ash_ip_format(&ev->src_ip, a);
      snprintf(title, sizeof title, "watched account %s logged in from a new source %s (%s)",
               l->accounts[ai], a, ev->kind);
      snprintf(why, sizeof why,
               "%s is a linked account of the intrusion; the case never saw it log in from %s%s",
               l->accounts[ai], a,
               ip_listed(l->ips, l->nips, &ev->src_ip) ? ", an address of the intrusion" : "");
      if ((rc = cb(u, "account-new-source", "critical", title, why))) return rc;
    }
    /* a source not on the watch list becomes known once alerted: the
     * alert said it, and the next login from it is no news */
    if (!ip_listed(l->ips, l->nips, &ev->src_ip) && (rc = add_known(l, (uint32_t)ai, &ev->src_ip)))
      return rc;
  }
  /* 3. loopback RDP: a RemoteInteractive logon (type 10, or 12 cached)
   * from the host itself is a relayed session (the loopback-rdp hunt) */
  if (!strcmp(ev->kind, ASH_KIND_WIN_LOGON) && (ev->logon_type == 10 || ev->logon_type == 12) &&
      ash_ip_is_loopback(&ev->src_ip) && !repeated(l, "loopback-rdp", "", 0, ev->host)) {
    ash_ip_format(&ev->src_ip, a);
    snprintf(title, sizeof title, "RDP logon from loopback %s on %.*s as %.*s", a, (int)ev->host.n,
             ev->host.p, (int)ev->user.n, ev->user.p);
    snprintf(why, sizeof why,
             "LogonType %lld from the host itself: a program on it relays RDP (a tunnel or a port"
             " proxy)",
             (long long)ev->logon_type);
    if ((rc = cb(u, "loopback-rdp", "high", title, why))) return rc;
  }
  /* 4. an implant seen again: its hash, or its file name as a program, a
   * parent or a file written (the OS's own programs are not on the list) */
  const char *fhit = NULL;
  for (size_t i = 0; !fhit && ev->sha256.n && i < l->nsha; i++)
    if (strlen(l->sha[i]) == ev->sha256.n && !strncasecmp(l->sha[i], ev->sha256.p, ev->sha256.n))
      fhit = l->sha[i];
  const ash_str names[] = {ev->process, ev->parent_process, ev->path};
  for (size_t k = 0; !fhit && l->nfiles && k < 3; k++) {
    ash_str bn = base_name(names[k]);
    for (size_t i = 0; !fhit && bn.n && i < l->nfiles; i++)
      if (strlen(l->files[i]) == bn.n && !strncasecmp(l->files[i], bn.p, bn.n)) fhit = l->files[i];
  }
  if (fhit && !repeated(l, "watch-file", fhit, strlen(fhit), ev->host)) {
    snprintf(title, sizeof title, "implant %s seen again on %.*s (%s)", fhit, (int)ev->host.n,
             ev->host.p, ev->kind);
    snprintf(why, sizeof why, "%s is on the watch list: an implant or tool of the intrusion", fhit);
    if ((rc = cb(u, "watch-file", "critical", title, why))) return rc;
  }
  /* 5. the lolbin rules */
  l->cb = cb;
  l->u = u;
  l->ev = ev;
  if ((rc = ash_sigma_live_event(l->sl, ev, NULL, on_sigma, l))) return rc;
  /* 6. the tunnel's shape: a long two-way HTTPS session from a server */
  if (!strcmp(ev->kind, ASH_KIND_FLOW) && ev->dst_port == 443 && ev->duration_us != ASH_UNSET &&
      ev->duration_us >= TUNNEL_MIN_US && ev->bytes_out >= TUNNEL_MIN_BYTES &&
      ev->bytes_in >= TUNNEL_MIN_BYTES && ev->src_ip.fam && ash_ip_is_private(&ev->src_ip) &&
      ev->dst_ip.fam && !ash_ip_is_private(&ev->dst_ip) && !hitip &&
      !ip_listed(l->long_known, l->nlong_known, &ev->dst_ip) &&
      ip_listed(l->host_ips, l->nhost_ips, &ev->src_ip)) {
    uint8_t key[32];
    memcpy(key, ev->src_ip.b, 16);
    memcpy(key + 16, ev->dst_ip.b, 16);
    if (!repeated(l, "tunnel-shape", key, sizeof key, ASH_STR_NULL)) {
      ash_ip_format(&ev->src_ip, a);
      ash_ip_format(&ev->dst_ip, b);
      snprintf(title, sizeof title, "long HTTPS session %s -> %s:443 (%lld min)", a, b,
               (long long)(ev->duration_us / 60000000));
      snprintf(why, sizeof why,
               "an hour or more, data both ways (%lld out, %lld in), from %s: the tunnel's shape",
               (long long)ev->bytes_out, (long long)ev->bytes_in,
               "a tunnel server of the watch list");
      if ((rc = cb(u, "tunnel-shape", "medium", title, why))) return rc;
    }
  }
  return ASH_OK;
}

/* ---- the watch list from the case's watchlist ---- */

static int add_ip(ash_ip **v, size_t *n, const char *text) {
  ash_ip ip;
  if (ash_ip_parse(ash_str_cstr(text), &ip)) return ASH_OK;
  if (ip_listed(*v, *n, &ip)) return ASH_OK;
  ash_ip *p = realloc(*v, (*n + 1) * sizeof *p);
  if (!p) return ASH_ENOMEM;
  p[(*n)++] = ip;
  *v = p;
  return ASH_OK;
}

static int add_str(char ***v, size_t *n, const char *s) {
  for (size_t i = 0; i < *n; i++)
    if (!strcasecmp((*v)[i], s)) return ASH_OK;
  char **p = realloc(*v, (*n + 1) * sizeof *p);
  if (!p) return ASH_ENOMEM;
  *v = p;
  if (!(p[*n] = dupn(s))) return ASH_ENOMEM;
  (*n)++;
  return ASH_OK;
}

int ash_live_iocs_from_case(ash_store *s, ash_live_iocs *out) {
  memset(out, 0, sizeof *out);
  ash_watchlist *wl;
  int rc = ash_watchlist_build(s, &wl);
  if (rc) return rc;
  ash_watch_iocs *v = &out->v;
  for (size_t i = 0; !rc && i < wl->n; i++) {
    const ash_watch_item *it = &wl->items[i];
    switch (it->kind) {
    case ASH_WATCH_RELAY:
    case ASH_WATCH_VPN_SOURCE: rc = add_ip(&out->ips, &v->nips, it->value); break;
    case ASH_WATCH_ACCOUNT: rc = add_str(&out->accounts, &v->naccounts, it->value); break;
    case ASH_WATCH_LOOPBACK_HOST: rc = add_str(&out->hosts, &v->nhosts, it->value); break;
    case ASH_WATCH_SHA256: rc = add_str(&out->sha256, &v->nsha256, it->value); break;
    case ASH_WATCH_FILE_NAME: rc = add_str(&out->file_names, &v->nfile_names, it->value); break;
    default: break;
    }
  }
  for (size_t i = 0; !rc && i < wl->ntunnels; i++) {
    const ash_watch_tunnel *t = &wl->tunnels[i];
    if (t->host[0]) rc = add_str(&out->hosts, &v->nhosts, t->host);
    if (!rc && t->server_ip[0]) rc = add_ip(&out->servers, &v->nservers, t->server_ip);
    if (!rc && t->relay_ip[0]) rc = add_ip(&out->ips, &v->nips, t->relay_ip);
  }
  ash_watchlist_close(wl);
  v->ips = out->ips;
  v->servers = out->servers;
  v->accounts = (const char *const *)out->accounts;
  v->hosts = (const char *const *)out->hosts;
  v->sha256 = (const char *const *)out->sha256;
  v->file_names = (const char *const *)out->file_names;
  if (rc) ash_live_iocs_free(out);
  return rc;
}

void ash_live_iocs_free(ash_live_iocs *x) {
  for (size_t i = 0; i < x->v.naccounts; i++) free(x->accounts[i]);
  for (size_t i = 0; i < x->v.nhosts; i++) free(x->hosts[i]);
  for (size_t i = 0; i < x->v.nsha256; i++) free(x->sha256[i]);
  for (size_t i = 0; i < x->v.nfile_names; i++) free(x->file_names[i]);
  free(x->accounts);
  free(x->hosts);
  free(x->sha256);
  free(x->file_names);
  free(x->ips);
  free(x->servers);
  memset(x, 0, sizeof *x);
}
