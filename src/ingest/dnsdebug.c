/* The Windows DNS Server debug log ("dnsdebug"), written when packet
 * logging is on (DNS Manager, Debug Logging; dnscmd /Config /LogLevel).
 *
 * The file explains itself in its header ("Message logging key (for
 * packets - other items use a subset of these fields)"): a packet line is
 *   Date Time ThreadID Context PacketID UDP/TCP Snd/Rcv RemoteIP Xid
 *   [R] Opcode [Flags-hex Flags-chars ResponseCode] QType QName
 *   11/20/2026 9:15:01 AM 0E4C PACKET  000000D1B8A4F1B0 UDP Rcv 192.0.2.15  a1b2   Q [0001   D
 * NOERROR] A      (7)example(3)com(0) Only PACKET lines are records. The header, the key's lines,
 * blank lines and the detail lines that follow a packet when "Details" logging is on are not
 * records and are not counted; other context lines (EVENT, Note) are kept as log events so that
 * nothing the server said is lost.
 *
 * Time is the server's local wall clock (--tz), written in the server's
 * locale: "11/20/2026 9:15:01 AM" (en-US, month first, 12-hour clock),
 * "20/11/2026 09:15:01" (day first, 24-hour), "20.11.2026 09:15:01",
 * "2026/11/20 9:15:01" (ja-JP) and "2026-11-20 09:15:01". A slashed date
 * with AM/PM is read month first: Windows' 12-hour locales that write
 * d/m/y are rare next to en-US, which is the server default. A slashed
 * 24-hour date is read day first unless its first number is above 12 only
 * in the second place.
 *
 *   Rcv packet -> dns.query: the remote (a client asking, or a server
 *                 answering our recursion) -> src; Snd -> dst. The name
 *                 decoded from its wire labels ("(7)example(3)com(0)" ->
 *                 example.com) as query, type, response code, opcode,
 *                 direction, flags, xid and protocol as attributes
 *                 (proto tcp/udp on the event). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "fields.h"

typedef struct dns_state {
  ash_attrs attrs;
  ash_strpool pool;
  char name[512];
} dns_state;

static int dns_open(void **state, const ash_parse_opts *o) {
  (void)o;
  dns_state *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  *state = s;
  return ASH_OK;
}
static void dns_close(void *state) { free(state); }

/* Next run of non-space characters of l from *i. */
static ash_str tok(ash_str l, size_t *i) {
  while (*i < l.n && (l.p[*i] == ' ' || l.p[*i] == '\t')) (*i)++;
  size_t b = *i;
  while (*i < l.n && l.p[*i] != ' ' && l.p[*i] != '\t') (*i)++;
  return ash_str_make(l.p + b, *i - b);
}

static int num_parts(ash_str d, char sep, int v[3]) {
  size_t i = 0;
  for (int k = 0; k < 3; k++) {
    if (k && (i >= d.n || d.p[i++] != sep)) return -1;
    size_t b = i;
    int x = 0;
    while (i < d.n && d.p[i] >= '0' && d.p[i] <= '9' && i - b < 5) x = x * 10 + (d.p[i++] - '0');
    if (i == b) return -1;
    v[k] = x;
  }
  return i == d.n ? 0 : -1;
}

/* The date and time at *pos in one of the locale forms above, as wall
 * clock microseconds; *pos moves past them (and past AM/PM). */
static int parse_when(ash_str l, size_t *pos, int64_t *out) {
  size_t i = *pos;
  ash_str d = tok(l, &i), t = tok(l, &i);
  size_t j = i;
  ash_str ampm = tok(l, &j);
  int pm = -1;
  if (ash_str_ieq(ampm, "AM")) pm = 0;
  if (ash_str_ieq(ampm, "PM")) pm = 1;
  int a[3], y, m, dd;
  if (!num_parts(d, '/', a) || !num_parts(d, '-', a) || !num_parts(d, '.', a)) {
    int dot = ash_str_find(d, ".") != (size_t)-1;
    if (a[0] > 31) { /* year first */
      y = a[0], m = a[1], dd = a[2];
    } else if (pm >= 0 && !dot) { /* en-US: month first */
      m = a[0], dd = a[1], y = a[2];
    } else if (!dot && a[0] <= 12 && a[1] > 12) { /* only month first fits */
      m = a[0], dd = a[1], y = a[2];
    } else {
      dd = a[0], m = a[1], y = a[2];
    }
  } else {
    return -1;
  }
  int hms[3];
  if (num_parts(t, ':', hms)) return -1;
  if (pm >= 0) {
    if (hms[0] < 1 || hms[0] > 12) return -1;
    hms[0] = hms[0] % 12 + (pm ? 12 : 0);
    i = j;
  }
  char buf[40];
  int n =
      snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", y, m, dd, hms[0], hms[1], hms[2]);
  if (n <= 0 || (size_t)n >= sizeof buf || ash_wall_parse(ash_str_make(buf, (size_t)n), out))
    return -1;
  *pos = i;
  return 0;
}

/* "(7)example(3)com(0)" -> "example.com" into out; a name that does not
 * decode is kept as written. */
static ash_str qname(dns_state *s, ash_str w) {
  size_t o = 0, i = 0;
  while (i < w.n) {
    if (w.p[i] != '(') goto raw;
    size_t j = i + 1;
    int len = 0;
    while (j < w.n && w.p[j] >= '0' && w.p[j] <= '9' && len < 1000)
      len = len * 10 + (w.p[j++] - '0');
    if (j >= w.n || w.p[j] != ')') goto raw;
    j++;
    if (!len) {
      if (j != w.n) goto raw;
      break;
    }
    if (!ASH_FITS(j, (size_t)len, w.n) || o + (size_t)len + 1 >= sizeof s->name) goto raw;
    if (o) s->name[o++] = '.';
    memcpy(s->name + o, w.p + j, (size_t)len);
    o += (size_t)len;
    i = j + (size_t)len;
  }
  return ash_str_make(s->name, o);
raw:
  return w;
}

static int dns_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                    const char **reason) {
  dns_state *s = state;
  ash_str l = ash_str_make(line, n);
  ash_str t = ash_str_trim(l);
  if (!t.n) return ASH_REC_SKIP;
  /* a line that does not start with a date is the header, the key, or a
   * packet's detail: not a record */
  if (t.p[0] < '0' || t.p[0] > '9' || l.p[0] == ' ' || l.p[0] == '\t') return ASH_REC_SKIP;
  if (ash_str_starts(t, "DNS Server log")) return ASH_REC_SKIP;
  size_t i = 0;
  int64_t wall;
  if (parse_when(t, &i, &wall)) {
    *reason = "dnsdebug: date or time not understood";
    return ASH_REC_REJECTED;
  }
  ash_event ev;
  ash_event_init(&ev);
  ev.ref = offset;
  ev.ts = ash_ctx_local_to_utc(ctx, wall);
  ash_attrs_reset(&s->attrs);
  ash_strpool_reset(&s->pool);
  ash_str thread = tok(t, &i), context = tok(t, &i);
  ash_attrs_addc(&s->attrs, "thread", thread);
  if (!ash_str_eq(context, "PACKET")) {
    /* EVENT, Note, ...: kept as it is */
    ev.kind = ASH_KIND_LOG;
    ash_attrs_addc(&s->attrs, "context", context);
    while (i < t.n && t.p[i] == ' ') i++;
    ash_attrs_addc(&s->attrs, "message", ash_str_sub(t, i, t.n));
    ash_attrs_attach(&s->attrs, &ev);
    return ash_emit_line(ctx, &ev);
  }
  ev.kind = ASH_KIND_DNS_QUERY;
  ash_str pid = tok(t, &i), proto = tok(t, &i), dir = tok(t, &i), remote = tok(t, &i);
  ash_str xid = tok(t, &i);
  ash_ip ip;
  int rcv = ash_str_ieq(dir, "Rcv");
  if (!pid.n || !xid.n || (!rcv && !ash_str_ieq(dir, "Snd")) || ash_ip_parse(remote, &ip)) {
    *reason = "dnsdebug: packet line without direction, address or xid";
    return ASH_REC_REJECTED;
  }
  if (rcv)
    ev.src_ip = ip;
  else
    ev.dst_ip = ip;
  ev.proto = ash_str_ieq(proto, "TCP") ? ASH_STR_LIT("tcp") : ASH_STR_LIT("udp");
  ash_attrs_addcc(&s->attrs, "direction", rcv ? "receive" : "send");
  ash_attrs_addc(&s->attrs, "xid", xid);
  /* "R Q [" for a response, "Q [" for a query; then the bracketed flags */
  size_t lb = ash_str_find(ash_str_sub(t, i, t.n), "[");
  size_t rbk = ash_str_find(ash_str_sub(t, i, t.n), "]");
  if (lb == (size_t)-1 || rbk == (size_t)-1 || rbk < lb) {
    *reason = "dnsdebug: packet line without [flags]";
    return ASH_REC_REJECTED;
  }
  ash_str pre = ash_str_trim(ash_str_sub(t, i, lb));
  ash_str fl = ash_str_sub(t, i + lb + 1, rbk - lb - 1);
  size_t k = 0;
  ash_str a = tok(pre, &k), b = tok(pre, &k);
  int response = ash_str_eq(a, "R");
  ash_attrs_addcc(&s->attrs, "message_type", response ? "response" : "query");
  ash_attrs_addc(&s->attrs, "opcode", response ? b : a);
  size_t f = 0;
  ash_str hex = tok(fl, &f), chars = tok(fl, &f), rcode = tok(fl, &f);
  if (!rcode.n) { /* no flag characters: "[0001  NOERROR]" */
    rcode = chars;
    chars = ASH_STR_NULL;
  }
  ash_attrs_addc(&s->attrs, "flags", hex);
  if (chars.n) ash_attrs_addc(&s->attrs, "flag_chars", chars);
  ash_attrs_addc(&s->attrs, "rcode", rcode);
  i += rbk + 1;
  ash_str qtype = tok(t, &i), qn = tok(t, &i);
  ash_attrs_addc(&s->attrs, "qtype", qtype);
  if (qn.n) ash_attrs_addc(&s->attrs, "query", qname(s, qn));
  ash_attrs_attach(&s->attrs, &ev);
  return ash_emit_line(ctx, &ev);
}

static int dns_sniff(const uint8_t *head, size_t n) {
  ash_str h = ash_str_make((const char *)head, n);
  if (ash_str_starts(h, "DNS Server log file creation")) return 95;
  if (ash_str_find(h, " PACKET  ") != (size_t)-1 &&
      (ash_str_find(h, " UDP Rcv ") != (size_t)-1 || ash_str_find(h, " UDP Snd ") != (size_t)-1))
    return 80;
  return 0;
}

const ash_format ash_format_dnsdebug = {
    .name = "dnsdebug",
    .description = "Windows DNS Server debug log (dns.query per packet)",
    .sniff = dns_sniff,
    .open = dns_open,
    .parse_line = dns_line,
    .close = dns_close,
};
