/* bench_blocks: what parse + store would cost if events were stored in
 * blocks instead of one SQLite row each -- the design question issue 2's
 * 1M records/s target raises (see the session notes). A measurement, not
 * the product: FortiGate traffic only, no reader besides the check below.
 *
 *   bench_blocks FILE [CASE.db] [--block N] [--level L]
 *
 * Timed, on 3 threads as `ashiato ingest` runs: the file's SHA-256 (one
 * thread), parsing with the real FortiGate parser and encoding each event
 * into the current block (the main thread: varints, one string dictionary
 * per block for hosts, actions, apps, attribute keys and values), and per
 * block zstd plus one SQLite row (the writer thread). Untimed, afterwards:
 * every block is read back, decoded, and a digest of all events' fields
 * and attributes is compared with the digest of a second parse of the
 * file, so the encoding is shown to keep everything it was given. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "bench_util.h"

#include "ashiato/event.h"
#include "ashiato/format.h"

static void die(const char *m) {
  fprintf(stderr, "bench_blocks: %s\n", m);
  exit(1);
}

/* ---- growable bytes ---- */

typedef struct bytes {
  uint8_t *p;
  size_t n, cap;
} bytes;

static void need(bytes *b, size_t k) {
  if (b->n + k <= b->cap) return;
  size_t cap = b->cap ? b->cap * 2 : 1 << 16;
  while (cap < b->n + k) cap *= 2;
  b->p = realloc(b->p, cap);
  if (!b->p) die("out of memory");
  b->cap = cap;
}
static void put(bytes *b, const void *p, size_t k) {
  need(b, k);
  memcpy(b->p + b->n, p, k);
  b->n += k;
}
static void varint(bytes *b, uint64_t v) {
  need(b, 10);
  while (v >= 0x80) {
    b->p[b->n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b->p[b->n++] = (uint8_t)v;
}
static uint64_t zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzz(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }
/* ASH_UNSET as 0, everything else shifted up by one */
static uint64_t opt(int64_t v) { return v == ASH_UNSET ? 0 : zz(v) + 1; }

/* ---- the block being filled: a string dictionary and the event stream ---- */

typedef struct dict {
  uint32_t *slot; /* index + 1 into off/len, 0 = empty */
  size_t cap, n;
  uint32_t *off, *len;
  size_t ncap;
  bytes text;
} dict;

static uint64_t hash(const char *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  for (; i < n; i++) h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
  return h ^ (h >> 32);
}

static void dict_reset(dict *d) {
  if (d->slot) memset(d->slot, 0, d->cap * sizeof *d->slot);
  d->n = 0;
  d->text.n = 0;
}

/* Id + 1 of s in the block's dictionary (added if new); 0 for empty. */
static uint32_t intern(dict *d, ash_str s) {
  if (!s.n) return 0;
  if (2 * (d->n + 1) > d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 1 << 14;
    uint32_t *slot = calloc(cap, sizeof *slot);
    if (!slot) die("out of memory");
    for (size_t i = 0; i < d->n; i++) {
      size_t h = hash((const char *)d->text.p + d->off[i], d->len[i]) & (cap - 1);
      while (slot[h]) h = (h + 1) & (cap - 1);
      slot[h] = (uint32_t)i + 1;
    }
    free(d->slot);
    d->slot = slot;
    d->cap = cap;
  }
  size_t h = hash(s.p, s.n) & (d->cap - 1);
  for (; d->slot[h]; h = (h + 1) & (d->cap - 1)) {
    uint32_t i = d->slot[h] - 1;
    if (d->len[i] == s.n && !memcmp(d->text.p + d->off[i], s.p, s.n)) return i + 1;
  }
  if (d->n == d->ncap) {
    d->ncap = d->ncap ? d->ncap * 2 : 1 << 13;
    d->off = realloc(d->off, d->ncap * sizeof *d->off);
    d->len = realloc(d->len, d->ncap * sizeof *d->len);
    if (!d->off || !d->len) die("out of memory");
  }
  d->off[d->n] = (uint32_t)d->text.n;
  d->len[d->n] = (uint32_t)s.n;
  put(&d->text, s.p, s.n);
  d->slot[h] = (uint32_t)d->n + 1;
  return (uint32_t)++d->n;
}

static void put_ip(bytes *b, const ash_ip *ip) {
  need(b, 17);
  b->p[b->n++] = ip->fam;
  if (ip->fam == 4) put(b, ip->b + 12, 4);
  if (ip->fam == 6) put(b, ip->b, 16);
}

/* The fields of the event model a FortiGate traffic or VPN line fills. */
static const char *const KINDS[] = {ASH_KIND_FLOW,        ASH_KIND_FLOW_DENY,   ASH_KIND_VPN_LOGIN,
                                    ASH_KIND_VPN_LOGOUT,  ASH_KIND_VPN_SESSION, ASH_KIND_VPN_FAIL,
                                    ASH_KIND_ADMIN_LOGIN, ASH_KIND_ADMIN_FAIL,  ASH_KIND_LOG};
enum { NKINDS = sizeof KINDS / sizeof KINDS[0] };

static int kind_id(const char *k) {
  for (int i = 0; i < NKINDS; i++)
    if (!strcmp(KINDS[i], k)) return i;
  return -1;
}

/* ---- the pipeline ---- */

typedef struct block {
  bytes raw; /* dictionary + events, before compression */
  uint32_t n;
  int64_t ts_min, ts_max;
} block;

#define NBUF 3
typedef struct pipe {
  block b[NBUF];
  int full[NBUF], head, cur, stop, queued;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  /* filled by the encoder */
  dict d;
  bytes ev;
  int64_t prev_ts;
  uint64_t prev_ref;
  uint32_t per_block, n;
  int64_t ts_min, ts_max;
  uint64_t unsupported; /* events with fields this encoder does not keep */
  /* writer */
  sqlite3 *db;
  sqlite3_stmt *ins;
  ZSTD_CCtx *zc;
  int level;
  bytes z;
  uint64_t stored, zbytes, rawbytes;
} pipe_t;

static void encode(pipe_t *P, const ash_event *e) {
  bytes *b = &P->ev;
  int k = kind_id(e->kind);
  if (k < 0 || e->logon_type != ASH_UNSET || e->event_id != ASH_UNSET || e->process.n ||
      e->parent_process.n || e->command_line.n || e->threat.n || e->path.n || e->sha256.n ||
      e->channel.n)
    P->unsupported++;
  varint(b, zz(e->ts - P->prev_ts));
  P->prev_ts = e->ts;
  varint(b, zz((int64_t)(e->ref - P->prev_ref)));
  P->prev_ref = e->ref;
  varint(b, (uint64_t)(k < 0 ? NKINDS - 1 : k));
  varint(b, intern(&P->d, e->host));
  varint(b, intern(&P->d, e->user));
  varint(b, intern(&P->d, e->domain));
  put_ip(b, &e->src_ip);
  put_ip(b, &e->dst_ip);
  put_ip(b, &e->tunnel_ip);
  varint(b, (uint64_t)(e->src_port + 1));
  varint(b, (uint64_t)(e->dst_port + 1));
  varint(b, intern(&P->d, e->proto));
  varint(b, intern(&P->d, e->action));
  varint(b, intern(&P->d, e->app));
  varint(b, intern(&P->d, e->service));
  varint(b, opt(e->bytes_out));
  varint(b, opt(e->bytes_in));
  varint(b, opt(e->packets_out));
  varint(b, opt(e->packets_in));
  varint(b, opt(e->duration_us));
  varint(b, e->nattrs);
  for (size_t i = 0; i < e->nattrs; i++) {
    varint(b, intern(&P->d, e->attrs[i].k));
    varint(b, intern(&P->d, e->attrs[i].v));
  }
}

/* Hand the block being filled (dictionary first) to the writer. */
static void flush(pipe_t *P) {
  if (!P->n) return;
  pthread_mutex_lock(&P->mu);
  while (P->full[P->cur]) pthread_cond_wait(&P->cv, &P->mu);
  pthread_mutex_unlock(&P->mu);
  block *bl = &P->b[P->cur];
  bl->raw.n = 0;
  varint(&bl->raw, P->d.n);
  for (size_t i = 0; i < P->d.n; i++) varint(&bl->raw, P->d.len[i]);
  put(&bl->raw, P->d.text.p, P->d.text.n);
  varint(&bl->raw, P->n);
  put(&bl->raw, P->ev.p, P->ev.n);
  bl->n = P->n;
  bl->ts_min = P->ts_min;
  bl->ts_max = P->ts_max;
  pthread_mutex_lock(&P->mu);
  P->full[P->cur] = 1;
  P->queued++;
  P->cur = (P->cur + 1) % NBUF;
  pthread_cond_broadcast(&P->cv);
  pthread_mutex_unlock(&P->mu);
  dict_reset(&P->d);
  P->ev.n = 0;
  P->n = 0;
  P->prev_ts = 0;
  P->prev_ref = 0;
}

static int on_event(void *u, const ash_event *e) {
  pipe_t *P = u;
  if (!P->n || e->ts < P->ts_min) P->ts_min = e->ts;
  if (!P->n || e->ts > P->ts_max) P->ts_max = e->ts;
  encode(P, e);
  if (++P->n == P->per_block) flush(P);
  return 0;
}

static void *writer(void *arg) {
  pipe_t *P = arg;
  pthread_mutex_lock(&P->mu);
  for (;;) {
    while (!P->queued && !P->stop) pthread_cond_wait(&P->cv, &P->mu);
    if (!P->queued) break;
    block *bl = &P->b[P->head];
    pthread_mutex_unlock(&P->mu);
    P->z.n = 0;
    need(&P->z, ZSTD_compressBound(bl->raw.n));
    size_t zn = ZSTD_compressCCtx(P->zc, P->z.p, P->z.cap, bl->raw.p, bl->raw.n, P->level);
    if (ZSTD_isError(zn)) die("zstd");
    sqlite3_bind_int64(P->ins, 1, bl->n);
    sqlite3_bind_int64(P->ins, 2, bl->ts_min);
    sqlite3_bind_int64(P->ins, 3, bl->ts_max);
    sqlite3_bind_blob(P->ins, 4, P->z.p, (int)zn, SQLITE_STATIC);
    if (sqlite3_step(P->ins) != SQLITE_DONE) die(sqlite3_errmsg(P->db));
    sqlite3_reset(P->ins);
    P->stored += bl->n;
    P->zbytes += zn;
    P->rawbytes += bl->raw.n;
    pthread_mutex_lock(&P->mu);
    P->full[P->head] = 0;
    P->head = (P->head + 1) % NBUF;
    P->queued--;
    pthread_cond_broadcast(&P->cv);
  }
  pthread_mutex_unlock(&P->mu);
  return NULL;
}

typedef struct hash_job {
  const uint8_t *p;
  size_t n;
  char hex[65];
} hash_job;

static void *hasher(void *arg) {
  hash_job *h = arg;
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(h->p, h->n, md, &len, EVP_sha256(), NULL);
  for (int i = 0; i < 32; i++) snprintf(h->hex + 2 * i, 3, "%02x", md[i]);
  return NULL;
}

/* ---- the check: a digest of every event, from the parser and from the blocks ---- */

typedef struct digest {
  uint64_t h, n;
} digest;

static void mix(digest *d, const void *p, size_t n) {
  const uint8_t *b = p;
  uint64_t h = d->h ^ (n * 0x9e3779b97f4a7c15ull);
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  d->h = h;
}
static void mix_i(digest *d, int64_t v) { mix(d, &v, sizeof v); }
static void mix_s(digest *d, const char *p, size_t n) { mix(d, p ? p : "", n); }
static void mix_ip(digest *d, const ash_ip *ip) {
  mix(d, &ip->fam, 1);
  if (ip->fam == 4) mix(d, ip->b + 12, 4);
  if (ip->fam == 6) mix(d, ip->b, 16);
}

static int digest_event(void *u, const ash_event *e) {
  digest *d = u;
  mix_i(d, e->ts);
  mix_i(d, (int64_t)e->ref);
  mix_s(d, e->kind, strlen(e->kind));
  mix_s(d, e->host.p, e->host.n);
  mix_s(d, e->user.p, e->user.n);
  mix_s(d, e->domain.p, e->domain.n);
  mix_ip(d, &e->src_ip);
  mix_ip(d, &e->dst_ip);
  mix_ip(d, &e->tunnel_ip);
  mix_i(d, e->src_port);
  mix_i(d, e->dst_port);
  mix_s(d, e->proto.p, e->proto.n);
  mix_s(d, e->action.p, e->action.n);
  mix_s(d, e->app.p, e->app.n);
  mix_s(d, e->service.p, e->service.n);
  mix_i(d, e->bytes_out);
  mix_i(d, e->bytes_in);
  mix_i(d, e->packets_out);
  mix_i(d, e->packets_in);
  mix_i(d, e->duration_us);
  mix_i(d, (int64_t)e->nattrs);
  for (size_t i = 0; i < e->nattrs; i++) {
    mix_s(d, e->attrs[i].k.p, e->attrs[i].k.n);
    mix_s(d, e->attrs[i].v.p, e->attrs[i].v.n);
  }
  d->n++;
  return 0;
}

typedef struct rd {
  const uint8_t *p, *end;
} rd;
static uint64_t get_v(rd *r) {
  uint64_t v = 0;
  for (int s = 0; r->p < r->end && s < 64; s += 7) {
    uint8_t c = *r->p++;
    v |= (uint64_t)(c & 0x7f) << s;
    if (!(c & 0x80)) return v;
  }
  die("truncated block");
  return 0;
}
static void get_ip(rd *r, ash_ip *ip) {
  memset(ip, 0, sizeof *ip);
  if (r->p >= r->end) die("truncated block");
  ip->fam = *r->p++;
  size_t k = ip->fam == 4 ? 4 : ip->fam == 6 ? 16 : 0;
  if ((size_t)(r->end - r->p) < k) die("truncated block");
  if (ip->fam == 4) {
    ip->b[10] = ip->b[11] = 0xff;
    memcpy(ip->b + 12, r->p, 4);
  } else if (ip->fam == 6) {
    memcpy(ip->b, r->p, 16);
  }
  r->p += k;
}
static int64_t get_opt(rd *r) {
  uint64_t v = get_v(r);
  return v ? unzz(v - 1) : ASH_UNSET;
}

/* Decode one block into events and digest them. */
static void digest_block(const uint8_t *p, size_t n, digest *d) {
  rd r = {p, p + n};
  size_t nd = (size_t)get_v(&r);
  ash_str *s = calloc(nd + 1, sizeof *s);
  uint32_t *len = calloc(nd + 1, sizeof *len);
  if (!s || !len) die("out of memory");
  for (size_t i = 0; i < nd; i++) len[i] = (uint32_t)get_v(&r);
  for (size_t i = 0; i < nd; i++) {
    if ((size_t)(r.end - r.p) < len[i]) die("truncated block");
    s[i + 1] = ash_str_make((const char *)r.p, len[i]);
    r.p += len[i];
  }
#define STR(x)                                                                                     \
  do {                                                                                             \
    uint64_t id_ = get_v(&r);                                                                      \
    if (id_ > nd) die("bad string id");                                                            \
    (x) = id_ ? s[id_] : ASH_STR_NULL;                                                             \
  } while (0)
  uint64_t ne = get_v(&r);
  int64_t ts = 0;
  uint64_t ref = 0;
  ash_kv kv[512];
  for (uint64_t i = 0; i < ne; i++) {
    ash_event e;
    ash_event_init(&e);
    ts += unzz(get_v(&r));
    e.ts = ts;
    ref += (uint64_t)unzz(get_v(&r));
    e.ref = ref;
    uint64_t k = get_v(&r);
    if (k >= NKINDS) die("bad kind");
    e.kind = KINDS[k];
    STR(e.host);
    STR(e.user);
    STR(e.domain);
    get_ip(&r, &e.src_ip);
    get_ip(&r, &e.dst_ip);
    get_ip(&r, &e.tunnel_ip);
    e.src_port = (int32_t)get_v(&r) - 1;
    e.dst_port = (int32_t)get_v(&r) - 1;
    STR(e.proto);
    STR(e.action);
    STR(e.app);
    STR(e.service);
    e.bytes_out = get_opt(&r);
    e.bytes_in = get_opt(&r);
    e.packets_out = get_opt(&r);
    e.packets_in = get_opt(&r);
    e.duration_us = get_opt(&r);
    e.nattrs = (size_t)get_v(&r);
    if (e.nattrs > 512) die("too many attributes");
    for (size_t a = 0; a < e.nattrs; a++) {
      STR(kv[a].k);
      STR(kv[a].v);
    }
    e.attrs = kv;
    digest_event(d, &e);
  }
#undef STR
  free(s);
  free(len);
}

int main(int argc, char **argv) {
  const char *file = NULL, *dbpath = "/dev/shm/ashiato-bench-blocks.db";
  int per_block = 8192, level = 1, npos = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--block") && i + 1 < argc)
      per_block = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--level") && i + 1 < argc)
      level = atoi(argv[++i]);
    else if (npos == 0 && ++npos)
      file = argv[i];
    else if (npos == 1 && ++npos)
      dbpath = argv[i];
  }
  if (!file || per_block < 1) die("usage: bench_blocks FILE [CASE.db] [--block N] [--level L]");
  int fd = open(file, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) || !st.st_size) die("cannot read FILE");
  size_t n = (size_t)st.st_size;
  const uint8_t *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) die("mmap");
  const ash_format *fmt = ash_format_find("fortigate");
  if (!fmt) die("no fortigate format");
  char side[4096];
  unlink(dbpath);
  snprintf(side, sizeof side, "%s-journal", dbpath);
  unlink(side);

  static pipe_t P;
  P.per_block = (uint32_t)per_block;
  P.level = level;
  pthread_mutex_init(&P.mu, NULL);
  pthread_cond_init(&P.cv, NULL);
  P.zc = ZSTD_createCCtx();
  if (sqlite3_open(dbpath, &P.db) ||
      sqlite3_exec(P.db,
                   "PRAGMA page_size=16384; PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL;"
                   "CREATE TABLE blocks(id INTEGER PRIMARY KEY, n INTEGER, ts_min INTEGER,"
                   " ts_max INTEGER, data BLOB); BEGIN",
                   NULL, NULL, NULL) ||
      sqlite3_prepare_v2(P.db, "INSERT INTO blocks(n,ts_min,ts_max,data) VALUES(?,?,?,?)", -1,
                         &P.ins, NULL))
    die(sqlite3_errmsg(P.db));

  double t0 = now_s(), c0 = cpu_s();
  hash_job hj = {m, n, ""};
  pthread_t th_hash, th_write;
  pthread_create(&th_hash, NULL, hasher, &hj);
  pthread_create(&th_write, NULL, writer, &P);
  ash_mem_result res;
  if (ash_parse_memory(fmt, m, n, NULL, on_event, NULL, &P, &res)) die("parse failed");
  flush(&P);
  pthread_mutex_lock(&P.mu);
  P.stop = 1;
  pthread_cond_broadcast(&P.cv);
  pthread_mutex_unlock(&P.mu);
  pthread_join(th_write, NULL);
  pthread_join(th_hash, NULL);
  if (sqlite3_exec(P.db, "COMMIT", NULL, NULL, NULL)) die(sqlite3_errmsg(P.db));
  sqlite3_finalize(P.ins);
  sqlite3_close(P.db);
  double el = now_s() - t0, cp = cpu_s() - c0;
  struct stat dbst;
  stat(dbpath, &dbst);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("blocks         %llu records (%llu read, %llu rejected) in %s\n",
         (unsigned long long)res.events, (unsigned long long)res.read,
         (unsigned long long)res.rejected, file);
  printf("blocks         wall %.2f s  %.0f records/s  %.0f MB/s;  cpu %.2f s (%.2f cores)\n", el,
         res.read / el, n / el / 1e6, cp, cp / el);
  printf("blocks         %u events per block, zstd level %d: %.1f MB encoded -> %.1f MB "
         "compressed; case file %.1f MB (the input is %.1f MB); peak RSS %ld MiB\n",
         per_block, level, P.rawbytes / 1e6, P.zbytes / 1e6, dbst.st_size / 1e6, n / 1e6,
         ru.ru_maxrss / 1024);
  if (P.unsupported)
    printf("blocks         WARNING: %llu events had fields this encoder does not keep\n",
           (unsigned long long)P.unsupported);

  /* the check, untimed */
  digest want = {0xcbf29ce484222325ull, 0}, got = {0xcbf29ce484222325ull, 0};
  if (ash_parse_memory(fmt, m, n, NULL, digest_event, NULL, &want, &res)) die("parse failed");
  sqlite3 *db;
  sqlite3_stmt *sel = NULL;
  if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) ||
      sqlite3_prepare_v2(db, "SELECT data FROM blocks ORDER BY id", -1, &sel, NULL))
    die("reopen");
  ZSTD_DCtx *dz = ZSTD_createDCtx();
  bytes out = {0};
  while (sqlite3_step(sel) == SQLITE_ROW) {
    const void *z = sqlite3_column_blob(sel, 0);
    size_t zn = (size_t)sqlite3_column_bytes(sel, 0);
    unsigned long long rn = ZSTD_getFrameContentSize(z, zn);
    if (rn == ZSTD_CONTENTSIZE_ERROR || rn == ZSTD_CONTENTSIZE_UNKNOWN) die("bad frame");
    out.n = 0;
    need(&out, (size_t)rn);
    if (ZSTD_decompressDCtx(dz, out.p, out.cap, z, zn) != rn) die("decompress");
    digest_block(out.p, (size_t)rn, &got);
  }
  sqlite3_finalize(sel);
  sqlite3_close(db);
  ZSTD_freeDCtx(dz);
  ZSTD_freeCCtx(P.zc);
  free(out.p);
  free(P.z.p);
  free(P.ev.p);
  free(P.d.slot);
  free(P.d.off);
  free(P.d.len);
  free(P.d.text.p);
  for (int i = 0; i < NBUF; i++) free(P.b[i].raw.p);
  munmap((void *)m, n);
  close(fd);
  printf("blocks         check: %llu events read back, digest %s the parser's\n",
         (unsigned long long)got.n, got.n == want.n && got.h == want.h ? "equals" : "DIFFERS FROM");
  unlink(dbpath);
  return got.n == want.n && got.h == want.h && !P.unsupported ? 0 : 1;
}
