/* ashiato demo: generate a small case, ingest it, hunt it, and compare
 * what was found with what the generator embedded. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_demo(int argc, char **argv) {
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    printf("usage: ashiato demo [--out DIR]\n\n"
           "Generates a small case with a known intrusion, ingests it, runs the\n"
           "hunts and prints what was found against what was embedded.\n");
    return ASH_EXIT_OK;
  }
  fprintf(stderr, "ashiato demo: no case generator yet (see issue 'A case generator with "
                  "ground truth, and the built-in demo').\n");
  return ASH_EXIT_FAIL;
}
