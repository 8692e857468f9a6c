/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/store/store-inventory: transactions, versions bumped
 * by triggers, sites and racks, machines with tags and filters, interfaces,
 * events with their pruning, and tokens.
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

#include "store/store-inventory.h"
#include "store/store.h"

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

static struct store_txn *begin(struct store *st, bool write)
{
	struct store_txn *tx;

	assert_int_equal(store_txn_begin(st, write, &tx), 0);
	return tx;
}

static const struct store_page first_page = { .limit = 100 };

static void site_versions_and_conflicts(void **state)
{
	struct store *st = *state;
	struct store_site s = { .name = "fra1" }, got;
	struct store_rack rack = { .name = "r1", .height = 42 };
	struct store_txn *tx = begin(st, true);
	uint64_t gen = store_inventory_generation(st);
	int64_t id, rack_id;

	assert_int_equal(store_site_insert(tx, &s, &id), 0);
	assert_int_equal(store_site_insert(tx, &s, &id), -EEXIST);
	assert_int_equal(store_site_get(tx, id, &got), 0);
	assert_int_equal(got.version, 1);
	(void)snprintf(got.description, sizeof(got.description), "hall 3");
	assert_int_equal(store_site_update(tx, &got, 1), 0);
	assert_int_equal(store_site_get(tx, id, &got), 0);
	/* A trigger moved the version, so the old one is stale now. */
	assert_int_equal(got.version, 2);
	assert_int_equal(store_site_update(tx, &got, 1), -ESTALE);
	assert_int_equal(store_site_update(tx, &(struct store_site){ .id = 999, .name = "x" }, 0),
	                 -ENOENT);
	rack.site_id = id;
	assert_int_equal(store_rack_insert(tx, &rack, &rack_id), 0);
	assert_int_equal(store_site_delete(tx, id, 0), -EBUSY);
	assert_int_equal(store_rack_delete(tx, rack_id, 0), 0);
	assert_int_equal(store_site_delete(tx, id, 5), -ESTALE);
	assert_int_equal(store_site_delete(tx, id, 2), 0);
	assert_int_equal(store_txn_commit(tx), 0);
	assert_true(store_inventory_generation(st) > gen);
}

static void rolled_back_changes_leave_no_trace(void **state)
{
	struct store *st = *state;
	struct store_site s = { .name = "gone" }, *list;
	struct store_txn *tx = begin(st, true);
	uint64_t gen = store_inventory_generation(st);
	int64_t id, total;
	size_t n;

	assert_int_equal(store_site_insert(tx, &s, &id), 0);
	assert_int_equal(store_event_insert(tx, "test", "site.created", "site/1", NULL, NULL, "{}"),
	                 0);
	store_txn_abort(tx);
	assert_int_equal(store_inventory_generation(st), gen);
	tx = begin(st, false);
	assert_int_equal(store_site_list(tx, NULL, &first_page, &list, &n, &total), 0);
	assert_int_equal(total, 0);
	free(list);
	store_txn_abort(tx);
}

/* Creates a machine with a PXE MAC ending in last and the given tags. */
static int64_t make_machine(struct store_txn *tx, uint8_t last, const char *hostname,
                            const char *state, const char *const *tags, size_t n_tags)
{
	struct store_machine_info m = { 0 };
	int64_t id;

	(void)snprintf(m.m.hostname, sizeof(m.m.hostname), "%s", hostname);
	(void)snprintf(m.m.state, sizeof(m.m.state), "%s", state);
	m.m.mac[0] = 0x52;
	m.m.mac[1] = 0x54;
	m.m.mac[5] = last;
	assert_int_equal(store_machine_insert(tx, &m, true, &id), 0);
	assert_int_equal(store_machine_set_tags(tx, id, tags, n_tags), 0);
	return id;
}

static void machine_filters_and_tags(void **state)
{
	static const char *const gpu[] = { "gpu", "a100" };
	static const char *const none[] = { NULL };
	struct store *st = *state;
	struct store_txn *tx = begin(st, true);
	struct store_machine_filter f = { 0 };
	struct store_machine_info *list, got;
	int64_t a, b, total;
	size_t n;

	a = make_machine(tx, 1, "node-a", "ready", gpu, 2);
	b = make_machine(tx, 2, "node-b", "new", none, 0);
	assert_int_equal(store_machine_info_get(tx, a, &got), 0);
	/* Tags come back sorted. */
	assert_string_equal(got.tags, "a100,gpu");
	assert_int_equal(got.m.mac[5], 1);

	f.tag = "gpu";
	assert_int_equal(store_machine_info_list(tx, &f, &first_page, &list, &n, &total), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].m.id, a);
	free(list);
	f = (struct store_machine_filter){ .state = "new" };
	assert_int_equal(store_machine_info_list(tx, &f, &first_page, &list, &n, &total), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].m.id, b);
	free(list);
	f = (struct store_machine_filter){ .has_mac = true, .mac = { 0x52, 0x54, 0, 0, 0, 2 } };
	assert_int_equal(store_machine_info_list(tx, &f, &first_page, &list, &n, &total), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].m.id, b);
	free(list);

	/* A smaller tag set drops the others; an unchanged set leaves the version. */
	int64_t before = got.version;
	assert_int_equal(store_machine_set_tags(tx, a, gpu, 1), 0);
	assert_int_equal(store_machine_info_get(tx, a, &got), 0);
	assert_string_equal(got.tags, "gpu");
	assert_true(got.version > before);
	before = got.version;
	assert_int_equal(store_machine_set_tags(tx, a, gpu, 1), 0);
	assert_int_equal(store_machine_info_get(tx, a, &got), 0);
	assert_int_equal(got.version, before);

	/* Keyset paging: after the first id only the second remains. */
	struct store_page page = { .limit = 1, .after = a };
	f = (struct store_machine_filter){ 0 };
	assert_int_equal(store_machine_info_list(tx, &f, &page, &list, &n, &total), 0);
	assert_int_equal(n, 1);
	assert_int_equal(total, 2);
	assert_int_equal(list[0].m.id, b);
	free(list);
	assert_int_equal(store_txn_commit(tx), 0);
}

static void interfaces_keep_one_pxe(void **state)
{
	struct store *st = *state;
	struct store_txn *tx = begin(st, true);
	struct store_interface second = { .name = "eth1",
		                          .pxe = true,
		                          .mac = { 2, 0, 0, 0, 0, 9 } };
	struct store_interface_filter f = { .pxe = 1 };
	struct store_interface *list;
	struct store_machine_info got;
	int64_t m, id, total;
	size_t n;
	uint64_t gen = store_config_generation(st);

	m = make_machine(tx, 7, "", "new", NULL, 0);
	second.machine_id = m;
	assert_int_equal(store_interface_insert(tx, &second, &id), 0);
	f.machine_id = m;
	assert_int_equal(store_interface_list(tx, &f, &first_page, &list, &n, &total), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, id);
	free(list);
	assert_int_equal(store_machine_info_get(tx, m, &got), 0);
	assert_int_equal(got.m.mac[5], 9);
	second.machine_id = 12345;
	assert_int_equal(store_interface_insert(tx, &second, &id), -EEXIST);
	assert_int_equal(store_txn_commit(tx), 0);
	/* Interfaces carry the MACs of reservations, so the commit makes DHCP reload. */
	assert_true(store_config_generation(st) > gen);
}

static void events_and_tokens(void **state)
{
	struct store *st = *state;
	struct store_txn *tx = begin(st, true);
	struct store_token t = { .name = "ci", .role = "reader" }, found;
	struct store_event_filter f = { .kind = "token.created" };
	struct store_event *events, one;
	int64_t id, total;
	size_t n;

	assert_int_equal(store_token_insert(tx, &t, "abc123", &id), 0);
	assert_int_equal(store_token_insert(tx, &t, "def456", &id), -EEXIST);
	assert_int_equal(store_event_insert(tx, "cli", "token.created", "token/1", NULL, NULL,
	                                    "{\"name\":\"ci\"}"),
	                 0);
	assert_int_equal(
	        store_event_insert(tx, "cli", "site.created", "site/1", "note", NULL, NULL), 0);
	assert_int_equal(store_txn_commit(tx), 0);

	/* Authentication locks by itself, outside any transaction. */
	assert_int_equal(store_token_authenticate(st, "abc123", 1000, &found), 0);
	assert_string_equal(found.name, "ci");
	assert_string_equal(found.role, "reader");
	assert_int_equal(found.last_used, 1000);
	assert_int_equal(store_token_authenticate(st, "nope", 1000, &found), -ENOENT);

	tx = begin(st, false);
	assert_int_equal(store_event_list(tx, &f, &first_page, &events, &n, &total), 0);
	assert_int_equal(n, 1);
	assert_string_equal(events[0].actor, "cli");
	assert_null(events[0].before);
	assert_string_equal(events[0].after, "{\"name\":\"ci\"}");
	assert_int_equal(store_event_get(tx, events[0].id + 1, &one), 0);
	assert_string_equal(one.detail, "note");
	store_event_done(&one);
	store_event_list_free(events, n);
	assert_int_equal(store_event_get(tx, 999, &one), -ENOENT);
	store_txn_abort(tx);
}

static void token_expiry_and_last_use(void **state)
{
	struct store *st = *state;
	struct store_txn *tx = begin(st, true);
	struct store_token t = { .name = "ci", .role = "reader", .expires = 5000 }, found;
	int64_t id, version;

	assert_int_equal(store_token_insert(tx, &t, "abc123", &id), 0);
	assert_int_equal(store_txn_commit(tx), 0);
	tx = begin(st, false);
	assert_int_equal(store_token_get(tx, id, &found), 0);
	store_txn_abort(tx);
	version = found.version;
	assert_int_equal(found.last_used, 0);

	/* A use is written at most once a minute and leaves the version alone. */
	assert_int_equal(store_token_authenticate(st, "abc123", 1000, &found), 0);
	assert_int_equal(found.last_used, 1000);
	assert_int_equal(store_token_authenticate(st, "abc123", 1059, &found), 0);
	assert_int_equal(found.last_used, 1000);
	assert_int_equal(store_token_authenticate(st, "abc123", 1060, &found), 0);
	assert_int_equal(found.last_used, 1060);
	assert_int_equal(found.version, version);

	/* From its expiry on the token is rejected, with its record filled in. */
	assert_int_equal(store_token_authenticate(st, "abc123", 4999, &found), 0);
	assert_int_equal(store_token_authenticate(st, "abc123", 5000, &found), -EKEYEXPIRED);
	assert_string_equal(found.name, "ci");
	assert_int_equal(found.expires, 5000);

	/* Moving the expiry is a change: it bumps the version. */
	tx = begin(st, true);
	found.expires = 0;
	assert_int_equal(store_token_update(tx, &found, version), 0);
	assert_int_equal(store_txn_commit(tx), 0);
	assert_int_equal(store_token_authenticate(st, "abc123", 9000, &found), 0);
	assert_int_equal(found.version, version + 1);
}

static void events_pruned_oldest_first(void **state)
{
	struct store *st = *state;
	struct store_event_filter all = { 0 };
	struct store_event *events;
	struct store_txn *tx;
	int64_t total, later = (int64_t)time(NULL) + 100;
	size_t n;

	for (int i = 0; i < 5; i++)
		assert_int_equal(store_event_add(st, "test", "site.created", "site/1", NULL), 0);
	/* Nothing is older than the epoch. */
	assert_int_equal(store_event_prune(st, 0, 10), 0);
	assert_int_equal(store_event_prune(st, later, 2), 2);

	tx = begin(st, false);
	assert_int_equal(store_event_list(tx, &all, &first_page, &events, &n, &total), 0);
	assert_int_equal(total, 3);
	assert_int_equal(events[0].id, 3);
	store_event_list_free(events, n);
	store_txn_abort(tx);

	assert_int_equal(store_event_prune(st, later, 10), 3);
	assert_int_equal(store_event_prune(st, later, 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(site_versions_and_conflicts, open_memory,
		                                close_store),
		cmocka_unit_test_setup_teardown(rolled_back_changes_leave_no_trace, open_memory,
		                                close_store),
		cmocka_unit_test_setup_teardown(machine_filters_and_tags, open_memory, close_store),
		cmocka_unit_test_setup_teardown(interfaces_keep_one_pxe, open_memory, close_store),
		cmocka_unit_test_setup_teardown(events_and_tokens, open_memory, close_store),
		cmocka_unit_test_setup_teardown(events_pruned_oldest_first, open_memory,
		                                close_store),
		cmocka_unit_test_setup_teardown(token_expiry_and_last_use, open_memory,
		                                close_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
