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

/* Learn what one record of the case says about which host holds an
 * address (ash_store_host_addresses, in its order). The weights rank the
 * sources: a host's own connections first (2000 + count), then the
 * computer account's logons from the address (1000 + count), then the
 * names others give it (count). */
static int on_address(void *u, const ash_host_address *a) {
  hostmap *m = u;
  int rc = ASH_OK;
  uint32_t n = (uint32_t)(a->n > 1000000 ? 1000000 : a->n);
  switch (a->why) {
  case ASH_ADDR_TUNNEL: {
    /* VPN tunnel addresses go to whoever connects: they name no host, and
     * a logon from one is not a logon from the host itself */
    int fresh;
    hentry *e = hm_put(m, &a->ip, &fresh, &rc);
    if (e) e->banned = 1;
    return rc;
  }
  case ASH_ADDR_NETCONN:
    /* Sysmon 3 / 5156: a host's own address is on every one of its
     * connections, as source or destination; a peer's on a few. Count
     * both sides and keep, per host, the addresses on at least half of
     * them. */
    if (!ash_ip_is_private(&a->ip) || a->n * 2 < a->total) return ASH_OK;
    return hostmap_learn(m, &a->ip, a->name, n + 2000);
  case ASH_ADDR_COMPUTER: {
    if (!ash_ip_is_private(&a->ip)) return ASH_OK;
    char h[64];
    snprintf(h, sizeof h, "%s", a->name);
    size_t l = strlen(h);
    if (!l || h[l - 1] != '$') return ASH_OK;
    h[l - 1] = 0;
    return hostmap_learn(m, &a->ip, h, n + 1000);
  }
  case ASH_ADDR_WORKSTATION:
  case ASH_ADDR_FIREWALL: {
    /* the workstation name a network logon names its source with (an RDP
     * logon's WorkstationName is often the target itself: not used), and
     * the firewall's own name fields: FortiGate's srcname/dstname (device
     * identification from DHCP and NetBIOS) and PAN-OS's src_host/dst_host
     * (Device-ID). A guess of the firewall's, so below the Windows
     * sources; FortiGate puts the address itself there when it knows no
     * name, which hostmap_learn ignores. */
    if (!ash_ip_is_private(&a->ip)) return ASH_OK;
    char h[64];
    snprintf(h, sizeof h, "%s", a->name);
    return hostmap_learn(m, &a->ip, h, n);
  }
  default: return ASH_OK;
  }
}

int hunt_hosts(hunt_ctx *c, hostmap **out) {
  if (c->hosts) {
    *out = c->hosts;
    return ASH_OK;
  }
  hostmap *m = calloc(1, sizeof *m);
  if (!m) return ASH_ENOMEM;
  ash_keymap_init(&m->m, sizeof(ash_ip), sizeof(hentry), ASH_MAX_HUNT_HOSTS);
  int rc = ash_store_host_addresses(c->store, on_address, m);
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

typedef struct loop_ctx {
  hunt_ctx *c;
  hostmap *hm;
  size_t cap;
} loop_ctx;

static int on_rdp(void *u, const ash_logon *l) {
  loop_ctx *L = u;
  hunt_ctx *c = L->c;
  int64_t lt = l->logon_type == ASH_UNSET ? -1 : l->logon_type;
  int64_t eid = l->event_id == ASH_UNSET ? -1 : l->event_id;
  const char *what = rdp_what(l->rdp ? ASH_KIND_WIN_RDP : ASH_KIND_WIN_LOGON, eid, lt);
  if (!what || !l->host) return ASH_OK;
  char h[64];
  hunt_short_host(l->host, strlen(l->host), h, sizeof h);
  const ash_ip *ip = &l->src;
  int have = ip->fam != 0;
  static const uint8_t zero[16];
  int loop = 0;
  if (have && ash_ip_is_loopback(ip))
    loop = 1;
  else if (have && ip->fam == 6 && !memcmp(ip->b, zero, 16))
    loop = 1; /* "::%16777216" reads as "::" once the zone is dropped */
  else if (have) {
    const char *owner = hostmap_name(L->hm, ip);
    loop = owner && !strcmp(owner, h);
  } else {
    loop = attrs_loopback(l->attrs);
  }
  if (!loop) return ASH_OK;
  if (c->nloops >= ASH_MAX_HUNT_RDP) return ASH_ESTOP;
  rdp_loop *v = ash_array_room(c->loops, &L->cap, c->nloops, sizeof *v, 64);
  if (!v) return ASH_ENOMEM;
  c->loops = v;
  rdp_loop *e = &c->loops[c->nloops++];
  memset(e, 0, sizeof *e);
  e->id = l->id;
  e->ts = l->ts;
  e->event_id = eid;
  e->logon_type = lt;
  e->what = what;
  snprintf(e->host, sizeof e->host, "%s", h);
  if (l->user) hunt_bare_account(l->user, strlen(l->user), e->user, sizeof e->user);
  if (have)
    ash_ip_format(ip, e->addr);
  else
    snprintf(e->addr, sizeof e->addr, "::%%16777216");
  return ASH_OK;
}

int hunt_loopback_rdp(hunt_ctx *c, const rdp_loop **out, size_t *n) {
  if (c->loops_done) {
    *out = c->loops;
    *n = c->nloops;
    return ASH_OK;
  }
  loop_ctx L = {c, NULL, 0};
  int rc = hunt_hosts(c, &L.hm);
  /* RDP logons (4624 LogonType 10, 12 cached) and the RDP session events
   * that name a source, with the attributes for a source the address
   * column lost */
  ash_logon_query q = {ASH_TIME_UNSET, ASH_TIME_UNSET, 1u << 10 | 1u << 12,
                       HUNT_RDP_LOGONS | ASH_RDP_LSM22 | ASH_RDP_LSM24 | ASH_RDP_131, 1};
  if (!rc) rc = ash_store_logons(c->store, &q, on_rdp, &L);
  if (rc == ASH_ESTOP) rc = ASH_OK;
  if (rc) return rc;
  if (c->nloops) qsort(c->loops, c->nloops, sizeof *c->loops, cmp_loop);
  c->loops_done = 1;
  *out = c->loops;
  *n = c->nloops;
  return ASH_OK;
}
