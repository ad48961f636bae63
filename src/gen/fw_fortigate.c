/* FortiGate (FortiOS 7) disk/syslog lines: key=value traffic logs (logid
 * 0000000013 at session end, 0000000020 interim statistics of long
 * sessions, with the 7.4 delta fields of long-live-session-stat) and SSL-VPN events (0101039947
 * tunnel up, 0101039948 tunnel down, 0101039426 login failure), with the field order of Fortinet's
 * documented samples. Local date/time with tz, eventtime in nanoseconds. */
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

static void local_dt(int64_t ts, char date[16], char time[16]) {
  char iso[32];
  g_fmt_iso(ts + G_TZ_OFF, iso);
  snprintf(date, 16, "%.10s", iso);
  snprintf(time, 16, "%.8s", iso + 11);
}

static void head(g_ctx *c, const g_rec *r, ash_buf *b, const char *logid, const char *type,
                 const char *subtype, const char *level) {
  char d[16], t[16];
  local_dt(r->ts, d, t);
  /* eventtime is in nanoseconds; the last three digits are noise from
   * the record time, as on a real unit. */
  ash_buf_printf(b,
                 "date=%s time=%s devname=\"FGT-HQ\" devid=\"FG100FTK2%07u\" "
                 "eventtime=%lld%06u%03u tz=\"+0900\" logid=\"%s\" type=\"%s\" subtype=\"%s\" "
                 "level=\"%s\" vd=\"root\"",
                 d, t, (unsigned)(c->o->seed % 10000000), (long long)(r->ts / G_SEC),
                 (unsigned)(r->ts % G_SEC), (unsigned)(g_mix((uint64_t)r->ts) % 1000), logid, type,
                 subtype, level);
}

static const char *zone_intf(int z) {
  switch (z) {
  case Z_USERS: return "lan-users";
  case Z_SERVERS: return "lan-servers";
  case Z_VPN: return "ssl.root";
  default: return "wan1";
  }
}

static const char *zone_role(int z) {
  switch (z) {
  case Z_USERS:
  case Z_SERVERS: return "lan";
  case Z_VPN: return "undefined";
  default: return "wan";
  }
}

static const char *service_of(int port, int proto) {
  switch (port) {
  case 443: return "HTTPS";
  case 80: return "HTTP";
  case 53: return "DNS";
  case 123: return "NTP";
  case 445: return "SMB";
  case 3389: return "RDP";
  case 88: return proto == 17 ? "KERBEROS" : "KERBEROS";
  case 389: return "LDAP";
  case 1433: return "MS-SQL";
  case 135: return "DCE-RPC";
  default: return NULL;
  }
}

static const char *action_of(int a) {
  switch (a) {
  case FA_TIMEOUT: return "timeout";
  case FA_SRV_RST: return "server-rst";
  case FA_CLI_RST: return "client-rst";
  case FA_ACCEPT: return "accept";
  case FA_DENY: return "deny";
  default: return "close";
  }
}

static int policy_of(int sz, int dz, const char **name) {
  if (sz == Z_USERS && dz == Z_WAN) return *name = "users-internet", 2;
  if (sz == Z_SERVERS && dz == Z_WAN) return *name = "servers-internet", 3;
  if (sz == Z_USERS && dz == Z_SERVERS) return *name = "users-servers", 4;
  if (sz == Z_VPN && dz == Z_SERVERS) return *name = "vpn-servers", 7;
  if (sz == Z_VPN && dz == Z_USERS) return *name = "vpn-workstations", 8;
  if (sz == Z_VPN && dz == Z_WAN) return *name = "vpn-internet", 9;
  if (sz == Z_SERVERS && dz == Z_USERS) return *name = "servers-users", 5;
  return *name = "any", 1;
}

static int flow(g_ctx *c, const g_rec *r, ash_buf *b) {
  const g_flow *f = &r->u.f;
  int interim = f->action == FA_ACCEPT && f->proto == 6;
  head(c, r, b, interim ? "0000000020" : "0000000013", "traffic", "forward", "notice");
  char s[16], d[16], nat[16];
  g_ip4_str(f->src, s);
  g_ip4_str(f->dst, d);
  g_ip4_str(c->org.fw_public, nat);
  const g_endpoint *ep = f->ep >= 0 ? &c->eps[f->ep] : NULL;
  const char *pname;
  int pol = policy_of(f->szone, f->dzone, &pname);
  ash_buf_printf(b,
                 " srcip=%s srcport=%u srcintf=\"%s\" srcintfrole=\"%s\" dstip=%s dstport=%u "
                 "dstintf=\"%s\" dstintfrole=\"%s\" srccountry=\"Reserved\" dstcountry=\"%s\" "
                 "sessionid=%u proto=%u action=\"%s\" policyid=%d policytype=\"policy\" "
                 "poluuid=\"8c6f%04x-5a1e-51ef-%04x-3b2c9d%06x\" policyname=\"%s\"",
                 s, f->sport, zone_intf(f->szone), zone_role(f->szone), d, f->dport,
                 zone_intf(f->dzone), zone_role(f->dzone), ep ? ep->country : "Reserved",
                 f->sessionid, f->proto, action_of(f->action), pol, (unsigned)pol * 0x1111,
                 (unsigned)(0x9000 + pol), (unsigned)(c->o->seed & 0xffffff), pname);
  if (f->user >= 0)
    ash_buf_printf(b, " user=\"%s\" group=\"VPN-Users\" authserver=\"corp-ldap\"",
                   c->org.users[f->user].name);
  const char *svc = service_of(f->dport, f->proto);
  if (svc)
    ash_buf_printf(b, " service=\"%s\"", svc);
  else
    ash_buf_printf(b, " service=\"%s/%u\"", f->proto == 17 ? "udp" : "tcp", f->dport);
  if (f->dzone == Z_WAN)
    ash_buf_printf(b, " trandisp=\"snat\" transip=%s transport=%u", nat, f->sport);
  else
    ash_buf_adds(b, " trandisp=\"noop\"");
  if (ep)
    ash_buf_printf(b, " appid=%u app=\"%s\" appcat=\"%s\" apprisk=\"%s\" applist=\"default\"",
                   (unsigned)(15000 + (f->ep * 977) % 40000), ep->app, ep->appcat,
                   ep->role == EP_WEB ? "elevated" : "low");
  ash_buf_printf(b, " duration=%lld sentbyte=%llu rcvdbyte=%llu sentpkt=%u rcvdpkt=%u",
                 (long long)(f->dur / G_SEC), (unsigned long long)f->sent,
                 (unsigned long long)f->rcvd, f->spkt, f->rpkt);
  if (interim)
    ash_buf_printf(b,
                   " sentdelta=%llu rcvddelta=%llu durationdelta=%u sentpktdelta=%u "
                   "rcvdpktdelta=%u",
                   (unsigned long long)f->sentd, (unsigned long long)f->rcvdd, f->durd, f->spktd,
                   f->rpktd);
  if (ep) ash_buf_adds(b, " utmaction=\"allow\" countapp=1");
  return ash_buf_adds(b, "\n");
}

static void remip_str(const ash_ip *ip, char out[ASH_IP_STRLEN]) { ash_ip_format(ip, out); }

static int vpn(g_ctx *c, const g_rec *r, ash_buf *b) {
  const g_vpn *v = &r->u.v;
  char rem[ASH_IP_STRLEN], tun[16];
  remip_str(&v->remip, rem);
  g_ip4_str(v->tunnel_ip, tun);
  const char *user = v->user >= 0 ? c->org.users[v->user].name : v->uname;
  if (r->type == GR_VPN_FAIL) {
    head(c, r, b, "0101039426", "event", "vpn", "alert");
    ash_buf_printf(
        b,
        " logdesc=\"SSL VPN login fail\" action=\"ssl-login-fail\" tunneltype=\"ssl-web\" "
        "tunnelid=0 remip=%s user=\"%s\" group=\"N/A\" dst_host=\"N/A\" reason=\"%s\" "
        "msg=\"SSL user failed to logged in\"\n",
        rem, user, v->reason ? v->reason : "sslvpn_login_permission_denied");
    return 0;
  }
  if (r->type == GR_VPN_UP) {
    head(c, r, b, "0101039947", "event", "vpn", "information");
    return ash_buf_printf(b,
                          " logdesc=\"SSL VPN tunnel up\" action=\"tunnel-up\" "
                          "tunneltype=\"ssl-tunnel\" tunnelid=%u remip=%s srccountry=\"%s\" "
                          "tunnelip=%s user=\"%s\" group=\"VPN-Users\" dst_host=\"N/A\" "
                          "reason=\"tunnel established\" msg=\"SSL tunnel established\"\n",
                          v->tunnel_id, rem, v->country, tun, user);
  }
  head(c, r, b, "0101039948", "event", "vpn", "information");
  return ash_buf_printf(b,
                        " logdesc=\"SSL VPN tunnel down\" action=\"tunnel-down\" "
                        "tunneltype=\"ssl-tunnel\" tunnelid=%u remip=%s srccountry=\"%s\" "
                        "tunnelip=%s user=\"%s\" group=\"VPN-Users\" dst_host=\"N/A\" "
                        "reason=\"%s\" duration=%lld sentbyte=%llu rcvdbyte=%llu "
                        "msg=\"SSL tunnel shutdown\"\n",
                        v->tunnel_id, rem, v->country, tun, user,
                        v->reason ? v->reason : "connection closed", (long long)(v->dur / G_SEC),
                        (unsigned long long)v->sent, (unsigned long long)v->rcvd);
}

static const g_fw_writer FORTIGATE = {"fortigate", "log", flow, vpn, NULL};

const g_fw_writer *g_fw_fortigate(void) { return &FORTIGATE; }
