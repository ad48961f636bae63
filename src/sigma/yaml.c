/* A small YAML tree over libyaml's event parser: scalars, sequences and
 * maps, each with its line, enough for Sigma rules. Anchors and aliases
 * are refused (no SigmaHQ rule uses them, and aliases are how "billion
 * laughs" inputs blow up a tree). Node count and depth are capped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "sigma_int.h"

void ash_yaml_free(ynode *n) {
  if (!n) return;
  if (n->type != Y_SCALAR)
    for (size_t i = 0; i < (n->type == Y_MAP ? 2 * n->n + (size_t)(n->plain != 0) : n->n); i++)
      ash_yaml_free(n->kids[i]);
  free(n->kids);
  free(n->s);
  free(n);
}

const ynode *ash_yaml_get(const ynode *n, const char *key) {
  if (!n || n->type != Y_MAP) return NULL;
  for (size_t i = 0; i < n->n; i++) {
    const ynode *k = n->kids[2 * i];
    if (k->type == Y_SCALAR && !strcmp(k->s, key)) return n->kids[2 * i + 1];
  }
  return NULL;
}

int ash_yaml_is_null(const ynode *n) {
  if (!n || n->type != Y_SCALAR || !n->plain) return 0;
  return n->n == 0 || !strcmp(n->s, "~") || !strcmp(n->s, "null") || !strcmp(n->s, "Null") ||
         !strcmp(n->s, "NULL");
}

typedef struct pstate {
  ynode *stack[ASH_MAX_SIGMA_DEPTH];
  size_t cap[ASH_MAX_SIGMA_DEPTH];
  size_t depth;
  size_t nodes;
} pstate;

/* Append child to the container on top of the stack. */
static int push_child(pstate *p, ynode *c) {
  ynode *top = p->stack[p->depth - 1];
  size_t used = top->type == Y_MAP ? top->n * 2 + (size_t)(top->plain) : top->n;
  /* for maps, plain counts a key waiting for its value */
  if (used + 1 > p->cap[p->depth - 1]) {
    size_t nc = p->cap[p->depth - 1] ? 2 * p->cap[p->depth - 1] : 8;
    ynode **k = realloc(top->kids, nc * sizeof *k);
    if (!k) return ASH_ENOMEM;
    top->kids = k;
    p->cap[p->depth - 1] = nc;
  }
  top->kids[used] = c;
  if (top->type == Y_MAP) {
    if (top->plain) {
      top->plain = 0;
      top->n++;
    } else {
      top->plain = 1;
    }
  } else {
    top->n++;
  }
  return ASH_OK;
}

static void errf(char *err, size_t errn, const char *fmt, int line, const char *what) {
  if (err && errn) snprintf(err, errn, fmt, line, what ? what : "");
}

int ash_yaml_parse(const uint8_t *buf, size_t len, ynode ***docs, size_t *ndocs, char *err,
                   size_t errn) {
  *docs = NULL;
  *ndocs = 0;
  yaml_parser_t yp;
  if (!yaml_parser_initialize(&yp)) return ASH_ENOMEM;
  yaml_parser_set_input_string(&yp, buf, len);
  pstate p;
  memset(&p, 0, sizeof p);
  ynode **out = NULL;
  size_t nout = 0, outcap = 0;
  ynode *root = NULL;
  int rc = ASH_OK, done = 0;
  while (!done) {
    yaml_event_t e;
    if (!yaml_parser_parse(&yp, &e)) {
      errf(err, errn, "YAML error at line %d: %s", (int)yp.problem_mark.line + 1, yp.problem);
      rc = ASH_EFORMAT;
      break;
    }
    int line = (int)e.start_mark.line + 1;
    ynode *nn = NULL;
    switch (e.type) {
    case YAML_STREAM_END_EVENT: done = 1; break;
    case YAML_DOCUMENT_END_EVENT:
      if (root) {
        if (nout == outcap) {
          size_t nc = outcap ? 2 * outcap : 4;
          ynode **o = realloc(out, nc * sizeof *o);
          if (!o) {
            rc = ASH_ENOMEM;
            break;
          }
          out = o;
          outcap = nc;
        }
        out[nout++] = root;
        root = NULL;
      }
      break;
    case YAML_ALIAS_EVENT:
      errf(err, errn, "YAML error at line %d: aliases are not supported%s", line, NULL);
      rc = ASH_EFORMAT;
      break;
    case YAML_SCALAR_EVENT:
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      if (++p.nodes > ASH_MAX_SIGMA_NODES) {
        errf(err, errn, "YAML error at line %d: too many nodes%s", line, NULL);
        rc = ASH_EFORMAT;
        break;
      }
      nn = calloc(1, sizeof *nn);
      if (!nn) {
        rc = ASH_ENOMEM;
        break;
      }
      nn->line = line;
      if (e.type == YAML_SCALAR_EVENT) {
        nn->type = Y_SCALAR;
        nn->plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        nn->n = e.data.scalar.length;
        nn->s = malloc(nn->n + 1);
        if (!nn->s) {
          free(nn);
          rc = ASH_ENOMEM;
          break;
        }
        memcpy(nn->s, e.data.scalar.value, nn->n);
        nn->s[nn->n] = 0;
      } else {
        nn->type = e.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP;
      }
      if (p.depth) {
        if ((rc = push_child(&p, nn))) {
          ash_yaml_free(nn);
          break;
        }
      } else {
        ash_yaml_free(root);
        root = nn;
      }
      if (nn->type != Y_SCALAR) {
        if (p.depth >= ASH_MAX_SIGMA_DEPTH) {
          errf(err, errn, "YAML error at line %d: nesting too deep%s", line, NULL);
          rc = ASH_EFORMAT;
          break;
        }
        p.stack[p.depth] = nn;
        p.cap[p.depth] = 0;
        p.depth++;
      }
      break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      if (p.depth) {
        p.stack[p.depth - 1]->plain = 0;
        p.depth--;
      }
      break;
    default: break;
    }
    yaml_event_delete(&e);
    if (rc) break;
  }
  yaml_parser_delete(&yp);
  if (rc) {
    /* root may be referenced from out only after DOCUMENT_END */
    ash_yaml_free(root);
    for (size_t i = 0; i < nout; i++) ash_yaml_free(out[i]);
    free(out);
    return rc;
  }
  ash_yaml_free(root);
  *docs = out;
  *ndocs = nout;
  return ASH_OK;
}
