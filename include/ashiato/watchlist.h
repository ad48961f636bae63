/* ashiato: the watchlist, what the intruder's footprints look like, kept
 * to be watched for after the restore (scenario.md, finding 5).
 *
 * It is built from a case's findings (their entities and details JSON) at
 * high severity or above, plus the VPN logins of the linked accounts:
 *   - relay addresses: the outside end of a cloud tunnel, or of a beacon
 *     when another finding names the same address (other beacons are
 *     listed apart as unconfirmed);
 *   - VPN sources: the addresses the intruder came in from (the past
 *     incident's session, and every later login of a linked account from
 *     an address the account had not used before the first footprint);
 *   - accounts: the linked account(s), and the accounts the intruder used
 *     from the hosts it held (RDP logons through the tunnel, log clears);
 *   - implants: SHA-256 of scanned implants, and the file names of the
 *     implants, the tunnel program, the relay program, the detected tool;
 *   - loopback-RDP hosts, and the tunnel's shape (server, relay, port,
 *     provider, how long its sessions lasted);
 *   - how long to keep watching.
 * Every item cites the findings it comes from, and carries its first and
 * last sighting and a count, for the plan (plan.h) and exports.
 *
 * Ownership: an ash_watchlist owns copies of every string; free with
 * ash_watchlist_close (NULL is a no-op). All lists are bounded
 * (ASH_MAX_WATCH_ITEMS, ASH_MAX_WATCH_CITES): the surplus is counted in
 * `dropped`, never silently lost. */
#ifndef ASHIATO_WATCHLIST_H
#define ASHIATO_WATCHLIST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "finding.h"
#include "store.h"

/* Findings below this score are not footprints the plan acts on: a high
 * severity (finding.h: high >= 65) is the project's word for "a responder
 * should act on it". Lower ones are listed by the hunts for review. */
#define ASH_WATCH_MIN_SCORE 65
/* finding ids kept per item */
#define ASH_MAX_WATCH_CITES 8

typedef enum ash_watch_kind {
  ASH_WATCH_RELAY = 0,     /* outside address of a tunnel or beacon */
  ASH_WATCH_VPN_SOURCE,    /* address the intruder's VPN sessions came from */
  ASH_WATCH_ACCOUNT,       /* account linked to the intrusion (past-incident-link) */
  ASH_WATCH_ADMIN,         /* other account the intruder used on hosts it held */
  ASH_WATCH_SHA256,        /* SHA-256 (hex, lower case) of an implant */
  ASH_WATCH_FILE_NAME,     /* file name of an implant or tool ("wpsvc.exe") */
  ASH_WATCH_LOOPBACK_HOST, /* host that logged RDP from itself */
  /* the outside end of a beacon that no other finding ties to the
   * intrusion: for a person to judge, never blocked or watched */
  ASH_WATCH_UNCONFIRMED,
  ASH_WATCH_NKINDS
} ash_watch_kind;

/* "relay", "vpn_source", "account", "admin", "sha256", "file_name",
 * "loopback_host", "unconfirmed_relay". */
const char *ash_watch_kind_name(ash_watch_kind k);

typedef struct ash_watch_item {
  ash_watch_kind kind;
  char *value; /* address text, bare account, lower-case hex, file name, host */
  /* a short fact beside it: the provider of a relay, the full path of a
   * file name, "" when none */
  char *note;
  int64_t first_seen, last_seen;       /* ASH_TIME_UNSET when unknown */
  uint64_t count;                      /* sightings: sessions, logins, findings */
  char cites[ASH_MAX_WATCH_CITES][48]; /* finding ids it comes from */
  size_t ncites;
} ash_watch_item;

/* The tunnel's shape, from a cloud-tunnel finding: what a new session
 * must look like to be the same tunnel coming back. */
typedef struct ash_watch_tunnel {
  char host[64];      /* server short name, "" when only its address is known */
  char server_ip[48]; /* inside end */
  char relay_ip[48];  /* outside end */
  int port;           /* destination port, 0 when the finding did not say */
  char provider[32], region[32], service[32];
  int64_t longest_s;     /* longest session seen */
  int64_t min_session_s; /* a session at least this long has the shape */
  uint64_t sessions;
  int days_active;
  int64_t first_seen, last_seen;
  char finding[48];
} ash_watch_tunnel;

typedef struct ash_watchlist {
  ash_watch_item *items; /* in the order they were added, by kind at finish */
  size_t n, cap;
  ash_watch_tunnel *tunnels;
  size_t ntunnels, tcap;
  /* the footprints' span: earliest and latest time of the findings used
   * (their first/last seen and evidence), ASH_TIME_UNSET when none */
  int64_t earliest, latest;
  int64_t longest_gap; /* longest quiet time between two footprints (us) */
  int watch_days;      /* how long to keep watching after the restore */
  size_t findings_used;
  uint64_t dropped; /* items or cites refused by the caps */
  struct ash_watch_priv *priv;
} ash_watchlist;

/* An empty watchlist. Caller frees with ash_watchlist_close. */
int ash_watchlist_open(ash_watchlist **out);
void ash_watchlist_close(ash_watchlist *w);

/* Take what finding f says about the intruder when its score is at least
 * ASH_WATCH_MIN_SCORE (else nothing happens, ASH_OK). Its details JSON is
 * read when present; a finding whose details are not JSON is still used
 * for its entities. */
int ash_watchlist_add_finding(ash_watchlist *w, const ash_finding *f);
/* A VPN login (user as logged, any form; src as text; ts). Kept for
 * finish: only logins of a linked account matter. */
int ash_watchlist_add_vpn_login(ash_watchlist *w, ash_str user, ash_str src, int64_t ts);
/* After the last add: the linked accounts' new VPN sources become items,
 * items are sorted (by kind, then first seen, then value), and the watch
 * duration is decided. Call once. */
int ash_watchlist_finish(ash_watchlist *w);

/* Build the watchlist of a case: every stored finding, the VPN logins of
 * the linked accounts, then finish. */
int ash_watchlist_build(ash_store *s, ash_watchlist **out);

/* Is value on the list as kind (case-insensitive for accounts, hosts and
 * file names)? 1 or 0. For the watch's streaming hunts. */
int ash_watchlist_has(const ash_watchlist *w, ash_watch_kind kind, const char *value, size_t n);

/* Append the watchlist as one JSON object (no newline):
 * {"watch_days":N,"earliest":T,"latest":T,"longest_gap_days":N,
 *  "relays":[item...],"vpn_sources":[...],"accounts":[...],"admins":[...],
 *  "sha256":[...],"file_names":[...],"loopback_hosts":[...],
 *  "unconfirmed_relays":[...],
 *  "tunnels":[{"host","server_ip","relay_ip","port","provider","region",
 *              "service","longest_s","min_session_s","sessions",
 *              "days_active","first_seen","last_seen","finding"}]}
 * with item = {"value","note"?,"first_seen"?,"last_seen"?,"count","findings":[ids]}. */
int ash_watchlist_to_json(const ash_watchlist *w, ash_buf *out);

#endif
