/* The typed flows table of the SQLite case store (schema in store.h):
 * one narrow row per net.flow / net.deny event, strings through the
 * dictionary, addresses as integers, the attributes as a shape (their
 * keys, once per distinct key list) and their values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

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
  ash_keymap rev; /* database id -> the table's string i (reading back) */
} idcache;

/* The dictionary columns of a flow row, each remembering its last value:
 * consecutive flows of one device mostly repeat them. */
enum { DC_PROTO, DC_ACTION, DC_APP, DC_SERVICE, DC_HOST, DC_USER, DC_DOMAIN, NDC };
#define LAST_MAX 64

/* Attribute values that repeat (type, level, interface, country, the
 * device id, ...) are stored as a reference to the dictionary; values
 * seen once (session ids, times to the nanosecond, NAT ports) stay
 * literal, so the dictionary holds only what repeats. A value is taken to
 * repeat from its second sighting under the same key: the table below
 * remembers a 64-bit hash of (key, value) per slot (a collision only
 * makes a value a reference or a literal one time more: either form reads
 * back the same). */
/* 4096 slots (32 KiB, in cache: 2^16 slots made the probes a cache miss
 * each and doubled the writer's time on 10^5 FortiGate lines) */
#define SEEN_BITS 12
/* the last reference written at each attribute position (most positions
 * repeat the previous row's value: type, level, vd, tz, the device id) */
#define POS_MAX 64
#define POS_LEN 40
/* Blocks kept decoded for reading, direct-mapped by rowid. A reader in
 * time order across sources (events, a timeline, Sigma by kind) has one
 * block open per source at a time, so the cache must hold as many blocks
 * as a case has sources read together: with 64 slots, the events of 329
 * Windows logs (a generated domain, 54,530 events in 528 blocks) were
 * decompressed 11,444 times. 1024 slots, and at most RB_BYTES of decoded
 * text in all, freed by a clock hand when a new block would pass it. */
#define RBLOCKS 1024
#define RB_BYTES (64u << 20)
/* starts a row's vals that are row k of a block of flow_blocks */
#define BLOCK_MARK '\x02'
#define REF_MARK                                                                                   \
  '\x01' /* starts a reference: a raw control byte never                                           \
              occurs inside escaped JSON content */

struct ash_flowdb {
  sqlite3 *db;
  sqlite3_stmt *ins, *dict_get, *dict_put, *shape_get, *shape_put, *dict_read, *blk_put, *blk_get;
  /* blocks read back (attrs_fn), direct-mapped by rowid: a timeline
   * of many sources' flows in time order visits several at once */
  struct rblock {
    int64_t rowid; /* 0: empty */
    char *raw;
    size_t n;
    uint32_t *row; /* start of each row in raw; nrows + 1 entries */
    uint32_t nrows;
  } rb[RBLOCKS];
  size_t rb_bytes; /* decoded bytes held in rb */
  unsigned rb_hand;
  idcache dict, shapes;
  ash_buf keys, vals;
  ash_buf out; /* ash_attrs's result */
  char ip6[2][ASH_IP_STRLEN];
  struct {
    char s[LAST_MAX];
    size_t n;
    int64_t id;
  } last[NDC];
  ash_buf last_keys; /* the keys of the last shape, and its id */
  int64_t last_shape;
  uint64_t seen[1u << SEEN_BITS];
  struct {
    uint8_t n;
    char s[POS_LEN];
    char ref[12];
    uint8_t nref;
  } pos[POS_MAX];
};

static void cache_init(idcache *c, size_t max) {
  ash_strtab_init(&c->tab, max);
  ash_keymap_init(&c->rev, sizeof(int64_t), sizeof(uint32_t), max);
  c->ids = NULL;
  c->cap = 0;
}
static void cache_free(idcache *c) {
  ash_strtab_free(&c->tab);
  ash_keymap_free(&c->rev);
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
  ash_buf_init(&f->last_keys, ASH_MAX_ATTRS_JSON);
  /* a row's values are at most a block's, and its keys a shape's */
  ash_buf_init(&f->out, ASH_FLOW_BLOCK_MAX + 2 * (size_t)ASH_MAX_ATTRS_JSON);
  *out = f;
  return ASH_OK;
}

static void rblock_drop(ash_flowdb *f, struct rblock *b) {
  f->rb_bytes -= b->rowid ? b->n + (b->nrows + 1) * sizeof *b->row : 0;
  free(b->raw);
  free(b->row);
  memset(b, 0, sizeof *b);
}

static void rblocks_clear(ash_flowdb *f) {
  for (int i = 0; i < RBLOCKS; i++) rblock_drop(f, &f->rb[i]);
  f->rb_bytes = 0;
}

void ash_flowdb_close(ash_flowdb *f) {
  if (!f) return;
  sqlite3_finalize(f->ins);
  sqlite3_finalize(f->dict_get);
  sqlite3_finalize(f->dict_put);
  sqlite3_finalize(f->shape_get);
  sqlite3_finalize(f->shape_put);
  sqlite3_finalize(f->dict_read);
  sqlite3_finalize(f->blk_put);
  sqlite3_finalize(f->blk_get);
  rblocks_clear(f);
  ash_buf_free(&f->last_keys);
  cache_free(&f->dict);
  cache_free(&f->shapes);
  ash_buf_free(&f->keys);
  ash_buf_free(&f->vals);
  ash_buf_free(&f->out);
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
  for (int i = 0; i < NDC; i++) f->last[i].n = 0;
  for (int i = 0; i < POS_MAX; i++) f->pos[i].n = 0;
  ash_buf_reset(&f->last_keys);
  f->last_shape = 0;
  /* a block read inside the rolled-back transaction is gone too (block
   * rowids are AUTOINCREMENT: never reused once committed) */
  rblocks_clear(f);
}

int ash_flowdb_eligible(const ash_event *ev) {
  /* most events that are not flows fail on the first byte */
  if (ev->kind[0] != 'n' ||
      (strcmp(ev->kind, ASH_KIND_FLOW) && strcmp(ev->kind, ASH_KIND_FLOW_DENY)))
    return 0;
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

/* Remember that string s[0..n) has database id id, both ways; a full
 * cache only costs lookups in the table later. Its string i on success. */
static int remember(idcache *c, const char *s, size_t n, int64_t id, uint32_t *out) {
  uint32_t k;
  int rc = ash_strtab_intern(&c->tab, s, n, &k);
  if (rc) return rc;
  if (k >= c->cap) {
    size_t nc = c->cap ? c->cap * 2 : 256;
    while (nc <= k) nc *= 2;
    int64_t *ni = realloc(c->ids, nc * sizeof *ni);
    if (!ni) return ASH_ENOMEM;
    c->ids = ni;
    c->cap = nc;
  }
  c->ids[k] = id;
  void *v;
  rc = ash_keymap_put(&c->rev, &id, &v, NULL);
  if (rc == ASH_OK) memcpy(v, &k, sizeof k);
  if (out) *out = k;
  return rc == ASH_ENOMEM ? ASH_ENOMEM : ASH_OK;
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
  int rc = remember(c, s, n, *id, NULL);
  return rc == ASH_ENOMEM ? ASH_ENOMEM : ASH_OK;
}

static int dict_id(ash_flowdb *f, const char *s, size_t n, int64_t *id) {
  return lookup(f, &f->dict, &f->dict_get, &f->dict_put, "SELECT id FROM dict WHERE s=?",
                "INSERT INTO dict(s) VALUES(?)", s, n, id);
}

static int bind_dict(ash_flowdb *f, sqlite3_stmt *st, int col, int dc, ash_str v) {
  if (!v.n) {
    sqlite3_bind_null(st, col);
    return ASH_OK;
  }
  int64_t id;
  if (v.n == f->last[dc].n && !memcmp(v.p, f->last[dc].s, v.n)) {
    id = f->last[dc].id;
  } else {
    ASH_TRY(dict_id(f, v.p, v.n, &id));
    if (v.n <= LAST_MAX) {
      memcpy(f->last[dc].s, v.p, v.n);
      f->last[dc].n = v.n;
      f->last[dc].id = id;
    }
  }
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
 * that closes it), or NULL when there is none before e or the content
 * holds a raw control byte (never so in what ash_event_attrs_json wrote,
 * and REF_MARK must stay unambiguous). */
static const char *str_end(const char *p, const char *e) {
  while (p < e) {
    if (*p == '\\') {
      p += 2;
      continue;
    }
    if (*p == '"') return p;
    if ((unsigned char)*p < 0x20) return NULL;
    p++;
  }
  return NULL;
}

static const char B64[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/";

/* x in base 64 (B64), most significant digit first, "0" for 0; the
 * digits written (at most 11). */
static size_t b64_put(char *o, uint64_t x) {
  char d[11];
  size_t n = 0;
  do d[n++] = B64[x & 63];
  while ((x >>= 6));
  for (size_t i = 0; i < n; i++) o[i] = d[n - 1 - i];
  return n;
}

/* The number the base-64 digits p[0..n) spell; -1 for an empty run, a
 * byte that is no digit, or a number past max. */
static int64_t b64_get(const char *p, size_t n, int64_t max) {
  int64_t x = 0;
  if (!n) return -1;
  for (size_t i = 0; i < n; i++) {
    const char *c = memchr(B64, p[i], 64);
    if (!c || x > (max >> 6)) return -1;
    x = x << 6 | (int64_t)(c - B64);
  }
  return x;
}

/* Write value v (escaped content, vn bytes), the attribute at position
 * ix, to o: a reference (REF_MARK and the dictionary id in base 64, most
 * significant digit first) when it repeats and the reference is shorter,
 * else the value itself. */
static int put_value(ash_flowdb *f, size_t ix, const char *v, size_t vn, char **o) {
  if (vn > 3) {
    if (ix < POS_MAX && f->pos[ix].n == vn && !memcmp(f->pos[ix].s, v, vn)) {
      memcpy(*o, f->pos[ix].ref, f->pos[ix].nref);
      *o += f->pos[ix].nref;
      return ASH_OK;
    }
    uint64_t h = ash_hash_u64(ash_hash_bytes(v, vn, 1469598103934665603ull) ^ (ix + 1)) | 1;
    uint64_t *slot = &f->seen[h & ((1u << SEEN_BITS) - 1)];
    if (*slot == h) {
      int64_t id;
      ASH_TRY(dict_id(f, v, vn, &id));
      char d[12];
      size_t nd = b64_put(d, (uint64_t)id);
      if (nd + 1 < vn) {
        char *r = *o;
        *(*o)++ = REF_MARK;
        memcpy(*o, d, nd);
        *o += nd;
        if (ix < POS_MAX && vn <= POS_LEN) {
          memcpy(f->pos[ix].s, v, vn);
          f->pos[ix].n = (uint8_t)vn;
          f->pos[ix].nref = (uint8_t)(*o - r);
          memcpy(f->pos[ix].ref, r, f->pos[ix].nref);
        }
        return ASH_OK;
      }
    } else {
      *slot = h;
    }
  }
  memcpy(*o, v, vn);
  *o += vn;
  return ASH_OK;
}

/* Split the attributes JSON ash_event_attrs_json writes ({"k":"v",...},
 * string values only) into its keys and its values (put_value), each list
 * joined by '"': inside escaped string content a '"' only occurs escaped
 * (\"), so the lists split back exactly at the '"' that no backslash
 * escapes (sep_end; a plain search for '"' split a value like
 * "Allow, servers \"out\"" and lost the record's attributes). *ok = 0 when json is not of that form
 * (then it is kept whole). */
static int split_attrs(ash_flowdb *f, const char *json, size_t n, int *ok) {
  *ok = 0;
  ash_buf_reset(&f->keys);
  ash_buf_reset(&f->vals);
  if (ash_buf_reserve(&f->keys, n) || ash_buf_reserve(&f->vals, n)) return ASH_OK;
  char *ko = f->keys.p, *vo = f->vals.p;
  const char *p = json, *e = json + n;
  if (p >= e || *p++ != '{') return ASH_OK;
  for (size_t ix = 0;; ix++) {
    int first = ix == 0;
    if (p >= e || *p++ != '"') return ASH_OK;
    const char *ke = str_end(p, e);
    if (!ke || ke + 2 >= e || ke[1] != ':' || ke[2] != '"') return ASH_OK;
    const char *vs = ke + 3, *ve = str_end(vs, e);
    if (!ve) return ASH_OK;
    if (!first) *ko++ = *vo++ = '"';
    memcpy(ko, p, (size_t)(ke - p));
    ko += ke - p;
    ASH_TRY(put_value(f, ix, vs, (size_t)(ve - vs), &vo));
    p = ve + 1;
    if (p >= e) return ASH_OK;
    if (*p == '}') {
      if (p + 1 != e) return ASH_OK;
      break;
    }
    if (*p++ != ',') return ASH_OK;
  }
  f->keys.n = (size_t)(ko - f->keys.p);
  f->vals.n = (size_t)(vo - f->vals.p);
  *ko = *vo = 0;
  *ok = 1;
  return ASH_OK;
}

/* Store block b (once: its rowid then says where) for source. */
static int put_block(ash_flowdb *f, int64_t source, ash_flow_block *b) {
  if (b->rowid) return ASH_OK;
  ASH_TRY(prep(f, &f->blk_put, "INSERT INTO flow_blocks(source_id, z) VALUES(?,?)"));
  sqlite3_bind_int64(f->blk_put, 1, source);
  sqlite3_bind_blob(f->blk_put, 2, b->z, (int)b->zn, SQLITE_STATIC);
  int r = sqlite3_step(f->blk_put);
  sqlite3_reset(f->blk_put);
  if (r != SQLITE_DONE) return ASH_ESTORE;
  b->rowid = sqlite3_last_insert_rowid(f->db);
  return ASH_OK;
}

/* A row's vals that name row k of block rowid: BLOCK_MARK, the rowid in
 * base 64, '.', k in base 64. BLOCK_MARK is a raw control byte, which
 * escaped content never holds: such vals are never a row's own values. */
static size_t block_ref(char *o, int64_t rowid, uint32_t k) {
  size_t w = 0;
  o[w++] = BLOCK_MARK;
  w += b64_put(o + w, (uint64_t)rowid);
  o[w++] = '.';
  return w + b64_put(o + w, k);
}

/* The attr_shapes id of keys[0..n), added when new (the last one is
 * remembered: consecutive rows of one source mostly share it). */
static int shape_id(ash_flowdb *f, const char *keys, size_t n, int64_t *out) {
  int64_t shape = f->last_shape;
  if (!shape || n != f->last_keys.n || memcmp(keys, f->last_keys.p, n)) {
    ASH_TRY(lookup(f, &f->shapes, &f->shape_get, &f->shape_put,
                   "SELECT id FROM attr_shapes WHERE keys=?",
                   "INSERT INTO attr_shapes(keys) VALUES(?)", keys, n, &shape));
    ash_buf_reset(&f->last_keys);
    f->last_shape = ash_buf_add(&f->last_keys, keys, n) ? 0 : shape;
  }
  *out = shape;
  return ASH_OK;
}

int ash_flowdb_split_ref(ash_flowdb *f, int64_t source, const ash_attr_split *split, int64_t *shape,
                         const char **vals, size_t *vals_n) {
  ASH_TRY(put_block(f, source, split->blk));
  ash_buf_reset(&f->vals);
  if (ash_buf_reserve(&f->vals, 32)) return ASH_ENOMEM;
  f->vals.n = block_ref(f->vals.p, split->blk->rowid, split->k);
  f->vals.p[f->vals.n] = 0;
  ASH_TRY(shape_id(f, split->keys, split->keys_n, shape));
  *vals = f->vals.p;
  *vals_n = f->vals.n;
  return ASH_OK;
}

int ash_flowdb_insert(ash_flowdb *f, int64_t id, int64_t source, const ash_event *ev,
                      const char *attrs, size_t attrs_n, const ash_attr_split *split) {
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
  int rc = bind_dict(f, st, 11, DC_PROTO, ev->proto);
  if (!rc) rc = bind_dict(f, st, 12, DC_ACTION, ev->action);
  if (!rc) rc = bind_dict(f, st, 13, DC_APP, ev->app);
  if (!rc) rc = bind_dict(f, st, 14, DC_SERVICE, ev->service);
  if (!rc) rc = bind_dict(f, st, 15, DC_HOST, ev->host);
  if (!rc) rc = bind_dict(f, st, 16, DC_USER, ev->user);
  if (!rc) rc = bind_dict(f, st, 17, DC_DOMAIN, ev->domain);
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
  if (split) {
    int64_t shape;
    const char *vals;
    size_t vals_n;
    ASH_TRY(ash_flowdb_split_ref(f, source, split, &shape, &vals, &vals_n));
    sqlite3_bind_int64(st, 26, shape);
    sqlite3_bind_text(st, 27, vals, (int)vals_n, SQLITE_STATIC);
  } else if (attrs && attrs_n) {
    int ok = 1;
    ASH_TRY(split_attrs(f, attrs, attrs_n, &ok));
    if (ok) {
      int64_t shape;
      ASH_TRY(shape_id(f, f->keys.p, f->keys.n, &shape));
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

/* The text of dictionary entry id (borrowed until the next call), or
 * NULL. Runs inside a statement of the same connection (ash_attrs), which
 * SQLite allows: the lookup is stepped and reset before it returns. */
static const char *dict_text(ash_flowdb *f, int64_t id, size_t *n) {
  /* the values of the dictionary repeat by construction (only what was
   * seen twice goes there): reading the events back (Sigma, events,
   * timeline) would otherwise ask the table once per value of every row
   * (lolbin over 1.9M Windows events spent most of its 47 s there) */
  const uint32_t *k = ash_keymap_get(&f->dict.rev, &id);
  if (k) {
    *n = f->dict.tab.len[*k];
    return ash_strtab_str(&f->dict.tab, *k);
  }
  if (!f->dict_read &&
      sqlite3_prepare_v3(f->db, "SELECT s FROM dict WHERE id=?", -1, SQLITE_PREPARE_PERSISTENT,
                         &f->dict_read, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_reset(f->dict_read);
  sqlite3_bind_int64(f->dict_read, 1, id);
  if (sqlite3_step(f->dict_read) != SQLITE_ROW) return NULL;
  *n = (size_t)sqlite3_column_bytes(f->dict_read, 0);
  const char *t = (const char *)sqlite3_column_text(f->dict_read, 0);
  /* the interned copy outlives the statement's row (the next lookup
   * resets it); past the cache's cap, the row's own text */
  uint32_t i;
  if (t && remember(&f->dict, t, *n, id, &i) == ASH_OK) return ash_strtab_str(&f->dict.tab, i);
  return t;
}

/* The next separator of a split_attrs list at or after p: the first '"'
 * that no backslash escapes, or e. */
static const char *sep_end(const char *p, const char *e) {
  /* memchr for each '"' (most values have none: one vector scan), then
   * the backslashes before it: an odd run escapes it */
  const char *s = p;
  while (s < e) {
    const char *q = memchr(s, '"', (size_t)(e - s));
    if (!q) return e;
    size_t bs = 0;
    while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\') bs++;
    if (!(bs & 1)) return q;
    s = q + 1;
  }
  return e;
}

/* Append "k":"v" (the key and value as stored: escaped content) to o,
 * after a comma unless first. */
static int add_pair(ash_buf *o, int first, const char *k, size_t kn, const char *v, size_t vn) {
  ASH_TRY(ash_buf_reserve(o, kn + vn + 6));
  char *w = o->p + o->n;
  if (!first) *w++ = ',';
  *w++ = '"';
  memcpy(w, k, kn);
  w += kn;
  memcpy(w, "\":\"", 3);
  w += 3;
  memcpy(w, v, vn);
  w += vn;
  *w++ = '"';
  *w = 0;
  o->n = (size_t)(w - o->p);
  return ASH_OK;
}

/* The row of block vals (BLOCK_MARK...) names, into *v / *vn (borrowed
 * from the cache until the next call). ASH_EFORMAT for a reference that
 * does not parse, a block that is missing, does not decompress, or
 * lacks that row: a damaged case, whose attributes read as NULL. */
static int block_row(ash_flowdb *f, const char *ref, size_t n, const char **v, size_t *vn) {
  const char *dot = memchr(ref + 1, '.', n - 1);
  if (!dot) return ASH_EFORMAT;
  int64_t rowid = b64_get(ref + 1, (size_t)(dot - ref - 1), INT64_MAX);
  int64_t k = b64_get(dot + 1, (size_t)(ref + n - dot - 1), UINT32_MAX);
  if (rowid <= 0 || k < 0) return ASH_EFORMAT;
  struct rblock *b = &f->rb[(uint64_t)rowid % RBLOCKS];
  if (b->rowid != rowid) {
    rblock_drop(f, b);
    if (!f->blk_get &&
        sqlite3_prepare_v3(f->db, "SELECT z FROM flow_blocks WHERE id=?", -1,
                           SQLITE_PREPARE_PERSISTENT, &f->blk_get, NULL) != SQLITE_OK)
      return ASH_EFORMAT;
    sqlite3_reset(f->blk_get);
    sqlite3_bind_int64(f->blk_get, 1, rowid);
    int rc = ASH_EFORMAT;
    if (sqlite3_step(f->blk_get) == SQLITE_ROW) {
      const void *z = sqlite3_column_blob(f->blk_get, 0);
      size_t zn = (size_t)sqlite3_column_bytes(f->blk_get, 0);
      unsigned long long want = z ? ZSTD_getFrameContentSize(z, zn) : ZSTD_CONTENTSIZE_ERROR;
      /* the writer records the size in the frame; a block without it, or
       * larger than any the writer makes, is not one of ours */
      if (want != ZSTD_CONTENTSIZE_ERROR && want != ZSTD_CONTENTSIZE_UNKNOWN &&
          want <= ASH_FLOW_BLOCK_MAX) {
        b->raw = malloc(want + 1);
        size_t got = b->raw ? ZSTD_decompress(b->raw, want, z, zn) : 0;
        if (!b->raw)
          rc = ASH_ENOMEM;
        else if (!ZSTD_isError(got) && got == want) {
          b->n = got;
          rc = ASH_OK;
        }
      }
    }
    sqlite3_reset(f->blk_get);
    /* the rows' starts: memchr per row (a byte-by-byte scan of every
     * block read back was most of a Windows timeline's attribute reading) */
    uint32_t rows = 1;
    for (const char *q = b->raw, *e = b->raw + b->n; !rc && (q = memchr(q, '\n', (size_t)(e - q)));
         q++)
      rows++;
    if (!rc && !(b->row = malloc((rows + 1) * sizeof *b->row))) rc = ASH_ENOMEM;
    if (rc) {
      free(b->raw);
      memset(b, 0, sizeof *b);
      return rc;
    }
    b->nrows = 0;
    b->row[b->nrows++] = 0;
    for (const char *q = b->raw, *e = b->raw + b->n; (q = memchr(q, '\n', (size_t)(e - q))); q++)
      b->row[b->nrows++] = (uint32_t)(q - b->raw + 1);
    b->row[b->nrows] = (uint32_t)b->n + 1; /* the end of the last row, past its missing '\n' */
    b->rowid = rowid;
    size_t size = b->n + (b->nrows + 1) * sizeof *b->row;
    /* room for it under RB_BYTES: the others from the hand on go first
     * (never this one, which the caller reads now) */
    for (unsigned i = 0; i < RBLOCKS && f->rb_bytes + size > RB_BYTES; i++) {
      struct rblock *o = &f->rb[f->rb_hand++ % RBLOCKS];
      if (o != b) rblock_drop(f, o);
    }
    f->rb_bytes += size;
  }
  if ((uint64_t)k >= b->nrows) return ASH_EFORMAT;
  *v = b->raw + b->row[k];
  *vn = b->row[k + 1] - b->row[k] - 1;
  return ASH_OK;
}

int ash_attrs_join(ash_buf *o, const char *k, size_t kn, const char *v, size_t vn,
                   const char *(*ref)(void *u, const char *v, size_t n, size_t *tn), void *u) {
  ash_buf_reset(o);
  const char *ke = k + kn, *ve = v + vn;
  int rc = ash_buf_add(o, "{", 1);
  for (int first = 1; !rc; first = 0) {
    const char *kq = sep_end(k, ke);
    const char *vq = sep_end(v, ve);
    if ((kq == ke) != (vq == ve)) {
      rc = ASH_EFORMAT;
      break;
    }
    const char *t = v;
    size_t tn = (size_t)(vq - v);
    if (ref && vq > v && !(t = ref(u, v, tn, &tn))) rc = ASH_EFORMAT;
    if (!rc) rc = add_pair(o, first, k, (size_t)(kq - k), t, tn);
    if (kq == ke) break;
    k = kq + 1;
    v = vq + 1;
  }
  if (!rc) rc = ash_buf_add(o, "}", 1);
  return rc;
}

/* ash_attrs_join's ref for the SQLite store's values: a REF_MARK value is
 * the dictionary's text (borrowed until the next lookup, which comes only
 * after the join copied it), any other its own */
static const char *ref_text(void *u, const char *v, size_t n, size_t *tn) {
  ash_flowdb *f = u;
  *tn = n;
  if (*v != REF_MARK) return v;
  int64_t id = b64_get(v + 1, n - 1, INT64_MAX);
  return id < 0 ? NULL : dict_text(f, id, tn);
}

/* SQL function ash_attrs(keys, vals): the attributes JSON object back
 * from a shape's keys and a row's values (split_attrs), byte for byte what
 * was split, references resolved through the dictionary. NULL when the
 * lists do not pair up or a reference is dangling (a damaged case). */
static void attrs_fn(sqlite3_context *cx, int argc, sqlite3_value **argv) {
  (void)argc;
  ash_flowdb *f = sqlite3_user_data(cx);
  const char *k = (const char *)sqlite3_value_text(argv[0]);
  size_t kn = (size_t)sqlite3_value_bytes(argv[0]);
  const char *v = (const char *)sqlite3_value_text(argv[1]);
  size_t vn = (size_t)sqlite3_value_bytes(argv[1]);
  if (!k || !v) {
    sqlite3_result_null(cx);
    return;
  }
  if (vn && *v == BLOCK_MARK) {
    int r = block_row(f, v, vn, &v, &vn);
    if (r == ASH_ENOMEM) {
      sqlite3_result_error_nomem(cx);
      return;
    }
    if (r) {
      sqlite3_result_null(cx);
      return;
    }
  }
  /* built in f->out, reused from row to row (one copy into SQLite's
   * result; a reader of the events view asks for every row's) */
  int rc = ash_attrs_join(&f->out, k, kn, v, vn, ref_text, f);
  if (f->dict_read) sqlite3_reset(f->dict_read); /* the last lookup's row copied */
  ash_buf *o = &f->out;
  if (rc == ASH_ENOMEM)
    sqlite3_result_error_nomem(cx);
  else if (rc)
    sqlite3_result_null(cx);
  else
    sqlite3_result_text64(cx, o->p, (sqlite3_uint64)o->n, SQLITE_TRANSIENT, SQLITE_UTF8);
}

int ash_flowdb_register(ash_flowdb *f) {
  int r = sqlite3_create_function(f->db, "ash_attrs", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, f,
                                  attrs_fn, NULL, NULL);
  return r == SQLITE_OK ? ASH_OK : r == SQLITE_NOMEM ? ASH_ENOMEM : ASH_ESTORE;
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

void ash_flow_times(ash_flow *fl) {
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
  fl->duration = ash_col_i64(st, 3);
  int flags = sqlite3_column_int(st, 4);
  fl->flags = flags & (ASH_FLOW_TS_END | ASH_FLOW_INTERIM);
  fl->deny = (flags & ASH_STORE_FLOW_DENY) != 0;
  col_ip4(st, 5, 7, &fl->src);
  col_ip4(st, 6, 8, &fl->dst);
  int64_t v = ash_col_i64(st, 9);
  fl->src_port = v == ASH_UNSET ? -1 : (int32_t)v;
  v = ash_col_i64(st, 10);
  fl->dst_port = v == ASH_UNSET ? -1 : (int32_t)v;
  fl->bytes_out = ash_col_i64(st, 11);
  fl->bytes_in = ash_col_i64(st, 12);
  fl->bytes_total = ash_col_i64(st, 13);
  ash_flow_times(fl);
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
  uint64_t left = q && q->limit ? q->limit : UINT64_MAX;
  while (!rc && left && (ra == SQLITE_ROW || rb == SQLITE_ROW)) {
    left--;
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
