/* Fuzz target: the Zeek TSV parser (zeek) over a whole buffer (fuzz_format.h). */
#include "fuzz_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_format("zeek", data, size);
  return 0;
}
