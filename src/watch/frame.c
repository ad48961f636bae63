/* TCP syslog framing (RFC 6587): octet counting and LF-terminated frames,
 * told apart per frame, every buffer capped at ASH_MAX_WATCH_MSG. */
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/watch.h"

enum { FR_START = 0, FR_DIGITS, FR_COUNTED, FR_LINE };

/* Longest octet count taken as one: 7 digits is up to 9,999,999, beyond
 * any cap of ours; a longer run of digits is the start of a line. */
#define MAX_DIGITS 7

void ash_framer_init(ash_framer *f) { memset(f, 0, sizeof *f); }

void ash_framer_free(ash_framer *f) {
  free(f->buf);
  memset(f, 0, sizeof *f);
}

/* Append to the frame under assembly: past the cap only the first
 * ASH_MAX_REJECT_RAW bytes are kept (for the rejection's raw text), so a
 * sender cannot grow the buffer. The buffer grows by doubling, so that an
 * idle connection holds little. */
static int keep(ash_framer *f, const uint8_t *p, size_t n) {
  size_t limit = f->over ? ASH_MAX_REJECT_RAW : ASH_MAX_WATCH_MSG;
  if (!f->over && n > limit - f->n) {
    f->over = 1;
    limit = ASH_MAX_REJECT_RAW;
  }
  if (f->n >= limit) return ASH_OK;
  if (n > limit - f->n) n = limit - f->n;
  if (f->n + n > f->cap) {
    size_t cap = f->cap ? f->cap : 4096;
    while (cap < f->n + n) cap *= 2;
    if (cap > ASH_MAX_WATCH_MSG) cap = ASH_MAX_WATCH_MSG;
    uint8_t *b = realloc(f->buf, cap);
    if (!b) return ASH_ENOMEM;
    f->buf = b;
    f->cap = cap;
  }
  memcpy(f->buf + f->n, p, n);
  f->n += n;
  return ASH_OK;
}

static int deliver(ash_framer *f, ash_frame_cb cb, void *u, const char *why) {
  size_t n = f->n;
  if (f->over) {
    why = "message larger than 128 KiB";
    if (n > ASH_MAX_REJECT_RAW) n = ASH_MAX_REJECT_RAW;
  }
  int rc = cb(u, f->buf ? f->buf : (const uint8_t *)"", n, why);
  f->n = 0;
  f->over = 0;
  f->nd = 0;
  f->want = 0;
  f->state = FR_START;
  /* a connection that once sent a large message does not keep its buffer */
  if (f->cap > 65536) {
    free(f->buf);
    f->buf = NULL;
    f->cap = 0;
  }
  return rc;
}

int ash_framer_feed(ash_framer *f, const uint8_t *p, size_t n, ash_frame_cb cb, void *u) {
  size_t i = 0;
  int rc = ASH_OK;
  while (i < n && !rc) {
    switch (f->state) {
    case FR_START: {
      uint8_t c = p[i];
      if (c == '\n' || c == '\r' || c == 0) {
        i++;
      } else if (c >= '1' && c <= '9') {
        f->state = FR_DIGITS;
        f->nd = 0;
      } else {
        f->state = FR_LINE;
      }
      break;
    }
    case FR_DIGITS: {
      uint8_t c = p[i];
      if (c >= '0' && c <= '9' && f->nd < MAX_DIGITS) {
        f->digits[f->nd++] = (char)c;
        i++;
      } else if (c == ' ' && f->nd) {
        uint64_t v = 0;
        for (size_t k = 0; k < f->nd; k++) v = v * 10 + (uint64_t)(f->digits[k] - '0');
        i++;
        f->want = v;
        f->n = 0;
        f->over = 0;
        f->state = FR_COUNTED;
      } else {
        /* not a count: the digits begin a line ("2025-03-02T..." or
         * "1,2025/03/02 ..." without a syslog header) */
        rc = keep(f, (const uint8_t *)f->digits, f->nd);
        f->nd = 0;
        f->state = FR_LINE;
      }
      break;
    }
    case FR_COUNTED: {
      size_t take = n - i < f->want ? n - i : (size_t)f->want;
      /* a count beyond the cap is consumed (the stream stays in step) but
       * only its start is kept */
      if (f->want > ASH_MAX_WATCH_MSG) f->over = 1;
      rc = keep(f, p + i, take);
      i += take;
      f->want -= take;
      if (!rc && f->want == 0) rc = deliver(f, cb, u, NULL);
      break;
    }
    case FR_LINE: {
      const uint8_t *lf = memchr(p + i, '\n', n - i);
      size_t e = lf ? (size_t)(lf - p) : n;
      rc = keep(f, p + i, e - i);
      i = e;
      if (!rc && lf) {
        i++;
        if (f->n && f->buf[f->n - 1] == '\r' && !f->over) f->n--;
        rc = deliver(f, cb, u, NULL);
      }
      break;
    }
    }
  }
  return rc;
}

int ash_framer_end(ash_framer *f, ash_frame_cb cb, void *u) {
  int rc = ASH_OK;
  if (f->state == FR_LINE && (f->n || f->over)) {
    rc = deliver(f, cb, u, NULL);
  } else if (f->state == FR_COUNTED) {
    rc = deliver(f, cb, u, "connection closed inside an octet-counted message");
  } else if (f->state == FR_DIGITS) {
    rc = keep(f, (const uint8_t *)f->digits, f->nd);
    if (!rc) rc = deliver(f, cb, u, NULL);
  }
  f->state = FR_START;
  return rc;
}
