#include "ashiato/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/bytes.h"
#include "ashiato/error.h"

size_t ash_utf8_seq_len(const uint8_t *p, size_t n);

void ash_buf_init(ash_buf *b, size_t max) {
  b->p = NULL;
  b->n = 0;
  b->cap = 0;
  b->max = max;
}

void ash_buf_free(ash_buf *b) {
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

static int grow(ash_buf *b, size_t add) {
  if (add > b->max || b->n > b->max - add) return ASH_ELIMIT;
  size_t need = b->n + add + 1;
  if (need <= b->cap) return ASH_OK;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  if (cap > b->max + 1) cap = b->max + 1;
  char *p = realloc(b->p, cap);
  if (!p) return ASH_ENOMEM;
  b->p = p;
  b->cap = cap;
  return ASH_OK;
}

int ash_buf_add(ash_buf *b, const void *p, size_t n) {
  int rc = grow(b, n);
  if (rc) return rc;
  if (n) memcpy(b->p + b->n, p, n);
  b->n += n;
  b->p[b->n] = 0;
  return ASH_OK;
}

int ash_buf_addc(ash_buf *b, char c) { return ash_buf_add(b, &c, 1); }
int ash_buf_adds(ash_buf *b, const char *s) { return ash_buf_add(b, s, strlen(s)); }

int ash_buf_printf(ash_buf *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return ASH_EFORMAT;
  if ((size_t)n < sizeof tmp) return ash_buf_add(b, tmp, (size_t)n);
  int rc = grow(b, (size_t)n);
  if (rc) return rc;
  va_start(ap, fmt);
  vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)n;
  return ASH_OK;
}

/* Bytes that a JSON string cannot hold as they are: controls, '"', '\\'
 * and everything from 0x80 (copied only as part of valid UTF-8), and DEL,
 * which JSON allows but a terminal should not get raw. */
const uint8_t ash_json_special[256] = {
    [0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1, [0x80 ... 0xff] = 1,
};

size_t ash_json_escape(char *dst, const void *src, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const uint8_t *p = src;
  char *o = dst;
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    /* eight bytes at a time while none is special: no byte >= 0x80, none
     * below 0x20, none equal to '"' (0x22) or '\\' (0x5c) */
    while (run + 8 <= n) {
      uint64_t w;
      memcpy(&w, p + run, 8);
      const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
      uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\'), d = w ^ (ones * 0x7f);
      uint64_t hit = ((w - ones * 0x20) | (q - ones) | (b - ones) | (d - ones) | w) & high;
      if (hit) break;
      run += 8;
    }
    while (run < n && !ash_json_special[p[run]]) run++;
    if (run > i) {
      memcpy(o, p + i, run - i);
      o += run - i;
      i = run;
      continue;
    }
    uint8_t c = p[i];
    if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      *o++ = '\\';
      *o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    } else if (c < 0x20 || c == 0x7f) {
      memcpy(o, "\\u00", 4);
      o[4] = hex[c >> 4];
      o[5] = hex[c & 15];
      o += 6;
    } else {
      uint32_t cp = 0;
      size_t l = ash_utf8_next(p + i, n - i, &cp);
      if (l && ash_cp_unsafe(cp)) {
        /* the same string to a JSON reader, and inert on a terminal */
        o[0] = '\\';
        o[1] = 'u';
        for (int k = 0; k < 4; k++) o[2 + k] = hex[(cp >> (12 - 4 * k)) & 15];
        o += 6;
        i += l;
        continue;
      }
      if (l) {
        memcpy(o, p + i, l);
        o += l;
        i += l;
        continue;
      }
      memcpy(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
      o += 3;
    }
    i++;
  }
  return (size_t)(o - dst);
}

int ash_buf_reserve(ash_buf *b, size_t add) { return grow(b, add); }

int ash_buf_add_json_str(ash_buf *b, const char *s, size_t n) {
  if (n <= ASH_JSON_ESCAPE_MAX / 6 && grow(b, n * 6) == ASH_OK) {
    b->n += ash_json_escape(b->p + b->n, s, n);
    b->p[b->n] = 0;
    return ASH_OK;
  }
  /* near the cap: escape into a bounded scratch piece by piece, so that the
   * buffer fails with ASH_ELIMIT only when the escaped text does not fit */
  char tmp[6 * 256];
  size_t i = 0;
  while (i < n) {
    size_t take = n - i < 256 ? n - i : 256;
    /* never split a UTF-8 sequence between two pieces */
    while (take < n - i && take > 0 && (((const uint8_t *)s)[i + take] & 0xc0) == 0x80) take--;
    if (!take) take = n - i < 256 ? n - i : 256;
    int rc = ash_buf_add(b, tmp, ash_json_escape(tmp, s + i, take));
    if (rc) return rc;
    i += take;
  }
  return ASH_OK;
}

void *ash_array_grow(void *p, size_t *cap, size_t elem, size_t first) {
  size_t c = *cap ? *cap : first / 2;
  if (!c || !elem || c > SIZE_MAX / 2 / elem) return NULL;
  c *= 2;
  void *q = realloc(p, c * elem);
  if (q) *cap = c;
  return q;
}

/* ---- the per-record string arena ---- */

ash_str ash_strpool_printf(ash_strpool *p, const char *fmt, ...) {
  size_t room = sizeof p->buf - p->n;
  if (room < 2) return ASH_STR_NULL;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(p->buf + p->n, room, fmt, ap);
  va_end(ap);
  if (w < 0 || (size_t)w >= room) return ASH_STR_NULL;
  ash_str s = ash_str_make(p->buf + p->n, (size_t)w);
  p->n += (size_t)w + 1;
  return s;
}

ash_str ash_strpool_u64(ash_strpool *p, uint64_t v) {
  char t[20];
  size_t k = sizeof t;
  do {
    t[--k] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return ash_strpool_dup(p, ash_str_make(t + k, sizeof t - k));
}

ash_str ash_strpool_dup(ash_strpool *p, ash_str s) {
  if (!ASH_FITS(p->n, s.n + 1, sizeof p->buf)) return ASH_STR_NULL;
  if (s.n) memcpy(p->buf + p->n, s.p, s.n);
  ash_str r = ash_str_make(p->buf + p->n, s.n);
  p->n += s.n + 1;
  return r;
}

/* ---- allocation-failure injection ---- */

static long alloc_fail_at, alloc_seen;

void ash_alloc_fail_at(long n) {
  __atomic_store_n(&alloc_seen, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&alloc_fail_at, n, __ATOMIC_SEQ_CST);
}

long ash_alloc_count(void) { return __atomic_load_n(&alloc_seen, __ATOMIC_SEQ_CST); }

int ash_alloc_fail_now(void) {
  long at = __atomic_load_n(&alloc_fail_at, __ATOMIC_RELAXED);
  long k = __atomic_add_fetch(&alloc_seen, 1, __ATOMIC_RELAXED);
  return at > 0 && k == at;
}
