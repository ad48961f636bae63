/* ashiato: the case's indicators for partner SOCs, CERTs and tools
 * (issue 14): a STIX 2.1 bundle, a MISP event (core format), a plain IOC
 * CSV. All three are written from the watchlist (watchlist.h) and the
 * findings it comes from, so they name the same addresses, hashes and
 * files as the plan.
 *
 * Re-export is stable: every STIX and MISP id is a UUIDv5 from the case's
 * identity (the SHA-256 of its sources' SHA-256, sorted: the same evidence
 * gives the same ids wherever the case file lives) and the object's own
 * key; STIX cyber-observables use the STIX 2.1 SCO namespace over their
 * id-contributing properties, as the specification requires; timestamps
 * come from the case (the footprints' span), never from the clock. */
#ifndef ASHIATO_EXPORT_H
#define ASHIATO_EXPORT_H

#include "buf.h"
#include "store.h"

typedef enum ash_export_format {
  ASH_EXPORT_STIX,
  ASH_EXPORT_MISP,
  ASH_EXPORT_CSV
} ash_export_format;

/* Append case s in format f to out (one JSON document with a final newline,
 * or CSV with CRLF line ends, RFC 4180, formula injection neutralised).
 * The case's findings must be stored (hunt, scan); a case without
 * findings gives a valid, nearly empty document. */
int ash_export(ash_store *s, ash_export_format f, ash_buf *out);

/* The UUIDv5 (RFC 4122 / 9562) of name in namespace ns (16 bytes), as
 * text "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx" into out[37]. */
int ash_uuid5(const unsigned char ns[16], const void *name, size_t n, char out[37]);

#endif
