/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/tftp/tftp-wire: request parsing, negotiation, builders, netascii. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* clang-format off */
#include <cmocka.h>
/* clang-format on */

#include "tftp/tftp-wire.h"

/* A packet written as a string literal with embedded NULs, without the literal's own NUL. */
#define PKT(s) (const uint8_t *)(s), (sizeof(s) - 1)

static const struct tftp_limits server_limits = {
	.blksize_max = TFTP_BLKSIZE_MAX,
	.windowsize_max = 64,
};

static void rrq_plain(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\1ipxe/undionly.kpxe\0octet\0"), &req), 0);
	assert_int_equal(req.opcode, TFTP_OP_RRQ);
	assert_string_equal(req.filename, "ipxe/undionly.kpxe");
	assert_int_equal(req.mode, TFTP_MODE_OCTET);
	assert_int_equal(req.options, 0);
	assert_int_equal(req.blksize, TFTP_BLKSIZE_DEFAULT);
	assert_int_equal(req.windowsize, 1);
	assert_int_equal(req.n_ignored, 0);
}

static void rrq_all_options(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0OcTeT\0BLKSIZE\0001468\0tsize\0000\0"
	                                        "Timeout\0003\0windowsize\0004\0multicast\0\0"),
	                                    &req),
	                 0);
	assert_int_equal(req.mode, TFTP_MODE_OCTET);
	assert_int_equal(req.options, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT |
	                                      TFTP_OPT_WINDOWSIZE);
	assert_int_equal(req.blksize, 1468);
	assert_int_equal(req.tsize, 0);
	assert_int_equal(req.timeout, 3);
	assert_int_equal(req.windowsize, 4);
	assert_int_equal(req.n_ignored, 1);
}

static void rrq_edk2_probe(void **state)
{
	struct tftp_request req;
	struct tftp_options opts;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\1ipxe/snponly.efi\0octet\0tsize\0000\0"
	                                        "blksize\0001468\0windowsize\0004\0"),
	                                    &req),
	                 0);
	tftp_options_negotiate(&req, &server_limits, 123456, true, &opts);
	assert_int_equal(opts.blksize, 1468);
	assert_int_equal(opts.windowsize, 4);
	assert_int_equal(opts.tsize, 123456);
	assert_int_equal(opts.timeout, 0);
	assert_int_equal(opts.acked, TFTP_OPT_TSIZE | TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE);
}

static void rrq_ipxe(void **state)
{
	struct tftp_request req;

	(void)state;
	/* iPXE requests blksize and tsize. */
	assert_int_equal(tftp_request_parse(
	                         PKT("\0\1boot.ipxe\0octet\0blksize\0001432\0tsize\0000\0"), &req),
	                 0);
	assert_int_equal(req.blksize, 1432);
	assert_int_equal(req.options, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE);
}

static void wrq_parsed(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\2upload\0octet\0"), &req), 0);
	assert_int_equal(req.opcode, TFTP_OP_WRQ);
}

static void mode_names_parsed(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0NetASCII\0"), &req), 0);
	assert_int_equal(req.mode, TFTP_MODE_NETASCII);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0mail\0"), &req), -EPROTONOSUPPORT);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0binary\0"), &req), -EPROTONOSUPPORT);
}

static void malformed_structure(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT(""), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0"), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0\1"), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0\1file"), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0\1file\0"), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0\1file\0octet"), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0\1\0octet\0"), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0\1file\0\0"), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\0"), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\0001024"), &req), -EBADMSG);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize"), &req), -EBADMSG);
}

static void other_opcodes_rejected(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\3\0\1data"), &req), -EOPNOTSUPP);
	assert_int_equal(tftp_request_parse(PKT("\0\4\0\1"), &req), -EOPNOTSUPP);
	assert_int_equal(tftp_request_parse(PKT("\0\0f\0octet\0"), &req), -EOPNOTSUPP);
	assert_int_equal(tftp_request_parse(PKT("\1\1f\0octet\0"), &req), -EOPNOTSUPP);
}

static void nul_padding_accepted(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0\0\0\0\0"), &req), 0);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0tsize\0000\0\0junk"), &req), 0);
	assert_int_equal(req.options, TFTP_OPT_TSIZE);
}

static void option_value_ranges(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\0007\0"), &req), -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\0008\0"), &req), 0);
	assert_int_equal(req.blksize, 8);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\00065464\0"), &req), 0);
	assert_int_equal(req.blksize, 65464);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\00065465\0"), &req), 0);
	assert_int_equal(req.blksize, 65465);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0timeout\0000\0"), &req), -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0timeout\0001\0"), &req), 0);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0timeout\000255\0"), &req), 0);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0timeout\000256\0"), &req), -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0windowsize\0000\0"), &req), -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0windowsize\00065535\0"), &req), 0);
	assert_int_equal(req.windowsize, 65535);
}

static void option_value_syntax(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\0\0"), &req), -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\0-512\0"), &req), -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\0+512\0"), &req), -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\000512a\0"), &req), -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\0 512\0"), &req), -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0tsize\0000x10\0"), &req), -EINVAL);
	/* Unknown options are not checked at all. */
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize2\0abc\0"), &req), 0);
	assert_int_equal(req.n_ignored, 1);
}

static void huge_values_saturate(void **state)
{
	struct tftp_request req;
	struct tftp_options opts;

	(void)state;
	assert_int_equal(
	        tftp_request_parse(PKT("\0\1f\0octet\0blksize\0099999999999999999999999999\0"
	                               "windowsize\00018446744073709551616\0"),
	                           &req),
	        0);
	assert_true(req.blksize == UINT64_MAX);
	assert_true(req.windowsize == UINT64_MAX);
	tftp_options_negotiate(&req, &server_limits, 0, true, &opts);
	assert_int_equal(opts.blksize, TFTP_BLKSIZE_MAX);
	assert_int_equal(opts.windowsize, 64);
	/* A value too long for the option buffer is invalid, not truncated. */
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0blksize\0"
	                                        "0000000000000000000000000000000000000000"
	                                        "00000000000000000000000000000000000001432\0"),
	                                    &req),
	                 -EINVAL);
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0tsize\0"
	                                        "9999999999999999999999999\0"),
	                                    &req),
	                 0);
	assert_true(req.tsize == UINT64_MAX);
}

static void duplicate_option_rejected(void **state)
{
	struct tftp_request req;

	(void)state;
	assert_int_equal(
	        tftp_request_parse(PKT("\0\1f\0octet\0blksize\000512\0BlkSize\0001024\0"), &req),
	        -EINVAL);
}

static void long_unknown_option_ignored(void **state)
{
	char pkt[400];
	size_t len = 0;
	struct tftp_request req;

	(void)state;
	memcpy(pkt, "\0\1f\0octet\0", 10);
	len = 10;
	memset(pkt + len, 'n', 100); /* option name longer than TFTP_OPTION_TEXT_MAX */
	len += 100;
	pkt[len++] = '\0';
	memset(pkt + len, 'v', 200);
	len += 200;
	pkt[len++] = '\0';
	memcpy(pkt + len,
	       "tsize\0"
	       "0\0",
	       8);
	len += 8;
	assert_int_equal(tftp_request_parse(pkt, len, &req), 0);
	assert_int_equal(req.n_ignored, 1);
	assert_int_equal(req.options, TFTP_OPT_TSIZE);
}

static void too_many_options(void **state)
{
	char pkt[TFTP_REQUEST_MAX];
	size_t len = 10;
	struct tftp_request req;

	(void)state;
	memcpy(pkt, "\0\1f\0octet\0", 10);
	/* Each option is "x<i>\0" followed by the value "1\0". */
	for (int i = 0; i < TFTP_OPTIONS_MAX; i++) {
		len += (size_t)snprintf(pkt + len, sizeof(pkt) - len, "x%d", i) + 1;
		memcpy(pkt + len, "1", 2);
		len += 2;
	}
	assert_int_equal(tftp_request_parse(pkt, len, &req), 0);
	assert_int_equal(req.n_ignored, TFTP_OPTIONS_MAX);
	memcpy(pkt + len,
	       "y\0"
	       "1",
	       4);
	len += 4;
	assert_int_equal(tftp_request_parse(pkt, len, &req), -E2BIG);
}

static void filename_length(void **state)
{
	char pkt[TFTP_FILENAME_MAX + 32];
	struct tftp_request req;
	size_t len;

	(void)state;
	pkt[0] = 0;
	pkt[1] = 1;
	memset(pkt + 2, 'a', TFTP_FILENAME_MAX);
	len = 2 + TFTP_FILENAME_MAX;
	memcpy(pkt + len, "\0octet", 7);
	len += 7;
	assert_int_equal(tftp_request_parse(pkt, len, &req), 0);
	assert_int_equal(strlen(req.filename), TFTP_FILENAME_MAX);

	memset(pkt + 2, 'a', TFTP_FILENAME_MAX + 1);
	len = 2 + TFTP_FILENAME_MAX + 1;
	memcpy(pkt + len, "\0octet", 7);
	len += 7;
	assert_int_equal(tftp_request_parse(pkt, len, &req), -ENAMETOOLONG);
}

static void error_replies_for_parse_failures(void **state)
{
	(void)state;
	assert_int_equal(tftp_request_error_code(-EBADMSG), TFTP_ERR_ILLEGAL_OP);
	assert_int_equal(tftp_request_error_code(-EOPNOTSUPP), TFTP_ERR_ILLEGAL_OP);
	assert_int_equal(tftp_request_error_code(-EPROTONOSUPPORT), TFTP_ERR_ILLEGAL_OP);
	assert_int_equal(tftp_request_error_code(-EINVAL), TFTP_ERR_OPTION);
	assert_int_equal(tftp_request_error_code(-E2BIG), TFTP_ERR_OPTION);
	assert_int_equal(tftp_request_error_code(-ENAMETOOLONG), TFTP_ERR_NOT_FOUND);
	assert_string_equal(tftp_request_error_message(-EINVAL), "Invalid option value");
	assert_string_equal(tftp_request_error_message(-EBADMSG), "Malformed request");
}

static void negotiate_defaults(void **state)
{
	struct tftp_request req;
	struct tftp_options opts;

	(void)state;
	assert_int_equal(tftp_request_parse(PKT("\0\1f\0octet\0"), &req), 0);
	tftp_options_negotiate(&req, &server_limits, 4096, true, &opts);
	assert_int_equal(opts.blksize, 512);
	assert_int_equal(opts.windowsize, 1);
	assert_int_equal(opts.timeout, 0);
	assert_int_equal(opts.acked, 0);
}

static void negotiate_tsize_unknown(void **state)
{
	struct tftp_request req;
	struct tftp_options opts;

	(void)state;
	assert_int_equal(
	        tftp_request_parse(PKT("\0\1f\0netascii\0tsize\0000\0timeout\0002\0"), &req), 0);
	tftp_options_negotiate(&req, &server_limits, 4096, false, &opts);
	assert_int_equal(opts.acked, TFTP_OPT_TIMEOUT);
	assert_int_equal(opts.timeout, 2);
}

static void negotiate_clamps_to_limits(void **state)
{
	static const struct tftp_limits small = { .blksize_max = 1024, .windowsize_max = 8 };
	struct tftp_request req;
	struct tftp_options opts;

	(void)state;
	assert_int_equal(
	        tftp_request_parse(PKT("\0\1f\0octet\0blksize\0001468\0windowsize\00016\0"), &req),
	        0);
	tftp_options_negotiate(&req, &small, 0, true, &opts);
	assert_int_equal(opts.blksize, 1024);
	assert_int_equal(opts.windowsize, 8);
	assert_int_equal(opts.acked, TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE);
}

static void oack_bytes(void **state)
{
	static const uint8_t expected[] = "\0\6blksize\0001468\0timeout\0003\0tsize\000123456\0"
	                                  "windowsize\0004";
	struct tftp_options opts = {
		.blksize = 1468,
		.windowsize = 4,
		.timeout = 3,
		.tsize = 123456,
		.acked = TFTP_OPT_BLKSIZE | TFTP_OPT_TIMEOUT | TFTP_OPT_TSIZE | TFTP_OPT_WINDOWSIZE,
	};
	uint8_t buf[128];
	size_t len = 0;

	(void)state;
	assert_int_equal(tftp_build_oack(buf, sizeof(buf), &opts, &len), 0);
	assert_int_equal(len, sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
	assert_int_equal(tftp_build_oack(buf, 20, &opts, &len), -ENOSPC);
}

static void oack_large_tsize(void **state)
{
	static const uint8_t expected[] = "\0\6tsize\00018446744073709551615";
	struct tftp_options opts = { .tsize = UINT64_MAX, .acked = TFTP_OPT_TSIZE };
	uint8_t buf[64];
	size_t len = 0;

	(void)state;
	assert_int_equal(tftp_build_oack(buf, sizeof(buf), &opts, &len), 0);
	assert_int_equal(len, sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void error_packet_bytes(void **state)
{
	static const uint8_t expected[] = "\0\5\0\1File not found";
	uint8_t buf[64];
	size_t len = 0;

	(void)state;
	assert_int_equal(
	        tftp_build_error(buf, sizeof(buf), TFTP_ERR_NOT_FOUND, "File not found", &len), 0);
	assert_int_equal(len, sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
	len = 99;
	assert_int_equal(tftp_build_error(buf, 10, TFTP_ERR_NOT_FOUND, "File not found", &len),
	                 -ENOSPC);
	assert_int_equal(len, 99);
}

static void data_and_ack_bytes(void **state)
{
	uint8_t buf[16];
	size_t len = 0;

	(void)state;
	assert_int_equal(tftp_build_data_header(buf, sizeof(buf), 0xfffe, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "\0\3\xff\xfe", 4);
	assert_int_equal(tftp_build_data(buf, sizeof(buf), 7, "abc", 3, &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(buf, "\0\3\0\7abc", 7);
	assert_int_equal(tftp_build_data(buf, 6, 7, "abc", 3, &len), -ENOSPC);
	assert_int_equal(tftp_build_ack(buf, sizeof(buf), 0x1234, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "\0\4\x12\x34", 4);
	assert_int_equal(tftp_build_data_header(buf, 3, 1, &len), -ENOSPC);
}

static void packet_ack_and_error(void **state)
{
	struct tftp_packet pkt;

	(void)state;
	assert_int_equal(tftp_packet_parse(PKT("\0\4\xff\xff"), &pkt), 0);
	assert_int_equal(pkt.opcode, TFTP_OP_ACK);
	assert_int_equal(pkt.block, 0xffff);
	/* Trailing bytes after an ACK are ignored. */
	assert_int_equal(tftp_packet_parse(PKT("\0\4\0\1\0\0"), &pkt), 0);
	assert_int_equal(pkt.block, 1);

	assert_int_equal(tftp_packet_parse(PKT("\0\5\0\10tsize only\0"), &pkt), 0);
	assert_int_equal(pkt.opcode, TFTP_OP_ERROR);
	assert_int_equal(pkt.error_code, 8);
	assert_string_equal(pkt.error_message, "tsize only");
	assert_int_equal(tftp_packet_parse(PKT("\0\5\0\0no terminator"), &pkt), 0);
	assert_string_equal(pkt.error_message, "no terminator");
	assert_int_equal(tftp_packet_parse(PKT("\0\5\0\3"), &pkt), 0);
	assert_string_equal(pkt.error_message, "");
}

static void packet_error_message_cut(void **state)
{
	uint8_t buf[400];
	struct tftp_packet pkt;

	(void)state;
	memcpy(buf, "\0\5\0\0", 4);
	memset(buf + 4, 'm', sizeof(buf) - 4);
	assert_int_equal(tftp_packet_parse(buf, sizeof(buf), &pkt), 0);
	assert_int_equal(strlen(pkt.error_message), TFTP_ERROR_MESSAGE_MAX - 1);
}

static void packet_malformed(void **state)
{
	struct tftp_packet pkt = { .block = 77 };

	(void)state;
	assert_int_equal(tftp_packet_parse(PKT(""), &pkt), -EBADMSG);
	assert_int_equal(tftp_packet_parse(PKT("\0"), &pkt), -EBADMSG);
	assert_int_equal(tftp_packet_parse(PKT("\0\4\0"), &pkt), -EBADMSG);
	assert_int_equal(tftp_packet_parse(PKT("\0\5\0"), &pkt), -EBADMSG);
	assert_int_equal(tftp_packet_parse(PKT("\0\3\0\1data"), &pkt), -EOPNOTSUPP);
	assert_int_equal(tftp_packet_parse(PKT("\0\1f\0octet\0"), &pkt), -EOPNOTSUPP);
	assert_int_equal(pkt.block, 77);
}

static void netascii_conversions(void **state)
{
	struct tftp_netascii na = { 0 };
	uint8_t out[32];
	size_t used = 0, n;

	(void)state;
	n = tftp_netascii_encode(&na, "a\nb\rc\r\n", 7, out, sizeof(out), &used);
	assert_int_equal(used, 7);
	assert_int_equal(n, 11);
	assert_memory_equal(out, "a\r\nb\r\0c\r\0\r\n", 11);
	assert_false(na.has_pending);
}

static void netascii_pair_split(void **state)
{
	struct tftp_netascii na = { 0 };
	uint8_t out[4];
	size_t used = 0, n;

	(void)state;
	/* "ab\n" fills "ab\r" and keeps the LF for the next block. */
	n = tftp_netascii_encode(&na, "ab\nz", 4, out, 3, &used);
	assert_int_equal(n, 3);
	assert_int_equal(used, 3);
	assert_memory_equal(out, "ab\r", 3);
	assert_true(na.has_pending);
	n = tftp_netascii_encode(&na, "z", 1, out, sizeof(out), &used);
	assert_int_equal(n, 2);
	assert_int_equal(used, 1);
	assert_memory_equal(out, "\nz", 2);
	assert_false(na.has_pending);
	/* A pending byte is written even with no input left (end of file). */
	n = tftp_netascii_encode(&na, "\r", 1, out, 1, &used);
	assert_int_equal(n, 1);
	assert_true(na.has_pending);
	n = tftp_netascii_encode(&na, "", 0, out, sizeof(out), &used);
	assert_int_equal(n, 1);
	assert_int_equal(used, 0);
	assert_int_equal(out[0], 0);
}

/* Encoding in small output pieces gives the same bytes as one call. */
static void netascii_chunked_equals_whole(void **state)
{
	uint8_t in[300], whole[600], pieces[600];
	size_t whole_len, pieces_len = 0, in_pos = 0, used;
	struct tftp_netascii na = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)("ab\r\n\n\r\0x"[i % 8]);
	whole_len = tftp_netascii_encode(&na, in, sizeof(in), whole, sizeof(whole), &used);
	assert_int_equal(used, sizeof(in));

	na = (struct tftp_netascii){ 0 };
	for (size_t piece = 1; in_pos < sizeof(in) || na.has_pending; piece = piece % 7 + 1) {
		pieces_len += tftp_netascii_encode(&na, in + in_pos, sizeof(in) - in_pos,
		                                   pieces + pieces_len, piece, &used);
		in_pos += used;
	}
	assert_int_equal(pieces_len, whole_len);
	assert_memory_equal(pieces, whole, whole_len);
}

static void opcode_names(void **state)
{
	(void)state;
	assert_string_equal(tftp_opcode_name(TFTP_OP_OACK), "OACK");
	assert_string_equal(tftp_opcode_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rrq_plain),
		cmocka_unit_test(rrq_all_options),
		cmocka_unit_test(rrq_edk2_probe),
		cmocka_unit_test(rrq_ipxe),
		cmocka_unit_test(wrq_parsed),
		cmocka_unit_test(mode_names_parsed),
		cmocka_unit_test(malformed_structure),
		cmocka_unit_test(other_opcodes_rejected),
		cmocka_unit_test(nul_padding_accepted),
		cmocka_unit_test(option_value_ranges),
		cmocka_unit_test(option_value_syntax),
		cmocka_unit_test(huge_values_saturate),
		cmocka_unit_test(duplicate_option_rejected),
		cmocka_unit_test(long_unknown_option_ignored),
		cmocka_unit_test(too_many_options),
		cmocka_unit_test(filename_length),
		cmocka_unit_test(error_replies_for_parse_failures),
		cmocka_unit_test(negotiate_defaults),
		cmocka_unit_test(negotiate_tsize_unknown),
		cmocka_unit_test(negotiate_clamps_to_limits),
		cmocka_unit_test(oack_bytes),
		cmocka_unit_test(oack_large_tsize),
		cmocka_unit_test(error_packet_bytes),
		cmocka_unit_test(data_and_ack_bytes),
		cmocka_unit_test(packet_ack_and_error),
		cmocka_unit_test(packet_error_message_cut),
		cmocka_unit_test(packet_malformed),
		cmocka_unit_test(netascii_conversions),
		cmocka_unit_test(netascii_pair_split),
		cmocka_unit_test(netascii_chunked_equals_whole),
		cmocka_unit_test(opcode_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
