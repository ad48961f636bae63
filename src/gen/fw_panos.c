/* Palo Alto Networks PAN-OS (10.2/11.x) syslog CSV: TRAFFIC "end" logs,
 * written when a session ends (PAN-OS has no interim records), with the
 * columns of the documented 10.2 format up to flow_type (the high
 * resolution timestamp with its zone included, so that the device's local
 * times need no --tz), and GLOBALPROTECT gateway-connected /
 * gateway-logout / gateway-auth events for the VPN, behind a BSD syslog
 * header. */
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

static void local_ts(int64_t ts, char out[24]) {
  char iso[32];
  g_fmt_iso(ts + G_TZ_OFF, iso); /* YYYY-MM-DDTHH:MM:SS.ffffffZ */
  snprintf(out, 24, "%.4s/%.2s/%.2s %.8s", iso, iso + 5, iso + 8, iso + 11);
}

static void hires(int64_t ts, char out[40]) {
  char iso[32];
  g_fmt_iso(ts + G_TZ_OFF, iso);
  snprintf(out, 40, "%.23s+09:00", iso);
}

static void syslog_head(const g_rec *r, ash_buf *b) {
  static const char *const MON[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char iso[32];
  g_fmt_iso(r->ts + G_TZ_OFF, iso);
  int mo = (iso[5] - '0') * 10 + (iso[6] - '0');
  int d = (iso[8] - '0') * 10 + (iso[9] - '0');
  ash_buf_printf(b, "<14>%s %2d %.8s PA-HQ ", MON[(mo + 11) % 12], d, iso + 11);
}

static const char *zone(int z) {
  switch (z) {
  case Z_USERS: return "users";
  case Z_SERVERS: return "servers";
  case Z_VPN: return "gp-vpn";
  default: return "untrust";
  }
}

static const char *intf(int z) {
  switch (z) {
  case Z_USERS: return "ethernet1/2";
  case Z_SERVERS: return "ethernet1/3";
  case Z_VPN: return "tunnel.1";
  default: return "ethernet1/1";
  }
}

static const char *app_of(const g_flow *f, const g_endpoint *ep) {
  if (ep) {
    if (!strcmp(ep->app, "Microsoft.Office.365")) return "ms-office365-base";
    if (!strcmp(ep->app, "Slack")) return "slack-base";
    if (!strcmp(ep->app, "Zoom")) return "zoom-base";
    if (!strcmp(ep->app, "Google.Drive")) return "google-drive-web";
    if (!strcmp(ep->app, "Salesforce")) return "salesforce-base";
    if (!strcmp(ep->app, "Amazon.AWS.S3")) return "amazon-aws-s3";
    if (!strcmp(ep->app, "Microsoft.Windows.Update")) return "ms-update";
    if (!strcmp(ep->app, "HTTP.BROWSER")) return "web-browsing";
  }
  switch (f->dport) {
  case 53: return "dns";
  case 123: return "ntp";
  case 445: return "ms-ds-smbv3";
  case 3389: return "ms-rdp";
  case 88: return "kerberos";
  case 389: return "ldap";
  case 135: return "msrpc-base";
  case 1433: return "mssql-db";
  case 80: return "web-browsing";
  default: return "ssl";
  }
}

static const char *end_reason(const g_flow *f) {
  if (f->proto == 17) return "aged-out";
  switch (f->action) {
  case FA_TIMEOUT: return "aged-out";
  case FA_SRV_RST: return "tcp-rst-from-server";
  case FA_CLI_RST: return "tcp-rst-from-client";
  default: return "tcp-fin";
  }
}

static const char *rule_of(int sz, int dz) {
  if (dz == Z_WAN)
    return sz == Z_SERVERS ? "servers-internet" : sz == Z_VPN ? "gp-internet" : "users-internet";
  if (sz == Z_VPN) return dz == Z_USERS ? "gp-workstations" : "gp-servers";
  return "users-servers";
}

static int flow(g_ctx *c, const g_rec *r, ash_buf *b) {
  const g_flow *f = &r->u.f;
  if (f->action == FA_ACCEPT && f->proto == 6) return 0; /* no interim records */
  const g_endpoint *ep = f->ep >= 0 ? &c->eps[f->ep] : NULL;
  char gen[24], start[24], hr[40], s[16], d[16], nat[16];
  local_ts(r->ts, gen);
  local_ts(f->start, start);
  hires(r->ts, hr);
  g_ip4_str(f->src, s);
  g_ip4_str(f->dst, d);
  int wan = f->dzone == Z_WAN;
  if (wan)
    g_ip4_str(c->org.fw_public, nat);
  else
    snprintf(nat, sizeof nat, "0.0.0.0");
  char user[96] = "";
  if (f->user >= 0)
    snprintf(user, sizeof user, "%s\\%s", c->org.netbios, c->org.users[f->user].name);
  for (char *p = user; *p && *p != '\\'; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
  syslog_head(r, b);
  uint64_t pk = (uint64_t)f->spkt + f->rpkt;
  ash_buf_printf(
      b,
      "1,%s,0128010%05u,TRAFFIC,end,2562,%s,%s,%s,%s,%s,%s,%s,,%s,vsys1,%s,%s,%s,%s,"
      "default,%s,%u,1,%u,%u,%u,%u,%s,%s,allow,%llu,%llu,%llu,%llu,%s,%lld,%s,0,%u,"
      "0x8000000000000000,10.0.0.0-10.255.255.255,%s,0,%u,%u,%s,0,0,0,0,,PA-HQ,from-policy,"
      ",,0,,0,,N/A,0,0,0,0,",
      gen, (unsigned)(c->o->seed % 100000), gen, s, d, wan ? nat : "0.0.0.0", wan ? d : "0.0.0.0",
      rule_of(f->szone, f->dzone), user, app_of(f, ep), zone(f->szone), zone(f->dzone),
      intf(f->szone), intf(f->dzone), gen, f->sessionid % 4000000u, f->sport, f->dport,
      wan ? f->sport : 0u, wan ? f->dport : 0u, wan ? "0x400019" : "0x19",
      f->proto == 17 ? "udp" : "tcp", (unsigned long long)(f->sent + f->rcvd),
      (unsigned long long)f->sent, (unsigned long long)f->rcvd, (unsigned long long)pk, start,
      (long long)(f->dur / G_SEC),
      ep ? (ep->role == EP_WEB ? "computer-and-internet-info" : "business-and-economy") : "any",
      f->sessionid, wan ? (ep ? ep->country : "United States") : "10.0.0.0-10.255.255.255", f->spkt,
      f->rpkt, end_reason(f));
  /* rule_uuid (65) .. session_owner (101), empty but for a few */
  ash_buf_printf(b, "8c6f%04x-5a1e-51ef-9000-3b2c9d000001,0,0,,,,,,,,",
                 (unsigned)(f->szone * 16 + f->dzone));
  for (int i = 75; i < 102; i++) ash_buf_addc(b, ',');
  ash_buf_printf(b, "%s,,,,,,,,,,,,0,\n", hr);
  return 0;
}

static const char *region(const char *country) {
  static const char *const M[][2] = {
      {"Japan", "JP"},   {"United States", "US"},      {"Singapore", "SG"},
      {"Taiwan", "TW"},  {"Korea, Republic of", "KR"}, {"Thailand", "TH"},
      {"Germany", "DE"}, {"Netherlands", "NL"},        {"Hong Kong", "HK"}};
  for (size_t i = 0; i < sizeof M / sizeof M[0]; i++)
    if (!strcmp(country, M[i][0])) return M[i][1];
  return "JP";
}

static int vpn(g_ctx *c, const g_rec *r, ash_buf *b) {
  const g_vpn *v = &r->u.v;
  char gen[24], hr[40], rem[ASH_IP_STRLEN], tun[16], user[96];
  local_ts(r->ts, gen);
  hires(r->ts, hr);
  ash_ip_format(&v->remip, rem);
  g_ip4_str(v->tunnel_ip, tun);
  const char *name = v->user >= 0 ? c->org.users[v->user].name : v->uname;
  snprintf(user, sizeof user, "corp\\%s", name);
  char host[32] = "";
  if (v->user >= 0) snprintf(host, sizeof host, "%s", c->org.hosts[c->org.users[v->user].ws].upper);
  int v6 = v->remip.fam == 6;
  uint32_t seq = c->fw_session++;
  syslog_head(r, b);
  if (r->type == GR_VPN_FAIL)
    return ash_buf_printf(b,
                          "1,%s,0128010%05u,GLOBALPROTECT,0,2560,%s,vsys1,gateway-auth,login,LDAP,"
                          "SSL,%s,%s,%s,%s,%s,,,,,,,,1,,,Authentication failed: Invalid username "
                          "or password,failure,,,,0,gp-gateway,%u,0x8000000000000000,%s,,,,,,0,0,0,"
                          "0,,PA-HQ,1\n",
                          gen, (unsigned)(c->o->seed % 100000), gen, user, region(v->country), host,
                          v6 ? "" : rem, v6 ? rem : "", seq, hr);
  if (r->type == GR_VPN_UP)
    return ash_buf_printf(
        b,
        "1,%s,0128010%05u,GLOBALPROTECT,0,2560,%s,vsys1,gateway-connected,"
        "connected,LDAP,SSL,%s,%s,%s,%s,%s,%s,,%08x-aaaa-bbbb-cccc-%012x,PF%06X,"
        "6.2.4-32,Windows,\"Microsoft Windows 11 Pro , 64-bit\",1,,,,success,Tokyo,"
        "0,user-logon,0,gp-gateway,%u,0x8000000000000000,%s,auto,35,highest,"
        "\"gw-hq,35,highest\",gw-hq,0,0,0,0,,PA-HQ,1\n",
        gen, (unsigned)(c->o->seed % 100000), gen, user, region(v->country), host, v6 ? "" : rem,
        v6 ? rem : "", tun, (unsigned)(v->user * 2654435761u), (unsigned)v->user,
        (unsigned)(v->user & 0xffffff), seq, hr);
  return ash_buf_printf(b,
                        "1,%s,0128010%05u,GLOBALPROTECT,0,2560,%s,vsys1,gateway-logout,logout,LDAP,"
                        "SSL,%s,%s,%s,%s,%s,%s,,%08x-aaaa-bbbb-cccc-%012x,PF%06X,6.2.4-32,Windows,"
                        "Windows 11,1,%s,,,success,Tokyo,%lld,user-logon,0,gp-gateway,%u,"
                        "0x8000000000000000,%s,,,,,,0,0,0,0,,PA-HQ,1\n",
                        gen, (unsigned)(c->o->seed % 100000), gen, user, region(v->country), host,
                        v6 ? "" : rem, v6 ? rem : "", tun, (unsigned)(v->user * 2654435761u),
                        (unsigned)v->user, (unsigned)(v->user & 0xffffff),
                        v->reason && !strcmp(v->reason, "idle timeout") ? "idle timeout"
                                                                        : "client logout",
                        (long long)(v->dur / G_SEC), seq, hr);
}

static const g_fw_writer PANOS = {"panos", "log", flow, vpn, NULL, 0, 0, NULL};

const g_fw_writer *g_fw_panos(void) { return &PANOS; }
