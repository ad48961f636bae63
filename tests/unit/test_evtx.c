/* Unit tests of the EVTX parser: a chunk built here token by token (every
 * value type, inline and cached templates, arrays, nested BinXml, character
 * and entity references, CDATA, an absent optional value), the samples in
 * tests/data/evtx and tests/golden/evtx with 1, 2 and 3 threads, checksum
 * and damage reporting, carving, and truncated or corrupted inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ingest/evtx.h"

/* ---- building a chunk ---- */

typedef struct bb {
  uint8_t b[EVTX_CHUNK_SIZE];
  size_t n;
} bb;

static void u8(bb *c, unsigned v) { c->b[c->n++] = (uint8_t)v; }
static void u16(bb *c, unsigned v) {
  u8(c, v & 0xff);
  u8(c, (v >> 8) & 0xff);
}
static void u32(bb *c, uint32_t v) {
  u16(c, v & 0xffff);
  u16(c, v >> 16);
}
static void u64(bb *c, uint64_t v) {
  u32(c, (uint32_t)v);
  u32(c, (uint32_t)(v >> 32));
}
static void put32(bb *c, size_t at, uint32_t v) {
  for (int i = 0; i < 4; i++) c->b[at + i] = (uint8_t)(v >> (8 * i));
}
static void utf16(bb *c, const char *s) {
  for (; *s; s++) u16(c, (unsigned char)*s);
}
/* a name reference whose name is stored inline, right after it */
static void name(bb *c, const char *s) {
  u32(c, (uint32_t)c->n + 4);
  u32(c, 0);
  u16(c, 0);
  u16(c, (unsigned)strlen(s));
  utf16(c, s);
  u16(c, 0);
}

static void open_el(bb *c, const char *n, int attrs, int dep) {
  u8(c, attrs ? 0x41 : 0x01);
  if (dep) u16(c, 0xffff);
  u32(c, 0); /* data size: not used by the parser */
  name(c, n);
  if (attrs) u32(c, 0);
}
static void attr(bb *c, const char *n) {
  u8(c, 0x06);
  name(c, n);
}
static void text(bb *c, const char *s) {
  u8(c, 0x05);
  u8(c, 0x01);
  u16(c, (unsigned)strlen(s));
  utf16(c, s);
}
static void subst(bb *c, unsigned idx, unsigned type, int optional) {
  u8(c, optional ? 0x0e : 0x0d);
  u16(c, idx);
  u8(c, type);
}
/* <Data Name="n">%idx</Data> */
static void data_el(bb *c, const char *n, unsigned idx, unsigned type, int optional) {
  open_el(c, "Data", 1, 1);
  attr(c, "Name");
  text(c, n);
  u8(c, 0x02);
  subst(c, idx, type, optional);
  u8(c, 0x04);
}

typedef struct val {
  uint8_t type;
  uint8_t data[64];
  uint16_t size;
} val;

static val V(uint8_t type, const void *p, uint16_t size) {
  val v;
  memset(&v, 0, sizeof v);
  v.type = type;
  memcpy(v.data, p, size);
  v.size = size;
  return v;
}

static const char *TYPES[] = {"i8",  "u8",   "i16",   "u16",    "i32",    "u32",  "i64",
                              "u64", "r32",  "r64",   "bool",   "bin",    "guid", "sizet",
                              "st",  "hx32", "hx64",  "strarr", "u16arr", "ansi", "absent",
                              "xml", "sid",  "empty", "str"};
enum { NTYPES = sizeof TYPES / sizeof TYPES[0] };
/* substitution 0: EventID, 1: TimeCreated, 2: Computer, 3: UserID,
 * 4..: the Data items above */

static void template_body(bb *c) {
  u8(c, 0x0f);
  u8(c, 1);
  u8(c, 1);
  u8(c, 0);
  open_el(c, "Event", 1, 1);
  attr(c, "xmlns");
  text(c, "urn:test");
  u8(c, 0x02);
  open_el(c, "System", 0, 1);
  u8(c, 0x02);
  open_el(c, "EventID", 0, 1);
  u8(c, 0x02);
  subst(c, 0, 0x06, 0);
  u8(c, 0x04);
  open_el(c, "TimeCreated", 1, 1);
  attr(c, "SystemTime");
  subst(c, 1, 0x11, 1);
  u8(c, 0x03);
  open_el(c, "Computer", 0, 1);
  u8(c, 0x02);
  subst(c, 2, 0x01, 0);
  u8(c, 0x04);
  open_el(c, "Channel", 0, 1);
  u8(c, 0x02);
  text(c, "Test/Operational");
  u8(c, 0x04);
  open_el(c, "Security", 1, 1);
  attr(c, "UserID");
  subst(c, 3, 0x13, 1);
  u8(c, 0x03);
  u8(c, 0x04); /* </System> */
  open_el(c, "EventData", 0, 1);
  u8(c, 0x02);
  for (unsigned i = 0; i < NTYPES; i++) data_el(c, TYPES[i], 4 + i, 0x01, i == 20);
  /* mixed content: text, character reference, entity reference, CDATA */
  open_el(c, "Data", 1, 1);
  attr(c, "Name");
  text(c, "mixed");
  u8(c, 0x02);
  u8(c, 0x45);
  u8(c, 0x01);
  u16(c, 1);
  utf16(c, "a");
  u8(c, 0x48);
  u16(c, 0x263a); /* U+263A */
  u8(c, 0x49);
  name(c, "amp");
  u8(c, 0x07);
  u16(c, 3);
  utf16(c, "x<y");
  u8(c, 0x04);
  u8(c, 0x04); /* </EventData> */
  u8(c, 0x04); /* </Event> */
  u8(c, 0x00);
}

static void values(bb *c, int variant) {
  static const uint8_t guid[16] = {0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49,
                                   0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d};
  /* S-1-5-21-1-2-3-500 */
  static const uint8_t sid[] = {1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0,    0, 1, 0,
                                0, 0, 2, 0, 0, 0, 3, 0, 0,  0, 0xf4, 1, 0, 0};
  /* 2021-11-19 16:52:33.833 (SYSTEMTIME) */
  static const uint8_t st[16] = {0xe5, 7, 11, 0, 5, 0, 19, 0, 16, 0, 52, 0, 33, 0, 0x41, 3};
  uint8_t i8 = 0x80, u8v = 200, b16[2] = {0x00, 0x80}, u16v[2] = {0x39, 0x30};
  uint8_t i32[4] = {0xff, 0xff, 0xff, 0xff}, u32v[4] = {0xff, 0xff, 0xff, 0xff};
  uint8_t i64[8] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  uint8_t u64v[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  float f = 1.5f;
  double d = -0.25;
  uint8_t bo[4] = {1, 0, 0, 0}, bin[3] = {0xde, 0xad, 0x01};
  uint8_t sz[8] = {0x2a, 0, 0, 0, 0, 0, 0, 0}, hx32[4] = {0xe7, 3, 0, 0};
  uint8_t hx64[8] = {0xe7, 3, 0, 0, 0, 0, 0, 0};
  uint8_t arr[] = {'a', 0, 0, 0, 'b', 0, 'c', 0, 0, 0}; /* "a", "bc" */
  uint8_t u16arr[] = {1, 0, 2, 0, 3, 0};
  uint8_t ansi[] = {'c', 'a', 'f', 0xe9, 0};
  uint16_t eid = variant ? 4625 : 4624;
  uint8_t eidb[2] = {(uint8_t)eid, (uint8_t)(eid >> 8)};
  uint64_t ft = 132818143538337335ull; /* 2021-11-19T16:52:33.8337335Z */
  uint8_t ftb[8];
  for (int k = 0; k < 8; k++) ftb[k] = (uint8_t)(ft >> (8 * k));
  uint8_t comp[16], str[8];
  const char *cs = "HOST01.corp";
  for (int k = 0; k < 8; k++) comp[2 * k] = (uint8_t)cs[k], comp[2 * k + 1] = 0;
  const char *ss = "end";
  for (int k = 0; k < 3; k++) str[2 * k] = (uint8_t)ss[k], str[2 * k + 1] = 0;
  str[6] = str[7] = 0; /* trailing NUL, as Windows writes strings */
  float fv = f;
  uint8_t fb[4], db[8];
  memcpy(fb, &fv, 4);
  memcpy(db, &d, 8);
  val v[4 + NTYPES];
  v[0] = V(0x06, eidb, 2);
  v[1] = V(0x11, ftb, 8);
  v[2] = V(0x01, comp, 12); /* "HOST01" */
  v[3] = variant ? V(0x00, "", 0) : V(0x13, sid, sizeof sid);
  v[4] = V(0x03, &i8, 1);
  v[5] = V(0x04, &u8v, 1);
  v[6] = V(0x05, b16, 2);
  v[7] = V(0x06, u16v, 2);
  v[8] = V(0x07, i32, 4);
  v[9] = V(0x08, u32v, 4);
  v[10] = V(0x09, i64, 8);
  v[11] = V(0x0a, u64v, 8);
  v[12] = V(0x0b, fb, 4);
  v[13] = V(0x0c, db, 8);
  v[14] = V(0x0d, bo, 4);
  v[15] = V(0x0e, bin, 3);
  v[16] = V(0x0f, guid, 16);
  v[17] = V(0x10, sz, 8);
  v[18] = V(0x12, st, 16);
  v[19] = V(0x14, hx32, 4);
  v[20] = V(0x15, hx64, 8);
  v[21] = V(0x81, arr, sizeof arr);
  v[22] = V(0x86, u16arr, sizeof u16arr);
  v[23] = V(0x02, ansi, sizeof ansi);
  v[24] = V(0x00, "", 0); /* absent optional value: no element */
  v[25] = V(0x21, "", 0); /* nested BinXml, filled below */
  v[26] = V(0x13, sid, sizeof sid);
  v[27] = V(0x01, "", 0);
  v[28] = V(0x01, str, 8);
  u32(c, 4 + NTYPES);
  size_t desc = c->n;
  for (unsigned i = 0; i < 4 + NTYPES; i++) {
    u16(c, v[i].size);
    u8(c, v[i].type);
    u8(c, 0);
  }
  for (unsigned i = 0; i < 4 + NTYPES; i++) {
    if (v[i].type != 0x21) {
      memcpy(c->b + c->n, v[i].data, v[i].size);
      c->n += v[i].size;
      continue;
    }
    /* <Inner a="1">deep</Inner> written directly, no dependency ids */
    size_t start = c->n;
    open_el(c, "Inner", 1, 0);
    attr(c, "a");
    text(c, "1");
    u8(c, 0x02);
    text(c, "deep");
    u8(c, 0x04);
    u8(c, 0x00);
    uint16_t sz16 = (uint16_t)(c->n - start);
    c->b[desc + 4 * i] = (uint8_t)sz16;
    c->b[desc + 4 * i + 1] = (uint8_t)(sz16 >> 8);
  }
}

/* One record: the template inline in the first, referenced in the second. */
static void record(bb *c, uint64_t id, uint32_t *def, int variant) {
  size_t start = c->n;
  u32(c, 0x00002a2a);
  u32(c, 0); /* size, patched */
  u64(c, id);
  u64(c, 132818143538337335ull);
  u8(c, 0x0f);
  u8(c, 1);
  u8(c, 1);
  u8(c, 0);
  u8(c, 0x0c);
  u8(c, 1);
  u32(c, 0x1234);
  if (!*def) {
    *def = (uint32_t)c->n + 4;
    u32(c, *def);
    u32(c, 0); /* next */
    /* GUID; Windows names the template by its first 4 bytes (the id above) */
    for (int k = 0; k < 16; k++) u8(c, k < 4 ? (0x1234u >> (8 * k)) & 0xff : (unsigned)k);
    size_t szat = c->n;
    u32(c, 0);
    size_t body = c->n;
    template_body(c);
    put32(c, szat, (uint32_t)(c->n - body));
  } else {
    u32(c, *def);
  }
  values(c, variant);
  u8(c, 0x00);
  while ((c->n - start + 4) % 8) u8(c, 0);
  u32(c, (uint32_t)(c->n - start + 4));
  put32(c, start + 4, (uint32_t)(c->n - start));
}

/* A file: header + one chunk with two records. */
static uint8_t *build_file(size_t *len, int bad_crc) {
  static bb c;
  memset(&c, 0, sizeof c);
  memcpy(c.b, "ElfChnk", 8);
  c.n = EVTX_CHUNK_HEADER;
  uint32_t def = 0;
  record(&c, 1, &def, 0);
  size_t second = c.n;
  record(&c, 2, &def, 1);
  uint8_t *h = c.b;
  for (int k = 0; k < 8; k++) {
    h[8 + k] = h[24 + k] = (uint8_t)(k == 0);
    h[16 + k] = h[32 + k] = (uint8_t)(k == 0 ? 2 : 0);
  }
  put32(&c, 40, 128);
  put32(&c, 44, (uint32_t)second);
  put32(&c, 48, (uint32_t)c.n);
  put32(&c, 52, (uint32_t)crc32(0L, h + 512, (uInt)(c.n - 512)));
  uint32_t hc = (uint32_t)crc32(crc32(0L, h, 120), h + 128, 384);
  put32(&c, 124, bad_crc ? hc ^ 1 : hc);
  uint8_t *f = calloc(1, EVTX_FILE_HEADER + EVTX_CHUNK_SIZE);
  memcpy(f, "ElfFile", 8);
  f[32] = 128;
  f[36] = 1;
  f[38] = 3;
  f[41] = 0x10;
  f[42] = 1;
  uint32_t fc = (uint32_t)crc32(0L, f, 120);
  for (int k = 0; k < 4; k++) f[124 + k] = (uint8_t)(fc >> (8 * k));
  memcpy(f + EVTX_FILE_HEADER, c.b, EVTX_CHUNK_SIZE);
  *len = EVTX_FILE_HEADER + EVTX_CHUNK_SIZE;
  return f;
}

typedef struct collect {
  ash_buf out;
} collect;

static int on_xml(void *u, uint64_t id, const char *xml, size_t n, const char *why) {
  collect *c = u;
  if (!n) return ash_buf_printf(&c->out, "record %llu: %s\n", (unsigned long long)id, why);
  return ash_buf_add(&c->out, xml, n);
}

static const char *EXPECTED_1 =
    "<Event xmlns=\"urn:test\">\n"
    "  <System>\n"
    "    <EventID>4624</EventID>\n"
    "    <TimeCreated SystemTime=\"2021-11-19T16:52:33.833733500Z\"/>\n"
    "    <Computer>HOST01</Computer>\n"
    "    <Channel>Test/Operational</Channel>\n"
    "    <Security UserID=\"S-1-5-21-1-2-3-500\"/>\n"
    "  </System>\n"
    "  <EventData>\n"
    "    <Data Name=\"i8\">-128</Data>\n"
    "    <Data Name=\"u8\">200</Data>\n"
    "    <Data Name=\"i16\">-32768</Data>\n"
    "    <Data Name=\"u16\">12345</Data>\n"
    "    <Data Name=\"i32\">-1</Data>\n"
    "    <Data Name=\"u32\">4294967295</Data>\n"
    "    <Data Name=\"i64\">-2</Data>\n"
    "    <Data Name=\"u64\">18446744073709551615</Data>\n"
    "    <Data Name=\"r32\">1.5</Data>\n"
    "    <Data Name=\"r64\">-0.25</Data>\n"
    "    <Data Name=\"bool\">true</Data>\n"
    "    <Data Name=\"bin\">DEAD01</Data>\n"
    "    <Data Name=\"guid\">{54849625-5478-4994-A5BA-3E3B0328C30D}</Data>\n"
    "    <Data Name=\"sizet\">42</Data>\n"
    "    <Data Name=\"st\">2021-11-19T16:52:33.833Z</Data>\n"
    "    <Data Name=\"hx32\">0x000003e7</Data>\n"
    "    <Data Name=\"hx64\">0x00000000000003e7</Data>\n"
    "    <Data Name=\"strarr\">a</Data>\n"
    "    <Data Name=\"strarr\">bc</Data>\n"
    "    <Data Name=\"u16arr\">1</Data>\n"
    "    <Data Name=\"u16arr\">2</Data>\n"
    "    <Data Name=\"u16arr\">3</Data>\n"
    "    <Data Name=\"ansi\">caf\xc3\xa9</Data>\n"
    "    <Data Name=\"xml\">\n"
    "      <Inner a=\"1\">deep</Inner>\n"
    "    </Data>\n"
    "    <Data Name=\"sid\">S-1-5-21-1-2-3-500</Data>\n"
    "    <Data Name=\"empty\"/>\n"
    "    <Data Name=\"str\">end</Data>\n"
    "    <Data Name=\"mixed\">a\xe2\x98\xba&amp;x&lt;y</Data>\n"
    "  </EventData>\n"
    "</Event>\n";

static void test_synthetic_chunk(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = build_file(&n, 0);
  /* EVTX_SYNTHETIC_OUT=file writes the chunk out (a fuzz corpus seed) */
  const char *dump = getenv("EVTX_SYNTHETIC_OUT");
  if (dump) {
    FILE *o = fopen(dump, "wb");
    assert_non_null(o);
    assert_int_equal(fwrite(f + EVTX_FILE_HEADER, 1, n - EVTX_FILE_HEADER, o),
                     n - EVTX_FILE_HEADER);
    fclose(o);
  }
  collect c;
  ash_buf_init(&c.out, 1 << 20);
  assert_int_equal(ash_evtx_each_xml(f, n, 0, on_xml, &c), ASH_OK);
  /* first record: everything; second: the cached template, no UserID
   * (absent optional attribute), another EventID */
  assert_non_null(c.out.p);
  assert_true(c.out.n > strlen(EXPECTED_1));
  assert_memory_equal(c.out.p, EXPECTED_1, strlen(EXPECTED_1));
  const char *second = c.out.p + strlen(EXPECTED_1);
  assert_non_null(strstr(second, "<EventID>4625</EventID>"));
  assert_non_null(strstr(second, "    <Security/>\n"));
  assert_null(strstr(c.out.p, "absent"));
  ash_buf_free(&c.out);
  free(f);
}

typedef struct evs {
  ash_buf out;
  ash_buf line;
  uint64_t rejects;
  char reason[256];       /* the last reject's */
  char first_reason[256]; /* the first reject's */
  uint64_t first_ref;
} evs;

static int on_event(void *u, const ash_event *ev) {
  evs *e = u;
  ash_buf_reset(&e->line);
  int rc = ash_event_to_json(ev, "x", 1, NULL, &e->line);
  if (!rc) rc = ash_buf_add(&e->out, e->line.p, e->line.n);
  if (!rc) rc = ash_buf_addc(&e->out, '\n');
  return rc;
}

static int on_reject(void *u, uint64_t ref, const char *reason, const void *raw, size_t n) {
  (void)raw;
  (void)n;
  evs *e = u;
  if (!e->rejects++) {
    snprintf(e->first_reason, sizeof e->first_reason, "%s", reason);
    e->first_ref = ref;
  }
  snprintf(e->reason, sizeof e->reason, "%s", reason);
  return ASH_OK;
}

static int parse(const uint8_t *p, size_t n, int threads, int carve, evs *e, ash_mem_result *r) {
  ash_parse_opts o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  o.carve = carve;
  memset(e, 0, sizeof *e);
  ash_buf_init(&e->out, 256u << 20);
  ash_buf_init(&e->line, 16u << 20);
  int rc = ash_parse_memory(ash_format_find("evtx"), p, n, &o, on_event, on_reject, e, r);
  assert_int_equal(r->read, r->parsed + r->rejected);
  assert_int_equal(r->rejected, e->rejects);
  return rc;
}

static void evs_free(evs *e) {
  ash_buf_free(&e->out);
  ash_buf_free(&e->line);
}

static void test_synthetic_events(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = build_file(&n, 1);
  evs e;
  ash_mem_result r;
  assert_int_equal(parse(f, n, 1, 0, &e, &r), ASH_OK);
  assert_int_equal(r.parsed, 2);
  assert_non_null(strstr(e.out.p, "\"ts\":\"2021-11-19T16:52:33.833733Z\",\"kind\":\"win.event\","
                                  "\"host\":\"host01\""));
  assert_non_null(strstr(e.out.p, "\"strarr\":\"a\",\"strarr\":\"bc\""));
  assert_non_null(strstr(e.out.p, "\"xml\":\"deep\""));
  assert_non_null(strstr(e.out.p, "\"System.UserID\":\"S-1-5-21-1-2-3-500\""));
  /* the chunk header checksum was damaged on purpose: said, not fatal */
  assert_non_null(strstr(e.out.p, "\"EvtxIntegrity\":\"chunk header checksum mismatch\""));
  evs_free(&e);
  /* a bare chunk (no file header) is read too */
  assert_int_equal(parse(f + EVTX_FILE_HEADER, n - EVTX_FILE_HEADER, 1, 0, &e, &r), ASH_OK);
  assert_int_equal(r.parsed, 2);
  evs_free(&e);
  /* not EVTX at all */
  assert_int_equal(parse((const uint8_t *)"hello", 5, 1, 0, &e, &r), ASH_EFORMAT);
  evs_free(&e);
  free(f);
}

static uint8_t *slurp(const char *path, size_t *n) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long len = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  uint8_t *b = malloc(len > 0 ? (size_t)len : 1);
  if (b && fread(b, 1, (size_t)len, fp) != (size_t)len) {
    free(b);
    b = NULL;
  }
  fclose(fp);
  *n = (size_t)len;
  return b;
}

/* Every .evtx of a directory. */
static int each_file(const char *dir, void (*fn)(const char *path, const uint8_t *p, size_t n)) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *de;
  int count = 0;
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (l < 5 || strcmp(de->d_name + l - 5, ".evtx")) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    size_t n;
    uint8_t *p = slurp(path, &n);
    assert_non_null(p);
    fn(path, p, n);
    free(p);
    count++;
  }
  closedir(d);
  return count;
}

static void same_with_threads(const char *path, const uint8_t *p, size_t n) {
  evs a, b;
  ash_mem_result ra, rb;
  assert_int_equal(parse(p, n, 1, 0, &a, &ra), ASH_OK);
  for (int t = 2; t <= 3; t++) {
    assert_int_equal(parse(p, n, t, 0, &b, &rb), ASH_OK);
    if (a.out.n != b.out.n || (a.out.n && memcmp(a.out.p, b.out.p, a.out.n)))
      fail_msg("%s: output differs with %d threads", path, t);
    assert_int_equal(ra.read, rb.read);
    assert_int_equal(ra.parsed, rb.parsed);
    evs_free(&b);
  }
  assert_true(ra.parsed > 0);
  evs_free(&a);
}

static char g_dir[4096];

static const char *dir_of(const char *sub) {
  const char *src = getenv("ASH_SRC");
  snprintf(g_dir, sizeof g_dir, "%s/tests/%s", src ? src : ".", sub);
  return g_dir;
}

static void test_samples_threads(void **st) {
  (void)st;
  assert_true(each_file(dir_of("data/evtx"), same_with_threads) >= 5);
  assert_true(each_file(dir_of("golden/evtx"), same_with_threads) >= 5);
}

/* All sample chunks behind one file header: a multi-chunk file, so that
 * the parallel path (one slot per chunk, emitted in order) is exercised. */
static ash_buf g_multi;

static void add_chunks(const char *path, const uint8_t *p, size_t n) {
  (void)path;
  for (size_t off = EVTX_FILE_HEADER; off + EVTX_CHUNK_SIZE <= n; off += EVTX_CHUNK_SIZE)
    if (!memcmp(p + off, "ElfChnk", 8))
      assert_int_equal(ash_buf_add(&g_multi, p + off, EVTX_CHUNK_SIZE), ASH_OK);
}

static void build_multi(void) {
  ash_buf_init(&g_multi, 64u << 20);
  uint8_t hdr[EVTX_FILE_HEADER];
  memset(hdr, 0, sizeof hdr);
  memcpy(hdr, "ElfFile", 8);
  assert_int_equal(ash_buf_add(&g_multi, hdr, sizeof hdr), ASH_OK);
  each_file(dir_of("data/evtx"), add_chunks);
  each_file(dir_of("golden/evtx"), add_chunks);
  /* twice, with a damaged chunk between the copies */
  size_t one = g_multi.n - EVTX_FILE_HEADER;
  assert_true(one >= 8 * EVTX_CHUNK_SIZE);
  uint8_t *junk = malloc(EVTX_CHUNK_SIZE);
  assert_non_null(junk);
  memset(junk, 0x5a, EVTX_CHUNK_SIZE);
  assert_int_equal(ash_buf_add(&g_multi, junk, EVTX_CHUNK_SIZE), ASH_OK);
  free(junk);
  uint8_t *copy = malloc(one);
  assert_non_null(copy);
  memcpy(copy, g_multi.p + EVTX_FILE_HEADER, one);
  assert_int_equal(ash_buf_add(&g_multi, copy, one), ASH_OK);
  free(copy);
  /* the header counts the chunks: the junk one is damage, not slack */
  size_t nch = (g_multi.n - EVTX_FILE_HEADER) / EVTX_CHUNK_SIZE;
  g_multi.p[42] = (char)(nch & 0xff);
  g_multi.p[43] = (char)(nch >> 8);
}

static void test_parallel_order(void **st) {
  (void)st;
  build_multi();
  const uint8_t *p = (const uint8_t *)g_multi.p;
  size_t n = g_multi.n;
  evs a, b;
  ash_mem_result ra, rb;
  assert_int_equal(parse(p, n, 1, 0, &a, &ra), ASH_OK);
  assert_int_equal(ra.rejected % 2, 1); /* the junk chunk, plus damage counted twice */
  for (int t = 2; t <= 5; t++) {
    assert_int_equal(parse(p, n, t, t % 2, &b, &rb), ASH_OK);
    if (t % 2 == 0) {
      assert_int_equal(ra.read, rb.read);
      if (a.out.n != b.out.n || memcmp(a.out.p, b.out.p, a.out.n))
        fail_msg("output differs with %d threads", t);
    } else {
      assert_true(rb.parsed >= ra.parsed);
    }
    evs_free(&b);
  }
  evs_free(&a);
  ash_buf_free(&g_multi);
}

static int stop_after_10(void *u, const ash_event *ev) {
  (void)ev;
  int *k = u;
  return ++*k >= 10 ? ASH_ESTOP : ASH_OK;
}

static void test_stop(void **st) {
  (void)st;
  build_multi();
  for (int t = 1; t <= 3; t++) {
    int k = 0;
    ash_parse_opts o;
    memset(&o, 0, sizeof o);
    o.threads = t;
    ash_mem_result r;
    assert_int_equal(ash_parse_memory(ash_format_find("evtx"), (const uint8_t *)g_multi.p,
                                      g_multi.n, &o, stop_after_10, NULL, &k, &r),
                     ASH_ESTOP);
    assert_int_equal(k, 10);
  }
  ash_buf_free(&g_multi);
}

static void test_damage_reported(void **st) {
  (void)st;
  char path[8192];
  size_t n;
  evs e;
  ash_mem_result r;
  /* a chunk without CRC32s: read, and said on every event */
  snprintf(path, sizeof path, "%s/application_no_crc32.evtx", dir_of("data/evtx"));
  uint8_t *p = slurp(path, &n);
  assert_non_null(p);
  assert_int_equal(parse(p, n, 1, 0, &e, &r), ASH_OK);
  assert_int_equal(r.parsed, 17);
  assert_non_null(strstr(e.out.p, "\"EvtxIntegrity\":\"chunk header and records checksum"));
  evs_free(&e);
  free(p);
  /* records 6-20 zeroed after a record whose size and copy of size
   * disagree: the chunk header (its checksum holds) says 20 records were
   * there, so each of the 15 lost is a reject with its number */
  snprintf(path, sizeof path, "%s/helloforbusiness_bad_record.evtx", dir_of("data/evtx"));
  p = slurp(path, &n);
  assert_non_null(p);
  assert_int_equal(parse(p, n, 1, 0, &e, &r), ASH_OK);
  assert_int_equal(r.parsed, 5);
  assert_int_equal(r.rejected, 15);
  assert_int_equal(e.first_ref, 6);
  assert_string_equal(e.first_reason,
                      "bad record header at byte 8080 (6088 bytes); records 6-20 by their numbers");
  evs_free(&e);
  free(p);
  /* a record of size 0: that record is rejected, the 116 after it are
   * found by their signature (they were lost before, and needed --carve) */
  snprintf(path, sizeof path, "%s/zero_data_size_chunk.evtx", dir_of("data/evtx"));
  p = slurp(path, &n);
  assert_non_null(p);
  assert_int_equal(parse(p, n, 1, 0, &e, &r), ASH_OK);
  assert_int_equal(r.parsed, 116);
  assert_int_equal(r.rejected, 1);
  assert_int_equal(e.first_ref, 3);
  assert_null(strstr(e.out.p, "\"EvtxIntegrity\":\"carved"));
  evs_free(&e);
  assert_int_equal(parse(p, n, 2, 1, &e, &r), ASH_OK);
  assert_int_equal(r.parsed, 116);
  evs_free(&e);
  free(p);
}

/* A record decoded with a template definition whose GUID is not the one
 * its instance names would put its values under another event's names:
 * rejected instead (records of another chunk, as volume shadow copies
 * mix them, meet such definitions). */
static void test_template_of_another_event_is_not_used(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = build_file(&n, 0);
  static const uint8_t guid[8] = {0x34, 0x12, 0, 0, 4, 5, 6, 7};
  uint8_t *g = memmem(f, n, guid, sizeof guid);
  assert_non_null(g);
  g[0] ^= 0xff;
  evs e;
  ash_mem_result r;
  assert_int_equal(parse(f, n, 1, 0, &e, &r), ASH_OK);
  assert_int_equal(r.parsed, 0);
  assert_true(r.rejected >= 2);
  assert_string_equal(e.first_reason, "template instance names another template");
  evs_free(&e);
  free(f);
}

/* ---- damaged files built from good ones ----
 * Three real chunks (91, 56 and 24 records) behind one file header that
 * counts `counted` of them, with its checksum right. */
static const char *const THREE[] = {"data/evtx/logclear_104_1102.evtx", "golden/evtx/rdp_131.evtx",
                                    "golden/evtx/security_loopback_type2.evtx"};
enum { THREE_RECORDS = 91 + 56 + 24 };

static uint8_t *chunk_at(uint8_t *f, int i) {
  return f + EVTX_FILE_HEADER + (size_t)i * EVTX_CHUNK_SIZE;
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put32le(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* add `add` to the number of every record of an intact chunk and to the
 * header's first and last numbers, and recompute both checksums */
static void renumber(uint8_t *c, uint64_t add) {
  uint32_t free_off = ash_le32(c + 48);
  for (size_t pos = EVTX_CHUNK_HEADER; pos + EVTX_RECORD_HEADER <= free_off;) {
    uint32_t size = ash_le32(c + pos + 4);
    assert_true(c[pos] == 0x2a && size >= 28);
    put64(c + pos + 8, ash_le64(c + pos + 8) + add);
    pos += size;
  }
  for (int k = 24; k <= 32; k += 8) put64(c + k, ash_le64(c + k) + add);
  put32le(c + 52, (uint32_t)crc32(0L, c + EVTX_CHUNK_HEADER, free_off - EVTX_CHUNK_HEADER));
  uint32_t h = (uint32_t)crc32(crc32(0L, c, 120), c + 128, EVTX_CHUNK_HEADER - 128);
  put32le(c + 124, h);
}

static uint8_t *three_chunks(size_t *n, unsigned counted) {
  *n = EVTX_FILE_HEADER + 3 * EVTX_CHUNK_SIZE;
  uint8_t *f = calloc(1, *n);
  assert_non_null(f);
  for (int i = 0; i < 3; i++) {
    char path[8192];
    size_t m;
    snprintf(path, sizeof path, "%s/tests/%s", getenv("ASH_SRC") ? getenv("ASH_SRC") : ".",
             THREE[i]);
    uint8_t *p = slurp(path, &m);
    assert_non_null(p);
    assert_int_equal(m, EVTX_FILE_HEADER + EVTX_CHUNK_SIZE);
    if (!i) memcpy(f, p, EVTX_FILE_HEADER);
    memcpy(f + EVTX_FILE_HEADER + (size_t)i * EVTX_CHUNK_SIZE, p + EVTX_FILE_HEADER,
           EVTX_CHUNK_SIZE);
    free(p);
  }
  /* the three come from different logs: number their records apart, as
   * records of one log are, with the checksums made right again */
  for (int i = 1; i < 3; i++) renumber(chunk_at(f, i), 1000u * (unsigned)i);
  f[42] = (uint8_t)counted;
  f[43] = 0;
  uint32_t crc = (uint32_t)crc32(0L, f, 120);
  for (int i = 0; i < 4; i++) f[124 + i] = (uint8_t)(crc >> (8 * i));
  return f;
}

/* parse with 1, 2 and 3 threads: the same output and accounting */
static void parse_all_threads(const uint8_t *p, size_t n, int carve, evs *e, ash_mem_result *r) {
  assert_int_equal(parse(p, n, 1, carve, e, r), ASH_OK);
  for (int t = 2; t <= 3; t++) {
    evs b;
    ash_mem_result rb;
    assert_int_equal(parse(p, n, t, carve, &b, &rb), ASH_OK);
    assert_int_equal(rb.read, r->read);
    assert_int_equal(rb.parsed, r->parsed);
    assert_int_equal(b.out.n, e->out.n);
    if (e->out.n) assert_memory_equal(b.out.p, e->out.p, e->out.n);
    assert_string_equal(b.first_reason, e->first_reason);
    evs_free(&b);
  }
}

static void test_three_chunks_intact(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = three_chunks(&n, 3);
  evs e;
  ash_mem_result r;
  parse_all_threads(f, n, 0, &e, &r);
  assert_int_equal(r.parsed, THREE_RECORDS);
  assert_int_equal(r.rejected, 0);
  assert_null(strstr(e.out.p, "EvtxIntegrity"));
  evs_free(&e);
  free(f);
}

static void test_bad_chunk_magic_beyond_header_count_loses_no_record(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = three_chunks(&n, 1);
  chunk_at(f, 2)[0] = 'X';
  for (int carve = 0; carve <= 1; carve++) {
    evs e;
    ash_mem_result r;
    parse_all_threads(f, n, carve, &e, &r);
    assert_int_equal(r.parsed, THREE_RECORDS);
    assert_int_equal(r.rejected, 0);
    assert_non_null(strstr(e.out.p, "\"EvtxIntegrity\":\"chunk signature damaged\""));
    evs_free(&e);
  }
  free(f);
}

static void test_bad_chunk_magic_inside_header_count_loses_no_record(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = three_chunks(&n, 3);
  chunk_at(f, 1)[3] ^= 0x20;
  evs e;
  ash_mem_result r;
  parse_all_threads(f, n, 0, &e, &r);
  assert_int_equal(r.parsed, THREE_RECORDS);
  assert_int_equal(r.rejected, 0);
  evs_free(&e);
  free(f);
}

/* the whole chunk header zeroed (as in omerbenamram's
 * sample_with_a_bad_chunk_magic.evtx): records found by their signature */
static void test_zeroed_chunk_header_records_recovered(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = three_chunks(&n, 3);
  memset(chunk_at(f, 1), 0, EVTX_CHUNK_HEADER);
  evs e;
  ash_mem_result r;
  parse_all_threads(f, n, 0, &e, &r);
  assert_int_equal(r.parsed, THREE_RECORDS);
  assert_int_equal(r.rejected, 0);
  assert_non_null(strstr(e.out.p, "recovered by record signature"));
  evs_free(&e);
  /* a chunk of junk inside the count: one reject that says where */
  memset(chunk_at(f, 1), 0x5a, EVTX_CHUNK_SIZE);
  parse_all_threads(f, n, 0, &e, &r);
  assert_int_equal(r.parsed, 91 + 24);
  assert_int_equal(r.rejected, 1);
  assert_string_equal(e.first_reason, "bytes that are no record at byte 69632 (65536 bytes)");
  evs_free(&e);
  free(f);
}

static void test_bad_first_record_size_costs_one_record(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = three_chunks(&n, 3);
  chunk_at(f, 1)[EVTX_CHUNK_HEADER + 4] ^= 0x01;
  evs e;
  ash_mem_result r;
  parse_all_threads(f, n, 0, &e, &r);
  assert_int_equal(r.parsed, THREE_RECORDS - 1);
  assert_int_equal(r.rejected, 1);
  assert_int_equal(e.first_ref, ash_le64(chunk_at(f, 1) + EVTX_CHUNK_HEADER + 8));
  assert_true(!strncmp(e.first_reason, "bad record header at byte 70144 (", 33));
  evs_free(&e);
  free(f);
}

static void test_truncated_file_header_is_rejected(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = three_chunks(&n, 3);
  evs e;
  ash_mem_result r;
  assert_int_equal(parse(f, 3000, 1, 0, &e, &r), ASH_OK);
  assert_int_equal(r.read, 1);
  assert_int_equal(r.rejected, 1);
  assert_string_equal(e.first_reason,
                      "file header truncated at byte 3000 (it counts 3 chunks, none present)");
  evs_free(&e);
  free(f);
}

/* cut inside chunk 1: its records after the cut are counted by the
 * numbers of its header; chunk 2 is one reject */
static void test_file_cut_inside_a_chunk_counts_its_records(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = three_chunks(&n, 3);
  size_t cut = EVTX_FILE_HEADER + EVTX_CHUNK_SIZE + 20000;
  evs e;
  ash_mem_result r;
  parse_all_threads(f, cut, 0, &e, &r);
  assert_int_equal(r.read, 91 + 56 + 1);
  assert_true(r.parsed > 91 && r.parsed < 91 + 56);
  assert_true(!strncmp(e.first_reason, "chunk cut short by the end of the file at byte ", 47));
  assert_string_equal(e.reason,
                      "file truncated at byte 89632: the file header counts 3 chunks, 2 present");
  evs_free(&e);
  /* inside the header of chunk 1 */
  cut = EVTX_FILE_HEADER + EVTX_CHUNK_SIZE + 300;
  parse_all_threads(f, cut, 0, &e, &r);
  assert_int_equal(r.parsed, 91);
  assert_int_equal(r.rejected, 2);
  assert_string_equal(e.first_reason,
                      "chunk at byte 69632 cut short by the end of the file at byte 69932");
  evs_free(&e);
  /* at a chunk boundary */
  parse_all_threads(f, EVTX_FILE_HEADER + EVTX_CHUNK_SIZE, 0, &e, &r);
  assert_int_equal(r.parsed, 91);
  assert_int_equal(r.rejected, 1);
  assert_string_equal(e.first_reason,
                      "file truncated at byte 69632: the file header counts 3 chunks, 1 present");
  evs_free(&e);
  free(f);
}

/* --carve: a candidate in slack that does not decode must not end the
 * carving of its chunk (it did: its "not decoded" was 1, ASH_ENOMEM) */
static void test_carving_goes_on_after_a_candidate_that_does_not_decode(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = three_chunks(&n, 3);
  uint8_t *c = chunk_at(f, 2);
  /* the second record: its template is defined by the first, so that a
   * copy of it decodes anywhere in the chunk */
  size_t second = EVTX_CHUNK_HEADER + ash_le32(c + EVTX_CHUNK_HEADER + 4);
  uint32_t free_off = ash_le32(c + 48), size = ash_le32(c + second + 4);
  assert_true(free_off + 2 * size <= EVTX_CHUNK_SIZE);
  /* two copies of it in the chunk's slack, renumbered: the first with its
   * binary XML broken, the second intact */
  for (int k = 0; k < 2; k++) {
    uint8_t *r = c + free_off + (size_t)k * size;
    memcpy(r, c + second, size);
    put64(r + 8, 900000u + (unsigned)k);
    if (!k) memset(r + EVTX_RECORD_HEADER, 0xee, 8);
  }
  evs e;
  ash_mem_result r;
  parse_all_threads(f, n, 1, &e, &r);
  assert_int_equal(r.parsed, THREE_RECORDS + 1);
  assert_int_equal(r.rejected, 0);
  assert_non_null(strstr(e.out.p, "\"EvtxIntegrity\":\"carved"));
  evs_free(&e);
  free(f);
}

/* chunks without their file header: found, read, and the bytes in front
 * of them are one reject unless they are zeros */
static void test_headerless_chunks_are_read(void **st) {
  (void)st;
  size_t n;
  uint8_t *f = three_chunks(&n, 3);
  evs e;
  ash_mem_result r;
  /* the header zeroed: not even a reject (nothing is lost) */
  memset(f, 0, EVTX_FILE_HEADER);
  assert_ptr_equal(ash_format_sniff(f, ASH_SNIFF_BYTES), ash_format_find("evtx"));
  parse_all_threads(f, n, 0, &e, &r);
  assert_int_equal(r.parsed, THREE_RECORDS);
  assert_int_equal(r.rejected, 0);
  evs_free(&e);
  /* garbage in its place */
  memset(f, 0x33, EVTX_FILE_HEADER);
  assert_ptr_equal(ash_format_sniff(f, ASH_SNIFF_BYTES), ash_format_find("evtx"));
  parse_all_threads(f, n, 0, &e, &r);
  assert_int_equal(r.parsed, THREE_RECORDS);
  assert_int_equal(r.rejected, 1);
  assert_string_equal(e.first_reason,
                      "no file header: the 4096 bytes before the first chunk are no EVTX header");
  evs_free(&e);
  /* the chunks alone, from byte 0 */
  parse_all_threads(f + EVTX_FILE_HEADER, n - EVTX_FILE_HEADER, 0, &e, &r);
  assert_int_equal(r.parsed, THREE_RECORDS);
  assert_int_equal(r.rejected, 0);
  evs_free(&e);
  free(f);
}

/* Truncations and byte flips of every sample: no crash (under ASan/UBSan),
 * accounting holds. */
static uint32_t g_rng = 12345;
static uint32_t rnd(void) {
  g_rng = g_rng * 1103515245u + 12345u;
  return g_rng >> 8;
}

static void mangle(const char *path, const uint8_t *p, size_t n) {
  (void)path;
  uint8_t *m = malloc(n);
  assert_non_null(m);
  evs e;
  ash_mem_result r;
  for (size_t cut = 0; cut < n; cut += 1 + n / 31) {
    uint8_t *t = malloc(cut ? cut : 1);
    assert_non_null(t);
    memcpy(t, p, cut);
    parse(t, cut, 1 + (int)(cut % 2), (int)(cut % 3 == 0), &e, &r);
    evs_free(&e);
    free(t);
  }
  for (int round = 0; round < 40; round++) {
    memcpy(m, p, n);
    size_t flips = 1 + rnd() % 64;
    for (size_t k = 0; k < flips; k++) {
      /* aim at the first chunk, where the record data is */
      size_t at = n > EVTX_FILE_HEADER + 512 ? EVTX_FILE_HEADER + rnd() % 8192 : rnd() % n;
      if (at < n) m[at] ^= (uint8_t)(1u << (rnd() % 8));
    }
    parse(m, n, 1 + round % 2, round % 2, &e, &r);
    evs_free(&e);
  }
  free(m);
}

static void test_record_xml(void **st) {
  (void)st;
  char path[8192];
  size_t n;
  snprintf(path, sizeof path, "%s/security_new_user.evtx", dir_of("golden/evtx"));
  uint8_t *p = slurp(path, &n);
  assert_non_null(p);
  ash_buf x;
  ash_buf_init(&x, 1 << 20);
  /* the numbers Event Viewer shows (111..), not the header's (1..) */
  assert_int_equal(ash_evtx_record_xml(p, n, 112, &x), ASH_OK);
  assert_non_null(strstr(x.p, "<EventRecordID>112</EventRecordID>"));
  assert_non_null(strstr(x.p, "<EventID>4720</EventID>"));
  assert_null(strstr(x.p, "<EventRecordID>111</EventRecordID>"));
  ash_buf_reset(&x);
  assert_int_equal(ash_evtx_record_xml(p, n, 2, &x), ASH_ENOTFOUND);
  ash_buf_free(&x);
  free(p);
}

/* Every record's XML looked up through the record index equals what the
 * full walk renders for the first record of that number. EVTX_INDEX_DIR
 * adds a directory of further samples (the shared corpus, by hand). */
typedef struct walk_xml {
  uint64_t *ids;
  char **xml;
  size_t n, cap;
} walk_xml;

static int keep_xml(void *u, uint64_t id, const char *xml, size_t n, const char *why) {
  (void)why;
  walk_xml *w = u;
  if (!n) return 0;
  for (size_t i = 0; i < w->n; i++)
    if (w->ids[i] == id) return 0; /* a repeated number: the first one counts */
  if (w->n == w->cap) {
    w->cap = w->cap ? w->cap * 2 : 256;
    w->ids = realloc(w->ids, w->cap * sizeof *w->ids);
    w->xml = realloc(w->xml, w->cap * sizeof *w->xml);
    assert_non_null(w->ids);
    assert_non_null(w->xml);
  }
  w->ids[w->n] = id;
  w->xml[w->n] = strndup(xml, n);
  w->n++;
  return 0;
}

static void index_matches_walk(const char *path, const uint8_t *p, size_t n) {
  walk_xml w = {0};
  if (ash_evtx_each_xml(p, n, 0, keep_xml, &w)) return; /* not an EVTX file at all */
  ash_evtx_index *ix;
  assert_int_equal(ash_evtx_index_build(p, n, &ix), ASH_OK);
  ash_buf x;
  ash_buf_init(&x, 64u << 20);
  for (size_t i = 0; i < w.n; i++) {
    ash_buf_reset(&x);
    int rc = ash_evtx_index_xml(ix, p, n, w.ids[i], &x);
    if (rc || strcmp(x.p ? x.p : "", w.xml[i]))
      fail_msg("%s: record %llu differs through the index", path, (unsigned long long)w.ids[i]);
    free(w.xml[i]);
  }
  ash_buf_reset(&x);
  assert_int_equal(ash_evtx_index_xml(ix, p, n, UINT64_MAX, &x), ASH_ENOTFOUND);
  ash_buf_free(&x);
  ash_evtx_index_free(ix);
  free(w.ids);
  free(w.xml);
}

static void test_record_index(void **st) {
  (void)st;
  assert_true(each_file(dir_of("data/evtx"), index_matches_walk) >= 5);
  assert_true(each_file(dir_of("golden/evtx"), index_matches_walk) >= 5);
  const char *more = getenv("EVTX_INDEX_DIR");
  if (more) each_file(more, index_matches_walk);
}

static void test_mangled(void **st) {
  (void)st;
  assert_true(each_file(dir_of("data/evtx"), mangle) >= 5);
  size_t n;
  uint8_t *f = build_file(&n, 0);
  mangle("synthetic", f, n);
  free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_synthetic_chunk),
      cmocka_unit_test(test_synthetic_events),
      cmocka_unit_test(test_samples_threads),
      cmocka_unit_test(test_parallel_order),
      cmocka_unit_test(test_stop),
      cmocka_unit_test(test_damage_reported),
      cmocka_unit_test(test_template_of_another_event_is_not_used),
      cmocka_unit_test(test_three_chunks_intact),
      cmocka_unit_test(test_bad_chunk_magic_beyond_header_count_loses_no_record),
      cmocka_unit_test(test_bad_chunk_magic_inside_header_count_loses_no_record),
      cmocka_unit_test(test_zeroed_chunk_header_records_recovered),
      cmocka_unit_test(test_bad_first_record_size_costs_one_record),
      cmocka_unit_test(test_truncated_file_header_is_rejected),
      cmocka_unit_test(test_file_cut_inside_a_chunk_counts_its_records),
      cmocka_unit_test(test_headerless_chunks_are_read),
      cmocka_unit_test(test_carving_goes_on_after_a_candidate_that_does_not_decode),
      cmocka_unit_test(test_record_xml),
      cmocka_unit_test(test_record_index),
      cmocka_unit_test(test_mangled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
