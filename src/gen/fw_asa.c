/* Cisco ASA syslog: 302013/302015 when a connection is built and
 * 302014/302016 when it is torn down (with duration and total bytes),
 * AnyConnect 113039/722051/722022 at login, 722023/113019 at logout, AAA
 * 113015 on a failed login. RFC 5424 headers ("logging timestamp
 * rfc5424") carry the zone, so the device's local times need no --tz. */
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

static void head(const g_rec *r, int sev, int id, ash_buf *b) {
  char iso[32];
  g_fmt_iso(r->ts + G_TZ_OFF, iso);
  ash_buf_printf(b, "<%d>1 %.23s+09:00 asa-hq - - - %%ASA-%d-%d: ", 160 + sev, iso, sev, id);
}

static const char *ifname(int z) {
  switch (z) {
  case Z_USERS: return "inside";
  case Z_SERVERS: return "servers";
  default: return "outside"; /* the internet and AnyConnect clients */
  }
}

/* "h:mm:ss", hours unbounded as the ASA writes them */
static void dur(int64_t us, char out[32]) {
  int64_t s = us / G_SEC;
  snprintf(out, 32, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
           (long long)(s % 60));
}

static int flow(g_ctx *c, const g_rec *r, ash_buf *b) {
  const g_flow *f = &r->u.f;
  if (f->action == FA_ACCEPT && f->proto == 6) return 0; /* no interim records */
  int udp = f->proto == 17;
  char s[16], d[16], nat[16];
  g_ip4_str(f->src, s);
  g_ip4_str(f->dst, d);
  if (f->dzone == Z_WAN)
    g_ip4_str(c->org.fw_public, nat);
  else
    snprintf(nat, sizeof nat, "%s", s);
  /* The ASA names the side of the lower security level first; AnyConnect
   * clients arrive on outside ("inbound"), users and servers go out. */
  int inbound = f->szone == Z_VPN;
  char uname[64] = "", utag[72] = "";
  if (f->user >= 0) {
    snprintf(uname, sizeof uname, "(LOCAL\\%s)", c->org.users[f->user].name);
    snprintf(utag, sizeof utag, " (%s)", c->org.users[f->user].name);
  }
  if (f->filler == 2) { /* the built message, at the start */
    head(r, 6, udp ? 302015 : 302013, b);
    if (inbound)
      return ash_buf_printf(
          b,
          "Built inbound %s connection %u for outside:%s/%u (%s/%u)%s to %s:%s/%u "
          "(%s/%u)%s\n",
          udp ? "UDP" : "TCP", f->sessionid, s, f->sport, s, f->sport, uname, ifname(f->dzone), d,
          f->dport, d, f->dport, utag);
    return ash_buf_printf(
        b, "Built outbound %s connection %u for %s:%s/%u (%s/%u) to %s:%s/%u (%s/%u)\n",
        udp ? "UDP" : "TCP", f->sessionid, ifname(f->dzone), d, f->dport, d, f->dport,
        ifname(f->szone), s, f->sport, nat, f->sport);
  }
  char du[32];
  dur(f->dur, du);
  const char *why = udp                       ? ""
                    : f->action == FA_SRV_RST ? " TCP Reset-O"
                    : f->action == FA_CLI_RST ? " TCP Reset-I"
                    : f->action == FA_TIMEOUT ? " Conn-timeout"
                                              : " TCP FINs";
  head(r, 6, udp ? 302016 : 302014, b);
  if (inbound)
    return ash_buf_printf(
        b, "Teardown %s connection %u for outside:%s/%u%s to %s:%s/%u duration %s bytes %llu%s%s\n",
        udp ? "UDP" : "TCP", f->sessionid, s, f->sport, uname, ifname(f->dzone), d, f->dport, du,
        (unsigned long long)(f->sent + f->rcvd), why, utag);
  return ash_buf_printf(
      b, "Teardown %s connection %u for %s:%s/%u to %s:%s/%u duration %s bytes %llu%s\n",
      udp ? "UDP" : "TCP", f->sessionid, ifname(f->dzone), d, f->dport, ifname(f->szone), s,
      f->sport, du, (unsigned long long)(f->sent + f->rcvd), why);
}

static int vpn(g_ctx *c, const g_rec *r, ash_buf *b) {
  const g_vpn *v = &r->u.v;
  char rem[ASH_IP_STRLEN], tun[16];
  ash_ip_format(&v->remip, rem);
  g_ip4_str(v->tunnel_ip, tun);
  const char *user = v->user >= 0 ? c->org.users[v->user].name : v->uname;
  if (r->type == GR_VPN_FAIL) {
    head(r, 6, 113015, b);
    return ash_buf_printf(b,
                          "AAA user authentication Rejected : reason = Invalid password : server = "
                          "10.10.1.10 : user = %s : user IP = %s\n",
                          user, rem);
  }
  if (r->type == GR_VPN_UP) {
    head(r, 6, 113039, b);
    ash_buf_printf(b,
                   "Group <GP-Corp-Users> User <%s> IP <%s> AnyConnect parent session started.\n",
                   user, rem);
    head(r, 4, 722051, b);
    ash_buf_printf(b,
                   "Group <GP-Corp-Users> User <%s> IP <%s> IPv4 Address <%s> IPv6 address <::> "
                   "assigned to session\n",
                   user, rem, tun);
    head(r, 6, 722022, b);
    return ash_buf_printf(b,
                          "Group <GP-Corp-Users> User <%s> IP <%s> TCP SVC connection established "
                          "without compression\n",
                          user, rem);
  }
  int64_t s = v->dur / G_SEC;
  head(r, 6, 722023, b);
  ash_buf_printf(b,
                 "Group <GP-Corp-Users> User <%s> IP <%s> TCP SVC connection terminated without "
                 "compression\n",
                 user, rem);
  head(r, 4, 113019, b);
  return ash_buf_printf(
      b,
      "Group = GP-Corp-Users, Username = %s, IP = %s, Session disconnected. "
      "Session Type: SSL, Duration: %lldh:%02lldm:%02llds, Bytes xmt: %llu, Bytes "
      "rcv: %llu, Reason: %s\n",
      user, rem, (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60),
      (unsigned long long)v->rcvd, (unsigned long long)v->sent,
      v->reason && !strcmp(v->reason, "idle timeout") ? "Idle Timeout" : "User Requested");
}

static const g_fw_writer ASA = {"asa", "log", flow, vpn, NULL, 1, 0, NULL};

const g_fw_writer *g_fw_asa(void) { return &ASA; }
