/* ashiato gen: write a realistic case with a known intrusion. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/gen.h"
#include "ashiato/time.h"
#include "cli.h"
#include "term.h"
#include "cmd_gen.h"

static const char *HELP =
    "usage: ashiato gen --out DIR [options]\n\n"
    "Simulates a Windows domain with its servers, users, VPN, antivirus and months\n"
    "of ordinary life, embeds an intrusion (a past antivirus detection linked to a\n"
    "VPN account, a later return, an HTTPS tunnel to a relay in AWS with RDP over\n"
    "loopback, custom malware carrying the domain's names, ransomware), and writes\n"
    "  DIR/logs/firewall/   firewall traffic and VPN events, a file a day\n"
    "  DIR/logs/windows/    Windows events per host and channel group\n"
    "  DIR/files/           the intruders' binaries and benign look-alikes\n"
    "  DIR/answer.json      the ground truth\n"
    "The same seed gives byte-identical output. DIR must be new or empty.\n\n"
    "options:\n"
    "  --out DIR            where to write (required)\n"
    "  --seed N             random seed (default 1)\n"
    "  --users N            people, one workstation each (default 200)\n"
    "  --servers N          servers including DCs, at least 5 (default 12)\n"
    "  --days D             length of the case, at least 20 (default 270)\n"
    "  --flows-per-day N    firewall traffic records a day on average (default 20000)\n"
    "  --domain NAME        AD domain (default CORP.EXAMPLE.LOCAL)\n"
    "  --firewall F         fortigate, panos (PAN-OS CSV), asa (Cisco ASA) or zeek\n"
    "                       (Zeek conn.log, the VPN gateway's events in logs/vpn/)\n"
    "  --windows W          winlogbeat: ECS JSON lines (evtx: planned)\n"
    "  --sysmon             also write Sysmon events on servers\n"
    "  --interim S          interim records of long sessions every S seconds\n"
    "                       (FortiOS: 120; default 600; 0: none)\n"
    "  --end DATE           last day ends at this date's midnight, +09:00\n"
    "                       (YYYY-MM-DD, default 2025-07-01)\n"
    "  --family F[,F...]    a scenario family instead of the classic case: axes as\n"
    "                       key=value (or the bare value), the others drawn from\n"
    "                       the seed ('seed': all of them); see below\n"
    "  --benign-only        no intrusion at all: ordinary life and the family's\n"
    "                       decoys (all four unless decoys= says otherwise)\n"
    "  -q, --quiet          no progress or summary on stderr\n"
    "  -h, --help           this text\n\n"
    "families (recorded in answer.json \"family\"; without --family the classic case:\n"
    "FortiGate or --firewall, AWS relay, RDP from 127.0.0.1 and ::1, no decoys):\n"
    "  intruder=everyday|stranger   the linked account does / does not log on to the\n"
    "                               detecting server every day (its file server)\n"
    "  detuser=victim|system|other  Defender's Detection User: the account, SYSTEM,\n"
    "                               or another admin logged on by RDP at the time\n"
    "  vpn=fortigate|asa|panos|zeek the VPN/firewall (zeek: conn.log + FortiGate VPN)\n"
    "  cloud=aws|azure|gcp|oracle|digitalocean|linode   the relay's provider\n"
    "  port=443|other|N             the relay's port (other: 8443, 4443, 10443, ...)\n"
    "  loopback=127.0.0.1|127/8|::1|self   source of the RDP logons through the\n"
    "                               tunnel (self: the host's own address, portproxy)\n"
    "  past=2..12                   months from the past incident to the ransomware\n"
    "                               (needs --days of about 30.44 x months + 13)\n"
    "  decoys=all|none|travel+tools+otheradmin+vendor   benign look-alikes: an admin\n"
    "                               abroad the same day, HackTools in an admin's own\n"
    "                               folder after his usual VPN logon, an admin as\n"
    "                               Detection User, a vendor's long support sessions\n"
    "                               to the relay's provider\n"
    "  e.g. --family vpn=asa,cloud=azure,loopback=self,past=4   or   --family seed\n";

static int parse_u64(const char *s, uint64_t *out) {
  return ash_str_to_u64(ash_str_cstr(s), out) ? -1 : 0;
}

typedef struct progress {
  int tty;
  int last;
} progress;

static void on_progress(void *u, const ash_gen_stats *st) {
  progress *p = u;
  if (!p->tty || !st->hours_total) return;
  int pct = (int)(st->hours_done * 100 / st->hours_total);
  if (pct == p->last) return;
  p->last = pct;
  fprintf(stderr, "\rgen: %3d%%  %" PRIu64 " flows  %" PRIu64 " Windows events  %" PRIu64 " MB",
          pct, st->flows, st->win_records, st->bytes >> 20);
  if (pct == 100) fputc('\n', stderr);
}

/* Parse the options shared by gen and demo into o; returns 0, -1 after
 * printing the help, or an exit code after printing an error. */
int cli_gen_opts(int argc, char **argv, ash_gen_opts *o, int *quiet, const char *help, int demo) {
  static const struct option lo[] = {{"out", 1, 0, 'o'},
                                     {"seed", 1, 0, 's'},
                                     {"users", 1, 0, 'u'},
                                     {"servers", 1, 0, 'S'},
                                     {"days", 1, 0, 'd'},
                                     {"flows-per-day", 1, 0, 'f'},
                                     {"domain", 1, 0, 'D'},
                                     {"firewall", 1, 0, 'F'},
                                     {"windows", 1, 0, 'W'},
                                     {"sysmon", 0, 0, 'y'},
                                     {"end", 1, 0, 'e'},
                                     {"quiet", 0, 0, 'q'},
                                     {"interim", 1, 0, 'i'},
                                     {"help", 0, 0, 'h'},
                                     {"family", 1, 0, 'm'},
                                     {"benign-only", 0, 0, 'b'},
                                     {0, 0, 0, 0}};
  int c, li = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "qh", lo, &li)) != -1) {
    uint64_t v = 0;
    switch (c) {
    case 'o': o->out_dir = optarg; break;
    case 's':
      if (parse_u64(optarg, &o->seed)) goto bad;
      break;
    case 'u':
    case 'S':
    case 'd':
      if (parse_u64(optarg, &v) || v > 1000000) goto bad;
      if (c == 'u') o->users = (uint32_t)v;
      if (c == 'S') o->servers = (uint32_t)v;
      if (c == 'd') o->days = (uint32_t)v;
      break;
    case 'f':
      if (parse_u64(optarg, &o->flows_per_day)) goto bad;
      break;
    case 'D': o->domain = optarg; break;
    case 'F':
      if (ash_gen_fw_parse(optarg, &o->firewall)) goto bad;
      o->firewall_set = 1;
      break;
    case 'm': {
      char why[300];
      if (ash_gen_family_check(optarg, why, sizeof why)) {
        fprintf(stderr, "ashiato %s: %s\n", demo ? "demo" : "gen", cli_safe(why));
        return ASH_EXIT_USAGE;
      }
      o->family = optarg;
      break;
    }
    case 'b':
      if (demo) {
        fprintf(stderr, "ashiato demo: --benign-only has no intrusion to show; use 'ashiato gen "
                        "--benign-only'\n");
        return ASH_EXIT_USAGE;
      }
      o->benign_only = 1;
      break;
    case 'W':
      if (!strcmp(optarg, "winlogbeat"))
        o->windows = ASH_GEN_WIN_WINLOGBEAT;
      else if (!strcmp(optarg, "evtx"))
        o->windows = ASH_GEN_WIN_EVTX;
      else
        goto bad;
      break;
    case 'y': o->sysmon = 1; break;
    case 'i':
      if (parse_u64(optarg, &v) || v > 86400) goto bad;
      o->interim_s = (uint32_t)v;
      break;
    case 'e': {
      int64_t t;
      if (strlen(optarg) != 10 || ash_time_parse_iso(ash_str_cstr(optarg), &t)) goto bad;
      o->end = t - 9 * 3600 * ASH_US_PER_SEC;
      break;
    }
    case 'q': *quiet = 1; break;
    case 'h': fputs(help, stdout); return -1;
    default: fputs(help, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "ashiato %s: unexpected argument '%s'\n", demo ? "demo" : "gen",
            cli_safe(argv[optind]));
    return ASH_EXIT_USAGE;
  }
  return 0;
bad:
  fprintf(stderr, "ashiato %s: bad value for --%s: '%s'\n", demo ? "demo" : "gen", lo[li].name,
          cli_safe(optarg));
  return ASH_EXIT_USAGE;
}

int cmd_gen(int argc, char **argv) {
  ash_gen_opts o;
  ash_gen_opts_default(&o);
  int quiet = 0;
  int u = cli_gen_opts(argc, argv, &o, &quiet, HELP, 0);
  if (u < 0) return ASH_EXIT_OK;
  if (u) return u;
  char why[600];
  if (ash_gen_check(&o, why, sizeof why)) {
    fprintf(stderr, "ashiato gen: %s\n", why);
    return ASH_EXIT_USAGE;
  }
  progress p = {!quiet && isatty(2), -1};
  o.progress = on_progress;
  o.progress_u = &p;
  ash_gen_stats st;
  int rc = ash_gen_run(&o, &st, why, sizeof why);
  if (rc) {
    fprintf(stderr, "\nashiato gen: %s\n", why);
    return rc == ASH_EUSAGE ? ASH_EXIT_USAGE : ASH_EXIT_FAIL;
  }
  if (!quiet)
    fprintf(stderr,
            "gen: wrote %s: %" PRIu64 " firewall records (%" PRIu64 " flows, %" PRIu64
            " VPN sessions) in %" PRIu64 " files, %" PRIu64 " Windows events in %" PRIu64
            " files, %" PRIu64 " binaries (%" PRIu64 " implants), %" PRIu64
            " MB of logs; ground truth in %s/answer.json\n",
            o.out_dir, st.fw_records, st.flows, st.vpn_sessions, st.fw_files, st.win_records,
            st.win_files, st.bin_files, st.implants, st.bytes >> 20, o.out_dir);
  return ASH_EXIT_OK;
}
