/* ashiato: the parser interface. One ash_format per input format.
 *
 * Accounting contract (data honesty): for each record of its input a
 * format produces exactly one outcome, parsed or rejected, so that
 * read == parsed + rejected holds for every source. Lines that are not
 * records (blank lines, Zeek "#" headers) are skipped and not counted.
 *
 * Text formats implement parse_line: the driver splits the stream into
 * lines (LF, CRLF or CR, capped at ASH_MAX_LINE; see ctx.h) and does the accounting from
 * the return value. Binary formats (EVTX) implement parse_buffer over the
 * whole member and account for each record themselves with
 * ash_ctx_parsed / ash_ctx_reject. */
#ifndef ASHIATO_FORMAT_H
#define ASHIATO_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "time.h"

/* Options every parser may consult. */
typedef struct ash_parse_opts {
  ash_tz *tz;            /* zone of timestamps that carry none; NULL = UTC */
  int64_t clock_skew_us; /* added to every timestamp of the file */
  int carve;             /* EVTX: also recover records from chunk slack */
  int threads;           /* parallelism a binary parser may use (>= 1) */
  const char *map_path;  /* "mapped" format: the --map file (map.h) */
  /* A parser's remark about a source as a whole (time fields that
   * disagree, say): one line of text, at most once per kind and source.
   * member is the source's name when the caller set it (NULL otherwise);
   * both borrowed for the call. NULL: not reported. */
  void (*on_warn)(void *u, const char *member, const char *msg);
  void *warn_u;
} ash_parse_opts;

typedef struct ash_parse_ctx ash_parse_ctx;

/* Return values of parse_line. PARSED is ASH_OK, and the other two lie
 * outside the ash_err range, so that a parser may pass up an error from
 * ash_ctx_emit as it is: any other value (an ash_err, or negative) stops
 * the parse as a failure instead of being miscounted as a rejection. */
enum { ASH_REC_PARSED = 0, ASH_REC_REJECTED = 100, ASH_REC_SKIP = 101 };

typedef struct ash_format {
  const char *name;        /* "fortigate" (used by --format) */
  const char *description; /* one line for --help */
  int ref_is_record;       /* events' ref is a record number, not an offset */
  /* Confidence 0..100 that head (the first bytes of the decompressed
   * stream, up to ASH_SNIFF_BYTES, possibly cut mid-line) is this format. */
  int (*sniff)(const uint8_t *head, size_t n);

  /* Text formats. open/close/finish may be NULL. */
  int (*open)(void **state, const ash_parse_opts *opts);
  /* Parse one line (no line terminator). On ASH_REC_REJECTED set *reason to
   * a static string. May emit zero or more events with ash_ctx_emit. */
  int (*parse_line)(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                    const char **reason);
  /* End of stream: flush records held back (for example unpaired flows). */
  int (*finish)(void *state, ash_parse_ctx *ctx);
  void (*close)(void *state);

  /* Binary formats: parse the whole member. */
  int (*parse_buffer)(ash_parse_ctx *ctx, const uint8_t *buf, size_t n);
} ash_format;

/* Emit one normalised event. Strings in ev are copied before return.
 * Returns ASH_OK, or an error that the parser must pass up (storage
 * failure, ASH_ESTOP). */
int ash_ctx_emit(ash_parse_ctx *ctx, const ash_event *ev);
/* Binary formats only: count one record as parsed. */
void ash_ctx_parsed(ash_parse_ctx *ctx);
/* Binary formats only: count one record as rejected, keeping the reason
 * and up to ASH_MAX_REJECT_RAW bytes of its raw content. */
int ash_ctx_reject(ash_parse_ctx *ctx, uint64_t ref, const char *reason, const void *raw, size_t n);
/* Report msg (one line) through opts->on_warn, naming the member. */
void ash_ctx_warn(ash_parse_ctx *ctx, const char *msg);
/* 1 while the record being parsed held a raw control byte (C0 but TAB, or
 * DEL; set by the line splitter): the events emitted for it get the
 * attribute ASH_ATTR_SUSPICIOUS (event.h). A format that emits a record
 * later, while parsing another line or at finish (paired records), saves
 * this with the record and sets it around that emit. */
int ash_ctx_line_ctl(const ash_parse_ctx *ctx);
void ash_ctx_set_line_ctl(ash_parse_ctx *ctx, int ctl);
/* Binary formats: bytes [0, upto) of the buffer are no longer needed (the
 * records in them were emitted); their pages may be dropped from memory.
 * They may still be read again (they come back from the file), so this is
 * only a hint. */
void ash_ctx_release(ash_parse_ctx *ctx, uint64_t upto);
/* The options of this parse. */
const ash_parse_opts *ash_ctx_opts(const ash_parse_ctx *ctx);
/* Convert a timestamp read from the log without a zone to UTC using the
 * parse options (zone, then clock skew). */
int64_t ash_ctx_local_to_utc(const ash_parse_ctx *ctx, int64_t local_us);
/* Apply only the clock skew to a timestamp that was already UTC. */
int64_t ash_ctx_skew(const ash_parse_ctx *ctx, int64_t utc_us);

/* The registry of built-in formats, NULL-terminated. */
const ash_format *const *ash_formats(void);
const ash_format *ash_format_find(const char *name);
/* Best-scoring format for head, or NULL when none scores above 0. */
const ash_format *ash_format_sniff(const uint8_t *head, size_t n);

/* Parse a whole in-memory buffer with format f, without a store: used by
 * tests, fuzz targets and `ashiato parse`. Calls on_event for each event
 * (strings borrowed for the call) and on_reject for each rejection. */
typedef struct ash_mem_result {
  uint64_t read, parsed, rejected, events;
} ash_mem_result;
int ash_parse_memory(const ash_format *f, const uint8_t *buf, size_t n, const ash_parse_opts *opts,
                     int (*on_event)(void *u, const ash_event *ev),
                     int (*on_reject)(void *u, uint64_t ref, const char *reason, const void *raw,
                                      size_t rn),
                     void *u, ash_mem_result *res);

/* Parse records one at a time, as they arrive (`ashiato watch`: one
 * syslog message is one record), keeping the format's state between them
 * (ASA pairs a connection's build with its teardown). Text formats only
 * (ASH_EUSAGE for a binary one). Each call to ash_recs_feed is one record:
 * it is counted parsed or rejected exactly once (an empty or blank record
 * is rejected, "empty message", since a message that was received must be
 * accounted), with the checks of the line splitter (UTF-8, control bytes
 * flagged, ASH_MAX_LINE). on_event / on_reject as for ash_parse_memory;
 * ref is the record's reference (its offset in the caller's spool). Caller
 * frees with ash_recs_close. */
typedef struct ash_recs ash_recs;
int ash_recs_open(ash_recs **out, const ash_format *f, const ash_parse_opts *opts,
                  int (*on_event)(void *u, const ash_event *ev),
                  int (*on_reject)(void *u, uint64_t ref, const char *reason, const void *raw,
                                   size_t rn),
                  void *u);
int ash_recs_feed(ash_recs *r, const uint8_t *rec, size_t n, uint64_t ref);
/* End of the stream: records held back (unpaired flows) are emitted. The
 * parser may be fed again afterwards. */
int ash_recs_finish(ash_recs *r);
/* Counts so far; first/last event time (ASH_TIME_UNSET when none). */
void ash_recs_counts(const ash_recs *r, ash_mem_result *res, int64_t *first_ts, int64_t *last_ts);
void ash_recs_close(ash_recs *r);

#endif
