/* Internal: EVTX (Windows XML Event Log) decoding, shared by evtx.c (file
 * and chunk walking, accounting, threads, the record -> ash_winrec
 * extraction), evtx_binxml.c (binary XML, name and template caches) and
 * evtx_xml.c (rendering a decoded record as XML text, for --raw output and
 * for checking the decoder against other tools). Not public API.
 *
 * A record's binary XML is decoded into a flat list of nodes (element
 * opens and closes, attributes with their value text, text content), with
 * every value already rendered to UTF-8. No XML text is built on the fast
 * path: the extractor walks the nodes. */
#ifndef ASH_INGEST_EVTX_H
#define ASH_INGEST_EVTX_H

#include <stddef.h>
#include <stdint.h>

#include "ashiato/buf.h"
#include "ashiato/bytes.h"

#define EVTX_FILE_HEADER 4096u
#define EVTX_CHUNK_SIZE 65536u
#define EVTX_CHUNK_HEADER 512u
#define EVTX_RECORD_HEADER 24u

/* Names the extractor looks for, classified once per chunk when the name
 * is first decoded, so that records compare small integers, not strings. */
enum evtx_cls {
  EVTX_C_OTHER = 0,
  EVTX_C_EVENT,
  EVTX_C_SYSTEM,
  EVTX_C_PROVIDER,
  EVTX_C_EVENTID,
  EVTX_C_TIMECREATED,
  EVTX_C_RECORDID,
  EVTX_C_CHANNEL,
  EVTX_C_COMPUTER,
  EVTX_C_SECURITY,
  EVTX_C_EVENTDATA,
  EVTX_C_USERDATA,
  EVTX_C_DATA,
  EVTX_C_BINARY,
  EVTX_C_NAME,
  EVTX_C_SYSTEMTIME,
  EVTX_C_USERID,
  EVTX_C_RENDERINGINFO,
  EVTX_C_MESSAGE,
  EVTX_C_XMLNS,
  EVTX_C_EVENTSOURCENAME,
};

enum evtx_node_type { EVTX_N_OPEN = 1, EVTX_N_ATTR, EVTX_N_TEXT, EVTX_N_CLOSE, EVTX_N_PI };

/* Value type of a node whose value is literal text (or mixed pieces). */
#define EVTX_VT_LITERAL 0xffu
/* node flags */
#define EVTX_NF_NUM 1u   /* num holds the integer value (a lone integer value) */
#define EVTX_NF_CDATA 2u /* text came from a CDATA section */

typedef struct evtx_node {
  const char *name; /* OPEN, ATTR, CLOSE, PI (target): UTF-8 name */
  const char *val;  /* ATTR, TEXT, PI (data): UTF-8 value */
  uint64_t num;     /* with EVTX_NF_NUM: integer, FILETIME, ... */
  uint32_t name_n, val_n;
  uint8_t type;  /* EVTX_N_* */
  uint8_t cls;   /* enum evtx_cls of the name */
  uint8_t vtype; /* value type of a lone substituted value, else EVTX_VT_LITERAL */
  uint8_t flags; /* EVTX_NF_* */
} evtx_node;

typedef struct evtx_doc {
  const evtx_node *nodes;
  size_t n;
} evtx_doc;

/* Per-thread decoder: the name and template caches of the current chunk and
 * the buffers of the current record. All sizes are capped (limits.h). */
typedef struct evtx_dec evtx_dec;

int evtx_dec_new(evtx_dec **out);
void evtx_dec_free(evtx_dec *d);
/* Start decoding records of a chunk (n <= EVTX_CHUNK_SIZE bytes, borrowed
 * until the next call). Forgets the caches of the previous chunk. */
void evtx_dec_chunk(evtx_dec *d, const uint8_t *chunk, size_t n);
/* Decode the binary XML found at chunk offsets [start, end) (a record's
 * event data). On success fills doc (valid until the next call on d) and
 * returns ASH_OK; on malformed data returns ASH_EFORMAT (or ASH_ELIMIT when
 * a cap was hit) with *why set to a static reason. */
int evtx_dec_record(evtx_dec *d, uint32_t start, uint32_t end, evtx_doc *doc, const char **why);

/* Render a decoded record as indented XML text in the style of
 * `evtxexport -f xml` (appended to out). raw: values are not escaped, as
 * evtxexport prints them (for comparisons only: not well-formed XML). */
int evtx_render_xml(const evtx_doc *doc, int raw, ash_buf *out);

/* Decode every allocated record of an EVTX file (or bare chunk) and call
 * cb with its record number (as in the events' "record") and its XML
 * (NUL-terminated, borrowed for the call), or with xn == 0 and why set when
 * the record could not be decoded. A non-zero return from cb stops the
 * walk and is returned. */
int ash_evtx_each_xml(const uint8_t *buf, size_t n, int raw,
                      int (*cb)(void *u, uint64_t record_id, const char *xml, size_t xn,
                                const char *why),
                      void *u);

/* The XML of the record numbered record_id (System/EventRecordID, the
 * "record" of the events; the header number when the XML has none),
 * appended to out: what `events --raw` shows. ASH_ENOTFOUND when the file
 * has no such decodable record. */
int ash_evtx_record_xml(const uint8_t *buf, size_t n, uint64_t record_id, ash_buf *out);
/* The same for many records of one file: the index maps record numbers to
 * records (one decoding pass), then each lookup decodes one record. buf
 * must stay the buffer the index was built from. */
typedef struct ash_evtx_index ash_evtx_index;
int ash_evtx_index_build(const uint8_t *buf, size_t n, ash_evtx_index **out);
int ash_evtx_index_xml(const ash_evtx_index *ix, const uint8_t *buf, size_t n, uint64_t record_id,
                       ash_buf *out);
void ash_evtx_index_free(ash_evtx_index *ix);

/* FILETIME (100 ns since 1601) to Unix microseconds. */
static inline int64_t evtx_filetime_us(uint64_t ft) {
  return (int64_t)(ft / 10u) - 11644473600000000LL;
}

#endif
