/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the SQLite store: migrations, IPAM checks, leases, machines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store-inventory.h"
#include "store/store.h"

#include <cmocka.h>

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

static struct store_subnet make_subnet(const char *name, uint32_t net, uint8_t len)
{
	struct store_subnet s = { .network = net, .prefix_len = len, .lease_time = 600 };

	(void)snprintf(s.name, sizeof(s.name), "%s", name);
	return s;
}

static void subnet_overlap_rejected(void **state)
{
	struct store *st = *state;
	struct store_subnet a = make_subnet("a", 0xc0000200, 24);
	struct store_subnet b = make_subnet("b", 0xc0000280, 25);
	struct store_subnet c = make_subnet("a", 0xc6336400, 24);
	int64_t id_a, id, conflict = 0;
	uint64_t gen = store_config_generation(st);

	assert_int_equal(store_subnet_add(st, &a, &id_a, NULL), 0);
	assert_true(store_config_generation(st) > gen);
	assert_int_equal(store_subnet_add(st, &b, &id, &conflict), -EADDRINUSE);
	assert_int_equal(conflict, id_a);
	assert_int_equal(store_subnet_add(st, &c, &id, NULL), -EEXIST);
	/* Upsert by name moves subnet a instead of adding one. */
	assert_int_equal(store_subnet_upsert(st, &c, &id, NULL), 0);
	assert_int_equal(id, id_a);
}

static void range_checks(void **state)
{
	struct store *st = *state;
	struct store_subnet s = make_subnet("lab", 0xc0000200, 24);
	struct store_range *list;
	int64_t sid, rid;
	size_t n;

	assert_int_equal(store_subnet_add(st, &s, &sid, NULL), 0);
	struct store_range r1 = { .subnet_id = sid, .first = 0xc0000210, .last = 0xc0000220 };
	struct store_range r2 = { .subnet_id = sid, .first = 0xc0000220, .last = 0xc0000230 };
	struct store_range r3 = { .subnet_id = sid, .first = 0xc0000300, .last = 0xc0000310 };
	struct store_range r4 = { .subnet_id = sid, .first = 0xc0000240, .last = 0xc0000230 };
	struct store_range r5 = { .subnet_id = 999, .first = 0xc0000240, .last = 0xc0000250 };

	assert_int_equal(store_range_add(st, &r1, &rid), 0);
	assert_int_equal(store_range_add(st, &r2, &rid), -EADDRINUSE);
	assert_int_equal(store_range_add(st, &r3, &rid), -EINVAL);
	assert_int_equal(store_range_add(st, &r4, &rid), -EINVAL);
	assert_int_equal(store_range_add(st, &r5, &rid), -ENOENT);
	assert_int_equal(store_range_list(st, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].first, 0xc0000210);
	free(list);
}

static struct store_lease make_lease(int64_t subnet_id, uint32_t addr, uint8_t client)
{
	struct store_lease l = { .address = addr,
		                 .subnet_id = subnet_id,
		                 .client_id_len = 7,
		                 .expires = 2000000000,
		                 .state = STORE_LEASE_BOUND };

	l.client_id[0] = 1;
	l.client_id[6] = client;
	l.mac[5] = client;
	return l;
}

static void lease_one_per_client(void **state)
{
	struct store *st = *state;
	struct store_subnet s = make_subnet("lab", 0xc0000200, 24);
	struct store_lease *list;
	int64_t sid;
	size_t n;

	assert_int_equal(store_subnet_add(st, &s, &sid, NULL), 0);
	struct store_lease a = make_lease(sid, 0xc0000264, 1);
	struct store_lease b = make_lease(sid, 0xc0000265, 2);
	struct store_lease a2 = make_lease(sid, 0xc0000266, 1);

	assert_int_equal(store_lease_put(st, &a), 0);
	assert_int_equal(store_lease_put(st, &b), 0);
	/* Client 1 moves to .102: its row for .100 must go. */
	assert_int_equal(store_lease_put(st, &a2), 0);
	assert_int_equal(store_lease_list(st, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].address, 0xc0000265);
	assert_int_equal(list[1].address, 0xc0000266);
	assert_int_equal(list[1].mac[5], 1);
	assert_int_equal(list[1].client_id_len, 7);
	free(list);
	assert_int_equal(store_lease_delete(st, 0xc0000265), 0);
	assert_int_equal(store_lease_delete(st, 0xc0000265), -ENOENT);
}

/* A candidate hostname another machine has already leaves the new machine unnamed. */
static void machine_enroll_taken_hostname(void **state)
{
	struct store *st = *state;
	struct store_machine c = { .mac = { 0x52, 0x54, 0, 0, 0, 1 } }, first, second;
	bool created;

	(void)snprintf(c.hostname, sizeof(c.hostname), "m-525400000001");
	assert_int_equal(store_machine_enroll(st, &c, 0, &first, &created), 0);
	assert_true(created);
	assert_string_equal(first.hostname, "m-525400000001");

	c.mac[5] = 2;
	assert_int_equal(store_machine_enroll(st, &c, 0, &second, &created), 0);
	assert_true(created);
	assert_int_not_equal(second.id, first.id);
	assert_string_equal(second.hostname, "");
}

/* Enrolment stops at max_new machines in state new; known MACs still boot. */
static void machine_enroll_cap(void **state)
{
	struct store *st = *state;
	struct store_machine c = { .mac = { 0x52, 0x54, 0, 0, 0, 1 } }, m;
	struct store_txn *tx;
	bool created = true;

	assert_int_equal(store_machine_enroll(st, &c, 2, &m, &created), 0);
	c.mac[5] = 2;
	assert_int_equal(store_machine_enroll(st, &c, 2, &m, &created), 0);
	c.mac[5] = 3;
	created = true;
	assert_int_equal(store_machine_enroll(st, &c, 2, &m, &created), -EDQUOT);
	assert_true(created);
	c.mac[5] = 1;
	assert_int_equal(store_machine_enroll(st, &c, 2, &m, &created), 0);
	assert_false(created);
	/* A deleted machine frees its place. */
	assert_int_equal(store_txn_begin(st, true, &tx), 0);
	assert_int_equal(store_machine_delete(tx, m.id, 0), 0);
	assert_int_equal(store_txn_commit(tx), 0);
	c.mac[5] = 3;
	assert_int_equal(store_machine_enroll(st, &c, 2, &m, &created), 0);
	assert_true(created);
}

static void machine_enroll_once(void **state)
{
	struct store *st = *state;
	struct store_machine c = { .first_address = 0xc0000264 }, m, again;
	uint8_t macs[2][ADDR_MAC_LEN] = { { 0x52, 0x54, 0, 0, 0, 1 }, { 0x52, 0x54, 0, 0, 0, 2 } };
	struct store_machine *list;
	bool created;
	size_t n;

	memcpy(c.mac, macs[0], ADDR_MAC_LEN);
	(void)snprintf(c.arch, sizeof(c.arch), "x86_64");
	(void)snprintf(c.firmware, sizeof(c.firmware), "uefi");
	assert_int_equal(store_machine_enroll(st, &c, 0, &m, &created), 0);
	assert_true(created);
	assert_string_equal(m.state, "new");
	assert_string_equal(m.firmware, "uefi");
	assert_int_equal(store_machine_enroll(st, &c, 0, &again, &created), 0);
	assert_false(created);
	assert_int_equal(again.id, m.id);

	assert_int_equal(store_machine_report(st, m.id, 4, 1 << 30, "{}",
	                                      (const uint8_t(*)[ADDR_MAC_LEN])macs, 2, 1234),
	                 0);
	assert_int_equal(store_machine_find_by_mac(st, macs[1], &again), 0);
	assert_int_equal(again.id, m.id);
	assert_int_equal(again.cpu_count, 4);
	assert_int_equal(again.reported_at, 1234);
	/* The booting interface stays the machine's MAC. */
	assert_memory_equal(again.mac, macs[0], ADDR_MAC_LEN);
	assert_int_equal(store_machine_list(st, &list, &n), 0);
	assert_int_equal(n, 1);
	free(list);
	assert_int_equal(store_machine_report(st, 999, 1, 1, "{}", NULL, 0, 1), -ENOENT);
	assert_int_equal(store_machine_set_agent_token_hash(st, m.id, "ab"), 0);
	assert_int_equal(store_machine_get(st, m.id, &again), 0);
	assert_string_equal(again.agent_token_hash, "ab");
}

static void lease_survives_reopen(void **state)
{
	char path[] = "/tmp/rackd-store-test-XXXXXX";
	char db[64];
	struct store *st;
	struct store_lease *list;
	int64_t sid;
	size_t n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	(void)close(fd);
	(void)unlink(path);
	(void)snprintf(db, sizeof(db), "%s.db", path);

	assert_int_equal(store_open(db, &st), 0);
	struct store_subnet s = make_subnet("lab", 0xc0000200, 24);
	assert_int_equal(store_subnet_add(st, &s, &sid, NULL), 0);
	struct store_lease l = make_lease(sid, 0xc0000264, 9);
	assert_int_equal(store_lease_put(st, &l), 0);
	store_free(st);

	assert_int_equal(store_open(db, &st), 0);
	assert_int_equal(store_lease_list(st, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].address, 0xc0000264);
	free(list);
	store_free(st);
	(void)unlink(db);
	(void)snprintf(db, sizeof(db), "%s.db-wal", path);
	(void)unlink(db);
	(void)snprintf(db, sizeof(db), "%s.db-shm", path);
	(void)unlink(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(subnet_overlap_rejected, open_memory, close_store),
		cmocka_unit_test_setup_teardown(range_checks, open_memory, close_store),
		cmocka_unit_test_setup_teardown(lease_one_per_client, open_memory, close_store),
		cmocka_unit_test_setup_teardown(machine_enroll_once, open_memory, close_store),
		cmocka_unit_test_setup_teardown(machine_enroll_cap, open_memory, close_store),
		cmocka_unit_test_setup_teardown(machine_enroll_taken_hostname, open_memory,
		                                close_store),
		cmocka_unit_test(lease_survives_reopen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
