/* Internal to src/sigma: the YAML tree, compiled rules and documents. */
#ifndef ASH_SIGMA_INT_H
#define ASH_SIGMA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ashiato/buf.h"
#include "ashiato/ip.h"
#include "ashiato/sigma.h"

/* ---- YAML tree (yaml.c) ---- */

enum { Y_SCALAR = 1, Y_SEQ, Y_MAP };

typedef struct ynode {
  int type;
  int line;            /* 1-based */
  int plain;           /* scalar written without quotes (so "null", "~", "" mean null) */
  char *s;             /* scalar text, NUL-terminated */
  size_t n;            /* scalar length; sequence/map item count */
  struct ynode **kids; /* seq items; map: keys at 2i, values at 2i+1 */
} ynode;

/* Where a file's trees live: nodes, texts, child lists and the document
 * list, in a few big blocks, freed at once (a rule file is loaded and
 * dropped whole; one malloc and free per node was a tenth of loading). */
typedef struct ynode_arena {
  struct ychunk *head;
} ynode_arena;
void *ash_yaml_arena_alloc(ynode_arena *a, size_t n);
/* Frees the arena and every tree in it (NULL is nothing). */
void ash_yaml_arena_free(void *arena);

/* Parse every document of buf into *docs (count *ndocs), all of it in
 * *arena (ash_yaml_arena_free). On a YAML error, ASH_EFORMAT with a
 * one-line message in err ("YAML error at line N: ..."), and nothing to
 * free. */
int ash_yaml_parse(const uint8_t *buf, size_t len, ynode ***docs, size_t *ndocs, void **arena,
                   char *err, size_t errn);

/* ---- parsed files, packed and cached (ycache.c) ---- */

/* The documents of a parsed file, as bytes (the cache's entry). */
int ash_yaml_pack(ynode *const *docs, size_t nd, ash_buf *out);
/* Packed bytes back into documents, in one block of *arena (freed with
 * ash_yaml_arena_free). ASH_EFORMAT for bytes that are not a packed tree
 * within the parse's caps. */
int ash_yaml_unpack(const uint8_t *p, size_t n, ynode ***docs, size_t *nd, void **arena);
typedef struct ash_ycache ash_ycache;
/* The user's cache (see ycache.c for where); *out NULL when caching is
 * off or has no place. Fails only for ASH_ENOMEM. */
int ash_ycache_open(ash_ycache **out);
/* ash_yaml_parse through the cache (c may be NULL): from the cache when
 * it holds a file of these bytes, else parsed and kept for the cache's
 * next write. Either way the trees are in *arena (ash_yaml_arena_free). */
int ash_ycache_parse(ash_ycache *c, const uint8_t *buf, size_t len, ynode ***docs, size_t *nd,
                     void **arena, char *err, size_t errn);
size_t ash_ycache_hits(const ash_ycache *c);
/* Write what is new, then free. */
void ash_ycache_close(ash_ycache *c);
/* Map lookup by key; NULL when absent or n is not a map. */
const ynode *ash_yaml_get(const ynode *n, const char *key);
/* Scalar that is null (plain null/~/empty). */
int ash_yaml_is_null(const ynode *n);

/* ---- compiled detection ---- */

/* Bigram sets: 1024 bits, hashed byte pairs (see ash_sigma_bigrams). */
#define ASH_SIGMA_BGW 16

/* One glob token. */
enum { T_LIT = 1, T_STAR, T_ONE, T_DASH };
typedef struct gtok {
  int t;
  uint32_t off, n; /* T_LIT: bytes in the matcher's text */
} gtok;

enum {
  M_GLOB = 1, /* wildcard/literal string */
  M_RE,       /* pcre2 */
  M_CIDR,
  M_NUM,    /* lt/lte/gt/gte, numeric */
  M_EXISTS, /* exists: true/false */
  M_NULL,   /* field absent or empty */
  M_FREF,   /* fieldref */
  M_TIME    /* minute/hour/day/week/month/year of a date field */
};
enum { C_LT = 1, C_LTE, C_GT, C_GTE, C_EQ };
enum { TP_MINUTE = 1, TP_HOUR, TP_DAY, TP_WEEK, TP_MONTH, TP_YEAR };

typedef struct matcher {
  int kind;
  int grp;   /* alternatives of one written value share a group (all: AND of groups) */
  int neg;   /* neq */
  int cased; /* case-sensitive */
  /* M_GLOB */
  char *text; /* literal bytes (lower-cased unless cased) */
  size_t textn;
  gtok *tok;
  size_t ntok;
  int shape; /* S_* fast path */
  /* bigrams of the literal text (lower case) that any matching value must
   * hold: a cheap test before memmem/glob, see ash_sigma_bigrams */
  uint64_t bg[ASH_SIGMA_BGW];
  int usebg, hasbg;
  /* the words of bg that are not zero: a literal of a few bytes sets a few
   * of the 16, and the per-value test (run ~5 million times on the EVTX
   * corpus) reads only those */
  uint8_t bgw[ASH_SIGMA_BGW];
  uint8_t nbgw;
  /* M_RE */
  void *re; /* pcre2_code_8 * */
  /* M_CIDR */
  ash_ip net;
  unsigned plen;
  /* M_NUM / M_TIME */
  int cmp;
  double num;
  int tpart;
  /* M_EXISTS */
  int exists;
  /* M_FREF */
  uint32_t fref;
} matcher;
enum { S_GENERAL = 0, S_EXACT, S_PREFIX, S_SUFFIX, S_CONTAINS, S_ANY };

/* One "field|mods: values" item: the values OR'ed (AND with all). */
typedef struct fitem {
  uint32_t field; /* interned field id; UINT32_MAX for keywords */
  int all;
  int neg; /* neq: the item is true when the values do not match */
  matcher *m;
  size_t nm;
} fitem;

/* A selection: OR of groups, each group an AND of items. */
typedef struct fgroup {
  fitem *it;
  size_t nit;
} fgroup;
typedef struct selection {
  char *name;
  fgroup *g;
  size_t ng;
} selection;

enum { N_SEL = 1, N_AND, N_OR, N_NOT, N_TRUE, N_FALSE };
typedef struct cnode {
  int t;
  size_t sel;          /* N_SEL */
  struct cnode **kids; /* N_AND/N_OR/N_NOT */
  size_t nk;
} cnode;

/* Which events a rule's logsource takes: any of the alternatives, each a
 * channel (case-insensitive) and optionally a list of event ids. */
typedef struct lsalt {
  const char *channel;
  const int *eids; /* 0-terminated; NULL = any event id */
} lsalt;
typedef struct lsrc {
  const lsalt *alt;
  size_t nalt;
  int overlay; /* process_creation: see Security 4688 as Sysmon 1 */
  int any;     /* product windows without category or service */
} lsrc;

/* A correlation rule (corr.c). */
enum {
  CT_EVENT_COUNT = 1,
  CT_VALUE_COUNT,
  CT_TEMPORAL,
  CT_TEMPORAL_ORDERED,
  CT_VALUE_SUM,
  CT_VALUE_AVG
};
typedef struct corr {
  int type;
  char **refs; /* rule names or ids, as written */
  size_t nrefs;
  size_t *refidx; /* resolved rule indexes (ash_sigma_prepare) */
  uint32_t *gb;   /* group-by fields: [ngb][nrefs] field ids (aliases resolved per rule) */
  size_t ngb;
  uint32_t *field; /* value_* field per referenced rule */
  int64_t span_us;
  int cmp[4];
  double cv[4];
  size_t ncmp;
  int generate;
} corr;

typedef struct rule {
  ash_sigma_rule_info info;
  char **tagv;
  char *name; /* the rule's `name`, for correlations; NULL when none */
  lsrc ls;
  selection *sel;
  size_t nsel;
  cnode *cond; /* NULL for a correlation */
  corr *corr;
  int suppressed;  /* referenced by a correlation without generate */
  uint32_t *feeds; /* correlations that take this rule's hits */
  size_t nfeeds;
} rule;

/* Field names interned case-insensitively into ids. */
typedef struct fname {
  char *name; /* lower case */
  size_t n;
  uint64_t h;
} fname;

struct ash_sigma {
  rule *r;
  size_t nr, rcap;
  ash_sigma_reject *rej;
  size_t nrej, rejcap;
  fname *f;
  size_t nf, fcap;
  uint32_t *fh; /* open-addressing hash of field ids + 1 */
  size_t fhcap;
  ynode *ph;      /* placeholders map */
  void *ph_arena; /* ... and the arena it lives in */
  uint8_t *rbuf;  /* rule file text, reused (rule.c load_file) */
  size_t rbufcap;
  ash_ycache *yc; /* parsed rule files (load_file), opened on first use */
  int yc_opened;
  size_t files;  /* rule files read by ash_sigma_load_path */
  size_t cached; /* ... of them parsed from yc (set when yc is written) */
  /* fast dispatch: rules per event id bucket (see eval.c) */
  uint32_t *bidx; /* rule indexes, grouped */
  size_t *bstart; /* per bucket: start in bidx; ASH_SIGMA_BUCKETS + 1 */
  int indexed;
  /* per rule: bigrams every matching event holds somewhere (eval.c) */
  uint64_t (*need)[ASH_SIGMA_BGW];
  /* per rule: literals one of which every matching event holds in some
   * value (eval.c, lit_*): rule i's are lclause[lcstart[i]..lcstart[i+1]),
   * none when the condition does not require one */
  char *litp;       /* the literals' bytes (lower case) */
  uint32_t *litoff; /* per literal: offset in litp; nlit + 1 */
  size_t nlit;
  uint32_t *lclause;     /* literal ids */
  size_t *lcstart;       /* nr + 1 */
  uint32_t *lnext;       /* per literal: next literal of the same prefix + 1 */
  uint32_t *lkey;        /* scan table: 3- or 4-byte prefixes (open addressing) */
  uint32_t *lhead;       /* per slot: first literal id + 1 */
  size_t lcap;           /* slots, a power of 2 */
  uint64_t lbm[2][1024]; /* prefixes present (3 and 4 bytes), hashed */
  uint64_t lpre[1024];   /* the 3-byte prefixes of all of them, hashed */
  uint8_t *bscan;        /* per bucket: worth scanning the event's text */
};

#define ASH_SIGMA_BUCKETS 1024u
#define ASH_SIGMA_FIELD_NONE UINT32_MAX

uint64_t ash_sigma_hash_lower(const char *p, size_t n);
/* The eight bytes of x with ASCII A-Z lower-cased. A byte is upper case
 * when its low seven bits plus 0x3f carry into bit 7 (>= 'A') and plus
 * 0x25 do not (<= 'Z'), and its own bit 7 is clear (not UTF-8); no sum
 * carries into the next byte. */
static inline uint64_t ash_sigma_lower8(uint64_t x) {
  const uint64_t hi = 0x8080808080808080ull, low7 = 0x7f7f7f7f7f7f7f7full;
  uint64_t a = x & low7;
  return x | (((a + 0x3f3f3f3f3f3f3f3full) & ~(a + 0x2525252525252525ull) & ~x & hi) >> 2);
}
/* Intern name (case-insensitive). */
int ash_sigma_intern(ash_sigma *s, const char *p, size_t n, uint32_t *id);
/* Look up without interning; ASH_SIGMA_FIELD_NONE when unknown. */
uint32_t ash_sigma_field_lookup(const ash_sigma *s, const char *p, size_t n);

/* Compile the condition expression(s) of a rule (cond.c). err gets the
 * reason on failure. */
int ash_sigma_cond_compile(const ynode *cond, const selection *sel, size_t nsel, cnode **out,
                           char *err, size_t errn);
void ash_sigma_cond_free(cnode *c);
/* Free the literal prefilter's arrays (eval.c), not the set itself. */
void ash_sigma_lit_free(ash_sigma *s);

/* Logsource table (logsource.c): fill ls, or return the reason. */
int ash_sigma_logsource(const ynode *ls, lsrc *out, char *name, size_t namen, char *err,
                        size_t errn);
/* Does the event (channel, event id) belong to ls? */
int ash_sigma_logsource_takes(const lsrc *ls, int64_t eid, ash_str channel);

/* Compile one matcher list for "field|mods: value(s)" (modifier.c). */
int ash_sigma_item_compile(ash_sigma *s, const char *key, const ynode *val, fitem *out, char *err,
                           size_t errn);
void ash_sigma_item_free(fitem *it);

/* Correlations (corr.c). */
int ash_sigma_corr_load(ash_sigma *s, const ynode *d, rule *r, char *err, size_t errn);
void ash_sigma_corr_free(corr *c);
/* Resolve every correlation's references; a correlation whose rules are
 * not all in the set becomes a rejection. */
int ash_sigma_corr_resolve(ash_sigma *s);
typedef struct ash_sigma_corr_state ash_sigma_corr_state;
int ash_sigma_corr_open(ash_sigma_corr_state **out, const ash_sigma *s);
void ash_sigma_corr_close(ash_sigma_corr_state *st);
/* Rule i hit the document (event at ts): feed the correlations that take
 * it; fire(u, j) for each correlation j whose condition became true. */
int ash_sigma_corr_feed(ash_sigma_corr_state *st, const ash_sigma_doc *d, size_t i, int64_t ts,
                        int (*fire)(void *u, size_t j), void *u);
void ash_sigma_rule_free(rule *r);

/* ---- documents (doc.c) ---- */
typedef struct dval {
  uint32_t off, n, loff;      /* raw and lower-cased copies in the doc text */
  uint32_t gen;               /* set in the current document when == doc gen */
  uint64_t bg[ASH_SIGMA_BGW]; /* bigrams of the lower-cased value */
} dval;

struct ash_sigma_doc {
  const ash_sigma *s;
  ash_buf text;
  dval *v, *ov; /* per field id: raw layer, process_creation overlay */
  size_t nv;
  uint32_t gen;
  int64_t eid, ts;
  ash_str channel; /* copy in chanbuf */
  char chanbuf[256];
  /* every value (for keywords) */
  dval *all;
  size_t nall, allcap;
  int overlay_set;
  uint64_t bg[ASH_SIGMA_BGW]; /* union of the values' bigrams */
  void *md;                   /* pcre2 match data */
  /* the attrs object of the event, read by read_attrs (eval.c): its
   * decoded strings and key/value pairs, reused from event to event */
  char *strs;
  size_t strscap;
  ash_kv *kv;
  size_t kvcap;
  uint32_t keyslot[1024]; /* repeated-key check: kv index + 1, stamped */
  uint32_t keygen[1024];
  uint32_t kgen;
  /* overlay values set (scanned for literals with d->all) */
  dval *ovl[16];
  size_t novl;
  int ovl_over;     /* more overlays than ovl holds: literals are not used */
  uint32_t *litgen; /* per literal: == gen when present in this document */
  size_t nlit;
  uint32_t lscan; /* == gen when the text was scanned for literals */
};

/* Value of field id for a rule (overlay when ov and set); 0 when absent. */
int ash_sigma_doc_get(const ash_sigma_doc *d, uint32_t id, int ov, ash_str *raw, ash_str *low,
                      const uint64_t **bg);
/* Add the bigrams of p (lower-cased ASCII) to a 256-bit set. */
void ash_sigma_bigrams(const char *p, size_t n, uint64_t bg[ASH_SIGMA_BGW]);
int ash_sigma_doc_add_overlay(ash_sigma_doc *d, const char *name, ash_str value);

int ash_sigma_matcher_test(const ash_sigma_doc *d, const matcher *m, int ov, ash_str raw,
                           ash_str low, const uint64_t *bg);

/* The built-in pack (data/rules, compiled in by CMakeLists.txt), ended by
 * an entry with a NULL name. */
struct ash_sigma_packfile {
  const char *name;
  const unsigned char *p;
  size_t n;
};
extern const struct ash_sigma_packfile ash_sigma_pack[];

#endif
