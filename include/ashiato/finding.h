/* ashiato: findings, what every hunt (and scan) produces.
 *
 * A finding says what was found (hunt, title, one-paragraph summary), how
 * bad it is (score 0-100 and a severity derived from it), who and what is
 * involved (accounts, hosts, addresses, files), when (first/last seen) and
 * why, as evidence items that lead back to the exact source line or record.
 * Its JSON form is the Finding of cli-contract.md; the case stores that
 * JSON (store.h: ash_store_add_finding).
 *
 * Ownership: an ash_finding owns copies of every string given to it; the
 * adders copy. Free with ash_finding_free. All text is bounded
 * (ASH_MAX_FINDING_*): longer text is cut at a UTF-8 boundary, extra
 * entities and evidence items are counted in *_dropped, never kept. */
#ifndef ASHIATO_FINDING_H
#define ASHIATO_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "bytes.h"
#include "ip.h"

typedef enum ash_severity {
  ASH_SEV_LOW = 0,
  ASH_SEV_MEDIUM,
  ASH_SEV_HIGH,
  ASH_SEV_CRITICAL
} ash_severity;

/* "low", "medium", "high", "critical". */
const char *ash_severity_name(ash_severity s);
/* Parse a severity name (case-insensitive); ASH_EFORMAT otherwise. */
int ash_severity_parse(const char *name, ash_severity *out);
/* The project's one mapping: critical >= 90, high >= 65, medium >= 40,
 * low below. Hunts set scores, never severities, so that every finding is
 * ranked on the same scale. */
ash_severity ash_severity_of_score(int score);

/* An ordered list of distinct strings (first occurrence kept). */
typedef struct ash_strset {
  char **v;
  size_t n, cap;
  uint64_t dropped; /* additions refused by ASH_MAX_FINDING_ENTITIES */
} ash_strset;

/* Where an evidence item came from. */
enum { ASH_REF_NONE = 0, ASH_REF_OFFSET = 1, ASH_REF_RECORD = 2 };

typedef struct ash_evidence {
  int64_t ts;        /* ASH_TIME_UNSET when the item has no time */
  char *kind;        /* event kind ("av.detect"), or "file.mtime", "yara.match" ... */
  char *text;        /* the line, record or match, as a responder reads it */
  char *source_path; /* NULL when none */
  uint64_t ref;      /* byte offset or record number, by ref_kind */
  int ref_kind;      /* ASH_REF_* */
} ash_evidence;

typedef struct ash_finding {
  char id[48]; /* "<hunt>-<16 hex>", stable for the same hunt and key */
  char *hunt;  /* "implant", "cloud-tunnel", ... */
  int score;   /* 0..100 */
  ash_severity severity;
  char *title;                   /* one line */
  char *summary;                 /* one paragraph a responder can paste into a report */
  ash_strset attack;             /* ATT&CK technique ids */
  ash_strset accounts;           /* bare account names ("t.sato") */
  ash_strset hosts;              /* short host names, lower case ("app02") */
  ash_strset ips;                /* addresses in their usual text form */
  ash_strset files;              /* paths */
  int64_t first_seen, last_seen; /* ASH_TIME_UNSET when unknown */
  ash_evidence *evidence;
  size_t nevidence, evidence_cap;
  uint64_t evidence_dropped;
  /* Optional hunt-specific facts: a JSON object written as "details"
   * (for scan: sha256, size, file type, PE facts, matched names). */
  char *details_json;
  /* The incident this finding belongs to ("INC-1"), shared by the findings
   * of one intrusion (set by the hunt run after every hunt, hunt.h); ""
   * when it is linked to none. Written as "incident" when set. */
  char incident[16];
  /* The title and the summary as pieces of the hunts' catalogue (hunt.h):
   * JSON arrays of {"msg", "args"}, written as "title_msg" and
   * "summary_msg", from which a report renders them in its language; NULL
   * when the finding has none (a scan's, a case made by an older version). */
  char *title_msg, *summary_msg;
} ash_finding;

/* Initialise an empty finding of hunt (copied); score 0, times unset. */
int ash_finding_init(ash_finding *f, const char *hunt);
/* Free what f owns; f may be re-initialised. A zeroed f is a no-op. */
void ash_finding_free(ash_finding *f);

/* Set the id from a key that identifies the finding within its hunt (for
 * scan: the file's path and SHA-256), so that re-running a hunt replaces
 * its findings instead of duplicating them. */
void ash_finding_set_id(ash_finding *f, const void *key, size_t n);
/* Clamp to 0..100 and derive the severity. */
void ash_finding_set_score(ash_finding *f, int score);
int ash_finding_set_title(ash_finding *f, const char *s, size_t n);
int ash_finding_set_summary(ash_finding *f, const char *s, size_t n);
/* Set the pieces of the title and the summary (JSON arrays, NULL: none);
 * replaces both. Like details, never cut: ASH_ELIMIT when too long. */
int ash_finding_set_msgs(ash_finding *f, const char *title_json, size_t tn,
                         const char *summary_json, size_t sn);
/* details must be a JSON object (not checked beyond its first character). */
int ash_finding_set_details(ash_finding *f, const char *json, size_t n);

int ash_finding_add_attack(ash_finding *f, const char *technique);
/* "CORP\t.sato", "t.sato@corp.example.local" and "t.sato" all add
 * "t.sato". Empty names are ignored. */
int ash_finding_add_account(ash_finding *f, ash_str name);
/* "APP02.corp.example.local" and "app02" add "app02"; an address is kept
 * whole. */
int ash_finding_add_host(ash_finding *f, ash_str name);
int ash_finding_add_ip(ash_finding *f, const ash_ip *ip);
int ash_finding_add_file(ash_finding *f, ash_str path);
/* Copy e's strings into a new evidence item (cut to ASH_MAX_FINDING_TEXT).
 * Does not change first/last seen: call ash_finding_see for the times that
 * date the finding. */
int ash_finding_add_evidence(ash_finding *f, const ash_evidence *e);
/* Widen [first_seen, last_seen] to include ts (unset ts is ignored). */
void ash_finding_see(ash_finding *f, int64_t ts);

/* Append f as one JSON object (no newline), cli-contract.md's Finding.
 * Unset times and empty optional fields are left out. */
int ash_finding_to_json(const ash_finding *f, ash_buf *out);
/* Read a finding back from its JSON form (as stored in the case). f must be
 * uninitialised or freed; on failure it is left freed. */
int ash_finding_from_json(ash_finding *f, const char *json, size_t n);

/* qsort comparator for an array of ash_finding: best first (score down,
 * then first_seen up, then id), a total order so output is stable. */
/* A deep copy of src into dst (which owns nothing yet): the same finding,
 * field for field. ASH_OK or ASH_ENOMEM (dst then owns nothing). */
int ash_finding_copy(ash_finding *dst, const ash_finding *src);

int ash_finding_cmp(const void *a, const void *b);

#endif
