/* A rule set over events as they arrive (`ashiato watch`), one event at a
 * time, with the correlations' state kept between them: the same matching
 * as ash_sigma_run, which walks a case instead. */
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "sigma_int.h"

struct ash_sigma_live {
  const ash_sigma *s;
  ash_sigma_doc *d;
  ash_sigma_corr_state *corr;
  ash_sigma_level min;
  int (*cb)(void *u, const ash_sigma_hit *h);
  void *u;
  ash_sigma_hit hit;
};

int ash_sigma_load_pack(ash_sigma *s) {
  int rc = ASH_OK;
  for (size_t i = 0; !rc && ash_sigma_pack[i].name; i++)
    rc = ash_sigma_load(s, ash_sigma_pack[i].p, ash_sigma_pack[i].n, ash_sigma_pack[i].name);
  /* the pack is ours: a rule of it that does not load is a build error
   * (tests/unit/test_sigma.c), never silently a smaller set */
  if (!rc && ash_sigma_reject_count(s)) rc = ASH_EFORMAT;
  return rc;
}

int ash_sigma_live_open(ash_sigma_live **out, const ash_sigma *s, ash_sigma_level min) {
  ash_sigma_live *l = calloc(1, sizeof *l);
  if (!l) return ASH_ENOMEM;
  l->s = s;
  l->min = min;
  int rc = ash_sigma_doc_open(&l->d, s);
  if (!rc) rc = ash_sigma_corr_open(&l->corr, s);
  if (rc) {
    ash_sigma_live_close(l);
    return rc;
  }
  *out = l;
  return ASH_OK;
}

void ash_sigma_live_close(ash_sigma_live *l) {
  if (!l) return;
  ash_sigma_corr_close(l->corr);
  ash_sigma_doc_close(l->d);
  free(l);
}

static int emit(ash_sigma_live *l, size_t i) {
  if (l->s->r[i].info.level < l->min) return 0;
  l->hit.rule = i;
  return l->cb(l->u, &l->hit);
}

static int on_fire(void *u, size_t j) { return emit(u, j); }

static int on_hit(void *u, size_t i) {
  ash_sigma_live *l = u;
  const rule *x = &l->s->r[i];
  int rc = x->suppressed ? 0 : emit(l, i);
  if (!rc && x->nfeeds) rc = ash_sigma_corr_feed(l->corr, l->d, i, l->hit.ev->ts, on_fire, l);
  return rc;
}

int ash_sigma_live_event(ash_sigma_live *l, const ash_event *ev, const char *attrs_json,
                         int (*cb)(void *u, const ash_sigma_hit *h), void *u) {
  /* Windows events are the ones with a channel, as in ash_sigma_run */
  if (!ev->channel.n || ev->event_id == ASH_UNSET) return 0;
  int rc = ash_sigma_doc_from_event(l->d, ev, attrs_json);
  if (rc == ASH_EFORMAT) return 0;
  if (rc) return rc;
  l->cb = cb;
  l->u = u;
  memset(&l->hit, 0, sizeof l->hit);
  l->hit.ev = ev;
  l->hit.attrs_json = attrs_json;
  return ash_sigma_match(l->s, l->d, on_hit, l);
}
