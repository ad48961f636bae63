/* Unit tests of scan: YARA escaping of hostile names, the profile file,
 * names from a case, rule generation, scoring by file type, PE facts, the
 * window seam of large inputs, and the join with the case's detections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/scan.h"
#include "ashiato/store.h"
#include "ashiato/stream.h"
#include "ashiato/time.h"

static const char PROFILE[] = "# test profile\n"
                              "domain:  CORP.EXAMPLE.LOCAL\n"
                              "netbios: CORP\n"
                              "dc:      DC01, DC02\n"
                              "server = FS01, APP02\n"
                              "admin:   adm.tanaka\n"
                              "service: svc_backup\n"
                              "account: t.sato, Administrator\n"
                              "range:   10.20.0.0/16, 10.0.0.0/8\n"
                              "ip:      10.20.1.10\n"
                              "url:     https://intranet.corp.example.local/portal\n"
                              "share:   \\\\FS01\\Finance\n";

static ash_profile *load(const char *text) {
  ash_profile *p;
  assert_int_equal(ash_profile_new(&p), 0);
  unsigned line;
  const char *msg;
  assert_int_equal(ash_profile_parse(p, text, strlen(text), &line, &msg), 0);
  return p;
}

static const ash_name *find(const ash_profile *p, const char *name) {
  for (size_t i = 0; i < ash_profile_count(p); i++) {
    const ash_name *n = ash_profile_name(p, i);
    if (n->len == strlen(name) && !memcmp(n->name, name, n->len)) return n;
  }
  return NULL;
}

static void test_escape(void **st) {
  (void)st;
  ash_buf b;
  ash_buf_init(&b, 4096);
  const char hostile[] = "a\"b\\c\nd\x01\x7f\xe8\xb6\xb3";
  assert_int_equal(ash_yara_escape(hostile, sizeof hostile - 1, &b), 0);
  assert_string_equal(b.p, "a\\\"b\\\\c\\x0ad\\x01\\x7f\\xe8\\xb6\\xb3");
  ash_buf_reset(&b);
  assert_int_equal(ash_yara_escape("x\0y", 3, &b), 0);
  assert_string_equal(b.p, "x\\x00y");
  ash_buf_free(&b);
}

/* Names built to break out of a YARA string: if escaping failed, the rules
 * would not compile, or would match everything. */
static void test_hostile_names(void **st) {
  (void)st;
  ash_profile *p;
  assert_int_equal(ash_profile_new(&p), 0);
  const char *evil[] = {"ev\"il\" ascii condition: true }\nrule x { condition: true } //",
                        "back\\slash\\\\", "new\nline\r\tname", "quote\"only", "nul\x01name"};
  for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++)
    assert_int_equal(
        ash_profile_add(p, ASH_NAME_ACCOUNT, ash_str_cstr(evil[i]), 3, ASH_NAME_FROM_CASE), 0);
  ash_buf src;
  ash_buf_init(&src, 1 << 20);
  assert_int_equal(ash_profile_rules(p, &src), 0);
  assert_null(strstr(src.p, "\nrule x"));
  ash_buf_free(&src);
  ash_scanner *sc;
  char err[512];
  assert_int_equal(ash_scanner_open(&sc, p, NULL, err, sizeof err), 0);
  /* nothing of the environment: no finding (the injected "condition:
   * true" would have matched everything) */
  const char *plain = "nothing to see here: true condition";
  assert_int_equal(ash_scanner_scan_memory(sc, "plain.txt", (const uint8_t *)plain, strlen(plain)),
                   0);
  /* the hostile name itself is found, byte for byte */
  char buf[256];
  int n = snprintf(buf, sizeof buf, "cfg user=%s;", evil[2]);
  assert_int_equal(ash_scanner_scan_memory(sc, "cfg.ini", (const uint8_t *)buf, (size_t)n), 0);
  const ash_finding *fv;
  size_t fn;
  assert_int_equal(ash_scanner_finish(sc, &fv, &fn), 0);
  assert_int_equal(fn, 1);
  assert_string_equal(fv[0].files.v[0], "cfg.ini");
  assert_non_null(strstr(fv[0].details_json, "\"name\":\"new\\nline\\r\\tname\""));
  /* shown in prose with control bytes escaped */
  assert_non_null(strstr(fv[0].summary, "new\\x0aline"));
  ash_scanner_close(sc);
  ash_profile_close(p);
}

static void test_profile_parse(void **st) {
  (void)st;
  ash_profile *p = load(PROFILE);
  const ash_name *n = find(p, "CORP.EXAMPLE.LOCAL");
  assert_non_null(n);
  assert_int_equal(n->kind, ASH_NAME_DOMAIN);
  assert_int_equal(n->from, ASH_NAME_FROM_PROFILE);
  assert_non_null(find(p, "APP02"));
  assert_int_equal(find(p, "FS01")->kind, ASH_NAME_SERVER);
  assert_int_equal(find(p, "adm.tanaka")->kind, ASH_NAME_ADMIN);
  assert_int_equal(find(p, "10.20.1.10")->kind, ASH_NAME_IP);
  assert_non_null(find(p, "\\\\FS01\\Finance"));
  assert_non_null(find(p, "https://intranet.corp.example.local/portal"));
  /* a built-in Windows name identifies nobody */
  assert_null(find(p, "Administrator"));
  assert_int_equal(ash_profile_ignored(p), 1);
  assert_int_equal(find(p, "10.20.0.0/16")->searched, 1);
  assert_int_equal(find(p, "10.0.0.0/8")->searched, 0);
  ash_profile_close(p);

  ash_profile_new(&p);
  unsigned line;
  const char *msg;
  const char *bad = "domain: corp.example.local\n\n# fine\nservrs: fs01\n";
  assert_int_equal(ash_profile_parse(p, bad, strlen(bad), &line, &msg), ASH_EFORMAT);
  assert_int_equal(line, 4);
  assert_non_null(strstr(msg, "unknown key"));
  const char *badip = "ip: 10.20.1.300\n";
  assert_int_equal(ash_profile_parse(p, badip, strlen(badip), &line, &msg), ASH_EFORMAT);
  assert_int_equal(line, 1);
  const char *noval = "just words\n";
  assert_int_equal(ash_profile_parse(p, noval, strlen(noval), &line, &msg), ASH_EFORMAT);
  ash_profile_close(p);
}

static void test_profile_split(void **st) {
  (void)st;
  ash_profile *p;
  ash_profile_new(&p);
  assert_int_equal(
      ash_profile_add(p, ASH_NAME_ACCOUNT, ash_str_cstr("CORP\\t.sato"), 5, ASH_NAME_FROM_CASE), 0);
  assert_int_equal(ash_profile_add(p, ASH_NAME_HOST, ash_str_cstr("ws0123.corp.example.local"), 2,
                                   ASH_NAME_FROM_CASE),
                   0);
  assert_int_equal(
      ash_profile_add(p, ASH_NAME_ACCOUNT, ash_str_cstr("WS0456$"), 1, ASH_NAME_FROM_CASE), 0);
  assert_int_equal(
      ash_profile_add(p, ASH_NAME_HOST, ash_str_cstr("8.8.8.8"), 1, ASH_NAME_FROM_CASE), 0);
  assert_int_equal(find(p, "CORP")->kind, ASH_NAME_NETBIOS);
  assert_int_equal(find(p, "t.sato")->kind, ASH_NAME_ACCOUNT);
  assert_int_equal(find(p, "ws0123")->kind, ASH_NAME_HOST);
  assert_int_equal(find(p, "corp.example.local")->kind, ASH_NAME_DOMAIN);
  assert_int_equal(find(p, "WS0456")->kind, ASH_NAME_HOST);
  assert_null(find(p, "8.8.8.8")); /* a public address from a log is not the environment */
  /* the same name again keeps the more specific kind */
  assert_int_equal(
      ash_profile_add(p, ASH_NAME_DC, ash_str_cstr("WS0123"), 0, ASH_NAME_FROM_PROFILE), 0);
  assert_int_equal(find(p, "ws0123")->kind, ASH_NAME_DC);
  assert_int_equal(find(p, "ws0123")->from, ASH_NAME_FROM_CASE | ASH_NAME_FROM_PROFILE);
  ash_profile_close(p);
}

static void test_rules_text(void **st) {
  (void)st;
  ash_profile *p = load(PROFILE);
  ash_buf b;
  ash_buf_init(&b, 1 << 20);
  assert_int_equal(ash_profile_rules(p, &b), 0);
  assert_non_null(strstr(b.p, "\"CORP.EXAMPLE.LOCAL\" ascii wide nocase fullword"));
  assert_non_null(strstr(b.p, "\"DC=CORP,DC=EXAMPLE,DC=LOCAL\" ascii wide nocase"));
  assert_non_null(strstr(b.p, "\"CORP\\\\adm.tanaka\" ascii wide nocase"));
  assert_non_null(strstr(b.p, "\"\\\\\\\\DC01\\\\\" ascii wide nocase"));
  assert_non_null(strstr(b.p, "/10\\.20\\.[0-9]{1,3}\\.[0-9]{1,3}/ ascii wide fullword"));
  assert_non_null(strstr(b.p, "Not searched (too wide to be a pattern): range 10.0.0.0/8"));
  ash_buf_free(&b);
  ash_profile_close(p);
}

/* A buffer that starts like an ELF executable, with names at the given
 * places. */
static size_t put_wide(uint8_t *dst, const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++) {
    dst[2 * i] = (uint8_t)s[i];
    dst[2 * i + 1] = 0;
  }
  return 2 * n;
}

static const ash_finding *by_file(const ash_finding *fv, size_t fn, const char *name) {
  for (size_t i = 0; i < fn; i++)
    if (fv[i].files.n && !strcmp(fv[i].files.v[0], name)) return &fv[i];
  return NULL;
}

static void test_scoring(void **st) {
  (void)st;
  ash_profile *p = load(PROFILE);
  ash_scanner *sc;
  char err[512];
  assert_int_equal(ash_scanner_open(&sc, p, NULL, err, sizeof err), 0);
  uint8_t *b = calloc(1, 8192);
  assert_non_null(b);
  memcpy(b,
         "\x7f"
         "ELF\x02\x01\x01",
         7);
  size_t off = 1000;
  off += put_wide(b + off, "CORP\\adm.tanaka") + 16;
  memcpy(b + off, "\\\\dc01\\c$", 9);
  off += 40;
  off += put_wide(b + off, "corp.example.local");
  assert_int_equal(ash_scanner_scan_memory(sc, "implant", b, 8192), 0);

  /* the same names in a document */
  const char *doc = "Minutes: the share \\\\FS01\\Finance moves to APP02 in CORP.EXAMPLE.LOCAL.\n";
  assert_int_equal(ash_scanner_scan_memory(sc, "minutes.txt", (const uint8_t *)doc, strlen(doc)),
                   0);
  /* a document that only mentions the domain */
  const char *hello = "Welcome to corp.example.local, the intranet.\n";
  assert_int_equal(ash_scanner_scan_memory(sc, "hello.txt", (const uint8_t *)hello, strlen(hello)),
                   0);
  /* an executable without names, and one where names are only parts of
   * longer words ("Corporation", "dc011") */
  memset(b + 900, 0, 7000);
  memcpy(b + 1000, "Microsoft Corporation dc011 xfs01 110.20.1.10 10.0.19041.1", 58);
  assert_int_equal(ash_scanner_scan_memory(sc, "benign", b, 8192), 0);

  const ash_finding *fv;
  size_t fn;
  assert_int_equal(ash_scanner_finish(sc, &fv, &fn), 0);
  const ash_finding *imp = by_file(fv, fn, "implant"), *min = by_file(fv, fn, "minutes.txt"),
                    *hel = by_file(fv, fn, "hello.txt");
  assert_non_null(imp);
  assert_non_null(min);
  assert_non_null(hel);
  assert_null(by_file(fv, fn, "benign"));
  assert_true(fv == imp); /* best first */
  assert_true(imp->severity >= ASH_SEV_HIGH);
  assert_int_equal(min->severity, ASH_SEV_LOW);
  assert_int_equal(hel->severity, ASH_SEV_LOW);
  assert_true(hel->score < min->score);
  assert_string_equal(imp->accounts.v[0], "adm.tanaka");
  assert_string_equal(imp->hosts.v[0], "dc01");
  assert_non_null(strstr(imp->details_json, "\"forms\":[\"wide\",\"domain\\\\user\"]"));
  assert_non_null(strstr(imp->details_json, "\"forms\":[\"ascii\",\"unc\"]"));
  /* "CORP" inside "CORP\adm.tanaka" is not a second name */
  assert_null(strstr(imp->details_json, "\"kind\":\"netbios\""));
  assert_non_null(strstr(imp->title, "ELF executable implant carries 3 of"));
  /* the SHA-256 of a flagged file is recorded */
  char hex[65];
  ash_sha256_hex(b, 0, hex); /* (b changed since; recompute from the doc) */
  ash_sha256_hex(doc, strlen(doc), hex);
  assert_non_null(strstr(min->details_json, hex));
  int has_attack = 0;
  for (size_t i = 0; i < imp->attack.n; i++) has_attack |= !strcmp(imp->attack.v[i], "T1587.001");
  assert_true(has_attack);
  assert_int_equal(min->attack.n, 0);
  const ash_scan_stats *s = ash_scanner_stats(sc);
  assert_int_equal(s->files, 4);
  assert_int_equal(s->matched, 3);
  free(b);
  ash_scanner_close(sc);
  ash_profile_close(p);
}

/* A minimal PE32 (one section) with a compile timestamp and a name. */
static size_t make_pe(uint8_t *b, uint32_t ts, const char *name) {
  memset(b, 0, 0x400);
  b[0] = 'M';
  b[1] = 'Z';
  b[0x3c] = 0x40;
  memcpy(b + 0x40, "PE\0\0", 4);
  uint8_t *fh = b + 0x44;
  fh[0] = 0x4c;
  fh[1] = 0x01; /* i386 */
  fh[2] = 1;    /* one section */
  memcpy(fh + 4, &ts, 4);
  fh[16] = 0xe0; /* optional header size */
  fh[18] = 0x02;
  fh[19] = 0x01;
  uint8_t *oh = b + 0x58;
  oh[0] = 0x0b;
  oh[1] = 0x01; /* PE32 */
  oh[16] = 0x00;
  oh[17] = 0x10; /* entry point 0x1000 */
  oh[28] = 0x00;
  oh[29] = 0x00;
  oh[30] = 0x40; /* image base 0x400000 */
  oh[33] = 0x10; /* section alignment 0x1000 */
  oh[37] = 0x02; /* file alignment 0x200 */
  oh[40] = 4;    /* OS version */
  oh[48] = 4;    /* subsystem version */
  oh[57] = 0x20; /* size of image 0x2000 */
  oh[61] = 0x02; /* size of headers 0x200 */
  oh[68] = 3;    /* console */
  oh[92] = 16;   /* data directories */
  uint8_t *sh = b + 0x58 + 0xe0;
  memcpy(sh, ".data", 5);
  sh[9] = 0x02;  /* virtual size 0x200 */
  sh[13] = 0x10; /* virtual address 0x1000 */
  sh[17] = 0x02; /* raw size 0x200 */
  sh[21] = 0x02; /* raw pointer 0x200 */
  sh[36] = 0x40;
  sh[39] = 0xc0;
  put_wide(b + 0x200, name);
  return 0x400;
}

static void test_pe(void **st) {
  (void)st;
  ash_profile *p = load(PROFILE);
  ash_scanner *sc;
  char err[512];
  assert_int_equal(ash_scanner_open(&sc, p, NULL, err, sizeof err), 0);
  uint8_t pe[0x400];
  size_t n = make_pe(pe, 1700000000u, "adm.tanaka");
  assert_int_equal(ash_scanner_scan_memory(sc, "x.exe", pe, n), 0);
  const ash_finding *fv;
  size_t fn;
  assert_int_equal(ash_scanner_finish(sc, &fv, &fn), 0);
  assert_int_equal(fn, 1);
  assert_non_null(strstr(fv[0].details_json, "\"type\":\"PE32 executable\""));
  assert_non_null(strstr(fv[0].details_json, "\"compiled\":\"2023-11-14T22:13:20.000000Z\""));
  assert_non_null(strstr(fv[0].details_json, "\"signatures\":0"));
  assert_non_null(strstr(fv[0].summary, "no Authenticode signature"));
  /* one admin account in an executable: medium, not high */
  assert_int_equal(fv[0].severity, ASH_SEV_MEDIUM);
  ash_scanner_close(sc);

  /* a service account alone: programs are configured with them (low); a
   * program that names the host it was collected from: that name weighs
   * little and is not one more name (low) */
  assert_int_equal(ash_scanner_open(&sc, p, NULL, err, sizeof err), 0);
  n = make_pe(pe, 1700000000u, "svc_backup");
  assert_int_equal(ash_scanner_scan_memory(sc, "bk01/svc.exe", pe, n), 0);
  static const char agent[] = "\x7f"
                              "ELF ... https://fs01.corp.example.local/api ...";
  assert_int_equal(ash_scanner_scan_memory(sc, "triage/FS01/C/Program Files/agent",
                                           (const uint8_t *)agent, sizeof agent - 1),
                   0);
  assert_int_equal(ash_scanner_scan_memory(sc, "triage/APP02/C/Users/Public/x",
                                           (const uint8_t *)agent, sizeof agent - 1),
                   0);
  assert_int_equal(ash_scanner_finish(sc, &fv, &fn), 0);
  assert_int_equal(fn, 3);
  const ash_finding *own = by_file(fv, fn, "triage/FS01/C/Program Files/agent"),
                    *other = by_file(fv, fn, "triage/APP02/C/Users/Public/x"),
                    *svc = by_file(fv, fn, "bk01/svc.exe");
  assert_int_equal(svc->severity, ASH_SEV_LOW);
  assert_int_equal(own->severity, ASH_SEV_LOW);
  assert_true(other->score > own->score);
  assert_non_null(strstr(own->summary, "the host it was collected from"));
  ash_scanner_close(sc);
  ash_profile_close(p);
}

/* A name that straddles the cut between two windows is found once. */
static void test_window_seam(void **st) {
  (void)st;
  ash_profile *p = load(PROFILE);
  ash_scanner *sc;
  char err[512];
  assert_int_equal(ash_scanner_open(&sc, p, NULL, err, sizeof err), 0);
  size_t n = (size_t)ASH_SCAN_WINDOW + (1u << 20);
  uint8_t *b = calloc(1, n);
  assert_non_null(b);
  memcpy(b,
         "\x7f"
         "ELF",
         4);
  size_t at = ASH_SCAN_WINDOW - 7; /* across the first window's end */
  put_wide(b + at, "adm.tanaka");
  size_t at2 = n - 30; /* and one in the tail */
  memcpy(b + at2, "DC02", 4);
  assert_int_equal(ash_scanner_scan_memory(sc, "big.bin", b, n), 0);
  const ash_finding *fv;
  size_t fn;
  assert_int_equal(ash_scanner_finish(sc, &fv, &fn), 0);
  assert_int_equal(fn, 1);
  char want[64];
  snprintf(want, sizeof want, "\"offset\":%zu", at);
  assert_non_null(strstr(fv[0].details_json, want));
  assert_non_null(strstr(fv[0].details_json, "\"name\":\"DC02\""));
  assert_int_equal(ash_scanner_stats(sc)->bytes, n);
  free(b);
  ash_scanner_close(sc);
  ash_profile_close(p);
}

static void add_ev(ash_store *s, int64_t id, const char *kind, const char *host, const char *user,
                   const char *sha, const char *path, int64_t ts, uint64_t ref) {
  ash_event ev;
  ash_event_init(&ev);
  ev.kind = kind;
  ev.ts = ts;
  ev.ref = ref;
  ev.host = ash_str_cstr(host);
  ev.user = ash_str_cstr(user);
  if (sha) ev.sha256 = ash_str_cstr(sha);
  if (path) ev.path = ash_str_cstr(path);
  if (sha) ev.threat = ash_str_cstr("HackTool:Win64/Mimikatz");
  ash_ip_parse(ash_str_cstr("10.20.5.5"), &ev.dst_ip);
  assert_int_equal(ash_store_add_event(s, id, &ev), 0);
}

typedef struct cnt {
  int n, score;
} cnt;

static int on_cnt(void *u, const ash_finding *f) {
  cnt *g = u;
  g->n++;
  g->score = f->score;
  return 0;
}

static void test_case(void **st) {
  (void)st;
  char path[] = "/tmp/ash_test_scanXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  unlink(path);
  ash_store *s;
  assert_int_equal(ash_store_open(&s, path, ASH_STORE_CREATE), 0);
  /* the implant the case's antivirus saw */
  uint8_t pe[0x400];
  size_t n = make_pe(pe, 1700000000u, "CORP\\svc_sql2");
  char sha[65];
  ash_sha256_hex(pe, n, sha);
  int64_t id;
  int dup;
  assert_int_equal(ash_store_source_begin(s, "/logs/sec.log", 10, "00", "test", &id, &dup), 0);
  int64_t t0;
  ash_time_parse_iso(ash_str_cstr("2024-07-01T03:04:05Z"), &t0);
  for (int i = 0; i < 50; i++)
    add_ev(s, id, ASH_KIND_WIN_LOGON, "ws0001", "t.sato", NULL, NULL, t0 + i, (uint64_t)i);
  add_ev(s, id, ASH_KIND_WIN_LOGON, "fs01.corp.example.local", "CORP\\svc_sql2", NULL, NULL, t0,
         100);
  add_ev(s, id, ASH_KIND_AV_DETECT, "fs01", "svc_sql2", sha, "C:\\Temp\\tool.exe", t0 + 99, 4242);
  add_ev(s, id, ASH_KIND_AV_DETECT, "ws0001", "t.sato", NULL, "C:\\Users\\x\\tool.exe", t0, 4343);
  ash_source_info info;
  memset(&info, 0, sizeof info);
  info.read = info.parsed = info.events = 53;
  info.first_ts = t0;
  info.last_ts = t0 + 99;
  assert_int_equal(ash_store_source_end(s, id, &info), 0);

  ash_profile *p;
  ash_profile_new(&p);
  assert_int_equal(ash_profile_add_case(p, s), 0);
  const ash_name *nm = find(p, "svc_sql2");
  assert_non_null(nm);
  assert_int_equal(nm->kind, ASH_NAME_SERVICE); /* named like one */
  assert_int_equal(nm->from, ASH_NAME_FROM_CASE);
  assert_int_equal(find(p, "t.sato")->count, 51);
  assert_non_null(find(p, "fs01"));
  assert_non_null(find(p, "CORP"));
  assert_non_null(find(p, "10.20.5.5"));
  ash_scanner *sc;
  char err[512];
  ash_scan_opts o;
  memset(&o, 0, sizeof o);
  o.store = s;
  assert_int_equal(ash_scanner_open(&sc, p, &o, err, sizeof err), 0);
  assert_int_equal(ash_scanner_scan_memory(sc, "/ev/fs01/tool.exe", pe, n), 0);
  const ash_finding *fv;
  size_t fn;
  assert_int_equal(ash_scanner_finish(sc, &fv, &fn), 0);
  assert_int_equal(fn, 1);
  int av_hash = 0, av_name = 0;
  for (size_t i = 0; i < fv[0].nevidence; i++) {
    const ash_evidence *e = &fv[0].evidence[i];
    if (!strcmp(e->kind, "av.detect") && strstr(e->text, "same SHA-256")) {
      av_hash++;
      assert_int_equal(e->ref, 4242);
      assert_string_equal(e->source_path, "/logs/sec.log");
    }
    if (!strcmp(e->kind, "av.detect") && strstr(e->text, "same file name")) av_name++;
  }
  assert_int_equal(av_hash, 1);
  assert_int_equal(av_name, 1);
  assert_int_equal(fv[0].first_seen, t0 + 99);
  assert_non_null(strstr(fv[0].summary, "1 antivirus event for the same SHA-256"));
  int stored = fv[0].score;
  ash_scanner_close(sc);
  ash_profile_close(p);
  assert_int_equal(ash_store_close(s), 0);
  /* stored in the case */
  assert_int_equal(ash_store_open(&s, path, ASH_STORE_READONLY), 0);
  cnt g = {0, 0};
  assert_int_equal(ash_store_findings(s, "implant", on_cnt, &g), 0);
  assert_int_equal(g.n, 1);
  assert_int_equal(g.score, stored);
  ash_store_close(s);
  char aux[sizeof path + 8];
  unlink(path);
  snprintf(aux, sizeof aux, "%s-wal", path);
  unlink(aux);
  snprintf(aux, sizeof aux, "%s-shm", path);
  unlink(aux);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escape),
      cmocka_unit_test(test_hostile_names),
      cmocka_unit_test(test_profile_parse),
      cmocka_unit_test(test_profile_split),
      cmocka_unit_test(test_rules_text),
      cmocka_unit_test(test_scoring),
      cmocka_unit_test(test_pe),
      cmocka_unit_test(test_window_seam),
      cmocka_unit_test(test_case),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
