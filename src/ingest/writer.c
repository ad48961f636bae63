#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "store/store_internal.h"

#define WRITER_BATCHES 3
#define BATCH_ITEMS 8192
#define BATCH_ARENA (8u << 20)

typedef struct item {
  int64_t source;
  int reject;
  ash_event ev;       /* for a reject: ref, and path = reason, command_line = raw */
  ash_str attrs_json; /* serialised by the producer, so that the writer
                         thread only does SQLite work */
} item;

typedef struct batch {
  item items[BATCH_ITEMS];
  size_t n;
  char *arena;
  size_t used;
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
  ash_buf json;                    /* producer's scratch for attributes */
  ash_store_row rows[BATCH_ITEMS]; /* the thread's view of a batch */
};

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
    int rc = ASH_OK;
    for (size_t i = 0; i < b->n && !rc;) {
      item *it = &b->items[i];
      if (it->reject) {
        rc = ash_store_add_reject(w->s, it->source, it->ev.ref, it->ev.path.p,
                                  it->ev.command_line.p, it->ev.command_line.n);
        i++;
        continue;
      }
      /* the run of events up to the next reject, in one call */
      size_t n = 0;
      for (; i < b->n && !b->items[i].reject; i++, n++) {
        it = &b->items[i];
        w->rows[n] = (ash_store_row){it->source, &it->ev, it->attrs_json.p, it->attrs_json.n};
      }
      rc = ash_store_add_rows(w->s, w->rows, n);
    }
    b->n = b->used = 0;
    pthread_mutex_lock(&w->mu);
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
  ash_buf_init(&w->json, ASH_MAX_ATTRS_JSON);
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

/* Hand the current batch to the thread and wait for a free one. */
static int submit(ash_writer *w) {
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

static int fits(const batch *b, size_t bytes) {
  return b->n < BATCH_ITEMS && bytes <= BATCH_ARENA - b->used;
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

int ash_writer_event(ash_writer *w, int64_t id, const ash_event *ev) {
  ash_str json = ASH_STR_NULL;
  if (ev->nattrs) {
    int rc = ash_event_attrs_json(ev, &w->json);
    if (rc == ASH_ELIMIT) {
      /* keep the event and say that its attributes were cut */
      ash_buf_reset(&w->json);
      rc = ash_buf_adds(&w->json, "{\"_truncated\":\"attributes exceeded 256 KiB\"}");
    }
    if (rc) return rc;
    json = ash_str_make(w->json.p, w->json.n);
  }
  size_t bytes = ev_bytes(ev) + json.n + 1;
  batch *b = w->b[w->cur];
  if (!fits(b, bytes)) {
    int rc = submit(w);
    if (rc) return rc;
    b = w->b[w->cur];
    if (!fits(b, bytes)) {
      /* larger than a whole batch: write it directly once the queue is empty */
      rc = ash_writer_drain(w);
      return rc ? rc : ash_store_add_event_attrs(w->s, id, ev, json.p, json.n);
    }
  }
  item *it = &b->items[b->n++];
  it->source = id;
  it->reject = 0;
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
  c->attrs = NULL;
  c->nattrs = 0;
  it->attrs_json = dup_str(b, json);
  return ASH_OK;
}

int ash_writer_reject(ash_writer *w, int64_t id, uint64_t ref, const char *reason, const void *raw,
                      size_t n) {
  if (n > ASH_MAX_REJECT_RAW) n = ASH_MAX_REJECT_RAW;
  size_t rl = reason ? strlen(reason) : 0;
  batch *b = w->b[w->cur];
  if (!fits(b, n + rl + 2)) {
    int rc = submit(w);
    if (rc) return rc;
    b = w->b[w->cur];
  }
  item *it = &b->items[b->n++];
  it->source = id;
  it->reject = 1;
  ash_event_init(&it->ev);
  it->ev.ref = ref;
  it->ev.path = dup_str(b, ash_str_make(reason ? reason : "", rl));
  if (!it->ev.path.p) it->ev.path = ASH_STR_LIT("");
  it->ev.command_line = dup_str(b, ash_str_make(raw, n));
  if (!it->ev.command_line.p) it->ev.command_line = ASH_STR_LIT("");
  it->attrs_json = ASH_STR_NULL;
  return ASH_OK;
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
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  for (int i = 0; i < WRITER_BATCHES; i++) {
    free(w->b[i]->arena);
    free(w->b[i]);
  }
  ash_buf_free(&w->json);
  free(w);
  return rc;
}
