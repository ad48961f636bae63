#include <stdio.h>
#include "cli.h"
int cmd_ingest(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "ingest: work in progress\n");
  return 1;
}
int cmd_sources(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return 1;
}
int cmd_events(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return 1;
}
