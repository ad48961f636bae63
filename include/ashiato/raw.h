/* ashiato: the raw text behind an event — the exact log line at a byte
 * offset, or the XML of an EVTX record — read back from the evidence file
 * (plain, compressed, or a member of a .zip/.tar) where the event's source
 * reference points. Files are opened read-only.
 *
 * Text is given only from the file that was ingested. Before the first
 * read of a source the reader checks the evidence against the identity the
 * case recorded (ash_source_info: size, mtime_ns, sha256) and refuses with
 * ASH_ECHANGED when it differs, so that an edited line is never shown
 * under the stored event:
 * - the size must be equal (the file's, or an archive member's bytes);
 * - when the mtime is equal too the file is taken as unchanged without
 *   reading it whole, unless ASH_RAW_VERIFY asks for the SHA-256;
 * - when the mtime differs, or was not recorded (cases from before it
 *   was), the SHA-256 decides: a file that was only touched, or copied
 *   without its times, still shows its text, and a same-size edit (one
 *   digit of an address) never does.
 * For an archive member the mtime is the container's: the filesystem
 * updates it on any rewrite of the archive, while the member's own time
 * inside the archive is whatever the archiver copied (zip keeps the
 * original), so it proves nothing. The member's size and hash are the
 * member's own.
 * What remains open: a file changed between the check and the read (the
 * check is once per source and run), and an edit that keeps the size and
 * restores the mtime without ASH_RAW_VERIFY. */
#ifndef ASHIATO_RAW_H
#define ASHIATO_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"

typedef struct ash_raw ash_raw;

enum {
  ASH_RAW_VERIFY = 1 /* check every source's SHA-256, whatever its mtime */
};

/* A reader that keeps the last source it opened, so that many events of
 * one file cost one open, and the result of each source's check. flags:
 * ASH_RAW_VERIFY or 0. Caller frees with ash_raw_close. */
int ash_raw_open(ash_raw **out, int flags);
void ash_raw_close(ash_raw *r);
/* Do not decode compressed files or archive members whose recorded size
 * is above max_decoded bytes (ASH_ELIMIT instead): they are held whole in
 * memory to find a line. Plain files are read in place, whatever their
 * size. 0 (the default) is no limit. */
void ash_raw_limit(ash_raw *r, uint64_t max_decoded);
/* Put the raw text of the record at ref (byte offset, or EVTX record number
 * when ref_is_record) of source src (src->path is "file" or
 * "archive.zip!member"; src->size, mtime_ns and sha256 its identity at
 * ingest) into out, replacing its contents. ASH_ECHANGED when the evidence
 * is not the file that was ingested (out is then empty: its text is not
 * evidence); ASH_ENOTFOUND when the file, member, line or record is not
 * there. Lines are cut at ASH_MAX_LINE. */
int ash_raw_get(ash_raw *r, const ash_source_info *src, uint64_t ref, int ref_is_record,
                ash_buf *out);
/* Check src against the evidence as above without reading a record:
 * ASH_OK, ASH_ECHANGED (*why says what differs: "size", "SHA-256"),
 * ASH_ENOTFOUND (file or member missing), or another error. *why is
 * static. With ASH_RAW_VERIFY this is the re-hash of `sources --verify`. */
int ash_raw_check(ash_raw *r, const ash_source_info *src, const char **why);

/* How a finding's evidence text starts when its file changed since ingest
 * (src/hunt/common.c writes it, the CLI counts it). */
#define ASH_RAW_CHANGED_NOTE                                                                       \
  "[EVIDENCE FILE CHANGED SINCE INGEST: stored event shown, not the file's text; see 'ashiato "    \
  "sources --verify'] "

#endif
