/* Unit tests of the generator's options (src/gen/family.c, gen.c): the
 * --family grammar of cli-contract.md (key=value, bare values that name one
 * axis, "seed", "classic"), and the checks that make a bad family a usage
 * error before anything is written. The families' content is checked on
 * generated cases by tests/e2e/gen_families.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/gen.h"

static int fam(const char *spec) {
  char why[300];
  return ash_gen_family_check(spec, why, sizeof why);
}

static void test_gen_family_accepts_every_axis_value(void **st) {
  (void)st;
  static const char *const OK[] = {
      "classic", "seed", "intruder=everyday", "intruder=stranger", "detuser=victim",
      "detuser=system", "detuser=other", "vpn=fortigate", "vpn=asa", "vpn=panos", "vpn=zeek",
      "cloud=aws", "cloud=azure", "cloud=gcp", "cloud=oracle", "cloud=digitalocean", "cloud=linode",
      "port=443", "port=other", "port=8443", "loopback=127.0.0.1", "loopback=127/8", "loopback=::1",
      "loopback=self", "loopback=portproxy", "past=2", "past=12", "decoys=all", "decoys=none",
      "decoys=travel+tools+otheradmin+vendor", "decoys=vendor", "asa,azure,self,system,stranger",
      "seed,past=4",
      /* bare "other" is detuser's: port takes it only as port=other */
      "other"};
  for (size_t i = 0; i < sizeof OK / sizeof OK[0]; i++) {
    if (fam(OK[i]) != ASH_OK) fail_msg("rejected: %s", OK[i]);
  }
  assert_int_equal(fam(NULL), ASH_OK);
}

static void test_gen_family_rejects_unknown_and_repeated_axes(void **st) {
  (void)st;
  static const char *const BAD[] = {"",
                                    "cloud=ibm",
                                    "past=1",
                                    "past=13",
                                    "past=x",
                                    "port=0",
                                    "port=65536",
                                    "nosuch",
                                    "vpn=asa,asa",
                                    "classic,asa",
                                    "decoys=all+x",
                                    "decoys=",
                                    "=asa",
                                    "loopback=127.0.0.2",
                                    "intruder=",
                                    "443"};
  char why[300];
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    why[0] = 0;
    if (ash_gen_family_check(BAD[i], why, sizeof why) != ASH_EUSAGE)
      fail_msg("accepted: '%s'", BAD[i]);
    assert_true(why[0] != 0);
  }
}

static void test_gen_check_past_needs_a_long_enough_case(void **st) {
  (void)st;
  ash_gen_opts o;
  ash_gen_opts_default(&o);
  o.out_dir = "unused";
  char why[300];
  o.family = "past=12";
  o.days = 300;
  assert_int_equal(ash_gen_check(&o, why, sizeof why), ASH_EUSAGE);
  assert_non_null(strstr(why, "days"));
  o.days = 380;
  assert_int_equal(ash_gen_check(&o, why, sizeof why), ASH_OK);
  /* drawn from the seed, the past interval fits whatever the length, down
   * to the shortest that holds two months */
  o.family = "seed";
  o.days = 75;
  assert_int_equal(ash_gen_check(&o, why, sizeof why), ASH_OK);
  o.days = 40;
  assert_int_equal(ash_gen_check(&o, why, sizeof why), ASH_EUSAGE);
  /* benign-only has no past incident: any length */
  o.benign_only = 1;
  assert_int_equal(ash_gen_check(&o, why, sizeof why), ASH_OK);
  /* --firewall and vpn= must agree */
  o.benign_only = 0;
  o.days = 100;
  o.family = "vpn=asa";
  o.firewall = ASH_GEN_FW_PANOS;
  o.firewall_set = 1;
  assert_int_equal(ash_gen_check(&o, why, sizeof why), ASH_EUSAGE);
  o.firewall = ASH_GEN_FW_ASA;
  assert_int_equal(ash_gen_check(&o, why, sizeof why), ASH_OK);
  /* the classic case ignores families altogether */
  o.family = NULL;
  o.days = 20;
  assert_int_equal(ash_gen_check(&o, why, sizeof why), ASH_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gen_family_accepts_every_axis_value),
      cmocka_unit_test(test_gen_family_rejects_unknown_and_repeated_axes),
      cmocka_unit_test(test_gen_check_past_needs_a_long_enough_case),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
