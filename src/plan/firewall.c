/* Ready firewall configuration for the plan's block step (plan.h): the
 * watchlist's relays and VPN sources, in FortiOS CLI, PAN-OS set
 * commands, ASA configuration, or iptables/ip6tables and nftables.
 *
 * Nothing from a log is copied into a line as it is: addresses are parsed
 * and written back canonical (so "1.2.3.4\nconfig system admin" is not an
 * address and is left out), object names are ours ("ashiato-relay-1"),
 * and account names pass ash_fw_name_ok or stay out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "ashiato/ip.h"
#include "ashiato/plan.h"

int ash_fw_vendor_parse(const char *name, ash_fw_vendor *out) {
  static const struct {
    const char *n;
    ash_fw_vendor v;
  } T[] = {{"fortigate", ASH_FW_FORTIGATE}, {"panos", ASH_FW_PANOS},       {"asa", ASH_FW_ASA},
           {"iptables", ASH_FW_IPTABLES},   {"nftables", ASH_FW_IPTABLES}, {"auto", ASH_FW_AUTO}};
  for (size_t i = 0; name && i < sizeof T / sizeof T[0]; i++)
    if (!strcasecmp(name, T[i].n)) {
      *out = T[i].v;
      return ASH_OK;
    }
  return ASH_EFORMAT;
}

const char *ash_fw_vendor_name(ash_fw_vendor v) {
  switch (v) {
  case ASH_FW_FORTIGATE: return "fortigate";
  case ASH_FW_PANOS: return "panos";
  case ASH_FW_ASA: return "asa";
  case ASH_FW_IPTABLES: return "iptables";
  default: return "auto";
  }
}

int ash_fw_name_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (!n || n > 64 || s[0] == '-' || s[0] == '.') return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-'))
      return 0;
  }
  return 1;
}

/* One address to block: canonical text, family, object name. */
typedef struct addr {
  char ip[ASH_IP_STRLEN];
  int v6;
  char name[48];
} addr;

/* The watchlist's relays and VPN sources, parsed again, without
 * duplicates (an address can be both), at most max. */
static size_t collect(const ash_watchlist *w, addr *a, size_t max) {
  size_t n = 0, nrel = 0, nvpn = 0;
  for (size_t i = 0; i < w->n && n < max; i++) {
    const ash_watch_item *it = &w->items[i];
    if (it->kind != ASH_WATCH_RELAY && it->kind != ASH_WATCH_VPN_SOURCE) continue;
    ash_ip ip;
    if (ash_ip_parse(ash_str_cstr(it->value), &ip) || ash_ip_is_private(&ip) ||
        ash_ip_is_loopback(&ip))
      continue; /* never block inside or loopback addresses at the perimeter */
    char t[ASH_IP_STRLEN];
    ash_ip_format(&ip, t);
    int dup = 0;
    for (size_t j = 0; j < n; j++) dup |= !strcmp(a[j].ip, t);
    if (dup) continue;
    memcpy(a[n].ip, t, sizeof t);
    a[n].v6 = ip.fam == 6;
    if (it->kind == ASH_WATCH_RELAY)
      snprintf(a[n].name, sizeof a[n].name, "ashiato-relay-%zu", ++nrel);
    else
      snprintf(a[n].name, sizeof a[n].name, "ashiato-vpnsrc-%zu", ++nvpn);
    n++;
  }
  return n;
}

#define MAX_ADDRS 4096

static int fortigate(const addr *a, size_t n, ash_buf *o) {
  size_t n4 = 0, n6 = 0;
  for (size_t i = 0; i < n; i++) *(a[i].v6 ? &n6 : &n4) += 1;
  ASH_TRY(ash_buf_adds(o, "# FortiOS CLI: paste into the console (or run as a script).\n"
                          "# The two policies are appended: move them above every accept policy\n"
                          "# (config firewall policy / move ID before FIRST-ID).\n"));
  if (n4) {
    ASH_TRY(ash_buf_adds(o, "config firewall address\n"));
    for (size_t i = 0; i < n; i++)
      if (!a[i].v6)
        ASH_TRY(ash_buf_printf(o,
                               "    edit \"%s\"\n        set subnet %s 255.255.255.255\n"
                               "        set comment \"ashiato plan\"\n    next\n",
                               a[i].name, a[i].ip));
    ASH_TRY(ash_buf_adds(o, "end\nconfig firewall addrgrp\n    edit \"ashiato-block\"\n"
                            "        set member"));
    for (size_t i = 0; i < n; i++)
      if (!a[i].v6) ASH_TRY(ash_buf_printf(o, " \"%s\"", a[i].name));
    ASH_TRY(ash_buf_adds(o, "\n    next\nend\n"));
  }
  if (n6) {
    ASH_TRY(ash_buf_adds(o, "config firewall address6\n"));
    for (size_t i = 0; i < n; i++)
      if (a[i].v6)
        ASH_TRY(ash_buf_printf(o,
                               "    edit \"%s\"\n        set ip6 %s/128\n"
                               "        set comment \"ashiato plan\"\n    next\n",
                               a[i].name, a[i].ip));
    ASH_TRY(ash_buf_adds(o, "end\nconfig firewall addrgrp6\n    edit \"ashiato-block6\"\n"
                            "        set member"));
    for (size_t i = 0; i < n; i++)
      if (a[i].v6) ASH_TRY(ash_buf_printf(o, " \"%s\"", a[i].name));
    ASH_TRY(ash_buf_adds(o, "\n    next\nend\n"));
  }
  static const char *const dir[2] = {"out", "in"};
  ASH_TRY(ash_buf_adds(o, "config firewall policy\n"));
  for (int d = 0; d < 2; d++) {
    const char *mine = d ? "src" : "dst", *other = d ? "dst" : "src";
    ASH_TRY(ash_buf_printf(o,
                           "    edit 0\n        set name \"ashiato-block-%s\"\n"
                           "        set srcintf \"any\"\n        set dstintf \"any\"\n",
                           dir[d]));
    if (n4)
      ASH_TRY(ash_buf_printf(
          o, "        set %saddr \"ashiato-block\"\n        set %saddr \"all\"\n", mine, other));
    if (n6)
      ASH_TRY(ash_buf_printf(
          o, "        set %saddr6 \"ashiato-block6\"\n        set %saddr6 \"all\"\n", mine, other));
    ASH_TRY(ash_buf_adds(o, "        set action deny\n        set schedule \"always\"\n"
                            "        set service \"ALL\"\n        set logtraffic all\n"
                            "    next\n"));
  }
  ASH_TRY(ash_buf_adds(o, "end\n"));
  /* the SSL-VPN portal is the firewall itself: forward policies do not
   * stop a login to it, a local-in policy does */
  if (n4)
    ASH_TRY(ash_buf_adds(o, "config firewall local-in-policy\n    edit 0\n"
                            "        set intf \"any\"\n        set srcaddr \"ashiato-block\"\n"
                            "        set dstaddr \"all\"\n        set action deny\n"
                            "        set service \"ALL\"\n        set schedule \"always\"\n"
                            "    next\nend\n"));
  if (n6)
    ASH_TRY(ash_buf_adds(o, "config firewall local-in-policy6\n    edit 0\n"
                            "        set intf \"any\"\n        set srcaddr \"ashiato-block6\"\n"
                            "        set dstaddr \"all\"\n        set action deny\n"
                            "        set service \"ALL\"\n        set schedule \"always\"\n"
                            "    next\nend\n"));
  return ASH_OK;
}

static int panos(const addr *a, size_t n, ash_buf *o) {
  ASH_TRY(ash_buf_adds(o, "# PAN-OS CLI, configuration mode ('configure'), then 'commit'.\n"));
  for (size_t i = 0; i < n; i++)
    ASH_TRY(ash_buf_printf(o,
                           "set address %s ip-netmask %s/%d\n"
                           "set address %s description \"ashiato plan\"\n",
                           a[i].name, a[i].ip, a[i].v6 ? 128 : 32, a[i].name));
  ASH_TRY(ash_buf_adds(o, "set address-group ashiato-block static ["));
  for (size_t i = 0; i < n; i++) ASH_TRY(ash_buf_printf(o, " %s", a[i].name));
  ASH_TRY(ash_buf_adds(
      o, " ]\n"
         "set rulebase security rules ashiato-block-in from any to any source ashiato-block "
         "destination any source-user any application any service any action deny log-end yes\n"
         "set rulebase security rules ashiato-block-out from any to any source any "
         "destination ashiato-block source-user any application any service any action deny "
         "log-end yes\n"
         "move rulebase security rules ashiato-block-out top\n"
         "move rulebase security rules ashiato-block-in top\n"));
  return ASH_OK;
}

static int asa(const addr *a, size_t n, ash_buf *o) {
  ASH_TRY(ash_buf_adds(
      o, "! Cisco ASA, configuration mode ('configure terminal'), then 'write memory'.\n"
         "! outside_access_in and inside_access_in are ASDM's default interface ACL\n"
         "! names: use the ones 'show running-config access-group' lists.\n"
         "object-group network ASHIATO-BLOCK\n"));
  for (size_t i = 0; i < n; i++) ASH_TRY(ash_buf_printf(o, " network-object host %s\n", a[i].ip));
  ASH_TRY(ash_buf_adds(
      o, "access-list outside_access_in line 1 extended deny ip object-group ASHIATO-BLOCK any "
         "log\n"
         "access-list inside_access_in line 1 extended deny ip any object-group ASHIATO-BLOCK "
         "log\n"
         "! AnyConnect ends on the ASA itself: only a control-plane ACL stops a login.\n"
         "! (this replaces a control-plane ACL already bound to outside, if any)\n"
         "access-list ASHIATO-CP extended deny ip object-group ASHIATO-BLOCK any\n"
         "access-list ASHIATO-CP extended permit ip any any\n"
         "access-group ASHIATO-CP in interface outside control-plane\n"));
  return ASH_OK;
}

static int nft_set(ash_buf *o, const addr *a, size_t n, int v6) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += a[i].v6 == v6;
  ASH_TRY(ash_buf_printf(o, "  set block%d {\n    type %s\n", v6 ? 6 : 4,
                         v6 ? "ipv6_addr" : "ipv4_addr"));
  /* an empty elements list is a syntax error in nft */
  if (k) {
    ASH_TRY(ash_buf_adds(o, "    elements = {"));
    int first = 1;
    for (size_t i = 0; i < n; i++)
      if (a[i].v6 == v6) {
        ASH_TRY(ash_buf_printf(o, "%s %s", first ? "" : ",", a[i].ip));
        first = 0;
      }
    ASH_TRY(ash_buf_adds(o, " }\n"));
  }
  return ash_buf_adds(o, "  }\n");
}

static int iptables(const addr *a, size_t n, ash_buf *o) {
  ASH_TRY(ash_buf_adds(o, "# iptables/ip6tables, as root (keep with iptables-save):\n"));
  for (int v6 = 0; v6 < 2; v6++) {
    const char *cmd = v6 ? "ip6tables" : "iptables";
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += a[i].v6 == v6;
    if (!k) continue;
    ASH_TRY(ash_buf_printf(o, "%s -N ASHIATO-BLOCK\n", cmd));
    for (size_t i = 0; i < n; i++)
      if (a[i].v6 == v6)
        ASH_TRY(ash_buf_printf(o,
                               "%s -A ASHIATO-BLOCK -s %s -j DROP\n"
                               "%s -A ASHIATO-BLOCK -d %s -j DROP\n",
                               cmd, a[i].ip, cmd, a[i].ip));
    ASH_TRY(ash_buf_printf(o,
                           "%s -I INPUT 1 -j ASHIATO-BLOCK\n%s -I FORWARD 1 -j ASHIATO-BLOCK\n"
                           "%s -I OUTPUT 1 -j ASHIATO-BLOCK\n",
                           cmd, cmd, cmd));
  }
  ASH_TRY(ash_buf_adds(o, "# or the same as one nftables ruleset (nft -f FILE):\n"
                          "table inet ashiato {\n"));
  ASH_TRY(nft_set(o, a, n, 0));
  ASH_TRY(nft_set(o, a, n, 1));
  static const char *const hooks[3] = {"input", "forward", "output"};
  for (int h = 0; h < 3; h++) {
    ASH_TRY(ash_buf_printf(o,
                           "  chain %s {\n    type filter hook %s priority -10; policy accept;\n",
                           hooks[h], hooks[h]));
    if (h != 2) ASH_TRY(ash_buf_adds(o, "    ip saddr @block4 drop\n    ip6 saddr @block6 drop\n"));
    if (h != 0) ASH_TRY(ash_buf_adds(o, "    ip daddr @block4 drop\n    ip6 daddr @block6 drop\n"));
    ASH_TRY(ash_buf_adds(o, "  }\n"));
  }
  return ash_buf_adds(o, "}\n");
}

int ash_fw_config(ash_fw_vendor v, const ash_watchlist *w, ash_buf *out) {
  if (!w || !out || v == ASH_FW_AUTO) return ASH_EUSAGE;
  addr *a = calloc(MAX_ADDRS, sizeof *a);
  if (!a) return ASH_ENOMEM;
  size_t n = collect(w, a, MAX_ADDRS);
  int rc = ASH_OK;
  if (n) switch (v) {
    case ASH_FW_FORTIGATE: rc = fortigate(a, n, out); break;
    case ASH_FW_PANOS: rc = panos(a, n, out); break;
    case ASH_FW_ASA: rc = asa(a, n, out); break;
    default: rc = iptables(a, n, out); break;
    }
  free(a);
  return rc;
}

int ash_fw_user_config(ash_fw_vendor v, const ash_watchlist *w, ash_buf *fw, ash_buf *dir,
                       size_t *refused) {
  size_t bad = 0, nfw = 0;
  for (size_t i = 0; i < w->n; i++) {
    const ash_watch_item *it = &w->items[i];
    if (it->kind != ASH_WATCH_ACCOUNT) continue;
    if (!ash_fw_name_ok(it->value)) {
      bad++;
      continue;
    }
    if (v == ASH_FW_FORTIGATE) {
      if (!nfw++)
        ASH_TRY(ash_buf_adds(fw, "# FortiOS: a local VPN user (for an LDAP/RADIUS user, the\n"
                                 "# directory commands disable it at the source)\n"
                                 "config user local\n"));
      ASH_TRY(
          ash_buf_printf(fw, "    edit \"%s\"\n        set status disable\n    next\n", it->value));
    } else if (v == ASH_FW_ASA) {
      if (!nfw++) ASH_TRY(ash_buf_adds(fw, "! ASA: no new AnyConnect session for a local user\n"));
      ASH_TRY(
          ash_buf_printf(fw, "username %s attributes\n vpn-simultaneous-logins 0\n", it->value));
    }
    /* single quotes: PowerShell expands nothing inside them, and the name
     * holds none (ash_fw_name_ok) */
    ASH_TRY(ash_buf_printf(dir,
                           "Disable-ADAccount -Identity '%s'\n"
                           "Set-ADUser -Identity '%s' -Replace @{msNPAllowDialin=$false}\n",
                           it->value, it->value));
  }
  if (v == ASH_FW_FORTIGATE && nfw) ASH_TRY(ash_buf_adds(fw, "end\n"));
  if (refused) *refused = bad;
  return ASH_OK;
}
