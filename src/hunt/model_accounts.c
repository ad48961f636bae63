/* The shared model of per-account history: for each account and host,
 * on how many days it logged on there, since when, and by which kinds of
 * logon; for each account, the hours of the day it logs on at and the
 * source addresses it logs on from. Built once per run in one pass over
 * the logons. What a "normal" use of a host is for an account is judged
 * against this (issue 11 item 2). */
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

typedef struct ah_key {
  uint32_t account;
  char host[64];
} ah_key;

typedef struct src_key {
  uint32_t account;
  ash_ip ip;
  uint8_t pad[3];
} src_key;

static int kind_bit(int rdp_ev, int64_t lt) {
  if (rdp_ev) return HUNT_KIND_RDP_EVENT;
  return lt >= 0 && lt < 16 ? 1 << lt : 0;
}

/* Accounts named the way organisations name their separate admin accounts
 * (the tiered model: "adm-t.sato", "t.sato_adm", "admin.sato",
 * "Administrator"): nobody else gets such a name. */
static int admin_name(const char *a) {
  size_t n = strlen(a);
  if (strstr(a, "admin")) return 1;
  if (n > 4 && !strncmp(a, "adm", 3) && strchr("-_.", a[3])) return 1;
  if (n > 4 && !strcmp(a + n - 3, "adm") && strchr("-_.", a[n - 4])) return 1;
  return 0;
}

static int priv_add(hunt_accounts *a, uint32_t user, uint32_t bit) {
  uint32_t *v;
  int rc = ash_keymap_put(&a->priv, &user, (void **)&v, NULL);
  if (rc == ASH_ELIMIT) return ASH_OK;
  if (!rc) *v |= bit;
  return rc;
}

/* Domain controllers and the accounts given special privileges at logon:
 * Kerberos ticket requests (4768 TGT, 4769 service ticket, 4771 failed
 * pre-authentication) are logged by the domain controllers alone; 4672 is
 * logged for each logon of an account holding sensitive privileges
 * (SeDebug, SeBackup, SeTcb, ...), which only administrators and the
 * system have. */
typedef struct build_ctx {
  hunt_ctx *c;
  hunt_accounts *a;
} build_ctx;

static int on_role(void *u, int role, const char *name) {
  build_ctx *B = u;
  if (role == ASH_ROLE_DC) {
    char k[64] = {0};
    hunt_short_host(name, strlen(name), k, sizeof k);
    int rc = k[0] ? ash_keymap_put(&B->a->dcs, k, NULL, NULL) : ASH_OK;
    return rc == ASH_ELIMIT ? ASH_OK : rc;
  }
  uint32_t user;
  int rc = hunt_account_id(B->c, name, &user);
  if (!rc && user != UINT32_MAX) rc = priv_add(B->a, user, HUNT_PRIV_4672);
  return rc;
}

static int on_logon(void *u, const ash_logon *l) {
  build_ctx *B = u;
  hunt_ctx *c = B->c;
  hunt_accounts *a = B->a;
  int64_t ts = l->ts;
  if (ts == ASH_TIME_UNSET || !l->host) return ASH_OK;
  int64_t lt = l->logon_type == ASH_UNSET ? -1 : l->logon_type;
  int rdp_ev = l->rdp;
  /* service, batch and network-cleartext logons say nothing of who uses a
   * host; an unlock (7) says the user was there */
  if (!rdp_ev && lt != 2 && lt != 3 && lt != 7 && lt != 10 && lt != 11 && lt != 12) return ASH_OK;
  uint32_t user;
  int rc = hunt_account_id(c, l->user, &user);
  if (rc || user == UINT32_MAX) return rc;
  ah_key k;
  memset(&k, 0, sizeof k);
  k.account = user;
  hunt_short_host(l->host, strlen(l->host), k.host, sizeof k.host);
  if (!k.host[0]) return ASH_OK;
  /* the Default Domain Controllers Policy lets only Administrators and the
   * operator groups log on to a domain controller at its console or by
   * RDP: whoever does is an admin */
  if (admin_name(hunt_account_name(c, user)) && (rc = priv_add(a, user, HUNT_PRIV_NAME))) return rc;
  if ((rdp_ev || lt == 2 || lt == 10 || lt == 11 || lt == 12) && ash_keymap_get(&a->dcs, k.host) &&
      (rc = priv_add(a, user, HUNT_PRIV_DC)))
    return rc;
  int64_t *hf;
  int hfresh;
  int hrc = ash_keymap_put(&a->host_first, k.host, (void **)&hf, &hfresh);
  if (hrc == ASH_ELIMIT)
    c->capped |= HUNT_CAP_ACCOUNTS;
  else if (hrc)
    return hrc;
  else if (hfresh || ts < *hf)
    *hf = ts;
  hunt_account_host *e;
  int fresh;
  int urc = ash_keymap_put(&a->hosts, &k, (void **)&e, &fresh);
  if (urc == ASH_ELIMIT) { /* past the cap a pair is not counted */
    c->capped |= HUNT_CAP_ACCOUNTS;
    return ASH_OK;
  }
  if (urc) return urc;
  if (fresh) {
    e->last_day = INT32_MIN;
    e->first = INT64_MAX;
    e->first_rdp = INT64_MAX;
  }
  int32_t day = (int32_t)(ts / ASH_DAY);
  if (day != e->last_day) e->days++, e->last_day = day;
  if (ts < e->first) e->first = ts;
  e->kinds |= (uint32_t)kind_bit(rdp_ev, lt);
  if ((rdp_ev || lt == 10 || lt == 12) && ts < e->first_rdp) e->first_rdp = ts;
  hunt_account_hourly *hours;
  if ((rc = ash_keymap_put(&a->hours, &user, (void **)&hours, NULL)) == ASH_ELIMIT)
    rc = ASH_OK;
  else if (!rc) {
    hours->n[(ts % ASH_DAY + ASH_DAY) % ASH_DAY / ASH_HOUR]++;
    hours->total++;
  }
  if (rc) return rc;
  src_key sk;
  memset(&sk, 0, sizeof sk);
  sk.account = user;
  if (l->src.fam) {
    sk.ip = l->src;
    rc = ash_keymap_put(&a->sources, &sk, NULL, NULL);
    if (rc == ASH_ELIMIT) rc = ASH_OK;
  }
  return rc;
}

/* Domain controllers and the accounts given special privileges at logon
 * (ash_store_roles: Kerberos ticket requests are logged by the domain
 * controllers alone; 4672 is logged for each logon of an account holding
 * sensitive privileges, SeDebug, SeBackup, SeTcb, ..., which only
 * administrators and the system have), then one pass over the logons. */
static int build(hunt_ctx *c, hunt_accounts *a) {
  build_ctx B = {c, a};
  ASH_TRY(ash_store_roles(c->store, on_role, &B));
  ash_logon_query q = {ASH_TIME_UNSET, ASH_TIME_UNSET, ASH_LOGON_ANY_TYPE, HUNT_RDP_LOGONS, 0};
  return ash_store_logons(c->store, &q, on_logon, &B);
}

static void accounts_free(hunt_accounts *a) {
  if (!a) return;
  ash_keymap_free(&a->hosts);
  ash_keymap_free(&a->hours);
  ash_keymap_free(&a->sources);
  ash_keymap_free(&a->priv);
  ash_keymap_free(&a->dcs);
  ash_keymap_free(&a->host_first);
  free(a);
}

void hunt_accounts_free(hunt_accounts *a) { accounts_free(a); }

int hunt_accounts_history(hunt_ctx *c, const hunt_accounts **out) {
  if (!c->accts) {
    hunt_accounts *a = calloc(1, sizeof *a);
    if (!a) return ASH_ENOMEM;
    ash_keymap_init(&a->hosts, sizeof(ah_key), sizeof(hunt_account_host), ASH_MAX_HUNT_USERHOST);
    ash_keymap_init(&a->hours, sizeof(uint32_t), sizeof(hunt_account_hourly), ASH_MAX_HUNT_VPN);
    ash_keymap_init(&a->sources, sizeof(src_key), 0, ASH_MAX_HUNT_USERHOST);
    ash_keymap_init(&a->priv, sizeof(uint32_t), sizeof(uint32_t), ASH_MAX_HUNT_VPN);
    ash_keymap_init(&a->dcs, 64, 0, ASH_MAX_HUNT_HOSTS);
    ash_keymap_init(&a->host_first, 64, sizeof(int64_t), ASH_MAX_HUNT_HOSTS);
    int rc = build(c, a);
    if (rc) {
      accounts_free(a);
      return rc;
    }
    c->accts = a;
  }
  *out = c->accts;
  return ASH_OK;
}

const hunt_account_host *hunt_account_on(const hunt_accounts *a, uint32_t account,
                                         const char *host) {
  ah_key k;
  memset(&k, 0, sizeof k);
  k.account = account;
  size_t n = strlen(host);
  if (n >= sizeof k.host) n = sizeof k.host - 1;
  memcpy(k.host, host, n);
  return ash_keymap_get(&a->hosts, &k);
}

uint32_t hunt_account_hours(const hunt_accounts *a, uint32_t account) {
  const hunt_account_hourly *h = ash_keymap_get(&a->hours, &account);
  uint32_t bits = 0;
  for (int i = 0; h && i < 24; i++)
    if (h->n[i]) bits |= 1u << i;
  return bits;
}

const hunt_account_hourly *hunt_account_hourly_of(const hunt_accounts *a, uint32_t account) {
  return ash_keymap_get(&a->hours, &account);
}

int hunt_account_knows_source(const hunt_accounts *a, uint32_t account, const ash_ip *ip) {
  src_key sk;
  memset(&sk, 0, sizeof sk);
  sk.account = account;
  sk.ip = *ip;
  return ash_keymap_get(&a->sources, &sk) != NULL;
}

uint32_t hunt_account_privileged(const hunt_accounts *a, uint32_t account) {
  const uint32_t *v = ash_keymap_get(&a->priv, &account);
  return v ? *v : 0;
}

int64_t hunt_host_first_logon(const hunt_accounts *a, const char *host) {
  char k[64];
  memset(k, 0, sizeof k);
  size_t n = strlen(host);
  if (n >= sizeof k) n = sizeof k - 1;
  memcpy(k, host, n);
  const int64_t *t = ash_keymap_get(&a->host_first, k);
  return t ? *t : ASH_TIME_UNSET;
}

int hunt_host_is_dc(const hunt_accounts *a, const char *host) {
  char k[64] = {0};
  size_t n = strlen(host);
  if (n >= sizeof k) n = sizeof k - 1;
  memcpy(k, host, n);
  return ash_keymap_get(&a->dcs, k) != NULL;
}

typedef struct window_ctx {
  hunt_ctx *c;
  int (*cb)(void *u, const hunt_logon *l);
  void *u;
} window_ctx;

static int on_window(void *u, const ash_logon *r) {
  window_ctx *W = u;
  if (!r->host || r->ts == ASH_TIME_UNSET) return ASH_OK;
  int64_t lt = r->logon_type == ASH_UNSET ? -1 : r->logon_type;
  if (!r->rdp && lt != 2 && lt != 3 && lt != 10 && lt != 11 && lt != 12) return ASH_OK;
  hunt_logon l;
  memset(&l, 0, sizeof l);
  l.id = r->id;
  l.ts = r->ts;
  ASH_TRY(hunt_account_id(W->c, r->user, &l.account));
  hunt_short_host(r->host, strlen(r->host), l.host, sizeof l.host);
  if (!l.host[0]) return ASH_OK;
  l.src = r->src;
  l.logon_type = r->rdp ? -1 : (int16_t)lt;
  l.event_id = (int16_t)(r->event_id == ASH_UNSET ? 0 : r->event_id);
  return W->cb(W->u, &l);
}

int hunt_logons_window(hunt_ctx *c, int64_t from, int64_t to,
                       int (*cb)(void *u, const hunt_logon *l), void *u) {
  /* from <= ts <= to; the store's window is since <= ts < until */
  ash_logon_query q = {from, to == INT64_MAX ? ASH_TIME_UNSET : to + 1, ASH_LOGON_ANY_TYPE,
                       HUNT_RDP_LOGONS, 0};
  window_ctx W = {c, cb, u};
  return ash_store_logons(c->store, &q, on_window, &W);
}
