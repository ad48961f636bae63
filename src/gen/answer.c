/* DIR/answer.json: the ground truth of the case (cli-contract.md, "gen"):
 * what was embedded, with the exact times, hosts, accounts, addresses and
 * files that the hunts must find, and the benign look-alikes they must
 * not report high. Written by hand (not through a JSON library) so that
 * key order and number forms never vary. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "gen_int.h"

typedef struct jw {
  ash_buf *b;
  int depth;
  int first[32];
} jw;

static void nl(jw *w) {
  ash_buf_addc(w->b, '\n');
  for (int i = 0; i <= w->depth; i++) ash_buf_adds(w->b, "  ");
}

static void sep(jw *w) {
  if (!w->first[w->depth]) ash_buf_addc(w->b, ',');
  w->first[w->depth] = 0;
  nl(w);
}

static void key(jw *w, const char *k) {
  sep(w);
  if (!k) return;
  ash_buf_addc(w->b, '"');
  ash_buf_add_json_str(w->b, k, strlen(k));
  ash_buf_adds(w->b, "\": ");
}

static void open_(jw *w, const char *k, char ch) {
  if (w->depth >= 0 && (k || w->depth > 0)) key(w, k);
  ash_buf_addc(w->b, ch);
  w->depth++;
  w->first[w->depth] = 1;
}
static void obj(jw *w, const char *k) { open_(w, k, '{'); }
static void arr(jw *w, const char *k) { open_(w, k, '['); }
static void close_(jw *w, char ch) {
  int empty = w->first[w->depth];
  w->depth--;
  if (!empty) nl(w);
  ash_buf_addc(w->b, ch);
}
static void end_obj(jw *w) { close_(w, '}'); }
static void end_arr(jw *w) { close_(w, ']'); }

static void str(jw *w, const char *k, const char *v) {
  key(w, k);
  ash_buf_addc(w->b, '"');
  ash_buf_add_json_str(w->b, v, strlen(v));
  ash_buf_addc(w->b, '"');
}
static void strf(jw *w, const char *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void strf(jw *w, const char *k, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  str(w, k, tmp);
}
static void num(jw *w, const char *k, long long v) {
  key(w, k);
  ash_buf_printf(w->b, "%lld", v);
}
static void boolean(jw *w, const char *k, int v) {
  key(w, k);
  ash_buf_adds(w->b, v ? "true" : "false");
}
static void tstamp(jw *w, const char *k, int64_t t) {
  char s[32];
  g_fmt_iso(t, s);
  str(w, k, s);
}
static void ip4(jw *w, const char *k, uint32_t a) {
  char s[16];
  g_ip4_str(a, s);
  str(w, k, s);
}
static void ipx(jw *w, const char *k, const ash_ip *ip) {
  char s[ASH_IP_STRLEN];
  ash_ip_format(ip, s);
  str(w, k, s);
}

static const char *role_name(int r) {
  static const char *const N[] = {"domain controller", "file server",   "application server",
                                  "database server",   "backup server", "update server",
                                  "workstation"};
  return N[r];
}

static void vsess(jw *w, g_ctx *c, const g_vsess *v, int user) {
  str(w, "user", c->org.users[user].name);
  ipx(w, "src_ip", &v->remip);
  str(w, "src_country", v->country);
  boolean(w, "first_time_from_src", v->new_source);
  ip4(w, "tunnel_ip", v->tunnel);
  tstamp(w, "login", v->start);
  tstamp(w, "logout", v->end);
}

static const g_endpoint *ep_named(g_ctx *c, int role) {
  for (size_t i = 0; i < c->neps; i++)
    if (c->eps[i].role == role) return &c->eps[i];
  return NULL;
}

static void ep_addrs(jw *w, g_ctx *c, const g_endpoint *ep) {
  arr(w, "dst_ips");
  for (uint32_t k = 0; k < ep->naddr; k++) {
    char s[16];
    g_ip4_str(g_ep_addr(ep, c->o->seed, k), s);
    str(w, NULL, s);
  }
  end_arr(w);
  num(w, "dst_port", ep->port);
  str(w, "provider", ep->provider);
  str(w, "region", ep->region);
  str(w, "service", ep->service);
  str(w, "cidr", ep->cidr);
}

/* The family of the case: its value on every axis (family.c). The classic
 * case is described by what its seed gave. */
static void family(jw *w, g_ctx *c) {
  g_plan *p = &c->plan;
  const g_family *F = &c->fam;
  char b[96];
  obj(w, "family");
  str(w, "name", F->on ? (c->o->family ? c->o->family : "seed") : "classic");
  if (p->intrusion) {
    str(w, "intruder", p->everyday ? "everyday" : "stranger");
    str(w, "detuser",
        p->other_user >= 0                            ? "other"
        : !strcmp(p->past_du, "NT AUTHORITY\\SYSTEM") ? "system"
                                                      : "victim");
  }
  str(w, "vpn", ash_gen_fw_name(F->on ? (ash_gen_fw)F->vpn : c->o->firewall));
  str(w, "cloud", F->on ? G_CLOUDS[F->cloud] : "aws");
  if (p->intrusion) {
    num(w, "port", p->relay_port);
    if (F->on) {
      str(w, "loopback", g_family_value(F, GA_LOOPBACK, b, sizeof b));
    } else {
      int v4 = 0, v6 = 0;
      for (int i = 0; i < p->nts; i++)
        for (int k = 0; k < p->ts[i].nrdp; k++) {
          if (!strcmp(p->ts[i].rdp_src[k], "::1"))
            v6 = 1;
          else
            v4 = 1;
        }
      str(w, "loopback", v4 && v6 ? "127.0.0.1+::1" : v6 ? "::1" : "127.0.0.1");
    }
    int back = p->ransom_day - p->past_day;
    num(w, "past_months", (long long)((double)back / G_MONTH_DAYS + 0.5));
    num(w, "past_days", back);
  }
  str(w, "decoys", F->on ? g_family_value(F, GA_DECOYS, b, sizeof b) : "none");
  end_obj(w);
}

static void vsess_user(jw *w, g_ctx *c, const g_vsess *v, int user) {
  str(w, "user", c->org.users[user].name);
  ipx(w, "src_ip", &v->remip);
  str(w, "src_country", v->country ? v->country : "Japan");
  ip4(w, "tunnel_ip", v->tunnel);
  tstamp(w, "login", v->start);
  tstamp(w, "logout", v->end);
}

/* The decoys of the family, under "benign": each with the accounts, hosts
 * and addresses a hunt would name if it mistook it for the intrusion. */
static void decoys(jw *w, g_ctx *c) {
  const struct g_decoys *d = &c->plan.dec;
  g_org *org = &c->org;
  if (!c->fam.on) return;
  if (d->travel_admin >= 0) {
    obj(w, "admin_travel");
    str(w, "what",
        "an admin connects from home, then from abroad the same day, and RDPs to "
        "the same server both times");
    str(w, "account", org->users[d->travel_admin].name);
    str(w, "host", org->hosts[d->travel_host].name);
    obj(w, "home_session");
    vsess_user(w, c, &d->travel_home, d->travel_admin);
    end_obj(w);
    obj(w, "away_session");
    vsess_user(w, c, &d->travel_away, d->travel_admin);
    end_obj(w);
    end_obj(w);
  }
  if (d->tools_admin >= 0) {
    obj(w, "admin_tools");
    str(w, "what",
        "HackTool detections in an admin's own tools folder on a server, minutes "
        "after his usual VPN logon and RDP to it");
    str(w, "account", org->users[d->tools_admin].name);
    arr(w, "detections");
    for (int i = 0; i < d->ntools; i++) {
      const struct g_tooldet *t = &d->tools[i];
      obj(w, NULL);
      tstamp(w, "ts", t->det - t->det % 1000);
      str(w, "host", org->hosts[t->host].name);
      str(w, "threat", t->threat);
      str(w, "path", t->path);
      str(w, "detection_user", org->users[d->tools_admin].name);
      obj(w, "vpn_session");
      vsess_user(w, c, &t->v, d->tools_admin);
      end_obj(w);
      end_obj(w);
    }
    end_arr(w);
    end_obj(w);
  }
  if (d->oa_admin >= 0) {
    obj(w, "admin_detection_user");
    str(w, "what",
        "a detection whose Detection User is an admin logged on by RDP from his "
        "own workstation, nobody else on the host");
    tstamp(w, "ts", d->oa_det - d->oa_det % 1000);
    str(w, "host", org->hosts[d->oa_host].name);
    str(w, "threat", d->oa_threat);
    str(w, "path", d->oa_path);
    str(w, "account", org->users[d->oa_admin].name);
    ip4(w, "src_ip", org->hosts[org->users[d->oa_admin].ws].ip);
    end_obj(w);
  }
  if (d->vendor_host >= 0) {
    obj(w, "vendor_support");
    str(w, "what",
        "a vendor's support agent holds long interactive HTTPS sessions to the "
        "same cloud provider as the relay");
    arr(w, "hosts");
    str(w, NULL, org->hosts[d->vendor_host].name);
    end_arr(w);
    arr(w, "dst_ips");
    ip4(w, NULL, d->vendor_ip);
    end_arr(w);
    num(w, "dst_port", d->vendor_port);
    str(w, "provider", d->vendor_ep->provider);
    str(w, "region", d->vendor_ep->region);
    str(w, "service", d->vendor_ep->service);
    str(w, "cidr", d->vendor_ep->cidr);
    arr(w, "sessions_list");
    for (int i = 0; i < d->nvendor; i++) {
      obj(w, NULL);
      tstamp(w, "start", d->vendor_s[i]);
      tstamp(w, "end", d->vendor_e[i]);
      end_obj(w);
    }
    end_arr(w);
    num(w, "sessions", d->nvendor);
    end_obj(w);
  }
}

int g_answer_write(g_ctx *c) {
  g_plan *p = &c->plan;
  g_org *org = &c->org;
  ash_buf b;
  ash_buf_init(&b, 64u << 20);
  jw w = {&b, 0, {1}};
  w.depth = -1;
  obj(&w, NULL);

  obj(&w, "generator");
  str(&w, "name", "ashiato gen");
  num(&w, "format_version", 1);
  num(&w, "seed", (long long)c->o->seed);
  num(&w, "users", c->o->users);
  num(&w, "servers", c->o->servers);
  num(&w, "days", c->o->days);
  num(&w, "flows_per_day", (long long)c->o->flows_per_day);
  str(&w, "firewall", ash_gen_fw_name(c->fam.on ? (ash_gen_fw)c->fam.vpn : c->o->firewall));
  str(&w, "windows", c->o->windows == ASH_GEN_WIN_EVTX ? "evtx" : "winlogbeat");
  boolean(&w, "sysmon", c->o->sysmon);
  num(&w, "interim_s", c->o->interim_s);
  tstamp(&w, "start", c->start);
  tstamp(&w, "end", c->end);
  end_obj(&w);

  boolean(&w, "intrusion", p->intrusion);
  family(&w, c);

  obj(&w, "organisation");
  str(&w, "domain", org->domain);
  str(&w, "netbios", org->netbios);
  str(&w, "domain_sid", org->dom_sid);
  str(&w, "timezone", "+09:00");
  ip4(&w, "firewall_public_ip", org->fw_public);
  {
    char a[16], z[16];
    g_ip4_str(org->pool_base, a);
    g_ip4_str(org->pool_base + org->pool_n - 1, z);
    strf(&w, "vpn_pool", "%s-%s", a, z);
  }
  str(&w, "server_net", "10.10.0.0/16");
  str(&w, "workstation_net", "10.20.0.0/16");
  arr(&w, "servers");
  for (size_t i = 0; i < org->nservers; i++) {
    obj(&w, NULL);
    str(&w, "name", org->hosts[i].name);
    ip4(&w, "ip", org->hosts[i].ip);
    str(&w, "role", role_name(org->hosts[i].role));
    end_obj(&w);
  }
  end_arr(&w);
  num(&w, "workstations", (long long)(org->nhosts - org->nservers));
  arr(&w, "admins");
  for (size_t i = 0; i < org->nadmins; i++) str(&w, NULL, org->users[org->admins[i]].name);
  end_arr(&w);
  end_obj(&w);

  if (!p->intrusion) goto benign;
  str(&w, "linked_account", org->users[p->user_a].name);
  arr(&w, "compromised_accounts");
  str(&w, NULL, org->users[p->user_a].name);
  str(&w, NULL, org->users[p->user_b].name);
  end_arr(&w);

  obj(&w, "past_detection");
  tstamp(&w, "ts", p->past_detect_ts - p->past_detect_ts % 1000);
  str(&w, "host", org->hosts[p->s1].name);
  str(&w, "threat", p->past_threat);
  str(&w, "category", p->past_category);
  str(&w, "path", p->past_path);
  str(&w, "sha256_note", "the file was quarantined; no copy in files/");
  str(&w, "detection_user", p->past_du);
  str(&w, "detection_user_kind",
      p->other_user >= 0                            ? "other logged-on user"
      : !strcmp(p->past_du, "NT AUTHORITY\\SYSTEM") ? "SYSTEM"
                                                    : "victim");
  str(&w, "process", p->past_proc);
  boolean(&w, "everyday_user_of_host", p->everyday);
  if (p->other_user >= 0) {
    obj(&w, "other_user_rdp");
    str(&w, "user", org->users[p->other_user].name);
    tstamp(&w, "ts", p->other_rdp - p->other_rdp % 1000);
    tstamp(&w, "end", p->other_rdp_end - p->other_rdp_end % 1000);
    ip4(&w, "src_ip", org->hosts[org->users[p->other_user].ws].ip);
    end_obj(&w);
  }
  tstamp(&w, "written_ts", p->past_write_ts - p->past_write_ts % 1000);
  tstamp(&w, "quarantined_ts", p->past_quarantine_ts - p->past_quarantine_ts % 1000);
  arr(&w, "event_ids");
  num(&w, NULL, 1116);
  num(&w, NULL, 1117);
  end_arr(&w);
  end_obj(&w);

  obj(&w, "past_vpn_session");
  vsess(&w, c, &p->past_vpn, p->user_a);
  end_obj(&w);
  obj(&w, "past_rdp_logon");
  tstamp(&w, "ts", p->past_rdp_ts - p->past_rdp_ts % 1000);
  tstamp(&w, "end", p->past_rdp_end - p->past_rdp_end % 1000);
  str(&w, "host", org->hosts[p->s1].name);
  str(&w, "user", org->users[p->user_a].name);
  ip4(&w, "src_ip", p->past_vpn.tunnel);
  num(&w, "logon_type", 10);
  end_obj(&w);

  arr(&w, "return_vpn_sessions");
  for (int i = 0; i < p->nret; i++) {
    obj(&w, NULL);
    vsess(&w, c, &p->ret[i], p->user_a);
    str(&w, "rdp_host", org->hosts[p->s2].name);
    end_obj(&w);
  }
  end_arr(&w);

  obj(&w, "lateral_movement");
  str(&w, "jump_host", org->hosts[p->s2].name);
  str(&w, "admin_account", org->users[p->user_b].name);
  arr(&w, "targets");
  str(&w, NULL, org->hosts[p->t].name);
  str(&w, NULL, org->hosts[org->fs[0]].name);
  str(&w, NULL, org->hosts[org->dc[0]].name);
  end_arr(&w);
  end_obj(&w);

  obj(&w, "tunnel");
  str(&w, "host", org->hosts[p->t].name);
  ip4(&w, "host_ip", org->hosts[p->t].ip);
  ip4(&w, "relay_ip", p->relay);
  num(&w, "relay_port", p->relay_port);
  str(&w, "provider", p->relay_ep->provider);
  str(&w, "region", p->relay_region);
  str(&w, "service", p->relay_ep->service);
  str(&w, "relay_cidr", p->relay_cidr);
  str(&w, "process", p->backdoor_path);
  str(&w, "service_name", p->backdoor_service);
  tstamp(&w, "installed", p->backdoor_ts - p->backdoor_ts % 1000);
  tstamp(&w, "first_seen", p->tunnel_first);
  tstamp(&w, "last_seen", p->tunnel_last);
  num(&w, "beacon_interval_s", 1800);
  arr(&w, "sessions");
  for (int i = 0; i < p->nts; i++) {
    obj(&w, NULL);
    tstamp(&w, "start", p->ts[i].start);
    tstamp(&w, "end", p->ts[i].end);
    end_obj(&w);
  }
  end_arr(&w);
  end_obj(&w);

  arr(&w, "loopback_rdp");
  for (int i = 0; i < p->nts; i++)
    for (int k = 0; k < p->ts[i].nrdp; k++) {
      obj(&w, NULL);
      tstamp(&w, "ts", p->ts[i].rdp_ts[k] - p->ts[i].rdp_ts[k] % 1000);
      str(&w, "host", org->hosts[p->t].name);
      str(&w, "user", org->users[p->ts[i].rdp_user].name);
      str(&w, "src_ip", p->ts[i].rdp_src[k]);
      num(&w, "logon_type", 10);
      end_obj(&w);
    }
  end_arr(&w);

  arr(&w, "implants");
  for (int i = 0; i < p->nimplants; i++) {
    const g_implant *im = &p->implants[i];
    obj(&w, NULL);
    str(&w, "host", im->host);
    str(&w, "path", im->path);
    str(&w, "file", im->relpath);
    str(&w, "sha256", im->sha256);
    num(&w, "size", (long long)im->size);
    str(&w, "role", im->role);
    tstamp(&w, "written", im->ts);
    end_obj(&w);
  }
  end_arr(&w);

  arr(&w, "abused_commands");
  for (int i = 0; i < p->ncmds; i++) {
    obj(&w, NULL);
    tstamp(&w, "ts", p->cmds[i].ts);
    str(&w, "host", p->cmds[i].host);
    str(&w, "user", p->cmds[i].user);
    str(&w, "command_line", p->cmds[i].cmd);
    str(&w, "why", p->cmds[i].why);
    end_obj(&w);
  }
  end_arr(&w);

  arr(&w, "log_clears");
  for (int i = 0; i < p->nclear; i++) {
    obj(&w, NULL);
    tstamp(&w, "ts", p->clear_ts[i] - p->clear_ts[i] % 1000);
    str(&w, "host", org->hosts[p->clear_host[i]].name);
    arr(&w, "channels");
    str(&w, NULL, "System");
    str(&w, NULL, "Security");
    end_arr(&w);
    end_obj(&w);
  }
  end_arr(&w);

  obj(&w, "ransomware");
  tstamp(&w, "ts", p->ransom_ts - p->ransom_ts % 1000);
  str(&w, "path", p->ransom_path);
  for (int i = 0; i < p->nimplants; i++)
    if (!strcmp(p->implants[i].role, "ransomware")) {
      str(&w, "sha256", p->implants[i].sha256);
      break;
    }
  arr(&w, "hosts");
  for (int i = 0; i < p->nransom; i++) str(&w, NULL, org->hosts[p->ransom_hosts[i]].name);
  end_arr(&w);
  end_obj(&w);

  /* What looks like the intrusion but is not. */
benign:
  obj(&w, "benign");
  obj(&w, "monitoring_websockets");
  str(&w, "what", "every server holds a websocket to the monitoring SaaS, reconnecting for ever");
  arr(&w, "hosts");
  for (size_t i = 0; i < org->nservers; i++) str(&w, NULL, org->hosts[i].name);
  end_arr(&w);
  ep_addrs(&w, c, ep_named(c, EP_MONITOR));
  num(&w, "sessions", (long long)c->ben.mon_sessions);
  end_obj(&w);
  obj(&w, "backup_uploads");
  str(&w, "what", "nightly uploads to S3, 4 parallel sessions, larger on Saturdays");
  arr(&w, "hosts");
  str(&w, NULL, org->hosts[org->bk].name);
  end_arr(&w);
  ep_addrs(&w, c, ep_named(c, EP_BACKUP));
  num(&w, "sessions", (long long)c->ben.backup_sessions);
  end_obj(&w);
  obj(&w, "update_downloads");
  str(&w, "what",
      "the WSUS server downloads from Microsoft every night, large after Patch Tuesday");
  arr(&w, "hosts");
  str(&w, NULL, org->hosts[org->upd].name);
  end_arr(&w);
  ep_addrs(&w, c, ep_named(c, EP_UPDATE));
  num(&w, "sessions", (long long)c->ben.update_sessions);
  end_obj(&w);
  num(&w, "admin_rdp_sessions", (long long)c->ben.rdp_admin);
  num(&w, "rdp_to_workstation_over_vpn", (long long)c->ben.rdp_ws_from_vpn);
  num(&w, "console_logons_from_127_0_0_1", (long long)c->ben.loopback_console);
  num(&w, "vpn_sessions_while_travelling", (long long)c->ben.vpn_travel);
  num(&w, "vpn_spray_failures", (long long)c->ben.vpn_spray);
  num(&w, "av_detections", (long long)c->ben.av_detections);
  num(&w, "benign_hacktool_detections", (long long)c->ben.hacktool_benign);
  decoys(&w, c);
  arr(&w, "files");
  for (int i = 0; i < p->nbenign; i++) {
    const g_benign_file *f = &p->benign[i];
    obj(&w, NULL);
    str(&w, "host", f->host);
    str(&w, "path", f->path);
    str(&w, "file", f->relpath);
    str(&w, "sha256", f->sha256);
    num(&w, "size", (long long)f->size);
    str(&w, "what", f->why);
    end_obj(&w);
  }
  end_arr(&w);
  end_obj(&w);

  arr(&w, "expected_findings");
  if (p->intrusion) {
    char src[ASH_IP_STRLEN], tun[16], rel[16];
    ash_ip_format(&p->past_vpn.remip, src);
    g_ip4_str(p->past_vpn.tunnel, tun);
    g_ip4_str(p->relay, rel);
    obj(&w, NULL);
    str(&w, "hunt", "past-incident-link");
    arr(&w, "accounts");
    str(&w, NULL, org->users[p->user_a].name);
    end_arr(&w);
    arr(&w, "hosts");
    str(&w, NULL, org->hosts[p->s1].name);
    end_arr(&w);
    arr(&w, "ips");
    str(&w, NULL, src);
    str(&w, NULL, tun);
    end_arr(&w);
    end_obj(&w);
    obj(&w, NULL);
    str(&w, "hunt", "cloud-tunnel");
    arr(&w, "hosts");
    str(&w, NULL, org->hosts[p->t].name);
    end_arr(&w);
    arr(&w, "ips");
    str(&w, NULL, rel);
    end_arr(&w);
    end_obj(&w);
    obj(&w, NULL);
    str(&w, "hunt", "loopback-rdp");
    arr(&w, "hosts");
    str(&w, NULL, org->hosts[p->t].name);
    end_arr(&w);
    arr(&w, "accounts");
    str(&w, NULL, org->users[p->user_b].name);
    if (p->user_a != p->user_b) {
      int any_a = 0;
      for (int i = 0; i < p->nts; i++) any_a |= p->ts[i].rdp_user == p->user_a;
      if (any_a) str(&w, NULL, org->users[p->user_a].name);
    }
    end_arr(&w);
    end_obj(&w);
    obj(&w, NULL);
    str(&w, "hunt", "implant");
    arr(&w, "files");
    for (int i = 0; i < p->nimplants; i++) str(&w, NULL, p->implants[i].relpath);
    end_arr(&w);
    end_obj(&w);
  }
  end_arr(&w);

  obj(&w, "stats");
  num(&w, "flows", (long long)c->st->flows);
  num(&w, "firewall_records", (long long)c->st->fw_records);
  num(&w, "vpn_sessions", (long long)c->st->vpn_sessions);
  num(&w, "windows_records", (long long)c->st->win_records);
  num(&w, "firewall_files", (long long)c->st->fw_files);
  num(&w, "windows_files", (long long)c->st->win_files);
  num(&w, "binary_files", (long long)c->st->bin_files);
  num(&w, "log_bytes", (long long)c->st->bytes);
  end_obj(&w);

  end_obj(&w);
  ash_buf_addc(&b, '\n');
  int rc = g_out_blob(&c->out, "answer.json", b.p, b.n);
  ash_buf_free(&b);
  return rc;
}
