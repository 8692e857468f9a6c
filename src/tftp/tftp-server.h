/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tftp-server -- read-only TFTP server for boot files below cfg->boot_dir.
 * One thread runs an epoll loop over the listening socket and one ephemeral
 * UDP socket per transfer. Write requests are always rejected.
 */
#pragma once

#include <stdint.h>

struct config;
struct tftp_server;

/* Counters since start; read with tftp_server_get_stats() from any thread. */
struct tftp_stats {
	uint64_t requests;         /* well-formed RRQ and WRQ datagrams */
	uint64_t transfers_ok;     /* last block acknowledged */
	uint64_t transfers_failed; /* timed out, aborted by the client, read error, stop */
	uint64_t malformed;        /* bad requests and bad packets on transfer sockets */
	uint64_t rejected;         /* WRQ, not found, access violation, server busy */
	uint64_t active;           /* transfers in progress now */
	uint64_t bytes_sent;       /* DATA payload bytes sent, retransmissions included */
};

/*
 * Allocates a stopped server that serves cfg->boot_dir on
 * cfg->tftp_address:cfg->tftp_port with at most cfg->tftp_max_transfers
 * transfers at once. Copies what it needs from cfg. Caller frees with
 * tftp_server_free(). Errors: -ENOMEM, -EINVAL (max_transfers is 0).
 */
int tftp_server_new(const struct config *cfg, struct tftp_server **ret_server);

/*
 * Opens the root directory, binds the listening socket and starts the server
 * thread. Logs its own failure once. Errors: -errno of the failed call.
 */
int tftp_server_start(struct tftp_server *srv);

/*
 * Stops the thread and ends the transfers in progress (each logged as failed).
 * Safe to call on a server that is not running.
 */
void tftp_server_stop(struct tftp_server *srv);

/* Stops the server if needed and frees it. Accepts NULL. */
void tftp_server_free(struct tftp_server *srv);

void tftp_server_get_stats(struct tftp_server *srv, struct tftp_stats *ret_stats);
