/* What each VPN session reached: the logons and RDP session events on
 * Windows hosts whose source address is the tunnel address the session
 * held at that moment. A tunnel address belongs to one session at a time
 * (the VPN model closes a session when its address is handed out again),
 * so a logon from it was made through that session, whatever account it
 * names: the account-use hunt judges the hosts a session reached, the
 * credential hop follows the sessions onwards from them. Built once per
 * run in one pass over the logons (hunt_logons_window). */
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

typedef struct rctx {
  hunt_ctx *c;
  const hunt_vpn *v;
  hunt_reaches *r;
} rctx;

static int on_logon(void *u, const hunt_logon *l) {
  rctx *x = u;
  /* tunnel pools are private space; a public source is the host's own
   * internet-facing service, not a VPN user */
  if (!l->src.fam || !ash_ip_is_private(&l->src)) return ASH_OK;
  int32_t s = hunt_vpn_at(x->v, &l->src, l->ts);
  if (s < 0) return ASH_OK;
  if (x->r->n >= ASH_MAX_HUNT_RDP) {
    x->c->capped |= HUNT_CAP_VPN;
    return ASH_OK;
  }
  hunt_reach *v = ash_array_room(x->r->v, &x->r->cap, x->r->n, sizeof *v, 256);
  if (!v) return ASH_ENOMEM;
  x->r->v = v;
  hunt_reach *e = &x->r->v[x->r->n++];
  e->sess = (uint32_t)s;
  e->l = *l;
  return ASH_OK;
}

static int cmp_reach(const void *a, const void *b) {
  const hunt_reach *x = a, *y = b;
  if (x->sess != y->sess) return x->sess < y->sess ? -1 : 1;
  if (x->l.ts != y->l.ts) return x->l.ts < y->l.ts ? -1 : 1;
  return x->l.id < y->l.id ? -1 : x->l.id > y->l.id;
}

void hunt_reach_free(hunt_reaches *r) {
  if (!r) return;
  free(r->v);
  free(r);
}

int hunt_vpn_reach(hunt_ctx *c, const hunt_reaches **out) {
  if (!c->reach) {
    const hunt_vpn *v;
    ASH_TRY(hunt_vpn_sessions(c, &v));
    hunt_reaches *r = calloc(1, sizeof *r);
    if (!r) return ASH_ENOMEM;
    int rc = ASH_OK;
    if (v->nbt) {
      rctx x = {c, v, r};
      rc = hunt_logons_window(c, INT64_MIN, INT64_MAX, on_logon, &x);
    }
    if (rc) {
      hunt_reach_free(r);
      return rc;
    }
    if (r->n) qsort(r->v, r->n, sizeof *r->v, cmp_reach);
    c->reach = r;
  }
  *out = c->reach;
  return ASH_OK;
}

size_t hunt_reach_first(const hunt_reaches *r, uint32_t sess) {
  size_t lo = 0, hi = r->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (r->v[mid].sess < sess)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < r->n && r->v[lo].sess == sess ? lo : r->n;
}
