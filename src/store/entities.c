/* What the case knows about names and files: the entity counts that feed
 * scan's environment profile, and the events that name a file (for joining
 * a scanned file with its antivirus detections). Contract in store.h.
 * Every value is a bound parameter; only fixed SQL is prepared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/ip.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "store_internal.h"

/* Only sources whose ingest completed count: a killed ingest's partial
 * events would be redone (and counted twice) on the next run. */
#define COMPLETE " source_id IN (SELECT id FROM sources WHERE complete=1)"

static int group(ash_store *s, const char *sql, const char *kind,
                 int (*cb)(void *u, const ash_entity_count *e), void *u, unsigned max_private) {
  sqlite3 *db = ash_store_sqlite(s);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return ASH_ESTORE;
  int r, rc = ASH_OK;
  unsigned kept = 0;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (!name || !*name) continue;
    if (max_private) {
      /* addresses: only internal ones identify the environment */
      ash_ip ip;
      if (ash_ip_parse(ash_str_cstr(name), &ip) || !ash_ip_is_private(&ip)) continue;
      if (kept++ >= max_private) break;
    }
    ash_entity_count e = {kind, name, (uint64_t)sqlite3_column_int64(st, 1),
                          sqlite3_column_count(st) > 2 ? sqlite3_column_int(st, 2) : 0};
    if ((rc = cb(u, &e))) break;
  }
  if (!rc && r != SQLITE_ROW && r != SQLITE_DONE) rc = ASH_ESTORE;
  sqlite3_finalize(st);
  return rc;
}

int ash_store_entities(ash_store *s, int (*cb)(void *u, const ash_entity_count *e), void *u) {
  return ash_store_entities_of(s, ASH_ENTITY_ALL, cb, u);
}

int ash_store_entities_of(ash_store *s, unsigned kinds,
                          int (*cb)(void *u, const ash_entity_count *e), void *u) {
  if (ash_store_ch(s)) return ash_chstore_entities_of(ash_store_ch(s), kinds, cb, u);
  int rc = ash_store_commit(s);
  if (rc) return rc;
  /* Each query counts the wide table and the flows table apart and adds
   * the counts: a GROUP BY over the events view would materialise its
   * UNION ALL, every flow with its attributes rebuilt (minutes on a
   * 100k-event case under ASan). */
  if (kinds & ASH_ENTITY_HOSTS)
    rc = group(
        s,
        "SELECT host, sum(c) FROM ("
        "SELECT host, count(*) c FROM events_wide WHERE host IS NOT NULL AND host<>'' AND" COMPLETE
        " GROUP BY host COLLATE NOCASE"
        " UNION ALL SELECT " DICT(
            "host") ", count(*) FROM flows f WHERE f.host IS NOT NULL"
                    " AND" COMPLETE " GROUP BY f.host)"
                    " WHERE host IS NOT NULL AND host<>''"
                    " GROUP BY host COLLATE NOCASE ORDER BY host COLLATE NOCASE",
        "host", cb, u, 0);
  if (!rc && (kinds & ASH_ENTITY_USERS))
    rc = group(s,
               /* privileged: special privileges at logon (4672), a firewall
                * admin login, or RDP into three or more machines (people
                * log on to their own workstation; administrators go
                * everywhere). Flows are none of these: they only count. */
               "SELECT user, sum(c), max(p) FROM ("
               "SELECT user, count(*) c,"
               " max(coalesce(event_id,0)=4672 OR kind IN ('admin.login','win.privilege'))"
               " OR count(DISTINCT CASE WHEN kind='win.logon' AND logon_type=10"
               " THEN lower(host) END) >= 3 AS p"
               " FROM events_wide WHERE user IS NOT NULL AND user<>'' AND" COMPLETE
               " GROUP BY user COLLATE NOCASE"
               " UNION ALL SELECT " DICT(
                   "user") ", count(*), 0 FROM flows f"
                           " WHERE f.user IS NOT NULL AND" COMPLETE " GROUP BY f.user)"
                           " WHERE user IS NOT NULL AND user<>''"
                           " GROUP BY user COLLATE NOCASE ORDER BY user COLLATE NOCASE",
               "user", cb, u, 0);
  if (!rc && (kinds & ASH_ENTITY_DOMAINS))
    rc = group(s,
               "SELECT domain, sum(c) FROM ("
               "SELECT domain, count(*) c FROM events_wide WHERE domain IS NOT NULL AND"
               " domain<>'' AND" COMPLETE " GROUP BY domain COLLATE NOCASE"
               " UNION ALL SELECT " DICT(
                   "domain") ", count(*) FROM flows f"
                             " WHERE f.domain IS NOT NULL AND" COMPLETE " GROUP BY f.domain)"
                             " WHERE domain IS NOT NULL AND domain<>''"
                             " GROUP BY domain COLLATE NOCASE ORDER BY domain COLLATE NOCASE",
               "domain", cb, u, 0);
  if (!rc && (kinds & ASH_ENTITY_IPS))
    rc = group(
        s,
        "SELECT ip, sum(c) AS n FROM ("
        "SELECT dst_ip AS ip, count(*) c FROM events_wide WHERE dst_ip IS NOT NULL AND" COMPLETE
        " GROUP BY dst_ip"
        " UNION ALL SELECT " IP_TEXT(
            "dst", "dst6") ", count(*) FROM flows f"
                           " WHERE (f.dst IS NOT NULL OR f.dst6 IS NOT NULL) AND" COMPLETE
                           " GROUP BY f.dst, f.dst6)"
                           " WHERE ip IS NOT NULL GROUP BY ip ORDER BY n DESC, ip",
        "ip", cb, u, ASH_MAX_CASE_IPS);
  return rc;
}

/* Call cb with column 0 of each row of st (finalized). */
static int names_of(sqlite3_stmt *st, int (*cb)(void *u, const char *name), void *u) {
  int r, rc = ASH_OK;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (name && *name && (rc = cb(u, name))) break;
  }
  if (!rc && r != SQLITE_ROW && r != SQLITE_DONE) rc = ASH_ESTORE;
  sqlite3_finalize(st);
  return rc;
}

int ash_store_event_hosts(ash_store *s, const char *const *kinds, size_t n,
                          int (*cb)(void *u, const char *host), void *u) {
  if (ash_store_ch(s)) return ash_chstore_event_hosts(ash_store_ch(s), kinds, n, cb, u);
  if (!n || n > 8) return ASH_EUSAGE;
  int rc = ash_store_commit(s);
  if (rc) return rc;
  static const char *const IN[] = {"?1",
                                   "?1,?2",
                                   "?1,?2,?3",
                                   "?1,?2,?3,?4",
                                   "?1,?2,?3,?4,?5",
                                   "?1,?2,?3,?4,?5,?6",
                                   "?1,?2,?3,?4,?5,?6,?7",
                                   "?1,?2,?3,?4,?5,?6,?7,?8"};
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT host FROM events_wide WHERE kind IN (%s) AND host IS NOT NULL AND host<>''"
           " AND" COMPLETE " GROUP BY host COLLATE NOCASE ORDER BY host COLLATE NOCASE",
           IN[n - 1]);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(ash_store_sqlite(s), sql, -1, &st, NULL) != SQLITE_OK) return ASH_ESTORE;
  for (size_t i = 0; i < n; i++) sqlite3_bind_text(st, (int)i + 1, kinds[i], -1, SQLITE_TRANSIENT);
  return names_of(st, cb, u);
}

int ash_store_privileged_users(ash_store *s, int (*cb)(void *u, const char *user), void *u) {
  if (ash_store_ch(s)) return ash_chstore_privileged_users(ash_store_ch(s), cb, u);
  int rc = ash_store_commit(s);
  if (rc) return rc;
  sqlite3_stmt *st = NULL;
  /* ash_store_entities' privilege, over the wide table alone */
  if (sqlite3_prepare_v2(
          ash_store_sqlite(s),
          "SELECT user FROM events_wide WHERE user IS NOT NULL AND user<>'' AND" COMPLETE
          " GROUP BY user COLLATE NOCASE"
          " HAVING max(coalesce(event_id,0)=4672 OR kind IN ('admin.login','win.privilege'))"
          " OR count(DISTINCT CASE WHEN kind='win.logon' AND logon_type=10"
          " THEN lower(host) END) >= 3"
          " ORDER BY user COLLATE NOCASE",
          -1, &st, NULL) != SQLITE_OK)
    return ASH_ESTORE;
  return names_of(st, cb, u);
}

int ash_store_file_events(ash_store *s,
                          int (*cb)(void *u, const ash_event *ev, const char *source_path,
                                    int ref_is_record),
                          void *u) {
  if (ash_store_ch(s)) return ash_chstore_file_events(ash_store_ch(s), cb, u);
  int rc = ash_store_commit(s);
  if (rc) return rc;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(ash_store_sqlite(s),
                         "SELECT " ASH_STORE_EVENT_COLS ",s.path,s.ref_is_record"
                         /* no flow has a file: the wide table alone, in the
                          * order of its rows */
                         " FROM events_wide e JOIN sources s ON s.id=e.source_id"
                         " WHERE s.complete=1 AND (e.sha256 IS NOT NULL OR e.path IS NOT NULL)"
                         " ORDER BY e.ts, e.id",
                         -1, &st, NULL) != SQLITE_OK)
    return ASH_ESTORE;
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    ash_event ev;
    ash_store_read_event(st, &ev);
    if ((rc = cb(u, &ev, (const char *)sqlite3_column_text(st, ASH_STORE_EVENT_NCOLS),
                 sqlite3_column_int(st, ASH_STORE_EVENT_NCOLS + 1))))
      break;
  }
  if (!rc && r != SQLITE_ROW && r != SQLITE_DONE) rc = ASH_ESTORE;
  sqlite3_finalize(st);
  return rc;
}
