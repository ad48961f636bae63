/* ashiato: the case generator (`ashiato gen`, `ashiato demo`).
 *
 * Simulates an organisation (a Windows domain, servers, users with
 * workstations, a VPN on the perimeter firewall, antivirus everywhere)
 * through months of ordinary life, embeds the intrusion of scenario.md with
 * randomised details, and writes:
 *   DIR/logs/firewall/...   firewall traffic and VPN events, one file a day
 *   DIR/logs/windows/HOST/GROUP.jsonl  Windows events (Winlogbeat/ECS JSON)
 *   DIR/files/HOST/C/...    implant binaries and benign look-alikes
 *   DIR/answer.json         the ground truth (cli-contract.md)
 *
 * The generator sits on top of the public API and knows nothing of the
 * parsers or the store; the hunts know nothing of it. Output depends on the
 * options and the seed only: the same seed gives byte-identical files (no
 * clock, no rand(), no hash-order dependence). Memory is bounded by the
 * activity of one simulated hour, whatever the number of days. */
#ifndef ASHIATO_GEN_H
#define ASHIATO_GEN_H

#include <stddef.h>
#include <stdint.h>

typedef enum ash_gen_fw {
  ASH_GEN_FW_FORTIGATE = 0,
  ASH_GEN_FW_PANOS,
  ASH_GEN_FW_ASA,
  ASH_GEN_FW_ZEEK
} ash_gen_fw;

typedef enum ash_gen_win { ASH_GEN_WIN_WINLOGBEAT = 0, ASH_GEN_WIN_EVTX } ash_gen_win;

/* Counters of what was written; filled as the run goes. */
typedef struct ash_gen_stats {
  uint64_t flows;        /* firewall traffic records (final and interim) */
  uint64_t fw_records;   /* every firewall record (traffic + VPN events) */
  uint64_t vpn_sessions; /* VPN tunnels opened */
  uint64_t win_records;  /* Windows events */
  uint64_t fw_files, win_files, bin_files;
  uint64_t bytes;    /* bytes of log files written */
  uint64_t implants; /* malicious binaries among bin_files */
  uint64_t hours_done, hours_total;
} ash_gen_stats;

typedef struct ash_gen_opts {
  const char *out_dir; /* created when missing; must be empty or new */
  uint64_t seed;
  uint32_t users;         /* people, one workstation each */
  uint32_t servers;       /* DCs + file/app/db/backup/update servers (>= 5) */
  uint32_t days;          /* length of the case (>= 20) */
  uint64_t flows_per_day; /* firewall traffic records a day, on average */
  const char *domain;     /* AD DNS name; NetBIOS name = first label */
  ash_gen_fw firewall;
  ash_gen_win windows;
  int sysmon; /* also write Sysmon events on servers */
  /* Interim records of long firewall sessions (FortiOS "long-live session
   * statistics", log id 20) every this many seconds; 0 = none. FortiOS
   * writes them every 120 s; the default, 600, keeps cases smaller. */
  uint32_t interim_s;
  int64_t end; /* UTC microseconds: the case ends here */
  /* Scenario family (issue 11): NULL or "classic" for the case of
   * scenario.md as it has always been generated (same bytes as before
   * families existed); otherwise a comma-separated list of axis values,
   * "key=value" or a bare value that names one axis only, e.g.
   * "vpn=asa,cloud=azure,loopback=self" or "seed". Axes left out are drawn
   * from the seed. Keys: intruder (everyday|stranger), detuser
   * (victim|system|other), vpn (fortigate|asa|panos|zeek), cloud
   * (aws|azure|gcp|oracle|digitalocean|linode), port (443|other|N),
   * loopback (127.0.0.1|127/8|::1|self), past (months, 2-12), decoys
   * (all|none|travel+tools+otheradmin+vendor). */
  const char *family;
  int firewall_set; /* firewall was chosen by the caller: the vpn axis is fixed */
  int benign_only;  /* no intrusion at all; the family's decoys only */
  /* Called about once per simulated hour; may be NULL. */
  void (*progress)(void *u, const ash_gen_stats *st);
  void *progress_u;
} ash_gen_opts;

/* Defaults: 200 users, 12 servers, 270 days, 20000 flows a day,
 * CORP.EXAMPLE.LOCAL, FortiGate, Winlogbeat JSON, no Sysmon, interim
 * records every 600 s, seed 1, end 2025-07-01 00:00 +09:00. out_dir stays
 * NULL. */
void ash_gen_opts_default(ash_gen_opts *o);

/* Check the options; on failure write a reason into why[whylen] and return
 * ASH_EUSAGE. */
int ash_gen_check(const ash_gen_opts *o, char *why, size_t whylen);

/* Generate the case. Returns ASH_OK, ASH_EUSAGE (bad options, why says
 * which), ASH_EIO (why names the path), ASH_ENOMEM. st may be NULL. */
int ash_gen_run(const ash_gen_opts *o, ash_gen_stats *st, char *why, size_t whylen);

/* Check a family specification (see ash_gen_opts.family) without running
 * anything; on failure write a reason into why[whylen] and return
 * ASH_EUSAGE. */
int ash_gen_family_check(const char *spec, char *why, size_t whylen);

/* Names used on the command line. */
const char *ash_gen_fw_name(ash_gen_fw f);
int ash_gen_fw_parse(const char *name, ash_gen_fw *out);

#endif
