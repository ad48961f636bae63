/* ashiato sources CASE: the ingested files and their accounting. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/raw.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato sources CASE [--json] [--rejects] [--verify]\n\n"
    "Lists every source (file or archive member) in the case with its format,\n"
    "SHA-256 and record accounting: read = parsed + rejected. An input that was\n"
    "not read (FIFO, device, dangling link, unreadable or unrecognised file) is\n"
    "listed as SKIPPED with why; a log ingested again after it grew is listed as\n"
    "a source that continues the earlier one from the byte where it ended.\n\n"
    "options:\n"
    "  --json       one JSON object per source (cli-contract.md)\n"
    "  --rejects    also list every rejected record with its reason\n"
    "  --verify     re-hash every evidence file (SHA-256) and say which are\n"
    "               ok, changed or missing since ingest; exit status 1 when\n"
    "               any is changed or missing\n"
    "  -h, --help   this text\n";

typedef struct sst {
  int json;
  ash_buf line;
  uint64_t n;
  ash_raw *verify;                    /* --verify */
  uint64_t ok, changed, missing, bad; /* its results */
  /* id -> path of the sources listed so far, to name what a continuation
   * continues (an earlier row: ids grow) */
  int64_t *ids;
  char **paths;
  size_t nids, capids;
} sst;

/* Check one source against the evidence now (--verify): its status word
 * and, for a change or an error, what. */
static const char *verify_one(sst *s, const ash_source_info *in, const char **detail) {
  *detail = NULL;
  if (in->skip_reason) return "skipped";  /* not read: nothing to check */
  if (!in->complete) return "incomplete"; /* never shown as evidence */
  int rc = ash_raw_check(s->verify, in, detail);
  if (!rc) {
    s->ok++;
    return "ok";
  }
  if (rc == ASH_ECHANGED) {
    s->changed++;
    return "changed";
  }
  if (rc == ASH_ENOTFOUND) {
    s->missing++;
    *detail = "file or archive member not found";
    return "missing";
  }
  s->bad++;
  *detail = ash_strerror(rc);
  return "unreadable";
}

static const char *path_of(const sst *s, int64_t id) {
  for (size_t i = 0; i < s->nids; i++)
    if (s->ids[i] == id) return s->paths[i];
  return NULL;
}

static void remember(sst *s, const ash_source_info *in) {
  if (s->json || !in->path || in->skip_reason) return;
  if (s->nids == s->capids) {
    size_t cap = s->capids ? s->capids * 2 : 64;
    int64_t *ni = realloc(s->ids, cap * sizeof *ni);
    if (!ni) return;
    s->ids = ni;
    char **np = realloc(s->paths, cap * sizeof *np);
    if (!np) return;
    s->paths = np;
    s->capids = cap;
  }
  char *p = strdup(in->path);
  if (!p) return;
  s->ids[s->nids] = in->id;
  s->paths[s->nids++] = p;
}

static int print_source(void *u, const ash_source_info *in) {
  sst *s = u;
  char a[32] = "", b[32] = "";
  if (in->first_ts != ASH_TIME_UNSET) ash_time_format(in->first_ts, a);
  if (in->last_ts != ASH_TIME_UNSET) ash_time_format(in->last_ts, b);
  s->n++;
  const char *status = NULL, *detail = NULL;
  if (s->verify) status = verify_one(s, in, &detail);
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
        ",\"events\":%" PRIu64 ",\"duplicate\":false,\"complete\":%s,\"state\":\"%s\"",
        in->size, in->read, in->parsed, in->rejected, in->events, in->complete ? "true" : "false",
        in->skip_reason ? "skipped"
        : in->complete  ? "complete"
                        : "incomplete");
    if (in->skip_reason) {
      ash_buf_adds(&s->line, ",\"reason\":\"");
      ash_buf_add_json_str(&s->line, in->skip_reason, strlen(in->skip_reason));
      ash_buf_adds(&s->line, "\"");
    }
    if (in->continues)
      ash_buf_printf(&s->line, ",\"continues\":%" PRId64 ",\"base_size\":%" PRIu64, in->continues,
                     in->base_size);
    if (a[0]) ash_buf_printf(&s->line, ",\"first_ts\":\"%s\",\"last_ts\":\"%s\"", a, b);
    if (status) {
      ash_buf_printf(&s->line, ",\"verify\":\"%s\"", status);
      if (detail) {
        ash_buf_adds(&s->line, ",\"verify_detail\":\"");
        ash_buf_add_json_str(&s->line, detail, strlen(detail));
        ash_buf_addc(&s->line, '"');
      }
    }
    ash_buf_adds(&s->line, "}");
    puts(s->line.p);
  } else if (status && !strcmp(status, "changed")) {
    printf("CHANGED    %s  (%s differs)\n", cli_safe(in->path), detail ? detail : "content");
  } else if (status && !strcmp(status, "missing")) {
    printf("MISSING    %s\n", cli_safe(in->path));
  } else if (status && !strcmp(status, "unreadable")) {
    printf("UNREADABLE %s  (%s)\n", cli_safe(in->path), detail);
  } else if (in->skip_reason) {
    printf("%-10s %s: %s\n", "SKIPPED", cli_safe(in->path), cli_safe(in->skip_reason));
  } else if (status) {
    printf("%-10s %s\n", status, cli_safe(in->path));
  } else {
    const char *base = in->continues ? path_of(s, in->continues) : NULL;
    char cont[64] = "";
    if (in->continues)
      snprintf(cont, sizeof cont, "  (grown: continues #%" PRId64 " from byte %" PRIu64 "%s",
               in->continues, in->base_size, base ? ", " : ")");
    printf("%-10s %10" PRIu64 " read %10" PRIu64 " parsed %8" PRIu64
           " rejected  %s .. %s  %s%s%s%s%s\n",
           cli_safe(in->format ? in->format : "?"), in->read, in->parsed, in->rejected,
           a[0] ? a : "-", b[0] ? b : "-", cli_safe(in->path),
           in->complete ? "" : "  (INCOMPLETE: ingest interrupted; run ingest again)", cont,
           cli_safe(base), base ? ")" : "");
  }
  remember(s, in);
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
    ash_buf_addc(&s->line, '"');
    /* the exact bytes: raw_b64 beside raw when they are not UTF-8 */
    cli_json_bytes(&s->line, "raw", raw, n);
    ash_buf_adds(&s->line, "}");
  } else {
    /* raw text is hostile: through the terminal filter, which also shows
     * bytes that are not UTF-8 as \xHH */
    ash_buf_adds(&s->line, "reject ");
    cli_term_adds(&s->line, path);
    ash_buf_printf(&s->line, " @%" PRIu64 ": ", ref);
    cli_term_adds(&s->line, reason);
    ash_buf_adds(&s->line, ": \"");
    size_t cut = n > 200 ? 200 : n;
    while (cut < n && cut > 196 && (((const uint8_t *)raw)[cut] & 0xc0) == 0x80)
      cut--; /* not inside a character */
    cli_term_add(&s->line, raw, cut);
    ash_buf_adds(&s->line, cut < n ? "\"..." : "\"");
  }
  puts(s->line.p);
  return 0;
}

int cmd_sources(int argc, char **argv) {
  static const struct option lo[] = {{"json", 0, 0, 'j'},
                                     {"rejects", 0, 0, 'r'},
                                     {"verify", 0, 0, 'V'},
                                     {"help", 0, 0, 'h'},
                                     {0, 0, 0, 0}};
  sst s;
  memset(&s, 0, sizeof s);
  int rejects = 0, verify = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
    case 'j': s.json = 1; break;
    case 'r': rejects = 1; break;
    case 'V': verify = 1; break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    cli_usage_args("sources", argc - optind, 1, "CASE");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  ash_store *st;
  int rc = cli_store_open(&st, argv[optind], ASH_STORE_READONLY);
  if (rc) return ASH_EXIT_FAIL;
  ash_buf_init(&s.line, 1 << 20);
  if (verify && (rc = ash_raw_open(&s.verify, ASH_RAW_VERIFY))) {
    cli_error("--verify", rc);
    ash_store_close(st);
    return ASH_EXIT_FAIL;
  }
  rc = ash_store_sources(st, print_source, &s);
  if (!rc && rejects) rc = ash_store_rejects(st, 0, print_reject, &s);
  if (rc) fprintf(stderr, "ashiato: %s: %s\n", cli_safe(argv[optind]), ash_store_errmsg(st));
  int bad = s.changed || s.missing || s.bad;
  if (!rc && verify) {
    fprintf(stderr,
            "verified %" PRIu64 " sources against the evidence (SHA-256): %" PRIu64 " ok, %" PRIu64
            " changed, %" PRIu64 " missing, %" PRIu64 " unreadable%s\n",
            s.n, s.ok, s.changed, s.missing, s.bad,
            bad ? " -- events of the changed and missing ones are not backed by the files now "
                  "at those paths"
                : "");
  }
  ash_store_close(st);
  ash_buf_free(&s.line);
  ash_raw_close(s.verify);
  for (size_t i = 0; i < s.nids; i++) free(s.paths[i]);
  free(s.paths);
  free(s.ids);
  return rc || bad ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
