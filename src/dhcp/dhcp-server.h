/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-server -- the DHCPv4 service: one UDP socket per configured
 * interface, one thread, handlers per message type (RFC 2131 §4.3).
 * Wire format is in dhcp-wire, allocation in dhcp-lease, boot files in
 * dhcp-boot; this module does the I/O, the decisions' logging and counters.
 */
#pragma once

#include <stdint.h>

struct config;
struct store;
struct dhcp_server;

/*
 * Creates a server from cfg and st (both borrowed; they must outlive the
 * server) and loads the lease table. Opens no socket yet. Caller frees with
 * dhcp_server_free(). Errors: -ENOMEM, or the store's error.
 */
int dhcp_server_new(const struct config *cfg, struct store *st, struct dhcp_server **ret_server);

/*
 * Opens one socket per interface in cfg->dhcp_interfaces and starts the
 * server thread. Logs its own errors once. Returns 0 (also when DHCP is
 * disabled in cfg, starting nothing), -ENODEV for a missing interface, or
 * -errno from the socket calls or pthread_create().
 */
int dhcp_server_start(struct dhcp_server *srv);

/* Stops the thread (promptly, through an eventfd) and joins it. Safe when not started. */
void dhcp_server_stop(struct dhcp_server *srv);

/* Stops the server if needed, closes its sockets and frees it. Accepts NULL. */
void dhcp_server_free(struct dhcp_server *srv);

struct dhcp_stats {
	uint64_t received;  /* datagrams read */
	uint64_t malformed; /* dropped because they did not parse */
	uint64_t dropped;   /* well-formed but ignored (other server, BOOTP, no subnet...) */
	uint64_t discovers;
	uint64_t offers;
	uint64_t requests;
	uint64_t acks;
	uint64_t naks;
	uint64_t releases;
	uint64_t declines;
	uint64_t informs;
	uint64_t pool_exhausted;     /* DISCOVERs left without an offer for lack of addresses */
	uint64_t rate_limited_mac;   /* DISCOVERs dropped: over discover_rate_per_mac */
	uint64_t rate_limited_relay; /* DISCOVERs dropped: over discover_rate_per_relay */
	uint64_t mac_lease_limit;    /* DISCOVERs and REQUESTs dropped: MAC at max_leases_per_mac */
	uint64_t reserved_refused;   /* REQUESTs NAKed: address reserved for another MAC */
	uint64_t store_errors; /* batches whose lease write failed (none of their replies sent) */
	uint64_t batches;      /* batches that wrote lease rows, one transaction each */
	uint64_t batch_rows;   /* lease rows those batches wrote */
	uint64_t send_errors;  /* replies the kernel did not take */
	uint64_t leases;       /* entries in the lease table (a gauge) */
};

/* Copies the counters; callable from any thread while the server runs. */
void dhcp_server_get_stats(struct dhcp_server *srv, struct dhcp_stats *ret_stats);
