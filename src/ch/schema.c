/* The case schema in ClickHouse, its URLs, and a source's life (clear
 * before its rows, mark complete after). See include/ashiato/ch.h and
 * docs/design.md, "ClickHouse back end". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ashiato/ch.h"
#include "ashiato/error.h"
#include "ashiato/event.h"

#define SCHEMA_VERSION ASH_CH_SCHEMA_VERSION

/* ---- URLs */

int ash_ch_ident_ok(const char *s, size_t n) {
  if (!s || n == 0 || n > ASH_CH_MAX_IDENT) return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    int alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
    if (!alpha && (i == 0 || ch < '0' || ch > '9')) return 0;
  }
  return 1;
}

int ash_ch_is_url(const char *url) { return url && !strncmp(url, "clickhouse://", 13); }

/* host: letters, digits, '-', '.' (a DNS name or a dotted IPv4), 1..255
 * bytes; port: 1..5 decimal digits, 1..65535. */
int ash_ch_hostport_parse(const char *s, size_t n, ash_ch_url *u) {
  size_t h = 0;
  while (h < n && s[h] != ':') {
    char ch = s[h];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '.'))
      return ASH_EUSAGE;
    h++;
  }
  if (h == 0 || h > ASH_CH_MAX_HOST) return ASH_EUSAGE;
  memcpy(u->host, s, h);
  u->host[h] = 0;
  u->port = 8123; /* ClickHouse's HTTP port */
  if (h == n) return ASH_OK;
  size_t p = h + 1;
  if (p == n || n - p > 5) return ASH_EUSAGE;
  long port = 0;
  for (; p < n; p++) {
    if (s[p] < '0' || s[p] > '9') return ASH_EUSAGE;
    port = port * 10 + (s[p] - '0');
  }
  if (port < 1 || port > 65535) return ASH_EUSAGE;
  u->port = (int)port;
  return ASH_OK;
}

int ash_ch_url_parse(const char *url, ash_ch_url *out) {
  if (!ash_ch_is_url(url) || !out) return ASH_EUSAGE;
  const char *s = url + 13;
  const char *slash = strchr(s, '/');
  if (!slash) return ASH_EUSAGE;
  ash_ch_url u;
  ASH_TRY(ash_ch_hostport_parse(s, (size_t)(slash - s), &u));
  const char *db = slash + 1;
  size_t n = strlen(db);
  if (!ash_ch_ident_ok(db, n)) return ASH_EUSAGE;
  memcpy(u.db, db, n + 1);
  *out = u;
  return ASH_OK;
}

/* ---- the tables */

/* One table of the case: its columns, its order, and how its rows are
 * spread over shards. Times are Int64 µs since the epoch, with ash's
 * ASH_UNSET (INT64_MIN) when the record had none; partitions are months
 * of ts (an unset ts in the first). Counters are Int64 with ASH_UNSET for
 * "not logged": "0 bytes" and "bytes not logged" are different facts;
 * ports are Int32, -1 when not logged (as in ash_event). Every row has
 * (source_id, ref): the evidence stays in the file, at that byte offset
 * or record number; id is the row's number across both tables, handed
 * out in ingest order from the largest stored plus one, as the SQLite
 * store's rowids are: (ts, id) orders events as there, and a finding's
 * evidence names the same row in both.
 *
 * Strings that repeat (host, user, action, app, service) are plain String
 * columns, not ids of a dictionary table as in the SQLite store: a
 * MergeTree column is compressed in blocks sorted by the table's order,
 * where a device's or a user's name repeats thousands of times in a row
 * and costs next to nothing; a shared dictionary would need one writer to
 * hand out its ids, which several ingests of one cluster do not have. */
typedef struct table_def {
  const char *name, *cols, *order, *shard_key;
} table_def;

#define EVIDENCE_COLS ", source_id UInt64, ref UInt64, id UInt64"
static const table_def EVENT_TABLES[] = {
    /* the flows (net.flow and net.deny) whose every field has a column,
     * ordered for the pair hunts (per (src, dst) statistics, beacon
     * start-time arrays) and sharded by pair so those aggregations are
     * shard-local (ash_ch_flow_shard). afam: the address family of src
     * (bits 0-1) and dst (bits 2-3), 0 none, 1 IPv4 in src/dst, 2 IPv6 in
     * src6/dst6. flags: ASH_FLOW_TS_END, ASH_FLOW_INTERIM, 4 = net.deny. */
    {"flows",
     "ts Int64, dur Int64, flags UInt8, afam UInt8, src UInt32, dst UInt32,"
     " src6 FixedString(16), dst6 FixedString(16), sport Int32, dport Int32, proto String,"
     " action String, app String, service String, host String, user String, domain String,"
     " bytes_out Int64, bytes_in Int64, bytes_total Int64, packets_out Int64, packets_in Int64,"
     " event_id Int64, attrs String, shape UInt32, vals String" EVIDENCE_COLS,
     "src, dst, ts", "intHash64(bitOr(bitShiftLeft(toUInt64(src), 32), toUInt64(dst)))"},
    /* every other event, in the columns of ash_event (addresses as text,
     * "" for none), its other fields as the JSON object of attrs (the
     * readers extract them on the server; shape and vals, as in flows,
     * are 0 and empty); sharded by source so that a source's rows are
     * cleared on one shard */
    {"events",
     "ts Int64, kind String, host String, user String, domain String, src_ip String,"
     " src_port Int32, dst_ip String, dst_port Int32, tunnel_ip String, proto String,"
     " action String, app String, service String, bytes_out Int64, bytes_in Int64,"
     " packets_out Int64, packets_in Int64, duration Int64, logon_type Int64, event_id Int64,"
     " channel String, process String, parent_process String, command_line String,"
     " threat String, path String, sha256 String, flow_flags UInt8, bytes_total Int64,"
     " attrs String, shape UInt32, vals String" EVIDENCE_COLS,
     "kind, ts", "intHash64(source_id)"},
    /* where each row of flows and events is, by id: a finding's evidence
     * is read by id, and neither table is ordered by it (a lookup was a
     * scan of the id column and a granule of every column of every part,
     * 10-20 ms on 18.16 at 10^5 rows, growing with the case). tab 1:
     * flows (src, dst, ts), 2: events (kind, ts), the keys of the row's
     * own table, so that the row is then read by its primary key. Each
     * is on the shard of its row. */
    {"rowids",
     "ts Int64, tab UInt8, kind String, src UInt32, dst UInt32, source_id UInt64, id UInt64", "id",
     "intHash64(id)"},
};
enum { NEVENT = sizeof EVENT_TABLES / sizeof EVENT_TABLES[0] };

const char *const ash_ch_event_tables[] = {"flows", "events", "rowids"};
const size_t ash_ch_nevent_tables = NEVENT;

/* Tables of the server of the URL only: small, read whole by ingest and
 * the readers. sources is a ReplacingMergeTree: a source's row is written
 * again with a higher version when it completes (or is dropped: deleted =
 * 1), and readers use FINAL, cheap on a table of thousands of rows. */
/* (Each element is one statement; the parentheses mark the joined
 * literals as meant, for clang's -Wstring-concatenation.) */
static const char *const MAIN_TABLES[] = {
    "meta (key String, value String) ENGINE = ReplacingMergeTree ORDER BY key",
    ("sources (id UInt64, path String, size UInt64, sha256 String, format String,"
     " ref_is_record UInt8, read UInt64, parsed UInt64, rejected UInt64, events UInt64,"
     " first_ts Int64, last_ts Int64, complete UInt8, mtime_ns Int64, skip_reason String,"
     " continues Int64, base_size UInt64, head_sha256 String, ingested_at Int64,"
     " deleted UInt8, version UInt64)"
     " ENGINE = ReplacingMergeTree(version) ORDER BY id"),
    ("rejects (source_id UInt64, ref UInt64, reason String, raw String)"
     " ENGINE = MergeTree ORDER BY (source_id, ref)"),
    /* the attribute keys of flows rows: a flow's other fields are its
     * shape (an id here, 0: attrs holds the JSON object instead) and its
     * values (vals), each list JSON-escaped content joined by '"'. A
     * FortiGate flow's keys are 57% of its attributes JSON (675 bytes),
     * and the attributes were 78% of the bytes an ingest sends; ids are
     * handed out by the one ingest that writes a case at a time */
    "shapes (id UInt32, keys String) ENGINE = ReplacingMergeTree ORDER BY id",
    /* the hunts' findings, one row per finding id, its JSON form
     * (finding.h); a hunt's findings are replaced by one insert of the
     * new rows and of its old ids with deleted = 1 (one insert is one
     * block, stored whole or not at all) */
    ("findings (id String, hunt String, score Int64, first_seen Int64, json String,"
     " deleted UInt8, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY id"),
};
enum { NMAIN = sizeof MAIN_TABLES / sizeof MAIN_TABLES[0] };

static int run(ash_ch *c, ash_buf *sql) {
  return ash_ch_query(c, NULL, sql->p, ASH_CH_IDEMPOTENT, NULL);
}

static int create_event_table(ash_ch *c, const char *db, const table_def *t, const char *suffix,
                              ash_buf *sql) {
  ash_buf_reset(sql);
  ASH_TRY(ash_buf_printf(sql,
                         "CREATE TABLE IF NOT EXISTS %s.%s%s (%s) ENGINE = MergeTree"
                         " PARTITION BY toYYYYMM(toDateTime(intDiv(greatest(ts, 0), 1000000)))"
                         " ORDER BY (%s)%s",
                         db, t->name, suffix, t->cols, t->order,
                         /* a finding's evidence reads single rows of flows
                          * and events (by rowids): each reads a granule of
                          * every column, the attributes too. 1024 rows a
                          * granule instead of 8192 took such a read from
                          * 5.9 to 3.0 ms on the demo case's flows; the
                          * primary index grows to 16 bytes per 1024 rows
                          * (160 MB at 10^10 rows, over the shards) */
                         strcmp(t->name, "rowids") ? " SETTINGS index_granularity = 1024" : ""));
  return run(c, sql);
}

/* The number of shards of cluster as main's remote_servers defines it. */
static int cluster_shards(ash_ch *main, const char *cluster, size_t *n) {
  ash_buf sql, out;
  ash_buf_init(&sql, 4096);
  ash_buf_init(&out, 4096);
  int rc = ash_buf_adds(&sql, "SELECT uniqExact(shard_num) FROM system.clusters WHERE cluster = ");
  if (!rc) rc = ash_ch_sql_quote(&sql, cluster, strlen(cluster));
  if (!rc) rc = ash_ch_query(main, NULL, sql.p, ASH_CH_IDEMPOTENT, &out);
  if (!rc) *n = (size_t)strtoull(out.p ? out.p : "0", NULL, 10);
  ash_buf_free(&sql);
  ash_buf_free(&out);
  return rc;
}

/* The schema version recorded in db.meta: ASH_OK after writing it into a
 * new database, ASH_EFORMAT when another version made the database. */
static int check_version(ash_ch *main, const char *db, ash_buf *sql) {
  ash_buf out;
  ash_buf_init(&out, 4096);
  ash_buf_reset(sql);
  int rc = ash_buf_printf(sql, "SELECT value FROM %s.meta FINAL WHERE key = 'schema'", db);
  if (!rc) rc = ash_ch_query(main, NULL, sql->p, ASH_CH_IDEMPOTENT, &out);
  if (!rc && out.n == 0) {
    ash_buf_reset(sql);
    rc = ash_buf_printf(sql, "INSERT INTO %s.meta VALUES ('schema', '" SCHEMA_VERSION "')", db);
    /* ReplacingMergeTree on key: a second writer racing this one adds
     * the same row, which merges away */
    if (!rc) rc = ash_ch_query(main, NULL, sql->p, ASH_CH_IDEMPOTENT, NULL);
  } else if (!rc && strcmp(out.p, SCHEMA_VERSION "\n") != 0) {
    rc = ASH_EFORMAT;
  }
  ash_buf_free(&out);
  return rc;
}

/* ASH_EFORMAT when db exists with tables but without our meta table: a
 * database someone else uses, which init must not fill with ours. */
static int foreign(ash_ch *main, const char *db, ash_buf *sql) {
  ash_buf out;
  ash_buf_init(&out, 4096);
  ash_buf_reset(sql);
  int rc = ash_buf_printf(sql,
                          "SELECT countIf(name = 'meta'), count() FROM system.tables"
                          " WHERE database = '%s'",
                          db);
  if (!rc) rc = ash_ch_query(main, NULL, sql->p, ASH_CH_IDEMPOTENT, &out);
  if (!rc) {
    unsigned long long meta = strtoull(out.p ? out.p : "0", NULL, 10);
    const char *t = out.p ? strchr(out.p, '\t') : NULL;
    unsigned long long all = t ? strtoull(t + 1, NULL, 10) : 0;
    if (all && !meta) rc = ASH_EFORMAT;
  }
  ash_buf_free(&out);
  ash_buf_reset(sql);
  return rc;
}

int ash_ch_schema_init(ash_ch_case *k) {
  if (!k || !k->main || !k->db || !ash_ch_ident_ok(k->db, strlen(k->db))) return ASH_EUSAGE;
  if (k->cluster && (!ash_ch_ident_ok(k->cluster, strlen(k->cluster)) || k->nshards == 0))
    return ASH_EUSAGE;
  if (k->nshards > ASH_CH_MAX_SHARDS) return ASH_ELIMIT;
  ash_buf sql;
  ash_buf_init(&sql, 1u << 16);
  int rc = 0;
  if (k->cluster) {
    size_t have = 0;
    rc = cluster_shards(k->main, k->cluster, &have);
    /* a Distributed table over a cluster of another size than the shards
     * we write to would read some rows twice or never */
    if (!rc && have != k->nshards) rc = ASH_EUSAGE;
  }
  if (!rc) rc = foreign(k->main, k->db, &sql);
  if (!rc) rc = ash_buf_printf(&sql, "CREATE DATABASE IF NOT EXISTS %s", k->db);
  if (!rc) rc = run(k->main, &sql);
  for (size_t i = 0; !rc && i < NMAIN; i++) {
    ash_buf_reset(&sql);
    rc = ash_buf_printf(&sql, "CREATE TABLE IF NOT EXISTS %s.%s", k->db, MAIN_TABLES[i]);
    if (!rc) rc = run(k->main, &sql);
  }
  if (!rc) rc = check_version(k->main, k->db, &sql);
  if (!k->cluster) {
    for (size_t t = 0; !rc && t < NEVENT; t++)
      rc = create_event_table(k->main, k->db, &EVENT_TABLES[t], "", &sql);
    ash_buf_free(&sql);
    return rc;
  }
  /* the layout, for the commands given only the URL; ReplacingMergeTree
   * on key: an init again with the same shards writes the same rows */
  if (!rc) {
    ash_buf_reset(&sql);
    rc = ash_buf_printf(&sql, "INSERT INTO %s.meta VALUES ('cluster', ", k->db);
    if (!rc) rc = ash_ch_sql_quote(&sql, k->cluster, strlen(k->cluster));
    if (!rc) rc = ash_buf_adds(&sql, "), ('shards', ");
    const char *st = k->shards_text ? k->shards_text : "";
    if (!rc) rc = ash_ch_sql_quote(&sql, st, strlen(st));
    if (!rc) rc = ash_buf_adds(&sql, ")");
    if (!rc) rc = run(k->main, &sql);
  }
  for (size_t s = 0; !rc && s < k->nshards; s++) {
    ash_buf_reset(&sql);
    rc = ash_buf_printf(&sql, "CREATE DATABASE IF NOT EXISTS %s", k->db);
    if (!rc) rc = run(k->shards[s], &sql);
    for (size_t t = 0; !rc && t < NEVENT; t++)
      rc = create_event_table(k->shards[s], k->db, &EVENT_TABLES[t], "_local", &sql);
  }
  for (size_t t = 0; !rc && t < NEVENT; t++) {
    const table_def *d = &EVENT_TABLES[t];
    ash_buf_reset(&sql);
    rc = ash_buf_printf(&sql,
                        "CREATE TABLE IF NOT EXISTS %s.%s (%s)"
                        " ENGINE = Distributed(%s, %s, %s_local, %s)",
                        k->db, d->name, d->cols, k->cluster, k->db, d->name, d->shard_key);
    if (!rc) rc = run(k->main, &sql);
  }
  ash_buf_free(&sql);
  return rc;
}

/* ---- sources */

uint64_t ash_ch_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The event tables that hold rows for k: the shards' _local tables in a
 * cluster, the plain ones on a single server. */
static ash_ch *shard_of(ash_ch_case *k, size_t s) { return k->cluster ? k->shards[s] : k->main; }

/* ALTER TABLE ... DELETE is a mutation: 18.16 runs it in the background
 * and has no setting to wait for it (mutations_sync came in 19.x), so we
 * poll system.mutations until no mutation of the table is left to do. */
static int wait_mutations(ash_ch *c, const char *db, const char *table, ash_buf *sql) {
  ash_buf out;
  ash_buf_init(&out, 4096);
  int rc = 0;
  for (int i = 0; !rc; i++) {
    ash_buf_reset(sql);
    ash_buf_reset(&out);
    rc = ash_buf_printf(sql,
                        "SELECT count() FROM system.mutations WHERE database = '%s'"
                        " AND table = '%s' AND is_done = 0",
                        db, table);
    if (!rc) rc = ash_ch_query(c, NULL, sql->p, ASH_CH_IDEMPOTENT, &out);
    if (rc || (out.p && !strcmp(out.p, "0\n"))) break;
    if (i >= 6000) rc = ASH_ESTORE; /* 10 min: a mutation that never ends */
    struct timespec ts = {0, 100000000L};
    nanosleep(&ts, NULL);
  }
  ash_buf_free(&out);
  return rc;
}

int ash_ch_source_clear(ash_ch_case *k, uint64_t id) {
  if (!k || !k->main || !k->db) return ASH_EUSAGE;
  size_t nsh = k->cluster ? k->nshards : 1;
  const char *suffix = k->cluster ? "_local" : "";
  ash_buf sql, out;
  ash_buf_init(&sql, 4096);
  ash_buf_init(&out, 4096);
  /* Rows of a source are only written after its incomplete mark was
   * stored (the caller's ash_ch_source_put, acknowledged before the first
   * batch leaves): an id with no row in sources has no rows anywhere, and
   * a new source costs this one lookup, not a scan of source_id per
   * table and shard. */
  int rc = ash_buf_printf(&sql, "SELECT count() FROM %s.sources WHERE id = %llu", k->db,
                          (unsigned long long)id);
  if (!rc) rc = ash_ch_query(k->main, NULL, sql.p, ASH_CH_IDEMPOTENT, &out);
  if (!rc && out.p && !strcmp(out.p, "0\n")) nsh = 0;
  for (size_t s = 0; !rc && s < nsh; s++) {
    for (size_t t = 0; !rc && t < NEVENT; t++) {
      ash_ch *c = shard_of(k, s);
      char table[ASH_CH_MAX_IDENT + 8];
      snprintf(table, sizeof table, "%s%s", EVENT_TABLES[t].name, suffix);
      /* a mutation rewrites every part it may touch: look first, so that
       * a new source (the common case) costs one count and no rewrite */
      ash_buf_reset(&sql);
      ash_buf_reset(&out);
      rc = ash_buf_printf(&sql, "SELECT count() FROM %s.%s WHERE source_id = %llu", k->db, table,
                          (unsigned long long)id);
      if (!rc) rc = ash_ch_query(c, NULL, sql.p, ASH_CH_IDEMPOTENT, &out);
      if (rc || (out.p && !strcmp(out.p, "0\n"))) continue;
      ash_buf_reset(&sql);
      rc = ash_buf_printf(&sql, "ALTER TABLE %s.%s DELETE WHERE source_id = %llu", k->db, table,
                          (unsigned long long)id);
      if (!rc) rc = ash_ch_query(c, NULL, sql.p, 0, NULL);
      if (!rc) rc = wait_mutations(c, k->db, table, &sql);
    }
  }
  if (!rc && nsh) {
    ash_buf_reset(&sql);
    ash_buf_reset(&out);
    rc = ash_buf_printf(&sql, "SELECT count() FROM %s.rejects WHERE source_id = %llu", k->db,
                        (unsigned long long)id);
    if (!rc) rc = ash_ch_query(k->main, NULL, sql.p, ASH_CH_IDEMPOTENT, &out);
    if (!rc && !(out.p && !strcmp(out.p, "0\n"))) {
      ash_buf_reset(&sql);
      rc = ash_buf_printf(&sql, "ALTER TABLE %s.rejects DELETE WHERE source_id = %llu", k->db,
                          (unsigned long long)id);
      if (!rc) rc = ash_ch_query(k->main, NULL, sql.p, 0, NULL);
      if (!rc) rc = wait_mutations(k->main, k->db, "rejects", &sql);
    }
  }
  ash_buf_free(&sql);
  ash_buf_free(&out);
  return rc;
}

int ash_ch_source_row(ash_ch_batch *b, const ash_ch_source *s) {
  ash_buf *r = ash_ch_batch_row(b);
#define STR(x) ash_ch_tsv_str(r, (x) ? (x) : "", (x) ? strlen(x) : 0)
  int rc = ash_ch_tsv_u64(r, s->id);
  if (!rc) rc = STR(s->path);
  if (!rc) rc = ash_ch_tsv_u64(r, s->size);
  if (!rc) rc = STR(s->sha256);
  if (!rc) rc = STR(s->format);
  if (!rc) rc = ash_ch_tsv_u64(r, s->ref_is_record ? 1 : 0);
  const uint64_t counts[4] = {s->read, s->parsed, s->rejected, s->events};
  for (int i = 0; !rc && i < 4; i++) rc = ash_ch_tsv_u64(r, counts[i]);
  if (!rc) rc = ash_ch_tsv_i64(r, s->first_ts);
  if (!rc) rc = ash_ch_tsv_i64(r, s->last_ts);
  if (!rc) rc = ash_ch_tsv_u64(r, s->complete ? 1 : 0);
  if (!rc) rc = ash_ch_tsv_i64(r, s->mtime_ns);
  if (!rc) rc = STR(s->skip_reason);
  if (!rc) rc = ash_ch_tsv_i64(r, s->continues);
  if (!rc) rc = ash_ch_tsv_u64(r, s->base_size);
  if (!rc) rc = STR(s->head_sha256);
  if (!rc) rc = ash_ch_tsv_i64(r, (int64_t)time(NULL));
  if (!rc) rc = ash_ch_tsv_u64(r, s->deleted ? 1 : 0);
#undef STR
  /* the newest write of a source wins (ReplacingMergeTree(version)); two
   * writes in one microsecond (an end right after its begin) still
   * order, as the caller's sequence breaks the tie */
  if (!rc) rc = ash_ch_tsv_u64(r, s->version ? s->version : ash_ch_now_us() * 16 + (s->seq & 15));
  if (!rc) rc = ash_ch_batch_row_end(b);
  return rc;
}

/* The columns of flows in the order of EVENT_TABLES' (see ch.h). */
int ash_ch_flow_row(ash_buf *r, const ash_event *ev, const char *attrs, size_t an, uint32_t shape,
                    const char *vals, size_t vn, uint64_t source, uint64_t id) {
  const ash_ip *ip[2] = {&ev->src_ip, &ev->dst_ip};
  uint32_t v4[2] = {0, 0};
  uint8_t v6[2][16];
  memset(v6, 0, sizeof v6);
  unsigned afam = 0;
  for (int i = 0; i < 2; i++) {
    if (ip[i]->fam == 4) {
      v4[i] = (uint32_t)ip[i]->b[12] << 24 | (uint32_t)ip[i]->b[13] << 16 |
              (uint32_t)ip[i]->b[14] << 8 | ip[i]->b[15];
      afam |= 1u << (2 * i);
    } else if (ip[i]->fam == 6) {
      memcpy(v6[i], ip[i]->b, 16);
      afam |= 2u << (2 * i);
    }
  }
  int flags = ev->flow_flags & (ASH_FLOW_TS_END | ASH_FLOW_INTERIM);
  if (!strcmp(ev->kind, ASH_KIND_FLOW_DENY)) flags |= ASH_CH_FLOW_DENY;
  int rc = ash_ch_tsv_i64(r, ev->ts);
  if (!rc) rc = ash_ch_tsv_i64(r, ev->duration_us);
  if (!rc) rc = ash_ch_tsv_u64(r, (uint64_t)flags);
  if (!rc) rc = ash_ch_tsv_u64(r, afam);
  if (!rc) rc = ash_ch_tsv_u64(r, v4[0]);
  if (!rc) rc = ash_ch_tsv_u64(r, v4[1]);
  if (!rc) rc = ash_ch_tsv_fixed16(r, v6[0]);
  if (!rc) rc = ash_ch_tsv_fixed16(r, v6[1]);
  if (!rc) rc = ash_ch_tsv_i64(r, ev->src_port);
  if (!rc) rc = ash_ch_tsv_i64(r, ev->dst_port);
  const ash_str s[7] = {ev->proto, ev->action, ev->app,   ev->service,
                        ev->host,  ev->user,   ev->domain};
  for (int i = 0; !rc && i < 7; i++) rc = ash_ch_tsv_str(r, s[i].n ? s[i].p : "", s[i].n);
  const int64_t n[6] = {ev->bytes_out,   ev->bytes_in,   ev->bytes_total,
                        ev->packets_out, ev->packets_in, ev->event_id};
  for (int i = 0; !rc && i < 6; i++) rc = ash_ch_tsv_i64(r, n[i]);
  if (!rc) rc = ash_ch_tsv_str(r, attrs ? attrs : "", attrs ? an : 0);
  if (!rc) rc = ash_ch_tsv_u64(r, shape);
  if (!rc) rc = ash_ch_tsv_str(r, vals ? vals : "", vals ? vn : 0);
  if (!rc) rc = ash_ch_tsv_u64(r, source);
  if (!rc) rc = ash_ch_tsv_u64(r, ev->ref);
  if (!rc) rc = ash_ch_tsv_u64(r, id);
  return rc;
}

int ash_ch_source_put(ash_ch_case *k, const ash_ch_source *s) {
  if (!k || !k->main || !k->db || !s) return ASH_EUSAGE;
  ash_ch_batch *b;
  ASH_TRY(ash_ch_batch_open(&b, k->main, k->db, "sources"));
  int rc = ash_ch_source_row(b, s);
  if (!rc) rc = ash_ch_batch_flush(b);
  ash_ch_batch_close(b);
  return rc;
}

size_t ash_ch_flow_shard(uint32_t src, uint32_t dst, size_t nshards) {
  if (nshards <= 1) return 0;
  /* ClickHouse's intHash64 (IntHash64Impl: intHash64(x ^ 0x4CF2D2BAAE6DA887)
   * of Common/HashTable/Hash.h, the murmur3 finaliser); the Distributed
   * engine with equal shard weights sends a row to shard key % nshards */
  uint64_t x = ((uint64_t)src << 32 | dst) ^ 0x4CF2D2BAAE6DA887ull;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return (size_t)(x % nshards);
}
