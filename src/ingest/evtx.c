/* EVTX, the Windows XML Event Log file format: file header, 64 KiB chunks,
 * records. The binary XML of each record is decoded by evtx_binxml.c into
 * nodes; this file walks files and chunks, checks their CRC32s, does the
 * accounting (one parsed or rejected outcome per record), turns the nodes
 * of a record straight into an ash_winrec (System fields plus the
 * EventData/UserData name -> value list, no XML text built) and hands it
 * to ash_winevent_map.
 *
 * Damage costs only what it destroyed, and each record lost is counted:
 * chunks are found by their signature whatever the file header counts
 * (find_blocks), a chunk without one is read by its header or by record
 * signature, a bad record header does not end its chunk's walk (rwalk),
 * and the records a damaged region held, by the numbers around it, are
 * one reject each (docs/evtx.md).
 *
 * Chunks are independent (each has its own string and template caches), so
 * they are decoded in parallel (opts->threads threads, the calling one
 * included) into per-chunk slots; the calling thread emits the slots
 * strictly in file order, which keeps the events in record order and keeps
 * ash_ctx_emit single-threaded.
 * At most a few slots per worker are in flight, so memory stays bounded
 * however large the file. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "evtx.h"
#include "fields.h"
#include "winevent.h"

/* record flags */
#define RF_REJECT 1u
#define RF_CARVED 2u
#define RF_CRC_HDR 4u  /* chunk header checksum mismatch */
#define RF_CRC_DATA 8u /* chunk records checksum mismatch */
#define RF_CRC_FILE 16u
#define RF_BADSIG 32u    /* the chunk's signature is damaged, the rest of its header not */
#define RF_RECOVERED 64u /* found by record signature in bytes that are no chunk */
#define RF_WHYTEXT 128u  /* rejected: the reason is in the slot's text at why */
#define RF_FOREIGN 256u  /* numbered outside its chunk's first..last (trusted header) */
/* records that may be older copies of records we have */
#define RF_COPY (RF_CARVED | RF_RECOVERED | RF_FOREIGN)

/* A decoded record held in a slot: strings are offsets into the slot's
 * text, so that the text can grow while the chunk is being decoded. */
typedef struct orec {
  uint64_t ref;    /* record number from the record header */
  int64_t sys_ref; /* System/EventRecordID, what Windows tools show; ASH_UNSET when absent */
  int64_t ts;
  int64_t event_id;
  uint64_t raw_off; /* rejected: raw bytes in the file buffer */
  uint32_t raw_n;
  const char *reason; /* rejected: static reason (unless RF_WHYTEXT) */
  uint32_t why;       /* rejected, RF_WHYTEXT: NUL-terminated reason in the slot's text */
  uint32_t channel, channel_n, provider, provider_n, computer, computer_n, sid, sid_n;
  uint32_t data0, ndata; /* in the slot's kv array */
  uint32_t flags;
} orec;

typedef struct okv {
  uint32_t k, kn, v, vn;
} okv;

/* The decoded records of one chunk. */
typedef struct slotbuf {
  orec *recs;
  size_t nrecs, caprecs;
  okv *kvs;
  size_t nkvs, capkvs;
  char *text;
  size_t textn, textcap;
  int done; /* decoded, waiting to be emitted */
  int err;  /* allocation failure while decoding */
} slotbuf;

/* Slot text per chunk: a chunk's records are at most 64 KiB of input, so
 * this is only reached by hostile input, whose remaining records are then
 * rejected. */
#define SLOT_TEXT_MAX (64u << 20)

static void slot_reset(slotbuf *s) {
  s->nrecs = s->nkvs = s->textn = 0;
  s->err = 0;
}

static void slot_free(slotbuf *s) {
  free(s->recs);
  free(s->kvs);
  free(s->text);
  memset(s, 0, sizeof *s);
}

static orec *slot_rec(slotbuf *s) {
  orec *v = ash_array_room(s->recs, &s->caprecs, s->nrecs, sizeof *v, 256);
  if (!v) {
    s->err = ASH_ENOMEM;
    return NULL;
  }
  s->recs = v;
  orec *r = &s->recs[s->nrecs++];
  memset(r, 0, sizeof *r);
  r->ts = ASH_TIME_UNSET;
  r->event_id = ASH_UNSET;
  r->sys_ref = ASH_UNSET;
  return r;
}

static okv *slot_kv(slotbuf *s) {
  okv *k = ash_array_room(s->kvs, &s->capkvs, s->nkvs, sizeof *k, 1024);
  if (!k) {
    s->err = ASH_ENOMEM;
    return NULL;
  }
  s->kvs = k;
  return &s->kvs[s->nkvs++];
}

/* ---- nodes -> record fields ---- */

enum { SEC_NONE, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_RENDERING, SEC_OTHER };

typedef struct frame {
  uint8_t cls;
  uint8_t item;     /* this element is a data item (or a System field) */
  uint8_t children; /* has child elements */
  uint8_t has_text;
  int collect;           /* frame collecting text for this element, or -1 */
  uint32_t key, keyn;    /* item name (slot text) */
  uint32_t t0, tn;       /* collected text (slot text) */
  const evtx_node *lone; /* the only text node, when there is one */
} frame;

typedef struct xstate {
  slotbuf *s;
  orec *r;
  frame st[ASH_MAX_EVTX_DEPTH + 2];
  unsigned unnamed;
  uint32_t ndropped;
} xstate;

static int slot_reserve(slotbuf *s, size_t n) {
  if (n > SLOT_TEXT_MAX - s->textn) return ASH_ELIMIT;
  if (s->textn + n <= s->textcap) return 0;
  size_t cap = s->textcap ? s->textcap : 64u << 10;
  while (cap < s->textn + n) cap *= 2;
  char *t = realloc(s->text, cap);
  if (!t) {
    s->err = ASH_ENOMEM;
    return ASH_ENOMEM;
  }
  s->text = t;
  s->textcap = cap;
  return 0;
}

/* Append text to the slot; *off gets its offset. */
static int slot_text(slotbuf *s, const char *p, size_t n, uint32_t *off) {
  int rc = slot_reserve(s, n);
  if (rc) return rc;
  if (n) memcpy(s->text + s->textn, p, n);
  *off = (uint32_t)s->textn;
  s->textn += n;
  return 0;
}

static int add_text_to(xstate *x, frame *f, const evtx_node *nd) {
  slotbuf *s = x->s;
  uint32_t off;
  if (f->has_text && f->t0 + f->tn != s->textn) {
    /* mixed content (text, element, text): copy what we have to the end
     * so that the element's text stays contiguous */
    if (slot_reserve(s, f->tn)) return ASH_ELIMIT;
    memcpy(s->text + s->textn, s->text + f->t0, f->tn);
    f->t0 = (uint32_t)s->textn;
    s->textn += f->tn;
  }
  if (slot_text(s, nd->val, nd->val_n, &off)) return ASH_ELIMIT;
  if (!f->has_text) {
    f->t0 = off;
    f->tn = 0;
    f->lone = nd;
  } else {
    f->lone = NULL;
  }
  f->tn += nd->val_n;
  f->has_text = 1;
  return 0;
}

/* One slot is kept back for the EvtxDataTruncated marker. */
static int add_item(xstate *x, uint32_t k, uint32_t kn, uint32_t v, uint32_t vn) {
  if (x->r->ndata >= ASH_MAX_EVTX_DATA - 1) {
    x->ndropped++;
    return 0;
  }
  okv *kv = slot_kv(x->s);
  if (!kv) return ASH_ENOMEM;
  kv->k = k;
  kv->kn = kn;
  kv->v = v;
  kv->vn = vn;
  x->r->ndata++;
  return 0;
}

static int key_text(xstate *x, const char *p, size_t n, uint32_t *off, uint32_t *len) {
  *len = (uint32_t)n;
  return slot_text(x->s, p, n, off);
}

static int64_t node_int(const evtx_node *nd) {
  if (nd->flags & EVTX_NF_NUM) return (int64_t)nd->num;
  int64_t v;
  if (ash_str_to_i64(ash_str_make(nd->val, nd->val_n), &v)) return ASH_UNSET;
  return v;
}

static int64_t node_time(const evtx_node *nd) {
  if ((nd->flags & EVTX_NF_NUM) && nd->vtype == 0x11) return evtx_filetime_us(nd->num);
  int64_t t;
  if (ash_time_parse_iso(ash_str_make(nd->val, nd->val_n), &t)) return ASH_TIME_UNSET;
  return t;
}

/* Walk the nodes of one record into r. */
static int extract(const evtx_doc *doc, slotbuf *s, orec *r) {
  xstate x;
  x.s = s;
  x.r = r;
  x.unnamed = 0;
  x.ndropped = 0;
  r->data0 = (uint32_t)s->nkvs;
  unsigned depth = 0, sec = SEC_NONE;
  int rc = 0;
  for (size_t i = 0; i < doc->n && !rc; i++) {
    const evtx_node *nd = &doc->nodes[i];
    switch (nd->type) {
    case EVTX_N_OPEN: {
      if (depth > ASH_MAX_EVTX_DEPTH) return ASH_ELIMIT;
      frame *parent = depth ? &x.st[depth - 1] : NULL;
      if (parent) parent->children = 1;
      frame *f = &x.st[depth++];
      memset(f, 0, sizeof *f);
      f->cls = nd->cls;
      f->collect = parent ? parent->collect : -1;
      if (depth == 2) {
        sec = nd->cls == EVTX_C_SYSTEM          ? SEC_SYSTEM
              : nd->cls == EVTX_C_EVENTDATA     ? SEC_EVENTDATA
              : nd->cls == EVTX_C_USERDATA      ? SEC_USERDATA
              : nd->cls == EVTX_C_RENDERINGINFO ? SEC_RENDERING
                                                : SEC_OTHER;
      } else if (depth == 3 && sec == SEC_SYSTEM) {
        f->item = 1;
        f->collect = (int)(depth - 1);
      } else if (depth == 3 && sec == SEC_EVENTDATA) {
        f->item = 1;
        f->collect = (int)(depth - 1);
        if (nd->cls != EVTX_C_DATA) rc = key_text(&x, nd->name, nd->name_n, &f->key, &f->keyn);
      } else if (depth >= 3 && (sec == SEC_USERDATA || sec == SEC_OTHER)) {
        /* leaves become items when they close */
        f->item = 1;
        f->collect = (int)(depth - 1);
        rc = key_text(&x, nd->name, nd->name_n, &f->key, &f->keyn);
      } else if (depth == 3 && sec == SEC_RENDERING && nd->cls == EVTX_C_MESSAGE) {
        f->item = 1;
        f->collect = (int)(depth - 1);
        rc = key_text(&x, nd->name, nd->name_n, &f->key, &f->keyn);
      }
      break;
    }
    case EVTX_N_ATTR: {
      if (!depth) break;
      frame *f = &x.st[depth - 1];
      if (sec == SEC_SYSTEM && depth == 3) {
        if (f->cls == EVTX_C_PROVIDER &&
            (nd->cls == EVTX_C_NAME || (nd->cls == EVTX_C_EVENTSOURCENAME && !r->provider_n))) {
          rc = slot_text(s, nd->val, nd->val_n, &r->provider);
          r->provider_n = nd->val_n;
        } else if (f->cls == EVTX_C_TIMECREATED && nd->cls == EVTX_C_SYSTEMTIME) {
          r->ts = node_time(nd);
        } else if (f->cls == EVTX_C_SECURITY && nd->cls == EVTX_C_USERID) {
          rc = slot_text(s, nd->val, nd->val_n, &r->sid);
          r->sid_n = nd->val_n;
        }
      } else if (sec == SEC_EVENTDATA && depth == 3 && f->cls == EVTX_C_DATA &&
                 nd->cls == EVTX_C_NAME) {
        rc = key_text(&x, nd->val, nd->val_n, &f->key, &f->keyn);
      } else if ((sec == SEC_USERDATA || sec == SEC_OTHER) && depth >= 4 &&
                 nd->cls != EVTX_C_XMLNS) {
        uint32_t k, v;
        rc = slot_text(s, nd->name, nd->name_n, &k);
        if (!rc) rc = slot_text(s, nd->val, nd->val_n, &v);
        if (!rc) rc = add_item(&x, k, nd->name_n, v, nd->val_n);
      }
      break;
    }
    case EVTX_N_TEXT: {
      if (!depth) break;
      frame *f = &x.st[depth - 1];
      if (f->collect >= 0) rc = add_text_to(&x, &x.st[f->collect], nd);
      break;
    }
    case EVTX_N_CLOSE: {
      if (!depth) break;
      frame *f = &x.st[--depth];
      if (!f->item) break;
      if (sec == SEC_SYSTEM && depth == 2) {
        const evtx_node *t = f->lone;
        if (f->cls == EVTX_C_EVENTID) {
          if (t)
            r->event_id = node_int(t);
          else if (f->has_text) {
            int64_t v;
            if (!ash_str_to_i64(ash_str_make(s->text + f->t0, f->tn), &v)) r->event_id = v;
          }
        } else if (f->cls == EVTX_C_RECORDID) {
          int64_t v = t ? node_int(t) : ASH_UNSET;
          if (v != ASH_UNSET && v >= 0) r->sys_ref = v;
        } else if (f->cls == EVTX_C_CHANNEL && f->has_text) {
          r->channel = f->t0;
          r->channel_n = f->tn;
        } else if (f->cls == EVTX_C_COMPUTER && f->has_text) {
          r->computer = f->t0;
          r->computer_n = f->tn;
        }
        break;
      }
      if ((sec == SEC_USERDATA || sec == SEC_OTHER) && f->children) break;
      if (sec == SEC_EVENTDATA && f->cls == EVTX_C_DATA && !f->keyn) {
        char name[24] = "Data";
        size_t n = 4;
        unsigned v = ++x.unnamed;
        char t[12];
        size_t k = 0;
        do {
          t[k++] = (char)('0' + v % 10);
          v /= 10;
        } while (v);
        while (k) name[n++] = t[--k];
        rc = key_text(&x, name, n, &f->key, &f->keyn);
        if (rc) break;
      }
      rc = add_item(&x, f->key, f->keyn, f->has_text ? f->t0 : 0, f->has_text ? f->tn : 0);
      break;
    }
    default: break;
    }
  }
  if (!rc && x.ndropped) {
    /* say so rather than drop silently */
    uint32_t k, v;
    rc = slot_text(s, "EvtxDataTruncated", 17, &k);
    if (!rc) rc = slot_text(s, "true", 4, &v);
    okv *kv = rc ? NULL : slot_kv(s);
    if (kv) {
      kv->k = k;
      kv->kn = 17;
      kv->v = v;
      kv->vn = 4;
      r->ndata++;
    } else if (!rc) {
      rc = ASH_ENOMEM;
    }
  }
  return rc;
}

/* ---- chunks ---- */

/* What the file walk found at a place of the file (find_blocks). */
enum {
  BK_CHUNK,  /* a chunk signature */
  BK_BADSIG, /* no signature, but the rest of a chunk header: a damaged chunk */
  BK_RAW,    /* neither, and not zeros: its records are found by their signature */
};

typedef struct block {
  size_t off;
  uint32_t len;
  uint8_t kind;
  uint8_t counted; /* inside the chunks the file header counts (or no file header) */
} block;

/* Damage outside any chunk (the file header cut short or missing, chunks
 * the file header counts missing): one reject each, emitted before or
 * after the chunks' records. */
typedef struct note {
  size_t raw_off, raw_n;
  char why[192];
} note;

typedef struct job {
  const uint8_t *buf;
  size_t n;
  block *blk;
  size_t nchunks; /* blocks, in file order (chunks, damaged chunks, raw regions) */
  size_t capblk;
  size_t header_chunks; /* chunks the file header counts */
  int has_header;
  int carve;
  int raw_blocks; /* some block is BK_RAW: its records need the allocated numbers */
  uint32_t file_flags;
  note pre, post;
  int npre, npost;
} job;

static int all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static int reject(slotbuf *s, uint64_t ref, const char *why, uint64_t raw_off, size_t raw_n) {
  orec *r = slot_rec(s);
  if (!r) return ASH_ENOMEM;
  r->flags = RF_REJECT;
  r->ref = ref;
  r->reason = why;
  r->raw_off = raw_off;
  r->raw_n = (uint32_t)(raw_n > ASH_MAX_REJECT_RAW ? ASH_MAX_REJECT_RAW : raw_n);
  return 0;
}

/* one_record: a carved candidate that did not decode. Negative, so that
 * it is no ash_err: it was 1, which is ASH_ENOMEM, and the first carved
 * candidate that did not decode ended the carving of its chunk. */
#define CARVE_MISS (-1)

/* Decode the record of size bytes at chunk offset pos. Returns 0 when the
 * record was stored (parsed or, unless carving, rejected), CARVE_MISS when
 * a carved candidate did not decode, or ASH_ENOMEM. */
static int one_record(evtx_dec *dec, const job *j, slotbuf *s, const uint8_t *c, size_t choff,
                      uint32_t pos, uint32_t size, uint32_t flags) {
  uint64_t id = ash_le64(c + pos + 8);
  uint64_t written = ash_le64(c + pos + 16);
  evtx_doc doc;
  const char *why = NULL;
  int rc = evtx_dec_record(dec, pos + EVTX_RECORD_HEADER, pos + size - 4, &doc, &why);
  if (rc) {
    if (flags & RF_CARVED) return CARVE_MISS;
    if (reject(s, id, why, choff + pos, size)) return ASH_ENOMEM;
    s->recs[s->nrecs - 1].flags |= flags & RF_COPY;
    return 0;
  }
  size_t mrec = s->nrecs, mkv = s->nkvs, mtext = s->textn;
  orec *r = slot_rec(s);
  if (!r) return ASH_ENOMEM;
  r->ref = id;
  r->flags = flags;
  rc = extract(&doc, s, r);
  if (rc) {
    s->nrecs = mrec;
    s->nkvs = mkv;
    s->textn = mtext;
    if (rc == ASH_ENOMEM) return rc;
    if (flags & RF_CARVED) return CARVE_MISS;
    if (reject(s, id, "decoded record too large", choff + pos, size)) return ASH_ENOMEM;
    s->recs[s->nrecs - 1].flags |= flags & RF_COPY;
    return 0;
  }
  if (r->ts == ASH_TIME_UNSET && written) r->ts = evtx_filetime_us(written);
  return 0;
}

/* Size of a well-formed record header at pos (signature, size, copy of
 * size at the end), or 0. */
static uint32_t record_size(const uint8_t *c, size_t cn, size_t pos) {
  if (!ASH_FITS(pos, EVTX_RECORD_HEADER, cn)) return 0;
  if (c[pos] != 0x2a || c[pos + 1] != 0x2a || c[pos + 2] || c[pos + 3]) return 0;
  uint32_t size = ash_le32(c + pos + 4);
  if (size < EVTX_RECORD_HEADER + 4 || !ASH_FITS(pos, size, cn)) return 0;
  if (ash_le32(c + pos + size - 4) != size) return 0;
  return size;
}

/* The first well-formed record header at or after from that starts before
 * end (it may extend past end, not past cn), or end. */
static size_t next_record(const uint8_t *c, size_t cn, size_t from, size_t end) {
  size_t p = from;
  while (ASH_FITS(p, EVTX_RECORD_HEADER, end)) {
    const uint8_t *q = memchr(c + p, 0x2a, end - p);
    if (!q) break;
    p = (size_t)(q - c);
    if (record_size(c, cn, p)) return p;
    p++;
  }
  return end;
}

/* The smallest record: header, copy of the size, and no binary XML at
 * all. A damaged region of g bytes held at most g / EVTX_RECORD_MIN
 * records, which bounds what the record numbers around it may claim. */
#define EVTX_RECORD_MIN (EVTX_RECORD_HEADER + 4u)

/* The records of one block, in order, with the regions between them that
 * are no well-formed record (gaps). In a chunk, records follow each other
 * from offset 512 up to the free space offset; a record with a damaged
 * header does not end the walk: the next well-formed record header is
 * looked for (as carving does), so that one damaged record costs that
 * record, not the rest of the chunk. Records of a chunk are numbered
 * consecutively, so the numbers on either side of a gap say how many
 * records it held; at the chunk's ends, a header whose checksum holds
 * gives the first and last numbers. */
typedef struct rwalk {
  const uint8_t *c;
  size_t cn, end, pos;
  size_t last;                  /* offset of the last record by the chunk header; SIZE_MAX: none */
  uint64_t prev;                /* number of the record before pos, when have_prev */
  uint64_t hdr_first, hdr_last; /* record numbers by a trusted chunk header */
  int have_prev, trusted, report_gaps, done;
  int raw;         /* BK_RAW: no header says where records start and end */
  size_t nrecords; /* records found so far */
  size_t own_end;  /* end of the last record of this chunk's numbering */
} rwalk;

typedef struct ritem {
  size_t at, gap_end;
  uint32_t size;         /* a record of size bytes at at; 0: the gap [at, gap_end) */
  int foreign;           /* a record numbered outside its chunk's trusted first..last */
  int slack;             /* BK_RAW: a record out of the run of numbers of the first */
  uint64_t lost0, nlost; /* gap: records it held (nlost >= 1), numbered from lost0 (0: unknown) */
} ritem;

static void rwalk_init(rwalk *w, const uint8_t *c, size_t cn, int kind, int trusted, int gaps) {
  memset(w, 0, sizeof *w);
  w->c = c;
  w->cn = cn;
  w->report_gaps = gaps;
  if (kind == BK_RAW) {
    w->raw = 1;
    w->end = cn;
    w->last = SIZE_MAX;
    return;
  }
  uint32_t free_off = ash_le32(c + 48);
  w->end = free_off < EVTX_CHUNK_HEADER || free_off > cn ? cn : free_off;
  w->pos = w->own_end = EVTX_CHUNK_HEADER;
  w->last = ash_le32(c + 44);
  if (trusted) {
    /* the first and last record identifiers, the numbers the records'
     * headers carry (bytes 8 and 16 count the records of the log, which
     * differ once a log was cleared or exported; the first record of
     * each of the 650 intact chunks of the shared samples carries the
     * number at byte 24) */
    uint64_t first = ash_le64(c + 24);
    w->trusted = 1;
    w->hdr_first = first;
    w->hdr_last = ash_le64(c + 32);
    if (first >= 1 && first - 1 <= w->hdr_last) {
      w->prev = first - 1;
      w->have_prev = 1;
    }
  }
}

/* How many records the gap [g0, g1) held, from the numbers around it. */
static void gap_count(rwalk *w, ritem *it, size_t g0, size_t g1, int next_known, uint64_t next,
                      size_t room) {
  const uint8_t *c = w->c;
  it->at = g0;
  it->gap_end = g1;
  it->size = 0;
  it->foreign = it->slack = 0;
  if (w->have_prev && next_known && next > w->prev + 1 &&
      next - w->prev - 1 <= room / EVTX_RECORD_MIN + 1) {
    it->lost0 = w->prev + 1;
    it->nlost = next - w->prev - 1;
    w->prev = next - 1;
    return;
  }
  it->nlost = 1;
  it->lost0 =
      ASH_FITS(g0, 16, w->cn) && c[g0] == 0x2a && c[g0 + 1] == 0x2a ? ash_le64(c + g0 + 8) : 0;
  if (w->have_prev && it->lost0 == w->prev + 1) w->prev = it->lost0;
}

static int rwalk_next(rwalk *w, ritem *it) {
  const uint8_t *c = w->c;
  while (!w->done) {
    if (!ASH_FITS(w->pos, EVTX_RECORD_HEADER, w->end)) {
      w->done = 1;
      size_t g0 = w->pos < w->end ? w->pos : w->end;
      /* in bytes that are no chunk, what follows the last record is
       * slack (old data) as often as damage: said only when no record at
       * all was found there */
      int junk = w->report_gaps && g0 < w->end && (!w->raw || !w->nrecords) &&
                 !all_zero(c + g0, w->end - g0);
      int lost = w->trusted && w->have_prev && w->hdr_last > w->prev;
      if (!junk && !lost) return 0;
      /* the records the header counts beyond the last of this chunk's
       * were in the bytes after it (overwritten, or not in the file) */
      gap_count(w, it, g0, w->end, w->trusted, w->hdr_last + 1, EVTX_CHUNK_SIZE - w->own_end);
      return 1;
    }
    uint32_t size = record_size(c, w->cn, w->pos);
    if (size) {
      uint64_t id = ash_le64(c + w->pos + 8);
      it->at = w->pos;
      it->size = size;
      /* a record of another chunk (overwritten in place: volume shadow
       * copies mix chunks of different times) says nothing of this
       * chunk's numbering */
      it->foreign = w->trusted && (id < w->hdr_first || id > w->hdr_last);
      /* without a header, the chunk's records are the run of consecutive
       * numbers from the first one found (the records of each of the 648
       * chunks of the samples that no shadow copy mixed are numbered
       * consecutively); one out of that run is slack, what an earlier
       * use of the chunk left, and is treated as carved */
      it->slack = w->raw && w->have_prev && id != w->prev + 1;
      if (!it->foreign && !it->slack) {
        w->prev = id;
        w->have_prev = 1;
        w->own_end = w->pos + size;
      }
      w->nrecords++;
      if (w->pos == w->last) w->done = 1;
      w->pos += size;
      return 1;
    }
    if (all_zero(c + w->pos, w->end - w->pos)) {
      w->pos = w->end; /* free space; records the header counts beyond it are lost */
      continue;
    }
    size_t g0 = w->pos, q = next_record(c, w->cn, g0 + 1, w->end);
    w->pos = q;
    if (!w->report_gaps || all_zero(c + g0, q - g0)) continue;
    /* without a chunk header, bytes before the first record (a damaged
     * header) or after the last (slack) are not a record's; a gap that
     * starts with a record signature, or lies between two records, is,
     * and so is the whole block when no record is in it */
    if (w->raw) {
      int sig = ASH_FITS(g0, 4, w->cn) && c[g0] == 0x2a && c[g0 + 1] == 0x2a;
      /* between two records of the run: the next continues the numbers */
      uint64_t nx = q < w->end ? ash_le64(c + q + 8) : 0;
      int between = w->have_prev && q < w->end && nx > w->prev &&
                    nx - w->prev - 1 <= (q - g0) / EVTX_RECORD_MIN + 1;
      int none = !w->nrecords && q == w->end;
      if (!sig && !between && !none) continue;
    }
    uint64_t nid = q < w->end ? ash_le64(c + q + 8) : 0;
    if (q < w->end && !(w->trusted && (nid < w->hdr_first || nid > w->hdr_last)))
      gap_count(w, it, g0, q, 1, nid, q - g0);
    else if (q < w->end)
      gap_count(w, it, g0, q, 0, 0, 0); /* the end of the walk counts what the header says */
    else
      /* records cut off by the end of a truncated chunk were in bytes we
       * do not have: bounded by the whole chunk */
      gap_count(w, it, g0, q, w->trusted, w->hdr_last + 1, (q >= w->cn ? EVTX_CHUNK_SIZE : q) - g0);
    return 1;
  }
  return 0;
}

/* One reject per record a gap held, with a reason that says where the
 * bytes are; its raw bytes go with the first. */
static int gap_reject(slotbuf *s, const job *j, size_t off, size_t cn, const ritem *it) {
  const uint8_t *c = j->buf + off;
  char why[192];
  size_t f0 = off + it->at, f1 = off + it->gap_end;
  const char *what = "bytes that are no record";
  if (f0 == f1) {
    /* nothing left of them: only the header's numbers say they were */
    if (it->nlost > 1)
      snprintf(why, sizeof why, "records %llu-%llu of the chunk at byte %zu are not in it",
               (unsigned long long)it->lost0, (unsigned long long)(it->lost0 + it->nlost - 1), off);
    else if (it->lost0)
      snprintf(why, sizeof why, "record %llu of the chunk at byte %zu is not in it",
               (unsigned long long)it->lost0, off);
    else
      snprintf(why, sizeof why, "records the header of the chunk at byte %zu counts are not in it",
               off);
    what = NULL;
  } else if (f1 >= j->n && cn < EVTX_CHUNK_SIZE)
    what = "chunk cut short by the end of the file";
  else if (ASH_FITS(it->at, 4, cn) && c[it->at] == 0x2a && c[it->at + 1] == 0x2a)
    what = "bad record header";
  int k = what ? snprintf(why, sizeof why, "%s at byte %zu (%zu bytes)", what, f0, f1 - f0) : 0;
  if (what && it->nlost > 1 && k > 0 && (size_t)k < sizeof why)
    snprintf(why + k, sizeof why - (size_t)k, "; records %llu-%llu by their numbers",
             (unsigned long long)it->lost0, (unsigned long long)(it->lost0 + it->nlost - 1));
  uint32_t at;
  if (slot_text(s, why, strlen(why) + 1, &at)) return ASH_ENOMEM;
  for (uint64_t k2 = 0; k2 < it->nlost; k2++) {
    if (reject(s, it->nlost > 1 ? it->lost0 + k2 : it->lost0, NULL, f0, k2 ? 0 : f1 - f0))
      return ASH_ENOMEM;
    orec *r = &s->recs[s->nrecs - 1];
    r->flags |= RF_WHYTEXT;
    r->why = at;
  }
  return 0;
}

/* Records in the slack of a chunk (after the last allocated record):
 * anything that has a record header with a matching copy of its size and
 * decodes. */
static int carve(evtx_dec *dec, const job *j, slotbuf *s, const uint8_t *c, size_t cn, size_t choff,
                 size_t from, uint32_t flags) {
  size_t p = from;
  while (ASH_FITS(p, EVTX_RECORD_HEADER + 4, cn)) {
    const uint8_t *q = memchr(c + p, 0x2a, cn - p);
    if (!q) break;
    p = (size_t)(q - c);
    uint32_t size = record_size(c, cn, p);
    if (size) {
      int rc = one_record(dec, j, s, c, choff, (uint32_t)p, size, flags | RF_CARVED);
      if (rc == ASH_ENOMEM) return rc;
      if (rc == 0) {
        p += size;
        continue;
      }
    }
    p++;
  }
  return 0;
}

/* CRC32 of a chunk header as if its signature were intact: a chunk whose
 * signature alone was damaged keeps a header we can trust. */
static uint32_t chunk_header_crc(const uint8_t *c) {
  uint32_t h = (uint32_t)crc32(0L, (const uint8_t *)"ElfChnk", 8);
  h = (uint32_t)crc32(h, c + 8, 112);
  return (uint32_t)crc32(h, c + 128, EVTX_CHUNK_HEADER - 128);
}

/* Flags of a chunk's records from its header checksums; *trusted when the
 * header checksum holds. */
static uint32_t chunk_flags(const block *bk, const uint8_t *c, size_t cn, int *trusted) {
  uint32_t flags = 0;
  *trusted = chunk_header_crc(c) == ash_le32(c + 124);
  if (!*trusted) flags |= RF_CRC_HDR;
  if (bk->kind == BK_BADSIG) flags |= RF_BADSIG;
  uint32_t free_off = ash_le32(c + 48);
  if (free_off < EVTX_CHUNK_HEADER || free_off > cn) {
    flags |= RF_CRC_DATA;
  } else {
    uint32_t dcrc = (uint32_t)crc32(0L, c + EVTX_CHUNK_HEADER, free_off - EVTX_CHUNK_HEADER);
    if (dcrc != ash_le32(c + 52)) flags |= RF_CRC_DATA;
  }
  return flags;
}

static void decode_chunk(evtx_dec *dec, const job *j, size_t ci, slotbuf *s) {
  const block *bk = &j->blk[ci];
  size_t off = bk->off, cn = bk->len;
  const uint8_t *c = j->buf + off;
  slot_reset(s);
  uint32_t flags = j->file_flags;
  int trusted = 0;
  if (bk->kind == BK_RAW) {
    flags |= RF_RECOVERED;
  } else if (cn < EVTX_CHUNK_HEADER) {
    /* find_blocks gives a damaged chunk a whole header, so this is a
     * chunk signature the end of the file cut short */
    char why[128];
    snprintf(why, sizeof why, "chunk at byte %zu cut short by the end of the file at byte %zu", off,
             off + cn);
    uint32_t at;
    if (slot_text(s, why, strlen(why) + 1, &at) || reject(s, 0, NULL, off, cn)) return;
    s->recs[s->nrecs - 1].flags |= RF_WHYTEXT;
    s->recs[s->nrecs - 1].why = at;
    return;
  } else {
    flags |= chunk_flags(bk, c, cn, &trusted);
  }
  evtx_dec_chunk(dec, c, cn);
  rwalk w;
  rwalk_init(&w, c, cn, bk->kind, trusted, bk->counted);
  ritem it;
  while (rwalk_next(&w, &it)) {
    if (it.size) {
      uint32_t f = flags | (it.foreign ? RF_FOREIGN : 0) | (it.slack ? RF_CARVED : 0);
      if (one_record(dec, j, s, c, off, (uint32_t)it.at, it.size, f) == ASH_ENOMEM) return;
    } else if (gap_reject(s, j, off, cn, &it)) {
      return;
    }
  }
  if (j->carve && bk->kind != BK_RAW) carve(dec, j, s, c, cn, off, w.pos, flags);
}

/* ---- emitting ---- */

/* Record numbers of the allocated records of the file (read from their
 * headers before anything is emitted) and of the carved or recovered
 * records already emitted: a carved or recovered record with one of those
 * numbers is an older copy of a record we have, and is left out. */
typedef struct emitter {
  ash_parse_ctx *ctx;
  const job *j;
  ash_kv kv[ASH_MAX_EVTX_DATA];
  ash_kv attrs[ASH_MAX_ATTRS + ASH_MAX_ATTR_MARKS];
  ash_buf scratch;
  ash_u64set allocated, carved;
  char integ[256];
} emitter;

static ash_str sstr(const slotbuf *s, uint32_t off, uint32_t n) {
  return n ? ash_str_make(s->text + off, n) : ASH_STR_NULL;
}

/* The EvtxIntegrity attribute: what is wrong with where the record came
 * from, in words, "; "-separated (the checksum texts as they have always
 * been written, so that earlier cases read the same). */
static const char *integrity(char *b, size_t cap, uint32_t f) {
  const char *part[5];
  int n = 0;
  if (f & RF_CARVED) part[n++] = "carved";
  if (f & RF_RECOVERED) part[n++] = "recovered by record signature from bytes that are no chunk";
  if (f & RF_FOREIGN) part[n++] = "numbered outside its chunk's records";
  if (f & RF_BADSIG) part[n++] = "chunk signature damaged";
  if ((f & RF_CRC_HDR) && (f & RF_CRC_DATA))
    part[n++] = "chunk header and records checksum mismatch";
  else if (f & RF_CRC_HDR)
    part[n++] = "chunk header checksum mismatch";
  else if (f & RF_CRC_DATA)
    part[n++] = "chunk records checksum mismatch";
  size_t k = 0;
  b[0] = 0;
  for (int i = 0; i < n; i++) {
    int w = snprintf(b + k, cap - k, "%s%s", i ? "; " : "", part[i]);
    if (w < 0 || (size_t)w >= cap - k) break;
    k += (size_t)w;
  }
  return b;
}

static int emit_slot(emitter *e, const slotbuf *s) {
  ash_parse_ctx *ctx = e->ctx;
  for (size_t i = 0; i < s->nrecs; i++) {
    const orec *r = &s->recs[i];
    int rc;
    if (r->flags & RF_REJECT) {
      /* a recovered record that does not decode, whose number a chunk
       * has: an older copy, not a record lost */
      if ((r->flags & (RF_RECOVERED | RF_FOREIGN)) && ash_u64set_has(&e->allocated, r->ref))
        continue;
      const char *why = r->flags & RF_WHYTEXT ? s->text + r->why : r->reason;
      rc = ash_ctx_reject(ctx, r->ref, why, e->j->buf + r->raw_off, r->raw_n);
      if (rc) return rc;
      continue;
    }
    if (r->flags & RF_COPY) {
      if (ash_u64set_has(&e->allocated, r->ref)) continue;
      int added;
      rc = ash_u64set_add(&e->carved, r->ref, &added);
      if (rc) return rc;
      if (!added) continue;
    }
    ash_winrec w;
    memset(&w, 0, sizeof w);
    w.ts = ash_ctx_skew(ctx, r->ts);
    /* the number Event Viewer shows; the header's when the XML has none */
    w.record_id = r->sys_ref != ASH_UNSET ? (uint64_t)r->sys_ref : r->ref;
    w.event_id = r->event_id;
    w.channel = sstr(s, r->channel, r->channel_n);
    w.provider = sstr(s, r->provider, r->provider_n);
    w.computer = sstr(s, r->computer, r->computer_n);
    w.user_sid = sstr(s, r->sid, r->sid_n);
    for (uint32_t k = 0; k < r->ndata; k++) {
      const okv *kv = &s->kvs[r->data0 + k];
      e->kv[k].k = ash_str_make(s->text + kv->k, kv->kn);
      e->kv[k].v = ash_str_make(s->text + kv->v, kv->vn);
    }
    w.data = e->kv;
    w.ndata = r->ndata;
    ash_event ev;
    ash_buf_reset(&e->scratch);
    rc = ash_winevent_map(&w, &ev, &e->scratch);
    if (rc == ASH_ENOMEM) return rc;
    if (rc) {
      rc = ash_ctx_reject(ctx, r->ref, "event could not be mapped", e->j->buf + r->raw_off, 0);
      if (rc) return rc;
      continue;
    }
    ev.ref = w.record_id;
    uint32_t warn = r->flags & (RF_COPY | RF_BADSIG | RF_CRC_HDR | RF_CRC_DATA | RF_CRC_FILE);
    if (warn) {
      size_t na = ev.nattrs > ASH_MAX_ATTRS ? ASH_MAX_ATTRS : ev.nattrs;
      if (na) memcpy(e->attrs, ev.attrs, na * sizeof *ev.attrs);
      if (warn & ~RF_CRC_FILE) {
        e->attrs[na].k = ash_str_cstr("EvtxIntegrity");
        e->attrs[na++].v = ash_str_cstr(integrity(e->integ, sizeof e->integ, warn));
      }
      if (warn & RF_CRC_FILE) {
        e->attrs[na].k = ash_str_cstr("EvtxFileHeader");
        e->attrs[na++].v = ash_str_cstr("checksum mismatch");
      }
      ev.attrs = e->attrs;
      ev.nattrs = na;
    }
    ash_ctx_parsed(ctx);
    rc = ash_ctx_emit(ctx, &ev);
    if (rc) return rc;
  }
  return s->err;
}

/* ---- decoders ----
 * A decoder holds a few MiB of buffers; allocating them for each file made
 * a folder of small files (one chunk each, as exported per technique or
 * per host) spend a third of its time in page faults. Idle decoders are
 * kept for the next file, a few at most. */

#define DEC_POOL 8
static pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static evtx_dec *g_pool[DEC_POOL];
static int g_npool;

static int dec_get(evtx_dec **out) {
  pthread_mutex_lock(&g_pool_mu);
  evtx_dec *d = g_npool ? g_pool[--g_npool] : NULL;
  pthread_mutex_unlock(&g_pool_mu);
  if (d) {
    *out = d;
    return ASH_OK;
  }
  return evtx_dec_new(out);
}

static void dec_put(evtx_dec *d) {
  if (!d) return;
  pthread_mutex_lock(&g_pool_mu);
  if (g_npool < DEC_POOL) {
    g_pool[g_npool++] = d;
    d = NULL;
  }
  pthread_mutex_unlock(&g_pool_mu);
  evtx_dec_free(d);
}

/* ---- workers ---- */

typedef struct pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  const job *j;
  slotbuf *slots;
  size_t nslots;
  size_t next;    /* next chunk to claim */
  size_t emitted; /* chunks emitted: chunk i may use its slot once i < emitted + nslots */
  int abort;
  int err; /* a worker could not start */
} pool;

static void *worker(void *arg) {
  pool *p = arg;
  evtx_dec *dec = NULL;
  int rc = dec_get(&dec);
  pthread_mutex_lock(&p->mu);
  if (rc) {
    p->err = rc;
    p->abort = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
  }
  for (;;) {
    while (!p->abort && p->next < p->j->nchunks && p->next >= p->emitted + p->nslots)
      pthread_cond_wait(&p->cv, &p->mu);
    if (p->abort || p->next >= p->j->nchunks) break;
    size_t ci = p->next++;
    pthread_mutex_unlock(&p->mu);
    slotbuf *s = &p->slots[ci % p->nslots];
    decode_chunk(dec, p->j, ci, s);
    pthread_mutex_lock(&p->mu);
    s->done = 1;
    pthread_cond_broadcast(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  dec_put(dec);
  return NULL;
}

/* threads - 1 workers decode ahead; the calling thread emits in order and
 * decodes the next chunk itself whenever no worker has taken it yet, so
 * that `threads` threads are busy, not threads + 1. */
static int run_parallel(emitter *e, const job *j, int threads) {
  pool p;
  memset(&p, 0, sizeof p);
  p.j = j;
  p.nslots = (size_t)threads * 3;
  p.slots = calloc(p.nslots, sizeof *p.slots);
  int nworkers = threads - 1;
  pthread_t *tid = calloc((size_t)nworkers, sizeof *tid);
  evtx_dec *mine = NULL;
  if (!p.slots || !tid || dec_get(&mine)) {
    free(p.slots);
    free(tid);
    return ASH_ENOMEM;
  }
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv, NULL);
  int started = 0, rc = 0;
  for (; started < nworkers; started++)
    if (pthread_create(&tid[started], NULL, worker, &p)) break;
  for (size_t ci = 0; ci < j->nchunks && !rc; ci++) {
    slotbuf *s = &p.slots[ci % p.nslots];
    pthread_mutex_lock(&p.mu);
    while (!s->done && !p.abort) {
      if (p.next < j->nchunks && p.next < p.emitted + p.nslots) {
        /* rather than wait, decode the next chunk nobody has taken */
        size_t k = p.next++;
        slotbuf *sk = &p.slots[k % p.nslots];
        pthread_mutex_unlock(&p.mu);
        decode_chunk(mine, j, k, sk);
        pthread_mutex_lock(&p.mu);
        sk->done = 1;
        pthread_cond_broadcast(&p.cv);
        continue;
      }
      pthread_cond_wait(&p.cv, &p.mu);
    }
    if (!s->done) rc = p.err ? p.err : ASH_ENOMEM;
    pthread_mutex_unlock(&p.mu);
    if (rc) break;
    rc = emit_slot(e, s);
    /* chunks are in file order and the workers only decode those after the
     * ones emitted: the pages up to here may go (ash_ctx_release) */
    if (!rc) ash_ctx_release(e->ctx, j->blk[ci].off + j->blk[ci].len);
    pthread_mutex_lock(&p.mu);
    s->done = 0;
    p.emitted = ci + 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
  }
  pthread_mutex_lock(&p.mu);
  p.abort = 1;
  pthread_cond_broadcast(&p.cv);
  pthread_mutex_unlock(&p.mu);
  for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
  pthread_mutex_destroy(&p.mu);
  pthread_cond_destroy(&p.cv);
  for (size_t i = 0; i < p.nslots; i++) slot_free(&p.slots[i]);
  free(p.slots);
  free(tid);
  dec_put(mine);
  return rc;
}

static int run_serial(emitter *e, const job *j) {
  evtx_dec *dec;
  int rc = dec_get(&dec);
  if (rc) return rc;
  slotbuf s;
  memset(&s, 0, sizeof s);
  for (size_t ci = 0; ci < j->nchunks && !rc; ci++) {
    decode_chunk(dec, j, ci, &s);
    rc = emit_slot(e, &s);
    if (!rc) ash_ctx_release(e->ctx, j->blk[ci].off + j->blk[ci].len);
  }
  slot_free(&s);
  dec_put(dec);
  return rc;
}

/* A chunk header at c (cn bytes of the file from there), judged without
 * its signature: a header size of 128 (every one of the 650 chunks of the
 * shared samples has it, and the format documentation gives no other)
 * and last-record and free-space offsets in order inside a chunk. A
 * damaged signature leaves these; zeros or unrelated data rarely have all
 * three. */
static int header_plausible(const uint8_t *c, size_t cn) {
  if (cn < EVTX_CHUNK_HEADER) return 0;
  uint32_t hs = ash_le32(c + 40), last = ash_le32(c + 44), fo = ash_le32(c + 48);
  return hs == 128 && last >= EVTX_CHUNK_HEADER && last < fo && fo <= EVTX_CHUNK_SIZE;
}

/* The first chunk signature in [from, to) followed by a plausible header,
 * or to. The header check keeps "ElfChnk" inside a record's data from
 * being taken for a chunk. */
static size_t find_chunk(const uint8_t *b, size_t n, size_t from, size_t to) {
  size_t p = from;
  while (p < to && ASH_FITS(p, 8, n)) {
    const uint8_t *q = memchr(b + p, 'E', to - p);
    if (!q) break;
    p = (size_t)(q - b);
    if (ASH_FITS(p, 8, n) && !memcmp(b + p, "ElfChnk", 8) &&
        header_plausible(b + p, n - p < EVTX_CHUNK_SIZE ? n - p : EVTX_CHUNK_SIZE))
      return p;
    p++;
  }
  return to;
}

static int add_block(job *j, size_t off, size_t len, int kind) {
  block *v = ash_array_room(j->blk, &j->capblk, j->nchunks, sizeof *v, 64);
  if (!v) return ASH_ENOMEM;
  j->blk = v;
  block *bk = &j->blk[j->nchunks++];
  bk->off = off;
  bk->len = (uint32_t)len;
  bk->kind = (uint8_t)kind;
  /* chunks lie at 4096 + k * 65536; beyond the count, the file holds
   * space Windows allocated ahead (zeros, or what the disk held before:
   * sysmon.evtx of the samples has 8 such blocks), where only records,
   * not their absence, mean something */
  bk->counted = !j->has_header || (off - EVTX_FILE_HEADER) / EVTX_CHUNK_SIZE < j->header_chunks;
  if (kind == BK_RAW) j->raw_blocks = 1;
  return 0;
}

static void job_free(job *j) {
  free(j->blk);
  j->blk = NULL;
}

/* Find the chunks. They are 64 KiB each, from byte 4096 of a file (or
 * from the first chunk signature of bytes without a file header, as cut
 * out of a disk image or memory). Chunks are found by their signature
 * wherever they are, whatever the file header counts: a dirty file has
 * more chunks than its header counts. 64 KiB without a signature are a
 * damaged chunk (BK_BADSIG when the rest of its header holds, else
 * BK_RAW), unless they are zeros; when a chunk signature with a plausible
 * header appears inside them, the damaged block ends there and the walk
 * follows the chunks from there (pieces of files put together). */
static int find_blocks(job *j) {
  const uint8_t *b = j->buf;
  size_t n = j->n, p;
  if (n >= 8 && !memcmp(b, "ElfFile", 8)) {
    j->has_header = 1;
    j->header_chunks = n >= 44 ? ash_le16(b + 42) : 0;
    if (n < EVTX_FILE_HEADER) {
      snprintf(j->pre.why, sizeof j->pre.why,
               "file header truncated at byte %zu (it counts %zu chunks, none present)", n,
               j->header_chunks);
      j->pre.raw_off = 0;
      j->pre.raw_n = n;
      j->npre = 1;
      return 0;
    }
    if ((uint32_t)crc32(0L, b, 120) != ash_le32(b + 124)) j->file_flags = RF_CRC_FILE;
    p = EVTX_FILE_HEADER;
  } else if (n >= 8 && !memcmp(b, "ElfChnk", 8)) {
    p = 0; /* a bare chunk, as carved out of memory or a disk image */
  } else {
    p = find_chunk(b, n, 0, n);
    if (p == n) return ASH_EFORMAT;
    if (!all_zero(b, p)) {
      snprintf(j->pre.why, sizeof j->pre.why,
               "no file header: the %zu bytes before the first chunk are no EVTX header", p);
      j->pre.raw_off = 0;
      j->pre.raw_n = p;
      j->npre = 1;
    }
  }
  while (p < n) {
    size_t cn = n - p < EVTX_CHUNK_SIZE ? n - p : EVTX_CHUNK_SIZE;
    if (cn >= 8 && !memcmp(b + p, "ElfChnk", 8)) {
      if (add_block(j, p, cn, BK_CHUNK)) return ASH_ENOMEM;
      p += cn;
      continue;
    }
    size_t q = find_chunk(b, n, p + 1, p + cn);
    if (!all_zero(b + p, q - p) &&
        add_block(j, p, q - p, header_plausible(b + p, q - p) ? BK_BADSIG : BK_RAW))
      return ASH_ENOMEM;
    p = q;
  }
  if (j->has_header) {
    size_t present = (n - EVTX_FILE_HEADER + EVTX_CHUNK_SIZE - 1) / EVTX_CHUNK_SIZE;
    if (j->header_chunks > present) {
      snprintf(j->post.why, sizeof j->post.why,
               "file truncated at byte %zu: the file header counts %zu chunks, %zu present", n,
               j->header_chunks, present);
      j->post.raw_off = n;
      j->post.raw_n = 0;
      j->npost = 1;
    }
  }
  return 0;
}

static int job_init(job *j, const uint8_t *buf, size_t n, int carve) {
  memset(j, 0, sizeof *j);
  j->buf = buf;
  j->n = n;
  j->carve = carve;
  int rc = find_blocks(j);
  if (rc) job_free(j);
  return rc;
}

/* The record numbers of the records the chunk walk will read: the same
 * walk as decode_chunk, headers only, over chunks (damaged ones too) but
 * not over BK_RAW blocks, whose records are the ones checked against
 * these. */
static int allocated_ids(const job *j, ash_u64set *ids) {
  for (size_t ci = 0; ci < j->nchunks; ci++) {
    const block *bk = &j->blk[ci];
    if (bk->kind == BK_RAW || bk->len < EVTX_CHUNK_HEADER) continue;
    const uint8_t *c = j->buf + bk->off;
    rwalk w;
    ritem it;
    rwalk_init(&w, c, bk->len, bk->kind, chunk_header_crc(c) == ash_le32(c + 124), 0);
    while (rwalk_next(&w, &it)) {
      if (!it.size || it.foreign) continue;
      int rc = ash_u64set_add(ids, ash_le64(c + it.at + 8), NULL);
      if (rc) return rc;
    }
  }
  return 0;
}

/* Whether some record may be an older copy of another (carving, bytes
 * that are no chunk, records numbered outside their chunk), so that the
 * allocated numbers are needed: a walk of the record headers, much
 * cheaper than collecting every number of a healthy file. */
static int copies_possible(const job *j) {
  if (j->carve || j->raw_blocks) return 1;
  for (size_t ci = 0; ci < j->nchunks; ci++) {
    const block *bk = &j->blk[ci];
    if (bk->len < EVTX_CHUNK_HEADER) continue;
    const uint8_t *c = j->buf + bk->off;
    if (chunk_header_crc(c) != ash_le32(c + 124)) continue; /* no foreign records without */
    rwalk w;
    ritem it;
    rwalk_init(&w, c, bk->len, bk->kind, 1, 0);
    while (rwalk_next(&w, &it))
      if (it.foreign) return 1;
  }
  return 0;
}

static int emit_note(ash_parse_ctx *ctx, const job *j, const note *nt) {
  return ash_ctx_reject(ctx, 0, nt->why, j->buf + nt->raw_off, nt->raw_n);
}

static int evtx_parse(ash_parse_ctx *ctx, const uint8_t *buf, size_t n) {
  job j;
  int rc = job_init(&j, buf, n, ash_ctx_opts(ctx)->carve);
  if (rc) return rc;
  emitter *e = calloc(1, sizeof *e);
  if (!e) {
    job_free(&j);
    return ASH_ENOMEM;
  }
  e->ctx = ctx;
  e->j = &j;
  ash_buf_init(&e->scratch, ASH_MAX_LINE);
  if (copies_possible(&j)) rc = allocated_ids(&j, &e->allocated);
  /* the chunk scan (and the record-number pass) touched every page; the
   * decode reads them again chunk by chunk and lets each go after it */
  ash_ctx_release(ctx, n);
  if (!rc && j.npre) rc = emit_note(ctx, &j, &j.pre);
  if (!rc) {
    int threads = ash_ctx_opts(ctx)->threads;
    if (threads > 64) threads = 64;
    if (threads > 1 && j.nchunks > 1) {
      if ((size_t)threads > j.nchunks) threads = (int)j.nchunks;
      rc = run_parallel(e, &j, threads);
    } else {
      rc = run_serial(e, &j);
    }
  }
  if (!rc && j.npost) rc = emit_note(ctx, &j, &j.post);
  ash_buf_free(&e->scratch);
  ash_u64set_free(&e->carved);
  ash_u64set_free(&e->allocated);
  free(e);
  job_free(&j);
  return rc;
}

/* A file that starts with a file header or a chunk; or bytes without a
 * file header (damaged, or cut out of a disk image) in which a chunk
 * signature with a plausible header follows. */
static int evtx_sniff(const uint8_t *head, size_t n) {
  if (n >= 8 && !memcmp(head, "ElfFile", 8)) return 100;
  if (n >= 8 && !memcmp(head, "ElfChnk", 8)) return 90;
  if (find_chunk(head, n, 0, n) < n) return 60;
  return 0;
}

const ash_format ash_format_evtx = {
    .name = "evtx",
    .description = "Windows XML Event Log (.evtx)",
    .ref_is_record = 1,
    .sniff = evtx_sniff,
    .parse_buffer = evtx_parse,
};

/* ---- XML of each record (tools and tests) ---- */

/* System/EventRecordID of a decoded record, or dflt. */
static uint64_t doc_record_id(const evtx_doc *doc, uint64_t dflt) {
  for (size_t i = 0; i + 1 < doc->n; i++)
    if (doc->nodes[i].type == EVTX_N_OPEN && doc->nodes[i].cls == EVTX_C_RECORDID &&
        doc->nodes[i + 1].type == EVTX_N_TEXT) {
      int64_t v = node_int(&doc->nodes[i + 1]);
      return v != ASH_UNSET && v >= 0 ? (uint64_t)v : dflt;
    }
  return dflt;
}

/* Decode every record the parse reads (allocated records of chunks, and
 * the records of bytes that are no chunk, older copies left out as the
 * parse leaves them out), in file order, and call cb with the chunk's and
 * the record's offsets, the record's number (System/EventRecordID, else
 * the header's) and its nodes, or with doc NULL and why when it does not
 * decode. A non-zero return from cb stops. */
typedef int (*record_fn)(void *u, size_t chunk, size_t chunk_n, size_t pos, uint64_t id,
                         const evtx_doc *doc, const char *why);

static int walk_records(const uint8_t *buf, size_t n, record_fn cb, void *u) {
  job j;
  int rc = job_init(&j, buf, n, 0);
  if (rc) return rc;
  ash_u64set allocated, seen;
  memset(&allocated, 0, sizeof allocated);
  memset(&seen, 0, sizeof seen);
  if (copies_possible(&j)) rc = allocated_ids(&j, &allocated);
  evtx_dec *dec = NULL;
  if (!rc) rc = dec_get(&dec);
  for (size_t ci = 0; ci < j.nchunks && !rc; ci++) {
    const block *bk = &j.blk[ci];
    size_t off = bk->off, cn = bk->len;
    const uint8_t *c = buf + off;
    if (bk->kind != BK_RAW && cn < EVTX_CHUNK_HEADER) continue;
    evtx_dec_chunk(dec, c, cn);
    rwalk w;
    ritem it;
    int trusted = bk->kind != BK_RAW && chunk_header_crc(c) == ash_le32(c + 124);
    rwalk_init(&w, c, cn, bk->kind, trusted, 0);
    while (!rc && rwalk_next(&w, &it)) {
      if (!it.size) continue;
      size_t pos = it.at;
      uint64_t id = ash_le64(c + pos + 8);
      int copy = bk->kind == BK_RAW || it.foreign;
      if (copy && ash_u64set_has(&allocated, id)) continue;
      evtx_doc doc;
      const char *why = NULL;
      if (!evtx_dec_record(dec, (uint32_t)pos + EVTX_RECORD_HEADER, (uint32_t)(pos + it.size - 4),
                           &doc, &why)) {
        if (copy) {
          int added;
          rc = ash_u64set_add(&seen, id, &added);
          if (rc || !added) continue;
        }
        rc = cb(u, off, cn, pos, doc_record_id(&doc, id), &doc, NULL);
      } else if (!it.slack) { /* slack that does not decode is not shown, as carving */
        rc = cb(u, off, cn, pos, id, NULL, why);
      }
    }
  }
  dec_put(dec);
  ash_u64set_free(&allocated);
  ash_u64set_free(&seen);
  job_free(&j);
  return rc;
}

typedef struct each_xml {
  int raw;
  ash_buf x;
  int (*cb)(void *u, uint64_t record_id, const char *xml, size_t xn, const char *why);
  void *u;
} each_xml;

static int render_each(void *u, size_t chunk, size_t chunk_n, size_t pos, uint64_t id,
                       const evtx_doc *doc, const char *why) {
  (void)chunk, (void)chunk_n, (void)pos;
  each_xml *e = u;
  ash_buf_reset(&e->x);
  int rc = doc ? evtx_render_xml(doc, e->raw, &e->x) : ASH_OK;
  return rc ? rc : e->cb(e->u, id, e->x.p ? e->x.p : "", e->x.n, why);
}

int ash_evtx_each_xml(const uint8_t *buf, size_t n, int raw,
                      int (*cb)(void *u, uint64_t record_id, const char *xml, size_t xn,
                                const char *why),
                      void *u) {
  each_xml e = {raw, {0}, cb, u};
  ash_buf_init(&e.x, 64u << 20);
  int rc = walk_records(buf, n, render_each, &e);
  ash_buf_free(&e.x);
  return rc;
}

/* ---- one record's XML, by number, without decoding the others ---- */

typedef struct ix_ent {
  uint64_t id;  /* System/EventRecordID, else the header number */
  uint64_t off; /* of the record in the file */
  uint64_t chunk;
  uint32_t chunk_n; /* bytes of the block the record was found in */
} ix_ent;

struct ash_evtx_index {
  ix_ent *v;
  size_t n, cap;
};

static int ix_cmp(const void *a, const void *b) {
  const ix_ent *x = a, *y = b;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  return x->off < y->off ? -1 : x->off > y->off; /* the first in the file first */
}

/* a record that does not decode has no XML to show: not indexed */
static int index_one(void *u, size_t chunk, size_t chunk_n, size_t pos, uint64_t id,
                     const evtx_doc *doc, const char *why) {
  (void)why;
  ash_evtx_index *ix = u;
  if (!doc) return ASH_OK;
  ix_ent *v = ash_array_room(ix->v, &ix->cap, ix->n, sizeof *v, 1024);
  if (!v) return ASH_ENOMEM;
  ix->v = v;
  ix->v[ix->n++] = (ix_ent){id, chunk + pos, chunk, (uint32_t)chunk_n};
  return ASH_OK;
}

/* One decoding pass, as ash_evtx_each_xml makes, without rendering. */
int ash_evtx_index_build(const uint8_t *buf, size_t n, ash_evtx_index **out) {
  ash_evtx_index *ix = calloc(1, sizeof *ix);
  if (!ix) return ASH_ENOMEM;
  int rc = walk_records(buf, n, index_one, ix);
  if (rc) {
    ash_evtx_index_free(ix);
    return rc;
  }
  qsort(ix->v, ix->n, sizeof *ix->v, ix_cmp);
  *out = ix;
  return ASH_OK;
}

void ash_evtx_index_free(ash_evtx_index *ix) {
  if (!ix) return;
  free(ix->v);
  free(ix);
}

int ash_evtx_index_xml(const ash_evtx_index *ix, const uint8_t *buf, size_t n, uint64_t record_id,
                       ash_buf *out) {
  size_t lo = 0, hi = ix->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ix->v[mid].id < record_id)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == ix->n || ix->v[lo].id != record_id) return ASH_ENOTFOUND;
  const ix_ent *e = &ix->v[lo];
  if (e->chunk >= n || n - e->chunk < e->chunk_n) return ASH_ENOTFOUND;
  size_t cn = e->chunk_n;
  const uint8_t *c = buf + e->chunk;
  size_t pos = e->off - e->chunk;
  uint32_t size = record_size(c, cn, pos);
  if (!size) return ASH_ENOTFOUND; /* the buffer is not the one indexed */
  evtx_dec *dec;
  int rc = dec_get(&dec);
  if (rc) return rc;
  /* names and templates are found by their offset in the chunk, so one
   * record decodes on its own */
  evtx_dec_chunk(dec, c, cn);
  evtx_doc doc;
  const char *why = NULL;
  if (evtx_dec_record(dec, (uint32_t)pos + EVTX_RECORD_HEADER, (uint32_t)(pos + size - 4), &doc,
                      &why))
    rc = ASH_ENOTFOUND;
  else
    rc = evtx_render_xml(&doc, 0, out);
  dec_put(dec);
  return rc;
}

int ash_evtx_record_xml(const uint8_t *buf, size_t n, uint64_t record_id, ash_buf *out) {
  ash_evtx_index *ix;
  int rc = ash_evtx_index_build(buf, n, &ix);
  if (rc) return rc;
  rc = ash_evtx_index_xml(ix, buf, n, record_id, out);
  ash_evtx_index_free(ix);
  return rc;
}
