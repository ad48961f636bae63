/* The HTML report's pieces: the message catalogue is complete in both
 * languages with the same arguments, hostile text is escaped for the page,
 * and a case with a finding whose text is hostile gives a page in which
 * that text is only text. (The page in a real browser: e2e/report_*.sh.) */
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
#include "ashiato/report.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "report/report_int.h"

/* the placeholders {1}..{9} a text uses, as a bit set */
static unsigned placeholders(const char *s) {
  unsigned m = 0;
  for (; *s; s++)
    if (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}') m |= 1u << (s[1] - '0');
  return m;
}

static void test_catalogue_has_every_string_in_both_languages(void **st) {
  (void)st;
  for (int m = 0; m < M_COUNT; m++) {
    const char *en = ash_msg_get(ASH_LANG_EN, (ash_msg)m),
               *ja = ash_msg_get(ASH_LANG_JA, (ash_msg)m);
    /* the one string English leaves empty: "(the hunt's English original)" */
    if (m != M_SUMMARY_LANG && m != M_REASON_LANG) assert_true(en[0]);
    assert_true(ja[0]);
    if (placeholders(en) != placeholders(ja)) {
      fprintf(stderr, "message %d: en and ja take different arguments\n", m);
      fail();
    }
    /* Japanese text is Japanese: some character outside ASCII, except for
     * names that are the same in both (VPN, Windows, the language code) */
    int ascii = 1;
    for (const char *p = ja; *p; p++) ascii &= (unsigned char)*p < 0x80;
    if (m != M_LANG_CODE && m != M_LANE_VPN && m != M_LANE_WIN && m != M_STORY_OTHER && ascii) {
      fprintf(stderr, "message %d has no Japanese: %s\n", m, ja);
      fail();
    }
  }
  assert_string_equal(ash_msg_get(ASH_LANG_JA, M_LANG_CODE), "ja");
  ash_lang l;
  assert_int_equal(ash_lang_parse("ja", &l), ASH_OK);
  assert_int_equal(l, ASH_LANG_JA);
  assert_int_equal(ash_lang_parse("fr", &l), ASH_EFORMAT);
}

static char *esc(const char *s, size_t n, int attr) {
  static ash_buf b;
  ash_buf_free(&b);
  ash_buf_init(&b, 1u << 16);
  assert_int_equal(ash_html_text(&b, s, n, attr), ASH_OK);
  return b.p ? b.p : (char *)"";
}

static void test_hostile_text_is_escaped_for_the_page(void **st) {
  (void)st;
  assert_string_equal(esc("<script>&\"'", 11, 0), "&lt;script&gt;&amp;&quot;&#39;");
  assert_string_equal(esc("\"><img onerror=x>", 17, 1), "&quot;&gt;&lt;img onerror=x&gt;");
  /* NUL, ESC and DEL are seen, not acted on */
  assert_string_equal(esc("a\0b\x1b\x7f", 5, 1), "a\\x00b\\x1B\\x7F");
  assert_string_equal(esc("a\0b", 3, 0), "a<span class=\"ctl\">\\x00</span>b");
  /* an RTL override and a C1 control as escapes, never as themselves */
  assert_string_equal(esc("x\xe2\x80\xaey", 5, 1), "x\\u{202E}y");
  assert_string_equal(esc("\xc2\x9b", 2, 1), "\\u{009B}");
  /* a byte that is not UTF-8 */
  assert_string_equal(esc("\xff", 1, 1), "\\xFF");
  /* ordinary text, Japanese included, and tabs and line ends stay */
  assert_string_equal(esc("足跡\tC:\\Temp\n", strlen("足跡\tC:\\Temp\n"), 0), "足跡\tC:\\Temp\n");
}

/* A new case for a test (path, for the unlink at its end, in path[64]). */
static ash_store *new_case(const char *tag, char path[64]) {
  snprintf(path, 64, "/tmp/ash-test-report-%s-%d.db", tag, (int)getpid());
  unlink(path);
  ash_store *s;
  assert_int_equal(ash_store_open(&s, path, ASH_STORE_CREATE), 0);
  return s;
}

/* The report of s in lang, default options otherwise, into *b (freed by
 * the caller). */
static void report_of(ash_store *s, ash_lang lang, ash_buf *b, ash_report_stats *rs) {
  ash_report_opts o;
  memset(&o, 0, sizeof o);
  o.lang = lang;
  o.generated = ASH_TIME_UNSET;
  ash_buf_init(b, ASH_REPORT_MAX_BYTES);
  assert_int_equal(ash_report_html(s, &o, b, rs), 0);
}

static void test_report_of_a_case_shows_hostile_finding_text_as_text(void **st) {
  (void)st;
  char path[64];
  ash_store *s = new_case("hostile", path);
  ash_finding f;
  assert_int_equal(ash_finding_init(&f, "lolbin"), 0);
  ash_finding_set_id(&f, "k", 1);
  ash_finding_set_score(&f, 92);
  const char *t = "<script>alert(1)</script> on \xe2\x80\xae"
                  "fs01";
  ash_finding_set_title(&f, t, strlen(t));
  ash_finding_add_account(&f, ash_str_cstr("\"><img src=x onerror=alert(2)>"));
  ash_finding_add_host(&f, ash_str_cstr("fs01"));
  ash_finding_add_attack(&f, "T1021.001");
  ash_finding_add_attack(&f, "javascript:alert(3)");
  ash_evidence e = {0, "win.process", "</style><b>x</b>", NULL, 0, ASH_REF_NONE};
  ash_finding_add_evidence(&f, &e);
  ash_finding_see(&f, 1740878521000000);
  assert_int_equal(ash_store_add_finding(s, &f), 0);
  ash_finding_free(&f);
  for (int lang = 0; lang < 2; lang++) {
    ash_buf b;
    ash_report_stats rs;
    report_of(s, (ash_lang)lang, &b, &rs);
    assert_int_equal(rs.findings, 1);
    assert_non_null(strstr(b.p, "default-src 'none'"));
    for (int k = 1; k <= 6; k++) {
      char id[32];
      snprintf(id, sizeof id, "<section id=\"s%d\">", k);
      assert_non_null(strstr(b.p, id));
    }
    assert_non_null(strstr(b.p, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(b.p, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert_non_null(strstr(b.p, "&lt;/style&gt;&lt;b&gt;x&lt;/b&gt;"));
    assert_non_null(strstr(b.p, "\\u{202E}"));
    assert_non_null(strstr(b.p, "https://attack.mitre.org/techniques/T1021/001/"));
    /* nothing hostile as markup, and the non-technique gets no URL */
    assert_null(strstr(b.p, "<script"));
    assert_null(strstr(b.p, "<img"));
    assert_null(strstr(b.p, "\xe2\x80\xae"));
    assert_null(strstr(b.p, "techniques/javascript"));
    assert_int_equal(strstr(b.p, "</style>") - strstr(b.p, "<style>") > 0, 1);
    assert_null(strstr(strstr(b.p, "</style>") + 1, "</style>"));
    assert_non_null(strstr(b.p, lang ? "lang=\"ja\"" : "lang=\"en\""));
    ash_buf_free(&b);
  }
  ash_store_close(s);
  unlink(path);
}

/* A scan of a large collection makes thousands of findings: past the
 * report's cap each is one row, but every one is still in the page. */
static void test_every_finding_is_in_the_report_past_the_cap(void **st) {
  (void)st;
  char path[64];
  ash_store *s = new_case("cap", path);
  const int n = 450;
  for (int i = 0; i < n; i++) {
    ash_finding f;
    assert_int_equal(ash_finding_init(&f, "implant"), 0);
    char key[32];
    snprintf(key, sizeof key, "file-%d", i);
    ash_finding_set_id(&f, key, strlen(key));
    ash_finding_set_score(&f, 10 + i % 90);
    ash_finding_set_title(&f, key, strlen(key));
    assert_int_equal(ash_store_add_finding(s, &f), 0);
    ash_finding_free(&f);
  }
  ash_buf b;
  report_of(s, ASH_LANG_EN, &b, NULL);
  int seen = 0;
  for (const char *p = b.p; (p = strstr(p, "data-finding=\"")); p++) seen++;
  assert_int_equal(seen, n);
  assert_non_null(strstr(b.p, "one line each"));
  ash_buf_free(&b);
  ash_store_close(s);
  unlink(path);
}

/* A case made by an older version holds reasons the catalogue cannot
 * render (the old {"reason": text} shape, or a key without args): in
 * Japanese they keep their English text, marked, and their row says so;
 * a current reason renders in Japanese, its hostile argument escaped. */
static void test_old_reasons_fall_back_to_english_marked(void **st) {
  (void)st;
  char path[64];
  ash_store *s = new_case("old", path);
  ash_finding f;
  assert_int_equal(ash_finding_init(&f, "beacon"), 0);
  ash_finding_set_id(&f, "k", 1);
  ash_finding_set_score(&f, 40);
  ash_finding_set_title(&f, "t", 1);
  const char *d = "{\"kind\":\"beacon\",\"reasons\":["
                  "{\"reason\":\"no other internal host talks to this address\",\"weight\":8},"
                  "{\"reason\":\"known_vpn_source\",\"weight\":-10,\"text\":\"old words\"},"
                  "{\"reason\":\"known_vpn_source\",\"weight\":-10,\"text\":\"x\","
                  "\"args\":[\"<b>1.2.3.4</b>\"]}]}";
  assert_int_equal(ash_finding_set_details(&f, d, strlen(d)), 0);
  assert_int_equal(ash_store_add_finding(s, &f), 0);
  ash_finding_free(&f);
  for (int lang = 0; lang < 2; lang++) {
    ash_buf b;
    report_of(s, (ash_lang)lang, &b, NULL);
    int back = 0;
    for (const char *p = b.p; (p = strstr(p, "data-fallback=\"en\"")); p++) back++;
    /* English never falls back: the text is the hunt's own; in Japanese
     * the two reasons without a sentence and the title without pieces */
    assert_int_equal(back, lang ? 3 : 0);
    assert_non_null(strstr(b.p, "no other internal host talks to this address"));
    assert_non_null(strstr(b.p, "old words"));
    if (lang) {
      assert_non_null(strstr(b.p, ash_msg_get(ASH_LANG_JA, M_REASON_LANG)));
      assert_non_null(strstr(b.p, "&lt;b&gt;1.2.3.4&lt;/b&gt; はこのアカウントが普段から接続に"));
    }
    assert_null(strstr(b.p, "<b>1.2.3.4"));
    ash_buf_free(&b);
  }
  ash_store_close(s);
  unlink(path);
}

/* A title and a summary from their catalogue pieces: in the report's
 * language, another finding named by its title in that language, times in
 * the zone, the reasons listed from details.reasons; a piece this version
 * does not know leaves the hunt's English, marked. */
static void test_titles_and_summaries_in_the_language(void **st) {
  (void)st;
  char path[64];
  snprintf(path, sizeof path, "/tmp/ash-test-report-msg-%d.db", (int)getpid());
  unlink(path);
  ash_store *s;
  assert_int_equal(ash_store_open(&s, path, ASH_STORE_CREATE), 0);
  ash_finding a, b, c;
  assert_int_equal(ash_finding_init(&a, "cloud-tunnel"), 0);
  ash_finding_set_id(&a, "a", 1);
  ash_finding_set_score(&a, 50);
  ash_finding_set_title(&a, "Long-lived sessions from app02 to 203.0.113.5:443", 49);
  const char *at = "[{\"msg\":\"tunnel.title\",\"args\":[\"app02\",\"203.0.113.5\",\"443\"]}]";
  assert_int_equal(ash_finding_set_msgs(&a, at, strlen(at), NULL, 0), 0);
  assert_int_equal(ash_finding_init(&b, "loopback-rdp"), 0);
  ash_finding_set_id(&b, "b", 1);
  ash_finding_set_score(&b, 95);
  ash_finding_set_title(&b, "t", 1);
  char bs[1024];
  snprintf(bs, sizeof bs,
           "[{\"msg\":\"loop.sum.head\",\"args\":[\"app02\",\"2\",\"127.0.0.1\","
           "\"2025-03-02 10:22 UTC\",\"2025-03-02 11:00 UTC\"]},"
           "{\"msg\":\"loop.sum.tunnel\",\"args\":[\"%s\",\"Long-lived sessions\"]},"
           "{\"msg\":\"why\",\"args\":[\"95\"]}]",
           a.id);
  const char *bt = "[{\"msg\":\"loop.title\",\"args\":[\"app02\"]}]";
  assert_int_equal(ash_finding_set_msgs(&b, bt, strlen(bt), bs, strlen(bs)), 0);
  ash_finding_set_summary(&b, "English summary", 15);
  const char *d = "{\"reasons\":[{\"reason\":\"loopback_logon\",\"weight\":72,\"text\":\"x\","
                  "\"args\":[]}]}";
  assert_int_equal(ash_finding_set_details(&b, d, strlen(d)), 0);
  assert_int_equal(ash_finding_init(&c, "beacon"), 0);
  ash_finding_set_id(&c, "c", 1);
  ash_finding_set_title(&c, "old title", 9);
  const char *ct = "[{\"msg\":\"no.such.piece\",\"args\":[]}]";
  assert_int_equal(ash_finding_set_msgs(&c, ct, strlen(ct), NULL, 0), 0);
  assert_int_equal(ash_store_add_finding(s, &a), 0);
  assert_int_equal(ash_store_add_finding(s, &b), 0);
  assert_int_equal(ash_store_add_finding(s, &c), 0);
  ash_report_opts o;
  memset(&o, 0, sizeof o);
  o.lang = ASH_LANG_JA;
  o.generated = ASH_TIME_UNSET;
  assert_int_equal(ash_tz_open(&o.tz, "Asia/Tokyo"), 0);
  ash_buf out;
  ash_buf_init(&out, ASH_REPORT_MAX_BYTES);
  assert_int_equal(ash_report_html(s, &o, &out, NULL), 0);
  assert_non_null(strstr(out.p, "app02 から 203.0.113.5:443 への長時間セッション"));
  assert_non_null(strstr(out.p, "app02 でホスト自身を接続元とする RDP ログオン"));
  /* the other finding by its Japanese title, the times in +09:00 */
  char want[256];
  snprintf(want, sizeof want, "%s（app02 から 203.0.113.5:443 への長時間セッション）", a.id);
  assert_non_null(strstr(out.p, want));
  assert_non_null(strstr(out.p, "2025-03-02 19:22 +09:00 から 2025-03-02 20:00 +09:00 まで"));
  assert_non_null(
      strstr(out.p, "【スコア 95 の理由】ホスト自身を接続元とする RDP ログオンです（+72）。"));
  assert_null(strstr(out.p, "English summary"));
  /* the unknown piece: the English title, marked */
  assert_non_null(strstr(out.p, "data-fallback=\"en\">old title"));
  ash_buf_free(&out);
  ash_tz_close(o.tz);
  ash_finding_free(&a);
  ash_finding_free(&b);
  ash_finding_free(&c);
  ash_store_close(s);
  unlink(path);
}

/* A loopback-rdp finding whose relay program no log names says so, in
 * both languages, instead of naming "?" as the program. */
static void test_unnamed_relay_program_is_said_so(void **st) {
  (void)st;
  char path[64];
  ash_store *s = new_case("loop", path);
  ash_finding f;
  assert_int_equal(ash_finding_init(&f, "loopback-rdp"), 0);
  ash_finding_set_id(&f, "k", 1);
  ash_finding_set_score(&f, 90);
  ash_finding_set_title(&f, "RDP logons from the host itself on fs03", 39);
  ash_finding_add_host(&f, ash_str_cstr("fs03"));
  ash_finding_add_account(&f, ash_str_cstr("admmig"));
  ash_finding_see(&f, 1740878521000000);
  assert_int_equal(ash_finding_set_details(&f, "{\"events\":2}", 12), 0);
  assert_int_equal(ash_store_add_finding(s, &f), 0);
  ash_finding_free(&f);
  static const char *const want[] = {"no log names the program",
                                     "そのプログラムを記録したログはありません"};
  for (int lang = 0; lang < 2; lang++) {
    ash_buf b;
    report_of(s, (ash_lang)lang, &b, NULL);
    assert_non_null(strstr(b.p, want[lang]));
    assert_null(strstr(b.p, "through ?"));
    assert_null(strstr(b.p, "プログラム ? を"));
    ash_buf_free(&b);
  }
  ash_store_close(s);
  unlink(path);
}

/* The timeline's axis labels, whatever the case's length: far enough apart
 * to be read (an eleven-year case had a label every 6.5 units, one black
 * band), and still there for a short case. */
static void axis_of(int64_t t0, int64_t t1, int *n, double *min_gap, char *first, size_t fn) {
  char path[64];
  ash_store *s = new_case("axis", path);
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "a.evtx", 10, "aa", "evtx", &id, &dup), 0);
  ash_source_info c;
  memset(&c, 0, sizeof c);
  c.first_ts = t0;
  c.last_ts = t1;
  assert_int_equal(ash_store_source_end(s, id, &c), 0);
  ash_buf b;
  report_of(s, ASH_LANG_EN, &b, NULL);
  *n = 0;
  *min_gap = 1e9;
  double last = -1e9;
  static const char AXIS[] = "\" y=\"13\" text-anchor=\"middle\">";
  for (const char *p = b.p; (p = strstr(p, "<text x=\"")); p++) {
    const char *e = strstr(p, AXIS);
    if (!e || e - p > 20) continue;
    double x = atof(p + 9);
    if (!*n)
      snprintf(first, fn, "%.*s", (int)strcspn(e + sizeof AXIS - 1, "<"), e + sizeof AXIS - 1);
    if (*n && x - last < *min_gap) *min_gap = x - last;
    last = x;
    ++*n;
  }
  ash_buf_free(&b);
  ash_store_close(s);
  unlink(path);
}

static void test_timeline_axis_labels_stay_apart(void **st) {
  (void)st;
  static const struct {
    const char *from, *to, *first;
    int min_labels;
  } C[] = {
      {"2013-10-23T16:22:39Z", "2024-09-03T10:42:09Z", "2014", 8}, /* ../shared/data/evtx */
      {"2023-01-10T00:00:00Z", "2025-01-10T00:00:00Z", "2023-03", 8},
      {"2025-01-01T00:00:00Z", "2025-09-28T00:00:00Z", "2025-01", 8}, /* the demo's 270 days */
      {"2025-03-01T00:00:00Z", "2025-04-20T00:00:00Z", "03-03", 5},   /* weeks */
      {"2025-03-01T00:00:00Z", "2025-03-10T00:00:00Z", "03-01", 8},   /* days */
  };
  for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
    int64_t t0, t1;
    assert_int_equal(ash_time_parse_iso(ash_str_cstr(C[i].from), &t0), 0);
    assert_int_equal(ash_time_parse_iso(ash_str_cstr(C[i].to), &t1), 0);
    int n;
    double gap;
    char first[16];
    axis_of(t0, t1, &n, &gap, first, sizeof first);
    print_message("%s .. %s: %d labels, %.1f apart at least, first %s\n", C[i].from, C[i].to, n,
                  gap, first);
    assert_true(n >= C[i].min_labels);
    assert_true(n < 2 || gap >= 30);
    if (i < 3) assert_true(gap >= 56); /* months and years: AXIS_GAP */
    assert_string_equal(first, C[i].first);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_catalogue_has_every_string_in_both_languages),
      cmocka_unit_test(test_hostile_text_is_escaped_for_the_page),
      cmocka_unit_test(test_report_of_a_case_shows_hostile_finding_text_as_text),
      cmocka_unit_test(test_every_finding_is_in_the_report_past_the_cap),
      cmocka_unit_test(test_old_reasons_fall_back_to_english_marked),
      cmocka_unit_test(test_titles_and_summaries_in_the_language),
      cmocka_unit_test(test_timeline_axis_labels_stay_apart),
      cmocka_unit_test(test_unnamed_relay_program_is_said_so),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
