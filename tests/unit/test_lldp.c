/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lldp -- the LLDP frame parser on frames built byte by byte: every
 * chassis and port ID subtype, the optional TLVs, and malformed frames.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka.h uses types from the headers above, so it comes after them. */
/* clang-format off */
#include <cmocka.h>
/* clang-format on */

#include "agent/lldp.h"

/* A frame under construction: Ethernet header, then TLVs appended in order. */
struct frame {
	uint8_t bytes[2048];
	size_t len;
};

static void frame_start(struct frame *f)
{
	static const uint8_t header[] = {
		0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, /* destination */
		0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc, /* source */
		0x88, 0xcc,                         /* EtherType */
	};

	memcpy(f->bytes, header, sizeof(header));
	f->len = sizeof(header);
}

/* Appends a TLV header with the given type and length, then n value bytes. */
static void frame_tlv_len(struct frame *f, unsigned type, unsigned len, const void *value, size_t n)
{
	f->bytes[f->len++] = (uint8_t)((type << 1) | (len >> 8));
	f->bytes[f->len++] = (uint8_t)(len & 0xff);
	if (n > 0)
		memcpy(f->bytes + f->len, value, n);
	f->len += n;
}

static void frame_tlv(struct frame *f, unsigned type, const void *value, size_t n)
{
	frame_tlv_len(f, type, (unsigned)n, value, n);
}

/* Chassis ID (MAC 52:54:00:12:34:56), Port ID (interface name "swp7"), TTL 120. */
static void frame_mandatory(struct frame *f)
{
	static const uint8_t chassis[] = { 4, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t port[] = { 5, 's', 'w', 'p', '7' };
	static const uint8_t ttl[] = { 0x00, 0x78 };

	frame_start(f);
	frame_tlv(f, 1, chassis, sizeof(chassis));
	frame_tlv(f, 2, port, sizeof(port));
	frame_tlv(f, 3, ttl, sizeof(ttl));
}

static void frame_end(struct frame *f)
{
	frame_tlv(f, 0, NULL, 0);
}

static int parse(const struct frame *f, struct lldp_neighbor *n)
{
	return lldp_parse_frame(f->bytes, f->len, n);
}

static void test_mandatory_only(void **state)
{
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	frame_mandatory(&f);
	frame_end(&f);
	assert_int_equal(parse(&f, &n), 0);
	assert_int_equal(n.chassis_id_subtype, LLDP_CHASSIS_MAC_ADDRESS);
	assert_string_equal(n.chassis_id, "52:54:00:12:34:56");
	assert_int_equal(n.port_id_subtype, LLDP_PORT_INTERFACE_NAME);
	assert_string_equal(n.port_id, "swp7");
	assert_int_equal(n.ttl, 120);
	assert_string_equal(n.port_description, "");
	assert_string_equal(n.system_name, "");
	assert_string_equal(n.system_description, "");
	assert_int_equal(n.n_mgmt_addrs, 0);
	assert_int_equal(n.vlan_id, 0);
}

static void test_optional_tlvs(void **state)
{
	static const uint8_t mgmt4[] = { 5, 1, 192, 0, 2, 1, 2, 0, 0, 0, 3, 0 };
	static const uint8_t mgmt6[] = { 17, 2, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
		                         0,  0, 0,    0,    0,    0x01, 2, 0, 0, 0, 2, 0 };
	static const uint8_t pvid[] = { 0x00, 0x80, 0xc2, 1, 0x00, 0x2a };
	static const uint8_t caps[] = { 0x00, 0x14, 0x00, 0x04 };
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	frame_mandatory(&f);
	frame_tlv(&f, 4, "Ethernet7", 9);
	frame_tlv(&f, 5, "leaf1.lab.example", 17);
	frame_tlv(&f, 6, "Debian GNU/Linux 12", 19);
	frame_tlv(&f, 7, caps, sizeof(caps));
	frame_tlv(&f, 8, mgmt4, sizeof(mgmt4));
	frame_tlv(&f, 8, mgmt6, sizeof(mgmt6));
	frame_tlv(&f, 127, pvid, sizeof(pvid));
	frame_end(&f);
	assert_int_equal(parse(&f, &n), 0);
	assert_string_equal(n.port_description, "Ethernet7");
	assert_string_equal(n.system_name, "leaf1.lab.example");
	assert_string_equal(n.system_description, "Debian GNU/Linux 12");
	assert_int_equal(n.n_mgmt_addrs, 2);
	assert_string_equal(n.mgmt_addrs[0], "192.0.2.1");
	assert_string_equal(n.mgmt_addrs[1], "2001:db8::1");
	assert_int_equal(n.vlan_id, 42);
}

static void test_chassis_subtypes(void **state)
{
	static const struct {
		uint8_t value[8];
		size_t len;
		const char *expected;
	} cases[] = {
		{ { 1, 'c', 'h', '1' }, 4, "ch1" },
		{ { 2, 'u', 'p', 'l' }, 4, "upl" },
		{ { 3, 'p', 'c' }, 3, "pc" },
		{ { 4, 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc }, 7, "00:1b:21:aa:bb:cc" },
		{ { 5, 1, 198, 51, 100, 7 }, 6, "198.51.100.7" },
		{ { 6, 'e', 't', 'h', '0' }, 5, "eth0" },
		{ { 7, 0x01, 0xff, 0x00 }, 4, "01:ff:00" },
		/* A MAC of the wrong length and an unknown family fall back to hex. */
		{ { 4, 0xde, 0xad }, 3, "de:ad" },
		{ { 5, 6, 0x52, 0x54 }, 4, "06:52:54" },
	};
	static const uint8_t port[] = { 7, '1' };
	static const uint8_t ttl[] = { 0x00, 0x05 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lldp_neighbor n;
		struct frame f;

		frame_start(&f);
		frame_tlv(&f, 1, cases[i].value, cases[i].len);
		frame_tlv(&f, 2, port, sizeof(port));
		frame_tlv(&f, 3, ttl, sizeof(ttl));
		frame_end(&f);
		assert_int_equal(parse(&f, &n), 0);
		assert_int_equal(n.chassis_id_subtype, cases[i].value[0]);
		assert_string_equal(n.chassis_id, cases[i].expected);
	}
	assert_string_equal(lldp_chassis_subtype_name(4), "mac_address");
	assert_string_equal(lldp_chassis_subtype_name(7), "local");
	assert_string_equal(lldp_chassis_subtype_name(0), "reserved");
	assert_string_equal(lldp_chassis_subtype_name(200), "reserved");
}

static void test_port_subtypes(void **state)
{
	static const struct {
		uint8_t value[20];
		size_t len;
		const char *expected;
	} cases[] = {
		{ { 1, 'u', 'p' }, 3, "up" },
		{ { 2, 'p', 'c' }, 3, "pc" },
		{ { 3, 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 }, 7, "52:54:00:00:00:01" },
		{ { 4, 2, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09 },
		  18,
		  "fe80::9" },
		{ { 5, 's', 'w', 'p', '1' }, 5, "swp1" },
		{ { 6, 0x00, 0x04 }, 3, "00:04" },
		{ { 7, '4', '2' }, 3, "42" },
	};
	static const uint8_t chassis[] = { 7, 'x' };
	static const uint8_t ttl[] = { 0x00, 0x05 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lldp_neighbor n;
		struct frame f;

		frame_start(&f);
		frame_tlv(&f, 1, chassis, sizeof(chassis));
		frame_tlv(&f, 2, cases[i].value, cases[i].len);
		frame_tlv(&f, 3, ttl, sizeof(ttl));
		frame_end(&f);
		assert_int_equal(parse(&f, &n), 0);
		assert_int_equal(n.port_id_subtype, cases[i].value[0]);
		assert_string_equal(n.port_id, cases[i].expected);
	}
	assert_string_equal(lldp_port_subtype_name(5), "interface_name");
	assert_string_equal(lldp_port_subtype_name(6), "agent_circuit_id");
	assert_string_equal(lldp_port_subtype_name(8), "reserved");
}

static void test_longest_id(void **state)
{
	uint8_t chassis[256];
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	chassis[0] = 7;
	memset(chassis + 1, 0x80, 255);
	frame_start(&f);
	frame_tlv(&f, 1, chassis, sizeof(chassis));
	frame_tlv(&f, 2, "\x07p", 2);
	frame_tlv(&f, 3, "\x00\x05", 2);
	assert_int_equal(parse(&f, &n), 0);
	assert_int_equal(strlen(n.chassis_id), 255 * 3 - 1);
	assert_memory_equal(n.chassis_id, "80:80:", 6);
}

static void test_no_end_and_padding(void **state)
{
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	/* The End TLV is optional; zero padding after End is ignored. */
	frame_mandatory(&f);
	assert_int_equal(parse(&f, &n), 0);
	frame_end(&f);
	memset(f.bytes + f.len, 0, 16);
	f.len += 16;
	assert_int_equal(parse(&f, &n), 0);
	assert_string_equal(n.port_id, "swp7");
}

static void test_shutdown_ttl_zero(void **state)
{
	static const uint8_t chassis[] = { 6, 'c' };
	static const uint8_t port[] = { 5, 'p' };
	static const uint8_t ttl[] = { 0x00, 0x00 };
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	frame_start(&f);
	frame_tlv(&f, 1, chassis, sizeof(chassis));
	frame_tlv(&f, 2, port, sizeof(port));
	frame_tlv(&f, 3, ttl, sizeof(ttl));
	frame_end(&f);
	assert_int_equal(parse(&f, &n), 0);
	assert_int_equal(n.ttl, 0);
}

static void test_text_cleaned(void **state)
{
	static const uint8_t name[] = { 's', 'w', 0xc3, 0xa9, '\n', 0, 0 };
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	frame_mandatory(&f);
	frame_tlv(&f, 5, name, sizeof(name));
	frame_tlv(&f, 5, "second", 6);
	frame_end(&f);
	assert_int_equal(parse(&f, &n), 0);
	/* Non-ASCII bytes become '?', trailing NULs go, and the first TLV of a type wins. */
	assert_string_equal(n.system_name, "sw???");
}

static void test_bad_optional_tlvs_skipped(void **state)
{
	static const uint8_t mgmt_bad_oid[] = { 5, 1, 192, 0, 2, 1, 2, 0, 0, 0, 3, 9 };
	static const uint8_t mgmt_bad_len[] = { 40, 1, 192, 0, 2, 1, 2, 0, 0, 0, 3, 0 };
	static const uint8_t mgmt_mac[] = { 7, 6, 0x52, 0x54, 0, 0, 0, 1, 2, 0, 0, 0, 3, 0 };
	static const uint8_t pvid_short[] = { 0x00, 0x80, 0xc2, 1, 0x00 };
	static const uint8_t pvid_big[] = { 0x00, 0x80, 0xc2, 1, 0x0f, 0xff };
	static const uint8_t other_org[] = { 0x00, 0x12, 0x0f, 1, 0x03, 0x6c, 0x00, 0x00, 0x10 };
	uint8_t long_text[300];
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	memset(long_text, 'a', sizeof(long_text));
	frame_mandatory(&f);
	frame_tlv(&f, 8, mgmt_bad_oid, sizeof(mgmt_bad_oid));
	frame_tlv(&f, 8, mgmt_bad_len, sizeof(mgmt_bad_len));
	frame_tlv(&f, 8, mgmt_mac, sizeof(mgmt_mac));
	frame_tlv(&f, 8, "", 0);
	frame_tlv(&f, 127, pvid_short, sizeof(pvid_short));
	frame_tlv(&f, 127, pvid_big, sizeof(pvid_big));
	frame_tlv(&f, 127, other_org, sizeof(other_org));
	frame_tlv(&f, 6, long_text, sizeof(long_text));
	frame_tlv(&f, 42, "x", 1);
	frame_end(&f);
	assert_int_equal(parse(&f, &n), 0);
	assert_int_equal(n.n_mgmt_addrs, 0);
	assert_int_equal(n.vlan_id, 0);
	assert_string_equal(n.system_description, "");
}

static void test_mgmt_addresses_capped(void **state)
{
	static const uint8_t mgmt[] = { 5, 1, 192, 0, 2, 1, 2, 0, 0, 0, 3, 0 };
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	frame_mandatory(&f);
	for (int i = 0; i < LLDP_MGMT_ADDRS_MAX + 3; i++)
		frame_tlv(&f, 8, mgmt, sizeof(mgmt));
	frame_end(&f);
	assert_int_equal(parse(&f, &n), 0);
	assert_int_equal(n.n_mgmt_addrs, LLDP_MGMT_ADDRS_MAX);
}

static void test_mandatory_order_rejected(void **state)
{
	static const uint8_t chassis[] = { 4, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t port[] = { 5, 'p' };
	static const uint8_t ttl[] = { 0x00, 0x78 };
	struct lldp_neighbor n = { .ttl = 7 };
	struct frame f;

	(void)state;
	/* Port ID before Chassis ID. */
	frame_start(&f);
	frame_tlv(&f, 2, port, sizeof(port));
	frame_tlv(&f, 1, chassis, sizeof(chassis));
	frame_tlv(&f, 3, ttl, sizeof(ttl));
	assert_int_equal(parse(&f, &n), -EBADMSG);
	/* TTL missing. */
	frame_start(&f);
	frame_tlv(&f, 1, chassis, sizeof(chassis));
	frame_tlv(&f, 2, port, sizeof(port));
	frame_tlv(&f, 5, "sw", 2);
	assert_int_equal(parse(&f, &n), -EBADMSG);
	/* End before TTL, and a frame that stops after Port ID. */
	frame_start(&f);
	frame_tlv(&f, 1, chassis, sizeof(chassis));
	frame_tlv(&f, 2, port, sizeof(port));
	frame_end(&f);
	assert_int_equal(parse(&f, &n), -EBADMSG);
	f.len -= 2;
	assert_int_equal(parse(&f, &n), -EBADMSG);
	/* An empty LLDPDU. */
	frame_start(&f);
	assert_int_equal(parse(&f, &n), -EBADMSG);
	/* The output is untouched on failure. */
	assert_int_equal(n.ttl, 7);
}

static void test_repeated_mandatory_rejected(void **state)
{
	static const uint8_t ttl[] = { 0x00, 0x78 };
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	frame_mandatory(&f);
	frame_tlv(&f, 3, ttl, sizeof(ttl));
	frame_end(&f);
	assert_int_equal(parse(&f, &n), -EBADMSG);
	frame_mandatory(&f);
	frame_tlv(&f, 1, "\x07z", 2);
	assert_int_equal(parse(&f, &n), -EBADMSG);
}

static void test_bad_mandatory_lengths_rejected(void **state)
{
	uint8_t big[257];
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	memset(big, 'a', sizeof(big));
	big[0] = 7;
	/* Chassis ID without an ID byte, and one byte over 256. */
	frame_start(&f);
	frame_tlv(&f, 1, "\x07", 1);
	frame_tlv(&f, 2, "\x07p", 2);
	frame_tlv(&f, 3, "\x00\x05", 2);
	assert_int_equal(parse(&f, &n), -EBADMSG);
	frame_start(&f);
	frame_tlv(&f, 1, big, sizeof(big));
	frame_tlv(&f, 2, "\x07p", 2);
	frame_tlv(&f, 3, "\x00\x05", 2);
	assert_int_equal(parse(&f, &n), -EBADMSG);
	/* TTL of 3 bytes. */
	frame_start(&f);
	frame_tlv(&f, 1,
	          "\x07"
	          "c",
	          2);
	frame_tlv(&f, 2, "\x07p", 2);
	frame_tlv(&f, 3, "\x00\x05\x00", 3);
	assert_int_equal(parse(&f, &n), -EBADMSG);
	/* End with a length. */
	frame_mandatory(&f);
	frame_tlv(&f, 0, "\x00", 1);
	assert_int_equal(parse(&f, &n), -EBADMSG);
}

static void test_tlv_beyond_frame_rejected(void **state)
{
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	/* A system name TLV claiming 100 bytes with 4 present. */
	frame_mandatory(&f);
	frame_tlv_len(&f, 5, 100, "abcd", 4);
	assert_int_equal(parse(&f, &n), -EBADMSG);
	/* A lone byte where a TLV header should be. */
	frame_mandatory(&f);
	f.bytes[f.len++] = 0x0a;
	assert_int_equal(parse(&f, &n), -EBADMSG);
	/* A Chassis ID longer than the frame. */
	frame_start(&f);
	frame_tlv_len(&f, 1, 300,
	              "\x07"
	              "c",
	              2);
	assert_int_equal(parse(&f, &n), -EBADMSG);
}

static void test_frame_header(void **state)
{
	struct lldp_neighbor n;
	struct frame f;

	(void)state;
	frame_mandatory(&f);
	f.bytes[12] = 0x08;
	f.bytes[13] = 0x00;
	assert_int_equal(parse(&f, &n), -EPROTONOSUPPORT);
	assert_int_equal(lldp_parse_frame(f.bytes, 13, &n), -EBADMSG);
	assert_int_equal(lldp_parse_frame(f.bytes, 0, &n), -EBADMSG);
	/* The LLDPDU alone parses without an Ethernet header. */
	frame_mandatory(&f);
	assert_int_equal(lldp_parse_pdu(f.bytes + 14, f.len - 14, &n), 0);
	assert_string_equal(n.port_id, "swp7");
}

static void test_built_frame_parses(void **state)
{
	static const uint8_t group[] = LLDP_MULTICAST_MAC;
	struct lldp_local local = { .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
		                    .ifname = "enp0s3",
		                    .system_name = "node-1",
		                    .system_description = "rackd-agent test",
		                    .ttl = 120 };
	uint8_t buf[LLDP_BUILD_FRAME_MAX];
	struct lldp_neighbor n;
	int len;

	(void)state;
	len = lldp_build_frame(&local, buf, sizeof(buf));
	assert_true(len > 14);
	assert_memory_equal(buf, group, sizeof(group));
	assert_memory_equal(buf + 6, local.mac, 6);
	assert_int_equal(buf[12] << 8 | buf[13], LLDP_ETHERTYPE);
	assert_int_equal(lldp_parse_frame(buf, (size_t)len, &n), 0);
	assert_int_equal(n.chassis_id_subtype, LLDP_CHASSIS_MAC_ADDRESS);
	assert_string_equal(n.chassis_id, "52:54:00:12:34:56");
	assert_int_equal(n.port_id_subtype, LLDP_PORT_INTERFACE_NAME);
	assert_string_equal(n.port_id, "enp0s3");
	assert_int_equal(n.ttl, 120);
	assert_string_equal(n.port_description, "enp0s3");
	assert_string_equal(n.system_name, "node-1");
	assert_string_equal(n.system_description, "rackd-agent test");
}

static void test_built_frame_limits(void **state)
{
	struct lldp_local local = { .mac = { 0x52, 0x54, 0, 0, 0, 1 },
		                    .ifname = "e",
		                    .system_name = "",
		                    .system_description = "" };
	uint8_t buf[LLDP_BUILD_FRAME_MAX];
	char long_name[300];
	struct lldp_neighbor n;
	int len;

	(void)state;
	/* A short frame is padded to the Ethernet minimum, and the padding is not read. */
	len = lldp_build_frame(&local, buf, sizeof(buf));
	assert_int_equal(len, 60);
	assert_int_equal(lldp_parse_frame(buf, (size_t)len, &n), 0);
	assert_int_equal(n.ttl, 0);
	assert_string_equal(n.system_name, "");

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	local.system_name = long_name;
	len = lldp_build_frame(&local, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(lldp_parse_frame(buf, (size_t)len, &n), 0);
	assert_int_equal(strlen(n.system_name), 255);

	assert_int_equal(lldp_build_frame(&local, buf, 40), -ENOBUFS);
	local.ifname = "";
	assert_int_equal(lldp_build_frame(&local, buf, sizeof(buf)), -EINVAL);
}

static void test_same_sender(void **state)
{
	struct lldp_neighbor a, b;
	struct frame f;

	(void)state;
	frame_mandatory(&f);
	assert_int_equal(parse(&f, &a), 0);
	frame_tlv(&f, 5, "renamed", 7);
	assert_int_equal(parse(&f, &b), 0);
	assert_true(lldp_neighbor_same_sender(&a, &b));
	b.port_id[0] = 'x';
	assert_false(lldp_neighbor_same_sender(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mandatory_only),
		cmocka_unit_test(test_built_frame_parses),
		cmocka_unit_test(test_built_frame_limits),
		cmocka_unit_test(test_optional_tlvs),
		cmocka_unit_test(test_chassis_subtypes),
		cmocka_unit_test(test_port_subtypes),
		cmocka_unit_test(test_longest_id),
		cmocka_unit_test(test_no_end_and_padding),
		cmocka_unit_test(test_shutdown_ttl_zero),
		cmocka_unit_test(test_text_cleaned),
		cmocka_unit_test(test_bad_optional_tlvs_skipped),
		cmocka_unit_test(test_mgmt_addresses_capped),
		cmocka_unit_test(test_mandatory_order_rejected),
		cmocka_unit_test(test_repeated_mandatory_rejected),
		cmocka_unit_test(test_bad_mandatory_lengths_rejected),
		cmocka_unit_test(test_tlv_beyond_frame_rejected),
		cmocka_unit_test(test_frame_header),
		cmocka_unit_test(test_same_sender),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
