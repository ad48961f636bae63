/* Internal: small helpers shared by the perimeter parsers (PAN-OS, ASA,
 * Zeek, mapped CSV/JSONL). Not public API.
 *
 * Everything here works on borrowed (pointer, length) strings and never
 * reads past the length it is given. */
#ifndef ASH_INGEST_FIELDS_H
#define ASH_INGEST_FIELDS_H

#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>

#include "ashiato/bytes.h"
#include "ashiato/event.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"
#include "syslog.h"

/* ---- JSON ---- */

struct json_t;
/* json_loadb as the JSON formats need it: \u0000 is taken (the NUL kept:
 * read strings with json_string_length), and when the text does not parse
 * as it is but holds raw control characters, they are taken inside strings
 * as if escaped and the text parsed again. Loggers that do not escape a
 * control character in a value write invalid JSON; rejecting the record
 * for it would let whoever chose the value (a user name typed at a VPN
 * login) hide the record. The line splitter flags such records. NULL when
 * the text is not JSON either way. Caller frees with json_decref. */
struct json_t *ash_json_load(const char *p, size_t n);

/* ---- attributes ---- */

/* The attributes of one event under construction. When more than
 * ASH_MAX_ATTRS - 1 are added, the surplus is counted and ash_attrs_attach
 * says so in a last "attrs_dropped" attribute: nothing vanishes silently. */
typedef struct ash_attrs {
  ash_kv kv[ASH_MAX_ATTRS];
  size_t n;
  size_t dropped;
  char dropped_txt[24];
} ash_attrs;

static inline void ash_attrs_reset(ash_attrs *a) {
  a->n = 0;
  a->dropped = 0;
}
/* Add k=v (both borrowed until the event is emitted). Empty values are
 * skipped: an empty vendor field carries no information. */
void ash_attrs_add(ash_attrs *a, ash_str k, ash_str v);
static inline void ash_attrs_addc(ash_attrs *a, const char *k, ash_str v) {
  ash_attrs_add(a, ash_str_cstr(k), v);
}
static inline void ash_attrs_addcc(ash_attrs *a, const char *k, const char *v) {
  ash_attrs_add(a, ash_str_cstr(k), ash_str_cstr(v));
}
/* Point ev->attrs at the list (adding "attrs_dropped" when needed). */
void ash_attrs_attach(ash_attrs *a, ash_event *ev);

/* ash_strpool (a fixed arena for the short strings of one record) is in
 * ashiato/buf.h. */

/* ash_u64set (a set of 64-bit numbers) lives with the one hash table in
 * ashiato/table.h. */

/* ---- CSV ---- */

/* Split one delimited record. Fields are separated by sep; a field that
 * starts with '"' is quoted, may contain sep, and writes a literal quote as
 * "" (RFC 4180). Unquoted fields are taken verbatim (quotes inside them
 * are kept). Quoted fields are unescaped into scratch, which must hold at
 * least n bytes. Returns the number of fields (>= 1), or -1 when a quote is
 * not closed, text follows a closing quote, or there are more than max
 * fields. */
long ash_csv_split(const char *p, size_t n, char sep, ash_str *out, size_t max, char *scratch);

/* Split at every sep, no quoting (Zeek TSV; CSV records without a quote).
 * Separators are found 16 bytes at a time. Returns the number of fields,
 * or -1 when there are more than max. */
long ash_split_plain(const char *p, size_t n, char sep, ash_str *out, size_t max);

/* ---- values ---- */

static inline ash_str ash_str_sub(ash_str s, size_t off, size_t len) {
  if (off > s.n) off = s.n;
  if (len > s.n - off) len = s.n - off;
  return ash_str_make(s.p + off, len);
}
ash_str ash_str_trim(ash_str s);
/* Find lit in s; returns its offset or (size_t)-1. */
size_t ash_str_find(ash_str s, const char *lit);
int ash_str_starts(ash_str s, const char *lit);

/* Split "DOMAIN\user" and "user@domain" into the bare account name and
 * the domain (contract: accounts are printed bare). Anything else is the
 * user with no domain. */
void ash_user_split(ash_str in, ash_str *user, ash_str *domain);

/* A TCP/UDP port 0..65535; -1 when s is not one. */
int32_t ash_port_parse(ash_str s);

/* "YYYY/MM/DD HH:MM:SS" or "YYYY-MM-DD[T ]HH:MM:SS" with optional
 * fractional seconds and no zone: wall-clock microseconds. */
int ash_wall_parse(ash_str s, int64_t *out);
/* Seconds since the epoch with an optional fraction ("1258531221.486539",
 * "-1.5" is refused): microseconds. */
int ash_epoch_parse(ash_str s, int64_t *out);
/* A non-negative decimal number of seconds ("0.000231", "16") as
 * microseconds. */
int ash_secs_parse(ash_str s, int64_t *out);
/* Durations as network devices write them: "0:05:25", "25:10:11",
 * "1:02:03:04" (d:h:m:s), "1d 19h:41m:14s", "7h:23m:11s", "1d2h", "90".
 * Microseconds. */
int ash_clock_duration_parse(ash_str s, int64_t *out);
/* Zone offset of an ISO 8601 timestamp that ends in "+HH:MM"/"-HH:MM"/"Z"
 * ("2023-10-04T18:54:25.443+08:00"); 0 when s is not such a timestamp. */
int ash_iso_zone_offset(ash_str s, int32_t *off_sec);

/* ash_ctx_emit for a parse_line: a sink result that would read as a
 * verdict (ASH_REC_REJECTED, ASH_REC_SKIP) becomes -1, which stops the
 * parse instead of being miscounted; ash_err values pass as they are. */
int ash_emit_line(ash_parse_ctx *ctx, const ash_event *ev);

/* ---- syslog framing ---- */

/* The syslog framing of a line, up to two headers deep (a relay in front
 * of the device's own header: "Sep 24 15:22:59 relay Feb 24 22:06:07 fw
 * body"). host is the innermost host (the device); relay the outer one. */
typedef struct ash_frame {
  int pri;         /* outermost priority, -1 when none */
  int64_t ts;      /* innermost timestamp, ASH_TIME_UNSET when none */
  int ts_has_zone; /* ts is UTC already */
  ash_str host, relay;
  ash_str app;
  ash_str body; /* the message after the header(s) */
} ash_frame;

/* Strip syslog headers until is_body(body) holds or no header is left.
 * Returns 1 when is_body accepted a body (possibly the whole line), 0
 * otherwise (then f->body is the whole line). */
int ash_frame_parse(const char *line, size_t n, int (*is_body)(ash_str body), ash_frame *f);
/* Put the framing into an event: host (when ev->host is still empty),
 * "syslog_pri", "syslog_host" (when the device named itself differently)
 * and "syslog_relay" attributes. */
void ash_frame_apply(const ash_frame *f, ash_event *ev, ash_attrs *a, ash_strpool *pool);
/* The framing timestamp converted to UTC with the parse options. */
int64_t ash_frame_utc(const ash_frame *f, const ash_parse_ctx *ctx);

/* The iteration helper of the sniffers: calls fn on each complete line of
 * head (at most max_lines, skipping blank lines) and returns the number of
 * lines fn accepted; *seen is the number of lines looked at. */
int ash_sniff_lines(const uint8_t *head, size_t n, size_t max_lines, int (*fn)(ash_str line),
                    int *seen);

#endif
