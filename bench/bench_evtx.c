/* bench_evtx: throughput of the EVTX parser, and a tool to compare its
 * decoding with other EVTX readers.
 *
 *   bench_evtx [--threads N] [--repeat R] FILE...
 *       parse every file R times (decoded and mapped into events, no store)
 *       and print one line: files bytes records seconds MB/s records/s
 *   bench_evtx --json [--threads N] [--carve] FILE...
 *       the events as JSON lines (same as `ashiato parse`), to check that
 *       the output does not depend on the thread count
 *   bench_evtx --xml FILE
 *       every allocated record as XML, in evtxexport's layout and without
 *       escaping, for bench/evtx_compare.sh
 *   bench_evtx --count FILE
 *       "read N parsed N rejected N" of one file
 *   bench_evtx --make-corpus OUT MIN_MB FILE...
 *       write OUT: one EVTX file made of every chunk of FILEs (chunks are
 *       self-contained), repeated until it holds MIN_MB megabytes
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "bench_util.h"

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ingest/evtx.h"

static uint8_t *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 20, len = 0;
  uint8_t *b = malloc(cap);
  size_t r;
  while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
    len += r;
    if (len == cap) {
      uint8_t *nb = realloc(b, cap *= 2);
      if (!nb) free(b);
      b = nb;
    }
  }
  fclose(f);
  *n = len;
  return b;
}

typedef struct sink {
  ash_buf line;
  int print;
  const char *name;
  uint64_t events;
} sink;

static int on_event(void *u, const ash_event *ev) {
  sink *s = u;
  s->events++;
  if (!s->print) return ASH_OK;
  ash_buf_reset(&s->line);
  int rc = ash_event_to_json(ev, s->name, 1, NULL, &s->line);
  if (rc) return rc;
  fwrite(s->line.p, 1, s->line.n, stdout);
  fputc('\n', stdout);
  return ASH_OK;
}

static int on_xml(void *u, uint64_t id, const char *xml, size_t n, const char *why) {
  (void)u;
  if (!n) {
    printf("<!-- record %" PRIu64 ": %s -->\n\n", id, why ? why : "?");
    return 0;
  }
  fwrite(xml, 1, n, stdout);
  fputc('\n', stdout);
  return 0;
}

/* The chunks of the input files behind one file header, repeated. */
static int make_corpus(const char *out, double min_mb, char **files, int nf) {
  uint8_t hdr[EVTX_FILE_HEADER];
  memset(hdr, 0, sizeof hdr);
  memcpy(hdr, "ElfFile", 8);
  hdr[32] = 128;
  hdr[36] = 1;
  hdr[38] = 3;
  hdr[41] = 0x10;
  FILE *o = fopen(out, "wb");
  if (!o) return 1;
  if (fwrite(hdr, 1, sizeof hdr, o) != sizeof hdr) return 1;
  double written = 0;
  size_t chunks = 0;
  while (written < min_mb * 1e6) {
    size_t before = chunks;
    for (int k = 0; k < nf; k++) {
      size_t n;
      uint8_t *b = slurp(files[k], &n);
      if (!b) continue;
      for (size_t off = EVTX_FILE_HEADER; off + EVTX_CHUNK_SIZE <= n; off += EVTX_CHUNK_SIZE) {
        if (memcmp(b + off, "ElfChnk", 8)) continue;
        if (fwrite(b + off, 1, EVTX_CHUNK_SIZE, o) != EVTX_CHUNK_SIZE) return 1;
        written += EVTX_CHUNK_SIZE;
        chunks++;
      }
      free(b);
    }
    if (chunks == before) break;
  }
  /* the header counts the chunks (libevtx reads that many) */
  size_t cnt = chunks > 0xffff ? 0xffff : chunks;
  hdr[42] = (uint8_t)cnt;
  hdr[43] = (uint8_t)(cnt >> 8);
  uint32_t crc = (uint32_t)crc32(0L, hdr, 120);
  for (int k = 0; k < 4; k++) hdr[124 + k] = (uint8_t)(crc >> (8 * k));
  if (fseek(o, 0, SEEK_SET) || fwrite(hdr, 1, sizeof hdr, o) != sizeof hdr) return 1;
  fclose(o);
  printf("%s: %zu chunks, %.1f MB\n", out, chunks, written / 1e6);
  return chunks ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "--make-corpus"))
    return make_corpus(argv[2], strtod(argv[3], NULL), argv + 4, argc - 4);
  int threads = 1, repeat = 1, json = 0, xml = 0, count = 0, carve = 0, i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = (int)strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = (int)strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "--xml"))
      xml = 1;
    else if (!strcmp(argv[i], "--count"))
      count = 1;
    else if (!strcmp(argv[i], "--carve"))
      carve = 1;
    else {
      fprintf(stderr, "bench_evtx: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (i >= argc || threads < 1 || repeat < 1) {
    fprintf(stderr, "usage: bench_evtx [--threads N] [--repeat R] [--json|--xml|--count] "
                    "[--carve] FILE...\n");
    return 2;
  }
  const ash_format *f = ash_format_find("evtx");
  if (!f) return 1;
  int nf = argc - i;
  uint8_t **bufs = calloc((size_t)nf, sizeof *bufs);
  size_t *lens = calloc((size_t)nf, sizeof *lens);
  uint64_t bytes = 0;
  for (int k = 0; k < nf; k++) {
    bufs[k] = slurp(argv[i + k], &lens[k]);
    if (!bufs[k]) {
      perror(argv[i + k]);
      return 1;
    }
    bytes += lens[k];
  }
  if (xml) {
    int rc = 0;
    for (int k = 0; k < nf && !rc; k++) rc = ash_evtx_each_xml(bufs[k], lens[k], 1, on_xml, NULL);
    for (int k = 0; k < nf; k++) free(bufs[k]);
    free(bufs);
    free(lens);
    return rc ? 1 : 0;
  }
  ash_parse_opts o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  o.carve = carve;
  sink s;
  memset(&s, 0, sizeof s);
  ash_buf_init(&s.line, 64u << 20);
  s.print = json;
  uint64_t records = 0;
  double t0 = now_s();
  for (int r = 0; r < repeat; r++)
    for (int k = 0; k < nf; k++) {
      ash_mem_result res;
      s.name = argv[i + k];
      int rc = ash_parse_memory(f, bufs[k], lens[k], &o, on_event, NULL, &s, &res);
      if (rc) fprintf(stderr, "%s: %s\n", argv[i + k], ash_strerror(rc));
      records += res.read;
      if (count)
        printf("read %" PRIu64 " parsed %" PRIu64 " rejected %" PRIu64 "\n", res.read, res.parsed,
               res.rejected);
    }
  double dt = now_s() - t0;
  if (!json && !count)
    printf("files %d bytes %" PRIu64 " records %" PRIu64 " seconds %.3f MB/s %.1f records/s %.0f\n",
           nf, bytes * (uint64_t)repeat, records, dt, (double)bytes * repeat / 1e6 / dt,
           (double)records / dt);
  ash_buf_free(&s.line);
  for (int k = 0; k < nf; k++) free(bufs[k]);
  free(bufs);
  free(lens);
  return 0;
}
