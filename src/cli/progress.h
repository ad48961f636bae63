#ifndef ASH_CLI_PROGRESS_H
#define ASH_CLI_PROGRESS_H

#include <stdint.h>

typedef struct cli_progress {
  int enabled, drawn;
  double start, last;
  const char *label;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *label);
void cli_progress_update(cli_progress *p, uint64_t done, uint64_t total, uint64_t records);
/* Erase the line before other output. */
void cli_progress_done(cli_progress *p);

#endif
