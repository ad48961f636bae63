/* Unit tests of the SQLite case store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "ingest/writer.h"
#include "store/store_internal.h"

static char g_path[256];

static int setup(void **st) {
  (void)st;
  snprintf(g_path, sizeof g_path, "/tmp/ash-test-store-%d.db", (int)getpid());
  unlink(g_path);
  return 0;
}
static int teardown(void **st) {
  (void)st;
  char p[300];
  unlink(g_path);
  snprintf(p, sizeof p, "%s-wal", g_path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", g_path);
  unlink(p);
  return 0;
}

static ash_event mk(const char *kind, const char *user, const char *ts) {
  ash_event ev;
  ash_event_init(&ev);
  ev.kind = kind;
  ev.user = ash_str_cstr(user);
  ash_time_parse_iso(ash_str_cstr(ts), &ev.ts);
  return ev;
}

typedef struct cnt {
  int n;
  char last_user[64];
  char last_attrs[256];
} cnt;

static int count_ev(void *u, const ash_event *ev, const char *src, int rec, const char *attrs) {
  (void)src;
  (void)rec;
  cnt *c = u;
  c->n++;
  snprintf(c->last_user, sizeof c->last_user, "%.*s", (int)ev->user.n, ev->user.p);
  snprintf(c->last_attrs, sizeof c->last_attrs, "%s", attrs ? attrs : "");
  return 0;
}

static void test_roundtrip(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_path, 0), ASH_ENOTFOUND);
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "a.log", 10, "aa", "fortigate", &id, &dup), 0);
  assert_false(dup);
  ash_event ev = mk(ASH_KIND_VPN_LOGIN, "t.sato", "2025-03-02T10:00:00Z");
  ev.domain = ash_str_cstr("CORP");
  ash_kv kv[] = {{ash_str_cstr("x'); DROP TABLE events;--"), ash_str_cstr("\"v\"")}};
  ev.attrs = kv;
  ev.nattrs = 1;
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = mk(ASH_KIND_FLOW, "Robert'); DROP TABLE events;--", "2025-03-02T11:00:00Z");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  assert_int_equal(ash_store_add_reject(s, id, 7, "bad", "raw\0x", 5), 0);
  ash_source_info c = {0};
  c.read = 3;
  c.parsed = 2;
  c.rejected = 1;
  c.events = 2;
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  assert_int_equal(ash_store_source_end(s, id, &c), 0);
  /* same content again: duplicate, nothing added */
  int64_t id2;
  assert_int_equal(ash_store_source_begin(s, "copy-of-a.log", 10, "aa", "fortigate", &id2, &dup),
                   0);
  assert_true(dup);
  assert_int_equal(id2, id);
  assert_int_equal(ash_store_close(s), 0);

  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_READONLY), 0);
  ash_event_query q = {.since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
  cnt k = {0};
  assert_int_equal(ash_store_events(s, &q, count_ev, &k), 0);
  assert_int_equal(k.n, 2);
  assert_string_equal(k.last_user, "Robert'); DROP TABLE events;--");
  q.kind = "vpn.login";
  memset(&k, 0, sizeof k);
  ash_store_events(s, &q, count_ev, &k);
  assert_int_equal(k.n, 1);
  assert_string_equal(k.last_attrs, "{\"x'); DROP TABLE events;--\":\"\\\"v\\\"\"}");
  q.kind = "vpn.";
  memset(&k, 0, sizeof k);
  ash_store_events(s, &q, count_ev, &k);
  assert_int_equal(k.n, 1);
  q.kind = NULL;
  q.user = "corp\\T.SATO";
  memset(&k, 0, sizeof k);
  ash_store_events(s, &q, count_ev, &k);
  assert_int_equal(k.n, 1);
  q.user = "t.sato@corp.example.local";
  memset(&k, 0, sizeof k);
  ash_store_events(s, &q, count_ev, &k);
  assert_int_equal(k.n, 1);
  q.user = NULL;
  ash_time_parse_iso(ash_str_cstr("2025-03-02T10:30:00Z"), &q.since);
  memset(&k, 0, sizeof k);
  ash_store_events(s, &q, count_ev, &k);
  assert_int_equal(k.n, 1);
  ash_store_close(s);
}

/* A flow's attributes whose values hold escaped quotes and backslashes
 * come back as they were written. The typed flows table keeps them split
 * into keys and values at '"' (flows.c); a split at every '"', escaped
 * ones too, once lost the attributes of a PAN-OS record whose rule was
 * named 'Allow, servers "out"' (found by e2e.clickhouse_ingest). */
static void test_flow_attrs_with_quotes(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "f.log", 10, "ff", "panos", &id, &dup), 0);
  ash_event ev = mk(ASH_KIND_FLOW, "svc", "2025-03-02T10:00:00Z");
  ash_ip_parse(ash_str_cstr("10.0.0.1"), &ev.src_ip);
  ash_ip_parse(ash_str_cstr("192.0.2.1"), &ev.dst_ip);
  ash_kv kv[] = {{ash_str_cstr("rule"), ash_str_cstr("Allow, servers \"out\"")},
                 {ash_str_cstr("path\\\"k"), ash_str_cstr("C:\\x\\")},
                 {ash_str_cstr("z"), ash_str_cstr("\"")}};
  ev.attrs = kv;
  ev.nattrs = 3;
  /* twice: the second row's values are dictionary references where they
   * repeat */
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ash_buf want;
  ash_buf_init(&want, 4096);
  assert_int_equal(ash_event_attrs_json(&ev, &want), 0);
  ash_source_info c = {0};
  c.read = c.parsed = c.events = 2;
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  assert_int_equal(ash_store_source_end(s, id, &c), 0);
  ash_event_query q = {.since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
  cnt k = {0};
  assert_int_equal(ash_store_events(s, &q, count_ev, &k), 0);
  assert_int_equal(k.n, 2);
  assert_string_equal(k.last_attrs, want.p);
  ash_buf_free(&want);
  ash_store_close(s);
}

/* ash_store_event_cells: events per time cell of a kind (exact or a
 * prefix), each cell at most cap, the cells' ends exclusive; incomplete
 * sources' events not counted. */
static void test_event_cells(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  int64_t id, id2;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "a.log", 10, "aa", "winjson", &id, &dup), 0);
  /* cell 0: 3 logons; cell 1: 1 logon at its very start and a logoff;
   * cell 2: none; cell 3: 5 logons */
  const char *at[] = {"2025-03-02T10:00:00Z", "2025-03-02T10:20:00Z", "2025-03-02T10:59:59Z",
                      "2025-03-02T11:00:00Z", "2025-03-02T13:00:00Z", "2025-03-02T13:10:00Z",
                      "2025-03-02T13:20:00Z", "2025-03-02T13:30:00Z", "2025-03-02T13:40:00Z"};
  for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
    ash_event ev = mk(ASH_KIND_WIN_LOGON, "u", at[i]);
    assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  }
  ash_event off = mk(ASH_KIND_WIN_LOGOFF, "u", "2025-03-02T11:30:00Z");
  assert_int_equal(ash_store_add_event(s, id, &off), 0);
  ash_source_info c = {0};
  c.read = c.parsed = c.events = 10;
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  assert_int_equal(ash_store_source_end(s, id, &c), 0);
  /* a source left incomplete: its event is not counted */
  assert_int_equal(ash_store_source_begin(s, "b.log", 10, "bb", "winjson", &id2, &dup), 0);
  ash_event late = mk(ASH_KIND_WIN_LOGON, "u", "2025-03-02T10:30:00Z");
  assert_int_equal(ash_store_add_event(s, id2, &late), 0);
  int64_t t0 = 0;
  ash_time_parse_iso(ash_str_cstr("2025-03-02T10:00:00Z"), &t0);
  uint32_t k[3][4];
  const char *kinds[] = {ASH_KIND_WIN_LOGON, "win.", ASH_KIND_FLOW};
  assert_int_equal(ash_store_event_cells(s, kinds, 3, t0, ASH_HOUR, 4, 0, &k[0][0]), 0);
  assert_int_equal(k[0][0], 3);
  assert_int_equal(k[0][1], 1);
  assert_int_equal(k[0][2], 0);
  assert_int_equal(k[0][3], 5);
  assert_int_equal(k[1][1], 2); /* the prefix: the logon and the logoff */
  for (int i = 0; i < 4; i++) assert_int_equal(k[2][i], 0);
  assert_int_equal(ash_store_event_cells(s, kinds, 2, t0, ASH_HOUR, 4, 2, &k[0][0]), 0);
  assert_int_equal(k[0][0], 2);
  assert_int_equal(k[0][3], 2);
  assert_int_equal(k[1][3], 2);
  assert_int_equal(ash_store_event_cells(s, kinds, 1, t0, 0, 4, 0, &k[0][0]), ASH_EUSAGE);
  ash_store_close(s);
}

/* ash_attrs_join, which the ClickHouse store reads flows' attributes back
 * with (shape keys and values, as the writer's ASH_SPLIT_PLAIN joins
 * them): the JSON ash_event_attrs_json writes, byte for byte, for keys
 * and values with quotes, backslashes, controls and empty values; lists
 * that do not pair up are a damaged row. */
static size_t join_list(char *o, const ash_kv *kv, size_t n, int vals) {
  char *w = o;
  for (size_t i = 0; i < n; i++) {
    if (i) *w++ = '"';
    const ash_str *x = vals ? &kv[i].v : &kv[i].k;
    w += ash_json_escape_short(w, x->p, x->n);
  }
  *w = 0;
  return (size_t)(w - o);
}

static void test_attrs_join(void **st) {
  (void)st;
  ash_kv kv[] = {{ash_str_cstr("rule"), ash_str_cstr("Allow, servers \"out\"")},
                 {ash_str_cstr("path\\\"k"), ash_str_cstr("C:\\x\\")},
                 {ash_str_cstr("z"), ash_str_cstr("\"")},
                 {ash_str_cstr("empty"), ash_str_cstr("")},
                 {ash_str_cstr("ctl"), ash_str_cstr("a\tb\n\x01")}};
  ash_event ev = mk(ASH_KIND_FLOW, "svc", "2025-03-02T10:00:00Z");
  ev.attrs = kv;
  ev.nattrs = 5;
  ash_buf want, got;
  ash_buf_init(&want, 4096);
  ash_buf_init(&got, 4096);
  assert_int_equal(ash_event_attrs_json(&ev, &want), 0);
  char keys[512], vals[512];
  size_t kn = join_list(keys, kv, 5, 0), vn = join_list(vals, kv, 5, 1);
  assert_int_equal(ash_attrs_join(&got, keys, kn, vals, vn, NULL, NULL), ASH_OK);
  assert_string_equal(got.p, want.p);
  /* one value short, one too many */
  size_t v4 = join_list(vals, kv, 4, 1);
  assert_int_equal(ash_attrs_join(&got, keys, kn, vals, v4, NULL, NULL), ASH_EFORMAT);
  size_t k4 = join_list(keys, kv, 4, 0);
  vn = join_list(vals, kv, 5, 1);
  assert_int_equal(ash_attrs_join(&got, keys, k4, vals, vn, NULL, NULL), ASH_EFORMAT);
  ash_buf_free(&want);
  ash_buf_free(&got);
}

static void test_stale_source_redone(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "b.log", 1, "bb", "fortigate", &id, &dup), 0);
  ash_event ev = mk(ASH_KIND_FLOW, "x", "2025-03-02T10:00:00Z");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  /* close without source_end: as if the ingest had been killed after a
   * commit. The events stay invisible and the next ingest redoes it. */
  ash_store_close(s);
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  ash_event_query q = {.since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
  cnt k = {0};
  ash_store_events(s, &q, count_ev, &k);
  assert_int_equal(k.n, 0);
  int64_t id2;
  assert_int_equal(ash_store_source_begin(s, "b.log", 1, "bb", "fortigate", &id2, &dup), 0);
  assert_false(dup);
  ash_source_info c = {0};
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  assert_int_equal(ash_store_source_end(s, id2, &c), 0);
  memset(&k, 0, sizeof k);
  ash_store_events(s, &q, count_ev, &k);
  assert_int_equal(k.n, 0); /* the killed run's event is gone */
  ash_store_close(s);
}

/* A file hashed while it is parsed: begun without a hash, which the end
 * records; a killed run of it is recognised by path and size. */
static int sha_of(void *u, const ash_source_info *in) {
  snprintf(u, 65, "%s", in->sha256 ? in->sha256 : "(null)");
  return 0;
}

static void test_hash_at_end(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  int64_t id, id2;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "c.log", 5, NULL, "fortigate", &id, &dup), 0);
  assert_false(dup);
  ash_event ev = mk(ASH_KIND_FLOW, "x", "2025-03-02T10:00:00Z");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ash_store_close(s); /* killed after a commit, before the hash was known */
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  /* the next run hashes first (the size is known) and redoes the source */
  assert_int_equal(ash_store_source_begin(s, "c.log", 5, "cc", "fortigate", &id2, &dup), 0);
  assert_false(dup);
  assert_int_equal(ash_store_add_event(s, id2, &ev), 0);
  ash_source_info c = {0};
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  c.events = 1;
  assert_int_equal(ash_store_source_end(s, id2, &c), 0);
  ash_event_query q = {.since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
  cnt k = {0};
  ash_store_events(s, &q, count_ev, &k);
  assert_int_equal(k.n, 1); /* the killed run's event is gone, this run's stays */
  char sha[65];
  ash_store_sources(s, sha_of, sha);
  assert_string_equal(sha, "cc");
  /* begun without a hash, ended with one: recorded, and a duplicate next time */
  int64_t id3;
  assert_int_equal(ash_store_source_begin(s, "d.log", 7, NULL, "fortigate", &id3, &dup), 0);
  c.sha256 = "dd";
  assert_int_equal(ash_store_source_end(s, id3, &c), 0);
  assert_int_equal(ash_store_source_begin(s, "copy-of-d.log", 7, "dd", "fortigate", &id, &dup), 0);
  assert_true(dup);
  assert_int_equal(id, id3);
  ash_store_close(s);
}

static void test_not_a_case(void **st) {
  (void)st;
  FILE *f = fopen(g_path, "w");
  fputs("not a database at all, and must not be overwritten", f);
  fclose(f);
  ash_store *s;
  assert_int_not_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  f = fopen(g_path, "r");
  char buf[16] = {0};
  assert_int_equal(fread(buf, 1, 3, f), 3);
  fclose(f);
  assert_string_equal(buf, "not");
}

typedef struct nsrc {
  int n, complete;
} nsrc;
static int count_src(void *u, const ash_source_info *in) {
  nsrc *c = u;
  c->n++;
  c->complete += in->complete;
  return 0;
}

/* A write that fails inside the ingest's transaction (here SQLITE_FULL from
 * a page cap, as a full disk gives) rolls the whole transaction back and
 * poisons the handle: no later write may land in autocommit mode, where it
 * would store events of a source whose row was rolled back. */
static void test_full_disk_leaves_nothing_behind(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), ASH_OK);
  /* one committed source first: it must survive */
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "a.log", 1, "aa", "fortigate", &id, &dup), ASH_OK);
  ash_event ev = mk("vpn.login", "t.sato", "2025-03-01T10:00:00Z");
  assert_int_equal(ash_store_add_event(s, id, &ev), ASH_OK);
  ash_source_info c = {.read = 1, .parsed = 1, .events = 1, .first_ts = ev.ts, .last_ts = ev.ts};
  assert_int_equal(ash_store_source_end(s, id, &c), ASH_OK);
  assert_int_equal(ash_store_commit(s), ASH_OK);
  uint64_t seq = ash_store_commit_seq(s);
  char sql[96];
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(ash_store_sqlite(s), "PRAGMA page_count", -1, &q, NULL), 0);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  snprintf(sql, sizeof sql, "PRAGMA max_page_count=%d", sqlite3_column_int(q, 0) + 2);
  sqlite3_finalize(q);
  assert_int_equal(sqlite3_exec(ash_store_sqlite(s), sql, NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(ash_store_source_begin(s, "b.log", 2, "bb", "fortigate", &id, &dup), ASH_OK);
  int rc = ASH_OK, n = 0;
  char user[64];
  for (; n < 100000 && !rc; n++) {
    snprintf(user, sizeof user, "user-%d-with-a-longer-name-to-fill-pages", n);
    ev.user = ash_str_cstr(user);
    rc = ash_store_add_event(s, id, &ev);
  }
  assert_int_equal(rc, ASH_ESTORE);
  assert_int_equal(ash_store_failed(s), ASH_ESTORE);
  /* later writes are refused, not autocommitted */
  assert_int_equal(ash_store_add_event(s, id, &ev), ASH_ESTORE);
  assert_int_equal(ash_store_source_end(s, id, &c), ASH_ESTORE);
  assert_int_equal(ash_store_commit(s), ASH_ESTORE);
  assert_int_equal(ash_store_commit_seq(s), seq);
  assert_int_equal(ash_store_close(s), ASH_ESTORE);
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_READONLY), ASH_OK);
  nsrc ns = {0, 0};
  assert_int_equal(ash_store_sources(s, count_src, &ns), ASH_OK);
  assert_int_equal(ns.n, 1);
  assert_int_equal(ns.complete, 1);
  assert_int_equal(
      sqlite3_prepare_v2(ash_store_sqlite(s), "SELECT count(*) FROM events", -1, &q, NULL), 0);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(q, 0), 1);
  sqlite3_finalize(q);
  ash_store_close(s);
}

typedef struct srcs {
  int n, skipped;
  char reason[64];
} srcs;
static int count_skipped(void *u, const ash_source_info *i) {
  srcs *c = u;
  c->n++;
  if (i->skip_reason) {
    c->skipped++;
    snprintf(c->reason, sizeof c->reason, "%s", i->skip_reason);
  }
  return 0;
}

/* Protects: a case made by an earlier version (schema 1: one wide events
 * table, sources without the later columns) is refused with ASH_EVERSION,
 * read-only and for writing alike, and is left as it was: reading it would
 * miss its flows (the hunts read the typed flows table), writing into it
 * would mix two layouts. */
static void test_case_of_schema_1_is_refused_unchanged(void **st) {
  (void)st;
  sqlite3 *db;
  assert_int_equal(sqlite3_open(g_path, &db), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db,
                   "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
                   "INSERT INTO meta VALUES('ashiato','case'),('schema_version','1');"
                   "CREATE TABLE sources(id INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER,"
                   " sha256 TEXT NOT NULL, format TEXT, ref_is_record INTEGER NOT NULL DEFAULT 0,"
                   " read INTEGER NOT NULL DEFAULT 0, parsed INTEGER NOT NULL DEFAULT 0,"
                   " rejected INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0,"
                   " first_ts INTEGER, last_ts INTEGER, complete INTEGER NOT NULL DEFAULT 0,"
                   " ingested_at INTEGER);"
                   "CREATE TABLE events(id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL,"
                   " ref INTEGER, ts INTEGER, kind TEXT, src_ip TEXT, dst_ip TEXT, attrs TEXT);"
                   "INSERT INTO sources(path,size,sha256,format,read,parsed,complete)"
                   " VALUES('old.log',10,'ab','fortigate',1,1,1);"
                   "INSERT INTO events(source_id,ref,ts,kind,src_ip,dst_ip)"
                   " VALUES(1,0,1,'net.flow','10.0.0.1','203.0.113.9');",
                   NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  ash_store *s = NULL;
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_READONLY), ASH_EVERSION);
  assert_null(s);
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), ASH_EVERSION);
  assert_null(s);
  /* untouched: no table of the new layout was added */
  assert_int_equal(sqlite3_open(g_path, &db), SQLITE_OK);
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT (SELECT count(*) FROM sqlite_master WHERE"
                                      " name IN ('flows','events_wide','dict')),"
                                      "(SELECT count(*) FROM events),"
                                      "(SELECT value FROM meta WHERE key='schema_version')",
                                      -1, &q, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(q, 0), 0);
  assert_int_equal(sqlite3_column_int(q, 1), 1);
  assert_string_equal((const char *)sqlite3_column_text(q, 2), "1");
  sqlite3_finalize(q);
  sqlite3_close(db);
}

/* Protects: a skipped row is not content. The same content ingested
 * later is no duplicate of it, and the path's next begin replaces it. */
static void test_skipped_row_is_not_content(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  int64_t id, sid;
  int dup = 1;
  const char *sha = "1111111111111111111111111111111111111111111111111111111111111111";
  assert_int_equal(ash_store_source_skip(s, "x.log", 5, sha, "format not recognised", &id), 0);
  assert_int_equal(ash_store_source_begin(s, "x.log", 5, sha, "fortigate", &sid, &dup), 0);
  (void)id;
  assert_int_equal(dup, 0);
  srcs c = {0};
  assert_int_equal(ash_store_sources(s, count_skipped, &c), 0);
  assert_int_equal(c.n, 1);
  assert_int_equal(c.skipped, 0);
  ash_store_close(s);
}

/* ---- the hunts' readers (activity.c, ash_store_event, replace_findings) */

#define T0 ((int64_t)1740909600 * ASH_SEC) /* 2025-03-02T10:00:00Z */

static ash_event ev_at(const char *kind, int k) {
  ash_event ev;
  ash_event_init(&ev);
  ev.kind = kind;
  ev.ts = T0 + k * ASH_SEC;
  return ev;
}

static ash_ip ip_of(const char *t) {
  ash_ip ip;
  memset(&ip, 0, sizeof ip);
  assert_int_equal(ash_ip_parse(ash_str_cstr(t), &ip), 0);
  return ip;
}

/* A case holding one record of each family the readers give, at T0 + k
 * seconds for a distinct k each (the tests name records by k). */
static void reader_case(ash_store **out) {
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "a.log", 10, "aa", "winjson", &id, &dup), 0);
  ash_event ev = ev_at(ASH_KIND_WIN_LOGON, 1);
  ev.logon_type = 10;
  ev.event_id = 4624;
  ev.host = ash_str_cstr("APP02.corp.local");
  ev.user = ash_str_cstr("T.Sato");
  ev.src_ip = ip_of("10.1.2.3");
  ash_kv kv[] = {{ash_str_cstr("WorkstationName"), ash_str_cstr("PC7")}};
  ev.attrs = kv;
  ev.nattrs = 1;
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_WIN_LOGON, 2);
  ev.logon_type = 5;
  ev.host = ash_str_cstr("APP02");
  ev.user = ash_str_cstr("SYSTEM");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_WIN_RDP, 3);
  ev.event_id = 1149;
  ev.host = ash_str_cstr("APP02");
  ev.src_ip = ip_of("::1");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_WIN_RDP, 4);
  ev.event_id = 24;
  ev.host = ash_str_cstr("APP02");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_WIN_LOGON, 0); /* a 4624 without a logon type */
  ev.host = ash_str_cstr("APP02");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_WIN_NETCONN, 5);
  ev.host = ash_str_cstr("APP02");
  ev.process = ash_str_cstr("C:\\x\\plink.exe");
  ev.src_ip = ip_of("127.0.0.1");
  ev.src_port = 50123;
  ev.dst_ip = ip_of("127.0.0.2");
  ev.dst_port = 3389;
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  for (int k = 8; k <= 9; k++) { /* two starts of the program, the later one at 9 */
    ev = ev_at(ASH_KIND_WIN_PROCESS, k);
    ev.host = ash_str_cstr("APP02");
    ev.process = ash_str_cstr(k == 8 ? "c:\\x\\plink.exe" : "C:\\X\\PLINK.EXE");
    ev.command_line = ash_str_cstr("plink -R 3389:127.0.0.1:3389 x");
    assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  }
  ev = ev_at(ASH_KIND_WIN_PROCESS, 11); /* after the relay's connection */
  ev.host = ash_str_cstr("APP02");
  ev.process = ash_str_cstr("C:\\x\\plink.exe");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_WIN_REGISTRY, 6);
  ev.host = ash_str_cstr("APP02");
  ev.path = ash_str_cstr("HKLM\\System\\CurrentControlSet\\Services\\PortProxy\\v4tov4\\tcp");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_WIN_REGISTRY, 10);
  ev.host = ash_str_cstr("APP02");
  ev.path = ash_str_cstr("HKLM\\ServicesXPortProxy");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_VPN_LOGIN, 7);
  ev.user = ash_str_cstr("t.sato");
  ev.src_ip = ip_of("203.0.113.5");
  ev.tunnel_ip = ip_of("10.212.134.200");
  ash_kv cc[] = {{ash_str_cstr("srccountry"), ash_str_cstr("Japan")}};
  ev.attrs = cc;
  ev.nattrs = 1;
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_VPN_LOGOUT, 12);
  ev.user = ash_str_cstr("t.sato");
  ev.tunnel_ip = ip_of("10.212.134.200");
  ev.duration_us = 5 * ASH_SEC;
  ev.bytes_out = 100;
  ev.attrs = cc; /* a logout's country is not the login's */
  ev.nattrs = 1;
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_AV_DETECT, 13);
  ev.host = ash_str_cstr("APP02");
  ev.threat = ash_str_cstr("HackTool:Win32/Mimikatz");
  ev.path = ash_str_cstr("C:\\x\\m.exe");
  ev.process = ash_str_cstr("unknown");
  ash_kv av[] = {{ash_str_cstr("Detection User"), ash_str_cstr("CORP\\t.sato")},
                 {ash_str_cstr("Process Name"), ash_str_cstr("explorer.exe")},
                 {ash_str_cstr("Category Name"), ash_str_cstr("Tool")}};
  ev.attrs = av;
  ev.nattrs = 3;
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_WIN_KERBEROS, 14);
  ev.host = ash_str_cstr("DC01.corp.local");
  ev.event_id = 4769;
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_WIN_PRIVILEGE, 15);
  ev.user = ash_str_cstr("adm-sato");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ev = ev_at(ASH_KIND_FLOW, 16); /* a typed flows row */
  ev.src_ip = ip_of("10.1.2.3");
  ev.dst_ip = ip_of("52.1.2.3");
  ev.dst_port = 443;
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  ash_source_info c = {0};
  c.read = c.parsed = c.events = 17;
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  assert_int_equal(ash_store_source_end(s, id, &c), 0);
  *out = s;
}

typedef struct seen {
  int n;
  int k[32];      /* the records' k (ts - T0 in seconds; -1 no time) */
  int64_t id[32]; /* and ids */
  char text[4][128];
} seen;

static void note(seen *S, int64_t ts, int64_t id) {
  if (S->n < 32) {
    S->id[S->n] = id;
    S->k[S->n++] = ts == ASH_TIME_UNSET ? -1 : (int)((ts - T0) / ASH_SEC);
  }
}

static int on_logon(void *u, const ash_logon *l) {
  seen *S = u;
  if (S->n == 0) snprintf(S->text[0], sizeof S->text[0], "%s", l->attrs ? l->attrs : "-");
  if (l->rdp && l->event_id == 1149) assert_true(l->src.fam == 6 && ash_ip_is_loopback(&l->src));
  if (!l->rdp && l->logon_type == 10) {
    assert_true(ash_ip_eq(&l->src, &(ash_ip){0}) == 0 && l->src.fam == 4);
    assert_string_equal(l->host, "APP02.corp.local");
    assert_string_equal(l->user, "T.Sato");
  }
  note(S, l->ts, l->id);
  return ASH_OK;
}

static void logons(ash_store *s, ash_logon_query q, seen *S) {
  memset(S, 0, sizeof *S);
  assert_int_equal(ash_store_logons(s, &q, on_logon, S), 0);
}

/* Protects: the logon reader's filters (types, RDP events, window) and
 * order, and that it parses addresses for the hunts. */
static void test_logons(void **st) {
  (void)st;
  ash_store *s;
  reader_case(&s);
  seen S;
  int64_t U = ASH_TIME_UNSET;
  logons(s, (ash_logon_query){U, U, ASH_LOGON_ANY_TYPE, ASH_RDP_1149 | ASH_RDP_LSM21, 0}, &S);
  assert_int_equal(S.n, 4);
  int want[] = {0, 1, 2, 3};
  for (int i = 0; i < 4; i++) assert_int_equal(S.k[i], want[i]);
  logons(s, (ash_logon_query){U, U, 1u << 10 | 1u << 12, 0, 1}, &S);
  assert_int_equal(S.n, 1);
  assert_int_equal(S.k[0], 1);
  assert_string_equal(S.text[0], "{\"WorkstationName\":\"PC7\"}");
  logons(s, (ash_logon_query){U, U, 0, ASH_RDP_LSM24, 0}, &S);
  assert_int_equal(S.n, 1);
  assert_int_equal(S.k[0], 4);
  /* since <= ts < until */
  logons(s, (ash_logon_query){T0 + 2 * ASH_SEC, T0 + 4 * ASH_SEC, ASH_LOGON_ANY_TYPE, 63, 0}, &S);
  assert_int_equal(S.n, 2);
  assert_int_equal(S.k[0], 2);
  assert_int_equal(S.k[1], 3);
  logons(s, (ash_logon_query){U, U, 0, 0, 0}, &S);
  assert_int_equal(S.n, 0);
  /* a source still being ingested (or killed) is not read */
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "b.log", 10, "bb", "winjson", &id, &dup), 0);
  ash_event ev = ev_at(ASH_KIND_WIN_LOGON, 20);
  ev.logon_type = 10;
  ev.host = ash_str_cstr("APP03");
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  assert_int_equal(ash_store_commit(s), 0);
  logons(s, (ash_logon_query){U, U, ASH_LOGON_ANY_TYPE, 0, 0}, &S);
  assert_int_equal(S.n, 3);
  ash_store_close(s);
}

static int on_host(void *u, const ash_host_event *e) {
  seen *S = u;
  if (S->n < 4)
    snprintf(S->text[S->n], sizeof S->text[0], "%s|%d|%d", e->path ? e->path : e->process,
             e->src_port, e->dst_port);
  note(S, e->ts, e->id);
  return ASH_OK;
}

static void host(ash_store *s, const ash_host_query *q, seen *S) {
  memset(S, 0, sizeof *S);
  assert_int_equal(ash_store_host_events(s, q, on_host, S), 0);
}

/* Protects: host activity filters. A path part is a part, never a LIKE
 * pattern ('_' is a character, not any character); the latest start of a
 * program at or before a time, its image compared without case. */
static void test_host_events(void **st) {
  (void)st;
  ash_store *s;
  reader_case(&s);
  seen S;
  ash_host_query q = {.kind = ASH_KIND_WIN_REGISTRY,
                      .since = ASH_TIME_UNSET,
                      .until = ASH_TIME_UNSET,
                      .path_part = "\\services\\portproxy\\"};
  host(s, &q, &S);
  assert_int_equal(S.n, 1);
  assert_int_equal(S.k[0], 6);
  q.path_part = "Services_PortProxy";
  host(s, &q, &S);
  assert_int_equal(S.n, 0);
  q = (ash_host_query){.kind = ASH_KIND_WIN_NETCONN,
                       .since = ASH_TIME_UNSET,
                       .until = ASH_TIME_UNSET,
                       .dst_port = 3389};
  host(s, &q, &S);
  assert_int_equal(S.n, 1);
  assert_string_equal(S.text[0], "C:\\x\\plink.exe|50123|3389");
  q.dst_port = 445;
  host(s, &q, &S);
  assert_int_equal(S.n, 0);
  q = (ash_host_query){.kind = ASH_KIND_WIN_PROCESS,
                       .since = ASH_TIME_UNSET,
                       .until = T0 + 10 * ASH_SEC,
                       .host = "APP02",
                       .process = "C:\\x\\plink.exe",
                       .newest_first = 1,
                       .limit = 1};
  host(s, &q, &S);
  assert_int_equal(S.n, 1);
  assert_int_equal(S.k[0], 9);
  q.host = "app02"; /* host is exact */
  host(s, &q, &S);
  assert_int_equal(S.n, 0);
  q = (ash_host_query){.kind = ASH_KIND_WIN_PROCESS,
                       .since = ASH_TIME_UNSET,
                       .until = ASH_TIME_UNSET,
                       .with_command_line = 1};
  host(s, &q, &S);
  assert_int_equal(S.n, 2);
  assert_int_equal(S.k[0], 8);
  ash_store_close(s);
}

static int on_vpn(void *u, const ash_vpn_event *v) {
  seen *S = u;
  if (S->n < 4)
    snprintf(S->text[S->n], sizeof S->text[0], "%d %s %d/%d %s %lld", v->kind, v->user,
             v->remote.fam, v->tunnel.fam, v->country ? v->country : "-", (long long)v->duration);
  note(S, v->ts, v->id);
  return ASH_OK;
}

static int on_av(void *u, const ash_av_event *a) {
  seen *S = u;
  snprintf(S->text[0], sizeof S->text[0], "%d %s %s %s %s %s", a->action, a->host, a->user,
           a->process, a->what ? a->what : "-", a->category);
  note(S, a->ts, a->id);
  return ASH_OK;
}

static int on_role(void *u, int role, const char *name) {
  seen *S = u;
  if (S->n < 4) snprintf(S->text[S->n], sizeof S->text[0], "%d %s", role, name);
  S->n++;
  return ASH_OK;
}

static int on_addr(void *u, const ash_host_address *a) {
  seen *S = u;
  char ip[ASH_IP_STRLEN];
  ash_ip_format(&a->ip, ip);
  if (S->n < 4)
    snprintf(S->text[S->n], sizeof S->text[0], "%d %s %s %llu/%llu", a->why,
             a->name ? a->name : "-", ip, (unsigned long long)a->n, (unsigned long long)a->total);
  S->n++;
  return ASH_OK;
}

/* Protects: what the VPN, antivirus, role and address readers settle for
 * the hunts (kinds, a login's country only, the antivirus record's own
 * fields before the event's, names as logged). */
static void test_families(void **st) {
  (void)st;
  ash_store *s;
  reader_case(&s);
  seen S;
  memset(&S, 0, sizeof S);
  assert_int_equal(ash_store_vpn_events(s, on_vpn, &S), 0);
  assert_int_equal(S.n, 2);
  assert_string_equal(S.text[0], "1 t.sato 4/4 Japan -9223372036854775808");
  assert_string_equal(S.text[1], "2 t.sato 0/4 - 5000000");
  memset(&S, 0, sizeof S);
  assert_int_equal(ash_store_av_events(s, on_av, &S), 0);
  assert_int_equal(S.n, 1);
  assert_string_equal(S.text[0], "0 APP02 CORP\\t.sato explorer.exe - Tool");
  memset(&S, 0, sizeof S);
  assert_int_equal(ash_store_roles(s, on_role, &S), 0);
  assert_int_equal(S.n, 2);
  assert_string_equal(S.text[0], "1 dc01.corp.local");
  assert_string_equal(S.text[1], "2 adm-sato");
  memset(&S, 0, sizeof S);
  assert_int_equal(ash_store_host_addresses(s, on_addr, &S), 0);
  assert_int_equal(S.n, 3);
  assert_string_equal(S.text[0], "1 - 10.212.134.200 0/0");
  assert_string_equal(S.text[1], "2 app02 127.0.0.1 1/1");
  assert_string_equal(S.text[2], "2 app02 127.0.0.2 1/1");
  ash_store_close(s);
}

static int on_event(void *u, const ash_event *ev, const ash_source_info *src) {
  seen *S = u;
  char dst[ASH_IP_STRLEN];
  ash_ip_format(&ev->dst_ip, dst);
  snprintf(S->text[0], sizeof S->text[0], "%s %s:%d %s", ev->kind, dst, ev->dst_port, src->path);
  S->n++;
  return ASH_OK;
}

static int on_flow_id(void *u, const ash_flow *f) {
  *(int64_t *)u = f->id;
  return ASH_OK;
}

static int on_finding(void *u, const ash_finding *f) {
  seen *S = u;
  if (S->n < 4) snprintf(S->text[S->n], sizeof S->text[0], "%s %s", f->hunt, f->title);
  S->n++;
  return ASH_OK;
}

static void finding(ash_finding *f, const char *hunt, const char *title) {
  assert_int_equal(ash_finding_init(f, hunt), 0);
  ash_finding_set_id(f, title, strlen(title));
  assert_int_equal(ash_finding_set_title(f, title, strlen(title)), 0);
}

/* Protects: a finding's event read back by id, a flow's too; replacing
 * one hunt's findings leaves the others', and a replace that cannot
 * write leaves the previous ones. */
static void test_event_and_findings(void **st) {
  (void)st;
  ash_store *s;
  reader_case(&s);
  seen S;
  memset(&S, 0, sizeof S);
  int64_t flow_id = 0;
  assert_int_equal(ash_store_flows(s, NULL, on_flow_id, &flow_id), 0);
  assert_true(flow_id > 0);
  memset(&S, 0, sizeof S);
  assert_int_equal(ash_store_event(s, flow_id, on_event, &S), 0);
  assert_int_equal(S.n, 1);
  assert_string_equal(S.text[0], "net.flow 52.1.2.3:443 a.log");
  assert_int_equal(ash_store_event(s, flow_id + 1000, on_event, &S), ASH_ENOTFOUND);
  ash_finding f[3];
  finding(&f[0], "a", "a1");
  finding(&f[1], "b", "b1");
  finding(&f[2], "a", "a2");
  assert_int_equal(ash_store_replace_findings(s, NULL, f, 2), 0);    /* a1, b1 */
  assert_int_equal(ash_store_replace_findings(s, "a", f + 1, 2), 0); /* a: a2 */
  memset(&S, 0, sizeof S);
  assert_int_equal(ash_store_findings(s, NULL, on_finding, &S), 0);
  assert_int_equal(S.n, 2);
  assert_true((!strcmp(S.text[0], "a a2") && !strcmp(S.text[1], "b b1")) ||
              (!strcmp(S.text[0], "b b1") && !strcmp(S.text[1], "a a2")));
  ash_store_close(s);
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_READONLY), 0);
  assert_int_not_equal(ash_store_replace_findings(s, "b", NULL, 0), 0);
  memset(&S, 0, sizeof S);
  assert_int_equal(ash_store_findings(s, "b", on_finding, &S), 0);
  assert_int_equal(S.n, 1);
  ash_store_close(s);
  for (int i = 0; i < 3; i++) ash_finding_free(&f[i]);
}

/* The plan's cheap queries say what ash_store_entities says of hosts and
 * privileged accounts: the same accounts, and each host of those kinds in
 * one spelling. */
typedef struct names_got {
  char v[16][64];
  int n;
} names_got;
static int got_name(void *u, const char *name) {
  names_got *g = u;
  if (g->n < 16) snprintf(g->v[g->n++], 64, "%s", name);
  return 0;
}
static int got_entity(void *u, const ash_entity_count *e) {
  names_got *g = u;
  if (!strcmp(e->kind, "user") && e->privileged) return got_name(u, e->name);
  (void)g;
  return 0;
}

static void test_privileged_and_hosts_as_entities_say(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "w.jsonl", 10, "bb", "winlogbeat", &id, &dup), 0);
  static const struct {
    const char *kind, *user, *host;
    int lt, eid;
  } E[] = {{"win.logon", "adm.kato", "FS01.corp.local", 10, 4624},
           {"win.logon", "ADM.KATO", "app01", 10, 4624},
           {"win.logon", "adm.kato", "dc01", 10, 4624},
           {"win.logon", "t.sato", "fs01", 3, 4624},
           {"win.logon", "t.sato", "app01", 10, 4624},
           {"win.privilege", "y.ito", "app02", -1, 4672},
           {"win.process", "k.ueda", "ws01", -1, 4672},
           {"win.service", "system", "FS01", -1, 7045},
           {"net.flow", "z.mori", "fw01", -1, -1}};
  for (size_t i = 0; i < sizeof E / sizeof E[0]; i++) {
    ash_event ev = mk(E[i].kind, E[i].user, "2025-03-02T10:00:00Z");
    ev.host = ash_str_cstr(E[i].host);
    ev.logon_type = E[i].lt;
    ev.event_id = E[i].eid;
    assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  }
  ash_source_info c = {0};
  c.read = c.parsed = c.events = sizeof E / sizeof E[0];
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  assert_int_equal(ash_store_source_end(s, id, &c), 0);
  names_got a = {0}, b = {0};
  assert_int_equal(ash_store_entities(s, got_entity, &a), 0);
  assert_int_equal(ash_store_privileged_users(s, got_name, &b), 0);
  assert_int_equal(a.n, 3); /* adm.kato (RDP to three hosts), y.ito and k.ueda (4672) */
  assert_int_equal(b.n, a.n);
  for (int i = 0; i < a.n; i++) assert_int_equal(strcasecmp(a.v[i], b.v[i]), 0);
  static const char *const K[] = {"win.logon", "win.service"};
  names_got h = {0};
  assert_int_equal(ash_store_event_hosts(s, K, 2, got_name, &h), 0);
  /* app01, dc01, fs01 (one spelling), FS01.corp.local; not the others' */
  assert_int_equal(h.n, 4);
  assert_int_equal(strcasecmp(h.v[0], "app01"), 0);
  assert_int_equal(strcasecmp(h.v[2], "fs01"), 0);
  assert_string_equal(h.v[3], "FS01.corp.local");
  assert_int_equal(ash_store_event_hosts(s, K, 0, got_name, &h), ASH_EUSAGE);
  ash_store_close(s);
}

/* The ingest's producer thread splits a flow's attributes itself
 * (writer.c, ash_attr_split), its values into zstd blocks of consecutive
 * flows of one source, instead of handing the writer thread JSON to
 * split: read back, every row's attributes must be what the JSON path
 * gives. The values exercise the escapes (quotes, backslashes, control
 * bytes, UTF-8), two shapes, rows of two sources interleaved (a block
 * holds one source's), and more rows than a block holds. */
enum { SPLIT_ROWS = 300 };
typedef struct attrs_seen {
  int n;
  int bad;
} attrs_seen;

static void split_event(ash_event *ev, ash_kv *kv, char (*buf)[64], int i) {
  *ev = mk(ASH_KIND_FLOW, "svc", "2025-03-02T10:00:00Z");
  ev->ts += i;
  ash_ip_parse(ash_str_cstr("10.0.0.1"), &ev->src_ip);
  ash_ip_parse(ash_str_cstr("192.0.2.1"), &ev->dst_ip);
  static const char *const cc[] = {"Japan",  "Germany", "United States", "Singapore",
                                   "France", "Brazil",  "India",         "Canada",
                                   "Kenya",  "Chile",   "Norway"};
  snprintf(buf[0], 64, "port%d", i % 3);
  snprintf(buf[1], 64, "%s", cc[(i * 7) % 11]);
  snprintf(buf[2], 64, "%u", 2402220190u + (unsigned)i); /* never repeats */
  snprintf(buf[3], 64, "a \"quoted\" \\ value %d\x01\x1f", i % 5);
  snprintf(buf[4], 64, "%s", i % 2 ? "x" : "yz"); /* 3 bytes or less */
  snprintf(buf[5], 64, "a value longer than the forty bytes cached, %d", i % 4);
  snprintf(buf[6], 64, "\xe6\x97\xa5\xe6\x9c\xac %d", i % 6);
  static const char *const keys[] = {"srcintf", "dstcountry", "sessionid", "q\"k\\",
                                     "short",   "long",       "utf8"};
  for (int k = 0; k < 7; k++) kv[k] = (ash_kv){ash_str_cstr(keys[k]), ash_str_cstr(buf[k])};
  ev->attrs = kv;
  ev->nattrs = i % 10 == 9 ? 6 : 7; /* a second shape now and then */
  if (i % 3 == 1) {
    /* every third row a logon, which is no flow (events_wide): its
     * attributes go into the same blocks */
    ev->kind = ASH_KIND_WIN_LOGON;
    ev->logon_type = 3;
    ev->host = ash_str_cstr("WS1");
  }
}

static int logon_attrs(void *u, const ash_logon *l) {
  attrs_seen *a = u;
  ash_event want;
  ash_kv kv[7];
  char buf[7][64];
  split_event(&want, kv, buf, 3 * a->n++ + 1);
  ash_buf j;
  ash_buf_init(&j, 1 << 16);
  if (ash_event_attrs_json(&want, &j) || !l->attrs || strcmp(l->attrs, j.p) || l->ts != want.ts)
    a->bad++;
  ash_buf_free(&j);
  return 0;
}

static int check_attrs(void *u, const ash_event *ev, const char *src, int rec, const char *attrs) {
  (void)src;
  (void)rec;
  attrs_seen *a = u;
  ash_event want;
  ash_kv kv[7];
  char buf[7][64];
  split_event(&want, kv, buf, a->n++);
  ash_buf j;
  ash_buf_init(&j, 1 << 16);
  if (ash_event_attrs_json(&want, &j) || !attrs || strcmp(attrs, j.p)) a->bad++;
  if (ev->ts != want.ts) a->bad++;
  ash_buf_free(&j);
  return 0;
}

static int64_t count_of(const char *path, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

static void test_flow_split_by_producer(void **st) {
  (void)st;
  char direct[300];
  snprintf(direct, sizeof direct, "%s.direct", g_path);
  unlink(direct);
  /* the JSON path: ash_store_add_event, as watch and the tests call it */
  ash_store *s;
  assert_int_equal(ash_store_open(&s, direct, ASH_STORE_CREATE), 0);
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "f.log", 10, "ff", "fortigate", &id, &dup), 0);
  for (int i = 0; i < SPLIT_ROWS; i++) {
    ash_event ev;
    ash_kv kv[7];
    char buf[7][64];
    split_event(&ev, kv, buf, i);
    assert_int_equal(ash_store_add_event(s, id, &ev), 0);
  }
  ash_source_info c = {0};
  c.read = c.parsed = c.events = SPLIT_ROWS;
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  assert_int_equal(ash_store_source_end(s, id, &c), 0);
  ash_store_close(s);
  /* the ingest's path: through the writer thread, split by the producer */
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  ash_writer *w;
  assert_int_equal(ash_writer_open(&w, s), 0);
  int64_t h[2];
  assert_int_equal(ash_writer_source_begin(w, "f.log", 10, "ff", "fortigate", &h[0]), 0);
  assert_int_equal(ash_writer_source_begin(w, "g.log", 11, "gg", "fortigate", &h[1]), 0);
  /* rows 0..99 of source 0, 100..149 of source 1, then source 0 again:
   * the ts order the check reads them in is the order written */
  for (int i = 0; i < SPLIT_ROWS; i++) {
    ash_event ev;
    ash_kv kv[7];
    char buf[7][64];
    split_event(&ev, kv, buf, i);
    assert_int_equal(ash_writer_event(w, h[i >= 100 && i < 150], &ev), 0);
  }
  ash_source_info c1 = c;
  c1.read = c1.parsed = c1.events = 50;
  c.read = c.parsed = c.events = SPLIT_ROWS - 50;
  assert_int_equal(ash_writer_source_end(w, h[0], &c), 0);
  assert_int_equal(ash_writer_source_end(w, h[1], &c1), 0);
  assert_int_equal(ash_writer_close(w), 0);
  ash_event_query q = {.since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
  attrs_seen a = {0};
  assert_int_equal(ash_store_events(s, &q, check_attrs, &a), 0);
  assert_int_equal(a.n, SPLIT_ROWS);
  assert_int_equal(a.bad, 0);
  /* the logons' reader, which reads events_wide's attributes itself */
  attrs_seen l = {0};
  ash_logon_query lq = {ASH_TIME_UNSET, ASH_TIME_UNSET, ASH_LOGON_ANY_TYPE, 0, 1};
  assert_int_equal(ash_store_logons(s, &lq, logon_attrs, &l), 0);
  assert_int_equal(l.n, SPLIT_ROWS / 3);
  assert_int_equal(l.bad, 0);
  ash_store_close(s);
  /* blocks: source 0's first 100 rows, source 1's 50, then source 0's
   * last 150 in one block (256 rows fit), flows and logons alike */
  assert_int_equal(count_of(g_path, "SELECT count(*) FROM flow_blocks"), 3);
  assert_int_equal(count_of(g_path, "SELECT count(*) FROM flows WHERE vals LIKE char(2)||'%'"),
                   SPLIT_ROWS - SPLIT_ROWS / 3);
  assert_int_equal(count_of(g_path, "SELECT count(*) FROM events_wide WHERE attrs IS NULL AND"
                                    " vals LIKE char(2)||'%'"),
                   SPLIT_ROWS / 3);
  assert_int_equal(count_of(direct, "SELECT count(*) FROM events_wide WHERE shape IS NULL AND"
                                    " attrs LIKE '{%'"),
                   SPLIT_ROWS / 3);
  assert_int_equal(count_of(direct, "SELECT count(*) FROM flow_blocks"), 0);
  assert_true(count_of(direct, "SELECT count(*) FROM flows WHERE instr(vals, char(1))") > 0);
  /* a damaged block (the case file altered) reads as no attributes, and
   * the rows of the other blocks as before */
  sqlite3 *db;
  assert_int_equal(sqlite3_open(g_path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "UPDATE flow_blocks SET z=substr(z,1,length(z)/2)"
                                " WHERE id=(SELECT min(id) FROM flow_blocks)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_READONLY), 0);
  attrs_seen b = {0};
  assert_int_equal(ash_store_events(s, &q, check_attrs, &b), 0);
  assert_int_equal(b.n, SPLIT_ROWS);
  assert_int_equal(b.bad, 100); /* the first block's rows, source 0's first 100 */
  ash_store_close(s);
  unlink(direct);
}

/* A case of schema 2 (before attribute blocks) or 3 (blocks for flows
 * only: events_wide without shape and vals) reads the same: it is read
 * as it is, and once opened for writing it gets events_wide's columns
 * and the events view that reads them, and is marked 4, which an older
 * ashiato refuses. Its events read back the same before and after. */
static int count_logon(void *u, const ash_logon *l) {
  attrs_seen *a = u;
  a->n++;
  if (!l->attrs || strcmp(l->attrs, "{\"WorkstationName\":\"PC7\"}")) a->bad++;
  return 0;
}

/* A logon of user at ts with the attribute WorkstationName=PC7 (kv holds
 * it), and the counts of a source of that one event. */
static ash_event pc7_logon(const char *user, const char *ts, ash_kv *kv) {
  ash_event ev = mk(ASH_KIND_WIN_LOGON, user, ts);
  ev.logon_type = 3;
  *kv = (ash_kv){ash_str_cstr("WorkstationName"), ash_str_cstr("PC7")};
  ev.attrs = kv;
  ev.nattrs = 1;
  return ev;
}
static ash_source_info one_event(void) {
  ash_source_info c = {0};
  c.read = c.parsed = c.events = 1;
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  return c;
}

/* Turn the case at g_path into the layout of schema v (2 or 3): no
 * shape or vals in events_wide, an events view without them, and for 2
 * no flow_blocks. */
static void to_layout(int v) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(g_path, &db), SQLITE_OK);
  char sql[1024];
  snprintf(sql, sizeof sql,
           "UPDATE meta SET value='%d' WHERE key='schema_version';"
           "DROP VIEW events; ALTER TABLE events_wide DROP COLUMN shape;"
           "ALTER TABLE events_wide DROP COLUMN vals;"
           "CREATE VIEW events AS SELECT id,source_id,ref,ts,kind,host,user,domain,src_ip,"
           "src_port,dst_ip,dst_port,tunnel_ip,proto,action,app,service,bytes_out,bytes_in,"
           "packets_out,packets_in,duration,logon_type,event_id,channel,process,"
           "parent_process,command_line,threat,path,sha256,attrs FROM events_wide;%s",
           v, v == 2 ? "DROP TABLE flow_blocks;" : "");
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static const ash_logon_query ALL_LOGONS = {ASH_TIME_UNSET, ASH_TIME_UNSET, ASH_LOGON_ANY_TYPE, 0,
                                           1};

static void test_case_of_earlier_schema_is_read_and_marked_4(void **st) {
  (void)st;
  for (int v = 2; v <= 3; v++) {
    unlink(g_path);
    ash_store *s;
    assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
    int64_t id;
    int dup;
    assert_int_equal(ash_store_source_begin(s, "a.evtx", 10, "aa", "evtx", &id, &dup), 0);
    ash_kv kv;
    ash_event ev = pc7_logon("alice", "2025-03-02T10:00:00Z", &kv);
    assert_int_equal(ash_store_add_event(s, id, &ev), 0);
    ash_source_info c = one_event();
    assert_int_equal(ash_store_source_end(s, id, &c), 0);
    ash_store_close(s);
    to_layout(v);
    ash_event_query q = {.since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
    for (int write = 0; write <= 1; write++) {
      assert_int_equal(ash_store_open(&s, g_path, write ? ASH_STORE_CREATE : ASH_STORE_READONLY),
                       0);
      attrs_seen a = {0};
      assert_int_equal(ash_store_logons(s, &ALL_LOGONS, count_logon, &a), 0);
      assert_int_equal(a.n, 1);
      assert_int_equal(a.bad, 0);
      cnt n = {0};
      assert_int_equal(ash_store_events(s, &q, count_ev, &n), 0);
      assert_int_equal(n.n, 1);
      assert_string_equal(n.last_attrs, "{\"WorkstationName\":\"PC7\"}");
      ash_store_close(s);
      assert_int_equal(count_of(g_path, "SELECT value FROM meta WHERE key='schema_version'"),
                       write ? 4 : v);
    }
    assert_int_equal(count_of(g_path, "SELECT count(*) FROM flow_blocks"), 0);
    assert_int_equal(count_of(g_path, "SELECT count(shape) FROM events_wide"), 0);
  }
  /* a reader of a case of 3 that another handle upgrades and writes blocks
   * into while it is open reads the new rows' attributes too */
  to_layout(3);
  ash_store *r, *s;
  assert_int_equal(ash_store_open(&r, g_path, ASH_STORE_READONLY), 0);
  attrs_seen a = {0};
  assert_int_equal(ash_store_logons(r, &ALL_LOGONS, count_logon, &a), 0);
  assert_int_equal(a.n, 1);
  assert_int_equal(ash_store_open(&s, g_path, ASH_STORE_CREATE), 0);
  ash_writer *w;
  assert_int_equal(ash_writer_open(&w, s), 0);
  int64_t h;
  assert_int_equal(ash_writer_source_begin(w, "b.evtx", 11, "bb", "evtx", &h), 0);
  ash_kv kv;
  ash_event ev = pc7_logon("bob", "2025-03-02T11:00:00Z", &kv);
  assert_int_equal(ash_writer_event(w, h, &ev), 0);
  ash_source_info c = one_event();
  assert_int_equal(ash_writer_source_end(w, h, &c), 0);
  assert_int_equal(ash_writer_close(w), 0);
  ash_store_close(s);
  assert_int_equal(count_of(g_path, "SELECT count(*) FROM events_wide WHERE shape IS NOT NULL"), 1);
  attrs_seen b = {0};
  assert_int_equal(ash_store_logons(r, &ALL_LOGONS, count_logon, &b), 0);
  assert_int_equal(b.n, 2);
  assert_int_equal(b.bad, 0);
  ash_store_close(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_privileged_and_hosts_as_entities_say, setup, teardown),
      cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_flow_attrs_with_quotes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_flow_split_by_producer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_case_of_earlier_schema_is_read_and_marked_4, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_stale_source_redone, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hash_at_end, setup, teardown),
      cmocka_unit_test_setup_teardown(test_not_a_case, setup, teardown),
      cmocka_unit_test_setup_teardown(test_full_disk_leaves_nothing_behind, setup, teardown),
      cmocka_unit_test_setup_teardown(test_case_of_schema_1_is_refused_unchanged, setup, teardown),
      cmocka_unit_test_setup_teardown(test_skipped_row_is_not_content, setup, teardown),
      cmocka_unit_test_setup_teardown(test_logons, setup, teardown),
      cmocka_unit_test_setup_teardown(test_host_events, setup, teardown),
      cmocka_unit_test_setup_teardown(test_families, setup, teardown),
      cmocka_unit_test_setup_teardown(test_event_and_findings, setup, teardown),
      cmocka_unit_test(test_attrs_join),
      cmocka_unit_test_setup_teardown(test_event_cells, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
