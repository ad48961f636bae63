/* The "mapped" format: CSV or JSON lines of any vendor, read through a
 * small declarative map (`--map FILE`, syntax in docs/formats.md) that
 * names which column holds which event field. Columns the map does not
 * name are kept as attributes under their own names.
 *
 * Times without a zone go through --tz, times with one (ISO 8601 "Z" or
 * "+09:00", %z in a pattern) are UTC already; --clock-skew applies to all.
 * A record whose mapped time cannot be read is rejected with the reason:
 * an event at an invented time would be worse than none. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/map.h"
#include "ashiato/time.h"
#include "fields.h"

enum target {
  M_TS = 1,
  M_END,
  M_HOST,
  M_USER,
  M_DOMAIN,
  M_SRC_IP,
  M_SRC_PORT,
  M_DST_IP,
  M_DST_PORT,
  M_TUNNEL_IP,
  M_PROTO,
  M_ACTION,
  M_APP,
  M_SERVICE,
  M_BYTES_OUT,
  M_BYTES_IN,
  M_PACKETS_OUT,
  M_PACKETS_IN,
  M_DURATION,
  M_PROCESS,
  M_PARENT,
  M_CMDLINE,
  M_PATH,
  M_THREAT,
  M_SHA256,
  M_KIND
};

static const struct {
  const char *name;
  int t;
} TARGETS[] = {{"ts", M_TS},
               {"end", M_END},
               {"host", M_HOST},
               {"user", M_USER},
               {"domain", M_DOMAIN},
               {"src_ip", M_SRC_IP},
               {"src_port", M_SRC_PORT},
               {"dst_ip", M_DST_IP},
               {"dst_port", M_DST_PORT},
               {"tunnel_ip", M_TUNNEL_IP},
               {"proto", M_PROTO},
               {"action", M_ACTION},
               {"app", M_APP},
               {"service", M_SERVICE},
               {"bytes_out", M_BYTES_OUT},
               {"bytes_in", M_BYTES_IN},
               {"packets_out", M_PACKETS_OUT},
               {"packets_in", M_PACKETS_IN},
               {"duration", M_DURATION},
               {"process", M_PROCESS},
               {"parent_process", M_PARENT},
               {"command_line", M_CMDLINE},
               {"path", M_PATH},
               {"threat", M_THREAT},
               {"sha256", M_SHA256},
               {"kind", M_KIND}};

/* Kinds a map may name (ev.kind must point to static storage). */
static const char *const KINDS[] = {ASH_KIND_FLOW,        ASH_KIND_FLOW_DENY,   ASH_KIND_VPN_LOGIN,
                                    ASH_KIND_VPN_LOGOUT,  ASH_KIND_VPN_SESSION, ASH_KIND_VPN_FAIL,
                                    ASH_KIND_ADMIN_LOGIN, ASH_KIND_ADMIN_FAIL,  ASH_KIND_AUTH_LOGIN,
                                    ASH_KIND_AUTH_FAIL,   ASH_KIND_AV_DETECT,   ASH_KIND_AV_ACTION,
                                    ASH_KIND_LOG};

static const char *kind_const(ash_str s) {
  for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
    if (ash_str_eq(s, KINDS[i])) return KINDS[i];
  return NULL;
}

enum tfmt { TF_ISO = 0, TF_EPOCH, TF_EPOCH_MS, TF_PATTERN };

#define MAX_NAME 128
#define MAX_KIND_VALUES 64

typedef struct rule {
  int target;
  char col[MAX_NAME]; /* column name or JSON key (dotted path allowed) */
  int colno;          /* "#3" -> 3 (1-based), 0 when by name */
  int idx;            /* CSV: resolved column index, -1 unknown */
} rule;

typedef struct kind_value {
  char value[MAX_NAME];
  const char *kind;
} kind_value;

typedef struct map {
  int jsonl;
  char delim;
  int header;
  const char *kind; /* default kind */
  int tfmt;
  char pattern[64];
  int64_t dur_mul; /* microseconds per duration unit */
  rule rules[ASH_MAX_MAP_RULES];
  size_t nrules;
  kind_value kv[MAX_KIND_VALUES];
  size_t nkv;
} map;

/* ---- the map file ---- */

static ash_str next_word(ash_str *l) {
  *l = ash_str_trim(*l);
  size_t i = 0;
  while (i < l->n && l->p[i] != ' ' && l->p[i] != '\t' && l->p[i] != '=') i++;
  ash_str w = ash_str_make(l->p, i);
  *l = ash_str_make(l->p + i, l->n - i);
  return w;
}

/* "a = b": split at the first '=' (the right side keeps spaces: column
 * names such as "Start Time" are common). Quotes around b are removed. */
static int split_eq(ash_str l, ash_str *a, ash_str *b) {
  const char *e = l.n ? memchr(l.p, '=', l.n) : NULL;
  if (!e) return -1;
  *a = ash_str_trim(ash_str_make(l.p, (size_t)(e - l.p)));
  *b = ash_str_trim(ash_str_make(e + 1, l.n - (size_t)(e - l.p) - 1));
  if (b->n >= 2 && b->p[0] == '"' && b->p[b->n - 1] == '"') *b = ash_str_sub(*b, 1, b->n - 2);
  return a->n && b->n ? 0 : -1;
}

static int copy_name(char *dst, ash_str v) {
  if (v.n == 0 || v.n >= MAX_NAME) return -1;
  memcpy(dst, v.p, v.n);
  dst[v.n] = 0;
  return 0;
}

static int map_parse(map *m, const char *text, size_t n, char *why, size_t why_n) {
  memset(m, 0, sizeof *m);
  m->delim = ',';
  m->header = 1;
  m->kind = ASH_KIND_FLOW;
  m->dur_mul = ASH_US_PER_SEC;
  size_t i = 0;
  int lineno = 0;
  while (i < n) {
    const char *nl = memchr(text + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - text) : n;
    ash_str l = ash_str_make(text + i, end - i);
    i = end + 1;
    lineno++;
    if (l.n && l.p[l.n - 1] == '\r') l.n--;
    /* '#' starts a comment unless it is a column number "#3" after '=' */
    for (size_t k = 0; k < l.n; k++)
      if (l.p[k] == '#' && (k == 0 || l.p[k - 1] == ' ' || l.p[k - 1] == '\t') &&
          !(k + 1 < l.n && l.p[k + 1] >= '0' && l.p[k + 1] <= '9')) {
        l.n = k;
        break;
      }
    l = ash_str_trim(l);
    if (!l.n) continue;
    ash_str rest = l;
    ash_str key = next_word(&rest);
    rest = ash_str_trim(rest);
    const char *bad = NULL;
    if (ash_str_eq(key, "format")) {
      if (ash_str_eq(rest, "csv"))
        m->jsonl = 0;
      else if (ash_str_eq(rest, "jsonl") || ash_str_eq(rest, "json"))
        m->jsonl = 1;
      else
        bad = "format must be csv or jsonl";
    } else if (ash_str_eq(key, "delimiter")) {
      if (ash_str_eq(rest, "tab"))
        m->delim = '\t';
      else if (ash_str_eq(rest, "semicolon"))
        m->delim = ';';
      else if (ash_str_eq(rest, "pipe"))
        m->delim = '|';
      else if (ash_str_eq(rest, "comma"))
        m->delim = ',';
      else if (rest.n == 1 && rest.p[0] != '"')
        m->delim = rest.p[0];
      else
        bad = "delimiter must be one character, tab, comma, semicolon or pipe";
    } else if (ash_str_eq(key, "header")) {
      if (ash_str_eq(rest, "yes"))
        m->header = 1;
      else if (ash_str_eq(rest, "no"))
        m->header = 0;
      else
        bad = "header must be yes or no";
    } else if (ash_str_eq(key, "kind")) {
      m->kind = kind_const(rest);
      if (!m->kind) bad = "unknown kind (net.flow, net.deny, vpn.login, vpn.logout, ...)";
    } else if (ash_str_eq(key, "time_format")) {
      if (ash_str_eq(rest, "iso8601"))
        m->tfmt = TF_ISO;
      else if (ash_str_eq(rest, "epoch"))
        m->tfmt = TF_EPOCH;
      else if (ash_str_eq(rest, "epoch_ms"))
        m->tfmt = TF_EPOCH_MS;
      else {
        if (rest.n >= 2 && rest.p[0] == '"' && rest.p[rest.n - 1] == '"')
          rest = ash_str_sub(rest, 1, rest.n - 2);
        if (!rest.n || rest.n >= sizeof m->pattern || !memchr(rest.p, '%', rest.n)) {
          bad = "time_format must be iso8601, epoch, epoch_ms or a pattern such as "
                "\"%Y/%m/%d %H:%M:%S\"";
        } else {
          memcpy(m->pattern, rest.p, rest.n);
          m->pattern[rest.n] = 0;
          m->tfmt = TF_PATTERN;
        }
      }
    } else if (ash_str_eq(key, "duration_unit")) {
      if (ash_str_eq(rest, "s"))
        m->dur_mul = ASH_US_PER_SEC;
      else if (ash_str_eq(rest, "ms"))
        m->dur_mul = 1000;
      else if (ash_str_eq(rest, "us"))
        m->dur_mul = 1;
      else
        bad = "duration_unit must be s, ms or us";
    } else if (ash_str_eq(key, "field")) {
      ash_str a, b;
      if (split_eq(rest, &a, &b)) {
        bad = "expected: field TARGET = COLUMN";
      } else if (m->nrules >= ASH_MAX_MAP_RULES) {
        if (why)
          snprintf(why, why_n, "line %d: more than %u field rules", lineno, ASH_MAX_MAP_RULES);
        return ASH_ELIMIT;
      } else {
        rule *r = &m->rules[m->nrules];
        r->target = 0;
        for (size_t t = 0; t < sizeof TARGETS / sizeof TARGETS[0]; t++)
          if (ash_str_eq(a, TARGETS[t].name)) r->target = TARGETS[t].t;
        r->idx = -1;
        uint64_t no;
        if (!r->target)
          bad = "unknown event field (ts, end, host, user, domain, src_ip, src_port, dst_ip, "
                "dst_port, tunnel_ip, proto, action, app, service, bytes_out, bytes_in, "
                "packets_out, packets_in, duration, process, parent_process, command_line, "
                "path, threat, sha256, kind)";
        else if (b.p[0] == '#' && !ash_str_to_u64(ash_str_sub(b, 1, b.n), &no) && no >= 1 &&
                 no <= ASH_MAX_FIELDS)
          r->colno = (int)no;
        else if (copy_name(r->col, b))
          bad = "column name empty or too long";
        if (!bad) m->nrules++;
      }
    } else if (ash_str_eq(key, "kind_value")) {
      ash_str a, b;
      if (split_eq(rest, &a, &b))
        bad = "expected: kind_value VALUE = KIND";
      else if (m->nkv >= MAX_KIND_VALUES)
        bad = "too many kind_value lines";
      else if (!(m->kv[m->nkv].kind = kind_const(b)))
        bad = "unknown kind";
      else if (copy_name(m->kv[m->nkv].value, a))
        bad = "value too long";
      else
        m->nkv++;
    } else {
      bad = "unknown directive (format, delimiter, header, kind, time_format, duration_unit, "
            "field, kind_value)";
    }
    if (bad) {
      if (why) snprintf(why, why_n, "line %d: %s", lineno, bad);
      return ASH_EUSAGE;
    }
  }
  int has_rule = 0;
  for (size_t r = 0; r < m->nrules; r++) has_rule |= m->rules[r].target != M_KIND;
  if (!has_rule) {
    if (why) snprintf(why, why_n, "the map names no field (field TARGET = COLUMN)");
    return ASH_EUSAGE;
  }
  if (!m->header && !m->jsonl)
    for (size_t r = 0; r < m->nrules; r++)
      if (!m->rules[r].colno) {
        if (why) snprintf(why, why_n, "header no: columns must be given by number (#1, #2, ...)");
        return ASH_EUSAGE;
      }
  return ASH_OK;
}

static int map_load(map *m, const char *path, char *why, size_t why_n) {
  if (!path) {
    if (why) snprintf(why, why_n, "the mapped format needs --map FILE");
    return ASH_EUSAGE;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (why) snprintf(why, why_n, "%s", strerror(errno));
    return ASH_EIO;
  }
  char *buf = malloc(ASH_MAX_MAP_BYTES + 1);
  if (!buf) {
    fclose(f);
    return ASH_ENOMEM;
  }
  size_t n = fread(buf, 1, ASH_MAX_MAP_BYTES + 1, f);
  int err = ferror(f);
  fclose(f);
  int rc;
  if (err) {
    if (why) snprintf(why, why_n, "read error");
    rc = ASH_EIO;
  } else if (n > ASH_MAX_MAP_BYTES) {
    if (why) snprintf(why, why_n, "map file larger than %u bytes", ASH_MAX_MAP_BYTES);
    rc = ASH_ELIMIT;
  } else {
    rc = map_parse(m, buf, n, why, why_n);
  }
  free(buf);
  return rc;
}

int ash_map_check(const char *path, char *why, size_t why_n) {
  map *m = malloc(sizeof *m);
  if (!m) return ASH_ENOMEM;
  int rc = map_load(m, path, why, why_n);
  free(m);
  return rc;
}

/* ---- times ---- */

static int month_abbr(const char *p) {
  static const char *const M[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; i++) {
    int ok = 1;
    for (int k = 0; k < 3; k++)
      if ((p[k] | 0x20) != M[i][k]) ok = 0;
    if (ok) return i + 1;
  }
  return 0;
}

static int take_num(ash_str v, size_t *i, int maxd, int *out) {
  int x = 0, nd = 0;
  while (*i < v.n && nd < maxd && v.p[*i] >= '0' && v.p[*i] <= '9') {
    x = x * 10 + (v.p[*i] - '0');
    (*i)++;
    nd++;
  }
  if (!nd) return -1;
  *out = x;
  return 0;
}

/* A strptime subset without locale: %Y %m %d %H %M %S %f (fraction) %b
 * (English month abbreviation) %z (+hhmm, +hh:mm, Z) %% and literals. */
static int pattern_parse(const char *pat, ash_str v, int64_t *out, int *zoned) {
  int y = 1970, mo = 1, d = 1, h = 0, mi = 0, se = 0, us = 0;
  int32_t off = 0;
  *zoned = 0;
  size_t i = 0;
  for (const char *p = pat; *p; p++) {
    if (*p != '%') {
      if (i >= v.n || v.p[i] != *p) return -1;
      i++;
      continue;
    }
    p++;
    switch (*p) {
    case 'Y':
      if (take_num(v, &i, 4, &y)) return -1;
      break;
    case 'm':
      if (take_num(v, &i, 2, &mo)) return -1;
      break;
    case 'd':
      if (take_num(v, &i, 2, &d)) return -1;
      break;
    case 'H':
      if (take_num(v, &i, 2, &h)) return -1;
      break;
    case 'M':
      if (take_num(v, &i, 2, &mi)) return -1;
      break;
    case 'S':
      if (take_num(v, &i, 2, &se)) return -1;
      break;
    case 'f': {
      int nd = 0;
      us = 0;
      while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9') {
        if (nd < 6) us = us * 10 + (v.p[i] - '0');
        nd++;
        i++;
      }
      if (!nd) return -1;
      for (int k = nd; k < 6; k++) us *= 10;
      break;
    }
    case 'b':
      if (!ASH_FITS(i, 3, v.n) || !(mo = month_abbr(v.p + i))) return -1;
      i += 3;
      break;
    case 'z': {
      if (i < v.n && v.p[i] == 'Z') {
        i++;
      } else {
        size_t st = i;
        while (i < v.n && (v.p[i] == '+' || v.p[i] == '-' || v.p[i] == ':' ||
                           (v.p[i] >= '0' && v.p[i] <= '9')))
          i++;
        if (ash_tz_parse_offset(ash_str_make(v.p + st, i - st), &off)) return -1;
      }
      *zoned = 1;
      break;
    }
    case '%':
      if (i >= v.n || v.p[i] != '%') return -1;
      i++;
      break;
    default: return -1;
    }
  }
  if (i != v.n) return -1;
  if (ash_time_from_fields(y, mo, d, h, mi, se, us, out)) return -1;
  *out -= (int64_t)off * ASH_US_PER_SEC;
  return 0;
}

static int has_zone(ash_str v) {
  if (!v.n) return 0;
  if (v.p[v.n - 1] == 'Z') return 1;
  /* "+09:00", "+0900", "-05" after the time part */
  for (size_t k = v.n; k-- > 11;)
    if (v.p[k] == '+' || (v.p[k] == '-' && k > 10)) return 1;
  return 0;
}

static int64_t map_time(const map *m, ash_parse_ctx *ctx, ash_str v, double num, int is_num) {
  int64_t t;
  if (m->tfmt == TF_EPOCH || m->tfmt == TF_EPOCH_MS) {
    double d;
    if (is_num) {
      d = num;
    } else {
      char b[40];
      if (!v.n || v.n >= sizeof b) return ASH_TIME_UNSET;
      memcpy(b, v.p, v.n);
      b[v.n] = 0;
      char *e;
      d = strtod(b, &e);
      if (*e) return ASH_TIME_UNSET;
    }
    if (m->tfmt == TF_EPOCH_MS) d /= 1000.0;
    if (!(d > -1e11 && d < 1e11)) return ASH_TIME_UNSET;
    return ash_ctx_skew(ctx, (int64_t)llround(d * 1e6));
  }
  if (is_num) return ASH_TIME_UNSET;
  if (m->tfmt == TF_PATTERN) {
    int zoned;
    if (pattern_parse(m->pattern, v, &t, &zoned)) return ASH_TIME_UNSET;
    return zoned ? ash_ctx_skew(ctx, t) : ash_ctx_local_to_utc(ctx, t);
  }
  if (ash_time_parse_iso(v, &t)) return ASH_TIME_UNSET;
  return has_zone(v) ? ash_ctx_skew(ctx, t) : ash_ctx_local_to_utc(ctx, t);
}

/* ---- records ---- */

typedef struct mapped_state {
  map m;
  ash_str hdr[ASH_MAX_FIELDS];
  char *hdrbuf;
  size_t nhdr;
  int have_hdr;
  ash_str f[ASH_MAX_FIELDS];
  char *scratch;
  size_t scap;
  ash_attrs attrs;
  ash_strpool pool;
  unsigned char used[ASH_MAX_FIELDS];
} mapped_state;

static int mapped_open(void **state, const ash_parse_opts *opts) {
  mapped_state *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  int rc = map_load(&s->m, opts ? opts->map_path : NULL, NULL, 0);
  if (rc) {
    free(s);
    return rc;
  }
  *state = s;
  return ASH_OK;
}

static void mapped_close(void *state) {
  mapped_state *s = state;
  if (!s) return;
  free(s->hdrbuf);
  free(s->scratch);
  free(s);
}

typedef struct val {
  ash_str s;
  double num;
  int is_num, is_int;
  json_int_t i;
} val;

/* Apply one mapped value; returns NULL or the reason of a rejection. */
static const char *apply(mapped_state *s, ash_parse_ctx *ctx, ash_event *ev, int target,
                         const val *v, int64_t *end) {
  const map *m = &s->m;
  int64_t x;
  switch (target) {
  case M_TS:
    if (!v->is_num && !v->s.n) return "mapped time is empty";
    ev->ts = map_time(m, ctx, v->s, v->num, v->is_num);
    return ev->ts == ASH_TIME_UNSET ? "mapped time not readable with time_format" : NULL;
  case M_END:
    if (!v->is_num && !v->s.n) break; /* no end: no duration */
    *end = map_time(m, ctx, v->s, v->num, v->is_num);
    return *end == ASH_TIME_UNSET ? "mapped end time not readable with time_format" : NULL;
  case M_HOST: ev->host = v->s; break;
  case M_USER: {
    ash_str u, d;
    ash_user_split(v->s, &u, &d);
    ev->user = u;
    if (d.n && !ev->domain.n) ev->domain = d;
    break;
  }
  case M_DOMAIN: ev->domain = v->s; break;
  case M_SRC_IP:
  case M_DST_IP:
  case M_TUNNEL_IP: {
    ash_ip *ip = target == M_SRC_IP   ? &ev->src_ip
                 : target == M_DST_IP ? &ev->dst_ip
                                      : &ev->tunnel_ip;
    if (v->s.n && ash_ip_parse(v->s, ip)) return "mapped address is not an IP address";
    break;
  }
  case M_SRC_PORT:
  case M_DST_PORT: {
    int32_t p =
        v->is_int ? (v->i >= 0 && v->i <= 65535 ? (int32_t)v->i : -1) : ash_port_parse(v->s);
    if (p < 0 && (v->s.n || v->is_num)) return "mapped port is not 0-65535";
    *(target == M_SRC_PORT ? &ev->src_port : &ev->dst_port) = p;
    break;
  }
  case M_PROTO: ev->proto = v->s; break;
  case M_ACTION: ev->action = v->s; break;
  case M_APP: ev->app = v->s; break;
  case M_SERVICE: ev->service = v->s; break;
  case M_PROCESS: ev->process = v->s; break;
  case M_PARENT: ev->parent_process = v->s; break;
  case M_CMDLINE: ev->command_line = v->s; break;
  case M_PATH: ev->path = v->s; break;
  case M_THREAT: ev->threat = v->s; break;
  case M_SHA256: ev->sha256 = v->s; break;
  case M_BYTES_OUT:
  case M_BYTES_IN:
  case M_PACKETS_OUT:
  case M_PACKETS_IN: {
    if (v->is_int)
      x = v->i;
    else if (!v->s.n)
      break;
    else if (ash_str_to_i64(v->s, &x))
      return "mapped count is not an integer";
    if (x < 0) return "mapped count is negative";
    *(target == M_BYTES_OUT     ? &ev->bytes_out
      : target == M_BYTES_IN    ? &ev->bytes_in
      : target == M_PACKETS_OUT ? &ev->packets_out
                                : &ev->packets_in) = x;
    break;
  }
  case M_DURATION: {
    double d = v->num;
    if (!v->is_num) {
      if (!v->s.n) break;
      char b[40];
      char *e = NULL;
      if (v->s.n < sizeof b) {
        memcpy(b, v->s.p, v->s.n);
        b[v->s.n] = 0;
        d = strtod(b, &e);
      }
      if (!e || *e) {
        /* not a plain number: "01:02:03" and the like, in real time units */
        int64_t us;
        if (ash_clock_duration_parse(v->s, &us)) return "mapped duration not readable";
        ev->duration_us = us;
        break;
      }
    }
    if (!(d >= 0 && d < 1e15)) return "mapped duration out of range";
    ev->duration_us = (int64_t)llround(d * (double)m->dur_mul);
    break;
  }
  case M_KIND: {
    for (size_t k = 0; k < m->nkv; k++)
      if (ash_str_eq(v->s, m->kv[k].value)) {
        ev->kind = m->kv[k].kind;
        return NULL;
      }
    const char *c = kind_const(v->s);
    if (c) ev->kind = c;
    break;
  }
  default: break;
  }
  return NULL;
}

static int finish(mapped_state *s, ash_parse_ctx *ctx, ash_event *ev, int64_t end,
                  const ash_frame *fr) {
  if (end != ASH_TIME_UNSET && ev->ts != ASH_TIME_UNSET && ev->duration_us == ASH_UNSET &&
      end >= ev->ts)
    ev->duration_us = end - ev->ts;
  ash_frame_apply(fr, ev, &s->attrs, &s->pool);
  ash_attrs_attach(&s->attrs, ev);
  return ash_emit_line(ctx, ev);
}

static int csv_line(mapped_state *s, ash_parse_ctx *ctx, const char *line, size_t n,
                    uint64_t offset, const char **reason) {
  if (s->scap < n + 1) {
    size_t cap = n + 1 < 4096 ? 4096 : n + 1;
    char *p = realloc(s->scratch, cap);
    if (!p) {
      *reason = "out of memory";
      return ASH_REC_REJECTED;
    }
    s->scratch = p;
    s->scap = cap;
  }
  /* a UTF-8 byte order mark before the header */
  if (!s->have_hdr && n >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3)) {
    line += 3;
    n -= 3;
  }
  long nf = ash_csv_split(line, n, s->m.delim, s->f, ASH_MAX_FIELDS, s->scratch);
  if (nf < 0) {
    *reason = "malformed CSV (unclosed quote or too many fields)";
    return ASH_REC_REJECTED;
  }
  if (s->m.header && !s->have_hdr) {
    /* the header names the columns: keep a copy and resolve the rules */
    size_t tot = 0;
    for (long i = 0; i < nf; i++) tot += s->f[i].n + 1;
    s->hdrbuf = malloc(tot ? tot : 1);
    if (!s->hdrbuf) return -1; /* out of memory: stop */
    size_t o = 0;
    for (long i = 0; i < nf; i++) {
      ash_str h = ash_str_trim(s->f[i]);
      if (h.n) memcpy(s->hdrbuf + o, h.p, h.n);
      s->hdr[i] = ash_str_make(s->hdrbuf + o, h.n);
      o += h.n + 1;
    }
    s->nhdr = (size_t)nf;
    s->have_hdr = 1;
    for (size_t r = 0; r < s->m.nrules; r++) {
      rule *ru = &s->m.rules[r];
      ru->idx = ru->colno ? ru->colno - 1 : -1;
      for (size_t i = 0; ru->idx < 0 && i < s->nhdr; i++)
        if (ash_str_eq(s->hdr[i], ru->col)) ru->idx = (int)i;
    }
    return ASH_REC_SKIP;
  }
  if (s->m.header && (size_t)nf == s->nhdr) {
    /* the header again (files concatenated): not a record */
    long k = 0;
    while (k < nf && ash_str_eq(ash_str_trim(s->f[k]), "") == (s->hdr[k].n == 0) &&
           s->hdr[k].n == ash_str_trim(s->f[k]).n &&
           !memcmp(s->hdr[k].p, ash_str_trim(s->f[k]).p, s->hdr[k].n))
      k++;
    if (k == nf) return ASH_REC_SKIP;
  }
  if (!s->m.header && !s->have_hdr) {
    for (size_t r = 0; r < s->m.nrules; r++) s->m.rules[r].idx = s->m.rules[r].colno - 1;
    s->have_hdr = 1;
  }
  ash_attrs_reset(&s->attrs);
  ash_strpool_reset(&s->pool);
  memset(s->used, 0, (size_t)nf);
  ash_event ev;
  ash_event_init(&ev);
  ev.kind = s->m.kind;
  ev.ref = offset;
  int64_t end = ASH_TIME_UNSET;
  for (size_t r = 0; r < s->m.nrules; r++) {
    const rule *ru = &s->m.rules[r];
    if (ru->idx < 0 || ru->idx >= nf) continue;
    val v = {ash_str_trim(s->f[ru->idx]), 0, 0, 0, 0};
    const char *why = apply(s, ctx, &ev, ru->target, &v, &end);
    if (why) {
      *reason = why;
      return ASH_REC_REJECTED;
    }
    if (ru->target != M_KIND) s->used[ru->idx] = 1;
  }
  for (long i = 0; i < nf; i++) {
    if (s->used[i] || !s->f[i].n) continue;
    ash_str k = (size_t)i < s->nhdr && s->hdr[i].n
                    ? s->hdr[i]
                    : ash_strpool_printf(&s->pool, "field_%ld", i + 1);
    ash_attrs_add(&s->attrs, k, s->f[i]);
  }
  ash_frame fr;
  memset(&fr, 0, sizeof fr);
  fr.pri = -1;
  return finish(s, ctx, &ev, end, &fr);
}

/* JSON value at a key, or at a dotted path through nested objects. */
static json_t *json_path(json_t *root, const char *path) {
  json_t *v = json_object_get(root, path);
  if (v) return v;
  char buf[MAX_NAME];
  snprintf(buf, sizeof buf, "%s", path);
  json_t *cur = root;
  char *save = NULL;
  for (char *t = strtok_r(buf, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
    if (!json_is_object(cur)) return NULL;
    cur = json_object_get(cur, t);
    if (!cur) return NULL;
  }
  return cur == root ? NULL : cur;
}

static int json_is_body(ash_str b) { return b.n && b.p[0] == '{'; }

static int jsonl_line(mapped_state *s, ash_parse_ctx *ctx, const char *line, size_t n,
                      uint64_t offset, const char **reason) {
  ash_frame fr;
  if (!ash_frame_parse(line, n, json_is_body, &fr)) {
    *reason = "not a JSON object";
    return ASH_REC_REJECTED;
  }
  json_t *root = ash_json_load(fr.body.p, fr.body.n);
  if (!root || !json_is_object(root)) {
    json_decref(root);
    *reason = "invalid JSON";
    return ASH_REC_REJECTED;
  }
  ash_attrs_reset(&s->attrs);
  ash_strpool_reset(&s->pool);
  ash_event ev;
  ash_event_init(&ev);
  ev.kind = s->m.kind;
  ev.ref = offset;
  int64_t end = ASH_TIME_UNSET;
  const char *why = NULL;
  json_t *usedv[ASH_MAX_MAP_RULES];
  size_t nused = 0;
  for (size_t r = 0; r < s->m.nrules && !why; r++) {
    const rule *ru = &s->m.rules[r];
    if (ru->colno) continue; /* column numbers mean nothing in JSON */
    json_t *jv = json_path(root, ru->col);
    if (!jv || json_is_null(jv)) continue;
    val v = {ASH_STR_NULL, 0, 0, 0, 0};
    if (json_is_string(jv)) {
      v.s = ash_str_make(json_string_value(jv), json_string_length(jv));
    } else if (json_is_integer(jv)) {
      v.is_num = v.is_int = 1;
      v.i = json_integer_value(jv);
      v.num = (double)v.i;
      v.s = ash_strpool_printf(&s->pool, "%lld", (long long)v.i);
    } else if (json_is_real(jv)) {
      v.is_num = 1;
      v.num = json_real_value(jv);
      v.s = ash_strpool_printf(&s->pool, "%.6f", v.num);
    } else if (json_is_boolean(jv)) {
      v.s = ash_str_cstr(json_is_true(jv) ? "true" : "false");
    } else {
      continue; /* objects and arrays stay attributes */
    }
    why = apply(s, ctx, &ev, ru->target, &v, &end);
    if (ru->target != M_KIND && nused < ASH_MAX_MAP_RULES) usedv[nused++] = jv;
  }
  if (why) {
    json_decref(root);
    *reason = why;
    return ASH_REC_REJECTED;
  }
  /* the unmapped top-level members, as text */
  char *dumps[64];
  size_t ndumps = 0;
  const char *key;
  json_t *jv;
  json_object_foreach(root, key, jv) {
    int used = 0;
    for (size_t k = 0; k < nused; k++) used |= usedv[k] == jv;
    if (used || json_is_null(jv)) continue;
    ash_str t = ASH_STR_NULL;
    if (json_is_string(jv))
      t = ash_str_make(json_string_value(jv), json_string_length(jv));
    else if (json_is_integer(jv))
      t = ash_strpool_printf(&s->pool, "%lld", (long long)json_integer_value(jv));
    else if (json_is_real(jv))
      t = ash_strpool_printf(&s->pool, "%.6f", json_real_value(jv));
    else if (json_is_boolean(jv))
      t = ash_str_cstr(json_is_true(jv) ? "true" : "false");
    else if (ndumps < 64) {
      char *d = json_dumps(jv, JSON_COMPACT | JSON_ENCODE_ANY);
      if (d) {
        dumps[ndumps++] = d;
        t = ash_str_cstr(d);
      }
    }
    ash_attrs_add(&s->attrs, ash_str_cstr(key), t);
  }
  int rc = finish(s, ctx, &ev, end, &fr);
  for (size_t k = 0; k < ndumps; k++) free(dumps[k]);
  json_decref(root);
  return rc;
}

static int mapped_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                       const char **reason) {
  mapped_state *s = state;
  return s->m.jsonl ? jsonl_line(s, ctx, line, n, offset, reason)
                    : csv_line(s, ctx, line, n, offset, reason);
}

/* Never detected from content: --map (or --format mapped) chooses it. */
const ash_format ash_format_mapped = {
    .name = "mapped",
    .description = "any CSV or JSON-lines log, through a column map (--map FILE)",
    .open = mapped_open,
    .parse_line = mapped_line,
    .close = mapped_close,
};
