/* Unit tests of the core: strings, buffers, time, zones, addresses, CIDR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"
#include "ashiato/bytes.h"
#include "ashiato/error.h"
#include "ashiato/event.h"
#include "ashiato/ip.h"
#include "ashiato/time.h"

static void test_fits(void **st) {
  (void)st;
  assert_true(ASH_FITS(0, 4, 4));
  assert_false(ASH_FITS(1, 4, 4));
  assert_false(ASH_FITS(SIZE_MAX, 2, 10));
  assert_false(ASH_FITS(2, SIZE_MAX, 10));
  assert_true(ASH_FITS(10, 0, 10));
}

static void test_ints(void **st) {
  (void)st;
  int64_t v;
  assert_int_equal(ash_str_to_i64(ash_str_cstr("-42"), &v), 0);
  assert_int_equal(v, -42);
  assert_int_equal(ash_str_to_i64(ash_str_cstr("9223372036854775807"), &v), 0);
  assert_int_not_equal(ash_str_to_i64(ash_str_cstr("9223372036854775808"), &v), 0);
  assert_int_not_equal(ash_str_to_i64(ash_str_cstr(""), &v), 0);
  assert_int_not_equal(ash_str_to_i64(ash_str_cstr("12a"), &v), 0);
}

static void test_utf8(void **st) {
  (void)st;
  assert_true(ash_utf8_valid((const uint8_t *)"h\xc3\xa9llo \xe8\xb6\xb3\xe8\xb7\xa1", 13));
  assert_false(ash_utf8_valid((const uint8_t *)"\xc0\xaf", 2));     /* overlong */
  assert_false(ash_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3)); /* surrogate */
  assert_false(ash_utf8_valid((const uint8_t *)"abc\xff", 4));
  assert_false(ash_utf8_valid((const uint8_t *)"\xe8\xb6", 2)); /* truncated */
}

static void test_buf_cap(void **st) {
  (void)st;
  ash_buf b;
  ash_buf_init(&b, 8);
  assert_int_equal(ash_buf_adds(&b, "12345678"), 0);
  assert_int_equal(ash_buf_addc(&b, '9'), ASH_ELIMIT);
  assert_int_equal(b.n, 8);
  assert_string_equal(b.p, "12345678");
  ash_buf_free(&b);
  ash_buf_init(&b, 64);
  assert_int_equal(ash_buf_add_json_str(&b, "a\"\n\x01", 4), 0);
  assert_string_equal(b.p, "a\\\"\\n\\u0001");
  ash_buf_reset(&b);
  assert_int_equal(ash_buf_add_json_str(&b,
                                        "x\xff"
                                        "y",
                                        3),
                   0);
  assert_string_equal(b.p, "x\xef\xbf\xbdy");
  ash_buf_free(&b);
}

/* Reference JSON escaping, one byte at a time, for the differential test
 * of the word-at-a-time escaper. */
size_t ash_utf8_seq_len(const uint8_t *p, size_t n);
static size_t ref_escape(char *o, const uint8_t *p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t w = 0;
  for (size_t i = 0; i < n;) {
    uint8_t c = p[i];
    if (c == '"' || c == '\\') {
      o[w++] = '\\';
      o[w++] = (char)c;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      o[w++] = '\\';
      o[w++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    } else if (c < 0x20 || c == 0x7f) {
      w += (size_t)sprintf(o + w, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
    } else if (c < 0x80) {
      o[w++] = (char)c;
    } else {
      uint32_t cp;
      size_t l = ash_utf8_next(p + i, n - i, &cp);
      if (l && ash_cp_unsafe(cp)) { /* C1, bidi: \uXXXX, inert on a terminal */
        w += (size_t)sprintf(o + w, "\\u%04x", (unsigned)cp);
        i += l;
        continue;
      }
      if (l) {
        memcpy(o + w, p + i, l);
        w += l;
        i += l;
        continue;
      }
      memcpy(o + w, "\xef\xbf\xbd", 3);
      w += 3;
    }
    i++;
  }
  return w;
}

static void test_json_escape(void **st) {
  (void)st;
  uint64_t x = 88172645463325252ull;
  uint8_t in[700];
  char want[6 * 700], got[6 * 700];
  static const uint8_t pool[] = {'a',  'Z',  '0',  ' ',  '=',  '"',  '\\', '\n', 1,    0x1f,
                                 0x7f, 0xc3, 0xa9, 0xe8, 0xb6, 0xb3, 0xf0, 0x9f, 0x91, 0xa3,
                                 0xff, 0x80, 0xc2, 0x9b, 0xe2, 0x80, 0xae, 0x81, 0xa6};
  for (int round = 0; round < 3000; round++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t n = x % sizeof in;
    /* mostly clean text (the 8-byte path), with specials at random places */
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      in[i] = x % 5 ? (uint8_t)('a' + x % 26) : pool[(x >> 8) % sizeof pool];
    }
    size_t wn = ref_escape(want, in, n);
    size_t gn = ash_json_escape(got, in, n);
    assert_int_equal(gn, wn);
    assert_memory_equal(got, want, wn);
    gn = ash_json_escape_short(got, in, n);
    assert_int_equal(gn, wn);
    assert_memory_equal(got, want, wn);
    /* through a buffer whose cap is exactly the escaped size, and one byte
     * less: the piecewise path near the cap */
    ash_buf b;
    ash_buf_init(&b, wn);
    assert_int_equal(ash_buf_add_json_str(&b, (const char *)in, n), 0);
    assert_int_equal(b.n, wn);
    assert_memory_equal(b.p, want, wn);
    ash_buf_free(&b);
    if (wn) {
      ash_buf_init(&b, wn - 1);
      assert_int_equal(ash_buf_add_json_str(&b, (const char *)in, n), ASH_ELIMIT);
      ash_buf_free(&b);
    }
  }
}

static void test_attrs_json_cap(void **st) {
  (void)st;
  ash_event ev;
  ash_event_init(&ev);
  ash_kv kv[] = {{ash_str_cstr("a"), ash_str_cstr("x\"y")},
                 {ash_str_cstr("b\xff"), ash_str_cstr("")}};
  ev.attrs = kv;
  ev.nattrs = 2;
  const char *want = "{\"a\":\"x\\\"y\",\"b\xef\xbf\xbd\":\"\"}";
  ash_buf b;
  ash_buf_init(&b, strlen(want)); /* too small for the worst case: slow path */
  assert_int_equal(ash_event_attrs_json(&ev, &b), 0);
  assert_string_equal(b.p, want);
  ash_buf_free(&b);
  ash_buf_init(&b, 4096);
  assert_int_equal(ash_event_attrs_json(&ev, &b), 0);
  assert_string_equal(b.p, want);
  ash_buf_free(&b);
  ash_buf_init(&b, strlen(want) - 1);
  assert_int_equal(ash_event_attrs_json(&ev, &b), ASH_ELIMIT);
  ash_buf_free(&b);
}

static void test_ip_format_v4(void **st) {
  (void)st;
  /* the hand-written IPv4 formatter against inet_ntop */
  uint32_t x = 2463534242u;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    uint8_t a[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    if (i < 4) memset(a, i == 0 ? 0 : i == 1 ? 255 : i == 2 ? 9 : 100, 4);
    char want[INET_ADDRSTRLEN], got[ASH_IP_STRLEN], txt[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, a, want, sizeof want);
    snprintf(txt, sizeof txt, "%s", want);
    ash_ip ip;
    assert_int_equal(ash_ip_parse(ash_str_cstr(txt), &ip), 0);
    ash_ip_format(&ip, got);
    assert_string_equal(got, want);
  }
}

static void test_array_room(void **st) {
  (void)st;
  int *v = NULL;
  size_t cap = 0;
  for (size_t n = 0; n < 100; n++) {
    int *w = ash_array_room(v, &cap, n, sizeof *v, 8);
    assert_non_null(w);
    v = w;
    v[n] = (int)n;
    assert_true(cap > n && cap >= 8);
  }
  assert_int_equal(cap, 128);
  for (int i = 0; i < 100; i++) assert_int_equal(v[i], i);
  assert_ptr_equal(ash_array_room(v, &cap, 50, sizeof *v, 8), v); /* room already */
  /* a size that would overflow is refused and leaves the array alone */
  size_t huge = SIZE_MAX / 4;
  assert_null(ash_array_room(v, &huge, huge, 8, 8));
  assert_int_equal(huge, SIZE_MAX / 4);
  free(v);
}

static void test_time(void **st) {
  (void)st;
  int64_t t;
  char out[32];
  assert_int_equal(ash_time_parse_iso(ash_str_cstr("2025-03-02T10:22:01.123456Z"), &t), 0);
  ash_time_format(t, out);
  assert_string_equal(out, "2025-03-02T10:22:01.123456Z");
  assert_int_equal(ash_time_parse_iso(ash_str_cstr("2025-03-02 19:22:01+09:00"), &t), 0);
  ash_time_format(t, out);
  assert_string_equal(out, "2025-03-02T10:22:01.000000Z");
  assert_int_equal(ash_time_parse_iso(ash_str_cstr("1970-01-01"), &t), 0);
  assert_int_equal(t, 0);
  ash_time_format(-1, out);
  assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
  assert_int_not_equal(ash_time_parse_iso(ash_str_cstr("2025-02-30"), &t), 0);
  assert_int_not_equal(ash_time_parse_iso(ash_str_cstr("2025-03-02T25:00"), &t), 0);
  assert_int_not_equal(ash_time_parse_iso(ash_str_cstr("2025-03-02Tjunk"), &t), 0);
  assert_int_equal(ash_time_parse_iso(ash_str_cstr("2024-02-29T00:00:00"), &t), 0);
}

static void test_duration(void **st) {
  (void)st;
  int64_t d;
  assert_int_equal(ash_duration_parse(ash_str_cstr("+90s"), &d), 0);
  assert_int_equal(d, 90 * ASH_US_PER_SEC);
  assert_int_equal(ash_duration_parse(ash_str_cstr("-2m"), &d), 0);
  assert_int_equal(d, -120 * ASH_US_PER_SEC);
  assert_int_equal(ash_duration_parse(ash_str_cstr("1h30m"), &d), 0);
  assert_int_equal(d, 5400 * ASH_US_PER_SEC);
  assert_int_equal(ash_duration_parse(ash_str_cstr("90"), &d), 0);
  assert_int_equal(d, 90 * ASH_US_PER_SEC);
  assert_int_not_equal(ash_duration_parse(ash_str_cstr("1h30"), &d), 0);
  assert_int_not_equal(ash_duration_parse(ash_str_cstr("x"), &d), 0);
  assert_int_not_equal(ash_duration_parse(ash_str_cstr("-"), &d), 0);
}

static void test_tz(void **st) {
  (void)st;
  ash_tz *tz;
  int64_t local;
  char out[32];
  assert_int_equal(ash_tz_open(&tz, "Asia/Tokyo"), 0);
  ash_time_parse_iso(ash_str_cstr("2025-03-02T19:22:01"), &local);
  ash_time_format(ash_tz_to_utc(tz, local), out);
  assert_string_equal(out, "2025-03-02T10:22:01.000000Z");
  ash_tz_close(tz);
  assert_int_equal(ash_tz_open(&tz, "America/New_York"), 0);
  ash_time_parse_iso(ash_str_cstr("2025-07-01T12:00:00"), &local); /* EDT */
  ash_time_format(ash_tz_to_utc(tz, local), out);
  assert_string_equal(out, "2025-07-01T16:00:00.000000Z");
  ash_time_parse_iso(ash_str_cstr("2025-01-01T12:00:00"), &local); /* EST */
  ash_time_format(ash_tz_to_utc(tz, local), out);
  assert_string_equal(out, "2025-01-01T17:00:00.000000Z");
  ash_tz_close(tz);
  assert_int_equal(ash_tz_open(&tz, "-05:00"), 0);
  ash_time_format(ash_tz_to_utc(tz, local), out);
  assert_string_equal(out, "2025-01-01T17:00:00.000000Z");
  ash_tz_close(tz);
  assert_int_equal(ash_tz_open(&tz, "Mars/Olympus"), ASH_ENOTFOUND);
  assert_int_equal(ash_tz_open(&tz, "../../etc/passwd"), ASH_ENOTFOUND);
}

/* The networks of ash_ip_private_nets are what ash_ip_is_private tests
 * (the ClickHouse store writes the table as SQL): at each network's ends,
 * just outside them, and at addresses around every /8 and IPv6 first
 * byte. ash_ip_is_public refuses both tables' addresses and takes the
 * rest. */
static int in_table(const ash_ip *ip, const ash_ip_net *t, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (ash_ip_in_net(ip, &t[i])) return 1;
  return 0;
}

static void check_tables_at(const ash_ip *ip) {
  int priv = in_table(ip, ash_ip_private_nets, ash_ip_nprivate_nets);
  assert_int_equal(ash_ip_is_private(ip), priv);
  int other = in_table(ip, ash_ip_not_public_nets, ash_ip_nnot_public_nets);
  assert_int_equal(ash_ip_is_public(ip), !priv && !other);
}

static void step(uint8_t b[16], int by) { /* b += by, as a 128-bit number */
  for (int i = 15; i >= 0 && by; i--) {
    int v = b[i] + by;
    b[i] = (uint8_t)v;
    by = v < 0 ? -1 : v > 255 ? 1 : 0;
  }
}

static void test_ip_tables(void **state) {
  (void)state;
  const ash_ip_net *tabs[2] = {ash_ip_private_nets, ash_ip_not_public_nets};
  size_t ns[2] = {ash_ip_nprivate_nets, ash_ip_nnot_public_nets};
  for (int t = 0; t < 2; t++)
    for (size_t i = 0; i < ns[t]; i++) {
      uint8_t lo[16], hi[16];
      ash_ip_net_range(tabs[t][i].b, tabs[t][i].len, lo, hi);
      int v4 = ash_ip_net_is_v4(tabs[t][i].b, tabs[t][i].len);
      for (int e = 0; e < 2; e++)
        for (int d = -1; d <= 1; d++) {
          ash_ip ip = {.fam = (uint8_t)(v4 ? 4 : 6)};
          memcpy(ip.b, e ? hi : lo, 16);
          step(ip.b, d);
          check_tables_at(&ip);
        }
    }
  for (int a = 0; a < 256; a++)
    for (int k = 0; k < 4; k++) {
      char txt[64];
      snprintf(txt, sizeof txt, "%d.%d.%d.%d", a, k * 85, 255 - k * 60, k);
      ash_ip ip;
      assert_int_equal(ash_ip_parse(ash_str_cstr(txt), &ip), 0);
      check_tables_at(&ip);
      snprintf(txt, sizeof txt, "%x%02x::%x", a, k * 85, k);
      assert_int_equal(ash_ip_parse(ash_str_cstr(txt), &ip), 0);
      check_tables_at(&ip);
    }
}

static void test_ip(void **st) {
  (void)st;
  ash_ip a, b;
  char t[ASH_IP_STRLEN];
  assert_int_equal(ash_ip_parse(ash_str_cstr("10.212.134.11"), &a), 0);
  assert_int_equal(a.fam, 4);
  assert_int_equal(ash_ip_parse(ash_str_cstr("::ffff:10.212.134.11"), &b), 0);
  assert_true(ash_ip_eq(&a, &b));
  ash_ip_format(&b, t);
  assert_string_equal(t, "10.212.134.11");
  const char *v4[] = {"0.0.0.0", "9.10.99.100", "255.255.255.255", "10.0.100.7"};
  for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
    assert_int_equal(ash_ip_parse(ash_str_cstr(v4[i]), &a), 0);
    ash_ip_format(&a, t);
    assert_string_equal(t, v4[i]);
  }
  assert_int_equal(ash_ip_parse(ash_str_cstr("fe80::1%10"), &a), 0);
  ash_ip_format(&a, t);
  assert_string_equal(t, "fe80::1");
  assert_int_equal(ash_ip_parse(ash_str_cstr("::1"), &a), 0);
  assert_true(ash_ip_is_loopback(&a));
  assert_int_equal(ash_ip_parse(ash_str_cstr("127.0.0.1"), &a), 0);
  assert_true(ash_ip_is_loopback(&a));
  assert_int_not_equal(ash_ip_parse(ash_str_cstr("256.1.1.1"), &a), 0);
  assert_int_not_equal(ash_ip_parse(ash_str_cstr("1.2.3"), &a), 0);
  assert_int_not_equal(ash_ip_parse(ash_str_cstr("-"), &a), 0);
  assert_int_not_equal(ash_ip_parse(ash_str_cstr("1.2.3.4.5"), &a), 0);
  assert_int_equal(ash_ip_parse(ash_str_cstr("192.168.1.5"), &a), 0);
  assert_true(ash_ip_is_private(&a));
}

static void test_cidr(void **st) {
  (void)st;
  ash_cidrset *s;
  assert_int_equal(ash_cidrset_new(&s), 0);
  assert_int_equal(ash_cidrset_add(s, ash_str_cstr("3.0.0.0/8"), 1), 0);
  assert_int_equal(ash_cidrset_add(s, ash_str_cstr("3.5.140.0/22"), 2), 0);
  assert_int_equal(ash_cidrset_add(s, ash_str_cstr("2600:1f00::/24"), 3), 0);
  assert_int_not_equal(ash_cidrset_add(s, ash_str_cstr("3.0.0.0/33"), 9), 0);
  ash_cidrset_build(s);
  ash_ip ip;
  uint32_t v = 0;
  ash_ip_parse(ash_str_cstr("3.5.141.7"), &ip);
  assert_true(ash_cidrset_lookup(s, &ip, &v));
  assert_int_equal(v, 2);
  ash_ip_parse(ash_str_cstr("3.9.1.1"), &ip);
  assert_true(ash_cidrset_lookup(s, &ip, &v));
  assert_int_equal(v, 1);
  ash_ip_parse(ash_str_cstr("4.9.1.1"), &ip);
  assert_false(ash_cidrset_lookup(s, &ip, &v));
  ash_ip_parse(ash_str_cstr("2600:1f14::5"), &ip);
  assert_true(ash_cidrset_lookup(s, &ip, &v));
  assert_int_equal(v, 3);
  ash_cidrset_close(s);
}

static void test_event_json(void **st) {
  (void)st;
  ash_event ev;
  ash_event_init(&ev);
  ev.ts = 0;
  ev.kind = ASH_KIND_VPN_LOGIN;
  ev.user = ash_str_cstr("t.sato");
  ash_ip_parse(ash_str_cstr("198.51.100.7"), &ev.src_ip);
  ev.duration_us = 1500000;
  ash_kv kv[] = {{ash_str_cstr("k\""), ash_str_cstr("v")}};
  ev.attrs = kv;
  ev.nattrs = 1;
  ash_buf b;
  ash_buf_init(&b, 4096);
  assert_int_equal(ash_event_to_json(&ev, "x.log", 0, NULL, &b), 0);
  assert_string_equal(b.p,
                      "{\"ts\":\"1970-01-01T00:00:00.000000Z\",\"kind\":\"vpn.login\","
                      "\"user\":\"t.sato\",\"src_ip\":\"198.51.100.7\",\"duration\":1.500000,"
                      "\"attrs\":{\"k\\\"\":\"v\"},\"source\":{\"path\":\"x.log\",\"offset\":0}}");
  ash_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fits),         cmocka_unit_test(test_ints),
      cmocka_unit_test(test_utf8),         cmocka_unit_test(test_buf_cap),
      cmocka_unit_test(test_time),         cmocka_unit_test(test_duration),
      cmocka_unit_test(test_tz),           cmocka_unit_test(test_ip),
      cmocka_unit_test(test_cidr),         cmocka_unit_test(test_event_json),
      cmocka_unit_test(test_json_escape),  cmocka_unit_test(test_attrs_json_cap),
      cmocka_unit_test(test_ip_format_v4), cmocka_unit_test(test_ip_tables),
      cmocka_unit_test(test_array_room),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
