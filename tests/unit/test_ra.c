/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/ra/ra-wire: Router Advertisement builder, Router Solicitation checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* clang-format off */
#include <cmocka.h>
/* clang-format on */

#include "ra/ra-wire.h"

#define PKT(s) (const uint8_t *)(s), (sizeof(s) - 1)

static void advert_bytes(void **state)
{
	static const uint8_t mac[RA_MAC_LEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t expected[RA_ADVERT_LEN] = {
		134,  0,    0,    0, /* type, code, checksum */
		0,    0,    0,    0, /* cur hop limit, flags M=0 O=0, router lifetime 0 */
		0,    0,    0,    0, /* reachable time */
		0,    0,    0,    0, /* retrans timer */
		1,    1,             /* source link-layer address, 8 bytes */
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	};
	uint8_t buf[64];
	size_t len = 0;

	(void)state;
	assert_int_equal(ra_build_advert(buf, sizeof(buf), mac, &len), 0);
	assert_int_equal(len, RA_ADVERT_LEN);
	assert_memory_equal(buf, expected, RA_ADVERT_LEN);
}

static void advert_without_mac(void **state)
{
	uint8_t buf[64];
	size_t len = 0;

	(void)state;
	assert_int_equal(ra_build_advert(buf, sizeof(buf), NULL, &len), 0);
	assert_int_equal(len, 16);
	assert_int_equal(buf[0], RA_ICMP6_ROUTER_ADVERT);
}

static void advert_too_small(void **state)
{
	static const uint8_t mac[RA_MAC_LEN] = { 0 };
	uint8_t buf[RA_ADVERT_LEN - 1];
	size_t len = 7;

	(void)state;
	assert_int_equal(ra_build_advert(buf, sizeof(buf), mac, &len), -ENOSPC);
	assert_int_equal(len, 7);
}

static void solicit_plain(void **state)
{
	struct ra_solicit rs = { .has_source_lladdr = true };

	(void)state;
	assert_int_equal(ra_solicit_parse(PKT("\x85\0\0\0\0\0\0\0"), 255, false, &rs), 0);
	assert_false(rs.has_source_lladdr);
}

static void solicit_with_lladdr(void **state)
{
	struct ra_solicit rs;

	(void)state;
	assert_int_equal(ra_solicit_parse(PKT("\x85\0\x12\x34\0\0\0\0\1\1\x52\x54\0\xab\xcd\xef"),
	                                  255, false, &rs),
	                 0);
	assert_true(rs.has_source_lladdr);
	assert_memory_equal(rs.source_lladdr, "\x52\x54\0\xab\xcd\xef", RA_MAC_LEN);
}

static void solicit_unknown_option_skipped(void **state)
{
	struct ra_solicit rs;

	(void)state;
	assert_int_equal(ra_solicit_parse(PKT("\x85\0\0\0\0\0\0\0\x0e\2"
	                                      "0123456789abcd"),
	                                  255, false, &rs),
	                 0);
	assert_false(rs.has_source_lladdr);
}

static void solicit_invalid(void **state)
{
	struct ra_solicit rs = { .has_source_lladdr = true };

	(void)state;
	/* RFC 4861 §6.1.1: hop limit 255, code 0, 8 bytes, valid option lengths. */
	assert_int_equal(ra_solicit_parse(PKT("\x85\0\0\0\0\0\0\0"), 64, false, &rs), -EBADMSG);
	assert_int_equal(ra_solicit_parse(PKT("\x85\0\0\0\0\0\0\0"), -1, false, &rs), -EBADMSG);
	assert_int_equal(ra_solicit_parse(PKT("\x85\1\0\0\0\0\0\0"), 255, false, &rs), -EBADMSG);
	assert_int_equal(ra_solicit_parse(PKT("\x86\0\0\0\0\0\0\0"), 255, false, &rs), -EBADMSG);
	assert_int_equal(ra_solicit_parse(PKT("\x85\0\0\0\0\0\0"), 255, false, &rs), -EBADMSG);
	assert_int_equal(ra_solicit_parse(PKT(""), 255, false, &rs), -EBADMSG);
	assert_int_equal(
	        ra_solicit_parse(PKT("\x85\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0"), 255, false, &rs),
	        -EBADMSG);
	assert_int_equal(
	        ra_solicit_parse(PKT("\x85\0\0\0\0\0\0\0\1\2\0\0\0\0\0\0"), 255, false, &rs),
	        -EBADMSG);
	assert_int_equal(ra_solicit_parse(PKT("\x85\0\0\0\0\0\0\0\1"), 255, false, &rs), -EBADMSG);
	/* From the unspecified address, a link-layer address option is forbidden. */
	assert_int_equal(ra_solicit_parse(PKT("\x85\0\0\0\0\0\0\0\1\1\x52\x54\0\xab\xcd\xef"), 255,
	                                  true, &rs),
	                 -EBADMSG);
	assert_true(rs.has_source_lladdr); /* untouched on failure */
}

static void solicit_from_unspecified(void **state)
{
	struct ra_solicit rs;

	(void)state;
	assert_int_equal(ra_solicit_parse(PKT("\x85\0\0\0\0\0\0\0"), 255, true, &rs), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(advert_bytes),
		cmocka_unit_test(advert_without_mac),
		cmocka_unit_test(advert_too_small),
		cmocka_unit_test(solicit_plain),
		cmocka_unit_test(solicit_with_lladdr),
		cmocka_unit_test(solicit_unknown_option_skipped),
		cmocka_unit_test(solicit_invalid),
		cmocka_unit_test(solicit_from_unspecified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
