/* ashiato hunt CASE: run the hunts, store their findings in the case, and
 * print them best first. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/hunt.h"
#include "ashiato/limits.h"
#include "ashiato/raw.h"
#include "ashiato/sigma.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato hunt CASE [options]\n\n"
    "Runs the hunts on the case, stores their findings in it (replacing the\n"
    "previous run's findings of the same hunts) and prints them best first.\n"
    "The findings of one intrusion are linked into an incident (INC-1, ...):\n"
    "the text prints each incident first, its story then its findings, then\n"
    "the findings linked to none; --json gives each finding its \"incident\".\n"
    "Hunts (--list): past-incident-link, cloud-tunnel, loopback-rdp, rdp-relay,\n"
    "account-use, credential-hop, beacon, lolbin.\n\n"
    "options:\n"
    "  --hunt NAME     run only this hunt (see --list)\n"
    "  --list          list the hunts\n"
    "  --json          one Finding JSON object a line (cli-contract.md)\n"
    "  --min-score N   print only findings scoring at least N (all are stored)\n"
    "  --ranges FILE   cloud ranges data file (default: data/cloud-ranges.tsv of\n"
    "                  this ashiato, or $ASHIATO_DATA/cloud-ranges.tsv); a missing\n"
    "                  file is an error; 'none' hunts without provider names\n"
    "  --internal CIDR,...  the organisation's own networks beyond the private\n"
    "                  ranges (RFC 1918, ULA), e.g. public space it owns: flows\n"
    "                  to them are not outside (beacon, cloud-tunnel)\n"
    "  --rules PATH    Sigma rules (file or directory, repeatable) the hunt\n"
    "                  lolbin runs with its built-in pack\n"
    "  --dry-run       do not store the findings\n"
    "  --verify        re-hash every evidence file before quoting its lines (by\n"
    "                  default its size and mtime are checked); lines of a file\n"
    "                  that changed since ingest are never quoted\n"
    "  -h, --help      this text\n";

/* An incident as the text output keeps it until the findings are in. */
typedef struct kept_inc {
  ash_incident x;
  char *title, *story;
} kept_inc;

typedef struct hst {
  int json, rank, min_score;
  size_t changed; /* evidence lines withheld: their files changed */
  size_t shown;
  ash_buf line;
  /* text: the findings (best first) and incidents, printed at the end */
  ash_finding *fv;
  size_t fn, fcap;
  kept_inc *iv;
  size_t in, icap;
  int err;
} hst;

/* Text for a terminal: log text is hostile (term.h). */
static void put_clean(const char *s) { cli_term_puts(stdout, s); }

/* A paragraph wrapped at 78 columns with an indent. */
static void wrap(const char *s, const char *indent) {
  size_t col = 0, il = strlen(indent);
  fputs(indent, stdout);
  col = il;
  while (s && *s) {
    size_t w = strcspn(s, " ");
    if (col > il && col + w > 78) {
      putchar('\n');
      fputs(indent, stdout);
      col = il;
    }
    char word[1024];
    size_t n = w < sizeof word - 1 ? w : sizeof word - 1;
    memcpy(word, s, n);
    word[n] = 0;
    put_clean(word);
    col += w;
    s += w;
    if (*s == ' ') {
      s++;
      if (col > il) {
        putchar(' ');
        col++;
      }
    }
  }
  putchar('\n');
}

static void upper(const char *s, char *out, size_t n) {
  size_t i = 0;
  for (; s[i] && i + 1 < n; i++) out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
  out[i] = 0;
}

static void list(const char *label, const ash_strset *s) {
  if (!s->n) return;
  printf("    %s: ", label);
  for (size_t i = 0; i < s->n; i++) {
    if (i) fputs(", ", stdout);
    put_clean(s->v[i]);
  }
  putchar('\n');
}

static int print_finding(hst *h, const ash_finding *f, int rank) {
  h->rank = rank;
  if (f->score < h->min_score) return 0;
  h->shown++;
  for (size_t i = 0; i < f->nevidence; i++) {
    const char *t = f->evidence[i].text;
    if (t && !strncmp(t, ASH_RAW_CHANGED_NOTE, strlen(ASH_RAW_CHANGED_NOTE))) h->changed++;
  }
  if (h->json) {
    ash_buf_reset(&h->line);
    int rc = ash_finding_to_json(f, &h->line);
    if (rc) return rc;
    puts(h->line.p);
    return 0;
  }
  char sev[16], t1[32] = "", t2[32] = "";
  upper(ash_severity_name(f->severity), sev, sizeof sev);
  printf("%s#%d  %-8s %3d  %s  ", h->shown > 1 ? "\n" : "", h->rank, sev, f->score, f->hunt);
  put_clean(f->id);
  if (f->incident[0]) {
    fputs("  ", stdout);
    put_clean(f->incident);
  }
  putchar('\n');
  printf("    ");
  put_clean(f->title ? f->title : "");
  putchar('\n');
  if (f->first_seen != ASH_TIME_UNSET) ash_time_format(f->first_seen, t1);
  if (f->last_seen != ASH_TIME_UNSET) ash_time_format(f->last_seen, t2);
  if (t1[0]) printf("    seen %s .. %s\n", t1, t2);
  wrap(f->summary, "    ");
  list("accounts", &f->accounts);
  list("hosts", &f->hosts);
  list("addresses", &f->ips);
  list("files", &f->files);
  if (f->attack.n) list("ATT&CK", &f->attack);
  if (f->nevidence) printf("    evidence (%zu%s):\n", f->nevidence, f->evidence_dropped ? "+" : "");
  for (size_t i = 0; i < f->nevidence; i++) {
    const ash_evidence *e = &f->evidence[i];
    printf("      - ");
    if (e->source_path) {
      put_clean(e->source_path);
      if (e->ref_kind == ASH_REF_OFFSET)
        printf(" @%llu", (unsigned long long)e->ref);
      else if (e->ref_kind == ASH_REF_RECORD)
        printf(" record %llu", (unsigned long long)e->ref);
    } else {
      put_clean(e->kind);
    }
    printf("\n        ");
    put_clean(e->text);
    putchar('\n');
  }
  return 0;
}

static int on_finding(void *u, const ash_finding *f) {
  hst *h = u;
  if (h->json) return print_finding(h, f, ++h->rank);
  ash_finding *v = ash_array_room(h->fv, &h->fcap, h->fn, sizeof *v, 64);
  if (!v) return ASH_ENOMEM;
  h->fv = v;
  int rc = ash_finding_copy(&h->fv[h->fn], f);
  if (!rc) h->fn++;
  return rc;
}

static int on_incident(void *u, const ash_incident *x) {
  hst *h = u;
  if (h->json) return 0; /* the JSON lines are findings: each says its incident */
  kept_inc *v = ash_array_room(h->iv, &h->icap, h->in, sizeof *v, 8);
  if (!v) return ASH_ENOMEM;
  h->iv = v;
  kept_inc *k = &h->iv[h->in];
  k->x = *x;
  k->title = strdup(x->title ? x->title : "");
  k->story = strdup(x->story ? x->story : "");
  if (!k->title || !k->story) {
    free(k->title);
    free(k->story);
    return ASH_ENOMEM;
  }
  k->x.title = k->title;
  k->x.story = k->story;
  h->in++;
  return 0;
}

/* Text: each incident (its story, then its findings), then the findings
 * linked to none; ranks are over all findings, best first. */
static int print_text(hst *h) {
  int rc = 0;
  for (size_t k = 0; !rc && k < h->in; k++) {
    const ash_incident *x = &h->iv[k].x;
    size_t shown = 0;
    for (size_t i = 0; i < h->fn; i++)
      if (!strcmp(h->fv[i].incident, x->id) && h->fv[i].score >= h->min_score) shown++;
    if (!shown) continue;
    char sev[16], t1[32] = "", t2[32] = "";
    upper(ash_severity_name(x->severity), sev, sizeof sev);
    printf("%sINCIDENT %s  %-8s %3d  %zu findings\n", h->shown ? "\n" : "", x->id, sev, x->score,
           x->nfindings);
    printf("    ");
    put_clean(x->title);
    putchar('\n');
    if (x->first_seen != ASH_TIME_UNSET) ash_time_format(x->first_seen, t1);
    if (x->last_seen != ASH_TIME_UNSET) ash_time_format(x->last_seen, t2);
    if (t1[0]) printf("    seen %s .. %s\n", t1, t2);
    for (const char *p = x->story; p && *p;) {
      size_t n = strcspn(p, "\n");
      char line[1200];
      snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line - 1 ? n : sizeof line - 1), p);
      fputs("    | ", stdout);
      put_clean(line);
      putchar('\n');
      p += n + (p[n] == '\n');
    }
    printf("    its findings:\n");
    h->shown++;
    for (size_t i = 0; !rc && i < h->fn; i++)
      if (!strcmp(h->fv[i].incident, x->id)) rc = print_finding(h, &h->fv[i], (int)i + 1);
  }
  int header = 0;
  for (size_t i = 0; !rc && i < h->fn; i++) {
    const ash_finding *f = &h->fv[i];
    int linked = 0;
    for (size_t k = 0; f->incident[0] && k < h->in && !linked; k++)
      linked = !strcmp(h->iv[k].x.id, f->incident);
    if (linked) continue;
    if (h->in && !header && f->score >= h->min_score) {
      printf("\nFINDINGS LINKED TO NO INCIDENT\n");
      header = 1;
    }
    rc = print_finding(h, f, (int)i + 1);
  }
  return rc;
}

static void progress(void *u, const char *hunt, int done, size_t n) {
  (void)u;
  if (done)
    fprintf(stderr, "\rhunt %-20s %zu finding%s\n", hunt, n, n == 1 ? "" : "s");
  else
    fprintf(stderr, "\rhunt %-20s ...", hunt);
}

/* A cap the run reached: the findings are then not the whole case's
 * (our own sentence: names and numbers, no evidence text). */
static void on_limit(void *u, const char *text) {
  (void)u;
  fprintf(stderr, "ashiato: hunt: not examined whole: %s\n", text);
}

int cmd_hunt(int argc, char **argv) {
  static const struct option lo[] = {
      {"hunt", 1, 0, 'H'},  {"json", 0, 0, 'j'},      {"ranges", 1, 0, 'r'}, {"dry-run", 0, 0, 'n'},
      {"list", 0, 0, 'l'},  {"min-score", 1, 0, 'm'}, {"help", 0, 0, 'h'},   {"verify", 0, 0, 'V'},
      {"rules", 1, 0, 'R'}, {"internal", 1, 0, 'I'},  {0, 0, 0, 0}};
  const char *rules[256];
  size_t nrules = 0;
  hst h;
  memset(&h, 0, sizeof h);
  ash_hunt_opts o;
  ash_hunt_opts_default(&o);
  const char *ranges = NULL;
  const char *internal = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
    case 'H': o.only = optarg; break;
    case 'R':
      if (nrules == sizeof rules / sizeof rules[0]) {
        fprintf(stderr, "ashiato: too many --rules\n");
        return ASH_EXIT_USAGE;
      }
      rules[nrules++] = optarg;
      break;
    case 'j': h.json = 1; break;
    case 'r': ranges = optarg; break;
    case 'I': internal = optarg; break;
    case 'n': o.dry_run = 1; break;
    case 'V': o.verify_evidence = 1; break;
    case 'm': {
      int64_t v;
      if (ash_str_to_i64(ash_str_cstr(optarg), &v) || v < 0 || v > 100) {
        fprintf(stderr, "ashiato: --min-score: a number from 0 to 100\n");
        return ASH_EXIT_USAGE;
      }
      h.min_score = (int)v;
      break;
    }
    case 'l': {
      size_t n;
      const ash_hunt_info *l = ash_hunt_list(&n);
      for (size_t i = 0; i < n; i++) printf("%-20s %s\n", l[i].name, l[i].about);
      return ASH_EXIT_OK;
    }
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    cli_usage_args("hunt", argc - optind, 1, "CASE");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  if (o.only) {
    size_t n, i = 0;
    const ash_hunt_info *l = ash_hunt_list(&n);
    while (i < n && strcmp(l[i].name, o.only)) i++;
    if (i == n) {
      fprintf(stderr, "ashiato: unknown hunt '%s' (ashiato hunt --list)\n", cli_safe(o.only));
      return ASH_EXIT_USAGE;
    }
  }
  ash_cidrset *inet = NULL;
  if (internal) {
    /* "10.0.0.0/8,198.51.100.0/24": every piece must be a network */
    int irc = ash_cidrset_new(&inet);
    const char *p = internal;
    while (!irc && *p) {
      const char *e = strchr(p, ',');
      size_t n = e ? (size_t)(e - p) : strlen(p);
      if (n && ash_cidrset_add(inet, ash_str_make(p, n), 1)) {
        fprintf(stderr, "ashiato: --internal: '%.*s' is not a network (CIDR,...)\n", (int)n,
                cli_safe(p));
        ash_cidrset_close(inet);
        return ASH_EXIT_USAGE;
      }
      p += n + (e != NULL);
    }
    if (!irc) irc = ash_cidrset_build(inet);
    if (irc) {
      cli_error("hunt: --internal", irc);
      ash_cidrset_close(inet);
      return ASH_EXIT_FAIL;
    }
    o.internal = inet;
  }
  ash_ranges *r = NULL;
  if (nrules) {
    /* rules that do not load are said here, never silently left out */
    ash_sigma *sg;
    int src = ash_sigma_open(&sg);
    for (size_t i = 0; !src && i < nrules; i++) src = ash_sigma_load_path(sg, rules[i]);
    if (!src) src = ash_sigma_prepare(sg);
    if (src) {
      cli_error("hunt: --rules", src);
      ash_sigma_close(sg);
      ash_cidrset_close(inet);
      return ASH_EXIT_FAIL;
    }
    fprintf(stderr, "hunt: --rules: %zu Sigma rules loaded, %zu not loaded%s\n",
            ash_sigma_count(sg), ash_sigma_reject_count(sg),
            ash_sigma_reject_count(sg) ? " (see ashiato sigma --check)" : "");
    ash_sigma_close(sg);
    o.sigma_rules = rules;
    o.nsigma_rules = nrules;
  }
  int ex = cli_ranges_open(ranges, &r, 0);
  if (ex) {
    ash_cidrset_close(inet);
    return ex;
  }
  o.ranges = r;
  if (isatty(STDERR_FILENO)) o.progress = progress;
  o.on_limit = on_limit;
  o.on_incident = on_incident;
  ash_store *st;
  int rc = cli_store_open(&st, argv[optind], o.dry_run ? ASH_STORE_READONLY : 0);
  if (rc) {
    ash_ranges_close(r);
    ash_cidrset_close(inet);
    return ASH_EXIT_FAIL;
  }
  ash_buf_init(&h.line, (size_t)ASH_MAX_FINDING_EVIDENCE * ASH_MAX_FINDING_TEXT);
  rc = ash_hunt_run_all(st, &o, on_finding, &h);
  if (!rc && !h.json) rc = print_text(&h);
  for (size_t i = 0; i < h.fn; i++) ash_finding_free(&h.fv[i]);
  free(h.fv);
  for (size_t i = 0; i < h.in; i++) {
    free(h.iv[i].title);
    free(h.iv[i].story);
  }
  free(h.iv);
  if (rc) {
    fprintf(stderr, "ashiato: hunt: %s", ash_strerror(rc));
    /* the store's words when it has any (a ClickHouse server's text) */
    if (rc == ASH_ESTORE || *ash_store_errmsg(st))
      fprintf(stderr, " (%s)", cli_safe(ash_store_errmsg(st)));
    fputc('\n', stderr);
  } else if (!h.json && !h.shown) {
    printf("No findings.\n");
  }
  if (h.changed)
    fprintf(stderr,
            "ashiato: WARNING: %zu evidence line%s not quoted: the file%s changed since ingest "
            "(ashiato sources %s --verify)\n",
            h.changed, h.changed == 1 ? " was" : "s were", h.changed == 1 ? "" : "s",
            cli_safe(argv[optind]));
  ash_buf_free(&h.line);
  int crc = ash_store_close(st);
  ash_ranges_close(r);
  ash_cidrset_close(inet);
  if (rc || crc) return ASH_EXIT_FAIL;
  return ASH_EXIT_OK;
}
