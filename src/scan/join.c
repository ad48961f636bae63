/* Finishing a scan: join each flagged file with what the case saw of it
 * (antivirus detections, file creations, process starts with the same
 * SHA-256 or the same file name), rank, and store the findings in the
 * case. One pass over the case's file events for the whole scan, not one
 * query per file. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "ashiato/time.h"
#include "hunt/hunt_internal.h"
#include "scan_internal.h"

/* Case events attached to one finding (more are counted as dropped). */
#define MAX_CASE_EVIDENCE 50

typedef struct key {
  char k[260]; /* lower-case sha256 or file name */
  size_t fi;   /* finding index */
} key;

typedef struct jstate {
  ash_finding *fv;
  size_t fn;
  key *by_sha, *by_name;
  size_t nsha, nname;
  unsigned *added; /* case evidence per finding */
  int *av_same_hash, *seen_same_hash;
  ash_buf line;
} jstate;

static int cmp_key(const void *a, const void *b) {
  return strcmp(((const key *)a)->k, ((const key *)b)->k);
}

static void lower_into(char *dst, size_t cap, const char *s, size_t n) {
  size_t i = 0;
  for (; i < n && i + 1 < cap; i++) dst[i] = (char)tolower((unsigned char)s[i]);
  dst[i] = 0;
}

/* Last component of a Windows or Unix path, or of an archive member. */
static ash_str base_of(ash_str p) {
  size_t i = p.n;
  while (i > 0 && p.p[i - 1] != '\\' && p.p[i - 1] != '/' && p.p[i - 1] != '!') i--;
  return ash_str_make(p.p + i, p.n - i);
}

static const char *details_sha(const ash_finding *f) {
  const char *d = f->details_json ? strstr(f->details_json, "\"sha256\":\"") : NULL;
  if (!d || strspn(d + 10, "0123456789abcdef") != 64) return NULL; /* not hashed (partial) */
  return d + 10;
}

static int describe(ash_buf *b, const ash_event *ev) {
  int rc = ash_buf_printf(b, "%s", ev->kind);
  /* these are log fields: shown as JSON-escaped text by the finding's
   * writer; here they are only joined with our own words */
  if (!rc && ev->host.n) {
    rc = ash_buf_adds(b, " on ");
    if (!rc) rc = ash_buf_add(b, ev->host.p, ev->host.n);
  }
  if (!rc && ev->threat.n) {
    rc = ash_buf_adds(b, ": ");
    if (!rc) rc = ash_buf_add(b, ev->threat.p, ev->threat.n);
  }
  if (!rc && ev->action.n) {
    rc = ash_buf_adds(b, " (");
    if (!rc) rc = ash_buf_add(b, ev->action.p, ev->action.n);
    if (!rc) rc = ash_buf_addc(b, ')');
  }
  if (!rc && ev->path.n) {
    rc = ash_buf_adds(b, " path ");
    if (!rc) rc = ash_buf_add(b, ev->path.p, ev->path.n);
  }
  if (!rc && ev->process.n) {
    rc = ash_buf_adds(b, " process ");
    if (!rc) rc = ash_buf_add(b, ev->process.p, ev->process.n);
  }
  if (!rc && ev->user.n) {
    rc = ash_buf_adds(b, " user ");
    if (!rc && ev->domain.n) rc = ash_buf_add(b, ev->domain.p, ev->domain.n);
    if (!rc && ev->domain.n) rc = ash_buf_addc(b, '\\');
    if (!rc) rc = ash_buf_add(b, ev->user.p, ev->user.n);
  }
  if (!rc && ev->sha256.n) {
    rc = ash_buf_adds(b, " sha256 ");
    if (!rc) rc = ash_buf_add(b, ev->sha256.p, ev->sha256.n);
  }
  return rc;
}

static int attach(jstate *j, size_t fi, const ash_event *ev, const char *src, int ref_is_record,
                  int same_hash) {
  ash_finding *f = &j->fv[fi];
  if (j->added[fi] >= MAX_CASE_EVIDENCE) {
    f->evidence_dropped++;
    return ASH_OK;
  }
  j->added[fi]++;
  ash_buf_reset(&j->line);
  int rc = ash_buf_adds(&j->line,
                        same_hash ? "same SHA-256 in the case: " : "same file name in the case: ");
  if (!rc) rc = describe(&j->line, ev);
  if (rc == ASH_ELIMIT) rc = ASH_OK; /* a cut description still points at its source */
  if (rc) return rc;
  ash_evidence e = {ev->ts,      (char *)ev->kind, j->line.p,
                    (char *)src, ev->ref,          ref_is_record ? ASH_REF_RECORD : ASH_REF_OFFSET};
  rc = ash_finding_add_evidence(f, &e);
  /* a name match may be a different file: only the same content dates
   * the finding and names who was involved */
  if (!rc && same_hash) {
    ash_finding_see(f, ev->ts);
    if (ev->host.n) rc = ash_finding_add_host(f, ev->host);
    if (!rc && ev->user.n) rc = ash_finding_add_account(f, ev->user);
    if (!strncmp(ev->kind, "av.", 3))
      j->av_same_hash[fi]++;
    else
      j->seen_same_hash[fi]++;
  }
  return rc;
}

static int on_event(void *u, const ash_event *ev, const char *src, int ref_is_record) {
  jstate *j = u;
  int rc = ASH_OK;
  size_t hit_sha = (size_t)-1;
  if (ev->sha256.n == 64) {
    key k;
    lower_into(k.k, sizeof k.k, ev->sha256.p, ev->sha256.n);
    key *m = bsearch(&k, j->by_sha, j->nsha, sizeof k, cmp_key);
    /* several findings may share a hash (copies in two folders) */
    while (m && m > j->by_sha && !strcmp((m - 1)->k, k.k)) m--;
    for (; !rc && m && m < j->by_sha + j->nsha && !strcmp(m->k, k.k); m++) {
      rc = attach(j, m->fi, ev, src, ref_is_record, 1);
      hit_sha = m->fi;
    }
  }
  if (!rc && ev->path.n) {
    ash_str b = base_of(ev->path);
    if (!b.n || b.n >= sizeof((key *)0)->k) return rc;
    key k;
    lower_into(k.k, sizeof k.k, b.p, b.n);
    key *m = bsearch(&k, j->by_name, j->nname, sizeof k, cmp_key);
    while (m && m > j->by_name && !strcmp((m - 1)->k, k.k)) m--;
    for (; !rc && m && m < j->by_name + j->nname && !strcmp(m->k, k.k); m++)
      if (m->fi != hit_sha) rc = attach(j, m->fi, ev, src, ref_is_record, 0);
  }
  return rc;
}

static int join_case(ash_store *s, ash_finding *fv, size_t fn) {
  jstate j;
  memset(&j, 0, sizeof j);
  j.fv = fv;
  j.fn = fn;
  j.by_sha = calloc(fn ? fn : 1, sizeof *j.by_sha);
  j.by_name = calloc(fn ? fn : 1, sizeof *j.by_name);
  j.added = calloc(fn ? fn : 1, sizeof *j.added);
  j.av_same_hash = calloc(fn ? fn : 1, sizeof *j.av_same_hash);
  j.seen_same_hash = calloc(fn ? fn : 1, sizeof *j.seen_same_hash);
  ash_buf_init(&j.line, 8192);
  int rc =
      j.by_sha && j.by_name && j.added && j.av_same_hash && j.seen_same_hash ? ASH_OK : ASH_ENOMEM;
  for (size_t i = 0; !rc && i < fn; i++) {
    const char *sha = details_sha(&fv[i]);
    if (sha) {
      lower_into(j.by_sha[j.nsha].k, 65, sha, 64);
      j.by_sha[j.nsha++].fi = i;
    }
    if (fv[i].files.n) {
      ash_str b = base_of(ash_str_cstr(fv[i].files.v[0]));
      if (b.n && b.n < sizeof j.by_name[0].k) {
        lower_into(j.by_name[j.nname].k, sizeof j.by_name[0].k, b.p, b.n);
        j.by_name[j.nname++].fi = i;
      }
    }
  }
  if (!rc) {
    qsort(j.by_sha, j.nsha, sizeof *j.by_sha, cmp_key);
    qsort(j.by_name, j.nname, sizeof *j.by_name, cmp_key);
    rc = ash_store_file_events(s, on_event, &j);
  }
  for (size_t i = 0; !rc && i < fn; i++) {
    ash_finding *f = &fv[i];
    if (!j.av_same_hash[i] && !j.seen_same_hash[i] && !j.added[i]) continue;
    /* the antivirus saw the very same content: the file is known bad, and
     * the detection dates the intrusion */
    int bump = j.av_same_hash[i] ? 15 : j.seen_same_hash[i] ? 5 : 0;
    if (bump) ash_finding_set_score(f, f->score + bump);
    if (j.av_same_hash[i])
      rc = hunt_summary_add(f, "scan.sum.av", HUNT_ARG("%d", j.av_same_hash[i]));
    if (!rc && j.seen_same_hash[i])
      rc = hunt_summary_add(f, "scan.sum.seen", HUNT_ARG("%d", j.seen_same_hash[i]));
    unsigned by_name = j.added[i] - (unsigned)(j.av_same_hash[i] + j.seen_same_hash[i]);
    if (!rc && by_name) rc = hunt_summary_add(f, "scan.sum.byname", HUNT_ARG("%u", by_name));
  }
  ash_buf_free(&j.line);
  free(j.by_sha);
  free(j.by_name);
  free(j.added);
  free(j.av_same_hash);
  free(j.seen_same_hash);
  return rc;
}

int ash_scan_join_and_store(ash_store *s, ash_finding *fv, size_t fn) {
  int rc = join_case(s, fv, fn);
  qsort(fv, fn, sizeof *fv, ash_finding_cmp);
  for (size_t i = 0; !rc && i < fn; i++) rc = ash_store_add_finding(s, &fv[i]);
  return rc;
}
