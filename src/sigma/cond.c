/* Conditions: `and`, `or`, `not`, brackets, `1 of x*`, `any of x*`,
 * `all of x*`, `1 of them`, `all of them`, and lists of conditions (any of
 * them true). Precedence as in the specification: not, then and, then or.
 * `them` leaves out identifiers starting with an underscore, as the
 * specification says. The Sigma 1 aggregation syntax (`| count() > 5`) is
 * replaced by correlation rules in Sigma 2 and is reported, not run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "sigma_int.h"

#define MAX_TOKENS 4096
#define MAX_DEPTH 64

typedef struct tok {
  const char *p;
  size_t n;
} tok;

typedef struct pstate {
  tok t[MAX_TOKENS];
  size_t nt, i;
  const selection *sel;
  size_t nsel;
  char *err;
  size_t errn;
  int depth;
} pstate;

void ash_sigma_cond_free(cnode *c) {
  if (!c) return;
  for (size_t i = 0; i < c->nk; i++) ash_sigma_cond_free(c->kids[i]);
  free(c->kids);
  free(c);
}

static cnode *node(int t) {
  cnode *c = calloc(1, sizeof *c);
  if (c) c->t = t;
  return c;
}

static int add_kid(cnode *c, cnode *k) {
  cnode **kk = realloc(c->kids, (c->nk + 1) * sizeof *kk);
  if (!kk) return ASH_ENOMEM;
  c->kids = kk;
  c->kids[c->nk++] = k;
  return ASH_OK;
}

static int is_ident_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch == '*' || ch == '?' || ch == '-' || ch == '.';
}

static int tokenize(pstate *p, const char *s) {
  size_t i = 0, n = strlen(s);
  while (i < n) {
    char ch = s[i];
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      i++;
      continue;
    }
    if (p->nt == MAX_TOKENS) {
      snprintf(p->err, p->errn, "condition too long");
      return ASH_ELIMIT;
    }
    if (ch == '(' || ch == ')') {
      p->t[p->nt++] = (tok){s + i, 1};
      i++;
      continue;
    }
    if (ch == '|') {
      snprintf(p->err, p->errn, "aggregation in condition (Sigma 1 syntax, use a correlation)");
      return ASH_EFORMAT;
    }
    if (!is_ident_char(ch)) {
      snprintf(p->err, p->errn, "unexpected '%c' in condition", ch);
      return ASH_EFORMAT;
    }
    size_t st = i;
    while (i < n && is_ident_char(s[i])) i++;
    p->t[p->nt++] = (tok){s + st, i - st};
  }
  return ASH_OK;
}

static int is_kw(const tok *t, const char *kw) {
  return t->n == strlen(kw) && !strncasecmp(t->p, kw, t->n);
}

static const tok *peek(pstate *p) { return p->i < p->nt ? &p->t[p->i] : NULL; }

/* Glob over selection names: * and ? only. */
static int name_glob(const char *pat, size_t pn, const char *s) {
  size_t i = 0, j = 0, star = (size_t)-1, mark = 0, sn = strlen(s);
  while (j < sn) {
    if (i < pn && (pat[i] == '?' || pat[i] == s[j])) {
      i++;
      j++;
    } else if (i < pn && pat[i] == '*') {
      star = i++;
      mark = j;
    } else if (star != (size_t)-1) {
      i = star + 1;
      j = ++mark;
    } else {
      return 0;
    }
  }
  while (i < pn && pat[i] == '*') i++;
  return i == pn;
}

static int parse_or(pstate *p, cnode **out);

static int parse_primary(pstate *p, cnode **out) {
  const tok *t = peek(p);
  if (!t) {
    snprintf(p->err, p->errn, "condition ends early");
    return ASH_EFORMAT;
  }
  if (t->n == 1 && t->p[0] == '(') {
    p->i++;
    if (++p->depth > MAX_DEPTH) {
      snprintf(p->err, p->errn, "condition nested too deep");
      return ASH_ELIMIT;
    }
    int rc = parse_or(p, out);
    p->depth--;
    if (rc) return rc;
    t = peek(p);
    if (!t || t->n != 1 || t->p[0] != ')') {
      ash_sigma_cond_free(*out);
      *out = NULL;
      snprintf(p->err, p->errn, "missing ')' in condition");
      return ASH_EFORMAT;
    }
    p->i++;
    return ASH_OK;
  }
  if (t->n == 1 && t->p[0] == ')') {
    snprintf(p->err, p->errn, "unexpected ')' in condition");
    return ASH_EFORMAT;
  }
  const tok *nx = p->i + 1 < p->nt ? &p->t[p->i + 1] : NULL;
  if (nx && is_kw(nx, "of")) {
    int all;
    if (is_kw(t, "all"))
      all = 1;
    else if (is_kw(t, "1") || is_kw(t, "any"))
      all = 0;
    else {
      snprintf(p->err, p->errn, "unsupported quantifier '%.*s of'", (int)t->n, t->p);
      return ASH_EFORMAT;
    }
    p->i += 2;
    const tok *pat = peek(p);
    if (!pat) {
      snprintf(p->err, p->errn, "condition ends after 'of'");
      return ASH_EFORMAT;
    }
    p->i++;
    int them = is_kw(pat, "them");
    cnode *c = node(all ? N_AND : N_OR);
    if (!c) return ASH_ENOMEM;
    for (size_t k = 0; k < p->nsel; k++) {
      const char *nm = p->sel[k].name;
      if (them ? nm[0] == '_' : !name_glob(pat->p, pat->n, nm)) continue;
      cnode *l = node(N_SEL);
      if (!l || add_kid(c, l)) {
        free(l);
        ash_sigma_cond_free(c);
        return ASH_ENOMEM;
      }
      l->sel = k;
    }
    if (!c->nk) {
      ash_sigma_cond_free(c);
      snprintf(p->err, p->errn, "condition names no selection: '%.*s'", (int)pat->n, pat->p);
      return ASH_EFORMAT;
    }
    *out = c;
    return ASH_OK;
  }
  if (is_kw(t, "and") || is_kw(t, "or") || is_kw(t, "of") || is_kw(t, "them")) {
    snprintf(p->err, p->errn, "unexpected '%.*s' in condition", (int)t->n, t->p);
    return ASH_EFORMAT;
  }
  for (size_t k = 0; k < p->nsel; k++) {
    if (strlen(p->sel[k].name) == t->n && !memcmp(p->sel[k].name, t->p, t->n)) {
      cnode *l = node(N_SEL);
      if (!l) return ASH_ENOMEM;
      l->sel = k;
      p->i++;
      *out = l;
      return ASH_OK;
    }
  }
  snprintf(p->err, p->errn, "condition names unknown selection '%.*s'",
           (int)(t->n > 60 ? 60 : t->n), t->p);
  return ASH_EFORMAT;
}

static int parse_not(pstate *p, cnode **out) {
  const tok *t = peek(p);
  if (t && is_kw(t, "not")) {
    p->i++;
    if (++p->depth > MAX_DEPTH) {
      snprintf(p->err, p->errn, "condition nested too deep");
      return ASH_ELIMIT;
    }
    cnode *k = NULL;
    int rc = parse_not(p, &k);
    p->depth--;
    if (rc) return rc;
    cnode *c = node(N_NOT);
    if (!c || add_kid(c, k)) {
      free(c);
      ash_sigma_cond_free(k);
      return ASH_ENOMEM;
    }
    *out = c;
    return ASH_OK;
  }
  return parse_primary(p, out);
}

static int parse_bin(pstate *p, cnode **out, const char *kw, int type,
                     int (*sub)(pstate *, cnode **)) {
  cnode *first = NULL;
  int rc = sub(p, &first);
  if (rc) return rc;
  const tok *t = peek(p);
  if (!t || !is_kw(t, kw)) {
    *out = first;
    return ASH_OK;
  }
  cnode *c = node(type);
  if (!c || add_kid(c, first)) {
    free(c);
    ash_sigma_cond_free(first);
    return ASH_ENOMEM;
  }
  while ((t = peek(p)) && is_kw(t, kw)) {
    p->i++;
    cnode *k = NULL;
    if ((rc = sub(p, &k)) || (rc = add_kid(c, k))) {
      ash_sigma_cond_free(k);
      ash_sigma_cond_free(c);
      return rc;
    }
  }
  *out = c;
  return ASH_OK;
}

static int parse_and(pstate *p, cnode **out) { return parse_bin(p, out, "and", N_AND, parse_not); }
static int parse_or(pstate *p, cnode **out) { return parse_bin(p, out, "or", N_OR, parse_and); }

static int compile_one(const char *s, const selection *sel, size_t nsel, cnode **out, char *err,
                       size_t errn) {
  /* not calloc: zeroing the token table (MAX_TOKENS) for every rule cost
   * more than compiling the rest of it; tokenize writes each token before
   * anything reads it (nt counts them) */
  pstate *p = malloc(sizeof *p);
  if (!p) return ASH_ENOMEM;
  p->nt = p->i = 0;
  p->depth = 0;
  p->sel = sel;
  p->nsel = nsel;
  p->err = err;
  p->errn = errn;
  int rc = tokenize(p, s);
  if (!rc && !p->nt) {
    snprintf(err, errn, "empty condition");
    rc = ASH_EFORMAT;
  }
  if (!rc) rc = parse_or(p, out);
  if (!rc && p->i != p->nt) {
    snprintf(err, errn, "unexpected '%.*s' in condition", (int)p->t[p->i].n, p->t[p->i].p);
    ash_sigma_cond_free(*out);
    *out = NULL;
    rc = ASH_EFORMAT;
  }
  free(p);
  return rc;
}

int ash_sigma_cond_compile(const ynode *cond, const selection *sel, size_t nsel, cnode **out,
                           char *err, size_t errn) {
  *out = NULL;
  if (!cond) {
    snprintf(err, errn, "detection has no condition");
    return ASH_EFORMAT;
  }
  if (cond->type == Y_SCALAR) return compile_one(cond->s, sel, nsel, out, err, errn);
  if (cond->type != Y_SEQ || !cond->n) {
    snprintf(err, errn, "condition is not a string or a list");
    return ASH_EFORMAT;
  }
  cnode *c = node(N_OR);
  if (!c) return ASH_ENOMEM;
  for (size_t i = 0; i < cond->n; i++) {
    const ynode *k = cond->kids[i];
    cnode *one = NULL;
    int rc;
    if (k->type != Y_SCALAR) {
      snprintf(err, errn, "condition list item is not a string");
      rc = ASH_EFORMAT;
    } else {
      rc = compile_one(k->s, sel, nsel, &one, err, errn);
    }
    if (!rc && (rc = add_kid(c, one))) ash_sigma_cond_free(one);
    if (rc) {
      ash_sigma_cond_free(c);
      return rc;
    }
  }
  *out = c;
  return ASH_OK;
}
