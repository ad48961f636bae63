/* See include/ashiato/lang.h. */
#include "ashiato/lang.h"

#include <strings.h>

#include "ashiato/error.h"

int ash_lang_parse(const char *name, ash_lang *out) {
  if (name && !strcasecmp(name, "en"))
    *out = ASH_LANG_EN;
  else if (name && !strcasecmp(name, "ja"))
    *out = ASH_LANG_JA;
  else
    return ASH_EFORMAT;
  return ASH_OK;
}
