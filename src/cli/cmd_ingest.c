/* ashiato ingest CASE PATH...: evidence into a case store. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/ingest.h"
#include "ashiato/time.h"
#include "cli.h"
#include "progress.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato ingest CASE PATH... [options]\n\n"
    "Reads evidence files into the case store CASE (an SQLite file, created on\n"
    "first use). PATH is a file or a directory (walked recursively); .gz, .zst,\n"
    ".bz2, .xz, .zip and .tar(.gz) are opened transparently. Each file's format\n"
    "is detected from its content. Evidence is opened read-only. Re-ingesting\n"
    "the same content is a no-op; an interrupted ingest is completed by running\n"
    "the same command again. A log that grew since it was ingested (its start is\n"
    "the content of a source in the case, under any name) is read from where\n"
    "that source ended, as a source that continues it. The case file and its\n"
    "journals are left out of the walk.\n\n"
    "CASE may also be clickhouse://HOST[:PORT]/DATABASE: the case in ClickHouse\n"
    "(one server: the database is created on first ingest; shards: see 'ashiato\n"
    "ch init'). Every other verb reads it as it reads an SQLite case.\n\n"
    "An input that is not read (FIFO, device, dangling link, link loop,\n"
    "unreadable or unrecognised file) is listed as skipped, with why, in\n"
    "'ashiato sources'; the exit status is 1 when nothing named could be read.\n\n"
    "Every record is accounted for: read = parsed + rejected, and each\n"
    "rejection is kept in the case with its reason and raw text.\n\n"
    "options:\n" CLI_PARSE_HELP
    "  --json             one JSON object per source on stdout (cli-contract)\n"
    "  -h, --help         this text\n\n"
    "exit status: 0 done (also when records were rejected), 1 failed (also when\n"
    "every input was skipped), 2 usage\n";

/* Sources that lost more than half of their records: named again at the
 * end, with their top reasons (a "rejected N" in a summary line is easy to
 * miss; half a collection was once dropped that way with exit 0). */
#define MOSTLY_MAX 200
typedef struct mostly {
  int64_t id;
  char *path;
  uint64_t read, rejected;
} mostly;

typedef struct ist {
  int json;
  cli_progress prog;
  ash_buf line;
  mostly bad[MOSTLY_MAX];
  size_t nbad, more_bad;
} ist;

static void note_mostly_rejected(ist *s, const ash_source_info *in) {
  if (in->duplicate || in->skip_reason || !in->read || in->rejected * 2 <= in->read) return;
  if (s->nbad == MOSTLY_MAX) {
    s->more_bad++;
    return;
  }
  mostly *m = &s->bad[s->nbad];
  m->path = strdup(in->path ? in->path : "");
  if (!m->path) return;
  m->id = in->id;
  m->read = in->read;
  m->rejected = in->rejected;
  s->nbad++;
}

/* The reasons of one source's rejections, counted (at most REASONS
 * distinct; the rest counted together). */
#define REASONS 32
typedef struct reasons {
  char *why[REASONS];
  uint64_t n[REASONS], other;
  size_t k;
} reasons;

static int count_reason(void *u, const char *path, uint64_t ref, const char *reason,
                        const char *raw, size_t n) {
  (void)path, (void)ref, (void)raw, (void)n;
  reasons *r = u;
  const char *why = reason ? reason : "";
  for (size_t i = 0; i < r->k; i++)
    if (!strcmp(r->why[i], why)) {
      r->n[i]++;
      return 0;
    }
  if (r->k < REASONS && (r->why[r->k] = strdup(why))) {
    r->n[r->k++] = 1;
  } else {
    r->other++;
  }
  return 0;
}

/* The warning block at the end of an ingest. */
static void warn_mostly_rejected(ist *s, ash_store *st) {
  if (!s->nbad) return;
  fprintf(stderr,
          "\nashiato: warning: %zu source%s lost more than half of %s records to rejection:\n",
          s->nbad + s->more_bad, s->nbad + s->more_bad == 1 ? "" : "s",
          s->nbad + s->more_bad == 1 ? "its" : "their");
  for (size_t i = 0; i < s->nbad; i++) {
    mostly *m = &s->bad[i];
    fprintf(stderr, "  %s: %" PRIu64 " of %" PRIu64 " rejected\n", cli_safe(m->path), m->rejected,
            m->read);
    reasons r;
    memset(&r, 0, sizeof r);
    if (!ash_store_rejects(st, m->id, count_reason, &r)) {
      uint64_t shown = 0;
      for (int top = 0; top < 3; top++) { /* the three most frequent */
        size_t best = SIZE_MAX;
        for (size_t k = 0; k < r.k; k++)
          if (r.n[k] && (best == SIZE_MAX || r.n[k] > r.n[best])) best = k;
        if (best == SIZE_MAX) break;
        fprintf(stderr, "      %8" PRIu64 "  %s\n", r.n[best], cli_safe(r.why[best]));
        shown += r.n[best];
        r.n[best] = 0;
      }
      if (m->rejected > shown)
        fprintf(stderr, "      %8" PRIu64 "  (other reasons)\n", m->rejected - shown);
    }
    for (size_t k = 0; k < r.k; k++) free(r.why[k]);
  }
  if (s->more_bad) fprintf(stderr, "  ... and %zu more\n", s->more_bad);
  fprintf(stderr, "  Is each file what it seems? Force the format with --format NAME ('ashiato\n"
                  "  formats'), give a column map with --map FILE, or the zone of zoneless\n"
                  "  times with --tz; 'ashiato sources CASE --rejects' shows every rejected\n"
                  "  record with its reason and raw text.\n");
}

/* One source as a JSON line (cli-contract.md), extended with "state"
 * (complete or skipped), "reason" for a skipped input, and "continues" and
 * "base_size" for a continuation. */
static void json_line(ist *s, const ash_source_info *in) {
  char a[32] = "", b[32] = "";
  if (in->first_ts != ASH_TIME_UNSET) ash_time_format(in->first_ts, a);
  if (in->last_ts != ASH_TIME_UNSET) ash_time_format(in->last_ts, b);
  ash_buf_reset(&s->line);
  ash_buf_adds(&s->line, "{\"path\":\"");
  ash_buf_add_json_str(&s->line, in->path, strlen(in->path));
  ash_buf_printf(&s->line,
                 "\",\"sha256\":\"%s\",\"format\":\"%s\",\"read\":%" PRIu64 ",\"parsed\":%" PRIu64
                 ",\"rejected\":%" PRIu64 ",\"events\":%" PRIu64
                 ",\"duplicate\":%s,\"state\":\"%s\"",
                 in->sha256 ? in->sha256 : "", in->format ? in->format : "", in->read, in->parsed,
                 in->rejected, in->events, in->duplicate ? "true" : "false",
                 in->skip_reason ? "skipped" : "complete");
  if (in->skip_reason) {
    ash_buf_adds(&s->line, ",\"reason\":\"");
    ash_buf_add_json_str(&s->line, in->skip_reason, strlen(in->skip_reason));
    ash_buf_adds(&s->line, "\"");
  }
  if (in->continues)
    ash_buf_printf(&s->line, ",\"continues\":%" PRId64 ",\"base_size\":%" PRIu64, in->continues,
                   in->base_size);
  if (a[0]) ash_buf_printf(&s->line, ",\"first_ts\":\"%s\",\"last_ts\":\"%s\"", a, b);
  ash_buf_adds(&s->line, "}");
  puts(s->line.p);
}

static void on_source(void *u, const ash_source_info *in) {
  ist *s = u;
  cli_progress_done(&s->prog);
  note_mostly_rejected(s, in);
  char a[32] = "", b[32] = "";
  if (in->first_ts != ASH_TIME_UNSET) ash_time_format(in->first_ts, a);
  if (in->last_ts != ASH_TIME_UNSET) ash_time_format(in->last_ts, b);
  if (s->json) {
    json_line(s, in);
  } else if (in->duplicate) {
    printf("%s: already in the case (same SHA-256), nothing added\n", cli_safe(in->path));
  } else {
    char cont[96] = "";
    if (in->continues)
      snprintf(cont, sizeof cont, " (grown: continues source %" PRId64 ", from byte %" PRIu64 ")",
               in->continues, in->base_size);
    printf("%s: %s%s, read %" PRIu64 " parsed %" PRIu64 " rejected %" PRIu64 " (%" PRIu64
           " events)%s%s%s%s\n",
           cli_safe(in->path), cli_safe(in->format), cont, in->read, in->parsed, in->rejected,
           in->events, a[0] ? ", " : "", a, a[0] ? " .. " : "", b);
  }
  fflush(stdout);
}

static void on_skip(void *u, const ash_source_info *in) {
  ist *s = u;
  cli_progress_done(&s->prog);
  fprintf(stderr, "ashiato: skipped %s: %s\n", cli_safe(in->path), cli_safe(in->skip_reason));
  if (s->json) {
    json_line(s, in);
    fflush(stdout);
  }
}

/* A parser's remark about a whole source: on stderr, so that --json
 * output stays one object per line. */
static void on_warn(void *u, const char *member, const char *msg) {
  ist *s = u;
  cli_progress_done(&s->prog);
  fprintf(stderr, "ashiato: warning: %s: %s\n", member ? member : "(input)", msg);
}

static void on_progress(void *u, const ash_ingest_progress *p) {
  ist *s = u;
  cli_progress_update(&s->prog, p->bytes_done, p->bytes_total, p->records);
}

int cmd_ingest(int argc, char **argv) {
  static const struct option lo[] = {
      CLI_PARSE_OPTIONS, {"json", 0, 0, 'j'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  ist s;
  memset(&s, 0, sizeof s);
  ash_ingest_opts o;
  memset(&o, 0, sizeof o);
  o.parse.threads = cli_default_threads();
  cli_parse_args pa = {0};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    int took = cli_parse_option(&pa, &o.parse, c, optarg);
    if (took < 0) return ASH_EXIT_USAGE;
    if (took) continue;
    switch (c) {
    case 'j': s.json = 1; break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind < 2) {
    cli_usage_args("ingest", argc - optind, 2,
                   argc - optind ? "PATH (the evidence)" : "CASE and PATH");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  int u = cli_parse_common(&o.parse, &o.format, &pa);
  if (u) return u;
  const char *case_path = argv[optind];
  ash_store *st;
  /* a PATH that is not there is a mistake to report before anything is
   * created, not a file to skip */
  for (int i = optind + 1; i < argc; i++) {
    struct stat sb;
    if (stat(argv[i], &sb)) {
      fprintf(stderr, "ashiato: %s: %s\n", cli_safe(argv[i]), strerror(errno));
      ash_tz_close(o.parse.tz);
      return ASH_EXIT_FAIL;
    }
  }
  int rc = cli_store_open(&st, case_path, ASH_STORE_CREATE);
  if (rc) {
    ash_tz_close(o.parse.tz);
    return ASH_EXIT_FAIL;
  }
  ash_buf_init(&s.line, 1 << 20);
  cli_progress_init(&s.prog, "ingest");
  o.on_source = on_source;
  o.on_skip = on_skip;
  o.on_progress = on_progress;
  o.u = &s;
  o.parse.on_warn = on_warn;
  o.parse.warn_u = &s;
  ash_ingest_totals t;
  rc = ash_ingest(st, (const char *const *)argv + optind + 1, (size_t)(argc - optind - 1), &o, &t);
  cli_progress_done(&s.prog);
  if (rc)
    fprintf(stderr, "ashiato: %s: %s: %s\n", cli_safe(case_path), ash_strerror(rc),
            cli_safe(ash_store_errmsg(st)));
  else
    warn_mostly_rejected(&s, st);
  for (size_t i = 0; i < s.nbad; i++) free(s.bad[i].path);
  int rc2 = ash_store_close(st);
  if (!rc && rc2) cli_error(case_path, rc2);
  if (rc || rc2)
    fprintf(stderr,
            "ingest stopped: the case keeps what was committed before the error ('ashiato "
            "sources %s'); the same command completes the rest once the cause is fixed\n",
            cli_safe(case_path));
  else if (!s.json)
    fprintf(stderr,
            "ingested %" PRIu64 " sources (%" PRIu64 " already present, %" PRIu64
            " continuing a source, %" PRIu64 " skipped): read %" PRIu64 " parsed %" PRIu64
            " rejected %" PRIu64 ", %" PRIu64 " events\n",
            t.sources, t.duplicates, t.continued, t.skipped, t.read, t.parsed, t.rejected,
            t.events);
  if (t.excluded)
    fprintf(stderr, "left out %" PRIu64 " file%s of the case itself (%s and its journals)\n",
            t.excluded, t.excluded == 1 ? "" : "s", case_path);
  /* the job failed when nothing named could be read: every input found was
   * skipped (an empty file was read, and had nothing) */
  int none = !rc && !rc2 && !t.sources && !t.duplicates && t.skipped > t.empty;
  if (none)
    fprintf(stderr,
            "ashiato: nothing could be read: every input was skipped (see 'ashiato sources "
            "%s')\n",
            case_path);
  ash_buf_free(&s.line);
  ash_tz_close(o.parse.tz);
  return rc || rc2 || none ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
