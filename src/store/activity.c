/* The hunts' typed readers of everything but flows (contract in store.h;
 * the flows' reader is in flows.c): logons, roles, VPN and antivirus
 * records, Windows host activity, and what says which host holds which
 * address. Each selects its family from events_wide by kind (the index
 * events_kind_ts) and hands out typed records, addresses parsed once here;
 * a reader of attributes selects from wide_events, the same rows with
 * their attributes as JSON however they are kept (sqlite.c).
 * Every value is a bound parameter; the SQL is fixed fragments chosen by
 * the query's fields. */
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/time.h"
#include "store_internal.h"

/* Rows of sources whose ingest completed only, as ash_store_flows and
 * ash_store_events read: a killed ingest's partial source is deleted and
 * read again by the next run, so what it left is not the case's yet. The
 * subquery runs once per statement (SQLite keeps its result as an index),
 * then costs a lookup per row in a table of one row per source. */
#define COMPLETE " AND source_id IN (SELECT id FROM sources WHERE complete=1)"
#define COMPLETE_F " AND f.source_id IN (SELECT id FROM sources WHERE complete=1)"

/* Prepare sql once the store's pending writes are committed (a reader
 * must see them). */
static int prepare(ash_store *s, const char *sql, sqlite3_stmt **st) {
  *st = NULL;
  int rc = ash_store_commit(s);
  if (!rc) rc = ash_store_wide_view(s);
  if (rc) return rc;
  if (sqlite3_prepare_v2(ash_store_sqlite(s), sql, -1, st, NULL) != SQLITE_OK) {
    *st = NULL;
    return ash_store_sql_fail(s);
  }
  return ASH_OK;
}

/* The end of a walk: rc (the callback's), or the failed step's error. */
static int finish(ash_store *s, sqlite3_stmt *st, int rc, int r) {
  if (!rc && r != SQLITE_DONE && r != SQLITE_ROW) rc = ash_store_sql_fail(s);
  sqlite3_finalize(st);
  return rc;
}

/* SQL built from fixed fragments into a fixed buffer: ASH_ELIMIT, never a
 * cut statement, if it ever outgrew it. */
typedef struct sqlbuf {
  char s[2048];
  size_t n;
  int over;
} sqlbuf;

static void add(sqlbuf *b, const char *frag) {
  size_t k = strlen(frag);
  if (b->over || b->n + k >= sizeof b->s) {
    b->over = 1;
    return;
  }
  memcpy(b->s + b->n, frag, k + 1);
  b->n += k;
}

/* The time window of a query: " AND ts>=?1", " AND ts<?2" for the ends
 * that are set (the caller binds both). */
static void add_window(sqlbuf *b, int64_t since, int64_t until) {
  if (since != ASH_TIME_UNSET) add(b, " AND ts>=?1");
  if (until != ASH_TIME_UNSET) add(b, " AND ts<?2");
}

static void bind_window(sqlite3_stmt *st, int64_t since, int64_t until) {
  if (since != ASH_TIME_UNSET) sqlite3_bind_int64(st, 1, since);
  if (until != ASH_TIME_UNSET) sqlite3_bind_int64(st, 2, until);
}

/* ---- logons ---- */

static const int64_t RDP_IDS[] = {1149, 21, 22, 24, 25, 131}; /* ASH_RDP_* bit order */
enum { NRDP = sizeof RDP_IDS / sizeof RDP_IDS[0] };

int ash_store_logons(ash_store *s, const ash_logon_query *q, int (*cb)(void *u, const ash_logon *l),
                     void *u) {
  if (ash_store_ch(s)) return ash_chstore_logons(ash_store_ch(s), q, cb, u);
  if (!q->types && !q->rdp) return ASH_OK;
  sqlbuf b = {.n = 0};
  add(&b, "SELECT id,source_id,ts,kind,host,user,src_ip,logon_type,event_id,");
  add(&b, q->with_attrs ? "attrs" : "NULL");
  add(&b, " FROM wide_events WHERE (");
  /* one term per kind, each on the (kind, ts) index: SQLite reads them as
   * a multi-index OR */
  if (q->types == ASH_LOGON_ANY_TYPE)
    add(&b, "kind='win.logon'");
  else if (q->types)
    add(&b, "(kind='win.logon' AND logon_type>=0 AND logon_type<32 AND (?3>>logon_type)&1)");
  if (q->types && q->rdp) add(&b, " OR ");
  if (q->rdp) add(&b, "(kind='win.rdp' AND event_id IN (?4,?5,?6,?7,?8,?9))");
  add(&b, ")" COMPLETE);
  add_window(&b, q->since, q->until);
  add(&b, " ORDER BY ts,id");
  if (b.over) return ASH_ELIMIT;
  sqlite3_stmt *st;
  int rc = prepare(s, b.s, &st);
  if (rc) return rc;
  bind_window(st, q->since, q->until);
  if (q->types != ASH_LOGON_ANY_TYPE) sqlite3_bind_int64(st, 3, (sqlite3_int64)q->types);
  for (int i = 0; i < NRDP; i++)
    if (q->rdp & (1u << i)) sqlite3_bind_int64(st, 4 + i, RDP_IDS[i]);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    ash_logon l;
    l.id = sqlite3_column_int64(st, 0);
    l.source = sqlite3_column_int64(st, 1);
    l.ts = ash_col_i64(st, 2);
    const char *kind = ash_col_text(st, 3);
    l.rdp = kind && !strcmp(kind, ASH_KIND_WIN_RDP);
    l.host = ash_col_text(st, 4);
    l.user = ash_col_text(st, 5);
    ash_col_ip(st, 6, &l.src);
    l.logon_type = ash_col_i64(st, 7);
    l.event_id = ash_col_i64(st, 8);
    l.attrs = ash_col_text(st, 9);
    if ((rc = cb(u, &l))) break;
  }
  return finish(s, st, rc, r);
}

/* Each non-NULL value of column 0 of sql, as role. */
static int names(ash_store *s, const char *sql, int role,
                 int (*cb)(void *u, int role, const char *name), void *u) {
  sqlite3_stmt *st;
  int rc = prepare(s, sql, &st), r = SQLITE_DONE;
  while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = ash_col_text(st, 0);
    if (name) rc = cb(u, role, name);
  }
  return finish(s, st, rc, r);
}

int ash_store_roles(ash_store *s, int (*cb)(void *u, int role, const char *name), void *u) {
  if (ash_store_ch(s)) return ash_chstore_roles(ash_store_ch(s), cb, u);
  int rc = names(s,
                 "SELECT DISTINCT lower(host) FROM events_wide WHERE kind='win.kerberos' AND"
                 " event_id IN (4768,4769,4771)" COMPLETE,
                 ASH_ROLE_DC, cb, u);
  if (!rc)
    rc = names(s, "SELECT DISTINCT user FROM events_wide WHERE kind='win.privilege'" COMPLETE,
               ASH_ROLE_PRIVILEGED, cb, u);
  return rc;
}

/* ---- VPN ---- */

int ash_store_vpn_events(ash_store *s, int (*cb)(void *u, const ash_vpn_event *v), void *u) {
  if (ash_store_ch(s)) return ash_chstore_vpn_events(ash_store_ch(s), cb, u);
  sqlite3_stmt *st;
  int rc =
      prepare(s,
              "SELECT id,source_id,ts,kind,user,src_ip,tunnel_ip,duration,bytes_out,bytes_in,"
              /* FortiGate srccountry, PAN-OS GlobalProtect source_region
               * (srcregion in traffic logs) */
              " CASE WHEN kind='vpn.login' AND json_valid(attrs) THEN"
              " coalesce(json_extract(attrs,'$.srccountry'),"
              "json_extract(attrs,'$.source_region'),json_extract(attrs,'$.srcregion'))"
              " END"
              " FROM wide_events WHERE kind IN ('vpn.login','vpn.logout','vpn.session')" COMPLETE
              " ORDER BY ts,id",
              &st);
  if (rc) return rc;
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *kind = ash_col_text(st, 3);
    ash_vpn_event v;
    v.id = sqlite3_column_int64(st, 0);
    v.source = sqlite3_column_int64(st, 1);
    v.ts = ash_col_i64(st, 2);
    v.kind = !kind                                ? 0
             : !strcmp(kind, ASH_KIND_VPN_LOGIN)  ? ASH_VPN_LOGIN
             : !strcmp(kind, ASH_KIND_VPN_LOGOUT) ? ASH_VPN_LOGOUT
                                                  : ASH_VPN_SESSION;
    v.user = ash_col_text(st, 4);
    ash_col_ip(st, 5, &v.remote);
    ash_col_ip(st, 6, &v.tunnel);
    v.duration = ash_col_i64(st, 7);
    v.bytes_out = ash_col_i64(st, 8);
    v.bytes_in = ash_col_i64(st, 9);
    v.country = ash_col_text(st, 10);
    if ((rc = cb(u, &v))) break;
  }
  return finish(s, st, rc, r);
}

/* ---- antivirus ---- */

/* A field of the record's own, whatever the container called it. */
#define AV_ATTR(a, b, c)                                                                           \
  "CASE WHEN json_valid(attrs) THEN coalesce(json_extract(attrs,'$." a "'),"                       \
  "json_extract(attrs,'$." b "'),json_extract(attrs,'$." c "')) END"

/* clang-format off */
static const char AV_SQL[] =
    "SELECT id,source_id,ts,kind,host,threat,path,"
    "coalesce(user," AV_ATTR("\"Detection User\"", "detection_user", "DetectionUser") "),"
    "coalesce(" AV_ATTR("\"Process Name\"", "process_name", "ProcessName") ",process),"
    "coalesce(" AV_ATTR("\"Action Name\"", "action_name", "ActionName") ",action),"
    AV_ATTR("\"Category Name\"", "category", "Category")
    " FROM wide_events WHERE kind IN ('av.detect','av.action')" COMPLETE " ORDER BY ts,id";
/* clang-format on */

int ash_store_av_events(ash_store *s, int (*cb)(void *u, const ash_av_event *a), void *u) {
  if (ash_store_ch(s)) return ash_chstore_av_events(ash_store_ch(s), cb, u);
  sqlite3_stmt *st;
  int rc = prepare(s, AV_SQL, &st);
  if (rc) return rc;
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *kind = ash_col_text(st, 3);
    ash_av_event a;
    a.id = sqlite3_column_int64(st, 0);
    a.source = sqlite3_column_int64(st, 1);
    a.ts = ash_col_i64(st, 2);
    a.action = !kind || strcmp(kind, ASH_KIND_AV_DETECT) != 0;
    a.host = ash_col_text(st, 4);
    a.threat = ash_col_text(st, 5);
    a.path = ash_col_text(st, 6);
    a.user = ash_col_text(st, 7);
    a.process = ash_col_text(st, 8);
    a.what = ash_col_text(st, 9);
    a.category = ash_col_text(st, 10);
    if ((rc = cb(u, &a))) break;
  }
  return finish(s, st, rc, r);
}

/* ---- Windows host activity ---- */

/* Longest path_part taken (a hunt's constant: a registry key's name). */
#define PART_MAX 512

int ash_store_host_events(ash_store *s, const ash_host_query *q,
                          int (*cb)(void *u, const ash_host_event *e), void *u) {
  if (ash_store_ch(s)) return ash_chstore_host_events(ash_store_ch(s), q, cb, u);
  if (!q->kind) return ASH_EUSAGE;
  sqlbuf b = {.n = 0};
  add(&b, "SELECT id,source_id,ts,host,user,process,command_line,path,src_ip,src_port,dst_ip,"
          "dst_port FROM events_wide WHERE kind=?3" COMPLETE);
  add_window(&b, q->since, q->until);
  if (q->host) add(&b, " AND host=?4");
  if (q->process) add(&b, " AND process=?5 COLLATE NOCASE");
  if (q->path) add(&b, " AND path=?6 COLLATE NOCASE");
  /* LIKE is ASCII case-insensitive; the part's own % _ ! are escaped */
  if (q->path_part) add(&b, " AND path LIKE ?7 ESCAPE '!'");
  if (q->dst_port) add(&b, " AND dst_port=?8");
  if (q->with_command_line) add(&b, " AND command_line IS NOT NULL");
  add(&b, q->newest_first ? " ORDER BY ts DESC,id DESC" : " ORDER BY ts,id");
  if (q->limit) add(&b, " LIMIT ?9");
  if (b.over) return ASH_ELIMIT;
  char pat[2 * PART_MAX + 3];
  if (q->path_part) {
    size_t k = 0, n = strlen(q->path_part);
    if (n > PART_MAX) return ASH_ELIMIT;
    pat[k++] = '%';
    for (size_t i = 0; i < n; i++) {
      char ch = q->path_part[i];
      if (ch == '%' || ch == '_' || ch == '!') pat[k++] = '!';
      pat[k++] = ch;
    }
    pat[k++] = '%';
    pat[k] = 0;
  }
  sqlite3_stmt *st;
  int rc = prepare(s, b.s, &st);
  if (rc) return rc;
  bind_window(st, q->since, q->until);
  sqlite3_bind_text(st, 3, q->kind, -1, SQLITE_STATIC);
  if (q->host) sqlite3_bind_text(st, 4, q->host, -1, SQLITE_STATIC);
  if (q->process) sqlite3_bind_text(st, 5, q->process, -1, SQLITE_STATIC);
  if (q->path) sqlite3_bind_text(st, 6, q->path, -1, SQLITE_STATIC);
  if (q->path_part) sqlite3_bind_text(st, 7, pat, -1, SQLITE_STATIC);
  if (q->dst_port) sqlite3_bind_int(st, 8, q->dst_port);
  if (q->limit)
    sqlite3_bind_int64(st, 9, q->limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)q->limit);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    ash_host_event e;
    e.id = sqlite3_column_int64(st, 0);
    e.source = sqlite3_column_int64(st, 1);
    e.ts = ash_col_i64(st, 2);
    e.host = ash_col_text(st, 3);
    e.user = ash_col_text(st, 4);
    e.process = ash_col_text(st, 5);
    e.command_line = ash_col_text(st, 6);
    e.path = ash_col_text(st, 7);
    ash_col_ip(st, 8, &e.src);
    int64_t p = ash_col_i64(st, 9);
    e.src_port = p == ASH_UNSET ? -1 : (int32_t)p;
    ash_col_ip(st, 10, &e.dst);
    p = ash_col_i64(st, 11);
    e.dst_port = p == ASH_UNSET ? -1 : (int32_t)p;
    if ((rc = cb(u, &e))) break;
  }
  return finish(s, st, rc, r);
}

/* ---- which host holds which address ---- */

/* The text form of address column c (IPv4 as an integer) or c6 (any
 * other, as text) of the flows table under alias a (schema in store.h), as
 * the events view gives it. */
#define FLOW_IP_TEXT(a, c, c6)                                                                     \
  "coalesce(" a "." c6 ",(" a "." c ">>24)||'.'||((" a "." c ">>16)&255)||'.'||((" a "." c         \
  ">>8)&255)||'.'||(" a "." c "&255))"

/* The firewall's name fields of the flows, the typed flows by their
 * attribute shape first: a flow whose keys hold none of the names is
 * never rebuilt as JSON (through the events view every one would be). */
/* clang-format off */
static const char FLOW_NAMES_SQL[] =
    "WITH k(id) AS (SELECT id FROM attr_shapes WHERE instr('\"'||keys||'\"','\"srcname\"')>0"
    " OR instr('\"'||keys||'\"','\"dstname\"')>0 OR instr('\"'||keys||'\"','\"src_host\"')>0"
    " OR instr('\"'||keys||'\"','\"dst_host\"')>0),"
    " r(src_ip,dst_ip,attrs) AS (SELECT src_ip,dst_ip,attrs FROM wide_events"
    " WHERE kind='net.flow'" COMPLETE
    " UNION ALL SELECT " FLOW_IP_TEXT("f", "src", "src6") "," FLOW_IP_TEXT("f", "dst", "dst6") ","
    "CASE WHEN f.shape IS NULL THEN f.attrs ELSE ash_attrs(s.keys,f.vals) END"
    " FROM flows f LEFT JOIN attr_shapes s ON s.id=f.shape"
    " WHERE f.flags&4=0 AND (f.shape IN k OR (f.shape IS NULL AND f.attrs IS NOT NULL))"
    COMPLETE_F "),"
    " f AS MATERIALIZED (SELECT src_ip,dst_ip,attrs FROM r WHERE attrs IS NOT NULL AND"
    " (instr(attrs,'\"srcname\"')>0 OR instr(attrs,'\"dstname\"')>0 OR"
    " instr(attrs,'\"src_host\"')>0 OR instr(attrs,'\"dst_host\"')>0) AND json_valid(attrs))"
    " SELECT n,a,count(*) FROM (SELECT coalesce(json_extract(attrs,'$.srcname'),"
    "json_extract(attrs,'$.src_host')) n,src_ip a FROM f UNION ALL SELECT"
    " coalesce(json_extract(attrs,'$.dstname'),json_extract(attrs,'$.dst_host')),"
    "dst_ip FROM f) WHERE n IS NOT NULL AND a IS NOT NULL GROUP BY 1,2";
/* clang-format on */

/* One query per ASH_ADDR_*, in that order, with the columns of name,
 * address, n and total (-1: none). */
static const struct addr_query {
  int why;
  const char *sql;
  int name, addr, n, total;
} ADDR_QUERIES[] = {
    {ASH_ADDR_TUNNEL,
     "SELECT DISTINCT tunnel_ip FROM events_wide WHERE kind IN"
     " ('vpn.login','vpn.logout','vpn.session') AND tunnel_ip IS NOT NULL" COMPLETE,
     -1, 0, -1, -1},
    /* both ends of each connection, per host, against the host's count */
    {ASH_ADDR_NETCONN,
     "WITH x(h,a) AS (SELECT lower(host),src_ip FROM events_wide WHERE"
     " kind='win.netconn' AND host IS NOT NULL" COMPLETE " UNION ALL SELECT lower(host),"
     "dst_ip FROM events_wide WHERE kind='win.netconn' AND host IS NOT NULL" COMPLETE "),"
     " t(h,n) AS (SELECT lower(host),count(*) FROM events_wide WHERE"
     " kind='win.netconn' AND host IS NOT NULL" COMPLETE " GROUP BY 1)"
     " SELECT x.h,x.a,count(*),t.n FROM x JOIN t ON t.h=x.h WHERE x.a IS NOT"
     " NULL GROUP BY x.h,x.a",
     0, 1, 2, 3},
    {ASH_ADDR_COMPUTER,
     "SELECT user,src_ip,count(*) FROM events_wide WHERE kind='win.logon' AND"
     " user LIKE '%$' AND src_ip IS NOT NULL" COMPLETE " GROUP BY user,src_ip",
     0, 1, 2, -1},
    /* the attributes made once a row: a subquery with a LIMIT is not
     * flattened into an aggregate (it runs as a co-routine whose columns
     * the outer query reads), where the flattened form rebuilt each row's
     * JSON for instr, json_valid and json_extract in turn (a logon's
     * attributes come out of a block, ash_attrs) */
    {ASH_ADDR_WORKSTATION,
     "SELECT json_extract(a,'$.WorkstationName'),src_ip,count(*) FROM (SELECT attrs a,src_ip"
     " FROM wide_events WHERE kind='win.logon' AND logon_type=3 AND src_ip IS NOT NULL" COMPLETE
     " LIMIT -1) WHERE instr(a,'WorkstationName')>0 AND json_valid(a) GROUP BY 1,2",
     0, 1, 2, -1},
    {ASH_ADDR_FIREWALL, FLOW_NAMES_SQL, 0, 1, 2, -1},
};

int ash_store_host_addresses(ash_store *s, int (*cb)(void *u, const ash_host_address *a), void *u) {
  if (ash_store_ch(s)) return ash_chstore_host_addresses(ash_store_ch(s), cb, u);
  int rc = ASH_OK;
  for (size_t i = 0; !rc && i < sizeof ADDR_QUERIES / sizeof ADDR_QUERIES[0]; i++) {
    const struct addr_query *Q = &ADDR_QUERIES[i];
    sqlite3_stmt *st;
    if ((rc = prepare(s, Q->sql, &st))) break;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
      ash_host_address a;
      a.why = Q->why;
      a.name = Q->name >= 0 ? ash_col_text(st, Q->name) : NULL;
      if (Q->name >= 0 && !a.name) continue;
      if (!ash_col_ip(st, Q->addr, &a.ip)) continue;
      a.n = Q->n >= 0 ? (uint64_t)sqlite3_column_int64(st, Q->n) : 0;
      a.total = Q->total >= 0 ? (uint64_t)sqlite3_column_int64(st, Q->total) : 0;
      if ((rc = cb(u, &a))) break;
    }
    rc = finish(s, st, rc, r);
  }
  return rc;
}
