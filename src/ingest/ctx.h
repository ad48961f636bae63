/* Internal: the parse context behind ash_parse_ctx and the line splitter
 * shared by every text format. Not public API. */
#ifndef ASH_INGEST_CTX_H
#define ASH_INGEST_CTX_H

#include "ashiato/buf.h"
#include "ashiato/format.h"

struct ash_parse_ctx {
  const ash_parse_opts *opts;
  int (*on_event)(void *u, const ash_event *ev);
  int (*on_reject)(void *u, uint64_t ref, const char *reason, const void *raw, size_t n);
  void *u;
  uint64_t read, parsed, rejected, events;
  int64_t first_ts, last_ts;
  const char *member; /* name given to on_warn (NULL when unknown) */
};

void ash_ctx_init(ash_parse_ctx *ctx, const ash_parse_opts *opts,
                  int (*on_event)(void *, const ash_event *),
                  int (*on_reject)(void *, uint64_t, const char *, const void *, size_t), void *u);

/* Splits a byte stream fed in pieces into lines and runs a text format over
 * them, doing the accounting. Lines longer than ASH_MAX_LINE and lines that
 * are not valid UTF-8 are rejected here, before the format sees them. */
typedef struct ash_linesplit {
  const ash_format *f;
  void *state;
  ash_parse_ctx *ctx;
  ash_buf carry;      /* partial line across feeds */
  uint64_t offset;    /* stream offset of the next byte fed */
  uint64_t carry_off; /* stream offset of carry's first byte */
  int overlong;       /* inside a line already rejected as too long */
} ash_linesplit;

int ash_linesplit_open(ash_linesplit *ls, const ash_format *f, ash_parse_ctx *ctx);
/* Feed the next piece of the stream. Returns an error only for failures
 * that must stop the ingest (store errors); bad records are accounted. */
int ash_linesplit_feed(ash_linesplit *ls, const uint8_t *p, size_t n);
/* End of stream: last unterminated line, then the format's finish. */
int ash_linesplit_end(ash_linesplit *ls);
/* The stream broke off (truncated, corrupt, changed, over a cap): the
 * record it cut (the unterminated line held) is the one rejection, at its
 * offset, with the reason; when no line was cut, the rejection is at the
 * offset of the break, with no raw text. Then the format's finish, so that
 * records held back are still given. */
int ash_linesplit_abort(ash_linesplit *ls, const char *reason);
void ash_linesplit_close(ash_linesplit *ls);

#endif
