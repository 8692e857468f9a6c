/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: TFTP request and packet parsing, option negotiation and
 * the OACK built from it, and the netascii encoder fed in uneven pieces.
 * Broken invariants abort, so the fuzzer reports them as crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tftp/tftp-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const uint8_t *data, size_t size)
{
	static const struct tftp_limits limits = { .blksize_max = TFTP_BLKSIZE_MAX,
		                                   .windowsize_max = 64 };
	struct tftp_request req;
	struct tftp_options opts;
	uint8_t oack[256];
	size_t len;

	if (tftp_request_parse(data, size, &req) < 0)
		return;
	if (req.filename[0] == '\0' || strlen(req.filename) > TFTP_FILENAME_MAX)
		abort();
	tftp_options_negotiate(&req, &limits, size, true, &opts);
	if (opts.blksize < TFTP_BLKSIZE_MIN || opts.blksize > TFTP_BLKSIZE_MAX)
		abort();
	if (opts.windowsize < 1 || opts.windowsize > limits.windowsize_max)
		abort();
	if ((opts.acked & TFTP_OPT_TIMEOUT) && (opts.timeout < 1 || opts.timeout > 255))
		abort();
	/* Four options with 20-digit values fit in far less than 256 bytes. */
	if (tftp_build_oack(oack, sizeof(oack), &opts, &len) < 0)
		abort();
}

static void check_packet(const uint8_t *data, size_t size)
{
	struct tftp_packet pkt;

	if (tftp_packet_parse(data, size, &pkt) < 0)
		return;
	if (strlen(pkt.error_message) >= sizeof(pkt.error_message))
		abort();
}

/* Encodes in one call and in pieces of 1..13 bytes; both must agree. */
static void check_netascii(const uint8_t *data, size_t size)
{
	struct tftp_netascii na = { 0 };
	size_t whole_len, pieces_len = 0, pos = 0, used, piece = 1;
	uint8_t *whole, *pieces;

	if (size > 4096)
		return;
	whole = malloc(2 * size + 1);
	pieces = malloc(2 * size + 1);
	if (whole == NULL || pieces == NULL)
		goto out;
	whole_len = tftp_netascii_encode(&na, data, size, whole, 2 * size + 1, &used);
	if (used != size || na.has_pending)
		abort();
	na = (struct tftp_netascii){ 0 };
	while (pos < size || na.has_pending) {
		pieces_len += tftp_netascii_encode(&na, data + pos, size - pos, pieces + pieces_len,
		                                   piece, &used);
		pos += used;
		piece = piece % 13 + 1;
	}
	if (pieces_len != whole_len || memcmp(pieces, whole, whole_len) != 0)
		abort();
out:
	free(whole);
	free(pieces);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_request(data, size);
	check_packet(data, size);
	check_netascii(data, size);
	return 0;
}
