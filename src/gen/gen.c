/* ashiato gen: the driver. Builds the organisation and the intrusion plan,
 * runs the simulation one hour at a time, writes every record whose time
 * has passed, then the files and answer.json. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "gen_int.h"

static const char *const FW_NAMES[] = {"fortigate", "panos", "asa", "zeek"};

const char *ash_gen_fw_name(ash_gen_fw f) { return (unsigned)f < 4 ? FW_NAMES[f] : "?"; }

int ash_gen_fw_parse(const char *name, ash_gen_fw *out) {
  for (int i = 0; i < 4; i++)
    if (!strcmp(name, FW_NAMES[i])) {
      *out = (ash_gen_fw)i;
      return ASH_OK;
    }
  return ASH_EUSAGE;
}

void ash_gen_opts_default(ash_gen_opts *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1;
  o->users = 200;
  o->servers = 12;
  o->days = 270;
  o->flows_per_day = 20000;
  o->interim_s = 600;
  o->domain = "CORP.EXAMPLE.LOCAL";
  o->firewall = ASH_GEN_FW_FORTIGATE;
  o->windows = ASH_GEN_WIN_WINLOGBEAT;
  /* 2025-07-01 00:00 in the organisation's zone (+09:00). */
  o->end = (ash_days_from_civil(2025, 7, 1) * 86400 - 9 * 3600) * ASH_US_PER_SEC;
}

int ash_gen_check(const ash_gen_opts *o, char *why, size_t whylen) {
  const char *bad = NULL;
  if (!o->out_dir || !*o->out_dir)
    bad = "--out DIR is required";
  else if (o->users < 10 || o->users > 100000)
    bad = "--users must be between 10 and 100000";
  else if (o->servers < 5 || o->servers > 200)
    bad = "--servers must be between 5 and 200";
  else if (o->days < 20 || o->days > 3660)
    bad = "--days must be between 20 and 3660";
  else if (o->interim_s != 0 && (o->interim_s < 60 || o->interim_s > 86400))
    bad = "--interim must be 0 (none) or between 60 and 86400 seconds";
  else if (o->flows_per_day > 100000000ULL)
    bad = "--flows-per-day must be at most 100000000";
  else if (!o->domain || !strchr(o->domain, '.') || strcspn(o->domain, ".") > 15 ||
           strlen(o->domain) > 100 || o->domain[0] == '.')
    bad = "--domain must be a DNS name whose first label has 1 to 15 characters";
  else if (o->windows != ASH_GEN_WIN_WINLOGBEAT)
    bad = "only --windows winlogbeat is written so far (EVTX output is planned)";
  if (o->domain)
    for (const char *p = o->domain; *p && !bad; p++)
      if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.'))
        bad = "--domain may hold letters, digits, '-' and '.' only";
  if (!bad) {
    g_family f;
    return g_family_resolve(o, &f, why, whylen);
  }
  if (why && whylen) snprintf(why, whylen, "%s", bad);
  return ASH_EUSAGE;
}

static int dir_is_empty_or_new(const char *path) {
  DIR *d = opendir(path);
  if (!d) return errno == ENOENT ? 1 : -1;
  struct dirent *e;
  int empty = 1;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
  closedir(d);
  return empty;
}

static int write_rec(g_ctx *c, g_rec *r) {
  ash_buf *b = &c->line;
  ash_buf_reset(b);
  if (r->type == GR_WIN) {
    g_host *h = &c->org.hosts[r->u.w.host];
    int grp = r->u.w.chan == CH_SECURITY     ? GG_SECURITY
              : r->u.w.chan == CH_SYSTEM     ? GG_SYSTEM
              : r->u.w.chan == CH_DEFENDER   ? GG_DEFENDER
              : r->u.w.chan == CH_SYSMON     ? GG_SYSMON
              : r->u.w.chan == CH_POWERSHELL ? GG_POWERSHELL
                                             : GG_TS;
    if (!h->files[grp]) {
      char rel[128];
      snprintf(rel, sizeof rel, "logs/windows/%s/%s.jsonl", h->name, g_group_of(r->u.w.chan));
      h->files[grp] = g_out_file(&c->out, rel);
      if (!h->files[grp]) return ASH_ENOMEM;
      c->st->win_files++;
    }
    g_win_render(c, r, b);
    c->st->win_records++;
    return g_out_write(&c->out, h->files[grp], b->p, b->n);
  }
  int64_t ld = (r->ts + G_TZ_OFF) / G_DAY;
  int vpn_apart = r->type != GR_FLOW && c->fw->vpn_prefix;
  g_file **fp = vpn_apart ? &c->vpn_file : &c->fw_file;
  int64_t *fday = vpn_apart ? &c->vpn_file_day : &c->fw_file_day;
  if (!*fp || ld != *fday) {
    if (*fp) {
      int rc = g_out_done(&c->out, *fp);
      if (rc) return rc;
    }
    char rel[128], iso[32];
    g_fmt_iso(ld * G_DAY, iso);
    if (vpn_apart)
      snprintf(rel, sizeof rel, "%s-%.10s.log", c->fw->vpn_prefix, iso);
    else
      snprintf(rel, sizeof rel, "logs/firewall/%s-%.10s.%s", c->fw->name, iso, c->fw->ext);
    *fp = g_out_file(&c->out, rel);
    if (!*fp) return ASH_ENOMEM;
    (*fp)->flush_at = 1u << 20;
    *fday = ld;
    c->st->fw_files++;
    if (c->fw->header && !vpn_apart) {
      c->fw->header(c, ld, b);
      int rc = g_out_write(&c->out, *fp, b->p, b->n);
      if (rc) return rc;
      ash_buf_reset(b);
    }
  }
  if (r->type == GR_FLOW) {
    c->fw->flow(c, r, b);
    if (!b->n) return ASH_OK; /* a record this firewall does not write */
    if (r->u.f.filler == 2) { /* ASA "built": half of a flow */
      c->st->fw_records++;
      return g_out_write(&c->out, c->fw_file, b->p, b->n);
    }
    c->st->flows++;
    c->filler_written += r->u.f.filler;
  } else {
    c->fw->vpn(c, r, b);
  }
  c->st->fw_records++;
  return g_out_write(&c->out, *fp, b->p, b->n);
}

static int drain(g_ctx *c, int64_t until) {
  g_rec *r;
  int rc = ASH_OK;
  while ((r = g_sched_pop_before(&c->sched, until))) {
    if (!rc) rc = write_rec(c, r);
    g_rec_release(&c->sched, r);
  }
  c->st->bytes = c->out.bytes;
  return rc;
}

static int endpoints_init(g_ctx *c) {
  c->eps = g_endpoints(&c->neps);
  c->ep_user = calloc(c->neps, sizeof *c->ep_user);
  if (!c->ep_user) return ASH_ENOMEM;
  for (size_t i = 0; i < c->neps; i++) {
    const g_endpoint *e = &c->eps[i];
    if (e->weight) {
      c->ep_user[c->nep_user++] = (int)i;
      c->ep_user_total += e->weight;
    }
    switch (e->role) {
    case EP_BACKUP:
      if (c->nep_backup < 8) c->ep_backup[c->nep_backup++] = (int)i;
      break;
    case EP_MONITOR: c->ep_monitor = (int)i; break;
    case EP_UPDATE: c->ep_update = (int)i; break;
    case EP_AVCLOUD: c->ep_av = (int)i; break;
    case EP_DNS:
      if (c->nep_dns < 4) c->ep_dns[c->nep_dns++] = (int)i;
      break;
    case EP_NTP: c->ep_ntp = (int)i; break;
    default: break;
    }
  }
  return ASH_OK;
}

int ash_gen_run(const ash_gen_opts *o, ash_gen_stats *st_out, char *why, size_t whylen) {
  int rc = ash_gen_check(o, why, whylen);
  if (rc) return rc;
  int e = dir_is_empty_or_new(o->out_dir);
  if (e <= 0) {
    snprintf(why, whylen, "%s: %s", o->out_dir,
             e < 0 ? "cannot be read" : "is not empty (gen writes a whole case)");
    return ASH_EUSAGE;
  }
  if (g_mkdirs(o->out_dir)) {
    snprintf(why, whylen, "%s: cannot create", o->out_dir);
    return ASH_EIO;
  }
  ash_gen_stats st_local;
  ash_gen_stats *st = st_out ? st_out : &st_local;
  memset(st, 0, sizeof *st);
  g_ctx *c = calloc(1, sizeof *c);
  if (!c) return ASH_ENOMEM;
  c->o = o;
  c->st = st;
  c->end = o->end - o->end % G_SEC;
  c->start = c->end - (int64_t)o->days * G_DAY;
  rc = g_family_resolve(o, &c->fam, why, whylen);
  if (rc) {
    free(c);
    return rc;
  }
  /* A family names its VPN/firewall; the classic case takes --firewall. */
  int fw = c->fam.on ? c->fam.vpn : (int)o->firewall;
  c->fw = fw == ASH_GEN_FW_PANOS  ? g_fw_panos()
          : fw == ASH_GEN_FW_ASA  ? g_fw_asa()
          : fw == ASH_GEN_FW_ZEEK ? g_fw_zeek()
                                  : g_fw_fortigate();
  c->out.dir = strdup(o->out_dir);
  c->out.max_buffered = 64u << 20;
  c->sched.end = c->end;
  c->sched.horizon = c->start;
  ash_buf_init(&c->line, ASH_MAX_LINE);
  ash_buf_init(&c->kv, ASH_MAX_LINE);
  g_rng_seed(&c->rng, o->seed, 2);
  g_rng_seed(&c->rng_fw, o->seed, 4);
  c->fw_session = (uint32_t)(g_next(&c->rng_fw) % 100000000u) + 1000000u;
  c->vpn_tunnel_id = (uint32_t)(g_next(&c->rng_fw) % 1000000u) + 100000u;
  rc = c->out.dir ? endpoints_init(c) : ASH_ENOMEM;
  if (!rc) rc = g_org_build(c);
  if (!rc) rc = g_plan_make(c);
  if (!rc && g_life_init(c)) rc = ASH_ENOMEM;
  int64_t hours = (int64_t)o->days * 24;
  st->hours_total = (uint64_t)hours;
  int day = -1;
  for (int64_t h = 0; !rc && h < hours; h++) {
    int64_t t0 = c->start + h * G_HOUR;
    int64_t d = h / 24;
    if (d != day) {
      day = (int)d;
      g_life_day(c, day);
    }
    g_plan_hour(c, t0);
    g_life_hour(c, t0);
    uint64_t f0 = st->flows, b0 = c->filler_written;
    rc = drain(c, t0 + G_HOUR);
    double structured = (double)((st->flows - f0) - (c->filler_written - b0));
    c->structured_rate = 0.5 * c->structured_rate + 0.5 * structured;
    if (!rc && c->out.failed) rc = ASH_EIO;
    st->hours_done = (uint64_t)h + 1;
    if (o->progress) o->progress(o->progress_u, st);
  }
  if (!rc) rc = drain(c, c->end);
  if (!rc) rc = g_files_write(c);
  if (!rc) rc = g_out_flush_all(&c->out);
  st->bytes = c->out.bytes;
  if (!rc) rc = g_answer_write(c);
  if (rc == ASH_EIO || c->out.failed)
    snprintf(why, whylen, "%s: cannot write",
             c->out.failed_path[0] ? c->out.failed_path : o->out_dir);
  else if (rc)
    snprintf(why, whylen, "%s", ash_strerror(rc));
  g_life_free();
  g_sched_free(&c->sched);
  g_out_free(&c->out);
  g_org_free(&c->org);
  free(c->ep_user);
  ash_buf_free(&c->line);
  ash_buf_free(&c->kv);
  free(c);
  return rc;
}
