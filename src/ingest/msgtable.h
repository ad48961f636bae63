/* Internal: the text of Windows "%%NNNN" insertion strings, for every
 * container of Windows events (EVTX and the JSON/XML exports). Not public
 * API.
 *
 * An event stores a parameter reference "%%NNNN" where its provider's
 * parameter message file holds the text: msobjs.dll for the Security log,
 * MpEvMsg.dll for Defender. Windows puts the text in only when it renders
 * the message, so collections carry the bare reference. */
#ifndef ASH_INGEST_MSGTABLE_H
#define ASH_INGEST_MSGTABLE_H

#include <stdint.h>

#include "ashiato/buf.h"
#include "ashiato/event.h"

typedef enum ash_msgtable {
  ASH_MSG_NONE,     /* no table: references stay as they are */
  ASH_MSG_SECURITY, /* Microsoft-Windows-Security-Auditing (msobjs.dll) */
  ASH_MSG_DEFENDER, /* Microsoft-Windows-Windows Defender (MpEvMsg.dll) */
} ash_msgtable;

/* The text of reference code in table t, or NULL when we do not know it
 * (the reference is then kept as it is). */
const char *ash_msgtable_text(ash_msgtable t, uint32_t code);

/* 1 when v holds a "%%<digits>" reference. */
int ash_msgtable_has_ref(ash_str v);

/* Append v to out with every known reference replaced by its text
 * (unknown ones copied as they are; the whitespace between the items of
 * an AccessList is kept). Returns the number of references replaced (0:
 * nothing was known, out holds a copy of v), or -1 when out is full. */
int ash_msgtable_render(ash_msgtable t, ash_str v, ash_buf *out);

#endif
