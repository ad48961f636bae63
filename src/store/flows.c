/* The typed flows table of the SQLite case store (schema in store.h):
 * one narrow row per net.flow / net.deny event, strings through the
 * dictionary, addresses as integers, the attributes as a shape (their
 * keys, once per distinct key list) and their values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"
#include "ashiato/time.h"
#include "store_internal.h"

/* Cached dictionary and shape ids: a long ingest names a few thousand
 * distinct hosts, apps and services; past the cap a string is looked up
 * in the table each time (slower, never wrong). */
#define DICT_CACHE_MAX (1u << 20)
#define SHAPE_CACHE_MAX 4096u

typedef struct idcache {
  ash_strtab tab;
  int64_t *ids; /* database id of the table's string i */
  size_t cap;
} idcache;

struct ash_flowdb {
  sqlite3 *db;
  sqlite3_stmt *ins, *dict_get, *dict_put, *shape_get, *shape_put;
  idcache dict, shapes;
  ash_buf keys, vals;
  char ip6[2][ASH_IP_STRLEN];
};

static void cache_init(idcache *c, size_t max) {
  ash_strtab_init(&c->tab, max);
  c->ids = NULL;
  c->cap = 0;
}
static void cache_free(idcache *c) {
  ash_strtab_free(&c->tab);
  free(c->ids);
  c->ids = NULL;
  c->cap = 0;
}

#define FLOW_COLS                                                                                  \
  "id,source_id,ref,ts,dur,flags,src,dst,sport,dport,proto,action,app,service,host,user,domain,"   \
  "bytes_out,bytes_in,packets_out,packets_in,bytes_total,event_id,src6,dst6,shape,vals,attrs"
enum { FLOW_NCOLS = 28 };

int ash_flowdb_open(ash_flowdb **out, sqlite3 *db) {
  ash_flowdb *f = calloc(1, sizeof *f);
  if (!f) return ASH_ENOMEM;
  f->db = db;
  cache_init(&f->dict, DICT_CACHE_MAX);
  cache_init(&f->shapes, SHAPE_CACHE_MAX);
  ash_buf_init(&f->keys, ASH_MAX_ATTRS_JSON);
  ash_buf_init(&f->vals, ASH_MAX_ATTRS_JSON);
  *out = f;
  return ASH_OK;
}

void ash_flowdb_close(ash_flowdb *f) {
  if (!f) return;
  sqlite3_finalize(f->ins);
  sqlite3_finalize(f->dict_get);
  sqlite3_finalize(f->dict_put);
  sqlite3_finalize(f->shape_get);
  sqlite3_finalize(f->shape_put);
  cache_free(&f->dict);
  cache_free(&f->shapes);
  ash_buf_free(&f->keys);
  ash_buf_free(&f->vals);
  free(f);
}

/* After a rollback the ids cached since the last commit may name rows
 * that are gone: forget them all (the handle refuses later writes anyway,
 * see abort_txn in sqlite.c; this keeps the cache honest regardless). */
void ash_flowdb_forget(ash_flowdb *f) {
  if (!f) return;
  cache_free(&f->dict);
  cache_free(&f->shapes);
  cache_init(&f->dict, DICT_CACHE_MAX);
  cache_init(&f->shapes, SHAPE_CACHE_MAX);
}

int ash_flowdb_eligible(const ash_event *ev) {
  if (strcmp(ev->kind, ASH_KIND_FLOW) && strcmp(ev->kind, ASH_KIND_FLOW_DENY)) return 0;
  /* the columns a flow row does not have: such an event stays wide */
  return !ev->tunnel_ip.fam && ev->logon_type == ASH_UNSET && !ev->channel.n && !ev->process.n &&
         !ev->parent_process.n && !ev->command_line.n && !ev->threat.n && !ev->path.n &&
         !ev->sha256.n;
}

static int prep(ash_flowdb *f, sqlite3_stmt **st, const char *sql) {
  if (*st) return ASH_OK;
  return sqlite3_prepare_v3(f->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK
             ? ASH_OK
             : ASH_ESTORE;
}

/* The id of text s[0..n) in table (dict or attr_shapes), added when new. */
static int lookup(ash_flowdb *f, idcache *c, sqlite3_stmt **get, sqlite3_stmt **put,
                  const char *getsql, const char *putsql, const char *s, size_t n, int64_t *id) {
  uint32_t k = ash_strtab_find(&c->tab, s, n);
  if (k != UINT32_MAX && k < c->cap) {
    *id = c->ids[k];
    return ASH_OK;
  }
  ASH_TRY(prep(f, get, getsql));
  sqlite3_bind_text(*get, 1, s, (int)n, SQLITE_STATIC);
  int r = sqlite3_step(*get);
  int found = r == SQLITE_ROW;
  if (found) *id = sqlite3_column_int64(*get, 0);
  sqlite3_reset(*get);
  if (r != SQLITE_ROW && r != SQLITE_DONE) return ASH_ESTORE;
  if (!found) {
    ASH_TRY(prep(f, put, putsql));
    sqlite3_bind_text(*put, 1, s, (int)n, SQLITE_STATIC);
    r = sqlite3_step(*put);
    sqlite3_reset(*put);
    if (r != SQLITE_DONE) return ASH_ESTORE;
    *id = sqlite3_last_insert_rowid(f->db);
  }
  /* cache it; a full cache only costs the lookups above */
  if (ash_strtab_intern(&c->tab, s, n, &k) == ASH_OK) {
    if (k >= c->cap) {
      size_t nc = c->cap ? c->cap * 2 : 256;
      while (nc <= k) nc *= 2;
      int64_t *ni = realloc(c->ids, nc * sizeof *ni);
      if (!ni) return ASH_ENOMEM;
      c->ids = ni;
      c->cap = nc;
    }
    c->ids[k] = *id;
  }
  return ASH_OK;
}

static int bind_dict(ash_flowdb *f, sqlite3_stmt *st, int col, ash_str v) {
  if (!v.n) {
    sqlite3_bind_null(st, col);
    return ASH_OK;
  }
  int64_t id;
  ASH_TRY(lookup(f, &f->dict, &f->dict_get, &f->dict_put, "SELECT id FROM dict WHERE s=?",
                 "INSERT INTO dict(s) VALUES(?)", v.p, v.n, &id));
  sqlite3_bind_int64(st, col, id);
  return ASH_OK;
}

static void bind_i64(sqlite3_stmt *st, int i, int64_t v) {
  if (v != ASH_UNSET)
    sqlite3_bind_int64(st, i, v);
  else
    sqlite3_bind_null(st, i);
}

/* An IPv4 address as its 32-bit number; any other as text in the side
 * column (col6), formatted as the wide table and the JSON form print it. */
static void bind_addr(sqlite3_stmt *st, int col, int col6, const ash_ip *ip, char *tmp) {
  sqlite3_bind_null(st, col);
  sqlite3_bind_null(st, col6);
  if (!ip->fam) return;
  if (ip->fam == 4) {
    /* held IPv4-mapped (ip.h): the address is the last four bytes */
    uint32_t v = (uint32_t)ip->b[12] << 24 | (uint32_t)ip->b[13] << 16 | (uint32_t)ip->b[14] << 8 |
                 ip->b[15];
    sqlite3_bind_int64(st, col, v);
    return;
  }
  ash_ip_format(ip, tmp);
  sqlite3_bind_text(st, col6, tmp, -1, SQLITE_STATIC);
}

/* The end of the JSON string content that starts at p (the unescaped '"'
 * that closes it), or NULL when there is none before e. */
static const char *str_end(const char *p, const char *e) {
  while (p < e) {
    if (*p == '\\') {
      p += 2;
      continue;
    }
    if (*p == '"') return p;
    p++;
  }
  return NULL;
}

/* Split the attributes JSON ash_event_attrs_json writes ({"k":"v",...},
 * string values only) into its keys and its values, each list joined by
 * '"': a raw '"' never occurs inside escaped string content, so the lists
 * split back exactly. 0 when json is not of that form (then it is kept
 * whole). */
static int split_attrs(ash_flowdb *f, const char *json, size_t n) {
  ash_buf_reset(&f->keys);
  ash_buf_reset(&f->vals);
  const char *p = json, *e = json + n;
  if (p >= e || *p++ != '{') return 0;
  if (p < e && *p == '}') return p + 1 == e ? 0 : 0; /* {}: nothing to split */
  for (int first = 1;; first = 0) {
    if (p >= e || *p++ != '"') return 0;
    const char *ke = str_end(p, e);
    if (!ke || ke + 2 >= e || ke[1] != ':' || ke[2] != '"') return 0;
    const char *vs = ke + 3, *ve = str_end(vs, e);
    if (!ve) return 0;
    if (!first && (ash_buf_add(&f->keys, "\"", 1) || ash_buf_add(&f->vals, "\"", 1))) return 0;
    if (ash_buf_add(&f->keys, p, (size_t)(ke - p)) || ash_buf_add(&f->vals, vs, (size_t)(ve - vs)))
      return 0;
    p = ve + 1;
    if (p >= e) return 0;
    if (*p == '}') return p + 1 == e;
    if (*p++ != ',') return 0;
  }
}

int ash_flowdb_insert(ash_flowdb *f, int64_t id, int64_t source, const ash_event *ev,
                      const char *attrs, size_t attrs_n) {
  char sql[512];
  if (!f->ins) {
    int n = snprintf(sql, sizeof sql, "INSERT INTO flows(" FLOW_COLS ") VALUES(?");
    for (int c = 1; c < FLOW_NCOLS; c++) n += snprintf(sql + n, sizeof sql - (size_t)n, ",?");
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    ASH_TRY(prep(f, &f->ins, sql));
  }
  sqlite3_stmt *st = f->ins;
  int flags = ev->flow_flags & (ASH_FLOW_TS_END | ASH_FLOW_INTERIM);
  if (!strcmp(ev->kind, ASH_KIND_FLOW_DENY)) flags |= ASH_STORE_FLOW_DENY;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, source);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->ref);
  bind_i64(st, 4, ev->ts);
  bind_i64(st, 5, ev->duration_us);
  sqlite3_bind_int(st, 6, flags);
  bind_addr(st, 7, 24, &ev->src_ip, f->ip6[0]);
  bind_addr(st, 8, 25, &ev->dst_ip, f->ip6[1]);
  bind_i64(st, 9, ev->src_port >= 0 ? ev->src_port : ASH_UNSET);
  bind_i64(st, 10, ev->dst_port >= 0 ? ev->dst_port : ASH_UNSET);
  int rc = bind_dict(f, st, 11, ev->proto);
  if (!rc) rc = bind_dict(f, st, 12, ev->action);
  if (!rc) rc = bind_dict(f, st, 13, ev->app);
  if (!rc) rc = bind_dict(f, st, 14, ev->service);
  if (!rc) rc = bind_dict(f, st, 15, ev->host);
  if (!rc) rc = bind_dict(f, st, 16, ev->user);
  if (!rc) rc = bind_dict(f, st, 17, ev->domain);
  if (rc) return rc;
  bind_i64(st, 18, ev->bytes_out);
  bind_i64(st, 19, ev->bytes_in);
  bind_i64(st, 20, ev->packets_out);
  bind_i64(st, 21, ev->packets_in);
  bind_i64(st, 22, ev->bytes_total);
  bind_i64(st, 23, ev->event_id);
  sqlite3_bind_null(st, 26);
  sqlite3_bind_null(st, 27);
  sqlite3_bind_null(st, 28);
  if (attrs && attrs_n) {
    if (split_attrs(f, attrs, attrs_n)) {
      int64_t shape;
      rc = lookup(f, &f->shapes, &f->shape_get, &f->shape_put,
                  "SELECT id FROM attr_shapes WHERE keys=?",
                  "INSERT INTO attr_shapes(keys) VALUES(?)", f->keys.p, f->keys.n, &shape);
      if (rc) return rc;
      sqlite3_bind_int64(st, 26, shape);
      sqlite3_bind_text(st, 27, f->vals.p, (int)f->vals.n, SQLITE_STATIC);
    } else {
      sqlite3_bind_text(st, 28, attrs, (int)attrs_n, SQLITE_STATIC);
    }
  }
  int r = sqlite3_step(st);
  sqlite3_reset(st);
  return r == SQLITE_DONE ? ASH_OK : ASH_ESTORE;
}

/* SQL function ash_attrs(keys, vals): the attributes JSON object back
 * from a shape's keys and a row's values (split_attrs), byte for byte what
 * was split. NULL when the lists do not pair up (a damaged case). */
static void attrs_fn(sqlite3_context *cx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *k = (const char *)sqlite3_value_text(argv[0]);
  int kn = sqlite3_value_bytes(argv[0]);
  const char *v = (const char *)sqlite3_value_text(argv[1]);
  int vn = sqlite3_value_bytes(argv[1]);
  if (!k || !v) {
    sqlite3_result_null(cx);
    return;
  }
  size_t cap = (size_t)kn + (size_t)vn + 16;
  const char *ke = k + kn, *ve = v + vn;
  for (const char *p = k; p < ke; p++) cap += *p == '"' ? 6 : 0;
  char *o = sqlite3_malloc64(cap), *w = o;
  if (!o) {
    sqlite3_result_error_nomem(cx);
    return;
  }
  *w++ = '{';
  for (int first = 1;; first = 0) {
    const char *kq = memchr(k, '"', (size_t)(ke - k));
    const char *vq = memchr(v, '"', (size_t)(ve - v));
    if (!kq) kq = ke;
    if (!vq) vq = ve;
    if (!first) *w++ = ',';
    *w++ = '"';
    memcpy(w, k, (size_t)(kq - k));
    w += kq - k;
    memcpy(w, "\":\"", 3);
    w += 3;
    memcpy(w, v, (size_t)(vq - v));
    w += vq - v;
    *w++ = '"';
    if ((kq == ke) != (vq == ve)) {
      sqlite3_free(o);
      sqlite3_result_null(cx);
      return;
    }
    if (kq == ke) break;
    k = kq + 1;
    v = vq + 1;
  }
  *w++ = '}';
  sqlite3_result_text64(cx, o, (sqlite3_uint64)(w - o), sqlite3_free, SQLITE_UTF8);
}

int ash_flowdb_register(sqlite3 *db) {
  return sqlite3_create_function(db, "ash_attrs", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                 attrs_fn, NULL, NULL) == SQLITE_OK
             ? ASH_OK
             : ASH_ESTORE;
}

/* ---- reading: the flow iterator (store.h) ---- */

static void col_ip4(sqlite3_stmt *st, int i, int i6, ash_ip *ip) {
  memset(ip, 0, sizeof *ip);
  if (sqlite3_column_type(st, i) != SQLITE_NULL) {
    uint32_t v = (uint32_t)sqlite3_column_int64(st, i);
    ip->fam = 4;
    ip->b[10] = ip->b[11] = 0xff;
    ip->b[12] = (uint8_t)(v >> 24);
    ip->b[13] = (uint8_t)(v >> 16);
    ip->b[14] = (uint8_t)(v >> 8);
    ip->b[15] = (uint8_t)v;
    return;
  }
  const unsigned char *t = sqlite3_column_text(st, i6);
  if (t) ash_ip_parse(ash_str_make((const char *)t, (size_t)sqlite3_column_bytes(st, i6)), ip);
}

static int64_t col_i64(sqlite3_stmt *st, int i) {
  return sqlite3_column_type(st, i) == SQLITE_NULL ? ASH_UNSET : sqlite3_column_int64(st, i);
}

static void flow_times(ash_flow *fl) {
  int64_t d = fl->duration == ASH_UNSET || fl->duration < 0 ? 0 : fl->duration;
  if (fl->flags & ASH_FLOW_TS_END) {
    fl->start = fl->ts - d;
    fl->end = fl->ts;
  } else {
    fl->start = fl->ts;
    fl->end = fl->ts + d;
  }
}

/* Flow events that could not be typed (a field no flow column holds) stay
 * in events_wide; the iterator reads them too, merged in (ts, id) order,
 * so that no flow is missed. Their timing flags were not stored there: a
 * wide row has the format's meaning of ts only through its source, which
 * is why such rows are rare by construction (ash_flowdb_eligible) and read
 * with start = ts. */
#define FLOW_SEL                                                                                   \
  "SELECT f.id,f.source_id,f.ts,f.dur,f.flags,f.src,f.dst,f.src6,f.dst6,f.sport,f.dport,"          \
  "f.bytes_out,f.bytes_in,f.bytes_total FROM flows f INDEXED BY flows_ts"
#define WIDE_SEL                                                                                   \
  "SELECT e.id,e.source_id,e.ts,e.duration,CASE e.kind WHEN 'net.deny' THEN 4 ELSE 0 END,"         \
  "NULL,NULL,e.src_ip,e.dst_ip,e.src_port,e.dst_port,e.bytes_out,e.bytes_in,NULL"                  \
  " FROM events_wide e INDEXED BY events_kind_ts"

static int prepare_side(sqlite3 *db, const ash_flow_query *q, int wide, sqlite3_stmt **st) {
  char sql[1024];
  int deny = q && q->with_deny;
  snprintf(sql, sizeof sql,
           "%s JOIN sources s ON s.id=%s.source_id WHERE s.complete=1 AND %s%s%s%s",
           wide ? WIDE_SEL : FLOW_SEL, wide ? "e" : "f",
           wide ? (deny ? "e.kind IN ('net.flow','net.deny')" : "e.kind='net.flow'")
                : (deny ? "f.ts IS NOT NULL" : "f.ts IS NOT NULL AND f.flags&4=0"),
           wide ? " AND e.ts>=?1 AND e.ts<?2" : " AND f.ts>=?1 AND f.ts<?2",
           wide ? " ORDER BY e.ts,e.id" : " ORDER BY f.ts,f.id", "");
  if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) return ASH_ESTORE;
  int64_t since = q && q->since != ASH_TIME_UNSET ? q->since : INT64_MIN;
  int64_t until = q && q->until != ASH_TIME_UNSET ? q->until : INT64_MAX;
  sqlite3_bind_int64(*st, 1, since);
  sqlite3_bind_int64(*st, 2, until);
  return ASH_OK;
}

static void read_flow(sqlite3_stmt *st, ash_flow *fl) {
  memset(fl, 0, sizeof *fl);
  fl->id = sqlite3_column_int64(st, 0);
  fl->source = sqlite3_column_int64(st, 1);
  fl->ts = sqlite3_column_int64(st, 2);
  fl->duration = col_i64(st, 3);
  int flags = sqlite3_column_int(st, 4);
  fl->flags = flags & (ASH_FLOW_TS_END | ASH_FLOW_INTERIM);
  fl->deny = (flags & ASH_STORE_FLOW_DENY) != 0;
  col_ip4(st, 5, 7, &fl->src);
  col_ip4(st, 6, 8, &fl->dst);
  int64_t v = col_i64(st, 9);
  fl->src_port = v == ASH_UNSET ? -1 : (int32_t)v;
  v = col_i64(st, 10);
  fl->dst_port = v == ASH_UNSET ? -1 : (int32_t)v;
  fl->bytes_out = col_i64(st, 11);
  fl->bytes_in = col_i64(st, 12);
  fl->bytes_total = col_i64(st, 13);
  flow_times(fl);
}

int ash_flowdb_iterate(sqlite3 *db, const ash_flow_query *q, int (*cb)(void *u, const ash_flow *f),
                       void *u) {
  sqlite3_stmt *a = NULL, *b = NULL;
  int rc = prepare_side(db, q, 0, &a);
  if (!rc) rc = prepare_side(db, q, 1, &b);
  if (rc) {
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    return rc;
  }
  int ra = sqlite3_step(a), rb = sqlite3_step(b);
  ash_flow fa, fb;
  if (ra == SQLITE_ROW) read_flow(a, &fa);
  if (rb == SQLITE_ROW) read_flow(b, &fb);
  while (!rc && (ra == SQLITE_ROW || rb == SQLITE_ROW)) {
    int take_a = ra == SQLITE_ROW &&
                 (rb != SQLITE_ROW || fa.ts < fb.ts || (fa.ts == fb.ts && fa.id < fb.id));
    if (take_a) {
      rc = cb(u, &fa);
      if ((ra = sqlite3_step(a)) == SQLITE_ROW) read_flow(a, &fa);
    } else {
      rc = cb(u, &fb);
      if ((rb = sqlite3_step(b)) == SQLITE_ROW) read_flow(b, &fb);
    }
  }
  if (!rc && ((ra != SQLITE_ROW && ra != SQLITE_DONE) || (rb != SQLITE_ROW && rb != SQLITE_DONE)))
    rc = ASH_ESTORE;
  sqlite3_finalize(a);
  sqlite3_finalize(b);
  return rc;
}
