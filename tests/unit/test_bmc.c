/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the BMC module: sealing of passwords and the key file,
 * Redfish response parsing, name tables and address checks, the session
 * limit, and the agent's task parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bmc/bmc-seal.h"
#include "bmc/bmc.h"
#include "bmc/redfish-json.h"

#include <cmocka.h>

static char *temp_dir(void)
{
	char *dir = strdup("/tmp/rackd-test-bmc.XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void key_file_created_0600_and_reloaded(void **state)
{
	struct bmc_key a, b;
	char *dir = temp_dir(), path[256], err[256];
	struct stat st;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/bmc.key", dir);
	assert_int_equal(bmc_key_load(path, &a, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, BMC_SEAL_KEY_BYTES);
	assert_int_equal(bmc_key_load(path, &b, err, sizeof(err)), 0);
	assert_memory_equal(a.bytes, b.bytes, BMC_SEAL_KEY_BYTES);

	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(bmc_key_load(path, &b, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "readable by others"));
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(truncate(path, 31), 0);
	assert_int_equal(bmc_key_load(path, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "has 31 bytes"));
	(void)unlink(path);
	(void)rmdir(dir);
	free(dir);
}

static void seal_round_trip_bound_to_machine(void **state)
{
	struct bmc_key key, other;
	char sealed[BMC_SEALED_TEXT_MAX(64)], again[BMC_SEALED_TEXT_MAX(64)], out[64];

	(void)state;
	randombytes_buf(key.bytes, sizeof(key.bytes));
	randombytes_buf(other.bytes, sizeof(other.bytes));
	assert_int_equal(bmc_seal(&key, 5, "hunter2", sealed, sizeof(sealed)), 0);
	assert_true(strncmp(sealed, "v1:", 3) == 0);
	assert_null(strstr(sealed, "hunter2"));
	assert_int_equal(bmc_unseal(&key, 5, sealed, out, sizeof(out)), 0);
	assert_string_equal(out, "hunter2");
	/* A fresh nonce each time: the same password seals differently. */
	assert_int_equal(bmc_seal(&key, 5, "hunter2", again, sizeof(again)), 0);
	assert_string_not_equal(sealed, again);
	/* Another machine's row, another key, or a changed byte do not open. */
	assert_int_equal(bmc_unseal(&key, 6, sealed, out, sizeof(out)), -EBADMSG);
	assert_int_equal(bmc_unseal(&other, 5, sealed, out, sizeof(out)), -EBADMSG);
	sealed[10] = sealed[10] == 'a' ? 'b' : 'a';
	assert_int_equal(bmc_unseal(&key, 5, sealed, out, sizeof(out)), -EBADMSG);
	assert_int_equal(bmc_unseal(&key, 5, "v1:zz", out, sizeof(out)), -EBADMSG);
	assert_int_equal(bmc_unseal(&key, 5, "v2:00", out, sizeof(out)), -EBADMSG);
	assert_int_equal(bmc_unseal(&key, 5, "v1:", out, sizeof(out)), -EBADMSG);
	assert_int_equal(bmc_seal(&key, 5, "hunter2", sealed, 20), -ENOSPC);
	assert_int_equal(bmc_seal(&key, 5, "", again, sizeof(again)), 0);
	assert_int_equal(bmc_unseal(&key, 5, again, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void redfish_members_and_system_parsed(void **state)
{
	static const char systems[] =
	        "{\"Members\":[{\"@odata.id\":\"/redfish/v1/Systems/1\"}],\"Members@odata.count\":1}";
	static const char system[] =
	        "{\"PowerState\":\"On\",\"Actions\":{\"#ComputerSystem.Reset\":{"
	        "\"target\":\"/redfish/v1/Systems/1/Actions/ComputerSystem.Reset\","
	        "\"ResetType@Redfish.AllowableValues\":[\"On\",\"ForceOff\",\"Nmi\"]}}}";
	struct redfish_system sys;
	char path[REDFISH_PATH_MAX];

	(void)state;
	assert_int_equal(redfish_parse_first_member(systems, strlen(systems), path), 0);
	assert_string_equal(path, "/redfish/v1/Systems/1");
	assert_int_equal(redfish_parse_system(system, strlen(system), &sys), 0);
	assert_int_equal(sys.power, BMC_POWER_ON);
	assert_string_equal(sys.reset_target, "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset");
	assert_int_equal(sys.reset_types, REDFISH_RESET_ON | REDFISH_RESET_FORCE_OFF);
	assert_int_equal(redfish_parse_system("{\"PowerState\":\"PoweringOn\"}", 27, &sys), 0);
	assert_int_equal(sys.power, BMC_POWER_UNKNOWN);
}

static void redfish_rejects_foreign_paths(void **state)
{
	static const char *const bad_members[] = {
		"{\"Members\":[{\"@odata.id\":\"https://evil.example/redfish/v1/Systems/1\"}]}",
		"{\"Members\":[{\"@odata.id\":\"/redfish/v1/../../etc\"}]}",
		"{\"Members\":[{\"@odata.id\":\"/redfish/v1/Systems/1 HTTP/1.1\"}]}",
		"{\"Members\":[]}",
		"{\"Members\":{}}",
		"[]",
		"{\"Members\":[{\"@odata.id\":\"/redfish/v1/a\"}],\"Members\":[]}",
		"not json",
	};
	struct redfish_system sys;
	char path[REDFISH_PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_members) / sizeof(bad_members[0]); i++)
		if (redfish_parse_first_member(bad_members[i], strlen(bad_members[i]), path) !=
		    -EBADMSG)
			fail_msg("case %zu accepted: %s", i, bad_members[i]);
	assert_int_equal(redfish_parse_system("{\"Actions\":{\"#ComputerSystem.Reset\":"
	                                      "{\"target\":\"http://x/y\"}}}",
	                                      62, &sys),
	                 -EBADMSG);
}

static void names_and_addresses_checked(void **state)
{
	struct bmc_error err;
	enum bmc_action action;
	enum bmc_type type;

	(void)state;
	assert_int_equal(bmc_type_parse("redfish", &type), 0);
	assert_int_equal(type, BMC_TYPE_REDFISH);
	assert_int_equal(bmc_type_parse("IPMI", &type), -EINVAL);
	assert_int_equal(bmc_action_parse("soft-off", &action), 0);
	assert_string_equal(bmc_action_name(action), "soft-off");
	assert_int_equal(bmc_action_parse("reset", &action), -EINVAL);
	assert_int_equal(bmc_address_check(BMC_TYPE_IPMI, "bmc-1.lab.example", &err), 0);
	assert_int_equal(bmc_address_check(BMC_TYPE_IPMI, "192.0.2.7:10623", &err), 0);
	assert_int_equal(bmc_address_check(BMC_TYPE_IPMI, "192.0.2.7:0", &err), -EINVAL);
	assert_int_equal(bmc_address_check(BMC_TYPE_IPMI, "a b", &err), -EINVAL);
	assert_int_equal(bmc_address_check(BMC_TYPE_IPMI, ":623", &err), -EINVAL);
	assert_int_equal(bmc_address_check(BMC_TYPE_REDFISH, "https://192.0.2.7", &err), 0);
	assert_int_equal(bmc_address_check(BMC_TYPE_REDFISH, "https://u:p@h", &err), -EINVAL);
	assert_int_equal(bmc_address_check(BMC_TYPE_QEMU, "/run/qmp/vm.sock", &err), 0);
	assert_int_equal(bmc_address_check(BMC_TYPE_QEMU, "/run/qmp/../x", &err), -EINVAL);
	assert_int_equal(bmc_address_check(BMC_TYPE_QEMU, "", &err), -EINVAL);
}

static void qemu_socket_outside_dir_refused(void **state)
{
	struct bmc_target t = { .type = BMC_TYPE_QEMU, .timeout_ms = 200, .qmp_dir = "/run/qmp" };
	struct bmc_error err = { 0 };
	enum bmc_power power;

	(void)state;
	(void)snprintf(t.address, sizeof(t.address), "/run/other/vm.sock");
	assert_int_equal(bmc_power_status(&t, &power, &err), -EPERM);
	assert_non_null(strstr(err.message, "qmp_dir"));
	t.qmp_dir = "";
	assert_int_equal(bmc_power_status(&t, &power, &err), -EPERM);
	/* A socket in the directory that does not exist: the machine cannot be reached. */
	t.qmp_dir = "/run/qmp";
	(void)snprintf(t.address, sizeof(t.address), "/run/qmp/rackd-test-missing.sock");
	assert_int_equal(bmc_power_status(&t, &power, &err), -ECONNREFUSED);
}

static void session_limit_caps_concurrency(void **state)
{
	struct bmc_sessions *s;

	(void)state;
	assert_int_equal(bmc_sessions_new(0, &s), -EINVAL);
	assert_int_equal(bmc_sessions_new(2, &s), 0);
	assert_int_equal(bmc_sessions_acquire(s, 10), 0);
	assert_int_equal(bmc_sessions_acquire(s, 10), 0);
	assert_int_equal(bmc_sessions_active(s), 2);
	assert_int_equal(bmc_sessions_acquire(s, 50), -EBUSY);
	bmc_sessions_release(s);
	assert_int_equal(bmc_sessions_acquire(s, 10), 0);
	bmc_sessions_release(s);
	bmc_sessions_release(s);
	assert_int_equal(bmc_sessions_active(s), 0);
	bmc_sessions_free(s);
	bmc_sessions_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_file_created_0600_and_reloaded),
		cmocka_unit_test(seal_round_trip_bound_to_machine),
		cmocka_unit_test(redfish_members_and_system_parsed),
		cmocka_unit_test(redfish_rejects_foreign_paths),
		cmocka_unit_test(names_and_addresses_checked),
		cmocka_unit_test(qemu_socket_outside_dir_refused),
		cmocka_unit_test(session_limit_caps_concurrency),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
