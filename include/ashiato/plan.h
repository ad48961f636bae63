/* ashiato: the recovery plan (scenario.md, finding 5; issue 14).
 *
 * From a case's findings (hunt, scan) and the events they rest on, the
 * steps a responder runs, in order: 1 contain (block the relays and the
 * intruder's VPN sources at the perimeter, as ready firewall configuration
 * for the case's own vendor; disable the linked accounts' VPN access;
 * isolate the tunnel host and the hosts reached), 2 eradicate (the
 * backdoor's service, task and files; rebuild where credential theft or
 * impact ran), 3 credentials (linked account, admins used on compromised
 * hosts, service accounts there, krbtgt twice when a domain controller was
 * reached or a domain admin used, LAPS), 4 restore (domain controllers,
 * then file servers, then application servers; the newest backup before
 * the first footprint, and which backups are suspect and why), 5 verify
 * and watch (the watchlist, and for how long).
 *
 * Every step cites the findings it comes from and evidence items (source
 * path and byte offset or record). Text comes in English or Japanese from
 * one message catalogue (src/plan/messages.c); log-derived values are
 * arguments of a message, never a template.
 *
 * Ownership: an ash_plan owns everything in it; free with ash_plan_close
 * (NULL is a no-op). */
#ifndef ASHIATO_PLAN_H
#define ASHIATO_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "lang.h"
#include "store.h"
#include "time.h"
#include "watchlist.h"

typedef enum ash_fw_vendor {
  ASH_FW_AUTO = 0, /* the case's own vendor, from its sources' formats */
  ASH_FW_FORTIGATE,
  ASH_FW_PANOS,
  ASH_FW_ASA,
  ASH_FW_IPTABLES /* iptables/ip6tables commands and an nftables ruleset */
} ash_fw_vendor;
/* "fortigate", "panos", "asa", "iptables" (also "nftables"). */
int ash_fw_vendor_parse(const char *name, ash_fw_vendor *out);
const char *ash_fw_vendor_name(ash_fw_vendor v);

/* Firewall configuration blocking the watchlist's relays and VPN sources
 * in both directions, in vendor v's own language (v must not be
 * ASH_FW_AUTO). Addresses are parsed and written back in their canonical
 * form, so no text from a log can add a line of configuration; nothing is
 * appended when there is no address. */
int ash_fw_config(ash_fw_vendor v, const ash_watchlist *w, ash_buf *out);
/* Taking the linked accounts' VPN access away: the vendor's own lines for
 * a local VPN user (FortiGate, ASA; nothing for PAN-OS and iptables, whose
 * VPN users live in the directory) into fw, and the directory's
 * (PowerShell, Active Directory) into dir. A name goes into a line only
 * when ash_fw_name_ok says so; the others are counted in *refused. */
int ash_fw_user_config(ash_fw_vendor v, const ash_watchlist *w, ash_buf *fw, ash_buf *dir,
                       size_t *refused);
/* 1 when an account name may go into a configuration line: 1 to 64
 * characters of [A-Za-z0-9._-], not starting with '-' or '.'. Directory
 * account names are made of these in practice; a name with anything else
 * (quotes, spaces, newlines, a semicolon) could break out of a vendor's
 * quoting, and is left for a person to type. */
int ash_fw_name_ok(const char *name);

typedef enum ash_plan_phase {
  ASH_PHASE_CONTAIN = 1,
  ASH_PHASE_ERADICATE,
  ASH_PHASE_CREDENTIALS,
  ASH_PHASE_RESTORE,
  ASH_PHASE_VERIFY
} ash_plan_phase;

/* An evidence item a step rests on. */
typedef struct ash_plan_ref {
  char finding[48]; /* "" when the step rests on an event no finding cites */
  int64_t ts;
  char *path; /* source path, NULL when none */
  uint64_t ref;
  int ref_kind; /* ASH_REF_* of finding.h */
} ash_plan_ref;

#define ASH_PLAN_MAX_REFS 12
#define ASH_PLAN_MAX_VALUES 256

typedef struct ash_plan_step {
  ash_plan_phase phase;
  const char *action; /* stable key ("block_addresses", "krbtgt_twice", ...) */
  char *text;         /* the step in the plan's language */
  char **values;      /* what it acts on: addresses, accounts, hosts ... */
  size_t nvalues;
  char *config;    /* ready firewall configuration, NULL when none */
  char *directory; /* ready directory commands (PowerShell), NULL when none */
  char cites[ASH_MAX_WATCH_CITES * 2][48];
  size_t ncites;
  ash_plan_ref refs[ASH_PLAN_MAX_REFS];
  size_t nrefs;
} ash_plan_step;

typedef struct ash_plan_opts {
  ash_lang lang;
  ash_fw_vendor firewall; /* ASH_FW_AUTO: from the case's sources */
  ash_tz *tz;             /* times in the text in this zone (NULL: UTC); outlives the plan */
} ash_plan_opts;

typedef struct ash_plan {
  ash_lang lang;
  ash_tz *tz;               /* borrowed from the options: the zone of the text's times */
  ash_fw_vendor firewall;   /* the vendor the configuration is for */
  int firewall_detected;    /* 1 when it came from the sources */
  ash_watchlist *watch;     /* owned */
  int64_t cutoff;           /* the first footprint: backups before it are clean */
  int64_t restore_from;     /* the newest backup run before cutoff, or unset */
  char restore_host[64];    /* where that run ran */
  uint64_t backups_seen;    /* backup runs found in the events */
  uint64_t backups_suspect; /* runs at or after cutoff */
  int dc_reached, domain_admin_used;
  /* names (hosts, accounts) past ASH_PLAN_MAX_VALUES in one list, left
   * out of the steps and counted here (JSON "values_dropped") */
  size_t values_dropped;
  ash_plan_step *steps;
  size_t nsteps, cap;
} ash_plan;

/* Build the plan of case s. Needs the case's findings (run `hunt`, and
 * `scan --case` for implants, first); a case without findings gives a
 * plan saying so (one verify step), not an error. */
int ash_plan_build(ash_store *s, const ash_plan_opts *o, ash_plan **out);
void ash_plan_close(ash_plan *p);

/* The plan as text for a person (UTF-8, lines ending in '\n'): phases,
 * numbered steps, the configuration, cites. Log-derived values are as
 * logged: a caller printing to a terminal filters them. */
int ash_plan_to_text(const ash_plan *p, ash_buf *out);
/* The plan as one JSON object (no newline):
 * {"lang","firewall","firewall_detected","cutoff","restore_from",
 *  "restore_host","backups_seen","backups_suspect","dc_reached",
 *  "domain_admin_used","steps":[{"phase":N,"phase_name","action","text",
 *  "values":[...],"config"?,"findings":[ids],"evidence":[{"finding",
 *  "ts","source":{"path","offset"|"record"}}]}],"watchlist":{...}} */
int ash_plan_to_json(const ash_plan *p, ash_buf *out);

/* ---- the message catalogue (src/plan/messages.c) */

/* Append message id in lang with {1}..{9} replaced by args[0..8]: the
 * templates are ours, the arguments are copied as they are. An unknown id
 * is ASH_ENOTFOUND (nothing appended). */
int ash_plan_msg(ash_lang lang, const char *id, const char *const *args, size_t nargs,
                 ash_buf *out);
/* The i-th message id of the catalogue, NULL past the last (for tests
 * that every message has both languages). */
const char *ash_plan_msg_id(size_t i);
/* The phase's heading in lang. */
const char *ash_plan_phase_title(ash_lang lang, ash_plan_phase ph);

#endif
