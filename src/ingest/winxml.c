/* The event XML reader (see winxml.h). A small, strict reader for one
 * schema rather than a general XML parser: the event schema has no DTD,
 * no mixed content that matters and at most five levels, so tags,
 * attributes, character and the five predefined entity references,
 * comments, CDATA and processing instructions are all it has to know. */
#include "winxml.h"

#include <stdint.h>
#include <string.h>

#include "ashiato/bytes.h"

#define MAX_DEPTH 16

typedef struct xr {
  const char *p;
  size_t n, i;
  char *text;
  size_t tn; /* decoded bytes in text */
  const ash_winxml_cb *cb;
  ash_str stk[MAX_DEPTH];
  size_t tstart[MAX_DEPTH]; /* where each open element's text begins */
  int child[MAX_DEPTH];     /* it has child elements */
  ash_str dname;            /* Name of the open EventData/Data */
  int depth, system;
} xr;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static int is_name(char c) { return c != '>' && c != '/' && c != '=' && !is_space(c) && c != '<'; }

static int lit_at(const xr *x, size_t i, const char *lit) {
  size_t l = strlen(lit);
  return ASH_FITS(i, l, x->n) && !memcmp(x->p + i, lit, l);
}

/* Skip to just past lit; -1 when it never comes. */
static int skip_past(xr *x, const char *lit) {
  size_t l = strlen(lit);
  for (size_t j = x->i; ASH_FITS(j, l, x->n); j++)
    if (!memcmp(x->p + j, lit, l)) {
      x->i = j + l;
      return 0;
    }
  return -1;
}

static void put_utf8(xr *x, uint32_t c) {
  if (c < 0x80) {
    x->text[x->tn++] = (char)c;
  } else if (c < 0x800) {
    x->text[x->tn++] = (char)(0xC0 | (c >> 6));
    x->text[x->tn++] = (char)(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    x->text[x->tn++] = (char)(0xE0 | (c >> 12));
    x->text[x->tn++] = (char)(0x80 | ((c >> 6) & 0x3F));
    x->text[x->tn++] = (char)(0x80 | (c & 0x3F));
  } else {
    x->text[x->tn++] = (char)(0xF0 | (c >> 18));
    x->text[x->tn++] = (char)(0x80 | ((c >> 12) & 0x3F));
    x->text[x->tn++] = (char)(0x80 | ((c >> 6) & 0x3F));
    x->text[x->tn++] = (char)(0x80 | (c & 0x3F));
  }
}

/* Decode p[a..b) into text. Every reference is at least as long as what
 * it decodes to ("&#x10FFFF;" is 10 bytes for 4), so text never holds more
 * than the source. An unknown reference is kept as it is. */
static ash_str decode(xr *x, size_t a, size_t b) {
  size_t start = x->tn;
  for (size_t i = a; i < b;) {
    char c = x->p[i];
    if (c != '&') {
      x->text[x->tn++] = c;
      i++;
      continue;
    }
    size_t semi = i + 1;
    while (semi < b && semi - i <= 10 && x->p[semi] != ';') semi++;
    if (semi >= b || x->p[semi] != ';') {
      x->text[x->tn++] = c;
      i++;
      continue;
    }
    ash_str e = ash_str_make(x->p + i + 1, semi - i - 1);
    static const struct {
      const char *n;
      char c;
    } E[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    int done = 0;
    for (size_t k = 0; k < 5 && !done; k++)
      if (ash_str_eq(e, E[k].n)) {
        x->text[x->tn++] = E[k].c;
        done = 1;
      }
    if (!done && e.n >= 2 && e.p[0] == '#') {
      uint32_t v = 0;
      int hex = e.p[1] == 'x' || e.p[1] == 'X', ok = 1;
      size_t d0 = hex ? 2 : 1;
      if (d0 >= e.n) ok = 0;
      for (size_t k = d0; k < e.n && ok; k++) {
        char h = e.p[k];
        uint32_t dv = h >= '0' && h <= '9'          ? (uint32_t)(h - '0')
                      : hex && h >= 'a' && h <= 'f' ? (uint32_t)(h - 'a' + 10)
                      : hex && h >= 'A' && h <= 'F' ? (uint32_t)(h - 'A' + 10)
                                                    : 99;
        if (dv == 99 || v > 0x10FFFF) ok = 0;
        v = v * (hex ? 16 : 10) + dv;
      }
      if (ok && v && v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF)) {
        put_utf8(x, v);
        done = 1;
      }
    }
    if (!done) {
      memcpy(x->text + x->tn, x->p + i, semi + 1 - i);
      x->tn += semi + 1 - i;
    }
    i = semi + 1;
  }
  return ash_str_make(x->text + start, x->tn - start);
}

static ash_str local(ash_str s) {
  const char *c = memchr(s.p, ':', s.n);
  return c ? ash_str_make(c + 1, s.n - (size_t)(c + 1 - s.p)) : s;
}

static ash_str name_at(xr *x) {
  size_t a = x->i;
  while (x->i < x->n && is_name(x->p[x->i])) x->i++;
  return local(ash_str_make(x->p + a, x->i - a));
}

static void skip_space(xr *x) {
  while (x->i < x->n && is_space(x->p[x->i])) x->i++;
}

/* Where the element at depth d sits: 1 System, 2 EventData, 3 UserData,
 * 0 elsewhere (Event itself, RenderingInfo). */
static int section(const xr *x) {
  if (x->depth < 2) return 0;
  ash_str s = x->stk[1];
  return ash_str_eq(s, "System")      ? 1
         : ash_str_eq(s, "EventData") ? 2
         : ash_str_eq(s, "UserData")  ? 3
                                      : 0;
}

static void attribute(xr *x, ash_str elem, ash_str name, ash_str v) {
  int sec = section(x);
  if (sec == 1 && x->depth == 3) x->cb->system(x->cb->u, elem, name, v);
  if (sec == 2 && x->depth == 3 && ash_str_eq(elem, "Data") && ash_str_eq(name, "Name"))
    x->dname = v;
}

/* The element at the top of the stack ends with text t. */
static void element_end(xr *x, ash_str t) {
  int sec = section(x);
  ash_str e = x->stk[x->depth - 1];
  int leaf = !x->child[x->depth - 1];
  if (sec == 1 && x->depth == 3 && leaf)
    x->cb->system(x->cb->u, e, ASH_STR_NULL, t);
  else if (sec == 2 && x->depth == 3 && ash_str_eq(e, "Data"))
    x->cb->data(x->cb->u, x->dname, t);
  else if (sec == 2 && x->depth == 3 && ash_str_eq(e, "Binary"))
    x->cb->data(x->cb->u, e, t);
  else if (sec == 3 && x->depth >= 4 && leaf)
    x->cb->data(x->cb->u, e, t);
}

static int start_tag(xr *x, const char **reason) {
  x->i++; /* '<' */
  ash_str name = name_at(x);
  if (!name.n) {
    *reason = "XML: tag without a name";
    return -1;
  }
  if (x->depth >= MAX_DEPTH) {
    *reason = "XML: nested deeper than 16";
    return -1;
  }
  if (x->depth) x->child[x->depth - 1] = 1;
  if (x->depth == 1 && ash_str_eq(name, "System")) x->system = 1;
  x->stk[x->depth] = name;
  x->child[x->depth] = 0;
  x->depth++;
  if (x->depth == 3) x->dname = ASH_STR_NULL;
  for (;;) {
    skip_space(x);
    if (x->i >= x->n) break;
    char c = x->p[x->i];
    if (c == '>') {
      x->i++;
      x->tstart[x->depth - 1] = x->tn;
      return 0;
    }
    if (c == '/') {
      if (x->i + 1 >= x->n || x->p[x->i + 1] != '>') break;
      x->i += 2;
      element_end(x, ASH_STR_NULL);
      x->depth--;
      return 0;
    }
    ash_str an = name_at(x);
    skip_space(x);
    if (!an.n || x->i >= x->n || x->p[x->i] != '=') break;
    x->i++;
    skip_space(x);
    if (x->i >= x->n || (x->p[x->i] != '"' && x->p[x->i] != '\'')) break;
    char q = x->p[x->i++];
    const char *close = memchr(x->p + x->i, q, x->n - x->i);
    if (!close) break;
    size_t vend = (size_t)(close - x->p);
    ash_str v = decode(x, x->i, vend);
    x->i = vend + 1;
    attribute(x, name, an, v);
  }
  *reason = "XML: tag not closed";
  return -1;
}

static int end_tag(xr *x, const char **reason) {
  x->i += 2; /* "</" */
  ash_str name = name_at(x);
  skip_space(x);
  if (x->i >= x->n || x->p[x->i] != '>') {
    *reason = "XML: end tag not closed";
    return -1;
  }
  x->i++;
  if (!x->depth || name.n != x->stk[x->depth - 1].n ||
      memcmp(name.p, x->stk[x->depth - 1].p, name.n)) {
    *reason = "XML: end tag does not match";
    return -1;
  }
  size_t ts = x->tstart[x->depth - 1];
  element_end(x, ash_str_make(x->text + ts, x->tn - ts));
  x->depth--;
  return 0;
}

size_t ash_winxml_find(const char *p, size_t n) {
  for (size_t i = 0; i + 6 <= n; i++)
    if (p[i] == '<' && !memcmp(p + i, "<Event", 6) &&
        (i + 6 == n || p[i + 6] == '>' || is_space(p[i + 6])))
      return i;
  return n;
}

int ash_winxml_event(const char *p, size_t n, char *text, const ash_winxml_cb *cb, size_t *end,
                     const char **reason) {
  xr x;
  memset(&x, 0, sizeof x);
  x.p = p;
  x.n = n;
  x.text = text;
  x.cb = cb;
  x.i = ash_winxml_find(p, n);
  if (x.i >= n) {
    *reason = "XML: no <Event> element";
    return -1;
  }
  while (x.i < x.n) {
    if (x.p[x.i] != '<') {
      size_t a = x.i;
      const char *lt = memchr(x.p + a, '<', x.n - a);
      x.i = lt ? (size_t)(lt - x.p) : x.n;
      if (x.depth) decode(&x, a, x.i);
      continue;
    }
    int rc = 0;
    if (lit_at(&x, x.i, "<!--")) {
      x.i += 4;
      rc = skip_past(&x, "-->");
    } else if (lit_at(&x, x.i, "<![CDATA[")) {
      size_t a = x.i + 9;
      x.i = a;
      rc = skip_past(&x, "]]>");
      if (!rc) {
        memcpy(x.text + x.tn, x.p + a, x.i - 3 - a);
        x.tn += x.i - 3 - a;
      }
    } else if (lit_at(&x, x.i, "<?")) {
      rc = skip_past(&x, "?>");
    } else if (lit_at(&x, x.i, "<!")) {
      rc = skip_past(&x, ">");
    } else if (lit_at(&x, x.i, "</")) {
      if (end_tag(&x, reason)) return -1;
      if (!x.depth) {
        if (!x.system) {
          *reason = "XML: <Event> without <System>";
          return -1;
        }
        *end = x.i;
        return 0;
      }
      continue;
    } else {
      if (start_tag(&x, reason)) return -1;
      if (!x.depth) { /* <Event/> */
        *reason = "XML: <Event> without <System>";
        return -1;
      }
      continue;
    }
    if (rc) {
      *reason = "XML: comment, CDATA or declaration not closed";
      return -1;
    }
  }
  *reason = "XML: <Event> not closed";
  return -1;
}
