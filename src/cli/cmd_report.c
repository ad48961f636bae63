/* ashiato report CASE -o FILE.html: the HTML report of a case (report.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ashiato/error.h"
#include "ashiato/raw.h"
#include "ashiato/report.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato report CASE -o FILE.html [options]\n\n"
    "Writes the report a responder hands over: one self-contained HTML file\n"
    "(inline CSS and SVG, no script, nothing loaded from a network, a strict\n"
    "Content-Security-Policy) that opens offline in any browser. Sections:\n"
    "1 what happened, in plain sentences; 2 a timeline of the whole case, one\n"
    "lane per source kind, with the findings marked; 3 the findings best first,\n"
    "with their reasons, ATT&CK techniques and evidence lines read back from\n"
    "the evidence files and checked (a changed file is shown as a failed\n"
    "check, never quoted); 4 the accounts and hosts of the findings, with a\n"
    "logon graph; 5 every source with size, SHA-256 and record accounting;\n"
    "6 the recovery plan (not produced yet). Run 'ashiato hunt CASE' first.\n\n"
    "options:\n"
    "  -o, --output FILE  write the report to FILE (required)\n"
    "  --lang en|ja       language of the report (default en)\n"
    "  --tz ZONE          show times in ZONE (+09:00, Asia/Tokyo); default UTC\n"
    "  --verify           re-hash every quoted evidence file (SHA-256) instead of\n"
    "                     trusting an unchanged size and modification time\n"
    "  --ranges FILE      cloud ranges that name VPN sources' providers (default:\n"
    "                     the data file beside the binary; 'none' for none)\n"
    "  -q, --quiet        no summary line on stderr\n"
    "  -h, --help         this text\n";

int cmd_report(int argc, char **argv) {
  static const struct option lo[] = {
      {"output", 1, 0, 'o'}, {"lang", 1, 0, 'l'},  {"tz", 1, 0, 'z'},   {"verify", 0, 0, 'V'},
      {"ranges", 1, 0, 'R'}, {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  const char *outpath = NULL, *tz_name = NULL, *ranges_path = NULL;
  ash_report_opts o;
  memset(&o, 0, sizeof o);
  int quiet = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "ho:q", lo, NULL)) != -1) {
    switch (c) {
    case 'o': outpath = optarg; break;
    case 'l':
      if (ash_lang_parse(optarg, &o.lang)) {
        fprintf(stderr, "ashiato: --lang: '%s' is not en or ja\n", cli_safe(optarg));
        return ASH_EXIT_USAGE;
      }
      break;
    case 'z': tz_name = optarg; break;
    case 'V': o.raw_flags |= ASH_RAW_VERIFY; break;
    case 'R': ranges_path = optarg; break;
    case 'q': quiet = 1; break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    cli_usage_args("report", argc - optind, 1, "CASE");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  if (!outpath) {
    fprintf(stderr, "ashiato report: -o FILE.html is required\n");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  if (tz_name && ash_tz_open(&o.tz, tz_name)) {
    fprintf(stderr, "ashiato: --tz: unknown zone '%s'\n", cli_safe(tz_name));
    return ASH_EXIT_USAGE;
  }
  ash_ranges *ranges = NULL;
  /* the providers are a nicety of section 4: a missing data file is said,
   * not fatal */
  if (!(ranges_path && !strcmp(ranges_path, "none"))) {
    char p[4096];
    if (ranges_path || !cli_ranges_path(NULL, p, sizeof p))
      if (cli_ranges_open(ranges_path, &ranges, 1) && ranges_path) {
        ash_tz_close(o.tz);
        return ASH_EXIT_FAIL;
      }
  }
  o.ranges = ranges;
  ash_store *st;
  if (cli_store_open(&st, argv[optind], ASH_STORE_READONLY)) {
    ash_ranges_close(ranges);
    ash_tz_close(o.tz);
    return ASH_EXIT_FAIL;
  }
  o.case_name = argv[optind];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  o.generated = (int64_t)now.tv_sec * ASH_US_PER_SEC + now.tv_nsec / 1000;
  ash_buf html;
  ash_buf_init(&html, ASH_REPORT_MAX_BYTES);
  ash_report_stats rs;
  int rc = ash_report_html(st, &o, &html, &rs);
  int ex = ASH_EXIT_OK;
  if (rc) {
    fprintf(stderr, "ashiato: report: %s", ash_strerror(rc));
    if (rc == ASH_ESTORE) fprintf(stderr, " (%s)", ash_store_errmsg(st));
    fputc('\n', stderr);
    ex = ASH_EXIT_FAIL;
  } else {
    FILE *f = fopen(outpath, "wb");
    if (!f || fwrite(html.p, 1, html.n, f) != html.n || fclose(f)) {
      fprintf(stderr, "ashiato: report: %s: %s\n", cli_safe(outpath), strerror(errno));
      ex = ASH_EXIT_FAIL;
    } else if (!quiet) {
      fprintf(stderr,
              "ashiato: report: %s: %zu bytes, %" PRIu64 " findings, %" PRIu64 " sources, %" PRIu64
              " evidence lines quoted, %" PRIu64 " withheld (check failed); %.2f s reading,"
              " %.2f s timeline, %.2f s accounts, %.2f s evidence\n",
              cli_safe(outpath), html.n, rs.findings, rs.sources, rs.evidence_quoted,
              rs.evidence_withheld, rs.s_load, rs.s_timeline, rs.s_entities, rs.s_evidence);
    }
  }
  ash_buf_free(&html);
  ash_store_close(st);
  ash_ranges_close(ranges);
  ash_tz_close(o.tz);
  return ex;
}
