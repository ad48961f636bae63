#include "ashiato/bytes.h"

#include <ctype.h>

#include "ashiato/error.h"

int ash_str_ieq(ash_str a, const char *lit) {
  /* ASCII letters only, whatever the locale: the names compared here
   * (channels, fields, SIDs) are ASCII, and a byte of UTF-8 is never
   * taken for another */
  size_t i = 0;
  for (; i < a.n; i++) {
    unsigned char x = (unsigned char)a.p[i], y = (unsigned char)lit[i];
    if (!y) return 0;
    if (x == y) continue;
    if ((x | 32) != (y | 32) || (unsigned)((x | 32) - 'a') > 25u) return 0;
  }
  return lit[i] == 0;
}

int ash_str_to_u64(ash_str s, uint64_t *out) {
  if (s.n == 0 || s.n > 20) return ASH_EFORMAT;
  uint64_t v = 0;
  for (size_t i = 0; i < s.n; i++) {
    unsigned d = (unsigned char)s.p[i] - '0';
    if (d > 9) return ASH_EFORMAT;
    if (v > (UINT64_MAX - d) / 10) return ASH_EFORMAT;
    v = v * 10 + d;
  }
  *out = v;
  return ASH_OK;
}

int ash_str_to_i64(ash_str s, int64_t *out) {
  int neg = 0;
  if (s.n && (s.p[0] == '-' || s.p[0] == '+')) {
    neg = s.p[0] == '-';
    s.p++;
    s.n--;
  }
  uint64_t u;
  if (ash_str_to_u64(s, &u)) return ASH_EFORMAT;
  if (neg) {
    if (u > (uint64_t)INT64_MAX + 1) return ASH_EFORMAT;
    *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
  } else {
    if (u > (uint64_t)INT64_MAX) return ASH_EFORMAT;
    *out = (int64_t)u;
  }
  return ASH_OK;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_seq(const uint8_t *p, size_t n) {
  uint8_t c = p[0];
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
  if (c < 0xF0) {
    if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;  /* overlong */
    if (c == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
    return 3;
  }
  if (c < 0xF5) {
    if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;
    if (c == 0xF4 && p[1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}

size_t ash_utf8_seq_len(const uint8_t *p, size_t n);
size_t ash_utf8_seq_len(const uint8_t *p, size_t n) { return n ? utf8_seq(p, n) : 0; }

size_t ash_utf8_next(const uint8_t *p, size_t n, uint32_t *cp) {
  size_t l = n ? utf8_seq(p, n) : 0;
  if (l == 1) *cp = p[0];
  if (l == 2) *cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
  if (l == 3) *cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
  if (l == 4)
    *cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
          (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
  return l;
}

int ash_utf8_valid(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    /* fast path over ASCII, 8 bytes at a time */
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    size_t l = utf8_seq(p + i, n - i);
    if (!l) return 0;
    i += l;
  }
  return 1;
}
