/* Internal to the CLI: the one filter for text written for a person to
 * read. Every path, name and log-derived string of a verb's text output
 * goes through it; JSON output does not (ash_buf_add_json_str escapes for
 * JSON, keeping values exact).
 *
 * It is applied always, not only when stdout is a terminal: text sent to a
 * file or a pipe is read in a terminal later (cat, less -R, tail -f of a
 * saved report), and a mode that is safe only on a TTY makes the unsafe
 * case the one nobody sees while testing.
 *
 * What it shows as escapes:
 * - C0 controls (newline and tab included: the caller prints its own line
 *   ends) and DEL as \xHH;
 * - bytes that are not valid UTF-8 as \xHH (the raw C1 bytes 0x80-0x9F,
 *   which some terminals take as CSI and friends, are among them), so that
 *   the bytes can be told apart and recovered;
 * - the code points of ash_cp_unsafe (C1 controls encoded as UTF-8, bidi
 *   controls, U+2028/U+2029) as \u{XXXX}.
 * Everything else, backslashes included, is printed as it is, so Windows
 * paths read as paths. Only a run of backslashes that comes right before
 * an escape, or before text that looks like one ("x41", "u{"), is doubled:
 * then every backslash run that the reader sees doubled before an escape
 * means literal backslashes, and the output maps back to exactly one
 * input (tests/unit/test_term.c decodes it back). */
#ifndef ASH_CLI_TERM_H
#define ASH_CLI_TERM_H

#include <stddef.h>
#include <stdio.h>

#include "ashiato/buf.h"

/* Append the n bytes at p to b, filtered. */
int cli_term_add(ash_buf *b, const void *p, size_t n);
/* The same for a NUL-terminated string (NULL appends nothing). */
int cli_term_adds(ash_buf *b, const char *s);
/* Write the n bytes at p / the string s to f, filtered. */
void cli_term_write(FILE *f, const void *p, size_t n);
void cli_term_puts(FILE *f, const char *s);
/* s filtered, for a printf argument: one of a few rotating buffers, valid
 * until CLI_TERM_SLOTS further calls (so one printf can take several).
 * Never NULL; NULL gives "". */
#define CLI_TERM_SLOTS 8
const char *cli_safe(const char *s);
/* Free cli_safe's buffers (main calls it before exit). */
void cli_term_free(void);

/* For JSON output of bytes that may not be UTF-8 (reject raw text, lines
 * read back from evidence): append ,"<key>":"<escaped>" and, when the bytes
 * are not valid UTF-8 (the escaped form then holds U+FFFD in their place),
 * ,"<key>_b64":"<base64 of the exact bytes>" beside it. */
int cli_json_bytes(ash_buf *b, const char *key, const void *p, size_t n);

#endif
