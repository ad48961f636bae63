/* Fuzz target: the w3c parser over a whole buffer (fuzz_format.h). */
#include "fuzz_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_format("w3c", data, size);
  return 0;
}
