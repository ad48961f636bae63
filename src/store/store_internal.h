/* Internal to the library: modules that query the case directly (hunts,
 * scan) reach SQLite through this. Not public API. */
#ifndef ASH_STORE_INTERNAL_H
#define ASH_STORE_INTERNAL_H

#include <sqlite3.h>

#include "ashiato/store.h"

sqlite3 *ash_store_sqlite(ash_store *s);
/* Commit the open write transaction, if any. */
int ash_store_commit(ash_store *s);

#endif
