/* The case store in ClickHouse: what ash_store_* does when the case is a
 * clickhouse://HOST:PORT/DB URL (sqlite.c hands those calls here). The
 * schema and the HTTP client are src/ch; this file is the store's
 * semantics over them: the sources' life (an incomplete mark before the
 * first row, the completion mark after the last, a killed source's rows
 * deleted before it is read again), event rows in batches to the flows
 * and events tables of each shard, and the reading interface (sources,
 * kinds, events) giving what the SQLite store gives for the same evidence.
 *
 * One ingest writes a case at a time: source and row ids are handed out
 * from the largest ones stored when the case is opened for writing, as
 * SQLite's single writer does. Two ingests into one database at once
 * would give two sources one id (said in docs/design.md).
 *
 * The readers run their SQL on the server and stream the rows to the
 * same C code the SQLite store feeds (the hunts' models, the plan, the
 * report, watch): the same findings, not yet the aggregations pushed
 * down. A live source (watch) is ended again at every batch: each end is
 * another completion mark, the newest version of the source's row. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ashiato/buf.h"
#include "ashiato/ch.h"
#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/format.h"
#include "ashiato/ip.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"
#include "ashiato/time.h"
#include "store_internal.h"

enum { T_FLOWS, T_EVENTS, T_ROWIDS, NTABLES };
static const char *const TABLE[NTABLES] = {"flows", "events", "rowids"};

/* the sources begun by this handle and not yet ended (what their marks
 * must repeat); a watch-style source ended again is looked up here too */
typedef struct open_src {
  int64_t id;
  char *path, *sha256, *format;
  uint64_t size;
  int ref_is_record;
} open_src;

/* a completion mark waiting for the rows before it to be sent */
typedef struct pend_mark {
  ash_ch_source s; /* path, format: the open_src's (heap, stable) */
  char *sha256;    /* owned */
  char head[65];
} pend_mark;

/* Completion marks are written together, after every row before them
 * was sent: one insert of rows and one of marks for many small sources,
 * not one of each per source (a part per insert is what a MergeTree
 * pays for). They go when this many rows or marks wait, or at commit,
 * so that a killed ingest of a big folder redoes at most that much. */
enum { MARK_ROWS = 1000000, MARK_MAX = 1000 };

/* A row of the sources table waiting to be written, with copies of its
 * strings: a source's begin row (its incomplete mark), a skipped file's
 * row and a deletion wait for the next insert of event rows (the
 * batches' before_send) or of marks, whichever comes first. So a folder
 * of many small files writes them in a few inserts, not one per file
 * (358 of the 785 requests of a generated case's ingest, about 1 s), and
 * a source's begin row is still stored before any row of its own. */
typedef struct queued_src {
  ash_ch_source s;
  char *path, *sha256, *format, *skip_reason; /* owned */
} queued_src;

/* The sources table's rows (deleted = 0) as they read once this handle's
 * queued rows and marks are stored. It is read from the server once,
 * when the handle first begins or skips a source, and every row the
 * handle queues then updates it. One ingest writes a case at a time (see
 * the top), so nothing else changes the table meanwhile, and a begin
 * looks for its content and path here instead of asking the server once
 * per file. Past KNOWN_MAX rows or KNOWN_BYTES of strings the handle asks
 * the server, as before (after writing what it queued). */
typedef struct known_src {
  uint64_t id;
  char *path, *sha256; /* owned */
  uint64_t size;
  uint32_t next_sha, next_path; /* the chains of one hash; KNOWN_END ends them */
  uint8_t complete, skipped, live;
} known_src;
enum { KNOWN_MAX = 1u << 20, KNOWN_END = UINT32_MAX };
/* Shapes a case holds, and bytes of their keys: a firewall's flows have
 * a few (2 in a generated FortiGate case, one per log type and
 * version); a feed whose every record names other fields would make one
 * per record, and past these its rows keep the JSON form. */
enum { SHAPES_MAX = 1u << 16 };
#define SHAPES_BYTES ((size_t)64 << 20)
#define KNOWN_BYTES ((size_t)256 << 20)

struct ash_chstore {
  ash_ch_url url;
  ash_ch_case k;
  ash_ch *shard_conn[ASH_CH_MAX_SHARDS];
  char cluster[ASH_CH_MAX_IDENT + 1];
  int readonly;
  uint64_t spill; /* readers spill past this (learn_spill) */
  ash_ch_batch *b[NTABLES][ASH_CH_MAX_SHARDS];
  ash_ch_batch *rejects;
  int64_t next_source;
  uint64_t next_row; /* the id of the next event row, flows or events */
  open_src *src;
  size_t nsrc, capsrc;
  uint64_t commits;
  pend_mark *pend;
  size_t npend, cappend;
  uint64_t rows_since; /* rows given since the marks were last written */
  queued_src *queue;
  size_t nqueue, capqueue;
  uint64_t last_version; /* of the sources rows this handle wrote */
  known_src *known;
  size_t nknown, capknown, known_bytes;
  ash_keymap known_id, known_sha, known_path; /* id, hash of sha256, of path -> position */
  int known_state;                            /* 0 not read yet, 1 read, -1 ask the server */
  size_t known_max;
  /* the shapes (attribute key lists) of flows rows, for the writer and
   * the readers: keys (shapes) -> index -> id (shape_id), and id ->
   * index (shape_ix), read from the server when first needed (shapes_read).
   * The writer hands out new ids; new ones wait in shape_q (indexes)
   * until written before the rows that use them, as the sources' rows do */
  ash_strtab shapes;
  uint32_t *shape_id, *shape_q;
  size_t capshape_id, nshape_q, capshape_q, shape_bytes;
  ash_keymap shape_ix;
  uint32_t next_shape;
  int shapes_state; /* the writer's: 0 not read, 1 read, -1 unreadable: rows keep JSON */
  /* a reader called from another's callback (a hunt reading an event
   * while it walks the flows) cannot use the connection that is still
   * streaming: each depth of nesting has a connection of its own */
  ash_ch *nest[4];
  int depth;
  /* the sources, as the readers of events look their rows' up: read once
   * per commit of this handle (a finding's evidence is read event by
   * event, and each would otherwise read the list again) */
  struct src_entry *cache;
  size_t ncache, capcache;
  uint64_t cache_seq;
  int cache_ok;
  int failed;
  unsigned seq;
  ash_buf sql, out, attrs, rattrs;
  char err[ASH_CH_MAX_ERRTEXT + 128];
};

/* ---- errors */

static int fail_on(ash_chstore *c, ash_ch *conn, int rc, const char *what) {
  if (!rc) return rc;
  snprintf(c->err, sizeof c->err, "ClickHouse %s:%d/%s: %s%s%s", c->url.host, c->url.port,
           c->url.db, what, conn && *ash_ch_errmsg(conn) ? ": " : "",
           conn ? ash_ch_errmsg(conn) : "");
  return rc;
}
/* a write error sticks: the sources under way stay incomplete, and the
 * next run clears and writes them again */
static int wfail(ash_chstore *c, ash_ch *conn, int rc, const char *what) {
  if (!rc) return rc;
  fail_on(c, conn, rc, what);
  if (!c->failed) c->failed = rc;
  return rc;
}

const char *ash_chstore_errmsg(const ash_chstore *c) { return c->err; }
int ash_chstore_failed(const ash_chstore *c) { return c->failed; }
uint64_t ash_chstore_commit_seq(const ash_chstore *c) { return c->commits; }

/* ---- small queries */

static ash_ch *conn(ash_chstore *c);
static void free_entries(struct src_entry *v, size_t n);

/* One statement whose answer (one short row) is left in c->out. */
static int query(ash_chstore *c, const char *what) {
  ash_buf_reset(&c->out);
  ash_ch *h = conn(c);
  if (!h) return ASH_ELIMIT;
  return fail_on(c, h, ash_ch_query(h, NULL, c->sql.p, ASH_CH_IDEMPOTENT, &c->out), what);
}

static int sqlf(ash_chstore *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sqlf(ash_chstore *c, const char *fmt, ...) {
  ash_buf_reset(&c->sql);
  va_list ap;
  va_start(ap, fmt);
  char tmp[4096];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof tmp) return ASH_ELIMIT;
  return ash_buf_add(&c->sql, tmp, (size_t)n);
}

/* The connection to the URL's server for a query at the current depth. */
static ash_ch *conn(ash_chstore *c) {
  if (c->depth == 0) return c->k.main;
  if (c->depth > 4) return NULL;
  ash_ch **n = &c->nest[c->depth - 1];
  if (!*n && ash_ch_open(n, c->url.host, c->url.port, NULL)) *n = NULL;
  if (*n) ash_ch_set_spill(*n, c->spill);
  return *n;
}

/* Stream the rows of c->sql to cb, on the connection of this depth; the
 * statement is copied first, so that a nested reader may build its own
 * in c->sql. */
static int rows_query(ash_chstore *c, int (*cb)(void *u, char *line, size_t n), void *u,
                      const char *what) {
  ash_ch *h = conn(c);
  if (!h) {
    snprintf(c->err, sizeof c->err, "ClickHouse: readers nested too deep (%s)", what);
    return ASH_ELIMIT;
  }
  char *sql = strdup(c->sql.p ? c->sql.p : "");
  if (!sql) return ASH_ENOMEM;
  c->depth++;
  int rc = ash_ch_query_rows(h, NULL, sql, ASH_CH_IDEMPOTENT, cb, u);
  c->depth--;
  free(sql);
  if (rc == ASH_ESTORE || rc == ASH_EFORMAT || rc == ASH_ELIMIT) fail_on(c, h, rc, what);
  return rc;
}

/* ---- open and close */

/* Readers spill a GROUP BY or ORDER BY to disk past half the server's
 * max_memory_usage: ClickHouse's rule for external aggregation (the
 * merge after a spill may take as much memory again). 256 MiB when the
 * server sets no limit or does not say (ash_ch_set_spill). Spilling
 * costs: at 10^7 flows the hunt's pairs query took 9.7 s spilling past
 * 256 MiB and 7.4 s in memory. */
static void learn_spill(ash_chstore *c) {
  c->spill = 0;
  if (!sqlf(c, "SELECT value FROM system.settings WHERE name = 'max_memory_usage'") &&
      !query(c, "reading the server's memory limit") && c->out.p)
    c->spill = strtoull(c->out.p, NULL, 10) / 2;
  ash_ch_set_spill(c->k.main, c->spill);
}

/* The shards of a case made by `ch init --shards`: recorded in its meta
 * table (cluster, shards), so that every later command finds them from
 * the URL alone. */
static int load_layout(ash_chstore *c) {
  int rc =
      sqlf(c, "SELECT key, value FROM %s.meta FINAL WHERE key IN ('cluster', 'shards')", c->url.db);
  if (!rc) rc = query(c, "reading the case's layout");
  if (rc) return rc;
  c->k.nshards = 1;
  c->k.shards[0] = c->k.main;
  char *line = c->out.p;
  while (line && *line) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    char *tab = strchr(line, '\t');
    if (tab) {
      *tab = 0;
      const char *v = tab + 1;
      if (!strcmp(line, "cluster")) {
        if (!ash_ch_ident_ok(v, strlen(v))) return ASH_EFORMAT;
        snprintf(c->cluster, sizeof c->cluster, "%s", v);
        c->k.cluster = c->cluster;
      } else if (!strcmp(line, "shards") && *v) {
        size_t n = 0;
        const char *p = v;
        while (*p) {
          const char *comma = strchr(p, ',');
          size_t len = comma ? (size_t)(comma - p) : strlen(p);
          ash_ch_url u;
          if (n == ASH_CH_MAX_SHARDS || ash_ch_hostport_parse(p, len, &u)) return ASH_EFORMAT;
          int orc = ash_ch_open(&c->shard_conn[n], u.host, u.port, NULL);
          if (orc) return orc;
          c->k.shards[n] = c->shard_conn[n];
          n++;
          p += len + (comma ? 1 : 0);
        }
        c->k.nshards = n;
      }
    }
    line = nl ? nl + 1 : NULL;
  }
  if (c->k.cluster && c->k.nshards < 1) return ASH_EFORMAT;
  if (!c->k.cluster) {
    c->k.nshards = 1;
    c->k.shards[0] = c->k.main;
  }
  return ASH_OK;
}

/* Does the database exist, and is it a case (its meta table)? */
static int case_exists(ash_chstore *c, int *exists) {
  int rc = sqlf(c, "SELECT count() FROM system.tables WHERE database = '%s' AND name = 'meta'",
                c->url.db);
  if (!rc) rc = query(c, "looking for the case");
  if (!rc) *exists = c->out.p && strcmp(c->out.p, "0\n") != 0;
  return rc;
}

static int max_id(ash_chstore *c, const char *table, const char *col, uint64_t *out) {
  int rc = sqlf(c, "SELECT max(%s) FROM %s.%s", col, c->url.db, table);
  if (!rc) rc = query(c, "reading the largest id");
  if (!rc) *out = strtoull(c->out.p ? c->out.p : "0", NULL, 10);
  return rc;
}

static void free_queue(ash_chstore *c) {
  for (size_t i = 0; i < c->nqueue; i++) {
    free(c->queue[i].path);
    free(c->queue[i].sha256);
    free(c->queue[i].format);
    free(c->queue[i].skip_reason);
  }
  c->nqueue = 0;
}

static void known_drop(ash_chstore *c) {
  for (size_t i = 0; i < c->nknown; i++) {
    free(c->known[i].path);
    free(c->known[i].sha256);
  }
  free(c->known);
  c->known = NULL;
  c->nknown = c->capknown = c->known_bytes = 0;
  ash_keymap_free(&c->known_id);
  ash_keymap_free(&c->known_sha);
  ash_keymap_free(&c->known_path);
}

void ash_chstore_free(ash_chstore *c) {
  if (!c) return;
  for (int t = 0; t < NTABLES; t++)
    for (size_t s = 0; s < ASH_CH_MAX_SHARDS; s++) ash_ch_batch_close(c->b[t][s]);
  ash_ch_batch_close(c->rejects);
  for (size_t s = 0; s < ASH_CH_MAX_SHARDS; s++) ash_ch_close(c->shard_conn[s]);
  ash_ch_close(c->k.main);
  for (int i = 0; i < 4; i++) ash_ch_close(c->nest[i]);
  free_entries(c->cache, c->ncache);
  for (size_t i = 0; i < c->nsrc; i++) {
    free(c->src[i].path);
    free(c->src[i].sha256);
    free(c->src[i].format);
  }
  free(c->src);
  for (size_t i = 0; i < c->npend; i++) free(c->pend[i].sha256);
  free(c->pend);
  free_queue(c);
  free(c->queue);
  known_drop(c);
  ash_buf_free(&c->sql);
  ash_buf_free(&c->out);
  ash_buf_free(&c->attrs);
  ash_buf_free(&c->rattrs);
  ash_strtab_free(&c->shapes);
  free(c->shape_id);
  free(c->shape_q);
  ash_keymap_free(&c->shape_ix);
  free(c);
}

int ash_chstore_open(ash_chstore **out, const char *url, int flags, char *err, size_t errn) {
  ash_chstore *c = calloc(1, sizeof *c);
  if (!c) return ASH_ENOMEM;
  ash_buf_init(&c->sql, 1u << 20);
  ash_buf_init(&c->out, ASH_CH_MAX_ANSWER);
  ash_buf_init(&c->attrs, ASH_MAX_ATTRS_JSON);
  ash_buf_init(&c->rattrs, ASH_MAX_ATTRS_JSON);
  ash_strtab_init(&c->shapes, SHAPES_MAX);
  ash_keymap_init(&c->shape_ix, sizeof(uint32_t), sizeof(uint32_t), SHAPES_MAX);
  int rc = ash_ch_url_parse(url, &c->url);
  if (rc) {
    snprintf(err, errn, "not a ClickHouse case URL (clickhouse://HOST[:PORT]/DATABASE)");
    ash_chstore_free(c);
    return ASH_EUSAGE;
  }
  c->readonly = !!(flags & ASH_STORE_READONLY);
  c->k.db = c->url.db;
  rc = ash_ch_open(&c->k.main, c->url.host, c->url.port, NULL);
  int exists = 0;
  if (!rc) rc = case_exists(c, &exists);
  if (!rc && !exists && !(flags & ASH_STORE_CREATE)) {
    snprintf(c->err, sizeof c->err, "no case '%s' on ClickHouse %s:%d", c->url.db, c->url.host,
             c->url.port);
    rc = ASH_ENOTFOUND;
  }
  /* a single server gets the database and the tables on first ingest; a
   * cluster's are made by `ch init --shards` (it must know the shards) */
  if (!rc && !exists) {
    c->k.nshards = 1;
    c->k.shards[0] = c->k.main;
    rc = fail_on(c, c->k.main, ash_ch_schema_init(&c->k), "creating the case");
    if (rc == ASH_EFORMAT)
      snprintf(c->err, sizeof c->err,
               "ClickHouse %s:%d: database '%s' is not an ashiato case of this version",
               c->url.host, c->url.port, c->url.db);
  }
  if (!rc) rc = load_layout(c);
  if (!rc) {
    /* the schema version: another version's case is refused, as an SQLite
     * case of an earlier layout is */
    rc = sqlf(c, "SELECT value FROM %s.meta FINAL WHERE key = 'schema'", c->url.db);
    if (!rc) rc = query(c, "reading the schema version");
    if (!rc && (!c->out.p || strcmp(c->out.p, ASH_CH_SCHEMA_VERSION "\n") != 0)) {
      snprintf(c->err, sizeof c->err,
               "ClickHouse case %s was made by another version of ashiato (schema %.*s); ingest"
               " the evidence again into a new database",
               c->url.db, c->out.p ? (int)strcspn(c->out.p, "\n") : 0, c->out.p ? c->out.p : "");
      rc = ASH_EVERSION;
    }
  }
  if (!rc) learn_spill(c);
  if (!rc && !c->readonly) {
    uint64_t m = 0;
    rc = max_id(c, "sources", "id", &m);
    c->next_source = (int64_t)m + 1;
    uint64_t mf = 0, me = 0;
    if (!rc) rc = max_id(c, "flows", "id", &mf);
    if (!rc) rc = max_id(c, "events", "id", &me);
    c->next_row = (mf > me ? mf : me) + 1;
  }
  if (rc) {
    if (!c->err[0]) fail_on(c, c->k.main, rc, "opening the case");
    snprintf(err, errn, "%s", c->err);
    ash_chstore_free(c);
    return rc;
  }
  *out = c;
  return ASH_OK;
}

/* ---- writing */

static uint32_t ip4(const ash_ip *ip) {
  return (uint32_t)ip->b[12] << 24 | (uint32_t)ip->b[13] << 16 | (uint32_t)ip->b[14] << 8 |
         ip->b[15];
}

static size_t shard_of_flow(ash_chstore *c, const ash_event *ev) {
  uint32_t s = ev->src_ip.fam == 4 ? ip4(&ev->src_ip) : 0;
  uint32_t d = ev->dst_ip.fam == 4 ? ip4(&ev->dst_ip) : 0;
  return ash_ch_flow_shard(s, d, c->k.nshards);
}

/* The Distributed events table shards by intHash64(source_id): the same
 * function on the source id (ash_ch_flow_shard of (0, id) is
 * intHash64(id) for ids below 2^32). */
static size_t shard_of_source(ash_chstore *c, int64_t id) {
  return ash_ch_flow_shard(0, (uint32_t)id, c->k.nshards);
}

/* ---- the sources' rows: versions, the queue, the known rows */

/* The version of the next sources row this handle writes: the time (a
 * later run's rows win over an earlier run's), and strictly after this
 * handle's last (a begin row and its mark may share an insert and a
 * microsecond). */
static uint64_t next_version(ash_chstore *c) {
  uint64_t v = ash_ch_now_us() * 16;
  if (v <= c->last_version) v = c->last_version + 1;
  return c->last_version = v;
}

/* Write the queued rows and then the n marks m (n may be 0) in one
 * insert into the sources table. */
/* Write the shapes that wait (shape_q), before any row that uses them. */
static int write_shapes(ash_chstore *c) {
  if (!c->nshape_q) return ASH_OK;
  ash_ch_batch *b;
  int rc = ash_ch_batch_open(&b, c->k.main, c->url.db, "shapes");
  for (size_t i = 0; !rc && i < c->nshape_q; i++) {
    uint32_t at = c->shape_q[i];
    ash_buf *r = ash_ch_batch_row(b);
    rc = ash_ch_tsv_u64(r, c->shape_id[at]);
    if (!rc) rc = ash_ch_tsv_str(r, ash_strtab_str(&c->shapes, at), c->shapes.len[at]);
    if (!rc) rc = ash_ch_batch_row_end(b);
  }
  if (!rc) rc = ash_ch_batch_flush(b);
  ash_ch_batch_close(b);
  if (rc) return wfail(c, c->k.main, rc, "writing the attributes' shapes");
  c->nshape_q = 0;
  return ASH_OK;
}

static int write_sources(ash_chstore *c, pend_mark *m, size_t n) {
  ASH_TRY(write_shapes(c));
  if (!c->nqueue && !n) return ASH_OK;
  ash_ch_batch *b;
  int rc = ash_ch_batch_open(&b, c->k.main, c->url.db, "sources");
  for (size_t i = 0; !rc && i < c->nqueue; i++) rc = ash_ch_source_row(b, &c->queue[i].s);
  for (size_t i = 0; !rc && i < n; i++) rc = ash_ch_source_row(b, &m[i].s);
  if (!rc) rc = ash_ch_batch_flush(b);
  ash_ch_batch_close(b);
  if (rc) return wfail(c, c->k.main, rc, "writing the sources' rows");
  free_queue(c);
  return ASH_OK;
}

/* before_send of every batch of rows: the sources' rows first */
static int write_queue_hook(void *u) {
  ash_chstore *c = u;
  return c->nqueue || c->nshape_q ? write_sources(c, NULL, 0) : ASH_OK;
}

static uint64_t str_hash(const char *p) { return ash_hash_bytes(p, strlen(p), ASH_HASH_SEED); }

/* Chain position pos under hash h in m (the chain's head moves to pos). */
static int chain(ash_keymap *m, uint64_t h, uint32_t pos, uint32_t *next) {
  void *v;
  int fresh;
  ASH_TRY(ash_keymap_put(m, &h, &v, &fresh));
  uint32_t head;
  memcpy(&head, v, sizeof head);
  *next = fresh ? KNOWN_END : head;
  memcpy(v, &pos, sizeof pos);
  return ASH_OK;
}

/* The known rows give way to asking the server (too many, or memory ran
 * out): what is queued is written first, so that the server's answer
 * holds it. */
static void known_give_up(ash_chstore *c) {
  known_drop(c);
  c->known_state = -1;
}

/* Row s (a version of id s->id) as the known rows will read it. */
static void known_apply(ash_chstore *c, const ash_ch_source *s) {
  if (c->known_state != 1) return;
  void *v = ash_keymap_get(&c->known_id, &s->id);
  if (v) {
    uint32_t old;
    memcpy(&old, v, sizeof old);
    c->known[old].live = 0;
  }
  if (s->deleted) return;
  const char *path = s->path ? s->path : "", *sha = s->sha256 ? s->sha256 : "";
  size_t bytes = strlen(path) + strlen(sha) + 2;
  if (c->nknown >= c->known_max || c->known_bytes + bytes > KNOWN_BYTES) {
    known_give_up(c);
    return;
  }
  known_src *a = ash_array_room(c->known, &c->capknown, c->nknown, sizeof *a, 256);
  if (!a) {
    known_give_up(c);
    return;
  }
  c->known = a;
  known_src *e = &c->known[c->nknown];
  memset(e, 0, sizeof *e);
  e->id = s->id;
  e->path = strdup(path);
  e->sha256 = strdup(sha);
  e->size = s->size;
  e->complete = s->complete != 0;
  e->skipped = s->skip_reason && *s->skip_reason;
  e->live = 1;
  uint32_t pos = (uint32_t)c->nknown;
  int fresh;
  if (!e->path || !e->sha256 || ash_keymap_put(&c->known_id, &s->id, &v, &fresh) ||
      chain(&c->known_sha, str_hash(sha), pos, &e->next_sha) ||
      chain(&c->known_path, str_hash(path), pos, &e->next_path)) {
    free(e->path);
    free(e->sha256);
    known_give_up(c);
    return;
  }
  memcpy(v, &pos, sizeof pos);
  c->nknown++;
  c->known_bytes += bytes;
}

static int on_known(void *u, char **f, size_t *len) {
  ash_chstore *c = u;
  (void)len;
  ash_ch_source s = {.id = strtoull(f[0], NULL, 10),
                     .path = f[1],
                     .size = strtoull(f[2], NULL, 10),
                     .sha256 = f[3],
                     .complete = f[4][0] == '1',
                     .skip_reason = f[5][0] == '1' ? "skipped" : NULL};
  known_apply(c, &s);
  return ASH_OK;
}

static int walk(ash_chstore *c, size_t nf, int (*row)(void *u, char **f, size_t *len), void *u,
                const char *what);

/* Read the known rows, once per handle. */
static int known_load(ash_chstore *c) {
  if (c->known_state) return ASH_OK;
  /* ASHIATO_CH_KNOWN_MAX: a lower cap, for the test of asking the server
   * instead (e2e.clickhouse_ingest) */
  const char *km = getenv("ASHIATO_CH_KNOWN_MAX");
  c->known_max = km && *km ? strtoull(km, NULL, 10) : KNOWN_MAX;
  if (c->known_max > KNOWN_MAX) c->known_max = KNOWN_MAX;
  ash_keymap_init(&c->known_id, sizeof(uint64_t), sizeof(uint32_t), KNOWN_MAX);
  ash_keymap_init(&c->known_sha, sizeof(uint64_t), sizeof(uint32_t), KNOWN_MAX);
  ash_keymap_init(&c->known_path, sizeof(uint64_t), sizeof(uint32_t), KNOWN_MAX);
  c->known_state = 1;
  int rc = sqlf(c,
                "SELECT id, path, size, sha256, complete, skip_reason != '' FROM %s.sources"
                " FINAL WHERE deleted = 0",
                c->url.db);
  if (!rc) rc = walk(c, 6, on_known, c, "reading the sources");
  if (rc) {
    known_drop(c);
    c->known_state = 0;
  }
  return rc;
}

/* ---- the shapes of flows' attributes */

/* Intern keys (n bytes) as shape id in t (ids in *ids by index), keeping
 * the byte count; ASH_ELIMIT past the caps. */
static int shape_add(ash_strtab *t, uint32_t **ids, size_t *cap, size_t *bytes, const char *keys,
                     size_t n, uint32_t id, uint32_t *at) {
  if (*bytes + n + 1 > SHAPES_BYTES) return ASH_ELIMIT;
  ASH_TRY(ash_strtab_intern(t, keys, n, at));
  if (ids) {
    uint32_t *v = ash_array_room(*ids, cap, *at, sizeof *v, 64);
    if (!v) return ASH_ENOMEM;
    *ids = v;
    v[*at] = id;
  }
  *bytes += n + 1;
  return ASH_OK;
}

/* Index at of shape id, both ways. */
static int shape_index(ash_chstore *c, uint32_t id, uint32_t at) {
  void *v;
  int fresh;
  ASH_TRY(ash_keymap_put(&c->shape_ix, &id, &v, &fresh));
  memcpy(v, &at, sizeof at);
  return ASH_OK;
}

static int on_shape(void *u, char **f, size_t *len) {
  ash_chstore *c = u;
  uint32_t id = (uint32_t)strtoul(f[0], NULL, 10), at;
  if (!id || ash_keymap_get(&c->shape_ix, &id)) return ASH_OK;
  if (id >= c->next_shape) c->next_shape = id + 1;
  /* keys stored under two ids (not by one ingest at a time): the writer
   * keeps the first id, the readers know both */
  at = ash_strtab_find(&c->shapes, f[1], len[1]);
  if (at == UINT32_MAX)
    ASH_TRY(shape_add(&c->shapes, &c->shape_id, &c->capshape_id, &c->shape_bytes, f[1], len[1], id,
                      &at));
  return shape_index(c, id, at);
}

static int walk(ash_chstore *c, size_t nf, int (*row)(void *u, char **f, size_t *len), void *u,
                const char *what);

/* The stored shapes this handle does not know yet; ASH_ELIMIT past the
 * caps (some stay unknown). */
static int shapes_read(ash_chstore *c) {
  int rc = sqlf(c, "SELECT id, keys FROM %s.shapes FINAL", c->url.db);
  return rc ? rc : walk(c, 2, on_shape, c, "reading the attributes' shapes");
}

/* The id of the shape keys (n bytes) for a row to be written, new ones
 * queued (shape_q); 0 when the caps are reached or the stored shapes
 * could not all be read: the row keeps its attributes as JSON. */
static int shape_of(ash_chstore *c, const char *keys, size_t n, uint32_t *id) {
  *id = 0;
  if (!c->shapes_state) {
    if (!c->next_shape) c->next_shape = 1;
    /* ASHIATO_CH_SHAPES_MAX: a lower cap, for the test of the JSON form
     * past it (e2e.clickhouse_ingest); before any shape is known */
    const char *sm = getenv("ASHIATO_CH_SHAPES_MAX");
    unsigned long long m = sm && *sm ? strtoull(sm, NULL, 10) : 0;
    if (m && m < SHAPES_MAX && !c->shapes.n) {
      ash_strtab_free(&c->shapes);
      ash_strtab_init(&c->shapes, (size_t)m);
    }
    int rc = shapes_read(c);
    if (rc == ASH_ENOMEM || rc == ASH_ESTORE) return rc;
    /* past the caps the ids of some stored shapes are not known here:
     * a new one could take one of theirs */
    c->shapes_state = rc ? -1 : 1;
  }
  if (c->shapes_state != 1) return ASH_OK;
  uint32_t at = ash_strtab_find(&c->shapes, keys, n);
  if (at != UINT32_MAX) {
    *id = c->shape_id[at];
    return ASH_OK;
  }
  if (c->next_shape == 0 || c->next_shape > SHAPES_MAX * 16u) return ASH_OK;
  int rc = shape_add(&c->shapes, &c->shape_id, &c->capshape_id, &c->shape_bytes, keys, n,
                     c->next_shape, &at);
  if (rc == ASH_ELIMIT) return ASH_OK;
  ASH_TRY(rc);
  ASH_TRY(shape_index(c, c->next_shape, at));
  uint32_t *q = ash_array_room(c->shape_q, &c->capshape_q, c->nshape_q, sizeof *q, 16);
  if (!q) return ASH_ENOMEM;
  c->shape_q = q;
  q[c->nshape_q++] = at;
  *id = c->next_shape++;
  return ASH_OK;
}

static int batch_for(ash_chstore *c, int t, size_t s, ash_ch_batch **out) {
  ash_ch_batch **b = &c->b[t][s];
  if (!*b) {
    char table[ASH_CH_MAX_IDENT + 8];
    snprintf(table, sizeof table, "%s%s", TABLE[t], c->k.cluster ? "_local" : "");
    int rc = ash_ch_batch_open(b, c->k.shards[s], c->url.db, table);
    if (rc) return rc;
    ash_ch_batch_before_send(*b, write_queue_hook, c);
    /* ASHIATO_CH_BATCH_ROWS: rows per insert, for the kill tests, which
     * need an ingest of a small case to send several batches */
    const char *br = getenv("ASHIATO_CH_BATCH_ROWS");
    if (br && *br) {
      unsigned long long v = strtoull(br, NULL, 10);
      if (v > 0) ash_ch_batch_limit(*b, v);
    }
  }
  *out = *b;
  return ASH_OK;
}

static open_src *find_src(ash_chstore *c, int64_t id) {
  for (size_t i = c->nsrc; i-- > 0;)
    if (c->src[i].id == id) return &c->src[i];
  return NULL;
}

static int str(ash_buf *r, ash_str v) { return ash_ch_tsv_str(r, v.n ? v.p : "", v.n); }
static int ipcol(ash_buf *r, const ash_ip *ip) {
  char t[ASH_IP_STRLEN];
  ash_ip_format(ip, t);
  return ash_ch_tsv_str(r, t, strlen(t));
}

/* the flows rows' deny flag, as the store's readers test it */
_Static_assert((int)ASH_CH_FLOW_DENY == (int)ASH_STORE_FLOW_DENY, "one flag for net.deny");

static int wide_row(ash_buf *r, const ash_event *ev, const char *attrs, size_t an) {
  int rc = ash_ch_tsv_i64(r, ev->ts);
  if (!rc) rc = ash_ch_tsv_str(r, ev->kind, strlen(ev->kind));
  if (!rc) rc = str(r, ev->host);
  if (!rc) rc = str(r, ev->user);
  if (!rc) rc = str(r, ev->domain);
  if (!rc) rc = ipcol(r, &ev->src_ip);
  if (!rc) rc = ash_ch_tsv_i64(r, ev->src_port);
  if (!rc) rc = ipcol(r, &ev->dst_ip);
  if (!rc) rc = ash_ch_tsv_i64(r, ev->dst_port);
  if (!rc) rc = ipcol(r, &ev->tunnel_ip);
  const ash_str s1[4] = {ev->proto, ev->action, ev->app, ev->service};
  for (int i = 0; !rc && i < 4; i++) rc = str(r, s1[i]);
  const int64_t n[7] = {ev->bytes_out,   ev->bytes_in,   ev->packets_out, ev->packets_in,
                        ev->duration_us, ev->logon_type, ev->event_id};
  for (int i = 0; !rc && i < 7; i++) rc = ash_ch_tsv_i64(r, n[i]);
  const ash_str s2[7] = {ev->channel, ev->process, ev->parent_process, ev->command_line,
                         ev->threat,  ev->path,    ev->sha256};
  for (int i = 0; !rc && i < 7; i++) rc = str(r, s2[i]);
  if (!rc) rc = ash_ch_tsv_u64(r, (uint64_t)(ev->flow_flags & 0xff));
  if (!rc) rc = ash_ch_tsv_i64(r, ev->bytes_total);
  if (!rc) rc = ash_ch_tsv_str(r, attrs ? attrs : "", attrs ? an : 0);
  if (!rc) rc = ash_ch_tsv_u64(r, 0); /* shape: the attributes are JSON, for the server */
  if (!rc) rc = ash_ch_tsv_str(r, "", 0);
  return rc;
}

int ash_chstore_add_rows(ash_chstore *c, const ash_store_row *rows, size_t n) {
  if (c->failed) return c->failed;
  if (c->readonly) return ASH_EUSAGE;
  for (size_t i = 0; i < n; i++) {
    const ash_store_row *row = &rows[i];
    open_src *o = find_src(c, row->source);
    if (!o) return ASH_EUSAGE; /* a row of a source this handle did not begin */
    int flow = ash_flowdb_eligible(row->ev);
    /* split attributes: a flow's only, values beside the keys
     * (ash_store_takes_split: ASH_SPLIT_PLAIN) */
    const ash_attr_split *sp = row->split;
    if (sp && (!flow || sp->blk)) return ASH_EUSAGE;
    const char *attrs = row->attrs;
    size_t an = row->attrs_n;
    uint32_t shape = 0;
    if (sp) {
      int src = shape_of(c, sp->keys, sp->keys_n, &shape);
      if (src) return wfail(c, c->k.main, src, "reading the attributes' shapes");
      if (!shape) {
        /* no id for it: the JSON form, as the row came to other stores */
        src = ash_attrs_join(&c->attrs, sp->keys, sp->keys_n, sp->vals, sp->vals_n, NULL, NULL);
        if (src) return src;
        attrs = c->attrs.p;
        an = c->attrs.n;
      }
    }
    int t = flow ? T_FLOWS : T_EVENTS;
    size_t sh = flow ? shard_of_flow(c, row->ev) : shard_of_source(c, row->source);
    ash_ch_batch *b;
    int rc = batch_for(c, t, sh, &b);
    if (rc) return wfail(c, c->k.shards[sh], rc, "opening an insert");
    ash_buf *r = ash_ch_batch_row(b);
    uint64_t id = c->next_row++;
    if (flow) {
      rc = ash_ch_flow_row(r, row->ev, shape ? NULL : attrs, shape ? 0 : an, shape,
                           shape ? sp->vals : NULL, shape ? sp->vals_n : 0, (uint64_t)row->source,
                           id);
    } else {
      rc = wide_row(r, row->ev, attrs, an);
      if (!rc) rc = ash_ch_tsv_u64(r, (uint64_t)row->source);
      if (!rc) rc = ash_ch_tsv_u64(r, row->ev->ref);
      if (!rc) rc = ash_ch_tsv_u64(r, id);
    }
    if (!rc) rc = ash_ch_batch_row_end(b);
    /* where the row is, by id, on the row's shard (schema.c, rowids) */
    ash_ch_batch *ib = NULL;
    if (!rc) rc = batch_for(c, T_ROWIDS, sh, &ib);
    if (!rc) {
      ash_buf *x = ash_ch_batch_row(ib);
      const ash_event *ev = row->ev;
      uint32_t k1 = 0, k2 = 0;
      if (flow && ev->src_ip.fam == 4) k1 = ip4(&ev->src_ip);
      if (flow && ev->dst_ip.fam == 4) k2 = ip4(&ev->dst_ip);
      rc = ash_ch_tsv_i64(x, ev->ts);
      if (!rc) rc = ash_ch_tsv_u64(x, flow ? 1 : 2);
      if (!rc) rc = flow ? ash_ch_tsv_str(x, "", 0) : ash_ch_tsv_str(x, ev->kind, strlen(ev->kind));
      if (!rc) rc = ash_ch_tsv_u64(x, k1);
      if (!rc) rc = ash_ch_tsv_u64(x, k2);
      if (!rc) rc = ash_ch_tsv_u64(x, (uint64_t)row->source);
      if (!rc) rc = ash_ch_tsv_u64(x, id);
      if (!rc) rc = ash_ch_batch_row_end(ib);
    }
    if (rc) return wfail(c, c->k.shards[sh], rc, "inserting events");
    c->rows_since++;
  }
  return ASH_OK;
}

int ash_chstore_add_reject(ash_chstore *c, int64_t id, uint64_t ref, const char *reason,
                           const void *raw, size_t n) {
  if (c->failed) return c->failed;
  if (c->readonly) return ASH_EUSAGE;
  if (n > ASH_MAX_REJECT_RAW) n = ASH_MAX_REJECT_RAW; /* as the SQLite store keeps it */
  int rc = ASH_OK;
  if (!c->rejects) {
    rc = ash_ch_batch_open(&c->rejects, c->k.main, c->url.db, "rejects");
    if (!rc) ash_ch_batch_before_send(c->rejects, write_queue_hook, c);
  }
  if (rc) return wfail(c, c->k.main, rc, "opening an insert");
  ash_buf *r = ash_ch_batch_row(c->rejects);
  rc = ash_ch_tsv_u64(r, (uint64_t)id);
  if (!rc) rc = ash_ch_tsv_u64(r, ref);
  if (!rc) rc = ash_ch_tsv_str(r, reason ? reason : "", reason ? strlen(reason) : 0);
  if (!rc) rc = ash_ch_tsv_str(r, raw ? raw : "", raw ? n : 0);
  if (!rc) rc = ash_ch_batch_row_end(c->rejects);
  return wfail(c, c->k.main, rc, "inserting rejects");
}

/* Send every row waiting in a batch. A source is marked complete only
 * after this: its rows are all stored when readers first take it. */
static int flush_all(ash_chstore *c) {
  for (int t = 0; t < NTABLES; t++)
    for (size_t s = 0; s < c->k.nshards; s++)
      if (c->b[t][s]) {
        int rc = ash_ch_batch_flush(c->b[t][s]);
        if (rc) return wfail(c, c->k.shards[s], rc, "inserting events");
      }
  if (c->rejects) {
    int rc = ash_ch_batch_flush(c->rejects);
    if (rc) return wfail(c, c->k.main, rc, "inserting rejects");
  }
  return ASH_OK;
}

/* Send the rows, then the sources' queued rows and the completion marks
 * of the sources they end, in one insert. */
static int write_marks(ash_chstore *c) {
  int rc = flush_all(c);
  if (rc || (!c->npend && !c->nqueue && !c->nshape_q)) return rc;
  for (size_t i = 0; i < c->npend; i++) {
    pend_mark *m = &c->pend[i];
    m->s.sha256 = m->sha256;
    m->s.head_sha256 = m->head;
    m->s.seq = ++c->seq;
    m->s.version = next_version(c);
  }
  ASH_TRY(write_sources(c, c->pend, c->npend));
  for (size_t i = 0; i < c->npend; i++) free(c->pend[i].sha256);
  if (c->npend) c->commits++;
  c->npend = 0;
  c->rows_since = 0;
  return ASH_OK;
}

int ash_chstore_commit(ash_chstore *c) {
  if (c->failed) return c->failed;
  if (c->readonly) return ASH_OK;
  return write_marks(c);
}

/* Queue a row of the sources table (written before the next rows or
 * marks leave: queued_src) and update the known rows. */
static int put(ash_chstore *c, ash_ch_source *s) {
  if (c->nqueue == c->capqueue) {
    queued_src *n = ash_array_grow(c->queue, &c->capqueue, sizeof *n, 64);
    if (!n) return ASH_ENOMEM;
    c->queue = n;
  }
  queued_src *q = &c->queue[c->nqueue];
  memset(q, 0, sizeof *q);
  q->s = *s;
  q->s.seq = ++c->seq;
  q->s.version = next_version(c);
  const char *in[4] = {s->path, s->sha256, s->format, s->skip_reason};
  char **out[4] = {&q->path, &q->sha256, &q->format, &q->skip_reason};
  for (int i = 0; i < 4; i++)
    if (in[i] && !(*out[i] = strdup(in[i]))) {
      for (int k = 0; k < i; k++) free(*out[k]);
      return ASH_ENOMEM;
    }
  q->s.path = q->path;
  q->s.sha256 = q->sha256;
  q->s.format = q->format;
  q->s.skip_reason = q->skip_reason;
  q->s.head_sha256 = NULL;
  c->nqueue++;
  known_apply(c, &q->s);
  /* a queue this long (a folder of empty or skipped files) is written
   * without waiting for rows */
  return c->nqueue >= MARK_MAX ? write_sources(c, NULL, 0) : ASH_OK;
}

/* The rows a source of (path, size, content h) must know, as the
 * server would answer, in id order: with no skip reason, those of
 * content h, and those without a hash left incomplete with this path and
 * size (a killed run's); with one, the skipped rows of path (with_content
 * 0: those only). In *out (the caller frees it), *n of them. */
typedef struct src_match {
  int64_t id;
  int complete, skipped;
} src_match;

static int cmp_match(const void *a, const void *b) {
  const src_match *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int known_matches(ash_chstore *c, const char *path, uint64_t size, const char *h,
                         int with_content, src_match **out, size_t *n) {
  *out = NULL;
  *n = 0;
  size_t cap = 0;
  for (int pass = with_content ? 0 : 1; pass < 2; pass++) {
    uint64_t key = str_hash(pass ? path : h);
    void *v = ash_keymap_get(pass ? &c->known_path : &c->known_sha, &key);
    uint32_t at = KNOWN_END;
    if (v) memcpy(&at, v, sizeof at);
    while (at != KNOWN_END) {
      const known_src *e = &c->known[at];
      at = pass ? e->next_path : e->next_sha;
      int hit = 0;
      if (!e->live) continue;
      if (!pass)
        hit = !e->skipped && !strcmp(e->sha256, h);
      else if (e->skipped)
        hit = !strcmp(e->path, path);
      else
        hit = with_content && !e->sha256[0] && !e->complete && e->size == size &&
              !strcmp(e->path, path) && *h; /* (with h "", pass 0 found it) */
      if (!hit) continue;
      src_match *m = ash_array_room(*out, &cap, *n, sizeof *m, 16);
      if (!m) {
        free(*out);
        *out = NULL;
        return ASH_ENOMEM;
      }
      *out = m;
      m[*n] = (src_match){(int64_t)e->id, e->complete, e->skipped};
      (*n)++;
    }
  }
  if (*n > 1) qsort(*out, *n, sizeof **out, cmp_match);
  return ASH_OK;
}

/* The same rows from the server (the known rows gave way). */
static int server_matches(ash_chstore *c, const char *path, uint64_t size, const char *h,
                          int with_content, src_match **out, size_t *n) {
  *out = NULL;
  *n = 0;
  int rc = write_sources(c, NULL, 0); /* what is queued is in the answer */
  ash_buf_reset(&c->sql);
  if (!rc && with_content) {
    rc = ash_buf_printf(&c->sql,
                        "SELECT id, complete, skip_reason != '' FROM %s.sources FINAL WHERE"
                        " deleted = 0 AND ((skip_reason = '' AND (sha256 = ",
                        c->url.db);
    if (!rc) rc = ash_ch_sql_quote(&c->sql, h, strlen(h));
    if (!rc)
      rc = ash_buf_printf(&c->sql, " OR (sha256 = '' AND complete = 0 AND size = %llu AND path = ",
                          (unsigned long long)size);
    if (!rc) rc = ash_ch_sql_quote(&c->sql, path, strlen(path));
    if (!rc) rc = ash_buf_adds(&c->sql, "))) OR (skip_reason != '' AND path = ");
  } else if (!rc) {
    rc = ash_buf_printf(&c->sql,
                        "SELECT id, complete, 1 FROM %s.sources FINAL WHERE deleted = 0 AND"
                        " ((skip_reason != '' AND path = ",
                        c->url.db);
  }
  if (!rc) rc = ash_ch_sql_quote(&c->sql, path, strlen(path));
  if (!rc) rc = ash_buf_adds(&c->sql, ")) ORDER BY id");
  if (!rc) rc = query(c, "looking for the source");
  size_t cap = 0;
  for (char *p = c->out.p; !rc && p && *p;) {
    src_match *m = ash_array_room(*out, &cap, *n, sizeof *m, 16);
    if (!m) {
      rc = ASH_ENOMEM;
      break;
    }
    *out = m;
    char *t = strchr(p, '\t');
    char *t2 = t ? strchr(t + 1, '\t') : NULL;
    m[*n] = (src_match){(int64_t)strtoull(p, NULL, 10), t && t[1] == '1', t2 && t2[1] == '1'};
    (*n)++;
    p = strchr(p, '\n');
    if (p) p++;
  }
  if (rc) {
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return rc;
}

static int matches(ash_chstore *c, const char *path, uint64_t size, const char *h, int with_content,
                   src_match **out, size_t *n) {
  ASH_TRY(known_load(c));
  return c->known_state == 1 ? known_matches(c, path, size, h, with_content, out, n)
                             : server_matches(c, path, size, h, with_content, out, n);
}

/* Drop the skipped row of path, if any (what happens to path now
 * replaces it, as in the SQLite store). */
static int drop_skipped(ash_chstore *c, const char *path) {
  src_match *m = NULL;
  size_t n = 0;
  int rc = matches(c, path, 0, "", 0, &m, &n);
  for (size_t i = 0; !rc && i < n; i++) {
    ash_ch_source d = {.id = (uint64_t)m[i].id, .path = path, .deleted = 1};
    rc = put(c, &d);
  }
  free(m);
  return rc;
}

static int remember_src(ash_chstore *c, int64_t id, const char *path, uint64_t size,
                        const char *sha256, const char *format, int ref_is_record) {
  if (c->nsrc == c->capsrc) {
    open_src *n = ash_array_grow(c->src, &c->capsrc, sizeof *n, 16);
    if (!n) return ASH_ENOMEM;
    c->src = n;
  }
  open_src *o = &c->src[c->nsrc];
  memset(o, 0, sizeof *o);
  o->id = id;
  o->path = strdup(path ? path : "");
  o->sha256 = strdup(sha256 ? sha256 : "");
  o->format = strdup(format ? format : "");
  o->size = size;
  o->ref_is_record = ref_is_record;
  if (!o->path || !o->sha256 || !o->format) {
    free(o->path);
    free(o->sha256);
    free(o->format);
    return ASH_ENOMEM;
  }
  c->nsrc++;
  return ASH_OK;
}

int ash_chstore_source_begin(ash_chstore *c, const char *path, uint64_t size, const char *sha256,
                             const char *format, int64_t *id, int *duplicate) {
  if (c->failed) return c->failed;
  if (c->readonly) return ASH_EUSAGE;
  *duplicate = 0;
  const char *h = sha256 ? sha256 : "";
  /* the same content complete: a duplicate; incomplete (a killed run),
   * or with no hash recorded and the same path and size: cleared below;
   * and a skipped row of the path, replaced by this source. Asked of the
   * known rows: no request per source (on a folder of many small files
   * the requests are the ingest's time) */
  src_match *m = NULL;
  size_t nm = 0;
  int rc = matches(c, path, size, h, 1, &m, &nm);
  if (rc) return rc;
  int64_t stale[16], skipped[16];
  int nstale = 0, nskipped = 0;
  /* a source this run ended whose mark is not written yet is complete
   * all the same: the same content again is its duplicate */
  for (size_t i = 0; *h && i < c->npend; i++)
    if (!strcmp(c->pend[i].sha256, h)) {
      *id = (int64_t)c->pend[i].s.id;
      *duplicate = 1;
    }
  for (size_t i = 0; i < nm; i++) {
    int64_t sid = m[i].id;
    if (m[i].skipped) {
      if (nskipped < 16) skipped[nskipped++] = sid;
    } else if (m[i].complete) {
      *id = sid;
      *duplicate = 1;
    } else if (find_src(c, sid)) {
      /* begun by this run: in flight (its mark waits), not a killed
       * run's leftover */
    } else if (nstale < 16) {
      stale[nstale++] = sid;
    }
  }
  free(m);
  /* an ingest of this content that was killed: remove what it left (its
   * rows on every shard, then its row) */
  for (int i = 0; i < nstale && !rc; i++) {
    rc = wfail(c, c->k.main, ash_ch_source_clear(&c->k, (uint64_t)stale[i]),
               "clearing a killed run's rows");
    ash_ch_source d = {.id = (uint64_t)stale[i], .path = path, .deleted = 1};
    if (!rc) rc = put(c, &d);
  }
  for (int i = 0; i < nskipped && !rc; i++) {
    ash_ch_source d = {.id = (uint64_t)skipped[i], .path = path, .deleted = 1};
    rc = put(c, &d);
  }
  if (rc || *duplicate) return rc;
  const ash_format *f = format ? ash_format_find(format) : NULL;
  ash_ch_source s = {.id = (uint64_t)c->next_source,
                     .path = path,
                     .size = size,
                     .sha256 = h,
                     .format = format,
                     .ref_is_record = f ? f->ref_is_record : 0,
                     .first_ts = ASH_TIME_UNSET,
                     .last_ts = ASH_TIME_UNSET,
                     .mtime_ns = ASH_UNSET};
  /* the incomplete mark is stored before any row of the source leaves:
   * a killed run's rows always have a row here to find them by */
  rc = put(c, &s);
  if (!rc) rc = remember_src(c, (int64_t)s.id, path, size, h, format, s.ref_is_record);
  if (rc) return rc;
  *id = c->next_source++;
  return ASH_OK;
}

int ash_chstore_source_skip(ash_chstore *c, const char *path, uint64_t size, const char *sha256,
                            const char *reason, int64_t *id) {
  if (c->failed) return c->failed;
  if (c->readonly) return ASH_EUSAGE;
  int rc = drop_skipped(c, path);
  ash_ch_source s = {.id = (uint64_t)c->next_source,
                     .path = path,
                     .size = size,
                     .sha256 = sha256 ? sha256 : "",
                     .skip_reason = reason && *reason ? reason : "not read",
                     .first_ts = ASH_TIME_UNSET,
                     .last_ts = ASH_TIME_UNSET,
                     .mtime_ns = ASH_UNSET};
  if (!rc) rc = put(c, &s);
  if (!rc) *id = c->next_source++;
  return rc;
}

int ash_chstore_source_end(ash_chstore *c, int64_t id, const ash_source_info *k) {
  if (c->failed) return c->failed;
  if (c->readonly) return ASH_EUSAGE;
  open_src *o = find_src(c, id);
  if (!o) return ASH_EUSAGE;
  if (c->npend == c->cappend) {
    pend_mark *n = ash_array_grow(c->pend, &c->cappend, sizeof *n, 64);
    if (!n) return ASH_ENOMEM;
    c->pend = n;
  }
  pend_mark *m = &c->pend[c->npend];
  memset(m, 0, sizeof *m);
  m->sha256 = strdup(k->sha256 && *k->sha256 ? k->sha256 : o->sha256);
  if (!m->sha256) return ASH_ENOMEM;
  snprintf(m->head, sizeof m->head, "%s", k->head_sha256);
  m->s = (ash_ch_source){.id = (uint64_t)id,
                         .path = o->path,
                         .size = k->size ? k->size : o->size,
                         .format = o->format,
                         .ref_is_record = o->ref_is_record,
                         .read = k->read,
                         .parsed = k->parsed,
                         .rejected = k->rejected,
                         .events = k->events,
                         .first_ts = k->first_ts,
                         .last_ts = k->last_ts,
                         .complete = 1,
                         .mtime_ns = k->mtime_ns,
                         .continues = k->continues,
                         .base_size = k->base_size};
  c->npend++;
  ash_ch_source done = m->s;
  done.sha256 = m->sha256;
  known_apply(c, &done);
  /* the mark is stored with the next write of marks (the ingest commits
   * at its end; ash_store_commit_seq tells it when) */
  if (c->npend >= MARK_MAX || c->rows_since >= MARK_ROWS) return write_marks(c);
  return ASH_OK;
}

int ash_chstore_close(ash_chstore *c) {
  if (!c) return ASH_OK;
  /* ASHIATO_CH_STATS: the requests this handle made, for the benchmarks */
  if (getenv("ASHIATO_CH_STATS")) {
    uint64_t n = ash_ch_requests(c->k.main);
    for (int i = 0; i < 4; i++) n += ash_ch_requests(c->nest[i]);
    for (size_t i = 0; i < ASH_CH_MAX_SHARDS; i++) n += ash_ch_requests(c->shard_conn[i]);
    fprintf(stderr, "ashiato: ClickHouse requests: %llu\n", (unsigned long long)n);
  }
  /* the ended sources' marks (as SQLite's close commits); rows of a source
   * that was not ended go too, and it stays incomplete: the next run
   * clears it */
  int rc = c->failed ? c->failed : c->readonly ? ASH_OK : write_marks(c);
  ash_chstore_free(c);
  return rc;
}

/* ---- reading */

/* a source's row: id, path, sha256, format, size, read, parsed, rejected,
 * events, first_ts, last_ts, complete, ref_is_record, mtime_ns,
 * skip_reason, continues, base_size, head_sha256 */
#define SOURCE_COLS                                                                                \
  "id, path, sha256, format, size, read, parsed, rejected, events, first_ts, last_ts, complete,"   \
  " ref_is_record, mtime_ns, skip_reason, continues, base_size, head_sha256"
enum { NSOURCE_COLS = 18 };

static void parse_source(char **f, ash_source_info *in) {
  memset(in, 0, sizeof *in);
  in->id = strtoll(f[0], NULL, 10);
  in->path = f[1];
  in->sha256 = f[2];
  in->format = *f[3] ? f[3] : NULL;
  in->size = strtoull(f[4], NULL, 10);
  in->read = strtoull(f[5], NULL, 10);
  in->parsed = strtoull(f[6], NULL, 10);
  in->rejected = strtoull(f[7], NULL, 10);
  in->events = strtoull(f[8], NULL, 10);
  in->first_ts = strtoll(f[9], NULL, 10);
  in->last_ts = strtoll(f[10], NULL, 10);
  in->complete = f[11][0] == '1';
  in->ref_is_record = f[12][0] == '1';
  in->mtime_ns = strtoll(f[13], NULL, 10);
  in->skip_reason = *f[14] ? f[14] : NULL;
  in->continues = strtoll(f[15], NULL, 10);
  in->base_size = strtoull(f[16], NULL, 10);
  size_t hl = strlen(f[17]);
  if (hl < sizeof in->head_sha256) memcpy(in->head_sha256, f[17], hl + 1);
}

typedef struct sources_walk {
  int (*cb)(void *u, const ash_source_info *info);
  void *u;
} sources_walk;

static int on_source(void *u, char *line, size_t n) {
  sources_walk *w = u;
  char *f[NSOURCE_COLS];
  size_t len[NSOURCE_COLS];
  if (ash_ch_tsv_fields(line, n, f, len, NSOURCE_COLS) != NSOURCE_COLS) return ASH_EFORMAT;
  ash_source_info in;
  parse_source(f, &in);
  return w->cb(w->u, &in);
}

int ash_chstore_sources(ash_chstore *c, int (*cb)(void *u, const ash_source_info *info), void *u) {
  int rc = ash_chstore_commit(c);
  if (rc) return rc;
  rc = sqlf(c, "SELECT " SOURCE_COLS " FROM %s.sources FINAL WHERE deleted = 0 ORDER BY id",
            c->url.db);
  if (rc) return rc;
  sources_walk w = {cb, u};
  return rows_query(c, on_source, &w, "reading the sources");
}

/* The complete sources, as readers take them (GLOBAL: in a cluster the
 * shards have no sources table; the set is sent to them). */
#define COMPLETE_IDS(db) "(SELECT id FROM " db ".sources FINAL WHERE complete = 1 AND deleted = 0)"

static int on_kind(void *u, char *line, size_t n) {
  void **w = u;
  int (*cb)(void *, const char *, uint64_t) = (int (*)(void *, const char *, uint64_t))w[0];
  char *f[2];
  size_t len[2];
  if (ash_ch_tsv_fields(line, n, f, len, 2) != 2) return ASH_EFORMAT;
  return cb(w[1], f[0], strtoull(f[1], NULL, 10));
}

int ash_chstore_kinds(ash_chstore *c, int (*cb)(void *u, const char *kind, uint64_t count),
                      void *u) {
  int rc = ash_chstore_commit(c);
  if (rc) return rc;
  const char *db = c->url.db;
  ash_buf_reset(&c->sql);
  rc = ash_buf_printf(&c->sql,
                      "SELECT kind, sum(n) FROM ("
                      "SELECT kind, count() AS n FROM %s.events WHERE source_id GLOBAL IN"
                      " (SELECT id FROM %s.sources FINAL WHERE complete = 1 AND deleted = 0)"
                      " GROUP BY kind UNION ALL"
                      " SELECT if(bitAnd(flags, 4) != 0, 'net.deny', 'net.flow') AS kind,"
                      " count() AS n FROM %s.flows WHERE source_id GLOBAL IN"
                      " (SELECT id FROM %s.sources FINAL WHERE complete = 1 AND deleted = 0)"
                      " GROUP BY kind) GROUP BY kind ORDER BY kind",
                      db, db, db, db);
  if (rc) return rc;
  void *w[2] = {(void *)cb, u};
  return rows_query(c, on_kind, w, "reading the kinds");
}

/* ---- events */

/* The columns both arms of the events query select, in the order of
 * ash_event: the flows arm writes its typed columns in the wide form
 * (kind from flags, addresses as text) so that one reader serves both. */
#define WIDE_COLS                                                                                  \
  "ts, kind, host, user, domain, src_ip, src_port, dst_ip, dst_port, tunnel_ip, proto, action,"    \
  " app, service, bytes_out, bytes_in, packets_out, packets_in, duration, logon_type, event_id,"   \
  " channel, process, parent_process, command_line, threat, path, sha256, attrs, shape, vals,"     \
  " source_id, ref, id"
enum { NEV_COLS = 34 };

#define FLOW_AS_WIDE                                                                               \
  "ts, if(bitAnd(flags, 4) != 0, 'net.deny', 'net.flow') AS kind, host, user, domain,"             \
  " multiIf(bitAnd(afam, 3) = 1, IPv4NumToString(src), bitAnd(afam, 3) = 2,"                       \
  " IPv6NumToString(src6), '') AS src_ip, sport AS src_port,"                                      \
  " multiIf(bitAnd(afam, 12) = 4, IPv4NumToString(dst), bitAnd(afam, 12) = 8,"                     \
  " IPv6NumToString(dst6), '') AS dst_ip, dport AS dst_port, '' AS tunnel_ip, proto, action, app," \
  " service, bytes_out, bytes_in, packets_out, packets_in, dur AS duration,"                       \
  " toInt64('-9223372036854775808') AS logon_type, event_id, '' AS channel, '' AS process,"        \
  " '' AS parent_process, '' AS command_line, '' AS threat, '' AS path, '' AS sha256, attrs,"      \
  " shape, vals, source_id, ref, id"

typedef struct src_entry {
  ash_source_info info;
  char *path, *sha256, *format;
} src_entry;

static void free_entries(src_entry *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(v[i].path);
    free(v[i].sha256);
    free(v[i].format);
  }
  free(v);
}

typedef struct events_walk {
  ash_chstore *c;
  int (*cb_path)(void *u, const ash_event *ev, const char *source_path, int ref_is_record,
                 const char *attrs_json);
  int (*cb_src)(void *u, const ash_event *ev, const ash_source_info *src, const char *attrs_json);
  void *u;
  int (*cb_rej)(void *u, const char *source_path, uint64_t ref, const char *reason, const char *raw,
                size_t n);
  int all; /* keep incomplete sources too (the rejects, as SQLite lists them) */
  src_entry *src;
  size_t nsrc, capsrc;
} events_walk;

static int keep_source(void *u, const ash_source_info *in) {
  events_walk *w = u;
  if ((!in->complete && !w->all) || in->skip_reason) return ASH_OK;
  if (w->nsrc == w->capsrc) {
    src_entry *n = ash_array_grow(w->src, &w->capsrc, sizeof *n, 64);
    if (!n) return ASH_ENOMEM;
    w->src = n;
  }
  src_entry *e = &w->src[w->nsrc];
  e->info = *in;
  e->path = strdup(in->path ? in->path : "");
  e->sha256 = strdup(in->sha256 ? in->sha256 : "");
  e->format = strdup(in->format ? in->format : "");
  if (!e->path || !e->sha256 || !e->format) {
    free(e->path);
    free(e->sha256);
    free(e->format);
    return ASH_ENOMEM;
  }
  e->info.path = e->path;
  e->info.sha256 = e->sha256;
  e->info.format = in->format ? e->format : NULL;
  e->info.skip_reason = NULL;
  w->nsrc++;
  return ASH_OK;
}

static const src_entry *lookup(const events_walk *w, int64_t id) {
  size_t lo = 0, hi = w->nsrc; /* sources come in id order */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (w->src[mid].info.id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < w->nsrc && w->src[lo].info.id == id ? &w->src[lo] : NULL;
}

/* w's sources from the cache, read again when this handle committed
 * since (never while a walk nested in another uses it) */
static int use_cache(ash_chstore *c, events_walk *w) {
  if (!c->cache_ok || (c->cache_seq != c->commits && c->depth == 0)) {
    events_walk load = {.c = c, .all = 1};
    int rc = ash_chstore_sources(c, keep_source, &load);
    if (rc) {
      free_entries(load.src, load.nsrc);
      return rc;
    }
    free_entries(c->cache, c->ncache);
    c->cache = load.src;
    c->ncache = load.nsrc;
    c->capcache = load.capsrc;
    c->cache_seq = c->commits;
    c->cache_ok = 1;
  }
  w->src = c->cache;
  w->nsrc = c->ncache;
  return ASH_OK;
}

static ash_str fstr(char *f, size_t n) { return n ? ash_str_make(f, n) : ASH_STR_NULL; }
static void fip(char *f, size_t n, ash_ip *ip) {
  memset(ip, 0, sizeof *ip);
  if (n && ash_ip_parse(ash_str_make(f, n), ip) != ASH_OK) memset(ip, 0, sizeof *ip);
}

/* A flows row's attributes JSON from its shape and values (into
 * c->rattrs, until the next row). The shapes are read at the first row
 * that has one, and again for an id not seen (an ingest running beside
 * this reader wrote it); an id still unknown, or values that do not pair
 * with the keys, is a damaged case. */
static int shape_attrs(ash_chstore *c, uint32_t shape, const char *vals, size_t vn,
                       const char **attrs) {
  void *v = ash_keymap_get(&c->shape_ix, &shape);
  if (!v) {
    /* the readers' connection is streaming: this is a nested query */
    int rc = shapes_read(c);
    if (rc && rc != ASH_ELIMIT) return rc;
    v = ash_keymap_get(&c->shape_ix, &shape);
    if (!v) {
      snprintf(c->err, sizeof c->err, "ClickHouse case %s: a flow names shape %u, which it lacks",
               c->url.db, (unsigned)shape);
      return ASH_EFORMAT;
    }
  }
  uint32_t at;
  memcpy(&at, v, sizeof at);
  int rc = ash_attrs_join(&c->rattrs, ash_strtab_str(&c->shapes, at), c->shapes.len[at], vals, vn,
                          NULL, NULL);
  if (rc == ASH_EFORMAT)
    snprintf(c->err, sizeof c->err,
             "ClickHouse case %s: a flow's attribute values do not pair with shape %u", c->url.db,
             (unsigned)shape);
  if (!rc) *attrs = c->rattrs.p;
  return rc;
}

static int on_event(void *u, char *line, size_t n) {
  events_walk *w = u;
  char *f[NEV_COLS];
  size_t len[NEV_COLS];
  if (ash_ch_tsv_fields(line, n, f, len, NEV_COLS) != NEV_COLS) return ASH_EFORMAT;
  ash_event ev;
  ash_event_init(&ev);
  ev.ts = strtoll(f[0], NULL, 10);
  ev.kind = len[1] ? f[1] : ASH_KIND_LOG; /* borrowed, as the SQLite reader's */
  ev.host = fstr(f[2], len[2]);
  ev.user = fstr(f[3], len[3]);
  ev.domain = fstr(f[4], len[4]);
  fip(f[5], len[5], &ev.src_ip);
  ev.src_port = (int32_t)strtol(f[6], NULL, 10);
  fip(f[7], len[7], &ev.dst_ip);
  ev.dst_port = (int32_t)strtol(f[8], NULL, 10);
  fip(f[9], len[9], &ev.tunnel_ip);
  ev.proto = fstr(f[10], len[10]);
  ev.action = fstr(f[11], len[11]);
  ev.app = fstr(f[12], len[12]);
  ev.service = fstr(f[13], len[13]);
  int64_t *num[7] = {&ev.bytes_out,   &ev.bytes_in,   &ev.packets_out, &ev.packets_in,
                     &ev.duration_us, &ev.logon_type, &ev.event_id};
  for (int i = 0; i < 7; i++) *num[i] = strtoll(f[14 + i], NULL, 10);
  ash_str *s[7] = {&ev.channel, &ev.process, &ev.parent_process, &ev.command_line,
                   &ev.threat,  &ev.path,    &ev.sha256};
  for (int i = 0; i < 7; i++) *s[i] = fstr(f[21 + i], len[21 + i]);
  const char *attrs = len[28] ? f[28] : NULL;
  uint32_t shape = (uint32_t)strtoul(f[29], NULL, 10);
  if (shape) {
    int rc = shape_attrs(w->c, shape, f[30], len[30], &attrs);
    if (rc) return rc;
  }
  int64_t sid = strtoll(f[31], NULL, 10);
  ev.ref = strtoull(f[32], NULL, 10);
  const src_entry *e = lookup(w, sid);
  /* a source completed after the list was read, or one not complete */
  if (!e || (!w->all && !e->info.complete)) return ASH_OK;
  if (w->cb_path) return w->cb_path(w->u, &ev, e->info.path, e->info.ref_is_record, attrs);
  return w->cb_src(w->u, &ev, &e->info, attrs);
}

/* the kind of a flows row, as the events arm has it */
#define FLOW_KIND "if(bitAnd(flags, 4) != 0, 'net.deny', 'net.flow')"

/* "col = 'kind'", or "startsWith(col, 'prefix')" for a prefix kind */
static int kind_cond(ash_chstore *c, const char *col, const char *kind) {
  size_t n;
  int prefix = ash_kind_pattern(kind, &n);
  int rc = ash_buf_printf(&c->sql, prefix ? "startsWith(%s, " : "%s = ", col);
  if (!rc) rc = ash_ch_sql_quote(&c->sql, kind, n);
  if (!rc && prefix) rc = ash_buf_adds(&c->sql, ")");
  return rc;
}

/* " AND ..." for q over one arm (user, host, kind, times, EventID) */
static int where(ash_chstore *c, const ash_event_query *q, int flows) {
  ash_buf *b = &c->sql;
  int rc = ASH_OK;
  if (!q) return rc;
  if (q->kind && *q->kind) {
    rc = ash_buf_adds(b, " AND ");
    if (!rc) rc = kind_cond(c, flows ? FLOW_KIND : "kind", q->kind);
  }
  if (!rc && q->user && *q->user) {
    const char *bs = strchr(q->user, '\\'), *at = strchr(q->user, '@');
    const char *u = q->user, *d = NULL;
    size_t un = strlen(q->user), dn = 0;
    if (bs) {
      d = q->user;
      dn = (size_t)(bs - q->user);
      u = bs + 1;
      un = strlen(u);
    } else if (at) {
      un = (size_t)(at - q->user);
      d = at + 1;
      dn = strlen(d);
    }
    /* SQLite's COLLATE NOCASE folds ASCII only, as lower() does here */
    rc = ash_buf_adds(b, " AND lower(user) = lower(");
    if (!rc) rc = ash_ch_sql_quote(b, u, un);
    if (!rc) rc = ash_buf_adds(b, ")");
    if (!rc && dn) {
      /* the domain as the SQLite store matches it: none logged, equal,
       * or one the other's first label (CORP and corp.example) */
      ash_buf dq;
      ash_buf_init(&dq, 4096);
      rc = ash_ch_sql_quote(&dq, d, dn);
      if (!rc)
        rc = ash_buf_printf(b,
                            " AND (domain = '' OR lower(domain) = lower(%s)"
                            " OR startsWith(lower(domain), concat(lower(%s), '.'))"
                            " OR startsWith(lower(%s), concat(lower(domain), '.')))",
                            dq.p, dq.p, dq.p);
      ash_buf_free(&dq);
    }
  }
  if (!rc && q->host && *q->host) {
    rc = ash_buf_adds(b, " AND lower(host) = lower(");
    if (!rc) rc = ash_ch_sql_quote(b, q->host, strlen(q->host));
    if (!rc) rc = ash_buf_adds(b, ")");
  }
  if (!rc && q->since != ASH_TIME_UNSET)
    rc = ash_buf_printf(b, " AND ts >= %lld", (long long)q->since);
  if (!rc && q->until != ASH_TIME_UNSET)
    rc = ash_buf_printf(b, " AND ts < %lld", (long long)q->until);
  if (!rc && q->has_event_id)
    rc = ash_buf_printf(b, " AND event_id = %lld", (long long)q->event_id);
  if (!rc && q->windows_only)
    rc = ash_buf_adds(b, " AND channel != '' AND event_id != toInt64('-9223372036854775808')");
  return rc;
}

/* " AND (col = 'k1' OR startsWith(col, 'p2') ...)" */
static int kinds_cond(ash_chstore *c, const char *col, const char *const *kinds, size_t nk) {
  int rc = ash_buf_adds(&c->sql, " AND (");
  for (size_t k = 0; !rc && k < nk; k++) {
    if (k) rc = ash_buf_adds(&c->sql, " OR ");
    if (!rc) rc = kind_cond(c, col, kinds[k]);
  }
  return rc ? rc : ash_buf_adds(&c->sql, ")");
}

typedef struct cells_walk {
  const char *const *kinds;
  size_t nk, n;
  uint64_t *sum;
} cells_walk;

static int on_cell(void *u, char **f, size_t *len) {
  (void)len;
  cells_walk *w = u;
  int64_t i = strtoll(f[1], NULL, 10);
  unsigned long long k = strtoull(f[2], NULL, 10);
  if (i < 0 || (size_t)i >= w->n) return ASH_EFORMAT;
  for (size_t j = 0; j < w->nk; j++)
    if (ash_kind_matches(w->kinds[j], f[0])) w->sum[j * w->n + (size_t)i] += k;
  return ASH_OK;
}

int ash_chstore_event_cells(ash_chstore *c, const char *const *kinds, size_t nk, int64_t t0,
                            int64_t width, size_t n, uint32_t cap, uint32_t *counts) {
  memset(counts, 0, nk * n * sizeof *counts);
  if (!n || !nk) return ASH_OK;
  int rc = ash_chstore_commit(c);
  if (rc) return rc;
  const char *db = c->url.db;
  int64_t t1 = t0 + (int64_t)n * width;
  int flows = 0;
  for (size_t k = 0; k < nk; k++) flows |= ash_store_kind_may_be_flow(kinds[k]);
  /* the rows ash_chstore_events reads for these kinds in [t0, t1): the
   * events arm and, when a kind may be a flow's, the flows arm; each
   * (kind, cell) counted on the servers */
  ash_buf_reset(&c->sql);
  rc = ash_buf_printf(&c->sql,
                      "SELECT kind, b, sum(k) FROM (SELECT kind, intDiv(ts - %lld, %lld) AS b,"
                      " count() AS k FROM %s.events WHERE source_id GLOBAL IN " COMPLETE_IDS(
                          "%s") " AND ts >= %lld AND ts < %lld",
                      (long long)t0, (long long)width, db, db, (long long)t0, (long long)t1);
  if (!rc) rc = kinds_cond(c, "kind", kinds, nk);
  if (!rc) rc = ash_buf_adds(&c->sql, " GROUP BY kind, b");
  if (!rc && flows) {
    rc = ash_buf_printf(&c->sql,
                        " UNION ALL SELECT " FLOW_KIND " AS kind, intDiv(ts - %lld, %lld) AS b,"
                        " count() AS k FROM %s.flows WHERE source_id GLOBAL IN " COMPLETE_IDS(
                            "%s") " AND ts >= %lld AND ts < %lld",
                        (long long)t0, (long long)width, db, db, (long long)t0, (long long)t1);
    if (!rc) rc = kinds_cond(c, FLOW_KIND, kinds, nk);
    if (!rc) rc = ash_buf_adds(&c->sql, " GROUP BY kind, b");
  }
  if (!rc) rc = ash_buf_adds(&c->sql, ") GROUP BY kind, b");
  uint64_t *sum = rc ? NULL : calloc(nk * n, sizeof *sum);
  if (!rc && !sum) rc = ASH_ENOMEM;
  cells_walk w = {kinds, nk, n, sum};
  if (!rc) rc = walk(c, 3, on_cell, &w, "counting events per time cell");
  for (size_t i = 0; !rc && i < nk * n; i++) {
    uint64_t v = cap && sum[i] > cap ? cap : sum[i];
    counts[i] = (uint32_t)(v > UINT32_MAX ? UINT32_MAX : v);
  }
  free(sum);
  return rc;
}

int ash_chstore_events(ash_chstore *c, const ash_event_query *q,
                       int (*cb_path)(void *u, const ash_event *ev, const char *source_path,
                                      int ref_is_record, const char *attrs_json),
                       int (*cb_src)(void *u, const ash_event *ev, const ash_source_info *src,
                                     const char *attrs_json),
                       void *u) {
  int rc = ash_chstore_commit(c);
  if (rc) return rc;
  events_walk w = {.c = c, .cb_path = cb_path, .cb_src = cb_src, .u = u};
  rc = use_cache(c, &w);
  const char *db = c->url.db;
  int flows = ash_store_kind_may_be_flow(q ? q->kind : NULL) && !(q && q->windows_only);
  /* (ts, id) order, as the SQLite store's (ts, rowid): ids grow with the
   * ingest in both */
  if (!rc) {
    ash_buf_reset(&c->sql);
    rc = ash_buf_printf(&c->sql,
                        "SELECT " WIDE_COLS " FROM (SELECT " WIDE_COLS
                        " FROM %s.events WHERE source_id GLOBAL IN " COMPLETE_IDS("%s"),
                        db, db);
  }
  if (!rc) rc = where(c, q, 0);
  if (!rc && flows) {
    rc = ash_buf_printf(&c->sql,
                        " UNION ALL SELECT " FLOW_AS_WIDE
                        " FROM %s.flows WHERE source_id GLOBAL IN " COMPLETE_IDS("%s"),
                        db, db);
    if (!rc) rc = where(c, q, 1);
  }
  if (!rc) rc = ash_buf_adds(&c->sql, ") ORDER BY ts, id");
  if (!rc && q && q->limit)
    rc = ash_buf_printf(&c->sql, " LIMIT %llu", (unsigned long long)q->limit);
  if (!rc) rc = rows_query(c, on_event, &w, "reading events");
  return rc;
}

/* ---- rejects */

static int on_reject(void *u, char *line, size_t n) {
  events_walk *w = u;
  char *f[4];
  size_t len[4];
  if (ash_ch_tsv_fields(line, n, f, len, 4) != 4) return ASH_EFORMAT;
  const src_entry *e = lookup(w, strtoll(f[0], NULL, 10));
  if (!e) return ASH_OK; /* a dropped source's */
  return w->cb_rej(w->u, e->info.path, strtoull(f[1], NULL, 10), f[2], f[3], len[3]);
}

int ash_chstore_rejects(ash_chstore *c, int64_t id,
                        int (*cb)(void *u, const char *source_path, uint64_t ref,
                                  const char *reason, const char *raw, size_t n),
                        void *u) {
  int rc = ash_chstore_commit(c);
  if (rc) return rc;
  events_walk w = {.c = c, .cb_rej = cb, .u = u, .all = 1};
  rc = use_cache(c, &w);
  /* a source's records are read in order, so (source_id, ref) is the
   * order they were rejected in, SQLite's rowid order */
  if (!rc)
    rc =
        sqlf(c,
             "SELECT source_id, ref, reason, raw FROM %s.rejects WHERE %lld = 0 OR source_id = %lld"
             " ORDER BY source_id, ref",
             c->url.db, (long long)id, (long long)id);
  if (!rc) rc = rows_query(c, on_reject, &w, "reading the rejects");
  return rc;
}

/* ---- the hunts' readers (contract in store.h, SQL as in activity.c,
 * flows.c and entities.c, over the same columns) ----
 *
 * Differences of dialect, each giving what the SQLite reader gives:
 * - an absent string is '' here and NULL there: every '' is handed on as
 *   NULL (the ingest stores no empty string as a value: ash_str n == 0 is
 *   "unset");
 * - COLLATE NOCASE and LIKE fold ASCII only, as lower() and
 *   positionCaseInsensitive() do;
 * - json_extract(attrs, '$.k') is visitParamExtractString(attrs, 'k'),
 *   guarded by visitParamHas: the attributes are the flat JSON object of
 *   string values ash_event_attrs_json writes. */

typedef struct rows_walk {
  int (*row)(void *u, char **f, size_t *len);
  void *u;
  size_t nf;
} rows_walk;

static int on_rows(void *u, char *line, size_t n) {
  rows_walk *w = u;
  char *f[40];
  size_t len[40];
  if (w->nf > 40 || ash_ch_tsv_fields(line, n, f, len, w->nf) != (int)w->nf) return ASH_EFORMAT;
  return w->row(w->u, f, len);
}

/* Run c->sql, each row's nf fields to row. */
static int walk(ash_chstore *c, size_t nf, int (*row)(void *u, char **f, size_t *len), void *u,
                const char *what) {
  rows_walk w = {row, u, nf};
  return rows_query(c, on_rows, &w, what);
}

static const char *nstr(char *f, size_t n) { return n ? f : NULL; }
static int64_t num(const char *f) { return strtoll(f, NULL, 10); }

/* " AND ts >= since AND ts < until" for the ends that are set */
static int window(ash_chstore *c, int64_t since, int64_t until) {
  int rc = ASH_OK;
  if (since != ASH_TIME_UNSET) rc = ash_buf_printf(&c->sql, " AND ts >= %lld", (long long)since);
  if (!rc && until != ASH_TIME_UNSET)
    rc = ash_buf_printf(&c->sql, " AND ts < %lld", (long long)until);
  return rc;
}

static int begin_read(ash_chstore *c) {
  int rc = ash_chstore_commit(c);
  ash_buf_reset(&c->sql);
  return rc;
}

#define ALIVE_IDS(db) " GLOBAL IN " COMPLETE_IDS(db)

/* ---- flows */

/* the IPv6 addresses of a flows row as hex, "" for the IPv4 ones (whose
 * zeros were a third of the bytes of a hunt's flows) */
#define FLOW_HEX6                                                                                  \
  "if(bitAnd(afam, 3) = 2, hex(src6), '') AS s6, if(bitAnd(afam, 12) = 8, hex(dst6), '') AS d6"

/* a count or duration as text, "" when unset (ASH_UNSET's 20 characters
 * were a fifth of a flows row's bytes: most devices log no undirected
 * total); on_flow reads it back with num_or_unset */
#define UNSET_EMPTY(col) "if(" col " = toInt64('-9223372036854775808'), '', toString(" col "))"

static int64_t num_or_unset(const char *f, size_t n) { return n ? num(f) : ASH_UNSET; }

/* The 17 columns on_flow reads, of a flows row and of a flow that stayed
 * a wide event (addresses as text in the 11th and 12th). */
#define FLOW_ROW_COLS                                                                              \
  "id, source_id, ts, " UNSET_EMPTY(                                                               \
      "dur") ", flags, afam, src, dst, " FLOW_HEX6                                                 \
             ", '' AS st, '' AS dt, sport, dport, " UNSET_EMPTY("bytes_out") ", " UNSET_EMPTY(     \
                 "bytes_in") ", " UNSET_EMPTY("bytes_total")
#define WIDE_FLOW_ROW_COLS                                                                         \
  "id, source_id, ts, " UNSET_EMPTY(                                                               \
      "duration") ", toUInt8(if(kind = 'net.deny', 4, 0)),"                                        \
                  " toUInt8(0), toUInt32(0), toUInt32(0) AS d4, '' AS s6, '' AS d6, src_ip, "      \
                  "dst_ip, src_port,"                                                              \
                  " dst_port, " UNSET_EMPTY("bytes_out") ", " UNSET_EMPTY("bytes_in") ", ''"

typedef struct flow_walk {
  int (*cb)(void *u, const ash_flow *f);
  void *u;
} flow_walk;

static int hexbytes(const char *h, size_t n, uint8_t out[16]) {
  if (n != 32) return 0;
  for (int i = 0; i < 16; i++) {
    int v = 0;
    for (int k = 0; k < 2; k++) {
      char ch = h[2 * i + k];
      int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
      if (d < 0) return 0;
      v = v << 4 | d;
    }
    out[i] = (uint8_t)v;
  }
  return 1;
}

/* an address of a flows row (fam code 1: v4 in num, 2: v6 in hex) or of
 * an events row (text) */
static void flow_ip(unsigned code, const char *num4, char *hex6, size_t hn, char *txt, size_t tn,
                    ash_ip *ip) {
  memset(ip, 0, sizeof *ip);
  if (code == 1) {
    uint32_t v = (uint32_t)strtoul(num4, NULL, 10);
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(ip->b, mapped, 12);
    ip->b[12] = (uint8_t)(v >> 24);
    ip->b[13] = (uint8_t)(v >> 16);
    ip->b[14] = (uint8_t)(v >> 8);
    ip->b[15] = (uint8_t)v;
    ip->fam = 4;
  } else if (code == 2) {
    if (hexbytes(hex6, hn, ip->b)) ip->fam = 6;
  } else if (tn) {
    fip(txt, tn, ip);
  }
}

static int on_flow(void *u, char **f, size_t *len) {
  flow_walk *w = u;
  ash_flow fl;
  memset(&fl, 0, sizeof fl);
  fl.id = num(f[0]);
  fl.source = num(f[1]);
  fl.ts = num(f[2]);
  fl.duration = num_or_unset(f[3], len[3]);
  int flags = (int)num(f[4]);
  fl.flags = flags & (ASH_FLOW_TS_END | ASH_FLOW_INTERIM);
  fl.deny = (flags & ASH_STORE_FLOW_DENY) != 0;
  unsigned afam = (unsigned)num(f[5]);
  flow_ip(afam & 3, f[6], f[8], len[8], f[10], len[10], &fl.src);
  flow_ip(afam >> 2 & 3, f[7], f[9], len[9], f[11], len[11], &fl.dst);
  fl.src_port = (int32_t)num(f[12]);
  fl.dst_port = (int32_t)num(f[13]);
  fl.bytes_out = num_or_unset(f[14], len[14]);
  fl.bytes_in = num_or_unset(f[15], len[15]);
  fl.bytes_total = num_or_unset(f[16], len[16]);
  ash_flow_times(&fl);
  return w->cb(w->u, &fl);
}

int ash_chstore_flows(ash_chstore *c, const ash_flow_query *q,
                      int (*cb)(void *u, const ash_flow *f), void *u) {
  int rc = begin_read(c);
  const char *db = c->url.db;
  int deny = q && q->with_deny;
  int64_t since = q ? q->since : ASH_TIME_UNSET, until = q ? q->until : ASH_TIME_UNSET;
  /* the typed flows, and the flow events that stayed wide (a field no
   * flows column holds; their ts is read as the start), in (ts, id) */
  if (!rc)
    rc = ash_buf_printf(&c->sql,
                        "SELECT " FLOW_ROW_COLS " FROM %s.flows WHERE source_id" ALIVE_IDS(
                            "%s") " AND ts != toInt64('-9223372036854775808')%s",
                        db, db, deny ? "" : " AND bitAnd(flags, 4) = 0");
  if (!rc) rc = window(c, since, until);
  if (!rc)
    rc = ash_buf_printf(
        &c->sql,
        " UNION ALL SELECT " WIDE_FLOW_ROW_COLS " FROM %s.events WHERE source_id" ALIVE_IDS(
            "%s") " AND ts != toInt64('-9223372036854775808') AND kind IN ('net.flow'%s)",
        db, db, deny ? ", 'net.deny'" : "");
  if (!rc) rc = window(c, since, until);
  if (rc) return rc;
  /* the ORDER BY of a UNION ALL needs a subquery around it */
  ash_buf inner;
  ash_buf_init(&inner, c->sql.max);
  rc = ash_buf_add(&inner, c->sql.p, c->sql.n);
  ash_buf_reset(&c->sql);
  if (!rc) rc = ash_buf_adds(&c->sql, "SELECT * FROM (");
  if (!rc) rc = ash_buf_add(&c->sql, inner.p, inner.n);
  if (!rc) rc = ash_buf_adds(&c->sql, ") ORDER BY ts, id");
  if (!rc && q && q->limit)
    rc = ash_buf_printf(&c->sql, " LIMIT %llu", (unsigned long long)q->limit);
  ash_buf_free(&inner);
  flow_walk w = {cb, u};
  if (!rc) rc = walk(c, 17, on_flow, &w, "reading the flows");
  return rc;
}

/* ---- the flows of the hunts' pair model, selected on the servers
 * (ash_store_flow_pairs)
 *
 * Today's hunt read every flow by (ts, id) and built its per-pair model
 * in C: at 10^10 flows about 1 TB of rows to one client (bench/README,
 * the 10^10 model). The model only scores pairs that can hold a series of
 * starts or a long session (model_flows.c: a pair turns "heavy" at a
 * session of LONG_SESSION or an interim record, and keeps a series from
 * its SERIES_FROM-th session), and reads a handful of per-address counts.
 * The servers compute those counts and pick the candidate pairs; each
 * pair's own rows, in (ts, id) order, then build that pair in C exactly
 * as the full pass would (a pair's statistics depend on its own rows
 * only). */

/* past this many --internal networks the statements would near the
 * servers' max_query_size (256 KiB by default): a network is about 330
 * bytes of the condition (both columns of source and destination), and
 * the candidates' statement holds the condition twice. The model is
 * then built from every flow, as on SQLite. */
#define PAIRS_MAX_NETS 128

typedef struct netcond {
  ash_buf *b;
  const char *col; /* the UInt32 column, or the FixedString(16) one */
  int v6;
  int own_family; /* IPv6 column: IPv4 networks left out (ash_ip_in_net) */
} netcond;

/* " OR col BETWEEN lo AND hi" for net/len when addresses of the column's
 * family can fall in it: an IPv4 address is only in an IPv4 network
 * (ash_cidrset_lookup_len); an IPv6 one in any --internal network, as
 * ash_cidrset_lookup has it, and in a table's networks of its own
 * family, as ash_ip_in_net has it */
static int net_or(void *u, const uint8_t net[16], unsigned len, uint32_t value) {
  (void)value;
  netcond *n = u;
  uint8_t lo[16], hi[16];
  ash_ip_net_range(net, len, lo, hi);
  int v4 = ash_ip_net_is_v4(net, len);
  if (n->v6 && n->own_family && v4) return ASH_OK;
  if (!n->v6) {
    if (!v4) return ASH_OK;
    uint32_t l4 = (uint32_t)lo[12] << 24 | (uint32_t)lo[13] << 16 | (uint32_t)lo[14] << 8 | lo[15];
    uint32_t h4 = (uint32_t)hi[12] << 24 | (uint32_t)hi[13] << 16 | (uint32_t)hi[14] << 8 | hi[15];
    return ash_buf_printf(n->b, " OR %s BETWEEN %u AND %u", n->col, (unsigned)l4, (unsigned)h4);
  }
  /* FixedString(16) compares byte by byte: against constants, with no
   * hex() of every row */
  ASH_TRY(ash_buf_printf(n->b, " OR %s BETWEEN toFixedString(unhex('", n->col));
  for (int i = 0; i < 16; i++) ASH_TRY(ash_buf_printf(n->b, "%02X", lo[i]));
  ASH_TRY(ash_buf_adds(n->b, "'), 16) AND toFixedString(unhex('"));
  for (int i = 0; i < 16; i++) ASH_TRY(ash_buf_printf(n->b, "%02X", hi[i]));
  return ash_buf_adds(n->b, "'), 16)");
}

/* "(0 OR ...)": the address of the column is in one of the tables'
 * networks (ip.h), or in the internal set */
static int in_nets(ash_buf *b, const char *col, int v6, int not_public,
                   const ash_cidrset *internal) {
  netcond n = {b, col, v6, 1};
  ASH_TRY(ash_buf_adds(b, "(0"));
  for (size_t i = 0; i < ash_ip_nprivate_nets; i++)
    ASH_TRY(net_or(&n, ash_ip_private_nets[i].b, ash_ip_private_nets[i].len, 0));
  for (size_t i = 0; not_public && i < ash_ip_nnot_public_nets; i++)
    ASH_TRY(net_or(&n, ash_ip_not_public_nets[i].b, ash_ip_not_public_nets[i].len, 0));
  n.own_family = 0;
  if (internal) ASH_TRY(ash_cidrset_each(internal, net_or, &n));
  return ash_buf_adds(b, ")");
}

/* The condition of a flow that the pair model counts: an internal source
 * (hunt_is_internal), an external destination
 * (ash_ip_is_public, and not internal). afam: src's family in bits 0-1, dst's
 * in 2-3 (1 IPv4 in src/dst, 2 IPv6 in src6/dst6). */
static int counted_cond(ash_buf *b, const ash_cidrset *internal) {
  ASH_TRY(ash_buf_adds(b, "((bitAnd(afam, 3) = 1 AND "));
  ASH_TRY(in_nets(b, "src", 0, 0, internal));
  ASH_TRY(ash_buf_adds(b, ") OR (bitAnd(afam, 3) = 2 AND "));
  ASH_TRY(in_nets(b, "src6", 1, 0, internal));
  ASH_TRY(ash_buf_adds(b, ")) AND ((bitAnd(afam, 12) = 4 AND NOT "));
  ASH_TRY(in_nets(b, "dst", 0, 1, internal));
  ASH_TRY(ash_buf_adds(b, ") OR (bitAnd(afam, 12) = 8 AND NOT "));
  ASH_TRY(in_nets(b, "dst6", 1, 1, internal));
  return ash_buf_adds(b, "))");
}

/* a record's times and size from its columns (ts, flags, duration; the
 * three counts), as flows.c's ash_flow_times and model_flows.c's scan_cb */
#define P_DUR(d) "if(" d " < 0, 0, " d ")"
#define P_START(t, f, d) "if(bitAnd(" f ", 1) = 1, " t " - " P_DUR(d) ", " t ")"
#define P_END(t, f, d) "if(bitAnd(" f ", 1) = 1, " t ", " t " + " P_DUR(d) ")"
#define PAIRS_UNSET "toInt64('-9223372036854775808')"
#define P_SIZE(o, i, t)                                                                            \
  "toUInt32(least(greatest(" o ", toInt64(0)) + greatest(" i ", toInt64(0)) + if(" o               \
  " = " PAIRS_UNSET " AND " i " = " PAIRS_UNSET ", greatest(" t ", toInt64(0)), toInt64(0)),"      \
  " toInt64(4294967295)))"
/* a flows row's whole length, start and end, as ash_flow_times reads them */
#define PAIRS_DUR P_DUR("dur")
#define PAIRS_START P_START("ts", "flags", "dur")
#define PAIRS_END P_END("ts", "flags", "dur")
#define PAIRS_PAIR "afam, src, dst, src6, dst6, dport"

typedef struct pairs_walk {
  ash_flow_pairs *q;
  int dst; /* addr rows: the destination's family code sits in bits 2-3 */
} pairs_walk;

static int on_pairs_total(void *u, char **f, size_t *len) {
  (void)len;
  ash_flow_pairs *q = ((pairs_walk *)u)->q;
  q->flows = (uint64_t)num(f[0]);
  return num(f[1]) ? ASH_ESTOP : ASH_OK; /* flows kept as wide events */
}

static int on_pairs_ip(void *u, char **f, size_t *len) {
  pairs_walk *w = u;
  ash_ip ip;
  flow_ip((unsigned)num(f[0]) & 3, f[1], f[2], len[2], NULL, 0, &ip);
  if (!ip.fam) return ASH_EFORMAT;
  ash_flow_pairs *q = w->q;
  if (w->dst) return q->addr(q->u, &ip, (uint64_t)num(f[3]));
  /* the counted flows' totals: every host's, gathered */
  int64_t first = num(f[7]), last = num(f[8]);
  if (!q->used || first < q->first) q->first = first;
  if (last > q->last) q->last = last;
  q->used += (uint64_t)num(f[6]);
  return q->host(q->u, &ip, (uint64_t)num(f[3]), num(f[4]), (uint64_t)num(f[5]));
}

/* ---- the candidate pairs, one row each
 *
 * One query groups the counted flows by pair and sends each candidate
 * pair as one row. Each record in a row of its own, the pair's
 * addresses in each, was nearly all a hunt had back (6.9M rows, 630 MB
 * at 10^7 flows).
 * - A pair of short finished sessions only (a beacon's checks, an
 *   updater's polls) comes summed (ash_flow_series): a few sums, the
 *   days it was active and a decimated series of starts, what the model
 *   keeps of it (model_flows.c: series_add), computed from its records
 *   sorted by (ts, id), the order a row-by-row build reads them in. The
 *   days are each distinct (start day, end day) once, in the order of
 *   its first record: a later record of the same span adds no day to the
 *   running fold (session), so the fold over these is the fold over all.
 * - Another pair comes as the lists of its records' columns, in (ts, id)
 *   order, which are handed on as flows.
 * A pair of more than PAIRS_ROWS_MAX records, whose lists would make a
 * row too long (up to ~130 bytes a record, against ASH_CH_MAX_ANSWER),
 * is read as rows in a second query, as before. A pair of short sessions
 * whose starts lie more than ASH_FLOW_SERIES_DAYS days apart (only a
 * hostile or broken clock does that) comes as lists, not summed: that
 * bounds the list of its days. */
#define PAIRS_ROWS_MAX 262144

/* ASHIATO_CH_PAIR_ROWS_MAX: a lower cap, for the test of the pairs read
 * as rows (e2e.clickhouse_hunt_model) */
static long pairs_rows_max(void) {
  const char *v = getenv("ASHIATO_CH_PAIR_ROWS_MAX");
  long m = v && *v ? strtol(v, NULL, 10) : 0;
  return m > 0 && m < PAIRS_ROWS_MAX ? m : PAIRS_ROWS_MAX;
}

#define PAIRS_LIST(e) "arrayStringConcat(arrayMap(x -> toString(x), " e "), ',')"
/* unset counts as empty elements */
#define PAIRS_LIST_U(e)                                                                            \
  "arrayStringConcat(arrayMap(x -> if(x = " PAIRS_UNSET ", '', toString(x)), " e "), ',')"

/* The condition (on a pair's aggregates) that it comes summed. */
static int summed_cond(ash_buf *b, const ash_flow_pairs *q) {
  long long day = (long long)ASH_DAY;
  return ash_buf_printf(b,
                        "(countIf(bitAnd(flags, 2) = 2) = 0 AND count() >= %u AND max(" PAIRS_DUR
                        ") < %lld AND max(intDiv(" PAIRS_START
                        ", toInt64(%lld))) - min(intDiv(" PAIRS_START ", toInt64(%lld))) < %d)",
                        (unsigned)q->min_sessions, (long long)q->min_longest, day, day,
                        ASH_FLOW_SERIES_DAYS);
}

/* " HAVING ...": the candidate pairs (model_flows.c: a series from
 * min_sessions finished sessions, a heavy part from one long one or an
 * interim record); with big, only those read as rows in a second query */
static int pairs_having(ash_buf *b, const ash_flow_pairs *q, int big) {
  ASH_TRY(ash_buf_printf(b,
                         " HAVING (countIf(bitAnd(flags, 2) = 0) >= %u OR maxIf(" PAIRS_DUR
                         ", bitAnd(flags, 2) = 0) >= %lld OR countIf(bitAnd(flags, 2) = 2) > 0)",
                         (unsigned)q->min_sessions, (long long)q->min_longest));
  if (!big) return ASH_OK;
  ASH_TRY(ash_buf_adds(b, " AND NOT "));
  ASH_TRY(summed_cond(b, q));
  return ash_buf_printf(b, " AND count() > %ld", pairs_rows_max());
}

typedef struct pair_walk {
  ash_flow_pairs *q;
  int64_t *v[7]; /* parsed lists */
  uint32_t *sizes;
  int32_t *day0, *day1;
  size_t capv[7], caps, capd0, capd1;
  uint64_t big;    /* pairs left for the second query */
  ash_keymap dsts; /* the pairs' destinations (ash_ip), for the addresses' counts */
} pair_walk;

/* Parse the comma-separated integers of a list (n bytes, NUL-terminated)
 * into v (room for max), as running sums from base when delta (the first
 * integer is then 0: arrayDifference); an empty element is ASH_UNSET
 * when unset_ok (such a list is never empty). The count, or -1 when
 * malformed or longer. */
static long list_parse(const char *f, size_t n, int64_t *v, size_t max, int delta, int64_t base,
                       int unset_ok) {
  size_t k = 0, i = 0;
  if (!n && !unset_ok) return 0; /* (with unset_ok: one unset element) */
  while (i <= n) {
    if (k == max) return -1;
    if (unset_ok && (i == n || f[i] == ',')) {
      v[k++] = ASH_UNSET;
      i++;
      continue;
    }
    char *e;
    errno = 0;
    long long x = strtoll(f + i, &e, 10);
    if (e == f + i || errno) return -1;
    i = (size_t)(e - f);
    if (i < n && f[i] != ',') return -1;
    base = delta ? base + x : x;
    v[k++] = base;
    i++;
  }
  return (long)k;
}

/* Room for n values in *v of elements of size z (cap *cap), grown as
 * ash_array_grow grows arrays. */
static int room(void **v, size_t *cap, size_t n, size_t z) {
  while (*cap < n) {
    void *a = ash_array_grow(*v, cap, z, n + 1); /* (first: twice first / 2) */
    if (!a) return ASH_ENOMEM;
    *v = a;
  }
  return ASH_OK;
}

/* the columns of a pair's row: its key, its kind (0 summed, 1 lists, 2
 * left for the rows' query), the 20 of a summed pair, the 8 of lists */
enum { PK_KIND = 6, PK_SUM = 7, PK_LISTS = 27, PK_N = 35 };

static int on_summed(pair_walk *w, char **f, size_t *len, const ash_ip *src, const ash_ip *dst) {
  ash_flow_pairs *q = w->q;
  ash_flow_series s;
  memset(&s, 0, sizeof s);
  s.src = *src;
  s.dst = *dst;
  s.dst_port = (int32_t)num(f[5]);
  f += PK_SUM;
  len += PK_SUM;
  s.sessions = (uint64_t)num(f[0]);
  s.out = num(f[1]);
  s.in = num(f[2]);
  s.unk = num(f[3]);
  s.first = num(f[4]);
  s.first_id = num(f[5]);
  s.last = num(f[6]);
  s.last_id = num(f[7]);
  s.total = num(f[8]);
  s.longest = num(f[9]);
  s.seen_ts = num(f[10]);
  s.seen_id = num(f[11]);
  s.stride = (uint64_t)num(f[12]);
  /* a list holds at most one value per two bytes of its text, and one;
   * each is parsed with room for that many, no more */
  size_t n1 = len[14] / 2 + 1, nd = len[18] / 2 + 1, nm = n1 > nd ? n1 : nd;
  ASH_TRY(room((void **)&w->v[0], &w->capv[0], nm, sizeof *w->v[0]));
  ASH_TRY(room((void **)&w->v[1], &w->capv[1], nm, sizeof *w->v[1]));
  ASH_TRY(room((void **)&w->sizes, &w->caps, n1, sizeof *w->sizes));
  ASH_TRY(room((void **)&w->day0, &w->capd0, nd, sizeof *w->day0));
  ASH_TRY(room((void **)&w->day1, &w->capd1, nd, sizeof *w->day1));
  int64_t *st = w->v[0], *tmp = w->v[1];
  /* starts: the first, then each one's difference from the one before */
  long n = list_parse(f[14], len[14], st, n1, 1, num(f[13]), 0);
  long nz = list_parse(f[15], len[15], tmp, n1, 0, 0, 0);
  if (n < 1 || nz != n) return ASH_EFORMAT;
  for (long i = 0; i < n; i++) {
    if (tmp[i] < 0 || tmp[i] > UINT32_MAX) return ASH_EFORMAT;
    w->sizes[i] = (uint32_t)tmp[i];
  }
  long ni = list_parse(f[16], len[16], s.ids, ASH_FLOW_SERIES_IDS, 0, 0, 0);
  /* the days: each span's first day as the starts, then its length */
  long d = list_parse(f[18], len[18], tmp, nd, 1, num(f[17]), 0);
  if (ni < 0 || d < 1) return ASH_EFORMAT;
  for (long i = 0; i < d; i++) w->day0[i] = (int32_t)tmp[i];
  if (list_parse(f[19], len[19], tmp, nd, 0, 0, 0) != d) return ASH_EFORMAT;
  for (long i = 0; i < d; i++) w->day1[i] = (int32_t)(w->day0[i] + tmp[i]);
  s.start_s = st;
  s.sizes = w->sizes;
  s.n = (size_t)n;
  s.day0 = w->day0;
  s.day1 = w->day1;
  s.ndays = (size_t)d;
  return q->series(q->u, &s);
}

/* A pair's records from its lists: ts (the first, then differences),
 * id, duration, flags, bytes out, in and total (empty when unset). */
static int on_lists(pair_walk *w, char **f, size_t *len, const ash_ip *src, const ash_ip *dst) {
  int32_t port = (int32_t)num(f[5]);
  f += PK_LISTS;
  len += PK_LISTS;
  /* room for as many values as the longest list has bytes, and one (an
   * empty element takes a byte) */
  size_t most = 0;
  for (int i = 1; i < 8; i++)
    if (len[i] + 1 > most) most = len[i] + 1;
  for (int i = 0; i < 7; i++) ASH_TRY(room((void **)&w->v[i], &w->capv[i], most, sizeof *w->v[i]));
  long n = list_parse(f[1], len[1], w->v[0], most, 1, num(f[0]), 0);
  if (n < 1) return ASH_EFORMAT;
  for (int i = 1; i < 7; i++)
    if (list_parse(f[i + 1], len[i + 1], w->v[i], most, 0, 0, i != 3) != n) return ASH_EFORMAT;
  for (long k = 0; k < n; k++) {
    ash_flow fl;
    memset(&fl, 0, sizeof fl);
    fl.ts = w->v[0][k];
    fl.id = w->v[1][k];
    fl.duration = w->v[2][k];
    fl.flags = (int)w->v[3][k] & (ASH_FLOW_TS_END | ASH_FLOW_INTERIM);
    fl.src = *src;
    fl.dst = *dst;
    fl.src_port = -1; /* not sent: no hunt of the pair model reads it */
    fl.dst_port = port;
    fl.bytes_out = w->v[4][k];
    fl.bytes_in = w->v[5][k];
    fl.bytes_total = w->v[6][k];
    ash_flow_times(&fl);
    ASH_TRY(w->q->flow(w->q->u, &fl));
  }
  return ASH_OK;
}

static int on_pair(void *u, char **f, size_t *len) {
  pair_walk *w = u;
  ash_ip src, dst;
  unsigned afam = (unsigned)num(f[0]);
  flow_ip(afam & 3, f[1], f[3], len[3], NULL, 0, &src);
  flow_ip(afam >> 2 & 3, f[2], f[4], len[4], NULL, 0, &dst);
  if (!src.fam || !dst.fam) return ASH_EFORMAT;
  int fresh, r = ash_keymap_put(&w->dsts, &dst, NULL, &fresh);
  if (r && r != ASH_ELIMIT) return r; /* (past the cap the list is not used) */
  switch (num(f[PK_KIND])) {
  case 0: return on_summed(w, f, len, &src, &dst);
  case 1: return on_lists(w, f, len, &src, &dst);
  default: w->big++; return ASH_OK;
  }
}

/* the columns of a record of g (below) as the row-wise macros read them */
#define X_START P_START("x.1", "x.4", "x.3")
#define X_END P_END("x.1", "x.4", "x.3")
#define X_SIZE P_SIZE("x.5", "x.6", "x.7")

/* The pairs' statement (pairs_rows), piece by piece. In its WITH: s, the
 * pair comes summed; kind (PK_KIND); g, the records (ts, id, duration,
 * flags, bytes out, in, total) in (ts, id); sg, all of them for a summed
 * pair; h, all of them for a pair of lists; a, the summed records as
 * (ts, id, start, size, days spanned); k, the stride; r, the records from
 * the from-th, every k-th; df, each span of days once, in the order of
 * its first record. */
static int pairs_sql(ash_buf *b, const ash_flow_pairs *q, const char *db, const char *B,
                     const char *W, int shards) {
  /* 2^0 .. 2^40: the strides (ash_flow_series) */
  char pows[512];
  size_t pn = 0;
  for (int i = 0; i <= 40; i++)
    pn += (size_t)snprintf(pows + pn, sizeof pows - pn, "%s%llu", i ? "," : "", 1ull << i);
  unsigned from = q->series_from ? q->series_from : 1, max = q->series_max ? q->series_max : 1;
  long long day = (long long)ASH_DAY, sec = (long long)ASH_SEC;
  ASH_TRY(ash_buf_adds(b, "WITH "));
  ASH_TRY(summed_cond(b, q));
  ASH_TRY(ash_buf_printf(b, " AS s, if(s, 0, if(count() > %ld, 2, 1)) AS kind,", pairs_rows_max()));
  ASH_TRY(ash_buf_adds(
      b, " arraySort(groupArray((ts, id, dur, flags, bytes_out, bytes_in, bytes_total))) AS g,"));
  ASH_TRY(ash_buf_adds(b, " arrayFilter(x -> s, g) AS sg, arrayFilter(x -> kind = 1, g) AS h,"));
  ASH_TRY(ash_buf_printf(b,
                         " arrayMap(x -> (x.1, x.2, " X_START ", " X_SIZE ", toInt32(intDiv(" X_END
                         ", toInt64(%lld)) - intDiv(" X_START ", toInt64(%lld)))), sg) AS a,",
                         day, day));
  ASH_TRY(ash_buf_printf(b, " arrayFirst(x -> length(a) - %u <= %u * x, [%s]) AS k,", from - 1, max,
                         pows));
  ASH_TRY(ash_buf_printf(
      b, " arrayFilter((x, i) -> i >= %u AND (i - %u) %% k = 0, a, arrayEnumerate(a)) AS r,", from,
      from));
  ASH_TRY(ash_buf_printf(b, " arrayMap(x -> intDiv(x.3, toInt64(%lld)), r) AS rs,", sec));
  ASH_TRY(ash_buf_printf(b, " arrayMap(x -> (intDiv(x.3, toInt64(%lld)), x.5), a) AS ds,", day));
  ASH_TRY(ash_buf_adds(b, " arrayFilter((x, i) -> i = 1, ds, arrayEnumerateUniq(ds)) AS df,"
                          " arrayMap(x -> x.1, df) AS d0"));
  /* the key, the kind, the 13 sums of a summed pair, its starts and
   * sizes, the ids of ranks 0-3, its days; the lists of the others */
  ASH_TRY(ash_buf_adds(b, " SELECT afam, src, dst, " FLOW_HEX6 ", dport, kind, count(),"
                          " sumIf(bytes_out, bytes_out > 0), sumIf(bytes_in, bytes_in > 0),"));
  ASH_TRY(ash_buf_adds(b, " sumIf(bytes_total, bytes_out = " PAIRS_UNSET
                          " AND bytes_in = " PAIRS_UNSET " AND bytes_total > 0),"));
  ASH_TRY(ash_buf_adds(b, " min(" PAIRS_START "), argMin(id, (" PAIRS_START ", ts, id)),"));
  ASH_TRY(ash_buf_adds(b, " max(" PAIRS_END "), argMax(id, (" PAIRS_END ", ts, id)),"));
  ASH_TRY(ash_buf_adds(b, " sum(" PAIRS_DUR "), max(" PAIRS_DUR "), min(ts), argMin(id, (ts, id)),"
                          " k, rs[1], "));
  ASH_TRY(ash_buf_adds(b, PAIRS_LIST("arrayDifference(rs)") ", "));
  ASH_TRY(ash_buf_adds(b, PAIRS_LIST("arrayMap(x -> x.4, r)") ", "));
  ASH_TRY(ash_buf_printf(b, PAIRS_LIST("arrayMap(x -> x.2, arraySlice(a, %u, %d))") ", d0[1], ",
                         from, ASH_FLOW_SERIES_IDS));
  ASH_TRY(ash_buf_adds(b, PAIRS_LIST("arrayDifference(d0)") ", "));
  ASH_TRY(ash_buf_adds(b, PAIRS_LIST("arrayMap(x -> x.2, df)") ", h[1].1, "));
  ASH_TRY(ash_buf_adds(b, PAIRS_LIST("arrayDifference(arrayMap(x -> x.1, h))") ", "));
  ASH_TRY(ash_buf_adds(b, PAIRS_LIST("arrayMap(x -> x.2, h)") ", "));
  ASH_TRY(ash_buf_adds(b, PAIRS_LIST_U("arrayMap(x -> x.3, h)") ", "));
  ASH_TRY(ash_buf_adds(b, PAIRS_LIST("arrayMap(x -> x.4, h)") ", "));
  for (int i = 5; i <= 7; i++)
    ASH_TRY(ash_buf_printf(b, "%s" PAIRS_LIST_U("arrayMap(x -> x.%d, h)"), i > 5 ? ", " : "", i));
  ASH_TRY(ash_buf_printf(b, " FROM %s.flows WHERE %s AND %s GROUP BY " PAIRS_PAIR, db, B, W));
  ASH_TRY(pairs_having(b, q, 0));
  return shards ? ash_buf_adds(b, " SETTINGS distributed_group_by_no_merge = 1") : ASH_OK;
}

/* past this many destinations, or this many bytes of their list, the
 * addresses' counts find the candidates' destinations by a subquery
 * (the statement must stay well under the servers' max_query_size,
 * 256 KiB by default) */
#define PAIRS_DSTS_MAX 4096
#define PAIRS_DSTS_BYTES (96u << 10)

/* "(0 OR bitAnd(afam, 12) = 4 AND dst IN (...) OR ...)": the
 * destinations of the candidate pairs as constants, in list; ASH_ELIMIT
 * when too many */
static int dsts_cond(ash_buf *list, const ash_keymap *d) {
  /* ASHIATO_CH_PAIR_DSTS_MAX: a lower cap, for the test of the subquery
   * (e2e.clickhouse_hunt_model) */
  const char *v = getenv("ASHIATO_CH_PAIR_DSTS_MAX");
  long m = v && *v ? strtol(v, NULL, 10) : PAIRS_DSTS_MAX;
  if (d->n > (size_t)(m >= 0 && m < PAIRS_DSTS_MAX ? m : PAIRS_DSTS_MAX)) return ASH_ELIMIT;
  ASH_TRY(ash_buf_adds(list, "(0"));
  for (int fam = 4; fam <= 6; fam += 2) {
    int any = 0;
    for (size_t i = 0; i < d->n; i++) {
      const ash_ip *ip = ash_keymap_key(d, i);
      if (ip->fam != fam) continue;
      ASH_TRY(ash_buf_adds(list, any        ? ", "
                                 : fam == 4 ? " OR bitAnd(afam, 12) = 4 AND dst IN ("
                                            : " OR bitAnd(afam, 12) = 8 AND dst6 IN ("));
      any = 1;
      if (fam == 4) {
        const uint8_t *o = ip->b + 12; /* network order, as flow_ip reads the column */
        ASH_TRY(ash_buf_printf(
            list, "%u", (unsigned)o[0] << 24 | (unsigned)o[1] << 16 | (unsigned)o[2] << 8 | o[3]));
      } else {
        ASH_TRY(ash_buf_adds(list, "toFixedString(unhex('"));
        for (int k = 0; k < 16; k++) ASH_TRY(ash_buf_printf(list, "%02X", ip->b[k]));
        ASH_TRY(ash_buf_adds(list, "'), 16)"));
      }
      if (list->n > PAIRS_DSTS_BYTES) return ASH_ELIMIT;
    }
    if (any) ASH_TRY(ash_buf_adds(list, ")"));
  }
  return ash_buf_adds(list, ")");
}

/* Every candidate pair of the flows B and W select, one row each (on
 * shards each shard groups its own pairs from the Distributed table: all
 * of a pair's rows are on one shard). *big: pairs left for the rows;
 * dlist: their destinations' condition (dsts_cond), or empty. */
static int pairs_rows(ash_chstore *c, ash_flow_pairs *q, const char *B, const char *W, int shards,
                      uint64_t *big, ash_buf *dlist) {
  ash_buf_reset(&c->sql);
  int rc = pairs_sql(&c->sql, q, c->url.db, B, W, shards);
  pair_walk pw;
  memset(&pw, 0, sizeof pw);
  pw.q = q;
  ash_keymap_init(&pw.dsts, sizeof(ash_ip), 0, PAIRS_DSTS_MAX + 1);
  if (!rc) rc = walk(c, PK_N, on_pair, &pw, "reading the candidate pairs");
  *big = pw.big;
  if (!rc) {
    int r = dsts_cond(dlist, &pw.dsts);
    if (r == ASH_ELIMIT)
      ash_buf_reset(dlist);
    else
      rc = r;
  }
  ash_keymap_free(&pw.dsts);
  for (int i = 0; i < 7; i++) free(pw.v[i]);
  free(pw.sizes);
  free(pw.day0);
  free(pw.day1);
  return rc;
}

int ash_chstore_flow_pairs(ash_chstore *c, ash_flow_pairs *q, int *done) {
  *done = 0;
  if (q->internal && ash_cidrset_count(q->internal) > PAIRS_MAX_NETS) return ASH_OK;
  int rc = begin_read(c);
  if (rc) return rc;
  const char *db = c->url.db;
  ash_buf base, w;
  ash_buf_init(&base, 1u << 16);
  ash_buf_init(&w, 1u << 19);
  /* the flows of ash_chstore_flows (net.flow with a time), and the
   * counted ones among them */
  rc = ash_buf_printf(&base,
                      "source_id" ALIVE_IDS("%s") " AND ts != toInt64('-9223372036854775808')"
                                                  " AND bitAnd(flags, 4) = 0",
                      db);
  if (!rc) rc = counted_cond(&w, q->internal);
  const char *B = base.p, *W = w.p;
  pairs_walk pw = {q, 0};
  /* the flows, and whether any stayed a wide event (a field no flows
   * column holds: rare, ash_flowdb_eligible); such a case's model is
   * built from every flow, as the addresses of those are text. (The
   * counted flows' totals come with the hosts' counts, below.) */
  q->flows = q->used = 0;
  q->first = q->last = 0;
  if (!rc)
    rc = ash_buf_printf(&c->sql,
                        "SELECT count(), (SELECT count() FROM %s.events WHERE source_id" ALIVE_IDS(
                            "%s") " AND ts != toInt64('-9223372036854775808') AND"
                                  " kind = 'net.flow') FROM %s.flows WHERE %s",
                        db, db, db, B);
  if (!rc) rc = walk(c, 2, on_pairs_total, &pw, "counting the flows");
  if (rc == ASH_ESTOP) { /* wide flows: not done */
    ash_buf_free(&base);
    ash_buf_free(&w);
    return ASH_OK;
  }
  /* the candidate pairs (model_flows.c: a series from min_sessions
   * finished sessions, a heavy part from one long one or an interim
   * record). On shards each shard picks its own: all of a pair's rows
   * are on one shard (flows are sharded by (src, dst), ash_ch_flow_shard),
   * so no server merges every shard's pairs, and no set of them travels.
   * There the rows of every source count, complete or not (the shards
   * have no sources table): a superset, harmless, as the rows then read
   * are those of complete sources only and a pair chosen for nothing is
   * scored by no hunt. */
  int shards = c->k.cluster != NULL;
  const char *in = shards ? "IN" : "GLOBAL IN";
  /* the candidates: all (for the addresses' counts), those read as rows */
  ash_buf cand[2];
  for (int i = 0; i < 2; i++) {
    ash_buf_init(&cand[i], 1u << 20);
    if (!rc)
      rc = ash_buf_printf(
          &cand[i], "SELECT " PAIRS_PAIR " FROM %s.flows%s WHERE %s AND %s GROUP BY " PAIRS_PAIR,
          db, shards ? "_local" : "",
          shards ? "ts != toInt64('-9223372036854775808') AND bitAnd(flags, 4) = 0" : B, W);
    if (!rc) rc = pairs_having(&cand[i], q, i == 1 && q->series);
  }
  /* every candidate pair in a row; those too big for one, or every one
   * when the caller takes no summed pairs, as rows, pair after pair, in
   * (ts, id) within */
  uint64_t big = 1;
  ash_buf dlist;
  ash_buf_init(&dlist, PAIRS_DSTS_BYTES + (1u << 12));
  if (!rc && q->series) rc = pairs_rows(c, q, B, W, shards, &big, &dlist);
  flow_walk fw = {q->flow, q->u};
  if (!rc && big) {
    ash_buf_reset(&c->sql);
    rc = ash_buf_printf(&c->sql,
                        "SELECT " FLOW_ROW_COLS " FROM %s.flows WHERE %s AND %s AND (" PAIRS_PAIR
                        ") %s (%s) ORDER BY " PAIRS_PAIR ", ts, id",
                        db, B, W, in, cand[1].p);
    if (!rc) rc = walk(c, 17, on_flow, &fw, "reading the candidate pairs' flows");
  }
  /* per internal host: its finished records, their bytes, the (address,
   * port) it reached */
  if (!rc) {
    ash_buf_reset(&c->sql);
    rc = ash_buf_printf(
        &c->sql,
        "SELECT bitAnd(afam, 3) AS fam, src, hex(src6), countIf(bitAnd(flags, 2) = 0),"
        " sumIf(greatest(bytes_out, toInt64(0)) + greatest(bytes_in, toInt64(0)),"
        " bitAnd(flags, 2) = 0), uniqExact(bitAnd(afam, 12), dst, dst6, dport), count(),"
        " min(" PAIRS_START "), max(" PAIRS_END ")"
        " FROM %s.flows WHERE %s AND %s GROUP BY fam, src, src6",
        db, B, W);
  }
  if (!rc) rc = walk(c, 9, on_pairs_ip, &pw, "counting the hosts' flows");
  /* per external address of a candidate pair: the hosts that reached it */
  pw.dst = 1;
  if (!rc) {
    ash_buf_reset(&c->sql);
    rc = ash_buf_printf(&c->sql,
                        "SELECT bitShiftRight(bitAnd(afam, 12), 2) AS fam, dst, hex(dst6),"
                        " uniqExact(bitAnd(afam, 3), src, src6) FROM %s.flows WHERE %s AND %s AND ",
                        db, B, W);
    /* the addresses of the candidate pairs: as read, or those of every
     * shard gathered */
    if (!rc && dlist.n) rc = ash_buf_add(&c->sql, dlist.p, dlist.n);
    if (!rc && !dlist.n)
      rc = ash_buf_adds(&c->sql,
                        "(bitAnd(afam, 12), dst, dst6) GLOBAL IN (SELECT bitAnd(afam, 12), dst,"
                        " dst6 FROM ");
    if (!rc && !dlist.n && shards)
      rc = ash_buf_printf(&c->sql,
                          "%s.flows WHERE %s AND (" PAIRS_PAIR ") IN (%s)"
                          " GROUP BY bitAnd(afam, 12), dst, dst6)",
                          db, W, cand[0].p);
    if (!rc && !dlist.n && !shards) rc = ash_buf_printf(&c->sql, "(%s))", cand[0].p);
    if (!rc) rc = ash_buf_adds(&c->sql, " GROUP BY fam, dst, dst6");
  }
  if (!rc) rc = walk(c, 4, on_pairs_ip, &pw, "counting the addresses' hosts");
  if (!rc) *done = 1;
  for (int i = 0; i < 2; i++) ash_buf_free(&cand[i]);
  ash_buf_free(&dlist);
  ash_buf_free(&base);
  ash_buf_free(&w);
  return rc;
}

/* ---- logons */

typedef struct logon_walk {
  int (*cb)(void *u, const ash_logon *l);
  void *u;
} logon_walk;

static int on_logon(void *u, char **f, size_t *len) {
  logon_walk *w = u;
  ash_logon l;
  l.id = num(f[0]);
  l.source = num(f[1]);
  l.ts = num(f[2]);
  l.rdp = !strcmp(f[3], ASH_KIND_WIN_RDP);
  l.host = nstr(f[4], len[4]);
  l.user = nstr(f[5], len[5]);
  fip(f[6], len[6], &l.src);
  l.logon_type = num(f[7]);
  l.event_id = num(f[8]);
  l.attrs = nstr(f[9], len[9]);
  return w->cb(w->u, &l);
}

static const int64_t RDP_IDS[] = {1149, 21, 22, 24, 25, 131}; /* ASH_RDP_* bit order */

int ash_chstore_logons(ash_chstore *c, const ash_logon_query *q,
                       int (*cb)(void *u, const ash_logon *l), void *u) {
  if (!q->types && !q->rdp) return ASH_OK;
  int rc = begin_read(c);
  const char *db = c->url.db;
  if (!rc)
    rc = ash_buf_printf(&c->sql,
                        "SELECT id, source_id, ts, kind, host, user, src_ip, logon_type, event_id,"
                        " %s FROM %s.events WHERE (",
                        q->with_attrs ? "attrs" : "''", db);
  if (!rc && q->types == ASH_LOGON_ANY_TYPE) rc = ash_buf_adds(&c->sql, "kind = 'win.logon'");
  if (!rc && q->types && q->types != ASH_LOGON_ANY_TYPE)
    rc = ash_buf_printf(&c->sql,
                        "(kind = 'win.logon' AND logon_type >= 0 AND logon_type < 32 AND"
                        " bitAnd(bitShiftRight(toUInt64(%u), toUInt8(bitAnd(logon_type, 31))),"
                        " 1) = 1)",
                        (unsigned)q->types);
  if (!rc && q->types && q->rdp) rc = ash_buf_adds(&c->sql, " OR ");
  if (!rc && q->rdp) {
    rc = ash_buf_adds(&c->sql, "(kind = 'win.rdp' AND event_id IN (0");
    for (int i = 0; !rc && i < 6; i++)
      if (q->rdp & (1u << i)) rc = ash_buf_printf(&c->sql, ", %lld", (long long)RDP_IDS[i]);
    if (!rc) rc = ash_buf_adds(&c->sql, "))");
  }
  if (!rc) rc = ash_buf_printf(&c->sql, ") AND source_id" ALIVE_IDS("%s"), db);
  if (!rc) rc = window(c, q->since, q->until);
  if (!rc) rc = ash_buf_adds(&c->sql, " ORDER BY ts, id");
  logon_walk w = {cb, u};
  if (!rc) rc = walk(c, 10, on_logon, &w, "reading the logons");
  return rc;
}

/* ---- roles */

typedef struct role_walk {
  int (*cb)(void *u, int role, const char *name);
  void *u;
  int role;
} role_walk;

static int on_role(void *u, char **f, size_t *len) {
  role_walk *w = u;
  return len[0] ? w->cb(w->u, w->role, f[0]) : ASH_OK;
}

int ash_chstore_roles(ash_chstore *c, int (*cb)(void *u, int role, const char *name), void *u) {
  int rc = begin_read(c);
  const char *db = c->url.db;
  role_walk w = {cb, u, ASH_ROLE_DC};
  if (!rc)
    rc = ash_buf_printf(&c->sql,
                        "SELECT DISTINCT lower(host) FROM %s.events WHERE kind = 'win.kerberos'"
                        " AND event_id IN (4768, 4769, 4771) AND source_id" ALIVE_IDS("%s"),
                        db, db);
  if (!rc) rc = walk(c, 1, on_role, &w, "reading the roles");
  ash_buf_reset(&c->sql);
  w.role = ASH_ROLE_PRIVILEGED;
  if (!rc)
    rc = ash_buf_printf(&c->sql,
                        "SELECT DISTINCT user FROM %s.events WHERE kind = 'win.privilege'"
                        " AND source_id" ALIVE_IDS("%s"),
                        db, db);
  if (!rc) rc = walk(c, 1, on_role, &w, "reading the roles");
  return rc;
}

/* ---- VPN */

/* The first of the attributes a, b, c the record has, and whether any. */
#define ATTR3(a, b, c)                                                                             \
  "multiIf(visitParamHas(attrs, '" a "'), visitParamExtractString(attrs, '" a "'),"                \
  " visitParamHas(attrs, '" b "'), visitParamExtractString(attrs, '" b "'),"                       \
  " visitParamExtractString(attrs, '" c "')), (visitParamHas(attrs, '" a                           \
  "') OR visitParamHas(attrs, '" b "') OR visitParamHas(attrs, '" c "'))"

typedef struct vpn_walk {
  int (*cb)(void *u, const ash_vpn_event *v);
  void *u;
} vpn_walk;

static int on_vpn(void *u, char **f, size_t *len) {
  vpn_walk *w = u;
  ash_vpn_event v;
  v.id = num(f[0]);
  v.source = num(f[1]);
  v.ts = num(f[2]);
  v.kind = !strcmp(f[3], ASH_KIND_VPN_LOGIN)    ? ASH_VPN_LOGIN
           : !strcmp(f[3], ASH_KIND_VPN_LOGOUT) ? ASH_VPN_LOGOUT
                                                : ASH_VPN_SESSION;
  v.user = nstr(f[4], len[4]);
  fip(f[5], len[5], &v.remote);
  fip(f[6], len[6], &v.tunnel);
  v.duration = num(f[7]);
  v.bytes_out = num(f[8]);
  v.bytes_in = num(f[9]);
  /* FortiGate srccountry, PAN-OS GlobalProtect source_region (srcregion
   * in traffic logs), of a login only */
  v.country = v.kind == ASH_VPN_LOGIN && f[11][0] == '1' ? f[10] : NULL;
  return w->cb(w->u, &v);
}

int ash_chstore_vpn_events(ash_chstore *c, int (*cb)(void *u, const ash_vpn_event *v), void *u) {
  int rc = begin_read(c);
  const char *db = c->url.db;
  if (!rc)
    rc = ash_buf_printf(
        &c->sql,
        "SELECT id, source_id, ts, kind, user, src_ip, tunnel_ip, duration,"
        " bytes_out, bytes_in, " ATTR3(
            "srccountry", "source_region",
            "srcregion") " FROM %s.events WHERE kind IN ('vpn.login', 'vpn.logout', 'vpn.session')"
                         " AND source_id" ALIVE_IDS("%s") " ORDER BY ts, id",
        db, db);
  vpn_walk w = {cb, u};
  if (!rc) rc = walk(c, 12, on_vpn, &w, "reading the VPN records");
  return rc;
}

/* ---- antivirus */

typedef struct av_walk {
  int (*cb)(void *u, const ash_av_event *a);
  void *u;
} av_walk;

/* column i, else the attribute (ATTR3's value at j, its flag at j + 1) */
static const char *or_attr(char **f, size_t *len, int i, int j) {
  if (i >= 0 && len[i]) return f[i];
  return f[j + 1][0] == '1' ? f[j] : NULL;
}

static int on_av(void *u, char **f, size_t *len) {
  av_walk *w = u;
  ash_av_event a;
  a.id = num(f[0]);
  a.source = num(f[1]);
  a.ts = num(f[2]);
  a.action = strcmp(f[3], ASH_KIND_AV_DETECT) != 0;
  a.host = nstr(f[4], len[4]);
  a.threat = nstr(f[5], len[5]);
  a.path = nstr(f[6], len[6]);
  a.user = or_attr(f, len, 7, 10);
  /* the record's Process Name and Action Name first, then the columns */
  a.process = f[13][0] == '1' ? f[12] : nstr(f[8], len[8]);
  a.what = f[15][0] == '1' ? f[14] : nstr(f[9], len[9]);
  a.category = f[17][0] == '1' ? f[16] : NULL;
  return w->cb(w->u, &a);
}

int ash_chstore_av_events(ash_chstore *c, int (*cb)(void *u, const ash_av_event *a), void *u) {
  int rc = begin_read(c);
  const char *db = c->url.db;
  if (!rc)
    rc = ash_buf_printf(
        &c->sql,
        "SELECT id, source_id, ts, kind, host, threat, path, user, process, action,"
        " " ATTR3(
            "Detection User", "detection_user",
            "DetectionUser") ","
                             " " ATTR3(
                                 "Process Name", "process_name",
                                 "ProcessName") ","
                                                " " ATTR3(
                                                    "Action Name", "action_name",
                                                    "ActionName") ","
                                                                  " " ATTR3(
                                                                      "Category Name", "category",
                                                                      "Category") " FROM %s.events "
                                                                                  "WHERE kind IN "
                                                                                  "('av.detect', "
                                                                                  "'av.action')"
                                                                                  " AND "
                                                                                  "source_"
                                                                                  "id" ALIVE_IDS(
                                                                                      "%s") " ORDER"
                                                                                            " BY "
                                                                                            "ts, "
                                                                                            "id",
        db, db);
  av_walk w = {cb, u};
  if (!rc) rc = walk(c, 18, on_av, &w, "reading the antivirus records");
  return rc;
}

/* ---- Windows host activity */

typedef struct host_walk {
  int (*cb)(void *u, const ash_host_event *e);
  void *u;
} host_walk;

static int on_host(void *u, char **f, size_t *len) {
  host_walk *w = u;
  ash_host_event e;
  e.id = num(f[0]);
  e.source = num(f[1]);
  e.ts = num(f[2]);
  e.host = nstr(f[3], len[3]);
  e.user = nstr(f[4], len[4]);
  e.process = nstr(f[5], len[5]);
  e.command_line = nstr(f[6], len[6]);
  e.path = nstr(f[7], len[7]);
  fip(f[8], len[8], &e.src);
  e.src_port = (int32_t)num(f[9]);
  fip(f[10], len[10], &e.dst);
  e.dst_port = (int32_t)num(f[11]);
  return w->cb(w->u, &e);
}

static int quoted(ash_chstore *c, const char *pre, const char *v, const char *post) {
  int rc = ash_buf_adds(&c->sql, pre);
  if (!rc) rc = ash_ch_sql_quote(&c->sql, v, strlen(v));
  if (!rc) rc = ash_buf_adds(&c->sql, post);
  return rc;
}

int ash_chstore_host_events(ash_chstore *c, const ash_host_query *q,
                            int (*cb)(void *u, const ash_host_event *e), void *u) {
  if (!q->kind) return ASH_EUSAGE;
  int rc = begin_read(c);
  const char *db = c->url.db;
  if (!rc)
    rc = ash_buf_printf(
        &c->sql,
        "SELECT id, source_id, ts, host, user, process, command_line, path,"
        " src_ip, src_port, dst_ip, dst_port FROM %s.events WHERE source_id" ALIVE_IDS("%s"),
        db, db);
  if (!rc) rc = quoted(c, " AND kind = ", q->kind, "");
  if (!rc) rc = window(c, q->since, q->until);
  if (!rc && q->host) rc = quoted(c, " AND host = ", q->host, "");
  if (!rc && q->process) rc = quoted(c, " AND lower(process) = lower(", q->process, ")");
  if (!rc && q->path) rc = quoted(c, " AND lower(path) = lower(", q->path, ")");
  if (!rc && q->path_part)
    rc = quoted(c, " AND path != '' AND positionCaseInsensitive(path, ", q->path_part, ") > 0");
  if (!rc && q->dst_port) rc = ash_buf_printf(&c->sql, " AND dst_port = %d", (int)q->dst_port);
  if (!rc && q->with_command_line) rc = ash_buf_adds(&c->sql, " AND command_line != ''");
  if (!rc)
    rc = ash_buf_adds(&c->sql, q->newest_first ? " ORDER BY ts DESC, id DESC" : " ORDER BY ts, id");
  if (!rc && q->limit) rc = ash_buf_printf(&c->sql, " LIMIT %llu", (unsigned long long)q->limit);
  host_walk w = {cb, u};
  if (!rc) rc = walk(c, 12, on_host, &w, "reading the host events");
  return rc;
}

/* ---- which host holds which address */

typedef struct addr_walk {
  int (*cb)(void *u, const ash_host_address *a);
  void *u;
  int why, name, addr, n, total;
} addr_walk;

static int on_addr(void *u, char **f, size_t *len) {
  addr_walk *w = u;
  ash_host_address a;
  a.why = w->why;
  a.name = w->name >= 0 ? nstr(f[w->name], len[w->name]) : NULL;
  if (w->name >= 0 && !a.name) return ASH_OK;
  fip(f[w->addr], len[w->addr], &a.ip);
  if (!a.ip.fam) return ASH_OK;
  a.n = w->n >= 0 ? strtoull(f[w->n], NULL, 10) : 0;
  a.total = w->total >= 0 ? strtoull(f[w->total], NULL, 10) : 0;
  return w->cb(w->u, &a);
}

/* the text of a flows row's address (as FLOW_AS_WIDE writes it) */
#define FLOW_SRC_TEXT                                                                              \
  "multiIf(bitAnd(afam, 3) = 1, IPv4NumToString(src), bitAnd(afam, 3) = 2,"                        \
  " IPv6NumToString(src6), '')"
#define FLOW_DST_TEXT                                                                              \
  "multiIf(bitAnd(afam, 12) = 4, IPv4NumToString(dst), bitAnd(afam, 12) = 8,"                      \
  " IPv6NumToString(dst6), '')"
#define NAME2(a, b)                                                                                \
  "if(visitParamHas(attrs, '" a "'), visitParamExtractString(attrs, '" a "'),"                     \
  " visitParamExtractString(attrs, '" b "'))"
#define HAS2(a, b) "(visitParamHas(attrs, '" a "') OR visitParamHas(attrs, '" b "'))"

int ash_chstore_host_addresses(ash_chstore *c, int (*cb)(void *u, const ash_host_address *a),
                               void *u) {
  const char *db = c->url.db;
  int rc = ASH_OK;
  for (int i = 0; !rc && i < 5; i++) {
    rc = begin_read(c);
    addr_walk w = {cb, u, 0, 0, 1, 2, -1};
    size_t nf = 3;
    if (!rc && i == 0) {
      w = (addr_walk){cb, u, ASH_ADDR_TUNNEL, -1, 0, -1, -1};
      nf = 1;
      rc = ash_buf_printf(
          &c->sql,
          "SELECT DISTINCT tunnel_ip FROM %s.events WHERE kind IN ('vpn.login',"
          " 'vpn.logout', 'vpn.session') AND tunnel_ip != '' AND source_id" ALIVE_IDS("%s"),
          db, db);
    } else if (!rc && i == 1) {
      /* both ends of each connection, per host, against the host's count */
      w = (addr_walk){cb, u, ASH_ADDR_NETCONN, 0, 1, 2, 3};
      nf = 4;
      rc = ash_buf_printf(
          &c->sql,
          "SELECT h, a, n, t FROM (SELECT lower(host) AS h, arrayJoin([src_ip, dst_ip]) AS a,"
          " count() AS n FROM %s.events WHERE kind = 'win.netconn' AND host != '' AND"
          " source_id" ALIVE_IDS(
              "%s") " GROUP BY h, a) ANY INNER JOIN (SELECT lower(host) AS h,"
                    " count() AS t FROM %s.events WHERE kind = 'win.netconn' AND host != '' AND"
                    " source_id" ALIVE_IDS("%s") " GROUP BY h) USING h WHERE a != ''",
          db, db, db, db);
    } else if (!rc && i == 2) {
      w.why = ASH_ADDR_COMPUTER;
      rc = ash_buf_printf(&c->sql,
                          "SELECT user, src_ip, count() FROM %s.events WHERE kind = 'win.logon'"
                          " AND endsWith(user, '$') AND src_ip != '' AND source_id" ALIVE_IDS(
                              "%s") " GROUP BY user, src_ip",
                          db, db);
    } else if (!rc && i == 3) {
      w.why = ASH_ADDR_WORKSTATION;
      rc = ash_buf_printf(&c->sql,
                          "SELECT visitParamExtractString(attrs, 'WorkstationName') AS n, src_ip,"
                          " count() FROM %s.events WHERE kind = 'win.logon' AND logon_type = 3 AND"
                          " src_ip != '' AND visitParamHas(attrs, 'WorkstationName') AND"
                          " source_id" ALIVE_IDS("%s") " GROUP BY n, src_ip",
                          db, db);
    } else if (!rc && i == 4) {
      /* the firewall's name of either end (FortiGate srcname/dstname,
       * PAN-OS src_host/dst_host), of the accepted flows */
      w.why = ASH_ADDR_FIREWALL;
      rc =
          ash_buf_printf(
              &c->sql,
              "SELECT n, a, count() FROM ("
              "SELECT " NAME2(
                  "srcname",
                  "src_host") " AS n, " FLOW_SRC_TEXT " AS a FROM %s.flows"
                              " WHERE bitAnd(flags, 4) = 0 AND " HAS2(
                                  "srcname",
                                  "src_"
                                  "host") " A"
                                          "ND"
                                          " s"
                                          "ou"
                                          "rc"
                                          "e_"
                                          "i"
                                          "d" ALIVE_IDS("%s") " UNION ALL SELECT " NAME2(
                                              "dstname",
                                              "dst_host") ", " FLOW_DST_TEXT " FROM %s.flows WHERE "
                                                          "bitAnd(flags, 4) = 0 "
                                                          "AND " HAS2("dstname",
                                                                      "dst_"
                                                                      "host") " AND "
                                                                              "source_"
                                                                              "i"
                                                                              "d" ALIVE_IDS("%s") " UNION ALL SELECT " NAME2(
                                                                                  "srcname",
                                                                                  "src_host") ", "
                                                                                              "src"
                                                                                              "_ip"
                                                                                              " FR"
                                                                                              "OM "
                                                                                              "%s."
                                                                                              "eve"
                                                                                              "nts"
                                                                                              " WH"
                                                                                              "ERE"
                                                                                              " ki"
                                                                                              "nd "
                                                                                              "= "
                                                                                              "'ne"
                                                                                              "t."
                                                                                              "flo"
                                                                                              "w' "
                                                                                              "AND"
                                                                                              " " HAS2("srcname", "src_host") " AND source_id" ALIVE_IDS("%s") " UNION ALL SELECT " NAME2("dstname", "dst_host") ", dst_ip FROM %s.events WHERE kind = 'net.flow' AND " HAS2(
                                                                                                  "dstname",
                                                                                                  "dst_host") " AND source_id" ALIVE_IDS("%s") ") WHERE a != '' GROUP BY n, a",
              db, db, db, db, db, db, db, db);
    }
    if (!rc) rc = walk(c, nf, on_addr, &w, "reading the addresses of hosts");
  }
  return rc;
}

/* ---- several events by id, in one request */

typedef struct line_set {
  char **line;
  size_t *len;
  uint64_t *id;
  size_t n, cap;
} line_set;

static int keep_line(void *u, char *line, size_t n) {
  line_set *L = u;
  if (L->n == L->cap) {
    size_t cap = L->cap ? L->cap * 2 : 16;
    char **nl = realloc(L->line, cap * sizeof *nl);
    if (nl) L->line = nl;
    size_t *nn = realloc(L->len, cap * sizeof *nn);
    if (nn) L->len = nn;
    uint64_t *ni = realloc(L->id, cap * sizeof *ni);
    if (ni) L->id = ni;
    if (!nl || !nn || !ni) return ASH_ENOMEM;
    L->cap = cap;
  }
  /* the row's id is its last field, a number */
  const char *t = line + n;
  while (t > line && t[-1] != '\t') t--;
  char *copy = malloc(n + 1);
  if (!copy) return ASH_ENOMEM;
  memcpy(copy, line, n);
  copy[n] = 0;
  L->line[L->n] = copy;
  L->len[L->n] = n;
  L->id[L->n] = strtoull(t, NULL, 10);
  L->n++;
  return ASH_OK;
}

typedef struct by_id_walk {
  int (*cb)(void *u, size_t i, const ash_event *ev, const ash_source_info *src);
  void *u;
  size_t i;
} by_id_walk;

static int by_id_event(void *u, const ash_event *ev, const ash_source_info *src,
                       const char *attrs) {
  (void)attrs;
  by_id_walk *b = u;
  return b->cb(b->u, b->i, ev, src);
}

/* At most this many ids a request: the statement names each twice. */
enum { BY_ID_CHUNK = 128 };

int ash_chstore_events_by_id(ash_chstore *c, const int64_t *ids, size_t n,
                             int (*cb)(void *u, size_t i, const ash_event *ev,
                                       const ash_source_info *src),
                             void *u) {
  int rc = ash_chstore_commit(c);
  by_id_walk b = {cb, u, 0};
  events_walk ew = {.c = c, .cb_src = by_id_event, .u = &b, .all = 1};
  if (!rc) rc = use_cache(c, &ew);
  const char *db = c->url.db, *sfx = c->k.cluster ? "_local" : "";
  for (size_t at = 0; !rc && at < n; at += BY_ID_CHUNK) {
    size_t m = n - at < BY_ID_CHUNK ? n - at : BY_ID_CHUNK;
    ash_buf list;
    ash_buf_init(&list, 64u << 10);
    for (size_t k = 0; !rc && k < m; k++)
      rc = ash_buf_printf(&list, "%s%lld", k ? ", " : "", (long long)ids[at + k]);
    /* the rows' keys from rowids (ordered by id), then the rows by their
     * own tables' primary keys; on shards the subqueries run on each
     * shard, where a row and its rowids entry are */
    ash_buf_reset(&c->sql);
    if (!rc)
      rc = ash_buf_printf(
          &c->sql,
          "SELECT " WIDE_COLS " FROM (SELECT " WIDE_COLS
          " FROM %s.events WHERE (kind, ts) IN (SELECT kind, ts FROM %s.rowids%s"
          " WHERE id IN (%s) AND tab = 2) AND id IN (%s) UNION ALL SELECT " FLOW_AS_WIDE
          " FROM %s.flows WHERE (src, dst, ts) IN (SELECT src, dst, ts FROM"
          " %s.rowids%s WHERE id IN (%s) AND tab = 1) AND id IN (%s))",
          db, db, sfx, list.p, list.p, db, db, sfx, list.p, list.p);
    ash_buf_free(&list);
    line_set L = {0};
    if (!rc) rc = rows_query(c, keep_line, &L, "reading events");
    /* in the order of ids, as ash_store_event one by one would */
    for (size_t k = 0; !rc && k < m; k++) {
      for (size_t j = 0; !rc && j < L.n; j++) {
        if (L.id[j] != (uint64_t)ids[at + k]) continue;
        char *copy = malloc(L.len[j] + 1);
        if (!copy) {
          rc = ASH_ENOMEM;
          break;
        }
        memcpy(copy, L.line[j], L.len[j] + 1);
        b.i = at + k;
        rc = on_event(&ew, copy, L.len[j]);
        free(copy);
        break;
      }
    }
    for (size_t j = 0; j < L.n; j++) free(L.line[j]);
    free(L.line);
    free(L.len);
    free(L.id);
  }
  return rc;
}

/* ---- findings */

static int finding_row(ash_chstore *c, ash_ch_batch *b, const char *id, const char *hunt,
                       int64_t score, int64_t first_seen, const char *json, size_t jn,
                       int deleted) {
  ash_buf *r = ash_ch_batch_row(b);
  int rc = ash_ch_tsv_str(r, id, strlen(id));
  if (!rc) rc = ash_ch_tsv_str(r, hunt, strlen(hunt));
  if (!rc) rc = ash_ch_tsv_i64(r, score);
  if (!rc) rc = ash_ch_tsv_i64(r, first_seen);
  if (!rc) rc = ash_ch_tsv_str(r, json, jn);
  if (!rc) rc = ash_ch_tsv_u64(r, deleted ? 1 : 0);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t v =
      ((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u) * 1024 + (++c->seq & 1023);
  if (!rc) rc = ash_ch_tsv_u64(r, v);
  if (!rc) rc = ash_ch_batch_row_end(b);
  return rc;
}

typedef struct ids_walk {
  char **id;
  size_t n, cap;
} ids_walk;

static int on_id(void *u, char **f, size_t *len) {
  ids_walk *w = u;
  (void)len;
  if (w->n == w->cap) {
    char **n = ash_array_grow(w->id, &w->cap, sizeof *n, 64);
    if (!n) return ASH_ENOMEM;
    w->id = n;
  }
  if (!(w->id[w->n] = strdup(f[0]))) return ASH_ENOMEM;
  w->n++;
  return ASH_OK;
}

/* hunt's findings (every one for NULL) deleted and v's of hunt added, in
 * one insert: readers see the old set or the new one, never a mix */
int ash_chstore_replace_findings(ash_chstore *c, const char *hunt, const ash_finding *v, size_t n,
                                 int delete_old) {
  if (c->readonly) return ASH_EUSAGE;
  int rc = ash_chstore_commit(c);
  ids_walk old = {0};
  if (!rc && delete_old) {
    ash_buf_reset(&c->sql);
    rc = ash_buf_printf(&c->sql, "SELECT id FROM %s.findings FINAL WHERE deleted = 0", c->url.db);
    if (!rc && hunt) rc = quoted(c, " AND hunt = ", hunt, "");
    if (!rc) rc = walk(c, 1, on_id, &old, "reading the findings");
  }
  ash_ch_batch *b = NULL;
  if (!rc) rc = ash_ch_batch_open(&b, c->k.main, c->url.db, "findings");
  ash_buf js;
  ash_buf_init(&js, (size_t)ASH_MAX_FINDING_EVIDENCE * ASH_MAX_FINDING_TEXT);
  /* the deletions first: an id found again is written after them, with
   * a higher version */
  for (size_t i = 0; !rc && i < old.n; i++)
    rc = finding_row(c, b, old.id[i], hunt ? hunt : "", 0, 0, "", 0, 1);
  for (size_t i = 0; !rc && i < n; i++) {
    if (hunt && !(v[i].hunt && !strcmp(v[i].hunt, hunt))) continue;
    ash_buf_reset(&js);
    rc = ash_finding_to_json(&v[i], &js);
    if (!rc)
      rc = finding_row(c, b, v[i].id, v[i].hunt ? v[i].hunt : "", v[i].score, v[i].first_seen, js.p,
                       js.n, 0);
  }
  if (!rc && b) rc = ash_ch_batch_flush(b);
  if (rc == ASH_ESTORE) fail_on(c, c->k.main, rc, "storing the findings");
  ash_ch_batch_close(b);
  ash_buf_free(&js);
  for (size_t i = 0; i < old.n; i++) free(old.id[i]);
  free(old.id);
  return rc;
}

typedef struct findings_walk {
  int (*cb)(void *u, const ash_finding *f);
  void *u;
} findings_walk;

static int on_finding_row(void *u, char **f, size_t *len) {
  findings_walk *w = u;
  ash_finding fd;
  /* a row that does not read back is skipped, as in the SQLite store */
  if (ash_finding_from_json(&fd, f[0], len[0])) return ASH_OK;
  int rc = w->cb(w->u, &fd);
  ash_finding_free(&fd);
  return rc;
}

int ash_chstore_findings(ash_chstore *c, const char *hunt, int (*cb)(void *u, const ash_finding *f),
                         void *u) {
  int rc = begin_read(c);
  if (!rc)
    rc = ash_buf_printf(&c->sql, "SELECT json FROM %s.findings FINAL WHERE deleted = 0", c->url.db);
  if (!rc && hunt) rc = quoted(c, " AND hunt = ", hunt, "");
  /* the SQLite store's order: score, then first seen (an unset one, the
   * smallest number, first, as NULL sorts there), then id */
  if (!rc) rc = ash_buf_adds(&c->sql, " ORDER BY score DESC, first_seen, id");
  findings_walk w = {cb, u};
  if (!rc) rc = walk(c, 1, on_finding_row, &w, "reading the findings");
  return rc;
}

/* ---- entities (the environment profile, plan, report; entities.c) */

typedef struct entity_walk {
  int (*cb)(void *u, const ash_entity_count *e);
  void *u;
  const char *kind;
  unsigned max_private, kept;
} entity_walk;

static int on_entity(void *u, char **f, size_t *len) {
  entity_walk *w = u;
  if (!len[0]) return ASH_OK;
  if (w->max_private) {
    /* addresses: only internal ones identify the environment */
    ash_ip ip;
    if (ash_ip_parse(ash_str_make(f[0], len[0]), &ip) || !ash_ip_is_private(&ip)) return ASH_OK;
    if (w->kept++ >= w->max_private) return ASH_ESTOP;
  }
  ash_entity_count e = {w->kind, f[0], strtoull(f[1], NULL, 10), f[2][0] == '1'};
  return w->cb(w->u, &e);
}

/* privileged, as entities.c says why: special privileges at logon
 * (4672), a firewall admin login, or RDP into three or more machines */
#define PRIVILEGED                                                                                 \
  "(max(event_id = 4672 OR kind IN ('admin.login', 'win.privilege')) OR"                           \
  " uniqExactIf(lower(host), kind = 'win.logon' AND logon_type = 10) >= 3)"

/* One spelling of each case-insensitive group, the one the SQLite store's
 * GROUP BY ... COLLATE NOCASE gives: that of the group's first row in the
 * order the rows are read (rowid order in a table scan; the events' arm
 * before the flows'); the flows' and the events' counts added. */
static int entity_sql(ash_chstore *c, const char *col, int users) {
  const char *db = c->url.db;
  return ash_buf_printf(
      &c->sql,
      "SELECT argMin(name, ord), sum(n), max(p) FROM ("
      "SELECT lower(%s) AS k, argMin(%s, id) AS name, count() AS n, %s AS p,"
      " 1 AS ord FROM %s.events WHERE %s != '' AND source_id" ALIVE_IDS(
          "%s") " GROUP BY k UNION ALL SELECT lower(%s) AS k, argMin(%s, id) AS name,"
                " count() AS n, 0 AS p, 2 AS ord FROM %s.flows WHERE %s != '' AND"
                " source_id" ALIVE_IDS("%s") " GROUP BY k) GROUP BY k ORDER BY k",
      col, col, users ? PRIVILEGED : "0", db, col, db, col, col, db, col, db);
}

int ash_chstore_entities_of(ash_chstore *c, unsigned kinds,
                            int (*cb)(void *u, const ash_entity_count *e), void *u) {
  static const struct {
    unsigned bit;
    const char *kind, *col;
  } K[] = {{ASH_ENTITY_HOSTS, "host", "host"},
           {ASH_ENTITY_USERS, "user", "user"},
           {ASH_ENTITY_DOMAINS, "domain", "domain"}};
  int rc = ASH_OK;
  for (size_t i = 0; !rc && i < 3; i++) {
    if (!(kinds & K[i].bit)) continue;
    rc = begin_read(c);
    if (!rc) rc = entity_sql(c, K[i].col, K[i].bit == ASH_ENTITY_USERS);
    entity_walk w = {cb, u, K[i].kind, 0, 0};
    if (!rc) rc = walk(c, 3, on_entity, &w, "reading the entities");
  }
  if (!rc && (kinds & ASH_ENTITY_IPS)) {
    const char *db = c->url.db;
    rc = begin_read(c);
    if (!rc)
      rc = ash_buf_printf(
          &c->sql,
          "SELECT ip, sum(n) AS n, 0 FROM (SELECT dst_ip AS ip, count() AS n FROM"
          " %s.events WHERE dst_ip != '' AND source_id" ALIVE_IDS(
              "%s") " GROUP BY ip UNION ALL SELECT " FLOW_DST_TEXT " AS ip, count() AS n"
                    " FROM %s.flows WHERE bitAnd(afam, 12) != 0 AND source_id" ALIVE_IDS(
                        "%s") " GROUP BY ip) GROUP BY ip ORDER BY n DESC, ip",
          db, db, db, db);
    entity_walk w = {cb, u, "ip", ASH_MAX_CASE_IPS, 0};
    if (!rc) rc = walk(c, 3, on_entity, &w, "reading the entities");
    if (rc == ASH_ESTOP) rc = ASH_OK; /* the cap of busiest addresses */
  }
  return rc;
}

typedef struct name_walk {
  int (*cb)(void *u, const char *name);
  void *u;
} name_walk;

static int on_name(void *u, char **f, size_t *len) {
  name_walk *w = u;
  return len[0] ? w->cb(w->u, f[0]) : ASH_OK;
}

int ash_chstore_event_hosts(ash_chstore *c, const char *const *kinds, size_t n,
                            int (*cb)(void *u, const char *host), void *u) {
  if (!n || n > 8) return ASH_EUSAGE;
  int rc = begin_read(c);
  const char *db = c->url.db;
  if (!rc)
    /* the first spelling in the order SQLite reads them: its (kind, ts)
     * index, the kinds of the IN list in sorted order */
    rc = ash_buf_printf(
        &c->sql, "SELECT argMin(host, tuple(kind, ts, id)) FROM %s.events WHERE kind IN (", db);
  for (size_t i = 0; !rc && i < n; i++) rc = quoted(c, i ? ", " : "", kinds[i], "");
  if (!rc)
    rc = ash_buf_printf(&c->sql,
                        ") AND host != '' AND source_id" ALIVE_IDS(
                            "%s") " GROUP BY lower(host) ORDER BY lower(host)",
                        db);
  name_walk w = {cb, u};
  if (!rc) rc = walk(c, 1, on_name, &w, "reading the hosts");
  return rc;
}

int ash_chstore_privileged_users(ash_chstore *c, int (*cb)(void *u, const char *user), void *u) {
  int rc = begin_read(c);
  const char *db = c->url.db;
  if (!rc)
    rc = ash_buf_printf(&c->sql,
                        "SELECT argMin(user, id) FROM %s.events WHERE user != '' AND"
                        " source_id" ALIVE_IDS("%s") " GROUP BY lower(user) HAVING " PRIVILEGED
                                                     " ORDER BY lower(user)",
                        db, db);
  name_walk w = {cb, u};
  if (!rc) rc = walk(c, 1, on_name, &w, "reading the privileged accounts");
  return rc;
}

typedef struct file_walk {
  int (*cb)(void *u, const ash_event *ev, const char *source_path, int ref_is_record);
  void *u;
} file_walk;

static int on_file_event(void *u, const ash_event *ev, const char *source_path, int ref_is_record,
                         const char *attrs) {
  (void)attrs;
  file_walk *w = u;
  return w->cb(w->u, ev, source_path, ref_is_record);
}

int ash_chstore_file_events(ash_chstore *c,
                            int (*cb)(void *u, const ash_event *ev, const char *source_path,
                                      int ref_is_record),
                            void *u) {
  int rc = ash_chstore_commit(c);
  if (rc) return rc;
  file_walk fw = {cb, u};
  events_walk w = {.c = c, .cb_path = on_file_event, .u = &fw};
  rc = use_cache(c, &w);
  const char *db = c->url.db;
  /* no flow has a file: the events table alone */
  if (!rc)
    rc = sqlf(c,
              "SELECT " WIDE_COLS " FROM %s.events WHERE source_id" ALIVE_IDS(
                  "%s") " AND (sha256 != '' OR path != '') ORDER BY ts, id",
              db, db);
  if (!rc) rc = rows_query(c, on_event, &w, "reading the events that name a file");
  return rc;
}

/* ---- one event by id (a finding's evidence): a list of one */

typedef struct one_walk {
  int (*cb)(void *u, const ash_event *ev, const ash_source_info *src);
  void *u;
  int found;
} one_walk;

static int one_event_cb(void *u, size_t i, const ash_event *ev, const ash_source_info *src) {
  (void)i;
  one_walk *w = u;
  w->found = 1;
  return w->cb(w->u, ev, src);
}

int ash_chstore_event(ash_chstore *c, int64_t id,
                      int (*cb)(void *u, const ash_event *ev, const ash_source_info *src),
                      void *u) {
  one_walk w = {cb, u, 0};
  int rc = ash_chstore_events_by_id(c, &id, 1, one_event_cb, &w);
  return !rc && !w.found ? ASH_ENOTFOUND : rc;
}
