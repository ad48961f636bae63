#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "store/store_internal.h"

#define WRITER_BATCHES 3
#define BATCH_ITEMS 8192
#define BATCH_ARENA (8u << 20)

enum { IT_EVENT, IT_REJECT, IT_BEGIN, IT_END };

typedef struct item {
  int64_t source;       /* a source id, or -handle of a source begun here */
  int kind;             /* IT_* */
  ash_event ev;         /* for a reject: ref, and path = reason, command_line = raw */
  ash_str attrs_json;   /* serialised by the producer, so that the writer
                           thread only does SQLite work */
  ash_source_info src;  /* IT_BEGIN, IT_END (strings in the arena) */
  ash_attr_split split; /* an event's attributes, when has_split (in the arena) */
  int has_split;
} item;

typedef struct batch {
  item items[BATCH_ITEMS];
  size_t n;
  char *arena;
  size_t used;
  /* the blocks of attribute values its rows refer to (in the
   * arena); every block is closed before the batch goes to the thread */
  ash_flow_block blk[BATCH_ITEMS];
  size_t nblk;
} batch;

struct ash_writer {
  ash_store *s;
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  batch *b[WRITER_BATCHES];
  int full[WRITER_BATCHES]; /* queued for the thread, in ring order */
  int head, tail, queued;   /* ring of full batches */
  int busy;                 /* the thread is writing a batch */
  int cur;                  /* batch being filled by the producer */
  int stop;
  int err;
  ash_buf json; /* producer's scratch for attributes */
  int split;    /* how the store takes attributes (ASH_SPLIT_*) */
  /* the open block of attribute values (producer's): its rows so
   * far, raw, for source blk_source, to be compressed into the current
   * batch's blk[blk_slot]; the arena keeps ZSTD_compressBound of it free */
  ash_buf blk;
  uint32_t blk_rows;
  int64_t blk_source;
  size_t blk_slot;
  size_t blk_reserve;
  ZSTD_CCtx *zc;
  ash_store_row rows[BATCH_ITEMS]; /* the thread's view of a batch */
  /* sources begun through the queue: handle h is ids[h - 1] (0 while the
   * thread has not created the row, or for a source it refused) */
  int64_t *ids;
  size_t nids, capids;
  /* sources the thread has completed, not yet collected (under mu) */
  ash_source_info *done;
  size_t ndone, capdone;
  /* completed in a transaction that has not committed yet: pseq[i] is the
   * store's commit count when the completion mark was written, so the
   * source is stored once the count exceeds it (under mu) */
  ash_source_info *pending;
  uint64_t *pseq;
  size_t npending, cappending, cappseq;
};

static void free_info(ash_source_info *c) {
  free((char *)c->path);
  free((char *)c->sha256);
  free((char *)c->format);
}

/* Move the completions that the store has committed to the done list, in
 * order. Under mu; seq is the store's commit count, read by whoever owns
 * the store at the moment (the thread while busy, the caller while idle). */
static int promote(ash_writer *w, uint64_t seq) {
  size_t k = 0;
  while (k < w->npending && w->pseq[k] < seq) k++;
  if (!k) return ASH_OK;
  while (w->capdone < w->ndone + k) {
    ash_source_info *d = ash_array_grow(w->done, &w->capdone, sizeof *d, 16);
    if (!d) return ASH_ENOMEM;
    w->done = d;
  }
  memcpy(w->done + w->ndone, w->pending, k * sizeof *w->done);
  w->ndone += k;
  memmove(w->pending, w->pending + k, (w->npending - k) * sizeof *w->pending);
  memmove(w->pseq, w->pseq + k, (w->npending - k) * sizeof *w->pseq);
  w->npending -= k;
  return ASH_OK;
}

static char *dup_c(const char *p) {
  if (!p) return NULL;
  size_t n = strlen(p) + 1;
  char *c = malloc(n);
  if (c) memcpy(c, p, n);
  return c;
}

static int64_t resolve(ash_writer *w, int64_t source) {
  if (source >= 0) return source;
  /* handles come from ash_writer_source_begin, whose item is ahead of the
   * source's events in the queue (nids is the producer's: not read here) */
  return w->ids[(size_t)-source - 1];
}

/* The queued start and end of a source (see ash_writer_source_begin). */
static int run_begin(ash_writer *w, item *it) {
  int64_t id = 0;
  int dup = 0;
  const ash_source_info *c = &it->src;
  int rc = ash_store_source_begin(w->s, c->path, c->size, c->sha256, c->format, &id, &dup);
  /* a duplicate cannot be (no source had this size when it was queued)
   * unless another process ingested the same content meanwhile: its
   * events are then not added twice */
  if (!rc) w->ids[(size_t)-it->source - 1] = dup ? 0 : id;
  return rc;
}

/* The queued end of a source: its completion mark goes into the open
 * transaction, and the source is announced (ash_writer_collect) only once
 * that transaction has committed. An announcement before the commit is a
 * claim the case may not keep: after kill -9 or a full disk, sources that
 * had been printed were not in the case. */
static int run_end(ash_writer *w, item *it) {
  ash_source_info c = it->src;
  c.id = resolve(w, it->source);
  uint64_t seq = ash_store_commit_seq(w->s); /* before: the end may commit */
  int rc = c.id ? ash_store_source_end(w->s, c.id, &c) : ASH_OK;
  /* a source another process stored meanwhile is announced as a duplicate;
   * nothing of ours is pending for it, but it keeps its place in order */
  if (!c.id) c.duplicate = 1;
  if (rc) return rc;
  pthread_mutex_lock(&w->mu);
  ash_source_info *d = ash_array_room(w->pending, &w->cappending, w->npending, sizeof *d, 16);
  if (d) w->pending = d;
  uint64_t *q = d ? ash_array_room(w->pseq, &w->cappseq, w->npending, sizeof *q, 16) : NULL;
  if (q) w->pseq = q;
  if (!d || !q) {
    pthread_mutex_unlock(&w->mu);
    return ASH_ENOMEM;
  }
  c.path = dup_c(c.path);
  c.sha256 = dup_c(c.sha256);
  c.format = dup_c(c.format);
  if ((it->src.path && !c.path) || (it->src.sha256 && !c.sha256) || (it->src.format && !c.format)) {
    free_info(&c);
    pthread_mutex_unlock(&w->mu);
    return ASH_ENOMEM;
  }
  w->pseq[w->npending] = seq;
  w->pending[w->npending++] = c;
  pthread_mutex_unlock(&w->mu);
  return ASH_OK;
}

static void *run(void *arg) {
  ash_writer *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->queued && !w->stop) pthread_cond_wait(&w->cv, &w->mu);
    if (!w->queued && w->stop) break;
    int k = w->head;
    w->busy = 1;
    pthread_mutex_unlock(&w->mu);
    batch *b = w->b[k];
    /* after a store error nothing more is written: the store rolled its
     * transaction back and refuses writes; the batches still queued are
     * dropped, and the caller learns of the error at its next call */
    int rc = w->err;
    for (size_t i = 0; i < b->n && !rc;) {
      item *it = &b->items[i];
      if (it->kind != IT_EVENT) {
        if (it->kind == IT_BEGIN)
          rc = run_begin(w, it);
        else if (it->kind == IT_END)
          rc = run_end(w, it);
        else if (resolve(w, it->source))
          rc = ash_store_add_reject(w->s, resolve(w, it->source), it->ev.ref, it->ev.path.p,
                                    it->ev.command_line.p, it->ev.command_line.n);
        i++;
        continue;
      }
      /* the run of events of one source up to the next other item, in
       * one call */
      size_t n = 0;
      int64_t src = resolve(w, it->source);
      for (; i < b->n && b->items[i].kind == IT_EVENT && b->items[i].source == it->source;
           i++, n++) {
        item *e = &b->items[i];
        w->rows[n] = (ash_store_row){src, &e->ev, e->attrs_json.p, e->attrs_json.n,
                                     e->has_split ? &e->split : NULL};
      }
      if (src) rc = ash_store_add_rows(w->s, w->rows, n);
    }
    b->n = b->used = b->nblk = 0;
    uint64_t seq = ash_store_commit_seq(w->s);
    pthread_mutex_lock(&w->mu);
    if (!rc) rc = promote(w, seq);
    if (rc && !w->err) w->err = rc;
    w->full[k] = 0;
    w->head = (w->head + 1) % WRITER_BATCHES;
    w->queued--;
    w->busy = 0;
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int ash_writer_open(ash_writer **out, ash_store *s) {
  ash_writer *w = calloc(1, sizeof *w);
  if (!w) return ASH_ENOMEM;
  w->s = s;
  w->split = ash_store_takes_split(s);
  ash_buf_init(&w->json, ASH_MAX_ATTRS_JSON);
  ash_buf_init(&w->blk, ASH_FLOW_BLOCK_MAX);
  for (int i = 0; i < WRITER_BATCHES; i++) {
    w->b[i] = calloc(1, sizeof(batch));
    if (w->b[i]) w->b[i]->arena = malloc(BATCH_ARENA);
    if (!w->b[i] || !w->b[i]->arena) {
      for (int j = 0; j <= i; j++)
        if (w->b[j]) {
          free(w->b[j]->arena);
          free(w->b[j]);
        }
      ash_buf_free(&w->json);
      free(w);
      return ASH_ENOMEM;
    }
  }
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  if (pthread_create(&w->th, NULL, run, w)) {
    for (int i = 0; i < WRITER_BATCHES; i++) {
      free(w->b[i]->arena);
      free(w->b[i]);
    }
    free(w);
    return ASH_ENOMEM;
  }
  *out = w;
  return ASH_OK;
}

/* Compress the open block into the current batch (the arena kept room
 * for it: blk_reserve). A failure (out of memory for zstd's context) is
 * the writer's error: the rows that refer to the block are never
 * stored. */
static int close_block(ash_writer *w) {
  if (!w->blk_rows) return ASH_OK;
  batch *b = w->b[w->cur];
  ash_flow_block *k = &b->blk[w->blk_slot];
  size_t cap = ZSTD_compressBound(w->blk.n);
  int rc = ASH_OK;
  if (!w->zc) w->zc = ZSTD_createCCtx();
  if (!w->zc || cap > BATCH_ARENA - b->used) {
    rc = w->zc ? ASH_ELIMIT : ASH_ENOMEM; /* ELIMIT: blk_reserve was not kept */
  } else {
    /* level 1: the values of a FortiGate row, 210 bytes raw, take 33 in
     * 30 KB blocks (118 as the dictionary references of a row alone) */
    size_t zn = ZSTD_compressCCtx(w->zc, b->arena + b->used, cap, w->blk.p, w->blk.n, 1);
    if (ZSTD_isError(zn)) {
      rc = ASH_ENOMEM;
    } else {
      k->z = b->arena + b->used;
      k->zn = zn;
      k->rowid = 0;
      b->used += zn;
    }
  }
  ash_buf_reset(&w->blk);
  w->blk_rows = 0;
  w->blk_reserve = 0;
  if (rc) {
    pthread_mutex_lock(&w->mu);
    if (!w->err) w->err = rc;
    pthread_mutex_unlock(&w->mu);
  }
  return rc;
}

/* Hand the current batch to the thread and wait for a free one. */
static int submit(ash_writer *w) {
  close_block(w); /* an error is w->err, read below */
  pthread_mutex_lock(&w->mu);
  if (w->b[w->cur]->n) {
    w->full[w->cur] = 1;
    w->queued++;
    pthread_cond_broadcast(&w->cv);
    int next = (w->cur + 1) % WRITER_BATCHES;
    while (w->full[next]) pthread_cond_wait(&w->cv, &w->mu);
    w->cur = next;
  }
  int err = w->err;
  pthread_mutex_unlock(&w->mu);
  return err;
}

/* Room for one more item of bytes, beside the open block's reserve. */
static int fits(const ash_writer *w, const batch *b, size_t bytes) {
  return b->n < BATCH_ITEMS && bytes <= BATCH_ARENA - b->used &&
         w->blk_reserve <= BATCH_ARENA - b->used - bytes;
}

static ash_str dup_str(batch *b, ash_str s) {
  if (!s.n) return ASH_STR_NULL;
  char *p = b->arena + b->used;
  memcpy(p, s.p, s.n);
  p[s.n] = 0; /* the store binds some strings as C strings */
  b->used += s.n + 1;
  return ash_str_make(p, s.n);
}

static size_t ev_bytes(const ash_event *ev) {
  size_t n = ev->host.n + ev->user.n + ev->domain.n + ev->proto.n + ev->action.n + ev->app.n +
             ev->service.n + ev->process.n + ev->parent_process.n + ev->command_line.n +
             ev->threat.n + ev->path.n + ev->sha256.n + ev->channel.n + 14;
  return n;
}

/* The worst case of an event's attributes escaped: its keys (in the arena)
 * and its values (in the open block), every byte escaped to 6, with their
 * separators. */
static void split_bounds(const ash_event *ev, size_t *keys, size_t *vals) {
  *keys = *vals = ev->nattrs + 8;
  for (size_t i = 0; i < ev->nattrs; i++) {
    *keys += 6 * ev->attrs[i].k.n;
    *vals += 6 * ev->attrs[i].v.n;
  }
}

/* ev's keys into b's arena and its values into the open block, as it's
 * split (fits() made room for both, and for the block's reserve); with
 * ASH_SPLIT_PLAIN the values into the arena too, after the keys. */
static void put_split(ash_writer *w, batch *b, const ash_event *ev, item *it) {
  ash_attr_split *sp = &it->split;
  char *o = b->arena + b->used, *keys = o;
  for (size_t i = 0; i < ev->nattrs; i++) {
    if (i) *o++ = '"';
    o += ash_json_escape_short(o, ev->attrs[i].k.p, ev->attrs[i].k.n);
  }
  sp->keys = keys;
  sp->keys_n = (size_t)(o - keys);
  it->has_split = 1;
  if (w->split == ASH_SPLIT_PLAIN) {
    char *vals = o;
    for (size_t i = 0; i < ev->nattrs; i++) {
      if (i) *o++ = '"';
      o += ash_json_escape_short(o, ev->attrs[i].v.p, ev->attrs[i].v.n);
    }
    sp->vals = vals;
    sp->vals_n = (size_t)(o - vals);
    sp->blk = NULL;
    sp->k = 0;
    b->used = (size_t)(o - b->arena);
    return;
  }
  b->used = (size_t)(o - b->arena);
  /* ash_writer_event reserved the block's room for these values */
  if (w->blk_rows) w->blk.p[w->blk.n++] = '\n';
  char *v = w->blk.p + w->blk.n;
  for (size_t i = 0; i < ev->nattrs; i++) {
    if (i) *v++ = '"';
    v += ash_json_escape_short(v, ev->attrs[i].v.p, ev->attrs[i].v.n);
  }
  w->blk.n = (size_t)(v - w->blk.p);
  sp->blk = &b->blk[w->blk_slot];
  sp->k = w->blk_rows++;
  sp->vals = NULL;
  sp->vals_n = 0;
  w->blk_reserve = ZSTD_compressBound(w->blk.n);
}

/* The arena bytes an event takes: its strings, its JSON, its keys, and
 * what the open block's reserve grows by when its values (vb at worst)
 * join the block. */
static size_t event_bytes(const ash_writer *w, const ash_event *ev, size_t json, size_t kb,
                          size_t vb) {
  size_t n = ev_bytes(ev) + json + 1 + kb;
  if (vb) {
    size_t grow = ZSTD_compressBound(w->blk.n + vb + 1);
    n += grow > w->blk_reserve ? grow - w->blk_reserve : 0;
  }
  return n;
}

int ash_writer_event(ash_writer *w, int64_t id, const ash_event *ev) {
  ash_str json = ASH_STR_NULL;
  /* an event's attributes are split here, in the producer's thread: for
   * the SQLite store the values into a block of consecutive events of its
   * source (flows and every other kind alike), for ClickHouse a flow's
   * values beside its keys (its other events' stay JSON, which its
   * readers extract on the server); an event near the JSON form's cap
   * keeps JSON (which that form truncates) */
  size_t kb = 0, vb = 0;
  int split = w->split && ev->nattrs && (w->split == ASH_SPLIT_BLOCKS || ash_flowdb_eligible(ev));
  if (split) {
    split_bounds(ev, &kb, &vb);
    if (kb + vb > ASH_MAX_ATTRS_JSON) split = 0, kb = vb = 0;
  }
  /* plain: the values go into the arena beside the keys, no block */
  int plain = split && w->split == ASH_SPLIT_PLAIN;
  if (plain) kb += vb, vb = 0;
  if (ev->nattrs && !split) {
    int rc = ash_event_attrs_json(ev, &w->json);
    if (rc == ASH_ELIMIT) {
      /* keep the event and say that its attributes were cut */
      ash_buf_reset(&w->json);
      rc = ash_buf_adds(&w->json, "{\"_truncated\":\"attributes exceeded 256 KiB\"}");
    }
    if (rc) return rc;
    json = ash_str_make(w->json.p, w->json.n);
  }
  /* the open block takes the row unless it is another source's or full */
  if (split && !plain && w->blk_rows &&
      (w->blk_source != id || w->blk_rows >= ASH_FLOW_BLOCK_ROWS ||
       w->blk.n + vb + 1 > ASH_FLOW_BLOCK_RAW)) {
    int rc = close_block(w);
    if (rc) return rc;
  }
  batch *b = w->b[w->cur];
  if (!fits(w, b, event_bytes(w, ev, json.n, kb, vb))) {
    int rc = submit(w);
    if (rc) return rc;
    b = w->b[w->cur];
    if (!fits(w, b, event_bytes(w, ev, json.n, kb, vb))) {
      /* larger than a whole batch: write it directly once the queue is empty
       * (in the JSON form, which the direct call takes) */
      if (split) {
        rc = ash_event_attrs_json(ev, &w->json);
        if (rc) return rc; /* under the JSON form's cap, checked above */
        json = ash_str_make(w->json.p, w->json.n);
      }
      rc = ash_writer_drain(w);
      int64_t src = resolve(w, id);
      return rc || !src ? rc : ash_store_add_event_attrs(w->s, src, ev, json.p, json.n);
    }
  }
  if (split && !plain) {
    if (ash_buf_reserve(&w->blk, w->blk.n + vb + 1)) return ASH_ENOMEM;
    if (!w->blk_rows) {
      w->blk_slot = b->nblk++; /* at most one block per row: never past BATCH_ITEMS */
      w->blk_source = id;
    }
  }
  item *it = &b->items[b->n++];
  it->source = id;
  it->kind = IT_EVENT;
  it->ev = *ev;
  ash_event *c = &it->ev;
  c->host = dup_str(b, ev->host);
  c->user = dup_str(b, ev->user);
  c->domain = dup_str(b, ev->domain);
  c->proto = dup_str(b, ev->proto);
  c->action = dup_str(b, ev->action);
  c->app = dup_str(b, ev->app);
  c->service = dup_str(b, ev->service);
  c->process = dup_str(b, ev->process);
  c->parent_process = dup_str(b, ev->parent_process);
  c->command_line = dup_str(b, ev->command_line);
  c->threat = dup_str(b, ev->threat);
  c->path = dup_str(b, ev->path);
  c->sha256 = dup_str(b, ev->sha256);
  c->channel = dup_str(b, ev->channel);
  it->attrs_json = dup_str(b, json);
  it->has_split = 0;
  if (split) put_split(w, b, ev, it);
  c->attrs = NULL;
  c->nattrs = 0;
  return ASH_OK;
}

int ash_writer_reject(ash_writer *w, int64_t id, uint64_t ref, const char *reason, const void *raw,
                      size_t n) {
  if (n > ASH_MAX_REJECT_RAW) n = ASH_MAX_REJECT_RAW;
  size_t rl = reason ? strlen(reason) : 0;
  batch *b = w->b[w->cur];
  if (!fits(w, b, n + rl + 2)) {
    int rc = submit(w);
    if (rc) return rc;
    b = w->b[w->cur];
  }
  item *it = &b->items[b->n++];
  it->source = id;
  it->kind = IT_REJECT;
  ash_event_init(&it->ev);
  it->ev.ref = ref;
  it->ev.path = dup_str(b, ash_str_make(reason ? reason : "", rl));
  if (!it->ev.path.p) it->ev.path = ASH_STR_LIT("");
  it->ev.command_line = dup_str(b, ash_str_make(raw, n));
  if (!it->ev.command_line.p) it->ev.command_line = ASH_STR_LIT("");
  it->attrs_json = ASH_STR_NULL;
  it->has_split = 0;
  return ASH_OK;
}

static int queue_source(ash_writer *w, int kind, int64_t handle, const ash_source_info *c) {
  size_t need = (c->path ? strlen(c->path) : 0) + (c->sha256 ? strlen(c->sha256) : 0) +
                (c->format ? strlen(c->format) : 0) + 3;
  batch *b = w->b[w->cur];
  if (!fits(w, b, need)) {
    int rc = submit(w);
    if (rc) return rc;
    b = w->b[w->cur];
  }
  item *it = &b->items[b->n++];
  memset(it, 0, sizeof *it);
  it->source = handle;
  it->kind = kind;
  it->src = *c;
  it->src.path = c->path ? dup_str(b, ash_str_cstr(c->path)).p : NULL;
  it->src.sha256 = c->sha256 && *c->sha256 ? dup_str(b, ash_str_cstr(c->sha256)).p : NULL;
  it->src.format = c->format ? dup_str(b, ash_str_cstr(c->format)).p : NULL;
  return ASH_OK;
}

int ash_writer_source_begin(ash_writer *w, const char *path, uint64_t size, const char *sha256,
                            const char *format, int64_t *handle) {
  if (w->nids == w->capids) {
    size_t cap = w->capids ? w->capids * 2 : 64;
    /* the thread reads ids: grow it only while the thread is idle */
    int rc = ash_writer_drain(w);
    if (rc) return rc;
    int64_t *v = realloc(w->ids, cap * sizeof *v);
    if (!v) return ASH_ENOMEM;
    w->ids = v;
    w->capids = cap;
  }
  w->ids[w->nids++] = 0;
  *handle = -(int64_t)w->nids;
  ash_source_info c;
  memset(&c, 0, sizeof c);
  c.path = path;
  c.size = size;
  c.sha256 = sha256;
  c.format = format;
  return queue_source(w, IT_BEGIN, *handle, &c);
}

int ash_writer_source_end(ash_writer *w, int64_t handle, const ash_source_info *counts) {
  return queue_source(w, IT_END, handle, counts);
}

int ash_writer_sync(ash_writer *w) {
  int rc = ash_writer_drain(w);
  /* the thread is idle: the store is the caller's until the next add */
  if (!rc) rc = ash_store_commit(w->s);
  pthread_mutex_lock(&w->mu);
  if (!rc) rc = promote(w, ash_store_commit_seq(w->s));
  if (rc && !w->err) w->err = rc;
  pthread_mutex_unlock(&w->mu);
  return rc;
}

void ash_writer_collect(ash_writer *w, void (*cb)(void *u, const ash_source_info *info), void *u) {
  pthread_mutex_lock(&w->mu);
  ash_source_info *d = w->done;
  size_t n = w->ndone;
  w->done = NULL;
  w->ndone = w->capdone = 0;
  pthread_mutex_unlock(&w->mu);
  for (size_t i = 0; i < n; i++) {
    if (cb) cb(u, &d[i]);
    free_info(&d[i]);
  }
  free(d);
}

int ash_writer_drain(ash_writer *w) {
  int rc = submit(w);
  pthread_mutex_lock(&w->mu);
  while (w->queued || w->busy) pthread_cond_wait(&w->cv, &w->mu);
  if (!rc) rc = w->err;
  pthread_mutex_unlock(&w->mu);
  return rc;
}

int ash_writer_close(ash_writer *w) {
  if (!w) return ASH_OK;
  int rc = ash_writer_drain(w);
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->th, NULL);
  ash_writer_collect(w, NULL, NULL); /* completions nobody collected */
  /* and those whose transaction never committed: they were not stored */
  for (size_t i = 0; i < w->npending; i++) free_info(&w->pending[i]);
  free(w->pending);
  free(w->pseq);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  for (int i = 0; i < WRITER_BATCHES; i++) {
    free(w->b[i]->arena);
    free(w->b[i]);
  }
  ash_buf_free(&w->json);
  ash_buf_free(&w->blk);
  ZSTD_freeCCtx(w->zc);
  free(w->ids);
  free(w);
  return rc;
}
