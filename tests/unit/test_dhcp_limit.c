/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/dhcp/dhcp-limit: token buckets, refill, eviction and the size bound. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* clang-format off */
#include <cmocka.h>
/* clang-format on */

#include "dhcp/dhcp-limit.h"

static void burst_then_refill(void **state)
{
	struct dhcp_rate_table *t;
	uint64_t now = 5000;

	(void)state;
	/* 2 per second, bursts of 4. */
	assert_int_equal(dhcp_rate_table_new(16, 2, 4, &t), 0);
	for (int i = 0; i < 4; i++)
		assert_true(dhcp_rate_allow(t, 42, now));
	assert_false(dhcp_rate_allow(t, 42, now));
	/* Other keys have buckets of their own. */
	assert_true(dhcp_rate_allow(t, 43, now));
	/* Half a second brings one token back, and no more. */
	now += 500;
	assert_true(dhcp_rate_allow(t, 42, now));
	assert_false(dhcp_rate_allow(t, 42, now));
	/* A long pause refills to the burst, not beyond it. */
	now += 3600 * 1000;
	for (int i = 0; i < 4; i++)
		assert_true(dhcp_rate_allow(t, 42, now));
	assert_false(dhcp_rate_allow(t, 42, now));
	dhcp_rate_table_free(t);
}

static void zero_rate_is_unlimited(void **state)
{
	struct dhcp_rate_table *t;

	(void)state;
	assert_int_equal(dhcp_rate_table_new(1, 0, 0, &t), 0);
	for (int i = 0; i < 100000; i++)
		assert_true(dhcp_rate_allow(t, 1, 0));
	assert_int_equal(dhcp_rate_size(t), 0);
	dhcp_rate_table_free(t);
}

static void size_is_bounded(void **state)
{
	struct dhcp_rate_table *t;

	(void)state;
	assert_int_equal(dhcp_rate_table_new(4, 1, 1, &t), 0);
	/* A flood of new keys: each gets a fresh bucket, the table never grows. */
	for (uint64_t key = 0; key < 100000; key++)
		assert_true(dhcp_rate_allow(t, key, key));
	assert_int_equal(dhcp_rate_size(t), 4 * DHCP_RATE_WAYS);
	assert_int_equal(dhcp_rate_evictions(t), 100000 - 4 * DHCP_RATE_WAYS);
	dhcp_rate_table_free(t);
}

static void eviction_takes_least_recent(void **state)
{
	struct dhcp_rate_table *t;
	uint64_t now = 1;

	(void)state;
	/* One set: DHCP_RATE_WAYS keys fit, the next one evicts the least recently seen. */
	assert_int_equal(dhcp_rate_table_new(1, 1, 1, &t), 0);
	for (uint64_t key = 0; key < DHCP_RATE_WAYS; key++)
		assert_true(dhcp_rate_allow(t, key, now++));
	/* Key 0 is seen again (and refused: its one token is spent), so key 1 is the oldest. */
	assert_false(dhcp_rate_allow(t, 0, now++));
	assert_true(dhcp_rate_allow(t, 100, now++));
	assert_int_equal(dhcp_rate_evictions(t), 1);
	/* Key 0 kept its empty bucket; key 1 lost its own and starts full again. */
	assert_false(dhcp_rate_allow(t, 0, now));
	assert_true(dhcp_rate_allow(t, 1, now));
	dhcp_rate_table_free(t);
}

static void table_size_limit(void **state)
{
	struct dhcp_rate_table *t = NULL;

	(void)state;
	assert_int_equal(dhcp_rate_table_new((1u << 20) + 1, 1, 1, &t), -EINVAL);
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_then_refill), cmocka_unit_test(zero_rate_is_unlimited),
		cmocka_unit_test(size_is_bounded),   cmocka_unit_test(eviction_takes_least_recent),
		cmocka_unit_test(table_size_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
