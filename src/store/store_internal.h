/* Internal to the library: modules that query the case directly (hunts,
 * scan) reach SQLite through this. Not public API. */
#ifndef ASH_STORE_INTERNAL_H
#define ASH_STORE_INTERNAL_H

#include <sqlite3.h>

#include "ashiato/store.h"

sqlite3 *ash_store_sqlite(ash_store *s);
/* ash_store_add_event with the attributes already serialised as a JSON
 * object (attrs_json may be NULL: no attributes); ev->attrs is ignored. */
int ash_store_add_event_attrs(ash_store *s, int64_t id, const ash_event *ev, const char *attrs_json,
                              size_t attrs_n);
/* Many events at once, in order (the ingest writer thread's batches). */
typedef struct ash_store_row {
  int64_t source;
  const ash_event *ev;
  const char *attrs; /* serialised JSON object, or NULL */
  size_t attrs_n;
} ash_store_row;
int ash_store_add_rows(ash_store *s, const ash_store_row *rows, size_t n);
/* Commit the open write transaction, if any. */
int ash_store_commit(ash_store *s);

#endif
