/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/core: wire reader/writer, address parsing, rate limit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/addr.h"
#include "core/log.h"
#include "core/wire.h"

#include <cmocka.h>

static void wire_reads_big_endian(void **state)
{
	static const uint8_t buf[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct wire_reader r;

	(void)state;
	wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(wire_read_u8(&r), 0x01);
	assert_int_equal(wire_read_u16(&r), 0x0203);
	assert_int_equal(wire_read_u32(&r), 0x04050607);
	assert_int_equal(wire_remaining(&r), 0);
	assert_int_equal(wire_reader_error(&r), 0);
}

static void wire_overrun_is_sticky(void **state)
{
	static const uint8_t buf[] = { 0xaa, 0xbb, 0xcc };
	struct wire_reader r;
	uint8_t out[4] = { 1, 1, 1, 1 };

	(void)state;
	wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(wire_read_u16(&r), 0xaabb);
	assert_int_equal(wire_read_u16(&r), 0);
	assert_int_equal(wire_reader_error(&r), -EBADMSG);
	/* The one byte left must not be readable after the error. */
	assert_int_equal(wire_read_u8(&r), 0);
	assert_null(wire_read_span(&r, 1));
	wire_read_bytes(&r, out, sizeof(out));
	assert_int_equal(out[0], 0);
	assert_int_equal(wire_remaining(&r), 0);
}

static void wire_seek_bounds(void **state)
{
	static const uint8_t buf[] = { 1, 2, 3 };
	struct wire_reader r;

	(void)state;
	wire_reader_init(&r, buf, sizeof(buf));
	wire_seek(&r, 3);
	assert_int_equal(wire_reader_error(&r), 0);
	wire_seek(&r, 4);
	assert_int_equal(wire_reader_error(&r), -EBADMSG);
}

static void wire_writer_capacity(void **state)
{
	uint8_t buf[5];
	struct wire_writer w;

	(void)state;
	wire_writer_init(&w, buf, sizeof(buf));
	wire_write_u32(&w, 0xdeadbeef);
	wire_write_u16(&w, 0x1234);
	assert_int_equal(wire_writer_error(&w), -ENOSPC);
	assert_int_equal(wire_writer_len(&w), 4);
	wire_write_u8(&w, 1);
	assert_int_equal(wire_writer_len(&w), 4);
	assert_int_equal(buf[0], 0xde);
	assert_int_equal(buf[3], 0xef);
}

static void wire_patch_inside_only(void **state)
{
	uint8_t buf[8];
	struct wire_writer w;

	(void)state;
	wire_writer_init(&w, buf, sizeof(buf));
	wire_write_u16(&w, 0);
	wire_patch_u16(&w, 0, 0xabcd);
	assert_int_equal(buf[0], 0xab);
	assert_int_equal(buf[1], 0xcd);
	wire_patch_u16(&w, 1, 0);
	assert_int_equal(wire_writer_error(&w), -ENOSPC);
}

static void mac_notations(void **state)
{
	static const char *const good[] = { "52:54:00:ab:cd:ef", "52-54-00-AB-CD-EF",
		                            "5254.00ab.cdef", "525400abcdef", "52:54:00:AB:cd:EF" };
	static const char *const bad[] = { "",
		                           "52:54:00:ab:cd",
		                           "52:54:00:ab:cd:eg",
		                           "52:54-00:ab:cd:ef",
		                           "5254.00ab.cdef.",
		                           "525400abcdef0",
		                           "52:54:00:ab:cd:ef ",
		                           "5254:00ab:cdef" };
	static const uint8_t want[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	uint8_t mac[6];
	char text[ADDR_MAC_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(mac, 0, sizeof(mac));
		assert_int_equal(addr_parse_mac(good[i], mac), 0);
		assert_memory_equal(mac, want, 6);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(addr_parse_mac(bad[i], mac), -EINVAL);
	addr_format_mac(want, text);
	assert_string_equal(text, "52:54:00:ab:cd:ef");
}

static void ipv4_parsing(void **state)
{
	static const char *const bad[] = { "",          "1.2.3",    "1.2.3.4.5",
		                           "256.1.1.1", "01.2.3.4", "1.2.3.4 ",
		                           "a.b.c.d",   "1..2.3",   "1.2.3.1000" };
	uint32_t a;
	char text[ADDR_IPV4_STRLEN];

	(void)state;
	assert_int_equal(addr_parse_ipv4("192.0.2.1", &a), 0);
	assert_int_equal(a, 0xc0000201);
	assert_int_equal(addr_parse_ipv4("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(addr_parse_ipv4(bad[i], &a), -EINVAL);
	addr_format_ipv4(0xc6336401, text);
	assert_string_equal(text, "198.51.100.1");
}

static void prefix_parsing(void **state)
{
	uint32_t net;
	uint8_t len;

	(void)state;
	assert_int_equal(addr_parse_prefix4("192.0.2.0/24", &net, &len), 0);
	assert_int_equal(net, 0xc0000200);
	assert_int_equal(len, 24);
	assert_int_equal(addr_parse_prefix4("192.0.2.1/24", &net, &len), -EADDRNOTAVAIL);
	assert_int_equal(addr_parse_prefix4("192.0.2.0/33", &net, &len), -EINVAL);
	assert_int_equal(addr_parse_prefix4("192.0.2.0", &net, &len), -EINVAL);
	assert_int_equal(addr_parse_prefix4("0.0.0.0/0", &net, &len), 0);
	assert_true(addr_in_prefix4(0xc00002ff, 0xc0000200, 24));
	assert_false(addr_in_prefix4(0xc0000300, 0xc0000200, 24));
	assert_int_equal(addr_prefix_mask(0), 0);
	assert_int_equal(addr_prefix_mask(32), 0xffffffffu);
	assert_int_equal(addr_prefix_mask(31), 0xfffffffeu);
}

static void u32_parsing(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(addr_parse_u32("0", 0, 10, &v), 0);
	assert_int_equal(addr_parse_u32("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(addr_parse_u32("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(addr_parse_u32("11", 0, 10, &v), -ERANGE);
	assert_int_equal(addr_parse_u32("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(addr_parse_u32("1x", 0, 10, &v), -EINVAL);
	assert_int_equal(addr_parse_u32("", 0, 10, &v), -EINVAL);
}

static void ipv4_port_parsing(void **state)
{
	uint32_t a;
	uint16_t p;

	(void)state;
	assert_int_equal(addr_parse_ipv4_port("127.0.0.1:8080", &a, &p), 0);
	assert_int_equal(a, 0x7f000001);
	assert_int_equal(p, 8080);
	assert_int_equal(addr_parse_ipv4_port("127.0.0.1:0", &a, &p), -EINVAL);
	assert_int_equal(addr_parse_ipv4_port("127.0.0.1", &a, &p), -EINVAL);
	assert_int_equal(addr_parse_ipv4_port("127.0.0.1:65536", &a, &p), -EINVAL);
}

static void ratelimit_burst(void **state)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(60000, 3);
	int allowed = 0;

	(void)state;
	for (int i = 0; i < 10; i++)
		allowed += log_ratelimit_allow(&rl);
	assert_int_equal(allowed, 3);
	assert_int_equal(rl.suppressed, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wire_reads_big_endian),
		cmocka_unit_test(wire_overrun_is_sticky),
		cmocka_unit_test(wire_seek_bounds),
		cmocka_unit_test(wire_writer_capacity),
		cmocka_unit_test(wire_patch_inside_only),
		cmocka_unit_test(mac_notations),
		cmocka_unit_test(ipv4_parsing),
		cmocka_unit_test(prefix_parsing),
		cmocka_unit_test(u32_parsing),
		cmocka_unit_test(ipv4_port_parsing),
		cmocka_unit_test(ratelimit_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
