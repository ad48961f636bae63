/* ashiato parse: parse evidence and print events without a case store.
 * Used by golden tests and for a quick look at a file. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/stream.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato parse [options] PATH...\n\n"
    "Parses files (plain, .gz, .zst, .zip; directories recursively) and prints\n"
    "their events as JSON lines on stdout, without a case store. The record\n"
    "accounting of each file goes to stderr as its last line:\n"
    "  read N parsed N rejected N events N\n\n"
    "options:\n" CLI_PARSE_HELP
    "  --rejects          also print rejected records (as {\"reject\":...})\n"
    "  --json             JSON lines (the default and only output form)\n"
    "  -h, --help         this text\n";

typedef struct pstate {
  const ash_format *forced;
  ash_parse_opts opts;
  int rejects;
  const char *name;
  int ref_is_record;
  ash_buf line;
  int failed;
} pstate;

static int on_event(void *u, const ash_event *ev) {
  pstate *s = u;
  ash_buf_reset(&s->line);
  int rc = ash_event_to_json(ev, s->name, s->ref_is_record, NULL, &s->line);
  if (rc) return rc;
  fwrite(s->line.p, 1, s->line.n, stdout);
  fputc('\n', stdout);
  return ASH_OK;
}

static int on_reject(void *u, uint64_t ref, const char *reason, const void *raw, size_t n) {
  pstate *s = u;
  if (!s->rejects) return ASH_OK;
  ash_buf_reset(&s->line);
  int rc = ash_buf_adds(&s->line, "{\"reject\":\"");
  if (!rc) rc = ash_buf_add_json_str(&s->line, reason, strlen(reason));
  if (!rc) rc = ash_buf_printf(&s->line, "\",\"ref\":%" PRIu64, ref);
  /* the exact bytes: raw_b64 beside raw when they are not UTF-8 */
  if (!rc) rc = cli_json_bytes(&s->line, "raw", raw, n);
  if (!rc) rc = ash_buf_adds(&s->line, "}");
  if (rc) return rc;
  fwrite(s->line.p, 1, s->line.n, stdout);
  fputc('\n', stdout);
  return ASH_OK;
}

static int parse_file(void *u, const char *path) {
  pstate *s = u;
  ash_input *in;
  int rc = ash_input_open(&in, path);
  if (rc) {
    fprintf(stderr, "ashiato: %s: %s\n", cli_safe(path), ash_strerror(rc));
    s->failed = 1;
    return ASH_OK;
  }
  const char *name, *why;
  while ((rc = ash_input_next(in, &name, &why)) != ASH_ENOTFOUND) {
    if (rc) {
      fprintf(stderr, "ashiato: %s: %s\n", cli_safe(name), cli_safe(why ? why : ash_strerror(rc)));
      s->failed = 1;
      if (rc == ASH_ENOMEM) break;
      continue;
    }
    const uint8_t *p;
    size_t n;
    rc = ash_input_whole(in, &p, &n);
    if (rc) {
      fprintf(stderr, "ashiato: %s: %s\n", cli_safe(name), ash_strerror(rc));
      s->failed = 1;
      continue;
    }
    const ash_format *f =
        s->forced ? s->forced : ash_format_sniff(p, n < ASH_SNIFF_BYTES ? n : ASH_SNIFF_BYTES);
    if (!f) {
      fprintf(stderr, "ashiato: %s: format not recognised (use --format)\n", cli_safe(name));
      s->failed = 1;
      continue;
    }
    s->name = name;
    s->ref_is_record = f->ref_is_record;
    ash_mem_result res;
    rc = ash_parse_memory(f, p, n, &s->opts, on_event, on_reject, s, &res);
    if (rc) {
      fprintf(stderr, "ashiato: %s: %s\n", cli_safe(name), ash_strerror(rc));
      s->failed = 1;
    }
    fprintf(stderr, "read %" PRIu64 " parsed %" PRIu64 " rejected %" PRIu64 " events %" PRIu64 "\n",
            res.read, res.parsed, res.rejected, res.events);
  }
  ash_input_close(in);
  return ASH_OK;
}

static void on_warn(void *u, const char *member, const char *msg) {
  pstate *s = u;
  fprintf(stderr, "ashiato: warning: %s: %s\n", member ? member : s->name, msg);
}

static void on_walk_error(void *u, const char *path, int err, const char *why) {
  pstate *s = u;
  fprintf(stderr, "ashiato: %s: %s\n", cli_safe(path), why);
  /* a FIFO or device found in a folder is said, not a failure to read */
  if (err != ASH_EFORMAT) s->failed = 1;
}

int cmd_parse(int argc, char **argv) {
  static const struct option lo[] = {CLI_PARSE_OPTIONS,
                                     {"rejects", 0, 0, 'r'},
                                     {"json", 0, 0, 'j'},
                                     {"help", 0, 0, 'h'},
                                     {0, 0, 0, 0}};
  pstate s;
  memset(&s, 0, sizeof s);
  s.opts.threads = cli_default_threads();
  cli_parse_args pa = {0};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    int took = cli_parse_option(&pa, &s.opts, c, optarg);
    if (took < 0) return ASH_EXIT_USAGE;
    if (took) continue;
    switch (c) {
    case 'r': s.rejects = 1; break;
    case 'j': break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  int u = cli_parse_common(&s.opts, &s.forced, &pa);
  if (u) return u;
  s.opts.on_warn = on_warn;
  s.opts.warn_u = &s;
  ash_buf_init(&s.line, ASH_MAX_LINE * 8);
  for (int i = optind; i < argc; i++) ash_walk(argv[i], parse_file, on_walk_error, &s);
  ash_buf_free(&s.line);
  ash_tz_close(s.opts.tz);
  return s.failed ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
