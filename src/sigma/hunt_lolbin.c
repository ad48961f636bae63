/* The hunt `lolbin`: the built-in Sigma pack (data/rules) over the case,
 * one finding per (rule, host), as the other hunts' findings. The rules
 * describe what docs/scenario.md's intruders did with Windows' own tools;
 * the engine and grouping are those of `ashiato sigma`. */
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "hunt/hunt_internal.h"
#include "sigma_int.h"

int ash_hunt_lolbin(hunt_ctx *c, hunt_list *out);

static int on_hit(void *u, const ash_sigma_hit *h) { return ash_sigma_group_add(u, h); }

static int keep(void *u, const ash_finding *f) {
  hunt_list *out = u;
  ash_finding copy;
  ash_buf js;
  ash_buf_init(&js, (size_t)ASH_MAX_FINDING_EVIDENCE * ASH_MAX_FINDING_TEXT);
  int rc = ash_finding_to_json(f, &js);
  if (!rc) rc = ash_finding_from_json(&copy, js.p, js.n);
  ash_buf_free(&js);
  if (!rc && (rc = hunt_list_add(out, &copy))) ash_finding_free(&copy);
  return rc;
}

int ash_hunt_lolbin(hunt_ctx *c, hunt_list *out) {
  ash_sigma *s;
  int rc = ash_sigma_open(&s);
  if (rc) return rc;
  for (size_t i = 0; !rc && ash_sigma_pack[i].name; i++)
    rc = ash_sigma_load(s, ash_sigma_pack[i].p, ash_sigma_pack[i].n, ash_sigma_pack[i].name);
  /* the pack is ours: a rule of it that does not load is a build error
   * that tests/unit/test_sigma.c catches, never silently a smaller hunt */
  if (!rc && ash_sigma_reject_count(s)) rc = ASH_EFORMAT;
  /* then the user's rules (--rules), whose rejections the CLI reports */
  for (size_t i = 0; !rc && i < c->opts->nsigma_rules; i++)
    rc = ash_sigma_load_path(s, c->opts->sigma_rules[i]);
  ash_sigma_group *g = NULL;
  if (!rc) rc = ash_sigma_group_open(&g, s, "lolbin");
  if (!rc) rc = ash_sigma_run(c->store, s, ASH_SIGMA_INFORMATIONAL, on_hit, g, NULL);
  if (!rc) rc = ash_sigma_group_findings(g, keep, out);
  ash_sigma_group_close(g);
  ash_sigma_close(s);
  return rc;
}
