/* ashiato timeline CASE: every event (or every finding's evidence) in time
 * order, as CSV, JSON lines or Timesketch JSONL. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "ashiato/timeline.h"
#include "cli.h"

static const char *HELP =
    "usage: ashiato timeline CASE [options]\n\n"
    "Writes the case as a timeline, one row per event in time order, for the\n"
    "tools a team already uses: CSV (Timeline Explorer, a spreadsheet), JSON\n"
    "lines (Splunk, Elastic, jq) or Timesketch's JSONL import. An event that is\n"
    "evidence of a finding carries the finding's id and severity (run 'ashiato\n"
    "hunt CASE' first). CSV follows RFC 4180; cells a spreadsheet would run as\n"
    "a formula (= + - @ TAB CR) are prefixed with a quote.\n\n"
    "options:\n"
    "  --format F     csv (default), jsonl or timesketch\n"
    "  --findings-only  only the findings' evidence, one row per item\n"
    "  --tz ZONE      write times in ZONE (+09:00, Asia/Tokyo), offset included;\n"
    "                 default UTC\n"
    "  -o FILE        write to FILE instead of stdout\n" CLI_FILTER_HELP
    "  -h, --help     this text\n";

typedef struct tst {
  ash_timeline_format fmt;
  ash_tz *tz;
  ash_evidence_index *ix;
  FILE *out;
  ash_buf line;
  uint64_t rows, untimed;
  int err;
  /* --findings-only: every evidence item, with its finding */
  struct item {
    ash_evidence e;
    char *finding, *host;
    ash_severity sev;
  } * items;
  size_t nitems, capitems;
} tst;

static int flush_line(tst *s) {
  if (s->line.n && fwrite(s->line.p, 1, s->line.n, s->out) != s->line.n) return ASH_EIO;
  ash_buf_reset(&s->line);
  return ASH_OK;
}

static int on_event(void *u, const ash_event *ev, const char *src, int is_rec, const char *attrs) {
  tst *s = u;
  ash_timeline_row r = {ev, src, is_rec, attrs, NULL, ASH_SEV_LOW, NULL};
  ash_evidence_index_find(s->ix, src, ev->ref, &r.finding_id, &r.severity);
  int rc = ash_timeline_write(s->fmt, &r, s->tz, &s->line);
  if (rc == ASH_ENOTFOUND) {
    s->untimed++;
    return ASH_OK;
  }
  if (!rc) s->rows++;
  return rc ? rc : flush_line(s);
}

static char *dup_or_null(const char *p) { return p ? strdup(p) : NULL; }

static int on_finding(void *u, const ash_finding *f) {
  tst *s = u;
  int rc = ash_evidence_index_add(s->ix, f);
  if (rc || !s->items) return rc;
  for (size_t i = 0; i < f->nevidence; i++) {
    struct item *v = ash_array_room(s->items, &s->capitems, s->nitems, sizeof *v, 64);
    if (!v) return ASH_ENOMEM;
    s->items = v;
    struct item *it = &s->items[s->nitems];
    memset(it, 0, sizeof *it);
    it->e = f->evidence[i];
    it->e.kind = dup_or_null(f->evidence[i].kind);
    it->e.text = dup_or_null(f->evidence[i].text);
    it->e.source_path = dup_or_null(f->evidence[i].source_path);
    it->finding = strdup(f->id);
    it->host = f->hosts.n ? strdup(f->hosts.v[0]) : NULL;
    it->sev = f->severity;
    s->nitems++;
    if (!it->finding) return ASH_ENOMEM;
  }
  return ASH_OK;
}

static int cmp_item(const void *a, const void *b) {
  const struct item *x = a, *y = b;
  if (x->e.ts != y->e.ts) return x->e.ts < y->e.ts ? -1 : 1;
  return strcmp(x->finding, y->finding);
}

static int write_items(tst *s) {
  qsort(s->items, s->nitems, sizeof *s->items, cmp_item);
  for (size_t i = 0; i < s->nitems; i++) {
    struct item *it = &s->items[i];
    ash_event ev;
    ash_event_init(&ev);
    ev.ts = it->e.ts;
    ev.kind = it->e.kind ? it->e.kind : ASH_KIND_LOG;
    ev.host = ash_str_cstr(it->host ? it->host : "");
    ev.ref = it->e.ref;
    ash_timeline_row r = {&ev,         it->e.source_path, it->e.ref_kind == ASH_REF_RECORD, NULL,
                          it->finding, it->sev,           it->e.text ? it->e.text : ""};
    int rc = ash_timeline_write(s->fmt, &r, s->tz, &s->line);
    if (rc == ASH_ENOTFOUND) {
      s->untimed++;
      continue;
    }
    if (!rc) rc = flush_line(s);
    if (rc) return rc;
    s->rows++;
  }
  return ASH_OK;
}

static void free_items(tst *s) {
  for (size_t i = 0; i < s->nitems; i++) {
    free(s->items[i].e.kind);
    free(s->items[i].e.text);
    free(s->items[i].e.source_path);
    free(s->items[i].finding);
    free(s->items[i].host);
  }
  free(s->items);
}

int cmd_timeline(int argc, char **argv) {
  static const struct option lo[] = {CLI_FILTER_OPTIONS,           {"format", 1, 0, 'f'},
                                     {"findings-only", 0, 0, 'F'}, {"tz", 1, 0, 'z'},
                                     {"help", 0, 0, 'h'},          {0, 0, 0, 0}};
  tst s;
  memset(&s, 0, sizeof s);
  s.fmt = ASH_TL_CSV;
  ash_event_query q = {.since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
  const char *tzname = NULL, *outpath = NULL;
  int findings_only = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
    int took = cli_filter_option(&q, c, optarg);
    if (took < 0) return ASH_EXIT_USAGE;
    if (took) continue;
    switch (c) {
    case 'f':
      if (ash_timeline_format_parse(optarg, &s.fmt)) {
        fprintf(stderr, "ashiato: --format: '%s' is not csv, jsonl or timesketch\n", optarg);
        return ASH_EXIT_USAGE;
      }
      break;
    case 'F': findings_only = 1; break;
    case 'z': tzname = optarg; break;
    case 'o': outpath = optarg; break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    cli_usage_args("timeline", argc - optind, 1, "CASE");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  if (tzname && ash_tz_open(&s.tz, tzname)) {
    fprintf(stderr, "ashiato: --tz: unknown zone '%s'\n", tzname);
    return ASH_EXIT_USAGE;
  }
  ash_store *st;
  if (cli_store_open(&st, argv[optind], ASH_STORE_READONLY)) {
    ash_tz_close(s.tz);
    return ASH_EXIT_FAIL;
  }
  s.out = stdout;
  if (outpath && !(s.out = fopen(outpath, "w"))) {
    perror(outpath);
    ash_store_close(st);
    ash_tz_close(s.tz);
    return ASH_EXIT_FAIL;
  }
  ash_buf_init(&s.line, (size_t)ASH_MAX_ATTRS_JSON + (16u << 20));
  int rc = ash_evidence_index_open(&s.ix);
  if (!rc && findings_only) {
    s.items = ash_array_room(NULL, &s.capitems, 0, sizeof *s.items, 64);
    if (!s.items) rc = ASH_ENOMEM;
  }
  if (!rc) rc = ash_store_findings(st, NULL, on_finding, &s);
  if (!rc) ash_evidence_index_build(s.ix);
  if (!rc) rc = ash_timeline_header(s.fmt, &s.line);
  if (!rc) rc = flush_line(&s);
  if (!rc) rc = findings_only ? write_items(&s) : ash_store_events(st, &q, on_event, &s);
  if (!rc && fflush(s.out)) rc = ASH_EIO;
  if (rc) {
    fprintf(stderr, "ashiato: timeline: %s", ash_strerror(rc));
    if (rc == ASH_ESTORE) fprintf(stderr, " (%s)", ash_store_errmsg(st));
    fputc('\n', stderr);
  }
  if (s.untimed)
    fprintf(stderr,
            "ashiato: timeline: %" PRIu64 " events without a time were left out (Timesketch "
            "cannot import them; the csv and jsonl forms keep them)\n",
            s.untimed);
  if (s.out != stdout && fclose(s.out) && !rc) rc = ASH_EIO;
  free_items(&s);
  ash_evidence_index_close(s.ix);
  ash_buf_free(&s.line);
  ash_store_close(st);
  ash_tz_close(s.tz);
  return rc ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
