/* Scenario families (issue 11): the axes along which the intrusion of
 * scenario.md varies in real cases, and the benign look-alikes (decoys)
 * that a hunt tuned to one variant would mistake for it. A family is a
 * value on every axis; `--family` names some, the seed draws the rest, and
 * answer.json records all of them, so that a benchmark can score the
 * hunts per value.
 *
 * No family ("classic") keeps the case exactly as it was generated before
 * families existed: the plan's own random stream is untouched, and every
 * change a family makes is drawn from a stream of its own (stream 7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "gen_int.h"

static const char *const INTRUDER[] = {"everyday", "stranger"};
static const char *const DETUSER[] = {"victim", "system", "other"};
static const char *const VPN[] = {"fortigate", "panos", "asa", "zeek"};
const char *const G_CLOUDS[G_NCLOUD] = {"aws", "azure", "gcp", "oracle", "digitalocean", "linode"};
static const char *const LOOPBACK[] = {"127.0.0.1", "127/8", "::1", "self"};
static const char *const DECOYS[] = {"travel", "tools", "otheradmin", "vendor"};
/* Ports intruders give relays besides 443: alternative HTTPS ports that
 * outbound filters often leave open. */
static const uint16_t OTHER_PORTS[] = {8443, 4443, 10443, 9443, 2083, 8080};

#define NOF(a) (sizeof(a) / sizeof((a)[0]))

static int find(const char *const *v, size_t n, const char *s, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (strlen(v[i]) == len && !strncmp(v[i], s, len)) return (int)i;
  return -1;
}

static int bad(char *why, size_t whylen, const char *fmt, const char *s, size_t len) {
  if (why && whylen) snprintf(why, whylen, fmt, (int)len, s);
  return ASH_EUSAGE;
}

/* Decoys: "all", "none" or names joined by '+'. */
static int parse_decoys(const char *s, size_t len, unsigned *out) {
  if (len == 3 && !strncmp(s, "all", 3)) {
    *out = G_DECOY_ALL;
    return 0;
  }
  if (len == 4 && !strncmp(s, "none", 4)) {
    *out = 0;
    return 0;
  }
  unsigned m = 0;
  size_t i = 0;
  if (!len) return -1;
  while (i < len) {
    size_t j = i;
    while (j < len && s[j] != '+') j++;
    int k = find(DECOYS, NOF(DECOYS), s + i, j - i);
    if (k < 0) return -1;
    m |= 1u << k;
    i = j + 1;
  }
  *out = m;
  return 0;
}

static int set_axis(g_family *f, int axis, const char *v, size_t len) {
  int k = -1;
  switch (axis) {
  case GA_INTRUDER: k = find(INTRUDER, NOF(INTRUDER), v, len); break;
  case GA_DETUSER: k = find(DETUSER, NOF(DETUSER), v, len); break;
  case GA_VPN: k = find(VPN, NOF(VPN), v, len); break;
  case GA_CLOUD: k = find(G_CLOUDS, NOF(G_CLOUDS), v, len); break;
  case GA_LOOPBACK:
    k = find(LOOPBACK, NOF(LOOPBACK), v, len);
    if (k < 0 && len == 9 && !strncmp(v, "portproxy", 9)) k = GL_SELF;
    break;
  case GA_PORT:
    if (len == 5 && !strncmp(v, "other", 5)) {
      f->port = 0;
      k = 1;
    } else {
      unsigned long p = 0;
      size_t i = 0;
      for (; i < len && i < 6 && v[i] >= '0' && v[i] <= '9'; i++)
        p = p * 10 + (unsigned)(v[i] - '0');
      if (i != len || !len || p < 1 || p > 65535) return -1;
      f->port = (uint16_t)p;
      k = 1;
    }
    break;
  case GA_PAST: {
    unsigned long m = 0;
    size_t i = 0;
    for (; i < len && i < 3 && v[i] >= '0' && v[i] <= '9'; i++) m = m * 10 + (unsigned)(v[i] - '0');
    if (i != len || !len || m < 2 || m > 12) return -1;
    f->past_months = (int)m;
    k = 1;
    break;
  }
  case GA_DECOYS: {
    unsigned m;
    if (parse_decoys(v, len, &m)) return -1;
    f->decoys = m;
    k = 1;
    break;
  }
  default: return -1;
  }
  if (k < 0) return -1;
  if (axis == GA_INTRUDER) f->intruder = k;
  if (axis == GA_DETUSER) f->detuser = k;
  if (axis == GA_VPN) f->vpn = k;
  if (axis == GA_CLOUD) f->cloud = k;
  if (axis == GA_LOOPBACK) f->loopback = k;
  f->set |= 1u << axis;
  return 0;
}

static const char *const AXIS[GA_COUNT] = {"intruder", "detuser",  "vpn",  "cloud",
                                           "port",     "loopback", "past", "decoys"};

int g_family_parse(const char *spec, g_family *f, char *why, size_t whylen) {
  memset(f, 0, sizeof *f);
  if (!spec || !strcmp(spec, "classic")) return ASH_OK;
  f->on = 1;
  if (!*spec) return bad(why, whylen, "--family: empty%.*s", "", 0);
  const char *p = spec;
  while (*p) {
    size_t len = strcspn(p, ",");
    const char *eq = memchr(p, '=', len);
    if (len == 4 && !strncmp(p, "seed", 4)) {
      /* every axis from the seed: nothing to set */
    } else if (len == 7 && !strncmp(p, "classic", 7)) {
      return bad(why, whylen, "--family: '%.*s' cannot be combined with other axes", p, len);
    } else if (eq) {
      int a = find(AXIS, GA_COUNT, p, (size_t)(eq - p));
      if (a < 0) return bad(why, whylen, "--family: unknown axis in '%.*s'", p, len);
      if (f->set & (1u << a))
        return bad(why, whylen, "--family: axis given twice in '%.*s'", p, len);
      if (set_axis(f, a, eq + 1, len - (size_t)(eq - p) - 1))
        return bad(why, whylen, "--family: bad value in '%.*s'", p, len);
    } else {
      /* A bare value: the one axis that has it. */
      int hit = -1, nhit = 0;
      for (int a = 0; a < GA_COUNT; a++) {
        if (a == GA_PORT || a == GA_PAST || a == GA_DECOYS) continue;
        g_family t = *f;
        if (!set_axis(&t, a, p, len)) hit = a, nhit++;
      }
      if (nhit != 1)
        return bad(why, whylen, "--family: '%.*s' is no axis value (see gen --help)", p, len);
      if (f->set & (1u << hit))
        return bad(why, whylen, "--family: axis given twice in '%.*s'", p, len);
      set_axis(f, hit, p, len);
    }
    p += len;
    if (*p == ',') p++;
  }
  return ASH_OK;
}

int ash_gen_family_check(const char *spec, char *why, size_t whylen) {
  g_family f;
  return g_family_parse(spec, &f, why, whylen);
}

/* Longest past interval that fits: the past incident needs a few days of
 * ordinary life before it (the account's history) and the return phase
 * after it. */
static int past_fit(uint32_t days) {
  int m = (int)(((double)days - 12.0) / G_MONTH_DAYS);
  return m > 12 ? 12 : m;
}

int g_family_resolve(const ash_gen_opts *o, g_family *f, char *why, size_t whylen) {
  int rc = g_family_parse(o->family, f, why, whylen);
  if (rc) return rc;
  if (o->benign_only) f->on = 1;
  if (!f->on) return ASH_OK;
  if (o->firewall_set) {
    if ((f->set & (1u << GA_VPN)) && f->vpn != (int)o->firewall) {
      if (why && whylen) snprintf(why, whylen, "--firewall and --family vpn= disagree");
      return ASH_EUSAGE;
    }
    f->vpn = (int)o->firewall;
    f->set |= 1u << GA_VPN;
  }
  /* Every axis is drawn, set or not, so that naming one axis never
   * changes the values the seed gives the others. */
  g_rng r;
  g_rng_seed(&r, o->seed, 7);
  int intruder = (int)g_below(&r, 2), detuser = (int)g_below(&r, 3);
  int vpn = (int)g_below(&r, 4), cloud = (int)g_below(&r, G_NCLOUD);
  uint16_t port = g_chance(&r, 0.5) ? 443 : OTHER_PORTS[g_below(&r, NOF(OTHER_PORTS))];
  uint16_t other = OTHER_PORTS[g_below(&r, NOF(OTHER_PORTS))];
  int loop = (int)g_below(&r, 4);
  int fit = past_fit(o->days);
  int past = fit >= 2 ? (int)g_range(&r, 2, fit) : 2;
  unsigned decoys = 0;
  for (int k = 0; k < 4; k++)
    if (g_chance(&r, 0.75)) decoys |= 1u << k;
  f->loop127[0] = 0;
  snprintf(f->loop127, sizeof f->loop127, "127.%u.%u.%u", (unsigned)g_range(&r, 0, 3),
           (unsigned)g_range(&r, 0, 255), (unsigned)g_range(&r, 2, 254));
  if (!(f->set & (1u << GA_INTRUDER))) f->intruder = intruder;
  if (!(f->set & (1u << GA_DETUSER))) f->detuser = detuser;
  if (!(f->set & (1u << GA_VPN))) f->vpn = vpn;
  if (!(f->set & (1u << GA_CLOUD))) f->cloud = cloud;
  if (!(f->set & (1u << GA_PORT))) f->port = port;
  if (f->port == 0) f->port = other; /* port=other */
  if (!(f->set & (1u << GA_LOOPBACK))) f->loopback = loop;
  if (!(f->set & (1u << GA_PAST))) f->past_months = past;
  if (!(f->set & (1u << GA_DECOYS))) f->decoys = o->benign_only ? G_DECOY_ALL : decoys;
  if (!o->benign_only && f->past_months > fit) {
    if (why && whylen)
      snprintf(why, whylen,
               "--family: a past incident %d months before the ransomware needs --days of at "
               "least %d",
               f->past_months, (int)(f->past_months * G_MONTH_DAYS + 12.999));
    return ASH_EUSAGE;
  }
  return ASH_OK;
}

const char *g_family_value(const g_family *f, int axis, char *buf, size_t n) {
  switch (axis) {
  case GA_INTRUDER: return INTRUDER[f->intruder];
  case GA_DETUSER: return DETUSER[f->detuser];
  case GA_VPN: return VPN[f->vpn];
  case GA_CLOUD: return G_CLOUDS[f->cloud];
  case GA_PORT: snprintf(buf, n, "%u", (unsigned)f->port); return buf;
  case GA_LOOPBACK: return LOOPBACK[f->loopback];
  case GA_PAST: snprintf(buf, n, "%d", f->past_months); return buf;
  case GA_DECOYS: {
    buf[0] = 0;
    size_t k = 0;
    for (int i = 0; i < 4; i++)
      if (f->decoys & (1u << i))
        k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "%s%s", k ? "+" : "", DECOYS[i]);
    if (!buf[0]) snprintf(buf, n, "none");
    return buf;
  }
  default: return "";
  }
}

const char *g_family_axis(int axis) { return axis >= 0 && axis < GA_COUNT ? AXIS[axis] : ""; }
