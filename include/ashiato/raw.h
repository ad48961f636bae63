/* ashiato: the raw text behind an event — the exact log line at a byte
 * offset, or the XML of an EVTX record — read back from the evidence file
 * (plain, compressed, or a member of a .zip/.tar) where the event's source
 * reference points. Files are opened read-only. The evidence is read as it
 * is now: if it was changed after ingest the text may differ (compare
 * `ashiato sources` SHA-256 with the file). */
#ifndef ASHIATO_RAW_H
#define ASHIATO_RAW_H

#include <stdint.h>

#include "buf.h"

typedef struct ash_raw ash_raw;

/* A reader that keeps the last source it opened, so that many events of
 * one file cost one open. Caller frees with ash_raw_close. */
int ash_raw_open(ash_raw **out);
void ash_raw_close(ash_raw *r);
/* Put the raw text of the record at ref (byte offset, or EVTX record number
 * when ref_is_record) of source_path ("file" or "archive.zip!member") into
 * out, replacing its contents. ASH_ENOTFOUND when the file, member, line or
 * record is not there. Lines are cut at ASH_MAX_LINE. */
int ash_raw_get(ash_raw *r, const char *source_path, uint64_t ref, int ref_is_record, ash_buf *out);

#endif
