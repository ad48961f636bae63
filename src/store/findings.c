/* Findings in the case store: one row per finding, its JSON form
 * (finding.h) plus the columns findings are ranked and filtered by.
 * Contract in store.h. Bound parameters only. */
#include <string.h>
#include <time.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "store_internal.h"

/* Created on first use rather than with the case: a case made by an older
 * ashiato gains the table the first time a hunt stores something. */
static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS findings("
    " id TEXT PRIMARY KEY, hunt TEXT NOT NULL, score INTEGER NOT NULL,"
    " severity TEXT NOT NULL, title TEXT, first_seen INTEGER, last_seen INTEGER,"
    " json TEXT NOT NULL, stored_at INTEGER);"
    "CREATE INDEX IF NOT EXISTS findings_hunt ON findings(hunt, score);";

static int have_table(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  int yes = 0;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='findings'",
                         -1, &st, NULL) == SQLITE_OK)
    yes = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return yes;
}

static int ensure(sqlite3 *db) {
  if (have_table(db)) return ASH_OK;
  return sqlite3_exec(db, SCHEMA, NULL, NULL, NULL) == SQLITE_OK ? ASH_OK : ASH_ESTORE;
}

static void bind_time(sqlite3_stmt *st, int i, int64_t t) {
  if (t == ASH_TIME_UNSET)
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_int64(st, i, t);
}

int ash_store_add_finding(ash_store *s, const ash_finding *f) {
  if (ash_store_ch(s)) return ash_chstore_replace_findings(ash_store_ch(s), NULL, f, 1, 0);
  int rc = ash_store_commit(s);
  sqlite3 *db = ash_store_sqlite(s);
  if (!rc) rc = ensure(db);
  if (rc) return rc;
  ash_buf js;
  ash_buf_init(&js, (size_t)ASH_MAX_FINDING_EVIDENCE * ASH_MAX_FINDING_TEXT);
  rc = ash_finding_to_json(f, &js);
  sqlite3_stmt *st = NULL;
  if (!rc &&
      sqlite3_prepare_v2(db,
                         "INSERT OR REPLACE INTO findings(id,hunt,score,severity,title,first_seen,"
                         "last_seen,json,stored_at) VALUES(?,?,?,?,?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    rc = ASH_ESTORE;
  if (!rc) {
    sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->hunt ? f->hunt : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, f->score);
    sqlite3_bind_text(st, 4, ash_severity_name(f->severity), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, f->title ? f->title : "", -1, SQLITE_STATIC);
    bind_time(st, 6, f->first_seen);
    bind_time(st, 7, f->last_seen);
    sqlite3_bind_text(st, 8, js.p, (int)js.n, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)time(NULL) * ASH_US_PER_SEC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = ASH_ESTORE;
  }
  sqlite3_finalize(st);
  ash_buf_free(&js);
  return rc;
}

int ash_store_delete_findings(ash_store *s, const char *hunt) {
  if (ash_store_ch(s)) return ash_chstore_replace_findings(ash_store_ch(s), hunt, NULL, 0, 1);
  int rc = ash_store_commit(s);
  sqlite3 *db = ash_store_sqlite(s);
  if (rc || !have_table(db)) return rc;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "DELETE FROM findings WHERE ?1 IS NULL OR hunt=?1", -1, &st, NULL) !=
      SQLITE_OK)
    return ASH_ESTORE;
  if (hunt) sqlite3_bind_text(st, 1, hunt, -1, SQLITE_STATIC);
  rc = sqlite3_step(st) == SQLITE_DONE ? ASH_OK : ASH_ESTORE;
  sqlite3_finalize(st);
  return rc;
}

int ash_store_replace_findings(ash_store *s, const char *hunt, const ash_finding *v, size_t n) {
  if (ash_store_ch(s)) return ash_chstore_replace_findings(ash_store_ch(s), hunt, v, n, 1);
  int rc = ash_store_commit(s);
  if (rc) return rc;
  sqlite3 *db = ash_store_sqlite(s);
  /* the delete and the inserts in one transaction of their own (no write
   * of the store's is pending: committed above): a hunt run killed or
   * failing half way leaves the previous findings, never half of them */
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return ash_store_sql_fail(s);
  rc = ash_store_delete_findings(s, hunt);
  for (size_t i = 0; !rc && i < n; i++)
    if (!hunt || (v[i].hunt && !strcmp(v[i].hunt, hunt))) rc = ash_store_add_finding(s, &v[i]);
  if (rc) {
    if (rc == ASH_ESTORE) ash_store_sql_fail(s);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  } else if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    rc = ash_store_sql_fail(s);
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  }
  return rc;
}

int ash_store_findings(ash_store *s, const char *hunt, int (*cb)(void *u, const ash_finding *f),
                       void *u) {
  if (ash_store_ch(s)) return ash_chstore_findings(ash_store_ch(s), hunt, cb, u);
  int rc = ash_store_commit(s);
  sqlite3 *db = ash_store_sqlite(s);
  if (rc || !have_table(db)) return rc;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT json FROM findings WHERE ?1 IS NULL OR hunt=?1"
                         " ORDER BY score DESC, first_seen, id",
                         -1, &st, NULL) != SQLITE_OK)
    return ASH_ESTORE;
  if (hunt) sqlite3_bind_text(st, 1, hunt, -1, SQLITE_STATIC);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *js = (const char *)sqlite3_column_text(st, 0);
    ash_finding f;
    /* a row that does not read back is skipped, not fatal: one damaged
     * finding must not hide the others */
    if (!js || ash_finding_from_json(&f, js, (size_t)sqlite3_column_bytes(st, 0))) continue;
    rc = cb(u, &f);
    ash_finding_free(&f);
    if (rc) break;
  }
  if (!rc && r != SQLITE_ROW && r != SQLITE_DONE) rc = ASH_ESTORE;
  sqlite3_finalize(st);
  return rc;
}
