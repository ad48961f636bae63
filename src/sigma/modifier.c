/* One detection item, "field|modifier|...: value or [values]", compiled
 * into matchers (Sigma 2.1 modifiers appendix).
 *
 * String values follow the specification's wildcard rules: `*` any run,
 * `?` one character, `\*` `\?` `\\` the literal characters, and a
 * backslash before anything else is itself. Encodings (utf16*, base64,
 * base64offset) act on the literal bytes and refuse wildcards, as pySigma
 * does: an encoded wildcard has no meaning. windash follows pySigma's
 * choice of which dashes are flags: a `-` or `/` not preceded by a word
 * character and followed by one (regex \B[-/]\b), and matches any of
 * - / – — ― there. Comparison is case-insensitive (ASCII) unless cased. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/ip.h"
#include "sigma_int.h"

enum {
  F_CONTAINS = 1 << 0,
  F_START = 1 << 1,
  F_END = 1 << 2,
  F_ALL = 1 << 3,
  F_EXISTS = 1 << 4,
  F_CASED = 1 << 5,
  F_NEQ = 1 << 6,
  F_WINDASH = 1 << 7,
  F_RE = 1 << 8,
  F_B64 = 1 << 9,
  F_B64OFF = 1 << 10,
  F_U16LE = 1 << 11,
  F_U16BE = 1 << 12,
  F_U16 = 1 << 13,
  F_CIDR = 1 << 14,
  F_FREF = 1 << 15,
  F_EXPAND = 1 << 16,
  F_RE_I = 1 << 17,
  F_RE_M = 1 << 18,
  F_RE_S = 1 << 19,
};

typedef struct cstate {
  ash_sigma *s;
  fitem *it;
  size_t cap;
  char *err;
  size_t errn;
  int grp;
} cstate;

static void item_free_matchers(matcher *m, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(m[i].text);
    free(m[i].tok);
    if (m[i].re) pcre2_code_free((pcre2_code *)m[i].re);
  }
  free(m);
}

void ash_sigma_item_free(fitem *it) {
  if (!it) return;
  item_free_matchers(it->m, it->nm);
  it->m = NULL;
  it->nm = 0;
}

static matcher *new_matcher(cstate *c, int kind) {
  if (c->it->nm == c->cap) {
    size_t nc = c->cap ? 2 * c->cap : 4;
    matcher *m = realloc(c->it->m, nc * sizeof *m);
    if (!m) return NULL;
    c->it->m = m;
    c->cap = nc;
  }
  matcher *m = &c->it->m[c->it->nm++];
  memset(m, 0, sizeof *m);
  m->kind = kind;
  m->grp = c->grp;
  return m;
}

/* ---- string values ---- */

/* A value being built: bytes plus a parallel mark per byte (0 literal,
 * '*' star, '?' one char, '-' windash). */
typedef struct sval {
  char *b;
  char *mk;
  size_t n, cap;
} sval;

static int sv_put(sval *v, char ch, char mark) {
  if (v->n == v->cap) {
    size_t nc = v->cap ? 2 * v->cap : 64;
    char *b = realloc(v->b, nc), *mk;
    if (!b) return ASH_ENOMEM;
    v->b = b;
    mk = realloc(v->mk, nc);
    if (!mk) return ASH_ENOMEM;
    v->mk = mk;
    v->cap = nc;
  }
  v->b[v->n] = ch;
  v->mk[v->n] = mark;
  v->n++;
  return ASH_OK;
}

static void sv_free(sval *v) {
  free(v->b);
  free(v->mk);
  memset(v, 0, sizeof *v);
}

static int sv_has_wild(const sval *v) {
  for (size_t i = 0; i < v->n; i++)
    if (v->mk[i]) return 1;
  return 0;
}

/* Sigma string syntax -> marked bytes. */
static int sv_parse(sval *v, const char *s, size_t n) {
  int rc = ASH_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    char ch = s[i];
    if (ch == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
      rc = sv_put(v, s[++i], 0);
    } else if (ch == '*' || ch == '?') {
      rc = sv_put(v, ch, ch);
    } else {
      rc = sv_put(v, ch, 0);
    }
  }
  return rc;
}

/* UTF-8 -> UTF-16 (le/be), optional BOM. Invalid bytes are taken as
 * Latin-1 code points so that nothing is dropped. */
static int sv_utf16(sval *v, int be, int bom) {
  sval o;
  memset(&o, 0, sizeof o);
  int rc = ASH_OK;
#define PUT16(u)                                                                                   \
  do {                                                                                             \
    unsigned _u = (u);                                                                             \
    if (!rc) rc = sv_put(&o, (char)(be ? (_u >> 8) : (_u & 255)), 0);                              \
    if (!rc) rc = sv_put(&o, (char)(be ? (_u & 255) : (_u >> 8)), 0);                              \
  } while (0)
  if (bom) PUT16(0xFEFF);
  const unsigned char *p = (const unsigned char *)v->b;
  for (size_t i = 0; i < v->n && !rc;) {
    uint32_t cp = p[i];
    size_t len = 1;
    if (cp >= 0xC2 && cp < 0xE0 && i + 1 < v->n && (p[i + 1] & 0xC0) == 0x80) {
      cp = ((cp & 31) << 6) | (p[i + 1] & 63);
      len = 2;
    } else if (cp >= 0xE0 && cp < 0xF0 && i + 2 < v->n && (p[i + 1] & 0xC0) == 0x80 &&
               (p[i + 2] & 0xC0) == 0x80) {
      cp = ((cp & 15) << 12) | ((uint32_t)(p[i + 1] & 63) << 6) | (p[i + 2] & 63);
      len = 3;
    } else if (cp >= 0xF0 && cp < 0xF5 && i + 3 < v->n && (p[i + 1] & 0xC0) == 0x80 &&
               (p[i + 2] & 0xC0) == 0x80 && (p[i + 3] & 0xC0) == 0x80) {
      cp = ((cp & 7) << 18) | ((uint32_t)(p[i + 1] & 63) << 12) | ((uint32_t)(p[i + 2] & 63) << 6) |
           (p[i + 3] & 63);
      len = 4;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      PUT16(0xD800 + (cp >> 10));
      PUT16(0xDC00 + (cp & 0x3FF));
    } else {
      PUT16(cp);
    }
    i += len;
  }
#undef PUT16
  if (rc) {
    sv_free(&o);
    return rc;
  }
  sv_free(v);
  *v = o;
  return ASH_OK;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64(const char *in, size_t n, sval *o) {
  int rc = ASH_OK;
  const unsigned char *p = (const unsigned char *)in;
  for (size_t i = 0; i < n && !rc; i += 3) {
    uint32_t x = (uint32_t)p[i] << 16;
    if (i + 1 < n) x |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n) x |= p[i + 2];
    rc = sv_put(o, B64[(x >> 18) & 63], 0);
    if (!rc) rc = sv_put(o, B64[(x >> 12) & 63], 0);
    if (!rc) rc = sv_put(o, i + 1 < n ? B64[(x >> 6) & 63] : '=', 0);
    if (!rc) rc = sv_put(o, i + 2 < n ? B64[x & 63] : '=', 0);
  }
  return rc;
}

/* The marked bytes -> a glob matcher (tokens over a literal text). */
static int emit_glob(cstate *c, const sval *v, int flags) {
  matcher *m = new_matcher(c, M_GLOB);
  if (!m) return ASH_ENOMEM;
  m->neg = !!(flags & F_NEQ);
  m->cased = !!(flags & F_CASED);
  size_t extra = 2;
  m->text = malloc(v->n + 1);
  m->tok = malloc((v->n + extra + 1) * sizeof *m->tok);
  if (!m->text || !m->tok) return ASH_ENOMEM;
  size_t nt = 0, tn = 0;
#define ADDT(kind)                                                                                 \
  do {                                                                                             \
    if ((kind) == T_STAR && nt && m->tok[nt - 1].t == T_STAR) break;                               \
    m->tok[nt].t = (kind);                                                                         \
    m->tok[nt].off = (uint32_t)tn;                                                                 \
    m->tok[nt].n = 0;                                                                              \
    nt++;                                                                                          \
  } while (0)
  if (flags & (F_CONTAINS | F_END)) ADDT(T_STAR);
  for (size_t i = 0; i < v->n; i++) {
    char mk = v->mk[i];
    if (mk == '*') {
      ADDT(T_STAR);
    } else if (mk == '?') {
      ADDT(T_ONE);
    } else if (mk == '-') {
      ADDT(T_DASH);
    } else {
      char ch = v->b[i];
      if (!m->cased && ch >= 'A' && ch <= 'Z') ch = (char)(ch + 32);
      if (!nt || m->tok[nt - 1].t != T_LIT) {
        m->tok[nt].t = T_LIT;
        m->tok[nt].off = (uint32_t)tn;
        m->tok[nt].n = 0;
        nt++;
      }
      m->text[tn++] = ch;
      m->tok[nt - 1].n++;
    }
  }
  if (flags & (F_CONTAINS | F_START)) ADDT(T_STAR);
#undef ADDT
  m->text[tn] = 0;
  m->textn = tn;
  m->ntok = nt;
  /* the bigram prefilter, for the shapes that cost a search */
  memset(m->bg, 0, sizeof m->bg);
  for (size_t i = 0; i < nt; i++)
    if (m->tok[i].t == T_LIT && m->tok[i].n >= 2) {
      char low[256];
      size_t ln = m->tok[i].n < sizeof low ? m->tok[i].n : sizeof low;
      for (size_t k = 0; k < ln; k++) {
        char ch = m->text[m->tok[i].off + k];
        low[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
      }
      ash_sigma_bigrams(low, ln, m->bg);
      m->usebg = 1;
      m->hasbg = 1;
    }
  /* fast paths for the common shapes */
  m->shape = S_GENERAL;
  if (nt == 0)
    m->shape = S_EXACT;
  else if (nt == 1 && m->tok[0].t == T_LIT)
    m->shape = S_EXACT;
  else if (nt == 1 && m->tok[0].t == T_STAR)
    m->shape = S_ANY;
  else if (nt == 2 && m->tok[0].t == T_LIT && m->tok[1].t == T_STAR)
    m->shape = S_PREFIX;
  else if (nt == 2 && m->tok[0].t == T_STAR && m->tok[1].t == T_LIT)
    m->shape = S_SUFFIX;
  else if (nt == 3 && m->tok[0].t == T_STAR && m->tok[1].t == T_LIT && m->tok[2].t == T_STAR)
    m->shape = S_CONTAINS;
  /* bg stays for the rule-level prefilter; the per-value test is only
   * worth it before a search */
  if (m->shape != S_CONTAINS && m->shape != S_GENERAL) m->usebg = 0;
  m->nbgw = 0;
  for (int i = 0; i < ASH_SIGMA_BGW; i++)
    if (m->bg[i]) m->bgw[m->nbgw++] = (uint8_t)i;
  return ASH_OK;
}

static int is_word(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || (unsigned char)ch >= 0x80;
}

static void mark_windash(sval *v) {
  for (size_t i = 0; i < v->n; i++) {
    if (v->mk[i] || (v->b[i] != '-' && v->b[i] != '/')) continue;
    int prev_word = i > 0 && !v->mk[i - 1] && is_word(v->b[i - 1]);
    int next_word = i + 1 < v->n && !v->mk[i + 1] && is_word(v->b[i + 1]);
    if (!prev_word && next_word) v->mk[i] = '-';
  }
}

static int string_value(cstate *c, const char *s, size_t n, int flags) {
  sval v;
  memset(&v, 0, sizeof v);
  int rc = sv_parse(&v, s, n);
  int enc = flags & (F_U16 | F_U16LE | F_U16BE | F_B64 | F_B64OFF);
  if (!rc && enc && sv_has_wild(&v)) {
    snprintf(c->err, c->errn, "wildcard in an encoded value");
    rc = ASH_EFORMAT;
  }
  if (!rc && (flags & (F_U16 | F_U16LE | F_U16BE)))
    rc = sv_utf16(&v, !!(flags & F_U16BE), !!(flags & F_U16));
  if (!rc && (flags & F_B64)) {
    sval o;
    memset(&o, 0, sizeof o);
    rc = b64(v.b, v.n, &o);
    sv_free(&v);
    v = o;
  }
  if (!rc && (flags & F_B64OFF)) {
    /* the three encodings of the value shifted by 0, 1, 2 bytes, without
     * the characters that depend on the unknown neighbours */
    static const size_t start[3] = {0, 2, 3};
    static const int endcut[3] = {0, 3, 2};
    for (int i = 0; i < 3 && !rc; i++) {
      sval pre, o;
      memset(&pre, 0, sizeof pre);
      memset(&o, 0, sizeof o);
      for (int k = 0; k < i && !rc; k++) rc = sv_put(&pre, ' ', 0);
      for (size_t k = 0; k < v.n && !rc; k++) rc = sv_put(&pre, v.b[k], 0);
      if (!rc) rc = b64(pre.b, pre.n, &o);
      if (!rc) {
        size_t cut = (size_t)endcut[(v.n + (size_t)i) % 3];
        size_t st = start[i];
        if (o.n >= st + cut) {
          sval w;
          memset(&w, 0, sizeof w);
          for (size_t k = st; k < o.n - cut && !rc; k++) rc = sv_put(&w, o.b[k], 0);
          if (!rc) rc = emit_glob(c, &w, flags);
          sv_free(&w);
        }
      }
      sv_free(&pre);
      sv_free(&o);
    }
    sv_free(&v);
    return rc;
  }
  if (!rc && (flags & F_WINDASH)) mark_windash(&v);
  if (!rc) rc = emit_glob(c, &v, flags);
  sv_free(&v);
  return rc;
}

/* ---- other value kinds ---- */

static int parse_num(const char *s, double *out) {
  char *end;
  if (!*s) return ASH_EFORMAT;
  double d = strtod(s, &end);
  if (*end) return ASH_EFORMAT;
  *out = d;
  return ASH_OK;
}

static int cidr_value(cstate *c, const char *s, int flags) {
  const char *slash = strchr(s, '/');
  ash_ip ip;
  size_t an = slash ? (size_t)(slash - s) : strlen(s);
  if (ash_ip_parse(ash_str_make(s, an), &ip) != ASH_OK) {
    snprintf(c->err, c->errn, "bad cidr value '%.60s'", s);
    return ASH_EFORMAT;
  }
  unsigned max = ip.fam == 4 ? 32 : 128, plen = max;
  if (slash) {
    int64_t v;
    if (ash_str_to_i64(ash_str_cstr(slash + 1), &v) || v < 0 || v > (int64_t)max) {
      snprintf(c->err, c->errn, "bad cidr value '%.60s'", s);
      return ASH_EFORMAT;
    }
    plen = (unsigned)v;
  }
  matcher *m = new_matcher(c, M_CIDR);
  if (!m) return ASH_ENOMEM;
  m->neg = !!(flags & F_NEQ);
  m->net = ip;
  m->plen = plen;
  return ASH_OK;
}

static int re_value(cstate *c, const char *s, size_t n, int flags) {
  uint32_t opt = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
  if (flags & F_RE_I) opt |= PCRE2_CASELESS;
  if (flags & F_RE_M) opt |= PCRE2_MULTILINE;
  if (flags & F_RE_S) opt |= PCRE2_DOTALL;
  int ec;
  PCRE2_SIZE eo;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, n, opt, &ec, &eo, NULL);
  if (!re) {
    PCRE2_UCHAR msg[120];
    pcre2_get_error_message(ec, msg, sizeof msg);
    snprintf(c->err, c->errn, "bad regular expression at offset %zu: %s", (size_t)eo,
             (const char *)msg);
    return ASH_EFORMAT;
  }
  /* a JIT failure only costs speed */
  (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  matcher *m = new_matcher(c, M_RE);
  if (!m) {
    pcre2_code_free(re);
    return ASH_ENOMEM;
  }
  m->re = re;
  m->neg = !!(flags & F_NEQ);
  return ASH_OK;
}

/* ---- expand ---- */

/* Each expansion of %name% placeholders in s by the placeholder values,
 * passed to fn. Escaped \% stays a literal percent (written as-is for the
 * string parser, which keeps backslashes before other characters, so the
 * backslash is removed here). */
typedef int (*expand_fn)(cstate *c, const char *s, size_t n, int flags);

static int expand(cstate *c, const char *s, int flags, expand_fn fn, int depth) {
  const char *p = s;
  while ((p = strchr(p, '%'))) {
    if (p > s && p[-1] == '\\') {
      p++;
      continue;
    }
    const char *e = strchr(p + 1, '%');
    if (!e) break;
    size_t nn = (size_t)(e - p - 1);
    char name[128];
    if (nn == 0 || nn >= sizeof name) break;
    memcpy(name, p + 1, nn);
    name[nn] = 0;
    const ynode *vals = c->s->ph ? ash_yaml_get(c->s->ph, name) : NULL;
    if (!vals || depth > 8) {
      snprintf(c->err, c->errn, "undefined placeholder %%%s%%", name);
      return ASH_ENOTFOUND;
    }
    size_t nv = vals->type == Y_SEQ ? vals->n : 1;
    for (size_t i = 0; i < nv; i++) {
      const ynode *v = vals->type == Y_SEQ ? vals->kids[i] : vals;
      if (v->type != Y_SCALAR) {
        snprintf(c->err, c->errn, "placeholder %%%s%% is not a list of strings", name);
        return ASH_EFORMAT;
      }
      size_t pre = (size_t)(p - s), post = strlen(e + 1);
      char *w = malloc(pre + v->n + post + 1);
      if (!w) return ASH_ENOMEM;
      memcpy(w, s, pre);
      memcpy(w + pre, v->s, v->n);
      memcpy(w + pre + v->n, e + 1, post + 1);
      int rc = expand(c, w, flags, fn, depth + 1);
      free(w);
      if (rc) return rc;
    }
    return ASH_OK;
  }
  /* no placeholder left: drop the escapes of literal percents */
  size_t n = strlen(s);
  char *w = malloc(n + 1);
  if (!w) return ASH_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n && s[i + 1] == '%') continue;
    w[k++] = s[i];
  }
  w[k] = 0;
  int rc = fn(c, w, k, flags);
  free(w);
  return rc;
}

static int plain_value(cstate *c, const char *s, size_t n, int flags) {
  if (flags & F_RE) return re_value(c, s, n, flags);
  if (flags & F_CIDR) return cidr_value(c, s, flags);
  return string_value(c, s, n, flags);
}

/* ---- the item ---- */

static const struct {
  const char *name;
  int flag;
} MODS[] = {
    {"contains", F_CONTAINS},
    {"startswith", F_START},
    {"endswith", F_END},
    {"all", F_ALL},
    {"exists", F_EXISTS},
    {"cased", F_CASED},
    {"neq", F_NEQ},
    {"windash", F_WINDASH},
    {"re", F_RE},
    {"i", F_RE_I},
    {"m", F_RE_M},
    {"s", F_RE_S},
    {"base64", F_B64},
    {"base64offset", F_B64OFF},
    {"utf16le", F_U16LE},
    {"wide", F_U16LE},
    {"utf16be", F_U16BE},
    {"utf16", F_U16},
    {"cidr", F_CIDR},
    {"fieldref", F_FREF},
    {"expand", F_EXPAND},
};
static const struct {
  const char *name;
  int cmp;
} CMPS[] = {{"lt", C_LT}, {"lte", C_LTE}, {"gt", C_GT}, {"gte", C_GTE}};
static const struct {
  const char *name;
  int part;
} TPARTS[] = {{"minute", TP_MINUTE}, {"hour", TP_HOUR},   {"day", TP_DAY},
              {"week", TP_WEEK},     {"month", TP_MONTH}, {"year", TP_YEAR}};

static int one_value(cstate *c, const ynode *v, int flags, int cmp, int tpart) {
  if (v->type != Y_SCALAR) {
    snprintf(c->err, c->errn, "value at line %d is not a scalar", v->line);
    return ASH_EFORMAT;
  }
  if (flags & F_EXISTS) {
    matcher *m = new_matcher(c, M_EXISTS);
    if (!m) return ASH_ENOMEM;
    if (!strcmp(v->s, "true") || !strcmp(v->s, "True") || !strcmp(v->s, "yes"))
      m->exists = 1;
    else if (!strcmp(v->s, "false") || !strcmp(v->s, "False") || !strcmp(v->s, "no"))
      m->exists = 0;
    else {
      snprintf(c->err, c->errn, "exists needs true or false");
      return ASH_EFORMAT;
    }
    return ASH_OK;
  }
  if (ash_yaml_is_null(v)) {
    matcher *m = new_matcher(c, M_NULL);
    if (!m) return ASH_ENOMEM;
    m->neg = !!(flags & F_NEQ);
    return ASH_OK;
  }
  if (cmp || tpart) {
    double d;
    if (parse_num(v->s, &d)) {
      snprintf(c->err, c->errn, "'%.60s' is not a number", v->s);
      return ASH_EFORMAT;
    }
    matcher *m = new_matcher(c, tpart ? M_TIME : M_NUM);
    if (!m) return ASH_ENOMEM;
    m->cmp = cmp ? cmp : C_EQ;
    m->num = d;
    m->tpart = tpart;
    m->neg = !!(flags & F_NEQ);
    return ASH_OK;
  }
  if (flags & F_FREF) {
    matcher *m = new_matcher(c, M_FREF);
    if (!m) return ASH_ENOMEM;
    m->neg = !!(flags & F_NEQ);
    m->cased = !!(flags & F_CASED);
    return ash_sigma_intern(c->s, v->s, v->n, &m->fref);
  }
  if (flags & F_EXPAND) return expand(c, v->s, flags, plain_value, 0);
  return plain_value(c, v->s, v->n, flags);
}

int ash_sigma_item_compile(ash_sigma *s, const char *key, const ynode *val, fitem *out, char *err,
                           size_t errn) {
  memset(out, 0, sizeof *out);
  cstate c = {s, out, 0, err, errn, 0};
  const char *bar = strchr(key, '|');
  size_t fn = bar ? (size_t)(bar - key) : strlen(key);
  int flags = 0, cmp = 0, tpart = 0, rc;
  const char *p = bar;
  while (p) {
    const char *q = strchr(p + 1, '|');
    size_t mn = q ? (size_t)(q - p - 1) : strlen(p + 1);
    int found = 0;
    for (size_t i = 0; i < sizeof MODS / sizeof MODS[0] && !found; i++)
      if (strlen(MODS[i].name) == mn && !memcmp(MODS[i].name, p + 1, mn)) {
        /* i, m, s are sub-modifiers of re only */
        if ((MODS[i].flag & (F_RE_I | F_RE_M | F_RE_S)) && !(flags & F_RE)) break;
        flags |= MODS[i].flag;
        found = 1;
      }
    for (size_t i = 0; i < sizeof CMPS / sizeof CMPS[0] && !found; i++)
      if (strlen(CMPS[i].name) == mn && !memcmp(CMPS[i].name, p + 1, mn)) {
        cmp = CMPS[i].cmp;
        found = 1;
      }
    for (size_t i = 0; i < sizeof TPARTS / sizeof TPARTS[0] && !found; i++)
      if (strlen(TPARTS[i].name) == mn && !memcmp(TPARTS[i].name, p + 1, mn)) {
        tpart = TPARTS[i].part;
        found = 1;
      }
    if (!found) {
      snprintf(err, errn, "unsupported modifier %.*s", (int)(mn > 40 ? 40 : mn), p + 1);
      return ASH_EFORMAT;
    }
    p = q;
  }
  if (fn == 0) {
    out->field = ASH_SIGMA_FIELD_NONE;
  } else if ((rc = ash_sigma_intern(s, key, fn, &out->field))) {
    return rc;
  }
  out->all = !!(flags & F_ALL);
  out->neg = !!(flags & F_NEQ);
  /* keywords are searched for anywhere in the event (full-text search) */
  if (fn == 0 && !(flags & (F_START | F_END | F_RE | F_CIDR | F_EXISTS)) && !cmp && !tpart)
    flags |= F_CONTAINS;
  if (val->type == Y_MAP) {
    snprintf(err, errn, "value of '%.60s' at line %d is a map", key, val->line);
    return ASH_EFORMAT;
  }
  size_t nv = val->type == Y_SEQ ? val->n : 1;
  rc = ASH_OK;
  for (size_t i = 0; i < nv && !rc; i++) {
    c.grp = (int)i;
    rc = one_value(&c, val->type == Y_SEQ ? val->kids[i] : val, flags, cmp, tpart);
  }
  if (!rc && nv == 0) {
    /* an empty list matches nothing: no value to find */
    out->all = 0;
  }
  if (rc) ash_sigma_item_free(out);
  return rc;
}
