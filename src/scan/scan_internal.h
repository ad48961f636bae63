/* Internal to src/scan: what the profile, the rule writer and the scanner
 * share. Not public API. */
#ifndef ASH_SCAN_INTERNAL_H
#define ASH_SCAN_INTERNAL_H

#include "ashiato/ip.h"
#include "ashiato/scan.h"

typedef struct ash_scan_ent {
  ash_name pub;
  ash_ip net;      /* IP and RANGE: the address / network */
  unsigned prefix; /* RANGE: prefix length */
} ash_scan_ent;

/* The profile's entries (array of *n), owned by the profile. */
ash_scan_ent *ash_scan_profile_ents(ash_profile *p, size_t *n);
/* Compute every name's weight (after the last add). */
void ash_scan_profile_weigh(ash_profile *p);
/* Base weight of a kind; 1 when k is a bare name (not ip/range/url/share). */
int ash_scan_kind_base(ash_name_kind k);
int ash_scan_kind_is_name(ash_name_kind k);

/* The NetBIOS name used for DOMAIN\user strings: the profile's first, else
 * the case's most frequent; NULL when none. */
const ash_scan_ent *ash_scan_primary_netbios(ash_profile *p);

/* ---- one scanned file, between the scanner and the scorer ---- */

/* How a name was found (bits). */
enum {
  ASH_FORM_ASCII = 1,
  ASH_FORM_WIDE = 2, /* UTF-16LE */
  ASH_FORM_UNC = 4,  /* \\server\ */
  ASH_FORM_USER = 8, /* DOMAIN\user */
  ASH_FORM_DN = 16   /* DC=corp,DC=example,DC=local */
};

#define ASH_SCAN_SAMPLE 96

typedef struct ash_scan_hit {
  uint32_t ent;                 /* index into the profile */
  uint32_t forms;               /* ASH_FORM_* seen */
  uint64_t offset;              /* first match in the file */
  uint32_t len;                 /* its length in bytes */
  char sample[ASH_SCAN_SAMPLE]; /* text of the first match (UTF-16 narrowed) */
  size_t sample_n;
} ash_scan_hit;

typedef enum ash_ftype {
  ASH_FT_PE,
  ASH_FT_ELF,
  ASH_FT_MACHO,
  ASH_FT_SCRIPT,
  ASH_FT_DOCUMENT, /* office, PDF, text, config, markup */
  ASH_FT_BINARY,   /* anything else */
} ash_ftype;

#define ASH_SCAN_HEAD 4096
#define ASH_SCAN_MAX_RULE_HITS 32

typedef struct ash_scan_file {
  const char *name;      /* display path ("a.zip!dir/x.exe" for members) */
  const char *disk_path; /* the file on disk; NULL for members */
  uint64_t size;
  uint8_t head[ASH_SCAN_HEAD];
  size_t head_n;
  char sha256[65];
  ash_scan_hit *hits;
  size_t nhits, caphits;
  char *rules[ASH_SCAN_MAX_RULE_HITS]; /* responder rules: "namespace:rule" */
  size_t nrules;
  int pe_info; /* the pe module reported on this file */
  char imphash[33];
  int64_t pe_ts; /* ASH_TIME_UNSET when not a PE */
  int pe_sigs, pe_dll;
  int64_t mtime, btime; /* ASH_TIME_UNSET when unknown */
  int partial;          /* not every byte was scanned */
} ash_scan_file;

ash_ftype ash_scan_ftype(const ash_scan_file *f);
const char *ash_scan_ftype_str(ash_ftype t, const ash_scan_file *f);
/* Score f's matches into a finding of hunt "implant" (out uninitialised).
 * Returns ASH_ENOTFOUND when f matched nothing. */
int ash_scan_make_finding(const ash_scan_file *f, ash_profile *p, ash_finding *out);
/* Join findings with the case's file events, sort them best first and
 * store them in the case (join.c). */
int ash_scan_join_and_store(ash_store *s, ash_finding *fv, size_t fn);

#endif
