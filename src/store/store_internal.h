/* Internal to the store and the ingest that writes it: the SQLite handle
 * and the helpers of the store's own modules (sqlite.c, flows.c,
 * activity.c, entities.c, findings.c). Not public API: every other module,
 * the hunts first, reads the case through include/ashiato/store.h. */
#ifndef ASH_STORE_INTERNAL_H
#define ASH_STORE_INTERNAL_H

#include <sqlite3.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/ip.h"
#include "ashiato/store.h"

sqlite3 *ash_store_sqlite(ash_store *s);
/* ash_store_add_event with the attributes already serialised as a JSON
 * object (attrs_json may be NULL: no attributes); ev->attrs is ignored. */
int ash_store_add_event_attrs(ash_store *s, int64_t id, const ash_event *ev, const char *attrs_json,
                              size_t attrs_n);
/* A block of events' attribute values, zstd-compressed (flows.c): the
 * values of up to ASH_FLOW_BLOCK_ROWS consecutive events of one source
 * (flows and other kinds; the table is flow_blocks for its first use),
 * each row's values JSON-escaped and joined by '"', the rows joined by
 * '\n' (neither occurs unescaped in escaped content). Built by the
 * ingest's producer thread; the store inserts it before the first row
 * that refers to it and sets rowid. */
#define ASH_FLOW_BLOCK_ROWS 256
#define ASH_FLOW_BLOCK_RAW (64u << 10) /* raw bytes before a block is closed */
#define ASH_FLOW_BLOCK_MAX (1u << 20)  /* raw bytes a reader accepts */
typedef struct ash_flow_block {
  const void *z; /* the compressed block */
  size_t zn;
  int64_t rowid; /* 0 until stored */
} ash_flow_block;
/* An event's attributes as the ingest's producer thread hands them to the
 * store, so that the writer thread, the ingest's bottleneck, neither
 * serialises them to JSON nor scans JSON back apart: keys, every key
 * JSON-escaped and joined by '"' (the row's shape); its values are row k
 * of block blk. Read back, the attributes are byte for byte the JSON
 * form. */
typedef struct ash_attr_split {
  const char *keys;
  size_t keys_n;
  ash_flow_block *blk; /* NULL: the values are vals[0..vals_n), joined as in a block's row */
  uint32_t k;
  const char *vals;
  size_t vals_n;
} ash_attr_split;
/* Many events at once, in order (the ingest writer thread's batches). */
typedef struct ash_store_row {
  int64_t source;
  const ash_event *ev;
  const char *attrs; /* serialised JSON object, or NULL */
  size_t attrs_n;
  /* instead of attrs, on a store ash_store_takes_split says yes to;
   * else NULL */
  const ash_attr_split *split;
} ash_store_row;
/* How ash_store_add_rows takes an event's attributes: ASH_SPLIT_BLOCKS,
 * every event's as ash_attr_split with its values in blocks (the SQLite
 * store); ASH_SPLIT_PLAIN, a flow's (ash_flowdb_eligible) as
 * ash_attr_split with its values beside its keys, every other event's
 * JSON (the ClickHouse store, which compresses columns itself and reads
 * the events table's attributes as JSON on the server). */
enum { ASH_SPLIT_NONE, ASH_SPLIT_BLOCKS, ASH_SPLIT_PLAIN };
int ash_store_takes_split(const ash_store *s);
int ash_store_add_rows(ash_store *s, const ash_store_row *rows, size_t n);
/* The columns of an event row, in the order ash_store_read_event reads
 * them from a statement that selects them first ("SELECT "
 * ASH_STORE_EVENT_COLS ",..." with the events table as e). */
#define ASH_STORE_EVENT_COLS                                                                       \
  "e.ref,e.ts,e.kind,e.host,e.user,e.domain,e.src_ip,e.src_port,e.dst_ip,e.dst_port,e.tunnel_ip,"  \
  "e.proto,e.action,e.app,e.service,e.bytes_out,e.bytes_in,e.packets_out,e.packets_in,"            \
  "e.duration,e.logon_type,e.event_id,e.channel,e.process,e.parent_process,e.command_line,"        \
  "e.threat,e.path,e.sha256"
enum { ASH_STORE_EVENT_NCOLS = 29 };
/* The event of the current row (strings borrowed until the next step). */
void ash_store_read_event(sqlite3_stmt *st, ash_event *ev);
/* Make sure the TEMP view wide_events (events_wide with the attributes
 * as JSON, the readers' table) reads what the case holds now; a reader
 * calls it before preparing a query of it. */
int ash_store_wide_view(ash_store *s);
/* Record the connection's last error as the store's message; ASH_ESTORE. */
int ash_store_sql_fail(ash_store *s);

/* Column readers: text (NULL for SQL NULL), an integer (ASH_UNSET for
 * NULL), an address stored as text (fam 0 for NULL or not an address). */
static inline const char *ash_col_text(sqlite3_stmt *st, int i) {
  const unsigned char *t = sqlite3_column_text(st, i);
  return t ? (const char *)t : NULL;
}
static inline int64_t ash_col_i64(sqlite3_stmt *st, int i) {
  return sqlite3_column_type(st, i) == SQLITE_NULL ? ASH_UNSET : sqlite3_column_int64(st, i);
}
static inline int ash_col_ip(sqlite3_stmt *st, int i, ash_ip *ip) {
  const char *t = ash_col_text(st, i);
  memset(ip, 0, sizeof *ip);
  if (!t) return 0;
  if (ash_ip_parse(ash_str_make(t, (size_t)sqlite3_column_bytes(st, i)), ip) == ASH_OK) return 1;
  memset(ip, 0, sizeof *ip);
  return 0;
}
/* ---- a case in ClickHouse (chstore.c): sqlite.c hands the calls of a
 * store opened on a clickhouse:// URL to these, which do what the
 * ash_store_* of the same name does ---- */
typedef struct ash_chstore ash_chstore;
/* err[0..errn) says why on failure */
int ash_chstore_open(ash_chstore **out, const char *url, int flags, char *err, size_t errn);
int ash_chstore_close(ash_chstore *c);
const char *ash_chstore_errmsg(const ash_chstore *c);
int ash_chstore_failed(const ash_chstore *c);
uint64_t ash_chstore_commit_seq(const ash_chstore *c);
int ash_chstore_commit(ash_chstore *c);
int ash_chstore_source_begin(ash_chstore *c, const char *path, uint64_t size, const char *sha256,
                             const char *format, int64_t *id, int *duplicate);
int ash_chstore_source_skip(ash_chstore *c, const char *path, uint64_t size, const char *sha256,
                            const char *reason, int64_t *id);
int ash_chstore_source_end(ash_chstore *c, int64_t id, const ash_source_info *counts);
int ash_chstore_add_rows(ash_chstore *c, const ash_store_row *rows, size_t n);
int ash_chstore_add_reject(ash_chstore *c, int64_t id, uint64_t ref, const char *reason,
                           const void *raw, size_t n);
int ash_chstore_sources(ash_chstore *c, int (*cb)(void *u, const ash_source_info *info), void *u);
int ash_chstore_kinds(ash_chstore *c, int (*cb)(void *u, const char *kind, uint64_t count),
                      void *u);
int ash_chstore_event_cells(ash_chstore *c, const char *const *kinds, size_t nk, int64_t t0,
                            int64_t width, size_t n, uint32_t cap, uint32_t *counts);
int ash_chstore_events(ash_chstore *c, const ash_event_query *q,
                       int (*cb_path)(void *u, const ash_event *ev, const char *source_path,
                                      int ref_is_record, const char *attrs_json),
                       int (*cb_src)(void *u, const ash_event *ev, const ash_source_info *src,
                                     const char *attrs_json),
                       void *u);
int ash_chstore_rejects(ash_chstore *c, int64_t id,
                        int (*cb)(void *u, const char *source_path, uint64_t ref,
                                  const char *reason, const char *raw, size_t n),
                        void *u);
int ash_chstore_flow_pairs(ash_chstore *c, ash_flow_pairs *q, int *done);
int ash_chstore_flows(ash_chstore *c, const ash_flow_query *q,
                      int (*cb)(void *u, const ash_flow *f), void *u);
int ash_chstore_logons(ash_chstore *c, const ash_logon_query *q,
                       int (*cb)(void *u, const ash_logon *l), void *u);
int ash_chstore_roles(ash_chstore *c, int (*cb)(void *u, int role, const char *name), void *u);
int ash_chstore_vpn_events(ash_chstore *c, int (*cb)(void *u, const ash_vpn_event *v), void *u);
int ash_chstore_av_events(ash_chstore *c, int (*cb)(void *u, const ash_av_event *a), void *u);
int ash_chstore_host_events(ash_chstore *c, const ash_host_query *q,
                            int (*cb)(void *u, const ash_host_event *e), void *u);
int ash_chstore_host_addresses(ash_chstore *c, int (*cb)(void *u, const ash_host_address *a),
                               void *u);
int ash_chstore_event(ash_chstore *c, int64_t id,
                      int (*cb)(void *u, const ash_event *ev, const ash_source_info *src), void *u);
int ash_chstore_events_by_id(ash_chstore *c, const int64_t *ids, size_t n,
                             int (*cb)(void *u, size_t i, const ash_event *ev,
                                       const ash_source_info *src),
                             void *u);
/* hunt's findings (all for NULL) deleted when delete_old, and those of v
 * of that hunt (all for NULL) stored, in one insert */
int ash_chstore_replace_findings(ash_chstore *c, const char *hunt, const ash_finding *v, size_t n,
                                 int delete_old);
int ash_chstore_findings(ash_chstore *c, const char *hunt, int (*cb)(void *u, const ash_finding *f),
                         void *u);
int ash_chstore_entities_of(ash_chstore *c, unsigned kinds,
                            int (*cb)(void *u, const ash_entity_count *e), void *u);
int ash_chstore_event_hosts(ash_chstore *c, const char *const *kinds, size_t n,
                            int (*cb)(void *u, const char *host), void *u);
int ash_chstore_privileged_users(ash_chstore *c, int (*cb)(void *u, const char *user), void *u);
int ash_chstore_file_events(ash_chstore *c,
                            int (*cb)(void *u, const ash_event *ev, const char *source_path,
                                      int ref_is_record),
                            void *u);
/* Can an events query for kind (exact, or a prefix when it ends in '.' or
 * '*') select flows? (Both stores keep flows in a table of their own.) */
int ash_store_kind_may_be_flow(const char *kind);
/* A kind as a query names it (ash_event_query.kind): a prefix when it
 * ends in '.' or '*' (the '*' not part of it), else exact. The bytes to
 * match in *n; 1 for a prefix. */
static inline int ash_kind_pattern(const char *kind, size_t *n) {
  size_t kl = strlen(kind);
  int prefix = kl && (kind[kl - 1] == '*' || kind[kl - 1] == '.');
  *n = prefix && kind[kl - 1] == '*' ? kl - 1 : kl;
  return prefix;
}
/* Does the query's kind k name an event's kind? */
static inline int ash_kind_matches(const char *k, const char *kind) {
  size_t n;
  return ash_kind_pattern(k, &n) ? !strncmp(kind, k, n) : !strcmp(kind, k);
}
/* The ClickHouse side of s, NULL for an SQLite case. */
ash_chstore *ash_store_ch(const ash_store *s);

/* ---- the typed flows table (flows.c) ---- */
/* flows.flags: ASH_FLOW_TS_END and ASH_FLOW_INTERIM (event.h), and this
 * for a net.deny row. */
enum { ASH_STORE_FLOW_DENY = 4 };
typedef struct ash_flowdb ash_flowdb;
int ash_flowdb_open(ash_flowdb **out, sqlite3 *db);
void ash_flowdb_close(ash_flowdb *f);
/* Drop the cached dictionary ids (after a rollback). NULL is a no-op. */
void ash_flowdb_forget(ash_flowdb *f);
/* fl->start and fl->end from its ts, duration and ASH_FLOW_TS_END: the
 * format's meaning of ts, settled at ingest (both back ends' readers). */
void ash_flow_times(ash_flow *fl);
/* 1 when ev is a flow whose every field has a flows column. */
int ash_flowdb_eligible(const ash_event *ev);
/* Insert ev as flow row id (inside the store's write transaction);
 * split: its attributes split (ash_attr_split), else attrs: its
 * attributes JSON as ash_event_attrs_json wrote it, or NULL.
 * ASH_ESTORE on an SQLite failure (the caller aborts the transaction). */
int ash_flowdb_insert(ash_flowdb *f, int64_t id, int64_t source, const ash_event *ev,
                      const char *attrs, size_t attrs_n, const ash_attr_split *split);

/* The columns that hold an event's split attributes (flows and
 * events_wide alike): split's block stored for source if it is not yet,
 * the row's shape id and its vals, a reference to row k of the block
 * (borrowed until the next call on f). ASH_ESTORE on an SQLite failure. */
int ash_flowdb_split_ref(ash_flowdb *f, int64_t source, const ash_attr_split *split, int64_t *shape,
                         const char **vals, size_t *vals_n);
/* The attributes JSON object of an ash_attr_split's keys and values (each
 * list JSON-escaped content joined by '"'), byte for byte what
 * ash_event_attrs_json writes, into o (reset first). ref, when not NULL,
 * gives each value's text (a reference resolved; NULL: dangling). ASH_OK;
 * ASH_EFORMAT when the lists do not pair up or a reference dangles;
 * ASH_ENOMEM, ASH_ELIMIT past o's cap. */
int ash_attrs_join(ash_buf *o, const char *keys, size_t keys_n, const char *vals, size_t vals_n,
                   const char *(*ref)(void *u, const char *v, size_t n, size_t *tn), void *u);
/* Register the SQL function ash_attrs the events view needs. */
int ash_flowdb_register(ash_flowdb *f);
/* ash_store_flows on db (flows.c). */
int ash_flowdb_iterate(sqlite3 *db, const ash_flow_query *q, int (*cb)(void *u, const ash_flow *f),
                       void *u);

/* Commit the open write transaction, if any. After a failed write (or a
 * failed commit) the transaction is rolled back whole and this, like every
 * later write, returns the first error. */
int ash_store_commit(ash_store *s);
/* How many write transactions this handle has committed: what was written
 * while the count was c is durable once it exceeds c. Lets the ingest
 * announce a source only once it is stored. */
uint64_t ash_store_commit_seq(const ash_store *s);
/* The first write error of this handle (0 if none). */
int ash_store_failed(const ash_store *s);

/* A flows row's address column c (IPv6 side column c6) as the text the
 * wide table held, and a dictionary column as its string: for queries over
 * the flows table as "f" that must agree with the events view. */
#define IP_TEXT(c, c6)                                                                             \
  "coalesce(f." c6 ",(f." c ">>24)||'.'||((f." c ">>16)&255)||'.'||((f." c ">>8)&255)||'.'||"      \
  "(f." c "&255))"
#define DICT(c) "(SELECT s FROM dict WHERE id=f." c ")"

#endif
