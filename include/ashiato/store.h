/* ashiato: the case store, an SQLite file.
 *
 * Tables (schema version 2, meta.schema_version):
 * - sources: one row per ingested file or archive member, with its record
 *   accounting (read = parsed + rejected);
 * - flows: one narrow row per net.flow / net.deny event whose fields all
 *   have a column: id, source_id, ref (byte offset), ts (us, as logged),
 *   dur (us), flags (ASH_FLOW_TS_END: ts is the session's end;
 *   ASH_FLOW_INTERIM: a report of a session still open; 4: net.deny), src
 *   and dst (IPv4 as 32-bit integers; src6/dst6 hold any other address as
 *   text), sport, dport, proto/action/app/service/host/user/domain (ids
 *   into dict), bytes_out, bytes_in, packets_out, packets_in, bytes_total
 *   (both directions, devices that log no direction), event_id, and the
 *   attributes as shape (an id into attr_shapes: the key list, stored once)
 *   plus vals (the escaped values joined by '"', a repeating value as
 *   \x01 and its dict id in base 64), or attrs (the JSON whole, when it
 *   is not of the usual form); index flows_ts(ts) is the hunts' order;
 * - dict(id, s): every repeating string of the flows; attr_shapes(id, keys);
 * - events_wide: every other event, one column per field of ash_event and
 *   its attributes as JSON (attrs), index events_kind_ts(kind, ts);
 * - events: a view, the UNION ALL of events_wide and flows with the flows'
 *   strings, addresses and attributes turned back into the wide form: the
 *   rows of schema 1 exactly. Its attributes need the SQL function
 *   ash_attrs, which the store registers on its connections: other SQLite
 *   clients read the tables under it;
 * - rejects: source, ref, reason, raw text up to ASH_MAX_REJECT_RAW.
 * Events and flows share one id space. A case of an earlier schema is
 * refused with ASH_EVERSION: it must be ingested again (its evidence is
 * unchanged), never read as if it had no flows. Writes go through prepared
 * statements with bound parameters only, in large transactions; a killed
 * ingest leaves a rollback journal that SQLite replays on the next open.
 * A source row is marked complete only in the transaction that stores its
 * last events; an incomplete source found on the next ingest of the same
 * content is deleted and redone.
 *
 * Every input a walk meets has a row: one that was not read (a FIFO, a
 * device, a dangling link, an unreadable or unrecognised file) is a
 * skipped row, with its reason, no records and complete 0. A skipped row
 * is not content: it never counts as a duplicate, and the next begin or
 * skip of the same path replaces it (so ingesting it again with --format
 * leaves one row). A source that continues another (the same file, grown)
 * records which one and where its own bytes begin. */
#ifndef ASHIATO_STORE_H
#define ASHIATO_STORE_H

#include <stdint.h>

#include "event.h"

typedef struct ash_store ash_store;

enum { ASH_STORE_CREATE = 1, ASH_STORE_READONLY = 2 };

/* Open (or with ASH_STORE_CREATE create) a case store. Caller frees with
 * ash_store_close. Opening a missing case without CREATE is ASH_ENOTFOUND;
 * a file that is not an ashiato case is ASH_EFORMAT. */
int ash_store_open(ash_store **out, const char *path, int flags);
/* path may also be a case in ClickHouse, clickhouse://HOST[:PORT]/DB
 * (docs/cli-contract.md, docs/design.md): every call below works on it
 * and gives what it gives on an SQLite case of the same evidence.
 * ash_store_open_error: why such an open failed (the server's words), for
 * this thread's last ash_store_open of a URL; "" otherwise. */
const char *ash_store_open_error(void);
/* Commit pending writes and close. NULL is a no-op. */
int ash_store_close(ash_store *s);
/* Last SQLite error text of this store (static until the next call). */
const char *ash_store_errmsg(const ash_store *s);

typedef struct ash_source_info {
  int64_t id;
  const char *path, *sha256, *format;
  /* size: of the file on disk (a compressed file's compressed size), or of
   * the member's bytes for an archive member. mtime_ns: modification time
   * of the file on disk when it was ingested (the container's for a
   * member), ASH_UNSET in cases ingested before it was recorded. Together
   * with sha256 they are the identity raw.h checks evidence against. */
  uint64_t size, read, parsed, rejected, events;
  int64_t mtime_ns;
  int ref_is_record;         /* filled by the readers below, not by writers */
  int64_t first_ts, last_ts; /* ASH_TIME_UNSET when no event had a time */
  int complete;              /* 0 while an ingest is under way or was killed */
  int duplicate;             /* set by ash_store_source_begin only */
  /* A skipped input: why it was not read (static or borrowed text; never
   * queued through the ingest writer). NULL for a source that was read. */
  const char *skip_reason;
  /* A continuation (a file that grew since source `continues` was
   * ingested): bytes [0, base_size) of the file are that source's, this
   * source's records begin at base_size and its refs stay offsets into the
   * whole file; size and sha256 are the whole file's. 0 and 0 otherwise. */
  int64_t continues;
  uint64_t base_size;
  /* SHA-256 (hex) of the first min(size, ASH_HEAD_BYTES) bytes of a text
   * source's content, "" when not known (a compressed file, or a case from
   * before this column): lets a grown file find its earlier source without
   * hashing a prefix for every smaller source. Arrays, not pointers, so
   * that the struct is copied whole through the ingest writer's queue. */
  char head_sha256[65];
} ash_source_info;

/* Start a source. When a complete source with the same sha256 exists,
 * *duplicate is set, *id is the existing source and nothing else happens.
 * An incomplete one with that hash (or with a hash never recorded and the
 * same path and size) is deleted, with its events, first. path/format are
 * copied. sha256 may be NULL when the caller hashes while it reads and
 * it knows that no source has this size (so none can have this content):
 * the hash is then recorded by ash_store_source_end. */
int ash_store_source_begin(ash_store *s, const char *path, uint64_t size, const char *sha256,
                           const char *format, int64_t *id, int *duplicate);
/* Record an input that was not read: a skipped row (see above) for path,
 * replacing an earlier skipped row of that path. size and sha256 may be 0
 * and NULL (not known: nothing could be read). *id is the row's. */
int ash_store_source_skip(ash_store *s, const char *path, uint64_t size, const char *sha256,
                          const char *reason, int64_t *id);
/* Add one event / one rejection of source id. Buffered: committed in large
 * transactions. */
int ash_store_add_event(ash_store *s, int64_t id, const ash_event *ev);
int ash_store_add_reject(ash_store *s, int64_t id, uint64_t ref, const char *reason,
                         const void *raw, size_t n);
/* Finish source id with its accounting, its mtime_ns (and its sha256,
 * when counts->sha256 is set; its head_sha256, continues and base_size
 * when set): marks it complete in the transaction that holds
 * its last events, which commits with the next large batch of events or
 * at ash_store_close (ash_ingest commits before it returns). */
int ash_store_source_end(ash_store *s, int64_t id, const ash_source_info *counts);
/* A live source (`ashiato watch`'s spool of one sender and day) is ended
 * again at every batch: the counts replace the last ones, and counts->size,
 * when not 0, replaces the size given to begin (the spool grew). Events
 * may be added to it after an end. */

/* Commit the open write transaction now (a live source's batch, so that
 * what was alerted on is durable). After a failed write every later write,
 * and this, return the first error. */
int ash_store_commit(ash_store *s);

/* Every source, in ingest order. Strings in info are borrowed for the
 * callback. A non-zero return from cb stops the walk and is returned. */
int ash_store_sources(ash_store *s, int (*cb)(void *u, const ash_source_info *info), void *u);

typedef struct ash_event_query {
  const char *kind;     /* exact, or prefix when it ends in '.' or '*' */
  const char *host;     /* case-insensitive */
  const char *user;     /* case-insensitive, bare or DOMAIN\user */
  int64_t since, until; /* ASH_TIME_UNSET for open ends; until exclusive */
  uint64_t limit;       /* 0 = no limit */
  int has_event_id;     /* select Windows events of this event_id only */
  int64_t event_id;
  /* only Windows events (a channel and an EventID: EVTX and every JSON
   * export of them carry both); a flow row never has a channel, so the
   * flows are not read at all */
  int windows_only;
} ash_event_query;

/* The kinds of the case's events (complete sources), sorted, with counts.
 * kind is borrowed for the callback; a non-zero return stops the walk. */
int ash_store_kinds(ash_store *s, int (*cb)(void *u, const char *kind, uint64_t count), void *u);

/* Events matching q in time order. ev's strings, source_path and
 * attrs_json are borrowed for the callback. */
int ash_store_events(ash_store *s, const ash_event_query *q,
                     int (*cb)(void *u, const ash_event *ev, const char *source_path,
                               int ref_is_record, const char *attrs_json),
                     void *u);

/* How many events of each of nk kinds (exact, or a prefix as
 * ash_event_query.kind) fall in each of n cells of width µs from t0:
 * counts[k * n + i] for kinds[k] and t0 + i * width <= ts < t0 + (i + 1)
 * * width, each at most cap (0: no cap). The report's timeline shade
 * needs presence and rough density, and the cap bounds the work: the
 * SQLite store reads a kind with few events in the window once, whole,
 * and walks at most cap rows of its (kind, ts) index per cell of a big
 * one; the ClickHouse store counts every kind's cells in one request (the
 * servers count columns), not one request per kind or cell. */
int ash_store_event_cells(ash_store *s, const char *const *kinds, size_t nk, int64_t t0,
                          int64_t width, size_t n, uint32_t cap, uint32_t *counts);

/* ash_store_events giving each event's source: src->id, path, sha256,
 * format, size, mtime_ns and ref_is_record are set (the counts are not),
 * borrowed for the callback. For reading evidence back (raw.h), which
 * must know which ingested file an event came from, not only its path:
 * the same path may have been ingested twice with different contents. */
int ash_store_events_with_source(ash_store *s, const ash_event_query *q,
                                 int (*cb)(void *u, const ash_event *ev, const ash_source_info *src,
                                           const char *attrs_json),
                                 void *u);

/* ---- typed flows (the hunts' reading interface; no SQL) */

/* One flow record, with its format's meaning settled at ingest: start and
 * end are the session's (ts is the time the device logged the record:
 * the end on FortiGate, the start elsewhere; end = start + duration, with
 * an unlogged duration as 0). Unset numbers are ASH_UNSET, unset ports -1.
 * flags: ASH_FLOW_TS_END, ASH_FLOW_INTERIM (event.h). */
typedef struct ash_flow {
  int64_t id, source; /* the event's id (evidence), its source's id */
  int64_t ts, start, end, duration;
  ash_ip src, dst;
  int32_t src_port, dst_port;
  int64_t bytes_out, bytes_in;
  int64_t bytes_total; /* both directions together (devices that log no direction) */
  int flags;
  int deny; /* a net.deny record */
} ash_flow;

typedef struct ash_flow_query {
  int64_t since, until; /* on ts, ASH_TIME_UNSET for open ends; until exclusive */
  int with_deny;        /* net.deny records too (default: net.flow only) */
  /* at most this many, the first in (ts, id) order; 0: all. On ClickHouse
   * a walk the callback stops early has still had the whole sorted answer
   * made and sent; a limit asks only for what is read. */
  uint64_t limit;
} ash_flow_query;

/* The flows of complete sources matching q (NULL: all net.flow), in
 * (ts, id) order: the order the hunts' streaming models need. f is
 * borrowed for the callback; a non-zero return stops the walk and is
 * returned. Addresses come as numbers from the store, never parsed from
 * text (except IPv6 ones, kept as text in a side column). */
int ash_store_flows(ash_store *s, const ash_flow_query *q, int (*cb)(void *u, const ash_flow *f),
                    void *u);

/* The flows the hunts' pair model needs, selected and counted by the
 * store itself (issue 16: on ClickHouse the servers aggregate, and only
 * candidate pairs' rows and per-address counts come back). The flows
 * that count are those of ash_store_flows (net.flow, with a time) whose
 * source is internal and whose destination external:
 * - internal: private (ash_ip_is_private) or in q->internal;
 * - external: none of private, loopback, 0.0.0.0/8, 224.0.0.0/3 (IPv4
 *   multicast and reserved), ff00::/8, ::, nor in q->internal.
 * The store hands over:
 * - totals: flows (every flow of ash_store_flows), used (those that
 *   count), first (least start) and last (greatest end, at least 0) of
 *   those that count, 0 when none;
 * - flow: every counted flow of each candidate pair (same source,
 *   destination and destination port: at least min_sessions records that
 *   are not interim, or one of those at least min_longest long, or an
 *   interim record), pair after pair, each pair's in (ts, id) order
 *   (their source and source port are not set: 0 and -1);
 * - host: per internal source, its counted records that are not interim,
 *   their bytes (each direction's count when logged and positive) and
 *   the distinct (destination, port) it reached;
 * - addr: per external destination of a candidate pair, the distinct
 *   internal sources that reached it (on any port).
 * - series (when set): instead of its rows, a candidate pair of short
 *   sessions only (none min_longest long, no interim record, fewer than
 *   ASH_FLOW_SERIES_DAYS days between its sessions' first and last start
 *   day) comes summed (ash_flow_series); such pairs come in no order.
 * *done is 0, and nothing is handed over, when the store would only scan
 * its flows for this (SQLite, where ash_store_flows is one pass over an
 * index; a ClickHouse case with flows kept as wide events): the caller
 * then builds the same from ash_store_flows. */

/* A pair of short sessions summed by the store (ash_flow_pairs.series):
 * what its records, read one by one in (ts, id) order, would tell. Each
 * record is a finished session [start, end] (ash_flow) of length end -
 * start, its size the sum of its positive counts: bytes out, bytes in,
 * and bytes_total when neither direction is logged. */
#define ASH_FLOW_SERIES_IDS 4
#define ASH_FLOW_SERIES_DAYS 36500
typedef struct ash_flow_series {
  ash_ip src, dst;
  int32_t dst_port;
  uint64_t sessions;
  /* the sums of the positive counts: out, in, bytes_total of the records
   * that log neither direction */
  int64_t out, in, unk;
  int64_t first, first_id;  /* least start; the first record in (ts, id) with it */
  int64_t last, last_id;    /* greatest end; the last record in (ts, id) with it */
  int64_t total, longest;   /* the lengths' sum and greatest */
  int64_t seen_ts, seen_id; /* the pair's first record in (ts, id) */
  /* each distinct (start / ASH_DAY, end / ASH_DAY) of its records, once,
   * in the (ts, id) order of the first record with it */
  const int32_t *day0, *day1;
  size_t ndays;
  /* the records from the series_from-th on in (ts, id) order (rank 0
   * on), those of rank a multiple of stride, the least power of 2 with
   * (sessions - series_from + 1) <= series_max * stride: start / ASH_SEC
   * and size (at most UINT32_MAX) */
  const int64_t *start_s;
  const uint32_t *sizes;
  size_t n;
  uint64_t stride;
  int64_t ids[ASH_FLOW_SERIES_IDS]; /* the records of rank 0-3 (0: none) */
} ash_flow_series;

typedef struct ash_flow_pairs {
  const ash_cidrset *internal; /* may be NULL */
  uint32_t min_sessions;
  int64_t min_longest; /* us */
  int (*flow)(void *u, const ash_flow *f);
  /* may be NULL: those pairs' rows come to flow instead */
  int (*series)(void *u, const ash_flow_series *s);
  uint32_t series_from, series_max; /* at least 1 */
  int (*host)(void *u, const ash_ip *ip, uint64_t flows, int64_t bytes, uint64_t dsts);
  int (*addr)(void *u, const ash_ip *ip, uint64_t nsrc);
  void *u;
  /* set by the store */
  uint64_t flows, used;
  int64_t first, last;
} ash_flow_pairs;
int ash_store_flow_pairs(ash_store *s, ash_flow_pairs *q, int *done);

/* ---- the other families the hunts read (src/store/activity.c)
 *
 * One typed reader per family the hunts' shared models are built from:
 * logons, the roles of hosts and accounts, VPN records, antivirus records,
 * Windows host activity (connections, processes, registry, files), and the
 * evidence of which host holds which address. This is the hunts' whole
 * view of the case (with ash_store_flows, ash_store_event and the
 * findings): no hunt sees a table, and a back end other than SQLite (the
 * ClickHouse one) implements these functions. Common contract:
 * - strings are NUL-terminated, borrowed for the callback, NULL when the
 *   record has none; names are as logged (the hunts normalise them);
 * - numbers are ASH_UNSET when unset, ports -1, addresses ash_ip parsed
 *   once by the store (fam 0 when none);
 * - records are those of complete sources, as for ash_store_flows (a
 *   killed ingest's partial source is redone by the next one);
 * - records come in (ts, id) order unless said otherwise; a query without
 *   a time window also gives the records that have no time, first, with ts
 *   ASH_TIME_UNSET; windows are since <= ts < until, ASH_TIME_UNSET for an
 *   open end;
 * - a non-zero return from cb stops the walk and is returned. */

/* RDP session events (kind win.rdp) by event id, for ash_logon_query.rdp. */
enum {
  ASH_RDP_1149 = 1,   /* TerminalServices-RemoteConnectionManager 1149: authenticated */
  ASH_RDP_LSM21 = 2,  /* LocalSessionManager 21: session logon */
  ASH_RDP_LSM22 = 4,  /* LocalSessionManager 22: shell start */
  ASH_RDP_LSM24 = 8,  /* LocalSessionManager 24: session disconnected */
  ASH_RDP_LSM25 = 16, /* LocalSessionManager 25: session reconnected */
  ASH_RDP_131 = 32    /* RdpCoreTS 131: connection accepted */
};
/* ash_logon_query.types: every 4624, those without a logon type too. */
#define ASH_LOGON_ANY_TYPE UINT32_MAX

typedef struct ash_logon_query {
  int64_t since, until;
  uint32_t types; /* 4624 logons (win.logon) of these LogonTypes (bit n: type n,
                     0-31), ASH_LOGON_ANY_TYPE, or 0: none */
  unsigned rdp;   /* and the RDP session events of these ids (ASH_RDP_*) */
  int with_attrs; /* give each record's attributes */
} ash_logon_query;

typedef struct ash_logon {
  int64_t id, source, ts;
  int rdp;                 /* 0: a 4624 logon; 1: an RDP session event */
  const char *host, *user; /* the host logged on to; the account */
  ash_ip src;              /* where the logon came from */
  int64_t logon_type, event_id;
  const char *attrs; /* with_attrs: the attributes as a JSON object (NULL: none) */
} ash_logon;

/* Logons and RDP session events matching q. */
int ash_store_logons(ash_store *s, const ash_logon_query *q, int (*cb)(void *u, const ash_logon *l),
                     void *u);

/* What the case says of the roles of hosts and accounts, each name once:
 * first ASH_ROLE_DC for each host (lower case) that logs Kerberos ticket
 * requests (4768, 4769, 4771), which only domain controllers do; then
 * ASH_ROLE_PRIVILEGED for each account given special privileges at a
 * logon (4672, win.privilege). No order within each. */
enum { ASH_ROLE_DC = 1, ASH_ROLE_PRIVILEGED = 2 };
int ash_store_roles(ash_store *s, int (*cb)(void *u, int role, const char *name), void *u);

/* One VPN record of any vendor, as the parsers settled it: a login
 * (vpn.login), a logout (vpn.logout) or a record of a session in progress
 * (vpn.session). */
enum { ASH_VPN_LOGIN = 1, ASH_VPN_LOGOUT = 2, ASH_VPN_SESSION = 3 };
typedef struct ash_vpn_event {
  int64_t id, source, ts;
  int kind; /* ASH_VPN_* */
  const char *user;
  ash_ip remote, tunnel; /* the client's address; the tunnel address it was given */
  int64_t duration, bytes_out, bytes_in;
  /* a login's client country where the log gives one (FortiGate
   * srccountry, PAN-OS GlobalProtect source_region, srcregion), else NULL */
  const char *country;
} ash_vpn_event;
int ash_store_vpn_events(ash_store *s, int (*cb)(void *u, const ash_vpn_event *v), void *u);

/* One antivirus record: a detection (av.detect) or what the product did
 * about one (av.action). The fields a product keeps among its record's own
 * fields are settled here, whatever the container called them (EVTX
 * "Detection User", ECS detection_user, DetectionUser, ...). */
typedef struct ash_av_event {
  int64_t id, source, ts;
  int action; /* 0: av.detect, 1: av.action */
  const char *host, *threat, *path;
  const char *user;     /* the account named: the event's, else the record's Detection User */
  const char *process;  /* the record's Process Name, else the event's process */
  const char *what;     /* what was done: the record's Action Name, else the event's action */
  const char *category; /* the product's category of the threat (Category Name) */
} ash_av_event;
int ash_store_av_events(ash_store *s, int (*cb)(void *u, const ash_av_event *a), void *u);

/* Windows host activity of one kind: connections (win.netconn, Sysmon 3 /
 * 5156), process starts (win.process), registry values (win.registry),
 * file creations (win.file). Text filters compare ASCII case-insensitively
 * except host, which is exact. */
typedef struct ash_host_query {
  const char *kind; /* ASH_KIND_WIN_NETCONN, _PROCESS, _REGISTRY or _FILE */
  int64_t since, until;
  const char *host;      /* NULL: any */
  const char *process;   /* the image; NULL: any */
  const char *path;      /* NULL: any */
  const char *path_part; /* path holds it; NULL: any */
  int32_t dst_port;      /* 0: any */
  int with_command_line; /* only records with a command line */
  int newest_first;      /* in (ts, id) descending order */
  uint64_t limit;        /* 0: no limit */
} ash_host_query;

typedef struct ash_host_event {
  int64_t id, source, ts;
  const char *host, *user, *process, *command_line, *path;
  ash_ip src, dst;
  int32_t src_port, dst_port;
} ash_host_event;
int ash_store_host_events(ash_store *s, const ash_host_query *q,
                          int (*cb)(void *u, const ash_host_event *e), void *u);

/* What the case says about which host holds which address, in this order
 * of why (within one why, no order):
 * - ASH_ADDR_TUNNEL: a VPN tunnel address (name NULL): whoever connects
 *   holds it, no host;
 * - ASH_ADDR_NETCONN: an address on n of the total connections a host
 *   (name, lower case) logged (Sysmon 3 / 5156);
 * - ASH_ADDR_COMPUTER: n logons of computer account name ("APP02$") from it;
 * - ASH_ADDR_WORKSTATION: n network logons (type 3) naming their source
 *   workstation name from it;
 * - ASH_ADDR_FIREWALL: n flows whose firewall named the host at that end
 *   name (FortiGate srcname/dstname, PAN-OS src_host/dst_host).
 * Names are as logged; only records whose address is one are counted. */
enum {
  ASH_ADDR_TUNNEL = 1,
  ASH_ADDR_NETCONN = 2,
  ASH_ADDR_COMPUTER = 3,
  ASH_ADDR_WORKSTATION = 4,
  ASH_ADDR_FIREWALL = 5
};
typedef struct ash_host_address {
  int why; /* ASH_ADDR_* */
  const char *name;
  ash_ip ip;
  uint64_t n, total; /* total: ASH_ADDR_NETCONN only */
} ash_host_address;
int ash_store_host_addresses(ash_store *s, int (*cb)(void *u, const ash_host_address *a), void *u);

/* The event row id of any kind, flows included (a finding's evidence),
 * with its source: src->id, path, sha256, format, size, mtime_ns and
 * ref_is_record are set; ev and src are borrowed for the callback.
 * ASH_ENOTFOUND (cb not called) when the case has no such row. */
int ash_store_event(ash_store *s, int64_t id,
                    int (*cb)(void *u, const ash_event *ev, const ash_source_info *src), void *u);

/* ash_store_event for each of ids[0..n), in that order: cb gets the index
 * i of the id it is for; an id the case has no row of is passed over (cb
 * not called for it). One request for all on a ClickHouse case, where a
 * single row costs a request (a finding's evidence, read per finding). */
int ash_store_events_by_id(ash_store *s, const int64_t *ids, size_t n,
                           int (*cb)(void *u, size_t i, const ash_event *ev,
                                     const ash_source_info *src),
                           void *u);

/* Rejections of a source (or of all sources when id == 0). */
int ash_store_rejects(ash_store *s, int64_t id,
                      int (*cb)(void *u, const char *source_path, uint64_t ref, const char *reason,
                                const char *raw, size_t n),
                      void *u);

/* ---- what the case knows about names and files (src/store/entities.c) */

typedef struct ash_entity_count {
  const char *kind; /* "host", "user", "domain" or "ip" */
  const char *name; /* as logged (one spelling of a case-insensitive group) */
  uint64_t count;   /* events naming it */
  int privileged;   /* user: seen with special privileges (4672), as a
                       firewall admin login, or logging on by RDP to three
                       or more hosts */
} ash_entity_count;

/* Every distinct host, user and domain of the events (case-insensitive,
 * sorted by name within each kind), and the ASH_MAX_CASE_IPS busiest
 * destination addresses, with counts. e is borrowed for the callback; a
 * non-zero return from cb stops the walk and is returned. */
int ash_store_entities(ash_store *s, int (*cb)(void *u, const ash_entity_count *e), void *u);
/* The same for some kinds only (each kind is a pass over the events and
 * the flows: a caller that needs hosts and users does not pay for the
 * busiest addresses, a sort of every flow's destination). */
enum {
  ASH_ENTITY_HOSTS = 1,
  ASH_ENTITY_USERS = 2,
  ASH_ENTITY_DOMAINS = 4,
  ASH_ENTITY_IPS = 8,
  ASH_ENTITY_ALL = 15
};
int ash_store_entities_of(ash_store *s, unsigned kinds,
                          int (*cb)(void *u, const ash_entity_count *e), void *u);
/* The host names the events of kinds[0..n) log (n <= 8; flows are no
 * such event), one spelling of each case-insensitive name, sorted: what
 * ash_store_entities gives of them, from the events of those kinds alone
 * (the index over kind; counting the hosts, ash_store_entities_of, is a
 * pass over every event and flow). */
int ash_store_event_hosts(ash_store *s, const char *const *kinds, size_t n,
                          int (*cb)(void *u, const char *host), void *u);
/* The accounts ash_store_entities says are privileged, from the events
 * that can say so (a flow never does), sorted. */
int ash_store_privileged_users(ash_store *s, int (*cb)(void *u, const char *user), void *u);

/* Events that name a file (sha256 or path set: antivirus detections, file
 * creations, process starts, services), in time order. Arguments as for
 * ash_store_events, borrowed for the callback. */
int ash_store_file_events(ash_store *s,
                          int (*cb)(void *u, const ash_event *ev, const char *source_path,
                                    int ref_is_record),
                          void *u);

/* ---- findings (src/store/findings.c; the type is in finding.h) */

typedef struct ash_finding ash_finding;

/* Store f in the case (table findings, created when missing). A finding
 * with the same id replaces the previous one, so re-running a hunt or a
 * scan does not duplicate its findings. */
int ash_store_add_finding(ash_store *s, const ash_finding *f);
/* Remove every finding of hunt (all when hunt is NULL). */
int ash_store_delete_findings(ash_store *s, const char *hunt);
/* Replace the stored findings of hunt (all when NULL) by those of v[0..n)
 * whose hunt it is (all of v when NULL), in one transaction: a failure
 * leaves the previous ones. */
int ash_store_replace_findings(ash_store *s, const char *hunt, const ash_finding *v, size_t n);
/* Findings of hunt (all when NULL), best first. f is borrowed for the
 * callback. A case without findings is not an error (no call). */
int ash_store_findings(ash_store *s, const char *hunt, int (*cb)(void *u, const ash_finding *f),
                       void *u);

#endif
