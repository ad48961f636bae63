#include "ashiato/raw.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/stream.h"
#include "ctx.h"
#include "evtx.h"

struct ash_raw {
  char *path;       /* source path of the member held */
  ash_input *in;    /* open input positioned on that member */
  const uint8_t *p; /* the member's bytes */
  size_t n;
  ash_evtx_index *ix; /* its EVTX records by number, built on first use */
  int eol;            /* its line ends as the splitter read them (ASH_EOL_*) */
};

int ash_raw_open(ash_raw **out) {
  ash_raw *r = calloc(1, sizeof *r);
  if (!r) return ASH_ENOMEM;
  *out = r;
  return ASH_OK;
}

static void drop(ash_raw *r) {
  ash_evtx_index_free(r->ix);
  r->ix = NULL;
  ash_input_close(r->in);
  free(r->path);
  r->in = NULL;
  r->path = NULL;
  r->p = NULL;
  r->n = 0;
}

void ash_raw_close(ash_raw *r) {
  if (!r) return;
  drop(r);
  free(r);
}

static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Open the member named by a source path: the file itself, or the part
 * before a '!' that is a file, then the member named after it (names may
 * themselves contain '!': each split is tried from the left). */
static int load(ash_raw *r, const char *source) {
  if (r->path && !strcmp(r->path, source)) return ASH_OK;
  drop(r);
  size_t len = strlen(source);
  char *outer = malloc(len + 1);
  if (!outer) return ASH_ENOMEM;
  memcpy(outer, source, len + 1);
  const char *inner = NULL;
  if (!is_file(outer)) {
    for (char *bang = strchr(outer, '!'); bang; bang = strchr(bang + 1, '!')) {
      *bang = 0;
      if (is_file(outer)) {
        inner = source + (bang - outer) + 1;
        break;
      }
      *bang = '!';
    }
    if (!inner) {
      free(outer);
      return ASH_ENOTFOUND;
    }
  }
  ash_input *in;
  int rc = ash_input_open(&in, outer);
  free(outer);
  if (rc) return rc;
  const char *name, *why;
  for (;;) {
    rc = ash_input_next(in, &name, &why);
    if (rc == ASH_ENOTFOUND) break;
    if (rc) continue;
    if (!strcmp(name, source)) break;
  }
  if (rc == ASH_OK) rc = ash_input_whole(in, &r->p, &r->n);
  if (rc) {
    ash_input_close(in);
    return rc;
  }
  r->in = in;
  r->eol = ash_eol_detect(r->p, r->n);
  r->path = strdup(source);
  if (!r->path) {
    drop(r);
    return ASH_ENOMEM;
  }
  return ASH_OK;
}

int ash_raw_get(ash_raw *r, const char *source_path, uint64_t ref, int ref_is_record,
                ash_buf *out) {
  int rc = load(r, source_path);
  if (rc) return rc;
  ash_buf_reset(out);
  if (ref_is_record) {
    if (r->n < 8 || memcmp(r->p, "ElfFile", 8)) return ASH_ENOTFOUND;
    /* one decoding pass per file, then one record per event: `events
     * --raw` over a whole Security.evtx must not decode it once per event */
    if (!r->ix && (rc = ash_evtx_index_build(r->p, r->n, &r->ix))) return rc;
    return ash_evtx_index_xml(r->ix, r->p, r->n, ref, out);
  }
  if (ref >= r->n) return ASH_ENOTFOUND;
  size_t avail = r->n - (size_t)ref;
  if (avail > ASH_MAX_LINE) avail = ASH_MAX_LINE;
  const uint8_t *s = r->p + ref;
  return ash_buf_add(out, s, ash_eol_line_len(s, avail, r->eol));
}
