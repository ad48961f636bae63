/* The shared models of host names: which host holds which internal
 * address (learnt from the case once per run), and the RDP logons that
 * come from the host itself. See hunt_internal.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

/* ---- host map ---- */

/* What the map knows of one address. */
typedef struct hentry {
  uint32_t weight;
  int banned; /* a VPN tunnel address: held by whoever connects, no host */
  char host[64];
} hentry;

/* ash_ip -> hentry, in the order the addresses were learnt. */
struct hostmap {
  ash_keymap m;
};

/* The entry of ip, added empty when new. NULL when the map is at its cap
 * (ASH_MAX_HUNT_HOSTS: addresses past it are not named); *rc says
 * ASH_ENOMEM. */
static hentry *hm_put(hostmap *m, const ash_ip *ip, int *fresh, int *rc) {
  ash_ip key;
  memset(&key, 0, sizeof key);
  key = *ip;
  void *v = NULL;
  int r = ash_keymap_put(&m->m, &key, &v, fresh);
  *rc = r == ASH_ELIMIT ? ASH_OK : r;
  return r ? NULL : v;
}

int hostmap_learn(hostmap *m, const ash_ip *ip, const char *host, uint32_t weight) {
  if (!ip->fam || !host || !*host || ash_ip_is_loopback(ip)) return ASH_OK;
  char h[64];
  hunt_short_host(host, strlen(host), h, sizeof h);
  ash_ip tmp;
  /* a name that is itself an address names nothing */
  if (!h[0] || !strcmp(h, "-") || ash_ip_parse(ash_str_cstr(h), &tmp) == ASH_OK) return ASH_OK;
  int fresh, rc;
  hentry *e = hm_put(m, ip, &fresh, &rc);
  if (!e) return rc;
  if (!fresh && (e->banned || e->weight >= weight)) return ASH_OK;
  e->weight = weight;
  snprintf(e->host, sizeof e->host, "%s", h);
  return ASH_OK;
}

const char *hostmap_name(const hostmap *m, const ash_ip *ip) {
  if (!m || !ip->fam) return NULL;
  const hentry *e = ash_keymap_get(&m->m, ip);
  return e && !e->banned ? e->host : NULL;
}

size_t hostmap_ips(const hostmap *m, const char *host, ash_ip *out, size_t max) {
  size_t k = 0;
  if (!m) return 0;
  for (size_t i = 0; i < m->m.n && k < max; i++) {
    const hentry *e = ash_keymap_val(&m->m, i);
    if (!e->banned && !strcmp(e->host, host))
      memcpy(&out[k++], ash_keymap_key(&m->m, i), sizeof *out);
  }
  return k;
}

/* Learn (name, address, count) rows of a query. lower_dollar: the name is
 * a computer account ("APP02$"). */
/* SQL: the text form of address column c (IPv4 as an integer) or c6 (any
 * other, as text) of the flows table under alias a (schema in store.h), as
 * the events view gives it. */
#define FLOW_IP_TEXT(a, c, c6)                                                                     \
  "coalesce(" a "." c6 ",(" a "." c ">>24)||'.'||((" a "." c ">>16)&255)||'.'||((" a "." c         \
  ">>8)&255)||'.'||(" a "." c "&255))"

/* The firewall's name fields of the flows (see below), the typed flows by
 * their attribute shape first: a flow whose keys hold none of the names
 * is never rebuilt as JSON (through the events view every one would be). */
static const char FLOW_NAMES_SQL[] =
    "WITH k(id) AS (SELECT id FROM attr_shapes WHERE instr('\"'||keys||'\"','\"srcname\"')>0"
    " OR instr('\"'||keys||'\"','\"dstname\"')>0 OR instr('\"'||keys||'\"','\"src_host\"')>0"
    " OR instr('\"'||keys||'\"','\"dst_host\"')>0),"
    " r(src_ip,dst_ip,attrs) AS (SELECT src_ip,dst_ip,attrs FROM events_wide"
    " WHERE kind='net.flow' UNION ALL SELECT " FLOW_IP_TEXT("f", "src", "src6") "," FLOW_IP_TEXT(
        "f", "dst",
        "dst6") ",CASE WHEN f.shape IS NULL THEN f.attrs"
                " ELSE ash_attrs(s.keys,f.vals) END FROM flows f LEFT JOIN attr_shapes s ON "
                "s.id=f.shape"
                " WHERE f.flags&4=0 AND (f.shape IN k OR (f.shape IS NULL AND f.attrs IS NOT "
                "NULL))),"
                " f AS MATERIALIZED (SELECT src_ip,dst_ip,attrs FROM r WHERE attrs IS NOT NULL AND"
                " (instr(attrs,'\"srcname\"')>0 OR instr(attrs,'\"dstname\"')>0 OR"
                " instr(attrs,'\"src_host\"')>0 OR instr(attrs,'\"dst_host\"')>0) AND "
                "json_valid(attrs))"
                " SELECT n,a,count(*) FROM (SELECT coalesce(json_extract(attrs,'$.srcname'),"
                "json_extract(attrs,'$.src_host')) n,src_ip a FROM f UNION ALL SELECT"
                " coalesce(json_extract(attrs,'$.dstname'),json_extract(attrs,'$.dst_host')),"
                "dst_ip FROM f) WHERE n IS NOT NULL AND a IS NOT NULL GROUP BY 1,2";

static int learn_rows(hunt_ctx *c, hostmap *m, const char *sql, int computer) {
  sqlite3_stmt *st;
  int rc = hunt_prepare(c, sql, &st);
  if (rc) return rc;
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = hunt_col_text(st, 0);
    ash_ip ip;
    if (!name || !hunt_col_ip(st, 1, &ip) || !ash_ip_is_private(&ip)) continue;
    char h[64];
    snprintf(h, sizeof h, "%s", name);
    if (computer) {
      size_t l = strlen(h);
      if (!l || h[l - 1] != '$') continue;
      h[l - 1] = 0;
    }
    int64_t n = sqlite3_column_int64(st, 2);
    rc = hostmap_learn(m, &ip, h, (uint32_t)(n > 1000000 ? 1000000 : n) + (computer ? 1000 : 0));
    if (rc) break;
  }
  if (!rc && r != SQLITE_DONE) rc = ASH_ESTORE;
  sqlite3_finalize(st);
  return rc;
}

int hunt_hosts(hunt_ctx *c, hostmap **out) {
  if (c->hosts) {
    *out = c->hosts;
    return ASH_OK;
  }
  hostmap *m = calloc(1, sizeof *m);
  if (!m) return ASH_ENOMEM;
  ash_keymap_init(&m->m, sizeof(ash_ip), sizeof(hentry), ASH_MAX_HUNT_HOSTS);
  int rc = ASH_OK;
  /* VPN tunnel addresses go to whoever connects: they name no host, and
   * a logon from one is not a logon from the host itself */
  sqlite3_stmt *tv = NULL;
  if (!rc)
    rc = hunt_prepare(c,
                      "SELECT DISTINCT tunnel_ip FROM events_wide WHERE kind IN"
                      " ('vpn.login','vpn.logout','vpn.session') AND tunnel_ip IS NOT NULL",
                      &tv);
  int tr = SQLITE_DONE;
  while (!rc && (tr = sqlite3_step(tv)) == SQLITE_ROW) {
    ash_ip ip;
    if (!hunt_col_ip(tv, 0, &ip)) continue;
    int fresh;
    hentry *e = hm_put(m, &ip, &fresh, &rc);
    if (e) e->banned = 1;
  }
  if (!rc && tr != SQLITE_DONE) rc = ASH_ESTORE;
  sqlite3_finalize(tv);
  /* Sysmon 3 / 5156: a host's own address is on every one of its
   * connections, as source or destination; a peer's on a few. Count both
   * sides and keep, per host, the addresses on at least half of them. */
  sqlite3_stmt *st = NULL;
  if (!rc)
    rc = hunt_prepare(c,
                      "WITH x(h,a) AS (SELECT lower(host),src_ip FROM events_wide WHERE"
                      " kind='win.netconn' AND host IS NOT NULL UNION ALL SELECT lower(host),"
                      "dst_ip FROM events_wide WHERE kind='win.netconn' AND host IS NOT NULL),"
                      " t(h,n) AS (SELECT lower(host),count(*) FROM events_wide WHERE"
                      " kind='win.netconn' AND host IS NOT NULL GROUP BY 1)"
                      " SELECT x.h,x.a,count(*),t.n FROM x JOIN t ON t.h=x.h WHERE x.a IS NOT"
                      " NULL GROUP BY x.h,x.a",
                      &st);
  int r = SQLITE_DONE;
  while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
    ash_ip ip;
    const char *h = hunt_col_text(st, 0);
    int64_t n = sqlite3_column_int64(st, 2), tot = sqlite3_column_int64(st, 3);
    if (!h || !hunt_col_ip(st, 1, &ip) || !ash_ip_is_private(&ip) || n * 2 < tot) continue;
    rc = hostmap_learn(m, &ip, h, (uint32_t)(n > 1000000 ? 1000000 : n) + 2000);
  }
  if (!rc && r != SQLITE_DONE) rc = ASH_ESTORE;
  sqlite3_finalize(st);
  if (!rc)
    rc = learn_rows(c, m,
                    "SELECT user,src_ip,count(*) FROM events_wide WHERE kind='win.logon' AND"
                    " user LIKE '%$' AND src_ip IS NOT NULL GROUP BY user,src_ip",
                    1);
  /* the workstation name a network logon names its source with (an RDP
   * logon's WorkstationName is often the target itself: not used) */
  if (!rc)
    rc =
        learn_rows(c, m,
                   "SELECT json_extract(attrs,'$.WorkstationName'),src_ip,count(*) FROM events_wide"
                   " WHERE kind='win.logon' AND logon_type=3 AND src_ip IS NOT NULL"
                   " AND instr(attrs,'WorkstationName')>0 AND json_valid(attrs) GROUP BY 1,2",
                   0);
  /* the firewall's own name fields: FortiGate's srcname/dstname (device
   * identification from DHCP and NetBIOS) and PAN-OS's src_host/dst_host
   * (Device-ID). A guess of the firewall's, so below the Windows sources;
   * FortiGate puts the address itself there when it knows no name, which
   * hostmap_learn ignores. One scan of the flows that carry such a key. */
  if (!rc) rc = learn_rows(c, m, FLOW_NAMES_SQL, 0);
  if (rc) {
    hunt_hostmap_free(m);
    return rc;
  }
  c->hosts = m;
  *out = m;
  return ASH_OK;
}

void hunt_hostmap_free(hostmap *m) {
  if (!m) return;
  ash_keymap_free(&m->m);
  free(m);
}

/* ---- loopback RDP ---- */

static const char *rdp_what(const char *kind, int64_t eid, int64_t lt) {
  if (kind && !strcmp(kind, "win.logon"))
    return lt == 12 ? "4624 LogonType 12 (cached RDP)" : "4624 LogonType 10 (RDP)";
  switch (eid) {
  case 1149: return "1149 RDP authentication (RemoteConnectionManager)";
  case 21: return "LSM 21 RDP session logon";
  case 22: return "LSM 22 RDP shell start";
  case 24: return "LSM 24 RDP session disconnected";
  case 25: return "LSM 25 RDP session reconnected";
  case 131: return "RdpCoreTS 131 RDP connection accepted";
  default: return NULL;
  }
}

/* Does the record's own text show a loopback source the address column
 * may have lost: "::%16777216" (IPv6 loopback with its interface index
 * byte-swapped, as LocalSessionManager writes it) or a bare "::%..."? */
static int attrs_loopback(const char *a) {
  if (!a) return 0;
  return strstr(a, "%16777216") || strstr(a, "\"::%") || strstr(a, "\"127.0.0.1") ||
         strstr(a, "\"::1\"") || strstr(a, "\"::1:");
}

static int cmp_loop(const void *x, const void *y) {
  const rdp_loop *a = x, *b = y;
  if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
  return a->id < b->id ? -1 : a->id > b->id;
}

int hunt_loopback_rdp(hunt_ctx *c, const rdp_loop **out, size_t *n) {
  if (c->loops_done) {
    *out = c->loops;
    *n = c->nloops;
    return ASH_OK;
  }
  hostmap *hm;
  int rc = hunt_hosts(c, &hm);
  sqlite3_stmt *st = NULL;
  if (!rc)
    rc = hunt_prepare(
        c,
        "SELECT id,ts,kind,host,user,src_ip,logon_type,event_id,attrs FROM events_wide"
        " WHERE kind='win.logon' AND logon_type IN (10,12)"
        " UNION ALL SELECT id,ts,kind,host,user,src_ip,logon_type,event_id,attrs"
        " FROM events_wide WHERE kind='win.rdp' AND event_id IN (1149,21,22,24,25,131)",
        &st);
  size_t cap = 0;
  int r = SQLITE_DONE;
  while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *kind = hunt_col_text(st, 2), *host = hunt_col_text(st, 3);
    const char *user = hunt_col_text(st, 4), *src = hunt_col_text(st, 5);
    const char *attrs = hunt_col_text(st, 8);
    int64_t lt = hunt_col_i64(st, 6, -1), eid = hunt_col_i64(st, 7, -1);
    const char *what = rdp_what(kind, eid, lt);
    if (!what || !host) continue;
    char h[64];
    hunt_short_host(host, strlen(host), h, sizeof h);
    ash_ip ip;
    int have = src && ash_ip_parse(ash_str_cstr(src), &ip) == ASH_OK;
    static const uint8_t zero[16];
    int loop = 0;
    if (have && ash_ip_is_loopback(&ip))
      loop = 1;
    else if (have && ip.fam == 6 && !memcmp(ip.b, zero, 16))
      loop = 1; /* "::%16777216" reads as "::" once the zone is dropped */
    else if (have) {
      const char *owner = hostmap_name(hm, &ip);
      loop = owner && !strcmp(owner, h);
    } else {
      loop = attrs_loopback(attrs);
    }
    if (!loop) continue;
    if (c->nloops >= ASH_MAX_HUNT_RDP) break;
    rdp_loop *v = ash_array_room(c->loops, &cap, c->nloops, sizeof *v, 64);
    if (!v) {
      rc = ASH_ENOMEM;
      break;
    }
    c->loops = v;
    rdp_loop *e = &c->loops[c->nloops++];
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    e->ts = hunt_col_i64(st, 1, ASH_TIME_UNSET);
    e->event_id = eid;
    e->logon_type = lt;
    e->what = what;
    snprintf(e->host, sizeof e->host, "%s", h);
    if (user) hunt_bare_account(user, strlen(user), e->user, sizeof e->user);
    if (have)
      ash_ip_format(&ip, e->addr);
    else
      snprintf(e->addr, sizeof e->addr, "::%%16777216");
  }
  if (!rc && r != SQLITE_DONE && r != SQLITE_ROW) rc = ASH_ESTORE;
  sqlite3_finalize(st);
  if (rc) return rc;
  if (c->nloops) qsort(c->loops, c->nloops, sizeof *c->loops, cmp_loop);
  c->loops_done = 1;
  *out = c->loops;
  *n = c->nloops;
  return ASH_OK;
}
