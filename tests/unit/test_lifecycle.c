/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the machine lifecycle: the transition table, transitions
 * in a store with their audit events, and the per-state iPXE scripts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "inventory/boot-script.h"
#include "inventory/lifecycle-service.h"
#include "inventory/lifecycle.h"
#include "store/store-inventory.h"
#include "store/store-lifecycle.h"

#include <cmocka.h>

/* Every allowed transition, as from -> to; all other pairs are refused. */
static const struct {
	enum lifecycle_state from, to;
} allowed[] = {
	{ LIFECYCLE_NEW, LIFECYCLE_COMMISSIONING },    { LIFECYCLE_NEW, LIFECYCLE_BROKEN },
	{ LIFECYCLE_NEW, LIFECYCLE_RETIRED },          { LIFECYCLE_COMMISSIONING, LIFECYCLE_READY },
	{ LIFECYCLE_COMMISSIONING, LIFECYCLE_BROKEN }, { LIFECYCLE_COMMISSIONING, LIFECYCLE_NEW },
	{ LIFECYCLE_READY, LIFECYCLE_COMMISSIONING },  { LIFECYCLE_READY, LIFECYCLE_DEPLOYING },
	{ LIFECYCLE_READY, LIFECYCLE_BROKEN },         { LIFECYCLE_READY, LIFECYCLE_RETIRED },
	{ LIFECYCLE_DEPLOYING, LIFECYCLE_DEPLOYED },   { LIFECYCLE_DEPLOYING, LIFECYCLE_BROKEN },
	{ LIFECYCLE_DEPLOYED, LIFECYCLE_RELEASING },   { LIFECYCLE_DEPLOYED, LIFECYCLE_BROKEN },
	{ LIFECYCLE_RELEASING, LIFECYCLE_READY },      { LIFECYCLE_RELEASING, LIFECYCLE_BROKEN },
	{ LIFECYCLE_BROKEN, LIFECYCLE_COMMISSIONING }, { LIFECYCLE_BROKEN, LIFECYCLE_READY },
	{ LIFECYCLE_BROKEN, LIFECYCLE_RETIRED },       { LIFECYCLE_RETIRED, LIFECYCLE_NEW },
	{ LIFECYCLE_RETIRED, LIFECYCLE_BROKEN },
};

static bool listed(enum lifecycle_state from, enum lifecycle_state to)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allowed[i].from == from && allowed[i].to == to)
			return true;
	return false;
}

static void transition_table_matches_list(void **state)
{
	(void)state;
	for (int f = 0; f < LIFECYCLE_N_STATES; f++) {
		for (int t = 0; t < LIFECYCLE_N_STATES; t++) {
			bool want = listed((enum lifecycle_state)f, (enum lifecycle_state)t);
			bool got = lifecycle_transition_allowed((enum lifecycle_state)f,
			                                        (enum lifecycle_state)t);

			if (want != got)
				fail_msg("%s -> %s: allowed=%d, expected %d",
				         lifecycle_state_name((enum lifecycle_state)f),
				         lifecycle_state_name((enum lifecycle_state)t), got, want);
		}
	}
	assert_false(lifecycle_transition_allowed(LIFECYCLE_N_STATES, LIFECYCLE_NEW));
	assert_false(lifecycle_transition_allowed(LIFECYCLE_NEW, (enum lifecycle_state) - 1));
}

static void broken_reachable_from_every_other_state(void **state)
{
	(void)state;
	for (int f = 0; f < LIFECYCLE_N_STATES; f++)
		if (f != LIFECYCLE_BROKEN)
			assert_true(lifecycle_transition_allowed((enum lifecycle_state)f,
			                                         LIFECYCLE_BROKEN));
	assert_false(lifecycle_transition_allowed(LIFECYCLE_BROKEN, LIFECYCLE_BROKEN));
}

static void state_names_round_trip(void **state)
{
	enum lifecycle_state s;

	(void)state;
	for (int i = 0; i < LIFECYCLE_N_STATES; i++) {
		assert_int_equal(
		        lifecycle_state_parse(lifecycle_state_name((enum lifecycle_state)i), &s),
		        0);
		assert_int_equal(s, i);
	}
	assert_int_equal(lifecycle_state_parse("Ready", &s), -EINVAL);
	assert_int_equal(lifecycle_state_parse("", &s), -EINVAL);
	assert_string_equal(lifecycle_state_name(LIFECYCLE_N_STATES), "invalid");
}

static void allowed_text_lists_states(void **state)
{
	char buf[LIFECYCLE_ALLOWED_MAX], tiny[8];

	(void)state;
	assert_int_equal(lifecycle_allowed_text(LIFECYCLE_DEPLOYED, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "releasing, broken");
	assert_int_equal(lifecycle_allowed_text(LIFECYCLE_READY, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "commissioning, deploying, broken, retired");
	assert_int_equal(lifecycle_allowed_text(LIFECYCLE_READY, tiny, sizeof(tiny)), -ENOSPC);
	assert_string_equal(lifecycle_stage_of(LIFECYCLE_DEPLOYING), "deploying");
	assert_null(lifecycle_stage_of(LIFECYCLE_READY));
}

/* A store with one machine in state new. */
static struct store *store_with_machine(int64_t *ret_id)
{
	struct store_machine m = { .mac = { 0x52, 0x54, 0, 0, 0, 1 }, .first_seen = 1 };
	struct store_machine got;
	struct store *st;
	bool created;

	(void)snprintf(m.state, sizeof(m.state), "new");
	assert_int_equal(store_open(":memory:", &st), 0);
	assert_int_equal(store_machine_enroll(st, &m, 0, &got, &created), 0);
	*ret_id = got.id;
	return st;
}

static int transition(struct store *st, const struct config *cfg, int64_t id,
                      enum lifecycle_state to, const char *task, enum lifecycle_state *from,
                      struct lifecycle_refusal *refusal)
{
	struct store_txn *tx;
	int r;

	assert_int_equal(store_txn_begin(st, true, &tx), 0);
	r = lifecycle_transition_tx(tx, cfg, id, to, "test", "because", task, from, refusal);
	if (r == 0)
		assert_int_equal(store_txn_commit(tx), 0);
	else
		store_txn_abort(tx);
	return r;
}

static void transitions_stored_with_events(void **state)
{
	struct lifecycle_refusal refusal = { .from = LIFECYCLE_N_STATES };
	struct store_lifecycle lc;
	struct store_event *events;
	struct store_page page = { .limit = 100 };
	struct store_event_filter filter = { .kind = "machine.state_changed" };
	enum lifecycle_state from = LIFECYCLE_N_STATES;
	struct store_txn *tx;
	struct config cfg;
	struct store *st;
	size_t n;
	int64_t id, total;

	(void)state;
	config_init(&cfg);
	cfg.lifecycle_commission_timeout = 100;
	st = store_with_machine(&id);
	assert_int_equal(transition(st, &cfg, id, LIFECYCLE_DEPLOYING, NULL, &from, &refusal),
	                 -EPERM);
	assert_int_equal(refusal.from, LIFECYCLE_NEW);
	assert_string_equal(refusal.allowed, "commissioning, broken, retired");
	assert_int_equal(transition(st, &cfg, id, LIFECYCLE_COMMISSIONING, "{\"action\":\"none\"}",
	                            &from, &refusal),
	                 0);
	assert_int_equal(from, LIFECYCLE_NEW);

	assert_int_equal(store_txn_begin(st, false, &tx), 0);
	assert_int_equal(store_lifecycle_get(tx, id, &lc), 0);
	assert_string_equal(lc.state, "commissioning");
	assert_string_equal(lc.stage, "commissioning");
	assert_string_equal(lc.reason, "because");
	assert_int_equal(lc.deadline - lc.since, 100);
	assert_string_equal(lc.task, "{\"action\":\"none\"}");
	assert_int_equal(lc.progress, -1);
	store_lifecycle_done(&lc);
	assert_int_equal(store_event_list(tx, &filter, &page, &events, &n, &total), 0);
	assert_int_equal(n, 1);
	assert_string_equal(events[0].actor, "test");
	assert_string_equal(events[0].object, "machine/1");
	assert_string_equal(events[0].detail, "because");
	assert_string_equal(events[0].before, "{\"state\":\"new\"}");
	assert_non_null(strstr(events[0].after, "\"state\":\"commissioning\""));
	store_event_list_free(events, n);
	assert_int_equal(store_lifecycle_get(tx, 999, &lc), -ENOENT);
	store_txn_abort(tx);

	/* ready has no stage, so no deadline; the task is kept when NULL is passed. */
	assert_int_equal(transition(st, &cfg, id, LIFECYCLE_READY, NULL, &from, &refusal), 0);
	assert_int_equal(store_txn_begin(st, false, &tx), 0);
	assert_int_equal(store_lifecycle_get(tx, id, &lc), 0);
	assert_int_equal(lc.deadline, 0);
	assert_string_equal(lc.stage, "");
	assert_string_equal(lc.task, "{\"action\":\"none\"}");
	store_lifecycle_done(&lc);
	store_txn_abort(tx);
	assert_int_equal(transition(st, &cfg, 999, LIFECYCLE_READY, NULL, &from, &refusal),
	                 -ENOENT);
	store_free(st);
}

static void expired_deadlines_listed(void **state)
{
	struct lifecycle_refusal refusal;
	enum lifecycle_state from;
	struct store_txn *tx;
	struct config cfg;
	struct store *st;
	int64_t id, ids[4];

	(void)state;
	config_init(&cfg);
	cfg.lifecycle_commission_timeout = 1;
	st = store_with_machine(&id);
	assert_int_equal(transition(st, &cfg, id, LIFECYCLE_COMMISSIONING, NULL, &from, &refusal),
	                 0);
	assert_int_equal(store_txn_begin(st, false, &tx), 0);
	assert_int_equal(store_lifecycle_expired(tx, 0, ids, 4), 0);
	assert_int_equal(store_lifecycle_expired(tx, INT64_MAX / 2, ids, 4), 1);
	assert_int_equal(ids[0], id);
	store_txn_abort(tx);
	store_free(st);
}

static void bmc_rows_round_trip(void **state)
{
	struct store_bmc b = { .machine_id = 1 }, got;
	struct store_txn *tx;
	struct store *st;
	int64_t id;

	(void)state;
	st = store_with_machine(&id);
	(void)snprintf(b.type, sizeof(b.type), "ipmi");
	(void)snprintf(b.address, sizeof(b.address), "10.0.0.1:623");
	(void)snprintf(b.secret, sizeof(b.secret), "v1:00");
	assert_int_equal(store_txn_begin(st, true, &tx), 0);
	assert_int_equal(store_bmc_put(tx, &b), 0);
	assert_int_equal(store_bmc_set_power(tx, id, "on", "", 5), 0);
	assert_int_equal(store_bmc_get(tx, id, &got), 0);
	assert_string_equal(got.power_state, "on");
	assert_string_equal(got.secret, "v1:00");
	b.machine_id = 42;
	assert_int_equal(store_bmc_put(tx, &b), -ENOENT);
	assert_int_equal(store_bmc_delete(tx, id), 0);
	assert_int_equal(store_bmc_get(tx, id, &got), -ENOENT);
	assert_int_equal(store_bmc_delete(tx, id), -ENOENT);
	assert_int_equal(store_txn_commit(tx), 0);
	store_free(st);
}

static int render(const char *state, const char *firmware, const char *task, char *buf, size_t size)
{
	struct boot_script_input in = {
		.machine_id = 7,
		.mac = "52:54:00:00:00:07",
		.state = state,
		.firmware = firmware,
		.public_url = "http://192.0.2.1:8080",
		.kernel = "linux/vmlinuz",
		.initrd = "linux/initrd.img",
		.cmdline = "console=ttyS0",
		.lldp_wait = 20,
		.token = "abc123",
		.task_json = task,
	};

	return boot_script_render(&in, buf, size);
}

static void boot_scripts_follow_state(void **state)
{
	char buf[4096];

	(void)state;
	assert_true(render("commissioning", "bios", "{}", buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "kernel http://192.0.2.1:8080/boot/assets/linux/vmlinuz"));
	assert_non_null(
	        strstr(buf, "rackd.machine=7 rackd.token=abc123 rackd.lldp_wait=20 console=ttyS0"));
	assert_true(render("deployed", "bios", "{}", buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "sanboot --no-describe --drive 0x80"));
	assert_null(strstr(buf, "kernel"));
	assert_true(render("deployed", "uefi", "{}", buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "sanboot"));
	assert_non_null(strstr(buf, "exit\n"));
	assert_true(render("deploying", "bios", "{\"method\":\"image\"}", buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "rackd.token=abc123"));
	assert_true(render("ready", "bios", NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "ephemeral environment"));
	assert_int_equal(render("new", "bios", "{}", buf, 16), -ENOSPC);
}

static void installer_scripts_rendered(void **state)
{
	char buf[4096];

	(void)state;
	assert_true(render("deploying", "bios",
	                   "{\"method\":\"installer\",\"installer\":\"debian\","
	                   "\"kernel\":\"debian/linux\",\"initrd\":\"debian/initrd.gz\"}",
	                   buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "kernel http://192.0.2.1:8080/boot/assets/debian/linux"));
	assert_non_null(strstr(buf, "url=http://192.0.2.1:8080/install/7/abc123/preseed.cfg"));
	assert_true(render("deploying", "uefi",
	                   "{\"method\":\"installer\",\"installer\":\"rhel\","
	                   "\"kernel\":\"el/vmlinuz\",\"initrd\":\"el/initrd.img\"}",
	                   buf, sizeof(buf)) > 0);
	assert_non_null(
	        strstr(buf, "inst.ks=http://192.0.2.1:8080/install/7/abc123/kickstart.cfg"));
	assert_true(render("deploying", "bios",
	                   "{\"method\":\"installer\",\"installer\":\"ubuntu\","
	                   "\"kernel\":\"u/vmlinuz\",\"initrd\":\"u/initrd\"}",
	                   buf, sizeof(buf)) > 0);
	assert_non_null(strstr(
	        buf, "autoinstall ds=nocloud-net;s=http://192.0.2.1:8080/install/7/abc123/"));
	assert_int_equal(render("deploying", "bios",
	                        "{\"method\":\"installer\",\"installer\":\"gentoo\","
	                        "\"kernel\":\"k\",\"initrd\":\"i\"}",
	                        buf, sizeof(buf)),
	                 -EINVAL);
	/* A kernel path that could inject iPXE commands or leave boot_dir is refused. */
	assert_int_equal(render("deploying", "bios",
	                        "{\"method\":\"installer\",\"installer\":\"debian\","
	                        "\"kernel\":\"k\\nshell\",\"initrd\":\"i\"}",
	                        buf, sizeof(buf)),
	                 -EINVAL);
	assert_int_equal(render("deploying", "bios",
	                        "{\"method\":\"installer\",\"installer\":\"debian\","
	                        "\"kernel\":\"../k\",\"initrd\":\"i\"}",
	                        buf, sizeof(buf)),
	                 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(transition_table_matches_list),
		cmocka_unit_test(broken_reachable_from_every_other_state),
		cmocka_unit_test(state_names_round_trip),
		cmocka_unit_test(allowed_text_lists_states),
		cmocka_unit_test(transitions_stored_with_events),
		cmocka_unit_test(expired_deadlines_listed),
		cmocka_unit_test(bmc_rows_round_trip),
		cmocka_unit_test(boot_scripts_follow_state),
		cmocka_unit_test(installer_scripts_rendered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
