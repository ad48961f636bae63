/* ashiato demo: generate a small case with a known intrusion, ingest it,
 * run the hunts and the implant scan, and show what was found against
 * what was embedded. The README's first command: it must work from a clone
 * with nothing else, and finish well within a minute. */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/gen.h"
#include "ashiato/hunt.h"
#include "ashiato/ingest.h"
#include "ashiato/ranges.h"
#include "ashiato/report.h"
#include "ashiato/scan.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "cli.h"
#include "term.h"
#include "cmd_gen.h"

static const char *HELP =
    "usage: ashiato demo [--out DIR] [--seed N] [generator options]\n\n"
    "Generates a small case with a known intrusion (24 people, 7 servers, 60 days\n"
    "of firewall, VPN, Windows and antivirus logs), ingests it into a case store,\n"
    "runs the hunts and the implant scan, and prints what was found next to what\n"
    "was embedded (DIR/answer.json). Without --out the case lives in a temporary\n"
    "folder that is removed at the end; with --out DIR it is kept, with the case\n"
    "store in DIR/case.db and its HTML report in DIR/report.html, so that you\n"
    "can go on with\n"
    "  ashiato hunt DIR/case.db\n"
    "  ashiato events DIR/case.db --kind win.rdp --host <host>\n\n"
    "options:\n"
    "  --out DIR       keep the case in DIR (new or empty)\n"
    "  --seed N        another organisation and intrusion (default 1)\n"
    "  --users, --servers, --days, --flows-per-day, --domain, --firewall, --sysmon,\n"
    "  --interim, --end, --family:\n"
    "                  as for 'ashiato gen' (a bigger case takes longer)\n"
    "  -q, --quiet     no progress lines on stderr\n"
    "  -h, --help      this text\n";

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path) ? -1 : 0;
}

/* ---- ingest accounting per format ---- */

typedef struct fmt_acc {
  char name[24];
  uint64_t files, read, parsed, rejected;
} fmt_acc;

typedef struct demo {
  fmt_acc fmts[16];
  int nfmt;
  uint64_t skipped;
  /* findings, best first: what the report needs of each */
  struct dfind {
    char hunt[32];
    char sev[12];
    int score;
    char title[200];
    char incident[16];
    char *ents; /* "\n"-separated accounts, hosts, ips, files */
  } f[256];
  int nf, nf_total;
  int quiet;
  int missed; /* embedded footprints a hunt exists for but did not find */
  /* "\nhost\n..." of every lolbin finding (kept whole: they are many) */
  ash_buf lolbin_hosts;
} demo;

static void on_source(void *u, const ash_source_info *info) {
  demo *d = u;
  int i = 0;
  while (i < d->nfmt && strcmp(d->fmts[i].name, info->format)) i++;
  if (i == d->nfmt) {
    if (d->nfmt == 16) return;
    snprintf(d->fmts[i].name, sizeof d->fmts[i].name, "%s", info->format);
    d->nfmt++;
  }
  d->fmts[i].files++;
  d->fmts[i].read += info->read;
  d->fmts[i].parsed += info->parsed;
  d->fmts[i].rejected += info->rejected;
}

static void on_skip(void *u, const ash_source_info *info) {
  demo *d = u;
  d->skipped++;
  fprintf(stderr, "demo: not ingested: %s: %s\n", cli_safe(info->path),
          cli_safe(info->skip_reason));
}

static void add_set(ash_buf *b, const ash_strset *s) {
  for (size_t i = 0; i < s->n; i++) {
    ash_buf_adds(b, s->v[i]);
    ash_buf_addc(b, '\n');
  }
}

static int keep_finding(demo *d, const ash_finding *f) {
  d->nf_total++;
  if (f->hunt && !strcmp(f->hunt, "lolbin"))
    for (size_t i = 0; i < f->hosts.n; i++) {
      if (!d->lolbin_hosts.n) ash_buf_addc(&d->lolbin_hosts, '\n');
      ash_buf_adds(&d->lolbin_hosts, f->hosts.v[i]);
      ash_buf_addc(&d->lolbin_hosts, '\n');
    }
  if (d->nf >= 256) return 0;
  struct dfind *x = &d->f[d->nf++];
  snprintf(x->hunt, sizeof x->hunt, "%s", f->hunt);
  snprintf(x->sev, sizeof x->sev, "%s", ash_severity_name(f->severity));
  x->score = f->score;
  snprintf(x->title, sizeof x->title, "%s", f->title ? f->title : "");
  snprintf(x->incident, sizeof x->incident, "%s", f->incident);
  ash_buf b;
  ash_buf_init(&b, 1u << 20);
  ash_buf_addc(&b, '\n');
  add_set(&b, &f->accounts);
  add_set(&b, &f->hosts);
  add_set(&b, &f->ips);
  add_set(&b, &f->files);
  x->ents = b.p ? strdup(b.p) : NULL;
  ash_buf_free(&b);
  return 0;
}

static int on_finding(void *u, const ash_finding *f) { return keep_finding(u, f); }

/* DIR/report.html, the report a responder would hand over (report.h),
 * made from the kept case like `ashiato report` does. 0 or an error. */
static int write_report(ash_store *st, const ash_ranges *ranges, const char *dir, char *path,
                        size_t n) {
  ash_report_opts o;
  memset(&o, 0, sizeof o);
  o.ranges = ranges;
  snprintf(path, n, "%s/case.db", dir);
  o.case_name = path;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  o.generated = (int64_t)now.tv_sec * ASH_US_PER_SEC + now.tv_nsec / 1000;
  ash_buf html;
  ash_buf_init(&html, ASH_REPORT_MAX_BYTES);
  int rc = ash_report_html(st, &o, &html, NULL);
  snprintf(path, n, "%s/report.html", dir);
  if (!rc) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(html.p, 1, html.n, f) != html.n) rc = ASH_EIO;
    if (f && fclose(f) && !rc) rc = ASH_EIO;
  }
  ash_buf_free(&html);
  return rc;
}

/* Rank (1-based, over all findings of the hunt name given, best first) of
 * the first finding of hunt that names every one of want[]; 0 if none. */
static int found(const demo *d, const char *hunt, const char *const *want, int nwant) {
  for (int i = 0; i < d->nf; i++) {
    if (strcmp(d->f[i].hunt, hunt) || !d->f[i].ents) continue;
    int ok = 1;
    for (int k = 0; k < nwant && ok; k++) {
      char pat[300];
      snprintf(pat, sizeof pat, "\n%s\n", want[k]);
      ok = strstr(d->f[i].ents, pat) != NULL;
    }
    if (ok) return i + 1;
  }
  return 0;
}

static const char *js(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "?";
}

/* "2025-04-21T01:48:13.494000Z" -> "2025-04-21 01:48 UTC" */
static const char *when(json_t *o, const char *k, char out[32]) {
  const char *s = js(o, k);
  if (strlen(s) < 16) return s;
  snprintf(out, 32, "%.10s %.5s UTC", s, s + 11);
  return out;
}

static void verdict(demo *d, const char *hunt, int rank) {
  if (rank)
    printf("      -> found: #%d of %d findings (%s, %s %d)\n", rank, d->nf_total, hunt,
           d->f[rank - 1].sev, d->f[rank - 1].score);
  else {
    printf("      -> NOT found by %s\n", hunt);
    d->missed++;
  }
}

static void report_truth(demo *d, json_t *a, int scanned, const ash_finding *sf, size_t nsf) {
  char t1[32];
  json_t *pd = json_object_get(a, "past_detection");
  json_t *pv = json_object_get(a, "past_vpn_session");
  json_t *tu = json_object_get(a, "tunnel");
  const char *acct = js(a, "linked_account");
  printf("\n4. What was embedded (answer.json) and what the hunts made of it\n");

  printf("   a) A past antivirus detection, closed without anyone asking who put the file there:\n"
         "      %s quarantined on %s at %s (%s)\n",
         js(pd, "threat"), js(pd, "host"), when(pd, "ts", t1), js(pd, "path"));
  printf("      Behind it: %s over VPN from %s (%s, a first for the account),\n"
         "      tunnel address %s, RDP to %s.\n",
         acct, js(pv, "src_ip"), js(pv, "src_country"), js(pv, "tunnel_ip"), js(pd, "host"));
  const char *w1[] = {acct, js(pd, "host")};
  verdict(d, ASH_HUNT_LINK, found(d, ASH_HUNT_LINK, w1, 2));

  json_t *ret = json_object_get(a, "return_vpn_sessions");
  printf("   b) The same account came back %zu times over VPN from new addresses",
         json_array_size(ret));
  json_t *r0 = json_array_get(ret, 0);
  if (r0) printf("\n      (first: %s from %s)", when(r0, "login", t1), js(r0, "src_ip"));
  json_t *lm = json_object_get(a, "lateral_movement");
  printf(",\n      and moved on to %s with admin %s's credentials.\n", js(lm, "jump_host"),
         js(lm, "admin_account"));
  /* the returns: the account, from the first new address */
  const char *w4[] = {acct, r0 ? js(r0, "src_ip") : "?"};
  int r_use = found(d, ASH_HUNT_ACCOUNT, w4, r0 ? 2 : 1);
  verdict(d, ASH_HUNT_ACCOUNT, r_use);
  /* the hop: the admin's credentials out of the jump host */
  const char *w5[] = {js(lm, "admin_account"), js(lm, "jump_host")};
  int r_hop = found(d, ASH_HUNT_HOP, w5, 2);
  verdict(d, ASH_HUNT_HOP, r_hop);

  json_t *ss = json_object_get(tu, "sessions");
  printf("   c) A backdoor on %s (%s)\n"
         "      wraps RDP in HTTPS to a relay in %s %s %s, %s:%lld:\n"
         "      %zu sessions of hours over days, beaconing in between.\n",
         js(tu, "host"), js(tu, "process"), js(tu, "provider"), js(tu, "service"), js(tu, "region"),
         js(tu, "relay_ip"), (long long)json_integer_value(json_object_get(tu, "relay_port")),
         json_array_size(ss));
  const char *w2[] = {js(tu, "host"), js(tu, "relay_ip")};
  verdict(d, ASH_HUNT_TUNNEL, found(d, ASH_HUNT_TUNNEL, w2, 2));
  json_t *lb = json_object_get(a, "loopback_rdp");
  /* the sources the family used (127.0.0.1 and ::1 in the classic case,
   * another 127/8 address or the host's own with --family loopback=) */
  const char *srcs[4] = {0};
  size_t nsrc = 0;
  for (size_t i = 0; i < json_array_size(lb); i++) {
    const char *s = js(json_array_get(lb, i), "src_ip");
    size_t k = 0;
    while (k < nsrc && strcmp(srcs[k], s)) k++;
    if (k == nsrc && nsrc < 4) srcs[nsrc++] = s;
  }
  for (size_t i = 1; i < nsrc; i++)
    for (size_t k = i; k > 0 && strcmp(srcs[k - 1], srcs[k]) > 0; k--) {
      const char *t = srcs[k];
      srcs[k] = srcs[k - 1];
      srcs[k - 1] = t;
    }
  printf("   d) %zu RDP logons on %s from %s%s%s%s%s while the tunnel was up.\n",
         json_array_size(lb), js(tu, "host"), nsrc ? srcs[0] : "?", nsrc > 1 ? " / " : "",
         nsrc > 1 ? srcs[1] : "", nsrc > 2 ? " / " : "", nsrc > 2 ? srcs[2] : "");
  const char *w3[] = {js(tu, "host")};
  verdict(d, ASH_HUNT_LOOPBACK, found(d, ASH_HUNT_LOOPBACK, w3, 1));

  json_t *im = json_object_get(a, "implants");
  printf("   e) %zu custom binaries carrying the domain's own names (ASCII and UTF-16LE)\n",
         json_array_size(im));
  if (!scanned) {
    printf("      -> not scanned\n");
  } else {
    size_t hit = 0;
    for (size_t i = 0; i < json_array_size(im); i++) {
      const char *sha = js(json_array_get(im, i), "sha256");
      const char *file = js(json_array_get(im, i), "file");
      for (size_t k = 0; k < nsf; k++) {
        int match = sf[k].details_json && strstr(sf[k].details_json, sha);
        for (size_t m = 0; !match && m < sf[k].files.n; m++)
          match = strstr(sf[k].files.v[m], file) != NULL;
        if (match) {
          hit++;
          break;
        }
      }
    }
    json_t *bf = json_object_get(json_object_get(a, "benign"), "files");
    printf("      -> the scan flagged %zu of them (%zu files flagged in all; %zu benign files\n"
           "         also mention the domain)\n",
           hit, nsf, json_array_size(bf));
  }
  json_t *cm = json_object_get(a, "abused_commands");
  json_t *rw = json_object_get(a, "ransomware");
  printf("   f) %zu abused built-in commands (vssadmin, wmic, bcdedit, wevtutil, netsh,\n"
         "      schtasks, ...), logs cleared on %zu hosts, then the ransomware on %zu servers\n"
         "      at %s.\n",
         json_array_size(cm), json_array_size(json_object_get(a, "log_clears")),
         json_array_size(json_object_get(rw, "hosts")), when(rw, "ts", t1));
  /* the impact phase (shadow copies, recovery, logs) ran on every
   * ransomware host: the hunt lolbin must name each of them */
  json_t *rh = json_object_get(rw, "hosts");
  size_t hit = 0;
  for (size_t i = 0; i < json_array_size(rh); i++) {
    char pat[300];
    snprintf(pat, sizeof pat, "\n%s\n", json_string_value(json_array_get(rh, i)));
    if (d->lolbin_hosts.p && strstr(d->lolbin_hosts.p, pat)) hit++;
  }
  printf("      -> lolbin found the impact phase on %zu of the %zu ransomware hosts\n", hit,
         json_array_size(rh));
  if (hit < json_array_size(rh)) d->missed++;

  /* one intrusion, one incident: a) to d) are the same intruder's */
  printf("   g) All of it is one intrusion: past detection -> account -> returns -> lateral\n"
         "      movement -> tunnel host.\n");
  int ranks[] = {found(d, ASH_HUNT_LINK, w1, 2), r_use, r_hop, found(d, ASH_HUNT_TUNNEL, w2, 2),
                 found(d, ASH_HUNT_LOOPBACK, w3, 1)};
  const char *inc = ranks[0] ? d->f[ranks[0] - 1].incident : "";
  int same = inc[0] != 0, members = 0;
  for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
    if (!ranks[i] || strcmp(d->f[ranks[i] - 1].incident, inc)) same = 0;
  for (int i = 0; i < d->nf; i++)
    if (inc[0] && !strcmp(d->f[i].incident, inc)) members++;
  if (same)
    printf("      -> linked: incident %s holds them all and %d findings in all\n", inc, members);
  else {
    printf("      -> NOT linked into one incident\n");
    d->missed++;
  }
}

int cmd_demo(int argc, char **argv) {
  ash_gen_opts o;
  ash_gen_opts_default(&o);
  o.users = 24;
  o.servers = 7;
  o.days = 60;
  o.flows_per_day = 800;
  o.sysmon = 1;
  int quiet = 0;
  int u = cli_gen_opts(argc, argv, &o, &quiet, HELP, 1);
  if (u < 0) return ASH_EXIT_OK;
  if (u) return u;

  char tmpl[4096];
  int temporary = !o.out_dir;
  if (temporary) {
    const char *td = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/ashiato-demo-XXXXXX", td && *td ? td : "/tmp");
    if (!mkdtemp(tmpl)) {
      fprintf(stderr, "ashiato demo: cannot create a temporary folder in %s: %s\n",
              td && *td ? td : "/tmp", strerror(errno));
      return ASH_EXIT_FAIL;
    }
    o.out_dir = tmpl;
  }
  char why[600];
  if (ash_gen_check(&o, why, sizeof why)) {
    fprintf(stderr, "ashiato demo: %s\n", why);
    if (temporary) rmdir(tmpl);
    return ASH_EXIT_USAGE;
  }
  int ex = ASH_EXIT_FAIL;
  demo *d = calloc(1, sizeof *d);
  if (d) ash_buf_init(&d->lolbin_hosts, 1u << 20);
  char path[4200];
  ash_store *st = NULL;
  ash_ranges *ranges = NULL;
  ash_profile *prof = NULL;
  ash_scanner *sc = NULL;
  json_t *ans = NULL;
  if (!d) goto out;
  /* progress lines only where someone watches them */
  d->quiet = quiet || !isatty(STDERR_FILENO);
  quiet = d->quiet;

  printf("ashiato demo: a generated case with a known intrusion (seed %" PRIu64 ")\n\n", o.seed);
  /* 1. generate */
  fflush(stdout);
  if (!quiet) fprintf(stderr, "demo: generating %u days of logs...\n", o.days);
  double t0 = now_s();
  ash_gen_stats gs;
  int rc = ash_gen_run(&o, &gs, why, sizeof why);
  if (rc) {
    fprintf(stderr, "ashiato demo: gen: %s\n", why);
    if (rc == ASH_EUSAGE) ex = ASH_EXIT_USAGE;
    goto out;
  }
  double t1 = now_s();
  printf("1. Generated in %.1f s into %s%s:\n", t1 - t0, o.out_dir,
         temporary ? " (temporary)" : "");
  printf("   %u people, %u servers, %u days; %s domain %s\n", o.users, o.servers, o.days, "Windows",
         o.domain);
  printf("   firewall   %4" PRIu64 " files  %8" PRIu64 " records (%" PRIu64 " flows, %" PRIu64
         " VPN sessions), %s\n",
         gs.fw_files, gs.fw_records, gs.flows, gs.vpn_sessions,
         o.firewall == ASH_GEN_FW_PANOS  ? "PAN-OS"
         : o.firewall == ASH_GEN_FW_ASA  ? "Cisco ASA"
         : o.firewall == ASH_GEN_FW_ZEEK ? "Zeek conn.log + FortiGate SSL-VPN"
                                         : "FortiGate");
  printf("   windows    %4" PRIu64 " files  %8" PRIu64
         " events (Security, System, Defender, RDP, Sysmon, PowerShell), Winlogbeat JSON\n",
         gs.win_files, gs.win_records);
  printf("   binaries   %4" PRIu64 " files (%" PRIu64 " implants, %" PRIu64
         " benign files that name the domain)\n",
         gs.bin_files, gs.implants, gs.bin_files - gs.implants);

  /* 2. ingest */
  fflush(stdout);
  if (!quiet) fprintf(stderr, "demo: ingesting...\n");
  snprintf(path, sizeof path, "%s/case.db", o.out_dir);
  rc = ash_store_open(&st, path, ASH_STORE_CREATE);
  if (rc) {
    cli_error(path, rc);
    goto out;
  }
  char logs[4200];
  snprintf(logs, sizeof logs, "%s/logs", o.out_dir);
  const char *paths[] = {logs};
  ash_ingest_opts io;
  memset(&io, 0, sizeof io);
  io.parse.threads = 2;
  io.on_source = on_source;
  io.on_skip = on_skip;
  io.u = d;
  ash_ingest_totals tot;
  rc = ash_ingest(st, paths, 1, &io, &tot);
  if (rc) {
    fprintf(stderr, "ashiato demo: ingest: %s (%s)\n", ash_strerror(rc), ash_store_errmsg(st));
    goto out;
  }
  double t2 = now_s();
  printf("\n2. Ingested in %.1f s into %s:\n", t2 - t1, temporary ? "a case store" : path);
  for (int i = 0; i < d->nfmt; i++)
    printf("   %-10s %4" PRIu64 " files  read %8" PRIu64 "  parsed %8" PRIu64 "  rejected %" PRIu64
           "\n",
           d->fmts[i].name, d->fmts[i].files, d->fmts[i].read, d->fmts[i].parsed,
           d->fmts[i].rejected);
  if (d->skipped) printf("   %" PRIu64 " files not ingested (see above)\n", d->skipped);

  /* 3. hunt and scan */
  fflush(stdout);
  if (!quiet) fprintf(stderr, "demo: hunting...\n");
  if (cli_ranges_open(NULL, &ranges, 1)) goto out;
  ash_hunt_opts ho;
  ash_hunt_opts_default(&ho);
  ho.ranges = ranges;
  rc = ash_hunt_run_all(st, &ho, on_finding, d);
  if (rc) {
    fprintf(stderr, "ashiato demo: hunt: %s\n", ash_strerror(rc));
    goto out;
  }
  double t3 = now_s();
  printf("\n3. Hunted in %.1f s: %d findings%s\n", t3 - t2, d->nf_total,
         ranges ? "" : " (no cloud ranges file found: providers are not named)");
  for (int i = 0; i < d->nf && i < 8; i++)
    printf("   #%-2d %-8s %3d  %-18s %s\n", i + 1, d->f[i].sev, d->f[i].score, d->f[i].hunt,
           cli_safe(d->f[i].title));
  if (d->nf_total > 8) printf("   ... and %d more (ashiato hunt CASE)\n", d->nf_total - 8);

  int scanned = 0;
  const ash_finding *sf = NULL;
  size_t nsf = 0;
  if (!ash_profile_new(&prof) && !ash_profile_add_case(prof, st)) {
    ash_scan_opts so;
    memset(&so, 0, sizeof so);
    so.store = st;
    char err[512];
    snprintf(path, sizeof path, "%s/files", o.out_dir);
    if (!ash_scanner_open(&sc, prof, &so, err, sizeof err) && !ash_scanner_scan(sc, path) &&
        !ash_scanner_finish(sc, &sf, &nsf))
      scanned = 1;
  }
  double t4 = now_s();
  if (scanned)
    printf("   scan of %s/files for the organisation's own names (%.1f s): %zu files flagged\n",
           o.out_dir, t4 - t3, nsf);

  /* 4. the ground truth */
  snprintf(path, sizeof path, "%s/answer.json", o.out_dir);
  json_error_t jerr;
  ans = json_load_file(path, 0, &jerr);
  if (!ans) {
    fprintf(stderr, "ashiato demo: %s: %s\n", path, jerr.text);
    goto out;
  }
  report_truth(d, ans, scanned, sf, nsf);
  if (!temporary) {
    char rp[4200];
    rc = write_report(st, ranges, o.out_dir, rp, sizeof rp);
    if (rc) {
      fprintf(stderr, "ashiato demo: report: %s\n", ash_strerror(rc));
      goto out;
    }
    printf("\nReport: %s\n", rp);
  }
  printf("\nDone in %.1f s.", now_s() - t0);
  if (temporary)
    printf(" The case was temporary; 'ashiato demo --out DIR' keeps it.\n");
  else
    printf(" Go on with: ashiato hunt %s/case.db\n", o.out_dir);
  /* the demo's job is to show the hunts finding what was embedded: when
   * they do not, it failed (CI runs it and relies on this) */
  if (d->missed)
    fprintf(stderr, "ashiato demo: %d embedded footprint%s not found by the hunts\n", d->missed,
            d->missed == 1 ? " was" : "s were");
  else
    ex = ASH_EXIT_OK;

out:
  ash_scanner_close(sc);
  ash_profile_close(prof);
  ash_ranges_close(ranges);
  if (st && ash_store_close(st)) ex = ASH_EXIT_FAIL;
  json_decref(ans);
  if (d)
    for (int i = 0; i < d->nf; i++) free(d->f[i].ents);
  if (d) ash_buf_free(&d->lolbin_hosts);
  free(d);
  if (temporary && nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
    fprintf(stderr, "ashiato demo: could not remove %s\n", tmpl);
  return ex;
}
