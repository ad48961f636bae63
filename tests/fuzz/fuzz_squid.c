/* Fuzz target: the squid parser over a whole buffer (fuzz_format.h). */
#include "fuzz_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_format("squid", data, size);
  return 0;
}
