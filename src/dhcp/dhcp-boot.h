/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-boot -- which boot file a DHCP client gets: the iPXE script URL for
 * iPXE, an iPXE binary over TFTP for PXE firmware, an iPXE binary over HTTP
 * for UEFI HTTP boot, nothing for other clients. Pure policy: reads a parsed
 * message, writes a decision, does no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"

struct dhcp_message;

#define DHCP_BOOT_FILENAME_MAX 256 /* option 67 is at most 255 bytes, plus NUL */
#define DHCP_BOOT_UUID_STRLEN  37  /* 8-4-4-4-12 hex digits, plus NUL */

enum dhcp_boot_kind {
	DHCP_BOOT_NONE, /* not a network-boot client: no boot options */
	DHCP_BOOT_PXE,  /* PXE firmware: siaddr, file, options 66 and 67 */
	DHCP_BOOT_HTTP, /* UEFI HTTP boot: URL in option 67, "HTTPClient" in option 60 */
	DHCP_BOOT_IPXE, /* iPXE: script URL in option 67, option 175 */
};

struct dhcp_boot_params {
	const char *public_url; /* base URL of the HTTP server, e.g. http://192.0.2.1:8080 */
	uint32_t tftp_address;  /* siaddr and option 66 for PXE clients */
};

struct dhcp_boot {
	enum dhcp_boot_kind kind;
	uint16_t arch_code;               /* option 93 (RFC 4578), or from option 60, or 0 */
	const char *arch;                 /* "x86_64", "arm64", "i386", "arm32" (static strings) */
	const char *firmware;             /* "bios" or "uefi" (static string) */
	char uuid[DHCP_BOOT_UUID_STRLEN]; /* from option 97, "" when absent */
	char mac[ADDR_MAC_STRLEN];
	char filename[DHCP_BOOT_FILENAME_MAX]; /* option 67, and the file field for PXE */
	uint32_t siaddr;                       /* PXE: the TFTP server; 0 otherwise */
	bool echo_http_client;                 /* send option 60 "HTTPClient" */
	bool ipxe_no_pxedhcp;                  /* send option 175 with 176 = 1 */
};

/* True when option 77 names iPXE (RFC 3004 list or the bare string) or option 175 is present. */
bool dhcp_boot_is_ipxe(const struct dhcp_message *msg);

/*
 * Chooses the boot reply for msg. Returns 0 with kind DHCP_BOOT_NONE for
 * clients that are not network-booting; -EOPNOTSUPP for a PXE or HTTP boot
 * client whose architecture has no iPXE binary; -ENAMETOOLONG when a URL
 * does not fit in option 67. *ret_boot is written only on success.
 */
int dhcp_boot_select(const struct dhcp_boot_params *params, const struct dhcp_message *msg,
                     struct dhcp_boot *ret_boot);
