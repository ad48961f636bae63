/* ashiato: scan files for the victim environment's own names (hunt
 * "implant").
 *
 * Custom malware built for one victim carries that victim's identifiers:
 * its domain, controllers, servers, admin and service accounts, internal
 * addresses and shares, in ASCII or UTF-16LE. An environment profile holds
 * those names (from a profile file the responder writes, docs/scan.md, and
 * from the names seen in a case); it becomes YARA rules; a scanner runs
 * them with libyara over files, folders and zip collections and scores
 * every file that matches, as a finding of hunt "implant" (finding.h).
 *
 * Scanned files are opened read-only and never modified. Memory stays
 * bounded however large a file is (ASH_SCAN_WINDOW). Nothing here prints
 * or exits. */
#ifndef ASHIATO_SCAN_H
#define ASHIATO_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "bytes.h"
#include "finding.h"
#include "store.h"

/* ---- the environment profile ---- */

typedef enum ash_name_kind {
  ASH_NAME_DOMAIN,  /* AD domain FQDN: corp.example.local */
  ASH_NAME_NETBIOS, /* NetBIOS domain: CORP */
  ASH_NAME_DC,      /* domain controller host name */
  ASH_NAME_SERVER,  /* server host name */
  ASH_NAME_HOST,    /* any other host name (workstations, from a case) */
  ASH_NAME_ADMIN,   /* privileged account */
  ASH_NAME_SERVICE, /* service account */
  ASH_NAME_ACCOUNT, /* any other account */
  ASH_NAME_IP,      /* one internal address */
  ASH_NAME_RANGE,   /* an internal range a.b.c.d/n (/16 or narrower is searched) */
  ASH_NAME_URL,     /* internal URL */
  ASH_NAME_SHARE,   /* UNC share \\server\share */
  ASH_NAME_NKINDS
} ash_name_kind;

/* Profile key of a kind ("domain", "netbios", "dc", ...). */
const char *ash_name_kind_str(ash_name_kind k);

/* Where a name came from (bit set). */
enum { ASH_NAME_FROM_PROFILE = 1, ASH_NAME_FROM_CASE = 2 };

typedef struct ash_name {
  ash_name_kind kind;
  const char *name; /* NUL-terminated copy, as written (case kept) */
  size_t len;
  uint64_t count; /* times seen in the case (0 when only in the profile) */
  int from;       /* ASH_NAME_FROM_* */
  int weight;     /* what a match of this name adds to a file's score */
  int searched;   /* 0 when no YARA string can be made (range wider than /16) */
} ash_name;

typedef struct ash_profile ash_profile;

/* Caller frees with ash_profile_close (NULL is a no-op). */
int ash_profile_new(ash_profile **out);
void ash_profile_close(ash_profile *p);

/* Read profile text (docs/scan.md): "key: value[, value...]" lines, '#'
 * comments. On ASH_EFORMAT, *err_line (1-based) and *err_msg (static) say
 * what is wrong; unknown keys and bad addresses are errors, so a typo
 * never silently drops names. */
int ash_profile_parse(ash_profile *p, const char *text, size_t n, unsigned *err_line,
                      const char **err_msg);
/* The same from a file (at most ASH_MAX_PROFILE_BYTES). */
int ash_profile_load(ash_profile *p, const char *path, unsigned *err_line, const char **err_msg);

/* Add one name (copied, trimmed). Names that cannot identify the
 * environment are ignored and counted (shorter than 3 bytes, all digits,
 * longer than ASH_MAX_SCAN_NAME, built-in Windows names like
 * "Administrator" or "NT AUTHORITY"). A name already present keeps the
 * more specific kind and the larger count. */
int ash_profile_add(ash_profile *p, ash_name_kind kind, ash_str name, uint64_t count, int from);

/* Merge the names seen in a case: every host, account and domain of its
 * events with its frequency, and its busiest internal destination
 * addresses. Accounts seen with special privileges (4672, firewall admin
 * logins) or named like admin/service accounts are privileged; rare names
 * weigh more than names seen everywhere. */
int ash_profile_add_case(ash_profile *p, ash_store *s);

size_t ash_profile_count(const ash_profile *p);
/* Names ignored by ash_profile_add (generic, too short, ...). */
uint64_t ash_profile_ignored(const ash_profile *p);
/* The i-th name (insertion order), borrowed until the profile changes.
 * Weights are final once ash_profile_rules has run. */
const ash_name *ash_profile_name(const ash_profile *p, size_t i);

/* Append YARA source for every name to out: ASCII and UTF-16LE ("wide"),
 * case-insensitive, whole words; privileged accounts also as DOMAIN\user,
 * servers as \\server\ (UNC), the domain as an LDAP DN, ranges as
 * patterns. String identifiers are $n<index>[_form]. Other tools can use
 * the text as it is (ashiato scan --emit-rules). */
int ash_profile_rules(ash_profile *p, ash_buf *out);

/* Append s as the inside of a YARA text string: printable ASCII as is, '"'
 * and '\' escaped, every other byte as \xHH. Names come from logs: this is
 * what keeps a hostile name from ending the string. */
int ash_yara_escape(const char *s, size_t n, ash_buf *out);

/* ---- the scanner ---- */

/* Why a file or member was not (fully) scanned. */
typedef enum ash_skip_reason {
  ASH_SKIP_UNREADABLE, /* cannot open/stat (permission, dangling link) */
  ASH_SKIP_READ,       /* I/O error while reading */
  ASH_SKIP_ARCHIVE,    /* damaged archive or member */
  ASH_SKIP_ENCRYPTED,  /* encrypted archive member */
  ASH_SKIP_TIMEOUT,    /* YARA timed out: scanned in part */
  ASH_SKIP_YARA,       /* other libyara failure */
  ASH_SKIP_NREASONS
} ash_skip_reason;

const char *ash_skip_reason_str(ash_skip_reason r);

typedef struct ash_scan_stats {
  uint64_t files;            /* files and archive members scanned */
  uint64_t archives;         /* zip/tar collections opened */
  uint64_t bytes;            /* bytes handed to YARA (decompressed for members) */
  uint64_t matched;          /* files with at least one match */
  uint64_t findings_dropped; /* beyond ASH_MAX_SCAN_FINDINGS */
  uint64_t skipped[ASH_SKIP_NREASONS];
  uint64_t skipped_total;
} ash_scan_stats;

typedef struct ash_scan_opts {
  const char *rules_dir; /* the responder's own .yar/.yara files, or NULL */
  ash_store *store;      /* case to join findings with, or NULL */
  /* Called for every file or member skipped (or scanned in part). */
  void (*on_skip)(void *u, const char *path, ash_skip_reason why, const char *detail);
  /* Called after each file with running totals. */
  void (*on_progress)(void *u, const ash_scan_stats *st, const char *path);
  void *u;
  /* Files scanned at once (0 or 1: in the caller's thread; at most 32).
   * Callbacks are then called from the scanning threads, one at a time.
   * Findings come out in the same order whatever the count. */
  int threads;
} ash_scan_opts;

typedef struct ash_scanner ash_scanner;

/* Compile the profile's rules (plus the responder's) into a scanner. p is
 * borrowed until ash_scanner_close. On a rule compilation error returns
 * ASH_EFORMAT with the YARA message in err. A profile without names is
 * fine when rules_dir supplies rules, otherwise ASH_EUSAGE. */
int ash_scanner_open(ash_scanner **out, ash_profile *p, const ash_scan_opts *o, char *err,
                     size_t errlen);
void ash_scanner_close(ash_scanner *sc);

/* Scan a file, or a folder recursively (ash_walk). .zip/.tar collections
 * and .gz/.zst files are scanned member by member, from memory. Files
 * that cannot be read are counted and reported through on_skip; the
 * return value is an error only when the scan as a whole cannot go on
 * (ASH_ENOMEM), or ASH_ENOTFOUND when path itself does not exist. */
int ash_scanner_scan(ash_scanner *sc, const char *path);
/* Scan one buffer as if it were the file name (tests, fuzzing). */
int ash_scanner_scan_memory(ash_scanner *sc, const char *name, const uint8_t *p, size_t n);

/* Finish: join findings with the case (file events and antivirus
 * detections of the same SHA-256 or file name), sort best first. The
 * array is borrowed until close. */
int ash_scanner_finish(ash_scanner *sc, const ash_finding **out, size_t *n);
const ash_scan_stats *ash_scanner_stats(const ash_scanner *sc);

#endif
