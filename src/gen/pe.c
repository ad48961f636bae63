/* Files of the case: the intruders' custom binaries, which carry the
 * victim's own names (domain, DCs, admin and service accounts, share
 * paths) in ASCII and UTF-16LE, and benign files that mention the domain
 * harmlessly (a logon script, a web.config, line-of-business programs),
 * so that a hunt for the organisation's identifiers has something to get
 * wrong. The binaries are small but well-formed PE32+ images (DOS header
 * and stub, COFF and optional headers, .text/.rdata/.data), built
 * deterministically from the seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/stream.h"
#include "gen_int.h"

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
  put16(p, v);
  put16(p + 2, v >> 16);
}
static void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

static size_t align(size_t v, size_t a) { return (v + a - 1) / a * a; }

/* Build a PE32+ console program into out[cap]; returns its size or 0. */
size_t g_pe_build(uint8_t *out, size_t cap, uint64_t seed, const char *const *ascii, size_t nascii,
                  const char *const *wide, size_t nwide) {
  g_rng r;
  g_rng_seed(&r, seed, 77);
  size_t text_raw = align(0x1800 + g_below(&r, 0x3000), 0x200);
  /* .rdata: the strings, NUL-separated, between filler strings */
  size_t rd = 0;
  static uint8_t rdata[65536];
  memset(rdata, 0, sizeof rdata);
  static const char *const FILLER[] = {"KERNEL32.dll",   "ADVAPI32.dll",   "WS2_32.dll",
                                       "GetProcAddress", "LoadLibraryW",   "CreateFileW",
                                       "WSAStartup",     "RegOpenKeyExW",  "Unknown exception",
                                       "bad allocation", "string too long"};
  for (size_t i = 0; i < sizeof FILLER / sizeof FILLER[0]; i++) {
    size_t n = strlen(FILLER[i]) + 1;
    if (rd + n >= sizeof rdata) break;
    memcpy(rdata + rd, FILLER[i], n);
    rd += n;
  }
  for (size_t i = 0; i < nascii; i++) {
    size_t n = strlen(ascii[i]) + 1;
    if (rd + n + 8 >= sizeof rdata) break;
    rd = align(rd, 8);
    memcpy(rdata + rd, ascii[i], n);
    rd += n;
  }
  for (size_t i = 0; i < nwide; i++) {
    size_t n = strlen(wide[i]);
    if (rd + 2 * n + 16 >= sizeof rdata) break;
    rd = align(rd, 8);
    for (size_t k = 0; k < n; k++) {
      rdata[rd++] = (uint8_t)wide[i][k];
      rdata[rd++] = 0;
    }
    rd += 2;
  }
  size_t rdata_raw = align(rd ? rd : 1, 0x200);
  size_t data_raw = 0x200;
  size_t hdr = 0x400;
  size_t total = hdr + text_raw + rdata_raw + data_raw;
  if (total > cap) return 0;
  memset(out, 0, total);
  /* DOS header and stub */
  out[0] = 'M';
  out[1] = 'Z';
  put16(out + 2, 0x90);
  put16(out + 4, 3);
  put16(out + 8, 4);
  put16(out + 0x0c, 0xffff);
  put16(out + 0x10, 0xb8);
  put16(out + 0x18, 0x40);
  put32(out + 0x3c, 0x80);
  static const uint8_t stub[] = {0x0e, 0x1f, 0xba, 0x0e, 0x00, 0xb4, 0x09,
                                 0xcd, 0x21, 0xb8, 0x01, 0x4c, 0xcd, 0x21};
  memcpy(out + 0x40, stub, sizeof stub);
  memcpy(out + 0x4e, "This program cannot be run in DOS mode.\r\r\n$", 44);
  /* PE signature and COFF header */
  uint8_t *pe = out + 0x80;
  memcpy(pe, "PE\0\0", 4);
  uint8_t *coff = pe + 4;
  put16(coff, 0x8664);
  put16(coff + 2, 3);
  put32(coff + 4, 0x60000000u + (uint32_t)(g_next(&r) % 0x8000000u)); /* 2021-2025 */
  put16(coff + 16, 240);
  put16(coff + 18, 0x0022);
  /* optional header, PE32+ */
  uint8_t *opt = coff + 20;
  uint32_t text_va = 0x1000, text_vs = (uint32_t)align(text_raw, 0x1000);
  uint32_t rdata_va = text_va + text_vs, rdata_vs = (uint32_t)align(rdata_raw, 0x1000);
  uint32_t data_va = rdata_va + rdata_vs, data_vs = 0x1000;
  put16(opt, 0x20b);
  opt[2] = 14;
  opt[3] = 29;
  put32(opt + 4, (uint32_t)text_raw);
  put32(opt + 8, (uint32_t)(rdata_raw + data_raw));
  put32(opt + 16, text_va + 0x10);
  put32(opt + 20, text_va);
  put64(opt + 24, 0x140000000ULL);
  put32(opt + 32, 0x1000);
  put32(opt + 36, 0x200);
  put16(opt + 40, 6);
  put16(opt + 48, 6);
  put32(opt + 56, data_va + data_vs);
  put32(opt + 60, (uint32_t)hdr);
  put16(opt + 68, 3);
  put16(opt + 70, 0x8160);
  put64(opt + 72, 0x100000);
  put64(opt + 80, 0x1000);
  put64(opt + 88, 0x100000);
  put64(opt + 96, 0x1000);
  put32(opt + 108, 16);
  /* section headers */
  uint8_t *sh = opt + 240;
  struct {
    const char *name;
    uint32_t vs, va, raw, ptr, ch;
  } secs[3] = {
      {".text", (uint32_t)text_raw, text_va, (uint32_t)text_raw, (uint32_t)hdr, 0x60000020},
      {".rdata", (uint32_t)rd, rdata_va, (uint32_t)rdata_raw, (uint32_t)(hdr + text_raw),
       0x40000040},
      {".data", 0x400, data_va, (uint32_t)data_raw, (uint32_t)(hdr + text_raw + rdata_raw),
       0xc0000040},
  };
  for (int i = 0; i < 3; i++) {
    uint8_t *s = sh + 40 * i;
    memcpy(s, secs[i].name, strlen(secs[i].name));
    put32(s + 8, secs[i].vs);
    put32(s + 12, secs[i].va);
    put32(s + 16, secs[i].raw);
    put32(s + 20, secs[i].ptr);
    put32(s + 36, secs[i].ch);
  }
  /* .text: function prologues and epilogues around seeded bytes */
  uint8_t *text = out + hdr;
  for (size_t i = 0; i < text_raw; i += 8) {
    uint64_t v = g_next(&r);
    for (int k = 0; k < 8 && i + k < text_raw; k++) text[i + k] = (uint8_t)(v >> (8 * k));
  }
  for (size_t i = 0x10; i + 16 < text_raw; i += 0x40 + (g_next(&r) & 0x3f)) {
    static const uint8_t pro[] = {0x48, 0x89, 0x5c, 0x24, 0x08, 0x57, 0x48, 0x83, 0xec, 0x20};
    memcpy(text + i, pro, sizeof pro);
    text[i - 1] = 0xc3;
  }
  memcpy(out + hdr + text_raw, rdata, rd);
  return total;
}

static void winpath_rel(const char *host, const char *winpath, char *out, size_t n) {
  /* "C:\\a\\b.exe" on fs01 -> "files/fs01/C/a/b.exe" */
  size_t k = (size_t)snprintf(out, n, "files/%s/", host);
  for (const char *p = winpath; *p && k + 1 < n; p++) {
    if (*p == ':') continue;
    out[k++] = *p == '\\' ? '/' : *p;
  }
  out[k] = 0;
}

static uint8_t g_pebuf[1 << 18];

int g_implant_build(g_ctx *c, g_implant *im) {
  g_org *org = &c->org;
  g_plan *p = &c->plan;
  char s[24][200];
  const char *asc[12], *wid[12];
  size_t na = 0, nw = 0;
  int k = 0;
  const char *b = org->users[p->user_b].name;
  char relay[16];
  g_ip4_str(p->relay, relay);
  uint64_t seed = c->o->seed;
  for (const char *q = im->role; *q; q++) seed = g_mix(seed ^ (uint8_t)*q);
#define ADD_A(...) (snprintf(s[k], sizeof s[k], __VA_ARGS__), asc[na++] = s[k++])
#define ADD_W(...) (snprintf(s[k], sizeof s[k], __VA_ARGS__), wid[nw++] = s[k++])
  if (!strcmp(im->role, "tunnel backdoor")) {
    ADD_A("%s:%u", relay, p->relay_port);
    ADD_A("127.0.0.1:3389");
    ADD_A("%s", org->hosts[p->t].fqdn);
    ADD_A("%s", org->domain);
    ADD_W("%s", org->netbios);
    ADD_W("%s", p->backdoor_service);
    ADD_W("%s\\%s", org->netbios, b);
  } else if (!strcmp(im->role, "recon")) {
    ADD_A("LDAP://%s", org->domain);
    ADD_A("%s", org->DOMAIN);
    ADD_A("%s.%s", org->hosts[org->dc[0]].name, org->domain);
    ADD_A("Domain Admins");
    ADD_W("%s\\%s", org->netbios, b);
    ADD_W("\\\\%s\\share$", org->hosts[org->fs[0]].name);
    ADD_W("%s", org->hosts[org->dc[0]].upper);
  } else {
    ADD_A("%s", org->domain);
    ADD_A("%s", org->netbios);
    ADD_A("%s,%s,%s", org->hosts[org->dc[0]].name, org->hosts[org->fs[0]].name,
          org->hosts[org->bk].name);
    ADD_A("README-RESTORE.txt");
    ADD_W("%s\\%s", org->netbios, b);
    ADD_W("%s", org->DOMAIN);
    ADD_W("%s\\svc_backup", org->netbios);
    ADD_W("\\\\%s\\share$", org->hosts[org->fs[0]].name);
  }
#undef ADD_A
#undef ADD_W
  size_t n = g_pe_build(g_pebuf, sizeof g_pebuf, seed, asc, na, wid, nw);
  if (!n) return ASH_ELIMIT;
  ash_sha256_hex(g_pebuf, n, im->sha256);
  im->size = n;
  winpath_rel(im->host, im->path, im->relpath, sizeof im->relpath);
  int rc = g_out_blob(&c->out, im->relpath, g_pebuf, n);
  if (rc) return rc;
  c->st->bin_files++;
  c->st->implants++;
  return ASH_OK;
}

void g_benign_add(g_ctx *c, const char *host, const char *winpath, const char *rel, const void *p,
                  size_t n, const char *why) {
  g_plan *pl = &c->plan;
  c->st->bin_files++;
  if (pl->nbenign >= (int)(sizeof pl->benign / sizeof pl->benign[0])) return;
  g_benign_file *b = &pl->benign[pl->nbenign++];
  snprintf(b->host, sizeof b->host, "%s", host);
  snprintf(b->path, sizeof b->path, "%s", winpath);
  snprintf(b->relpath, sizeof b->relpath, "%s", rel);
  ash_sha256_hex(p, n, b->sha256);
  b->size = n;
  b->why = why;
}

/* Benign files: names of the organisation, used as intended. */
int g_files_write(g_ctx *c) {
  g_org *org = &c->org;
  g_plan *p = &c->plan;
  char rel[600], text[4096];
  p->nbenign = 0;
  const char *dc = org->hosts[org->dc[0]].name;
  const char *fs = org->hosts[org->fs[0]].name;
  /* 1. the logon script */
  {
    char wp[300];
    snprintf(wp, sizeof wp, "C:\\Windows\\SYSVOL\\sysvol\\%s\\scripts\\logon.bat", org->domain);
    winpath_rel(dc, wp, rel, sizeof rel);
    int n = snprintf(text, sizeof text,
                     "@echo off\r\nrem %s logon script\r\nnet use H: \\\\%s.%s\\home\\%%USERNAME%% "
                     "/persistent:no\r\nnet use S: \\\\%s.%s\\share$ /persistent:no\r\n",
                     org->DOMAIN, fs, org->domain, fs, org->domain);
    if (g_out_blob(&c->out, rel, text, (size_t)n)) return ASH_EIO;
    g_benign_add(c, dc, wp, rel, text, (size_t)n, "logon script");
  }
  /* 2. a web.config with LDAP settings */
  {
    const char *app = org->hosts[org->app[0]].name;
    const char *wp = "C:\\inetpub\\wwwroot\\portal\\web.config";
    winpath_rel(app, wp, rel, sizeof rel);
    int n = snprintf(text, sizeof text,
                     "<?xml version=\"1.0\"?>\r\n<configuration>\r\n  <connectionStrings>\r\n    "
                     "<add name=\"ADConnection\" connectionString=\"LDAP://%s.%s/DC=%s\" />\r\n  "
                     "</connectionStrings>\r\n  <appSettings>\r\n    <add key=\"Domain\" "
                     "value=\"%s\" />\r\n  </appSettings>\r\n</configuration>\r\n",
                     dc, org->domain, org->netbios, org->netbios);
    if (g_out_blob(&c->out, rel, text, (size_t)n)) return ASH_EIO;
    g_benign_add(c, app, wp, rel, text, (size_t)n, "web application configuration");
  }
  /* 3. the IT handbook on someone's workstation */
  {
    int u = (int)(c->o->seed % org->nusers);
    char wp[300];
    snprintf(wp, sizeof wp, "C:\\Users\\%s\\Documents\\IT-handbook.txt", org->users[u].name);
    const char *ws = org->hosts[org->users[u].ws].name;
    winpath_rel(ws, wp, rel, sizeof rel);
    int n = snprintf(text, sizeof text,
                     "IT handbook\r\n\r\nYour account is %s\\<name>. Sign in to the VPN with "
                     "FortiClient (vpn.%s).\r\nFile shares: \\\\%s\\share$. Domain controllers: "
                     "%s.%s. Ask the helpdesk before installing software.\r\n",
                     org->netbios, org->domain, fs, dc, org->domain);
    if (g_out_blob(&c->out, rel, text, (size_t)n)) return ASH_EIO;
    g_benign_add(c, ws, wp, rel, text, (size_t)n, "user document");
  }
  /* 4-6. line-of-business programs configured for the domain */
  static const struct {
    const char *path, *why;
    int wide;
  } PROGS[] = {
      {"C:\\Program Files\\CorpBackup\\backup-agent.exe", "backup agent", 1},
      {"C:\\Program Files\\MonitorAgent\\agent.exe", "monitoring agent", 0},
      {"C:\\Program Files\\CorpPrint\\bridge.exe", "print bridge", 1},
  };
  int hosts[3] = {org->bk, 0, org->fs[0]};
  for (int i = 0; i < 3; i++) {
    char s1[200], s2[200], s3[200];
    const char *asc[2] = {s1, s2}, *wid[1] = {s3};
    snprintf(s1, sizeof s1, "%s", org->domain);
    snprintf(s2, sizeof s2, "https://%s.%s/api", org->hosts[hosts[i]].name, org->domain);
    snprintf(s3, sizeof s3, "%s\\svc_backup", org->netbios);
    size_t n = g_pe_build(g_pebuf, sizeof g_pebuf, c->o->seed * 31 + (uint64_t)i, asc, 2, wid,
                          PROGS[i].wide ? 1 : 0);
    if (!n) return ASH_ELIMIT;
    const char *h = org->hosts[hosts[i]].name;
    winpath_rel(h, PROGS[i].path, rel, sizeof rel);
    if (g_out_blob(&c->out, rel, g_pebuf, n)) return ASH_EIO;
    g_benign_add(c, h, PROGS[i].path, rel, (const char *)g_pebuf, n, PROGS[i].why);
  }
  return ASH_OK;
}
