#include "ashiato/ip.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int parse_v4(const char *p, size_t n, uint8_t out[4]) {
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part) {
      if (i >= n || p[i] != '.') return 0;
      i++;
    }
    unsigned v = 0, nd = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
      v = v * 10 + (unsigned)(p[i] - '0');
      if (++nd > 3 || v > 255) return 0;
      i++;
    }
    if (!nd) return 0;
    out[part] = (uint8_t)v;
  }
  return i == n;
}

int ash_ip_parse(ash_str s, ash_ip *out) {
  const char *p = s.p;
  size_t n = s.n;
  ash_ip ip;
  memset(&ip, 0, sizeof ip);
  if (n >= 7 && n <= 15 && parse_v4(p, n, ip.b + 12)) {
    memcpy(ip.b, v4mapped, 12);
    ip.fam = 4;
    *out = ip;
    return ASH_OK;
  }
  if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
    p++;
    n -= 2;
  }
  for (size_t i = 0; i < n; i++)
    if (p[i] == '%') {
      n = i; /* drop the zone ("fe80::1%10") */
      break;
    }
  if (n < 2 || n > 45 || !memchr(p, ':', n)) return ASH_EFORMAT;
  char tmp[46];
  memcpy(tmp, p, n);
  tmp[n] = 0;
  if (inet_pton(AF_INET6, tmp, ip.b) != 1) return ASH_EFORMAT;
  ip.fam = memcmp(ip.b, v4mapped, 12) == 0 ? 4 : 6;
  *out = ip;
  return ASH_OK;
}

void ash_ip_format(const ash_ip *ip, char out[ASH_IP_STRLEN]) {
  out[0] = 0;
  if (ip->fam == 4) {
    /* by hand: inet_ntop goes through stdio, and the store formats two
     * addresses per flow */
    char *o = out;
    for (int i = 0; i < 4; i++) {
      unsigned v = ip->b[12 + i];
      if (i) *o++ = '.';
      if (v >= 100) *o++ = (char)('0' + v / 100);
      if (v >= 10) *o++ = (char)('0' + v / 10 % 10);
      *o++ = (char)('0' + v % 10);
    }
    *o = 0;
  } else if (ip->fam == 6)
    inet_ntop(AF_INET6, ip->b, out, ASH_IP_STRLEN);
}

int ash_ip_eq(const ash_ip *a, const ash_ip *b) {
  return a->fam == b->fam && memcmp(a->b, b->b, 16) == 0;
}

int ash_ip_is_loopback(const ash_ip *ip) {
  static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (ip->fam == 4) return ip->b[12] == 127;
  if (ip->fam == 6) return memcmp(ip->b, lo6, 16) == 0;
  return 0;
}

int ash_ip_is_private(const ash_ip *ip) {
  if (ip->fam == 4) {
    const uint8_t *a = ip->b + 12;
    return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64) || (a[0] == 169 && a[1] == 254);
  }
  if (ip->fam == 6)
    return (ip->b[0] & 0xfe) == 0xfc || (ip->b[0] == 0xfe && (ip->b[1] & 0xc0) == 0x80);
  return 0;
}

#define V4NET(a, b_, c_, d, l)                                                                     \
  { {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b_, c_, d}, 96 + (l) }
const ash_ip_net ash_ip_private_nets[] = {
    V4NET(10, 0, 0, 0, 8),    V4NET(172, 16, 0, 0, 12),  V4NET(192, 168, 0, 0, 16),
    V4NET(100, 64, 0, 0, 10), V4NET(169, 254, 0, 0, 16), {{0xfc}, 7},
    {{0xfe, 0x80}, 10},
};
const size_t ash_ip_nprivate_nets = sizeof ash_ip_private_nets / sizeof *ash_ip_private_nets;
const ash_ip_net ash_ip_not_public_nets[] = {
    V4NET(127, 0, 0, 0, 8),
    V4NET(0, 0, 0, 0, 8),
    V4NET(224, 0, 0, 0, 3),
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},
    {{0}, 128},
    {{0xff}, 8},
};
const size_t ash_ip_nnot_public_nets =
    sizeof ash_ip_not_public_nets / sizeof *ash_ip_not_public_nets;
#undef V4NET

/* ---- CIDR sets: one sorted array of networks per prefix length; a lookup
 * tries the lengths present from longest to shortest (at most 129 binary
 * searches, in practice a few dozen), which gives the most specific match
 * even when prefixes overlap (AWS publishes AMAZON and EC2 for one range). */

typedef struct pfx {
  uint8_t net[16];
  uint32_t value;
} pfx;

typedef struct bylen {
  pfx *v;
  size_t n, cap;
} bylen;

struct ash_cidrset {
  bylen len[129];
  uint8_t present[129];
  int nlens;
  uint8_t order[129]; /* lengths present, longest first */
  size_t count;
  int built;
};

int ash_cidrset_new(ash_cidrset **out) {
  ash_cidrset *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  *out = s;
  return ASH_OK;
}

void ash_cidrset_close(ash_cidrset *s) {
  if (!s) return;
  for (int i = 0; i <= 128; i++) free(s->len[i].v);
  free(s);
}

static void mask(uint8_t *a, unsigned plen) {
  for (unsigned i = 0; i < 16; i++) {
    unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
    if (bits >= 8) continue;
    a[i] &= (uint8_t)(0xff00 >> bits);
  }
}

void ash_ip_mask(ash_ip *ip, unsigned plen) {
  if (ip->fam == 4) plen = (plen > 32 ? 32 : plen) + 96;
  mask(ip->b, plen > 128 ? 128 : plen);
}

void ash_ip_net_range(const uint8_t net[16], unsigned len, uint8_t lo[16], uint8_t hi[16]) {
  uint8_t m[16];
  memset(m, 0xff, sizeof m);
  mask(m, len > 128 ? 128 : len);
  for (int i = 0; i < 16; i++) {
    lo[i] = net[i] & m[i];
    hi[i] = (uint8_t)(lo[i] | (uint8_t)~m[i]);
  }
}

int ash_ip_net_is_v4(const uint8_t net[16], unsigned len) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return len >= 96 && !memcmp(net, mapped, 12);
}

int ash_ip_in_net(const ash_ip *ip, const ash_ip_net *n) {
  if (!ip->fam || (ip->fam == 4) != ash_ip_net_is_v4(n->b, n->len)) return 0;
  uint8_t lo[16], hi[16];
  ash_ip_net_range(n->b, n->len, lo, hi);
  return memcmp(ip->b, lo, 16) >= 0 && memcmp(ip->b, hi, 16) <= 0;
}

int ash_ip_is_public(const ash_ip *ip) {
  if (!ip->fam || ash_ip_is_private(ip)) return 0;
  for (size_t i = 0; i < ash_ip_nnot_public_nets; i++)
    if (ash_ip_in_net(ip, &ash_ip_not_public_nets[i])) return 0;
  return 1;
}

int ash_cidrset_add_ip(ash_cidrset *s, const ash_ip *net, unsigned plen, uint32_t value) {
  if (!net->fam) return ASH_EUSAGE;
  if (net->fam == 4) {
    if (plen > 32) return ASH_EFORMAT;
    plen += 96;
  } else if (plen > 128)
    return ASH_EFORMAT;
  bylen *b = &s->len[plen];
  pfx *v = ash_array_room(b->v, &b->cap, b->n, sizeof *v, 16);
  if (!v) return ASH_ENOMEM;
  b->v = v;
  pfx *e = &b->v[b->n++];
  memcpy(e->net, net->b, 16);
  mask(e->net, plen);
  e->value = value;
  s->present[plen] = 1;
  s->count++;
  s->built = 0;
  return ASH_OK;
}

int ash_cidrset_add(ash_cidrset *s, ash_str cidr, uint32_t value) {
  size_t slash = cidr.n;
  for (size_t i = 0; i < cidr.n; i++)
    if (cidr.p[i] == '/') {
      slash = i;
      break;
    }
  ash_ip ip;
  if (ash_ip_parse(ash_str_make(cidr.p, slash), &ip)) return ASH_EFORMAT;
  uint64_t plen = ip.fam == 4 ? 32 : 128;
  if (slash < cidr.n && ash_str_to_u64(ash_str_make(cidr.p + slash + 1, cidr.n - slash - 1), &plen))
    return ASH_EFORMAT;
  if (plen > 128) return ASH_EFORMAT;
  return ash_cidrset_add_ip(s, &ip, (unsigned)plen, value);
}

static int cmp_pfx(const void *a, const void *b) {
  return memcmp(((const pfx *)a)->net, ((const pfx *)b)->net, 16);
}

int ash_cidrset_build(ash_cidrset *s) {
  s->nlens = 0;
  for (int l = 128; l >= 0; l--) {
    if (!s->present[l]) continue;
    qsort(s->len[l].v, s->len[l].n, sizeof(pfx), cmp_pfx);
    s->order[s->nlens++] = (uint8_t)l;
  }
  s->built = 1;
  return ASH_OK;
}

int ash_cidrset_lookup(const ash_cidrset *s, const ash_ip *ip, uint32_t *value) {
  return ash_cidrset_lookup_len(s, ip, value, NULL);
}

int ash_cidrset_lookup_len(const ash_cidrset *s, const ash_ip *ip, uint32_t *value,
                           unsigned *prefix_len) {
  if (!s->built || !ip->fam) return 0;
  for (int k = 0; k < s->nlens; k++) {
    unsigned l = s->order[k];
    if (ip->fam == 4 && l < 96) continue; /* IPv4 only matches v4 prefixes */
    uint8_t key[16];
    memcpy(key, ip->b, 16);
    mask(key, l);
    const bylen *b = &s->len[l];
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      int c = memcmp(b->v[mid].net, key, 16);
      if (c == 0) {
        if (value) *value = b->v[mid].value;
        /* IPv4 prefixes are kept IPv4-mapped: a /16 is stored as /112 */
        if (prefix_len) *prefix_len = ip->fam == 4 ? l - 96 : l;
        return 1;
      }
      if (c < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  }
  return 0;
}

size_t ash_cidrset_count(const ash_cidrset *s) { return s->count; }

int ash_cidrset_each(const ash_cidrset *s,
                     int (*cb)(void *u, const uint8_t net[16], unsigned len, uint32_t value),
                     void *u) {
  for (unsigned l = 0; l <= 128; l++)
    for (size_t i = 0; i < s->len[l].n; i++) {
      int rc = cb(u, s->len[l].v[i].net, l, s->len[l].v[i].value);
      if (rc) return rc;
    }
  return 0;
}
