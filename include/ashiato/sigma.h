/* ashiato: a Sigma rule engine (Sigma 2.1 detection rules).
 *
 * A rule set is loaded from YAML text (libyaml) or from files and
 * directories. A rule that cannot be run exactly as written is not loaded
 * and is kept as a rejection with its reason ("unsupported modifier X",
 * "unmapped logsource Y", "YAML error at line N", "undefined placeholder
 * %x%"): no rule is silently skipped.
 *
 * Events are presented to the engine as documents: named string values
 * (the Windows EventData names, "EventID", "Channel", "Provider_Name",
 * "Computer"). ash_sigma_doc_from_event builds one from a stored event,
 * applying the one field mapping of docs/sigma.md (Security 4688 seen as
 * process_creation, hex values unpadded). Matching a document returns the
 * rules that fire.
 *
 * Ownership: a rule set owns copies of everything it loaded; a document
 * owns copies of its values. Strings returned by accessors are borrowed
 * until the rule set (document) is closed or changed. Close accepts NULL. */
#ifndef ASHIATO_SIGMA_H
#define ASHIATO_SIGMA_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "event.h"

typedef struct ash_sigma ash_sigma;
typedef struct ash_sigma_doc ash_sigma_doc;

typedef enum ash_sigma_level {
  ASH_SIGMA_INFORMATIONAL = 0,
  ASH_SIGMA_LOW,
  ASH_SIGMA_MEDIUM,
  ASH_SIGMA_HIGH,
  ASH_SIGMA_CRITICAL
} ash_sigma_level;

/* "informational", "low", "medium", "high", "critical". */
const char *ash_sigma_level_name(ash_sigma_level l);
/* Parse a level name (case-insensitive); ASH_EFORMAT otherwise. */
int ash_sigma_level_parse(const char *name, ash_sigma_level *out);

typedef struct ash_sigma_rule_info {
  const char *id;    /* the rule's id ("" when it has none) */
  const char *title; /* "" when none */
  const char *path;  /* file it came from ("" for text loaded without a name) */
  ash_sigma_level level;
  const char *const *tags; /* "attack.t1003.001", ... */
  size_t ntags;
  const char *logsource; /* "windows/process_creation", "windows/security" */
} ash_sigma_rule_info;

typedef struct ash_sigma_reject {
  const char *path;   /* file */
  const char *id;     /* rule id when it was read, else "" */
  const char *title;  /* rule title when it was read, else "" */
  const char *reason; /* one line */
} ash_sigma_reject;

/* A new empty rule set. Caller frees with ash_sigma_close. */
int ash_sigma_open(ash_sigma **out);
void ash_sigma_close(ash_sigma *s);

/* Placeholders for the expand modifier: a YAML map of name -> value or
 * list of values ("admins: [adm*, root]"), used by rules loaded after this
 * call. A rule naming a placeholder that is not defined is rejected. */
int ash_sigma_set_placeholders(ash_sigma *s, const uint8_t *buf, size_t len);

/* Load every rule of one YAML text (several documents allowed). Rules that
 * cannot be loaded are recorded as rejections; the return value is an
 * error only when the set itself failed (ASH_ENOMEM, ASH_ELIMIT on too
 * many rules). path names the text in rejections (may be NULL). */
int ash_sigma_load(ash_sigma *s, const uint8_t *buf, size_t len, const char *path);
/* Load a .yml/.yaml file, or every such file under a directory
 * (recursively, in name order). An unreadable file is a rejection. */
int ash_sigma_load_path(ash_sigma *s, const char *path);

/* Finish loading: resolve the rules correlations name (a correlation
 * naming a rule that is not loaded becomes a rejection) and index the set.
 * Called by the first ash_sigma_doc_open; call it before counting when no
 * document will be opened (--check). */
int ash_sigma_prepare(ash_sigma *s);

/* Rule files ash_sigma_load_path read, and in *from_cache how many of
 * them were parsed already: their YAML trees came from the cache of
 * parsed rule files ($ASHIATO_CACHE, else $XDG_CACHE_HOME/ashiato or
 * ~/.cache/ashiato; ASHIATO_CACHE=off turns it off). Counted until
 * ash_sigma_prepare, which writes the cache. */
size_t ash_sigma_files(const ash_sigma *s, size_t *from_cache);

size_t ash_sigma_count(const ash_sigma *s);
/* Rule i (0 <= i < count); borrowed. */
const ash_sigma_rule_info *ash_sigma_rule(const ash_sigma *s, size_t i);
size_t ash_sigma_reject_count(const ash_sigma *s);
const ash_sigma_reject *ash_sigma_reject_at(const ash_sigma *s, size_t i);

/* A reusable event document for the rules of s (s must outlive it). */
int ash_sigma_doc_open(ash_sigma_doc **out, const ash_sigma *s);
void ash_sigma_doc_close(ash_sigma_doc *d);
/* Start a new document. ts is the event's UTC time in microseconds
 * (ASH_UNSET when unknown). */
void ash_sigma_doc_reset(ash_sigma_doc *d, int64_t event_id, ash_str channel, ash_str provider,
                         int64_t ts);
/* Add one named value (copied). The first value of a name wins. */
int ash_sigma_doc_add(ash_sigma_doc *d, ash_str name, ash_str value);
/* Reset d and fill it from a stored Windows event: its data items
 * (attrs_json, the events table's attrs object; NULL = ev->attrs), the
 * System names, and the process_creation view of Security 4688 (see
 * docs/sigma.md). ASH_EFORMAT when attrs_json is not a JSON object. */
int ash_sigma_doc_from_event(ash_sigma_doc *d, const ash_event *ev, const char *attrs_json);

/* Call cb(u, i) for each rule i that matches d, in rule order. A non-zero
 * return from cb stops and is returned. */
int ash_sigma_match(const ash_sigma *s, ash_sigma_doc *d, int (*cb)(void *u, size_t rule), void *u);

/* ---- running a rule set over a case (src/sigma/run.c) ---- */

typedef struct ash_store ash_store;
typedef struct ash_finding ash_finding;

/* One match: rule index, and the event with where it came from (all
 * borrowed for the callback). */
typedef struct ash_sigma_hit {
  size_t rule;
  const ash_event *ev;
  const char *source_path;
  int ref_is_record;
  const char *attrs_json;
} ash_sigma_hit;

typedef struct ash_sigma_run_stats {
  uint64_t events;  /* Windows events evaluated (those with a channel) */
  uint64_t matches; /* hits at or above the level */
  uint64_t bad;     /* events whose attributes could not be read */
} ash_sigma_run_stats;

/* Evaluate every Windows event of the case (time order) against s and call
 * cb for each hit of a rule whose level is at least min. A non-zero return
 * from cb stops the run and is returned. */
int ash_sigma_run(ash_store *st, const ash_sigma *s, ash_sigma_level min,
                  int (*cb)(void *u, const ash_sigma_hit *h), void *u, ash_sigma_run_stats *stats);

/* Findings from hits, one per (rule, host): the count of matches, first
 * and last seen, the rule's ATT&CK techniques, the accounts and images
 * involved and up to ASH_SIGMA_SAMPLES evidence records. hunt names the
 * findings ("sigma", "lolbin"). */
#define ASH_SIGMA_SAMPLES 5
typedef struct ash_sigma_group ash_sigma_group;
int ash_sigma_group_open(ash_sigma_group **out, const ash_sigma *s, const char *hunt);
void ash_sigma_group_close(ash_sigma_group *g);
int ash_sigma_group_add(ash_sigma_group *g, const ash_sigma_hit *h);
/* Each finding, in first-seen order; f is borrowed for the callback. */
int ash_sigma_group_findings(ash_sigma_group *g, int (*cb)(void *u, const ash_finding *f), void *u);
/* The score of a finding of a rule of level l (informational 10, low 30,
 * medium 50, high 75, critical 92): severities follow Sigma's levels. */
int ash_sigma_level_score(ash_sigma_level l);

/* ---- events one at a time (src/sigma/stream.c: `ashiato watch`) ---- */

/* Load the built-in pack (data/rules, compiled in; what the hunt lolbin
 * runs). ASH_EFORMAT if a rule of it does not load. */
int ash_sigma_load_pack(ash_sigma *s);
typedef struct ash_sigma_live ash_sigma_live;
/* A matcher over events given one by one, correlations included (their
 * windows kept across calls); s must outlive it. Caller frees with
 * ash_sigma_live_close (NULL is a no-op). */
int ash_sigma_live_open(ash_sigma_live **out, const ash_sigma *s, ash_sigma_level min);
void ash_sigma_live_close(ash_sigma_live *l);
/* Evaluate one event (attrs_json NULL: ev->attrs) and call cb for each hit
 * of a rule at or above the level, as ash_sigma_run would (the hit's
 * source_path is NULL). Events without a channel are not Windows events
 * and match nothing. */
int ash_sigma_live_event(ash_sigma_live *l, const ash_event *ev, const char *attrs_json,
                         int (*cb)(void *u, const ash_sigma_hit *h), void *u);

#endif
