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
  /* The record being parsed holds a raw control byte (ash_ctl_bytes): the
   * events emitted for it are flagged (ash_ctx_emit). Set by the line
   * splitter for each line; a format that emits a record later (ASA pairs)
   * saves it with the record and restores it around that emit. */
  int line_ctl;
  /* Binary formats: the parser is done with bytes [0, upto) of the buffer
   * it was given (ash_ctx_release), so their pages may leave memory: a
   * 2 GB EVTX member spilled to a temporary file is then not resident
   * whole. Set by the ingest; NULL elsewhere. */
  void (*on_release)(void *u, uint64_t upto);
  void *release_u;
};

void ash_ctx_init(ash_parse_ctx *ctx, const ash_parse_opts *opts,
                  int (*on_event)(void *, const ash_event *),
                  int (*on_reject)(void *, uint64_t, const char *, const void *, size_t), void *u);

/* 1 when p[0, n) holds a control byte other than TAB: 0x00-0x08,
 * 0x0a-0x1f or 0x7f (DEL). TAB separates fields in Zeek and is ordinary
 * white space elsewhere; every other one has no business in a log line
 * and can hide text on a terminal (ESC sequences, BS, CR, NUL). */
int ash_ctl_bytes(const uint8_t *p, size_t n);

/* How the lines of a stream end, decided by its start: when a lone CR
 * (old Mac OS, some appliances) comes first and no LF follows it within
 * 64 KiB, CR, LF and CRLF all end lines; otherwise LF (or CRLF) is the
 * only line end and a CR anywhere but before the LF is part of the line.
 * Why not every lone CR: in a file written with LF ends a lone CR can only
 * come from a field's content (a user name typed with one, a CSV cell),
 * and ending the line there would split the record in two, the attacker's
 * half under a wrong user; kept, the record parses whole and is flagged.
 * Why this holds: a writer uses one convention for all its lines, so the
 * first line end tells, and the 64 KiB look-ahead keeps a CR inside the
 * first record from deciding. A file that switches convention after its
 * start is read by the convention of its start. */
enum { ASH_EOL_UNSET = 0, ASH_EOL_LF, ASH_EOL_CR };

/* What the splitter has seen of a stream's start while its line ends are
 * undecided: bytes looked at, offset of the first CR (SIZE_MAX: none). */
typedef struct ash_eol_scan {
  size_t m, cr;
} ash_eol_scan;

/* The convention of a whole member as the splitter decides it (for reading
 * a line back at its offset). */
int ash_eol_detect(const uint8_t *p, size_t n);
/* Length of the line starting at p (at most n bytes) under convention eol,
 * without its terminator (and without the CR of a CRLF). */
size_t ash_eol_line_len(const uint8_t *p, size_t n, int eol);

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
  int eol;            /* ASH_EOL_*: the stream's line ends, once known */
  ash_buf hold;       /* the stream's start, held until eol is known */
  ash_eol_scan scan;  /* how much of hold decided nothing yet */
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
