/* Fuzz target: a profile file and names from logs are hostile text. Parse
 * the input as a profile, then add every line of it as a name of each kind
 * (as names from a case would come), turn the profile into YARA rules and
 * compile them: the rules must always compile (a name that broke out of
 * its string would not), and scanning the input itself must not crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ash_profile *p;
  if (ash_profile_new(&p)) return 0;
  unsigned line;
  const char *msg;
  ash_profile_parse(p, (const char *)data, size, &line, &msg);
  static const ash_name_kind kinds[] = {ASH_NAME_ACCOUNT, ASH_NAME_HOST,  ASH_NAME_DOMAIN,
                                        ASH_NAME_URL,     ASH_NAME_SHARE, ASH_NAME_RANGE};
  size_t i = 0, k = 0;
  while (i < size) {
    const uint8_t *nl = memchr(data + i, '\n', size - i);
    size_t end = nl ? (size_t)(nl - data) : size;
    ash_profile_add(p, kinds[k++ % (sizeof kinds / sizeof kinds[0])],
                    ash_str_make((const char *)data + i, end - i), 1, ASH_NAME_FROM_CASE);
    i = end + 1;
  }
  ash_scanner *sc;
  char err[512];
  int rc = ash_scanner_open(&sc, p, NULL, err, sizeof err);
  if (rc == ASH_EFORMAT) abort(); /* generated rules that do not compile */
  if (!rc) {
    ash_scanner_scan_memory(sc, "input", data, size);
    const ash_finding *fv;
    size_t fn;
    ash_scanner_finish(sc, &fv, &fn);
    ash_buf b;
    ash_buf_init(&b, 1 << 24);
    for (size_t j = 0; j < fn; j++) {
      ash_buf_reset(&b);
      if (ash_finding_to_json(&fv[j], &b)) abort();
    }
    ash_buf_free(&b);
    ash_scanner_close(sc);
  }
  ash_profile_close(p);
  return 0;
}
