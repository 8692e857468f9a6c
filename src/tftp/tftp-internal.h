/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tftp-internal -- state shared by tftp-server.c (requests, sockets, thread)
 * and tftp-transfer.c (one transfer's sending, ACKs and timeouts). Everything
 * here is touched only by the server thread, except the atomic counters.
 */
#pragma once

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/log.h"
#include "tftp/tftp-wire.h"

#define SUBSYSTEM "tftp"

/* Largest file served: boot files are small, and this bounds block counts. */
#define FILE_SIZE_MAX (4ull << 30)
/* Datagrams read from one socket per wakeup, so one busy peer cannot starve others. */
#define RECV_BURST 32
/* Room for the escaped filename in log lines. */
#define FILE_DISPLAY_MAX 512

/* epoll data: the low 32 bits select the source, the high 32 bits a transfer's generation. */
#define EV_STOP          0u
#define EV_LISTEN        1u
#define EV_TRANSFER_BASE 2u

/* Netascii encoder position at the start of one block. */
struct netascii_mark {
	uint64_t offset; /* file offset of the next input byte */
	struct tftp_netascii enc;
};

struct transfer {
	bool in_use;
	uint32_t generation; /* bumped per use of the slot, to drop stale events */
	int sock;
	int fd;
	struct sockaddr_in peer;
	char file[FILE_DISPLAY_MAX];
	enum tftp_mode mode;
	struct tftp_options opts;
	uint64_t request_digest; /* for spotting a retransmitted RRQ */
	bool got_packet;         /* any valid packet from the peer so far */
	bool oack_pending;       /* OACK sent, waiting for ACK 0 */
	bool want_out;           /* a send hit EAGAIN; waiting for EPOLLOUT */
	uint64_t acked;          /* highest block index acknowledged */
	uint64_t next;           /* next block index to send */
	uint64_t sent_max;       /* highest block index sent so far */
	uint64_t last_block;     /* index of the final, short block; 0 until read */
	size_t last_len;
	unsigned retries;
	uint64_t deadline_ms;
	uint64_t started_ms;
	struct netascii_mark *marks; /* netascii only: windowsize + 1 entries */
};

struct tftp_server {
	char root[CONFIG_PATH_MAX];
	uint32_t address; /* host order, 0 = any */
	uint16_t port;
	uint32_t max_transfers;
	uint32_t max_transfers_per_client;

	int root_fd;
	int listen_fd;
	int epoll_fd;
	int stop_fd;
	pthread_t thread;
	bool running;

	/* Owned by the server thread while it runs. */
	struct transfer *transfers;
	uint32_t n_active;
	uint8_t *block_buf; /* payload of the DATA packet being sent */
	uint8_t *text_buf;  /* file bytes read for the netascii encoder */
	struct log_ratelimit request_rl;

	_Atomic uint64_t requests;
	_Atomic uint64_t transfers_ok;
	_Atomic uint64_t transfers_failed;
	_Atomic uint64_t malformed;
	_Atomic uint64_t rejected;
	_Atomic uint64_t active;
	_Atomic uint64_t bytes_sent;
};

/* How a transfer ended, for its log line and counters. */
enum transfer_end {
	TRANSFER_OK,
	TRANSFER_FAILED,
	TRANSFER_PROBE, /* ended by the client after the OACK: not a failure */
};

static inline bool tftp_peer_equal(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

static inline void tftp_stat_add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

/* tftp-transfer.c: the per-transfer state machine, run on the server thread. */

/* Copies a client-supplied name for logs with non-printable bytes escaped. */
void tftp_escape_name(const char *in, char *out, size_t cap);
void tftp_format_peer(const struct sockaddr_in *sa, char *buf, size_t cap);

/* Sends an ERROR from fd to peer, best effort; src, when not NULL, sets the source address. */
void tftp_send_error(int fd, const struct sockaddr_in *peer, const struct in_addr *src,
                     enum tftp_error_code code, const char *message);

/* Retransmission timeout for the transfer's current retry count. */
uint64_t tftp_transfer_timeout_ms(const struct transfer *t);

/* epoll data word of the transfer: slot and generation. */
uint64_t tftp_transfer_event_data(const struct tftp_server *srv, const struct transfer *t);

/* Sends the first packet of a set-up transfer: the OACK, or the first window. */
void tftp_transfer_begin(struct tftp_server *srv, struct transfer *t);

void tftp_transfer_on_readable(struct tftp_server *srv, struct transfer *t);
void tftp_transfer_on_writable(struct tftp_server *srv, struct transfer *t);
void tftp_transfer_on_timeout(struct tftp_server *srv, struct transfer *t, uint64_t now);

/* Logs the transfer's one line, counts it and releases its slot and descriptors. */
void tftp_transfer_finish(struct tftp_server *srv, struct transfer *t, enum transfer_end end,
                          const char *result);
