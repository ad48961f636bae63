/* ashiato: byte strings, bounds checks and little-endian decoding.
 *
 * Strings from logs are pointer + length and are never assumed to be
 * NUL-terminated. On-disk structures are decoded with the helpers below,
 * never by casting a struct over the buffer. */
#ifndef ASHIATO_BYTES_H
#define ASHIATO_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A borrowed byte string. p may be NULL only when n == 0. */
typedef struct ash_str {
  const char *p;
  size_t n;
} ash_str;

#define ASH_STR_NULL ((ash_str){NULL, 0})
#define ASH_STR_LIT(s) ((ash_str){(s), sizeof(s) - 1})

/* True when [off, off+size) lies inside a buffer of len bytes. Written so
 * that the arithmetic cannot overflow (after yara's fits_in_pe). Every
 * bounds check in a parser goes through this macro. */
#define ASH_FITS(off, size, len)                                                                   \
  ((size_t)(size) <= (size_t)(len) && (size_t)(off) <= (size_t)(len) - (size_t)(size))

static inline ash_str ash_str_make(const char *p, size_t n) {
  ash_str s = {p, n};
  return s;
}
static inline ash_str ash_str_cstr(const char *p) {
  ash_str s = {p, p ? strlen(p) : 0};
  return s;
}
static inline int ash_str_eq(ash_str a, const char *lit) {
  size_t n = strlen(lit);
  return a.n == n && (n == 0 || memcmp(a.p, lit, n) == 0);
}
/* a equals the NUL-terminated lit, ASCII letters compared without case
 * (never by the locale). */
int ash_str_ieq(ash_str a, const char *lit);

/* Parse a decimal integer (optional leading '-') that spans the whole
 * string. Returns 0 on success; fails on empty, junk or overflow. */
int ash_str_to_i64(ash_str s, int64_t *out);
int ash_str_to_u64(ash_str s, uint64_t *out);

static inline uint16_t ash_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t ash_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t ash_le64(const uint8_t *p) {
  return (uint64_t)ash_le32(p) | ((uint64_t)ash_le32(p + 4) << 32);
}

/* True when [p, p+n) is valid UTF-8 (no overlongs, no surrogates). */
int ash_utf8_valid(const uint8_t *p, size_t n);
/* Length (1..4) of the valid UTF-8 sequence at p, with its code point in
 * *cp; 0 when the bytes at p are not valid UTF-8 (or n == 0). */
size_t ash_utf8_next(const uint8_t *p, size_t n, uint32_t *cp);
/* 1 for code points that must not reach a terminal as they are, even
 * inside JSON: the C1 controls U+0080-U+009F (terminals act on them as on
 * ESC sequences: U+009B is CSI), the bidirectional controls U+061C,
 * U+200E-U+200F, U+202A-U+202E and U+2066-U+2069 (they reorder what is
 * shown, so a line reads other than its bytes), and U+2028/U+2029 (line
 * breaks to some viewers and to JavaScript). */
static inline int ash_cp_unsafe(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

#endif
