/* ashiato: one error enum for the whole library.
 *
 * Every library function that can fail returns an ash_err (0 on success).
 * The library never prints and never exits; the CLI turns codes into text
 * with ash_strerror(). */
#ifndef ASHIATO_ERROR_H
#define ASHIATO_ERROR_H

typedef enum ash_err {
  ASH_OK = 0,
  ASH_ENOMEM,    /* allocation failed */
  ASH_EIO,       /* read/write/open failed (errno kept by the caller) */
  ASH_EFORMAT,   /* input is not of the expected format */
  ASH_ELIMIT,    /* a configured cap (limits.h) was reached */
  ASH_EUSAGE,    /* bad argument from the caller */
  ASH_ESTORE,    /* the case store (SQLite) failed */
  ASH_ENOTFOUND, /* no such item */
  ASH_EARCHIVE,  /* container (zip/gzip/zstd) could not be decoded */
  ASH_ESTOP,     /* a callback asked to stop early (not a failure) */
  ASH_ECHANGED,  /* evidence is not the file that was ingested (size, mtime or
                    SHA-256 differ): its text must not be shown as evidence */
  ASH_EVERSION   /* a case made by an earlier version of ashiato, in a layout
                    this one does not read: ingest the evidence again */
} ash_err;

/* Return the error of x from the calling function, so that no failure is
 * dropped on the way up: ASH_TRY(ash_buf_add(b, p, n));
 * ASH_TRY_OR(x, cleanup) runs the statement cleanup first (free what the
 * function holds). x is evaluated once. */
#define ASH_TRY(x)                                                                                 \
  do {                                                                                             \
    int ash_try_rc_ = (x);                                                                         \
    if (ash_try_rc_) return ash_try_rc_;                                                           \
  } while (0)
#define ASH_TRY_OR(x, cleanup)                                                                     \
  do {                                                                                             \
    int ash_try_rc_ = (x);                                                                         \
    if (ash_try_rc_) {                                                                             \
      cleanup;                                                                                     \
      return ash_try_rc_;                                                                          \
    }                                                                                              \
  } while (0)

/* Static English text for an error code; never NULL. */
const char *ash_strerror(int err);

#endif
