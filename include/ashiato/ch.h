/* ashiato: a ClickHouse client over the HTTP interface (libcurl), and the
 * case schema for ClickHouse 18.16 (Debian 12's clickhouse-server) and later.
 *
 * One ash_ch talks to one server, from one thread at a time (it owns one
 * curl handle and its connection). Queries are sent as the POST body
 * (never in the URL, so that their text has no length limit and is never
 * logged by proxies); inserts send "INSERT ... FORMAT TabSeparated" in
 * the query string and the rows as the body (gzip-compressed unless the
 * server is on loopback: ash_ch_opts.gzip).
 *
 * What is retried, and why only that: an HTTP request whose connection
 * could not be made (refused, unreachable, connect timeout) never reached
 * the server, so sending it again cannot store anything twice; it is
 * retried with exponential backoff. Anything else (a timeout or a reset
 * after the body was sent, a partial answer, an HTTP error) leaves it
 * unknown whether an INSERT was stored: a MergeTree table without
 * replication has no insert deduplication, so a blind retry could store a
 * batch twice. Those fail with ASH_ESTORE and the server's text (or
 * curl's) in ash_ch_errmsg: the ingest stops, the source stays incomplete,
 * and the next run deletes the source's rows and writes them again
 * (ash_ch_source_clear). Idempotent statements (SELECT, CREATE ... IF NOT
 * EXISTS) are given ASH_CH_IDEMPOTENT and are retried on those errors too.
 *
 * The library never prints; error texts are the server's, with control
 * characters replaced by spaces (the text may quote hostile log strings). */
#ifndef ASHIATO_CH_H
#define ASHIATO_CH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "limits.h"

/* ---- URLs: clickhouse://HOST:PORT/DATABASE */

#define ASH_CH_MAX_IDENT 64
#define ASH_CH_MAX_HOST 255

typedef struct ash_ch_url {
  char host[ASH_CH_MAX_HOST + 1]; /* a name or dotted IPv4 (no userinfo, no IPv6 brackets) */
  int port;                       /* 1..65535; 8123 when the URL has none */
  char db[ASH_CH_MAX_IDENT + 1];  /* the case's database */
} ash_ch_url;

/* 1 when s[0..n) is an identifier ClickHouse takes unquoted and that we
 * can splice into SQL: [A-Za-z_][A-Za-z0-9_]*, 1..ASH_CH_MAX_IDENT bytes. */
int ash_ch_ident_ok(const char *s, size_t n);
/* Parse "clickhouse://HOST[:PORT]/DB" strictly: scheme exact, host of
 * letters, digits, '-' and '.', port decimal 1..65535, DB an identifier,
 * nothing after it (no path, query, fragment or userinfo). ASH_EUSAGE
 * otherwise. */
int ash_ch_url_parse(const char *url, ash_ch_url *out);
/* 1 when url starts with "clickhouse://" (the store's selector). */
int ash_ch_is_url(const char *url);
/* Parse "host:port" (a --shards element) into u->host and u->port. */
int ash_ch_hostport_parse(const char *s, size_t n, ash_ch_url *u);

/* ---- one server */

typedef struct ash_ch ash_ch;

typedef struct ash_ch_opts {
  int retries;             /* connection attempts after the first (default 4) */
  int backoff_ms;          /* first wait; doubles each retry (default 200) */
  long connect_timeout_ms; /* default 5000 */
  /* whole-request limit; 0 = none. Inserts of a million rows take seconds,
   * so the default is none, with a stall limit instead: */
  long timeout_ms;
  /* abort when nothing moved for this long (default 120): inserts only.
   * A query answers only once it is done (wait_end_of_query), minutes
   * on a big case: queries wait, TCP keepalive telling a dead peer */
  long stall_s;
  /* compress insert bodies and ask for compressed answers: 1 yes, 0 no,
   * -1 (the default) unless the host is loopback (127.x, localhost),
   * where it only costs CPU */
  int gzip;
} ash_ch_opts;

/* Defaults as documented above. */
void ash_ch_opts_default(ash_ch_opts *o);
/* A client of http://host:port/ (no request is made). o may be NULL for
 * the defaults. Caller frees with ash_ch_close. */
int ash_ch_open(ash_ch **out, const char *host, int port, const ash_ch_opts *o);
void ash_ch_close(ash_ch *c);
/* Text of the last error (the server's exception text when it sent one);
 * "" after success. Borrowed until the next call on c. */
const char *ash_ch_errmsg(const ash_ch *c);
/* HTTP status of the last request (0 when none came back). */
long ash_ch_http_status(const ash_ch *c);
/* Requests this client made, and how many were attempts after a failed
 * connection (for tests and the benchmark). */
uint64_t ash_ch_requests(const ash_ch *c);
uint64_t ash_ch_retries(const ash_ch *c);

enum { ASH_CH_IDEMPOTENT = 1 };

/* Run one statement. The answer's body (TabSeparated unless the SQL says
 * otherwise) is appended to out when out is not NULL (at most
 * ASH_CH_MAX_ANSWER bytes: more is ASH_ELIMIT). The server is asked to
 * finish the query before it answers (wait_end_of_query), so that an error
 * met mid-query is an HTTP error, not text at the end of a 200 answer.
 * db, when not NULL, is the default database of the statement. */
int ash_ch_query(ash_ch *c, const char *db, const char *sql, int flags, ash_buf *out);

/* The bytes past which a reader's GROUP BY or ORDER BY spills to disk
 * (max_bytes_before_external_group_by and _sort of ash_ch_query_rows);
 * at least, and by default, 256 MiB. */
void ash_ch_set_spill(ash_ch *c, uint64_t bytes);

/* Run one SELECT and hand each row of its TabSeparated answer to cb as
 * it arrives: line[0..n) without its newline, writable, line[n] == 0 (for
 * ash_ch_tsv_fields). A row is at most ASH_CH_MAX_ANSWER bytes, the rows
 * are not: the answer streams in constant memory. A non-zero return from
 * cb stops the transfer and is returned. A request is retried as
 * ash_ch_query says, but never once a row was handed on. */
int ash_ch_query_rows(ash_ch *c, const char *db, const char *sql, int flags,
                      int (*cb)(void *u, char *line, size_t n), void *u);
/* Split a TabSeparated row in place into at most max fields, undoing the
 * escapes ash_ch_tsv_escape writes (and \r \b \f, and any other escaped
 * byte as itself): f[i], len[i], each NUL-terminated (line[n] must be
 * writable). The number of fields, or -1 when the row has more than max. */
int ash_ch_tsv_fields(char *line, size_t n, char **f, size_t *len, size_t max);

/* ---- inserts in TabSeparated, compressed as they are built */

typedef struct ash_ch_batch ash_ch_batch;

/* A batch of rows for "INSERT INTO db.table FORMAT TabSeparated" on c.
 * Rows are appended with the ash_ch_tsv_* calls below, each row ended by
 * ash_ch_batch_row_end; the body is gzip-compressed while it grows, so a
 * batch holds its compressed bytes (about a tenth) plus a small window.
 * Caller frees with ash_ch_batch_close (unsent rows are dropped). */
int ash_ch_batch_open(ash_ch_batch **out, ash_ch *c, const char *db, const char *table);
void ash_ch_batch_close(ash_ch_batch *b);
/* Send every rows rows instead (1..ASH_CH_BATCH_ROWS): smaller requests,
 * for tests that kill an insert between batches. */
int ash_ch_batch_limit(ash_ch_batch *b, uint64_t rows);
/* Call fn(u) before every request that sends this batch's rows (a full
 * batch's from ash_ch_batch_row_end, or a flush's); a non-zero return
 * fails that send with it, the rows kept as a failed send keeps them.
 * The case store writes the rows its sources wait on there: they must be
 * stored before any row of theirs is. NULL fn: none. */
void ash_ch_batch_before_send(ash_ch_batch *b, int (*fn)(void *u), void *u);
/* The row being built: append fields with the helpers below. */
ash_buf *ash_ch_batch_row(ash_ch_batch *b);
/* End the current row; sends the batch when it holds ASH_CH_BATCH_ROWS
 * rows or ASH_CH_FLUSH_BYTES bytes. */
int ash_ch_batch_row_end(ash_ch_batch *b);
/* Send the rows not yet sent (none: no request). A failure leaves them in
 * the batch: ash_ch_batch_flush again re-sends exactly them, once the
 * caller knows the earlier attempt stored nothing (after
 * ash_ch_source_clear), or the caller gives up. */
int ash_ch_batch_flush(ash_ch_batch *b);
/* Rows sent by this batch so far, and rows waiting. */
uint64_t ash_ch_batch_sent(const ash_ch_batch *b);
uint64_t ash_ch_batch_pending(const ash_ch_batch *b);

/* Field helpers: each appends a tab and one field (ash_ch_batch_row_end
 * drops the first field's tab). Strings are escaped by ClickHouse's TabSeparated
 * rules: backslash, tab, newline become \\ \t \n, and also \b \f \r \0
 * and \' so that no byte of a hostile string can end a field or a row;
 * other bytes (invalid UTF-8 included) pass as they are, and a String
 * column stores them unchanged. */
int ash_ch_tsv_str(ash_buf *row, const char *s, size_t n);
int ash_ch_tsv_u64(ash_buf *row, uint64_t v);
int ash_ch_tsv_i64(ash_buf *row, int64_t v);
/* A FixedString(16): 16 raw bytes, escaped as a string, trailing zero
 * bytes left out (the server pads them back). */
int ash_ch_tsv_fixed16(ash_buf *row, const uint8_t b[16]);
/* Escape s into row without a separator (used by ash_ch_tsv_str). */
int ash_ch_tsv_escape(ash_buf *row, const char *s, size_t n);
/* Append s as a single-quoted SQL string literal (for the few literals in
 * DDL and status queries; rows never go through SQL text). */
int ash_ch_sql_quote(ash_buf *sql, const char *s, size_t n);

/* ---- the case schema (src/ch/schema.c) */

/* The version a case records in its meta table; a case of another is
 * refused (ingest the evidence again into a new database). 4: flows keep
 * their attributes as a shape id and values (the shapes table). */
#define ASH_CH_SCHEMA_VERSION "4"

/* One case: the server of the URL (sources, marks, dictionaries, rejects,
 * and the Distributed tables), and the shards that hold the event tables.
 * On a single server, shards[0] is that server and there is no cluster. */
typedef struct ash_ch_case {
  ash_ch *main;
  const char *db;
  ash_ch *shards[ASH_CH_MAX_SHARDS];
  size_t nshards;
  const char *cluster; /* remote_servers name of the shards; NULL: single server */
  /* the shards' HTTP addresses, "HOST:PORT,HOST:PORT" in shard order: init
   * records them (and cluster) in the meta table, so that a later command
   * given only the URL finds the shards (src/store/chstore.c) */
  const char *shards_text;
} ash_ch_case;

/* The event tables of the logical schema (issue 15), in creation order. */
extern const char *const ash_ch_event_tables[];
extern const size_t ash_ch_nevent_tables;

/* Create the database and every table when missing (CREATE ... IF NOT
 * EXISTS: re-running changes nothing). With a cluster, each shard gets the
 * database and the event tables (suffix _local) and main gets, for each, a
 * Distributed table of the plain name over cluster. Checks the schema
 * version recorded in the database's meta table: a database made by a
 * different schema version, or one that holds tables but no meta table
 * (not an ashiato case), is ASH_EFORMAT and is left as it is. */
int ash_ch_schema_init(ash_ch_case *k);

/* Make the case ready for the rows of source id: delete the event rows a
 * killed or earlier run stored for it, on every shard (ALTER TABLE ...
 * DELETE WHERE source_id = id, a mutation, waited for), and its
 * rejects. The caller must write the source's row with complete = 0
 * before its first batch (ash_ch_source_put): readers take only complete
 * sources, so they never see part of one, and clear knows that an id
 * without a row has no rows to delete. See docs/design.md, "ClickHouse back
 * end", for why deletion by source and not ReplacingMergeTree. */
int ash_ch_source_clear(ash_ch_case *k, uint64_t id);
/* Write source id's row (path, accounting) with complete = 1: the
 * completion mark, written after every batch of its rows was stored. */
typedef struct ash_ch_source {
  uint64_t id;
  const char *path, *sha256, *format;
  uint64_t size, read, parsed, rejected, events;
  int64_t first_ts, last_ts;
  int complete, ref_is_record;
  int64_t mtime_ns, continues; /* as ash_source_info's */
  uint64_t base_size;
  const char *skip_reason, *head_sha256; /* NULL or "" for none */
  int deleted;                           /* the row is dropped: readers skip it */
  unsigned seq;                          /* orders writes of one id within a microsecond */
  /* the row's version (the newest of an id wins); 0: the time of writing
   * in µs * 16 + seq % 16. A writer that puts two versions of one id in
   * one insert gives strictly increasing ones (the case store does). */
  uint64_t version;
} ash_ch_source;
int ash_ch_source_put(ash_ch_case *k, const ash_ch_source *s);
/* The wall clock in µs, of which a sources row's version is made. */
uint64_t ash_ch_now_us(void);
/* The row of s appended to a batch open on the main server's sources
 * table (many marks in one insert; ash_ch_source_put is one of them). */
int ash_ch_source_row(ash_ch_batch *b, const ash_ch_source *s);

/* A flows row of ev in the table's column order (the one place that
 * knows it: the case store and `ch gen-flows` both write through it),
 * appended to r (ash_ch_batch_row): its typed columns, attrs (JSON, or
 * NULL) or shape and vals (the split attributes; shape 0 for none), then
 * the evidence columns (source, ev->ref, id). flags: ASH_FLOW_TS_END and
 * ASH_FLOW_INTERIM from ev->flow_flags, ASH_CH_FLOW_DENY for net.deny. */
enum { ASH_CH_FLOW_DENY = 4 };
struct ash_event;
int ash_ch_flow_row(ash_buf *r, const struct ash_event *ev, const char *attrs, size_t attrs_n,
                    uint32_t shape, const char *vals, size_t vals_n, uint64_t source, uint64_t id);

/* The shard (0..nshards-1) of a flow between src and dst (IPv4 as a
 * number, 0 for an IPv6 side): the same function as the Distributed
 * tables' sharding key, intHash64(src * 2^32 + dst) % nshards, so that a
 * pair's flows are on one shard (the per-pair aggregations of the hunts
 * run shard-local) whether they were inserted by us or through the
 * Distributed table. */
size_t ash_ch_flow_shard(uint32_t src, uint32_t dst, size_t nshards);

#endif
