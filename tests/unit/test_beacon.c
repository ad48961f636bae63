/* The beacon hunt's subscores (src/hunt/beacon.h) on series whose answer
 * is known by hand: a clock, a symmetric spread, a skewed one, steady and
 * bursty hours, a series that spans half the case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "hunt/beacon.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-3)

/* a clock: every interval the same, both scores perfect */
static void test_beacon_constant_intervals_score_one(void **state) {
  (void)state;
  double v[20];
  for (int i = 0; i < 20; i++) v[i] = 300;
  double med = 0;
  NEAR(beacon_skew_score(v, 20), 1);
  NEAR(beacon_mad_score(v, 20, &med), 1);
  NEAR(med, 300);
}

/* 10..110 by 10: quartiles 30, 60, 90 (no skew); deviations from 60 have
 * median 30, so MAD scores (60 - 30) / 60 */
static void test_beacon_symmetric_spread(void **state) {
  (void)state;
  double v[11];
  for (int i = 0; i < 11; i++) v[i] = 10 + 10 * i;
  NEAR(beacon_skew_score(v, 11), 1);
  NEAR(beacon_mad_score(v, 11, NULL), 0.5);
}

/* five tens then 100..600: quartiles 10, 100, 400, Bowley skew
 * (10 + 400 - 200) / 390 */
static void test_beacon_skewed_series(void **state) {
  (void)state;
  double v[11] = {10, 10, 10, 10, 10, 100, 200, 300, 400, 500, 600};
  NEAR(beacon_skew_score(v, 11), 1 - 210.0 / 390.0);
  /* deviations from 100, sorted: 0, 90 x5, 100..500: median 90, so
   * (100 - 90) / 100 */
  NEAR(beacon_mad_score(v, 11, NULL), 0.1);
}

/* jitter under 10 s around the median is a clock: not judged by skew */
static void test_beacon_small_jitter_not_skewed(void **state) {
  (void)state;
  double v[7] = {295, 298, 299, 300, 300, 301, 306};
  NEAR(beacon_skew_score(v, 7), 1);
}

static void test_beacon_short_series_scores_zero(void **state) {
  (void)state;
  double v[2] = {300, 300};
  assert_true(beacon_skew_score(v, 2) == 0);
  assert_true(beacon_mad_score(v, 2, NULL) == 0);
}

/* every 5 minutes for 10 hours: 12 a full hour, no variation */
static void test_beacon_hist_steady(void **state) {
  (void)state;
  uint32_t st[121];
  for (int i = 0; i < 121; i++) st[i] = (uint32_t)(300 * i);
  NEAR(beacon_hist_score(st, 121, 1000, 1000, 1000 + 36000, 300), 1);
}

/* the same count, all in the first hour of ten: the bins vary by 3x their
 * mean (one bin of 9 full ones holds all), the score clamps to 0 */
static void test_beacon_hist_bursty(void **state) {
  (void)state;
  uint32_t st[121];
  for (int i = 0; i < 120; i++) st[i] = (uint32_t)(30 * i);
  st[120] = 36000;
  double h = beacon_hist_score(st, 121, 0, 0, 36000, 30);
  assert_true(h < 0.05);
}

/* half the case, and 6 hours of the day: max(0.5, 6/12) */
static void test_beacon_duration(void **state) {
  (void)state;
  NEAR(beacon_dur_score(0, 50, 0, 100, 0x3f), 0.5);
  NEAR(beacon_dur_score(0, 10, 0, 100, 0xffffff), 1);
  NEAR(beacon_dur_score(0, 100, 0, 100, 0), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_beacon_constant_intervals_score_one),
      cmocka_unit_test(test_beacon_symmetric_spread),
      cmocka_unit_test(test_beacon_skewed_series),
      cmocka_unit_test(test_beacon_small_jitter_not_skewed),
      cmocka_unit_test(test_beacon_short_series_scores_zero),
      cmocka_unit_test(test_beacon_hist_steady),
      cmocka_unit_test(test_beacon_hist_bursty),
      cmocka_unit_test(test_beacon_duration),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
