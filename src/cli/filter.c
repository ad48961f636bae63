/* The event filters shared by the verbs that read events (events,
 * timeline): one definition of the options, their help lines and their
 * checks. */
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/time.h"
#include "cli.h"
#include "term.h"

static int parse_time(const char *opt, const char *v, int64_t *out) {
  if (ash_time_parse_iso(ash_str_cstr(v), out)) {
    fprintf(stderr, "ashiato: %s: bad time '%s' (ISO 8601, e.g. 2025-03-02T10:22:01Z)\n", opt, v);
    return -1;
  }
  return 0;
}

int cli_filter_option(ash_event_query *q, int c, const char *arg) {
  switch (c) {
  case CLI_F_KIND: q->kind = arg; return 1;
  case CLI_F_HOST: q->host = arg; return 1;
  case CLI_F_USER: q->user = arg; return 1;
  case CLI_F_SINCE: return parse_time("--since", arg, &q->since) ? -1 : 1;
  case CLI_F_UNTIL: return parse_time("--until", arg, &q->until) ? -1 : 1;
  case CLI_F_LIMIT:
    if (ash_str_to_u64(ash_str_cstr(arg), &q->limit)) {
      fprintf(stderr, "ashiato: --limit: not a number: '%s'\n", arg);
      return -1;
    }
    return 1;
  case CLI_F_EVENT_ID: {
    int64_t v;
    if (ash_str_to_i64(ash_str_cstr(arg), &v) || v < 0 || v > 65535) {
      fprintf(stderr, "ashiato: --event-id: not an event id (0-65535): '%s'\n", arg);
      return -1;
    }
    q->has_event_id = 1;
    q->event_id = v;
    return 1;
  }
  default: return 0;
  }
}

typedef struct kinds_acc {
  const char *want;
  size_t wl;
  int prefix, match;
  ash_buf list;
} kinds_acc;

static int note_kind(void *u, const char *kind, uint64_t n) {
  kinds_acc *a = u;
  (void)n;
  if (a->prefix ? !strncmp(kind, a->want, a->wl) : !strcmp(kind, a->want)) a->match = 1;
  if (a->list.n) ash_buf_adds(&a->list, ", ");
  ash_buf_adds(&a->list, kind);
  return 0;
}

void cli_filter_explain_empty(ash_store *st, const ash_event_query *q) {
  if (!q->kind || !*q->kind) return;
  kinds_acc a = {q->kind, strlen(q->kind), 0, 0, {0}};
  if (a.wl && (q->kind[a.wl - 1] == '*' || q->kind[a.wl - 1] == '.')) {
    a.prefix = 1;
    if (q->kind[a.wl - 1] == '*') a.wl--;
  }
  ash_buf_init(&a.list, 1u << 16);
  if (!ash_store_kinds(st, note_kind, &a) && !a.match) {
    fputs("ashiato: no event of kind '", stderr);
    cli_term_puts(stderr, q->kind);
    fputs("' in this case; its kinds: ", stderr);
    cli_term_puts(stderr, a.list.n ? a.list.p : "none");
    fputs(" ('ashiato kinds CASE' counts them)\n", stderr);
  }
  ash_buf_free(&a.list);
}

static const char *KINDS_HELP = "usage: ashiato kinds CASE [--json]\n\n"
                                "The kinds of the case's events, with how many of each.\n\n"
                                "options:\n"
                                "  --json         {\"kind\":...,\"count\":N} per line\n"
                                "  -h, --help     this text\n";

static int print_kind(void *u, const char *kind, uint64_t n) {
  if (*(int *)u) {
    ash_buf b;
    ash_buf_init(&b, 1u << 16);
    ash_buf_adds(&b, "{\"kind\":\"");
    ash_buf_add_json_str(&b, kind, strlen(kind));
    ash_buf_printf(&b, "\",\"count\":%llu}", (unsigned long long)n);
    puts(b.p ? b.p : "");
    ash_buf_free(&b);
  } else {
    cli_term_puts(stdout, kind);
    printf("%*s %12llu\n", strlen(kind) < 22 ? (int)(22 - strlen(kind)) : 0, "",
           (unsigned long long)n);
  }
  return 0;
}

int cmd_kinds(int argc, char **argv) {
  int json = 0;
  const char *case_path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(KINDS_HELP, stdout);
      return ASH_EXIT_OK;
    } else if (argv[i][0] == '-' || case_path) {
      fputs(KINDS_HELP, stderr);
      return ASH_EXIT_USAGE;
    } else
      case_path = argv[i];
  }
  if (!case_path) {
    fputs("ashiato kinds: missing CASE\n", stderr);
    fputs(KINDS_HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  ash_store *st;
  if (cli_store_open(&st, case_path, ASH_STORE_READONLY)) return ASH_EXIT_FAIL;
  int rc = ash_store_kinds(st, print_kind, &json);
  if (rc) fprintf(stderr, "ashiato: %s: %s\n", case_path, ash_store_errmsg(st));
  ash_store_close(st);
  return rc ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
