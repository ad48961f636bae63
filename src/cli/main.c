/* ashiato: the command line. A thin layer over the library: it parses
 * arguments, calls the library, and turns error codes into text and exit
 * codes (cli-contract.md). */
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "ashiato/error.h"
#include "cli.h"
#include "term.h"

static const struct verb {
  const char *name;
  int (*fn)(int, char **);
  const char *help;
} verbs[] = {
    {"ingest", cmd_ingest, "read evidence files into a case store"},
    {"sources", cmd_sources, "list the ingested files with their record accounting"},
    {"events", cmd_events, "query the normalised events of a case"},
    {"kinds", cmd_kinds, "the kinds of a case's events, with counts"},
    {"parse", cmd_parse, "parse files and print events without a case store"},
    {"formats", cmd_formats, "list the input formats ashiato reads"},
    {"hunt", cmd_hunt, "run the hunts on a case and print the findings best first"},
    {"timeline", cmd_timeline, "the case as a timeline: CSV, JSON lines or Timesketch"},
    {"report", cmd_report, "the HTML report of a case (offline, English or Japanese)"},
    {"ranges", cmd_ranges, "import or look up the cloud providers' address ranges"},
    {"scan", cmd_scan, "find files that carry the environment's own names (implants)"},
    {"sigma", cmd_sigma, "run Sigma rules over the Windows events of a case"},
    {"ch", cmd_ch, "create a case in ClickHouse, or show one (init, status)"},
    {"plan", cmd_plan, "the recovery plan of a hunted case, with firewall configuration"},
    {"export", cmd_export, "the case's indicators as STIX 2.1, a MISP event or an IOC CSV"},
    {"watch", cmd_watch, "receive syslog live into a case and alert on the intrusion's footprints"},
    {"gen", cmd_gen, "generate a realistic case with a known intrusion"},
    {"demo", cmd_demo, "generate, ingest and hunt a small built-in case"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: ashiato <command> [options]\n\n"
             "ashiato follows an intruder's footprints across firewall, VPN, Windows\n"
             "and antivirus logs.\n\ncommands:\n");
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    fprintf(f, "  %-9s %s\n", verbs[i].name, verbs[i].help);
  fprintf(f, "\n'ashiato <command> --help' describes a command.\n"
             "Exit codes: 0 success, 1 the job failed, 2 bad usage.\n");
}

void cli_error(const char *what, int err) {
  fprintf(stderr, "ashiato: %s: %s\n", cli_safe(what), ash_strerror(err));
}

/* glibc gives the top of its heap back to the kernel once 128 KiB of it
 * are free, and takes it again with the next allocation, each page then
 * faulted in and zeroed anew. ashiato's work comes in waves of the same
 * size (a rule file's YAML tree, a writer batch, a page of results), so
 * the same memory went back and forth: `sigma` over SigmaHQ's windows
 * rules made 3,078 brk calls, and 9% of its CPU time went with them.
 * Keeping up to 64 MiB free at the top (and growing it 16 MiB at a time)
 * costs at most that much resident memory. */
static void tune_malloc(void) {
#ifdef __GLIBC__
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
#endif
}

int main(int argc, char **argv) {
  tune_malloc();
  if (argc < 2) {
    usage(stderr);
    return ASH_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return ASH_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
    if (strcmp(argv[1], verbs[i].name)) continue;
    int rc = verbs[i].fn(argc - 1, argv + 1);
    cli_term_free();
    return rc;
  }
  fprintf(stderr, "ashiato: unknown command '%s'\n\n", cli_safe(argv[1]));
  cli_term_free();
  usage(stderr);
  return ASH_EXIT_USAGE;
}
