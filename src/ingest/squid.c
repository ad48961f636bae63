/* Squid's native access.log ("squid").
 *
 * The native format is Squid's logformat "squid" (squid.conf.documented,
 * logformat): "%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt",
 * that is
 *   time elapsed client code/status bytes method URL user hierarchy/peer type
 *   1286536308.779    180 192.0.2.24 TCP_MISS/200 411 GET http://... - HIER_DIRECT/198.51.100.4
 * image/gif time is UTC epoch seconds with milliseconds (only --clock-skew applies); elapsed is the
 * milliseconds the transaction held the connection (for a CONNECT tunnel: its whole life); bytes
 * are those delivered to the client. Values are separated by runs of spaces (elapsed is padded to
 * 6). The user is "-" unless the proxy authenticated one (or ident answered).
 *
 *   entry -> proxy.request: client -> src, the peer or origin address
 *            (after '/') -> dst when it is an address, the port of the URL
 *            (CONNECT host:port; else the URL's, or 80/443 by scheme) ->
 *            dst_port, user, elapsed -> duration, bytes -> bytes_in (to the
 *            client), the result code (TCP_MISS, TCP_TUNNEL, TCP_DENIED) ->
 *            action; method, url, the URL's host as dest_host, status,
 *            hierarchy and type as attributes.
 * A proxy hides the client behind its own address in the firewall's log;
 * this is what lets the hunts put the client back (dest_host and dst). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "fields.h"

enum { SQ_FIELDS = 10 };

typedef struct squid_state {
  ash_attrs attrs;
  ash_strpool pool;
} squid_state;

static int squid_open(void **state, const ash_parse_opts *o) {
  (void)o;
  squid_state *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  *state = s;
  return ASH_OK;
}
static void squid_close(void *state) { free(state); }

/* Split at runs of spaces; the 10th value takes the rest of the line (a
 * MIME type never holds a space, but a custom trailing field might).
 * Returns the count. */
static size_t split_runs(ash_str l, ash_str *v, size_t max) {
  size_t k = 0, i = 0;
  while (i < l.n && k < max) {
    while (i < l.n && l.p[i] == ' ') i++;
    if (i >= l.n) break;
    size_t j = i;
    if (k == max - 1)
      j = l.n;
    else
      while (j < l.n && l.p[j] != ' ') j++;
    v[k++] = ash_str_trim(ash_str_make(l.p + i, j - i));
    i = j;
  }
  return k;
}

/* The host and port a request went to: "host:port" (CONNECT),
 * "scheme://[user@]host[:port]/...", or "[v6]:port". */
static void url_target(ash_str method, ash_str url, ash_str *host, int32_t *port) {
  *host = ASH_STR_NULL;
  *port = -1;
  size_t i = 0;
  int scheme_port = -1;
  size_t sep = ash_str_find(url, "://");
  if (sep != (size_t)-1) {
    ash_str sch = ash_str_sub(url, 0, sep);
    scheme_port = ash_str_ieq(sch, "https")  ? 443
                  : ash_str_ieq(sch, "http") ? 80
                  : ash_str_ieq(sch, "ftp")  ? 21
                                             : -1;
    i = sep + 3;
  } else if (!ash_str_ieq(method, "CONNECT")) {
    return; /* a path without a host (an intercepted request, say) */
  }
  size_t end = i;
  while (end < url.n && url.p[end] != '/' && url.p[end] != '?' && url.p[end] != '#') end++;
  ash_str auth = ash_str_sub(url, i, end - i);
  size_t at = 0;
  for (size_t k = 0; k < auth.n; k++)
    if (auth.p[k] == '@') at = k + 1;
  auth = ash_str_sub(auth, at, auth.n);
  ash_str h = auth, pt = ASH_STR_NULL;
  if (auth.n && auth.p[0] == '[') {
    size_t rb = ash_str_find(auth, "]");
    if (rb == (size_t)-1) return;
    h = ash_str_sub(auth, 1, rb - 1);
    if (rb + 1 < auth.n && auth.p[rb + 1] == ':') pt = ash_str_sub(auth, rb + 2, auth.n);
  } else {
    size_t c = (size_t)-1;
    for (size_t k = 0; k < auth.n; k++)
      if (auth.p[k] == ':') c = k;
    if (c != (size_t)-1) {
      h = ash_str_sub(auth, 0, c);
      pt = ash_str_sub(auth, c + 1, auth.n);
    }
  }
  *host = h;
  *port = pt.n ? ash_port_parse(pt) : scheme_port;
}

static int hexval(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* The user is written with %XX escapes (logformat's "[" quoting: a
 * "DOMAIN\user" arrives as "DOMAIN%5Cuser"): decoded into the pool. */
static ash_str unescape(ash_strpool *pool, ash_str u) {
  if (!memchr(u.p, '%', u.n)) return u;
  ash_str d = ash_strpool_dup(pool, u);
  if (d.n != u.n) return u;
  char *o = (char *)d.p;
  size_t k = 0;
  for (size_t i = 0; i < u.n; i++) {
    int hi, lo;
    if (u.p[i] == '%' && ASH_FITS(i + 1, 2, u.n) && (hi = hexval(u.p[i + 1])) >= 0 &&
        (lo = hexval(u.p[i + 2])) >= 0) {
      o[k++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      o[k++] = u.p[i];
    }
  }
  return ash_str_make(o, k);
}

static int squid_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                      const char **reason) {
  squid_state *s = state;
  ash_str l = ash_str_trim(ash_str_make(line, n));
  if (!l.n) return ASH_REC_SKIP;
  ash_str v[SQ_FIELDS];
  size_t k = split_runs(l, v, SQ_FIELDS);
  if (k < 7) {
    *reason = "squid: fewer than 7 values";
    return ASH_REC_REJECTED;
  }
  ash_event ev;
  ash_event_init(&ev);
  ev.ref = offset;
  ev.kind = ASH_KIND_PROXY;
  int64_t ts;
  if (ash_epoch_parse(v[0], &ts)) {
    *reason = "squid: time is not epoch seconds";
    return ASH_REC_REJECTED;
  }
  ev.ts = ash_ctx_skew(ctx, ts);
  ash_attrs_reset(&s->attrs);
  ash_strpool_reset(&s->pool);
  int64_t ms;
  /* a hostile line may hold any number: past ~292,000 years it is no duration */
  if (ash_str_to_i64(v[1], &ms) == ASH_OK && ms >= 0 && ms <= INT64_MAX / 1000)
    ev.duration_us = ms * 1000;
  if (ash_ip_parse(v[2], &ev.src_ip)) ash_attrs_addc(&s->attrs, "client", v[2]);
  size_t slash = ash_str_find(v[3], "/");
  if (slash == (size_t)-1) {
    *reason = "squid: result is not CODE/STATUS";
    return ASH_REC_REJECTED;
  }
  ev.action = ash_str_sub(v[3], 0, slash);
  ash_attrs_addc(&s->attrs, "status", ash_str_sub(v[3], slash + 1, v[3].n));
  int64_t bytes;
  if (ash_str_to_i64(v[4], &bytes) == ASH_OK && bytes >= 0) ev.bytes_in = bytes;
  ash_str method = v[5], url = v[6];
  ash_attrs_addc(&s->attrs, "method", method);
  ash_attrs_addc(&s->attrs, "url", url);
  ash_str host;
  url_target(method, url, &host, &ev.dst_port);
  if (host.n) ash_attrs_addc(&s->attrs, "dest_host", host);
  if (k > 7 && !ash_str_eq(v[7], "-"))
    ash_user_split(unescape(&s->pool, v[7]), &ev.user, &ev.domain);
  if (k > 8) {
    size_t ps = ash_str_find(v[8], "/");
    ash_str hier = ps == (size_t)-1 ? v[8] : ash_str_sub(v[8], 0, ps);
    ash_str peer = ps == (size_t)-1 ? ASH_STR_NULL : ash_str_sub(v[8], ps + 1, v[8].n);
    ash_attrs_addc(&s->attrs, "hierarchy", hier);
    /* the address the proxy connected to: the origin (HIER_DIRECT) or a
     * parent proxy; "-" when it served from cache or refused */
    if (peer.n && !ash_str_eq(peer, "-") && ash_ip_parse(peer, &ev.dst_ip))
      ash_attrs_addc(&s->attrs, "peer", peer);
  }
  if (k > 9 && !ash_str_eq(v[9], "-")) ash_attrs_addc(&s->attrs, "type", v[9]);
  ash_attrs_attach(&s->attrs, &ev);
  return ash_emit_line(ctx, &ev);
}

/* A line of the native form: epoch.ms, a number, an address, CODE/NNN. */
static int looks_squid(ash_str l) {
  ash_str v[SQ_FIELDS];
  size_t k = split_runs(l, v, SQ_FIELDS);
  if (k < 7) return 0;
  int64_t ts, x;
  ash_ip ip;
  size_t slash = ash_str_find(v[3], "/");
  return !ash_epoch_parse(v[0], &ts) && ash_str_find(v[0], ".") != (size_t)-1 &&
         ash_str_to_i64(v[1], &x) == ASH_OK && !ash_ip_parse(v[2], &ip) && slash != (size_t)-1 &&
         slash > 2 && ash_str_to_i64(v[4], &x) == ASH_OK;
}

static int squid_sniff(const uint8_t *head, size_t n) {
  int seen = 0;
  int ok = ash_sniff_lines(head, n, 8, looks_squid, &seen);
  /* most lines, not all: a log may hold a damaged line among good ones */
  return ok && ok * 3 >= seen * 2 ? 80 : 0;
}

const ash_format ash_format_squid = {
    .name = "squid",
    .description = "Squid native access.log (proxy.request, the client behind the proxy)",
    .sniff = squid_sniff,
    .open = squid_open,
    .parse_line = squid_line,
    .close = squid_close,
};
