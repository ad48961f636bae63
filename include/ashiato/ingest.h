/* ashiato: ingest — files into a case store, every record accounted for. */
#ifndef ASHIATO_INGEST_H
#define ASHIATO_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "store.h"

typedef struct ash_ingest_progress {
  uint64_t bytes_done, bytes_total; /* of the files on disk */
  uint64_t records;                 /* read so far, all sources */
  const char *current;              /* member being read */
} ash_ingest_progress;

typedef struct ash_ingest_opts {
  ash_parse_opts parse;
  const ash_format *format; /* forced format, or NULL to detect per member */
  /* After each member: its accounting (info->duplicate set when the same
   * content was already in the case and nothing was added). */
  void (*on_source)(void *u, const ash_source_info *info);
  /* An input that was not ingested: a FIFO or device, a dangling link or
   * link loop, an unreadable file, a damaged archive, a format not
   * recognised. It has a skipped row in the case (info->skip_reason says
   * why, info->id is the row), with no records, which a later run (with
   * --format, say) replaces. */
  void (*on_skip)(void *u, const ash_source_info *info);
  /* Called every few MiB of input. */
  void (*on_progress)(void *u, const ash_ingest_progress *p);
  void *u;
} ash_ingest_opts;

typedef struct ash_ingest_totals {
  uint64_t sources, duplicates, skipped;
  uint64_t empty;     /* of the skipped: empty files */
  uint64_t excluded;  /* the case file and its journals met in the walk: left out */
  uint64_t continued; /* of the sources: continuations of a source in the case */
  uint64_t read, parsed, rejected, events;
} ash_ingest_totals;

/* Ingest files and directories (recursively) into s. A plain text file
 * whose first N bytes are the content of a complete source (N its size:
 * the same log, grown since) is ingested from there on only, as a source
 * that continues it (info->continues, info->base_size). The case file and
 * its journals are left out of the walk. Returns ASH_OK when
 * every member was either ingested, found duplicate or reported through
 * on_skip; an error only when the store itself failed (then the members
 * done so far are complete and the one under way is rolled back on the
 * next run). */
int ash_ingest(ash_store *s, const char *const *paths, size_t npaths, const ash_ingest_opts *o,
               ash_ingest_totals *totals);

#endif
