/* ashiato: the column map of the "mapped" format (`--map FILE`), which
 * reads CSV or JSON-lines logs of vendors ashiato has no parser for. The
 * map file syntax is described in docs/formats.md. */
#ifndef ASHIATO_MAP_H
#define ASHIATO_MAP_H

#include <stddef.h>

/* Read and check a map file. Returns ASH_OK, or ASH_EIO (unreadable),
 * ASH_ELIMIT (larger than ASH_MAX_MAP_BYTES or too many rules) or
 * ASH_EUSAGE (a bad line); then why (when non-NULL) holds a one-line
 * explanation with the line number. The "mapped" format reads the file
 * named by ash_parse_opts.map_path in the same way when it opens. */
int ash_map_check(const char *path, char *why, size_t why_n);

#endif
