/* The scheduler: every record the simulation creates goes into one binary
 * heap ordered by (time, creation order) and is written when the
 * simulation has moved past its time. Records of the future (the end of a
 * VPN session, a logoff, the interim records of a long flow) wait here, so
 * that each output file is in time order while activities are generated
 * one simulated hour at a time. Ties keep creation order, which keeps the
 * output deterministic. */
#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"
#include "gen_int.h"

g_rec *g_rec_new(g_sched *s) {
  g_rec *r = s->free_list;
  if (r) {
    s->free_list = r->next_free;
  } else {
    r = malloc(sizeof *r);
    if (!r) return NULL;
  }
  memset(r, 0, sizeof *r);
  return r;
}

void g_rec_release(g_sched *s, g_rec *r) {
  if (r->type == GR_WIN) free(r->u.w.data);
  r->next_free = s->free_list;
  s->free_list = r;
}

static int before(const g_heap_ent *a, const g_heap_ent *b) {
  return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

void g_sched_push(g_sched *s, g_rec *r) {
  if (r->ts >= s->end) {
    /* Past the end of the collection: never logged. */
    g_rec_release(s, r);
    return;
  }
  /* The simulation never creates a record before what it has written;
   * clamp defensively so that files stay ordered. */
  if (r->ts < s->horizon) r->ts = s->horizon;
  g_heap_ent *nh = ash_array_room(s->h, &s->cap, s->n, sizeof *nh, 4096);
  if (!nh) {
    g_rec_release(s, r);
    return;
  }
  s->h = nh;
  g_heap_ent e = {r->ts, s->seq++, r};
  size_t i = s->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(&e, &s->h[p])) break;
    s->h[i] = s->h[p];
    i = p;
  }
  s->h[i] = e;
}

g_rec *g_sched_pop_before(g_sched *s, int64_t t) {
  if (s->n == 0 || s->h[0].ts >= t) return NULL;
  g_rec *top = s->h[0].r;
  g_heap_ent last = s->h[--s->n];
  size_t i = 0, n = s->n;
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    if (l >= n) break;
    m = l;
    if (l + 1 < n && before(&s->h[l + 1], &s->h[l])) m = l + 1;
    if (!before(&s->h[m], &last)) break;
    s->h[i] = s->h[m];
    i = m;
  }
  if (n) s->h[i] = last;
  if (top->ts > s->horizon) s->horizon = top->ts;
  return top;
}

void g_sched_free(g_sched *s) {
  for (size_t i = 0; i < s->n; i++) g_rec_release(s, s->h[i].r);
  free(s->h);
  s->h = NULL;
  s->n = s->cap = 0;
  g_rec *r = s->free_list;
  while (r) {
    g_rec *nx = r->next_free;
    free(r);
    r = nx;
  }
  s->free_list = NULL;
}
