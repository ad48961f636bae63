/* The SQLite case store. See include/ashiato/store.h for the contract. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "ashiato/buf.h"
#include "ashiato/ch.h"
#include "store_internal.h"

/* 2: typed flows (flows, dict, attr_shapes), events_wide and the events
 * view. A case of version 1 is refused with ASH_EVERSION (see open). */
/* 3: flows' attribute values may be in flow_blocks. A case of schema 2
 * has none and reads the same, so it is read as it is and marked 3 when
 * opened for writing (an ashiato of schema 2 would show a block reference
 * as the values themselves: it refuses a case of 3, saying so). */
/* 4: any event's attribute values may be in flow_blocks: events_wide
 * has shape and vals as flows has. A case of 2 or 3 has no such rows and
 * reads the same; opened for writing it gets the columns and the events
 * view that reads them, and is marked 4 (an ashiato of 3 would read the
 * attributes of such rows as NULL: it refuses a case of 4, saying so). */
#define SCHEMA_VERSION "4"
/* the earlier versions this one reads, as an SQL list and one by one */
#define SCHEMA_VERSIONS_READ "2,3"
static const char *const VERSIONS_READ[] = {"2", "3"};
/* Events per write transaction: large enough to amortise the commit,
 * small enough that a killed ingest loses little work. */
#define TXN_ROWS 250000

/* One arm of the events view over flows: the row as the wide table held
 * it (addresses as text, strings from the dictionary, attributes joined
 * back by ash_attrs). kind is a constant per arm, so that a query for
 * other kinds skips the flows (SQLite pushes the WHERE into each arm of a
 * UNION ALL view and evaluates a constant term once, before the loop). */
/* clang-format off */
#define FLOW_COLS_AS_WIDE(kind)                                                                    \
  "SELECT f.id,f.source_id,f.ref,f.ts," kind "," DICT("host") "," DICT("user") ","                \
  DICT("domain") "," IP_TEXT("src", "src6") ",f.sport," IP_TEXT("dst", "dst6") ",f.dport,NULL,"   \
  DICT("proto") "," DICT("action") "," DICT("app") "," DICT("service") ",f.bytes_out,"            \
  "f.bytes_in,f.packets_out,f.packets_in,f.dur,NULL,f.event_id,NULL,NULL,NULL,NULL,NULL,NULL,"    \
  "NULL,CASE WHEN f.shape IS NULL THEN f.attrs ELSE ash_attrs((SELECT keys FROM attr_shapes"      \
  " WHERE id=f.shape),f.vals) END AS attrs FROM flows f"
/* The columns of events_wide but its attributes (the view wide_events) */
#define WIDE_COLS                                                                                  \
  "id,source_id,ref,ts,kind,host,user,domain,src_ip,src_port,dst_ip,dst_port,tunnel_ip,proto,"     \
  "action,app,service,bytes_out,bytes_in,packets_out,packets_in,duration,logon_type,event_id,"     \
  "channel,process,parent_process,command_line,threat,path,sha256,flow_flags,bytes_total"
/* The attributes of an events_wide row: its JSON, or its shape's keys
 * with the values its vals name (flows.c) */
#define WIDE_ATTRS                                                                                 \
  "CASE WHEN shape IS NULL THEN attrs ELSE ash_attrs((SELECT keys FROM attr_shapes"                \
  " WHERE id=shape),vals) END"
#define FLOW_ARM(kind, deny) FLOW_COLS_AS_WIDE(kind) " WHERE f.flags&4" deny
/* clang-format on */

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS sources("
    " id INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER, sha256 TEXT NOT NULL,"
    " format TEXT, ref_is_record INTEGER NOT NULL DEFAULT 0,"
    " read INTEGER NOT NULL DEFAULT 0, parsed INTEGER NOT NULL DEFAULT 0,"
    " rejected INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0,"
    " first_ts INTEGER, last_ts INTEGER, complete INTEGER NOT NULL DEFAULT 0,"
    " ingested_at INTEGER, mtime_ns INTEGER);"
    "CREATE INDEX IF NOT EXISTS sources_sha256 ON sources(sha256);"
    "CREATE TABLE IF NOT EXISTS events_wide("
    " id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, ref INTEGER, ts INTEGER,"
    " kind TEXT, host TEXT, user TEXT, domain TEXT, src_ip TEXT, src_port INTEGER,"
    " dst_ip TEXT, dst_port INTEGER, tunnel_ip TEXT, proto TEXT, action TEXT, app TEXT,"
    " service TEXT, bytes_out INTEGER, bytes_in INTEGER, packets_out INTEGER,"
    " packets_in INTEGER, duration INTEGER, logon_type INTEGER, event_id INTEGER,"
    " channel TEXT, process TEXT, parent_process TEXT, command_line TEXT, threat TEXT,"
    " path TEXT, sha256 TEXT, attrs TEXT, flow_flags INTEGER, bytes_total INTEGER,"
    " shape INTEGER, vals TEXT);"
    "CREATE TABLE IF NOT EXISTS dict(id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS attr_shapes(id INTEGER PRIMARY KEY, keys TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS flows("
    " id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, ref INTEGER, ts INTEGER, dur INTEGER,"
    " flags INTEGER NOT NULL, src INTEGER, dst INTEGER, sport INTEGER, dport INTEGER,"
    " proto INTEGER, action INTEGER, app INTEGER, service INTEGER, host INTEGER, user INTEGER,"
    " domain INTEGER, bytes_out INTEGER, bytes_in INTEGER, packets_out INTEGER,"
    " packets_in INTEGER, bytes_total INTEGER, event_id INTEGER, src6 TEXT, dst6 TEXT,"
    " shape INTEGER, vals TEXT, attrs TEXT);"
    /* the attribute values of flows in zstd blocks (flows.c); AUTOINCREMENT
     * so that a block's rowid never names another block later (readers
     * cache blocks by rowid) */
    "CREATE TABLE IF NOT EXISTS flow_blocks("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, source_id INTEGER NOT NULL, z BLOB NOT NULL);"
    "CREATE VIEW IF NOT EXISTS events AS"
    " SELECT id,source_id,ref,ts,kind,host,user,domain,src_ip,src_port,dst_ip,dst_port,"
    " tunnel_ip,proto,action,app,service,bytes_out,bytes_in,packets_out,packets_in,duration,"
    " logon_type,event_id,channel,process,parent_process,command_line,threat,path,"
    "sha256," WIDE_ATTRS " AS attrs FROM events_wide"
    " UNION ALL " FLOW_ARM("'net.flow'", "=0") " UNION ALL " FLOW_ARM(
        "'net.deny'", "<>0") ";"
                             /* the flows alone in the wide form, one SELECT (no UNION): a query
                              * on it ordered by ts, id reads the flows_ts index, no sort
                              * (events_query) */
                             "CREATE VIEW IF NOT EXISTS "
                             "flow_events(id,source_id,ref,ts,kind,host,user,domain,src_ip,"
                             "src_port,dst_ip,dst_port,tunnel_ip,proto,action,app,service,bytes_"
                             "out,bytes_in,packets_out,"
                             "packets_in,duration,logon_type,event_id,channel,process,parent_"
                             "process,command_line,threat,"
                             "path,sha256,attrs) AS " FLOW_COLS_AS_WIDE(
                                 "CASE WHEN f.flags&4 THEN 'net.deny' ELSE 'net.flow' END AS "
                                 "kind") ";"
                                         "CREATE TABLE IF NOT EXISTS rejects("
                                         " id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, "
                                         "ref INTEGER, reason TEXT,"
                                         " raw BLOB);";

/* Maintained row by row from the first event on. Building it after the
 * ingest instead was slower: the build is a serial pass over the whole
 * table (0.7 s for 1M FortiGate rows, with nothing else to overlap),
 * while keeping it up to date costs the writer thread little because
 * a source's events arrive nearly in time order (2.4 s vs 2.7 s for the
 * whole ingest, bench/run-ingest.sh). One index on (kind, ts) serves the
 * hunts, which always select by kind. */
static const char *INDEXES = "CREATE INDEX IF NOT EXISTS events_kind_ts ON events_wide(kind, ts);"
                             "CREATE INDEX IF NOT EXISTS flows_ts ON flows(ts);"
                             "CREATE INDEX IF NOT EXISTS rejects_source ON rejects(source_id);";

/* Columns of sources added after its first version. A case from before
 * has them added (ALTER TABLE) when opened for writing, and is read
 * without them (as NULL) when opened read-only; a new case gets them the
 * same way, so that the upgrade path runs on every case. */
static const char *const SOURCE_COLS[][2] = {
    {"skip_reason", "TEXT"},  /* a skipped input: why (store.h) */
    {"continues", "INTEGER"}, /* a continuation: the source it continues */
    {"base_size", "INTEGER"}, /* ... and where its own bytes begin */
    {"head_sha256", "TEXT"},  /* SHA-256 of the first ASH_HEAD_BYTES */
};
enum { NSOURCE_COLS = sizeof SOURCE_COLS / sizeof SOURCE_COLS[0] };

struct ash_store {
  ash_chstore *ch; /* a case in ClickHouse: every call goes there (chstore.c) */
  sqlite3 *db;
  int readonly;
  int has_mtime;   /* sources.mtime_ns exists (cases made before it lack it) */
  int wide_view;   /* temp.wide_events: 0 none, 1 JSON only, 2 blocks too */
  int source_cols; /* the SOURCE_COLS are there */
  int in_txn;
  /* the first write error: once a write failed, the open transaction was
   * rolled back whole and every later write returns this (see abort_txn) */
  int failed;
  uint64_t commits; /* write transactions committed by this handle */
  uint64_t txn_rows, txn_max;
  sqlite3_stmt *ins_short, *ins_long, *ins_reject;
  ash_flowdb *flows;         /* the typed flows writer (flows.c) */
  int64_t next_id;           /* the id of the next event row, flows or wide */
  char ip[3][ASH_IP_STRLEN]; /* formatted addresses, bound static until the step */
  ash_buf attrs;
  char err[256];
};

sqlite3 *ash_store_sqlite(ash_store *s) { return s->db; }

const char *ash_store_errmsg(const ash_store *s) {
  return s->ch ? ash_chstore_errmsg(s->ch) : s->err;
}

ash_chstore *ash_store_ch(const ash_store *s) { return s ? s->ch : NULL; }

/* The connection's last error as the store's message: ASH_ENOMEM when
 * memory ran out (in SQLite, or in one of our SQL functions: ash_attrs
 * reading a block of flows' attributes), which says nothing of the case;
 * else ASH_ESTORE. */
static int fail(ash_store *s) {
  snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(s->db));
  return sqlite3_errcode(s->db) == SQLITE_NOMEM ? ASH_ENOMEM : ASH_ESTORE;
}

int ash_store_sql_fail(ash_store *s) { return fail(s); }

/* A write inside the ingest's transaction failed (disk full, I/O error,
 * out of memory). SQLite may have rolled back only the statement, or the
 * whole transaction on its own (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM
 * may do either: https://sqlite.org/lang_transaction.html, "Response To
 * Errors Within A Transaction"). If this handle went on writing after an
 * automatic rollback, each later INSERT would commit on its own in
 * autocommit mode: events of a source whose row was rolled back, stored
 * for good (that is how a full disk once left 11,011 orphan events and
 * duplicated a day on the re-run). So: roll back whatever is left of the
 * transaction, and refuse every later write on this handle. The case then
 * holds exactly what earlier commits stored, and the same ingest completes
 * it. */
static int abort_txn(ash_store *s, int rc) {
  if (!s->failed) {
    if (!s->err[0] || rc != ASH_ESTORE) snprintf(s->err, sizeof s->err, "%s", ash_strerror(rc));
    s->failed = rc ? rc : ASH_ESTORE;
  }
  if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  s->in_txn = 0;
  ash_flowdb_forget(s->flows);
  return s->failed;
}

/* Writes go through this: a failure aborts the transaction (abort_txn). */
static int wfail(ash_store *s) {
  fail(s);
  return abort_txn(s, ASH_ESTORE);
}

static int exec(ash_store *s, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(s->err, sizeof s->err, "%s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return ASH_ESTORE;
  }
  return ASH_OK;
}

static int begin(ash_store *s) {
  if (s->failed) return s->failed;
  if (s->in_txn) return ASH_OK;
  int rc = exec(s, "BEGIN IMMEDIATE");
  if (!rc) {
    s->in_txn = 1;
    s->txn_rows = 0;
  }
  /* Events and flows share one id space (the events view, and evidence
   * refs to a row by id, need ids unique across both tables). Read under
   * the write lock, at every transaction: another process may have added
   * rows since this handle's last commit. */
  sqlite3_stmt *st = NULL;
  if (!rc &&
      sqlite3_prepare_v2(s->db,
                         "SELECT max(coalesce((SELECT max(id) FROM events_wide),0),"
                         "coalesce((SELECT max(id) FROM flows),0))+1",
                         -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    s->next_id = sqlite3_column_int64(st, 0);
  else if (!rc)
    rc = abort_txn(s, fail(s));
  sqlite3_finalize(st);
  return rc;
}

int ash_store_commit(ash_store *s) {
  if (s->ch) return ash_chstore_commit(s->ch);
  if (s->failed) return s->failed;
  if (!s->in_txn) return ASH_OK;
  /* a COMMIT that fails (the journal cannot be written, the disk is full
   * when the pages are) leaves the transaction open or rolled back: either
   * way nothing of it may be taken as stored */
  if (exec(s, "COMMIT")) return abort_txn(s, ASH_ESTORE);
  s->in_txn = 0;
  s->commits++;
  return ASH_OK;
}

uint64_t ash_store_commit_seq(const ash_store *s) {
  return s->ch ? ash_chstore_commit_seq(s->ch) : s->commits;
}

int ash_store_failed(const ash_store *s) { return s->ch ? ash_chstore_failed(s->ch) : s->failed; }

/* 1 when table has the column (fixed names only: no user text here). */
static int has_column(ash_store *s, const char *table, const char *col) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", col, table);
  sqlite3_stmt *st = NULL;
  int ok = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK;
  sqlite3_finalize(st);
  return ok;
}

/* Which SOURCE_COLS the sources table has (bit i for column i). */
static int source_cols_present(ash_store *s, unsigned *have) {
  *have = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "PRAGMA table_info(sources)", -1, &st, NULL) != SQLITE_OK)
    return fail(s);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 1);
    for (int i = 0; name && i < NSOURCE_COLS; i++)
      if (!strcmp(name, SOURCE_COLS[i][0])) *have |= 1u << i;
  }
  sqlite3_finalize(st);
  return ASH_OK;
}

/* Add the SOURCE_COLS a case lacks (see above). Called inside the open's
 * write transaction, with the schema and the case's mark: all of it or
 * none, in one commit, and a second ingest opening an old case at once
 * waits for the lock (BEGIN IMMEDIATE, busy timeout), then finds the
 * columns there. */
static int upgrade_sources(ash_store *s) {
  unsigned have;
  int rc = source_cols_present(s, &have);
  for (int i = 0; !rc && i < NSOURCE_COLS; i++) {
    if (have & (1u << i)) continue;
    char sql[128];
    snprintf(sql, sizeof sql, "ALTER TABLE sources ADD COLUMN %s %s", SOURCE_COLS[i][0],
             SOURCE_COLS[i][1]);
    rc = exec(s, sql);
  }
  /* skipped rows are looked up by path at every source begin */
  if (!rc)
    rc = exec(s, "CREATE INDEX IF NOT EXISTS sources_skipped ON sources(path)"
                 " WHERE skip_reason IS NOT NULL");
  if (!rc) s->source_cols = 1;
  return rc;
}

/* A case made by an earlier version (schema 1: one wide events table) is
 * refused, never read or written: its flows are not in the typed tables
 * the hunts read, so reading it would give silently wrong answers, and
 * writing into it would mix two layouts. The evidence it names is still
 * there; a new ingest builds the case again. An empty file (a first
 * ingest killed before its first commit) has no meta and is not here. */
static int check_version(ash_store *s) {
  sqlite3_stmt *st = NULL;
  char have[32] = "";
  if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st,
                         NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(st, 0);
    if (t) snprintf(have, sizeof have, "%s", (const char *)t);
  }
  sqlite3_finalize(st);
  if (!strcmp(have, SCHEMA_VERSION)) return ASH_OK;
  for (size_t i = 0; i < sizeof VERSIONS_READ / sizeof VERSIONS_READ[0]; i++)
    if (!strcmp(have, VERSIONS_READ[i])) return ASH_OK;
  snprintf(s->err, sizeof s->err,
           "case made by an earlier version of ashiato (schema %s, this version reads %s): "
           "ingest the evidence again into a new case",
           have[0] ? have : "unknown", SCHEMA_VERSION);
  return ASH_EVERSION;
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
/* No global memory statistics: they take a process-wide mutex on every
 * allocation SQLite makes (0.15 s of 2.4 s for 1M FortiGate lines). Refused
 * without effect if the process used SQLite before. */
static void sqlite_setup(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

/* A case in ClickHouse: the handle holds only its chstore. The reason a
 * URL cannot be opened is kept in the message of a store that is then
 * closed: ash_store_open_error gives it to the caller. */
static __thread char open_err[ASH_CH_MAX_ERRTEXT + 256];
const char *ash_store_open_error(void) { return open_err; }

static int open_ch(ash_store **out, const char *url, int flags) {
  ash_store *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  open_err[0] = 0;
  int rc = ash_chstore_open(&s->ch, url, flags, open_err, sizeof open_err);
  if (rc) {
    free(s);
    return rc;
  }
  ash_buf_init(&s->attrs, ASH_MAX_ATTRS_JSON);
  *out = s;
  return ASH_OK;
}

int ash_store_open(ash_store **out, const char *path, int flags) {
  if (ash_ch_is_url(path)) return open_ch(out, path, flags);
  struct stat st;
  int exists = stat(path, &st) == 0;
  if (!exists && !(flags & ASH_STORE_CREATE)) return ASH_ENOTFOUND;
  ash_store *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  ash_buf_init(&s->attrs, ASH_MAX_ATTRS_JSON);
  s->readonly = !!(flags & ASH_STORE_READONLY);
  s->txn_max = TXN_ROWS;
  /* ASHIATO_TXN_ROWS: rows per write transaction, for the fault tests
   * (bench/bench_faults.sh), which need a small case to commit several
   * times before the disk fills or the process is killed */
  const char *tr = getenv("ASHIATO_TXN_ROWS");
  if (tr && *tr) {
    char *e;
    unsigned long long v = strtoull(tr, &e, 10);
    if (!*e && v > 0) s->txn_max = v;
  }
  pthread_once(&sqlite_once, sqlite_setup);
  /* A reader cannot roll back a hot journal (a writer killed mid-commit)
   * and would see SQLITE_READONLY_ROLLBACK; the journal is replayed here
   * by a brief read-write open, as any writer would, so that readers see
   * the last committed state. The case is ours; the evidence is not
   * touched. */
  if (s->readonly && exists) {
    char jp[4096];
    struct stat js;
    if (snprintf(jp, sizeof jp, "%s-journal", path) < (int)sizeof jp && stat(jp, &js) == 0) {
      sqlite3 *w = NULL;
      if (sqlite3_open_v2(path, &w, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) ==
          SQLITE_OK) {
        sqlite3_busy_timeout(w, 10000);
        sqlite3_exec(w, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
      }
      sqlite3_close(w);
      if (stat(path, &st) != 0) {
        ash_store_close(s);
        return ASH_ENOTFOUND;
      }
    }
  }
  int of = s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path, &s->db, of | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    ash_store_close(s);
    return ASH_ESTORE;
  }
  sqlite3_busy_timeout(s->db, 10000);
  int rc = ASH_OK;
  if (exists) {
    /* refuse anything that is not an ashiato case: we never write into a
     * file we did not create */
    sqlite3_stmt *st2 = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='ashiato'", -1, &st2, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st2) != SQLITE_ROW) {
      /* size as of now: the probe may have rolled back a hot journal left
       * by a process killed while it created this case, emptying it */
      struct stat now;
      rc = stat(path, &now) == 0 && now.st_size == 0 ? ASH_OK : ASH_EFORMAT;
      /* an empty file is a case whose first ingest was killed before its
       * first commit: a writer takes it over, a reader has nothing */
      if (!rc && s->readonly) rc = ASH_ENOTFOUND;
    }
    sqlite3_finalize(st2);
    if (rc) {
      snprintf(s->err, sizeof s->err, "not an ashiato case store");
      ash_store_close(s);
      return rc;
    }
    /* the version of a case that has its mark (an empty file, a first
     * ingest killed before its first commit, has none and is taken over) */
    if (!rc &&
        sqlite3_prepare_v2(s->db, "SELECT 1 FROM meta WHERE key='ashiato'", -1, &st2, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st2) == SQLITE_ROW)
      rc = check_version(s);
    sqlite3_finalize(st2);
    if (rc) {
      ash_store_close(s);
      return rc;
    }
  }
  rc = ash_flowdb_open(&s->flows, s->db);
  if (!rc) rc = ash_flowdb_register(s->flows);
  if (rc) {
    ash_store_close(s);
    return rc;
  }
  if (!s->readonly) {
    /* A rollback journal, not WAL: an ingest appends pages, which a rollback
     * journal does not copy, where WAL writes every page twice (WAL, then
     * the checkpoint): 5.0 s -> 3.1 s for 1M FortiGate lines on disk.
     * Readers still read during an ingest, except while it commits (every
     * TXN_ROWS events; the busy timeout covers that). A case left in WAL
     * mode by an earlier version is switched when no one else has it open,
     * and otherwise stays in WAL, which is just as correct. */
    rc = exec(s, "PRAGMA page_size=16384");
    if (!rc) exec(s, "PRAGMA journal_mode=DELETE");
    if (!rc)
      rc = exec(s, "PRAGMA synchronous=NORMAL;"
                   "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-262144; PRAGMA threads=2;");
    /* the schema and the mark that makes the file a case, in one
     * transaction: a process killed while creating the case leaves an empty
     * file (its journal rolls the rest back), which the next open takes
     * over, never tables without the mark, which it would refuse as "not
     * an ashiato case" */
    if (!rc) rc = exec(s, "BEGIN IMMEDIATE");
    /* a case of schema 2 or 3: events_wide gets shape and vals, and the
     * events view is made again to read them (SCHEMA below) */
    if (!rc && has_column(s, "events_wide", "id") && !has_column(s, "events_wide", "shape"))
      rc = exec(s, "ALTER TABLE events_wide ADD COLUMN shape INTEGER;"
                   "ALTER TABLE events_wide ADD COLUMN vals TEXT;"
                   "DROP VIEW IF EXISTS events;");
    if (!rc) rc = exec(s, SCHEMA);
    if (!rc) rc = exec(s, INDEXES);
    if (!rc)
      rc = exec(s, "INSERT OR IGNORE INTO meta VALUES('ashiato','case');"
                   "INSERT OR IGNORE INTO meta VALUES('schema_version'," SCHEMA_VERSION ");"
                   "UPDATE meta SET value=" SCHEMA_VERSION " WHERE key='schema_version'"
                   " AND value IN (" SCHEMA_VERSIONS_READ ");");
    /* sources.mtime_ns came later: a case made before it gets the column,
     * empty for its old sources (raw.h then checks size and hash only) */
    if (!rc && !has_column(s, "sources", "mtime_ns"))
      rc = exec(s, "ALTER TABLE sources ADD COLUMN mtime_ns INTEGER");
    /* in the same transaction: a case is never left with half its columns */
    if (!rc) rc = upgrade_sources(s);
    if (!rc)
      rc = exec(s, "COMMIT");
    else if (!sqlite3_get_autocommit(s->db))
      sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc) {
      ash_store_close(s);
      return rc;
    }
  } else {
    unsigned have = 0;
    if (exists && source_cols_present(s, &have) == ASH_OK)
      s->source_cols = have == (1u << NSOURCE_COLS) - 1;
  }
  s->has_mtime = has_column(s, "sources", "mtime_ns");
  rc = ash_store_wide_view(s);
  if (rc) {
    ash_store_close(s);
    return rc;
  }
  *out = s;
  return ASH_OK;
}

/* wide_events, for this connection only: events_wide with each row's
 * attributes as JSON in attrs however they are kept, which the store's
 * readers select from. A case of schema 2 or 3 read without writing has
 * no shape column and only JSON; another process may upgrade it while
 * this one reads, so until the column is there each reader's query looks
 * again (a prepare), and then the view reads the blocks too. */
int ash_store_wide_view(ash_store *s) {
  if (s->ch || s->wide_view == 2) return ASH_OK;
  int shape = has_column(s, "events_wide", "shape");
  if (s->wide_view == 1 && !shape) return ASH_OK;
  if (!has_column(s, "events_wide", "id")) return ASH_OK; /* no table yet: nothing to read */
  int rc = exec(s, shape ? "DROP VIEW IF EXISTS temp.wide_events;"
                           "CREATE TEMP VIEW wide_events AS SELECT " WIDE_COLS "," WIDE_ATTRS
                           " AS attrs FROM main.events_wide"
                         : "DROP VIEW IF EXISTS temp.wide_events;"
                           "CREATE TEMP VIEW wide_events AS SELECT " WIDE_COLS ",attrs"
                           " FROM main.events_wide");
  if (!rc) s->wide_view = shape ? 2 : 1;
  return rc;
}

int ash_store_close(ash_store *s) {
  if (!s) return ASH_OK;
  int rc = ASH_OK;
  if (s->ch) rc = ash_chstore_close(s->ch);
  if (s->db) {
    rc = ash_store_commit(s);
    sqlite3_finalize(s->ins_short);
    sqlite3_finalize(s->ins_long);
    sqlite3_finalize(s->ins_reject);
    ash_flowdb_close(s->flows);
    sqlite3_close(s->db);
  }
  ash_buf_free(&s->attrs);
  free(s);
  return rc;
}

static int delete_source(ash_store *s, int64_t id) {
  static const char *sql[] = {
      "DELETE FROM events_wide WHERE source_id=?", "DELETE FROM flows WHERE source_id=?",
      "DELETE FROM flow_blocks WHERE source_id=?", "DELETE FROM rejects WHERE source_id=?",
      "DELETE FROM sources WHERE id=?"};
  for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) return wfail(s);
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) return wfail(s);
  }
  return ASH_OK;
}

static int maybe_roll(ash_store *s, size_t rows);

/* The skipped row of path, if any, is replaced by what happens to path
 * now: a source, a duplicate, or another skipped row. */
static int delete_skipped(ash_store *s, const char *path) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "DELETE FROM sources WHERE path=? AND skip_reason IS NOT NULL", -1,
                         &st, NULL) != SQLITE_OK)
    return wfail(s);
  sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  return r == SQLITE_DONE ? ASH_OK : wfail(s);
}

int ash_store_source_skip(ash_store *s, const char *path, uint64_t size, const char *sha256,
                          const char *reason, int64_t *id) {
  if (s->ch) return ash_chstore_source_skip(s->ch, path, size, sha256, reason, id);
  if (s->readonly) return ASH_EUSAGE;
  int rc = begin(s);
  if (!rc) rc = delete_skipped(s, path);
  if (rc) return rc;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "INSERT INTO sources(path,size,sha256,skip_reason,ingested_at)"
                         " VALUES(?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return wfail(s);
  sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
  sqlite3_bind_text(st, 3, sha256 ? sha256 : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, reason && *reason ? reason : "not read", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_DONE) return wfail(s);
  *id = sqlite3_last_insert_rowid(s->db);
  return maybe_roll(s, 0);
}

int ash_store_source_begin(ash_store *s, const char *path, uint64_t size, const char *sha256,
                           const char *format, int64_t *id, int *duplicate) {
  if (s->ch) return ash_chstore_source_begin(s->ch, path, size, sha256, format, id, duplicate);
  if (s->readonly) return ASH_EUSAGE;
  int rc = begin(s);
  if (rc) return rc;
  *duplicate = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT id, complete FROM sources WHERE skip_reason IS NULL AND"
                         " (sha256=?1 OR (sha256='' AND complete=0 AND size=?2 AND path=?3))",
                         -1, &st, NULL) != SQLITE_OK)
    return wfail(s);
  sqlite3_bind_text(st, 1, sha256 ? sha256 : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
  sqlite3_bind_text(st, 3, path, -1, SQLITE_TRANSIENT);
  int64_t stale[16];
  int nstale = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (sqlite3_column_int(st, 1)) {
      *id = sqlite3_column_int64(st, 0);
      *duplicate = 1;
    } else if (nstale < 16) {
      stale[nstale++] = sqlite3_column_int64(st, 0);
    }
  }
  sqlite3_finalize(st);
  /* an ingest of this content that was killed: remove what it left */
  for (int i = 0; i < nstale && !rc; i++) rc = delete_source(s, stale[i]);
  if (!rc) rc = delete_skipped(s, path);
  if (rc || *duplicate) return rc;
  if (sqlite3_prepare_v2(s->db,
                         "INSERT INTO sources(path,size,sha256,format,ref_is_record,ingested_at)"
                         " VALUES(?,?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return wfail(s);
  const ash_format *f = format ? ash_format_find(format) : NULL;
  sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
  sqlite3_bind_text(st, 3, sha256 ? sha256 : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, format, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 5, f ? f->ref_is_record : 0);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_DONE) return wfail(s);
  *id = sqlite3_last_insert_rowid(s->db);
  /* the source row is visible (incomplete) from the first commit on */
  return ASH_OK;
}

static void bind_str(sqlite3_stmt *st, int i, ash_str v) {
  if (v.n)
    sqlite3_bind_text(st, i, v.p, (int)v.n, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}
static void bind_i64(sqlite3_stmt *st, int i, int64_t v) {
  if (v != ASH_UNSET)
    sqlite3_bind_int64(st, i, v);
  else
    sqlite3_bind_null(st, i);
}
static void bind_ip(sqlite3_stmt *st, int i, const ash_ip *ip, char *tmp) {
  if (!ip->fam) {
    sqlite3_bind_null(st, i);
    return;
  }
  ash_ip_format(ip, tmp);
  sqlite3_bind_text(st, i, tmp, -1, SQLITE_STATIC);
}

static int maybe_roll(ash_store *s, size_t rows) {
  s->txn_rows += rows;
  if (s->txn_rows < s->txn_max) return ASH_OK;
  int rc = ash_store_commit(s);
  return rc ? rc : begin(s);
}

int ash_store_add_event(ash_store *s, int64_t id, const ash_event *ev) {
  if (!ev->nattrs) return ash_store_add_event_attrs(s, id, ev, NULL, 0);
  int rc = ash_event_attrs_json(ev, &s->attrs);
  if (rc == ASH_ELIMIT) {
    /* keep the event and say that its attributes were cut */
    ash_buf_reset(&s->attrs);
    rc = ash_buf_adds(&s->attrs, "{\"_truncated\":\"attributes exceeded 256 KiB\"}");
  }
  if (rc) return rc;
  return ash_store_add_event_attrs(s, id, ev, s->attrs.p, s->attrs.n);
}

int ash_store_add_event_attrs(ash_store *s, int64_t id, const ash_event *ev, const char *attrs_json,
                              size_t attrs_n) {
  ash_store_row r = {id, ev, attrs_json, attrs_n, NULL};
  return ash_store_add_rows(s, &r, 1);
}

/* The columns every event may have, in the order they are bound; a row
 * whose event has none of the others (a flow, a VPN login without tunnel
 * address, ...) is inserted with these alone. SQLite's insert cost grows
 * with the columns bound: 31 columns (10 of them NULL for a flow) take 1.68 s
 * per million rows of this size, 21 take 1.37 s (bench_store --floor).
 * Multi-row VALUES lists were slower still for rows this wide (1.56 s with
 * 8 rows per statement): SQLite copies each row through a co-routine. */
#define SHORT_COLS                                                                                 \
  "id,source_id,ref,ts,kind,host,user,domain,src_ip,src_port,dst_ip,dst_port,proto,action,app,"    \
  "service,bytes_out,bytes_in,packets_out,packets_in,duration,attrs,shape,vals"
#define LONG_COLS                                                                                  \
  SHORT_COLS ",tunnel_ip,logon_type,event_id,channel,process,parent_process,command_line,threat,"  \
             "path,sha256,flow_flags,bytes_total"
enum { SHORT_NCOLS = 24, LONG_NCOLS = 36 };

static int is_short(const ash_event *ev) {
  return !ev->tunnel_ip.fam && ev->logon_type == ASH_UNSET && ev->event_id == ASH_UNSET &&
         !ev->channel.n && !ev->process.n && !ev->parent_process.n && !ev->command_line.n &&
         !ev->threat.n && !ev->path.n && !ev->sha256.n;
}

/* The attributes of r: split (shape and vals; ash_flowdb_split_ref), or
 * JSON, or none. */
static int bind_attrs(ash_store *s, sqlite3_stmt *st, const ash_store_row *r) {
  sqlite3_bind_null(st, 22);
  sqlite3_bind_null(st, 23);
  sqlite3_bind_null(st, 24);
  if (r->split) {
    int64_t shape;
    const char *vals;
    size_t vals_n;
    int rc = ash_flowdb_split_ref(s->flows, r->source, r->split, &shape, &vals, &vals_n);
    if (rc) return rc;
    sqlite3_bind_int64(st, 23, shape);
    sqlite3_bind_text(st, 24, vals, (int)vals_n, SQLITE_STATIC);
  } else if (r->attrs) {
    sqlite3_bind_text(st, 22, r->attrs, (int)r->attrs_n, SQLITE_STATIC);
  }
  return ASH_OK;
}

static void bind_short(sqlite3_stmt *st, const ash_store_row *r, int64_t id,
                       char ip[2][ASH_IP_STRLEN]) {
  const ash_event *ev = r->ev;
  sqlite3_bind_int64(st, 1, id); /* the shared id space (begin) */
  sqlite3_bind_int64(st, 2, r->source);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->ref);
  bind_i64(st, 4, ev->ts);
  sqlite3_bind_text(st, 5, ev->kind, -1, SQLITE_STATIC);
  bind_str(st, 6, ev->host);
  bind_str(st, 7, ev->user);
  bind_str(st, 8, ev->domain);
  bind_ip(st, 9, &ev->src_ip, ip[0]);
  bind_i64(st, 10, ev->src_port >= 0 ? ev->src_port : ASH_UNSET);
  bind_ip(st, 11, &ev->dst_ip, ip[1]);
  bind_i64(st, 12, ev->dst_port >= 0 ? ev->dst_port : ASH_UNSET);
  bind_str(st, 13, ev->proto);
  bind_str(st, 14, ev->action);
  bind_str(st, 15, ev->app);
  bind_str(st, 16, ev->service);
  bind_i64(st, 17, ev->bytes_out);
  bind_i64(st, 18, ev->bytes_in);
  bind_i64(st, 19, ev->packets_out);
  bind_i64(st, 20, ev->packets_in);
  bind_i64(st, 21, ev->duration_us);
}

static void bind_long(sqlite3_stmt *st, const ash_store_row *r, int64_t id,
                      char ip[3][ASH_IP_STRLEN]) {
  const ash_event *ev = r->ev;
  bind_short(st, r, id, ip);
  bind_ip(st, 25, &ev->tunnel_ip, ip[2]);
  bind_i64(st, 26, ev->logon_type);
  bind_i64(st, 27, ev->event_id);
  bind_str(st, 28, ev->channel);
  bind_str(st, 29, ev->process);
  bind_str(st, 30, ev->parent_process);
  bind_str(st, 31, ev->command_line);
  bind_str(st, 32, ev->threat);
  bind_str(st, 33, ev->path);
  bind_str(st, 34, ev->sha256);
  bind_i64(st, 35, ev->flow_flags ? ev->flow_flags : ASH_UNSET);
  bind_i64(st, 36, ev->bytes_total);
}

static int prepare_insert(ash_store *s, sqlite3_stmt **st, const char *cols, int ncols) {
  if (*st) return ASH_OK;
  char sql[1024];
  int n = snprintf(sql, sizeof sql, "INSERT INTO events_wide(%s) VALUES(?", cols);
  for (int c = 1; c < ncols && n > 0 && (size_t)n < sizeof sql; c++)
    n += snprintf(sql + n, sizeof sql - (size_t)n, ",?");
  if (n > 0 && (size_t)n < sizeof sql) n += snprintf(sql + n, sizeof sql - (size_t)n, ")");
  if (n < 0 || (size_t)n >= sizeof sql) return ASH_ELIMIT;
  if (sqlite3_prepare_v3(s->db, sql, n, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
    return wfail(s);
  return ASH_OK;
}

static int step(ash_store *s, sqlite3_stmt *st) {
  int r = sqlite3_step(st);
  sqlite3_reset(st);
  return r == SQLITE_DONE ? ASH_OK : wfail(s);
}

int ash_store_takes_split(const ash_store *s) { return s->ch ? ASH_SPLIT_PLAIN : ASH_SPLIT_BLOCKS; }

int ash_store_add_rows(ash_store *s, const ash_store_row *rows, size_t n) {
  if (s->ch) return ash_chstore_add_rows(s->ch, rows, n);
  int rc = begin(s);
  for (size_t i = 0; i < n && !rc; i++) {
    int64_t id = s->next_id++;
    if (ash_flowdb_eligible(rows[i].ev)) {
      /* a flow: the typed row (flows.c) */
      rc = ash_flowdb_insert(s->flows, id, rows[i].source, rows[i].ev, rows[i].attrs,
                             rows[i].attrs_n, rows[i].split);
      if (rc == ASH_ESTORE)
        rc = wfail(s);
      else if (rc)
        rc = abort_txn(s, rc);
      if (!rc) rc = maybe_roll(s, 1);
      continue;
    }
    sqlite3_stmt **st = is_short(rows[i].ev) ? &s->ins_short : &s->ins_long;
    if (st == &s->ins_short) {
      rc = prepare_insert(s, st, SHORT_COLS, SHORT_NCOLS);
      if (!rc) bind_short(*st, &rows[i], id, s->ip);
    } else {
      rc = prepare_insert(s, st, LONG_COLS, LONG_NCOLS);
      if (!rc) bind_long(*st, &rows[i], id, s->ip);
    }
    if (!rc) {
      rc = bind_attrs(s, *st, &rows[i]);
      if (rc == ASH_ESTORE)
        rc = wfail(s);
      else if (rc)
        rc = abort_txn(s, rc);
    }
    if (!rc) rc = step(s, *st);
    if (!rc) rc = maybe_roll(s, 1);
  }
  return rc;
}

int ash_store_add_reject(ash_store *s, int64_t id, uint64_t ref, const char *reason,
                         const void *raw, size_t n) {
  if (s->ch) return ash_chstore_add_reject(s->ch, id, ref, reason, raw, n);
  int rc = begin(s);
  if (rc) return rc;
  if (!s->ins_reject &&
      sqlite3_prepare_v3(s->db, "INSERT INTO rejects(source_id,ref,reason,raw) VALUES(?,?,?,?)", -1,
                         SQLITE_PREPARE_PERSISTENT, &s->ins_reject, NULL) != SQLITE_OK)
    return wfail(s);
  if (n > ASH_MAX_REJECT_RAW) n = ASH_MAX_REJECT_RAW;
  sqlite3_stmt *st = s->ins_reject;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)ref);
  sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 4, n ? raw : "", (int)n, SQLITE_STATIC);
  int rc2 = step(s, st);
  return rc2 ? rc2 : maybe_roll(s, 1);
}

int ash_store_source_end(ash_store *s, int64_t id, const ash_source_info *c) {
  if (s->ch) return ash_chstore_source_end(s->ch, id, c);
  int rc = begin(s);
  if (rc) return rc;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "UPDATE sources SET read=?,parsed=?,rejected=?,events=?,first_ts=?,"
                         "last_ts=?,complete=1,sha256=coalesce(?8,sha256),mtime_ns=?9,"
                         "head_sha256=coalesce(?10,head_sha256),continues=coalesce(?11,continues),"
                         "base_size=coalesce(?12,base_size),size=coalesce(?13,size) WHERE id=?7",
                         -1, &st, NULL) != SQLITE_OK)
    return wfail(s);
  if (c->sha256) sqlite3_bind_text(st, 8, c->sha256, -1, SQLITE_TRANSIENT);
  if (c->head_sha256[0]) sqlite3_bind_text(st, 10, c->head_sha256, -1, SQLITE_TRANSIENT);
  if (c->continues) {
    sqlite3_bind_int64(st, 11, c->continues);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)c->base_size);
  }
  sqlite3_bind_int64(st, 1, (sqlite3_int64)c->read);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)c->parsed);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)c->rejected);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)c->events);
  bind_i64(st, 5, c->first_ts);
  bind_i64(st, 6, c->last_ts);
  sqlite3_bind_int64(st, 7, id);
  bind_i64(st, 9, c->mtime_ns);
  if (c->size) sqlite3_bind_int64(st, 13, (sqlite3_int64)c->size);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_DONE) return wfail(s);
  /* not a commit of its own: the mark is in the transaction of the source's
   * last events, which is what makes it atomic; committing at every source
   * cost 17% of a 382-file ingest on disk (bench/run-ingest-folder.sh) */
  return maybe_roll(s, 0);
}

int ash_store_sources(ash_store *s, int (*cb)(void *u, const ash_source_info *info), void *u) {
  if (s->ch) return ash_chstore_sources(s->ch, cb, u);
  int rc = ash_store_commit(s);
  if (rc) return rc;
  sqlite3_stmt *st;
  /* columns a case made before them lacks are read as NULL (read-only) */
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT id,path,sha256,format,size,read,parsed,rejected,events,first_ts,last_ts,"
           "complete,ref_is_record,%s,%s FROM sources ORDER BY id",
           s->has_mtime ? "mtime_ns" : "NULL",
           s->source_cols ? "skip_reason,continues,base_size,head_sha256" : "NULL,NULL,NULL,NULL");
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) return fail(s);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    ash_source_info in;
    memset(&in, 0, sizeof in);
    in.id = sqlite3_column_int64(st, 0);
    in.path = ash_col_text(st, 1);
    in.sha256 = ash_col_text(st, 2);
    in.format = ash_col_text(st, 3);
    in.size = (uint64_t)sqlite3_column_int64(st, 4);
    in.read = (uint64_t)sqlite3_column_int64(st, 5);
    in.parsed = (uint64_t)sqlite3_column_int64(st, 6);
    in.rejected = (uint64_t)sqlite3_column_int64(st, 7);
    in.events = (uint64_t)sqlite3_column_int64(st, 8);
    in.first_ts = ash_col_i64(st, 9);
    in.last_ts = ash_col_i64(st, 10);
    in.complete = sqlite3_column_int(st, 11);
    in.ref_is_record = sqlite3_column_int(st, 12);
    in.mtime_ns = ash_col_i64(st, 13);
    in.skip_reason = ash_col_text(st, 14);
    in.continues = sqlite3_column_int64(st, 15);
    in.base_size = (uint64_t)sqlite3_column_int64(st, 16);
    const char *head = ash_col_text(st, 17);
    if (head && strlen(head) < sizeof in.head_sha256)
      memcpy(in.head_sha256, head, strlen(head) + 1);
    if ((rc = cb(u, &in))) break;
  }
  if (!rc && r != SQLITE_DONE) rc = fail(s);
  sqlite3_finalize(st);
  return rc;
}

static ash_str col_str(sqlite3_stmt *st, int i) {
  const char *t = ash_col_text(st, i);
  return t ? ash_str_make(t, (size_t)sqlite3_column_bytes(st, i)) : ASH_STR_NULL;
}

void ash_store_read_event(sqlite3_stmt *st, ash_event *ev) {
  ash_event_init(ev);
  ev->ref = (uint64_t)sqlite3_column_int64(st, 0);
  ev->ts = ash_col_i64(st, 1);
  const char *kind_text = ash_col_text(st, 2);
  ev->kind = kind_text ? kind_text : ASH_KIND_LOG;
  ev->host = col_str(st, 3);
  ev->user = col_str(st, 4);
  ev->domain = col_str(st, 5);
  ash_col_ip(st, 6, &ev->src_ip);
  int64_t v = ash_col_i64(st, 7);
  ev->src_port = v == ASH_UNSET ? -1 : (int32_t)v;
  ash_col_ip(st, 8, &ev->dst_ip);
  v = ash_col_i64(st, 9);
  ev->dst_port = v == ASH_UNSET ? -1 : (int32_t)v;
  ash_col_ip(st, 10, &ev->tunnel_ip);
  ev->proto = col_str(st, 11);
  ev->action = col_str(st, 12);
  ev->app = col_str(st, 13);
  ev->service = col_str(st, 14);
  ev->bytes_out = ash_col_i64(st, 15);
  ev->bytes_in = ash_col_i64(st, 16);
  ev->packets_out = ash_col_i64(st, 17);
  ev->packets_in = ash_col_i64(st, 18);
  ev->duration_us = ash_col_i64(st, 19);
  ev->logon_type = ash_col_i64(st, 20);
  ev->event_id = ash_col_i64(st, 21);
  ev->channel = col_str(st, 22);
  ev->process = col_str(st, 23);
  ev->parent_process = col_str(st, 24);
  ev->command_line = col_str(st, 25);
  ev->threat = col_str(st, 26);
  ev->path = col_str(st, 27);
  ev->sha256 = col_str(st, 28);
}

typedef int (*events_path_cb)(void *u, const ash_event *ev, const char *source_path,
                              int ref_is_record, const char *attrs_json);
typedef int (*events_src_cb)(void *u, const ash_event *ev, const ash_source_info *src,
                             const char *attrs_json);

/* The events query behind ash_store_events (cb_path) and
 * ash_store_events_with_source (cb_src); exactly one callback is set. */
/* The query of events_query over one table (wide_events or flow_events),
 * prepared with its parameters bound into *out. */
/* How events_stmt selects by kind: as q says (KS_QUERY), or one kind
 * exactly, or the rows without a kind (events_query's per-kind arms). */
enum { KS_QUERY, KS_EXACT, KS_NULL };

static int events_stmt(ash_store *s, const ash_event_query *q, const char *table, int ks,
                       const char *one_kind, sqlite3_stmt **out) {
  int rc = ASH_OK;
  ash_buf sql;
  ash_buf_init(&sql, 8192);
  rc = ash_buf_adds(&sql, "SELECT " ASH_STORE_EVENT_COLS ",e.attrs,s.path,s.ref_is_record,"
                          "s.id,s.sha256,s.format,s.size,");
  if (!rc) rc = ash_buf_adds(&sql, s->has_mtime ? "s.mtime_ns,e.id" : "NULL,e.id");
  if (!rc)
    rc = ash_buf_printf(&sql, " FROM %s e JOIN sources s ON s.id=e.source_id WHERE s.complete=1",
                        table);
  /* every value is a bound parameter; only fixed fragments are appended */
  const char *kind = ks == KS_EXACT ? one_kind : ks == KS_NULL ? NULL : q ? q->kind : NULL;
  char kindbuf[128] = "";
  int kind_prefix = 0;
  if (ks == KS_NULL) {
    if (!rc) rc = ash_buf_adds(&sql, " AND e.kind IS NULL");
  } else if (ks == KS_EXACT) {
    snprintf(kindbuf, sizeof kindbuf, "%s", kind);
    if (!rc) rc = ash_buf_adds(&sql, " AND e.kind=:kind");
  } else if (kind && *kind) {
    size_t kl = strlen(kind);
    snprintf(kindbuf, sizeof kindbuf, "%s", kind);
    if (kl && kl < sizeof kindbuf && (kind[kl - 1] == '*' || kind[kl - 1] == '.')) {
      kind_prefix = 1;
      if (kindbuf[kl - 1] == '*') kindbuf[kl - 1] = 0;
    }
    if (!rc)
      rc = ash_buf_adds(&sql, kind_prefix ? " AND substr(e.kind,1,length(:kind))=:kind"
                                          : " AND e.kind=:kind");
  }
  char ubuf[512] = "", dbuf[512] = "";
  if (q && q->user && *q->user) {
    const char *bs = strchr(q->user, '\\');
    const char *at = strchr(q->user, '@');
    if (bs) {
      snprintf(dbuf, sizeof dbuf, "%.*s", (int)(bs - q->user), q->user);
      snprintf(ubuf, sizeof ubuf, "%s", bs + 1);
    } else if (at) {
      snprintf(ubuf, sizeof ubuf, "%.*s", (int)(at - q->user), q->user);
      snprintf(dbuf, sizeof dbuf, "%s", at + 1);
    } else {
      snprintf(ubuf, sizeof ubuf, "%s", q->user);
    }
    if (!rc) rc = ash_buf_adds(&sql, " AND e.user=:user COLLATE NOCASE");
    if (!rc && dbuf[0])
      rc = ash_buf_adds(&sql, " AND (e.domain IS NULL OR e.domain=:dom COLLATE NOCASE"
                              " OR substr(lower(e.domain),1,length(:dom)+1)=lower(:dom)||'.'"
                              " OR substr(lower(:dom),1,length(e.domain)+1)=lower(e.domain)||'.')");
  }
  if (!rc && q && q->host && *q->host) rc = ash_buf_adds(&sql, " AND e.host=:host COLLATE NOCASE");
  if (!rc && q && q->since != ASH_TIME_UNSET) rc = ash_buf_adds(&sql, " AND e.ts>=:since");
  if (!rc && q && q->until != ASH_TIME_UNSET) rc = ash_buf_adds(&sql, " AND e.ts<:until");
  if (!rc && q && q->has_event_id) rc = ash_buf_adds(&sql, " AND e.event_id=:eid");
  if (!rc && q && q->windows_only)
    rc = ash_buf_adds(&sql, " AND e.channel<>'' AND e.event_id IS NOT NULL");
  if (!rc) rc = ash_buf_adds(&sql, " ORDER BY e.ts, e.id");
  if (!rc && q && q->limit) rc = ash_buf_adds(&sql, " LIMIT :limit");
  sqlite3_stmt *st = NULL;
  if (!rc && sqlite3_prepare_v2(s->db, sql.p, -1, &st, NULL) != SQLITE_OK) rc = fail(s);
  ash_buf_free(&sql);
  if (rc) return rc;
  int i;
  if ((i = sqlite3_bind_parameter_index(st, ":kind")))
    sqlite3_bind_text(st, i, kindbuf, -1, SQLITE_TRANSIENT);
  if ((i = sqlite3_bind_parameter_index(st, ":user")))
    sqlite3_bind_text(st, i, ubuf, -1, SQLITE_TRANSIENT);
  if ((i = sqlite3_bind_parameter_index(st, ":dom")))
    sqlite3_bind_text(st, i, dbuf, -1, SQLITE_TRANSIENT);
  if ((i = sqlite3_bind_parameter_index(st, ":host")))
    sqlite3_bind_text(st, i, q->host, -1, SQLITE_TRANSIENT);
  if ((i = sqlite3_bind_parameter_index(st, ":since"))) sqlite3_bind_int64(st, i, q->since);
  if ((i = sqlite3_bind_parameter_index(st, ":until"))) sqlite3_bind_int64(st, i, q->until);
  if ((i = sqlite3_bind_parameter_index(st, ":eid"))) sqlite3_bind_int64(st, i, q->event_id);
  if ((i = sqlite3_bind_parameter_index(st, ":limit")))
    sqlite3_bind_int64(st, i, (sqlite3_int64)q->limit);
  *out = st;
  return ASH_OK;
}

int ash_store_kind_may_be_flow(const char *kind) {
  if (!kind || !*kind) return 1;
  return ash_kind_matches(kind, ASH_KIND_FLOW) || ash_kind_matches(kind, ASH_KIND_FLOW_DENY);
}

/* One arm of events_query: a statement and the (ts, id) key of its
 * current row, read once per row (the merge compares keys, not columns). */
typedef struct arm {
  sqlite3_stmt *st;
  int rc; /* of its last sqlite3_step */
  int ts_null;
  int64_t ts, id;
} arm;

static void arm_step(arm *a) {
  a->rc = sqlite3_step(a->st);
  if (a->rc != SQLITE_ROW) return;
  a->ts_null = sqlite3_column_type(a->st, 1) == SQLITE_NULL;
  a->ts = a->ts_null ? 0 : sqlite3_column_int64(a->st, 1);
  a->id = sqlite3_column_int64(a->st, ASH_STORE_EVENT_NCOLS + 8);
}

/* (ts, id) order, with a NULL ts first (SQLite's ORDER BY) */
static int arm_before(const arm *a, const arm *b) {
  if (a->ts_null != b->ts_null) return a->ts_null;
  if (a->ts != b->ts) return a->ts < b->ts;
  return a->id < b->id;
}

/* The kinds of events_wide that q takes, in order, one index seek each
 * (events_kind_ts): a query without an exact kind reads each through the
 * index in (ts, id) order, rather than every row through one sort. The
 * sort cost a third of reading the Windows events of a case (0.08 of 0.21 s
 * CPU on the 28,608-event EVTX corpus, sqlite3 shell), and it spills the
 * rows' attributes to a temporary b-tree. Kinds are ashiato's own
 * vocabulary (ASH_KIND_*, about 40), so the arms stay few. */
static int wide_kinds(ash_store *s, const ash_event_query *q, char ***out, size_t *n) {
  const char *kind = q ? q->kind : NULL;
  char pfx[128] = "";
  if (kind && *kind) {
    size_t kl = strlen(kind);
    snprintf(pfx, sizeof pfx, "%s", kind);
    if (kl < sizeof pfx && pfx[kl - 1] == '*') pfx[kl - 1] = 0;
  }
  size_t pl = strlen(pfx);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT kind FROM events_wide INDEXED BY events_kind_ts"
                         " WHERE kind>=?1 AND (?2=0 OR kind>?1) ORDER BY kind LIMIT 1",
                         -1, &st, NULL) != SQLITE_OK)
    return fail(s);
  int rc = ASH_OK;
  size_t cap = 0;
  const char *last = pfx; /* from pfx itself, then past the kind found last */
  for (int after = 0; !rc; after = 1) {
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, last, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, after);
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE) break;
    if (r != SQLITE_ROW) {
      rc = fail(s);
      break;
    }
    const char *k = (const char *)sqlite3_column_text(st, 0);
    if (!k || strncmp(k, pfx, pl)) break; /* past the prefix */
    char **v = ash_array_room(*out, &cap, *n, sizeof **out, 16);
    if (v) *out = v; /* grown (perhaps moved): the caller frees this one */
    char *d = v ? strdup(k) : NULL;
    if (!d) {
      rc = ASH_ENOMEM;
      break;
    }
    v[(*n)++] = d;
    last = d;
  }
  sqlite3_finalize(st);
  return rc;
}

/* The events query behind ash_store_events (cb_path) and
 * ash_store_events_with_source (cb_src); exactly one callback is set.
 * Each arm is read in (ts, id) order through an index, without a sort,
 * and the arms are merged here: the wide events one kind at a time
 * (wide_kinds), those without a kind, and the flows through their ts index
 * (through the UNION ALL view every flow would be sorted, 10^7 rows of
 * attributes in a temporary b-tree). */
static int events_query(ash_store *s, const ash_event_query *q, events_path_cb cb_path,
                        events_src_cb cb_src, void *u) {
  if (s->ch) return ash_chstore_events(s->ch, q, cb_path, cb_src, u);
  int rc = ash_store_commit(s);
  if (!rc) rc = ash_store_wide_view(s);
  if (rc) return rc;
  const char *kind = q ? q->kind : NULL;
  size_t kl = kind ? strlen(kind) : 0;
  int exact = kl && kind[kl - 1] != '*' && kind[kl - 1] != '.';
  char **kinds = NULL;
  size_t nk = 0;
  if (!exact) rc = wide_kinds(s, q, &kinds, &nk);
  arm *a = calloc(nk + 3, sizeof *a);
  size_t na = 0;
  if (!rc && !a) rc = ASH_ENOMEM;
  if (!rc && exact) rc = events_stmt(s, q, "wide_events", KS_QUERY, NULL, &a[na++].st);
  for (size_t i = 0; !rc && i < nk; i++)
    rc = events_stmt(s, q, "wide_events", KS_EXACT, kinds[i], &a[na++].st);
  if (!rc && !kl) rc = events_stmt(s, q, "wide_events", KS_NULL, NULL, &a[na++].st);
  if (!rc && ash_store_kind_may_be_flow(kind) && !(q && q->windows_only))
    rc = events_stmt(s, q, "flow_events", KS_QUERY, NULL, &a[na++].st);
  for (size_t i = 0; i < nk; i++) free(kinds[i]);
  free(kinds);
  for (size_t i = 0; !rc && i < na; i++) arm_step(&a[i]);
  uint64_t n = 0;
  while (!rc && (!q || !q->limit || n < q->limit)) {
    arm *m = NULL;
    for (size_t i = 0; i < na; i++)
      if (a[i].rc == SQLITE_ROW && (!m || arm_before(&a[i], m))) m = &a[i];
    if (!m) break;
    sqlite3_stmt *st = m->st;
    n++;
    ash_event ev;
    ash_store_read_event(st, &ev);
    const int c0 = ASH_STORE_EVENT_NCOLS;
    if (cb_path) {
      rc = cb_path(u, &ev, ash_col_text(st, c0 + 1), sqlite3_column_int(st, c0 + 2),
                   ash_col_text(st, c0));
    } else {
      ash_source_info src;
      memset(&src, 0, sizeof src);
      src.path = ash_col_text(st, c0 + 1);
      src.ref_is_record = sqlite3_column_int(st, c0 + 2);
      src.id = sqlite3_column_int64(st, c0 + 3);
      src.sha256 = ash_col_text(st, c0 + 4);
      src.format = ash_col_text(st, c0 + 5);
      src.size = (uint64_t)sqlite3_column_int64(st, c0 + 6);
      src.mtime_ns = ash_col_i64(st, c0 + 7);
      src.complete = 1;
      rc = cb_src(u, &ev, &src, ash_col_text(st, c0));
    }
    if (!rc) arm_step(m);
  }
  for (size_t i = 0; !rc && i < na; i++)
    if (a[i].rc != SQLITE_DONE && a[i].rc != SQLITE_ROW) rc = fail(s);
  for (size_t i = 0; a && i < na; i++) sqlite3_finalize(a[i].st);
  free(a);
  return rc;
}

int ash_store_events(ash_store *s, const ash_event_query *q, events_path_cb cb, void *u) {
  return events_query(s, q, cb, NULL, u);
}

static int cell_count(void *u, const ash_event *ev, const char *sp, int rec, const char *attrs) {
  (void)ev;
  (void)sp;
  (void)rec;
  (void)attrs;
  (*(uint32_t *)u)++;
  return ASH_OK;
}

/* A kind with at most this many events in the window is read once,
 * whole, each event counted in its cell; past it, cell by cell. */
#define CELLS_WHOLE 5000
typedef struct cells_bin {
  int64_t t0, width;
  size_t n;
  uint32_t *counts;
  uint64_t seen;
} cells_bin;

static int cell_bin(void *u, const ash_event *ev, const char *sp, int rec, const char *attrs) {
  (void)sp;
  (void)rec;
  (void)attrs;
  cells_bin *x = u;
  x->seen++;
  int64_t i = (ev->ts - x->t0) / x->width;
  if (ev->ts >= x->t0 && i >= 0 && (size_t)i < x->n) x->counts[i]++;
  return ASH_OK;
}

int ash_store_event_cells(ash_store *s, const char *const *kinds, size_t nk, int64_t t0,
                          int64_t width, size_t n, uint32_t cap, uint32_t *counts) {
  if (!kinds || width <= 0) return ASH_EUSAGE;
  for (size_t k = 0; k < nk; k++)
    if (!kinds[k] || !*kinds[k]) return ASH_EUSAGE;
  if (s->ch) return ash_chstore_event_cells(s->ch, kinds, nk, t0, width, n, cap, counts);
  memset(counts, 0, nk * n * sizeof *counts);
  for (size_t k = 0; k < nk; k++) {
    uint32_t *c = counts + k * n;
    cells_bin x = {t0, width, n, c, 0};
    ash_event_query q = {
        .kind = kinds[k], .since = t0, .until = t0 + (int64_t)n * width, .limit = CELLS_WHOLE + 1};
    ASH_TRY(events_query(s, &q, cell_bin, NULL, &x));
    if (x.seen > CELLS_WHOLE) {
      for (size_t i = 0; i < n; i++) {
        ash_event_query qc = {.kind = kinds[k],
                              .since = t0 + (int64_t)i * width,
                              .until = t0 + (int64_t)(i + 1) * width,
                              .limit = cap};
        c[i] = 0;
        ASH_TRY(events_query(s, &qc, cell_count, NULL, &c[i]));
      }
    }
    for (size_t i = 0; cap && i < n; i++)
      if (c[i] > cap) c[i] = cap;
  }
  return ASH_OK;
}

int ash_store_events_with_source(ash_store *s, const ash_event_query *q, events_src_cb cb,
                                 void *u) {
  return events_query(s, q, NULL, cb, u);
}

typedef struct by_id {
  int (*cb)(void *u, size_t i, const ash_event *ev, const ash_source_info *src);
  void *u;
  size_t i;
} by_id;

static int on_by_id(void *u, const ash_event *ev, const ash_source_info *src) {
  by_id *b = u;
  return b->cb(b->u, b->i, ev, src);
}

int ash_store_events_by_id(ash_store *s, const int64_t *ids, size_t n,
                           int (*cb)(void *u, size_t i, const ash_event *ev,
                                     const ash_source_info *src),
                           void *u) {
  if (s->ch) return ash_chstore_events_by_id(s->ch, ids, n, cb, u);
  /* a row by its primary key costs SQLite a lookup: one by one */
  int rc = ASH_OK;
  for (size_t i = 0; !rc && i < n; i++) {
    by_id b = {cb, u, i};
    rc = ash_store_event(s, ids[i], on_by_id, &b);
    if (rc == ASH_ENOTFOUND) rc = ASH_OK;
  }
  return rc;
}

int ash_store_event(ash_store *s, int64_t id,
                    int (*cb)(void *u, const ash_event *ev, const ash_source_info *src), void *u) {
  if (s->ch) return ash_chstore_event(s->ch, id, cb, u);
  int rc = ash_store_commit(s);
  if (rc) return rc;
  char sql[1024];
  /* the events view, by id: SQLite takes e.id=? into each arm of its
   * UNION ALL (a primary key lookup in events_wide and in flows) */
  snprintf(sql, sizeof sql,
           "SELECT " ASH_STORE_EVENT_COLS ",s.id,s.path,s.ref_is_record,s.size,s.sha256,s.format,%s"
           " FROM events e JOIN sources s ON s.id=e.source_id WHERE e.id=?",
           s->has_mtime ? "s.mtime_ns" : "NULL");
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) return fail(s);
  sqlite3_bind_int64(st, 1, id);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    ash_event ev;
    ash_store_read_event(st, &ev);
    const int c0 = ASH_STORE_EVENT_NCOLS;
    ash_source_info src;
    memset(&src, 0, sizeof src);
    src.id = sqlite3_column_int64(st, c0);
    src.path = ash_col_text(st, c0 + 1);
    src.ref_is_record = sqlite3_column_int(st, c0 + 2);
    src.size = (uint64_t)sqlite3_column_int64(st, c0 + 3);
    src.sha256 = ash_col_text(st, c0 + 4);
    src.format = ash_col_text(st, c0 + 5);
    src.mtime_ns = ash_col_i64(st, c0 + 6);
    rc = cb(u, &ev, &src);
  } else {
    rc = r == SQLITE_DONE ? ASH_ENOTFOUND : fail(s);
  }
  sqlite3_finalize(st);
  return rc;
}

int ash_store_rejects(ash_store *s, int64_t id,
                      int (*cb)(void *u, const char *source_path, uint64_t ref, const char *reason,
                                const char *raw, size_t n),
                      void *u) {
  if (s->ch) return ash_chstore_rejects(s->ch, id, cb, u);
  int rc = ash_store_commit(s);
  if (rc) return rc;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT s.path, r.ref, r.reason, r.raw FROM rejects r JOIN sources s"
                         " ON s.id=r.source_id WHERE (?1=0 OR r.source_id=?1) ORDER BY r.id",
                         -1, &st, NULL) != SQLITE_OK)
    return fail(s);
  sqlite3_bind_int64(st, 1, id);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *raw = sqlite3_column_blob(st, 3);
    size_t n = (size_t)sqlite3_column_bytes(st, 3);
    if ((rc = cb(u, ash_col_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1), ash_col_text(st, 2),
                 raw ? raw : "", n)))
      break;
  }
  if (!rc && r != SQLITE_DONE) rc = fail(s);
  sqlite3_finalize(st);
  return rc;
}

int ash_store_kinds(ash_store *s, int (*cb)(void *u, const char *kind, uint64_t count), void *u) {
  if (s->ch) return ash_chstore_kinds(s->ch, cb, u);
  int rc = ash_store_commit(s);
  if (rc) return rc;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         /* per table, not over the events view: a GROUP BY over
                          * the view's UNION ALL materialises every row with its
                          * attributes (22.8 s on a 5.7M-event case) */
                         "SELECT kind, sum(c) FROM ("
                         "SELECT e.kind, count(*) c FROM events_wide e"
                         " JOIN sources s ON s.id=e.source_id WHERE s.complete=1 GROUP BY e.kind"
                         " UNION ALL SELECT CASE WHEN f.flags&4 THEN 'net.deny' ELSE 'net.flow'"
                         " END, count(*) FROM flows f JOIN sources s ON s.id=f.source_id"
                         " WHERE s.complete=1 GROUP BY f.flags&4)"
                         " GROUP BY kind ORDER BY kind",
                         -1, &st, NULL) != SQLITE_OK)
    return fail(s);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *k = ash_col_text(st, 0);
    if ((rc = cb(u, k ? k : ASH_KIND_LOG, (uint64_t)sqlite3_column_int64(st, 1)))) break;
  }
  if (!rc && r != SQLITE_DONE) rc = fail(s);
  sqlite3_finalize(st);
  return rc;
}

int ash_store_flow_pairs(ash_store *s, ash_flow_pairs *q, int *done) {
  *done = 0;
  /* one pass over the flows index is what SQLite does best: the caller
   * builds the model from ash_store_flows */
  return s->ch ? ash_chstore_flow_pairs(s->ch, q, done) : ASH_OK;
}

int ash_store_flows(ash_store *s, const ash_flow_query *q, int (*cb)(void *u, const ash_flow *f),
                    void *u) {
  if (s->ch) return ash_chstore_flows(s->ch, q, cb, u);
  int rc = ash_store_commit(s);
  if (rc) return rc;
  rc = ash_flowdb_iterate(s->db, q, cb, u);
  if (rc == ASH_ESTORE) fail(s);
  return rc;
}
