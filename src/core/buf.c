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

int ash_buf_add_json_str(ash_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\') run++;
    if (run > i) {
      int rc = ash_buf_add(b, p + i, run - i);
      if (rc) return rc;
      i = run;
      continue;
    }
    uint8_t c = p[i];
    int rc;
    if (c == '"')
      rc = ash_buf_add(b, "\\\"", 2);
    else if (c == '\\')
      rc = ash_buf_add(b, "\\\\", 2);
    else if (c == '\n')
      rc = ash_buf_add(b, "\\n", 2);
    else if (c == '\r')
      rc = ash_buf_add(b, "\\r", 2);
    else if (c == '\t')
      rc = ash_buf_add(b, "\\t", 2);
    else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      rc = ash_buf_add(b, e, 6);
    } else {
      size_t l = ash_utf8_seq_len(p + i, n - i);
      if (l) {
        rc = ash_buf_add(b, p + i, l);
        i += l;
        if (rc) return rc;
        continue;
      }
      rc = ash_buf_add(b, "\xEF\xBF\xBD", 3); /* U+FFFD */
    }
    if (rc) return rc;
    i++;
  }
  return ASH_OK;
}
