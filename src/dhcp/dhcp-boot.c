/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-boot -- boot-file selection from options 60, 77, 93, 97 and 175.
 */
#include "dhcp/dhcp-boot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/wire.h"
#include "dhcp/dhcp-wire.h"

#define VENDOR_PXE      "PXEClient"
#define VENDOR_HTTP     "HTTPClient"
#define USER_CLASS_IPXE "iPXE"

/* Client system architectures (RFC 4578 §2.1 and the IANA registry) that rackd can boot. */
struct arch_entry {
	uint16_t code;
	const char *arch;
	const char *firmware;
	const char *tftp_file; /* binary for PXE over TFTP, NULL when none ships */
	const char *http_file; /* binary for UEFI HTTP boot, NULL when none ships */
};

static const struct arch_entry arch_table[] = {
	{ 0, "x86_64", "bios", "ipxe/undionly.kpxe", NULL },
	{ 6, "i386", "uefi", NULL, NULL },
	{ 7, "x86_64", "uefi", "ipxe/snponly.efi", "ipxe/ipxe.efi" },
	{ 9, "x86_64", "uefi", "ipxe/snponly.efi", "ipxe/ipxe.efi" },
	{ 10, "arm32", "uefi", NULL, NULL },
	{ 11, "arm64", "uefi", "ipxe/ipxe-arm64.efi", "ipxe/ipxe-arm64.efi" },
	{ 16, "x86_64", "uefi", NULL, "ipxe/ipxe.efi" },
	{ 19, "arm64", "uefi", NULL, "ipxe/ipxe-arm64.efi" },
};

static const struct arch_entry *arch_lookup(uint16_t code)
{
	for (size_t i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++) {
		if (arch_table[i].code == code)
			return &arch_table[i];
	}
	return NULL;
}

/* True when the value of option 60 starts with prefix. */
static bool vendor_class_is(const struct dhcp_message *msg, const char *prefix)
{
	const uint8_t *data;
	size_t len, plen = strlen(prefix);

	if (dhcp_message_get(msg, DHCP_OPT_VENDOR_CLASS, &data, &len) < 0)
		return false;
	return len >= plen && memcmp(data, prefix, plen) == 0;
}

/*
 * Reads the architecture from "PXEClient:Arch:NNNNN:..." (or HTTPClient),
 * the PXE 2.1 vendor class string, for clients that omit option 93.
 */
static int arch_from_vendor_class(const struct dhcp_message *msg, uint16_t *ret_code)
{
	static const char tag[] = ":Arch:";
	char vc[256];
	const char *p;
	uint32_t v = 0;
	int digits = 0;

	if (dhcp_message_get_string(msg, DHCP_OPT_VENDOR_CLASS, vc, sizeof(vc)) < 0)
		return -ENOENT;
	p = strstr(vc, tag);
	if (p == NULL)
		return -ENOENT;
	for (p += sizeof(tag) - 1; *p >= '0' && *p <= '9' && digits < 5; p++, digits++)
		v = v * 10 + (uint32_t)(*p - '0');
	if (digits != 5 || v > UINT16_MAX)
		return -ENOENT;
	*ret_code = (uint16_t)v;
	return 0;
}

/* Option 93 is a list of 16-bit types (RFC 4578 §2.1), and the first one is used. */
static uint16_t client_arch(const struct dhcp_message *msg, uint16_t fallback)
{
	const uint8_t *data;
	struct wire_reader r;
	uint16_t code;
	size_t len;

	if (dhcp_message_get(msg, DHCP_OPT_CLIENT_ARCH, &data, &len) == 0 && len >= 2 &&
	    len % 2 == 0) {
		wire_reader_init(&r, data, len);
		return wire_read_u16(&r);
	}
	if (arch_from_vendor_class(msg, &code) == 0)
		return code;
	return fallback;
}

bool dhcp_boot_is_ipxe(const struct dhcp_message *msg)
{
	const size_t name_len = strlen(USER_CLASS_IPXE);
	const uint8_t *data;
	struct wire_reader r;
	size_t len;

	if (dhcp_message_has(msg, DHCP_OPT_IPXE_ENCAP))
		return true;
	if (dhcp_message_get(msg, DHCP_OPT_USER_CLASS, &data, &len) < 0)
		return false;
	/* iPXE sends the bare string, not the RFC 3004 list of length-prefixed names. */
	if (len == name_len && memcmp(data, USER_CLASS_IPXE, name_len) == 0)
		return true;
	wire_reader_init(&r, data, len);
	while (wire_remaining(&r) > 0) {
		uint8_t n = wire_read_u8(&r);
		const uint8_t *name = wire_read_span(&r, n);

		if (name == NULL)
			return false;
		if (n == name_len && memcmp(name, USER_CLASS_IPXE, name_len) == 0)
			return true;
	}
	return false;
}

/*
 * Formats option 97 (type 0, then 16 bytes, RFC 4578 §2.3) as 8-4-4-4-12.
 * The 16 bytes are a GUID in EFI layout, whose first three fields are
 * little-endian: iPXE converts its SMBIOS UUID to that layout before sending,
 * and EDK2 sends the EFI_GUID as stored. Swapping them back gives the UUID
 * that dmidecode and QEMU's -uuid print.
 */
static void client_uuid(const struct dhcp_message *msg, char buf[DHCP_BOOT_UUID_STRLEN])
{
	const uint8_t *data;
	struct wire_reader r;
	uint8_t u[16];
	size_t len;

	buf[0] = '\0';
	if (dhcp_message_get(msg, DHCP_OPT_CLIENT_UUID, &data, &len) < 0 || len != 17)
		return;
	wire_reader_init(&r, data, len);
	if (wire_read_u8(&r) != 0)
		return;
	wire_read_bytes(&r, u, sizeof(u));
	(void)snprintf(buf, DHCP_BOOT_UUID_STRLEN,
	               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[3],
	               u[2], u[1], u[0], u[5], u[4], u[7], u[6], u[8], u[9], u[10], u[11], u[12],
	               u[13], u[14], u[15]);
}

/* Length of the public URL without trailing slashes, so paths join with one '/'. */
static int base_url_len(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return n > DHCP_BOOT_FILENAME_MAX ? DHCP_BOOT_FILENAME_MAX : (int)n;
}

static int format_ipxe_url(const struct dhcp_boot_params *params, struct dhcp_boot *boot)
{
	int n;

	n = snprintf(boot->filename, sizeof(boot->filename),
	             "%.*s/boot/ipxe?mac=%s&arch=%s&firmware=%s%s%s",
	             base_url_len(params->public_url), params->public_url, boot->mac, boot->arch,
	             boot->firmware, boot->uuid[0] ? "&uuid=" : "", boot->uuid);
	/* Option 67 carries at most 255 bytes. */
	if (n < 0 || (size_t)n >= sizeof(boot->filename))
		return -ENAMETOOLONG;
	return 0;
}

static int format_http_url(const struct dhcp_boot_params *params, const char *file,
                           struct dhcp_boot *boot)
{
	int n;

	n = snprintf(boot->filename, sizeof(boot->filename), "%.*s/boot/assets/%s",
	             base_url_len(params->public_url), params->public_url, file);
	if (n < 0 || (size_t)n >= sizeof(boot->filename))
		return -ENAMETOOLONG;
	return 0;
}

int dhcp_boot_select(const struct dhcp_boot_params *params, const struct dhcp_message *msg,
                     struct dhcp_boot *ret_boot)
{
	const struct arch_entry *entry;
	struct dhcp_boot boot = { .kind = DHCP_BOOT_NONE };
	bool ipxe = dhcp_boot_is_ipxe(msg);
	bool pxe = vendor_class_is(msg, VENDOR_PXE);
	bool http = vendor_class_is(msg, VENDOR_HTTP);
	int ret = 0;

	if (!ipxe && !pxe && !http) {
		*ret_boot = boot;
		return 0;
	}

	/* PXE 2.1 clients without option 93 are x86 BIOS, and HTTP boot ones x64 UEFI. */
	boot.arch_code = client_arch(msg, http ? 16 : 0);
	entry = arch_lookup(boot.arch_code);
	if (entry == NULL)
		return -EOPNOTSUPP;
	boot.arch = entry->arch;
	boot.firmware = entry->firmware;
	client_uuid(msg, boot.uuid);
	addr_format_mac(msg->chaddr, boot.mac);

	/* iPXE is checked first: it also sends "PXEClient", and must never get itself again. */
	if (ipxe) {
		boot.kind = DHCP_BOOT_IPXE;
		boot.ipxe_no_pxedhcp = true;
		ret = format_ipxe_url(params, &boot);
	} else if (http) {
		if (entry->http_file == NULL)
			return -EOPNOTSUPP;
		boot.kind = DHCP_BOOT_HTTP;
		boot.echo_http_client = true;
		ret = format_http_url(params, entry->http_file, &boot);
	} else {
		if (entry->tftp_file == NULL)
			return -EOPNOTSUPP;
		boot.kind = DHCP_BOOT_PXE;
		boot.siaddr = params->tftp_address;
		(void)snprintf(boot.filename, sizeof(boot.filename), "%s", entry->tftp_file);
	}
	if (ret < 0)
		return ret;
	*ret_boot = boot;
	return 0;
}
