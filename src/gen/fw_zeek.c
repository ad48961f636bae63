/* Zeek conn.log (TSV, the standard header and columns) from a sensor
 * inside the perimeter, so that internal addresses are seen before NAT.
 * Zeek writes a connection when it ends, with ts its start; it has no
 * interim records. Zeek does not see VPN logins: with --firewall zeek the
 * VPN gateway's own events go to logs/vpn/ in FortiGate form (a Zeek
 * sensor next to a FortiGate SSL-VPN). */
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

static int header(g_ctx *c, int64_t day_local, ash_buf *b) {
  (void)c;
  char iso[32];
  g_fmt_iso(day_local * G_DAY, iso);
  return ash_buf_printf(
      b,
      "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
      "#open\t%.10s-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
      "service\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_"
      "bytes\t"
      "history\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n#types\ttime\t"
      "string\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\t"
      "count\tstring\tcount\tcount\tcount\tcount\tset[string]\n",
      iso);
}

static const char *service(const g_flow *f) {
  switch (f->dport) {
  case 443:
  case 8443: return "ssl";
  case 80: return "http";
  case 53: return "dns";
  case 123: return "ntp";
  case 445: return "smb";
  case 3389: return "rdp";
  case 88: return f->proto == 17 ? "krb" : "krb_tcp";
  case 389: return "ldap_tcp";
  case 135: return "dce_rpc";
  default: return "-";
  }
}

static void uid(uint64_t id, char out[20]) {
  static const char A[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint64_t h = g_mix(id);
  out[0] = 'C';
  for (int i = 1; i < 18; i++) {
    out[i] = A[h % 62];
    h /= 62;
    if (i == 9) h = g_mix(h ^ id);
  }
  out[18] = 0;
}

static int is_local(uint32_t ip) { return (ip >> 24) == 10; }

static int flow(g_ctx *c, const g_rec *r, ash_buf *b) {
  const g_flow *f = &r->u.f;
  if (f->action == FA_ACCEPT && f->proto == 6) return 0; /* no interim records */
  char s[16], d[16], u[20];
  g_ip4_str(f->src, s);
  g_ip4_str(f->dst, d);
  uid(((uint64_t)c->o->seed << 32) ^ f->sessionid, u);
  const char *state = "SF", *hist = "ShADadfF";
  if (f->proto == 17) {
    hist = "Dd";
  } else if (f->action == FA_SRV_RST) {
    state = "RSTR";
    hist = "ShADadr";
  } else if (f->action == FA_CLI_RST) {
    state = "RSTO";
    hist = "ShADadR";
  } else if (f->action == FA_TIMEOUT) {
    state = "S1";
    hist = "ShADad";
  }
  return ash_buf_printf(
      b,
      "%lld.%06lld\t%s\t%s\t%u\t%s\t%u\t%s\t%s\t%lld.%06lld\t%llu\t%llu\t%s\t%s\t%s\t"
      "0\t%s\t%u\t%llu\t%u\t%llu\t(empty)\n",
      (long long)(f->start / G_SEC), (long long)(f->start % G_SEC), u, s, f->sport, d, f->dport,
      f->proto == 17 ? "udp" : "tcp", service(f), (long long)(f->dur / G_SEC),
      (long long)(f->dur % G_SEC), (unsigned long long)f->sent, (unsigned long long)f->rcvd, state,
      is_local(f->src) ? "T" : "F", is_local(f->dst) ? "T" : "F", hist, f->spkt,
      (unsigned long long)(f->sent + 40ULL * f->spkt), f->rpkt,
      (unsigned long long)(f->rcvd + 40ULL * f->rpkt));
}

static int vpn(g_ctx *c, const g_rec *r, ash_buf *b) { return g_fw_fortigate()->vpn(c, r, b); }

static const g_fw_writer ZEEK = {"zeek-conn", "log", flow, vpn,
                                 header,      0,     0,    "logs/vpn/fortigate-vpn"};

const g_fw_writer *g_fw_zeek(void) { return &ZEEK; }
