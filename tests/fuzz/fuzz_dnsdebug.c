/* Fuzz target: the dnsdebug parser over a whole buffer (fuzz_format.h). */
#include "fuzz_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_format("dnsdebug", data, size);
  return 0;
}
