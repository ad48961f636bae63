/* The reasons' catalogue (src/hunt/reasons.c): every reason a hunt gives
 * has an English and a Japanese sentence taking the same arguments, and
 * every call of hunt_why in the hunts' sources passes as many arguments as
 * its sentence takes. Protects the Japanese report from a reason it cannot
 * render (it would fall back to English) and the English text from a
 * placeholder left empty. */
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

/* The placeholders of a template: bit k for {k}, bit 16+k for {=k}. */
static uint32_t placeholders(const char *t) {
  uint32_t m = 0;
  for (const char *p = t; (p = strchr(p, '{')); p++) {
    int term = p[1] == '=';
    const char *q = p + 1 + term;
    if (*q >= '1' && *q <= '9' && q[1] == '}') m |= 1u << ((*q - '0') + (term ? 16 : 0));
  }
  return m;
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
    assert_true(en && en[0] && ja && ja[0]);
    if (i) {
      const char *e2, *j2, *p = ash_reason_term(i - 1, &e2, &j2);
      if (strcmp(p, id) >= 0) fail_msg("terms not sorted at %s", id);
    }
  }
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
 * arguments as follow; a literal argument at a {=k} is a term. Returns the
 * number of ids checked. */
static int check_call(const char *file, const char *p, int zero) {
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
  int given = na - 3, ids = 0;
  if (zero && given != 0) fail_msg("%s: hunt_why0 with arguments", file);
  for (const char *q = argv[1][0]; q < argv[1][1]; q++) {
    if (*q != '"') continue;
    const char *e = skip_lit(q);
    char id[128];
    snprintf(id, sizeof id, "%.*s", (int)(e - q - 2), q + 1);
    q = e - 1;
    char *dot = strchr(id, '.');
    const char *form = NULL;
    if (dot) *dot = 0, form = dot + 1;
    int want = ash_reason_nargs(id, form);
    if (want != given)
      fail_msg("%s: %s%s%s given %d arguments, its sentence takes %d", file, id, form ? "." : "",
               form ? form : "", given, want);
    const char *en, *ja, *cid;
    for (size_t i = 0; (cid = ash_reason_entry(i, &en, &ja)); i++) {
      char full[140];
      snprintf(full, sizeof full, "%s%s%s", id, form ? "." : "", form ? form : "");
      if (strcmp(cid, full)) continue;
      /* literal arguments at {=k}: terms */
      for (int k = 0; k < given; k++) {
        char ph[8];
        snprintf(ph, sizeof ph, "{=%d}", k + 1);
        if (!strstr(en, ph)) continue;
        for (const char *r = argv[3 + k][0]; r < argv[3 + k][1]; r++) {
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
  if (!ids) fail_msg("%s: a reason whose id is not a literal", file);
  return ids;
}

static void test_every_hunt_why_call_matches_its_sentence(void **st) {
  (void)st;
  const char *srcdir = getenv("ASH_SRC");
  if (!srcdir) skip();
  static const char *const files[] = {"account_use.c", "linkage.c", "beacon.c", "loopback_rdp.c",
                                      "relay.c",       "reasons.c", "tunnel.c", "incident.c"};
  static const char *const names[] = {"hunt_why(", "hunt_why0(", "why(", "why0("};
  int checked = 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/src/hunt/%s", srcdir, files[i]);
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
      /* a call, not the tail of another name (hunt_why_v, hunt_why_cloud) */
      if (p > s && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'))) continue;
      for (size_t k = 0; k < 4; k++) {
        size_t n = strlen(names[k]);
        if (strncmp(p, names[k], n)) continue;
        checked += check_call(files[i], p + n, k % 2 == 1);
        p += n - 1;
        break;
      }
    }
    /* the words the hunts hand in as terms: all in the catalogue */
    static const char *const pre[] = {"\"kinds.", "\"via.", "\"stage.", "\"priv.", "\"habit."};
    for (size_t k = 0; k < 5; k++)
      for (const char *p = s; (p = strstr(p, pre[k])); p++) {
        const char *e = skip_lit(p);
        if (!is_term(p + 1, (size_t)(e - p - 2)))
          fail_msg("%s: term %.*s not in the catalogue", files[i], (int)(e - p - 2), p + 1);
      }
    free(s);
  }
  /* every key of account-use, credential-hop, past-incident-link, beacon,
   * loopback-rdp and rdp-relay */
  assert_true(checked > 70);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_reason_has_both_languages_with_the_same_arguments),
      cmocka_unit_test(test_every_reason_renders_with_its_argument_count),
      cmocka_unit_test(test_every_hunt_why_call_matches_its_sentence),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
