/* The watchlist (watchlist.h): the intruder's footprints, from the
 * findings, as lists a plan, an export and the live watch can use. */
#include "ashiato/watchlist.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "ashiato/ip.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"

/* A linked account's VPN logins, per source address. */
typedef struct vpn_src {
  char user[128];
  char ip[ASH_IP_STRLEN];
  int64_t first, last;
  uint64_t count;
  int one_off; /* listed by the one-day rule of ash_watchlist_finish */
} vpn_src;

struct ash_watch_priv {
  vpn_src *v;
  size_t n, cap;
  ash_finding *beacons; /* beacon findings, until finish */
  size_t nb, capb;
  int64_t *ts; /* footprint times, for the longest quiet gap */
  size_t nts, tscap;
  int finished;
};

static const char *const KIND_NAMES[ASH_WATCH_NKINDS] = {
    "relay",  "vpn_source", "account",       "admin",
    "sha256", "file_name",  "loopback_host", "unconfirmed_relay"};
/* the JSON array of each kind */
static const char *const KIND_LISTS[ASH_WATCH_NKINDS] = {
    "relays", "vpn_sources", "accounts",       "admins",
    "sha256", "file_names",  "loopback_hosts", "unconfirmed_relays"};

const char *ash_watch_kind_name(ash_watch_kind k) {
  return (unsigned)k < ASH_WATCH_NKINDS ? KIND_NAMES[k] : "?";
}

int ash_watchlist_open(ash_watchlist **out) {
  ash_watchlist *w = calloc(1, sizeof *w);
  if (!w) return ASH_ENOMEM;
  w->priv = calloc(1, sizeof *w->priv);
  if (!w->priv) {
    free(w);
    return ASH_ENOMEM;
  }
  w->earliest = w->latest = ASH_TIME_UNSET;
  *out = w;
  return ASH_OK;
}

void ash_watchlist_close(ash_watchlist *w) {
  if (!w) return;
  for (size_t i = 0; i < w->n; i++) {
    free(w->items[i].value);
    free(w->items[i].note);
  }
  free(w->items);
  free(w->tunnels);
  if (w->priv) {
    free(w->priv->v);
    free(w->priv->ts);
    for (size_t i = 0; i < w->priv->nb; i++) ash_finding_free(&w->priv->beacons[i]);
    free(w->priv->beacons);
    free(w->priv);
  }
  free(w);
}

/* ---- helpers */

/* Accounts, hosts and file names are case-insensitive in Windows; hashes
 * are stored lower case and addresses in one text form, so comparing all
 * values without case is right for every kind. */
static int same(const char *a, const char *b, size_t bn) {
  return strlen(a) == bn && !strncasecmp(a, b, bn);
}

static char *dupn(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

/* "CORP\\t.sato" and "t.sato@corp" -> "t.sato" (as finding.c does). */
static ash_str bare_account(ash_str s) {
  while (s.n && isspace((unsigned char)s.p[0])) s.p++, s.n--;
  while (s.n && isspace((unsigned char)s.p[s.n - 1])) s.n--;
  const char *bs = s.n ? memchr(s.p, '\\', s.n) : NULL;
  if (bs) {
    size_t k = (size_t)(bs - s.p) + 1;
    s.p += k;
    s.n -= k;
  }
  const char *at = s.n ? memchr(s.p, '@', s.n) : NULL;
  if (at) s.n = (size_t)(at - s.p);
  return s;
}

/* Accounts that are not a person's or an admin's: machine accounts
 * ("DC01$") and the built-in principals run every service on every host.
 * Resetting or watching them says nothing about the intruder. */
static int builtin_account(const char *a) {
  size_t n = strlen(a);
  if (!n || a[n - 1] == '$') return 1;
  static const char *const B[] = {"SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "ANONYMOUS LOGON",
                                  "-",      "LocalSystem",   "DWM-1",           "UMFD-0",
                                  "UMFD-1"};
  for (size_t i = 0; i < sizeof B / sizeof B[0]; i++)
    if (!strcasecmp(a, B[i])) return 1;
  return 0;
}

/* The operating system's own programs live in these folders of every
 * Windows host: a finding names them as the tool the intruder ran
 * (vssadmin, netsh), not as something the intruder brought. Watching
 * their names would alert on every host every day; the lolbin hunt
 * watches how they are used instead. */
static int os_binary(const char *path) {
  static const char *const D[] = {"\\windows\\system32\\", "\\windows\\syswow64\\",
                                  "\\windows\\winsxs\\", "/windows/system32/"};
  size_t n = strlen(path);
  for (size_t i = 0; i < sizeof D / sizeof D[0]; i++) {
    size_t m = strlen(D[i]);
    for (size_t k = 0; k + m <= n; k++)
      if (!strncasecmp(path + k, D[i], m)) return 1;
  }
  return 0;
}

static const char *file_name(const char *path) {
  const char *b = path;
  for (const char *p = path; *p; p++)
    if (*p == '\\' || *p == '/') b = p + 1;
  return b;
}

static int is_hex64(const char *s) {
  size_t n = strlen(s);
  if (n != 64) return 0;
  for (size_t i = 0; i < n; i++)
    if (!isxdigit((unsigned char)s[i])) return 0;
  return 1;
}

static void cite(ash_watchlist *w, ash_watch_item *it, const char *id) {
  if (!id || !id[0]) return;
  for (size_t i = 0; i < it->ncites; i++)
    if (!strcmp(it->cites[i], id)) return;
  if (it->ncites >= ASH_MAX_WATCH_CITES) {
    w->dropped++;
    return;
  }
  snprintf(it->cites[it->ncites++], sizeof it->cites[0], "%s", id);
}

static void widen(int64_t *first, int64_t *last, int64_t a, int64_t b) {
  if (a != ASH_TIME_UNSET && (*first == ASH_TIME_UNSET || a < *first)) *first = a;
  if (b != ASH_TIME_UNSET && (*last == ASH_TIME_UNSET || b > *last)) *last = b;
}

/* Add (or merge into) the item (kind, value). count is added. */
static int add_item(ash_watchlist *w, ash_watch_kind kind, const char *value, size_t n,
                    const char *note, const char *id, int64_t first, int64_t last, uint64_t count) {
  if (!n) return ASH_OK;
  for (size_t i = 0; i < w->n; i++) {
    ash_watch_item *it = &w->items[i];
    if (it->kind != kind || !same(it->value, value, n)) continue;
    cite(w, it, id);
    widen(&it->first_seen, &it->last_seen, first, last);
    it->count += count;
    if (note && note[0] && !it->note[0]) {
      char *d = dupn(note, strlen(note));
      if (!d) return ASH_ENOMEM;
      free(it->note);
      it->note = d;
    }
    return ASH_OK;
  }
  if (w->n >= ASH_MAX_WATCH_ITEMS) {
    w->dropped++;
    return ASH_OK;
  }
  ash_watch_item *v = ash_array_room(w->items, &w->cap, w->n, sizeof *v, 32);
  if (!v) return ASH_ENOMEM;
  w->items = v;
  ash_watch_item *it = &w->items[w->n];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  it->value = dupn(value, n);
  it->note = dupn(note ? note : "", note ? strlen(note) : 0);
  if (!it->value || !it->note) {
    free(it->value);
    free(it->note);
    return ASH_ENOMEM;
  }
  /* hashes are compared and exported lower case */
  if (kind == ASH_WATCH_SHA256)
    for (char *p = it->value; *p; p++) *p = (char)tolower((unsigned char)*p);
  it->first_seen = first;
  it->last_seen = last;
  it->count = count;
  cite(w, it, id);
  w->n++;
  return ASH_OK;
}

static int add_cstr(ash_watchlist *w, ash_watch_kind kind, const char *value, const char *note,
                    const ash_finding *f, uint64_t count) {
  /* a scan finding's times are the file's, not a sighting (see below) */
  int scan = !strcmp(f->hunt, "implant");
  return add_item(w, kind, value, strlen(value), note, f->id, scan ? ASH_TIME_UNSET : f->first_seen,
                  scan ? ASH_TIME_UNSET : f->last_seen, count);
}

static int note_time(ash_watchlist *w, int64_t t) {
  if (t == ASH_TIME_UNSET) return ASH_OK;
  struct ash_watch_priv *p = w->priv;
  /* the gap needs the times' order only; past the cap, the times already
   * kept still bound it (a coarser but never longer gap is said) */
  if (p->nts >= ASH_MAX_WATCH_TIMES) {
    w->dropped++;
    return ASH_OK;
  }
  int64_t *v = ash_array_room(p->ts, &p->tscap, p->nts, sizeof *v, 64);
  if (!v) return ASH_ENOMEM;
  p->ts = v;
  p->ts[p->nts++] = t;
  widen(&w->earliest, &w->latest, t, t);
  return ASH_OK;
}

static const char *jstr(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static int64_t jint(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  if (json_is_integer(v)) return (int64_t)json_integer_value(v);
  if (json_is_real(v)) return (int64_t)json_real_value(v);
  return 0;
}

/* The outside end of a flow finding: its addresses that are not private,
 * loopback or the host's own. Hunts list the inside address and then the
 * outside one; taking "not private" rather than "the second" keeps this
 * right when the organisation's own public space is the inside. */
static const char *outside_ip(const ash_finding *f, const char **inside) {
  const char *out = NULL;
  *inside = "";
  for (size_t i = 0; i < f->ips.n; i++) {
    ash_ip ip;
    if (ash_ip_parse(ash_str_cstr(f->ips.v[i]), &ip)) continue;
    if (ash_ip_is_private(&ip) || ash_ip_is_loopback(&ip)) {
      if (!(*inside)[0]) *inside = f->ips.v[i];
    } else if (!out) {
      out = f->ips.v[i];
    }
  }
  if (!out && f->ips.n >= 2) {
    /* both public (an internal range of the organisation's own): the
     * hunts write the source first */
    *inside = f->ips.v[0];
    out = f->ips.v[1];
  }
  return out;
}

static int add_files(ash_watchlist *w, const ash_finding *f) {
  for (size_t i = 0; i < f->files.n; i++) {
    const char *p = f->files.v[i];
    if (os_binary(p)) continue;
    const char *nm = file_name(p);
    ASH_TRY(add_cstr(w, ASH_WATCH_FILE_NAME, nm, p, f, 1));
  }
  return ASH_OK;
}

static int add_accounts(ash_watchlist *w, const ash_finding *f, ash_watch_kind kind) {
  for (size_t i = 0; i < f->accounts.n; i++) {
    if (builtin_account(f->accounts.v[i])) continue;
    /* an account already linked stays linked: that is the stronger role */
    if (kind == ASH_WATCH_ADMIN &&
        ash_watchlist_has(w, ASH_WATCH_ACCOUNT, f->accounts.v[i], strlen(f->accounts.v[i])))
      continue;
    ASH_TRY(add_cstr(w, kind, f->accounts.v[i], "", f, 1));
  }
  return ASH_OK;
}

static int add_tunnel(ash_watchlist *w, const ash_finding *f, json_t *det) {
  const char *inside;
  const char *relay = outside_ip(f, &inside);
  if (!relay) return ASH_OK;
  const char *prov = det ? jstr(det, "provider") : "";
  char note[128];
  snprintf(note, sizeof note, "%s%s%s%s%s", prov, det && jstr(det, "service")[0] ? " " : "",
           det ? jstr(det, "service") : "", det && jstr(det, "region")[0] ? ", " : "",
           det ? jstr(det, "region") : "");
  uint64_t sessions = det ? (uint64_t)jint(det, "sessions") : 1;
  ASH_TRY(add_cstr(w, ASH_WATCH_RELAY, relay, note, f, sessions ? sessions : 1));
  for (size_t i = 0; i < w->ntunnels; i++)
    if (!strcmp(w->tunnels[i].relay_ip, relay) && !strcmp(w->tunnels[i].server_ip, inside))
      return ASH_OK;
  if (w->ntunnels >= ASH_MAX_WATCH_ITEMS) {
    w->dropped++;
    return ASH_OK;
  }
  ash_watch_tunnel *v = ash_array_room(w->tunnels, &w->tcap, w->ntunnels, sizeof *v, 4);
  if (!v) return ASH_ENOMEM;
  w->tunnels = v;
  ash_watch_tunnel *t = &w->tunnels[w->ntunnels++];
  memset(t, 0, sizeof *t);
  snprintf(t->host, sizeof t->host, "%s", f->hosts.n ? f->hosts.v[0] : "");
  snprintf(t->server_ip, sizeof t->server_ip, "%s", inside);
  snprintf(t->relay_ip, sizeof t->relay_ip, "%s", relay);
  snprintf(t->provider, sizeof t->provider, "%s", prov);
  if (det) {
    snprintf(t->region, sizeof t->region, "%s", jstr(det, "region"));
    snprintf(t->service, sizeof t->service, "%s", jstr(det, "service"));
    t->port = (int)jint(det, "port");
    t->longest_s = jint(det, "longest_s");
    t->sessions = sessions;
    t->days_active = (int)jint(det, "days_active");
  }
  /* The cloud-tunnel hunt looks at a pair once one session lasts 30
   * minutes (model_flows.h CAND_LONGEST): a new session that long, from
   * this server to a rare outside address, is what the hunt would start
   * from, so it is the shape to alert on, whatever this tunnel's longest. */
  t->min_session_s = 30 * 60;
  t->first_seen = f->first_seen;
  t->last_seen = f->last_seen;
  snprintf(t->finding, sizeof t->finding, "%s", f->id);
  return ASH_OK;
}

/* The finding's public addresses as VPN sources (the private ones are
 * tunnel addresses, reused by the VPN pool). */
static int add_public_sources(ash_watchlist *w, const ash_finding *f) {
  int rc = ASH_OK;
  for (size_t i = 0; !rc && i < f->ips.n; i++) {
    ash_ip ip;
    if (ash_ip_parse(ash_str_cstr(f->ips.v[i]), &ip)) continue;
    if (ash_ip_is_private(&ip) || ash_ip_is_loopback(&ip)) continue;
    rc = add_cstr(w, ASH_WATCH_VPN_SOURCE, f->ips.v[i], "", f, 0);
  }
  return rc;
}

/* Take what f says (its score already checked). */
static int take(ash_watchlist *w, const ash_finding *f) {
  json_t *det = NULL;
  if (f->details_json) det = json_loads(f->details_json, JSON_REJECT_DUPLICATES, NULL);
  if (det && !json_is_object(det)) {
    json_decref(det);
    det = NULL;
  }
  int rc = ASH_OK;
  const char *h = f->hunt;
  int scan = !strcmp(h, "implant");
  w->findings_used++;
  if (!strcmp(h, "past-incident-link") || !strcmp(h, "account-use")) {
    /* past-incident-link: the account that put the tool there and the
     * sources of its linked sessions; account-use: the sessions the
     * account's own history over the whole case does not explain, which
     * is what tells the intruder's returns apart when the logs hold no
     * VPN history from before the first footprint (finish() then lists
     * no later source on its own) */
    rc = add_accounts(w, f, ASH_WATCH_ACCOUNT);
    if (!rc) rc = add_public_sources(w, f);
    if (!rc) rc = add_files(w, f);
  } else if (!strcmp(h, "cloud-tunnel")) {
    rc = add_tunnel(w, f, det);
    if (!rc) rc = add_accounts(w, f, ASH_WATCH_ADMIN);
    if (!rc) rc = add_files(w, f);
  } else if (!strcmp(h, "beacon")) {
    const char *inside;
    const char *relay = outside_ip(f, &inside);
    uint64_t nc = det ? (uint64_t)jint(det, "connections") : 1;
    /* the tunnel's sessions are these same connections: counted once */
    if (relay && ash_watchlist_has(w, ASH_WATCH_RELAY, relay, strlen(relay)))
      nc = 0;
    else if (!nc)
      nc = 1;
    if (relay) rc = add_cstr(w, ASH_WATCH_RELAY, relay, "", f, nc);
    if (!rc) rc = add_files(w, f);
  } else if (!strcmp(h, "loopback-rdp") || !strcmp(h, "rdp-relay")) {
    for (size_t i = 0; !rc && i < f->hosts.n; i++)
      rc = add_cstr(w, ASH_WATCH_LOOPBACK_HOST, f->hosts.v[i], "", f, 1);
    if (!rc) rc = add_accounts(w, f, ASH_WATCH_ADMIN);
    if (!rc) rc = add_files(w, f);
  } else if (!strcmp(h, "implant")) {
    const char *sha = det ? jstr(det, "sha256") : "";
    const char *path = f->files.n ? f->files.v[0] : "";
    if (is_hex64(sha)) rc = add_cstr(w, ASH_WATCH_SHA256, sha, path, f, 1);
    if (!rc) rc = add_files(w, f);
  } else {
    /* lolbin, sigma and hunts to come: the accounts that ran the
     * behaviour and any program of the intruder's own they name */
    rc = add_accounts(w, f, ASH_WATCH_ADMIN);
    if (!rc) rc = add_files(w, f);
  }
  /* A scan finding is dated by the file (its mtime, the PE's compile
   * time), which says when the copy was collected or built, not when the
   * intruder was here: copying a file resets its mtime and a compile time
   * is the author's to set. Only log records date the footprints. */
  for (int k = 0; !rc && !scan && k < 2; k++) rc = note_time(w, k ? f->last_seen : f->first_seen);
  /* Evidence is not all footprints: a past-incident-link cites the next
   * most likely account's contact and the linked account's everyday
   * logons beside the linked session. What it dates is its own span, and
   * the linked session's VPN login before it (the intruder was connected
   * before the tool was written). Other hunts date footprints by their
   * span, and their evidence inside it. */
  int link = !strcmp(h, "past-incident-link");
  for (size_t i = 0; !rc && !scan && i < f->nevidence; i++) {
    const ash_evidence *e = &f->evidence[i];
    if (e->ts == ASH_TIME_UNSET) continue;
    if (link ? e->kind && !strcmp(e->kind, "vpn.login") && f->first_seen != ASH_TIME_UNSET &&
                   e->ts <= f->first_seen && f->first_seen - e->ts <= ASH_DAY
             : f->first_seen != ASH_TIME_UNSET && f->last_seen != ASH_TIME_UNSET &&
                   e->ts >= f->first_seen && e->ts <= f->last_seen)
      rc = note_time(w, e->ts);
  }
  json_decref(det);
  return rc;
}

int ash_watchlist_add_finding(ash_watchlist *w, const ash_finding *f) {
  if (!w || !f || !f->hunt) return ASH_EUSAGE;
  if (w->priv->finished) return ASH_EUSAGE;
  if (f->score < ASH_WATCH_MIN_SCORE) return ASH_OK;
  if (strcmp(f->hunt, "beacon")) return take(w, f);
  /* a beacon waits for finish: see corroborate() */
  struct ash_watch_priv *p = w->priv;
  if (p->nb >= ASH_MAX_WATCH_ITEMS) {
    w->dropped++;
    return ASH_OK;
  }
  ash_finding *v = ash_array_room(p->beacons, &p->capb, p->nb, sizeof *v, 8);
  if (!v) return ASH_ENOMEM;
  p->beacons = v;
  ASH_TRY(ash_finding_copy(&p->beacons[p->nb], f));
  p->nb++;
  return ASH_OK;
}

/* A beacon's address is the intruder's when another hunt ties that same
 * address to the intrusion (the tunnel's relay, a VPN source): connections
 * on a schedule alone are what monitoring agents, updaters and backup
 * jobs keep too, and blocking one at the perimeter on that alone cuts a
 * service. The others are listed as unconfirmed, for a person to judge,
 * and neither blocked nor used to date the intrusion. */
static int corroborate(ash_watchlist *w) {
  struct ash_watch_priv *p = w->priv;
  for (size_t i = 0; i < p->nb; i++) {
    const ash_finding *f = &p->beacons[i];
    const char *inside;
    const char *relay = outside_ip(f, &inside);
    if (!relay) continue;
    size_t n = strlen(relay);
    if (ash_watchlist_has(w, ASH_WATCH_RELAY, relay, n) ||
        ash_watchlist_has(w, ASH_WATCH_VPN_SOURCE, relay, n)) {
      ASH_TRY(take(w, f));
    } else {
      char note[128];
      snprintf(note, sizeof note, "%s: %s", f->hosts.n ? f->hosts.v[0] : inside,
               "scheduled connections only; no other finding names this address");
      ASH_TRY(add_item(w, ASH_WATCH_UNCONFIRMED, relay, n, note, f->id, f->first_seen, f->last_seen,
                       1));
    }
  }
  return ASH_OK;
}

int ash_watchlist_add_vpn_login(ash_watchlist *w, ash_str user, ash_str src, int64_t ts) {
  if (!w || w->priv->finished) return ASH_EUSAGE;
  ash_str u = bare_account(user);
  if (!u.n || u.n >= sizeof((vpn_src *)0)->user) return ASH_OK;
  if (!ash_watchlist_has(w, ASH_WATCH_ACCOUNT, u.p, u.n)) return ASH_OK;
  ash_ip ip;
  if (ash_ip_parse(src, &ip)) return ASH_OK;
  char t[ASH_IP_STRLEN];
  ash_ip_format(&ip, t);
  struct ash_watch_priv *p = w->priv;
  for (size_t i = 0; i < p->n; i++) {
    vpn_src *v = &p->v[i];
    if (strcmp(v->ip, t) || !same(v->user, u.p, u.n)) continue;
    widen(&v->first, &v->last, ts, ts);
    v->count++;
    return ASH_OK;
  }
  if (p->n >= ASH_MAX_WATCH_ITEMS) {
    w->dropped++;
    return ASH_OK;
  }
  vpn_src *v = ash_array_room(p->v, &p->cap, p->n, sizeof *v, 16);
  if (!v) return ASH_ENOMEM;
  p->v = v;
  v = &p->v[p->n++];
  memset(v, 0, sizeof *v);
  memcpy(v->user, u.p, u.n);
  snprintf(v->ip, sizeof v->ip, "%s", t);
  v->first = v->last = ts;
  v->count = 1;
  return ASH_OK;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_item(const void *a, const void *b) {
  const ash_watch_item *x = a, *y = b;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  if (x->first_seen != y->first_seen) return x->first_seen < y->first_seen ? -1 : 1;
  return strcmp(x->value, y->value);
}

/* An account found first in an admin's role (a tunnel or loopback RDP
 * finding read before the past-incident link) and then linked: the
 * linked role is the stronger one (its own credential step, its VPN
 * sources watched), so the admin entry folds into it, cites and times
 * with it. add_accounts() keeps the other order from arising. */
static void fold_linked_admins(ash_watchlist *w) {
  for (size_t i = 0; i < w->n; i++) {
    ash_watch_item *it = &w->items[i];
    if (it->kind != ASH_WATCH_ADMIN) continue;
    for (size_t j = 0; j < w->n; j++) {
      ash_watch_item *acc = &w->items[j];
      if (acc->kind != ASH_WATCH_ACCOUNT || !same(acc->value, it->value, strlen(it->value)))
        continue;
      for (size_t c = 0; c < it->ncites; c++) cite(w, acc, it->cites[c]);
      widen(&acc->first_seen, &acc->last_seen, it->first_seen, it->last_seen);
      free(it->value);
      free(it->note);
      it->value = it->note = NULL;
      break;
    }
  }
  size_t k = 0;
  for (size_t i = 0; i < w->n; i++)
    if (w->items[i].value) w->items[k++] = w->items[i];
  w->n = k;
}

int ash_watchlist_finish(ash_watchlist *w) {
  if (!w || w->priv->finished) return ASH_EUSAGE;
  struct ash_watch_priv *p = w->priv;
  ASH_TRY(corroborate(w));
  p->finished = 1;
  /* A linked account's VPN login from an address the account had not
   * used before the intrusion's first footprint: the account's owner
   * logs in from the addresses the logs already show them using (home,
   * office, phone); an address that first appears once the intruder holds
   * the account is, as far as the logs can tell, the intruder's. When the
   * logs hold nothing from before the first footprint, no address can be
   * told apart this way and only the linked sessions' own sources (from
   * the finding) are listed, and one rule more: an address the account
   * used on one day only, when the same account also has an address it
   * comes back from over a week or more. Owners come from a few addresses
   * again and again (home, phone); an intruder's relays and rented servers
   * change with each return. A hotel address may be blocked this way too,
   * which costs its guest a call to the help desk; leaving a return of
   * the intruder open costs the network. */
  int history = 0;
  for (size_t i = 0; i < p->n; i++) history |= p->v[i].first < w->earliest;
  for (size_t i = 0; i < p->n; i++) {
    vpn_src *v = &p->v[i];
    if (w->earliest == ASH_TIME_UNSET || v->first < w->earliest) continue;
    if (!history) {
      v->one_off = 0;
      if (v->last - v->first >= ASH_DAY) continue;
      int owner = 0;
      for (size_t j = 0; j < p->n && !owner; j++)
        owner =
            j != i && !strcmp(p->v[j].user, v->user) && p->v[j].last - p->v[j].first >= 7 * ASH_DAY;
      if (!owner) continue;
      v->one_off = 1;
    }
    char note[160];
    snprintf(note, sizeof note, "%s", v->user);
    ASH_TRY(add_item(w, ASH_WATCH_VPN_SOURCE, v->ip, strlen(v->ip), note, "", v->first, v->last,
                     v->count));
  }
  /* the intruder's later sessions date footprints too (the return after a
   * silence is what the watch length is measured on) */
  for (size_t i = 0; i < p->n; i++)
    if (w->earliest != ASH_TIME_UNSET && p->v[i].first >= w->earliest &&
        (history || p->v[i].one_off)) {
      ASH_TRY(note_time(w, p->v[i].first));
      ASH_TRY(note_time(w, p->v[i].last));
    }
  /* sources named by the finding: give them the login counts */
  for (size_t i = 0; i < w->n; i++) {
    ash_watch_item *it = &w->items[i];
    if (it->kind != ASH_WATCH_VPN_SOURCE || it->count) continue;
    for (size_t j = 0; j < p->n; j++)
      if (!strcmp(p->v[j].ip, it->value)) {
        it->count += p->v[j].count;
        widen(&it->first_seen, &it->last_seen, p->v[j].first, p->v[j].last);
        if (!it->note[0]) {
          char *d = dupn(p->v[j].user, strlen(p->v[j].user));
          if (!d) return ASH_ENOMEM;
          free(it->note);
          it->note = d;
        }
      }
    if (!it->count) it->count = 1;
  }
  fold_linked_admins(w);
  if (w->n) qsort(w->items, w->n, sizeof *w->items, cmp_item);
  /* How long to watch. The longest quiet time between two footprints is
   * the longest the intruder has been seen to wait before coming back
   * (the scenario's eight months between the detected tool and the
   * ransomware): a watch that ends sooner ends before the next visit on
   * the intruder's own rhythm, so it lasts twice that. The floor of 90
   * days is policy, not a measurement: a short intrusion still leaves
   * accounts and relays an intruder may try a season later. 730 days
   * bounds it to what an organisation keeps watching in practice. */
  if (p->nts) qsort(p->ts, p->nts, sizeof *p->ts, cmp_i64);
  w->longest_gap = 0;
  for (size_t i = 1; i < p->nts; i++)
    if (p->ts[i] - p->ts[i - 1] > w->longest_gap) w->longest_gap = p->ts[i] - p->ts[i - 1];
  int64_t gap_days = (w->longest_gap + ASH_DAY - 1) / ASH_DAY;
  int64_t days = 2 * gap_days;
  if (days < 90) days = 90;
  if (days > 730) days = 730;
  w->watch_days = (int)days;
  return ASH_OK;
}

typedef struct build_u {
  ash_watchlist *w;
  int rc;
} build_u;

static int on_finding(void *u, const ash_finding *f) {
  build_u *b = u;
  b->rc = ash_watchlist_add_finding(b->w, f);
  return b->rc;
}

static int on_vpn(void *u, const ash_event *ev, const char *path, int rec, const char *attrs) {
  build_u *b = u;
  char t[ASH_IP_STRLEN];
  ash_ip_format(&ev->src_ip, t);
  b->rc = ash_watchlist_add_vpn_login(b->w, ev->user, ash_str_cstr(t), ev->ts);
  return b->rc;
}

int ash_watchlist_build(ash_store *s, ash_watchlist **out) {
  ash_watchlist *w;
  ASH_TRY(ash_watchlist_open(&w));
  build_u b = {w, 0};
  int rc = ash_store_findings(s, NULL, on_finding, &b);
  if (!rc) rc = b.rc;
  /* the VPN logins of each linked account only: an account's history is
   * small beside the case */
  for (size_t i = 0; !rc && i < w->n; i++) {
    if (w->items[i].kind != ASH_WATCH_ACCOUNT) continue;
    ash_event_query q;
    memset(&q, 0, sizeof q);
    q.kind = "vpn.login";
    q.user = w->items[i].value;
    q.since = q.until = ASH_TIME_UNSET;
    rc = ash_store_events(s, &q, on_vpn, &b);
    if (!rc) rc = b.rc;
  }
  if (!rc) rc = ash_watchlist_finish(w);
  if (rc) {
    ash_watchlist_close(w);
    return rc;
  }
  *out = w;
  return ASH_OK;
}

int ash_watchlist_has(const ash_watchlist *w, ash_watch_kind kind, const char *value, size_t n) {
  if (!w || !value) return 0;
  for (size_t i = 0; i < w->n; i++)
    if (w->items[i].kind == kind && same(w->items[i].value, value, n)) return 1;
  return 0;
}

/* ---- JSON */

static int jkey_str(ash_buf *o, const char *k, const char *v) {
  ASH_TRY(ash_buf_printf(o, "\"%s\":\"", k));
  ASH_TRY(ash_buf_add_json_str(o, v, strlen(v)));
  return ash_buf_addc(o, '"');
}

static int jkey_time(ash_buf *o, const char *k, int64_t t) {
  if (t == ASH_TIME_UNSET) return ASH_OK;
  char s[32];
  ash_time_format(t, s);
  return ash_buf_printf(o, ",\"%s\":\"%s\"", k, s);
}

static int item_json(const ash_watch_item *it, ash_buf *o) {
  ASH_TRY(ash_buf_addc(o, '{'));
  ASH_TRY(jkey_str(o, "value", it->value));
  if (it->note[0]) {
    ASH_TRY(ash_buf_addc(o, ','));
    ASH_TRY(jkey_str(o, "note", it->note));
  }
  ASH_TRY(jkey_time(o, "first_seen", it->first_seen));
  ASH_TRY(jkey_time(o, "last_seen", it->last_seen));
  ASH_TRY(ash_buf_printf(o, ",\"count\":%llu,\"findings\":[", (unsigned long long)it->count));
  for (size_t i = 0; i < it->ncites; i++) {
    ASH_TRY(ash_buf_adds(o, i ? ",\"" : "\""));
    ASH_TRY(ash_buf_add_json_str(o, it->cites[i], strlen(it->cites[i])));
    ASH_TRY(ash_buf_addc(o, '"'));
  }
  return ash_buf_adds(o, "]}");
}

int ash_watchlist_to_json(const ash_watchlist *w, ash_buf *o) {
  ASH_TRY(ash_buf_printf(o, "{\"watch_days\":%d", w->watch_days));
  ASH_TRY(jkey_time(o, "earliest", w->earliest));
  ASH_TRY(jkey_time(o, "latest", w->latest));
  ASH_TRY(ash_buf_printf(o, ",\"longest_gap_days\":%lld,\"findings_used\":%zu",
                         (long long)(w->longest_gap / ASH_DAY), w->findings_used));
  if (w->dropped) ASH_TRY(ash_buf_printf(o, ",\"dropped\":%llu", (unsigned long long)w->dropped));
  for (int k = 0; k < ASH_WATCH_NKINDS; k++) {
    ASH_TRY(ash_buf_printf(o, ",\"%s\":[", KIND_LISTS[k]));
    int first = 1;
    for (size_t i = 0; i < w->n; i++) {
      if (w->items[i].kind != (ash_watch_kind)k) continue;
      if (!first) ASH_TRY(ash_buf_addc(o, ','));
      first = 0;
      ASH_TRY(item_json(&w->items[i], o));
    }
    ASH_TRY(ash_buf_addc(o, ']'));
  }
  ASH_TRY(ash_buf_adds(o, ",\"tunnels\":["));
  for (size_t i = 0; i < w->ntunnels; i++) {
    const ash_watch_tunnel *t = &w->tunnels[i];
    ASH_TRY(ash_buf_adds(o, i ? ",{" : "{"));
    ASH_TRY(jkey_str(o, "host", t->host));
    ASH_TRY(ash_buf_addc(o, ','));
    ASH_TRY(jkey_str(o, "server_ip", t->server_ip));
    ASH_TRY(ash_buf_addc(o, ','));
    ASH_TRY(jkey_str(o, "relay_ip", t->relay_ip));
    ASH_TRY(ash_buf_printf(o, ",\"port\":%d,", t->port));
    ASH_TRY(jkey_str(o, "provider", t->provider));
    ASH_TRY(ash_buf_addc(o, ','));
    ASH_TRY(jkey_str(o, "region", t->region));
    ASH_TRY(ash_buf_addc(o, ','));
    ASH_TRY(jkey_str(o, "service", t->service));
    ASH_TRY(ash_buf_printf(o,
                           ",\"longest_s\":%lld,\"min_session_s\":%lld,\"sessions\":%llu,"
                           "\"days_active\":%d",
                           (long long)t->longest_s, (long long)t->min_session_s,
                           (unsigned long long)t->sessions, t->days_active));
    ASH_TRY(jkey_time(o, "first_seen", t->first_seen));
    ASH_TRY(jkey_time(o, "last_seen", t->last_seen));
    ASH_TRY(ash_buf_addc(o, ','));
    ASH_TRY(jkey_str(o, "finding", t->finding));
    ASH_TRY(ash_buf_addc(o, '}'));
  }
  return ash_buf_adds(o, "]}");
}
