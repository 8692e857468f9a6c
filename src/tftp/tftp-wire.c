/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tftp-wire -- TFTP packet parsing, building and option negotiation.
 * Every byte goes through the wire reader or writer.
 */
#include "tftp/tftp-wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/wire.h"

/*
 * Reads one NUL-terminated string into dst (cap bytes with the NUL).
 * Returns the string length, -EBADMSG when the datagram ends before the NUL,
 * or -E2BIG when the string does not fit. Then dst contains the first cap - 1
 * bytes, and the reader still stops after the NUL.
 */
static int read_cstring(struct wire_reader *r, char *dst, size_t cap)
{
	size_t n = 0;
	bool cut = false;

	for (;;) {
		uint8_t c;

		if (wire_remaining(r) == 0)
			return -EBADMSG;
		c = wire_read_u8(r);
		if (c == 0)
			break;
		if (n + 1 < cap)
			dst[n++] = (char)c;
		else
			cut = true;
	}
	dst[n] = '\0';
	return cut ? -E2BIG : (int)n;
}

/*
 * Parses a decimal option value: digits only, no sign or spaces. Values
 * beyond UINT64_MAX saturate, so an absurd blksize clamps like a large one.
 */
static int parse_decimal(const char *s, uint64_t *ret_value)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		uint64_t digit;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		digit = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - digit) / 10)
			v = UINT64_MAX;
		else
			v = v * 10 + digit;
	}
	*ret_value = v;
	return 0;
}

static int parse_mode(const char *s, enum tftp_mode *ret_mode)
{
	if (strcasecmp(s, "octet") == 0) {
		*ret_mode = TFTP_MODE_OCTET;
		return 0;
	}
	if (strcasecmp(s, "netascii") == 0) {
		*ret_mode = TFTP_MODE_NETASCII;
		return 0;
	}
	/* "mail" (RFC 1350) is obsolete and meaningless for a read-only server. */
	return -EPROTONOSUPPORT;
}

/* Known option names, their bit, and the smallest and largest valid value. */
static const struct {
	const char *name;
	uint32_t bit;
	uint64_t min;
	uint64_t max;
} known_options[] = {
	{ "blksize", TFTP_OPT_BLKSIZE, TFTP_BLKSIZE_MIN, UINT64_MAX },
	{ "timeout", TFTP_OPT_TIMEOUT, TFTP_TIMEOUT_MIN, TFTP_TIMEOUT_MAX },
	{ "tsize", TFTP_OPT_TSIZE, 0, UINT64_MAX },
	{ "windowsize", TFTP_OPT_WINDOWSIZE, TFTP_WINDOWSIZE_MIN, UINT64_MAX },
};

static void request_set_option(struct tftp_request *req, uint32_t bit, uint64_t v)
{
	switch (bit) {
	case TFTP_OPT_BLKSIZE:
		req->blksize = v;
		break;
	case TFTP_OPT_TIMEOUT:
		req->timeout = v;
		break;
	case TFTP_OPT_TSIZE:
		req->tsize = v;
		break;
	case TFTP_OPT_WINDOWSIZE:
		req->windowsize = v;
		break;
	default:
		break;
	}
}

/* Returns the index of name in known_options, or -1 when the option is unknown. */
static int find_known_option(const char *name)
{
	for (size_t i = 0; i < sizeof(known_options) / sizeof(known_options[0]); i++)
		if (strcasecmp(name, known_options[i].name) == 0)
			return (int)i;
	return -1;
}

/* Applies one known option pair: each may appear once with a value in its range. */
static int request_add_option(struct tftp_request *req, int index, const char *value)
{
	uint64_t v;

	if (req->options & known_options[index].bit)
		return -EINVAL;
	if (parse_decimal(value, &v) < 0)
		return -EINVAL;
	if (v < known_options[index].min || v > known_options[index].max)
		return -EINVAL;
	req->options |= known_options[index].bit;
	request_set_option(req, known_options[index].bit, v);
	return 0;
}

/*
 * Parses the option pairs that follow the mode, up to the end or an empty
 * name. A name too long to be known marks an unknown option; a known name
 * with an over-long value is invalid.
 */
static int request_parse_options(struct wire_reader *r, struct tftp_request *req)
{
	char name[TFTP_OPTION_TEXT_MAX + 1];
	char value[TFTP_OPTION_TEXT_MAX + 1];
	unsigned n = 0;
	int kn, kv, index;

	while (wire_remaining(r) > 0) {
		kn = read_cstring(r, name, sizeof(name));
		if (kn == -EBADMSG)
			return kn;
		if (kn == 0)
			break; /* NUL padding after the last option */
		kv = read_cstring(r, value, sizeof(value));
		if (kv == -EBADMSG)
			return kv;
		if (++n > TFTP_OPTIONS_MAX)
			return -E2BIG;
		index = kn == -E2BIG ? -1 : find_known_option(name);
		if (index < 0) {
			req->n_ignored++; /* RFC 2347: unknown options are ignored */
			continue;
		}
		if (kv == -E2BIG)
			return -EINVAL;
		kn = request_add_option(req, index, value);
		if (kn < 0)
			return kn;
	}
	return 0;
}

int tftp_request_parse(const void *buf, size_t len, struct tftp_request *ret_req)
{
	struct tftp_request req = {
		.blksize = TFTP_BLKSIZE_DEFAULT,
		.windowsize = 1,
	};
	char mode[TFTP_OPTION_TEXT_MAX + 1];
	struct wire_reader r;
	uint16_t opcode;
	int k;

	wire_reader_init(&r, buf, len);
	opcode = wire_read_u16(&r);
	if (wire_reader_error(&r))
		return -EBADMSG;
	if (opcode != TFTP_OP_RRQ && opcode != TFTP_OP_WRQ)
		return -EOPNOTSUPP;
	req.opcode = (enum tftp_opcode)opcode;

	k = read_cstring(&r, req.filename, sizeof(req.filename));
	if (k == -EBADMSG || k == 0)
		return -EBADMSG;
	if (k == -E2BIG)
		return -ENAMETOOLONG;

	k = read_cstring(&r, mode, sizeof(mode));
	if (k == -EBADMSG || k == 0)
		return -EBADMSG;
	if (k == -E2BIG)
		return -EPROTONOSUPPORT;
	k = parse_mode(mode, &req.mode);
	if (k < 0)
		return k;

	k = request_parse_options(&r, &req);
	if (k < 0)
		return k;

	*ret_req = req;
	return 0;
}

enum tftp_error_code tftp_request_error_code(int parse_error)
{
	switch (parse_error) {
	case -EINVAL:
	case -E2BIG:
		return TFTP_ERR_OPTION;
	case -ENAMETOOLONG:
		return TFTP_ERR_NOT_FOUND;
	default:
		return TFTP_ERR_ILLEGAL_OP;
	}
}

const char *tftp_request_error_message(int parse_error)
{
	switch (parse_error) {
	case -EOPNOTSUPP:
		return "Illegal TFTP operation";
	case -ENAMETOOLONG:
		return "File name too long";
	case -EPROTONOSUPPORT:
		return "Unsupported transfer mode";
	case -EINVAL:
		return "Invalid option value";
	case -E2BIG:
		return "Too many options";
	default:
		return "Malformed request";
	}
}

void tftp_options_negotiate(const struct tftp_request *req, const struct tftp_limits *limits,
                            uint64_t file_size, bool size_known, struct tftp_options *ret_opts)
{
	struct tftp_options o = {
		.blksize = TFTP_BLKSIZE_DEFAULT,
		.windowsize = 1,
	};

	/* RFC 2348 and RFC 7440 let the server reply with a smaller value. */
	if (req->options & TFTP_OPT_BLKSIZE) {
		o.blksize = req->blksize > limits->blksize_max ? limits->blksize_max
		                                               : (uint32_t)req->blksize;
		o.acked |= TFTP_OPT_BLKSIZE;
	}
	if (req->options & TFTP_OPT_WINDOWSIZE) {
		o.windowsize = req->windowsize > limits->windowsize_max ? limits->windowsize_max
		                                                        : (uint32_t)req->windowsize;
		o.acked |= TFTP_OPT_WINDOWSIZE;
	}
	/* RFC 2349: the timeout is accepted as requested or not at all. */
	if (req->options & TFTP_OPT_TIMEOUT) {
		o.timeout = (uint32_t)req->timeout;
		o.acked |= TFTP_OPT_TIMEOUT;
	}
	if ((req->options & TFTP_OPT_TSIZE) && size_known) {
		o.tsize = file_size;
		o.acked |= TFTP_OPT_TSIZE;
	}
	*ret_opts = o;
}

int tftp_packet_parse(const void *buf, size_t len, struct tftp_packet *ret_pkt)
{
	struct tftp_packet pkt = { 0 };
	struct wire_reader r;
	uint16_t opcode;
	size_t n = 0;

	wire_reader_init(&r, buf, len);
	opcode = wire_read_u16(&r);
	if (opcode == TFTP_OP_ACK) {
		pkt.block = wire_read_u16(&r);
	} else if (opcode == TFTP_OP_ERROR) {
		pkt.error_code = wire_read_u16(&r);
		while (wire_remaining(&r) > 0 && n + 1 < sizeof(pkt.error_message)) {
			uint8_t c = wire_read_u8(&r);

			if (c == 0)
				break;
			pkt.error_message[n++] = (char)c;
		}
	} else if (!wire_reader_error(&r)) {
		return -EOPNOTSUPP;
	}
	if (wire_reader_error(&r))
		return -EBADMSG;
	pkt.opcode = (enum tftp_opcode)opcode;
	*ret_pkt = pkt;
	return 0;
}

static int writer_finish(const struct wire_writer *w, size_t *ret_len)
{
	if (wire_writer_error(w))
		return wire_writer_error(w);
	*ret_len = wire_writer_len(w);
	return 0;
}

int tftp_build_error(void *buf, size_t cap, enum tftp_error_code code, const char *message,
                     size_t *ret_len)
{
	struct wire_writer w;

	wire_writer_init(&w, buf, cap);
	wire_write_u16(&w, TFTP_OP_ERROR);
	wire_write_u16(&w, (uint16_t)code);
	wire_write_bytes(&w, message, strlen(message) + 1);
	return writer_finish(&w, ret_len);
}

static void write_option(struct wire_writer *w, const char *name, uint64_t value)
{
	char text[24];
	int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)value);

	wire_write_bytes(w, name, strlen(name) + 1);
	wire_write_bytes(w, text, (size_t)n + 1);
}

int tftp_build_oack(void *buf, size_t cap, const struct tftp_options *opts, size_t *ret_len)
{
	struct wire_writer w;

	wire_writer_init(&w, buf, cap);
	wire_write_u16(&w, TFTP_OP_OACK);
	if (opts->acked & TFTP_OPT_BLKSIZE)
		write_option(&w, "blksize", opts->blksize);
	if (opts->acked & TFTP_OPT_TIMEOUT)
		write_option(&w, "timeout", opts->timeout);
	if (opts->acked & TFTP_OPT_TSIZE)
		write_option(&w, "tsize", opts->tsize);
	if (opts->acked & TFTP_OPT_WINDOWSIZE)
		write_option(&w, "windowsize", opts->windowsize);
	return writer_finish(&w, ret_len);
}

int tftp_build_data_header(void *buf, size_t cap, uint16_t block, size_t *ret_len)
{
	struct wire_writer w;

	wire_writer_init(&w, buf, cap);
	wire_write_u16(&w, TFTP_OP_DATA);
	wire_write_u16(&w, block);
	return writer_finish(&w, ret_len);
}

int tftp_build_data(void *buf, size_t cap, uint16_t block, const void *payload, size_t n,
                    size_t *ret_len)
{
	struct wire_writer w;

	wire_writer_init(&w, buf, cap);
	wire_write_u16(&w, TFTP_OP_DATA);
	wire_write_u16(&w, block);
	wire_write_bytes(&w, payload, n);
	return writer_finish(&w, ret_len);
}

int tftp_build_ack(void *buf, size_t cap, uint16_t block, size_t *ret_len)
{
	struct wire_writer w;

	wire_writer_init(&w, buf, cap);
	wire_write_u16(&w, TFTP_OP_ACK);
	wire_write_u16(&w, block);
	return writer_finish(&w, ret_len);
}

size_t tftp_netascii_encode(struct tftp_netascii *state, const void *in, size_t in_len, void *out,
                            size_t out_cap, size_t *ret_consumed)
{
	struct wire_reader r;
	struct wire_writer w;

	wire_reader_init(&r, in, in_len);
	wire_writer_init(&w, out, out_cap);
	if (state->has_pending && wire_writer_room(&w) > 0) {
		wire_write_u8(&w, state->pending);
		state->has_pending = false;
	}
	while (!state->has_pending && wire_writer_room(&w) > 0 && wire_remaining(&r) > 0) {
		uint8_t c = wire_read_u8(&r);
		uint8_t second;

		if (c != '\n' && c != '\r') {
			wire_write_u8(&w, c);
			continue;
		}
		second = c == '\n' ? '\n' : '\0';
		wire_write_u8(&w, '\r');
		if (wire_writer_room(&w) > 0) {
			wire_write_u8(&w, second);
		} else {
			state->pending = second;
			state->has_pending = true;
		}
	}
	*ret_consumed = wire_offset(&r);
	return wire_writer_len(&w);
}

const char *tftp_opcode_name(uint16_t opcode)
{
	switch (opcode) {
	case TFTP_OP_RRQ:
		return "RRQ";
	case TFTP_OP_WRQ:
		return "WRQ";
	case TFTP_OP_DATA:
		return "DATA";
	case TFTP_OP_ACK:
		return "ACK";
	case TFTP_OP_ERROR:
		return "ERROR";
	case TFTP_OP_OACK:
		return "OACK";
	default:
		return "unknown";
	}
}
