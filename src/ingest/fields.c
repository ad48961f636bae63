#include "fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <jansson.h>

#include "ashiato/error.h"
#include "ashiato/time.h"

/* ---- attributes ---- */

void ash_attrs_add(ash_attrs *a, ash_str k, ash_str v) {
  if (!v.n || !k.n) return;
  if (a->n + 1 >= ASH_MAX_ATTRS) { /* one slot kept for attrs_dropped */
    a->dropped++;
    return;
  }
  a->kv[a->n].k = k;
  a->kv[a->n].v = v;
  a->n++;
}

void ash_attrs_attach(ash_attrs *a, ash_event *ev) {
  if (a->dropped && a->n < ASH_MAX_ATTRS) {
    int w = snprintf(a->dropped_txt, sizeof a->dropped_txt, "%zu", a->dropped);
    a->kv[a->n].k = ash_str_cstr("attrs_dropped");
    a->kv[a->n].v = ash_str_make(a->dropped_txt, w > 0 ? (size_t)w : 0);
    a->n++;
    a->dropped = 0;
  }
  ev->attrs = a->kv;
  ev->nattrs = a->n;
}

/* ---- CSV ---- */

long ash_split_plain(const char *p, size_t n, char sep, ash_str *out, size_t max) {
  size_t nf = 0, start = 0, i = 0;
#ifdef __SSE2__
  const __m128i vs = _mm_set1_epi8(sep);
  for (; i + 16 <= n; i += 16) {
    unsigned m =
        (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), vs));
    while (m) {
      size_t pos = i + (size_t)__builtin_ctz(m);
      if (nf >= max) return -1;
      out[nf++] = ash_str_make(p + start, pos - start);
      start = pos + 1;
      m &= m - 1;
    }
  }
#endif
  for (; i < n; i++)
    if (p[i] == sep) {
      if (nf >= max) return -1;
      out[nf++] = ash_str_make(p + start, i - start);
      start = i + 1;
    }
  if (nf >= max) return -1;
  out[nf++] = ash_str_make(p + start, n - start);
  return (long)nf;
}

long ash_csv_split(const char *p, size_t n, char sep, ash_str *out, size_t max, char *scratch) {
  if (!n || !memchr(p, '"', n)) return max ? ash_split_plain(p, n, sep, out, max) : -1;
  size_t nf = 0, i = 0, sn = 0;
  for (;;) {
    if (nf >= max) return -1;
    if (i < n && p[i] == '"') {
      /* quoted: copy into scratch, "" -> " */
      size_t start = sn;
      i++;
      for (;;) {
        if (i >= n) return -1; /* quote never closed */
        if (p[i] == '"') {
          if (i + 1 < n && p[i + 1] == '"') {
            scratch[sn++] = '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        scratch[sn++] = p[i++];
      }
      out[nf++] = ash_str_make(scratch + start, sn - start);
      if (i == n) return (long)nf;
      if (p[i] != sep) return -1; /* text after the closing quote */
      i++;
    } else {
      /* a byte loop: fields are short, a memchr call each costs more */
      size_t st = i;
      while (i < n && p[i] != sep) i++;
      out[nf++] = ash_str_make(p + st, i - st);
      if (i == n) return (long)nf;
      i++;
    }
  }
}

/* ---- values ---- */

ash_str ash_str_trim(ash_str s) {
  while (s.n && (s.p[0] == ' ' || s.p[0] == '\t')) {
    s.p++;
    s.n--;
  }
  while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t')) s.n--;
  return s;
}

size_t ash_str_find(ash_str s, const char *lit) {
  size_t ln = strlen(lit);
  if (ln == 0) return 0;
  if (ln > s.n) return (size_t)-1;
  const char *p = s.p, *end = s.p + s.n - ln + 1;
  while (p < end) {
    const char *q = memchr(p, lit[0], (size_t)(end - p));
    if (!q) break;
    if (memcmp(q, lit, ln) == 0) return (size_t)(q - s.p);
    p = q + 1;
  }
  return (size_t)-1;
}

int ash_str_starts(ash_str s, const char *lit) {
  size_t ln = strlen(lit);
  return s.n >= ln && memcmp(s.p, lit, ln) == 0;
}

void ash_user_split(ash_str in, ash_str *user, ash_str *domain) {
  in = ash_str_trim(in);
  *user = in;
  *domain = ASH_STR_NULL;
  const char *bs = in.n ? memchr(in.p, '\\', in.n) : NULL;
  if (bs) {
    size_t d = (size_t)(bs - in.p);
    *domain = ash_str_make(in.p, d);
    *user = ash_str_make(bs + 1, in.n - d - 1);
    return;
  }
  const char *at = in.n ? memchr(in.p, '@', in.n) : NULL;
  if (at && at != in.p) {
    size_t u = (size_t)(at - in.p);
    *user = ash_str_make(in.p, u);
    *domain = ash_str_make(at + 1, in.n - u - 1);
  }
}

int32_t ash_port_parse(ash_str s) {
  uint64_t v;
  if (ash_str_to_u64(s, &v) || v > 65535) return -1;
  return (int32_t)v;
}

static int digits(const char *p, size_t n, int *out) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned d = (unsigned char)p[i] - '0';
    if (d > 9) return -1;
    v = v * 10 + (int)d;
  }
  *out = v;
  return 0;
}

/* Fraction ".ffffff" at s[i..] into microseconds; returns the index after
 * it, or 0 on error. */
static size_t frac_us(ash_str s, size_t i, int *us) {
  *us = 0;
  if (i >= s.n || s.p[i] != '.') return i;
  i++;
  size_t st = i;
  int v = 0, nd = 0;
  while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
    if (nd < 6) {
      v = v * 10 + (s.p[i] - '0');
      nd++;
    }
    i++;
  }
  if (i == st) return 0;
  while (nd < 6) {
    v *= 10;
    nd++;
  }
  *us = v;
  return i;
}

int ash_wall_parse(ash_str s, int64_t *out) {
  /* YYYY?MM?DD?HH:MM:SS */
  if (s.n < 19) return ASH_EFORMAT;
  const char *p = s.p;
  if (!((p[4] == '/' && p[7] == '/') || (p[4] == '-' && p[7] == '-'))) return ASH_EFORMAT;
  if (!(p[10] == ' ' || p[10] == 'T') || p[13] != ':' || p[16] != ':') return ASH_EFORMAT;
  int y, mo, d, h, mi, se, us;
  if (digits(p, 4, &y) || digits(p + 5, 2, &mo) || digits(p + 8, 2, &d) || digits(p + 11, 2, &h) ||
      digits(p + 14, 2, &mi) || digits(p + 17, 2, &se))
    return ASH_EFORMAT;
  size_t e = frac_us(s, 19, &us);
  if (e != s.n) return ASH_EFORMAT;
  return ash_time_from_fields(y, mo, d, h, mi, se, us, out);
}

int ash_secs_parse(ash_str s, int64_t *out) {
  size_t i = 0;
  int64_t v = 0;
  while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
    if (v > 100000000000LL) return ASH_EFORMAT; /* > 3000 years */
    v = v * 10 + (s.p[i] - '0');
    i++;
  }
  if (i == 0) return ASH_EFORMAT;
  int us;
  size_t e = frac_us(s, i, &us);
  if (e != s.n) return ASH_EFORMAT;
  *out = v * ASH_US_PER_SEC + us;
  return ASH_OK;
}

int ash_epoch_parse(ash_str s, int64_t *out) { return ash_secs_parse(s, out); }

int ash_clock_duration_parse(ash_str s, int64_t *out) {
  s = ash_str_trim(s);
  if (!s.n) return ASH_EFORMAT;
  /* colon form: up to four numbers, right-aligned as d:h:m:s */
  int has_unit = 0;
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] == 'd' || s.p[i] == 'h' || s.p[i] == 'm' || s.p[i] == 's') has_unit = 1;
  int64_t total = 0;
  size_t i = 0;
  if (!has_unit) {
    int64_t part[4];
    int np = 0;
    for (;;) {
      int64_t v;
      if (ash_duration_number(s, &i, &v) || np == 4) return ASH_EFORMAT;
      part[np++] = v;
      if (i == s.n) break;
      if (s.p[i] != ':') return ASH_EFORMAT;
      i++;
    }
    static const int64_t mul[4] = {1, 60, 3600, 86400};
    for (int k = 0; k < np; k++) total += part[np - 1 - k] * mul[k];
    *out = total * ASH_US_PER_SEC;
    return ASH_OK;
  }
  /* unit form: numbers each followed by d/h/m/s, separated by spaces or
   * colons ("1d 19h:41m:14s") */
  int any = 0;
  while (i < s.n) {
    if (s.p[i] == ' ' || s.p[i] == ':') {
      i++;
      continue;
    }
    int64_t v, unit;
    if (ash_duration_number(s, &i, &v) || i >= s.n || !(unit = ash_duration_unit(s.p[i])))
      return ASH_EFORMAT;
    i++;
    total += v * unit;
    any = 1;
  }
  if (!any) return ASH_EFORMAT;
  *out = total * ASH_US_PER_SEC;
  return ASH_OK;
}

int ash_iso_zone_offset(ash_str s, int32_t *off_sec) {
  if (s.n < 20 || s.p[4] != '-' || s.p[7] != '-' || s.p[10] != 'T' || s.p[13] != ':') return 0;
  if (s.p[s.n - 1] == 'Z') {
    *off_sec = 0;
    return 1;
  }
  if (s.n < 25) return 0;
  ash_str z = ash_str_make(s.p + s.n - 6, 6);
  if ((z.p[0] != '+' && z.p[0] != '-') || z.p[3] != ':') return 0;
  return ash_tz_parse_offset(z, off_sec) == ASH_OK;
}

int ash_emit_line(ash_parse_ctx *ctx, const ash_event *ev) {
  int rc = ash_ctx_emit(ctx, ev);
  return rc == ASH_REC_REJECTED || rc == ASH_REC_SKIP ? -1 : rc;
}

/* ---- syslog framing ---- */

int ash_frame_parse(const char *line, size_t n, int (*is_body)(ash_str body), ash_frame *f) {
  memset(f, 0, sizeof *f);
  f->pri = -1;
  f->ts = ASH_TIME_UNSET;
  f->body = ash_str_make(line, n);
  if (is_body(f->body)) return 1;
  size_t off = 0;
  for (int depth = 0; depth < 2; depth++) {
    ash_syslog_hdr h;
    if (!ash_syslog_parse(line + off, n - off, 0, &h) || h.body == 0 || h.body > n - off) break;
    if (depth == 0) {
      f->pri = h.pri;
    } else if (f->host.n) {
      f->relay = f->host;
    }
    if (h.ts != ASH_TIME_UNSET) {
      f->ts = h.ts;
      f->ts_has_zone = h.ts_has_zone;
    }
    if (h.host.n) f->host = h.host;
    if (h.app.n) f->app = h.app;
    off += h.body;
    ash_str b = ash_str_make(line + off, n - off);
    if (is_body(b)) {
      f->body = b;
      return 1;
    }
  }
  /* nothing recognisable: the caller sees the whole line */
  f->pri = -1;
  f->ts = ASH_TIME_UNSET;
  f->host = f->relay = f->app = ASH_STR_NULL;
  f->body = ash_str_make(line, n);
  return 0;
}

void ash_frame_apply(const ash_frame *f, ash_event *ev, ash_attrs *a, ash_strpool *pool) {
  if (f->pri >= 0) ash_attrs_addc(a, "syslog_pri", ash_strpool_printf(pool, "%d", f->pri));
  if (f->host.n) {
    if (!ev->host.n)
      ev->host = f->host;
    else if (!(ev->host.n == f->host.n && memcmp(ev->host.p, f->host.p, f->host.n) == 0))
      ash_attrs_addc(a, "syslog_host", f->host);
  }
  ash_attrs_addc(a, "syslog_relay", f->relay);
}

int64_t ash_frame_utc(const ash_frame *f, const ash_parse_ctx *ctx) {
  if (f->ts == ASH_TIME_UNSET) return ASH_TIME_UNSET;
  return f->ts_has_zone ? ash_ctx_skew(ctx, f->ts) : ash_ctx_local_to_utc(ctx, f->ts);
}

int ash_sniff_lines(const uint8_t *head, size_t n, size_t max_lines, int (*fn)(ash_str line),
                    int *seen) {
  const char *p = (const char *)head;
  size_t i = 0, looked = 0;
  int ok = 0;
  while (i < n && looked < max_lines) {
    const char *nl = memchr(p + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - p) : n;
    /* a last line without newline may be cut by the sniff window: only
     * judged when it is the only line */
    if (!nl && looked > 0) break;
    ash_str l = ash_str_make(p + i, end - i);
    if (l.n && l.p[l.n - 1] == '\r') l.n--;
    if (ash_str_trim(l).n) {
      looked++;
      if (fn(l)) ok++;
    }
    i = end + 1;
  }
  *seen = (int)looked;
  return ok;
}

/* ---- JSON ---- */

json_t *ash_json_load(const char *p, size_t n) {
  json_error_t err;
  json_t *root = json_loadb(p, n, JSON_ALLOW_NUL, &err);
  if (root) return root;
  size_t i = 0;
  while (i < n && (unsigned char)p[i] >= 0x20) i++;
  if (i == n || n > SIZE_MAX / 6) return NULL;
  static const char hex[] = "0123456789abcdef";
  char *q = malloc(6 * n), *o = q;
  if (!q) return NULL;
  int in = 0; /* inside a string */
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (in && c == '\\' && i + 1 < n) {
      *o++ = (char)c;
      *o++ = p[++i];
    } else if (in && c < 0x20) {
      memcpy(o, "\\u00", 4);
      o[4] = hex[c >> 4];
      o[5] = hex[c & 15];
      o += 6;
    } else {
      if (c == '"') in = !in;
      *o++ = (char)c;
    }
  }
  root = json_loadb(q, (size_t)(o - q), JSON_ALLOW_NUL, &err);
  free(q);
  return root;
}
