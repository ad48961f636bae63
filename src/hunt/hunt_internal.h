/* Internal to the hunts: the run context, the helpers every hunt shares
 * (host names by address, loopback RDP events, evidence from event rows,
 * text formatting) and the hunt entry points. Not public API. */
#ifndef ASH_HUNT_INTERNAL_H
#define ASH_HUNT_INTERNAL_H

#include <stdint.h>

#include "ashiato/buf.h"
#include "ashiato/finding.h"
#include "ashiato/hunt.h"
#include "ashiato/ip.h"
#include "ashiato/store.h"
#include "ashiato/table.h"
#include "ashiato/time.h"

/* A growable list of findings that owns them. */
typedef struct hunt_list {
  ash_finding *v;
  size_t n, cap;
} hunt_list;

/* Append *f, taking what it owns (f is left zeroed, also on failure). */
int hunt_list_add(hunt_list *l, ash_finding *f);
void hunt_list_free(hunt_list *l);

/* Host names by address, learnt from the case (see hunt_hosts). */
typedef struct hostmap hostmap;

/* One RDP logon or session event whose source is the host itself. */
typedef struct rdp_loop {
  int64_t id, ts;
  int64_t event_id, logon_type;
  char host[64];  /* short, lower case */
  char user[128]; /* bare */
  char addr[ASH_IP_STRLEN + 16];
  const char *what; /* "4624 LogonType 10", "1149", "LSM 21", ... (static) */
} rdp_loop;

/* One record of a program relaying RDP on a host (model_relay.c). */
enum { HUNT_RELAY_CONN = 1, HUNT_RELAY_CMD = 2, HUNT_RELAY_REG = 3 };
typedef struct hunt_relay {
  int64_t id, ts;
  int64_t start_id; /* CONN: the process start of program (Sysmon 1/4688), 0 none */
  int kind;         /* HUNT_RELAY_* */
  int weight;       /* what it adds to a finding's score */
  const char *what; /* "netsh portproxy add", "ssh -R", ... (static) */
  char host[64];    /* short, lower case */
  char program[260];
  char user[128];   /* bare, "" unknown */
  char detail[200]; /* "127.0.0.1:50123 -> 127.0.0.2:3389", the command line, the key */
} hunt_relay;
/* A relay connection belongs to a loopback logon that follows it within
 * HUNT_RELAY_BEFORE (the relay connects, then the logon is logged: seconds
 * apart, 13 s in the case of issue 17) or precedes it by at most
 * HUNT_RELAY_AFTER (clock skew between Sysmon and Security); a relay set up
 * by command or registry within HUNT_RELAY_CONFIG of a logon is the one it
 * came through. */
#define HUNT_RELAY_BEFORE (120 * ASH_US_PER_SEC)
#define HUNT_RELAY_AFTER (5 * ASH_US_PER_SEC)
#define HUNT_RELAY_CONFIG (86400LL * ASH_US_PER_SEC)

/* One VPN session of the shared model (model_vpn.c). */
#define HUNT_VPN_RECS 8
typedef struct hunt_vpn_session {
  uint32_t user; /* account id (hunt_account_id) */
  ash_ip remote, tunnel;
  int64_t start, end;
  int64_t seen;                /* the last record in progress, 0 none */
  int64_t bytes_out, bytes_in; /* -1 unknown */
  int64_t login_id, logout_id; /* event rows, 0 none */
  int64_t rec[HUNT_VPN_RECS];  /* the records it came from (the first ones) */
  uint8_t nrec;
  uint32_t nprev;   /* sessions of the account before this one */
  uint8_t new_src;  /* first session of the account from this address */
  uint8_t new_net;  /* ... from this /24 (IPv6 /48) */
  uint8_t open;     /* no end was logged */
  char country[32]; /* of the public address, where the log gives it (FortiGate
                     * srccountry, PAN-OS srcregion), "" unknown */
} hunt_vpn_session;

typedef struct hunt_vpn {
  hunt_vpn_session *s; /* in start order */
  size_t ns, caps;
  uint32_t *by_tunnel; /* indices of sessions with a tunnel, by (tunnel, start) */
  size_t nbt;
} hunt_vpn;

/* Per-account history (model_accounts.c). */
typedef struct hunt_account_host {
  int32_t days, last_day; /* days with a logon there; the last one */
  int64_t first;          /* the first logon there */
  uint32_t kinds;         /* bit n: logon type n; HUNT_KIND_RDP_EVENT: 1149/LSM 21/25 */
  int64_t first_rdp;      /* the first RDP logon there (type 10/12, 1149, LSM 21/25);
                           * INT64_MAX none: "a first-time RDP" is judged by it */
} hunt_account_host;

/* The hours of the day (UTC) an account logs on at: logons per hour. */
typedef struct hunt_account_hourly {
  uint32_t n[24];
  uint32_t total;
} hunt_account_hourly;
#define HUNT_KIND_RDP_EVENT (1 << 16)

/* Why an account is taken for an administrator (hunt_account_privileged). */
enum {
  HUNT_PRIV_4672 = 1, /* Security 4672: special privileges at its logon */
  HUNT_PRIV_DC = 2,   /* an interactive or RDP logon on a domain controller */
  HUNT_PRIV_NAME = 4  /* named as admin accounts are ("adm-x", "x_admin") */
};

typedef struct hunt_accounts {
  ash_keymap hosts;      /* (account, short host) -> hunt_account_host */
  ash_keymap priv;       /* account -> uint32_t HUNT_PRIV_* */
  ash_keymap dcs;        /* short host (char[64]) of each domain controller */
  ash_keymap hours;      /* account -> hunt_account_hourly (UTC) */
  ash_keymap sources;    /* (account, source address): seen */
  ash_keymap host_first; /* short host (char[64]) -> int64_t: its first logon by anyone */
} hunt_accounts;

/* One antivirus incident (model_detections.c). */
enum { HUNT_CAT_LOW = 0, HUNT_CAT_MID = 1, HUNT_CAT_HIGH = 2 };
#define HUNT_DET_IDS 8
typedef struct hunt_detection {
  char host[64]; /* short, lower case */
  char threat[160], path[400], det_user[128], process[260], action[64], category[64];
  char more[4][96]; /* other threats detected there in the same burst */
  int nmore;
  char mpath[4][260]; /* and their files */
  int nmpath;
  int cat;                 /* HUNT_CAT_*: hacktools high, adware and tests low */
  int64_t first, last, t0; /* t0: the file's creation when known, else first */
  int64_t det_ids[HUNT_DET_IDS], act_ids[HUNT_DET_IDS], file_id;
  int ndet, nact;
  char file_proc[260], file_user[128]; /* who wrote the file (Sysmon 11) */
  /* the detection user as logged when it was a system, service or computer
   * account (det_user is then empty: no person to follow) */
  char det_system[128];
} hunt_detection;

typedef struct hunt_detections {
  hunt_detection *v; /* in the order of their first record */
  size_t n, cap;
} hunt_detections;

/* What a run left out at a cap (hunt_ctx.capped), said at the end of
 * the run (ash_hunt_opts.on_limit). */
enum { HUNT_CAP_ACCOUNTS = 1, HUNT_CAP_VPN = 2, HUNT_CAP_HOSTS = 4, HUNT_CAP_DETECTIONS = 8 };

typedef struct hunt_ctx {
  ash_store *store; /* the case: every read through store.h */
  const ash_hunt_opts *opts;
  const ash_ranges *ranges;
  /* Findings already made in this run, and for hunts not run this time
   * the ones stored in the case: what later hunts join against. */
  hunt_list prior;
  /* Lazily built, shared by the hunts of one run. */
  hostmap *hosts;
  rdp_loop *loops;
  size_t nloops;
  int loops_done;
  hunt_relay *relays;
  size_t nrelays;
  int relays_done;
  /* the accounts of the case, interned (model_vpn.c) */
  ash_strtab accounts;
  int accounts_init;
  hunt_vpn *vpn;
  hunt_accounts *accts;
  hunt_detections *dets;
  struct hunt_reaches *reach;
  unsigned capped;
  /* evidence: read back through raw.h, which checks each source is the
   * file that was ingested; the sources' identities, by id, lazily */
  struct ash_raw *raw;
  struct hunt_evsrc *evsrc;
  size_t nevsrc, capevsrc;
  int evsrc_done;
  /* the per-pair flow model (model_flows.h), built by the first hunt that
   * asks and shared by the others: one pass over the flows a run */
  struct hunt_flows *flows;
  /* evidence deferred to the end of the hunt (hunt_evq_flush): the ids of
   * every queued list, list k at pend_at[k] .. pend_at[k + 1] */
  int defer_evidence;
  int64_t *pend;
  size_t npend, cappend;
  size_t *pend_at;
  size_t nlists, caplists;
} hunt_ctx;

/* The hunts. Each appends its findings to out. */
int ash_hunt_tunnel(hunt_ctx *c, hunt_list *out);
int ash_hunt_loopback(hunt_ctx *c, hunt_list *out);
int ash_hunt_link(hunt_ctx *c, hunt_list *out);
int ash_hunt_relay(hunt_ctx *c, hunt_list *out);
int ash_hunt_beacon(hunt_ctx *c, hunt_list *out);
int ash_hunt_account_use(hunt_ctx *c, hunt_list *out);
int ash_hunt_credential_hop(hunt_ctx *c, hunt_list *out);

/* ---- host names (model_hosts.c) ---- */

/* Build the host map once per run from what the case says about which
 * host holds which address: Sysmon network events (the address a host's
 * connections share), computer-account logons (APP02$ from 10.1.2.3), and
 * the workstation names of network and RDP logons. */
int hunt_hosts(hunt_ctx *c, hostmap **out);
/* Short host name holding ip, or NULL. */
const char *hostmap_name(const hostmap *m, const ash_ip *ip);
/* Addresses of host (short, lower case), at most max of them; returns the
 * count. */
size_t hostmap_ips(const hostmap *m, const char *host, ash_ip *out, size_t max);
void hunt_hostmap_free(hostmap *m);
/* Record that host holds ip (learnt by a hunt, e.g. from time overlap). */
int hostmap_learn(hostmap *m, const ash_ip *ip, const char *host, uint32_t weight);

/* ---- VPN sessions and accounts (model_vpn.c) ---- */

/* The VPN sessions of the case, built once per run from every vendor's
 * vpn.login / vpn.logout / vpn.session records. */
int hunt_vpn_sessions(hunt_ctx *c, const hunt_vpn **out);
void hunt_vpn_free(hunt_vpn *v);
/* The session holding tunnel address ip at time t (with two minutes of
 * slack for clocks and logging lag), or -1. */
int32_t hunt_vpn_at(const hunt_vpn *v, const ash_ip *ip, int64_t t);
/* The id of the bare account of a logged name ("CORP\T.Sato" -> t.sato);
 * UINT32_MAX for service, system and computer accounts (and past the
 * cap). ASH_OK or ASH_ENOMEM. */
int hunt_account_id(hunt_ctx *c, const char *raw, uint32_t *id);
const char *hunt_account_name(const hunt_ctx *c, uint32_t id);
/* 1 for the bare names of system, service and computer accounts. */
int hunt_is_service_account(const char *bare);

/* ---- antivirus incidents (model_detections.c) ---- */

int hunt_detections_load(hunt_ctx *c, const hunt_detections **out);
void hunt_detections_free(hunt_detections *D);

/* ---- per-account history (model_accounts.c) ---- */

/* Built once per run from the interactive, network, unlock and RDP logons
 * (4624 types 2, 3, 7, 10, 11, 12; 1149, LSM 21 and 25) of named
 * accounts. */
int hunt_accounts_history(hunt_ctx *c, const hunt_accounts **out);
void hunt_accounts_free(hunt_accounts *a);
/* The account's history on host (short, lower case), or NULL. */
const hunt_account_host *hunt_account_on(const hunt_accounts *a, uint32_t account,
                                         const char *host);
/* Hours of the day (bits 0-23, UTC) the account logged on at. */
uint32_t hunt_account_hours(const hunt_accounts *a, uint32_t account);
/* Logons of the account per hour of the day (UTC), or NULL. */
const hunt_account_hourly *hunt_account_hourly_of(const hunt_accounts *a, uint32_t account);
/* Has the account logged on from ip before? */
int hunt_account_knows_source(const hunt_accounts *a, uint32_t account, const ash_ip *ip);
/* HUNT_PRIV_* bits of the account, 0 when nothing says it is an admin. */
uint32_t hunt_account_privileged(const hunt_accounts *a, uint32_t account);
/* The first logon the case holds on host (short, lower case), by any
 * account; ASH_TIME_UNSET when none. Where a host's logs begin says how
 * much "who normally uses it" can be known at a time. */
int64_t hunt_host_first_logon(const hunt_accounts *a, const char *host);
/* Is host (short, lower case) a domain controller: does it log Kerberos
 * ticket requests (4768/4769/4771), which only domain controllers do? */
int hunt_host_is_dc(const hunt_accounts *a, const char *host);

/* The RDP session events that are a logon: 1149 (authenticated), LSM 21
 * (session logon) and 25 (reconnected). */
#define HUNT_RDP_LOGONS (ASH_RDP_1149 | ASH_RDP_LSM21 | ASH_RDP_LSM25)

/* One logon (4624 of types 2, 3, 10, 11, 12) or RDP session event (1149,
 * LSM 21/25), as hunt_logons_window hands them out. */
typedef struct hunt_logon {
  int64_t id, ts;
  uint32_t account;   /* hunt_account_id: UINT32_MAX service/system/unknown */
  char host[64];      /* short, lower case */
  ash_ip src;         /* fam 0 when none */
  int16_t logon_type; /* -1 for the RDP session events */
  int16_t event_id;
} hunt_logon;
/* Call cb for each logon with from <= ts <= to, in time order; a non-zero
 * return of cb stops and is returned. */
int hunt_logons_window(hunt_ctx *c, int64_t from, int64_t to,
                       int (*cb)(void *u, const hunt_logon *l), void *u);

/* ---- what VPN sessions reached (model_reach.c) ---- */

/* A logon or RDP session event on a host whose source is the tunnel
 * address a VPN session held at that time: the hosts a session reached. */
typedef struct hunt_reach {
  uint32_t sess; /* index in hunt_vpn.s */
  hunt_logon l;
} hunt_reach;

typedef struct hunt_reaches {
  hunt_reach *v; /* by (session, time) */
  size_t n, cap;
} hunt_reaches;

/* Built once per run (needs the VPN model), capped at ASH_MAX_HUNT_RDP. */
int hunt_vpn_reach(hunt_ctx *c, const hunt_reaches **out);
void hunt_reach_free(hunt_reaches *r);
/* The first entry of session sess in r (r->n when none). */
size_t hunt_reach_first(const hunt_reaches *r, uint32_t sess);

/* ---- loopback RDP (model_hosts.c) ---- */

/* Every RDP logon or session event in the case whose source is loopback
 * (127.0.0.0/8, ::1, the "::%16777216" form), unspecified, or one of the
 * host's own addresses: 4624/4625-free Security logons of LogonType 10,
 * TerminalServices 1149, LocalSessionManager 21/24/25, RdpCoreTS 131.
 * LogonType 2, 9 and others are not RDP and never count. Cached in c, time
 * order, capped at ASH_MAX_HUNT_RDP. */
int hunt_loopback_rdp(hunt_ctx *c, const rdp_loop **out, size_t *n);

/* ---- RDP relays (model_relay.c) ---- */

/* Every record of a program relaying RDP: Sysmon 3 / 5156 connections to
 * a loopback address's port 3389 from a program that is not the RDP
 * service or client, netsh portproxy and ssh/plink -R / chisel R: command
 * lines, PortProxy registry values. Cached in c, by (host, time). */
int hunt_relays(hunt_ctx *c, const hunt_relay **out, size_t *n);
/* 1 when r belongs to one of the loopback logons (same host, in the
 * windows above): loopback-rdp names it, rdp-relay leaves it. */
int hunt_relay_attached(const hunt_relay *r, const rdp_loop *loops, size_t n);
typedef struct hunt_evq hunt_evq; /* a finding's evidence queue (below) */
/* Queue the records of v[0..n) as evidence, each connection preceded by
 * its program's process start, none twice, at most max; *added says how
 * many. */
int hunt_relay_evidence(hunt_evq *q, const hunt_relay *const *v, size_t n, size_t max,
                        size_t *added);

/* ---- incidents (incident.c) ---- */

/* Set v[i].incident for the findings of v[0..n) that belong to one
 * intrusion ("" for the others). ASH_OK or ASH_ENOMEM. */
int hunt_incidents_link(ash_finding *v, size_t n);
/* Describe incident id of v[0..n) into *out, its title and story written
 * into the buffers (which *out borrows). */
int hunt_incident_story(const ash_finding *v, size_t n, const char *id, ash_incident *out,
                        ash_buf *title, ash_buf *story);

/* ---- reasons for and against a finding (common.c) ---- */

/* One reason for or against a finding: a stable key (for tools and tests),
 * its signed weight on the finding's 0-100 score, and the arguments of its
 * sentence. The sentence itself is the catalogue's (reasons.c), in English
 * for the JSON's "text" and the summary, in Japanese for the report: the
 * hunt records what it saw, never words of one language. The score is the
 * sum of the weights (clamped), so the list says why a finding ranks where
 * it does and what would change it. */
#define HUNT_REASON_ARGS 8
/* the arguments' bytes (each one NUL-terminated): today's English texts
 * were cut at 240 bytes, so no sentence ever showed more of its values */
#define HUNT_REASON_ARGBYTES 256
typedef struct hunt_reason {
  const char *id; /* static: a catalogue id, "key" or "key.form" */
  int weight;
  uint8_t nargs;
  uint16_t arg[HUNT_REASON_ARGS]; /* offsets into a */
  char a[HUNT_REASON_ARGBYTES];
} hunt_reason;

#define HUNT_MAX_REASONS 20
typedef struct hunt_reasons {
  hunt_reason r[HUNT_MAX_REASONS];
  int n;
} hunt_reasons;

/* Add a reason: id names its sentence in the catalogue (reasons.c, which
 * must hold it with as many placeholders as arguments are given:
 * tests/unit/test_reasons.c renders every reason the hunts give), the
 * arguments are strings, never NULL (past HUNT_MAX_REASONS it is left out;
 * past HUNT_REASON_ARGBYTES the arguments are cut at a whole character).
 * hunt_why0 for a sentence without arguments. */
void hunt_why_v(hunt_reasons *R, const char *id, int weight, const char *const *args);
#define hunt_why(R, id, w, ...) hunt_why_v((R), (id), (w), (const char *const[]){__VA_ARGS__, NULL})
#define hunt_why0(R, id, w) hunt_why_v((R), (id), (w), (const char *const[]){NULL})
/* "addr is a rentable provider service region address" */
void hunt_why_cloud(hunt_reasons *R, int weight, const char *addr, const ash_cloud *cl);
/* A number (or any printf-formatted value) as an argument, in a buffer
 * that lives to the end of the enclosing block. */
const char *hunt_arg_fmt(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define HUNT_ARG(...) hunt_arg_fmt((char[64]){0}, 64, __VA_ARGS__)
/* The reason's key (the id before its form) into out. */
void hunt_reason_key(const hunt_reason *r, char out[64]);
/* The reason's sentence in English (the JSON's "text") into out, cut at
 * a whole character when out is too small. */
void hunt_reason_text(const hunt_reason *r, char *out, size_t n);
/* Its arguments, out[0..r->nargs). */
void hunt_reason_args(const hunt_reason *r, const char *out[HUNT_REASON_ARGS]);
/* A term of the catalogue (reasons.c TERMS) in lang; id itself when it is
 * none. */
const char *hunt_term(const char *id, ash_lang lang);
/* The sum of the weights, clamped to 0..100. */
int hunt_reasons_sum(const hunt_reasons *R);
/* Append ,"reasons":[{"reason","weight","text","args"[,"form"]},...] to o; ASH_ENOMEM or
 * ASH_ELIMIT when the buffer could not take them (the caller must not
 * store half an object). */
int hunt_reasons_json(ash_buf *o, const hunt_reasons *R);
/* Append " Why it scores N: +w text; -w text." to s. */
void hunt_reasons_text(ash_buf *s, const hunt_reasons *R, int score);
/* Append R as catalogue piece head says it ("why": the above; "why.ranks":
 * " Why it ranks here: text (+w); text (+w)."), whole or not at all. */
int hunt_reasons_say(ash_buf *s, const char *head, const hunt_reasons *R, int score);
/* Reasons' texts are cut at this many bytes, less one (the JSON's "text"
 * since reasons were written) */
#define HUNT_REASON_TEXT 240

/* ---- titles and summaries (reasons.c) ---- */

/* A title or summary being written: its English, and the catalogue's
 * pieces it is made of (finding.h title_msg, summary_msg), so that a
 * report renders it in another language from the same values. */
typedef struct hunt_text {
  ash_buf en; /* the text as it reads in English */
  ash_buf js; /* the pieces, JSON objects separated by commas */
  size_t n;   /* pieces */
  int rc;     /* a piece lost (too long, an id the catalogue lacks) */
} hunt_text;

void hunt_text_init(hunt_text *t);
void hunt_text_free(hunt_text *t);
/* Append piece id of the catalogue with its arguments (strings, never
 * NULL; tests/unit/test_reasons.c checks that each call gives as many as
 * its sentence takes). hunt_say0 for a piece without arguments. */
void hunt_say_v(hunt_text *t, const char *id, const char *const *args);
#define hunt_say(T, id, ...) hunt_say_v((T), (id), (const char *const[]){__VA_ARGS__, NULL})
#define hunt_say0(T, id) hunt_say_v((T), (id), (const char *const[]){NULL})
/* Append the finding's reasons R as piece head ("why" or "why.ranks") says
 * them; its details.reasons must be R, for a report renders the piece
 * from there. */
void hunt_say_why(hunt_text *t, const char *head, const hunt_reasons *R, int score);
/* Append piece id with its arguments to f's summary, English and pieces
 * (a summary without pieces stays without). */
int hunt_summary_add_v(ash_finding *f, const char *id, const char *const *args);
#define hunt_summary_add(f, id, ...)                                                               \
  hunt_summary_add_v((f), (id), (const char *const[]){__VA_ARGS__, NULL})
/* Set f's title and summary with their pieces (either may be NULL: left
 * as it is, pieces and all). */
int hunt_text_set(ash_finding *f, hunt_text *title, hunt_text *summary);

/* ---- evidence and text (common.c) ---- */

/* Add the event rows ids[0..n) to f as evidence, in that order, in one
 * read of the store (one request on a ClickHouse case): each row's time,
 * kind, the exact source line read back through raw.h when the evidence
 * is the file that was ingested (else the event rendered as text, marked
 * when the evidence changed), and its source path with offset or record.
 * An id the case has no row of adds nothing. */
int hunt_evidence_many(hunt_ctx *c, ash_finding *f, const int64_t *ids, size_t n);
/* A finding's evidence gathered in the order it is to be shown, and read
 * in one request per HUNT_EVQ_MAX ids: on a ClickHouse case every read is
 * a request of 10-20 ms, and a finding's evidence read one event at a
 * time made a hunt over the demo case 466 requests. The result is that of
 * hunt_evidence_many for each id in turn (an id of 0, or of no row, adds
 * nothing). */
#define HUNT_EVQ_MAX 256
struct hunt_evq {
  hunt_ctx *c;
  ash_finding *f;
  int64_t id[HUNT_EVQ_MAX];
  size_t n;
  int rc; /* the first failed read's error (the later adds do nothing) */
};
void hunt_evq_init(hunt_evq *q, hunt_ctx *c, ash_finding *f);
void hunt_evq_add(hunt_evq *q, int64_t id);
void hunt_evq_addv(hunt_evq *q, const int64_t *ids, size_t n);
/* Read what is queued into the finding; the first error of any read.
 * When the run defers evidence (c->defer_evidence), the list is kept in c
 * and f gets a placeholder, read with every other list of the hunt by
 * hunt_evidence_resolve: one request for all of a hunt's findings. */
int hunt_evq_flush(hunt_evq *q);
/* Replace the placeholders in the findings of out by their evidence (in
 * the order each finding queued it), reading every list of the hunt at
 * once; then forget the lists. */
int hunt_evidence_resolve(hunt_ctx *c, hunt_list *out);
/* Free what hunt_evidence_many keeps for the run. */
void hunt_evidence_close(hunt_ctx *c);
/* Render event row id as one line of text into out (replacing it). */
int hunt_event_text(hunt_ctx *c, int64_t event_id, ash_buf *out);

/* Short lower-case host name of a logged name ("APP02.corp.local" ->
 * "app02"); an address is kept whole. */
void hunt_short_host(const char *in, size_t n, char *out, size_t outn);
/* Bare account name, lower case ("CORP\T.Sato" -> "t.sato"). */
void hunt_bare_account(const char *in, size_t n, char *out, size_t outn);

/* "5h12m", "3d04h", "42s" */
void hunt_fmt_dur(int64_t us, char out[32]);
/* "1.2 GB", "830 KB", "12 B" */
void hunt_fmt_bytes(int64_t b, char out[32]);
/* "2025-03-02 10:22 UTC" */
void hunt_fmt_time(int64_t t, char out[32]);

/* Is ip one of the organisation's own addresses: private (RFC 1918, ULA,
 * CGNAT: ash_ip_is_private) or in the networks given with --internal
 * (ash_hunt_opts.internal), which may be public space the organisation
 * owns. */
/* Say that the run reached a cap (ash_hunt_opts.on_limit): one sentence,
 * printf-style. */
void hunt_limit(hunt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline int hunt_is_internal(const hunt_ctx *c, const ash_ip *ip) {
  uint32_t v;
  if (ash_ip_is_private(ip)) return 1;
  return c->opts && c->opts->internal && ash_cidrset_lookup(c->opts->internal, ip, &v);
}

#endif
