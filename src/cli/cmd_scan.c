/* ashiato scan PATH...: files carrying the environment's own names. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/scan.h"
#include "ashiato/stream.h"
#include "cli.h"
#include "term.h"
#include "progress.h"

static const char *HELP =
    "usage: ashiato scan PATH... [options]\n"
    "       ashiato scan --emit-rules [--profile FILE] [--case CASE]\n\n"
    "Finds files that carry the victim environment's own names (its AD domain,\n"
    "domain controllers, servers, admin and service accounts, internal addresses,\n"
    "URLs and shares), in ASCII or UTF-16LE: custom malware built for this\n"
    "environment does, software made elsewhere does not. The names come from a\n"
    "profile file (docs/scan.md) and from the case; they become YARA rules, run\n"
    "with libyara over files, folders (recursively) and .zip/.tar collections\n"
    "(members scanned from memory). Scanned files are opened read-only and never\n"
    "modified. Each matching file is a finding of hunt \"implant\", scored 0-100:\n"
    "an executable with several names (above all privileged accounts or internal\n"
    "addresses) is high; a document that mentions the domain is low.\n\n"
    "options:\n"
    "  --profile FILE     environment profile (\"key: value\" lines, docs/scan.md)\n"
    "  --case CASE        also take the names seen in this case (with their\n"
    "                     frequency), join findings with the case's antivirus\n"
    "                     detections of the same file, and store the findings in it\n"
    "  --rules DIR        also run the .yar/.yara files under DIR\n"
    "  --emit-rules       print the generated YARA rules and exit\n"
    "  --min-severity S   print only findings of severity S or above\n"
    "                     (low, medium, high, critical; default low)\n"
    "  --json             one Finding JSON object per line, best first\n"
    "                     (cli-contract.md); totals go to stderr\n"
    "  --threads N        files scanned at once (default: the number of CPUs)\n"
    "  -q, --quiet        do not report skipped files one by one\n"
    "  -h, --help         this text\n\n"
    "Files that cannot be read are skipped and counted by reason.\n"
    "exit status: 0 done (with or without findings), 1 failed, 2 usage\n";

typedef struct sstate {
  int json, quiet;
  cli_progress prog;
  uint64_t total_bytes;
} sstate;

/* File names and log text are somebody else's: on a terminal, control
 * bytes are shown as \xHH so they cannot move the cursor or recolour. */
static void on_skip(void *u, const char *path, ash_skip_reason why, const char *detail) {
  sstate *s = u;
  if (s->quiet) return;
  cli_progress_done(&s->prog);
  fputs("ashiato: skipped ", stderr);
  cli_term_puts(stderr, path);
  fprintf(stderr, ": %s", ash_skip_reason_str(why));
  if (detail && strcmp(detail, ash_skip_reason_str(why))) {
    fputs(" (", stderr);
    cli_term_puts(stderr, detail);
    fputc(')', stderr);
  }
  fputc('\n', stderr);
}

static void on_progress(void *u, const ash_scan_stats *st, const char *path) {
  (void)path;
  sstate *s = u;
  cli_progress_update(&s->prog, st->bytes, s->total_bytes, st->files);
}

static int add_size(void *u, const char *path) {
  struct stat st;
  if (!stat(path, &st)) *(uint64_t *)u += (uint64_t)st.st_size;
  return ASH_OK;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_text(const ash_finding *f) {
  printf("%-8s %3d  ", ash_severity_name(f->severity), f->score);
  cli_term_puts(stdout, f->title ? f->title : "");
  fputc('\n', stdout);
  for (size_t i = 0; i < f->files.n; i++) {
    fputs("              file: ", stdout);
    cli_term_puts(stdout, f->files.v[i]);
    fputc('\n', stdout);
  }
  fputs("              ", stdout);
  cli_term_puts(stdout, f->summary ? f->summary : "");
  fputc('\n', stdout);
  for (size_t i = 0; i < f->nevidence; i++) {
    const ash_evidence *e = &f->evidence[i];
    if (strncmp(e->kind, "av.", 3) && strcmp(e->kind, "win.file") && strcmp(e->kind, "win.process"))
      continue;
    fputs("              case: ", stdout);
    cli_term_puts(stdout, e->text);
    fputc('\n', stdout);
  }
  fputc('\n', stdout);
}

int cmd_scan(int argc, char **argv) {
  static const struct option lo[] = {{"case", 1, 0, 'c'},         {"profile", 1, 0, 'p'},
                                     {"rules", 1, 0, 'r'},        {"emit-rules", 0, 0, 'e'},
                                     {"min-severity", 1, 0, 'm'}, {"json", 0, 0, 'j'},
                                     {"quiet", 0, 0, 'q'},        {"help", 0, 0, 'h'},
                                     {"threads", 1, 0, 't'},      {0, 0, 0, 0}};
  sstate s;
  memset(&s, 0, sizeof s);
  const char *case_path = NULL, *profile = NULL, *rules = NULL, *minsev = NULL;
  int emit = 0, c;
  int64_t threads = sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  if (threads > 32) threads = 32;
  optind = 1;
  while ((c = getopt_long(argc, argv, "hq", lo, NULL)) != -1) {
    switch (c) {
    case 'c': case_path = optarg; break;
    case 'p': profile = optarg; break;
    case 'r': rules = optarg; break;
    case 'e': emit = 1; break;
    case 'm': minsev = optarg; break;
    case 'j': s.json = 1; break;
    case 'q': s.quiet = 1; break;
    case 't':
      if (ash_str_to_i64(ash_str_cstr(optarg), &threads) || threads < 1 || threads > 32) {
        fprintf(stderr, "ashiato: bad --threads '%s' (1 to 32)\n", cli_safe(optarg));
        return ASH_EXIT_USAGE;
      }
      break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  ash_severity min = ASH_SEV_LOW;
  if (minsev && ash_severity_parse(minsev, &min)) {
    fprintf(stderr, "ashiato: bad --min-severity '%s' (low, medium, high, critical)\n",
            cli_safe(minsev));
    return ASH_EXIT_USAGE;
  }
  if (!emit && optind >= argc) {
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  if (!profile && !case_path && !rules) {
    fprintf(stderr, "ashiato: scan needs names to look for: --profile FILE, --case CASE "
                    "and/or --rules DIR\n");
    return ASH_EXIT_USAGE;
  }

  int rc = ASH_OK, exit_code = ASH_EXIT_OK;
  ash_profile *prof = NULL;
  ash_store *st = NULL;
  ash_scanner *sc = NULL;
  ash_buf out;
  ash_buf_init(&out, (size_t)1 << 30);
  if ((rc = ash_profile_new(&prof))) {
    cli_error("scan", rc);
    return ASH_EXIT_FAIL;
  }
  if (profile) {
    unsigned line;
    const char *msg;
    rc = ash_profile_load(prof, profile, &line, &msg);
    if (rc) {
      if (line)
        fprintf(stderr, "ashiato: %s:%u: %s\n", cli_safe(profile), line, cli_safe(msg));
      else if (msg)
        fprintf(stderr, "ashiato: %s: %s\n", cli_safe(profile), cli_safe(msg));
      else
        cli_error(profile, rc);
      exit_code = rc == ASH_EFORMAT || rc == ASH_ENOTFOUND ? ASH_EXIT_USAGE : ASH_EXIT_FAIL;
      goto done;
    }
  }
  if (case_path) {
    /* read-write: findings are stored in the case (never created here) */
    rc = ash_store_open(&st, case_path, emit ? ASH_STORE_READONLY : 0);
    if (!rc) rc = ash_profile_add_case(prof, st);
    if (rc) {
      fprintf(stderr, "ashiato: %s: %s%s%s\n", cli_safe(case_path), ash_strerror(rc),
              st ? ": " : "", st ? cli_safe(ash_store_errmsg(st)) : "");
      exit_code = rc == ASH_ENOTFOUND ? ASH_EXIT_USAGE : ASH_EXIT_FAIL;
      goto done;
    }
  }
  if (emit) {
    rc = ash_profile_rules(prof, &out);
    if (rc) {
      cli_error("emit-rules", rc);
      exit_code = ASH_EXIT_FAIL;
    } else {
      fwrite(out.p, 1, out.n, stdout);
    }
    goto done;
  }

  ash_scan_opts o;
  memset(&o, 0, sizeof o);
  o.rules_dir = rules;
  o.threads = (int)threads;
  o.store = st;
  o.on_skip = on_skip;
  o.on_progress = on_progress;
  o.u = &s;
  char err[1024];
  rc = ash_scanner_open(&sc, prof, &o, err, sizeof err);
  if (rc) {
    if (rc == ASH_EUSAGE && !err[0])
      fprintf(stderr, "ashiato: no names to search for (the profile and case gave none)\n");
    else if (err[0])
      fprintf(stderr, "ashiato: rules: %s\n", cli_safe(err));
    else
      cli_error("scan", rc);
    exit_code = rc == ASH_EUSAGE || rc == ASH_EFORMAT || rc == ASH_ENOTFOUND ? ASH_EXIT_USAGE
                                                                             : ASH_EXIT_FAIL;
    goto done;
  }
  cli_progress_init(&s.prog, "scan");
  if (s.prog.enabled)
    for (int i = optind; i < argc; i++) ash_walk(argv[i], add_size, NULL, &s.total_bytes);
  double t0 = now_s();
  for (int i = optind; i < argc && (!rc || rc == ASH_ENOTFOUND); i++) {
    rc = ash_scanner_scan(sc, argv[i]);
    if (rc == ASH_ENOTFOUND) exit_code = ASH_EXIT_FAIL; /* a named path is missing */
  }
  if (rc && rc != ASH_ENOTFOUND) {
    cli_progress_done(&s.prog);
    cli_error("scan", rc);
    exit_code = ASH_EXIT_FAIL;
  }
  double el = now_s() - t0;
  const ash_finding *fv;
  size_t fn;
  int rc2 = ash_scanner_finish(sc, &fv, &fn);
  cli_progress_done(&s.prog);
  if (rc2) {
    fprintf(stderr, "ashiato: storing findings in %s: %s\n",
            case_path ? cli_safe(case_path) : "case", ash_strerror(rc2));
    exit_code = ASH_EXIT_FAIL;
  }
  size_t sev[4] = {0};
  for (size_t i = 0; i < fn; i++) {
    sev[fv[i].severity]++;
    if (fv[i].severity < min) continue;
    if (s.json) {
      ash_buf_reset(&out);
      if (ash_finding_to_json(&fv[i], &out)) continue;
      fwrite(out.p, 1, out.n, stdout);
      fputc('\n', stdout);
    } else {
      print_text(&fv[i]);
    }
  }
  const ash_scan_stats *t = ash_scanner_stats(sc);
  FILE *tf = s.json ? stderr : stdout;
  fprintf(tf,
          "scanned %" PRIu64 " files (%" PRIu64 " archives opened), %.1f MB in %.2f s (%.1f MB/s);"
          " %" PRIu64 " matched",
          t->files, t->archives, (double)t->bytes / 1e6, el,
          el > 0 ? (double)t->bytes / 1e6 / el : 0.0, t->matched);
  fprintf(tf, "; skipped %" PRIu64, t->skipped_total);
  if (t->skipped_total) {
    const char *sep = " (";
    for (int r = 0; r < ASH_SKIP_NREASONS; r++)
      if (t->skipped[r]) {
        fprintf(tf, "%s%" PRIu64 " %s", sep, t->skipped[r],
                ash_skip_reason_str((ash_skip_reason)r));
        sep = ", ";
      }
    fputc(')', tf);
  }
  fprintf(tf, "\nfindings: %zu critical, %zu high, %zu medium, %zu low%s\n", sev[3], sev[2], sev[1],
          sev[0], st && !rc2 ? " (stored in the case)" : "");
  if (t->findings_dropped)
    fprintf(tf, "findings dropped beyond the cap: %" PRIu64 "\n", t->findings_dropped);

done:
  ash_scanner_close(sc);
  if (st) {
    int rc3 = ash_store_close(st);
    if (rc3 && exit_code == ASH_EXIT_OK) {
      cli_error(case_path, rc3);
      exit_code = ASH_EXIT_FAIL;
    }
  }
  ash_profile_close(prof);
  ash_buf_free(&out);
  return exit_code;
}
