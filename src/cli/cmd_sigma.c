/* ashiato sigma: run Sigma rules over a case's Windows events, or check
 * that rules load (--check). Matches become findings grouped by (rule,
 * host), stored in the case; --matches prints every single match. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/limits.h"
#include "ashiato/sigma.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato sigma CASE --rules DIR... [options]\n"
    "       ashiato sigma --check DIR...\n\n"
    "Runs Sigma rules (files or directories, read recursively; --rules may be\n"
    "given more than once) over the case's Windows events. Matches are grouped\n"
    "by (rule, host) into findings, stored in the case and printed best first.\n"
    "--check loads rules without a case and says, for every rule not loaded,\n"
    "why (unsupported modifier, unmapped logsource, YAML error).\n\n"
    "options:\n"
    "  --rules PATH         rule file or directory (repeatable)\n"
    "  --level L            only rules of level L or above\n"
    "                       (informational, low, medium, high, critical)\n"
    "  --matches            print every match, one a line, instead of findings\n"
    "  --json               JSON lines (cli-contract.md)\n"
    "  --placeholders FILE  values of the expand modifier's %%placeholders%%\n"
    "                       (YAML: name: [value, ...])\n"
    "  --dry-run            do not store the findings\n"
    "  -h, --help           this text\n\n"
    "Parsed rule files are cached between runs (keyed by their contents) in\n"
    "$ASHIATO_CACHE, else $XDG_CACHE_HOME/ashiato, else ~/.cache/ashiato;\n"
    "ASHIATO_CACHE=off turns the cache off (docs/sigma.md).\n";

/* Text output goes through the CLI's one terminal filter (term.h): rule
 * titles and paths come from files anyone may have written. */
static void put_clean(FILE *o, const char *s, size_t n) { cli_term_write(o, s, n); }

static void puts_clean(FILE *o, const char *s) { cli_term_puts(o, s); }

static int load_placeholders(ash_sigma *s, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "ashiato: --placeholders: cannot open %s\n", path);
    return ASH_EXIT_USAGE;
  }
  static uint8_t buf[1u << 20];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  if (ash_sigma_set_placeholders(s, buf, n)) {
    fprintf(stderr, "ashiato: --placeholders: %s is not a YAML map of lists\n", path);
    return ASH_EXIT_USAGE;
  }
  return 0;
}

/* --check output: the count, then each rule not loaded with its reason,
 * then the reasons counted (the part of the reason before a quote or a
 * name, so that "unmapped logsource X" groups by X). */
static int print_check(const ash_sigma *s, int json) {
  size_t nr = ash_sigma_reject_count(s);
  ash_buf b;
  ash_buf_init(&b, 1u << 16);
  for (size_t i = 0; i < nr; i++) {
    const ash_sigma_reject *r = ash_sigma_reject_at(s, i);
    if (json) {
      ash_buf_reset(&b);
      ash_buf_adds(&b, "{\"path\":\"");
      ash_buf_add_json_str(&b, r->path, strlen(r->path));
      ash_buf_adds(&b, "\",\"id\":\"");
      ash_buf_add_json_str(&b, r->id, strlen(r->id));
      ash_buf_adds(&b, "\",\"title\":\"");
      ash_buf_add_json_str(&b, r->title, strlen(r->title));
      ash_buf_adds(&b, "\",\"reason\":\"");
      ash_buf_add_json_str(&b, r->reason, strlen(r->reason));
      ash_buf_adds(&b, "\"}");
      puts(b.p);
    } else {
      fputs("not loaded: ", stdout);
      puts_clean(stdout, r->path);
      fputs(": ", stdout);
      puts_clean(stdout, r->reason);
      putchar('\n');
    }
  }
  ash_buf_free(&b);
  if (json) {
    printf("{\"loaded\":%zu,\"not_loaded\":%zu}\n", ash_sigma_count(s), nr);
    return 0;
  }
  /* reasons counted */
  typedef struct {
    const char *reason;
    size_t n;
  } rc_t;
  rc_t *rs = calloc(nr ? nr : 1, sizeof *rs);
  size_t nrs = 0;
  for (size_t i = 0; rs && i < nr; i++) {
    const char *why = ash_sigma_reject_at(s, i)->reason;
    size_t k;
    for (k = 0; k < nrs && strcmp(rs[k].reason, why); k++) {
    }
    if (k == nrs) rs[nrs++].reason = why;
    rs[k].n++;
  }
  printf("%zu rules loaded, %zu not loaded\n", ash_sigma_count(s), nr);
  for (size_t k = 0; rs && k < nrs; k++) {
    printf("  %5zu  ", rs[k].n);
    puts_clean(stdout, rs[k].reason);
    putchar('\n');
  }
  free(rs);
  return 0;
}

typedef struct sst {
  const ash_sigma *s;
  int json, matches;
  ash_sigma_group *g;
  ash_buf line;
  ash_finding **fs;
  size_t nf, fcap;
} sst;

static int on_match(void *u, const ash_sigma_hit *h) {
  sst *t = u;
  if (!t->matches) return ash_sigma_group_add(t->g, h);
  const ash_sigma_rule_info *r = ash_sigma_rule(t->s, h->rule);
  char ts[32] = "";
  if (h->ev->ts != ASH_TIME_UNSET) ash_time_format(h->ev->ts, ts);
  if (t->json) {
    ash_buf *b = &t->line;
    ash_buf_reset(b);
    int rc = ash_buf_adds(b, "{\"rule_id\":\"");
    if (!rc) rc = ash_buf_add_json_str(b, r->id, strlen(r->id));
    if (!rc) rc = ash_buf_adds(b, "\",\"rule_title\":\"");
    if (!rc) rc = ash_buf_add_json_str(b, r->title, strlen(r->title));
    if (!rc) rc = ash_buf_printf(b, "\",\"level\":\"%s\"", ash_sigma_level_name(r->level));
    if (!rc && ts[0]) rc = ash_buf_printf(b, ",\"ts\":\"%s\"", ts);
    if (!rc && h->ev->host.n) {
      rc = ash_buf_adds(b, ",\"host\":\"");
      if (!rc) rc = ash_buf_add_json_str(b, h->ev->host.p, h->ev->host.n);
      if (!rc) rc = ash_buf_addc(b, '"');
    }
    if (!rc && h->source_path) {
      rc = ash_buf_adds(b, ",\"source\":{\"path\":\"");
      if (!rc) rc = ash_buf_add_json_str(b, h->source_path, strlen(h->source_path));
      if (!rc)
        rc = ash_buf_printf(b, "\",\"%s\":%llu}", h->ref_is_record ? "record" : "offset",
                            (unsigned long long)h->ev->ref);
    }
    if (!rc) rc = ash_buf_addc(b, '}');
    if (rc) return rc;
    puts(b->p);
    return 0;
  }
  printf("%s  %-13s ", ts[0] ? ts : "-", ash_sigma_level_name(r->level));
  put_clean(stdout, h->ev->host.p ? h->ev->host.p : "", h->ev->host.n);
  fputs("  ", stdout);
  puts_clean(stdout, r->title);
  if (h->source_path) {
    fputs("  ", stdout);
    puts_clean(stdout, h->source_path);
    printf(" %s %llu", h->ref_is_record ? "record" : "@", (unsigned long long)h->ev->ref);
  }
  putchar('\n');
  return 0;
}

static int keep_finding(void *u, const ash_finding *f) {
  sst *t = u;
  ash_finding **fs = ash_array_room(t->fs, &t->fcap, t->nf, sizeof *t->fs, 64);
  if (!fs) return ASH_ENOMEM;
  t->fs = fs;
  ash_finding *c = calloc(1, sizeof *c);
  int rc = c ? ash_finding_copy(c, f) : ASH_ENOMEM;
  if (rc) {
    free(c);
    return rc;
  }
  t->fs[t->nf++] = c;
  return 0;
}

static int cmp_findings(const void *a, const void *b) {
  return ash_finding_cmp(*(ash_finding *const *)a, *(ash_finding *const *)b);
}

int cmd_sigma(int argc, char **argv) {
  static const struct option lo[] = {
      {"rules", 1, 0, 'r'},   {"check", 0, 0, 'c'}, {"level", 1, 0, 'l'},
      {"matches", 0, 0, 'm'}, {"json", 0, 0, 'j'},  {"placeholders", 1, 0, 'p'},
      {"dry-run", 0, 0, 'n'}, {"help", 0, 0, 'h'},  {0, 0, 0, 0}};
  const char *rules[256];
  size_t nrules = 0;
  int check = 0, json = 0, matches = 0, dry = 0, c;
  const char *placeholders = NULL;
  ash_sigma_level min = ASH_SIGMA_INFORMATIONAL;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
    case 'r':
      if (nrules == sizeof rules / sizeof rules[0]) {
        fprintf(stderr, "ashiato: too many --rules\n");
        return ASH_EXIT_USAGE;
      }
      rules[nrules++] = optarg;
      break;
    case 'c': check = 1; break;
    case 'l':
      if (ash_sigma_level_parse(optarg, &min)) {
        fprintf(stderr, "ashiato: --level: informational, low, medium, high or critical\n");
        return ASH_EXIT_USAGE;
      }
      break;
    case 'm': matches = 1; break;
    case 'j': json = 1; break;
    case 'p': placeholders = optarg; break;
    case 'n': dry = 1; break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  const char *casepath = NULL;
  if (check) {
    /* --check DIR...: the operands are rule paths */
    for (int i = optind; i < argc; i++) {
      if (nrules == sizeof rules / sizeof rules[0]) return ASH_EXIT_USAGE;
      rules[nrules++] = argv[i];
    }
  } else {
    if (argc - optind != 1) {
      fputs(HELP, stderr);
      return ASH_EXIT_USAGE;
    }
    casepath = argv[optind];
  }
  if (!nrules) {
    fprintf(stderr, "ashiato: sigma: no rules given (--rules DIR)\n");
    return ASH_EXIT_USAGE;
  }
  ash_sigma *s;
  int rc = ash_sigma_open(&s);
  if (rc) {
    cli_error("sigma", rc);
    return ASH_EXIT_FAIL;
  }
  if (placeholders && (rc = load_placeholders(s, placeholders))) {
    ash_sigma_close(s);
    return rc;
  }
  for (size_t i = 0; i < nrules && !rc; i++) rc = ash_sigma_load_path(s, rules[i]);
  if (rc) {
    cli_error("sigma: loading rules", rc);
    ash_sigma_close(s);
    return ASH_EXIT_FAIL;
  }
  if (!rc) rc = ash_sigma_prepare(s);
  if (rc) {
    cli_error("sigma: loading rules", rc);
    ash_sigma_close(s);
    return ASH_EXIT_FAIL;
  }
  if (check) {
    size_t cached = 0, files = ash_sigma_files(s, &cached);
    if (!json)
      fprintf(stderr, "sigma: %zu rule files read, %zu of them parsed from the cache\n", files,
              cached);
    print_check(s, json);
    ash_sigma_close(s);
    return ASH_EXIT_OK;
  }
  if (ash_sigma_reject_count(s))
    fprintf(stderr, "sigma: %zu rules loaded, %zu not loaded (see ashiato sigma --check)\n",
            ash_sigma_count(s), ash_sigma_reject_count(s));
  ash_store *st;
  if (cli_store_open(&st, casepath, dry || matches ? ASH_STORE_READONLY : 0)) {
    ash_sigma_close(s);
    return ASH_EXIT_FAIL;
  }
  sst t;
  memset(&t, 0, sizeof t);
  t.s = s;
  t.json = json;
  t.matches = matches;
  ash_buf_init(&t.line, 1u << 20);
  rc = ash_sigma_group_open(&t.g, s, "sigma");
  ash_sigma_run_stats stats;
  if (!rc) rc = ash_sigma_run(st, s, min, on_match, &t, &stats);
  if (!rc && !matches) rc = ash_sigma_group_findings(t.g, keep_finding, &t);
  if (!rc && !matches && !dry) {
    rc = ash_store_delete_findings(st, "sigma");
    for (size_t i = 0; i < t.nf && !rc; i++) rc = ash_store_add_finding(st, t.fs[i]);
  }
  if (!rc && !matches) {
    qsort(t.fs, t.nf, sizeof *t.fs, cmp_findings);
    for (size_t i = 0; i < t.nf; i++) {
      const ash_finding *f = t.fs[i];
      if (json) {
        ash_buf_reset(&t.line);
        if (ash_finding_to_json(f, &t.line) == ASH_OK) puts(t.line.p);
        continue;
      }
      char t1[32] = "", t2[32] = "";
      if (f->first_seen != ASH_TIME_UNSET) ash_time_format(f->first_seen, t1);
      if (f->last_seen != ASH_TIME_UNSET) ash_time_format(f->last_seen, t2);
      printf("%s%-8s %3d  ", i ? "\n" : "", ash_severity_name(f->severity), f->score);
      puts_clean(stdout, f->title);
      printf("\n    %s .. %s\n    ", t1, t2);
      puts_clean(stdout, f->summary);
      putchar('\n');
      if (f->attack.n) {
        fputs("    ATT&CK:", stdout);
        for (size_t k = 0; k < f->attack.n; k++) printf(" %s", f->attack.v[k]);
        putchar('\n');
      }
      for (size_t k = 0; k < f->nevidence; k++) {
        fputs("      - ", stdout);
        if (f->evidence[k].source_path) {
          puts_clean(stdout, f->evidence[k].source_path);
          printf(" record %llu: ", (unsigned long long)f->evidence[k].ref);
        }
        puts_clean(stdout, f->evidence[k].text ? f->evidence[k].text : "");
        putchar('\n');
      }
    }
  }
  if (!rc)
    fprintf(stderr, "sigma: %zu rules over %llu Windows events: %llu matches%s\n",
            ash_sigma_count(s), (unsigned long long)stats.events, (unsigned long long)stats.matches,
            matches ? "" : ", grouped into findings");
  for (size_t i = 0; i < t.nf; i++) {
    ash_finding_free(t.fs[i]);
    free(t.fs[i]);
  }
  free(t.fs);
  ash_buf_free(&t.line);
  ash_sigma_group_close(t.g);
  int crc = ash_store_close(st);
  ash_sigma_close(s);
  if (rc || crc) {
    cli_error("sigma", rc ? rc : crc);
    return ASH_EXIT_FAIL;
  }
  return ASH_EXIT_OK;
}
