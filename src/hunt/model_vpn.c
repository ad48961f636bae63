/* The shared VPN session model (issue 11 item 1, issue 19 item 2): one
 * list of sessions per run, built from every vendor's records as the
 * parsers store them:
 *   - vpn.login: FortiGate tunnel-up; ASA 113039 (parent session) and
 *     722051 (tunnel address assigned), 716001; PAN-OS GlobalProtect
 *     gateway-connected, and before 9.1 auth-succ / regist-succ /
 *     config-succ; the mapped format's connect;
 *   - vpn.logout: FortiGate tunnel-down and ASA 113019 (with duration and
 *     bytes), ASA 716002, PAN-OS gateway-logout / logout-succ;
 *   - vpn.session: a session seen in progress (FortiGate tunnel-stats and
 *     SSL-VPN statistics, ASA 722022/722023/722028/722037/734001 channel
 *     and DAP records).
 * Several logins of one connection (ASA 113039 then 722051; PAN-OS auth,
 * then config with the tunnel address) are one session: a login of the
 * same account from the same public address within JOIN of an open
 * session's start, that names no other tunnel address, joins it. Sessions
 * without an end are closed at the next login of the same tunnel address,
 * at their last record in progress, or OPEN_SESSION after their start,
 * and never past the last VPN record. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

/* A VPN session with no logout ends this long after its start. */
#define OPEN_SESSION (12 * ASH_HOUR)
/* Logins of one connection come within seconds of each other (ASA logs
 * 113039 and 722051 in the same second; PAN-OS's auth and config
 * records a few seconds apart). */
#define JOIN (2 * ASH_MIN)
/* A record in progress this soon after a logout belongs to the session
 * that just ended (ASA logs 722023 around its 113019). */
#define LATE (2 * ASH_MIN)

static int skip_account(const char *a) {
  static const char *const sys[] = {"",
                                    "-",
                                    "system",
                                    "local service",
                                    "network service",
                                    "anonymous logon",
                                    "localsystem",
                                    "n/a",
                                    "unknown",
                                    "nt authority"};
  for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++)
    if (!strcasecmp(a, sys[i])) return 1;
  size_t l = strlen(a);
  if (l && a[l - 1] == '$') return 1; /* computer accounts */
  if (!strncasecmp(a, "dwm-", 4) || !strncasecmp(a, "umfd-", 5)) return 1;
  return 0;
}

int hunt_is_service_account(const char *bare) { return skip_account(bare); }

int hunt_account_id(hunt_ctx *c, const char *raw, uint32_t *id) {
  *id = UINT32_MAX;
  if (!raw) return ASH_OK;
  char a[128];
  hunt_bare_account(raw, strlen(raw), a, sizeof a);
  if (skip_account(a)) return ASH_OK;
  if (!c->accounts_init) {
    ash_strtab_init(&c->accounts, ASH_MAX_HUNT_VPN);
    c->accounts_init = 1;
  }
  int rc = ash_strtab_intern(&c->accounts, a, strlen(a), id);
  if (rc == ASH_ELIMIT) {
    /* past the cap an account is not followed; the run says so */
    c->capped |= HUNT_CAP_ACCOUNTS;
    *id = UINT32_MAX;
    return ASH_OK;
  }
  return rc;
}

const char *hunt_account_name(const hunt_ctx *c, uint32_t id) {
  const char *s = ash_strtab_str(&c->accounts, id);
  return s ? s : "?";
}

static int session_add(hunt_vpn *v, hunt_vpn_session **out) {
  *out = NULL;
  if (v->ns >= ASH_MAX_HUNT_VPN) return ASH_ELIMIT;
  hunt_vpn_session *s = ash_array_room(v->s, &v->caps, v->ns, sizeof *s, 1024);
  if (!s) return ASH_ENOMEM;
  v->s = s;
  *out = &v->s[v->ns++];
  memset(*out, 0, sizeof **out);
  (*out)->bytes_out = (*out)->bytes_in = -1;
  return ASH_OK;
}

static void add_record(hunt_vpn_session *s, int64_t id) {
  for (unsigned i = 0; i < s->nrec; i++)
    if (s->rec[i] == id) return;
  if (s->nrec < HUNT_VPN_RECS) s->rec[s->nrec++] = id;
}

static void take_bytes(hunt_vpn_session *s, int64_t out, int64_t in) {
  /* the records carry totals so far: the largest is the session's */
  if (out > s->bytes_out) s->bytes_out = out;
  if (in > s->bytes_in) s->bytes_in = in;
}

/* Keep a country name the log gave; "Reserved" (FortiGate's word for
 * private and documentation space), "N/A" and empty say nothing. */
static void set_country(hunt_vpn_session *s, const char *c) {
  if (!c || !c[0] || !strcasecmp(c, "reserved") || !strcasecmp(c, "n/a") || !strcmp(c, "-") ||
      !strcasecmp(c, "unknown"))
    return;
  size_t n = strlen(c);
  if (n >= sizeof s->country) n = sizeof s->country - 1;
  memcpy(s->country, c, n);
  s->country[n] = 0;
}

static int cmp_start(const void *a, const void *b) {
  const hunt_vpn_session *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  int64_t ix = x->login_id ? x->login_id : x->rec[0], iy = y->login_id ? y->login_id : y->rec[0];
  return ix < iy ? -1 : ix > iy;
}

static int cmp_tunnel(const void *a, const void *b, void *u) {
  const hunt_vpn *v = u;
  const hunt_vpn_session *x = &v->s[*(const uint32_t *)a], *y = &v->s[*(const uint32_t *)b];
  int c = memcmp(x->tunnel.b, y->tunnel.b, 16);
  if (c) return c;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* The account's latest session, open or (with ended) ended within LATE
 * before ts, among the last 256 sessions. */
static hunt_vpn_session *latest_of(hunt_vpn *v, uint32_t user, int64_t ts, int ended) {
  for (size_t i = v->ns; i-- > 0 && i + 256 >= v->ns;) {
    hunt_vpn_session *s = &v->s[i];
    if (s->user != user) continue;
    if (s->open || (ended && ts - s->end <= LATE && ts >= s->start)) return s;
  }
  return NULL;
}

/* May a login at ts from remote (tunnel: NULL when none) join open
 * session j of the same account? Within JOIN of its start, from the same
 * public address (or one side does not say), naming no other tunnel. */
static int joins(const hunt_vpn_session *j, int64_t ts, const ash_ip *remote, const ash_ip *tun) {
  if (!j->open || ts - j->start > JOIN) return 0;
  if (j->remote.fam && remote->fam && !ash_ip_eq(&j->remote, remote)) return 0;
  return !j->tunnel.fam || !tun || ash_ip_eq(&j->tunnel, tun);
}

/* Is the set of the account's earlier sources new? (account, address)
 * pairs as 4 + 17 byte keys. */
typedef struct seen_key {
  uint32_t user;
  ash_ip ip;
  uint8_t pad[3];
} seen_key;

static int first_seen(ash_keymap *m, uint32_t user, const ash_ip *ip, uint8_t *is_new) {
  seen_key k;
  memset(&k, 0, sizeof k);
  k.user = user;
  k.ip = *ip;
  int fresh = 0;
  int rc = ash_keymap_put(m, &k, NULL, &fresh);
  *is_new = rc == ASH_OK && fresh;
  return rc;
}

typedef struct build_ctx {
  hunt_ctx *c;
  hunt_vpn *v;
  ash_keymap open; /* tunnel address -> index + 1 of the session holding it */
  int64_t last_ts;
} build_ctx;

/* One VPN record, in (ts, id) order, into the sessions. ASH_ESTOP at the
 * cap (later sessions are not followed; c->capped says so). */
static int on_record(void *u, const ash_vpn_event *e) {
  build_ctx *B = u;
  hunt_ctx *c = B->c;
  hunt_vpn *v = B->v;
  int64_t id = e->id, ts = e->ts;
  if (ts == ASH_TIME_UNSET || !e->kind) return ASH_OK;
  B->last_ts = ts;
  uint32_t user;
  ASH_TRY(hunt_account_id(c, e->user, &user));
  ash_ip remote = e->remote, tun = e->tunnel;
  int have_tun = tun.fam != 0;
  int64_t dur = e->duration == ASH_UNSET ? -1 : e->duration;
  int64_t bo = e->bytes_out == ASH_UNSET ? -1 : e->bytes_out;
  int64_t bi = e->bytes_in == ASH_UNSET ? -1 : e->bytes_in;
  int64_t *slot = NULL;
  int rc;
  if (have_tun && (rc = ash_keymap_put(&B->open, &tun, (void **)&slot, NULL))) return rc;
  hunt_vpn_session *o = slot && *slot ? &v->s[*slot - 1] : NULL;
  if (e->kind == ASH_VPN_LOGIN) {
    if (user == UINT32_MAX) return ASH_OK;
    /* a second login of the same connection: the session holding the
     * tunnel address, else the account's latest open one */
    hunt_vpn_session *j = o && o->user == user && joins(o, ts, &remote, have_tun ? &tun : NULL)
                              ? o
                              : latest_of(v, user, ts, 0);
    if (j && joins(j, ts, &remote, have_tun ? &tun : NULL)) {
      if (!j->remote.fam) j->remote = remote;
      if (!j->country[0]) set_country(j, e->country);
      if (!j->tunnel.fam && have_tun) {
        j->tunnel = tun;
        if (o && o != j && o->open) {
          /* the address was handed out again: its previous holder left */
          o->end = ts;
          o->open = 0;
        }
        *slot = (int64_t)(j - v->s) + 1;
      }
      add_record(j, id);
      return ASH_OK;
    }
    if (o) {
      /* the address was handed out again: its previous holder left */
      if (o->open) o->end = ts;
      o->open = 0;
      *slot = 0;
    }
    hunt_vpn_session *s;
    rc = session_add(v, &s);
    if (rc == ASH_ELIMIT) {
      c->capped |= HUNT_CAP_VPN; /* later sessions are not followed */
      return ASH_ESTOP;
    }
    if (rc) return rc;
    s->user = user;
    s->remote = remote;
    s->tunnel = tun;
    s->start = ts;
    s->end = ts + OPEN_SESSION;
    s->login_id = id;
    s->open = 1;
    set_country(s, e->country);
    add_record(s, id);
    if (slot) *slot = (int64_t)(s - v->s) + 1;
    return ASH_OK;
  }
  int logout = e->kind == ASH_VPN_LOGOUT;
  if (o && user != UINT32_MAX && o->user != user) o = NULL;
  if (o && !o->open && !(!logout && ts - o->end <= LATE)) o = NULL;
  if (!o && user != UINT32_MAX) /* no tunnel address on the record: the account's latest open one */
    o = latest_of(v, user, ts, !logout);
  if (o && logout) {
    o->end = ts;
    o->logout_id = id;
    o->open = 0;
    take_bytes(o, bo, bi);
    add_record(o, id);
    if (o->tunnel.fam) {
      int64_t *os = ash_keymap_get(&B->open, &o->tunnel);
      if (os && *os == (int64_t)(o - v->s) + 1) *os = 0;
    }
  } else if (o) {
    /* in progress: the session was up at ts */
    if (o->open && ts > o->seen) o->seen = ts;
    if (!o->tunnel.fam && have_tun) {
      o->tunnel = tun;
      if (slot) *slot = (int64_t)(o - v->s) + 1;
    }
    take_bytes(o, bo, bi);
    add_record(o, id);
  } else if (user != UINT32_MAX && (dur > 0 || !logout)) {
    /* its login fell before the logs: the record says when it began */
    hunt_vpn_session *s;
    rc = session_add(v, &s);
    if (rc == ASH_ELIMIT) {
      c->capped |= HUNT_CAP_VPN;
      return ASH_ESTOP;
    }
    if (rc) return rc;
    s->user = user;
    s->remote = remote;
    s->tunnel = tun;
    s->start = dur > 0 ? ts - dur : ts;
    take_bytes(s, bo, bi);
    add_record(s, id);
    if (logout) {
      s->end = ts;
      s->logout_id = id;
    } else {
      s->end = s->start + OPEN_SESSION;
      s->seen = ts;
      s->open = 1;
      if (slot) *slot = (int64_t)(s - v->s) + 1;
    }
  }
  return ASH_OK;
}

static int build(hunt_ctx *c, hunt_vpn *v) {
  build_ctx B = {.c = c, .v = v, .last_ts = 0};
  ash_keymap_init(&B.open, sizeof(ash_ip), sizeof(int64_t), 0);
  int rc = ash_store_vpn_events(c->store, on_record, &B);
  if (rc == ASH_ESTOP) rc = ASH_OK;
  ash_keymap_free(&B.open);
  if (rc) return rc;
  int64_t last_ts = B.last_ts;
  for (size_t i = 0; i < v->ns; i++) {
    hunt_vpn_session *s = &v->s[i];
    if (!s->open) continue;
    if (s->seen > s->end) s->end = s->seen; /* seen in progress past the cap */
    if (s->end > last_ts && last_ts > s->start) s->end = last_ts;
  }
  /* in start order: was the source address (network) new for the account */
  if (v->ns) qsort(v->s, v->ns, sizeof *v->s, cmp_start);
  ash_keymap sa, sn;
  ash_keymap_init(&sa, sizeof(seen_key), 0, 0);
  ash_keymap_init(&sn, sizeof(seen_key), 0, 0);
  size_t nusers = c->accounts.n ? c->accounts.n : 1;
  uint32_t *count = calloc(nusers, sizeof *count);
  if (!count) rc = ASH_ENOMEM;
  for (size_t i = 0; i < v->ns && !rc; i++) {
    hunt_vpn_session *s = &v->s[i];
    s->nprev = s->user < nusers ? count[s->user]++ : 0;
    if (!s->remote.fam) continue;
    ash_ip net = s->remote;
    if (net.fam == 4)
      net.b[15] = 0;
    else
      memset(net.b + 6, 0, 10);
    rc = first_seen(&sa, s->user, &s->remote, &s->new_src);
    if (!rc) rc = first_seen(&sn, s->user, &net, &s->new_net);
  }
  free(count);
  ash_keymap_free(&sa);
  ash_keymap_free(&sn);
  if (rc) return rc;
  v->by_tunnel = malloc((v->ns ? v->ns : 1) * sizeof *v->by_tunnel);
  if (!v->by_tunnel) return ASH_ENOMEM;
  v->nbt = 0;
  for (size_t i = 0; i < v->ns; i++)
    if (v->s[i].tunnel.fam) v->by_tunnel[v->nbt++] = (uint32_t)i;
  qsort_r(v->by_tunnel, v->nbt, sizeof *v->by_tunnel, cmp_tunnel, v);
  return ASH_OK;
}

void hunt_vpn_free(hunt_vpn *v) {
  if (!v) return;
  free(v->s);
  free(v->by_tunnel);
  free(v);
}

int hunt_vpn_sessions(hunt_ctx *c, const hunt_vpn **out) {
  if (!c->vpn) {
    hunt_vpn *v = calloc(1, sizeof *v);
    if (!v) return ASH_ENOMEM;
    int rc = build(c, v);
    if (rc) {
      hunt_vpn_free(v);
      return rc;
    }
    c->vpn = v;
  }
  *out = c->vpn;
  return ASH_OK;
}

int32_t hunt_vpn_at(const hunt_vpn *v, const ash_ip *ip, int64_t t) {
  size_t lo = 0, hi = v->nbt;
  /* first entry with tunnel >= ip */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (memcmp(v->s[v->by_tunnel[mid]].tunnel.b, ip->b, 16) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  int32_t best = -1;
  for (size_t i = lo; i < v->nbt; i++) {
    const hunt_vpn_session *s = &v->s[v->by_tunnel[i]];
    if (memcmp(s->tunnel.b, ip->b, 16)) break;
    if (s->start > t + 2 * ASH_MIN) break;
    if (t <= s->end + 2 * ASH_MIN) best = (int32_t)v->by_tunnel[i];
  }
  return best;
}
