/* From the environment profile to YARA source. Every name comes from a file
 * or a log someone else wrote: it only ever reaches the rules through
 * ash_yara_escape (text strings) or as hex bytes, and the comments carry
 * nothing but our own words and numbers. */
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/scan.h"
#include "scan_internal.h"

int ash_yara_escape(const char *s, size_t n, ash_buf *out) {
  static const char hex[] = "0123456789abcdef";
  int rc = ASH_OK;
  for (size_t i = 0; !rc && i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      rc = ash_buf_add(out, e, 2);
    } else if (c >= 0x20 && c < 0x7f) {
      rc = ash_buf_addc(out, (char)c);
    } else {
      char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
      rc = ash_buf_add(out, e, 4);
    }
  }
  return rc;
}

static int is_ascii(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) return 0;
  return 1;
}

/* UTF-8 to UTF-16LE as a YARA hex string body ("41 00 42 00"). Invalid
 * UTF-8 bytes are taken as Latin-1, so that every name gives some string. */
static int hex_utf16(const char *s, size_t n, ash_buf *out) {
  const unsigned char *p = (const unsigned char *)s;
  int rc = ASH_OK;
  for (size_t i = 0; !rc && i < n;) {
    uint32_t cp = p[i];
    size_t len = 1;
    if (cp >= 0xC2 && cp <= 0xDF && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
      cp = ((cp & 0x1F) << 6) | (p[i + 1] & 0x3F);
      len = 2;
    } else if (cp >= 0xE0 && cp <= 0xEF && i + 2 < n && (p[i + 1] & 0xC0) == 0x80 &&
               (p[i + 2] & 0xC0) == 0x80) {
      cp = ((cp & 0x0F) << 12) | ((uint32_t)(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
      len = 3;
    } else if (cp >= 0xF0 && cp <= 0xF4 && i + 3 < n && (p[i + 1] & 0xC0) == 0x80 &&
               (p[i + 2] & 0xC0) == 0x80 && (p[i + 3] & 0xC0) == 0x80) {
      cp = ((cp & 0x07) << 18) | ((uint32_t)(p[i + 1] & 0x3F) << 12) |
           ((uint32_t)(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
      len = 4;
    }
    i += len;
    uint16_t u[2];
    int nu = 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      u[0] = (uint16_t)(0xD800 | (cp >> 10));
      u[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
      nu = 2;
    } else {
      u[0] = (uint16_t)cp;
    }
    for (int k = 0; !rc && k < nu; k++)
      rc = ash_buf_printf(out, "%s%02x %02x", out->n && out->p[out->n - 1] != ' ' ? " " : "",
                          u[k] & 0xFF, u[k] >> 8);
  }
  return rc;
}

const ash_scan_ent *ash_scan_primary_netbios(ash_profile *p) {
  size_t n;
  const ash_scan_ent *v = ash_scan_profile_ents(p, &n), *best = NULL;
  for (size_t i = 0; i < n; i++) {
    if (v[i].pub.kind != ASH_NAME_NETBIOS || !is_ascii(v[i].pub.name, v[i].pub.len)) continue;
    if (v[i].pub.from & ASH_NAME_FROM_PROFILE) return &v[i];
    if (!best || v[i].pub.count > best->pub.count) best = &v[i];
  }
  return best;
}

/* One text string: $n<i><suffix> = "<escaped>" <mods>, then our comment. */
static int text_string(ash_buf *o, size_t i, const char *suffix, const char *s, size_t n,
                       const char *mods, const ash_name *nm) {
  int rc = ash_buf_printf(o, "    $n%zu%s = \"", i, suffix);
  if (!rc) rc = ash_yara_escape(s, n, o);
  if (!rc)
    rc = ash_buf_printf(o, "\" %s  // %s w%d", mods, ash_name_kind_str(nm->kind), nm->weight);
  if (!rc && nm->count)
    rc = ash_buf_printf(o, ", seen %llu time%s in the case", (unsigned long long)nm->count,
                        nm->count == 1 ? "" : "s");
  if (!rc) rc = ash_buf_addc(o, '\n');
  return rc;
}

static int hex_string(ash_buf *o, size_t i, const char *suffix, const char *s, size_t n) {
  int rc = ash_buf_printf(o, "    $n%zu%s = { ", i, suffix);
  if (!rc) rc = hex_utf16(s, n, o);
  if (!rc) rc = ash_buf_adds(o, " }  // UTF-16LE\n");
  return rc;
}

/* A /16../31 IPv4 range as a regex: fixed octets literal, the partly fixed
 * octet as an alternation (longest numbers first, so that "fullword" sees
 * the whole number), the rest as any octet. Built from numbers only. */
static int range_regex(ash_buf *o, const ash_scan_ent *e) {
  const uint8_t *b = e->net.b + 12;
  unsigned full = e->prefix / 8, rem = e->prefix % 8;
  int rc = ASH_OK;
  for (unsigned k = 0; !rc && k < 4; k++) {
    if (k) rc = ash_buf_adds(o, "\\.");
    if (rc) break;
    if (k < full) {
      rc = ash_buf_printf(o, "%u", b[k]);
    } else if (k == full && rem) {
      unsigned lo = b[k], cnt = 1u << (8 - rem);
      rc = ash_buf_addc(o, '(');
      int first = 1;
      for (int digits = 3; !rc && digits >= 1; digits--)
        for (unsigned v = lo; !rc && v < lo + cnt; v++) {
          int d = v >= 100 ? 3 : v >= 10 ? 2 : 1;
          if (d != digits) continue;
          rc = ash_buf_printf(o, "%s%u", first ? "" : "|", v);
          first = 0;
        }
      if (!rc) rc = ash_buf_addc(o, ')');
    } else {
      rc = ash_buf_adds(o, "[0-9]{1,3}");
    }
  }
  return rc;
}

static int ent_strings(ash_buf *o, size_t i, const ash_scan_ent *e, const ash_scan_ent *nb) {
  const ash_name *nm = &e->pub;
  int ascii = is_ascii(nm->name, nm->len);
  int rc = ASH_OK;
  switch (nm->kind) {
  case ASH_NAME_IP: return text_string(o, i, "", nm->name, nm->len, "ascii wide fullword", nm);
  case ASH_NAME_RANGE:
    rc = ash_buf_printf(o, "    $n%zu = /", i);
    if (!rc) rc = range_regex(o, e);
    if (!rc)
      rc = ash_buf_printf(o, "/ ascii wide fullword  // range %s w%d\n", nm->name, nm->weight);
    return rc;
  case ASH_NAME_URL:
  case ASH_NAME_SHARE:
    if (ascii) return text_string(o, i, "", nm->name, nm->len, "ascii wide nocase", nm);
    rc = text_string(o, i, "", nm->name, nm->len, "ascii nocase", nm);
    return rc ? rc : hex_string(o, i, "_w", nm->name, nm->len);
  default: break;
  }
  if (ascii) {
    rc = text_string(o, i, "", nm->name, nm->len, "ascii wide nocase fullword", nm);
  } else {
    rc = text_string(o, i, "", nm->name, nm->len, "ascii nocase fullword", nm);
    if (!rc) rc = hex_string(o, i, "_w", nm->name, nm->len);
    return rc;
  }
  char tmp[2 * ASH_MAX_SCAN_NAME + 8];
  if (!rc && (nm->kind == ASH_NAME_DC || nm->kind == ASH_NAME_SERVER)) {
    int k = snprintf(tmp, sizeof tmp, "\\\\%.*s\\", (int)nm->len, nm->name);
    rc = text_string(o, i, "_unc", tmp, (size_t)k, "ascii wide nocase", nm);
  }
  if (!rc && nb && (nm->kind == ASH_NAME_ADMIN || nm->kind == ASH_NAME_SERVICE)) {
    int k = snprintf(tmp, sizeof tmp, "%.*s\\%.*s", (int)nb->pub.len, nb->pub.name, (int)nm->len,
                     nm->name);
    rc = text_string(o, i, "_u", tmp, (size_t)k, "ascii wide nocase", nm);
  }
  if (!rc && nm->kind == ASH_NAME_DOMAIN && memchr(nm->name, '.', nm->len)) {
    /* the LDAP form malware uses to query the directory */
    size_t k = 0;
    const char *s = nm->name, *end = s + nm->len;
    while (s < end) {
      const char *dot = memchr(s, '.', (size_t)(end - s));
      size_t l = dot ? (size_t)(dot - s) : (size_t)(end - s);
      if (k + l + 5 >= sizeof tmp) break;
      memcpy(tmp + k, k ? ",DC=" : "DC=", k ? 4 : 3);
      k += k ? 4 : 3;
      memcpy(tmp + k, s, l);
      k += l;
      s += l + (dot ? 1 : 0);
      if (!dot) break;
    }
    rc = text_string(o, i, "_dn", tmp, k, "ascii wide nocase", nm);
  }
  return rc;
}

static const struct {
  const char *rule, *what;
  ash_name_kind kinds[3];
  int nk;
} RULES[] = {
    {"ashiato_env_domain", "the AD domain", {ASH_NAME_DOMAIN, ASH_NAME_NETBIOS}, 2},
    {"ashiato_env_hosts",
     "domain controllers, servers and hosts",
     {ASH_NAME_DC, ASH_NAME_SERVER, ASH_NAME_HOST},
     3},
    {"ashiato_env_accounts",
     "admin, service and user accounts",
     {ASH_NAME_ADMIN, ASH_NAME_SERVICE, ASH_NAME_ACCOUNT},
     3},
    {"ashiato_env_addresses", "internal addresses and ranges", {ASH_NAME_IP, ASH_NAME_RANGE}, 2},
    {"ashiato_env_locations", "internal URLs and shares", {ASH_NAME_URL, ASH_NAME_SHARE}, 2},
};

/* YARA refuses more than 10000 strings in one rule by default
 * (YR_CONFIG_MAX_STRINGS_PER_RULE); a big case has more names than that,
 * so a group is cut into several rules of at most this many strings. */
#define STRINGS_PER_RULE 5000

/* Upper bound of the strings ent_strings writes for e. */
static int ent_nstrings(const ash_scan_ent *e) { return e->pub.kind == ASH_NAME_RANGE ? 1 : 3; }

static int open_rule(ash_buf *o, const char *name, int part, const char *what) {
  int rc = part ? ash_buf_printf(o, "\nrule %s_%d : ashiato_env\n", name, part + 1)
                : ash_buf_printf(o, "\nrule %s : ashiato_env\n", name);
  if (!rc)
    rc = ash_buf_printf(o,
                        "{\n  meta:\n    generator = \"ashiato\"\n    hunt = \"implant\"\n"
                        "    description = \"%s\"\n  strings:\n",
                        what);
  return rc;
}

static int close_rule(ash_buf *o) { return ash_buf_adds(o, "  condition:\n    any of them\n}\n"); }

int ash_profile_rules(ash_profile *p, ash_buf *o) {
  ash_scan_profile_weigh(p);
  size_t n;
  const ash_scan_ent *v = ash_scan_profile_ents(p, &n);
  const ash_scan_ent *nb = ash_scan_primary_netbios(p);
  size_t from_profile = 0, from_case = 0, searched = 0;
  for (size_t i = 0; i < n; i++) {
    from_profile += !!(v[i].pub.from & ASH_NAME_FROM_PROFILE);
    from_case += !!(v[i].pub.from & ASH_NAME_FROM_CASE);
    searched += !!v[i].pub.searched;
  }
  int rc = ash_buf_printf(
      o,
      "/*\n * ashiato environment rules (ashiato scan --emit-rules): the victim's own\n"
      " * names, to find malware built for this environment (hunt \"implant\").\n"
      " * %zu names searched: %zu from the profile, %zu from the case.\n"
      " * ASCII and UTF-16LE (wide), case-insensitive, whole words; servers also\n"
      " * as \\\\server\\ (UNC), privileged accounts as DOMAIN\\user, the domain as\n"
      " * an LDAP DN. \"wN\" after a string is the weight ashiato gives a match.\n",
      searched, from_profile, from_case);
  for (size_t i = 0; !rc && i < n; i++)
    if (!v[i].pub.searched)
      rc = ash_buf_printf(o, " * Not searched (too wide to be a pattern): range %s\n",
                          v[i].pub.name);
  if (!rc) rc = ash_buf_adds(o, " */\n");
  for (size_t r = 0; !rc && r < sizeof RULES / sizeof RULES[0]; r++) {
    int part = 0, in_rule = 0, nstr = 0;
    for (size_t i = 0; !rc && i < n; i++) {
      int want = 0;
      for (int k = 0; k < RULES[r].nk; k++)
        want |= v[i].pub.searched && v[i].pub.kind == RULES[r].kinds[k];
      if (!want) continue;
      if (in_rule && nstr + ent_nstrings(&v[i]) > STRINGS_PER_RULE) {
        rc = close_rule(o);
        in_rule = 0;
        part++;
      }
      if (!rc && !in_rule) {
        rc = open_rule(o, RULES[r].rule, part, RULES[r].what);
        in_rule = 1;
        nstr = 0;
      }
      if (!rc) rc = ent_strings(o, i, &v[i], nb);
      nstr += ent_nstrings(&v[i]);
    }
    if (!rc && in_rule) rc = close_rule(o);
  }
  return rc;
}
