/* Unit tests of findings: severities, entity normalisation, caps, JSON both
 * ways, ordering, and storing them in a case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/limits.h"
#include "ashiato/store.h"
#include "ashiato/time.h"

static void test_severity(void **st) {
  (void)st;
  assert_int_equal(ash_severity_of_score(0), ASH_SEV_LOW);
  assert_int_equal(ash_severity_of_score(39), ASH_SEV_LOW);
  assert_int_equal(ash_severity_of_score(40), ASH_SEV_MEDIUM);
  assert_int_equal(ash_severity_of_score(65), ASH_SEV_HIGH);
  assert_int_equal(ash_severity_of_score(90), ASH_SEV_CRITICAL);
  ash_severity s;
  assert_int_equal(ash_severity_parse("HIGH", &s), 0);
  assert_int_equal(s, ASH_SEV_HIGH);
  assert_int_not_equal(ash_severity_parse("severe", &s), 0);
  assert_string_equal(ash_severity_name(ASH_SEV_CRITICAL), "critical");
}

static void test_entities(void **st) {
  (void)st;
  ash_finding f;
  assert_int_equal(ash_finding_init(&f, "implant"), 0);
  assert_int_equal(ash_finding_add_account(&f, ash_str_cstr("CORP\\t.sato")), 0);
  assert_int_equal(ash_finding_add_account(&f, ash_str_cstr("t.sato@corp.example.local")), 0);
  assert_int_equal(ash_finding_add_account(&f, ash_str_cstr(" t.sato ")), 0);
  assert_int_equal(f.accounts.n, 1);
  assert_string_equal(f.accounts.v[0], "t.sato");
  assert_int_equal(ash_finding_add_host(&f, ash_str_cstr("APP02.corp.example.local")), 0);
  assert_int_equal(ash_finding_add_host(&f, ash_str_cstr("app02")), 0);
  assert_int_equal(ash_finding_add_host(&f, ash_str_cstr("10.1.2.3")), 0);
  assert_int_equal(f.hosts.n, 1);
  assert_string_equal(f.hosts.v[0], "app02");
  assert_int_equal(f.ips.n, 1);
  assert_string_equal(f.ips.v[0], "10.1.2.3");
  ash_finding_set_score(&f, 250);
  assert_int_equal(f.score, 100);
  assert_int_equal(f.severity, ASH_SEV_CRITICAL);
  ash_finding_set_score(&f, -3);
  assert_int_equal(f.score, 0);
  ash_finding_free(&f);
  ash_finding_free(&f); /* freed twice is harmless */
}

static void test_caps(void **st) {
  (void)st;
  ash_finding f;
  assert_int_equal(ash_finding_init(&f, "x"), 0);
  ash_evidence e = {ASH_TIME_UNSET, "k", "t", NULL, 0, ASH_REF_NONE};
  for (unsigned i = 0; i < ASH_MAX_FINDING_EVIDENCE + 5; i++)
    assert_int_equal(ash_finding_add_evidence(&f, &e), 0);
  assert_int_equal(f.nevidence, ASH_MAX_FINDING_EVIDENCE);
  assert_int_equal(f.evidence_dropped, 5);
  /* a long text is cut at a UTF-8 boundary */
  size_t n = ASH_MAX_FINDING_TEXT + 10;
  char *big = malloc(n + 1);
  assert_non_null(big);
  for (size_t i = 0; i < n; i += 3) memcpy(big + i, "\xe8\xb6\xb3", n - i < 3 ? n - i : 3);
  big[n] = 0;
  assert_int_equal(ash_finding_set_summary(&f, big, n), 0);
  size_t got = strlen(f.summary);
  assert_true(got <= ASH_MAX_FINDING_TEXT);
  assert_int_equal(got % 3, 0);
  free(big);
  ash_finding_free(&f);
}

static void make(ash_finding *f, const char *key, int score, const char *first) {
  assert_int_equal(ash_finding_init(f, "implant"), 0);
  ash_finding_set_id(f, key, strlen(key));
  ash_finding_set_score(f, score);
  assert_int_equal(ash_finding_set_title(f, "T \"q\"\n", 6), 0);
  assert_int_equal(ash_finding_set_summary(f, "S", 1), 0);
  assert_int_equal(ash_finding_add_attack(f, "T1587.001"), 0);
  assert_int_equal(ash_finding_add_file(f, ash_str_cstr("/ev/a b.exe")), 0);
  int64_t t;
  assert_int_equal(ash_time_parse_iso(ash_str_cstr(first), &t), 0);
  ash_finding_see(f, t);
  ash_finding_see(f, t + 60 * ASH_US_PER_SEC);
  ash_evidence e = {t, "av.detect", "line \x01 text", "/logs/x.log", 1234, ASH_REF_OFFSET};
  assert_int_equal(ash_finding_add_evidence(f, &e), 0);
  ash_evidence e2 = {ASH_TIME_UNSET, "yara.match", "m", "/ev/a b.exe", 7, ASH_REF_RECORD};
  assert_int_equal(ash_finding_add_evidence(f, &e2), 0);
  assert_int_equal(ash_finding_set_details(f, "{\"sha256\":\"ab\",\"n\":[1,2]}", 26), 0);
}

static void test_json_roundtrip(void **st) {
  (void)st;
  ash_finding f, g;
  make(&f, "k1", 77, "2025-03-02T10:22:01Z");
  ash_buf a, b;
  ash_buf_init(&a, 1 << 20);
  ash_buf_init(&b, 1 << 20);
  assert_int_equal(ash_finding_to_json(&f, &a), 0);
  assert_non_null(strstr(a.p, "\"hunt\":\"implant\",\"score\":77,\"severity\":\"high\""));
  assert_non_null(strstr(a.p, "\"first_seen\":\"2025-03-02T10:22:01.000000Z\""));
  assert_non_null(strstr(a.p, "\"last_seen\":\"2025-03-02T10:23:01.000000Z\""));
  assert_non_null(strstr(a.p, "\"source\":{\"path\":\"/logs/x.log\",\"offset\":1234}"));
  assert_non_null(strstr(a.p, "\"record\":7"));
  assert_non_null(strstr(a.p, "\"title\":\"T \\\"q\\\"\\n\""));
  assert_non_null(strstr(a.p, "line \\u0001 text"));
  assert_int_equal(ash_finding_from_json(&g, a.p, a.n), 0);
  assert_int_equal(ash_finding_to_json(&g, &b), 0);
  assert_string_equal(a.p, b.p);
  assert_string_equal(g.id, f.id);
  ash_finding_free(&g);
  assert_int_not_equal(ash_finding_from_json(&g, "{\"id\":", 6), 0);
  ash_finding_free(&f);
  ash_buf_free(&a);
  ash_buf_free(&b);
}

/* ash_finding_copy replaced a JSON round trip in the hunt run: the copy
 * must be the same finding and own all of its memory. */
static void test_copy_is_deep_and_equal(void **st) {
  (void)st;
  ash_finding f, g;
  make(&f, "k1", 77, "2025-03-02T10:22:01Z");
  assert_int_equal(ash_finding_set_details(&f, "{\"a\":1}", 7), 0);
  assert_int_equal(ash_finding_copy(&g, &f), 0);
  ash_buf a, b;
  ash_buf_init(&a, 1 << 20);
  ash_buf_init(&b, 1 << 20);
  assert_int_equal(ash_finding_to_json(&f, &a), 0);
  assert_int_equal(ash_finding_to_json(&g, &b), 0);
  assert_string_equal(a.p, b.p);
  assert_ptr_not_equal(f.summary, g.summary);
  assert_ptr_not_equal(f.evidence, g.evidence);
  assert_ptr_not_equal(f.files.v, g.files.v);
  ash_finding_free(&f); /* g must outlive f (ASan would see a use after free) */
  ash_buf_reset(&a);
  assert_int_equal(ash_finding_to_json(&g, &a), 0);
  assert_string_equal(a.p, b.p);
  ash_finding_free(&g);
  ash_buf_free(&a);
  ash_buf_free(&b);
}

static void test_order(void **st) {
  (void)st;
  ash_finding v[3];
  make(&v[0], "a", 40, "2025-01-02");
  make(&v[1], "b", 90, "2025-01-03");
  make(&v[2], "c", 90, "2025-01-01");
  qsort(v, 3, sizeof v[0], ash_finding_cmp);
  assert_int_equal(v[0].score, 90);
  assert_true(v[0].first_seen < v[1].first_seen);
  assert_int_equal(v[2].score, 40);
  /* the id depends on hunt and key only */
  ash_finding x;
  make(&x, "a", 1, "2020-01-01");
  assert_string_equal(x.id, v[2].id);
  assert_int_equal(strncmp(x.id, "implant-", 8), 0);
  ash_finding_free(&x);
  for (int i = 0; i < 3; i++) ash_finding_free(&v[i]);
}

typedef struct got {
  int n;
  int scores[8];
} got;

static int on_f(void *u, const ash_finding *f) {
  got *g = u;
  if (g->n < 8) g->scores[g->n] = f->score;
  g->n++;
  return 0;
}

static void test_store(void **st) {
  (void)st;
  char path[] = "/tmp/ash_test_findingsXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  unlink(path);
  ash_store *s;
  assert_int_equal(ash_store_open(&s, path, ASH_STORE_CREATE), 0);
  got g = {0};
  assert_int_equal(ash_store_findings(s, NULL, on_f, &g), 0); /* no table yet */
  assert_int_equal(g.n, 0);
  ash_finding a, b;
  make(&a, "one", 30, "2025-01-01");
  make(&b, "two", 95, "2025-01-01");
  assert_int_equal(ash_store_add_finding(s, &a), 0);
  assert_int_equal(ash_store_add_finding(s, &b), 0);
  ash_finding_set_score(&a, 50);
  assert_int_equal(ash_store_add_finding(s, &a), 0); /* same id: replaced */
  assert_int_equal(ash_store_findings(s, "implant", on_f, &g), 0);
  assert_int_equal(g.n, 2);
  assert_int_equal(g.scores[0], 95);
  assert_int_equal(g.scores[1], 50);
  memset(&g, 0, sizeof g);
  assert_int_equal(ash_store_findings(s, "cloud-tunnel", on_f, &g), 0);
  assert_int_equal(g.n, 0);
  assert_int_equal(ash_store_delete_findings(s, "implant"), 0);
  assert_int_equal(ash_store_findings(s, NULL, on_f, &g), 0);
  assert_int_equal(g.n, 0);
  ash_finding_free(&a);
  ash_finding_free(&b);
  assert_int_equal(ash_store_close(s), 0);
  unlink(path);
  char aux[sizeof path + 8];
  snprintf(aux, sizeof aux, "%s-wal", path);
  unlink(aux);
  snprintf(aux, sizeof aux, "%s-shm", path);
  unlink(aux);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_severity), cmocka_unit_test(test_entities),
      cmocka_unit_test(test_caps),     cmocka_unit_test(test_json_roundtrip),
      cmocka_unit_test(test_order),    cmocka_unit_test(test_copy_is_deep_and_equal),
      cmocka_unit_test(test_store),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
