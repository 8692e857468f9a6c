/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/core/ipaddr: parsing, keys, prefixes and arithmetic. */
/* cmocka.h needs the standard headers before it. */
/* clang-format off */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
/* clang-format on */

#include "core/ipaddr.h"

static struct ipaddr parse(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static void parse_and_format(void **state)
{
	static const char *const good[][2] = {
		{ "192.0.2.1", "192.0.2.1" },
		{ "0.0.0.0", "0.0.0.0" },
		{ "2001:DB8::1", "2001:db8::1" },
		{ "2001:db8:0:0:0:0:0:1", "2001:db8::1" },
		{ "::", "::" },
		{ "fe80::1:2", "fe80::1:2" },
		/* RFC 5952 §4.2: the first of equal zero runs; one zero group stays. */
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7" },
		{ "1::", "1::" },
		{ "::1:0", "::1:0" },
		{ "::10.1.0.0", "::a01:0" },
	};
	static const char *const bad[] = {
		"",
		"1.2.3",
		"1.2.3.4.5",
		"256.1.1.1",
		"01.2.3.4",
		"1.2.3.4 ",
		"::ffff:1.2.3.4",
		"fe80::1%eth0",
		"2001:db8::g",
		"2001:db8:::1",
		"1.2.3.4/24",
		"x",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999",
	};
	char text[IPADDR_STRLEN];
	struct ipaddr a;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		a = parse(good[i][0]);
		ipaddr_format(&a, text);
		assert_string_equal(text, good[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ipaddr_parse(bad[i], &a), -EINVAL);
	a = parse("192.0.2.1");
	assert_int_equal(a.family, 4);
	assert_int_equal(ipaddr_to_v4(&a), 0xc0000201);
	assert_int_equal(parse("::1").family, 6);
}

static void prefixes(void **state)
{
	struct ipaddr net, last, first;
	char text[IPADDR_STRLEN + 4];
	uint8_t len;

	(void)state;
	assert_int_equal(ipaddr_parse_prefix("10.0.0.0/8", &net, &len), 0);
	assert_int_equal(len, 8);
	ipaddr_format_prefix(&net, len, text, sizeof(text));
	assert_string_equal(text, "10.0.0.0/8");
	assert_int_equal(ipaddr_parse_prefix("10.0.0.1/8", &net, &len), -EADDRNOTAVAIL);
	assert_int_equal(ipaddr_parse_prefix("10.0.0.0/33", &net, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_prefix("10.0.0.0", &net, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_prefix("2001:db8::/129", &net, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_prefix("2001:db8::1/64", &net, &len), -EADDRNOTAVAIL);
	assert_int_equal(ipaddr_parse_prefix("2001:db8::/32", &net, &len), 0);
	ipaddr_prefix_last(&net, len, &last);
	ipaddr_format(&last, text);
	assert_string_equal(text, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_true(ipaddr_in_prefix(&last, &net, len));

	assert_int_equal(ipaddr_parse_prefix("192.0.2.0/24", &net, &len), 0);
	ipaddr_host_bounds(&net, len, &first, &last);
	assert_int_equal(ipaddr_to_v4(&first), 0xc0000201);
	assert_int_equal(ipaddr_to_v4(&last), 0xc00002fe);
	/* RFC 3021: a /31 uses both addresses; a /32 is its one host. */
	assert_int_equal(ipaddr_parse_prefix("192.0.2.0/31", &net, &len), 0);
	ipaddr_host_bounds(&net, len, &first, &last);
	assert_int_equal(ipaddr_to_v4(&first), 0xc0000200);
	assert_int_equal(ipaddr_to_v4(&last), 0xc0000201);
	assert_int_equal(ipaddr_parse_prefix("192.0.2.9/32", &net, &len), 0);
	ipaddr_host_bounds(&net, len, &first, &last);
	assert_int_equal(ipaddr_cmp(&first, &last), 0);
	/* IPv6 leaves out the Subnet-Router anycast address only. */
	assert_int_equal(ipaddr_parse_prefix("2001:db8::/64", &net, &len), 0);
	ipaddr_host_bounds(&net, len, &first, &last);
	ipaddr_format(&first, text);
	assert_string_equal(text, "2001:db8::1");
}

static void overlap_and_families(void **state)
{
	struct ipaddr a, b, v6;
	uint8_t la, lb, l6;

	(void)state;
	assert_int_equal(ipaddr_parse_prefix("10.0.0.0/8", &a, &la), 0);
	assert_int_equal(ipaddr_parse_prefix("10.20.0.0/16", &b, &lb), 0);
	assert_true(ipaddr_prefixes_overlap(&a, la, &b, lb));
	assert_true(ipaddr_prefixes_overlap(&b, lb, &a, la));
	assert_int_equal(ipaddr_parse_prefix("11.0.0.0/8", &b, &lb), 0);
	assert_false(ipaddr_prefixes_overlap(&a, la, &b, lb));
	/* ::/0 holds the bytes of every IPv4 key, yet the families never overlap. */
	assert_int_equal(ipaddr_parse_prefix("::/0", &v6, &l6), 0);
	assert_false(ipaddr_prefixes_overlap(&a, la, &v6, l6));
	assert_false(ipaddr_in_prefix(&a, &v6, l6));
}

static void keys_sort_like_addresses(void **state)
{
	static const char *const sorted[] = { "::",         "::2",      "0.0.0.1",
		                              "10.0.0.1",   "10.0.0.2", "255.255.255.255",
		                              "2001:db8::", "ffff::" };
	char prev[IPADDR_KEYLEN] = "", key[IPADDR_KEYLEN];
	struct ipaddr a, back;

	(void)state;
	for (size_t i = 0; i < sizeof(sorted) / sizeof(sorted[0]); i++) {
		a = parse(sorted[i]);
		ipaddr_key(&a, key);
		assert_int_equal(strlen(key), 32);
		assert_true(strcmp(prev, key) < 0);
		assert_int_equal(ipaddr_from_key(key, &back), 0);
		assert_int_equal(ipaddr_cmp(&a, &back), 0);
		assert_int_equal(back.family, a.family);
		memcpy(prev, key, sizeof(prev));
	}
	assert_int_equal(ipaddr_from_key("00", &back), -EINVAL);
	assert_int_equal(ipaddr_from_key("0000000000000000000000000000000G", &back), -EINVAL);
}

static void arithmetic(void **state)
{
	struct ipaddr a = parse("10.0.0.255"), top = parse("255.255.255.255");
	struct ipaddr v6 = parse("::ffff"), end = parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	char text[IPADDR_STRLEN];

	(void)state;
	assert_true(ipaddr_increment(&a));
	ipaddr_format(&a, text);
	assert_string_equal(text, "10.0.1.0");
	/* The IPv4 space ends at 255.255.255.255; it never runs into IPv6 keys. */
	assert_false(ipaddr_increment(&top));
	assert_int_equal(ipaddr_to_v4(&top), 0xffffffff);
	assert_true(ipaddr_increment(&v6));
	ipaddr_format(&v6, text);
	assert_string_equal(text, "::1:0");
	assert_false(ipaddr_increment(&end));

	struct ipaddr lo = parse("10.0.0.0"), hi = parse("10.0.3.255");
	assert_int_equal(ipaddr_span_u64(&lo, &hi), 1024);
	assert_true(ipaddr_span(&lo, &hi) == 1024.0);
	assert_int_equal(ipaddr_span_u64(&hi, &lo), 0);
	struct ipaddr z = parse("::"), m = parse("::ffff:ffff:ffff:ffff");
	assert_int_equal(ipaddr_span_u64(&z, &m), UINT64_MAX);
	assert_true(ipaddr_span(&z, &end) > 3.4e38);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_and_format),     cmocka_unit_test(prefixes),
		cmocka_unit_test(overlap_and_families), cmocka_unit_test(keys_sort_like_addresses),
		cmocka_unit_test(arithmetic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
