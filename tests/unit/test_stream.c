/* Unit tests of the input streams (stream.c): evidence that shrinks while
 * it is read, truncated compressed streams, nested archives and their
 * caps (issue 18, items 2, 7, 11, 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/stream.h"

static char g_path[256];

static void write_all(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(p, 1, n, f), n);
  fclose(f);
}

static int setup(void **st) {
  (void)st;
  snprintf(g_path, sizeof g_path, "/tmp/ash-test-stream-%d", (int)getpid());
  return 0;
}

static int teardown(void **st) {
  (void)st;
  unlink(g_path);
  return 0;
}

/* Text of n bytes: numbered lines, so that every byte is checkable. */
static uint8_t *lines(size_t n) {
  uint8_t *p = malloc(n);
  assert_non_null(p);
  size_t k = 0;
  for (unsigned i = 0; k < n; i++) {
    char l[64];
    int m = snprintf(l, sizeof l, "record %u of the test log\n", i);
    size_t take = n - k < (size_t)m ? n - k : (size_t)m;
    memcpy(p + k, l, take);
    k += take;
  }
  return p;
}

/* gzip of [p, p+n) (deflate with a gzip header), caller frees. */
static uint8_t *gzip_of(const uint8_t *p, size_t n, size_t *out_n) {
  z_stream z;
  memset(&z, 0, sizeof z);
  assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  size_t cap = deflateBound(&z, (uLong)n) + 64;
  uint8_t *o = malloc(cap);
  assert_non_null(o);
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)n;
  z.next_out = o;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  *out_n = cap - z.avail_out;
  deflateEnd(&z);
  return o;
}

/* Everything the input gives of its one member; *rc: how reading ended. */
static uint8_t *read_member(ash_input *in, size_t *n, int *rc) {
  size_t cap = 1 << 20, len = 0;
  uint8_t *buf = malloc(cap);
  assert_non_null(buf);
  for (;;) {
    const uint8_t *p;
    size_t k;
    *rc = ash_input_read(in, &p, &k);
    if (*rc || !k) break;
    while (len + k > cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      assert_non_null(buf);
    }
    memcpy(buf + len, p, k);
    len += k;
  }
  *n = len;
  return buf;
}

/* Item 2: a mapped file cut short while it is read must not kill the
 * process with SIGBUS; the pages past the new end read as zeros and the
 * input reports the change. */
static void test_mapped_read_survives_file_truncation(void **st) {
  (void)st;
  long pg = sysconf(_SC_PAGESIZE);
  size_t n = (size_t)pg * 16;
  uint8_t *data = lines(n);
  write_all(g_path, data, n);
  ash_input *in;
  const char *name, *why;
  assert_int_equal(ash_input_open(&in, g_path), ASH_OK);
  assert_int_equal(ash_input_next(in, &name, &why), ASH_OK);
  const uint8_t *p;
  size_t pn;
  assert_int_equal(ash_input_whole(in, &p, &pn), ASH_OK);
  assert_int_equal(pn, n);
  assert_memory_equal(p, data, (size_t)pg); /* mapped and read */
  assert_int_equal(ash_input_changed(in, &why), 0);
  assert_int_equal(truncate(g_path, pg * 2), 0); /* copytruncate, a share */
  /* every page past the end: without the guard the first of these reads
   * is a SIGBUS and the test process dies */
  unsigned sum = 0;
  for (size_t off = (size_t)pg * 2; off < n; off += (size_t)pg) sum += p[off] + p[n - 1];
  assert_int_equal(sum, 0);
  assert_memory_equal(p, data, (size_t)pg * 2); /* what is still there */
  assert_int_equal(ash_input_changed(in, &why), 1);
  assert_non_null(strstr(why, "changed during ingest"));
  ash_input_close(in);
  free(data);
}

/* Item 2, the streamed path: a plain file read in pieces that shrinks
 * between two pieces stops with the reason and the byte where it did. */
static void test_streamed_read_reports_file_that_shrank(void **st) {
  (void)st;
  size_t n = 5u << 20; /* more than one read of the file (1 MiB) */
  uint8_t *data = lines(n);
  write_all(g_path, data, n);
  ash_input *in;
  const char *name, *why;
  assert_int_equal(ash_input_open(&in, g_path), ASH_OK);
  assert_int_equal(ash_input_next(in, &name, &why), ASH_OK);
  const uint8_t *p;
  size_t k;
  assert_int_equal(ash_input_read(in, &p, &k), ASH_OK);
  assert_true(k > 0 && k < n);
  assert_memory_equal(p, data, k);
  uint64_t cut = (uint64_t)k + 1000;
  assert_int_equal(truncate(g_path, (off_t)cut), 0);
  uint64_t got = k;
  int rc;
  while (!(rc = ash_input_read(in, &p, &k)) && k) {
    assert_memory_equal(p, data + got, k);
    got += k;
  }
  assert_int_equal(rc, ASH_EIO);
  assert_int_equal(got, cut); /* every byte still there was given */
  assert_non_null(strstr(ash_input_why(in), "changed during ingest"));
  assert_int_equal(ash_input_changed(in, &why), 1);
  ash_input_close(in);
  free(data);
}

/* Item 7: a gzip file cut in half gives every byte zlib can decode from
 * the half (libarchive dropped up to its last block), then the truncation
 * as an error with the reason. */
static void test_truncated_gzip_gives_every_decodable_byte(void **st) {
  (void)st;
  size_t n = 8u << 20, gn;
  uint8_t *data = lines(n);
  uint8_t *gz = gzip_of(data, n, &gn);
  size_t half = gn / 2;
  write_all(g_path, gz, half);
  /* what zlib itself decodes from the half */
  z_stream z;
  memset(&z, 0, sizeof z);
  assert_int_equal(inflateInit2(&z, 15 + 32), Z_OK);
  uint8_t *ref = malloc(n);
  z.next_in = gz;
  z.avail_in = (uInt)half;
  z.next_out = ref;
  z.avail_out = (uInt)n;
  inflate(&z, Z_SYNC_FLUSH);
  size_t want = n - z.avail_out;
  inflateEnd(&z);
  assert_true(want > n / 3);

  ash_input *in;
  const char *name, *why;
  assert_int_equal(ash_input_open(&in, g_path), ASH_OK);
  assert_int_equal(ash_input_next(in, &name, &why), ASH_OK);
  assert_int_equal(ash_input_kind_of(in), ASH_INPUT_COMPRESSED);
  size_t got;
  int rc;
  uint8_t *out = read_member(in, &got, &rc);
  assert_int_equal(rc, ASH_EARCHIVE);
  assert_non_null(strstr(ash_input_why(in), "truncated"));
  assert_int_equal(got, want);
  assert_memory_equal(out, data, got);
  ash_input_close(in);
  free(out);
  free(ref);
  free(gz);
  free(data);
}

/* Item 15: a decompression bomb stops at the ratio cap with a reason,
 * after the floor, instead of filling memory or the case. */
static void test_ratio_cap_stops_decompression_bomb(void **st) {
  (void)st;
  size_t n = (size_t)ASH_RATIO_FLOOR * 4;
  ZSTD_CCtx *c = ZSTD_createCCtx();
  uint8_t *zeros = calloc(1, 1 << 20);
  size_t cap = ZSTD_compressBound(n) / 64 + (1 << 16), zn = 0;
  uint8_t *z = malloc(cap);
  ZSTD_outBuffer ob = {z, cap, 0};
  for (size_t done = 0; done < n; done += 1 << 20) {
    ZSTD_inBuffer ib = {zeros, 1 << 20, 0};
    while (ib.pos < ib.size) assert_false(ZSTD_isError(ZSTD_compressStream(c, &ob, &ib)));
  }
  while (ZSTD_endStream(c, &ob)) {
  }
  zn = ob.pos;
  ZSTD_freeCCtx(c);
  assert_true(zn * ASH_MAX_RATIO < n); /* it is a bomb by the cap's measure */
  write_all(g_path, z, zn);
  ash_input *in;
  const char *name, *why;
  assert_int_equal(ash_input_open(&in, g_path), ASH_OK);
  assert_int_equal(ash_input_next(in, &name, &why), ASH_OK);
  uint64_t got = 0;
  int rc;
  const uint8_t *p;
  size_t k;
  while (!(rc = ash_input_read(in, &p, &k)) && k) got += k;
  assert_int_equal(rc, ASH_ELIMIT);
  assert_non_null(strstr(ash_input_why(in), "compression ratio"));
  assert_true(got >= ASH_RATIO_FLOOR && got < n);
  ash_input_close(in);
  free(z);
  free(zeros);
}

/* Item 11: compressions nested past the depth cap are reported, not
 * opened (each layer would take a decoder), and those within it are. */
static void test_nesting_deeper_than_cap_is_reported(void **st) {
  (void)st;
  const char *text = "record 1\nrecord 2\n";
  size_t n = strlen(text);
  uint8_t *cur = malloc(n);
  memcpy(cur, text, n);
  for (unsigned depth = 1; depth <= ASH_MAX_ARCHIVE_DEPTH + 1; depth++) {
    size_t gn;
    uint8_t *g = gzip_of(cur, n, &gn);
    free(cur);
    cur = g;
    n = gn;
    write_all(g_path, cur, n);
    ash_input *in;
    const char *name, *why;
    assert_int_equal(ash_input_open(&in, g_path), ASH_OK);
    int rc = ash_input_next(in, &name, &why);
    if (depth <= ASH_MAX_ARCHIVE_DEPTH) {
      assert_int_equal(rc, ASH_OK);
      size_t got;
      uint8_t *out = read_member(in, &got, &rc);
      assert_int_equal(rc, ASH_OK);
      assert_int_equal(got, strlen(text));
      assert_memory_equal(out, text, got);
      free(out);
    } else {
      assert_int_equal(rc, ASH_ELIMIT);
      assert_non_null(strstr(why, "nested deeper"));
    }
    assert_int_equal(ash_input_next(in, &name, &why), ASH_ENOTFOUND);
    ash_input_close(in);
  }
  free(cur);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_mapped_read_survives_file_truncation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_streamed_read_reports_file_that_shrank, setup, teardown),
      cmocka_unit_test_setup_teardown(test_truncated_gzip_gives_every_decodable_byte, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_ratio_cap_stops_decompression_bomb, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nesting_deeper_than_cap_is_reported, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
