/* Fuzz target: rule files are hostile text too (a responder loads rules
 * from anywhere). Load the input as a rule file, then evaluate whatever
 * loaded against a document built from the input's own lines as values
 * of the field names the rules use, so that every matcher kind runs on
 * attacker-chosen text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/sigma.h"

static int count(void *u, size_t i) {
  (void)i;
  (*(size_t *)u)++;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ash_sigma *s;
  if (ash_sigma_open(&s)) return 0;
  static const char ph[] = "p: [a, '*b*']\nq: x\n";
  ash_sigma_set_placeholders(s, (const uint8_t *)ph, sizeof ph - 1);
  ash_sigma_load(s, data, size, "fuzz.yml");
  for (size_t i = 0; i < ash_sigma_reject_count(s); i++)
    if (!ash_sigma_reject_at(s, i)->reason[0]) abort(); /* every rejection says why */
  ash_sigma_doc *d;
  if (ash_sigma_doc_open(&d, s) == ASH_OK) {
    static const char *names[] = {"Image", "CommandLine", "EventID", "ParentImage", "User", "A"};
    static const int64_t eids[] = {1, 4688, 4104};
    for (size_t e = 0; e < 3; e++) {
      ash_sigma_doc_reset(d, eids[e],
                          ash_str_cstr(e == 1   ? "Security"
                                       : e == 2 ? "Microsoft-Windows-PowerShell/Operational"
                                                : "Microsoft-Windows-Sysmon/Operational"),
                          ASH_STR_NULL, 0);
      size_t i = 0, k = 0;
      while (i < size) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - data) : size;
        ash_sigma_doc_add(d, ash_str_cstr(names[k++ % 6]),
                          ash_str_make((const char *)data + i, end - i));
        i = end + 1;
      }
      size_t n = 0;
      ash_sigma_match(s, d, count, &n);
    }
    ash_sigma_doc_close(d);
  }
  ash_sigma_close(s);
  return 0;
}
