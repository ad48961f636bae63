/* The hunts' catalogue (src/hunt/reasons.c): every reason a hunt gives,
 * and every piece of a finding's title and summary, has an English and a
 * Japanese sentence taking the same arguments, and every call of hunt_why
 * and hunt_say in the hunts' sources passes as many arguments as its
 * sentence takes. Protects the Japanese report from a reason, title or
 * summary it cannot render (it would fall back to English) and the English
 * text from a placeholder left empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ashiato/error.h"
#include "ashiato/hunt.h"

/* The placeholders of a template: bit k for {k}, {tk} and {k|one|other},
 * bit 16+k for {=k}; {@k=m} (a finding's title, else argument m) is bit k
 * and bit 16+m. */
static uint32_t placeholders(const char *t) {
  uint32_t m = 0;
  for (const char *p = t; (p = strchr(p, '{')); p++) {
    const char *q = p + 1;
    char kind = *q == '=' || *q == 't' || *q == '@' ? *q++ : 0;
    if (*q < '1' || *q > '9') continue;
    int k = *q++ - '0';
    if (kind == '@') {
      if (q[0] != '=' || q[1] < '1' || q[1] > '9' || q[2] != '}') continue;
      m |= 1u << k | 1u << (q[1] - '0' + 16);
    } else if (!kind && *q == '|') {
      const char *e = strchr(q, '}'), *bar = strchr(q + 1, '|');
      if (e && bar && bar < e) m |= 1u << k;
    } else if (*q == '}') {
      m |= 1u << (k + (kind == '=' ? 16 : 0));
    }
  }
  return m;
}

/* The arguments that show as they are in a rendering without a context
 * ({k}, {=k} of a value that is no term, {tk}, and m of {@k=m}). */
static uint32_t shown(const char *t) {
  uint32_t m = 0;
  for (const char *p = t; (p = strchr(p, '{')); p++) {
    const char *q = p + 1;
    char kind = *q == '=' || *q == 't' || *q == '@' ? *q++ : 0;
    if (*q < '1' || *q > '9') continue;
    int k = *q++ - '0';
    if (kind == '@' && q[0] == '=' && q[1] >= '1' && q[1] <= '9') m |= 1u << (q[1] - '0');
    if (kind != '@' && *q == '}') m |= 1u << k;
  }
  return m;
}

/* Text beyond placeholders and punctuation: words to be translated. */
static int has_words(const char *t) {
  for (const char *p = t; *p; p++) {
    if (*p == '{') {
      const char *e = strchr(p, '}');
      if (e) p = e;
      continue;
    }
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) return 1;
  }
  return 0;
}

static int non_ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80) return 1;
  return 0;
}

static void test_every_reason_has_both_languages_with_the_same_arguments(void **st) {
  (void)st;
  const char *en, *ja, *id, *prev = NULL;
  size_t n = 0;
  for (size_t i = 0; (id = ash_reason_entry(i, &en, &ja)); i++, n++) {
    assert_true(en && en[0] && ja && ja[0]);
    /* sorted and unique: the lookup is a binary search */
    if (prev && strcmp(prev, id) >= 0) fail_msg("catalogue not sorted at %s", id);
    prev = id;
    uint32_t pe = placeholders(en), pj = placeholders(ja);
    if (pe != pj) fail_msg("%s: en and ja take different arguments", id);
    /* {1}..{n} all used: an argument no sentence shows is a hunt's bug */
    uint32_t used = (pe | pe >> 16) & 0x3fe;
    if (used & (used + 2)) fail_msg("%s: its placeholders skip a number", id);
    /* Japanese is Japanese, except a sentence that is all its argument */
    if (strcmp(ja, "{=1}")) assert_true(non_ascii(ja));
    assert_true(ash_reason_nargs(id, NULL) >= 0);
  }
  assert_true(n > 60);
  for (size_t i = 0; (id = ash_reason_term(i, &en, &ja)); i++) {
    /* a term may be said in no words, in both languages ("reach.other") */
    assert_true(en && ja && !en[0] == !ja[0]);
    if (i) {
      const char *e2, *j2, *p = ash_reason_term(i - 1, &e2, &j2);
      if (strcmp(p, id) >= 0) fail_msg("terms not sorted at %s", id);
    }
  }
}

/* The same of the titles' and summaries' pieces: sorted, both languages,
 * the same arguments, Japanese wherever the English has words. */
static void test_every_text_has_both_languages_with_the_same_arguments(void **st) {
  (void)st;
  const char *en, *ja, *id, *prev = NULL;
  size_t n = 0;
  for (size_t i = 0; (id = ash_msg_entry(i, &en, &ja)); i++, n++) {
    assert_true(en && en[0] && ja && ja[0]);
    if (prev && strcmp(prev, id) >= 0) fail_msg("texts not sorted at %s", id);
    prev = id;
    /* no piece is also a reason: one id, one sentence */
    const char *e2, *j2, *rid;
    for (size_t k = 0; (rid = ash_reason_entry(k, &e2, &j2)); k++)
      if (!strcmp(rid, id)) fail_msg("%s is both a reason and a piece", id);
    uint32_t pe = placeholders(en), pj = placeholders(ja);
    if (pe != pj) fail_msg("%s: en and ja take different arguments", id);
    uint32_t used = (pe | pe >> 16) & 0x3fe;
    if (used & (used + 2)) fail_msg("%s: its placeholders skip a number", id);
    if (has_words(en) && !non_ascii(ja)) fail_msg("%s: Japanese without Japanese", id);
    assert_true(ash_msg_nargs(id) >= 0);
  }
  assert_true(n > 100);
}

/* Each sentence renders with its own number of arguments in both
 * languages, and refuses another number (the report then shows the
 * English text, marked). */
static void test_every_reason_renders_with_its_argument_count(void **st) {
  (void)st;
  const char *en, *ja, *id;
  const char *args[9] = {"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"};
  ash_buf b;
  ash_buf_init(&b, 1 << 16);
  for (size_t i = 0; (id = ash_reason_entry(i, &en, &ja)); i++) {
    char key[128];
    snprintf(key, sizeof key, "%s", id);
    char *dot = strchr(key, '.');
    const char *form = NULL;
    if (dot) *dot = 0, form = dot + 1;
    int n = ash_reason_nargs(key, form);
    assert_true(n >= 0 && n <= 9);
    for (int L = 0; L < 2; L++) {
      ash_buf_reset(&b);
      assert_int_equal(ash_reason_render((ash_lang)L, key, form, args, (size_t)n, &b), ASH_OK);
      assert_true(b.n > 0);
      /* every argument shows */
      ash_buf_addc(&b, 0);
      for (int k = 0; k < n; k++) assert_non_null(strstr(b.p, args[k]));
      assert_null(strchr(b.p, '{'));
      if (n < 9)
        assert_int_equal(ash_reason_render((ash_lang)L, key, form, args, (size_t)n + 1, &b),
                         ASH_EFORMAT);
    }
  }
  for (size_t i = 0; (id = ash_msg_entry(i, &en, &ja)); i++) {
    int n = ash_msg_nargs(id);
    assert_true(n >= 0 && n <= 9);
    for (int L = 0; L < 2; L++) {
      ash_buf_reset(&b);
      assert_int_equal(ash_msg_render((ash_lang)L, id, args, (size_t)n, NULL, &b), ASH_OK);
      assert_true(b.n > 0);
      ash_buf_addc(&b, 0);
      uint32_t sh = shown(L ? ja : en);
      for (int k = 0; k < n; k++)
        if (sh & 1u << (k + 1) && !strstr(b.p, args[k]))
          fail_msg("%s: argument %d not shown", id, k + 1);
      assert_null(strchr(b.p, '{'));
      if (n < 9)
        assert_int_equal(ash_msg_render((ash_lang)L, id, args, (size_t)n + 1, NULL, &b),
                         ASH_EFORMAT);
    }
  }
  assert_int_equal(ash_reason_render(ASH_LANG_JA, "no such reason", NULL, args, 0, &b),
                   ASH_ENOTFOUND);
  /* a form that does not exist is not the plain sentence */
  assert_int_equal(ash_reason_render(ASH_LANG_JA, "vpn_login", "nosuch", args, 2, &b),
                   ASH_ENOTFOUND);
  /* a term renders in the language; a value that is no term as it is */
  const char *va[] = {"t.sato", "unknown_address"};
  ash_buf_reset(&b);
  assert_int_equal(ash_reason_render(ASH_LANG_JA, "vpn_login", NULL, va, 2, &b), ASH_OK);
  ash_buf_addc(&b, 0);
  assert_non_null(strstr(b.p, "不明なアドレス"));
  va[1] = "203.0.113.5";
  ash_buf_reset(&b);
  assert_int_equal(ash_reason_render(ASH_LANG_EN, "vpn_login", NULL, va, 2, &b), ASH_OK);
  ash_buf_addc(&b, 0);
  assert_string_equal(b.p, "a VPN session of t.sato from 203.0.113.5");
  ash_buf_free(&b);
}

/* What the renderer knows: another finding's title in the language, a
 * time in the reader's zone; English plurals. */
static const char *title_of(void *u, const char *id) {
  (void)u;
  return !strcmp(id, "cloud-tunnel-0123") ? "長時間のセッション" : NULL;
}
static int time_of(void *u, const char *utc, char out[64]) {
  (void)u;
  if (strcmp(utc, "2025-03-02 10:22 UTC")) return 0;
  snprintf(out, 64, "2025-03-02 19:22 +09:00");
  return 1;
}

static void test_titles_times_and_plurals(void **st) {
  (void)st;
  ash_buf b;
  ash_buf_init(&b, 1 << 16);
  ash_msg_ctx cx = {title_of, time_of, NULL};
  /* the title of a finding the renderer knows, else the one recorded */
  const char *a[] = {"cloud-tunnel-0123", "Long-lived sessions from app02"};
  assert_int_equal(ash_msg_render(ASH_LANG_JA, "loop.sum.tunnel", a, 2, &cx, &b), ASH_OK);
  ash_buf_addc(&b, 0);
  assert_non_null(strstr(b.p, "cloud-tunnel-0123（長時間のセッション）"));
  ash_buf_reset(&b);
  assert_int_equal(ash_msg_render(ASH_LANG_JA, "loop.sum.tunnel", a, 2, NULL, &b), ASH_OK);
  ash_buf_addc(&b, 0);
  assert_non_null(strstr(b.p, "（Long-lived sessions from app02）"));
  ash_buf_reset(&b);
  assert_int_equal(ash_msg_render(ASH_LANG_EN, "loop.sum.tunnel", a, 2, NULL, &b), ASH_OK);
  ash_buf_addc(&b, 0);
  assert_string_equal(b.p, " These logons fall within the sessions of cloud-tunnel-0123 (Long-lived"
                           " sessions from app02): the relay those sessions reach is where the RDP"
                           " came from.");
  /* a time in the zone where the renderer has one, else as recorded */
  const char *h[] = {"2",  "203.0.113.5", "443", "2025-03-02 10:22 UTC", "2025-03-03 10:22 UTC",
                     "1h", "1 KB",        "2 KB"};
  ash_buf_reset(&b);
  assert_int_equal(ash_msg_render(ASH_LANG_JA, "beacon.sum.head", h, 8, &cx, &b), ASH_OK);
  ash_buf_addc(&b, 0);
  assert_non_null(strstr(b.p, "2025-03-02 19:22 +09:00 から 2025-03-03 10:22 UTC まで"));
  /* English plurals by their argument */
  ash_buf_reset(&b);
  assert_int_equal(ash_msg_render(ASH_LANG_EN, "beacon.sum.head", h, 8, NULL, &b), ASH_OK);
  ash_buf_addc(&b, 0);
  assert_non_null(strstr(b.p, " made 2 connections to 203.0.113.5:443 between"));
  h[0] = "1";
  ash_buf_reset(&b);
  assert_int_equal(ash_msg_render(ASH_LANG_EN, "beacon.sum.head", h, 8, NULL, &b), ASH_OK);
  ash_buf_addc(&b, 0);
  assert_non_null(strstr(b.p, " made 1 connection to "));
  /* a list of reasons as a summary says it, in both languages; a reason
   * the catalogue lacks by its text */
  const char *ra[] = {"203.0.113.5", "12"};
  ash_msg_reason r[] = {{15, "new_vpn_source", NULL, ra, 2, "x"},
                        {-10, "no such reason", NULL, NULL, 0, "an old reason"}};
  const char *score[] = {"5"};
  size_t fell = 0;
  ash_buf_reset(&b);
  assert_int_equal(ash_msg_reasons(ASH_LANG_EN, "why", score, 1, r, 2, 0, NULL, &b, &fell), ASH_OK);
  ash_buf_addc(&b, 0);
  assert_string_equal(b.p, " Why it scores 5: +15 203.0.113.5 was never the source of its 12"
                           " earlier sessions; -10 an old reason.");
  assert_int_equal(fell, 1);
  ash_buf_reset(&b);
  assert_int_equal(ash_msg_reasons(ASH_LANG_JA, "why.ranks", NULL, 0, r, 1, 0, NULL, &b, NULL),
                   ASH_OK);
  ash_buf_addc(&b, 0);
  assert_non_null(strstr(b.p, "【この順位の理由】203.0.113.5 は、"));
  assert_non_null(strstr(b.p, "（+15）。"));
  ash_buf_free(&b);
}

/* ---- the calls in the hunts' sources ---- */

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (s) s[n] = 0;
  fclose(f);
  return s;
}

/* The end of the string or char literal at p (p at its quote). */
static const char *skip_lit(const char *p) {
  char q = *p++;
  while (*p && *p != q) p += *p == '\\' && p[1] ? 2 : 1;
  return *p ? p + 1 : p;
}

static int is_term(const char *s, size_t n) {
  const char *en, *ja, *id;
  for (size_t i = 0; (id = ash_reason_term(i, &en, &ja)); i++)
    if (strlen(id) == n && !memcmp(id, s, n)) return 1;
  return 0;
}

/* Check one call at p (after its '('): its id literals (all of those in
 * the second argument: a ternary chooses between sentences) take as many
 * arguments as follow after the skip arguments before them (the reasons
 * and the weight of hunt_why, the text of hunt_say); a literal argument at
 * a {=k} is a term. Returns the number of ids checked. */
static int check_call(const char *file, const char *p, int zero, int skip) {
  const char *argv[16][2];
  int na = 0, depth = 0;
  const char *a = p;
  for (; *p && na < 16; p++) {
    if (*p == '"' || *p == '\'') {
      p = skip_lit(p) - 1;
    } else if (*p == '(' || *p == '{' || *p == '[') {
      depth++;
    } else if ((*p == ')' || *p == '}' || *p == ']') && depth) {
      depth--;
    } else if ((*p == ',' && !depth) || *p == ')') {
      argv[na][0] = a;
      argv[na++][1] = p;
      a = p + 1;
      if (*p == ')') break;
    }
  }
  int given = na - skip, ids = 0;
  if (zero && given != 0) fail_msg("%s: a call without arguments given some", file);
  for (const char *q = argv[1][0]; q < argv[1][1]; q++) {
    if (*q != '"') continue;
    const char *e = skip_lit(q);
    char full[140];
    snprintf(full, sizeof full, "%.*s", (int)(e - q - 2), q + 1);
    q = e - 1;
    int want = ash_msg_nargs(full);
    if (want < 0) fail_msg("%s: %s is not in the catalogue", file, full);
    if (want != given)
      fail_msg("%s: %s given %d arguments, its sentence takes %d", file, full, given, want);
    const char *en, *ja, *cid;
    for (int t = 0; t < 2; t++)
      for (size_t i = 0; (cid = t ? ash_msg_entry(i, &en, &ja) : ash_reason_entry(i, &en, &ja));
           i++) {
        if (strcmp(cid, full)) continue;
        /* literal arguments at {=k}: terms */
        for (int k = 0; k < given; k++) {
          char ph[8];
          snprintf(ph, sizeof ph, "{=%d}", k + 1);
          if (!strstr(en, ph)) continue;
          for (const char *r = argv[skip + k][0]; r < argv[skip + k][1]; r++) {
            if (*r != '"') continue;
            const char *re = skip_lit(r);
            size_t ln = (size_t)(re - r - 2);
            if (ln && !is_term(r + 1, ln))
              fail_msg("%s: %s: \"%.*s\" at {=%d} is no term", file, full, (int)ln, r + 1, k + 1);
            r = re - 1;
          }
        }
      }
    ids++;
  }
  if (!ids) fail_msg("%s: a sentence whose id is not a literal", file);
  return ids;
}

static void test_every_hunt_why_and_say_call_matches_its_sentence(void **st) {
  (void)st;
  const char *srcdir = getenv("ASH_SRC");
  if (!srcdir) skip();
  static const char *const files[] = {
      "src/hunt/account_use.c",  "src/hunt/linkage.c",  "src/hunt/beacon.c",
      "src/hunt/loopback_rdp.c", "src/hunt/relay.c",    "src/hunt/reasons.c",
      "src/hunt/tunnel.c",       "src/hunt/incident.c", "src/sigma/run.c",
      "src/scan/score.c",        "src/scan/join.c"};
  /* name, no arguments, arguments before the sentence's own */
  static const struct {
    const char *name;
    int zero, skip, say;
  } names[] = {{"hunt_why(", 0, 3, 0},
               {"hunt_why0(", 1, 3, 0},
               {"why(", 0, 3, 0},
               {"why0(", 1, 3, 0},
               {"hunt_say(", 0, 2, 1},
               {"hunt_say0(", 1, 2, 1},
               {"hunt_summary_add(", 0, 2, 1}};
  int checked = 0, said = 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", srcdir, files[i]);
    char *s = slurp(path);
    assert_non_null(s);
    for (const char *p = s; *p; p++) {
      if (*p == '"' || *p == '\'') {
        p = skip_lit(p) - 1;
        continue;
      }
      if (p[0] == '/' && p[1] == '*') {
        const char *e = strstr(p + 2, "*/");
        p = e ? e + 1 : p + strlen(p) - 1;
        continue;
      }
      /* a call, not the tail of another name (hunt_why_v, hunt_say_why) */
      if (p > s && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'))) continue;
      for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t n = strlen(names[k].name);
        if (strncmp(p, names[k].name, n)) continue;
        /* the macros' own definitions */
        if (p >= s + 8 && !strncmp(p - 8, "#define ", 8)) break;
        int ids = check_call(files[i], p + n, names[k].zero, names[k].skip);
        if (names[k].say)
          said += ids;
        else
          checked += ids;
        p += n - 1;
        break;
      }
    }
    /* the words the hunts hand in as terms: all in the catalogue */
    static const char *const pre[] = {
        "\"kinds.",   "\"via.",    "\"stage.",   "\"priv.", "\"habit.", "\"reach.", "\"unit.",
        "\"contact.", "\"threat.", "\"unnamed_", "\"name.", "\"form.",  "\"level."};
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++)
      for (const char *p = s; (p = strstr(p, pre[k])); p++) {
        const char *e = skip_lit(p);
        /* a format that makes the term ("level.%s") is checked where it is used */
        if (memchr(p, '%', (size_t)(e - p))) continue;
        if (!is_term(p + 1, (size_t)(e - p - 2)))
          fail_msg("%s: term %.*s not in the catalogue", files[i], (int)(e - p - 2), p + 1);
      }
    free(s);
  }
  /* every key of account-use, credential-hop, past-incident-link, beacon,
   * loopback-rdp and rdp-relay, and every piece of the hunts' titles and
   * summaries */
  assert_true(checked > 70);
  assert_true(said > 100);
  /* and every piece is said somewhere: a piece no hunt says is dead text */
  const char *en, *ja, *id;
  for (size_t i = 0; (id = ash_msg_entry(i, &en, &ja)); i++) {
    if (!strncmp(id, "why", 3)) continue; /* hunt_say_why's */
    int found = 0;
    char lit[160];
    snprintf(lit, sizeof lit, "\"%s\"", id);
    for (size_t f = 0; f < sizeof files / sizeof files[0] && !found; f++) {
      char path[1024];
      snprintf(path, sizeof path, "%s/%s", srcdir, files[f]);
      char *s = slurp(path);
      /* the catalogue itself holds every id: not a use */
      if (s && !strstr(files[f], "reasons.c")) found = strstr(s, lit) != NULL;
      free(s);
    }
    if (!found) fail_msg("%s is said by no hunt", id);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_reason_has_both_languages_with_the_same_arguments),
      cmocka_unit_test(test_every_text_has_both_languages_with_the_same_arguments),
      cmocka_unit_test(test_every_reason_renders_with_its_argument_count),
      cmocka_unit_test(test_titles_times_and_plurals),
      cmocka_unit_test(test_every_hunt_why_and_say_call_matches_its_sentence),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
