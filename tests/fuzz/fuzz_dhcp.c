/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dhcp -- libFuzzer target for the DHCPv4 parser: parses the input,
 * reads every option through the typed accessors, runs boot selection, and
 * builds a reply that must parse again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp-boot.h"
#include "dhcp/dhcp-lease.h"
#include "dhcp/dhcp-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_options(const struct dhcp_message *msg)
{
	enum dhcp_message_type type;
	struct dhcp_client_id id;
	const uint8_t *value;
	char text[256];
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;
	size_t len;

	for (size_t i = 0; i < msg->n_codes; i++) {
		uint8_t code = msg->codes[i];

		if (dhcp_message_get(msg, code, &value, &len) != 0)
			abort();
		(void)dhcp_message_get_u8(msg, code, &v8);
		(void)dhcp_message_get_u16(msg, code, &v16);
		(void)dhcp_message_get_u32(msg, code, &v32);
		(void)dhcp_message_get_string(msg, code, text, sizeof(text));
	}
	(void)dhcp_message_get_type(msg, &type);
	(void)dhcp_message_reply_limit(msg);
	if (dhcp_message_get(msg, DHCP_OPT_CLIENT_ID, &value, &len) == 0)
		(void)dhcp_client_id_set(value, len, msg->chaddr, &id);
}

/* Builds an OFFER to msg, as the server would, and checks that it parses. */
static void build_reply(const struct dhcp_message *msg, const struct dhcp_boot *boot)
{
	static const uint32_t dns[] = { 0xc0000201, 0xc0000202 };
	struct dhcp_reply *reply = malloc(sizeof(*reply));
	struct dhcp_message *check = malloc(sizeof(*check));
	uint8_t buf[DHCP_REPLY_MAX];
	const uint8_t *prl = NULL, *id;
	size_t prl_len = 0, id_len;
	int len;

	if (reply == NULL || check == NULL)
		abort();
	dhcp_reply_init(reply, msg, DHCP_OFFER);
	dhcp_reply_add_addr(reply, DHCP_OPT_SERVER_ID, 0xc0000201, true);
	dhcp_reply_add_u32(reply, DHCP_OPT_LEASE_TIME, 3600, true);
	if (dhcp_message_get(msg, DHCP_OPT_CLIENT_ID, &id, &id_len) == 0)
		dhcp_reply_add(reply, DHCP_OPT_CLIENT_ID, id, id_len, true);
	dhcp_reply_add_addr(reply, DHCP_OPT_SUBNET_MASK, 0xffffff00, false);
	dhcp_reply_add_addrs(reply, DHCP_OPT_DNS, dns, 2);
	dhcp_reply_add_string(reply, DHCP_OPT_DOMAIN, "lab.example");
	if (boot->kind != DHCP_BOOT_NONE)
		dhcp_reply_add_string(reply, DHCP_OPT_BOOTFILE, boot->filename);
	(void)dhcp_message_get(msg, DHCP_OPT_PARAMETER_LIST, &prl, &prl_len);
	len = dhcp_reply_build(reply, prl, prl_len, dhcp_message_reply_limit(msg), buf,
	                       sizeof(buf));
	if (len > 0 && dhcp_message_parse(buf, (size_t)len, check) != 0)
		abort();
	free(check);
	free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dhcp_boot_params params = {
		.public_url = "http://192.0.2.1:8080",
		.tftp_address = 0xc0000201,
	};
	struct dhcp_message *msg = malloc(sizeof(*msg));
	struct dhcp_boot boot = { .kind = DHCP_BOOT_NONE };

	if (msg == NULL)
		return 0;
	if (dhcp_message_parse(data, size, msg) == 0) {
		read_options(msg);
		(void)dhcp_boot_select(&params, msg, &boot);
		build_reply(msg, &boot);
	}
	free(msg);
	return 0;
}
