/* A finding's evidence queued (hunt_evq, src/hunt/common.c) and, when the
 * run defers it, read for all of a hunt's findings at once
 * (hunt_evidence_resolve): the findings must end with exactly the evidence
 * that reading each list at once gives, in the same order, ids without a
 * row left out, and the evidence cap applied as it is one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/hunt.h"
#include "ashiato/limits.h"
#include "hunt/hunt_internal.h"
#include "hunt_fixture.h"

enum { NLOGONS = 1200 };

typedef struct ids {
  int64_t v[NLOGONS];
  size_t n;
} ids;

static int on_logon(void *u, const ash_logon *l) {
  ids *I = u;
  if (I->n < NLOGONS) I->v[I->n++] = l->id;
  return ASH_OK;
}

/* The three findings' queued lists: a with an id of no row among its own,
 * b queued twice, c past the evidence cap (1,100 ids, in lists of 256). */
static void make(hunt_ctx *c, const ids *I, ash_finding f[3]) {
  static const char *const names[] = {"a", "b", "c"};
  for (int k = 0; k < 3; k++) {
    assert_int_equal(ash_finding_init(&f[k], "test"), 0);
    ash_finding_set_id(&f[k], names[k], 1);
  }
  hunt_evq q;
  hunt_evq_init(&q, c, &f[0]);
  for (int i = 0; i < 5; i++) hunt_evq_add(&q, I->v[i]);
  hunt_evq_add(&q, 99999999); /* no such row */
  hunt_evq_add(&q, I->v[5]);
  assert_int_equal(hunt_evq_flush(&q), 0);
  hunt_evq_init(&q, c, &f[1]);
  hunt_evq_addv(&q, I->v + 10, 3);
  assert_int_equal(hunt_evq_flush(&q), 0);
  hunt_evq_add(&q, I->v[20]);
  hunt_evq_add(&q, 0); /* no id */
  assert_int_equal(hunt_evq_flush(&q), 0);
  hunt_evq_init(&q, c, &f[2]);
  hunt_evq_addv(&q, I->v + 100, 1100);
  assert_int_equal(hunt_evq_flush(&q), 0);
}

static void same(const ash_finding *x, const ash_finding *y) {
  assert_int_equal(x->nevidence, y->nevidence);
  assert_int_equal(x->evidence_dropped, y->evidence_dropped);
  for (size_t i = 0; i < x->nevidence; i++) {
    assert_int_equal(x->evidence[i].ts, y->evidence[i].ts);
    assert_int_equal(x->evidence[i].ref, y->evidence[i].ref);
    assert_string_equal(x->evidence[i].kind, y->evidence[i].kind);
    assert_string_equal(x->evidence[i].text, y->evidence[i].text);
  }
}

static void test_deferred_evidence_is_what_reading_at_once_gives(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "evidence", 7), 0);
  for (int i = 0; i < NLOGONS; i++)
    assert_int_equal(
        fx_logon(&f, fx_time("2025-03-02T10:00:00Z") + i * FX_SEC, "ws01", "alice", "10.0.0.5", 3),
        0);
  assert_int_equal(fx_finish(&f), 0);
  ids I = {.n = 0};
  ash_logon_query lq = {ASH_TIME_UNSET, ASH_TIME_UNSET, ASH_LOGON_ANY_TYPE, 0, 0};
  assert_int_equal(ash_store_logons(f.s, &lq, on_logon, &I), 0);
  assert_int_equal(I.n, NLOGONS);

  /* read at once */
  ash_hunt_opts o;
  ash_hunt_opts_default(&o);
  hunt_ctx c;
  memset(&c, 0, sizeof c);
  c.store = f.s;
  c.opts = &o;
  ash_finding now[3];
  make(&c, &I, now);
  assert_int_equal(now[0].nevidence, 6);
  assert_int_equal(now[1].nevidence, 4);
  assert_int_equal(now[2].nevidence, ASH_MAX_FINDING_EVIDENCE);
  assert_int_equal(now[2].evidence_dropped, 1100 - ASH_MAX_FINDING_EVIDENCE);
  for (size_t i = 1; i < now[0].nevidence; i++)
    assert_true(now[0].evidence[i].ts > now[0].evidence[i - 1].ts);
  hunt_evidence_close(&c);

  /* deferred, the findings moved into a list as a hunt does, c queued
   * first so that its lists are not the first ones */
  memset(&c, 0, sizeof c);
  c.store = f.s;
  c.opts = &o;
  c.defer_evidence = 1;
  ash_finding later[3];
  make(&c, &I, later);
  assert_int_equal(later[0].nevidence, 1); /* a placeholder until resolved */
  assert_int_equal(later[1].nevidence, 2);
  hunt_list out;
  memset(&out, 0, sizeof out);
  assert_int_equal(hunt_list_add(&out, &later[2]), 0);
  assert_int_equal(hunt_list_add(&out, &later[0]), 0);
  assert_int_equal(hunt_list_add(&out, &later[1]), 0);
  assert_int_equal(hunt_evidence_resolve(&c, &out), 0);
  same(&out.v[1], &now[0]);
  same(&out.v[2], &now[1]);
  same(&out.v[0], &now[2]);
  assert_int_equal(c.nlists, 0);
  hunt_list_free(&out);
  hunt_evidence_close(&c);
  for (int k = 0; k < 3; k++) ash_finding_free(&now[k]);
  fx_remove(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deferred_evidence_is_what_reading_at_once_gives),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
