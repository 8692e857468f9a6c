/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/store/store-ipam: subnets of both families, ranges,
 * next-free allocation, utilisation, leases and DHCP reservations.
 */
/* cmocka.h needs the standard headers before it. */
/* clang-format off */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
/* clang-format on */

#include "store/store-ipam.h"

static int open_memory(void **state)
{
	struct store *st;

	if (store_open(":memory:", &st) < 0)
		return -1;
	*state = st;
	return 0;
}

static int close_store(void **state)
{
	store_free(*state);
	return 0;
}

static struct store_txn *begin(struct store *st)
{
	struct store_txn *tx;

	assert_int_equal(store_txn_begin(st, true, &tx), 0);
	return tx;
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

/* Adds subnet name cidr in its own transaction; returns its id or the error. */
static int64_t add_subnet(struct store *st, const char *name, const char *cidr, const char *gw,
                          int64_t *ret_conflict)
{
	struct store_ipam_subnet s = { .lease_time = 600, .dhcp_enabled = true };
	struct store_txn *tx = begin(st);
	int64_t id = 0;
	int r;

	(void)snprintf(s.name, sizeof(s.name), "%s", name);
	assert_int_equal(ipaddr_parse_prefix(cidr, &s.network, &s.prefix_len), 0);
	if (gw) {
		s.gateway = ip(gw);
		s.has_gateway = true;
	}
	r = store_ipam_subnet_insert(tx, &s, &id, ret_conflict);
	if (r < 0) {
		store_txn_abort(tx);
		return r;
	}
	assert_int_equal(store_txn_commit(tx), 0);
	return id;
}

static int64_t add_range(struct store *st, int64_t subnet, const char *first, const char *last,
                         enum store_range_kind kind)
{
	struct store_ipam_range rg = {
		.subnet_id = subnet, .first = ip(first), .last = ip(last), .kind = kind
	};
	struct store_txn *tx = begin(st);
	int64_t id, conflict;
	int r = store_ipam_range_insert(tx, &rg, &id, &conflict);

	if (r < 0) {
		store_txn_abort(tx);
		return r;
	}
	assert_int_equal(store_txn_commit(tx), 0);
	return id;
}

/* Allocates and records the next free address; writes its text to out. */
static int allocate(struct store *st, int64_t subnet, int64_t range, char out[IPADDR_STRLEN])
{
	struct store_ip_address a = { .kind = STORE_IP_STATIC };
	struct store_txn *tx = begin(st);
	int64_t id;
	int r;

	r = store_ipam_next_free(tx, subnet, range, time(NULL), &a.address);
	if (r == 0) {
		struct store_ipam_range rg;

		a.subnet_id = subnet;
		if (range && store_ipam_range_get(tx, range, &rg) == 0)
			a.subnet_id = rg.subnet_id;
		r = store_ipam_address_insert(tx, &a, &id);
	}
	if (r < 0) {
		store_txn_abort(tx);
		return r;
	}
	assert_int_equal(store_txn_commit(tx), 0);
	ipaddr_format(&a.address, out);
	return 0;
}

static void subnets_of_both_families(void **state)
{
	struct store *st = *state;
	struct store_subnet *v4list;
	int64_t a, b, conflict = 0;
	size_t n;

	a = add_subnet(st, "a", "10.0.0.0/16", NULL, NULL);
	assert_true(a > 0);
	assert_int_equal(add_subnet(st, "b", "10.0.5.0/24", NULL, &conflict), -EADDRINUSE);
	assert_int_equal(conflict, a);
	assert_int_equal(add_subnet(st, "a", "10.1.0.0/16", NULL, NULL), -EEXIST);
	b = add_subnet(st, "six", "2001:db8::/32", NULL, NULL);
	assert_true(b > 0);
	assert_int_equal(add_subnet(st, "six2", "2001:db8:1::/48", NULL, &conflict), -EADDRINUSE);
	assert_int_equal(conflict, b);
	/* ::/80 spans the keys of every IPv4 address, yet families never overlap. */
	assert_true(add_subnet(st, "low6", "::/80", NULL, NULL) > 0);

	/* The DHCPv4 view sees only the IPv4 subnet. */
	assert_int_equal(store_subnet_list(st, &v4list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v4list[0].network, 0x0a000000);
	assert_int_equal(v4list[0].prefix_len, 16);
	free(v4list);
}

static void config_subnet_gets_keys(void **state)
{
	struct store *st = *state;
	struct store_subnet s = { .network = 0xc0000200, .prefix_len = 24, .lease_time = 600 };
	struct store_ipam_subnet found;
	struct store_txn *tx;
	int64_t id, conflict;
	struct ipaddr probe = ip("192.0.2.77");

	(void)snprintf(s.name, sizeof(s.name), "from-config");
	assert_int_equal(store_subnet_upsert(st, &s, &id, NULL), 0);
	/* A subnet written by the config path is found through the key columns. */
	assert_int_equal(store_txn_begin(st, false, &tx), 0);
	assert_int_equal(store_ipam_subnet_containing(tx, &probe, &found), 0);
	assert_int_equal(found.id, id);
	store_txn_abort(tx);
	assert_int_equal(add_subnet(st, "clash", "192.0.2.128/25", NULL, &conflict), -EADDRINUSE);
	assert_int_equal(conflict, id);
	/* Moving it keeps the keys in step. */
	s.network = 0xc6336400;
	assert_int_equal(store_subnet_upsert(st, &s, &id, NULL), 0);
	assert_true(add_subnet(st, "clash", "192.0.2.128/25", NULL, NULL) > 0);
}

static void next_free_rules(void **state)
{
	struct store *st = *state;
	char got[IPADDR_STRLEN];
	int64_t s, r1;

	s = add_subnet(st, "s", "10.1.0.0/29", "10.1.0.1", NULL);
	r1 = add_range(st, s, "10.1.0.3", "10.1.0.3", STORE_RANGE_DYNAMIC);
	assert_true(add_range(st, s, "10.1.0.5", "10.1.0.5", STORE_RANGE_RESERVED) > 0);
	assert_int_equal(add_range(st, s, "10.1.0.5", "10.1.0.6", STORE_RANGE_DYNAMIC),
	                 -EADDRINUSE);
	assert_int_equal(add_range(st, s, "10.1.0.6", "10.1.0.9", STORE_RANGE_DYNAMIC), -EINVAL);
	/* .0 network, .1 gateway, .3 dynamic, .5 reserved, .7 broadcast. */
	assert_int_equal(allocate(st, s, 0, got), 0);
	assert_string_equal(got, "10.1.0.2");
	assert_int_equal(allocate(st, s, 0, got), 0);
	assert_string_equal(got, "10.1.0.4");
	assert_int_equal(allocate(st, s, 0, got), 0);
	assert_string_equal(got, "10.1.0.6");
	assert_int_equal(allocate(st, s, 0, got), -ENOSPC);
	/* Inside the range the range's own addresses are the pool. */
	assert_int_equal(allocate(st, 0, r1, got), 0);
	assert_string_equal(got, "10.1.0.3");
	assert_int_equal(allocate(st, 0, r1, got), -ENOSPC);
}

static void small_and_v6_prefixes(void **state)
{
	struct store *st = *state;
	char got[IPADDR_STRLEN];
	int64_t p31, p32, v6;

	p31 = add_subnet(st, "p31", "10.2.0.0/31", NULL, NULL);
	assert_int_equal(allocate(st, p31, 0, got), 0);
	assert_string_equal(got, "10.2.0.0");
	assert_int_equal(allocate(st, p31, 0, got), 0);
	assert_string_equal(got, "10.2.0.1");
	assert_int_equal(allocate(st, p31, 0, got), -ENOSPC);
	p32 = add_subnet(st, "p32", "10.2.1.1/32", NULL, NULL);
	assert_int_equal(allocate(st, p32, 0, got), 0);
	assert_string_equal(got, "10.2.1.1");
	assert_int_equal(allocate(st, p32, 0, got), -ENOSPC);
	v6 = add_subnet(st, "v6", "2001:db8:9::/126", "2001:db8:9::1", NULL);
	assert_int_equal(allocate(st, v6, 0, got), 0);
	assert_string_equal(got, "2001:db8:9::2");
	assert_int_equal(allocate(st, v6, 0, got), 0);
	assert_string_equal(got, "2001:db8:9::3");
	assert_int_equal(allocate(st, v6, 0, got), -ENOSPC);
	assert_int_equal(allocate(st, 12345, 0, got), -ENOENT);
}

static void leases_block_and_expire(void **state)
{
	struct store *st = *state;
	struct store_lease l = { .address = 0x0a030001,
		                 .client_id_len = 2,
		                 .state = STORE_LEASE_BOUND };
	struct store_ipam_subnet sub;
	struct store_ipam_usage u;
	struct store_txn *tx;
	char got[IPADDR_STRLEN];
	uint64_t gen;
	int64_t s;

	s = add_subnet(st, "leased", "10.3.0.0/24", NULL, NULL);
	l.subnet_id = s;
	l.expires = time(NULL) + 600;
	l.client_id[0] = 1;
	assert_int_equal(store_lease_put(st, &l), 0);
	l.address = 0x0a030002;
	l.client_id[1] = 2;
	l.expires = time(NULL) - 1;
	assert_int_equal(store_lease_put(st, &l), 0);
	/* .1 is held by an unexpired lease; .2's lease has expired. */
	assert_int_equal(allocate(st, s, 0, got), 0);
	assert_string_equal(got, "10.3.0.2");
	assert_int_equal(store_txn_begin(st, false, &tx), 0);
	assert_int_equal(store_ipam_subnet_get(tx, s, &sub), 0);
	assert_int_equal(store_ipam_subnet_usage(tx, &sub, time(NULL), &u), 0);
	store_txn_abort(tx);
	assert_int_equal(u.used, 2);
	assert_true(u.size == 254.0);

	gen = store_config_generation(st);
	tx = begin(st);
	assert_int_equal(store_ipam_lease_delete(tx, 0x0a030001), 0);
	assert_int_equal(store_ipam_lease_delete(tx, 0x0a030001), -ENOENT);
	assert_int_equal(store_txn_commit(tx), 0);
	/* The commit tells DHCP to reload, which drops the lease from its view. */
	assert_true(store_config_generation(st) > gen);
	assert_int_equal(allocate(st, s, 0, got), 0);
	assert_string_equal(got, "10.3.0.1");
}

static void reservations_for_dhcp(void **state)
{
	struct store *st = *state;
	struct store_machine_info m = { 0 };
	struct store_reservation *list, one;
	struct store_ip_address a = { .kind = STORE_IP_STICKY };
	struct store_interface iface;
	static const uint8_t mac[ADDR_MAC_LEN] = { 0x52, 0x54, 0, 1, 2, 3 };
	struct store_txn *tx;
	int64_t s, mid, id;
	uint64_t gen;
	size_t n;

	s = add_subnet(st, "res", "10.4.0.0/24", NULL, NULL);
	tx = begin(st);
	(void)snprintf(m.m.state, sizeof(m.m.state), "new");
	(void)snprintf(m.m.hostname, sizeof(m.m.hostname), "res-node");
	memcpy(m.m.mac, mac, sizeof(mac));
	assert_int_equal(store_machine_insert(tx, &m, true, &mid), 0);
	assert_int_equal(store_interface_find_mac(tx, mac, &iface), 0);
	a.address = ip("10.4.0.10");
	a.subnet_id = s;
	a.interface_id = iface.id;
	assert_int_equal(store_ipam_address_insert(tx, &a, &id), 0);
	a.address = ip("10.4.0.11");
	a.interface_id = 0;
	a.kind = STORE_IP_STATIC;
	assert_int_equal(store_ipam_address_insert(tx, &a, &id), 0);
	a.address = ip("10.4.0.12");
	a.kind = STORE_IP_DHCP;
	assert_int_equal(store_ipam_address_insert(tx, &a, &id), 0);
	a.address = ip("10.4.0.12");
	assert_int_equal(store_ipam_address_insert(tx, &a, &id), -EEXIST);
	gen = store_config_generation(st);
	assert_int_equal(store_txn_commit(tx), 0);
	assert_true(store_config_generation(st) > gen);

	assert_int_equal(store_reservation_list(st, &list, &n), 0);
	/* dhcp records are no reservations; the unbound static one is held for nobody. */
	assert_int_equal(n, 2);
	assert_int_equal(list[0].address, 0x0a04000a);
	assert_true(list[0].has_mac);
	assert_memory_equal(list[0].mac, mac, sizeof(mac));
	assert_string_equal(list[0].hostname, "res-node");
	assert_int_equal(list[1].address, 0x0a04000b);
	assert_false(list[1].has_mac);
	free(list);
	assert_int_equal(store_reservation_find(st, mac, s, &one), 0);
	assert_int_equal(one.address, 0x0a04000a);
	assert_int_equal(store_reservation_find(st, mac, s + 100, &one), -ENOENT);

	/* Deleting the machine unbinds the address, so it is reserved for nobody. */
	tx = begin(st);
	assert_int_equal(store_machine_delete(tx, mid, 0), 0);
	assert_int_equal(store_txn_commit(tx), 0);
	assert_int_equal(store_reservation_find(st, mac, 0, &one), -ENOENT);
}

static void subnet_update_and_delete(void **state)
{
	struct store *st = *state;
	struct store_ipam_subnet sub;
	struct store_txn *tx;
	char got[IPADDR_STRLEN];
	int64_t s, conflict;

	s = add_subnet(st, "upd", "10.5.0.0/24", NULL, NULL);
	assert_true(add_subnet(st, "other", "10.6.0.0/24", NULL, NULL) > 0);
	assert_int_equal(allocate(st, s, 0, got), 0);
	tx = begin(st);
	assert_int_equal(store_ipam_subnet_get(tx, s, &sub), 0);
	assert_int_equal(store_ipam_subnet_update(tx, &sub, sub.version + 1, NULL), -ESTALE);
	/* 10.4.0.0/14 would swallow subnet "other". */
	assert_int_equal(ipaddr_parse_prefix("10.4.0.0/14", &sub.network, &sub.prefix_len), 0);
	assert_int_equal(store_ipam_subnet_update(tx, &sub, sub.version, &conflict), -EADDRINUSE);
	assert_int_equal(ipaddr_parse_prefix("10.5.0.128/25", &sub.network, &sub.prefix_len), 0);
	/* 10.5.0.1 would fall outside the new prefix. */
	assert_int_equal(store_ipam_subnet_update(tx, &sub, 0, NULL), -ERANGE);
	assert_int_equal(store_ipam_subnet_delete(tx, s, 0), -EBUSY);
	store_txn_abort(tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(subnets_of_both_families, open_memory, close_store),
		cmocka_unit_test_setup_teardown(config_subnet_gets_keys, open_memory, close_store),
		cmocka_unit_test_setup_teardown(next_free_rules, open_memory, close_store),
		cmocka_unit_test_setup_teardown(small_and_v6_prefixes, open_memory, close_store),
		cmocka_unit_test_setup_teardown(leases_block_and_expire, open_memory, close_store),
		cmocka_unit_test_setup_teardown(reservations_for_dhcp, open_memory, close_store),
		cmocka_unit_test_setup_teardown(subnet_update_and_delete, open_memory, close_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
