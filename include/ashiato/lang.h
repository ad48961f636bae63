/* ashiato: the language of what a person reads (report, plan). Every
 * fixed string of a verb that speaks more than one language lives in that
 * verb's catalogue in each of these. */
#ifndef ASHIATO_LANG_H
#define ASHIATO_LANG_H

typedef enum ash_lang { ASH_LANG_EN = 0, ASH_LANG_JA = 1 } ash_lang;

/* "en" or "ja" (any case) -> *out; ASH_EFORMAT otherwise. */
int ash_lang_parse(const char *name, ash_lang *out);

#endif
