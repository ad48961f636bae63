/* FortiGate (FortiOS 7) disk/syslog lines: key=value traffic logs (logid
 * 0000000013 at session end, 0000000020 interim statistics of long
 * sessions, with the 7.4 delta fields of long-live-session-stat) and SSL-VPN events (0101039947
 * tunnel up, 0101039948 tunnel down, 0101039426 login failure), with the field order of Fortinet's
 * documented samples. Local date/time with tz, eventtime in nanoseconds. */
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

/* Lines are built in a stack buffer with the small writers below rather
 * than printf: at 10^8 flows the formatting is most of the generator's
 * time. Every piece written is bounded (names, numbers, addresses), so a
 * line never nears LINE_MAX. */
#define LINE_MAX_FG 4096

typedef struct lw {
  char *p, *end;
} lw;

static void put(lw *w, const char *s, size_t n) {
  if ((size_t)(w->end - w->p) < n) n = (size_t)(w->end - w->p);
  memcpy(w->p, s, n);
  w->p += n;
}
#define PUT(w, lit) put((w), (lit), sizeof(lit) - 1)
static void puts_(lw *w, const char *s) { put(w, s, strlen(s)); }

static void putu(lw *w, uint64_t v) {
  char t[24];
  int n = 0;
  do {
    t[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  if (w->end - w->p < n) return;
  while (n) *w->p++ = t[--n];
}

static void putu_pad(lw *w, uint64_t v, int digits) {
  char t[24];
  for (int i = digits - 1; i >= 0; i--) {
    t[i] = (char)('0' + v % 10);
    v /= 10;
  }
  put(w, t, (size_t)digits);
}

static void putip(lw *w, uint32_t ip) {
  putu(w, ip >> 24);
  PUT(w, ".");
  putu(w, (ip >> 16) & 255);
  PUT(w, ".");
  putu(w, (ip >> 8) & 255);
  PUT(w, ".");
  putu(w, ip & 255);
}

static void head(g_ctx *c, const g_rec *r, lw *w, const char *logid, const char *type,
                 const char *subtype, const char *level) {
  int64_t sec = r->ts / G_SEC;
  if (sec != c->fw_dt_sec || !c->fw_dt[0]) {
    char iso[32];
    g_fmt_iso(sec * G_SEC + G_TZ_OFF, iso);
    memcpy(c->fw_dt, iso, 10);
    c->fw_dt[10] = ' ';
    memcpy(c->fw_dt + 11, iso + 11, 8);
    c->fw_dt[19] = 0;
    c->fw_dt_sec = sec;
  }
  PUT(w, "date=");
  put(w, c->fw_dt, 10);
  PUT(w, " time=");
  put(w, c->fw_dt + 11, 8);
  PUT(w, " devname=\"FGT-HQ\" devid=\"FG100FTK2");
  putu_pad(w, c->o->seed % 10000000, 7);
  /* eventtime is in nanoseconds; the last three digits are noise from
   * the record time, as on a real unit. */
  PUT(w, "\" eventtime=");
  putu(w, (uint64_t)sec);
  putu_pad(w, (uint64_t)(r->ts % G_SEC), 6);
  putu_pad(w, g_mix((uint64_t)r->ts) % 1000, 3);
  PUT(w, " tz=\"+0900\" logid=\"");
  puts_(w, logid);
  PUT(w, "\" type=\"");
  puts_(w, type);
  PUT(w, "\" subtype=\"");
  puts_(w, subtype);
  PUT(w, "\" level=\"");
  puts_(w, level);
  PUT(w, "\" vd=\"root\"");
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
  char line[LINE_MAX_FG];
  lw w = {line, line + sizeof line};
  head(c, r, &w, interim ? "0000000020" : "0000000013", "traffic", "forward", "notice");
  const g_endpoint *ep = f->ep >= 0 ? &c->eps[f->ep] : NULL;
  const char *pname;
  int pol = policy_of(f->szone, f->dzone, &pname);
  PUT(&w, " srcip=");
  putip(&w, f->src);
  PUT(&w, " srcport=");
  putu(&w, f->sport);
  PUT(&w, " srcintf=\"");
  puts_(&w, zone_intf(f->szone));
  PUT(&w, "\" srcintfrole=\"");
  puts_(&w, zone_role(f->szone));
  PUT(&w, "\" dstip=");
  putip(&w, f->dst);
  PUT(&w, " dstport=");
  putu(&w, f->dport);
  PUT(&w, " dstintf=\"");
  puts_(&w, zone_intf(f->dzone));
  PUT(&w, "\" dstintfrole=\"");
  puts_(&w, zone_role(f->dzone));
  PUT(&w, "\" srccountry=\"Reserved\" dstcountry=\"");
  puts_(&w, ep ? ep->country : "Reserved");
  PUT(&w, "\" sessionid=");
  putu(&w, f->sessionid);
  PUT(&w, " proto=");
  putu(&w, f->proto);
  PUT(&w, " action=\"");
  puts_(&w, action_of(f->action));
  PUT(&w, "\" policyid=");
  putu(&w, (uint64_t)pol);
  /* a stable UUID per policy and case */
  char uu[64];
  int un = snprintf(uu, sizeof uu, "8c6f%04x-5a1e-51ef-%04x-3b2c9d%06x", (unsigned)pol * 0x1111,
                    (unsigned)(0x9000 + pol), (unsigned)(c->o->seed & 0xffffff));
  PUT(&w, " policytype=\"policy\" poluuid=\"");
  put(&w, uu, (size_t)un);
  PUT(&w, "\" policyname=\"");
  puts_(&w, pname);
  PUT(&w, "\"");
  if (f->user >= 0) {
    PUT(&w, " user=\"");
    puts_(&w, c->org.users[f->user].name);
    PUT(&w, "\" group=\"VPN-Users\" authserver=\"corp-ldap\"");
  }
  const char *svc = service_of(f->dport, f->proto);
  PUT(&w, " service=\"");
  if (svc) {
    puts_(&w, svc);
  } else {
    puts_(&w, f->proto == 17 ? "udp/" : "tcp/");
    putu(&w, f->dport);
  }
  PUT(&w, "\"");
  if (f->dzone == Z_WAN) {
    PUT(&w, " trandisp=\"snat\" transip=");
    putip(&w, c->org.fw_public);
    PUT(&w, " transport=");
    putu(&w, f->sport);
  } else {
    PUT(&w, " trandisp=\"noop\"");
  }
  if (ep) {
    PUT(&w, " appid=");
    putu(&w, (uint64_t)(15000 + (f->ep * 977) % 40000));
    PUT(&w, " app=\"");
    puts_(&w, ep->app);
    PUT(&w, "\" appcat=\"");
    puts_(&w, ep->appcat);
    PUT(&w, "\" apprisk=\"");
    puts_(&w, ep->role == EP_WEB ? "elevated" : "low");
    PUT(&w, "\" applist=\"default\"");
  }
  PUT(&w, " duration=");
  putu(&w, (uint64_t)(f->dur / G_SEC));
  PUT(&w, " sentbyte=");
  putu(&w, f->sent);
  PUT(&w, " rcvdbyte=");
  putu(&w, f->rcvd);
  PUT(&w, " sentpkt=");
  putu(&w, f->spkt);
  PUT(&w, " rcvdpkt=");
  putu(&w, f->rpkt);
  if (interim) {
    PUT(&w, " sentdelta=");
    putu(&w, f->sentd);
    PUT(&w, " rcvddelta=");
    putu(&w, f->rcvdd);
    PUT(&w, " durationdelta=");
    putu(&w, f->durd);
    PUT(&w, " sentpktdelta=");
    putu(&w, f->spktd);
    PUT(&w, " rcvdpktdelta=");
    putu(&w, f->rpktd);
  }
  if (ep) PUT(&w, " utmaction=\"allow\" countapp=1");
  PUT(&w, "\n");
  return ash_buf_add(b, line, (size_t)(w.p - line));
}

static void remip_str(const ash_ip *ip, char out[ASH_IP_STRLEN]) { ash_ip_format(ip, out); }

static int vpn(g_ctx *c, const g_rec *r, ash_buf *b) {
  const g_vpn *v = &r->u.v;
  char rem[ASH_IP_STRLEN], tun[16];
  remip_str(&v->remip, rem);
  g_ip4_str(v->tunnel_ip, tun);
  const char *user = v->user >= 0 ? c->org.users[v->user].name : v->uname;
  char hd[1024];
  lw w = {hd, hd + sizeof hd};
  if (r->type == GR_VPN_FAIL) {
    head(c, r, &w, "0101039426", "event", "vpn", "alert");
    ash_buf_add(b, hd, (size_t)(w.p - hd));
    ash_buf_printf(
        b,
        " logdesc=\"SSL VPN login fail\" action=\"ssl-login-fail\" tunneltype=\"ssl-web\" "
        "tunnelid=0 remip=%s user=\"%s\" group=\"N/A\" dst_host=\"N/A\" reason=\"%s\" "
        "msg=\"SSL user failed to logged in\"\n",
        rem, user, v->reason ? v->reason : "sslvpn_login_permission_denied");
    return 0;
  }
  if (r->type == GR_VPN_UP) {
    head(c, r, &w, "0101039947", "event", "vpn", "information");
    ash_buf_add(b, hd, (size_t)(w.p - hd));
    return ash_buf_printf(b,
                          " logdesc=\"SSL VPN tunnel up\" action=\"tunnel-up\" "
                          "tunneltype=\"ssl-tunnel\" tunnelid=%u remip=%s srccountry=\"%s\" "
                          "tunnelip=%s user=\"%s\" group=\"VPN-Users\" dst_host=\"N/A\" "
                          "reason=\"tunnel established\" msg=\"SSL tunnel established\"\n",
                          v->tunnel_id, rem, v->country, tun, user);
  }
  head(c, r, &w, "0101039948", "event", "vpn", "information");
  ash_buf_add(b, hd, (size_t)(w.p - hd));
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

static const g_fw_writer FORTIGATE = {"fortigate", "log", flow, vpn, NULL, 0, 1, NULL};

const g_fw_writer *g_fw_fortigate(void) { return &FORTIGATE; }
