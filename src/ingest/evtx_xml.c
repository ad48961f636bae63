/* Rendering a decoded EVTX record as XML text, indented the way
 * `evtxexport -f xml` indents it, so that our decoding can be compared with
 * libevtx's record by record (bench/evtx_compare.sh) and shown to a
 * responder who asks for the raw record. Never on the fast path. */
#include <string.h>

#include "ashiato/error.h"
#include "evtx.h"

static int indent(ash_buf *o, unsigned depth) {
  for (unsigned i = 0; i < depth; i++)
    if (ash_buf_add(o, "  ", 2)) return ASH_ELIMIT;
  return 0;
}

/* XML escaping of text and attribute values (attr: quotes too; attr < 0:
 * no escaping at all, as evtxexport prints values). */
static int esc(ash_buf *o, const char *s, size_t n, int attr) {
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    const char *rep = NULL;
    switch (s[i]) {
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '&': rep = "&amp;"; break;
    case '"':
      if (attr > 0) rep = "&quot;";
      break;
    default: break;
    }
    if (!rep) continue;
    if (ash_buf_add(o, s + run, i - run) || ash_buf_adds(o, rep)) return ASH_ELIMIT;
    run = i + 1;
  }
  return ash_buf_add(o, s + run, n - run);
}

/* raw (evtxexport's way): ANSI strings are printed as they are and quotes
 * are not escaped. */
static int esc_node(ash_buf *o, const evtx_node *nd, int raw, int attr) {
  if (raw && nd->vtype == 0x02) return ash_buf_add(o, nd->val, nd->val_n);
  return esc(o, nd->val, nd->val_n, raw ? 0 : attr);
}

/* Renders the element opened at nodes[i]; returns the index after its
 * close, or n when the nodes end early. */
static size_t element(const evtx_doc *doc, size_t i, unsigned depth, ash_buf *o, int *rc, int raw) {
  const evtx_node *nd = doc->nodes;
  size_t n = doc->n;
  const evtx_node *e = &nd[i++];
  if (indent(o, depth) || ash_buf_addc(o, '<') || ash_buf_add(o, e->name, e->name_n)) goto lim;
  while (i < n && nd[i].type == EVTX_N_ATTR) {
    if (ash_buf_addc(o, ' ') || ash_buf_add(o, nd[i].name, nd[i].name_n) ||
        ash_buf_add(o, "=\"", 2) || esc_node(o, &nd[i], raw, 1) || ash_buf_addc(o, '"'))
      goto lim;
    i++;
  }
  while (i < n && nd[i].type == EVTX_N_TEXT && nd[i].val_n == 0) i++; /* empty values */
  if (i >= n || nd[i].type == EVTX_N_CLOSE) {
    if (ash_buf_add(o, "/>\n", 3)) goto lim;
    return i < n ? i + 1 : n;
  }
  if (nd[i].type == EVTX_N_TEXT && i + 1 < n && nd[i + 1].type == EVTX_N_CLOSE) {
    if (ash_buf_addc(o, '>') || esc_node(o, &nd[i], raw, 0) || ash_buf_add(o, "</", 2) ||
        ash_buf_add(o, e->name, e->name_n) || ash_buf_add(o, ">\n", 2))
      goto lim;
    return i + 2;
  }
  if (ash_buf_add(o, ">\n", 2)) goto lim;
  while (i < n && nd[i].type != EVTX_N_CLOSE) {
    if (nd[i].type == EVTX_N_OPEN) {
      i = element(doc, i, depth + 1, o, rc, raw);
      if (*rc) return n;
      continue;
    }
    if (nd[i].type == EVTX_N_TEXT) {
      if (indent(o, depth + 1) || esc_node(o, &nd[i], raw, 0) || ash_buf_addc(o, '\n')) goto lim;
    } else if (nd[i].type == EVTX_N_PI) {
      if (indent(o, depth + 1) || ash_buf_add(o, "<?", 2) ||
          ash_buf_add(o, nd[i].name, nd[i].name_n) || ash_buf_addc(o, ' ') ||
          ash_buf_add(o, nd[i].val, nd[i].val_n) || ash_buf_add(o, "?>\n", 3))
        goto lim;
    }
    i++;
  }
  if (indent(o, depth) || ash_buf_add(o, "</", 2) || ash_buf_add(o, e->name, e->name_n) ||
      ash_buf_add(o, ">\n", 2))
    goto lim;
  return i < n ? i + 1 : n;
lim:
  *rc = ASH_ELIMIT;
  return n;
}

int evtx_render_xml(const evtx_doc *doc, int raw, ash_buf *out) {
  int rc = 0;
  size_t i = 0;
  while (i < doc->n && !rc) {
    const evtx_node *nd = &doc->nodes[i];
    if (nd->type == EVTX_N_OPEN) {
      i = element(doc, i, 0, out, &rc, raw);
      continue;
    }
    if (nd->type == EVTX_N_PI) {
      if (ash_buf_add(out, "<?", 2) || ash_buf_add(out, nd->name, nd->name_n) ||
          ash_buf_addc(out, ' ') || ash_buf_add(out, nd->val, nd->val_n) ||
          ash_buf_add(out, "?>\n", 3))
        rc = ASH_ELIMIT;
    } else if (nd->type == EVTX_N_TEXT) {
      if (esc_node(out, nd, raw, 0) || ash_buf_addc(out, '\n')) rc = ASH_ELIMIT;
    }
    i++;
  }
  return rc;
}
