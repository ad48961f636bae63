/* ashiato plan CASE: the recovery plan of a hunted case (plan.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/plan.h"
#include "ashiato/store.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato plan CASE [options]\n\n"
    "Prints the recovery plan of a case whose findings are stored (run 'ashiato\n"
    "hunt CASE', and 'ashiato scan --case CASE' on collected files, first): the\n"
    "steps in the order a responder runs them, 1 contain, 2 eradicate, 3\n"
    "credentials, 4 restore, 5 verify and watch, each citing the findings and\n"
    "the evidence (source file and offset or record) it rests on. The block\n"
    "step carries ready firewall configuration for the case's own vendor\n"
    "(detected from the ingested logs); every address in it is re-parsed and\n"
    "written canonical, and an account name goes into a line only when it is\n"
    "plain [A-Za-z0-9._-], so no text from a log can add a line to it.\n\n"
    "options:\n"
    "  --json          the plan as one JSON object (steps, values, configuration,\n"
    "                  findings, evidence, and the watchlist for 'ashiato watch')\n"
    "  --lang L        en (default) or ja\n"
    "  --tz ZONE       the steps' times in this zone (Asia/Tokyo, +09:00; default\n"
    "                  UTC); the JSON's time fields stay UTC\n"
    "  --firewall V    fortigate, panos, asa or iptables (iptables/ip6tables and\n"
    "                  an nftables ruleset); default: the case's own vendor\n"
    "  -o FILE         write to FILE instead of stdout\n"
    "  -h, --help      this text\n";

int cmd_plan(int argc, char **argv) {
  static const struct option opts[] = {
      {"json", 0, 0, 'j'},   {"lang", 1, 0, 'l'}, {"firewall", 1, 0, 'F'},
      {"output", 1, 0, 'o'}, {"tz", 1, 0, 'z'},   {"help", 0, 0, 'h'},
      {0, 0, 0, 0}};
  ash_plan_opts po = {ASH_LANG_EN, ASH_FW_AUTO, NULL};
  int json = 0, c;
  const char *outpath = NULL;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'j': json = 1; break;
    case 'l':
      if (ash_lang_parse(optarg, &po.lang)) {
        fprintf(stderr, "ashiato plan: --lang must be en or ja, not '%s'\n", cli_safe(optarg));
        return ASH_EXIT_USAGE;
      }
      break;
    case 'F':
      if (ash_fw_vendor_parse(optarg, &po.firewall) || po.firewall == ASH_FW_AUTO) {
        fprintf(stderr, "ashiato plan: --firewall must be fortigate, panos, asa or iptables\n");
        return ASH_EXIT_USAGE;
      }
      break;
    case 'o': outpath = optarg; break;
    case 'z':
      ash_tz_close(po.tz);
      po.tz = NULL;
      if (ash_tz_open(&po.tz, optarg)) {
        fprintf(stderr, "ashiato plan: --tz %s: not a zone\n", cli_safe(optarg));
        return ASH_EXIT_USAGE;
      }
      break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    ash_tz_close(po.tz);
    cli_usage_args("plan", argc - optind, 1, "CASE");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  ash_store *st;
  if (cli_store_open(&st, argv[optind], ASH_STORE_READONLY)) {
    ash_tz_close(po.tz);
    return ASH_EXIT_FAIL;
  }
  ash_plan *p = NULL;
  int rc = ash_plan_build(st, &po, &p);
  ash_store_close(st);
  if (rc) {
    cli_error("plan", rc);
    ash_tz_close(po.tz);
    return ASH_EXIT_FAIL;
  }
  ash_buf b;
  ash_buf_init(&b, (size_t)256 << 20);
  rc = json ? ash_plan_to_json(p, &b) : ash_plan_to_text(p, &b);
  if (!rc && json) rc = ash_buf_addc(&b, '\n');
  ash_plan_close(p);
  ash_tz_close(po.tz);
  FILE *out = stdout;
  if (!rc && outpath && !(out = fopen(outpath, "w"))) {
    perror(outpath);
    ash_buf_free(&b);
    return ASH_EXIT_FAIL;
  }
  if (!rc && b.n) {
    if (json) {
      fwrite(b.p, 1, b.n, out);
    } else {
      /* a person reads it in a terminal: log text is filtered (term.h),
       * line by line, keeping our own line ends */
      for (const char *l = b.p; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        cli_term_write(out, l, n);
        fputc('\n', out);
        l += n + (e != NULL);
      }
    }
  }
  ash_buf_free(&b);
  if (out != stdout && fclose(out)) rc = ASH_EIO;
  if (rc) {
    cli_error("plan", rc);
    return ASH_EXIT_FAIL;
  }
  return fflush(stdout) ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
