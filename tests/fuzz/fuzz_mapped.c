/* Fuzz target: the mapped format, through one CSV map and one JSON-lines
 * map (written once to temporary files), over the whole input and in
 * pieces (fuzz_pieces.h). Every event is serialised and read == parsed +
 * rejected must hold. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ashiato/buf.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "fuzz_pieces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *CSV_MAP = "format csv\nheader yes\ntime_format \"%Y/%m/%d %H:%M:%S.%f%z\"\n"
                             "field ts = t\nfield end = e\nfield src_ip = s\nfield dst_port = #4\n"
                             "field bytes_out = b\nfield duration = d\nfield kind = k\n"
                             "kind_value x = vpn.login\n";
static const char *JSON_MAP = "format jsonl\ntime_format epoch_ms\nfield ts = t\n"
                              "field src_ip = a.b\nfield user = u\nfield duration = d\n"
                              "duration_unit ms\nfield kind = k\nfield src_port = p\n";

static char *write_map(const char *text) {
  char *path = malloc(64);
  if (!path) abort();
  snprintf(path, 64, "/tmp/ash_fuzz_map_XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) abort();
  FILE *f = fdopen(fd, "w");
  if (!f) abort();
  fputs(text, f);
  fclose(f);
  return path;
}

static int on_event(void *u, const ash_event *ev) {
  ash_buf *b = u;
  ash_buf_reset(b);
  return ash_event_to_json(ev, "fuzz", 0, NULL, b);
}

static char *maps[2];

static void cleanup(void) {
  for (int i = 0; i < 2; i++)
    if (maps[i]) unlink(maps[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!maps[0]) {
    maps[0] = write_map(CSV_MAP);
    maps[1] = write_map(JSON_MAP);
    atexit(cleanup);
  }
  const ash_format *f = ash_format_find("mapped");
  if (!f) abort();
  ash_buf b;
  ash_buf_init(&b, ASH_MAX_LINE * 8);
  for (int i = 0; i < 2; i++) {
    ash_parse_opts o = {0};
    o.threads = 1;
    o.map_path = maps[i];
    ash_mem_result r;
    if (ash_parse_memory(f, data, size, &o, on_event, NULL, &b, &r)) abort();
    if (r.read != r.parsed + r.rejected) abort();
    fuzz_pieces(f, &o, data, size);
  }
  ash_buf_free(&b);
  return 0;
}
