/* ashiato: IPv4/IPv6 addresses and CIDR sets.
 *
 * An address is 16 bytes in IPv6 form; IPv4 is held IPv4-mapped
 * (::ffff:a.b.c.d) with fam == 4, so one comparison works for both and
 * "::ffff:10.1.2.3" from a Windows log equals "10.1.2.3" from a firewall. */
#ifndef ASHIATO_IP_H
#define ASHIATO_IP_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

typedef struct ash_ip {
  uint8_t b[16];
  uint8_t fam; /* 0 = not set, 4, 6 */
} ash_ip;

#define ASH_IP_STRLEN 48

/* Parse an address. Accepts dotted IPv4, IPv6 text (with an optional
 * "%zone" suffix, dropped), bracketed "[v6]", and IPv4-mapped IPv6, which
 * is normalised to fam 4. Returns ASH_EFORMAT on anything else.
 * This is the one parser (the flows' hot path included): dotted IPv4 is
 * read first, without copies. Each part is 1-3 decimal digits up to 255,
 * and a leading zero is read as decimal ("010.001.002.003" is 10.1.2.3),
 * never as octal as inet_aton would: devices that pad write fixed-width
 * decimal, and no log format we read writes octal, so the octal reading
 * could only turn a padded address into another host. */
int ash_ip_parse(ash_str s, ash_ip *out);
/* Text form (inet_ntop style) into out[ASH_IP_STRLEN]; "" when unset. */
void ash_ip_format(const ash_ip *ip, char out[ASH_IP_STRLEN]);
static inline int ash_ip_isset(const ash_ip *ip) { return ip->fam != 0; }
int ash_ip_eq(const ash_ip *a, const ash_ip *b);
/* True for 127.0.0.0/8 and ::1. */
int ash_ip_is_loopback(const ash_ip *ip);
/* True for RFC 1918, RFC 6598 (100.64/10), link-local, ULA fc00::/7. */
int ash_ip_is_private(const ash_ip *ip);
/* Keep the first plen bits of the address (IPv4: 0-32), zero the rest:
 * the network of a prefix. */
void ash_ip_mask(ash_ip *ip, unsigned plen);

/* A network: its 16 bytes (an IPv4 one IPv4-mapped) and its length over
 * the 128 bits (an IPv4 /n is 96 + n). */
typedef struct ash_ip_net {
  uint8_t b[16];
  unsigned len;
} ash_ip_net;
/* The first and the last address of net/len. */
void ash_ip_net_range(const uint8_t net[16], unsigned len, uint8_t lo[16], uint8_t hi[16]);
/* Whether net/len is an IPv4 network (96 bits or more, in ::ffff:0:0/96). */
int ash_ip_net_is_v4(const uint8_t net[16], unsigned len);
/* Whether ip is in n, of its own family (an IPv4 address only in IPv4
 * networks, an IPv6 one only in the others). */
int ash_ip_in_net(const ash_ip *ip, const ash_ip_net *n);
/* The networks ash_ip_is_private tests, as a table (the ClickHouse store
 * writes the same test as SQL); test_core checks they agree. */
extern const ash_ip_net ash_ip_private_nets[];
extern const size_t ash_ip_nprivate_nets;
/* Besides those, the addresses no flow goes out to: loopback,
 * 0.0.0.0/8, 224.0.0.0/3 (multicast and reserved), ::1, ::, ff00::/8. */
extern const ash_ip_net ash_ip_not_public_nets[];
extern const size_t ash_ip_nnot_public_nets;
/* A public unicast address: set, not private, in none of
 * ash_ip_not_public_nets. */
int ash_ip_is_public(const ash_ip *ip);

/* A set of CIDR prefixes, each carrying a caller value; lookups return the
 * most specific prefix containing the address. Build with add, then
 * ash_cidrset_build once, then look up (read-only, thread-safe). */
typedef struct ash_cidrset ash_cidrset;
int ash_cidrset_new(ash_cidrset **out);
void ash_cidrset_close(ash_cidrset *s);
/* Add "a.b.c.d/n" or "v6/n" (a bare address is a /32 or /128). */
int ash_cidrset_add(ash_cidrset *s, ash_str cidr, uint32_t value);
int ash_cidrset_add_ip(ash_cidrset *s, const ash_ip *net, unsigned prefix_len, uint32_t value);
int ash_cidrset_build(ash_cidrset *s);
/* 1 and *value set when found, 0 when no prefix contains ip. */
int ash_cidrset_lookup(const ash_cidrset *s, const ash_ip *ip, uint32_t *value);
/* The same, with the length of the prefix that matched (IPv4: 0-32). */
int ash_cidrset_lookup_len(const ash_cidrset *s, const ash_ip *ip, uint32_t *value,
                           unsigned *prefix_len);
size_t ash_cidrset_count(const ash_cidrset *s);
/* Each prefix once, in no set order: its network as 16 bytes (IPv4
 * IPv4-mapped), its length in those 128 bits (an IPv4 /n is 96 + n) and
 * its value. A non-zero return from cb stops the walk and is returned. */
int ash_cidrset_each(const ash_cidrset *s,
                     int (*cb)(void *u, const uint8_t net[16], unsigned len, uint32_t value),
                     void *u);

#endif
