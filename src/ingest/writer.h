/* Internal: a writer thread between the parsers and the store, so that
 * parsing (one core) and SQLite inserts (the other) overlap. Events are
 * deep-copied into fixed-size batches; at most WRITER_BATCHES batches are
 * in flight, so memory stays bounded whatever the input. Store calls other
 * than add_event/add_reject are made by the caller between
 * ash_writer_drain() and the next add, or queued (source begin and end) so
 * that the caller goes on parsing the next file while the thread commits
 * the last one. */
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
/* Queue the start of a source that cannot repeat one in the case (no
 * source has its size; sha256 may be NULL, to be given at the end). Its
 * events and rejections are queued with *handle as their id. */
int ash_writer_source_begin(ash_writer *w, const char *path, uint64_t size, const char *sha256,
                            const char *format, int64_t *handle);
/* Queue its end with its accounting (and hash): the thread commits it. */
int ash_writer_source_end(ash_writer *w, int64_t handle, const ash_source_info *counts);
/* Call cb (from the caller's thread) for each queued source the thread has
 * completed and the store has committed since the last call, in order
 * (info->id is the store's id; duplicate is set if another process stored
 * the same content meanwhile). A source whose transaction has not
 * committed yet waits for a later call: nothing is announced that the case
 * might not keep. */
void ash_writer_collect(ash_writer *w, void (*cb)(void *u, const ash_source_info *info), void *u);
/* Wait until everything queued is in the store; returns the first error. */
int ash_writer_drain(ash_writer *w);
/* Drain, then commit the store's transaction, so that every completed
 * source can be collected. Returns the first error. */
int ash_writer_sync(ash_writer *w);
/* Drain, stop the thread, free. NULL is a no-op. */
int ash_writer_close(ash_writer *w);

#endif
