/* Cisco ASA and Firepower Threat Defense syslog ("%ASA-6-302013: ...",
 * "%FTD-6-302013: ..."), behind any syslog header or none.
 *
 *   302013/302015 built + 302014/302016 teardown -> one net.flow per
 *       connection, paired by (device, connection id): the start time and
 *       addresses (with NAT) of the built message, the duration of the
 *       teardown. The teardown reports the bytes of both directions
 *       together: they are kept as attrs.bytes_total and bytes_out/bytes_in
 *       stay unset ("direction unknown" rather than an invented split).
 *       A built message whose teardown never comes is emitted at the end of
 *       the file (or when the pairing table is full, oldest first) without
 *       a duration and with attrs.pairing saying why. A teardown whose built
 *       message is not in the file becomes a flow of its own, starting at
 *       teardown time minus duration; which side initiated is then unknown
 *       and is guessed from the ports (attrs.initiator says so).
 *   106023 (ACL deny), 106100 (ACL log, "denied") -> net.deny
 *   113039, 716001 (session started), 722051 (address assigned: tunnel_ip)
 *       -> vpn.login; 113019 (session disconnected: duration, bytes),
 *       716002 -> vpn.logout; 722022/722023/722028/722037/734001 (tunnel
 *       channels, DAP) -> vpn.session; 113005/113015 (AAA rejected) ->
 *       vpn.fail; 113004/113012 (AAA accepted) -> auth.login
 *   430003 (FTD/NGIPS connection event at the end of a connection:
 *       "Key: Value, ..." with FirstPacketSecond, ConnectionDuration and
 *       Initiator/Responder bytes and packets, so direction is known) ->
 *       one net.flow (net.deny for a Block action); 430002 (the same event
 *       at the start of a connection) is held like a built message and
 *       dropped when its 430003 (same device, InstanceID, ConnectionID and
 *       first packet) comes; alone, it becomes the flow, without duration
 *       and with attrs.pairing saying so. Keys that are no event field are
 *       kept in attrs under their own names.
 *   any other message -> log, with event_id and the message text.
 *
 * A built message held for pairing counts as parsed when it is read (the
 * accounting is per line); its event comes later. Timestamps come from the
 * syslog header: zoned ones (RFC 5424) are UTC, the others go through --tz;
 * --clock-skew applies to all. */
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "fields.h"

/* Tests lower the pairing cap through this (0 = ASH_MAX_PENDING_FLOWS). */
size_t ash_asa_pending_cap_override = 0;

#define IFNAME_MAX 32
#define MAX_HOSTS 1024
#define NIL UINT32_MAX

typedef struct endpoint {
  ash_ip ip, map;
  int32_t port, mport;
  char ifname[IFNAME_MAX];
  char *user; /* idfw user, malloc'd, or NULL */
} endpoint;

/* A built connection waiting for its teardown. */
typedef struct pending {
  uint64_t id;
  uint32_t host;
  uint32_t next;         /* free list */
  uint32_t older, newer; /* insertion order (oldest is evicted first) */
  int64_t ts;            /* UTC */
  uint64_t ref;          /* offset of the built line */
  endpoint a, b;         /* "for" side, "to" side as written */
  uint8_t udp, inbound, used;
  uint8_t ifs_cut; /* an interface name was truncated */
  char *ftd;       /* an FTD 430002 held: its message text (malloc'd) */
  uint32_t ftd_n;
  uint8_t ftd_sev;
  uint8_t ftd_first; /* its ts is the first packet's (else the log time) */
  uint8_t ctl;       /* its line held a control byte (ash_ctx_line_ctl) */
} pending;

typedef struct asa_state {
  pending *slots;
  uint32_t nslots, cap; /* allocated, maximum */
  ash_index ix;         /* (id, host) -> slot of a held connection */
  uint32_t free_head, nused;
  uint32_t oldest, newest; /* insertion list */
  ash_strtab hosts;        /* device names; past MAX_HOSTS, one shared key */
  int oom;                 /* a device name could not be kept: the parse stops */
  ash_attrs attrs;
  ash_strpool pool;
} asa_state;

static int asa_open(void **state, const ash_parse_opts *opts) {
  (void)opts;
  asa_state *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  s->cap =
      ash_asa_pending_cap_override ? (uint32_t)ash_asa_pending_cap_override : ASH_MAX_PENDING_FLOWS;
  s->free_head = s->oldest = s->newest = NIL;
  ash_index_init(&s->ix, 0);
  ash_strtab_init(&s->hosts, MAX_HOSTS);
  /* the empty host (lines without a syslog host) is host 0 */
  uint32_t h0;
  if (ash_strtab_intern(&s->hosts, "", 0, &h0)) {
    ash_strtab_free(&s->hosts);
    free(s);
    return ASH_ENOMEM;
  }
  *state = s;
  return ASH_OK;
}

static void asa_close(void *state) {
  asa_state *s = state;
  if (!s) return;
  for (uint32_t i = 0; i < s->nslots; i++) {
    free(s->slots[i].a.user);
    free(s->slots[i].b.user);
    free(s->slots[i].ftd);
  }
  free(s->slots);
  ash_index_free(&s->ix);
  ash_strtab_free(&s->hosts);
  free(s);
}

/* ---- the pairing table ---- */

/* The key of a device name; past MAX_HOSTS names, one shared key (the
 * connection ids of those devices may then meet). Out of memory, s->oom
 * is set and the line's parse stops. */
static uint32_t host_index(asa_state *s, ash_str h) {
  uint32_t id;
  int rc = ash_strtab_intern(&s->hosts, h.p ? h.p : "", h.n, &id);
  if (rc == ASH_ENOMEM) s->oom = 1;
  return rc ? MAX_HOSTS : id;
}

static const char *host_name(const asa_state *s, uint32_t i) {
  const char *n = ash_strtab_str(&s->hosts, i);
  return n ? n : "";
}

static uint32_t hash_of(uint64_t id, uint32_t host) {
  return (uint32_t)(((id ^ ((uint64_t)host << 40)) * 0x9E3779B97F4A7C15ull) >> 32);
}

typedef struct conn_key {
  uint64_t id;
  uint32_t host;
} conn_key;

static int conn_eq(const void *ctx, size_t pos, const void *key) {
  const pending *p = &((const asa_state *)ctx)->slots[pos];
  const conn_key *k = key;
  return p->id == k->id && p->host == k->host;
}

static uint32_t find(const asa_state *s, uint64_t id, uint32_t host) {
  conn_key k = {id, host};
  size_t i = ash_index_find(&s->ix, hash_of(id, host), conn_eq, s, &k);
  return i == ASH_INDEX_NONE ? NIL : (uint32_t)i;
}

/* Unlink slot i from the index and the insertion list and free it. */
static void drop(asa_state *s, uint32_t i) {
  pending *p = &s->slots[i];
  ash_index_remove(&s->ix, hash_of(p->id, p->host), i);
  if (p->older != NIL)
    s->slots[p->older].newer = p->newer;
  else
    s->oldest = p->newer;
  if (p->newer != NIL)
    s->slots[p->newer].older = p->older;
  else
    s->newest = p->older;
  free(p->a.user);
  free(p->b.user);
  free(p->ftd);
  memset(p, 0, sizeof *p);
  p->next = s->free_head;
  s->free_head = i;
  s->nused--;
}

/* Grow storage (doubling up to cap, starting small: most files hold few
 * open connections at a time). Slots keep their positions, so the index
 * stays valid. */
static int grow(asa_state *s) {
  uint32_t n = s->nslots ? s->nslots * 2 : 256;
  if (n > s->cap) n = s->cap;
  if (n <= s->nslots) return ASH_ELIMIT;
  pending *p = realloc(s->slots, (size_t)n * sizeof *p);
  if (!p) return ASH_ENOMEM;
  memset(p + s->nslots, 0, (size_t)(n - s->nslots) * sizeof *p);
  for (uint32_t i = n; i-- > s->nslots;) {
    p[i].next = s->free_head;
    s->free_head = i;
  }
  s->slots = p;
  s->nslots = n;
  return ASH_OK;
}

/* ---- message scanning ---- */

typedef struct scan {
  const char *p;
  size_t n, i;
} scan;

static void skip_sp(scan *c) {
  while (c->i < c->n && c->p[c->i] == ' ') c->i++;
}

static int lit(scan *c, const char *l) {
  skip_sp(c);
  size_t ln = strlen(l);
  if (!ASH_FITS(c->i, ln, c->n) || memcmp(c->p + c->i, l, ln)) return 0;
  c->i += ln;
  return 1;
}

static ash_str token(scan *c) {
  skip_sp(c);
  size_t st = c->i;
  while (c->i < c->n && c->p[c->i] != ' ') c->i++;
  return ash_str_make(c->p + st, c->i - st);
}

static ash_str rest(scan *c) {
  skip_sp(c);
  return ash_str_make(c->p + c->i, c->n - c->i);
}

/* "addr/port" or "addr" into ip/port (port -1 when absent). */
static int addr_port(ash_str t, ash_ip *ip, int32_t *port) {
  const char *sl = t.n ? memchr(t.p, '/', t.n) : NULL;
  *port = -1;
  ash_str a = t;
  if (sl) {
    a.n = (size_t)(sl - t.p);
    *port = ash_port_parse(ash_str_make(sl + 1, t.n - a.n - 1));
    if (*port < 0) return ASH_EFORMAT;
  }
  return ash_ip_parse(a, ip);
}

static void copy_if(char *dst, ash_str v, uint8_t *cut) {
  size_t n = v.n < IFNAME_MAX - 1 ? v.n : IFNAME_MAX - 1;
  if (n < v.n) *cut = 1;
  if (n) memcpy(dst, v.p, n);
  dst[n] = 0;
}

/* "iface:addr/port" then optional "(mapped/port)" and "(user)" groups.
 * IPv6 addresses contain ':', so the interface ends at the first one. */
static int endpoint_parse(scan *c, endpoint *e, uint8_t *cut) {
  /* the address ends at a space or at a "(" written right after it, as in
   * "outside:1.2.3.4/443(LOCAL\\user)" */
  skip_sp(c);
  size_t st = c->i;
  while (c->i < c->n && c->p[c->i] != ' ' && c->p[c->i] != '(') c->i++;
  ash_str t = ash_str_make(c->p + st, c->i - st);
  const char *colon = t.n ? memchr(t.p, ':', t.n) : NULL;
  if (!colon) return ASH_EFORMAT;
  size_t il = (size_t)(colon - t.p);
  copy_if(e->ifname, ash_str_make(t.p, il), cut);
  if (addr_port(ash_str_make(colon + 1, t.n - il - 1), &e->ip, &e->port)) return ASH_EFORMAT;
  e->mport = -1;
  for (;;) {
    skip_sp(c);
    if (c->i >= c->n || c->p[c->i] != '(') break;
    const char *close = memchr(c->p + c->i, ')', c->n - c->i);
    if (!close) break;
    ash_str in = ash_str_make(c->p + c->i + 1, (size_t)(close - c->p) - c->i - 1);
    /* "(type 8, code 0)" of an ICMP deny belongs to the caller; "(user,
     * sg_info)" of TrustSec keeps the user */
    if (ash_str_starts(in, "type ")) break;
    size_t comma = ash_str_find(in, ", ");
    if (comma != (size_t)-1) in.n = comma;
    if (ash_str_find(in, " ") != (size_t)-1) break;
    ash_ip ip;
    int32_t port;
    if (!ash_ip_isset(&e->map) && !addr_port(in, &ip, &port)) {
      e->map = ip;
      e->mport = port;
    } else if (!e->user && in.n) {
      /* an identity-firewall user, "(LOCAL\\user)" */
      e->user = malloc(in.n + 1);
      if (e->user) {
        memcpy(e->user, in.p, in.n);
        e->user[in.n] = 0;
      }
    }
    c->i = (size_t)(close - c->p) + 1;
  }
  return ASH_OK;
}

static void endpoint_free(endpoint *e) {
  free(e->user);
  e->user = NULL;
}

/* ---- events ---- */

typedef struct msg {
  ash_frame fr;
  int sev;
  uint32_t id;
  ash_str text; /* after "%ASA-6-302013: " */
  int64_t ts;   /* UTC */
} msg;

/* Length of the facility prefix of a message body ("%ASA-", "%FTD-",
 * "%PIX-", "%NGIPS-"), or 0 when b is not "%FAC-S-NNNNNN:". */
static size_t asa_prefix(ash_str b) {
  size_t f;
  if (ash_str_starts(b, "%ASA-") || ash_str_starts(b, "%FTD-") || ash_str_starts(b, "%PIX-"))
    f = 5;
  else if (ash_str_starts(b, "%NGIPS-"))
    f = 7;
  else
    return 0;
  if (b.n < f + 10) return 0;
  const char *p = b.p + f;
  if (p[0] < '0' || p[0] > '7' || p[1] != '-') return 0;
  for (int i = 2; i < 8; i++)
    if (p[i] < '0' || p[i] > '9') return 0;
  return p[8] == ':' ? f : 0;
}

static int asa_is_body(ash_str b) { return asa_prefix(b) != 0; }

static void set_ep(ash_ip *ip, int32_t *port, const endpoint *e) {
  *ip = e->ip;
  *port = e->port;
}

static void ep_attrs(asa_state *s, int dst, const endpoint *e) {
  static const char *const K[2][4] = {
      {"src_interface", "src_mapped_ip", "src_mapped_port", "src_user"},
      {"dst_interface", "dst_mapped_ip", "dst_mapped_port", "dst_user"}};
  const char *const *k = K[dst];
  ash_attrs_addc(&s->attrs, k[0], ash_strpool_dup(&s->pool, ash_str_cstr(e->ifname)));
  if (ash_ip_isset(&e->map) && (!ash_ip_eq(&e->map, &e->ip) || e->mport != e->port)) {
    char t[ASH_IP_STRLEN];
    ash_ip_format(&e->map, t);
    ash_attrs_addc(&s->attrs, k[1], ash_strpool_dup(&s->pool, ash_str_cstr(t)));
    if (e->mport >= 0)
      ash_attrs_addc(&s->attrs, k[2], ash_strpool_u64(&s->pool, (uint64_t)e->mport));
  }
  if (e->user) ash_attrs_addc(&s->attrs, k[3], ash_strpool_dup(&s->pool, ash_str_cstr(e->user)));
}

/* Fill a flow from built data: initiator is the "for" side of an inbound
 * connection and the "to" side of an outbound one. */
static void flow_from(asa_state *s, ash_event *ev, const pending *p) {
  const endpoint *src = p->inbound ? &p->a : &p->b;
  const endpoint *dst = p->inbound ? &p->b : &p->a;
  set_ep(&ev->src_ip, &ev->src_port, src);
  set_ep(&ev->dst_ip, &ev->dst_port, dst);
  ev->proto = ash_str_cstr(p->udp ? "udp" : "tcp");
  if (src->user) ash_user_split(ash_str_cstr(src->user), &ev->user, &ev->domain);
  ash_attrs_addc(&s->attrs, "conn_id", ash_strpool_u64(&s->pool, p->id));
  ash_attrs_addcc(&s->attrs, "direction", p->inbound ? "inbound" : "outbound");
  ep_attrs(s, 0, src);
  ep_attrs(s, 1, dst);
  if (p->ifs_cut) ash_attrs_addcc(&s->attrs, "interface_truncated", "true");
}

static int emit(asa_state *s, ash_parse_ctx *ctx, ash_event *ev) {
  ash_attrs_attach(&s->attrs, ev);
  return ash_emit_line(ctx, ev);
}

/* Why a held connection is emitted alone. */
enum unpaired { UNP_EOF, UNP_REUSED, UNP_FULL };

static int ftd_event(asa_state *s, ash_parse_ctx *ctx, ash_str text, ash_event *ev, uint64_t *key,
                     int64_t *first, const char **reason);

/* Emit a held connection that will never be paired. */
static int emit_unpaired(asa_state *s, ash_parse_ctx *ctx, uint32_t i, enum unpaired why) {
  static const char *const BUILT[] = {
      "built only (no teardown in this file)",
      "built only (the connection id was reused before a teardown)",
      "built only (pairing table full: evicted before its teardown)"};
  static const char *const START[] = {
      "start only (no end-of-connection record in this file)",
      "start only (the connection id was reused before its end record)",
      "start only (pairing table full: evicted before its end record)"};
  pending *p = &s->slots[i];
  ash_attrs_reset(&s->attrs);
  ash_strpool_reset(&s->pool);
  ash_event ev;
  ash_event_init(&ev);
  ev.ts = p->ts;
  ev.ref = p->ref;
  ev.host = ash_str_cstr(host_name(s, p->host));
  if (p->ftd) {
    /* the held text was accepted when it was read: it parses again */
    uint64_t key;
    int64_t first;
    const char *reason = NULL;
    if (ftd_event(s, ctx, ash_str_make(p->ftd, p->ftd_n), &ev, &key, &first, &reason)) {
      drop(s, i);
      return ASH_OK;
    }
    ev.event_id = 430002;
    ev.ts = p->ts;
    ash_attrs_addc(&s->attrs, "severity", ash_strpool_u64(&s->pool, p->ftd_sev));
    ash_attrs_addcc(&s->attrs, "pairing", START[why]);
  } else {
    ev.kind = ASH_KIND_FLOW;
    ev.event_id = p->udp ? 302015 : 302013;
    ev.action = ash_str_cstr("built");
    flow_from(s, &ev, p);
    ash_attrs_addcc(&s->attrs, "pairing", BUILT[why]);
  }
  /* emitted while another line is parsed, or at the end: the flag is the
   * held line's */
  int cur = ash_ctx_line_ctl(ctx);
  ash_ctx_set_line_ctl(ctx, p->ctl);
  int rc = emit(s, ctx, &ev);
  ash_ctx_set_line_ctl(ctx, cur);
  drop(s, i);
  return rc;
}

/* Put tmp into the pairing table (it then owns tmp's allocations): first
 * the connection it replaces and, when the table is full, the oldest are
 * emitted alone. ASH_REC_PARSED, or an error (tmp freed). */
static int hold(asa_state *s, ash_parse_ctx *ctx, pending *tmp) {
  int rc = ASH_OK;
  uint32_t old = find(s, tmp->id, tmp->host);
  if (old != NIL) rc = emit_unpaired(s, ctx, old, UNP_REUSED);
  if (!rc && s->free_head == NIL) {
    int g = grow(s);
    if (g == ASH_ELIMIT && s->oldest != NIL)
      rc = emit_unpaired(s, ctx, s->oldest, UNP_FULL);
    else if (g)
      rc = ASH_ENOMEM; /* stops the parse (ASH_REC_* lie outside ash_err) */
  }
  /* room in the index before the slot is taken */
  if (!rc && s->oom) rc = ASH_ENOMEM;
  if (!rc) rc = ash_index_reserve(&s->ix);
  if (rc) {
    endpoint_free(&tmp->a);
    endpoint_free(&tmp->b);
    free(tmp->ftd);
    return rc;
  }
  uint32_t i = s->free_head;
  s->free_head = s->slots[i].next;
  s->slots[i] = *tmp;
  s->slots[i].ctl = (uint8_t)ash_ctx_line_ctl(ctx);
  s->slots[i].next = NIL;
  ash_index_add(&s->ix, hash_of(tmp->id, tmp->host), i); /* reserved: cannot fail */
  s->slots[i].older = s->newest;
  s->slots[i].newer = NIL;
  if (s->newest != NIL)
    s->slots[s->newest].newer = i;
  else
    s->oldest = i;
  s->newest = i;
  s->nused++;
  return ASH_REC_PARSED;
}

static int do_built(asa_state *s, ash_parse_ctx *ctx, const msg *m, uint64_t off,
                    const char **reason) {
  scan c = {m->text.p, m->text.n, 0};
  pending tmp;
  memset(&tmp, 0, sizeof tmp);
  if (!lit(&c, "Built")) goto bad;
  ash_str dir = token(&c);
  if (ash_str_eq(dir, "inbound"))
    tmp.inbound = 1;
  else if (!ash_str_eq(dir, "outbound"))
    goto bad;
  ash_str proto = token(&c);
  tmp.udp = ash_str_ieq(proto, "udp");
  if (!tmp.udp && !ash_str_ieq(proto, "tcp")) goto bad;
  if (!lit(&c, "connection")) goto bad;
  if (ash_str_to_u64(token(&c), &tmp.id)) goto bad;
  if (!lit(&c, "for") || endpoint_parse(&c, &tmp.a, &tmp.ifs_cut)) goto bad;
  if (!lit(&c, "to") || endpoint_parse(&c, &tmp.b, &tmp.ifs_cut)) goto bad;
  tmp.ts = m->ts;
  tmp.ref = off;
  tmp.host = host_index(s, m->fr.host);
  tmp.used = 1;
  /* the line is valid: now the table may emit older connections */
  return hold(s, ctx, &tmp);
bad:
  endpoint_free(&tmp.a);
  endpoint_free(&tmp.b);
  *reason = "malformed ASA built-connection message";
  return ASH_REC_REJECTED;
}

static int do_teardown(asa_state *s, ash_parse_ctx *ctx, const msg *m, uint64_t off, ash_event *ev,
                       const char **reason) {
  scan c = {m->text.p, m->text.n, 0};
  endpoint a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  uint8_t cut = 0;
  uint64_t id, bytes;
  int64_t dur;
  if (!lit(&c, "Teardown")) goto bad;
  ash_str proto = token(&c);
  int udp = ash_str_ieq(proto, "udp");
  if (!udp && !ash_str_ieq(proto, "tcp")) goto bad;
  if (!lit(&c, "connection") || ash_str_to_u64(token(&c), &id)) goto bad;
  if (!lit(&c, "for") || endpoint_parse(&c, &a, &cut)) goto bad;
  if (!lit(&c, "to") || endpoint_parse(&c, &b, &cut)) goto bad;
  if (!lit(&c, "duration") || ash_clock_duration_parse(token(&c), &dur)) goto bad;
  if (!lit(&c, "bytes") || ash_str_to_u64(token(&c), &bytes)) goto bad;
  ash_str why = ash_str_trim(rest(&c));
  /* a trailing "(user)" belongs to the identity firewall, not the reason */
  if (why.n && why.p[why.n - 1] == ')') {
    const char *op = NULL;
    for (size_t k = why.n; k-- > 0;)
      if (why.p[k] == '(') {
        op = why.p + k;
        break;
      }
    if (op) why = ash_str_trim(ash_str_make(why.p, (size_t)(op - why.p)));
  }
  uint32_t host = host_index(s, m->fr.host);
  if (s->oom) return ASH_ENOMEM; /* stops the parse */
  uint32_t i = find(s, id, host);
  ev->kind = ASH_KIND_FLOW;
  ev->duration_us = dur;
  ev->action = ash_str_cstr("teardown");
  if (i != NIL && s->slots[i].udp == udp) {
    pending *p = &s->slots[i];
    ev->ts = p->ts;
    ev->ref = p->ref;
    ev->event_id = udp ? 302015 : 302013;
    flow_from(s, ev, p);
    /* the flow holds the built line's fields too */
    if (p->ctl) ash_ctx_set_line_ctl(ctx, 1);
    ash_attrs_addcc(&s->attrs, "pairing", "built+teardown");
    ash_attrs_addc(&s->attrs, "teardown_offset", ash_strpool_u64(&s->pool, off));
  } else {
    /* no built message: the start is the teardown time minus the duration
     * and the initiator is guessed (the higher port is the client's) */
    ev->ts = m->ts == ASH_TIME_UNSET ? ASH_TIME_UNSET : m->ts - dur;
    ev->ref = off;
    ev->event_id = m->id;
    int a_client = a.port > b.port;
    const endpoint *src = a_client ? &a : &b, *dst = a_client ? &b : &a;
    set_ep(&ev->src_ip, &ev->src_port, src);
    set_ep(&ev->dst_ip, &ev->dst_port, dst);
    ev->proto = ash_str_cstr(udp ? "udp" : "tcp");
    if (src->user) ash_user_split(ash_str_cstr(src->user), &ev->user, &ev->domain);
    ash_attrs_addc(&s->attrs, "conn_id", ash_strpool_u64(&s->pool, id));
    ep_attrs(s, 0, src);
    ep_attrs(s, 1, dst);
    ash_attrs_addcc(&s->attrs, "pairing", "teardown only (built message not in this file)");
    ash_attrs_addcc(&s->attrs, "initiator", "unknown: guessed from the ports");
    i = NIL;
  }
  ash_attrs_addc(&s->attrs, "bytes_total", ash_strpool_u64(&s->pool, bytes));
  ev->bytes_total = (int64_t)bytes;
  ash_attrs_addcc(&s->attrs, "bytes_direction", "unknown (ASA reports both directions together)");
  ash_attrs_addc(&s->attrs, "teardown_reason", why);
  ev->host = m->fr.host;
  ash_frame_apply(&m->fr, ev, &s->attrs, &s->pool);
  int rc = emit(s, ctx, ev);
  if (i != NIL) drop(s, i);
  endpoint_free(&a);
  endpoint_free(&b);
  return rc;
bad:
  endpoint_free(&a);
  endpoint_free(&b);
  *reason = "malformed ASA teardown message";
  return ASH_REC_REJECTED;
}

/* 106023: "Deny tcp src outside:1.2.3.4/5 dst inside:10.0.0.1/23 [(type 8,
 * code 0)] by access-group "acl" [0x0, 0x0]" */
static int do_106023(asa_state *s, const msg *m, ash_event *ev, const char **reason) {
  scan c = {m->text.p, m->text.n, 0};
  endpoint a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  uint8_t cut = 0;
  if (!lit(&c, "Deny")) goto bad;
  ev->proto = token(&c);
  if (!lit(&c, "src") || endpoint_parse(&c, &a, &cut)) goto bad;
  if (!lit(&c, "dst") || endpoint_parse(&c, &b, &cut)) goto bad;
  ev->kind = ASH_KIND_FLOW_DENY;
  ev->action = ash_str_cstr("deny");
  set_ep(&ev->src_ip, &ev->src_port, &a);
  set_ep(&ev->dst_ip, &ev->dst_port, &b);
  if (a.user)
    ash_user_split(ash_strpool_dup(&s->pool, ash_str_cstr(a.user)), &ev->user, &ev->domain);
  ash_attrs_addc(&s->attrs, "src_interface", ash_strpool_dup(&s->pool, ash_str_cstr(a.ifname)));
  ash_attrs_addc(&s->attrs, "dst_interface", ash_strpool_dup(&s->pool, ash_str_cstr(b.ifname)));
  ash_str r = rest(&c);
  size_t by = ash_str_find(r, "by access-group ");
  if (by != (size_t)-1) {
    ash_str acl = ash_str_sub(r, by + 16, r.n);
    if (acl.n && acl.p[0] == '"') {
      const char *q = memchr(acl.p + 1, '"', acl.n - 1);
      acl = q ? ash_str_make(acl.p + 1, (size_t)(q - acl.p) - 1) : ash_str_sub(acl, 1, acl.n);
    } else {
      acl = ash_str_sub(acl, 0,
                        ash_str_find(acl, " ") == (size_t)-1 ? acl.n : ash_str_find(acl, " "));
    }
    ash_attrs_addc(&s->attrs, "acl", acl);
    ash_str icmp = ash_str_trim(ash_str_sub(r, 0, by));
    ash_attrs_addc(&s->attrs, "icmp", icmp);
  }
  endpoint_free(&a);
  endpoint_free(&b);
  return ASH_OK;
bad:
  endpoint_free(&a);
  endpoint_free(&b);
  *reason = "malformed ASA 106023 deny message";
  return ASH_REC_REJECTED;
}

/* "iface/addr(port)" of 106100 */
static int ep_106100(ash_str t, ash_str *ifn, ash_ip *ip, int32_t *port) {
  const char *sl = t.n ? memchr(t.p, '/', t.n) : NULL;
  if (!sl) return ASH_EFORMAT;
  *ifn = ash_str_make(t.p, (size_t)(sl - t.p));
  ash_str rem = ash_str_make(sl + 1, t.n - ifn->n - 1);
  const char *op = rem.n ? memchr(rem.p, '(', rem.n) : NULL;
  *port = -1;
  if (op) {
    if (rem.p[rem.n - 1] != ')') return ASH_EFORMAT;
    size_t al = (size_t)(op - rem.p);
    *port = ash_port_parse(ash_str_make(op + 1, rem.n - al - 2));
    rem.n = al;
  }
  return ash_ip_parse(rem, ip);
}

/* 106100: "access-list acl {permitted|denied|est-allowed} tcp
 * inside/10.0.0.5(5123) -> outside/1.2.3.4(443) hit-cnt 1 first hit [..]" */
static int do_106100(asa_state *s, const msg *m, ash_event *ev, const char **reason) {
  scan c = {m->text.p, m->text.n, 0};
  if (!lit(&c, "access-list")) goto bad;
  ash_str acl = token(&c), act = token(&c);
  ev->proto = token(&c);
  ash_str sif, dif;
  if (ep_106100(token(&c), &sif, &ev->src_ip, &ev->src_port)) goto bad;
  skip_sp(&c);
  if (c.i < c.n && c.p[c.i] == '(') { /* idfw user */
    const char *cl = memchr(c.p + c.i, ')', c.n - c.i);
    if (cl) {
      ash_user_split(ash_str_make(c.p + c.i + 1, (size_t)(cl - c.p) - c.i - 1), &ev->user,
                     &ev->domain);
      c.i = (size_t)(cl - c.p) + 1;
    }
  }
  if (!lit(&c, "->")) goto bad;
  if (ep_106100(token(&c), &dif, &ev->dst_ip, &ev->dst_port)) goto bad;
  ev->kind = ash_str_eq(act, "denied") ? ASH_KIND_FLOW_DENY : ASH_KIND_LOG;
  ev->action = act;
  ash_attrs_addc(&s->attrs, "acl", acl);
  ash_attrs_addc(&s->attrs, "src_interface", sif);
  ash_attrs_addc(&s->attrs, "dst_interface", dif);
  ash_str r = rest(&c);
  size_t h = ash_str_find(r, "hit-cnt ");
  if (h != (size_t)-1) {
    ash_str hc = ash_str_sub(r, h + 8, r.n);
    size_t sp = ash_str_find(hc, " ");
    ash_attrs_addc(&s->attrs, "hit_count", ash_str_sub(hc, 0, sp == (size_t)-1 ? hc.n : sp));
  }
  return ASH_OK;
bad:
  *reason = "malformed ASA 106100 access-list message";
  return ASH_REC_REJECTED;
}

/* "<value>" or value: one token, brackets removed. */
static ash_str bracketed(scan *c) {
  skip_sp(c);
  if (c->i < c->n && c->p[c->i] == '<') {
    const char *e = memchr(c->p + c->i, '>', c->n - c->i);
    if (e) {
      ash_str v = ash_str_make(c->p + c->i + 1, (size_t)(e - c->p) - c->i - 1);
      c->i = (size_t)(e - c->p) + 1;
      return v;
    }
  }
  return token(c);
}

/* "Group <g> User <u> IP <ip> ..." (AnyConnect/WebVPN messages). */
static int group_user_ip(scan *c, ash_str *group, ash_str *user, ash_str *ip) {
  if (!lit(c, "Group")) return ASH_EFORMAT;
  *group = bracketed(c);
  if (!lit(c, "User")) return ASH_EFORMAT;
  *user = bracketed(c);
  if (!lit(c, "IP")) return ASH_EFORMAT;
  *ip = bracketed(c);
  return ASH_OK;
}

/* "Key = value, " items of IKE-style messages (113019). */
static ash_str eq_item(ash_str t, const char *key) {
  size_t k = ash_str_find(t, key);
  if (k == (size_t)-1) return ASH_STR_NULL;
  ash_str v = ash_str_sub(t, k + strlen(key), t.n);
  size_t e = ash_str_find(v, ",");
  return ash_str_trim(ash_str_sub(v, 0, e == (size_t)-1 ? v.n : e));
}

static void set_user(ash_event *ev, ash_str u) { ash_user_split(u, &ev->user, &ev->domain); }

static void set_ip(ash_ip *ip, ash_str v) {
  if (!v.n || ash_ip_parse(v, ip)) ip->fam = 0;
}

static int do_vpn(asa_state *s, const msg *m, ash_event *ev, const char **reason) {
  scan c = {m->text.p, m->text.n, 0};
  ash_str group = ASH_STR_NULL, user = ASH_STR_NULL, ip = ASH_STR_NULL;
  switch (m->id) {
  case 113019: {
    ash_str t = m->text;
    group = eq_item(t, "Group = ");
    user = eq_item(t, "Username = ");
    ip = eq_item(t, "IP = ");
    int64_t d;
    uint64_t x;
    if (!user.n) goto bad;
    ev->kind = ASH_KIND_VPN_LOGOUT;
    if (!ash_clock_duration_parse(eq_item(t, "Duration: "), &d)) ev->duration_us = d;
    /* xmt = sent by the ASA to the client: what the user received */
    if (!ash_str_to_u64(eq_item(t, "Bytes xmt: "), &x) && x <= INT64_MAX) ev->bytes_in = (int64_t)x;
    if (!ash_str_to_u64(eq_item(t, "Bytes rcv: "), &x) && x <= INT64_MAX)
      ev->bytes_out = (int64_t)x;
    ash_attrs_addc(&s->attrs, "session_type", eq_item(t, "Session Type: "));
    size_t r = ash_str_find(t, "Reason: ");
    if (r != (size_t)-1)
      ash_attrs_addc(&s->attrs, "reason", ash_str_trim(ash_str_sub(t, r + 8, t.n)));
    break;
  }
  case 734001: {
    /* "DAP: User u, Addr 1.2.3.4, Connection AnyConnect: The following DAP
     * records were selected for this connection: rec1, rec2" */
    if (!lit(&c, "DAP:") || !lit(&c, "User")) goto bad;
    ash_str t = rest(&c);
    size_t e = ash_str_find(t, ", Addr ");
    if (e == (size_t)-1) goto bad;
    user = ash_str_sub(t, 0, e);
    ash_str after = ash_str_sub(t, e + 7, t.n);
    size_t e2 = ash_str_find(after, ", Connection ");
    if (e2 == (size_t)-1) goto bad;
    ip = ash_str_sub(after, 0, e2);
    ash_str conn = ash_str_sub(after, e2 + 13, after.n);
    size_t e3 = ash_str_find(conn, ": ");
    ash_attrs_addc(&s->attrs, "connection", ash_str_sub(conn, 0, e3 == (size_t)-1 ? conn.n : e3));
    size_t recs = ash_str_find(t, "selected for this connection: ");
    if (recs != (size_t)-1)
      ash_attrs_addc(&s->attrs, "dap_records", ash_str_trim(ash_str_sub(t, recs + 30, t.n)));
    ev->kind = ASH_KIND_VPN_SESSION;
    break;
  }
  case 113005:
  case 113015:
  case 113004:
  case 113012: {
    /* "AAA user authentication Rejected : reason = r : server = s : user =
     * u : user IP = ip" (fields vary; the " : " separated items) */
    ash_str t = m->text;
    ev->kind = (m->id == 113005 || m->id == 113015) ? ASH_KIND_VPN_FAIL : ASH_KIND_AUTH_LOGIN;
    size_t k;
    if ((k = ash_str_find(t, "user = ")) != (size_t)-1) {
      ash_str v = ash_str_sub(t, k + 7, t.n);
      size_t e = ash_str_find(v, " :");
      user = ash_str_trim(ash_str_sub(v, 0, e == (size_t)-1 ? v.n : e));
    }
    if ((k = ash_str_find(t, "user IP = ")) != (size_t)-1) {
      ash_str v = ash_str_sub(t, k + 10, t.n);
      size_t e = ash_str_find(v, " :");
      ip = ash_str_trim(ash_str_sub(v, 0, e == (size_t)-1 ? v.n : e));
    }
    if ((k = ash_str_find(t, "reason = ")) != (size_t)-1) {
      ash_str v = ash_str_sub(t, k + 9, t.n);
      size_t e = ash_str_find(v, " :");
      ash_attrs_addc(&s->attrs, "reason",
                     ash_str_trim(ash_str_sub(v, 0, e == (size_t)-1 ? v.n : e)));
    }
    if ((k = ash_str_find(t, "server = ")) != (size_t)-1) {
      ash_str v = ash_str_sub(t, k + 9, t.n);
      size_t e = ash_str_find(v, " :");
      ash_attrs_addc(&s->attrs, "aaa_server",
                     ash_str_trim(ash_str_sub(v, 0, e == (size_t)-1 ? v.n : e)));
    }
    /* the ASA masks rejected user names as "*****" unless configured not to */
    if (user.n && user.p[0] == '*') user = ASH_STR_NULL;
    break;
  }
  default: {
    if (group_user_ip(&c, &group, &user, &ip)) goto bad;
    ash_str t = rest(&c);
    switch (m->id) {
    case 113039:
    case 716001: ev->kind = ASH_KIND_VPN_LOGIN; break;
    case 716002: {
      ev->kind = ASH_KIND_VPN_LOGOUT;
      size_t k = ash_str_find(t, "terminated: ");
      if (k != (size_t)-1) {
        ash_str r = ash_str_trim(ash_str_sub(t, k + 12, t.n));
        if (r.n && r.p[r.n - 1] == '.') r.n--;
        ash_attrs_addc(&s->attrs, "reason", r);
      }
      break;
    }
    case 722051: {
      /* "IPv4 Address <a> IPv6 address <b> assigned to session", older
       * releases "Address <a> assigned to session" */
      ev->kind = ASH_KIND_VPN_LOGIN;
      scan d = {t.p, t.n, 0};
      ash_str v4 = ASH_STR_NULL, v6 = ASH_STR_NULL;
      while (d.i < d.n) {
        ash_str w = token(&d);
        if (!w.n) break;
        if (ash_str_eq(w, "Address") || ash_str_eq(w, "address")) {
          ash_str v = bracketed(&d);
          ash_ip tmp;
          if (!ash_ip_parse(v, &tmp)) {
            if (tmp.fam == 4 && !v4.n)
              v4 = v;
            else if (tmp.fam == 6 && !v6.n)
              v6 = v;
          }
        }
      }
      set_ip(&ev->tunnel_ip, v4);
      /* "0.0.0.0" / "::" mean no address of that family */
      static const uint8_t z4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
      static const uint8_t z6[16] = {0};
      if (ash_ip_isset(&ev->tunnel_ip) && !memcmp(ev->tunnel_ip.b, z4, 16)) ev->tunnel_ip.fam = 0;
      ash_ip t6;
      set_ip(&t6, v6);
      int v6_real = ash_ip_isset(&t6) && memcmp(t6.b, z6, 16) != 0;
      if (!ash_ip_isset(&ev->tunnel_ip) && v6_real)
        ev->tunnel_ip = t6;
      else if (v6_real)
        ash_attrs_addc(&s->attrs, "tunnel_ipv6", v6);
      if (!ash_ip_isset(&ev->tunnel_ip)) goto bad;
      break;
    }
    default: ev->kind = ASH_KIND_VPN_SESSION; break;
    }
    ash_attrs_addc(&s->attrs, "message", t);
    break;
  }
  }
  set_user(ev, user);
  set_ip(&ev->src_ip, ip);
  ash_attrs_addc(&s->attrs, "group", group);
  return ASH_OK;
bad:
  *reason = "malformed ASA VPN message";
  return ASH_REC_REJECTED;
}

/* ---- FTD connection events (430002, 430003) ---- */

#define FTD_KEY_MAX 48

/* Length of a key at p ("SrcIP", "Prefilter Policy") when ": " follows
 * it, else 0. */
static size_t ftd_key(const char *p, size_t n) {
  if (!n || !((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z'))) return 0;
  for (size_t i = 1; i < n && i <= FTD_KEY_MAX; i++) {
    char c = p[i];
    if (c == ':') return (i + 1 == n || p[i + 1] == ' ') && p[i - 1] != ' ' ? i : 0;
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' ||
          c == '_' || c == '-' || c == '.' || c == '/'))
      return 0;
  }
  return 0;
}

/* Users FTD writes when there is none. */
static int ftd_no_user(ash_str u) {
  return !u.n || ash_str_eq(u, "No Authentication Required") || ash_str_eq(u, "Unknown") ||
         ash_str_eq(u, "Not Found") || ash_str_eq(u, "Pending");
}

/* An FTD connection event "Key: Value, Key: Value, ..." into ev (kind,
 * addresses, counters, attrs). A ", " ends a value only where a key and
 * ": " follow, so values may hold commas. *key is the pairing key of the
 * connection (InstanceID, ConnectionID), *first its first packet (UTC, or
 * ASH_TIME_UNSET). */
static int ftd_event(asa_state *s, ash_parse_ctx *ctx, ash_str t, ash_event *ev, uint64_t *key,
                     int64_t *first, const char **reason) {
  int have_src = 0, have_dst = 0;
  uint64_t conn = 0, inst = 0;
  int64_t dur = ASH_UNSET;
  *first = ASH_TIME_UNSET;
  ev->kind = ASH_KIND_FLOW;
  size_t i = 0;
  while (i < t.n) {
    size_t kl = ftd_key(t.p + i, t.n - i);
    if (!kl) goto bad;
    ash_str k = ash_str_make(t.p + i, kl);
    size_t vs = i + kl + 1, j = vs;
    for (;;) {
      const char *c = j < t.n ? memchr(t.p + j, ',', t.n - j) : NULL;
      if (!c) {
        j = t.n;
        break;
      }
      size_t at = (size_t)(c - t.p);
      if (at + 1 < t.n && t.p[at + 1] == ' ' && ftd_key(t.p + at + 2, t.n - at - 2)) {
        j = at;
        break;
      }
      j = at + 1;
    }
    ash_str v = ash_str_trim(ash_str_make(t.p + vs, j - vs));
    i = j < t.n ? j + 2 : t.n;
    int bad_value = 0;
    if (ash_str_eq(k, "SrcIP"))
      bad_value = !(have_src = ash_ip_parse(v, &ev->src_ip) == ASH_OK);
    else if (ash_str_eq(k, "DstIP"))
      bad_value = !(have_dst = ash_ip_parse(v, &ev->dst_ip) == ASH_OK);
    else if (ash_str_eq(k, "SrcPort"))
      bad_value = (ev->src_port = ash_port_parse(v)) < 0;
    else if (ash_str_eq(k, "DstPort"))
      bad_value = (ev->dst_port = ash_port_parse(v)) < 0;
    else if (ash_str_eq(k, "Protocol"))
      ev->proto = v;
    else if (ash_str_eq(k, "FirstPacketSecond")) {
      int64_t t0;
      if (ash_time_parse_iso(v, &t0))
        bad_value = 1;
      else
        *first = ash_ctx_skew(ctx, t0);
    } else if (ash_str_eq(k, "ConnectionDuration"))
      bad_value = ash_secs_parse(v, &dur) != 0;
    else if (ash_str_eq(k, "InitiatorBytes") || ash_str_eq(k, "ResponderBytes") ||
             ash_str_eq(k, "InitiatorPackets") || ash_str_eq(k, "ResponderPackets")) {
      uint64_t u;
      if (ash_str_to_u64(v, &u) || u > INT64_MAX) {
        bad_value = 1;
      } else {
        int64_t *dst = k.p[0] == 'I' ? (k.p[9] == 'B' ? &ev->bytes_out : &ev->packets_out)
                                     : (k.p[9] == 'B' ? &ev->bytes_in : &ev->packets_in);
        *dst = (int64_t)u;
      }
    } else if (ash_str_eq(k, "AccessControlRuleAction")) {
      ev->action = v;
      if (ash_str_starts(v, "Block") || ash_str_starts(v, "Interactive Block"))
        ev->kind = ASH_KIND_FLOW_DENY;
    } else if (ash_str_eq(k, "ApplicationProtocol"))
      ev->app = v;
    else if (ash_str_eq(k, "User") && !ftd_no_user(v))
      ash_user_split(v, &ev->user, &ev->domain);
    else {
      if (ash_str_eq(k, "ConnectionID")) bad_value = ash_str_to_u64(v, &conn) != 0;
      if (ash_str_eq(k, "InstanceID")) bad_value = ash_str_to_u64(v, &inst) != 0;
      ash_attrs_add(&s->attrs, k, v);
    }
    if (bad_value) goto bad;
  }
  if (!have_src || !have_dst) goto bad;
  ev->duration_us = dur;
  /* the key space of FTD connections is apart from the ASA ids */
  *key = (1ull << 63) | ((inst & 0xffff) << 40) | (conn & ((1ull << 40) - 1));
  return ASH_OK;
bad:
  *reason = "malformed FTD connection event";
  return ASH_REC_REJECTED;
}

/* 430002 (start) is held; 430003 (end) is the flow, and drops the held
 * start of the same connection. */
static int do_ftd(asa_state *s, ash_parse_ctx *ctx, const msg *m, uint64_t off, ash_event *ev,
                  const char **reason) {
  uint64_t key;
  int64_t first;
  int rc = ftd_event(s, ctx, m->text, ev, &key, &first, reason);
  if (rc) return rc;
  uint32_t host = host_index(s, m->fr.host);
  if (s->oom) return ASH_ENOMEM;
  if (m->id == 430002) {
    pending tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.id = key;
    tmp.host = host;
    tmp.ts = first != ASH_TIME_UNSET ? first : m->ts;
    tmp.ftd_first = first != ASH_TIME_UNSET;
    tmp.ref = off;
    tmp.used = 1;
    tmp.ftd_sev = (uint8_t)m->sev;
    tmp.ftd_n = (uint32_t)m->text.n;
    tmp.ftd = malloc(m->text.n + 1);
    if (!tmp.ftd) return -1; /* out of memory: stop */
    memcpy(tmp.ftd, m->text.p, m->text.n);
    tmp.ftd[m->text.n] = 0;
    return hold(s, ctx, &tmp);
  }
  /* the start: the first packet, else the log time minus the duration */
  ev->ts = first;
  if (ev->ts == ASH_TIME_UNSET && m->ts != ASH_TIME_UNSET)
    ev->ts = m->ts - (ev->duration_us != ASH_UNSET ? ev->duration_us : 0);
  ev->ref = off;
  ev->event_id = m->id;
  uint32_t i = find(s, key, host);
  /* the same connection: same key and, where both say, same first packet
   * (connection ids are reused) */
  if (i != NIL && s->slots[i].ftd &&
      (!s->slots[i].ftd_first || first == ASH_TIME_UNSET || s->slots[i].ts == first)) {
    ash_attrs_addcc(&s->attrs, "pairing", "start+end");
    ash_attrs_addc(&s->attrs, "start_offset", ash_strpool_u64(&s->pool, s->slots[i].ref));
    drop(s, i);
  }
  return ASH_OK;
}

static int asa_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                    const char **reason) {
  asa_state *s = state;
  msg m;
  if (!ash_frame_parse(line, n, asa_is_body, &m.fr)) {
    *reason = "not a Cisco ASA/FTD message";
    return ASH_REC_REJECTED;
  }
  ash_str b = m.fr.body;
  size_t f = asa_prefix(b);
  m.sev = b.p[f] - '0';
  m.id = 0;
  for (size_t i = f + 2; i < f + 8; i++) m.id = m.id * 10 + (uint32_t)(b.p[i] - '0');
  m.text = ash_str_trim(ash_str_sub(b, f + 9, b.n));
  m.ts = ash_frame_utc(&m.fr, ctx);
  ash_attrs_reset(&s->attrs);
  ash_strpool_reset(&s->pool);
  switch (m.id) {
  case 302013:
  case 302015: return do_built(s, ctx, &m, offset, reason);
  default: break;
  }
  if (m.id == 430002 || m.id == 430003) {
    ash_event ev;
    ash_event_init(&ev);
    int rc = do_ftd(s, ctx, &m, offset, &ev, reason);
    if (rc || m.id == 430002) return rc;
    ev.host = m.fr.host;
    ash_attrs_addc(&s->attrs, "severity", ash_strpool_u64(&s->pool, (uint64_t)m.sev));
    ash_frame_apply(&m.fr, &ev, &s->attrs, &s->pool);
    return emit(s, ctx, &ev);
  }
  ash_event ev;
  ash_event_init(&ev);
  ev.ts = m.ts;
  ev.ref = offset;
  ev.event_id = m.id;
  int rc;
  switch (m.id) {
  case 302014:
  case 302016: return do_teardown(s, ctx, &m, offset, &ev, reason);
  case 106023: rc = do_106023(s, &m, &ev, reason); break;
  case 106100: rc = do_106100(s, &m, &ev, reason); break;
  case 113004:
  case 113005:
  case 113012:
  case 113015:
  case 113019:
  case 113039:
  case 716001:
  case 716002:
  case 722022:
  case 722023:
  case 722028:
  case 722037:
  case 722051:
  case 734001: rc = do_vpn(s, &m, &ev, reason); break;
  default:
    ev.kind = ASH_KIND_LOG;
    ash_attrs_addc(&s->attrs, "message", m.text);
    rc = ASH_OK;
  }
  if (rc) return rc;
  if (!ev.host.n) ev.host = m.fr.host;
  ash_attrs_addc(&s->attrs, "severity", ash_strpool_u64(&s->pool, (uint64_t)m.sev));
  ash_frame_apply(&m.fr, &ev, &s->attrs, &s->pool);
  return emit(s, ctx, &ev);
}

static int asa_finish(void *state, ash_parse_ctx *ctx) {
  asa_state *s = state;
  while (s->oldest != NIL) {
    int rc = emit_unpaired(s, ctx, s->oldest, UNP_EOF);
    if (rc) return rc;
  }
  return ASH_OK;
}

static int asa_sniff_line(ash_str l) {
  ash_frame fr;
  return ash_frame_parse(l.p, l.n, asa_is_body, &fr);
}

static int asa_sniff(const uint8_t *head, size_t n) {
  int seen;
  int ok = ash_sniff_lines(head, n, 20, asa_sniff_line, &seen);
  if (!ok) return 0;
  return ok == seen ? 90 : 40 + 50 * ok / seen;
}

const ash_format ash_format_asa = {
    .name = "asa",
    .description = "Cisco ASA / FTD syslog (connections paired into flows, denies, AnyConnect)",
    .sniff = asa_sniff,
    .open = asa_open,
    .parse_line = asa_line,
    .finish = asa_finish,
    .close = asa_close,
};
