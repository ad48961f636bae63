/* Unit tests of the timeline rows (src/report/timeline.c) and of the
 * zone-aware time format they use (src/core/time.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/time.h"
#include "ashiato/timeline.h"

static const char *cell(const char *in) {
  static ash_buf b;
  static int init;
  if (!init) {
    ash_buf_init(&b, 1 << 16);
    init = 1;
  }
  ash_buf_reset(&b);
  assert_int_equal(ash_csv_cell(&b, in, strlen(in)), ASH_OK);
  return b.p ? b.p : "";
}

/* RFC 4180 quoting, and every formula trigger neutralised (OWASP, CSV
 * injection): = + - @ TAB CR at the start of a cell. */
static void test_csv_cells_are_quoted_and_never_formulas(void **st) {
  (void)st;
  assert_string_equal(cell("t.sato"), "t.sato");
  assert_string_equal(cell(""), "");
  assert_string_equal(cell("a,b"), "\"a,b\"");
  assert_string_equal(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  assert_string_equal(cell("two\nlines"), "\"two\nlines\"");
  assert_string_equal(cell("=1+1"), "'=1+1");
  assert_string_equal(cell("+1"), "'+1");
  assert_string_equal(cell("-1"), "'-1");
  assert_string_equal(cell("@SUM(A1)"), "'@SUM(A1)");
  assert_string_equal(cell("\tx"), "'\tx");
  assert_string_equal(cell("\rx"), "\"'\rx\"");
  assert_string_equal(cell("=HYPERLINK(\"http://x\",\"y\")"),
                      "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  assert_string_equal(cell("a=1"), "a=1"); /* only the first character matters */
}

/* Local time with its offset, across a DST change (America/New_York:
 * 2025-03-09 02:00 EST -> 03:00 EDT, at 07:00 UTC). */
static void test_time_in_a_zone_carries_its_offset_across_dst(void **st) {
  (void)st;
  ash_tz *tz;
  char out[40];
  int64_t t;
  assert_int_equal(ash_tz_open(&tz, "America/New_York"), ASH_OK);
  assert_int_equal(ash_time_parse_iso(ash_str_cstr("2025-03-09T06:59:59.5Z"), &t), ASH_OK);
  ash_time_format_tz(t, tz, out);
  assert_string_equal(out, "2025-03-09T01:59:59.500000-05:00");
  assert_int_equal(ash_time_parse_iso(ash_str_cstr("2025-03-09T07:00:00Z"), &t), ASH_OK);
  ash_time_format_tz(t, tz, out);
  assert_string_equal(out, "2025-03-09T03:00:00.000000-04:00");
  ash_tz_close(tz);
  assert_int_equal(ash_tz_open(&tz, "+09:00"), ASH_OK);
  ash_time_format_tz(t, tz, out);
  assert_string_equal(out, "2025-03-09T16:00:00.000000+09:00");
  ash_tz_close(tz);
  assert_int_equal(ash_tz_open(&tz, "Asia/Kolkata"), ASH_OK); /* a half-hour zone */
  ash_time_format_tz(t, tz, out);
  assert_string_equal(out, "2025-03-09T12:30:00.000000+05:30");
  ash_tz_close(tz);
  ash_time_format_tz(t, NULL, out);
  assert_string_equal(out, "2025-03-09T07:00:00.000000Z");
}

/* The finding an event proves is found by (path, ref); the best finding
 * wins when two cite the same line; another path or ref finds nothing. */
static void test_evidence_index_finds_the_best_finding_of_a_line(void **st) {
  (void)st;
  ash_evidence_index *ix;
  assert_int_equal(ash_evidence_index_open(&ix), ASH_OK);
  ash_finding a, b;
  assert_int_equal(ash_finding_init(&a, "cloud-tunnel"), ASH_OK);
  assert_int_equal(ash_finding_init(&b, "loopback-rdp"), ASH_OK);
  ash_finding_set_id(&a, "a", 1);
  ash_finding_set_id(&b, "b", 1);
  ash_finding_set_score(&a, 40);
  ash_finding_set_score(&b, 95);
  ash_evidence e = {0, "net.flow", "line", "fw.log", 120, ASH_REF_OFFSET};
  assert_int_equal(ash_finding_add_evidence(&a, &e), ASH_OK);
  assert_int_equal(ash_finding_add_evidence(&b, &e), ASH_OK);
  e.ref = 7;
  e.source_path = "sec.evtx";
  e.ref_kind = ASH_REF_RECORD;
  assert_int_equal(ash_finding_add_evidence(&a, &e), ASH_OK);
  assert_int_equal(ash_evidence_index_add(ix, &a), ASH_OK);
  assert_int_equal(ash_evidence_index_add(ix, &b), ASH_OK);
  ash_evidence_index_build(ix);
  const char *id;
  ash_severity sev;
  assert_int_equal(ash_evidence_index_find(ix, "fw.log", 120, &id, &sev), ASH_OK);
  assert_string_equal(id, b.id);
  assert_int_equal(sev, ASH_SEV_CRITICAL);
  assert_int_equal(ash_evidence_index_find(ix, "sec.evtx", 7, &id, &sev), ASH_OK);
  assert_string_equal(id, a.id);
  assert_int_equal(ash_evidence_index_find(ix, "fw.log", 121, &id, &sev), ASH_ENOTFOUND);
  assert_int_equal(ash_evidence_index_find(ix, "other.log", 120, &id, &sev), ASH_ENOTFOUND);
  ash_evidence_index_close(ix);
  ash_finding_free(&a);
  ash_finding_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_csv_cells_are_quoted_and_never_formulas),
      cmocka_unit_test(test_time_in_a_zone_carries_its_offset_across_dst),
      cmocka_unit_test(test_evidence_index_finds_the_best_finding_of_a_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
