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
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_source_redone, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hash_at_end, setup, teardown),
      cmocka_unit_test_setup_teardown(test_not_a_case, setup, teardown),
      cmocka_unit_test_setup_teardown(test_full_disk_leaves_nothing_behind, setup, teardown),
      cmocka_unit_test_setup_teardown(test_case_of_schema_1_is_refused_unchanged, setup, teardown),
      cmocka_unit_test_setup_teardown(test_skipped_row_is_not_content, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
