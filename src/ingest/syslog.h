/* Internal: the syslog header in front of a text log line, shared by every
 * text format (FortiGate, PAN-OS, ASA, ...). Not public API.
 *
 * Recognised, with or without a leading "<PRI>":
 *   RFC 3164   "<189>Mar  2 10:22:01 fw01 app[123]: body"
 *              (also "Mar 02", "Mar 2", fractional seconds, the ASA
 *              "Mar 02 2025 10:22:01" form with a year, and no app tag:
 *              "Mar  2 10:22:01 fw01 date=..." leaves body at "date=")
 *   RFC 5424   "<189>1 2025-03-02T10:22:01.123Z fw01 app 123 MSGID [sd] body"
 *              (NILVALUE "-" for any field, structured data with escapes,
 *              a UTF-8 BOM before the message skipped)
 *   ISO        "2025-03-02T10:22:01+09:00 fw01 app: body" (rsyslog file
 *              format; a 'T' between date and time is required)
 *   PRI only   "<189>date=2025-03-02 ..." (FortiGate's own syslog): pri is
 *              set, ts stays unset, body starts after '>'.
 *
 * An app tag is taken only when the token after the host looks like one:
 * [A-Za-z0-9_./-]+ optionally followed by "[pid]", then ':' and a space
 * (or the end). Anything else ("date=...", "%ASA-6-302013:", "1,2025/03/02
 * ...") starts the body. A lone ":" after the host (ASA "host : %ASA...")
 * is skipped.
 *
 * RFC 3164 timestamps carry no year and no zone. ts is then the local wall
 * time (microseconds as if it were UTC, ts_has_zone = 0) in year year_hint
 * when year_hint > 0; with year_hint == 0 the current UTC year is used,
 * except that a date more than 31 days ahead of now is taken from the
 * previous year (December logs read in January). Callers convert local
 * times with ash_ctx_local_to_utc. */
#ifndef ASH_INGEST_SYSLOG_H
#define ASH_INGEST_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "ashiato/bytes.h"

typedef struct ash_syslog_hdr {
  int pri;         /* 0..191, -1 when absent */
  int64_t ts;      /* ASH_TIME_UNSET when absent or NILVALUE */
  int ts_has_zone; /* 1: ts is UTC already; 0: local wall time */
  ash_str host;    /* empty when absent or "-" */
  ash_str app;     /* empty when absent or "-" */
  size_t body;     /* offset of the message body in the line (n when none) */
  /* RFC 5424 only (empty otherwise): */
  ash_str procid, msgid;
  ash_str sd; /* structured data as written ("[id k=\"v\"]..."), empty for "-" */
} ash_syslog_hdr;

/* Parse the header at the start of line[0..n). Returns 1 and fills *h when
 * a header (or a bare timestamp prefix, or a PRI alone) was recognised; 0
 * otherwise, with h->body = 0, h->pri = -1 and h->ts unset. Never reads
 * past n; the strings in *h point into line. */
int ash_syslog_parse(const char *line, size_t n, int year_hint, ash_syslog_hdr *h);

#endif
