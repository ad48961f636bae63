/* EVTX binary XML (MS-EVEN6 BinXml, libyal's EVTX format notes).
 *
 * A record's event data is a BinXml document: usually a fragment header
 * and a template instance (a reference to a template definition stored
 * once in the chunk, followed by the record's substitution values), more
 * rarely (forwarded events) the elements written out directly. Values of
 * type BinXml (0x21) hold whole documents again, usually template
 * instances of their own (UserData).
 *
 * Each template definition is compiled once per chunk into a flat list of
 * operations (open element, attribute, literal text, substitution, ...)
 * with its names already decoded to UTF-8 and classified; a record then
 * only runs its template's operations over its substitution values. Names
 * are cached per chunk by offset. Every read is bounds-checked with
 * ASH_FITS against the range it belongs to (the record for record data,
 * the chunk for names and templates referenced by offset); every buffer
 * has a fixed capacity chosen here or in limits.h, so a hostile chunk ends
 * in a rejected record, never in a read out of bounds or an unbounded
 * allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "evtx.h"

enum {
  OP_OPEN = 1,
  OP_ATTR,
  OP_CLOSE_START,
  OP_CLOSE_EMPTY,
  OP_END,
  OP_TEXT,
  OP_SUBST,
  OP_OSUBST,
  OP_PI_TARGET,
  OP_PI_DATA,
};

typedef struct evtx_op {
  const char *s; /* name (OPEN, ATTR, PI_TARGET) or literal text (TEXT, PI_DATA) */
  uint32_t n;
  uint16_t idx; /* substitution index */
  uint8_t op;
  uint8_t arg; /* OPEN/ATTR/PI: name class; SUBST: declared value type; TEXT: 1 = CDATA */
} evtx_op;

typedef struct name_ent {
  const char *s;
  uint32_t n;
  uint8_t cls;
} name_ent;

/* Direct-mapped cache slot by chunk offset; valid when gen matches. */
typedef struct slot {
  uint32_t gen;
  uint32_t idx;
} slot;

typedef struct tmpl_ent {
  uint32_t first, count; /* in the template op pool */
  int ok;                /* 0: the definition is malformed (cached too) */
} tmpl_ent;

typedef struct subst {
  uint32_t off; /* chunk offset of the value data */
  uint16_t size;
  uint8_t type;
} subst;

/* Names and literal texts of one chunk. A name takes at least 10 bytes of
 * the chunk and expands at most 1.5 times, so this holds every name of a
 * chunk and the literals of its templates with room to spare. */
#define STORE_CAP (1u << 20)
#define TEMP_OPS 16384u
#define MAX_NAMES (EVTX_CHUNK_SIZE / 8u + 1u)
#define MAX_TEMPLATES (EVTX_CHUNK_SIZE / 24u + 1u)
/* A descriptor takes 4 bytes of the chunk and nested documents lie inside
 * their parent's values, so the live substitution arrays fit in this. */
#define MAX_SUBSTS (EVTX_CHUNK_SIZE / 4u + 16u)

struct evtx_dec {
  const uint8_t *c; /* the chunk */
  uint32_t cn;
  uint32_t gen;
  slot *name_slot; /* [EVTX_CHUNK_SIZE] */
  slot *tmpl_slot; /* [EVTX_CHUNK_SIZE] */
  name_ent *names;
  uint32_t nnames;
  tmpl_ent *tmpls;
  uint32_t ntmpls;
  char *store;
  size_t store_n;
  evtx_op *ops; /* compiled templates of the chunk */
  size_t nops;
  evtx_op *tops; /* temporary (directly written elements), used as a stack */
  size_t ntops;
  evtx_node *nodes;
  size_t nnodes;
  char *text; /* decoded values of the record */
  size_t text_n;
  subst *subs;
  size_t nsubs;
  long building; /* node accepting value text, or -1 */
  unsigned depth;
  const char *why;
  int err;
};

static int fail(evtx_dec *d, int err, const char *why) {
  if (!d->why) {
    d->why = why;
    d->err = err;
  }
  return d->err;
}
#define BAD(why) fail(d, ASH_EFORMAT, (why))

int evtx_dec_new(evtx_dec **out) {
  evtx_dec *d = calloc(1, sizeof *d);
  if (!d) return ASH_ENOMEM;
  d->name_slot = calloc(EVTX_CHUNK_SIZE, sizeof *d->name_slot);
  d->tmpl_slot = calloc(EVTX_CHUNK_SIZE, sizeof *d->tmpl_slot);
  d->names = malloc(MAX_NAMES * sizeof *d->names);
  d->tmpls = malloc(MAX_TEMPLATES * sizeof *d->tmpls);
  d->store = malloc(STORE_CAP);
  d->ops = malloc(ASH_MAX_EVTX_OPS * sizeof *d->ops);
  d->tops = malloc(TEMP_OPS * sizeof *d->tops);
  d->nodes = malloc(ASH_MAX_EVTX_NODES * sizeof *d->nodes);
  d->text = malloc(ASH_MAX_EVTX_TEXT);
  d->subs = malloc(MAX_SUBSTS * sizeof *d->subs);
  if (!d->name_slot || !d->tmpl_slot || !d->names || !d->tmpls || !d->store || !d->ops ||
      !d->tops || !d->nodes || !d->text || !d->subs) {
    evtx_dec_free(d);
    return ASH_ENOMEM;
  }
  *out = d;
  return ASH_OK;
}

void evtx_dec_free(evtx_dec *d) {
  if (!d) return;
  free(d->name_slot);
  free(d->tmpl_slot);
  free(d->names);
  free(d->tmpls);
  free(d->store);
  free(d->ops);
  free(d->tops);
  free(d->nodes);
  free(d->text);
  free(d->subs);
  free(d);
}

void evtx_dec_chunk(evtx_dec *d, const uint8_t *chunk, size_t n) {
  d->c = chunk;
  d->cn = (uint32_t)(n > EVTX_CHUNK_SIZE ? EVTX_CHUNK_SIZE : n);
  if (++d->gen == 0) {
    /* generation counter wrapped: stale slots could look current */
    memset(d->name_slot, 0, EVTX_CHUNK_SIZE * sizeof *d->name_slot);
    memset(d->tmpl_slot, 0, EVTX_CHUNK_SIZE * sizeof *d->tmpl_slot);
    d->gen = 1;
  }
  d->nnames = d->ntmpls = 0;
  d->store_n = d->nops = 0;
}

/* ---- text conversion ---- */

/* UTF-16LE code units to UTF-8; out has room for 3 * units bytes. Stops at
 * the first NUL when stop_nul (values are NUL-terminated C strings to
 * Windows). Lone surrogates become U+FFFD. Returns the bytes written. */
static size_t utf16_to_utf8(const uint8_t *p, size_t units, char *out, int stop_nul) {
  size_t o = 0, i = 0;
  while (i < units) {
    /* fast path: four ASCII characters, none NUL, at a time (most text in
     * event logs is ASCII) */
    if (i + 4 <= units) {
      uint64_t w = ash_le64(p + 2 * i);
      if (!(w & 0xff80ff80ff80ff80ull) && (w & 0xffff) && (w & 0xffff0000ull) &&
          (w & 0xffff00000000ull) && (w >> 48)) {
        out[o] = (char)w;
        out[o + 1] = (char)(w >> 16);
        out[o + 2] = (char)(w >> 32);
        out[o + 3] = (char)(w >> 48);
        o += 4;
        i += 4;
        continue;
      }
    }
    uint32_t u = ash_le16(p + 2 * i);
    if (u < 0x80) {
      if (u == 0 && stop_nul) break;
      out[o++] = (char)u;
      i++;
      continue;
    }
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < units) {
      uint32_t l = ash_le16(p + 2 * i + 2);
      if (l >= 0xdc00 && l <= 0xdfff) {
        uint32_t cp = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00);
        out[o++] = (char)(0xf0 | (cp >> 18));
        out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[o++] = (char)(0x80 | (cp & 0x3f));
        i += 2;
        continue;
      }
    }
    if (u >= 0xd800 && u <= 0xdfff) u = 0xfffd;
    if (u < 0x800) {
      out[o++] = (char)(0xc0 | (u >> 6));
      out[o++] = (char)(0x80 | (u & 0x3f));
    } else {
      out[o++] = (char)(0xe0 | (u >> 12));
      out[o++] = (char)(0x80 | ((u >> 6) & 0x3f));
      out[o++] = (char)(0x80 | (u & 0x3f));
    }
    i++;
  }
  return o;
}

static size_t put_cp(char *out, uint32_t u) {
  if (u == 0 || (u >= 0xd800 && u <= 0xdfff) || u > 0x10ffff) u = 0xfffd;
  if (u < 0x80) {
    out[0] = (char)u;
    return 1;
  }
  if (u < 0x800) {
    out[0] = (char)(0xc0 | (u >> 6));
    out[1] = (char)(0x80 | (u & 0x3f));
    return 2;
  }
  if (u < 0x10000) {
    out[0] = (char)(0xe0 | (u >> 12));
    out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
    out[2] = (char)(0x80 | (u & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (u >> 18));
  out[1] = (char)(0x80 | ((u >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((u >> 6) & 0x3f));
  out[3] = (char)(0x80 | (u & 0x3f));
  return 4;
}

/* Windows-1252 bytes 0x80..0x9f (the rest is ISO-8859-1). */
static const uint16_t CP1252[32] = {0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
                                    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
                                    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
                                    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178};

static size_t ansi_to_utf8(const uint8_t *p, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n && p[i]; i++) {
    uint32_t u = p[i];
    if (u >= 0x80 && u < 0xa0) u = CP1252[u - 0x80];
    o += put_cp(out + o, u);
  }
  return o;
}

static size_t put_u64(char *out, uint64_t v) {
  char t[20];
  size_t k = 0;
  do {
    t[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < k; i++) out[i] = t[k - 1 - i];
  return k;
}

static size_t put_i64(char *out, int64_t v) {
  if (v < 0) {
    out[0] = '-';
    return 1 + put_u64(out + 1, (uint64_t)0 - (uint64_t)v);
  }
  return put_u64(out, (uint64_t)v);
}

static const char HEXU[] = "0123456789ABCDEF";
static const char HEXL[] = "0123456789abcdef";

static size_t put_hex(char *out, uint64_t v, unsigned digits) {
  out[0] = '0';
  out[1] = 'x';
  for (unsigned i = 0; i < digits; i++) out[2 + i] = HEXL[(v >> (4 * (digits - 1 - i))) & 15];
  return 2 + digits;
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *dd) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *dd = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

static size_t put_2(char *o, unsigned v) {
  o[0] = (char)('0' + (v / 10) % 10);
  o[1] = (char)('0' + v % 10);
  return 2;
}

/* "YYYY-MM-DDTHH:MM:SS.fffffffffZ" from FILETIME, as evtxexport prints it. */
static size_t put_filetime(char *o, uint64_t ft) {
  uint64_t secs = ft / 10000000u;
  unsigned frac = (unsigned)(ft % 10000000u);
  int64_t days = (int64_t)(secs / 86400u) - 134774; /* 1601-01-01 to 1970-01-01 */
  unsigned sod = (unsigned)(secs % 86400u);
  int64_t y;
  unsigned m, dd;
  civil(days, &y, &m, &dd);
  size_t k = 0;
  if (y < 1000) {
    /* keep 4 digits */
    o[k++] = '0';
    if (y < 100) o[k++] = '0';
    if (y < 10) o[k++] = '0';
  }
  k += put_i64(o + k, y);
  o[k++] = '-';
  k += put_2(o + k, m);
  o[k++] = '-';
  k += put_2(o + k, dd);
  o[k++] = 'T';
  k += put_2(o + k, sod / 3600);
  o[k++] = ':';
  k += put_2(o + k, (sod / 60) % 60);
  o[k++] = ':';
  k += put_2(o + k, sod % 60);
  o[k++] = '.';
  char f[9];
  unsigned v = frac * 100;
  for (int i = 8; i >= 0; i--) {
    f[i] = (char)('0' + v % 10);
    v /= 10;
  }
  memcpy(o + k, f, 9);
  k += 9;
  o[k++] = 'Z';
  return k;
}

static size_t put_systemtime(char *o, const uint8_t *p) {
  unsigned y = ash_le16(p), mo = ash_le16(p + 2), dd = ash_le16(p + 6), h = ash_le16(p + 8),
           mi = ash_le16(p + 10), s = ash_le16(p + 12), ms = ash_le16(p + 14);
  size_t k = 0;
  o[k++] = (char)('0' + (y / 1000) % 10);
  o[k++] = (char)('0' + (y / 100) % 10);
  k += put_2(o + k, y % 100);
  o[k++] = '-';
  k += put_2(o + k, mo % 100);
  o[k++] = '-';
  k += put_2(o + k, dd % 100);
  o[k++] = 'T';
  k += put_2(o + k, h % 100);
  o[k++] = ':';
  k += put_2(o + k, mi % 100);
  o[k++] = ':';
  k += put_2(o + k, s % 100);
  o[k++] = '.';
  o[k++] = (char)('0' + (ms / 100) % 10);
  k += put_2(o + k, ms % 100);
  o[k++] = 'Z';
  return k;
}

static size_t put_guid(char *o, const uint8_t *p) {
  size_t k = 0;
  o[k++] = '{';
  uint32_t a = ash_le32(p);
  for (int i = 7; i >= 0; i--) o[k++] = HEXU[(a >> (4 * i)) & 15];
  o[k++] = '-';
  uint16_t b = ash_le16(p + 4), c = ash_le16(p + 6);
  for (int i = 3; i >= 0; i--) o[k++] = HEXU[(b >> (4 * i)) & 15];
  o[k++] = '-';
  for (int i = 3; i >= 0; i--) o[k++] = HEXU[(c >> (4 * i)) & 15];
  o[k++] = '-';
  for (int i = 8; i < 16; i++) {
    if (i == 10) o[k++] = '-';
    o[k++] = HEXU[p[i] >> 4];
    o[k++] = HEXU[p[i] & 15];
  }
  o[k++] = '}';
  return k;
}

/* SID "S-R-A-S1-S2..." from [revision][count][authority 6 BE][sub LE...];
 * the caller checked that 8 + 4 * count bytes are there. */
static size_t put_sid(char *o, const uint8_t *p) {
  size_t k = 0;
  o[k++] = 'S';
  o[k++] = '-';
  k += put_u64(o + k, p[0]);
  o[k++] = '-';
  uint64_t auth = 0;
  for (int i = 2; i < 8; i++) auth = (auth << 8) | p[i];
  if (auth >> 32)
    k += put_hex(o + k, auth, 12);
  else
    k += put_u64(o + k, auth);
  for (unsigned i = 0; i < p[1]; i++) {
    o[k++] = '-';
    k += put_u64(o + k, ash_le32(p + 8 + 4 * i));
  }
  return k;
}

static size_t put_double(char *o, double v) {
  char t[40];
  int n = snprintf(t, sizeof t, "%.*g", 15, v);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof t) n = sizeof t - 1;
  memcpy(o, t, (size_t)n);
  return (size_t)n;
}

static double f32(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static double f64(uint64_t u) {
  double f;
  memcpy(&f, &u, 8);
  return f;
}

/* Size of one element of a fixed-size value type, 0 for variable size. */
static unsigned fixed_size(uint8_t t) {
  switch (t & 0x7f) {
  case 0x03:
  case 0x04: return 1;
  case 0x05:
  case 0x06: return 2;
  case 0x07:
  case 0x08:
  case 0x0b:
  case 0x0d:
  case 0x14: return 4;
  case 0x09:
  case 0x0a:
  case 0x0c:
  case 0x11:
  case 0x15: return 8;
  case 0x0f:
  case 0x12: return 16;
  default: return 0;
  }
}

/* ---- output buffers ---- */

typedef struct sink {
  char *p;
  size_t n, cap;
} sink;

/* Render one value of type t from [p, p+size) as UTF-8 text into s.
 * Returns 0, or ELIMIT when s is too small. *num gets the integer value of
 * integer, hex, FILETIME and boolean types (*hasnum = 1). Fixed-size types
 * with a size that does not match are shown as hex bytes: nothing is lost
 * and nothing is read past size. */
static int render(sink *s, uint8_t t, const uint8_t *p, size_t size, uint64_t *num, int *hasnum) {
  size_t room = s->cap - s->n;
  char *o = s->p + s->n;
  *hasnum = 0;
  unsigned fs = fixed_size(t);
  if ((t & 0x80) && t != 0x81 && t != 0x82 && fs && size % fs == 0) {
    /* arrays of fixed-size values: elements separated by ", " */
    size_t cnt = size / fs;
    if (cnt * 66 > room) return ASH_ELIMIT;
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
      if (i) {
        o[k++] = ',';
        o[k++] = ' ';
      }
      sink sub = {o + k, 0, 64};
      uint64_t nn;
      int hn;
      if (render(&sub, (uint8_t)(t & 0x7f), p + i * fs, fs, &nn, &hn)) return ASH_ELIMIT;
      k += sub.n;
    }
    s->n += k;
    return 0;
  }
  if (fs && size != fs && !(t & 0x80)) t = 0x0e;
  switch (t) {
  case 0x00: return 0;
  case 0x01: {
    size_t units = size / 2;
    if (units * 3 > room) return ASH_ELIMIT;
    s->n += utf16_to_utf8(p, units, o, 1);
    return 0;
  }
  case 0x02:
    if (size * 3 > room) return ASH_ELIMIT;
    s->n += ansi_to_utf8(p, size, o);
    return 0;
  case 0x81: {
    /* NUL-separated strings */
    size_t units = size / 2;
    if (units * 3 + units > room) return ASH_ELIMIT;
    size_t k = 0, i = 0;
    int first = 1;
    while (i < units) {
      size_t j = i;
      while (j < units && ash_le16(p + 2 * j)) j++;
      if (j == units && j == i) break;
      if (!first) {
        o[k++] = ',';
        o[k++] = ' ';
      }
      first = 0;
      k += utf16_to_utf8(p + 2 * i, j - i, o + k, 0);
      i = j + 1;
    }
    s->n += k;
    return 0;
  }
  case 0x82: {
    if (size * 4 > room) return ASH_ELIMIT;
    size_t k = 0, i = 0;
    int first = 1;
    while (i < size) {
      size_t j = i;
      while (j < size && p[j]) j++;
      if (j == size && j == i) break;
      if (!first) {
        o[k++] = ',';
        o[k++] = ' ';
      }
      first = 0;
      k += ansi_to_utf8(p + i, j - i, o + k);
      i = j + 1;
    }
    s->n += k;
    return 0;
  }
  default: break;
  }
  if (room < 64) return ASH_ELIMIT;
  uint64_t v = 0;
  size_t k = 0;
  switch (t) {
  case 0x03:
    v = (uint64_t)(int64_t)(int8_t)p[0];
    k = put_i64(o, (int8_t)p[0]);
    break;
  case 0x04:
    v = p[0];
    k = put_u64(o, v);
    break;
  case 0x05:
    v = (uint64_t)(int64_t)(int16_t)ash_le16(p);
    k = put_i64(o, (int16_t)ash_le16(p));
    break;
  case 0x06:
    v = ash_le16(p);
    k = put_u64(o, v);
    break;
  case 0x07:
    v = (uint64_t)(int64_t)(int32_t)ash_le32(p);
    k = put_i64(o, (int32_t)ash_le32(p));
    break;
  case 0x08:
    v = ash_le32(p);
    k = put_u64(o, v);
    break;
  case 0x09:
    v = ash_le64(p);
    k = put_i64(o, (int64_t)v);
    break;
  case 0x0a:
    v = ash_le64(p);
    k = put_u64(o, v);
    break;
  case 0x0b: k = put_double(o, f32(ash_le32(p))); break;
  case 0x0c: k = put_double(o, f64(ash_le64(p))); break;
  case 0x0d:
    v = ash_le32(p);
    memcpy(o, v ? "true" : "false", v ? 4 : 5);
    k = v ? 4 : 5;
    break;
  case 0x0f: k = put_guid(o, p); break;
  case 0x10:
    /* a pointer-sized integer, shown in decimal as Windows does */
    if (size == 4) {
      v = ash_le32(p);
      k = put_u64(o, v);
    } else if (size == 8) {
      v = ash_le64(p);
      k = put_u64(o, v);
    } else {
      t = 0x0e;
    }
    break;
  case 0x11:
    v = ash_le64(p);
    k = put_filetime(o, v);
    break;
  case 0x12: k = put_systemtime(o, p); break;
  case 0x13:
    if (size >= 8 && (size_t)8 + 4u * p[1] <= size) {
      k = put_sid(o, p);
    } else {
      t = 0x0e;
    }
    break;
  case 0x14:
    v = ash_le32(p);
    k = put_hex(o, v, 8);
    break;
  case 0x15:
    v = ash_le64(p);
    k = put_hex(o, v, 16);
    break;
  default: t = 0x0e; break;
  }
  if (t != 0x0e) {
    s->n += k;
    *num = v;
    *hasnum = (t != 0x0b && t != 0x0c && t != 0x0f && t != 0x12 && t != 0x13);
    return 0;
  }
  /* binary and anything unknown: upper-case hex */
  if (size * 2 > room) return ASH_ELIMIT;
  for (size_t i = 0; i < size; i++) {
    o[2 * i] = HEXU[p[i] >> 4];
    o[2 * i + 1] = HEXU[p[i] & 15];
  }
  s->n += size * 2;
  return 0;
}

/* ---- names ---- */

static uint8_t classify(const char *s, size_t n) {
  static const struct {
    const char *s;
    uint8_t c;
  } T[] = {
      {"Event", EVTX_C_EVENT},
      {"System", EVTX_C_SYSTEM},
      {"Provider", EVTX_C_PROVIDER},
      {"EventID", EVTX_C_EVENTID},
      {"TimeCreated", EVTX_C_TIMECREATED},
      {"EventRecordID", EVTX_C_RECORDID},
      {"Channel", EVTX_C_CHANNEL},
      {"Computer", EVTX_C_COMPUTER},
      {"Security", EVTX_C_SECURITY},
      {"EventData", EVTX_C_EVENTDATA},
      {"UserData", EVTX_C_USERDATA},
      {"Data", EVTX_C_DATA},
      {"Binary", EVTX_C_BINARY},
      {"Name", EVTX_C_NAME},
      {"SystemTime", EVTX_C_SYSTEMTIME},
      {"UserID", EVTX_C_USERID},
      {"RenderingInfo", EVTX_C_RENDERINGINFO},
      {"Message", EVTX_C_MESSAGE},
      {"xmlns", EVTX_C_XMLNS},
      {"EventSourceName", EVTX_C_EVENTSOURCENAME},
  };
  for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
    if (strlen(T[i].s) == n && !memcmp(T[i].s, s, n)) return T[i].c;
  return EVTX_C_OTHER;
}

/* The name structure at chunk offset off: [next 4][hash 2][count 2]
 * [UTF-16 count units][NUL 2]. Decoded once per chunk. */
static const name_ent *name_at(evtx_dec *d, uint32_t off) {
  if (off >= d->cn) return BAD("name offset outside the chunk"), NULL;
  slot *sl = &d->name_slot[off];
  if (sl->gen == d->gen) return &d->names[sl->idx];
  if (!ASH_FITS(off, 8, d->cn)) return BAD("name outside the chunk"), NULL;
  uint32_t units = ash_le16(d->c + off + 6);
  if (!ASH_FITS(off + 8, 2 * (size_t)units, d->cn)) return BAD("name outside the chunk"), NULL;
  if (d->nnames >= MAX_NAMES || STORE_CAP - d->store_n < 3 * (size_t)units + 1)
    return fail(d, ASH_ELIMIT, "too many names in chunk"), NULL;
  char *o = d->store + d->store_n;
  size_t n = utf16_to_utf8(d->c + off + 8, units, o, 1);
  d->store_n += n;
  name_ent *e = &d->names[d->nnames];
  e->s = o;
  e->n = (uint32_t)n;
  e->cls = classify(o, n);
  sl->gen = d->gen;
  sl->idx = d->nnames++;
  return e;
}

/* Read a name reference at *pos (a 4-byte chunk offset). When the offset
 * points right after itself the name is stored inline and is skipped. */
static const name_ent *name_ref(evtx_dec *d, uint32_t *pos, uint32_t end) {
  if (!ASH_FITS(*pos, 4, end)) return BAD("truncated name reference"), NULL;
  uint32_t off = ash_le32(d->c + *pos);
  *pos += 4;
  const name_ent *e = name_at(d, off);
  if (!e) return NULL;
  if (off == *pos) {
    uint32_t units = ash_le16(d->c + off + 6);
    size_t sz = 8 + 2 * (size_t)units + 2;
    if (!ASH_FITS(*pos, sz, end)) return BAD("truncated inline name"), NULL;
    *pos += (uint32_t)sz;
  }
  return e;
}

/* ---- compiling binary XML into operations ---- */

typedef struct opbuf {
  evtx_op *ops;
  size_t n, cap;
} opbuf;

static evtx_op *emit_op(evtx_dec *d, opbuf *b, uint8_t op) {
  if (b->n >= b->cap) return fail(d, ASH_ELIMIT, "template too large"), NULL;
  evtx_op *o = &b->ops[b->n++];
  memset(o, 0, sizeof *o);
  o->op = op;
  return o;
}

/* Literal text of a template goes to the chunk store. */
static int store_text(evtx_dec *d, evtx_op *o, uint8_t t, const uint8_t *p, size_t size) {
  sink s = {d->store, d->store_n, STORE_CAP};
  uint64_t nn;
  int hn;
  o->s = d->store + d->store_n;
  if (render(&s, t, p, size, &nn, &hn)) return fail(d, ASH_ELIMIT, "chunk text store full");
  o->n = (uint32_t)(s.n - d->store_n);
  d->store_n = s.n;
  return 0;
}

static int store_raw(evtx_dec *d, evtx_op *o, const char *p, size_t n) {
  if (STORE_CAP - d->store_n < n) return fail(d, ASH_ELIMIT, "chunk text store full");
  o->s = d->store + d->store_n;
  memcpy(d->store + d->store_n, p, n);
  o->n = (uint32_t)n;
  d->store_n += n;
  return 0;
}

/* Size of an inline value (value-text token) of type t at pos: strings
 * carry a 16-bit character count, other types their natural size. */
static int inline_value(evtx_dec *d, uint8_t t, uint32_t *pos, uint32_t end, uint32_t *voff,
                        size_t *vsize) {
  size_t sz;
  if (t == 0x01 || t == 0x02) {
    if (!ASH_FITS(*pos, 2, end)) return BAD("truncated value");
    size_t cnt = ash_le16(d->c + *pos);
    *pos += 2;
    sz = t == 0x01 ? 2 * cnt : cnt;
  } else if (t == 0x13) {
    if (!ASH_FITS(*pos, 8, end)) return BAD("truncated value");
    sz = 8 + 4 * (size_t)d->c[*pos + 1];
  } else if (t == 0x0e) {
    if (!ASH_FITS(*pos, 2, end)) return BAD("truncated value");
    sz = ash_le16(d->c + *pos);
    *pos += 2;
  } else {
    sz = fixed_size(t);
    if (!sz || (t & 0x80)) return BAD("unsupported inline value type");
  }
  if (!ASH_FITS(*pos, sz, end)) return BAD("truncated value");
  *voff = *pos;
  *vsize = sz;
  *pos += (uint32_t)sz;
  return 0;
}

static int entity_text(evtx_dec *d, evtx_op *o, const name_ent *e) {
  static const struct {
    const char *n, *v;
  } E[] = {{"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
  for (size_t i = 0; i < 5; i++)
    if (strlen(E[i].n) == e->n && !memcmp(E[i].n, e->s, e->n))
      return store_raw(d, o, E[i].v, strlen(E[i].v));
  /* unknown entity: keep it as written */
  char t[3] = "&;";
  if (store_raw(d, o, t, 1)) return d->err;
  const char *start = o->s;
  evtx_op tmp;
  if (store_raw(d, &tmp, e->s, e->n) || store_raw(d, &tmp, t + 1, 1)) return d->err;
  o->s = start;
  o->n = (uint32_t)(d->store + d->store_n - start);
  return 0;
}

/* Compile the binary XML at [*pos, end) into b. has_dep: element starts
 * carry a dependency identifier (inside template definitions only).
 * one_element: stop after the first complete element (directly written
 * elements of a record); otherwise stop at the end-of-file token or at end. */
static int compile(evtx_dec *d, uint32_t *ppos, uint32_t end, int has_dep, int one_element,
                   opbuf *b) {
  uint32_t pos = *ppos;
  unsigned depth = 0;
  const uint8_t *c = d->c;
  while (pos < end) {
    uint8_t tok = c[pos];
    evtx_op *o;
    switch (tok & 0xbf) {
    case 0x00: pos++; goto done;
    case 0x0f:
      if (!ASH_FITS(pos, 4, end)) return BAD("truncated fragment header");
      pos += 4;
      break;
    case 0x01: {
      pos++;
      if (has_dep) pos += 2;
      if (!ASH_FITS(pos, 4, end)) return BAD("truncated element");
      pos += 4; /* data size: not trusted, the tokens say where things end */
      const name_ent *e = name_ref(d, &pos, end);
      if (!e) return d->err;
      if (tok & 0x40) {
        if (!ASH_FITS(pos, 4, end)) return BAD("truncated attribute list");
        pos += 4;
      }
      if (++depth > ASH_MAX_EVTX_DEPTH) return fail(d, ASH_ELIMIT, "elements nested too deep");
      if (!(o = emit_op(d, b, OP_OPEN))) return d->err;
      o->s = e->s;
      o->n = e->n;
      o->arg = e->cls;
      break;
    }
    case 0x02:
      pos++;
      if (!depth) return BAD("close of start tag outside an element");
      if (!emit_op(d, b, OP_CLOSE_START)) return d->err;
      break;
    case 0x03:
    case 0x04:
      pos++;
      if (!depth) return BAD("end of element outside an element");
      if (!emit_op(d, b, (tok & 0xbf) == 0x03 ? OP_CLOSE_EMPTY : OP_END)) return d->err;
      if (--depth == 0 && one_element) goto done;
      break;
    case 0x05: {
      pos++;
      if (!ASH_FITS(pos, 1, end)) return BAD("truncated value");
      uint8_t t = c[pos++];
      uint32_t voff = 0; /* set by inline_value; gcc -O2 cannot see it */
      size_t vsize = 0;
      if (inline_value(d, t, &pos, end, &voff, &vsize)) return d->err;
      if (!(o = emit_op(d, b, OP_TEXT))) return d->err;
      if (store_text(d, o, t, c + voff, vsize)) return d->err;
      break;
    }
    case 0x06: {
      pos++;
      const name_ent *e = name_ref(d, &pos, end);
      if (!e) return d->err;
      if (!depth) return BAD("attribute outside an element");
      if (!(o = emit_op(d, b, OP_ATTR))) return d->err;
      o->s = e->s;
      o->n = e->n;
      o->arg = e->cls;
      break;
    }
    case 0x07:
    case 0x0b: {
      pos++;
      if (!ASH_FITS(pos, 2, end)) return BAD("truncated text");
      size_t units = ash_le16(c + pos);
      pos += 2;
      if (!ASH_FITS(pos, 2 * units, end)) return BAD("truncated text");
      if (!(o = emit_op(d, b, (tok & 0xbf) == 0x07 ? OP_TEXT : OP_PI_DATA))) return d->err;
      o->arg = (tok & 0xbf) == 0x07;
      if (store_text(d, o, 0x01, c + pos, 2 * units)) return d->err;
      pos += (uint32_t)(2 * units);
      break;
    }
    case 0x08: {
      pos++;
      if (!ASH_FITS(pos, 2, end)) return BAD("truncated character reference");
      char t[4];
      size_t n = put_cp(t, ash_le16(c + pos));
      pos += 2;
      if (!(o = emit_op(d, b, OP_TEXT))) return d->err;
      if (store_raw(d, o, t, n)) return d->err;
      break;
    }
    case 0x09: {
      pos++;
      const name_ent *e = name_ref(d, &pos, end);
      if (!e) return d->err;
      if (!(o = emit_op(d, b, OP_TEXT))) return d->err;
      if (entity_text(d, o, e)) return d->err;
      break;
    }
    case 0x0a: {
      pos++;
      const name_ent *e = name_ref(d, &pos, end);
      if (!e) return d->err;
      if (!(o = emit_op(d, b, OP_PI_TARGET))) return d->err;
      o->s = e->s;
      o->n = e->n;
      break;
    }
    case 0x0d:
    case 0x0e:
      if (!ASH_FITS(pos, 4, end)) return BAD("truncated substitution");
      if (!(o = emit_op(d, b, (tok & 0xbf) == 0x0d ? OP_SUBST : OP_OSUBST))) return d->err;
      o->idx = ash_le16(c + pos + 1);
      o->arg = c[pos + 3];
      pos += 4;
      break;
    case 0x0c: return BAD("template instance inside an element");
    default: return BAD("unknown binary XML token");
    }
  }
done:
  if (one_element && depth) return BAD("element not closed");
  *ppos = pos;
  return 0;
}

/* The compiled template whose definition is at chunk offset def:
 * [next 4][GUID 16][data size 4][data...]. */
static const tmpl_ent *template_at(evtx_dec *d, uint32_t def) {
  if (def >= d->cn) return BAD("template offset outside the chunk"), NULL;
  slot *sl = &d->tmpl_slot[def];
  if (sl->gen == d->gen) {
    const tmpl_ent *t = &d->tmpls[sl->idx];
    return t->ok ? t : (BAD("malformed template definition"), NULL);
  }
  if (d->ntmpls >= MAX_TEMPLATES) return fail(d, ASH_ELIMIT, "too many templates"), NULL;
  tmpl_ent *t = &d->tmpls[d->ntmpls];
  sl->gen = d->gen;
  sl->idx = d->ntmpls++;
  t->ok = 0;
  t->first = (uint32_t)d->nops;
  t->count = 0;
  if (!ASH_FITS(def, 24, d->cn)) return BAD("template definition outside the chunk"), NULL;
  uint32_t size = ash_le32(d->c + def + 20);
  if (!ASH_FITS(def + 24, size, d->cn)) return BAD("template definition outside the chunk"), NULL;
  opbuf b = {d->ops + d->nops, 0, ASH_MAX_EVTX_OPS - d->nops};
  uint32_t pos = def + 24;
  if (compile(d, &pos, def + 24 + size, 1, 0, &b)) {
    /* a failed compile leaves no operations behind */
    return NULL;
  }
  d->nops += b.n;
  t->count = (uint32_t)b.n;
  t->ok = 1;
  return t;
}

/* ---- running operations into nodes ---- */

static evtx_node *push_node(evtx_dec *d, uint8_t type) {
  if (d->nnodes >= ASH_MAX_EVTX_NODES)
    return fail(d, ASH_ELIMIT, "record has too many nodes"), NULL;
  evtx_node *n = &d->nodes[d->nnodes++];
  memset(n, 0, sizeof *n);
  n->type = type;
  n->vtype = EVTX_VT_LITERAL;
  return n;
}

/* The node that takes the next piece of value text: the attribute or text
 * node being built, or a new text node. */
static evtx_node *piece_node(evtx_dec *d) {
  if (d->building >= 0) return &d->nodes[d->building];
  evtx_node *n = push_node(d, EVTX_N_TEXT);
  if (!n) return NULL;
  n->val = d->text + d->text_n;
  d->building = (long)(d->nnodes - 1);
  return n;
}

static int append_literal(evtx_dec *d, const char *s, size_t len, int cdata) {
  evtx_node *n = piece_node(d);
  if (!n) return d->err;
  if (ASH_MAX_EVTX_TEXT - d->text_n < len) return fail(d, ASH_ELIMIT, "record text too large");
  memcpy(d->text + d->text_n, s, len);
  d->text_n += len;
  n->val_n += (uint32_t)len;
  n->vtype = EVTX_VT_LITERAL;
  n->flags &= (uint8_t)~EVTX_NF_NUM;
  if (cdata) n->flags |= EVTX_NF_CDATA;
  return 0;
}

static int append_value(evtx_dec *d, const subst *v) {
  evtx_node *n = piece_node(d);
  if (!n) return d->err;
  int first = n->val_n == 0 && n->vtype == EVTX_VT_LITERAL && !(n->flags & EVTX_NF_NUM);
  sink s = {d->text, d->text_n, ASH_MAX_EVTX_TEXT};
  uint64_t num = 0;
  int hasnum = 0;
  if (render(&s, v->type, d->c + v->off, v->size, &num, &hasnum))
    return fail(d, ASH_ELIMIT, "record text too large");
  n->val_n += (uint32_t)(s.n - d->text_n);
  d->text_n = s.n;
  if (first) {
    n->vtype = v->type;
    if (hasnum) {
      n->num = num;
      n->flags |= EVTX_NF_NUM;
    }
  } else {
    n->vtype = EVTX_VT_LITERAL;
    n->flags &= (uint8_t)~EVTX_NF_NUM;
  }
  return 0;
}

static int document(evtx_dec *d, uint32_t pos, uint32_t end, unsigned nest);

/* The next item of an array value (type with 0x80 set) at *pos: strings
 * are NUL-separated, SIDs carry their own size, the rest are fixed-size.
 * Returns 0 at the end. */
static int array_item(const uint8_t *c, const subst *v, uint32_t *pos, subst *item) {
  uint32_t end = v->off + v->size;
  uint8_t t = (uint8_t)(v->type & 0x7f);
  if (*pos >= end) return 0;
  item->off = *pos;
  item->type = t;
  if (t == 0x01) {
    uint32_t p = *pos;
    while (ASH_FITS(p, 2, end) && ash_le16(c + p)) p += 2;
    item->size = (uint16_t)(p - *pos);
    *pos = ASH_FITS(p, 2, end) ? p + 2 : end;
    return 1;
  }
  if (t == 0x02) {
    uint32_t p = *pos;
    while (ASH_FITS(p, 1, end) && c[p]) p++;
    item->size = (uint16_t)(p - *pos);
    *pos = ASH_FITS(p, 1, end) ? p + 1 : end;
    return 1;
  }
  uint32_t sz = fixed_size(t);
  if (t == 0x13 && ASH_FITS(*pos, 8, end)) sz = 8 + 4u * c[*pos + 1];
  if (t == 0x10) sz = v->size % 8 == 0 ? 8 : 4;
  if (!sz || !ASH_FITS(*pos, sz, end)) sz = end - *pos; /* the rest, shown as it is */
  item->size = (uint16_t)sz;
  *pos += sz;
  return 1;
}

static int run(evtx_dec *d, const evtx_op *ops, size_t nops, const subst *subs, uint32_t nsubs,
               unsigned nest);

/* An element whose whole content is one array substitution is repeated
 * once per array item (MS-EVEN6), as Windows renders <Data> of a string
 * array. ops[0] is the OPEN, ops[1..nattr] its attributes. */
static int expand_array(evtx_dec *d, const evtx_op *ops, size_t nattr, const subst *v,
                        const subst *subs, uint32_t nsubs, unsigned nest) {
  uint32_t pos = v->off;
  subst item;
  int any = 0;
  for (;;) {
    int more = array_item(d->c, v, &pos, &item);
    if (!more && any) break;
    if (!more) item.size = 0; /* an empty array still gives one element */
    any = 1;
    if (d->depth >= ASH_MAX_EVTX_DEPTH) return fail(d, ASH_ELIMIT, "elements nested too deep");
    evtx_node *n = push_node(d, EVTX_N_OPEN);
    if (!n) return d->err;
    n->name = ops[0].s;
    n->name_n = ops[0].n;
    n->cls = ops[0].arg;
    d->depth++;
    if (run(d, ops + 1, nattr, subs, nsubs, nest)) return d->err;
    d->building = -1;
    if (item.size && append_value(d, &item)) return d->err;
    d->building = -1;
    if (!push_node(d, EVTX_N_CLOSE)) return d->err;
    d->depth--;
    if (!more) break;
  }
  return 0;
}

static int run(evtx_dec *d, const evtx_op *ops, size_t nops, const subst *subs, uint32_t nsubs,
               unsigned nest) {
  long attr = -1;
  int keep = 0;
  unsigned base = d->depth;
  static const subst null_value = {0, 0, 0};
  for (size_t i = 0; i < nops; i++) {
    const evtx_op *o = &ops[i];
    evtx_node *n;
    switch (o->op) {
    case OP_OPEN:
    case OP_ATTR:
    case OP_CLOSE_START:
    case OP_CLOSE_EMPTY:
    case OP_END:
    case OP_PI_TARGET:
      if (attr >= 0 && !keep) {
        /* an attribute whose only value was an absent optional
         * substitution is left out, as Windows renders it */
        d->nnodes = (size_t)attr;
      }
      attr = -1;
      d->building = -1;
      break;
    default: break;
    }
    switch (o->op) {
    case OP_OPEN: {
      /* <X attrs>%n</X> where %n is an absent optional value: no element
       * at all; where %n is an array: one element per item */
      size_t j = i + 1;
      while (j < nops && (ops[j].op == OP_ATTR || ops[j].op == OP_TEXT || ops[j].op == OP_SUBST ||
                          ops[j].op == OP_OSUBST))
        j++;
      if (j + 2 < nops && ops[j].op == OP_CLOSE_START &&
          (ops[j + 1].op == OP_SUBST || ops[j + 1].op == OP_OSUBST) && ops[j + 2].op == OP_END) {
        const subst *v = ops[j + 1].idx < nsubs ? &subs[ops[j + 1].idx] : &null_value;
        if (v->type == 0x00 && ops[j + 1].op == OP_OSUBST) {
          i = j + 2;
          break;
        }
        if ((v->type & 0x80) && v->type != 0xa1) {
          if (expand_array(d, ops + i, j - i - 1, v, subs, nsubs, nest)) return d->err;
          i = j + 2;
          break;
        }
      }
      if (d->depth >= ASH_MAX_EVTX_DEPTH) return fail(d, ASH_ELIMIT, "elements nested too deep");
      if (!(n = push_node(d, EVTX_N_OPEN))) return d->err;
      n->name = o->s;
      n->name_n = o->n;
      n->cls = o->arg;
      d->depth++;
      break;
    }
    case OP_ATTR:
      if (!(n = push_node(d, EVTX_N_ATTR))) return d->err;
      n->name = o->s;
      n->name_n = o->n;
      n->cls = o->arg;
      n->val = d->text + d->text_n;
      attr = (long)(d->nnodes - 1);
      d->building = attr;
      keep = 0;
      break;
    case OP_CLOSE_START: break;
    case OP_CLOSE_EMPTY:
    case OP_END:
      if (d->depth <= base) return BAD("unbalanced end of element");
      if (!push_node(d, EVTX_N_CLOSE)) return d->err;
      d->depth--;
      break;
    case OP_TEXT:
      if (append_literal(d, o->s, o->n, o->arg)) return d->err;
      keep = 1;
      break;
    case OP_SUBST:
    case OP_OSUBST: {
      const subst *v = o->idx < nsubs ? &subs[o->idx] : &null_value;
      if (v->type == 0x00) {
        if (o->op == OP_SUBST) keep = 1;
        break;
      }
      keep = 1;
      if (v->type == 0x21) {
        if (attr >= 0) break; /* BinXml is only valid as element content */
        d->building = -1;
        if (document(d, v->off, v->off + v->size, nest + 1)) return d->err;
        d->building = -1;
        break;
      }
      if (append_value(d, v)) return d->err;
      break;
    }
    case OP_PI_TARGET:
      if (!(n = push_node(d, EVTX_N_PI))) return d->err;
      n->name = o->s;
      n->name_n = o->n;
      break;
    case OP_PI_DATA:
      if (d->nnodes && d->nodes[d->nnodes - 1].type == EVTX_N_PI && !d->nodes[d->nnodes - 1].val) {
        n = &d->nodes[d->nnodes - 1];
      } else if (!(n = push_node(d, EVTX_N_PI))) {
        return d->err;
      }
      n->val = o->s;
      n->val_n = o->n;
      break;
    default: return BAD("bad operation");
    }
  }
  if (attr >= 0 && !keep) d->nnodes = (size_t)attr;
  d->building = -1;
  /* close what a truncated template left open, so that the nodes nest */
  while (d->depth > base) {
    if (!push_node(d, EVTX_N_CLOSE)) return d->err;
    d->depth--;
  }
  return 0;
}

/* Template instance at pos (token 0x0c): [0x0c][unknown 1][id 4][def 4],
 * the definition itself when it is stored here for the first time, then
 * [count 4][count x (size 2, type 1, 0)][values]. */
static int template_instance(evtx_dec *d, uint32_t *ppos, uint32_t end, unsigned nest) {
  uint32_t pos = *ppos;
  const uint8_t *c = d->c;
  if (!ASH_FITS(pos, 10, end)) return BAD("truncated template instance");
  uint32_t def = ash_le32(c + pos + 6);
  /* the instance names its template by the first 4 bytes of the
   * definition's GUID as well (so in all 4974 instances of the first 120
   * shared samples): a definition at that offset with another GUID is not
   * this record's, as when the record was copied in from another chunk
   * (volume shadow copies mix chunks), and decoding with it would put
   * values under another event's names */
  if (ASH_FITS(def, 8, d->cn) && memcmp(c + pos + 2, c + def + 4, 4))
    return BAD("template instance names another template");
  pos += 10;
  if (def == pos) {
    if (!ASH_FITS(pos, 24, end)) return BAD("truncated template definition");
    uint32_t size = ash_le32(c + pos + 20);
    if (!ASH_FITS(pos + 24, size, end)) return BAD("truncated template definition");
    pos += 24 + size;
  }
  const tmpl_ent *t = template_at(d, def);
  if (!t) return d->err;
  if (!ASH_FITS(pos, 4, end)) return BAD("truncated substitution array");
  uint32_t count = ash_le32(c + pos);
  pos += 4;
  if (count > (end - pos) / 4) return BAD("substitution array past the record");
  if (count > MAX_SUBSTS - d->nsubs) return fail(d, ASH_ELIMIT, "too many substitutions");
  subst *subs = d->subs + d->nsubs;
  uint32_t v = pos + 4 * count;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *desc = c + pos + 4 * i;
    uint16_t size = ash_le16(desc);
    if (!ASH_FITS(v, size, end)) return BAD("substitution value past the record");
    subs[i].off = v;
    subs[i].size = size;
    subs[i].type = desc[2];
    v += size;
  }
  d->nsubs += count;
  int rc = run(d, d->ops + t->first, t->count, subs, count, nest);
  d->nsubs -= count;
  if (rc) return rc;
  *ppos = v;
  return 0;
}

/* A BinXml document at [pos, end): fragments (template instances or
 * directly written elements), processing instructions, end of file. */
static int document(evtx_dec *d, uint32_t pos, uint32_t end, unsigned nest) {
  if (nest > ASH_MAX_EVTX_NESTING) return fail(d, ASH_ELIMIT, "binary XML nested too deep");
  if (end > d->cn) return BAD("binary XML outside the chunk");
  while (pos < end) {
    uint8_t tok = d->c[pos];
    switch (tok & 0xbf) {
    case 0x00: return 0;
    case 0x0f:
      if (!ASH_FITS(pos, 4, end)) return BAD("truncated fragment header");
      pos += 4;
      break;
    case 0x0c:
      if (template_instance(d, &pos, end, nest)) return d->err;
      break;
    case 0x01: {
      /* elements written out directly (no dependency identifiers) */
      size_t mark = d->ntops;
      opbuf b = {d->tops + mark, 0, TEMP_OPS - mark};
      uint32_t p = pos;
      if (compile(d, &p, end, 0, 1, &b)) return d->err;
      d->ntops = mark + b.n;
      int rc = run(d, b.ops, b.n, NULL, 0, nest);
      d->ntops = mark;
      if (rc) return rc;
      pos = p;
      break;
    }
    case 0x0a: {
      /* processing instruction before or after the fragment */
      pos++;
      const name_ent *e = name_ref(d, &pos, end);
      if (!e) return d->err;
      evtx_node *n = push_node(d, EVTX_N_PI);
      if (!n) return d->err;
      n->name = e->s;
      n->name_n = e->n;
      break;
    }
    case 0x0b: {
      pos++;
      if (!ASH_FITS(pos, 2, end)) return BAD("truncated text");
      size_t units = ash_le16(d->c + pos);
      pos += 2;
      if (!ASH_FITS(pos, 2 * units, end)) return BAD("truncated text");
      evtx_op o;
      memset(&o, 0, sizeof o); /* store_text sets it; gcc -O3 cannot see that */
      if (store_text(d, &o, 0x01, d->c + pos, 2 * units)) return d->err;
      pos += (uint32_t)(2 * units);
      evtx_node *n = d->nnodes ? &d->nodes[d->nnodes - 1] : NULL;
      if (!n || n->type != EVTX_N_PI || n->val) {
        if (!(n = push_node(d, EVTX_N_PI))) return d->err;
      }
      n->val = o.s;
      n->val_n = o.n;
      break;
    }
    default: return BAD("unexpected token in binary XML document");
    }
  }
  return 0;
}

int evtx_dec_record(evtx_dec *d, uint32_t start, uint32_t end, evtx_doc *doc, const char **why) {
  d->nnodes = 0;
  d->text_n = 0;
  d->nsubs = 0;
  d->ntops = 0;
  d->building = -1;
  d->depth = 0;
  d->why = NULL;
  d->err = 0;
  int rc = document(d, start, end, 0);
  if (!rc && d->nnodes == 0) rc = BAD("record has no XML");
  if (rc) {
    if (why) *why = d->why ? d->why : "malformed binary XML";
    return d->err ? d->err : ASH_EFORMAT;
  }
  doc->nodes = d->nodes;
  doc->n = d->nnodes;
  return ASH_OK;
}
