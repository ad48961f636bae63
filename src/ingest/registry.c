/* The built-in formats. A new format adds its extern line and its entry. */
#include <string.h>

#include "ashiato/format.h"

extern const ash_format ash_format_fortigate;
extern const ash_format ash_format_panos;
extern const ash_format ash_format_asa;
extern const ash_format ash_format_evtx;
extern const ash_format ash_format_zeek;
extern const ash_format ash_format_zeek_json;
extern const ash_format ash_format_mapped;
extern const ash_format ash_format_winjson;
extern const ash_format ash_format_w3c;
extern const ash_format ash_format_winfw;
extern const ash_format ash_format_squid;
extern const ash_format ash_format_dnsdebug;

static const ash_format *const g_formats[] = {
    &ash_format_fortigate,
    &ash_format_panos,
    &ash_format_asa,
    &ash_format_evtx,
    &ash_format_zeek,
    &ash_format_zeek_json,
    &ash_format_mapped,
    &ash_format_winjson,
    &ash_format_w3c,
    &ash_format_winfw,
    &ash_format_squid,
    &ash_format_dnsdebug,
    NULL,
};

const ash_format *const *ash_formats(void) { return g_formats; }

const ash_format *ash_format_find(const char *name) {
  for (size_t i = 0; g_formats[i]; i++)
    if (!strcmp(g_formats[i]->name, name)) return g_formats[i];
  return NULL;
}

const ash_format *ash_format_sniff(const uint8_t *head, size_t n) {
  const ash_format *best = NULL;
  int best_score = 0;
  for (size_t i = 0; g_formats[i]; i++) {
    if (!g_formats[i]->sniff) continue;
    int s = g_formats[i]->sniff(head, n);
    if (s > best_score) {
      best_score = s;
      best = g_formats[i];
    }
  }
  return best;
}
