/* W3C extended log files: IIS and the many products that write the same
 * form ("w3c"), and the Windows Firewall log pfirewall.log ("winfw"), which
 * is a W3C extended file too.
 *
 * The form (W3C Working Draft WD-logfile-960323, "Extended Log File
 * Format"): directive lines start with '#' ("#Version:", "#Software:",
 * "#Date:", "#Fields:", and pfirewall's "#Time Format:"); every other line
 * is an entry whose space-separated values follow the latest "#Fields:".
 * A "-" is a value that is absent. Values with spaces are written quoted
 * ("...", with "" for a quote) by some products; IIS writes '+' for the
 * spaces of User-Agent and Cookie instead, so no IIS value holds a space.
 * Directives are not records and are not counted; a file may restart its
 * header mid-way (IIS does after every restart of the site), so each
 * "#Fields:" replaces the columns from then on.
 *
 * Time. IIS: "Time: The time, in coordinated universal time (UTC), at
 * which the activity occurred" (Microsoft, "W3C Extended Log File Format
 * (IIS 6.0)"; IIS 7+ kept it: only the rollover of file names follows local
 * time when asked to). So IIS entries are UTC, --tz does not apply, and
 * --clock-skew does. pfirewall.log says "#Time Format: Local": its entries
 * are the host's wall clock, read in --tz. A header saying UTC is honoured
 * either way.
 *
 *   IIS entry      -> web.request: c-ip -> src, s-ip:s-port -> dst,
 *                     cs-username -> user, s-computername (else
 *                     s-sitename) -> host, time-taken (ms) -> duration,
 *                     cs-bytes -> bytes_out (sent by the client),
 *                     sc-bytes -> bytes_in; method, URI, query, status,
 *                     user agent and the rest as attributes
 *   pfirewall      -> ALLOW: net.flow, DROP: net.deny (one entry per
 *                     connection the firewall saw, no duration or bytes;
 *                     "size" is the packet's size, kept as an attribute),
 *                     INFO-EVENTS-LOST: log, with the count lost; "path"
 *                     (SEND, RECEIVE, FORWARD) and pid as attributes.
 *                     The log does not name its host: events have none
 *                     (the file's path in the sources says whose it is).
 * Without a "#Fields:" header (a file cut from the middle of a log), an
 * entry with exactly the columns of the products' defaults is read with
 * those (IIS 8.5+ default set; pfirewall with and without pid); any other
 * entry before a header is rejected. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "fields.h"

/* Column roles the model uses; every other column becomes an attribute. */
enum {
  C_OTHER = 0,
  C_DATE,
  C_TIME,
  C_CIP,    /* c-ip: the client */
  C_SIP,    /* s-ip: the server */
  C_SPORT,  /* s-port */
  C_USER,   /* cs-username */
  C_HOST,   /* s-computername */
  C_SITE,   /* s-sitename */
  C_TAKEN,  /* time-taken, ms */
  C_CSB,    /* cs-bytes */
  C_SCB,    /* sc-bytes */
  C_METHOD, /* cs-method */
  C_STATUS, /* sc-status */
  /* pfirewall */
  C_ACTION,
  C_PROTO,
  C_SRC,
  C_DST,
  C_SRCP,
  C_DSTP,
  C_INFO
};

static const struct {
  const char *name;
  unsigned char role;
} ROLES[] = {
    {"date", C_DATE},
    {"time", C_TIME},
    {"c-ip", C_CIP},
    {"s-ip", C_SIP},
    {"s-port", C_SPORT},
    {"cs-username", C_USER},
    {"s-computername", C_HOST},
    {"s-sitename", C_SITE},
    {"time-taken", C_TAKEN},
    {"cs-bytes", C_CSB},
    {"sc-bytes", C_SCB},
    {"cs-method", C_METHOD},
    {"sc-status", C_STATUS},
    {"action", C_ACTION},
    {"protocol", C_PROTO},
    {"src-ip", C_SRC},
    {"dst-ip", C_DST},
    {"src-port", C_SRCP},
    {"dst-port", C_DSTP},
    {"info", C_INFO},
};

static const char IIS_DEFAULT[] = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
                                  "cs-username c-ip cs(User-Agent) cs(Referer) sc-status "
                                  "sc-substatus sc-win32-status time-taken";
static const char FW_DEFAULT[] = "date time action protocol src-ip dst-ip src-port dst-port size "
                                 "tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path pid";

typedef struct w3c_state {
  int firewall;   /* the "winfw" format: pfirewall.log defaults */
  int local_time; /* entries are wall-clock time (pfirewall "Local") */
  size_t nf;
  ash_str fname[ASH_MAX_FIELDS];
  unsigned char role[ASH_MAX_FIELDS];
  char names[8192]; /* the #Fields names */
  char date[16];    /* "#Date:" day, for entries without a date column */
  int have_fields;
  ash_str v[ASH_MAX_FIELDS];
  char scratch[ASH_MAX_LINE];
  ash_attrs attrs;
  ash_strpool pool;
} w3c_state;

static int roleof(ash_str n) {
  for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
    if (ash_str_ieq(n, ROLES[i].name)) return ROLES[i].role;
  return C_OTHER;
}

/* Take a "#Fields:" list (space-separated names). Returns 0, or -1 when it
 * has more names than ASH_MAX_FIELDS or longer than the name buffer. */
static int set_fields(w3c_state *s, ash_str list) {
  list = ash_str_trim(list);
  if (list.n >= sizeof s->names) return -1;
  memcpy(s->names, list.p, list.n);
  s->names[list.n] = 0;
  long n = ash_split_plain(s->names, list.n, ' ', s->fname, ASH_MAX_FIELDS);
  if (n < 0) return -1;
  size_t k = 0;
  for (long i = 0; i < n; i++) /* runs of spaces give empty names */
    if (s->fname[i].n) s->fname[k++] = s->fname[i];
  s->nf = k;
  for (size_t i = 0; i < k; i++) s->role[i] = (unsigned char)roleof(s->fname[i]);
  s->have_fields = k > 0;
  return 0;
}

static int w3c_open_as(void **state, int firewall) {
  w3c_state *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  s->firewall = firewall;
  s->local_time = firewall; /* pfirewall.log's own default */
  *state = s;
  return ASH_OK;
}
static int w3c_open(void **state, const ash_parse_opts *o) {
  (void)o;
  return w3c_open_as(state, 0);
}
static int winfw_open(void **state, const ash_parse_opts *o) {
  (void)o;
  return w3c_open_as(state, 1);
}
static void w3c_close(void *state) { free(state); }

/* A directive line (starts with '#'): header state, never a record. */
static void directive(w3c_state *s, ash_str d) {
  size_t colon = ash_str_find(d, ":");
  if (colon == (size_t)-1) return;
  ash_str key = ash_str_trim(ash_str_sub(d, 1, colon - 1));
  ash_str val = ash_str_trim(ash_str_sub(d, colon + 1, d.n));
  if (ash_str_ieq(key, "Fields")) {
    if (set_fields(s, val)) s->have_fields = 0; /* entries are then rejected */
  } else if (ash_str_ieq(key, "Time Format")) {
    s->local_time = ash_str_ieq(val, "Local");
  } else if (ash_str_ieq(key, "Date") && val.n >= 10) {
    memcpy(s->date, val.p, 10); /* "1996-03-23 00:00:00": the day */
    s->date[10] = 0;
  } else if (ash_str_ieq(key, "Software")) {
    if (ash_str_find(val, "Windows Firewall") != (size_t)-1) s->local_time = 1;
  }
}

/* Split an entry at spaces, honouring quoted values. Returns the count or
 * -1 (unclosed quote, too many values). */
static long split_entry(w3c_state *s, const char *p, size_t n) {
  if (!memchr(p, '"', n)) return ash_split_plain(p, n, ' ', s->v, ASH_MAX_FIELDS);
  size_t k = 0, i = 0, o = 0;
  while (i <= n) {
    if (k == ASH_MAX_FIELDS) return -1;
    if (i < n && p[i] == '"') {
      size_t start = o;
      i++;
      for (;;) {
        if (i >= n) return -1;
        if (p[i] == '"') {
          if (i + 1 < n && p[i + 1] == '"') {
            s->scratch[o++] = '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s->scratch[o++] = p[i++];
      }
      if (i < n && p[i] != ' ') return -1;
      s->v[k++] = ash_str_make(s->scratch + start, o - start);
      i++;
    } else {
      size_t j = i;
      while (j < n && p[j] != ' ') j++;
      s->v[k++] = ash_str_make(p + i, j - i);
      i = j + 1;
    }
  }
  return (long)k;
}

static int is_absent(ash_str v) { return !v.n || ash_str_eq(v, "-"); }

static int64_t num(ash_str v) {
  int64_t x;
  return !is_absent(v) && ash_str_to_i64(v, &x) == ASH_OK && x >= 0 ? x : ASH_UNSET;
}

static int w3c_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                    const char **reason) {
  w3c_state *s = state;
  ash_str l = ash_str_make(line, n);
  ash_str t = ash_str_trim(l);
  if (!t.n) return ASH_REC_SKIP;
  if (t.p[0] == '#') {
    directive(s, t);
    return ASH_REC_SKIP;
  }
  long nv = split_entry(s, t.p, t.n);
  if (nv < 0) {
    *reason = "w3c: unclosed quote or too many values";
    return ASH_REC_REJECTED;
  }
  if (!s->have_fields) {
    /* no header seen: only an entry of a default layout's width is read */
    const char *def = s->firewall ? FW_DEFAULT : IIS_DEFAULT;
    size_t want = 1;
    for (const char *c = def; *c; c++) want += *c == ' ';
    if (s->firewall && (size_t)nv == want - 1) want--; /* pfirewall before pid */
    if ((size_t)nv != want || set_fields(s, ash_str_make(def, strlen(def)))) {
      *reason = "w3c: entry before any #Fields: header, not a default layout";
      return ASH_REC_REJECTED;
    }
    s->nf = want;
  }
  if ((size_t)nv != s->nf) {
    *reason = "w3c: number of values differs from #Fields:";
    return ASH_REC_REJECTED;
  }
  ash_event ev;
  ash_event_init(&ev);
  ev.ref = offset;
  ash_attrs_reset(&s->attrs);
  ash_strpool_reset(&s->pool);
  ash_str date = ASH_STR_NULL, tim = ASH_STR_NULL, action = ASH_STR_NULL, site = ASH_STR_NULL;
  ash_str info = ASH_STR_NULL;
  int web = 0;
  for (size_t i = 0; i < s->nf; i++) {
    ash_str v = s->v[i];
    int absent = is_absent(v);
    switch (s->role[i]) {
    case C_DATE: date = v; break;
    case C_TIME: tim = v; break;
    case C_CIP:
    case C_SRC:
      if (!absent && ash_ip_parse(v, &ev.src_ip)) ash_attrs_add(&s->attrs, s->fname[i], v);
      break;
    case C_SIP:
    case C_DST:
      if (!absent && ash_ip_parse(v, &ev.dst_ip)) ash_attrs_add(&s->attrs, s->fname[i], v);
      break;
    case C_SPORT:
    case C_DSTP: ev.dst_port = absent ? -1 : ash_port_parse(v); break;
    case C_SRCP: ev.src_port = absent ? -1 : ash_port_parse(v); break;
    case C_USER:
      if (!absent) ash_user_split(v, &ev.user, &ev.domain);
      break;
    case C_HOST:
      if (!absent) ev.host = v;
      break;
    case C_SITE:
      if (!absent) site = v;
      ash_attrs_add(&s->attrs, s->fname[i], absent ? ASH_STR_NULL : v);
      break;
    case C_TAKEN: {
      int64_t ms = num(v);
      if (ms != ASH_UNSET && ms <= INT64_MAX / 1000) ev.duration_us = ms * 1000;
      break;
    }
    case C_CSB: ev.bytes_out = num(v); break;
    case C_SCB: ev.bytes_in = num(v); break;
    case C_METHOD:
      web = 1;
      ash_attrs_add(&s->attrs, s->fname[i], absent ? ASH_STR_NULL : v);
      break;
    case C_STATUS:
      web = 1;
      if (!absent) ev.action = v;
      break;
    case C_ACTION: action = v; break;
    case C_PROTO:
      if (!absent) ev.proto = v;
      break;
    case C_INFO: info = v; break; /* after the action: see below */
    default: ash_attrs_add(&s->attrs, s->fname[i], absent ? ASH_STR_NULL : v); break;
    }
  }
  if (!ev.host.n && site.n) ev.host = site;
  /* the time: "date time", or the header's #Date: day with the time */
  if (is_absent(date) && s->date[0]) date = ash_str_cstr(s->date);
  if (is_absent(date) || is_absent(tim)) {
    *reason = "w3c: entry without date or time";
    return ASH_REC_REJECTED;
  }
  ash_str when = ash_strpool_printf(&s->pool, "%.*s %.*s", (int)date.n, date.p, (int)tim.n, tim.p);
  int64_t us;
  if (!when.n || ash_wall_parse(when, &us)) {
    *reason = "w3c: date or time not understood";
    return ASH_REC_REJECTED;
  }
  ev.ts = s->local_time ? ash_ctx_local_to_utc(ctx, us) : ash_ctx_skew(ctx, us);
  if (action.n) {
    /* pfirewall: the proto is written in capitals (TCP, UDP, ICMP) */
    char *lp = (char *)ash_strpool_dup(&s->pool, ev.proto).p;
    for (size_t i = 0; lp && i < ev.proto.n; i++)
      if (lp[i] >= 'A' && lp[i] <= 'Z') lp[i] = (char)(lp[i] - 'A' + 'a');
    if (lp && ev.proto.n) ev.proto = ash_str_make(lp, ev.proto.n);
    if (ash_str_ieq(action, "ALLOW")) {
      ev.kind = ASH_KIND_FLOW;
      ev.action = ASH_STR_LIT("allow");
    } else if (ash_str_ieq(action, "DROP")) {
      ev.kind = ASH_KIND_FLOW_DENY;
      ev.action = ASH_STR_LIT("drop");
    } else {
      /* INFO-EVENTS-LOST (info holds the count) and any other action */
      ev.kind = ASH_KIND_LOG;
      ev.action = action;
    }
    if (!is_absent(info))
      ash_attrs_addc(&s->attrs, ash_str_ieq(action, "INFO-EVENTS-LOST") ? "events_lost" : "info",
                     info);
  } else {
    if (!is_absent(info)) ash_attrs_addc(&s->attrs, "info", info);
    ev.kind = web || ev.src_ip.fam ? ASH_KIND_WEB : ASH_KIND_LOG;
  }
  ash_attrs_attach(&s->attrs, &ev);
  return ash_emit_line(ctx, &ev);
}

/* Sniffing: a W3C file starts with directives. The firewall's says so in
 * #Software:, and its #Fields: names src-ip/dst-ip; IIS names c-ip. */
static int sniff_common(const uint8_t *head, size_t n, int firewall) {
  ash_str h = ash_str_make((const char *)head, n);
  int is_w3c = ash_str_starts(h, "#Software:") || ash_str_starts(h, "#Version:") ||
               ash_str_starts(h, "#Fields:") || ash_str_starts(h, "#Date:");
  if (!is_w3c) return 0;
  size_t f = ash_str_find(h, "#Fields:");
  int fw = ash_str_find(h, "Windows Firewall") != (size_t)-1 ||
           (f != (size_t)-1 && ash_str_find(ash_str_sub(h, f, 400), "src-ip") != (size_t)-1);
  if (firewall) return fw ? 90 : 0;
  return fw ? 0 : f != (size_t)-1 ? 85 : 50;
}
static int w3c_sniff(const uint8_t *head, size_t n) { return sniff_common(head, n, 0); }

/* A pfirewall entry without its header: "YYYY-MM-DD HH:MM:SS ALLOW|DROP
 * PROTO ..." with the default 17 or 18 values. */
static int looks_winfw(ash_str l) {
  ash_str v[ASH_MAX_FIELDS];
  long k = ash_split_plain(l.p, l.n, ' ', v, ASH_MAX_FIELDS);
  int64_t us;
  if (k != 17 && k != 18) return 0;
  ash_str when = ash_str_make(l.p, v[0].n + 1 + v[1].n);
  return !ash_wall_parse(when, &us) && (ash_str_eq(v[2], "ALLOW") || ash_str_eq(v[2], "DROP") ||
                                        ash_str_eq(v[2], "INFO-EVENTS-LOST"));
}

static int winfw_sniff(const uint8_t *head, size_t n) {
  int s = sniff_common(head, n, 1);
  if (s) return s;
  int seen = 0, ok = ash_sniff_lines(head, n, 8, looks_winfw, &seen);
  return ok && ok * 3 >= seen * 2 ? 70 : 0;
}

const ash_format ash_format_w3c = {
    .name = "w3c",
    .description = "W3C extended log files: IIS and products writing the same form (web.request)",
    .sniff = w3c_sniff,
    .open = w3c_open,
    .parse_line = w3c_line,
    .close = w3c_close,
};

const ash_format ash_format_winfw = {
    .name = "winfw",
    .description = "Windows Firewall log pfirewall.log (net.flow for ALLOW, net.deny for DROP)",
    .sniff = winfw_sniff,
    .open = winfw_open,
    .parse_line = w3c_line,
    .close = w3c_close,
};
