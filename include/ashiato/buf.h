/* ashiato: growable byte buffer with a maximum size fixed at creation
 * (after curl's dynbuf). Appending past the cap fails with ASH_ELIMIT and
 * leaves the buffer unchanged. */
#ifndef ASHIATO_BUF_H
#define ASHIATO_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

typedef struct ash_buf {
  char *p;    /* contents; always NUL-terminated after a successful append */
  size_t n;   /* bytes used, not counting the terminating NUL */
  size_t cap; /* bytes allocated */
  size_t max; /* hard maximum of n */
} ash_buf;

/* Initialise an empty buffer that will never hold more than max bytes. */
void ash_buf_init(ash_buf *b, size_t max);
/* Free the storage; the buffer may be reused after ash_buf_init. */
void ash_buf_free(ash_buf *b);
/* Empty the buffer, keeping its storage. */
static inline void ash_buf_reset(ash_buf *b) {
  b->n = 0;
  if (b->p) b->p[0] = 0;
}
int ash_buf_add(ash_buf *b, const void *p, size_t n);
int ash_buf_addc(ash_buf *b, char c);
int ash_buf_adds(ash_buf *b, const char *s);
int ash_buf_printf(ash_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as the contents of a JSON string (without quotes), escaping
 * control characters, quotes and backslashes, and as \uXXXX DEL and the
 * code points of ash_cp_unsafe (C1, bidi controls): the same string to a
 * JSON reader, inert on a terminal. Invalid UTF-8 bytes become U+FFFD so
 * the output is always valid JSON (callers that must keep such bytes give
 * them in base64 beside it). */
int ash_buf_add_json_str(ash_buf *b, const char *s, size_t n);
/* Write src escaped as above to dst, which must have room for 6 * n bytes
 * (the worst case); returns the bytes written. No NUL is added. */
size_t ash_json_escape(char *dst, const void *src, size_t n);
#define ASH_JSON_ESCAPE_MAX ((size_t)1 << 30)
/* 1 for the bytes ash_json_escape may change (controls, '"', '\\', DEL, >= 0x80). */
extern const uint8_t ash_json_special[256];
/* ash_json_escape for the common short, clean string: copies byte by byte
 * while nothing needs escaping (attribute keys and values are a few bytes
 * long, too short for memcpy or word-at-a-time scans to pay). */
static inline size_t ash_json_escape_short(char *dst, const void *src, size_t n) {
  const uint8_t *p = (const uint8_t *)src;
  size_t j = 0;
  for (; j < n; j++) {
    if (ash_json_special[p[j]]) return j + ash_json_escape(dst + j, p + j, n - j);
    dst[j] = (char)p[j];
  }
  return n;
}
/* Make room for add more bytes (and the NUL) without changing the contents;
 * ASH_ELIMIT when n + add would pass the cap. */
int ash_buf_reserve(ash_buf *b, size_t add);

/* Room for element n of an array p of elem-byte elements with *cap
 * allocated: p itself while n < *cap; else p reallocated to twice *cap
 * (first when empty) with *cap updated. NULL when out of memory or when the
 * size would overflow: p is then unchanged and still owned by the caller. */
void *ash_array_grow(void *p, size_t *cap, size_t elem, size_t first);
static inline void *ash_array_room(void *p, size_t *cap, size_t n, size_t elem, size_t first) {
  return n < *cap ? p : ash_array_grow(p, cap, elem, first); /* inline: hot paths append */
}

/* A fixed arena for short strings made while parsing one record (numbers
 * turned into attribute text, joined keys). Reset per record. */
typedef struct ash_strpool {
  char buf[8192];
  size_t n;
} ash_strpool;

static inline void ash_strpool_reset(ash_strpool *p) { p->n = 0; }
/* printf into the pool; returns an empty string when the pool is full. */
ash_str ash_strpool_printf(ash_strpool *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Decimal text of v, without printf's cost. */
ash_str ash_strpool_u64(ash_strpool *p, uint64_t v);
/* Copy s into the pool (empty string when it does not fit). */
ash_str ash_strpool_dup(ash_strpool *p, ash_str s);

/* ---- allocation-failure injection (tests) ----
 * A test build routes malloc/calloc/realloc/strdup/strndup through
 * wrappers (tests/alloc/alloc_wrap.c, linked with -Wl,--wrap) that ask
 * ash_alloc_fail_now() first: after ash_alloc_fail_at(n), the n-th
 * allocation from then on fails (one only; 0 turns it off). Production
 * builds never call these. Thread-safe. */
void ash_alloc_fail_at(long n);
/* Allocations counted since the last ash_alloc_fail_at. */
long ash_alloc_count(void);
/* 1 when the calling allocation must fail. */
int ash_alloc_fail_now(void);

#endif
