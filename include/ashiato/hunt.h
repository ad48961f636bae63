/* ashiato: hunts, the questions asked of a whole case.
 *
 * A hunt reads the case store and produces findings (finding.h). Hunts are
 * registered in src/hunt/hunt.c; each lives in its own file. Running a hunt
 * replaces, in the case, the findings its previous run stored, so that
 * re-running is idempotent. Hunts that look at other hunts' results (the
 * past-incident link follows accounts into tunnel and loopback-RDP
 * findings) see the findings of this run, or, for hunts not run this time,
 * the ones stored in the case.
 *
 * Every hunt streams over SQL results with bounded memory: per-pair or
 * per-account aggregates live in capped tables (ASH_MAX_HUNT_*), never the
 * events themselves. */
#ifndef ASHIATO_HUNT_H
#define ASHIATO_HUNT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "finding.h"
#include "lang.h"
#include "ranges.h"
#include "store.h"

/* Names of the built-in hunts. */
#define ASH_HUNT_TUNNEL "cloud-tunnel"
#define ASH_HUNT_LOOPBACK "loopback-rdp"
#define ASH_HUNT_LINK "past-incident-link"
#define ASH_HUNT_RELAY "rdp-relay"
#define ASH_HUNT_BEACON "beacon"
#define ASH_HUNT_ACCOUNT "account-use"
#define ASH_HUNT_HOP "credential-hop"

typedef struct ash_hunt_info {
  const char *name;  /* "cloud-tunnel" */
  const char *about; /* one line */
} ash_hunt_info;

/* The registered hunts in the order they run (a hunt runs after the hunts
 * whose findings it uses). *n receives the count. */
const ash_hunt_info *ash_hunt_list(size_t *n);

/* An incident: the findings of one intrusion, linked (src/hunt/incident.c
 * says how). Each of its findings carries its id in ash_finding.incident.
 * Borrowed for the on_incident call. */
typedef struct ash_incident {
  char id[16]; /* "INC-1": in the order of the incidents' first findings */
  int score;   /* of its best finding */
  ash_severity severity;
  int64_t first_seen, last_seen; /* ASH_TIME_UNSET when unknown */
  size_t nfindings;              /* its findings (stored ones included) */
  const char *title;             /* one line: accounts and hosts */
  const char *story;             /* lines "YYYY-MM-DD hunt: title" in time order */
} ash_incident;

typedef struct ash_hunt_opts {
  /* Published cloud ranges used to name providers (may be NULL: addresses
   * are then not attributed). Borrowed for the run. */
  const ash_ranges *ranges;
  /* The organisation's own networks beyond the private ranges (RFC 1918,
   * ULA), e.g. public space it owns (NULL: none). Flows from them count as
   * internal hosts' and flows to them are not "outside" (cloud-tunnel,
   * beacon). Borrowed for the run. */
  const ash_cidrset *internal;
  /* Run only this hunt (NULL: all). An unknown name is ASH_ENOTFOUND. */
  const char *only;
  /* Do not write findings into the case (read-only inspection). */
  int dry_run;
  /* Re-hash every evidence file before quoting its lines (raw.h
   * ASH_RAW_VERIFY); otherwise size and mtime are checked. */
  int verify_evidence;
  /* Sigma rule files or directories of the user, run by the hunt lolbin
   * with the built-in pack (rules that do not load are left out: the CLI
   * reports them, as `sigma --check` does). Borrowed for the run. */
  const char *const *sigma_rules;
  size_t nsigma_rules;
  /* Called when the run reached one of its caps (limits.h
   * ASH_MAX_HUNT_*) and part of the case went unexamined, or a hunt's
   * findings were cut: one English sentence naming the cap, each cap once
   * a run (may be NULL). */
  void (*on_limit)(void *u, const char *text);
  void *limit_u;
  /* Called when each hunt starts and ends (may be NULL). */
  void (*progress)(void *u, const char *hunt, int done, size_t nfindings);
  void *progress_u;
  /* Called once per incident that holds a finding of this run, best
   * first, before the findings are handed to on_finding (may be NULL);
   * u is on_finding's. A non-zero return stops the run and is returned. */
  int (*on_incident)(void *u, const ash_incident *x);
} ash_hunt_opts;

/* Initialise opts with the defaults (all hunts, no ranges). */
void ash_hunt_opts_default(ash_hunt_opts *o);

/* Run the hunts on store s. The findings of each hunt that ran replace its
 * previous findings in the case (unless dry_run); then on_finding is
 * called once per finding of this run, best first across all hunts
 * (ash_finding_cmp). f is borrowed for the call; a non-zero return stops
 * the calls and is returned. on_finding may be NULL. Before that, the
 * findings of one intrusion are linked into incidents (this run's and the
 * stored ones of hunts not run), each finding's incident set before it is
 * stored, and opts->on_incident is called for each. */
int ash_hunt_run_all(ash_store *s, const ash_hunt_opts *opts,
                     int (*on_finding)(void *u, const ash_finding *f), void *u);

/* ---- the hunts' catalogue (src/hunt/reasons.c): reasons, titles and
 * summaries ----
 *
 * Each entry of a finding's details.reasons is {"reason": key, "weight",
 * "text": its English sentence, "args": [strings], "form"?: the wording
 * when a key has more than one}. A finding's title_msg and summary_msg
 * (finding.h) are lists of pieces {"msg": id, "args": [strings]} whose
 * English, one after the other, is its title and its summary; a piece
 * "why" or "why.ranks" stands for the finding's reasons (details.reasons)
 * listed with their weights. The sentence in any language is rendered from
 * the ids and args by the one catalogue the hunts write them with. */

/* What a renderer knows beyond the arguments (any member may be NULL). */
typedef struct ash_msg_ctx {
  /* The title of the finding whose id is id, in the language rendered,
   * NULL when unknown (a sentence naming another finding then shows the
   * English the hunt recorded). */
  const char *(*title)(void *u, const char *id);
  /* A time argument as hunt_fmt_time writes it ("2025-03-02 10:22 UTC")
   * written into out as the reader's zone shows it; 0 to keep it. */
  int (*time)(void *u, const char *utc, char out[64]);
  void *u;
} ash_msg_ctx;

/* Append the sentence of reason key (form NULL or "" for the plain one)
 * with args[0..nargs) in lang to out: plain text, values as recorded (the
 * caller escapes it for its output). ASH_ENOTFOUND when the catalogue has
 * no such reason (a case made by an older version: use its "text"),
 * ASH_EFORMAT when its sentence takes another number of arguments. */
int ash_reason_render(ash_lang lang, const char *key, const char *form, const char *const *args,
                      size_t nargs, ash_buf *out);
/* The same for catalogue id ("key.form" of a reason, or a piece's "msg"),
 * with what cx knows (NULL: nothing). */
int ash_msg_render(ash_lang lang, const char *id, const char *const *args, size_t nargs,
                   const ash_msg_ctx *cx, ash_buf *out);
/* The arguments reason key (and form) takes, -1 when unknown. */
int ash_reason_nargs(const char *key, const char *form);
/* The arguments catalogue id takes, -1 when unknown. */
int ash_msg_nargs(const char *id);

/* One reason as a renderer gets it (from a hunt, or details.reasons). */
typedef struct ash_msg_reason {
  int weight;
  const char *key, *form; /* form NULL or "" for none */
  const char *const *args;
  size_t nargs;
  const char *text; /* shown when the catalogue cannot render it (NULL: key) */
} ash_msg_reason;
/* Append the list of reasons r[0..n) in lang as piece head ("why" with
 * hargs {score}, or "why.ranks" with none) says them: its heading, each
 * reason's weight and sentence, each sentence cut at cut bytes (0: not
 * cut). *fallbacks (may be NULL) is increased by the reasons shown by
 * their text. */
int ash_msg_reasons(ash_lang lang, const char *head, const char *const *hargs, size_t nh,
                    const ash_msg_reason *r, size_t n, size_t cut, const ash_msg_ctx *cx,
                    ash_buf *out, size_t *fallbacks);
/* The catalogue, for tests: entry i's id ("key.form" or a piece's id)
 * with its English and Japanese templates, NULL past the end. Templates
 * name their arguments {1}..{9}; {=n} is an argument that may be a term,
 * {tn} a time, {n|one|other} an English plural by argument n, {@n=m} the
 * title of the finding whose id is argument n, else argument m. */
const char *ash_reason_entry(size_t i, const char **en, const char **ja);
/* The pieces of titles and summaries, likewise. */
const char *ash_msg_entry(size_t i, const char **en, const char **ja);
/* The terms ({=n} arguments the catalogue translates), likewise. */
const char *ash_reason_term(size_t i, const char **en, const char **ja);

#endif
