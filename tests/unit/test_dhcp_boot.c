/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/dhcp/dhcp-boot: boot file choice per client kind and architecture. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#include <cmocka.h>
/* clang-format on */

#include "dhcp-packet.h"
#include "dhcp/dhcp-boot.h"
#include "dhcp/dhcp-wire.h"

static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t uuid_opt[17] = { 0,    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
	                              0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static const struct dhcp_boot_params params = {
	.public_url = "http://192.0.2.1:8080",
	.tftp_address = 0xc0000201,
};

/* Client options for one test; NULL or negative leaves an option out. */
struct client {
	const char *vendor_class;
	int arch; /* option 93, -1 for none */
	const void *user_class;
	size_t user_class_len;
	bool ipxe_encap;
	const uint8_t *uuid;
	size_t uuid_len;
};

static struct dhcp_message *client_message(const struct client *c)
{
	struct dhcp_message *msg = malloc(sizeof(*msg));
	struct test_packet p;
	size_t len;

	assert_non_null(msg);
	test_packet_start(&p, DHCP_DISCOVER, mac1);
	if (c->vendor_class)
		test_packet_string(&p, DHCP_OPT_VENDOR_CLASS, c->vendor_class);
	if (c->arch >= 0)
		test_packet_option(&p, DHCP_OPT_CLIENT_ARCH, (uint8_t[]){ 0, (uint8_t)c->arch }, 2);
	if (c->user_class)
		test_packet_option(&p, DHCP_OPT_USER_CLASS, c->user_class, c->user_class_len);
	if (c->ipxe_encap)
		test_packet_option(&p, DHCP_OPT_IPXE_ENCAP, (uint8_t[]){ 19, 1, 1 }, 3);
	if (c->uuid)
		test_packet_option(&p, DHCP_OPT_CLIENT_UUID, c->uuid, c->uuid_len);
	len = test_packet_end(&p);
	assert_int_equal(dhcp_message_parse(p.buf, len, msg), 0);
	return msg;
}

static int select_for(const struct client *c, struct dhcp_boot *boot)
{
	struct dhcp_message *msg = client_message(c);
	int ret = dhcp_boot_select(&params, msg, boot);

	free(msg);
	return ret;
}

static void plain_clients_get_nothing(void **state)
{
	struct client udhcpc = { .vendor_class = "udhcp 1.35.0", .arch = -1 };
	struct client dhclient = { .arch = -1 };
	struct dhcp_boot boot;

	(void)state;
	assert_int_equal(select_for(&udhcpc, &boot), 0);
	assert_int_equal(boot.kind, DHCP_BOOT_NONE);
	assert_int_equal(select_for(&dhclient, &boot), 0);
	assert_int_equal(boot.kind, DHCP_BOOT_NONE);
}

static void qemu_bios_rom_is_ipxe(void **state)
{
	/* What QEMU's NIC ROM sends: it is iPXE, so it gets the script, never itself. */
	struct client rom = { .vendor_class = "PXEClient:Arch:00000:UNDI:002001",
		              .arch = 0,
		              .user_class = "iPXE",
		              .user_class_len = 4,
		              .ipxe_encap = true,
		              .uuid = uuid_opt,
		              .uuid_len = sizeof(uuid_opt) };
	struct dhcp_boot boot;

	(void)state;
	assert_int_equal(select_for(&rom, &boot), 0);
	assert_int_equal(boot.kind, DHCP_BOOT_IPXE);
	assert_true(boot.ipxe_no_pxedhcp);
	assert_false(boot.echo_http_client);
	assert_int_equal(boot.siaddr, 0);
	assert_string_equal(boot.arch, "x86_64");
	assert_string_equal(boot.firmware, "bios");
	assert_string_equal(boot.uuid, "78563412-bc9a-f0de-0123-456789abcdef");
	assert_string_equal(boot.filename,
	                    "http://192.0.2.1:8080/boot/ipxe?mac=52:54:00:12:34:56&arch=x86_64"
	                    "&firmware=bios&uuid=78563412-bc9a-f0de-0123-456789abcdef");
}

static void ovmf_pxe_gets_snponly(void **state)
{
	struct client ovmf = { .vendor_class = "PXEClient:Arch:00007:UNDI:003000",
		               .arch = 7,
		               .uuid = uuid_opt,
		               .uuid_len = sizeof(uuid_opt) };
	struct dhcp_boot boot;

	(void)state;
	assert_int_equal(select_for(&ovmf, &boot), 0);
	assert_int_equal(boot.kind, DHCP_BOOT_PXE);
	assert_string_equal(boot.filename, "ipxe/snponly.efi");
	assert_int_equal(boot.siaddr, params.tftp_address);
	assert_false(boot.ipxe_no_pxedhcp);
	assert_string_equal(boot.firmware, "uefi");
}

static void pxe_binaries_per_arch(void **state)
{
	static const struct {
		int arch;
		const char *file;
	} cases[] = {
		{ 0, "ipxe/undionly.kpxe" },
		{ 7, "ipxe/snponly.efi" },
		{ 9, "ipxe/snponly.efi" },
		{ 11, "ipxe/ipxe-arm64.efi" },
	};
	struct dhcp_boot boot;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct client c = { .vendor_class = "PXEClient", .arch = cases[i].arch };

		assert_int_equal(select_for(&c, &boot), 0);
		assert_int_equal(boot.kind, DHCP_BOOT_PXE);
		assert_string_equal(boot.filename, cases[i].file);
	}
}

static void pxe_arch_without_binary(void **state)
{
	struct client ia32 = { .vendor_class = "PXEClient", .arch = 6 };
	struct client arm32 = { .vendor_class = "PXEClient", .arch = 10 };
	struct client unknown = { .vendor_class = "PXEClient", .arch = 42 };
	struct dhcp_boot boot = { .kind = DHCP_BOOT_IPXE };

	(void)state;
	assert_int_equal(select_for(&ia32, &boot), -EOPNOTSUPP);
	assert_int_equal(select_for(&arm32, &boot), -EOPNOTSUPP);
	assert_int_equal(select_for(&unknown, &boot), -EOPNOTSUPP);
	/* The out-parameter stays untouched on failure. */
	assert_int_equal(boot.kind, DHCP_BOOT_IPXE);
}

static void arch_from_vendor_class(void **state)
{
	struct client c = { .vendor_class = "PXEClient:Arch:00009:UNDI:003016", .arch = -1 };
	struct client bare = { .vendor_class = "PXEClient", .arch = -1 };
	struct dhcp_boot boot;

	(void)state;
	assert_int_equal(select_for(&c, &boot), 0);
	assert_int_equal(boot.arch_code, 9);
	assert_string_equal(boot.filename, "ipxe/snponly.efi");
	/* PXE without option 93 or an Arch field is x86 BIOS. */
	assert_int_equal(select_for(&bare, &boot), 0);
	assert_int_equal(boot.arch_code, 0);
	assert_string_equal(boot.filename, "ipxe/undionly.kpxe");
}

static void snponly_after_tftp_gets_script(void **state)
{
	struct client c = { .vendor_class = "PXEClient:Arch:00007:UNDI:003010",
		            .arch = 7,
		            .user_class = "iPXE",
		            .user_class_len = 4,
		            .ipxe_encap = true };
	struct dhcp_boot boot;

	(void)state;
	assert_int_equal(select_for(&c, &boot), 0);
	assert_int_equal(boot.kind, DHCP_BOOT_IPXE);
	assert_string_equal(boot.filename, "http://192.0.2.1:8080/boot/ipxe?mac=52:54:00:12:34:56"
	                                   "&arch=x86_64&firmware=uefi");
}

static void http_boot_gets_url(void **state)
{
	struct client x64 = { .vendor_class = "HTTPClient:Arch:00016:UNDI:003000", .arch = 16 };
	struct client arm = { .vendor_class = "HTTPClient", .arch = 19 };
	struct client ia32 = { .vendor_class = "HTTPClient", .arch = 15 };
	struct dhcp_boot boot;

	(void)state;
	assert_int_equal(select_for(&x64, &boot), 0);
	assert_int_equal(boot.kind, DHCP_BOOT_HTTP);
	assert_true(boot.echo_http_client);
	assert_int_equal(boot.siaddr, 0);
	assert_string_equal(boot.filename, "http://192.0.2.1:8080/boot/assets/ipxe/ipxe.efi");
	assert_int_equal(select_for(&arm, &boot), 0);
	assert_string_equal(boot.filename, "http://192.0.2.1:8080/boot/assets/ipxe/ipxe-arm64.efi");
	assert_string_equal(boot.arch, "arm64");
	assert_int_equal(select_for(&ia32, &boot), -EOPNOTSUPP);
}

static void user_class_forms(void **state)
{
	struct client rfc3004 = { .arch = 0, .user_class = "\x04iPXE", .user_class_len = 5 };
	struct client listed = { .arch = 0,
		                 .user_class = "\x03"
		                               "abc\x04iPXE",
		                 .user_class_len = 9 };
	struct client longer = { .arch = 0, .user_class = "iPXEx", .user_class_len = 5 };
	struct client truncated = { .arch = 0, .user_class = "\x09iPXE", .user_class_len = 5 };
	struct client encap_only = { .arch = 0, .ipxe_encap = true };
	struct dhcp_message *msg;

	(void)state;
	msg = client_message(&rfc3004);
	assert_true(dhcp_boot_is_ipxe(msg));
	free(msg);
	msg = client_message(&listed);
	assert_true(dhcp_boot_is_ipxe(msg));
	free(msg);
	msg = client_message(&longer);
	assert_false(dhcp_boot_is_ipxe(msg));
	free(msg);
	msg = client_message(&truncated);
	assert_false(dhcp_boot_is_ipxe(msg));
	free(msg);
	msg = client_message(&encap_only);
	assert_true(dhcp_boot_is_ipxe(msg));
	free(msg);
}

static void uuid_needs_type_zero(void **state)
{
	uint8_t typed[17];
	struct client wrong_type = { .arch = 0,
		                     .user_class = "iPXE",
		                     .user_class_len = 4,
		                     .uuid = typed,
		                     .uuid_len = sizeof(typed) };
	struct client short_uuid = { .arch = 0,
		                     .user_class = "iPXE",
		                     .user_class_len = 4,
		                     .uuid = uuid_opt,
		                     .uuid_len = 16 };
	struct dhcp_boot boot;

	(void)state;
	memcpy(typed, uuid_opt, sizeof(typed));
	typed[0] = 1;
	assert_int_equal(select_for(&wrong_type, &boot), 0);
	assert_string_equal(boot.uuid, "");
	assert_null(strstr(boot.filename, "uuid="));
	assert_int_equal(select_for(&short_uuid, &boot), 0);
	assert_string_equal(boot.uuid, "");
}

static void url_limits(void **state)
{
	char url[300];
	struct dhcp_boot_params long_params = { .public_url = url };
	struct dhcp_boot_params slash = { .public_url = "http://192.0.2.1:8080//" };
	struct client c = { .arch = 0, .user_class = "iPXE", .user_class_len = 4 };
	struct client http = { .vendor_class = "HTTPClient", .arch = 16 };
	struct dhcp_message *msg = client_message(&c);
	struct dhcp_message *http_msg = client_message(&http);
	struct dhcp_boot boot;

	(void)state;
	memset(url, 'a', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	assert_int_equal(dhcp_boot_select(&long_params, msg, &boot), -ENAMETOOLONG);
	assert_int_equal(dhcp_boot_select(&long_params, http_msg, &boot), -ENAMETOOLONG);
	assert_int_equal(dhcp_boot_select(&slash, http_msg, &boot), 0);
	assert_string_equal(boot.filename, "http://192.0.2.1:8080/boot/assets/ipxe/ipxe.efi");
	free(msg);
	free(http_msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_clients_get_nothing),
		cmocka_unit_test(qemu_bios_rom_is_ipxe),
		cmocka_unit_test(ovmf_pxe_gets_snponly),
		cmocka_unit_test(pxe_binaries_per_arch),
		cmocka_unit_test(pxe_arch_without_binary),
		cmocka_unit_test(arch_from_vendor_class),
		cmocka_unit_test(snponly_after_tftp_gets_script),
		cmocka_unit_test(http_boot_gets_url),
		cmocka_unit_test(user_class_forms),
		cmocka_unit_test(uuid_needs_type_zero),
		cmocka_unit_test(url_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
