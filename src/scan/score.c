/* From one scanned file's matches to a finding of hunt "implant".
 *
 * The question the score answers: was this file built for this victim?
 * Software made elsewhere has no reason to carry the victim's domain,
 * controllers and admin accounts; custom malware configured for the
 * environment does, often several of them at once. Documents and configs
 * name the environment all the time and are not code, so they stay low.
 * The rules, in numbers (docs/scan.md):
 *   S = sum of the matched names' weights (+5 for each extra form that is
 *       specific: DOMAIN\user, \\server\, LDAP DN)
 *   executable (PE, ELF, Mach-O, script): S x 1.0 / 1.3 / 1.6 for 1 / 2 /
 *       3+ distinct names, +15 when an admin account, an address, a URL
 *       or a share is among them; a script x 0.8, at most 89 (high)
 *   the host the file was collected from (named by its path) adds 0.3 of
 *       its weight and is not a distinct name; a service account is not a
 *       distinct name either
 *   other binary data: the same x 0.7, at most 70
 *   document / text / config: S x 0.5, at most 45
 *   a responder rule (--rules) that matches: at least 70, +5 per extra rule
 * Severity follows the score (finding.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "ashiato/time.h"
#include "hunt/hunt_internal.h"
#include "scan_internal.h"

static int ends_with(const char *s, const char *ext) {
  size_t n = strlen(s), e = strlen(ext);
  return n >= e && !strcasecmp(s + n - e, ext);
}

static int ext_in(const char *name, const char *const *list) {
  for (size_t i = 0; list[i]; i++)
    if (ends_with(name, list[i])) return 1;
  return 0;
}

static const char *const SCRIPT_EXT[] = {
    ".ps1", ".psm1", ".psd1", ".vbs", ".vbe", ".js",  ".jse", ".wsf", ".wsh",  ".hta", ".bat",
    ".cmd", ".py",   ".sh",   ".pl",  ".rb",  ".php", ".jsp", ".asp", ".aspx", ".lua", NULL};
static const char *const DOC_EXT[] = {
    ".doc", ".docx",   ".docm", ".xls", ".xlsx", ".xlsm", ".ppt",  ".pptx", ".pdf",
    ".rtf", ".txt",    ".md",   ".csv", ".xml",  ".json", ".ini",  ".inf",  ".conf",
    ".cfg", ".config", ".yaml", ".yml", ".log",  ".htm",  ".html", ".eml",  ".msg",
    ".odt", ".ods",    ".rels", ".reg", ".evtx", NULL};

static int is_texty(const uint8_t *p, size_t n) {
  if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) return 1; /* UTF-16LE BOM */
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == 0) return 0;
    if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' && p[i] != '\f') bad++;
  }
  return bad * 100 <= n;
}

/* PE signature position when head is an MZ file with a PE header in it. */
static size_t pe_offset(const ash_scan_file *f) {
  if (f->head_n < 0x40 || f->head[0] != 'M' || f->head[1] != 'Z') return 0;
  uint32_t lfanew = ash_le32(f->head + 0x3c);
  if (!ASH_FITS(lfanew, 26, f->head_n) || memcmp(f->head + lfanew, "PE\0\0", 4)) return 0;
  return lfanew;
}

ash_ftype ash_scan_ftype(const ash_scan_file *f) {
  const uint8_t *h = f->head;
  size_t n = f->head_n;
  if (n >= 2 && h[0] == 'M' && h[1] == 'Z') return ASH_FT_PE;
  if (n >= 4 && !memcmp(h,
                        "\x7f"
                        "ELF",
                        4))
    return ASH_FT_ELF;
  if (n >= 4) {
    uint32_t m = ash_le32(h);
    if (m == 0xfeedfaceu || m == 0xfeedfacfu || m == 0xcefaedfeu || m == 0xcffaedfeu ||
        m == 0xbebafecau)
      return ASH_FT_MACHO;
  }
  if (n >= 2 && h[0] == '#' && h[1] == '!') return ASH_FT_SCRIPT;
  if (ext_in(f->name, SCRIPT_EXT) && is_texty(h, n)) return ASH_FT_SCRIPT;
  if ((n >= 4 &&
       (!memcmp(h, "%PDF", 4) || !memcmp(h, "\xd0\xcf\x11\xe0", 4) || !memcmp(h, "{\\rt", 4))) ||
      ext_in(f->name, DOC_EXT) || is_texty(h, n))
    return ASH_FT_DOCUMENT;
  return ASH_FT_BINARY;
}

const char *ash_scan_ftype_str(ash_ftype t, const ash_scan_file *f) {
  switch (t) {
  case ASH_FT_PE: {
    size_t pe = pe_offset(f);
    if (!pe) return "MS-DOS executable";
    int dll = (ash_le16(f->head + pe + 22) & 0x2000) != 0;
    int plus = ASH_FITS(pe + 24, 2, f->head_n) && ash_le16(f->head + pe + 24) == 0x20b;
    return dll ? (plus ? "PE32+ DLL" : "PE32 DLL")
               : (plus ? "PE32+ executable" : "PE32 executable");
  }
  case ASH_FT_ELF: return "ELF executable";
  case ASH_FT_MACHO: return "Mach-O executable";
  case ASH_FT_SCRIPT: return "script";
  case ASH_FT_DOCUMENT: return "document";
  default: return "binary data";
  }
}

/* Names are somebody else's text: in prose they are shown with control
 * bytes (and, when the name is not UTF-8, every high byte) as \xHH, so
 * that a name cannot rewrite a terminal or a report. */
static int add_shown(ash_buf *o, const char *s, size_t n) {
  int utf8 = ash_utf8_valid((const uint8_t *)s, n);
  int rc = ASH_OK;
  for (size_t i = 0; !rc && i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
      rc = ash_buf_printf(o, "\\x%02x", c);
    else
      rc = ash_buf_addc(o, (char)c);
  }
  return rc;
}

/* The kind of a name in prose, as a term of the hunts' catalogue
 * (src/hunt/reasons.c). */
static const char *prose_kind(ash_name_kind k) {
  static const char *const P[ASH_NAME_NKINDS] = {
      "name.domain",  "name.netbios",       "name.dc",      "name.server",
      "name.host",    "name.admin",         "name.service", "name.account",
      "name.address", "name.range_address", "name.url",     "name.share"};
  return (unsigned)k < ASH_NAME_NKINDS ? P[k] : "name.other";
}

/* The forms a name was found in, each a term (as forms_text says them). */
static const char *const FORM_TERMS[] = {"form.ascii", "form.wide", "form.user", "form.unc",
                                         "form.dn"};
static const uint32_t FORM_BITS[] = {ASH_FORM_ASCII, ASH_FORM_WIDE, ASH_FORM_USER, ASH_FORM_UNC,
                                     ASH_FORM_DN};

static int forms_text(ash_buf *o, uint32_t forms) {
  static const struct {
    uint32_t bit;
    const char *txt;
  } F[] = {{ASH_FORM_ASCII, "ASCII"},
           {ASH_FORM_WIDE, "UTF-16LE"},
           {ASH_FORM_USER, "as DOMAIN\\user"},
           {ASH_FORM_UNC, "as \\\\server\\"},
           {ASH_FORM_DN, "as LDAP DN"}};
  int rc = ASH_OK, first = 1;
  for (size_t i = 0; !rc && i < sizeof F / sizeof F[0]; i++)
    if (forms & F[i].bit) {
      rc = ash_buf_printf(o, "%s%s", first ? "" : ", ", F[i].txt);
      first = 0;
    }
  return rc;
}

/* Names that make a binary suspect on their own: a privileged account
 * (people's admin accounts have no business inside a program; service
 * accounts do, programs are configured with them), an internal address, an
 * internal URL or share. */
static int is_strong(ash_name_kind k) {
  return k == ASH_NAME_ADMIN || k == ASH_NAME_IP || k == ASH_NAME_RANGE || k == ASH_NAME_URL ||
         k == ASH_NAME_SHARE;
}

/* True when nm is a host named by a component of the file's path: a
 * triage collection keeps each machine's files under its name
 * ("fs01/C/Program Files/..."), and a host folder may be an FQDN. */
static int own_host(const char *path, const ash_name *nm) {
  if (nm->kind != ASH_NAME_DC && nm->kind != ASH_NAME_SERVER && nm->kind != ASH_NAME_HOST) return 0;
  const char *p = path;
  while (*p) {
    size_t n = strcspn(p, "/\\!");
    size_t label = strcspn(p, "/\\!.");
    if ((n == nm->len || label == nm->len) && !strncasecmp(p, nm->name, nm->len)) return 1;
    p += n;
    if (*p) p++;
  }
  return 0;
}

static const char *base_name(const char *p) {
  const char *b = p;
  for (const char *s = p; *s; s++)
    if (*s == '/' || *s == '\\' || *s == '!') b = s + 1;
  return *b ? b : p;
}

static int cmp_hits(const void *a, const void *b, void *ents) {
  const ash_scan_hit *x = a, *y = b;
  const ash_scan_ent *e = ents;
  int wx = e[x->ent].pub.weight, wy = e[y->ent].pub.weight;
  if (wx != wy) return wx > wy ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* qsort_r is glibc's; a small insertion sort keeps this portable and the
 * hit lists are short. */
static void sort_hits(ash_scan_hit *h, size_t n, const ash_scan_ent *ents) {
  for (size_t i = 1; i < n; i++) {
    ash_scan_hit t = h[i];
    size_t j = i;
    while (j > 0 && cmp_hits(&t, &h[j - 1], (void *)ents) < 0) {
      h[j] = h[j - 1];
      j--;
    }
    h[j] = t;
  }
}

/* "one of the environment's own names" / "5 of ..." into b. */

/* Whole-word matching sees "CORP" inside "CORP.EXAMPLE.LOCAL" and inside
 * "CORP\\adm.tanaka", a server inside its share, the domain inside an
 * internal URL, an address of the profile and its range at the same
 * place: one string in the file would count as two names. A hit whose
 * first match lies inside another hit's first match is dropped (the
 * smaller weight goes when both spans are equal). With fast-mode scanning
 * only the first match of each string is known, so a separate occurrence
 * elsewhere cannot be told apart; counting it once is the cautious
 * choice. Returns the new count; the dropped hits are moved past it. */
static size_t absorb(ash_scan_hit *h, size_t n, const ash_scan_ent *ents) {
  size_t keep = n;
  for (size_t i = 0; i < keep;) {
    int drop = 0;
    for (size_t j = 0; !drop && j < keep; j++) {
      if (j == i) continue;
      uint64_t a0 = h[i].offset, a1 = a0 + h[i].len, b0 = h[j].offset, b1 = b0 + h[j].len;
      if (a0 < b0 || a1 > b1) continue;
      if (a0 == b0 && a1 == b1) {
        int wi = ents[h[i].ent].pub.weight, wj = ents[h[j].ent].pub.weight;
        drop = wi < wj || (wi == wj && h[i].ent > h[j].ent);
      } else {
        drop = 1;
      }
    }
    if (drop) {
      ash_scan_hit t = h[i];
      h[i] = h[keep - 1];
      h[keep - 1] = t;
      keep--;
    } else {
      i++;
    }
  }
  return keep;
}

int ash_scan_make_finding(const ash_scan_file *f, ash_profile *p, ash_finding *out) {
  if (!f->nhits && !f->nrules) return ASH_ENOTFOUND;
  size_t nents;
  const ash_scan_ent *ents = ash_scan_profile_ents(p, &nents);
  ash_scan_hit *hits = f->hits;
  size_t nhits = absorb(hits, f->nhits, ents);
  sort_hits(hits, nhits, ents);

  /* ---- the score ---- */
  double S = 0;
  int strong = 0;
  size_t distinct = 0;
  for (size_t i = 0; i < nhits; i++) {
    const ash_name *nm = &ents[hits[i].ent].pub;
    double w = nm->weight;
    for (uint32_t b = ASH_FORM_UNC; b <= ASH_FORM_DN; b <<= 1) w += (hits[i].forms & b) ? 5 : 0;
    if (own_host(f->name, nm)) {
      /* software configured for the machine it runs on names that
       * machine: weak evidence, and not one more name of the environment */
      S += w * 0.3;
      continue;
    }
    S += w;
    /* a service account is what programs are configured with: weight,
     * but not one more name that says "built for this environment" */
    if (nm->kind != ASH_NAME_SERVICE) distinct++;
    strong |= is_strong(nm->kind);
  }
  ash_ftype t = ash_scan_ftype(f);
  int exec = t == ASH_FT_PE || t == ASH_FT_ELF || t == ASH_FT_MACHO || t == ASH_FT_SCRIPT;
  double mult = distinct >= 3 ? 1.6 : distinct == 2 ? 1.3 : 1.0;
  double score;
  if (exec) {
    score = S * mult + (strong ? 15 : 0);
    /* the victim's own admins write scripts full of its names (logon
     * scripts in SYSVOL): a script is suspect, never critical on names
     * alone */
    if (t == ASH_FT_SCRIPT) {
      score *= 0.8;
      if (score > 89) score = 89;
    }
  } else if (t == ASH_FT_BINARY) {
    score = (S * mult + (strong ? 15 : 0)) * 0.7;
    if (score > 70) score = 70;
  } else {
    score = S * 0.5;
    if (score > 45) score = 45;
  }
  if (f->nrules) {
    double r = 70 + 5.0 * (double)(f->nrules - 1);
    if (score < r) score = r;
  }
  if (score < 1) score = 1;

  int rc = ash_finding_init(out, "implant");
  if (rc) return rc;
  ash_buf key, b;
  ash_buf_init(&key, 8192);
  ash_buf_init(&b, 1 << 20);
  rc = ash_buf_printf(&key, "%s", f->name);
  if (!rc) rc = ash_buf_addc(&key, 0);
  if (!rc) rc = ash_buf_adds(&key, f->sha256);
  if (!rc) ash_finding_set_id(out, key.p, key.n);
  ash_finding_set_score(out, (int)(score + 0.5));
  const char *tstr = ash_scan_ftype_str(t, f);
  const char *bn = base_name(f->name);

  /* ---- title ---- */
  hunt_text TT, SS;
  hunt_text_init(&TT);
  hunt_text_init(&SS);
  ash_buf sb;
  ash_buf_init(&sb, 1 << 20);
  {
    /* the kind of file as a term: "ft." and the word as the title says it */
    const char *w = !nhits ? "file" : exec ? tstr : t == ASH_FT_BINARY ? "file" : "document";
    char kind[48];
    snprintf(kind, sizeof kind, "ft.%c%s", toupper((unsigned char)w[0]), w + 1);
    ash_buf_reset(&sb);
    if (!rc) rc = add_shown(&sb, bn, strlen(bn));
    hunt_say(&TT, "scan.title", kind, sb.p ? sb.p : "");
    if (nhits == 1)
      hunt_say0(&TT, exec ? "scan.title.carries.one" : "scan.title.mentions.one");
    else if (nhits)
      hunt_say(&TT, exec ? "scan.title.carries" : "scan.title.mentions", HUNT_ARG("%zu", nhits));
    if (f->nrules)
      hunt_say(&TT, nhits ? "scan.title.rules.and" : "scan.title.rules",
               HUNT_ARG("%zu", f->nrules));
  }

  /* ---- summary ---- */
  char ft[48];
  snprintf(ft, sizeof ft, "ft.%s", tstr);
  ash_buf_reset(&sb);
  if (!rc) rc = add_shown(&sb, f->name, strlen(f->name));
  hunt_say(&SS, "scan.sum.file", sb.p ? sb.p : "", ft,
           HUNT_ARG("%llu", (unsigned long long)f->size), f->sha256);
  if (!rc && nhits) {
    if (nhits == 1)
      hunt_say0(&SS, "scan.sum.contains.one");
    else
      hunt_say(&SS, "scan.sum.contains", HUNT_ARG("%zu", nhits));
    size_t shown = nhits < 10 ? nhits : 10;
    for (size_t i = 0; !rc && i < shown; i++) {
      const ash_name *hn = &ents[hits[i].ent].pub;
      if (i) hunt_say0(&SS, "scan.sum.sep");
      ash_buf_reset(&sb);
      rc = add_shown(&sb, hn->name, hn->len);
      hunt_say(&SS, "scan.sum.hit", prose_kind(hn->kind), sb.p ? sb.p : "");
      if (!rc && hn->kind == ASH_NAME_RANGE && hits[i].sample_n) {
        ash_buf_reset(&sb);
        rc = add_shown(&sb, hits[i].sample, hits[i].sample_n);
        hunt_say(&SS, "scan.sum.hit.sample", sb.p ? sb.p : "");
      }
      hunt_say0(&SS, "scan.sum.forms");
      int first = 1;
      for (size_t k = 0; k < sizeof FORM_BITS / sizeof FORM_BITS[0]; k++)
        if (hits[i].forms & FORM_BITS[k]) {
          hunt_say(&SS, first ? "scan.sum.form" : "scan.sum.form.next", FORM_TERMS[k]);
          first = 0;
        }
      if (own_host(f->name, hn)) hunt_say0(&SS, "scan.sum.hit.own");
      hunt_say0(&SS, "scan.sum.forms.end");
    }
    if (nhits > shown) hunt_say(&SS, "scan.sum.more", HUNT_ARG("%zu", nhits - shown));
    hunt_say0(&SS, "scan.sum.stop");
  }
  if (!rc && f->nrules) {
    ash_buf_reset(&sb);
    for (size_t i = 0; !rc && i < f->nrules; i++) {
      if (i) rc = ash_buf_adds(&sb, ", ");
      if (!rc) rc = add_shown(&sb, f->rules[i], strlen(f->rules[i]));
    }
    hunt_say(&SS, "scan.sum.rules", sb.p ? sb.p : "");
  }
  if (!rc && nhits) {
    if (exec && nhits >= 2)
      hunt_say0(&SS, "scan.sum.implant");
    else if (exec)
      hunt_say0(&SS, "scan.sum.weak");
    else if (t == ASH_FT_BINARY)
      hunt_say0(&SS, "scan.sum.binary");
    else
      hunt_say0(&SS, "scan.sum.document");
  }
  if (!rc && f->pe_info) {
    hunt_say0(&SS, "scan.sum.pe");
    if (f->pe_ts != ASH_TIME_UNSET) {
      char ts[32];
      ash_time_format(f->pe_ts, ts);
      hunt_say(&SS, "scan.sum.pe.ts", ts);
    }
    if (f->imphash[0]) hunt_say(&SS, "scan.sum.pe.imphash", f->imphash);
    hunt_say0(&SS, f->pe_sigs ? "scan.sum.pe.signed" : "scan.sum.pe.unsigned");
  }
  if (!rc && f->partial) hunt_say0(&SS, "scan.sum.partial");
  ash_buf_free(&sb);
  if (!rc) rc = hunt_text_set(out, &TT, &SS);
  hunt_text_free(&TT);
  hunt_text_free(&SS);

  /* ---- attack, entities ---- */
  int accounts = 0, network = 0;
  for (size_t i = 0; !rc && i < nhits; i++) {
    const ash_scan_ent *e = &ents[hits[i].ent];
    switch (e->pub.kind) {
    case ASH_NAME_ADMIN:
    case ASH_NAME_SERVICE:
    case ASH_NAME_ACCOUNT:
      accounts = 1;
      rc = ash_finding_add_account(out, ash_str_make(e->pub.name, e->pub.len));
      break;
    case ASH_NAME_DC:
    case ASH_NAME_SERVER:
    case ASH_NAME_HOST:
      network = 1;
      rc = ash_finding_add_host(out, ash_str_make(e->pub.name, e->pub.len));
      break;
    case ASH_NAME_IP:
      network = 1;
      rc = ash_finding_add_ip(out, &e->net);
      break;
    case ASH_NAME_RANGE: {
      ash_ip ip;
      network = 1;
      if (!ash_ip_parse(ash_str_make(hits[i].sample, hits[i].sample_n), &ip))
        rc = ash_finding_add_ip(out, &ip);
      break;
    }
    default: network = 1; break;
    }
  }
  if (!rc && (exec || t == ASH_FT_BINARY || f->nrules) && out->score >= 40) {
    rc = ash_finding_add_attack(out, "T1587.001"); /* Develop Capabilities: Malware */
    if (!rc && accounts) rc = ash_finding_add_attack(out, "T1589"); /* Victim Identity Info */
    if (!rc && network) rc = ash_finding_add_attack(out, "T1590");  /* Victim Network Info */
  }
  if (!rc) rc = ash_finding_add_file(out, ash_str_cstr(f->name));

  /* ---- evidence: the file's own times, then every match ---- */
  if (!rc && f->btime != ASH_TIME_UNSET) {
    ash_evidence e = {f->btime,
                      "file.created",
                      "file created (birth time on the scanned file system)",
                      (char *)f->name,
                      0,
                      ASH_REF_NONE};
    rc = ash_finding_add_evidence(out, &e);
    ash_finding_see(out, f->btime);
  }
  if (!rc && f->mtime != ASH_TIME_UNSET) {
    ash_evidence e = {f->mtime, "file.modified", "file last modified", (char *)f->name,
                      0,        ASH_REF_NONE};
    rc = ash_finding_add_evidence(out, &e);
    ash_finding_see(out, f->mtime);
  }
  if (!rc && f->pe_ts != ASH_TIME_UNSET && f->pe_ts > 0) {
    /* evidence, but not a date of the finding: compile times are easily
     * forged */
    ash_evidence e = {f->pe_ts, "pe.compiled", "PE header compile timestamp", (char *)f->name,
                      0,        ASH_REF_NONE};
    rc = ash_finding_add_evidence(out, &e);
  }
  for (size_t i = 0; !rc && i < nhits; i++) {
    const ash_name *nm = &ents[hits[i].ent].pub;
    ash_buf_reset(&b);
    rc = ash_buf_printf(&b, "%s ", ash_name_kind_str(nm->kind));
    if (!rc) rc = add_shown(&b, nm->name, nm->len);
    if (!rc) rc = ash_buf_adds(&b, " found as \"");
    if (!rc) rc = add_shown(&b, hits[i].sample, hits[i].sample_n);
    if (!rc) rc = ash_buf_adds(&b, "\" (");
    if (!rc) rc = forms_text(&b, hits[i].forms);
    if (!rc && own_host(f->name, nm)) rc = ash_buf_adds(&b, "; the host it was collected from");
    if (!rc) rc = ash_buf_printf(&b, ") at offset %llu", (unsigned long long)hits[i].offset);
    ash_evidence e = {ASH_TIME_UNSET,  "yara.match",   b.p,
                      (char *)f->name, hits[i].offset, ASH_REF_OFFSET};
    if (!rc) rc = ash_finding_add_evidence(out, &e);
  }
  for (size_t i = 0; !rc && i < f->nrules; i++) {
    ash_buf_reset(&b);
    rc = ash_buf_adds(&b, "responder rule ");
    if (!rc) rc = add_shown(&b, f->rules[i], strlen(f->rules[i]));
    if (!rc) rc = ash_buf_adds(&b, " matched");
    ash_evidence e = {ASH_TIME_UNSET, "yara.rule", b.p, (char *)f->name, 0, ASH_REF_NONE};
    if (!rc) rc = ash_finding_add_evidence(out, &e);
  }

  /* ---- details ---- */
  ash_buf_reset(&b);
  if (!rc)
    rc = ash_buf_printf(&b, "{\"sha256\":\"%s\",\"size\":%llu,\"type\":\"%s\"", f->sha256,
                        (unsigned long long)f->size, tstr);
  if (!rc && f->pe_info) {
    if (f->imphash[0]) rc = ash_buf_printf(&b, ",\"imphash\":\"%s\"", f->imphash);
    if (!rc && f->pe_ts != ASH_TIME_UNSET) {
      char ts[32];
      ash_time_format(f->pe_ts, ts);
      rc = ash_buf_printf(&b, ",\"compiled\":\"%s\"", ts);
    }
    if (!rc) rc = ash_buf_printf(&b, ",\"signatures\":%d", f->pe_sigs);
  }
  if (!rc && f->partial) rc = ash_buf_adds(&b, ",\"partial\":true");
  if (!rc) rc = ash_buf_adds(&b, ",\"names\":[");
  /* bounded so that the details always fit (ash_finding_set_details) */
  size_t listed = nhits < 200 ? nhits : 200;
  for (size_t i = 0; !rc && i < listed; i++) {
    const ash_name *nm = &ents[hits[i].ent].pub;
    rc = ash_buf_printf(&b, "%s{\"kind\":\"%s\",\"name\":\"", i ? "," : "",
                        ash_name_kind_str(nm->kind));
    if (!rc) rc = ash_buf_add_json_str(&b, nm->name, nm->len);
    if (!rc) rc = ash_buf_adds(&b, "\",\"match\":\"");
    if (!rc) rc = ash_buf_add_json_str(&b, hits[i].sample, hits[i].sample_n);
    if (!rc)
      rc = ash_buf_printf(&b, "\",\"weight\":%d,\"offset\":%llu,\"forms\":[", nm->weight,
                          (unsigned long long)hits[i].offset);
    static const char *const FN[] = {"ascii", "wide", "unc", "domain\\\\user", "ldap_dn"};
    int first = 1;
    for (int k = 0; !rc && k < 5; k++)
      if (hits[i].forms & (1u << k)) {
        rc = ash_buf_printf(&b, "%s\"%s\"", first ? "" : ",", FN[k]);
        first = 0;
      }
    if (!rc) rc = ash_buf_adds(&b, "]}");
  }
  if (!rc) rc = ash_buf_adds(&b, "]");
  if (!rc && listed < nhits) rc = ash_buf_printf(&b, ",\"names_not_listed\":%zu", nhits - listed);
  if (!rc) rc = ash_buf_adds(&b, ",\"rules\":[");
  for (size_t i = 0; !rc && i < f->nrules; i++) {
    rc = ash_buf_adds(&b, i ? ",\"" : "\"");
    if (!rc) rc = ash_buf_add_json_str(&b, f->rules[i], strlen(f->rules[i]));
    if (!rc) rc = ash_buf_addc(&b, '"');
  }
  if (!rc) rc = ash_buf_adds(&b, "]}");
  if (!rc) rc = ash_finding_set_details(out, b.p, b.n);

  ash_buf_free(&key);
  ash_buf_free(&b);
  if (rc) ash_finding_free(out);
  return rc;
}
