/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ra -- ICMPv6 Router Advertisement sender for the served interfaces, so
 * netboot clients (iPXE) end IPv6 router discovery at once instead of waiting
 * for it to time out. The advertisements configure nothing: no prefix, no
 * default router, no DHCPv6. One thread serves all interfaces.
 */
#pragma once

#include <stdint.h>

struct config;
struct ra_sender;

/* Counters since start; read with ra_sender_get_stats() from any thread. */
struct ra_stats {
	uint64_t sent;          /* advertisements sent, unsolicited and solicited */
	uint64_t solicitations; /* valid Router Solicitations received */
	uint64_t malformed;     /* solicitations dropped by RFC 4861 §6.1.1 validation */
};

/*
 * Allocates a stopped sender for cfg->ra_interfaces, advertising every
 * cfg->ra_interval seconds. Copies what it needs from cfg. Caller frees with
 * ra_sender_free(). Errors: -ENOMEM, -EINVAL (no interface, or interval 0).
 */
int ra_sender_new(const struct config *cfg, struct ra_sender **ret_sender);

/*
 * Opens one raw ICMPv6 socket per interface (needs CAP_NET_RAW), joins the
 * all-routers group and starts the thread, which sends a first advertisement
 * at once. Logs its own failure once. Errors: -ENODEV (interface missing),
 * or -errno of the failed call.
 */
int ra_sender_start(struct ra_sender *ra);

/* Stops the thread. Safe to call on a sender that is not running. */
void ra_sender_stop(struct ra_sender *ra);

/* Stops the sender if needed and frees it. Accepts NULL. */
void ra_sender_free(struct ra_sender *ra);

void ra_sender_get_stats(struct ra_sender *ra, struct ra_stats *ret_stats);
