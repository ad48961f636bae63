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

/* ---- the arena the trees live in ---- */

typedef struct ychunk {
  struct ychunk *next;
  size_t used, cap;
  max_align_t data[];
} ychunk;

#define YCHUNK (64u << 10)

void *ash_yaml_arena_alloc(ynode_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  ychunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > YCHUNK ? n : YCHUNK;
    c = malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->next = a->head;
    c->used = 0;
    c->cap = cap;
    a->head = c;
  }
  void *r = (char *)c->data + c->used;
  c->used += n;
  return r;
}

void ash_yaml_arena_free(void *arena) {
  ynode_arena *a = arena;
  if (!a) return;
  for (ychunk *c = a->head, *n; c; c = n) {
    n = c->next;
    free(c);
  }
  free(a);
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

/* The containers open while parsing, each with its children so far, in
 * scratch arrays reused from one container to the next; a container's
 * children go to the arena, in one piece, when it ends. */
typedef struct pstate {
  ynode *stack[ASH_MAX_SIGMA_DEPTH];
  ynode **tmp[ASH_MAX_SIGMA_DEPTH];
  size_t tn[ASH_MAX_SIGMA_DEPTH], tcap[ASH_MAX_SIGMA_DEPTH];
  size_t depth;
  size_t nodes;
} pstate;

/* Append child to the container on top of the stack. */
static int push_child(pstate *p, ynode *c) {
  size_t d = p->depth - 1;
  ynode *top = p->stack[d];
  if (p->tn[d] == p->tcap[d]) {
    size_t nc = p->tcap[d] ? 2 * p->tcap[d] : 16;
    ynode **k = realloc(p->tmp[d], nc * sizeof *k);
    if (!k) return ASH_ENOMEM;
    p->tmp[d] = k;
    p->tcap[d] = nc;
  }
  p->tmp[d][p->tn[d]++] = c;
  if (top->type == Y_MAP) {
    /* for maps, plain counts a key waiting for its value */
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

/* The container on top of the stack ends: its children into the arena. */
static int pop_container(pstate *p, ynode_arena *a) {
  size_t d = p->depth - 1;
  ynode *top = p->stack[d];
  if (p->tn[d]) {
    top->kids = ash_yaml_arena_alloc(a, p->tn[d] * sizeof *top->kids);
    if (!top->kids) return ASH_ENOMEM;
    memcpy(top->kids, p->tmp[d], p->tn[d] * sizeof *top->kids);
  }
  top->plain = 0;
  p->tn[d] = 0;
  p->depth--;
  return ASH_OK;
}

static void errf(char *err, size_t errn, const char *fmt, int line, const char *what) {
  if (err && errn) snprintf(err, errn, fmt, line, what ? what : "");
}

int ash_yaml_parse(const uint8_t *buf, size_t len, ynode ***docs, size_t *ndocs, void **arena,
                   char *err, size_t errn) {
  *docs = NULL;
  *ndocs = 0;
  *arena = NULL;
  ynode_arena *a = calloc(1, sizeof *a);
  if (!a) return ASH_ENOMEM;
  yaml_parser_t yp;
  if (!yaml_parser_initialize(&yp)) {
    free(a);
    return ASH_ENOMEM;
  }
  yaml_parser_set_input_string(&yp, buf, len);
  pstate p;
  memset(&p, 0, sizeof p);
  /* the documents so far (scratch), then copied to the arena */
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
      if (e.type == YAML_SCALAR_EVENT) {
        /* the node and its text in one piece */
        size_t n = e.data.scalar.length;
        nn = ash_yaml_arena_alloc(a, sizeof *nn + n + 1);
        if (!nn) {
          rc = ASH_ENOMEM;
          break;
        }
        memset(nn, 0, sizeof *nn);
        nn->type = Y_SCALAR;
        nn->plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        nn->n = n;
        nn->s = (char *)(nn + 1);
        memcpy(nn->s, e.data.scalar.value, n);
        nn->s[n] = 0;
      } else {
        nn = ash_yaml_arena_alloc(a, sizeof *nn);
        if (!nn) {
          rc = ASH_ENOMEM;
          break;
        }
        memset(nn, 0, sizeof *nn);
        nn->type = e.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP;
      }
      nn->line = line;
      if (p.depth) {
        if ((rc = push_child(&p, nn))) break;
      } else {
        root = nn; /* a document's root (an earlier one was a scalar) */
      }
      if (nn->type != Y_SCALAR) {
        if (p.depth >= ASH_MAX_SIGMA_DEPTH) {
          errf(err, errn, "YAML error at line %d: nesting too deep%s", line, NULL);
          rc = ASH_EFORMAT;
          break;
        }
        p.stack[p.depth] = nn;
        p.tn[p.depth] = 0;
        p.depth++;
      }
      break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      if (p.depth) rc = pop_container(&p, a);
      break;
    default: break;
    }
    yaml_event_delete(&e);
    if (rc) break;
  }
  yaml_parser_delete(&yp);
  for (size_t d = 0; d < ASH_MAX_SIGMA_DEPTH; d++) free(p.tmp[d]);
  ynode **dv = NULL;
  if (!rc && nout) {
    dv = ash_yaml_arena_alloc(a, nout * sizeof *dv);
    if (!dv)
      rc = ASH_ENOMEM;
    else
      memcpy(dv, out, nout * sizeof *dv);
  }
  free(out);
  if (rc) {
    ash_yaml_arena_free(a);
    return rc;
  }
  *docs = dv;
  *ndocs = nout;
  *arena = a;
  return ASH_OK;
}
