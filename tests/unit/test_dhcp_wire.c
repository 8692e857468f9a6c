/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/dhcp/dhcp-wire: parsing, option walking, overload, replies. */
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
#include "dhcp/dhcp-wire.h"

static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* struct dhcp_message is large; tests keep it on the heap. */
static struct dhcp_message *parse_ok(const void *buf, size_t len)
{
	struct dhcp_message *msg = malloc(sizeof(*msg));

	assert_non_null(msg);
	assert_int_equal(dhcp_message_parse(buf, len, msg), 0);
	return msg;
}

static int parse_ret(const void *buf, size_t len)
{
	struct dhcp_message *msg = malloc(sizeof(*msg));
	int ret;

	assert_non_null(msg);
	ret = dhcp_message_parse(buf, len, msg);
	free(msg);
	return ret;
}

static void parse_discover_header(void **state)
{
	struct test_packet p;
	struct test_header h = { .xid = 0xdeadbeef,
		                 .flags = DHCP_FLAG_BROADCAST,
		                 .ciaddr = 0xc0000264,
		                 .giaddr = 0xc6336401 };
	enum dhcp_message_type type;
	struct dhcp_message *msg;
	size_t len;

	(void)state;
	memcpy(h.mac, mac1, 6);
	test_packet_header(&p, &h);
	test_packet_option(&p, DHCP_OPT_MESSAGE_TYPE, (uint8_t[]){ DHCP_DISCOVER }, 1);
	len = test_packet_end(&p);
	msg = parse_ok(p.buf, len);
	assert_int_equal(msg->op, DHCP_OP_BOOTREQUEST);
	assert_int_equal(msg->htype, 1);
	assert_int_equal(msg->hlen, 6);
	assert_int_equal(msg->xid, 0xdeadbeef);
	assert_int_equal(msg->flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(msg->ciaddr, 0xc0000264);
	assert_int_equal(msg->giaddr, 0xc6336401);
	assert_memory_equal(msg->chaddr, mac1, 6);
	assert_int_equal(dhcp_message_get_type(msg, &type), 0);
	assert_int_equal(type, DHCP_DISCOVER);
	assert_string_equal(dhcp_message_type_name(type), "DISCOVER");
	free(msg);
}

static void parse_rejects_short_and_bad_cookie(void **state)
{
	struct test_packet p;
	size_t len;

	(void)state;
	test_packet_start(&p, DHCP_DISCOVER, mac1);
	len = test_packet_end(&p);
	assert_int_equal(parse_ret(p.buf, DHCP_OPTIONS_OFF - 1), -EBADMSG);
	assert_int_equal(parse_ret(p.buf, 0), -EBADMSG);
	/* Without options at all the message still parses (it is BOOTP-sized). */
	assert_int_equal(parse_ret(p.buf, DHCP_OPTIONS_OFF), 0);
	p.buf[DHCP_FIXED_LEN] ^= 0xff;
	assert_int_equal(parse_ret(p.buf, len), -EBADMSG);
}

static void parse_rejects_long_hlen(void **state)
{
	struct test_packet p;
	struct test_header h = { .hlen = 17 };
	size_t len;

	(void)state;
	test_packet_header(&p, &h);
	len = test_packet_end(&p);
	assert_int_equal(parse_ret(p.buf, len), -EBADMSG);
}

static void parse_rejects_option_overrun(void **state)
{
	struct test_packet p;
	size_t len;

	(void)state;
	test_packet_start(&p, DHCP_DISCOVER, mac1);
	wire_write_u8(&p.w, DHCP_OPT_HOSTNAME);
	wire_write_u8(&p.w, 10);
	wire_write_bytes(&p.w, "abc", 3);
	len = wire_writer_len(&p.w);
	assert_int_equal(parse_ret(p.buf, len), -EBADMSG);
	/* A code byte with no length byte after it is truncated too. */
	assert_int_equal(parse_ret(p.buf, DHCP_OPTIONS_OFF + 4), -EBADMSG);
}

static void parse_accepts_missing_end_and_pads(void **state)
{
	struct test_packet p;
	struct dhcp_message *msg;
	char name[16];
	size_t len;

	(void)state;
	test_packet_start(&p, DHCP_DISCOVER, mac1);
	wire_write_zeros(&p.w, 5);
	test_packet_string(&p, DHCP_OPT_HOSTNAME, "node1");
	len = wire_writer_len(&p.w);
	msg = parse_ok(p.buf, len);
	assert_int_equal(dhcp_message_get_string(msg, DHCP_OPT_HOSTNAME, name, sizeof(name)), 0);
	assert_string_equal(name, "node1");
	free(msg);
}

static void parse_ignores_bytes_after_end(void **state)
{
	struct test_packet p;
	struct dhcp_message *msg;
	size_t len;

	(void)state;
	test_packet_start(&p, DHCP_DISCOVER, mac1);
	test_packet_end(&p);
	/* Garbage after END, as in padded or sloppy clients, is not parsed. */
	wire_write_u8(&p.w, DHCP_OPT_HOSTNAME);
	wire_write_u8(&p.w, 200);
	len = wire_writer_len(&p.w);
	msg = parse_ok(p.buf, len);
	assert_false(dhcp_message_has(msg, DHCP_OPT_HOSTNAME));
	free(msg);
}

static void parse_concatenates_repeated_options(void **state)
{
	struct test_packet p;
	struct dhcp_message *msg;
	const uint8_t *data;
	char name[32];
	size_t len, n;

	(void)state;
	test_packet_start(&p, DHCP_DISCOVER, mac1);
	test_packet_string(&p, DHCP_OPT_HOSTNAME, "rack1-");
	test_packet_option(&p, DHCP_OPT_PARAMETER_LIST, (uint8_t[]){ 1, 3 }, 2);
	test_packet_string(&p, DHCP_OPT_HOSTNAME, "node7");
	test_packet_option(&p, DHCP_OPT_PARAMETER_LIST, (uint8_t[]){ 6 }, 1);
	len = test_packet_end(&p);
	msg = parse_ok(p.buf, len);
	assert_int_equal(dhcp_message_get_string(msg, DHCP_OPT_HOSTNAME, name, sizeof(name)), 0);
	assert_string_equal(name, "rack1-node7");
	assert_int_equal(dhcp_message_get(msg, DHCP_OPT_PARAMETER_LIST, &data, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(data, ((uint8_t[]){ 1, 3, 6 }), 3);
	/* Codes are listed once, in order of first appearance. */
	assert_int_equal(msg->n_codes, 3);
	assert_int_equal(msg->codes[0], DHCP_OPT_MESSAGE_TYPE);
	assert_int_equal(msg->codes[1], DHCP_OPT_HOSTNAME);
	assert_int_equal(msg->codes[2], DHCP_OPT_PARAMETER_LIST);
	free(msg);
}

static void parse_overload_file_and_sname(void **state)
{
	uint8_t file[DHCP_FILE_LEN] = { 0 }, sname[DHCP_SNAME_LEN] = { 0 };
	struct test_packet p;
	struct test_header h = { .file = file, .sname = sname };
	struct dhcp_message *msg;
	uint32_t addr;
	char name[32];
	size_t len;

	(void)state;
	/* file: hostname "ab" then 50 = 192.0.2.9; sname: hostname "cd" continues it. */
	memcpy(file,
	       "\x0c\x02"
	       "ab"
	       "\x32\x04\xc0\x00\x02\x09\xff",
	       11);
	memcpy(sname,
	       "\x0c\x02"
	       "cd"
	       "\xff",
	       5);
	memcpy(h.mac, mac1, 6);
	test_packet_header(&p, &h);
	test_packet_option(&p, DHCP_OPT_MESSAGE_TYPE, (uint8_t[]){ DHCP_REQUEST }, 1);
	test_packet_option(&p, DHCP_OPT_OVERLOAD, (uint8_t[]){ 3 }, 1);
	test_packet_string(&p, DHCP_OPT_HOSTNAME, "x-");
	len = test_packet_end(&p);
	msg = parse_ok(p.buf, len);
	assert_int_equal(msg->overload, 3);
	assert_int_equal(dhcp_message_get_addr(msg, DHCP_OPT_REQUESTED_ADDRESS, &addr), 0);
	assert_int_equal(addr, 0xc0000209);
	/* RFC 3396 order: options field, then file, then sname. */
	assert_int_equal(dhcp_message_get_string(msg, DHCP_OPT_HOSTNAME, name, sizeof(name)), 0);
	assert_string_equal(name, "x-abcd");
	assert_int_equal(msg->file[0], 0);
	assert_int_equal(msg->sname[0], 0);
	free(msg);
}

static void parse_without_overload_keeps_file(void **state)
{
	uint8_t file[DHCP_FILE_LEN] = { 0 };
	struct test_packet p;
	struct test_header h = { .file = file };
	struct dhcp_message *msg;
	size_t len;

	(void)state;
	memcpy(file,
	       "\x0c\x02"
	       "ab",
	       4);
	test_packet_header(&p, &h);
	test_packet_option(&p, DHCP_OPT_MESSAGE_TYPE, (uint8_t[]){ DHCP_DISCOVER }, 1);
	len = test_packet_end(&p);
	msg = parse_ok(p.buf, len);
	assert_false(dhcp_message_has(msg, DHCP_OPT_HOSTNAME));
	assert_memory_equal(msg->file, file, sizeof(file));
	free(msg);
}

static void parse_rejects_bad_overload(void **state)
{
	uint8_t file[DHCP_FILE_LEN] = { 0 };
	struct test_packet p;
	struct test_header h = { .file = file };
	size_t len;

	(void)state;
	test_packet_header(&p, &h);
	test_packet_option(&p, DHCP_OPT_OVERLOAD, (uint8_t[]){ 4 }, 1);
	len = test_packet_end(&p);
	assert_int_equal(parse_ret(p.buf, len), -EBADMSG);

	test_packet_header(&p, &h);
	test_packet_option(&p, DHCP_OPT_OVERLOAD, (uint8_t[]){ 1, 1 }, 2);
	len = test_packet_end(&p);
	assert_int_equal(parse_ret(p.buf, len), -EBADMSG);

	/* An overloaded file field whose TLV runs past its 128 bytes. */
	file[0] = DHCP_OPT_HOSTNAME;
	file[1] = 200;
	test_packet_header(&p, &h);
	test_packet_option(&p, DHCP_OPT_OVERLOAD, (uint8_t[]){ 1 }, 1);
	len = test_packet_end(&p);
	assert_int_equal(parse_ret(p.buf, len), -EBADMSG);
}

static void parse_caps_option_count(void **state)
{
	struct test_packet p;
	size_t len;

	(void)state;
	test_packet_start(&p, DHCP_DISCOVER, mac1);
	for (int i = 0; i < DHCP_OPTIONS_MAX; i++)
		test_packet_option(&p, 224, NULL, 0);
	len = test_packet_end(&p);
	assert_int_equal(parse_ret(p.buf, len), -E2BIG);
	assert_int_equal(parse_ret(p.buf, DHCP_PACKET_MAX + 1), -E2BIG);
}

static void accessors_check_lengths(void **state)
{
	struct test_packet p;
	struct dhcp_message *msg;
	uint32_t v32 = 7;
	uint16_t v16 = 7;
	uint8_t v8 = 7;
	char buf[8];
	size_t len;

	(void)state;
	test_packet_start(&p, DHCP_DISCOVER, mac1);
	test_packet_option(&p, DHCP_OPT_REQUESTED_ADDRESS, (uint8_t[]){ 192, 0, 2 }, 3);
	test_packet_option(&p, DHCP_OPT_MAX_MESSAGE_SIZE, (uint8_t[]){ 0x05, 0xdc }, 2);
	test_packet_option(&p, DHCP_OPT_HOSTNAME, "ab\0\0", 4);
	test_packet_option(&p, DHCP_OPT_DOMAIN, "a\0b", 3);
	test_packet_string(&p, DHCP_OPT_VENDOR_CLASS, "0123456789");
	len = test_packet_end(&p);
	msg = parse_ok(p.buf, len);
	assert_int_equal(dhcp_message_get_addr(msg, DHCP_OPT_REQUESTED_ADDRESS, &v32), -EBADMSG);
	assert_int_equal(v32, 7);
	assert_int_equal(dhcp_message_get_u32(msg, DHCP_OPT_SERVER_ID, &v32), -ENOENT);
	assert_int_equal(dhcp_message_get_u16(msg, DHCP_OPT_MAX_MESSAGE_SIZE, &v16), 0);
	assert_int_equal(v16, 1500);
	assert_int_equal(dhcp_message_get_u8(msg, DHCP_OPT_MAX_MESSAGE_SIZE, &v8), -EBADMSG);
	/* Trailing NULs are dropped; embedded ones make the string invalid. */
	assert_int_equal(dhcp_message_get_string(msg, DHCP_OPT_HOSTNAME, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ab");
	assert_int_equal(dhcp_message_get_string(msg, DHCP_OPT_DOMAIN, buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(dhcp_message_get_string(msg, DHCP_OPT_VENDOR_CLASS, buf, sizeof(buf)),
	                 -ENOSPC);
	free(msg);
}

static void message_type_range(void **state)
{
	static const uint8_t bad[] = { 0, 9, 255 };
	enum dhcp_message_type type;
	struct test_packet p;
	struct dhcp_message *msg;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad); i++) {
		test_packet_start(&p, bad[i], mac1);
		len = test_packet_end(&p);
		msg = parse_ok(p.buf, len);
		assert_int_equal(dhcp_message_get_type(msg, &type), -EBADMSG);
		free(msg);
	}
	assert_string_equal(dhcp_message_type_name((enum dhcp_message_type)9), "UNKNOWN");
}

static size_t limit_for(int max_size)
{
	struct test_packet p;
	struct dhcp_message *msg;
	size_t len, limit;

	test_packet_start(&p, DHCP_DISCOVER, mac1);
	if (max_size >= 0)
		test_packet_option(&p, DHCP_OPT_MAX_MESSAGE_SIZE,
		                   (uint8_t[]){ (uint8_t)(max_size >> 8), (uint8_t)max_size }, 2);
	len = test_packet_end(&p);
	msg = parse_ok(p.buf, len);
	limit = dhcp_message_reply_limit(msg);
	free(msg);
	return limit;
}

static void reply_limit_from_option_57(void **state)
{
	(void)state;
	assert_int_equal(limit_for(-1), 548);
	assert_int_equal(limit_for(1500), 1472);
	assert_int_equal(limit_for(1000), 972);
	/* Below the RFC 2132 minimum of 576 the option is ignored. */
	assert_int_equal(limit_for(400), 548);
	assert_int_equal(limit_for(9000), DHCP_REPLY_MAX);
}

static struct dhcp_message *sample_request(const uint8_t *prl, size_t prl_len)
{
	struct test_packet p;
	size_t len;

	test_packet_start(&p, DHCP_REQUEST, mac1);
	if (prl != NULL)
		test_packet_option(&p, DHCP_OPT_PARAMETER_LIST, prl, prl_len);
	len = test_packet_end(&p);
	return parse_ok(p.buf, len);
}

static void reply_round_trip(void **state)
{
	static const uint8_t prl[] = { 6, 3, 1 };
	static const uint32_t dns[] = { 0xc0000201, 0xc0000202 };
	struct dhcp_message *req = sample_request(prl, sizeof(prl));
	struct dhcp_message *msg;
	struct dhcp_reply reply;
	uint8_t buf[DHCP_REPLY_MAX];
	enum dhcp_message_type type;
	uint32_t v;
	int len;

	(void)state;
	dhcp_reply_init(&reply, req, DHCP_ACK);
	reply.yiaddr = 0xc0000264;
	dhcp_reply_add_string(&reply, DHCP_OPT_DOMAIN, "lab.example");
	dhcp_reply_add_addr(&reply, DHCP_OPT_SUBNET_MASK, 0xffffff00, false);
	dhcp_reply_add_addr(&reply, DHCP_OPT_ROUTER, 0xc0000201, false);
	dhcp_reply_add_addrs(&reply, DHCP_OPT_DNS, dns, 2);
	dhcp_reply_add_u32(&reply, DHCP_OPT_LEASE_TIME, 3600, true);
	dhcp_reply_add_addr(&reply, DHCP_OPT_SERVER_ID, 0xc0000201, true);
	len = dhcp_reply_build(&reply, prl, sizeof(prl), 548, buf, sizeof(buf));
	assert_true(len >= DHCP_REPLY_MIN);

	msg = parse_ok(buf, (size_t)len);
	assert_int_equal(msg->op, DHCP_OP_BOOTREPLY);
	assert_int_equal(msg->xid, 0x1234abcd);
	assert_int_equal(msg->yiaddr, 0xc0000264);
	assert_memory_equal(msg->chaddr, mac1, 6);
	assert_int_equal(dhcp_message_get_type(msg, &type), 0);
	assert_int_equal(type, DHCP_ACK);
	assert_int_equal(dhcp_message_get_u32(msg, DHCP_OPT_LEASE_TIME, &v), 0);
	assert_int_equal(v, 3600);
	/* 53 first, then the required ones in the order added, then option 55's order. */
	assert_int_equal(msg->codes[0], DHCP_OPT_MESSAGE_TYPE);
	assert_int_equal(msg->codes[1], DHCP_OPT_LEASE_TIME);
	assert_int_equal(msg->codes[2], DHCP_OPT_SERVER_ID);
	assert_int_equal(msg->codes[3], DHCP_OPT_DNS);
	assert_int_equal(msg->codes[4], DHCP_OPT_ROUTER);
	assert_int_equal(msg->codes[5], DHCP_OPT_SUBNET_MASK);
	assert_int_equal(msg->codes[6], DHCP_OPT_DOMAIN);
	assert_int_equal(msg->opt_len[DHCP_OPT_DNS], 8);
	free(msg);
	free(req);
}

static void reply_drops_unrequested_first(void **state)
{
	static const uint8_t prl[] = { 1, 67 };
	struct dhcp_message *req = sample_request(prl, sizeof(prl));
	struct dhcp_message *msg;
	struct dhcp_reply reply;
	uint8_t buf[DHCP_REPLY_MAX], big[250];
	int len;

	(void)state;
	memset(big, 'x', sizeof(big));
	dhcp_reply_init(&reply, req, DHCP_OFFER);
	/* A PXE reply: file contains a boot file name, so only sname can take options. */
	memcpy(reply.file, "ipxe/undionly.kpxe", 19);
	memcpy(reply.sname, "server", 7);
	dhcp_reply_add_addr(&reply, DHCP_OPT_SERVER_ID, 0xc0000201, true);
	dhcp_reply_add(&reply, 224, big, sizeof(big), false);
	dhcp_reply_add(&reply, DHCP_OPT_BOOTFILE, big, 200, false);
	dhcp_reply_add_addr(&reply, DHCP_OPT_SUBNET_MASK, 0xffffff00, false);
	len = dhcp_reply_build(&reply, prl, sizeof(prl), 548, buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(len <= 548);
	msg = parse_ok(buf, (size_t)len);
	assert_true(dhcp_message_has(msg, DHCP_OPT_SUBNET_MASK));
	assert_true(dhcp_message_has(msg, DHCP_OPT_BOOTFILE));
	assert_false(dhcp_message_has(msg, 224));
	assert_int_equal(msg->overload, 0);
	assert_string_equal((const char *)msg->file, "ipxe/undionly.kpxe");
	assert_string_equal((const char *)msg->sname, "server");
	free(msg);
	free(req);
}

static void reply_overloads_free_fields(void **state)
{
	struct dhcp_message *req = sample_request(NULL, 0);
	struct dhcp_message *msg;
	struct dhcp_reply reply;
	uint8_t buf[DHCP_REPLY_MAX], big[255];
	const uint8_t *data;
	size_t n;
	int len;

	(void)state;
	memset(big, 'y', sizeof(big));
	dhcp_reply_init(&reply, req, DHCP_OFFER);
	dhcp_reply_add_addr(&reply, DHCP_OPT_SERVER_ID, 0xc0000201, true);
	dhcp_reply_add(&reply, 224, big, 255, false);
	dhcp_reply_add(&reply, 225, big, 100, false);
	dhcp_reply_add(&reply, 226, big, 50, false);
	len = dhcp_reply_build(&reply, NULL, 0, 548, buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(len <= 548);
	msg = parse_ok(buf, (size_t)len);
	assert_int_equal(msg->overload, DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME);
	assert_int_equal(dhcp_message_get(msg, 224, &data, &n), 0);
	assert_int_equal(n, 255);
	assert_int_equal(dhcp_message_get(msg, 225, &data, &n), 0);
	assert_int_equal(n, 100);
	assert_int_equal(dhcp_message_get(msg, 226, &data, &n), 0);
	assert_int_equal(n, 50);
	free(msg);
	free(req);
}

static void reply_required_must_fit(void **state)
{
	struct dhcp_message *req = sample_request(NULL, 0);
	struct dhcp_reply reply;
	uint8_t buf[DHCP_REPLY_MAX], big[255];

	(void)state;
	memset(big, 'z', sizeof(big));
	dhcp_reply_init(&reply, req, DHCP_OFFER);
	dhcp_reply_add(&reply, 224, big, 255, true);
	dhcp_reply_add(&reply, 225, big, 255, true);
	dhcp_reply_add(&reply, 226, big, 255, true);
	assert_int_equal(dhcp_reply_build(&reply, NULL, 0, 548, buf, sizeof(buf)), -ENOSPC);
	/* The caller's buffer caps the message too. */
	assert_int_equal(dhcp_reply_build(&reply, NULL, 0, 1472, buf, 300), -ENOSPC);
	free(req);
}

static void reply_add_errors_are_sticky(void **state)
{
	struct dhcp_message *req = sample_request(NULL, 0);
	struct dhcp_reply reply;
	uint8_t buf[DHCP_REPLY_MAX], big[300] = { 0 };
	uint32_t addrs[70] = { 0 };

	(void)state;
	dhcp_reply_init(&reply, req, DHCP_OFFER);
	dhcp_reply_add_u32(&reply, DHCP_OPT_LEASE_TIME, 60, true);
	dhcp_reply_add_u32(&reply, DHCP_OPT_LEASE_TIME, 60, true);
	assert_int_equal(reply.error, -EEXIST);
	assert_int_equal(dhcp_reply_build(&reply, NULL, 0, 548, buf, sizeof(buf)), -EEXIST);

	dhcp_reply_init(&reply, req, DHCP_OFFER);
	dhcp_reply_add(&reply, 224, big, sizeof(big), false);
	assert_int_equal(reply.error, -EINVAL);

	dhcp_reply_init(&reply, req, DHCP_OFFER);
	dhcp_reply_add_addrs(&reply, DHCP_OPT_DNS, addrs, 70);
	assert_int_equal(reply.error, -E2BIG);

	dhcp_reply_init(&reply, req, DHCP_OFFER);
	for (int code = 1; code <= DHCP_REPLY_OPTIONS_MAX; code++)
		dhcp_reply_add(&reply, (uint8_t)(100 + code), NULL, 0, false);
	assert_int_equal(reply.error, -E2BIG);
	free(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_discover_header),
		cmocka_unit_test(parse_rejects_short_and_bad_cookie),
		cmocka_unit_test(parse_rejects_long_hlen),
		cmocka_unit_test(parse_rejects_option_overrun),
		cmocka_unit_test(parse_accepts_missing_end_and_pads),
		cmocka_unit_test(parse_ignores_bytes_after_end),
		cmocka_unit_test(parse_concatenates_repeated_options),
		cmocka_unit_test(parse_overload_file_and_sname),
		cmocka_unit_test(parse_without_overload_keeps_file),
		cmocka_unit_test(parse_rejects_bad_overload),
		cmocka_unit_test(parse_caps_option_count),
		cmocka_unit_test(accessors_check_lengths),
		cmocka_unit_test(message_type_range),
		cmocka_unit_test(reply_limit_from_option_57),
		cmocka_unit_test(reply_round_trip),
		cmocka_unit_test(reply_drops_unrequested_first),
		cmocka_unit_test(reply_overloads_free_fields),
		cmocka_unit_test(reply_required_must_fit),
		cmocka_unit_test(reply_add_errors_are_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
