/* Internal: a writer thread between the parsers and the store, so that
 * parsing (one core) and SQLite inserts (the other) overlap. Events are
 * deep-copied into fixed-size batches; at most WRITER_BATCHES batches are
 * in flight, so memory stays bounded whatever the input. Store calls other
 * than add_event/add_reject are made by the caller between
 * ash_writer_drain() and the next add. */
#ifndef ASH_INGEST_WRITER_H
#define ASH_INGEST_WRITER_H

#include "ashiato/store.h"

typedef struct ash_writer ash_writer;

int ash_writer_open(ash_writer **out, ash_store *s);
/* Queue an event / rejection of source id (copied before return). Returns
 * the first store error the writer thread met, if any. */
int ash_writer_event(ash_writer *w, int64_t id, const ash_event *ev);
int ash_writer_reject(ash_writer *w, int64_t id, uint64_t ref, const char *reason, const void *raw,
                      size_t n);
/* Wait until everything queued is in the store; returns the first error. */
int ash_writer_drain(ash_writer *w);
/* Drain, stop the thread, free. NULL is a no-op. */
int ash_writer_close(ash_writer *w);

#endif
