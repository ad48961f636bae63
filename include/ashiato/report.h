/* ashiato: the HTML report a responder hands over (issue 13).
 *
 * One self-contained file: inline CSS and SVG, no script, no font, image
 * or link that loads anything, and a Content-Security-Policy that forbids
 * every fetch (default-src 'none'; the one style block is allowed by its
 * SHA-256). It opens from a USB stick on an air-gapped laptop.
 *
 * It reads the case only through store.h (findings, sources, kinds,
 * events) and quotes evidence only through raw.h, after raw.h's identity
 * check: a line whose file changed since ingest is never shown, the check
 * failure is shown instead.
 *
 * It summarises: its cost and size are bounded by the findings, the
 * sources and a fixed number of queries (timeline cells, logons and VPN
 * logins), never by a walk over every event. Every fixed string comes
 * from one message catalogue in English and Japanese (src/report/msg.c). */
#ifndef ASHIATO_REPORT_H
#define ASHIATO_REPORT_H

#include <stdint.h>

#include "buf.h"
#include "lang.h"
#include "ranges.h"
#include "store.h"
#include "time.h"

typedef struct ash_report_opts {
  ash_lang lang;
  ash_tz *tz;               /* zone of every time shown; NULL is UTC */
  int raw_flags;            /* raw.h flags: ASH_RAW_VERIFY re-hashes every quoted file */
  const char *case_name;    /* shown as the case (its path); may be NULL */
  int64_t generated;        /* when the report was made, ASH_TIME_UNSET to leave out */
  const ash_ranges *ranges; /* names the cloud provider of VPN sources; may be NULL */
} ash_report_opts;

typedef struct ash_report_stats {
  uint64_t findings, sources;
  uint64_t evidence_quoted;   /* lines read back from the evidence and shown */
  uint64_t evidence_withheld; /* items whose check failed: failure shown */
  uint64_t evidence_omitted;  /* items left to `hunt --json` by the size budget */
  uint64_t queries;           /* store queries made */
  /* seconds spent reading the case (findings, sources, kinds), on the
   * timeline's cells, on the logon and VPN passes, and on quoting the
   * evidence: what bench/bench_report.sh reports */
  double s_load, s_timeline, s_entities, s_evidence;
} ash_report_stats;

/* The report of case s as one HTML document, appended to out (whose cap
 * should allow ASH_REPORT_MAX_BYTES). stats may be NULL. ASH_OK, or the
 * store's or raw.h's error (ASH_ECHANGED is never returned: it is shown). */
int ash_report_html(ash_store *s, const ash_report_opts *o, ash_buf *out, ash_report_stats *stats);

/* The budget the report keeps to (issue 13: < 5 MB for 10^7 events): the
 * evidence quoted stops growing past it, the sections do not. */
#define ASH_REPORT_EVIDENCE_BUDGET ((size_t)2 << 20)
#define ASH_REPORT_MAX_BYTES ((size_t)64 << 20)

#endif
