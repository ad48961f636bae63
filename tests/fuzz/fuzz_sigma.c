/* Fuzz target: rule files are hostile text too (a responder loads rules
 * from anywhere). Load the input as a rule file, then evaluate whatever
 * loaded against a document built from the input's own lines as values
 * of the field names the rules use, so that every matcher kind runs on
 * attacker-chosen text. The parsed documents are also packed as the
 * cache of parsed rule files keeps them (ycache.c) and must unpack to the
 * same tree, and the input itself is unpacked as a (hostile) cache entry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/sigma.h"
#include "sigma/sigma_int.h"

static int count(void *u, size_t i) {
  (void)i;
  (*(size_t *)u)++;
  return 0;
}

static int same_tree(const ynode *a, const ynode *b) {
  if (a->type != b->type || a->line != b->line || a->plain != b->plain || a->n != b->n) return 0;
  if (a->type == Y_SCALAR) return !memcmp(a->s, b->s, a->n) && !b->s[b->n];
  size_t k = a->type == Y_MAP ? 2 * a->n : a->n;
  for (size_t i = 0; i < k; i++)
    if (!same_tree(a->kids[i], b->kids[i])) return 0;
  return 1;
}

static void packing(const uint8_t *data, size_t size) {
  ynode **docs, **u;
  size_t nd, nu;
  void *arena, *parsed;
  char err[200];
  if (ash_yaml_unpack(data, size, &u, &nu, &arena) == ASH_OK) ash_yaml_arena_free(arena);
  if (ash_yaml_parse(data, size, &docs, &nd, &parsed, err, sizeof err)) return;
  ash_buf b;
  ash_buf_init(&b, 64u << 20);
  if (ash_yaml_pack(docs, nd, &b) == ASH_OK) {
    if (ash_yaml_unpack((const uint8_t *)b.p, b.n, &u, &nu, &arena) != ASH_OK || nu != nd) abort();
    for (size_t i = 0; i < nd; i++)
      if (!same_tree(docs[i], u[i])) abort();
    ash_yaml_arena_free(arena);
  }
  ash_buf_free(&b);
  ash_yaml_arena_free(parsed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  packing(data, size);
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
