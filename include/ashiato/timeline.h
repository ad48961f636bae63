/* ashiato: the timeline, one row per event (or per finding's evidence), in
 * the forms other tools read: CSV (Timeline Explorer, a spreadsheet),
 * JSON lines (Splunk, Elastic, jq) and Timesketch's JSONL import.
 *
 * The writer only formats: rows are appended to a caller's buffer, so the
 * library never prints and a caller streams a case of any size in constant
 * memory (one row at a time). Every value from the logs is escaped for the
 * output's context: CSV by RFC 4180 with cells that a spreadsheet would
 * run as a formula neutralised, JSON by its string escapes. */
#ifndef ASHIATO_TIMELINE_H
#define ASHIATO_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"
#include "finding.h"
#include "time.h"

typedef enum ash_timeline_format {
  ASH_TL_CSV,
  ASH_TL_JSONL,
  ASH_TL_TIMESKETCH
} ash_timeline_format;

/* "csv", "jsonl", "timesketch" -> *out; ASH_EFORMAT for any other name. */
int ash_timeline_format_parse(const char *name, ash_timeline_format *out);

/* Timesketch indexes values as Elasticsearch keywords, which refuse terms
 * over 32766 bytes: every value is cut below that, at a UTF-8 boundary,
 * and the cut is said in a "_truncated" field. */
#define ASH_TL_MAX_VALUE 32000

/* One short line saying what the event is, built from its fields: "RDP
 * logon (type 10) of CORP\t.sato from 127.0.0.1", "10.0.0.5:51234 ->
 * 13.251.206.51:443 tcp, 3600 s, 8.1 MB out, 1.2 MB in". Appended to out. */
int ash_event_summary(const ash_event *ev, ash_buf *out);

/* Append s as one CSV cell (no separator): quoted when it holds a comma,
 * quote, CR or LF (RFC 4180, quotes doubled), and prefixed with a single
 * quote when it starts with = + - @ TAB or CR, which spreadsheets would
 * otherwise evaluate (OWASP, "CSV Injection"). */
int ash_csv_cell(ash_buf *out, const char *s, size_t n);

/* Which finding an event is evidence of, looked up by (source path, ref).
 * Built once from the case's findings; a sorted array, bounded by the
 * findings' evidence (ASH_MAX_FINDING_EVIDENCE each). */
typedef struct ash_evidence_index ash_evidence_index;
int ash_evidence_index_open(ash_evidence_index **out);
/* Add every evidence item of f (its strings are copied). */
int ash_evidence_index_add(ash_evidence_index *ix, const ash_finding *f);
/* Sort; call once after the last add, before lookups. */
void ash_evidence_index_build(ash_evidence_index *ix);
/* The best (highest score) finding that cites (path, ref): its id and
 * severity, borrowed until close; 0 when found, ASH_ENOTFOUND otherwise. */
int ash_evidence_index_find(const ash_evidence_index *ix, const char *path, uint64_t ref,
                            const char **finding_id, ash_severity *sev);
void ash_evidence_index_close(ash_evidence_index *ix);

/* A row: the event, where it came from, and the finding it proves (NULL
 * when none). tz chooses the zone of the written time (NULL: UTC); the
 * offset is always written. */
typedef struct ash_timeline_row {
  const ash_event *ev;
  const char *source_path; /* NULL when unknown */
  int ref_is_record;
  const char *attrs_json; /* the event's stored attributes, or NULL */
  const char *finding_id; /* NULL when the event is not evidence */
  ash_severity severity;
  const char *text; /* for a finding's evidence row: its text; else NULL */
} ash_timeline_row;

/* The CSV header line (with its CRLF); nothing for the JSON forms. */
int ash_timeline_header(ash_timeline_format f, ash_buf *out);
/* Append one row (with its line end) in format f. ASH_ENOTFOUND (nothing
 * appended) for a Timesketch row of an event without a time, which
 * Timesketch cannot import: the caller counts those and says so. */
int ash_timeline_write(ash_timeline_format f, const ash_timeline_row *r, ash_tz *tz, ash_buf *out);

#endif
