/* ashiato: the published address ranges of cloud and hosting providers.
 *
 * Answers "which provider, region and service does this address belong
 * to" from a compact data file shipped with the project
 * (data/cloud-ranges.tsv), which `ashiato ranges import` rebuilds from the
 * providers' own publications (AWS ip-ranges.json, Azure ServiceTags JSON,
 * Google Cloud cloud.json, Oracle public_ip_ranges.json, RFC 8805 geofeeds
 * such as DigitalOcean's and Linode's).
 *
 * The data file, version 1 (UTF-8 text, one record a line):
 *   # comment                     (source files and their dates)
 *   =N<TAB>provider<TAB>region<TAB>service   class N (0, 1, 2, ... in order)
 *   prefix<TAB>N                  an IPv4 or IPv6 CIDR prefix of class N
 * Region or service may be empty. A lookup returns the most specific prefix
 * containing the address. */
#ifndef ASHIATO_RANGES_H
#define ASHIATO_RANGES_H

#include <stddef.h>
#include <stdint.h>

#include "ip.h"

typedef struct ash_ranges ash_ranges;

/* What the ranges say about one address. Strings are borrowed from the
 * ash_ranges and valid until it is freed; region and service may be "". */
typedef struct ash_cloud {
  const char *provider; /* "aws", "azure", "gcp", "oracle", "digitalocean", ... */
  const char *region;   /* "us-east-1", "eastus", "Amsterdam, NL", ... */
  const char *service;  /* "EC2", "S3", "AzureCloud", "Google Cloud", ... */
  unsigned prefix_len;  /* of the published prefix that holds the address (IPv4: 0-32) */
} ash_cloud;

/* Load a data file (format above). Caller frees with ash_ranges_close.
 * ASH_EIO when it cannot be read, ASH_EFORMAT (with the line number in
 * *bad_line when not NULL) when a line is malformed. The file is capped at
 * ASH_MAX_RANGES_BYTES and ASH_MAX_RANGES_PREFIXES prefixes. */
int ash_ranges_load(ash_ranges **out, const char *path, uint64_t *bad_line);
/* The same from memory. */
int ash_ranges_load_mem(ash_ranges **out, const char *buf, size_t n, uint64_t *bad_line);
/* NULL is a no-op. */
void ash_ranges_close(ash_ranges *r);
/* 1 and *out filled when a prefix contains ip, 0 otherwise (also for a NULL
 * r, so that hunts run without the data file). Thread-safe. */
int ash_ranges_lookup(const ash_ranges *r, const ash_ip *ip, ash_cloud *out);
/* Prefixes loaded. */
size_t ash_ranges_count(const ash_ranges *r);

/* Can anyone rent a machine at this address? 2: yes (EC2, a generic
 * compute range, a hosting company), 0: no, it is a provider-run endpoint
 * (S3, CloudFront, storage, monitoring or identity services), 1: the
 * ranges do not say (a catch-all or mixed listing). A relay an intruder
 * rents lives in the first kind. */
int ash_cloud_rentable(const ash_cloud *c);

/* Building a data file from the providers' publications. */
typedef struct ash_ranges_builder ash_ranges_builder;

int ash_ranges_builder_new(ash_ranges_builder **out);
void ash_ranges_builder_close(ash_ranges_builder *b);
/* Read one provider file. Its kind is recognised from the content (the
 * JSON layouts above); a geofeed (CSV "prefix,country,region,city,...")
 * names no provider, so provider (or, when NULL, the file name: a name
 * containing "digitalocean" gives "digitalocean") says whose it is. On
 * failure a reason is written to why[whylen]. The file is capped at
 * ASH_MAX_RANGES_INPUT bytes. *added counts the prefixes read. */
int ash_ranges_builder_add_file(ash_ranges_builder *b, const char *path, const char *provider,
                                uint64_t *added, char *why, size_t whylen);
/* Write the data file: duplicate prefixes are merged (the most specific
 * service wins: EC2 over the catch-all AMAZON, a regional Azure tag over a
 * global one), prefixes that say the same as the prefix containing them are
 * dropped, a region missing on a prefix is taken from the one containing
 * it. Written to path.tmp, then renamed. *written counts the prefixes. */
int ash_ranges_builder_write(ash_ranges_builder *b, const char *path, uint64_t *written);

#endif
