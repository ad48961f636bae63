/* The terminal text filter. See term.h for what it escapes and why. */
#include "term.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/bytes.h"
#include "ashiato/error.h"

static const char HEX[] = "0123456789abcdef";

/* The character at p: its length in *len, and 1 when it is shown as an
 * escape (*cp is then its code point, or the byte for invalid UTF-8, with
 * *invalid set). */
static int escaped_at(const uint8_t *p, size_t n, size_t *len, uint32_t *cp, int *invalid) {
  *invalid = 0;
  if (p[0] < 0x80) {
    *len = 1;
    *cp = p[0];
    return p[0] < 0x20 || p[0] == 0x7f;
  }
  size_t l = ash_utf8_next(p, n, cp);
  if (!l) {
    *len = 1;
    *cp = p[0];
    *invalid = 1;
    return 1;
  }
  *len = l;
  return ash_cp_unsafe(*cp);
}

static int is_hex(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 1 when what starts at p would read as an escape after a backslash: one
 * we write, or text of that shape. */
static int escape_follows(const uint8_t *p, size_t n) {
  if (!n) return 0;
  size_t len;
  uint32_t cp;
  int inv;
  if (escaped_at(p, n, &len, &cp, &inv)) return 1;
  if (p[0] == 'x') return n >= 3 && is_hex(p[1]) && is_hex(p[2]);
  if (p[0] == 'u') return n >= 2 && p[1] == '{';
  return 0;
}

int cli_term_add(ash_buf *b, const void *src, size_t n) {
  const uint8_t *p = src;
  size_t i = 0;
  int rc = ASH_OK;
  while (i < n && !rc) {
    size_t run = i;
    while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '\\') run++;
    if (run > i) {
      rc = ash_buf_add(b, p + i, run - i);
      i = run;
      continue;
    }
    if (p[i] == '\\') {
      size_t k = i;
      while (k < n && p[k] == '\\') k++;
      size_t times = escape_follows(p + k, n - k) ? 2 : 1;
      for (size_t t = 0; t < times && !rc; t++) rc = ash_buf_add(b, p + i, k - i);
      i = k;
      continue;
    }
    size_t len;
    uint32_t cp;
    int inv;
    if (!escaped_at(p + i, n - i, &len, &cp, &inv)) {
      rc = ash_buf_add(b, p + i, len);
    } else if (inv || cp < 0x80) {
      char e[4] = {'\\', 'x', HEX[(cp >> 4) & 15], HEX[cp & 15]};
      rc = ash_buf_add(b, e, 4);
    } else {
      rc = ash_buf_printf(b, "\\u{%04x}", (unsigned)cp);
    }
    i += len;
  }
  return rc;
}

int cli_term_adds(ash_buf *b, const char *s) { return s ? cli_term_add(b, s, strlen(s)) : ASH_OK; }

void cli_term_write(FILE *f, const void *p, size_t n) {
  ash_buf b;
  ash_buf_init(&b, n * 9 + 64);
  if (cli_term_add(&b, p, n) == ASH_OK && b.n) fwrite(b.p, 1, b.n, f);
  ash_buf_free(&b);
}

void cli_term_puts(FILE *f, const char *s) {
  if (s) cli_term_write(f, s, strlen(s));
}

static ash_buf slots[CLI_TERM_SLOTS];
static int slots_init;
static unsigned next_slot;

const char *cli_safe(const char *s) {
  if (!s) return "";
  if (!slots_init) {
    for (int i = 0; i < CLI_TERM_SLOTS; i++) ash_buf_init(&slots[i], 64u << 20);
    slots_init = 1;
  }
  ash_buf *b = &slots[next_slot++ % CLI_TERM_SLOTS];
  ash_buf_reset(b);
  if (cli_term_adds(b, s)) return "[text too long to show]";
  return b->p ? b->p : "";
}

void cli_term_free(void) {
  if (!slots_init) return;
  for (int i = 0; i < CLI_TERM_SLOTS; i++) ash_buf_free(&slots[i]);
  slots_init = 0;
}

static int add_b64(ash_buf *b, const uint8_t *p, size_t n) {
  static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n) v |= p[i + 2];
    char q[4] = {A[v >> 18], A[(v >> 12) & 63], i + 1 < n ? A[(v >> 6) & 63] : '=',
                 i + 2 < n ? A[v & 63] : '='};
    int rc = ash_buf_add(b, q, 4);
    if (rc) return rc;
  }
  return ASH_OK;
}

int cli_json_bytes(ash_buf *b, const char *key, const void *p, size_t n) {
  int rc = ash_buf_printf(b, ",\"%s\":\"", key);
  if (!rc) rc = ash_buf_add_json_str(b, p, n);
  if (!rc) rc = ash_buf_addc(b, '"');
  if (!rc && !ash_utf8_valid(p, n)) {
    rc = ash_buf_printf(b, ",\"%s_b64\":\"", key);
    if (!rc) rc = add_b64(b, p, n);
    if (!rc) rc = ash_buf_addc(b, '"');
  }
  return rc;
}
