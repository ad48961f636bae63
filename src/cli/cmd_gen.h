/* Internal to the CLI: what gen and demo share. */
#ifndef ASH_CLI_CMD_GEN_H
#define ASH_CLI_CMD_GEN_H

#include "ashiato/gen.h"

/* Parse the generator's options into o (cmd_gen.c). Returns 0, -1 when
 * the help was printed, or an exit code after printing an error. */
int cli_gen_opts(int argc, char **argv, ash_gen_opts *o, int *quiet, const char *help, int demo);

#endif
