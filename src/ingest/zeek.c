/* Zeek logs: the TSV form ("zeek") and JSON lines ("zeek-json").
 *
 * TSV is header-driven: "#separator" (with \xHH escapes), "#set_separator",
 * "#empty_field", "#unset_field", "#path" and "#fields" are read as they
 * come (a file may hold several logs one after the other, each with its
 * own header), so columns may be in any order and extra columns (such as
 * _node_name from a cluster) are kept as attributes. Header lines are not
 * records and are not counted. The unset value ("-") leaves a field out;
 * the empty value ("(empty)", an empty set or string) is left out too:
 * neither carries a value, and "-" versus "(empty)" is not evidence.
 *
 * JSON lines accept both the dotted keys of Zeek's JSON writer
 * ("id.orig_h") and the underscored keys of exporters that cannot store
 * dots ("id_orig_h"), and a nested "id" object.
 *
 *   conn.log      -> net.flow: orig -> src, resp -> dst, orig_bytes ->
 *                    bytes_out, resp_bytes -> bytes_in, orig_pkts/resp_pkts
 *                    -> packets, duration; conn_state, history, uid and the
 *                    rest as attributes
 *   open_conn.log, conn_long.log (connections still open, reported every
 *                    hour with the totals so far) -> net.flow with
 *                    attrs.still_open = "true": the same uid appears again
 *                    later, with larger totals, so hunts must not add them
 *   any other log -> log, with the id.* addresses and ports normalised
 *
 * Zeek writes UTC epoch seconds: only --clock-skew applies. A line may
 * carry a syslog header in front of the JSON or TSV record. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "fields.h"

enum role {
  R_OTHER = 0,
  R_TS,
  R_OH,
  R_OP,
  R_RH,
  R_RP,
  R_PROTO,
  R_SERVICE,
  R_DURATION,
  R_OBYTES,
  R_RBYTES,
  R_OPKTS,
  R_RPKTS,
  R_PATH
};

static const struct {
  const char *name;
  int role;
} ROLES[] = {{"ts", R_TS},
             {"id.orig_h", R_OH},
             {"id.orig_p", R_OP},
             {"id.resp_h", R_RH},
             {"id.resp_p", R_RP},
             {"id_orig_h", R_OH},
             {"id_orig_p", R_OP},
             {"id_resp_h", R_RH},
             {"id_resp_p", R_RP},
             {"proto", R_PROTO},
             {"service", R_SERVICE},
             {"duration", R_DURATION},
             {"orig_bytes", R_OBYTES},
             {"resp_bytes", R_RBYTES},
             {"orig_pkts", R_OPKTS},
             {"resp_pkts", R_RPKTS},
             {"_path", R_PATH}};

static int role_of(const char *k, size_t n) {
  for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
    if (strlen(ROLES[i].name) == n && !memcmp(ROLES[i].name, k, n)) return ROLES[i].role;
  return R_OTHER;
}

/* The standard conn.log columns, assumed for headerless TSV of that width. */
static const char *const DEFAULT_CONN[] = {
    "ts",         "uid",           "id.orig_h",      "id.orig_p",  "id.resp_h",  "id.resp_p",
    "proto",      "service",       "duration",       "orig_bytes", "resp_bytes", "conn_state",
    "local_orig", "local_resp",    "missed_bytes",   "history",    "orig_pkts",  "orig_ip_bytes",
    "resp_pkts",  "resp_ip_bytes", "tunnel_parents", "ip_proto"};

typedef struct zeek_state {
  /* TSV header */
  char sep;
  char empty[32], unset[32], path[64];
  size_t nfields;
  ash_str fname[ASH_MAX_FIELDS];
  unsigned char role[ASH_MAX_FIELDS];
  char names[65536]; /* the #fields names */
  int have_fields, assumed;
  /* per record */
  ash_str f[ASH_MAX_FIELDS];
  ash_attrs attrs;
  ash_strpool pool;
} zeek_state;

static int zeek_open(void **state, const ash_parse_opts *opts) {
  (void)opts;
  zeek_state *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  s->sep = '\t';
  memcpy(s->empty, "(empty)", 8);
  memcpy(s->unset, "-", 2);
  *state = s;
  return ASH_OK;
}

static void zeek_close(void *state) { free(state); }

static int is_open_path(ash_str p) {
  return ash_str_eq(p, "open_conn") || ash_str_eq(p, "conn_long");
}
static int is_conn_path(ash_str p) { return ash_str_eq(p, "conn") || is_open_path(p); }

/* Decode "\x09"-style escapes of a header value into out (NUL-terminated,
 * truncated to cap). */
static size_t unescape(ash_str v, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < v.n && o + 1 < cap; i++) {
    if (v.p[i] == '\\' && ASH_FITS(i + 1, 3, v.n) && v.p[i + 1] == 'x') {
      int hv = 0, ok = 1;
      for (int k = 2; k < 4; k++) {
        char c = v.p[i + k];
        hv <<= 4;
        if (c >= '0' && c <= '9')
          hv |= c - '0';
        else if (c >= 'a' && c <= 'f')
          hv |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
          hv |= c - 'A' + 10;
        else
          ok = 0;
      }
      if (ok) {
        out[o++] = (char)hv;
        i += 3;
        continue;
      }
    }
    out[o++] = v.p[i];
  }
  out[o] = 0;
  return o;
}

static void set_fields(zeek_state *s, const ash_str *names, size_t n) {
  size_t used = 0;
  s->nfields = 0;
  for (size_t i = 0; i < n && i < ASH_MAX_FIELDS; i++) {
    if (!ASH_FITS(used, names[i].n, sizeof s->names)) break;
    if (names[i].n) memcpy(s->names + used, names[i].p, names[i].n);
    s->fname[i] = ash_str_make(s->names + used, names[i].n);
    s->role[i] = (unsigned char)role_of(names[i].p, names[i].n);
    used += names[i].n;
    s->nfields++;
  }
  s->have_fields = 1;
}

static int header_line(zeek_state *s, const char *line, size_t n) {
  ash_str l = ash_str_make(line, n);
  if (ash_str_starts(l, "#separator")) {
    char buf[8];
    size_t k = unescape(ash_str_trim(ash_str_sub(l, 10, n)), buf, sizeof buf);
    if (k == 1) s->sep = buf[0];
    return ASH_REC_SKIP;
  }
  /* the other header lines use the separator */
  const char *e = memchr(line, s->sep, n);
  ash_str key = ash_str_make(line, e ? (size_t)(e - line) : n);
  ash_str val = e ? ash_str_make(e + 1, n - key.n - 1) : ASH_STR_NULL;
  if (!val.p) val = ash_str_make("", 0); /* "#fields" alone: no names, and no NULL + 0 below */
  if (ash_str_eq(key, "#fields")) {
    ash_str *names = s->f; /* the per-record scratch is free here */
    size_t nn = 0, i = 0;
    while (i <= val.n && nn < ASH_MAX_FIELDS) {
      const char *q = i < val.n ? memchr(val.p + i, s->sep, val.n - i) : NULL;
      size_t end = q ? (size_t)(q - val.p) : val.n;
      names[nn++] = ash_str_make(val.p + i, end - i);
      if (!q) break;
      i = end + 1;
    }
    set_fields(s, names, nn);
    s->assumed = 0;
  } else if (ash_str_eq(key, "#empty_field")) {
    unescape(val, s->empty, sizeof s->empty);
  } else if (ash_str_eq(key, "#unset_field")) {
    unescape(val, s->unset, sizeof s->unset);
  } else if (ash_str_eq(key, "#path")) {
    unescape(val, s->path, sizeof s->path);
  }
  /* #set_separator, #open, #close, #types: nothing needed */
  return ASH_REC_SKIP;
}

/* ---- shared event building ---- */

typedef struct zrec {
  ash_event ev;
  ash_str path;
  int conn_like; /* has conn.log fields though no path says so */
} zrec;

/* A fresh record (and attributes) for the line at offset. */
static void rec_begin(zeek_state *s, zrec *r, uint64_t offset) {
  ash_attrs_reset(&s->attrs);
  ash_strpool_reset(&s->pool);
  memset(r, 0, sizeof *r);
  ash_event_init(&r->ev);
  r->ev.ref = offset;
}

static void set_ip(ash_ip *ip, ash_str v) {
  if (!v.n || ash_ip_parse(v, ip)) ip->fam = 0;
}

static int64_t num(ash_str v) {
  int64_t x;
  return v.n && !ash_str_to_i64(v, &x) ? x : ASH_UNSET;
}

/* Put one named value into the event (text form). Returns 1 when it was
 * normalised, 0 when it should be an attribute. */
static int apply_text(ash_parse_ctx *ctx, zrec *r, int role, ash_str v) {
  ash_event *ev = &r->ev;
  int64_t t;
  switch (role) {
  case R_TS:
    if (ash_epoch_parse(v, &t) == ASH_OK || ash_time_parse_iso(v, &t) == ASH_OK) {
      ev->ts = ash_ctx_skew(ctx, t);
      return 1;
    }
    return 0;
  case R_OH: set_ip(&ev->src_ip, v); return ash_ip_isset(&ev->src_ip);
  case R_RH: set_ip(&ev->dst_ip, v); return ash_ip_isset(&ev->dst_ip);
  case R_OP: ev->src_port = ash_port_parse(v); return ev->src_port >= 0;
  case R_RP: ev->dst_port = ash_port_parse(v); return ev->dst_port >= 0;
  case R_PROTO: ev->proto = v; return 1;
  case R_SERVICE: ev->service = v; return 1;
  case R_DURATION:
    if (ash_secs_parse(v, &t) == ASH_OK) {
      ev->duration_us = t;
      return 1;
    }
    return 0;
  case R_OBYTES: ev->bytes_out = num(v); return ev->bytes_out != ASH_UNSET;
  case R_RBYTES: ev->bytes_in = num(v); return ev->bytes_in != ASH_UNSET;
  case R_OPKTS: ev->packets_out = num(v); return ev->packets_out != ASH_UNSET;
  case R_RPKTS: ev->packets_in = num(v); return ev->packets_in != ASH_UNSET;
  case R_PATH: r->path = v; return 0; /* also kept as an attribute */
  default: return 0;
  }
}

static int finish_rec(zeek_state *s, ash_parse_ctx *ctx, zrec *r, const ash_frame *fr,
                      const char **reason) {
  ash_event *ev = &r->ev;
  ash_str path = r->path.n ? r->path : ash_str_cstr(s->path);
  int conn = path.n ? is_conn_path(path) : r->conn_like;
  ev->kind = conn ? ASH_KIND_FLOW : ASH_KIND_LOG;
  if (conn && !path.n) path = ash_str_cstr("conn");
  if (!r->path.n) ash_attrs_addc(&s->attrs, "zeek_path", path);
  if (is_open_path(path)) {
    ash_attrs_addcc(&s->attrs, "still_open", "true");
    if (conn) ev->flow_flags |= ASH_FLOW_INTERIM;
  }
  if (conn &&
      (ev->ts == ASH_TIME_UNSET || !ash_ip_isset(&ev->src_ip) || !ash_ip_isset(&ev->dst_ip))) {
    *reason = "Zeek conn record without ts or addresses";
    return ASH_REC_REJECTED;
  }
  ash_frame_apply(fr, ev, &s->attrs, &s->pool);
  ash_attrs_attach(&s->attrs, ev);
  return ash_emit_line(ctx, ev);
}

/* ---- TSV ---- */

static int tsv_is_body(ash_str b) {
  /* a data line starts with an epoch time: digits, '.', digits */
  size_t i = 0;
  while (i < b.n && b.p[i] >= '0' && b.p[i] <= '9') i++;
  if (i == 0 || i >= b.n) return 0;
  if (b.p[i] == '.') {
    i++;
    while (i < b.n && b.p[i] >= '0' && b.p[i] <= '9') i++;
  }
  return i < b.n && (b.p[i] == '\t' || b.p[i] == ',' || b.p[i] == ' ' || b.p[i] == '|');
}

static int tsv_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                    const char **reason) {
  zeek_state *s = state;
  if (line[0] == '#') return header_line(s, line, n);
  ash_frame fr;
  ash_frame_parse(line, n, tsv_is_body, &fr);
  long nf = ash_split_plain(fr.body.p, fr.body.n, s->sep, s->f, ASH_MAX_FIELDS);
  if (nf < 0) {
    *reason = "Zeek record with too many columns";
    return ASH_REC_REJECTED;
  }
  if (!s->have_fields || s->assumed) {
    /* no header: only the standard conn.log layout can be assumed */
    size_t nd = sizeof DEFAULT_CONN / sizeof DEFAULT_CONN[0];
    if ((nf != (long)nd && nf != (long)nd - 1) ||
        !(ash_str_eq(s->f[6], "tcp") || ash_str_eq(s->f[6], "udp") ||
          ash_str_eq(s->f[6], "icmp"))) {
      *reason = "Zeek TSV record before any #fields header";
      return ASH_REC_REJECTED;
    }
    if (!s->assumed || s->nfields != (size_t)nf) {
      ash_str names[sizeof DEFAULT_CONN / sizeof DEFAULT_CONN[0]];
      for (size_t i = 0; i < (size_t)nf; i++) names[i] = ash_str_cstr(DEFAULT_CONN[i]);
      set_fields(s, names, (size_t)nf);
      s->assumed = 1;
      if (!s->path[0]) memcpy(s->path, "conn", 5);
    }
  }
  if ((size_t)nf != s->nfields) {
    *reason = "Zeek record whose column count differs from #fields";
    return ASH_REC_REJECTED;
  }
  zrec r;
  rec_begin(s, &r, offset);
  size_t ue = strlen(s->unset), ee = strlen(s->empty);
  for (long i = 0; i < nf; i++) {
    ash_str v = s->f[i];
    if (v.n == ue && !memcmp(v.p, s->unset, ue)) continue;
    /* an empty set or string carries no value either: left out too */
    if (v.n == ee && !memcmp(v.p, s->empty, ee)) continue;
    if (!apply_text(ctx, &r, s->role[i], v)) ash_attrs_add(&s->attrs, s->fname[i], v);
  }
  if (s->assumed)
    ash_attrs_addcc(&s->attrs, "fields_assumed", "standard conn.log order (no #fields header)");
  return finish_rec(s, ctx, &r, &fr, reason);
}

/* A headerless line in the standard conn.log layout (zeek-cut output). */
static int tsv_sniff_line(ash_str l) {
  ash_str f[32];
  long nf = ash_split_plain(l.p, l.n, '\t', f, 32);
  size_t nd = sizeof DEFAULT_CONN / sizeof DEFAULT_CONN[0];
  int64_t t;
  return (nf == (long)nd || nf == (long)nd - 1) && !ash_epoch_parse(f[0], &t) &&
         (ash_str_eq(f[6], "tcp") || ash_str_eq(f[6], "udp") || ash_str_eq(f[6], "icmp"));
}

static int tsv_sniff(const uint8_t *head, size_t n) {
  ash_str h = ash_str_make((const char *)head, n);
  if (ash_str_starts(h, "#separator ")) return 95;
  int seen;
  int ok = ash_sniff_lines(head, n, 20, tsv_sniff_line, &seen);
  return ok && ok == seen ? 60 : 0;
}

/* ---- JSON ---- */

static int json_is_body(ash_str b) { return b.n && b.p[0] == '{'; }

static ash_str json_text(zeek_state *s, json_t *v, char **freeme) {
  switch (json_typeof(v)) {
  case JSON_STRING: return ash_str_make(json_string_value(v), json_string_length(v));
  case JSON_INTEGER: return ash_strpool_printf(&s->pool, "%lld", (long long)json_integer_value(v));
  case JSON_REAL: return ash_strpool_printf(&s->pool, "%.6f", json_real_value(v));
  case JSON_TRUE: return ash_str_cstr("true");
  case JSON_FALSE: return ash_str_cstr("false");
  case JSON_NULL: return ASH_STR_NULL;
  default: {
    char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!d) return ASH_STR_NULL;
    *freeme = d;
    return ash_str_cstr(d);
  }
  }
}

/* A number into a normalised field (1), or not (0: an attribute). */
static int apply_num(ash_parse_ctx *ctx, zrec *r, int role, double d, int is_int, long long x) {
  ash_event *ev = &r->ev;
  switch (role) {
  case R_TS:
    if (d >= 0 && d < 1e11) {
      ev->ts = ash_ctx_skew(ctx, (int64_t)llround(d * 1e6));
      return 1;
    }
    return 0;
  case R_DURATION:
    if (d >= 0 && d < 1e11) {
      ev->duration_us = (int64_t)llround(d * 1e6);
      return 1;
    }
    return 0;
  case R_OP:
  case R_RP:
  case R_OBYTES:
  case R_RBYTES:
  case R_OPKTS:
  case R_RPKTS:
    if (!is_int || x < 0) return 0;
    if (role == R_OP || role == R_RP) {
      if (x > 65535) return 0;
      *(role == R_OP ? &ev->src_port : &ev->dst_port) = (int32_t)x;
    } else if (role == R_OBYTES) {
      ev->bytes_out = x;
    } else if (role == R_RBYTES) {
      ev->bytes_in = x;
    } else if (role == R_OPKTS) {
      ev->packets_out = x;
    } else {
      ev->packets_in = x;
    }
    return 1;
  default: return 0;
  }
}

static int apply_json(ash_parse_ctx *ctx, zrec *r, int role, json_t *v) {
  if (json_is_integer(v))
    return apply_num(ctx, r, role, (double)json_integer_value(v), 1,
                     (long long)json_integer_value(v));
  if (json_is_real(v)) return apply_num(ctx, r, role, json_real_value(v), 0, 0);
  if (json_is_string(v))
    return apply_text(ctx, r, role, ash_str_make(json_string_value(v), json_string_length(v)));
  return 0; /* arrays, objects, booleans: attributes */
}

typedef struct jstate {
  zeek_state *z;
  char *freeme[64];
  size_t nfree;
} jstate;

static void json_member(jstate *j, ash_parse_ctx *ctx, zrec *r, ash_str key, json_t *v) {
  zeek_state *s = j->z;
  int role = role_of(key.p, key.n);
  if (ash_str_eq(key, "conn_state") || ash_str_eq(key, "history")) r->conn_like = 1;
  if (json_is_null(v)) return;
  if (apply_json(ctx, r, role, v) && role != R_PATH) return;
  char *fm = NULL;
  ash_str t = json_text(s, v, &fm);
  if (fm) {
    if (j->nfree < 64) {
      j->freeme[j->nfree++] = fm;
    } else {
      free(fm);
      return;
    }
  }
  ash_attrs_add(&s->attrs, key, t);
}

/* The fast path of zeek-json. Zeek writes flat objects of strings,
 * numbers and booleans; building a jansson tree for each line cost ten times
 * the rest of the parse. A line that is exactly that (no escapes, arrays,
 * nested objects, duplicate keys, or numbers jansson would refuse) is read
 * here, everything else goes to jansson, so both paths give the same events
 * (tests and the fuzz target compare them). 0 turns the fast path off. */
int ash_zeek_json_fast = 1;

typedef struct jtok {
  ash_str key, raw;
  char type; /* s i r t f n */
} jtok;

static size_t jws(ash_str b, size_t i) {
  while (i < b.n && (b.p[i] == ' ' || b.p[i] == '\t' || b.p[i] == '\n' || b.p[i] == '\r')) i++;
  return i;
}

/* b.p[i] == '"': a string without escapes or control characters; returns
 * the index after the closing quote, 0 when not that simple. */
static size_t jstr(ash_str b, size_t i, ash_str *out) {
  size_t st = ++i;
  while (i < b.n) {
    unsigned char c = (unsigned char)b.p[i];
    if (c == '"') {
      *out = ash_str_make(b.p + st, i - st);
      return i + 1;
    }
    if (c == '\\' || c < 0x20) return 0;
    i++;
  }
  return 0;
}

static int jdigit(ash_str b, size_t i) { return i < b.n && b.p[i] >= '0' && b.p[i] <= '9'; }

/* A JSON number (RFC 8259 grammar); returns the index after it or 0. */
static size_t jnum(ash_str b, size_t i, int *is_real) {
  *is_real = 0;
  if (i < b.n && b.p[i] == '-') i++;
  if (!jdigit(b, i)) return 0;
  if (b.p[i] == '0')
    i++;
  else
    while (jdigit(b, i)) i++;
  if (i < b.n && b.p[i] == '.') {
    i++;
    if (!jdigit(b, i)) return 0;
    while (jdigit(b, i)) i++;
    *is_real = 1;
  }
  if (i < b.n && (b.p[i] == 'e' || b.p[i] == 'E')) {
    i++;
    if (i < b.n && (b.p[i] == '+' || b.p[i] == '-')) i++;
    if (!jdigit(b, i)) return 0;
    while (jdigit(b, i)) i++;
    *is_real = 1;
  }
  return i;
}

static int jlit(ash_str b, size_t i, const char *lit) {
  size_t ln = strlen(lit);
  return ASH_FITS(i, ln, b.n) && !memcmp(b.p + i, lit, ln);
}

/* 0 and *nt tokens, or -1: not for the fast path. */
static int fast_scan(ash_str b, jtok *t, size_t max, size_t *nt) {
  size_t i = jws(b, 0), n = 0;
  if (i >= b.n || b.p[i] != '{') return -1;
  i = jws(b, i + 1);
  if (i < b.n && b.p[i] == '}') {
    *nt = 0;
    return jws(b, i + 1) == b.n ? 0 : -1;
  }
  for (;;) {
    if (n >= max || i >= b.n || b.p[i] != '"') return -1;
    jtok *k = &t[n];
    if (!(i = jstr(b, i, &k->key))) return -1;
    i = jws(b, i);
    if (i >= b.n || b.p[i] != ':') return -1;
    i = jws(b, i + 1);
    if (i >= b.n) return -1;
    size_t st = i;
    char c = b.p[i];
    if (c == '"') {
      if (!(i = jstr(b, i, &k->raw))) return -1;
      k->type = 's';
    } else if (c == 't' && jlit(b, i, "true")) {
      i += 4;
      k->type = 't';
    } else if (c == 'f' && jlit(b, i, "false")) {
      i += 5;
      k->type = 'f';
    } else if (c == 'n' && jlit(b, i, "null")) {
      i += 4;
      k->type = 'n';
    } else {
      int real;
      if (!(i = jnum(b, i, &real))) return -1;
      k->raw = ash_str_make(b.p + st, i - st);
      k->type = real ? 'r' : 'i';
    }
    for (size_t j = 0; j < n; j++) /* duplicate keys: jansson's rules */
      if (t[j].key.n == k->key.n && !memcmp(t[j].key.p, k->key.p, k->key.n)) return -1;
    n++;
    i = jws(b, i);
    if (i >= b.n) return -1;
    if (b.p[i] == ',') {
      i = jws(b, i + 1);
      continue;
    }
    if (b.p[i] != '}') return -1;
    *nt = n;
    return jws(b, i + 1) == b.n ? 0 : -1;
  }
}

/* Numbers of the fast path, converted as jansson would; -1 when jansson
 * would refuse them or print them differently ("-0", overflow). */
static int fast_numbers(jtok *t, size_t nt, double *d, long long *x) {
  for (size_t k = 0; k < nt; k++) {
    if (t[k].type == 'i') {
      int64_t v;
      if (ash_str_to_i64(t[k].raw, &v) || ash_str_eq(t[k].raw, "-0")) return -1;
      x[k] = v;
      d[k] = (double)v;
    } else if (t[k].type == 'r') {
      char buf[64];
      if (t[k].raw.n >= sizeof buf) return -1;
      memcpy(buf, t[k].raw.p, t[k].raw.n);
      buf[t[k].raw.n] = 0;
      d[k] = strtod(buf, NULL);
      if (!isfinite(d[k])) return -1;
    }
  }
  return 0;
}

static int fast_line(zeek_state *s, ash_parse_ctx *ctx, ash_str body, uint64_t offset,
                     const ash_frame *fr, const char **reason) {
  jtok t[ASH_MAX_ATTRS];
  double d[ASH_MAX_ATTRS];
  long long x[ASH_MAX_ATTRS];
  size_t nt;
  if (fast_scan(body, t, ASH_MAX_ATTRS, &nt) || fast_numbers(t, nt, d, x)) return -1;
  zrec r;
  rec_begin(s, &r, offset);
  for (size_t k = 0; k < nt; k++) {
    ash_str key = t[k].key;
    int role = role_of(key.p, key.n);
    if (ash_str_eq(key, "conn_state") || ash_str_eq(key, "history")) r.conn_like = 1;
    ash_str text = t[k].raw;
    switch (t[k].type) {
    case 'n': continue;
    case 's':
      if (apply_text(ctx, &r, role, text) && role != R_PATH) continue;
      break;
    case 'i':
      if (apply_num(ctx, &r, role, d[k], 1, x[k])) continue;
      break;
    case 'r':
      if (apply_num(ctx, &r, role, d[k], 0, 0)) continue;
      text = ash_strpool_printf(&s->pool, "%.6f", d[k]);
      break;
    case 't': text = ash_str_cstr("true"); break;
    default: text = ash_str_cstr("false"); break;
    }
    ash_attrs_add(&s->attrs, key, text);
  }
  return finish_rec(s, ctx, &r, fr, reason);
}

static int json_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                     const char **reason) {
  zeek_state *s = state;
  ash_frame fr;
  if (!ash_frame_parse(line, n, json_is_body, &fr)) {
    *reason = "not a JSON object";
    return ASH_REC_REJECTED;
  }
  if (ash_zeek_json_fast) {
    int rc = fast_line(s, ctx, fr.body, offset, &fr, reason);
    if (rc != -1) return rc;
  }
  json_t *root = ash_json_load(fr.body.p, fr.body.n);
  if (!root || !json_is_object(root)) {
    json_decref(root);
    *reason = "invalid JSON";
    return ASH_REC_REJECTED;
  }
  zrec r;
  rec_begin(s, &r, offset);
  jstate j = {s, {0}, 0};
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    ash_str k = ash_str_cstr(key);
    if (ash_str_eq(k, "id") && json_is_object(v)) {
      /* nested {"id":{"orig_h":...}} */
      const char *k2;
      json_t *v2;
      json_object_foreach(v, k2, v2) {
        ash_str full = ash_strpool_printf(&s->pool, "id.%s", k2);
        if (full.n) json_member(&j, ctx, &r, full, v2);
      }
      continue;
    }
    json_member(&j, ctx, &r, k, v);
  }
  int rc = finish_rec(s, ctx, &r, &fr, reason);
  for (size_t i = 0; i < j.nfree; i++) free(j.freeme[i]);
  json_decref(root);
  return rc;
}

static int json_sniff_line(ash_str l) {
  ash_frame fr;
  if (!ash_frame_parse(l.p, l.n, json_is_body, &fr)) return 0;
  ash_str b = fr.body;
  return ash_str_find(b, "\"uid\":") != (size_t)-1 &&
         (ash_str_find(b, "\"id.orig_h\":") != (size_t)-1 ||
          ash_str_find(b, "\"id_orig_h\":") != (size_t)-1 ||
          ash_str_find(b, "\"id\":{") != (size_t)-1);
}

static int json_sniff(const uint8_t *head, size_t n) {
  int seen;
  int ok = ash_sniff_lines(head, n, 20, json_sniff_line, &seen);
  if (!ok) return 0;
  return ok == seen ? 85 : 30 + 50 * ok / seen;
}

const ash_format ash_format_zeek = {
    .name = "zeek",
    .description = "Zeek TSV logs (conn.log and open_conn.log as flows; header-driven)",
    .sniff = tsv_sniff,
    .open = zeek_open,
    .parse_line = tsv_line,
    .close = zeek_close,
};

const ash_format ash_format_zeek_json = {
    .name = "zeek-json",
    .description = "Zeek JSON lines (dotted or underscored keys)",
    .sniff = json_sniff,
    .open = zeek_open,
    .parse_line = json_line,
    .close = zeek_close,
};
