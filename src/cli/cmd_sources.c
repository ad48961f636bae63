/* ashiato sources CASE: the ingested files and their accounting. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "cli.h"

static const char *HELP =
    "usage: ashiato sources CASE [--json] [--rejects]\n\n"
    "Lists every source (file or archive member) in the case with its format,\n"
    "SHA-256 and record accounting: read = parsed + rejected.\n\n"
    "options:\n"
    "  --json       one JSON object per source (cli-contract.md)\n"
    "  --rejects    also list every rejected record with its reason\n"
    "  -h, --help   this text\n";

typedef struct sst {
  int json;
  ash_buf line;
  uint64_t n;
} sst;

static int print_source(void *u, const ash_source_info *in) {
  sst *s = u;
  char a[32] = "", b[32] = "";
  if (in->first_ts != ASH_TIME_UNSET) ash_time_format(in->first_ts, a);
  if (in->last_ts != ASH_TIME_UNSET) ash_time_format(in->last_ts, b);
  s->n++;
  if (s->json) {
    ash_buf_reset(&s->line);
    ash_buf_adds(&s->line, "{\"path\":\"");
    ash_buf_add_json_str(&s->line, in->path ? in->path : "", in->path ? strlen(in->path) : 0);
    ash_buf_printf(&s->line, "\",\"sha256\":\"%s\",\"format\":\"", in->sha256 ? in->sha256 : "");
    ash_buf_add_json_str(&s->line, in->format ? in->format : "",
                         in->format ? strlen(in->format) : 0);
    ash_buf_printf(
        &s->line,
        "\",\"size\":%" PRIu64 ",\"read\":%" PRIu64 ",\"parsed\":%" PRIu64 ",\"rejected\":%" PRIu64
        ",\"events\":%" PRIu64 ",\"duplicate\":false,\"complete\":%s",
        in->size, in->read, in->parsed, in->rejected, in->events, in->complete ? "true" : "false");
    if (a[0]) ash_buf_printf(&s->line, ",\"first_ts\":\"%s\",\"last_ts\":\"%s\"", a, b);
    ash_buf_adds(&s->line, "}");
    puts(s->line.p);
  } else {
    printf("%-10s %10" PRIu64 " read %10" PRIu64 " parsed %8" PRIu64 " rejected  %s .. %s  %s%s\n",
           in->format ? in->format : "?", in->read, in->parsed, in->rejected, a[0] ? a : "-",
           b[0] ? b : "-", in->path ? in->path : "",
           in->complete ? "" : "  (INCOMPLETE: ingest interrupted; run ingest again)");
  }
  return 0;
}

static int print_reject(void *u, const char *path, uint64_t ref, const char *reason,
                        const char *raw, size_t n) {
  sst *s = u;
  ash_buf_reset(&s->line);
  if (s->json) {
    ash_buf_adds(&s->line, "{\"path\":\"");
    ash_buf_add_json_str(&s->line, path ? path : "", path ? strlen(path) : 0);
    ash_buf_printf(&s->line, "\",\"ref\":%" PRIu64 ",\"reason\":\"", ref);
    ash_buf_add_json_str(&s->line, reason ? reason : "", reason ? strlen(reason) : 0);
    ash_buf_adds(&s->line, "\",\"raw\":\"");
    ash_buf_add_json_str(&s->line, raw, n);
    ash_buf_adds(&s->line, "\"}");
  } else {
    /* raw text is hostile: print it JSON-escaped so that control
     * characters cannot drive the terminal */
    ash_buf_printf(&s->line, "reject %s @%" PRIu64 ": %s: \"", path ? path : "", ref,
                   reason ? reason : "");
    ash_buf_add_json_str(&s->line, raw, n > 200 ? 200 : n);
    ash_buf_adds(&s->line, n > 200 ? "\"..." : "\"");
  }
  puts(s->line.p);
  return 0;
}

int cmd_sources(int argc, char **argv) {
  static const struct option lo[] = {
      {"json", 0, 0, 'j'}, {"rejects", 0, 0, 'r'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  sst s;
  memset(&s, 0, sizeof s);
  int rejects = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
    case 'j': s.json = 1; break;
    case 'r': rejects = 1; break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  ash_store *st;
  int rc = cli_store_open(&st, argv[optind], ASH_STORE_READONLY);
  if (rc) return ASH_EXIT_FAIL;
  ash_buf_init(&s.line, 1 << 20);
  rc = ash_store_sources(st, print_source, &s);
  if (!rc && rejects) rc = ash_store_rejects(st, 0, print_reject, &s);
  if (rc) fprintf(stderr, "ashiato: %s: %s\n", argv[optind], ash_store_errmsg(st));
  ash_store_close(st);
  ash_buf_free(&s.line);
  return rc ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
