/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tftp-wire -- TFTP packet parsing and building (RFC 1350) with option
 * negotiation (RFC 2347 OACK, 2348 blksize, 2349 timeout and tsize, 7440
 * windowsize), plus the netascii encoder. Pure functions: no I/O, no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_PORT              69
#define TFTP_HEADER_LEN        4     /* opcode and block number of DATA and ACK */
#define TFTP_BLKSIZE_DEFAULT   512   /* RFC 1350 */
#define TFTP_BLKSIZE_MIN       8     /* RFC 2348 */
#define TFTP_BLKSIZE_MAX       65464 /* RFC 2348 */
#define TFTP_TIMEOUT_MIN       1     /* seconds, RFC 2349 */
#define TFTP_TIMEOUT_MAX       255
#define TFTP_WINDOWSIZE_MIN    1 /* RFC 7440 */
#define TFTP_WINDOWSIZE_MAX    65535
#define TFTP_REQUEST_MAX       2048 /* largest RRQ/WRQ datagram accepted */
#define TFTP_FILENAME_MAX      1024 /* filename bytes, without the NUL */
#define TFTP_OPTIONS_MAX       32   /* option pairs per request, known and unknown */
#define TFTP_OPTION_TEXT_MAX   64   /* bytes of an option name or value, without the NUL */
#define TFTP_ERROR_MESSAGE_MAX 128  /* bytes kept from a received ERROR message, with the NUL */

enum tftp_opcode {
	TFTP_OP_RRQ = 1,
	TFTP_OP_WRQ = 2,
	TFTP_OP_DATA = 3,
	TFTP_OP_ACK = 4,
	TFTP_OP_ERROR = 5,
	TFTP_OP_OACK = 6,
};

enum tftp_error_code {
	TFTP_ERR_UNDEFINED = 0,
	TFTP_ERR_NOT_FOUND = 1,
	TFTP_ERR_ACCESS = 2,
	TFTP_ERR_DISK_FULL = 3,
	TFTP_ERR_ILLEGAL_OP = 4,
	TFTP_ERR_UNKNOWN_TID = 5,
	TFTP_ERR_FILE_EXISTS = 6,
	TFTP_ERR_NO_USER = 7,
	TFTP_ERR_OPTION = 8, /* RFC 2347: option negotiation failed */
};

enum tftp_mode {
	TFTP_MODE_OCTET,
	TFTP_MODE_NETASCII,
};

/* Bits of tftp_request.options and tftp_options.acked. */
#define TFTP_OPT_BLKSIZE    (1u << 0)
#define TFTP_OPT_TIMEOUT    (1u << 1)
#define TFTP_OPT_TSIZE      (1u << 2)
#define TFTP_OPT_WINDOWSIZE (1u << 3)

/* A parsed RRQ or WRQ. Option values are range-checked but not yet clamped. */
struct tftp_request {
	enum tftp_opcode opcode; /* TFTP_OP_RRQ or TFTP_OP_WRQ */
	enum tftp_mode mode;
	char filename[TFTP_FILENAME_MAX + 1]; /* NUL-terminated, never empty */
	uint32_t options;                     /* TFTP_OPT_* bits present in the request */
	uint64_t blksize;                     /* >= TFTP_BLKSIZE_MIN, saturated at UINT64_MAX */
	uint64_t timeout;                     /* seconds, TFTP_TIMEOUT_MIN..TFTP_TIMEOUT_MAX */
	uint64_t tsize;                       /* as sent; 0 in a well-formed RRQ */
	uint64_t windowsize;                  /* >= TFTP_WINDOWSIZE_MIN, saturated */
	unsigned n_ignored;                   /* unknown options, ignored per RFC 2347 */
};

/*
 * Parses an RRQ or WRQ datagram into *ret_req. Option and mode names are
 * case-insensitive. An empty option name ends the option list, so trailing
 * NUL padding is accepted. Errors, each mapped to an ERROR reply by
 * tftp_request_error_code() and tftp_request_error_message():
 *   -EOPNOTSUPP       opcode other than RRQ or WRQ
 *   -EBADMSG          truncated, unterminated or empty field, option without value
 *   -ENAMETOOLONG     filename longer than TFTP_FILENAME_MAX
 *   -EPROTONOSUPPORT  mode other than netascii or octet (mail included)
 *   -EINVAL           known option repeated, or with a non-decimal, over-long or
 *                     out-of-range value
 *   -E2BIG            more than TFTP_OPTIONS_MAX options
 */
int tftp_request_parse(const void *buf, size_t len, struct tftp_request *ret_req);

/* The ERROR code and message to send for a tftp_request_parse() failure. */
enum tftp_error_code tftp_request_error_code(int parse_error);
const char *tftp_request_error_message(int parse_error);

/* Server-side bounds applied during negotiation. */
struct tftp_limits {
	uint32_t blksize_max;    /* TFTP_BLKSIZE_MIN..TFTP_BLKSIZE_MAX */
	uint32_t windowsize_max; /* TFTP_WINDOWSIZE_MIN..TFTP_WINDOWSIZE_MAX */
};

/* Negotiated transfer parameters and the options to list in the OACK. */
struct tftp_options {
	uint32_t blksize;    /* bytes of payload per DATA packet */
	uint32_t windowsize; /* DATA packets sent before waiting for an ACK */
	uint32_t timeout;    /* seconds requested by the client, 0 when not negotiated */
	uint64_t tsize;      /* file size sent in the OACK */
	uint32_t acked;      /* TFTP_OPT_* bits that go into the OACK */
};

/*
 * Negotiates the options of a parsed RRQ (RFC 2347). Blksize and windowsize
 * are clamped to the limits, and timeout is accepted as sent. The OACK
 * carries tsize = file_size when size_known is true and no tsize otherwise.
 * Options the request did not carry keep their RFC 1350 defaults.
 */
void tftp_options_negotiate(const struct tftp_request *req, const struct tftp_limits *limits,
                            uint64_t file_size, bool size_known, struct tftp_options *ret_opts);

/* A packet received on a transfer's socket: ACK or ERROR. */
struct tftp_packet {
	enum tftp_opcode opcode;
	uint16_t block;                             /* ACK */
	uint16_t error_code;                        /* ERROR */
	char error_message[TFTP_ERROR_MESSAGE_MAX]; /* ERROR, NUL-terminated, may be cut */
};

/*
 * Parses an ACK or ERROR. Bytes after an ACK's block number are ignored; an
 * ERROR message without its NUL is accepted up to the end of the datagram.
 * Errors: -EBADMSG (too short), -EOPNOTSUPP (any other opcode).
 */
int tftp_packet_parse(const void *buf, size_t len, struct tftp_packet *ret_pkt);

/*
 * Builders write into buf (cap bytes) and set *ret_len on success.
 * Errors: -ENOSPC when the packet does not fit.
 */
int tftp_build_error(void *buf, size_t cap, enum tftp_error_code code, const char *message,
                     size_t *ret_len);
int tftp_build_oack(void *buf, size_t cap, const struct tftp_options *opts, size_t *ret_len);

/* Writes the 4-byte DATA header; the payload follows it in the same datagram. */
int tftp_build_data_header(void *buf, size_t cap, uint16_t block, size_t *ret_len);

/* Writes a whole DATA packet: header plus a copy of payload. */
int tftp_build_data(void *buf, size_t cap, uint16_t block, const void *payload, size_t n,
                    size_t *ret_len);

/* Writes an ACK (used by tests and fuzz targets that play the client). */
int tftp_build_ack(void *buf, size_t cap, uint16_t block, size_t *ret_len);

/*
 * Netascii encoder state (RFC 764 as used by RFC 1350): LF becomes CR LF and
 * CR becomes CR NUL. When only the first byte of a pair fits, the second is
 * kept here and written first into the next output.
 */
struct tftp_netascii {
	bool has_pending;
	uint8_t pending;
};

/*
 * Encodes up to in_len bytes of in into out (out_cap bytes). Writes the
 * pending byte first, then converts input until out is full or the input is
 * used up. Sets *ret_consumed to the input bytes used and returns the number
 * of bytes written. Never fails.
 */
size_t tftp_netascii_encode(struct tftp_netascii *state, const void *in, size_t in_len, void *out,
                            size_t out_cap, size_t *ret_consumed);

/* Name of an opcode for logs, "unknown" for others. */
const char *tftp_opcode_name(uint16_t opcode);
