/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-server -- the authoritative DNS service: UDP worker threads sharing
 * the port (SO_REUSEPORT, recvmmsg/sendmmsg batches), one TCP thread
 * (RFC 7766, zone transfers), and a refresher thread that rebuilds the zone
 * snapshot when the store changes and swaps it in without pausing answers.
 * IPv4 only.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "store/store.h"

struct dns_server;

/*
 * Creates the server; borrows cfg and st, which must outlive it. Caller
 * frees with dns_server_free(). Returns 0, -ENOMEM, or -EINVAL when the
 * [dns] names do not convert.
 */
int dns_server_new(const struct config *cfg, struct store *st, struct dns_server **ret_server);

/* Builds the first snapshot, binds the sockets and starts the threads; logs its own errors. */
int dns_server_start(struct dns_server *srv);

/*
 * RCODEs counted: 0 to 15 from the header, and 16 for BADVERS (RFC 6891),
 * the one extended RCODE the server sends.
 */
#define DNS_STATS_RCODES 17

/* Counters since start; read with dns_server_get_stats() from any thread. */
struct dns_stats {
	uint64_t udp_queries;
	uint64_t tcp_queries;
	uint64_t unanswered; /* messages dropped without a response (not a query, too short) */
	uint64_t rcodes[DNS_STATS_RCODES]; /* responses by RCODE; a transfer by its first message */
	uint64_t tcp_per_client_rejected;  /* over [dns] tcp_connections_per_client */
	uint64_t tcp_idle_evicted;         /* closed to make room when all slots were taken */
	uint64_t tcp_output_stalled;       /* queued answers not read in time */
	uint64_t tcp_output_overflow;      /* queued output above its cap */
};

void dns_server_get_stats(struct dns_server *srv, struct dns_stats *ret_stats);

/* Stops and joins the threads (within about 200 ms). */
void dns_server_stop(struct dns_server *srv);
void dns_server_free(struct dns_server *srv);

/*
 * Writes zone zone_name (presentation form) from the store's current content
 * to out in master-file form, with the serial the server would serve.
 * Returns 0, -ENOENT when rackd does not serve that zone (err then lists the
 * served zones), or another -errno with a message in err.
 */
int dns_zone_export(const struct config *cfg, struct store *st, const char *zone_name, FILE *out,
                    char *err, size_t err_size);
