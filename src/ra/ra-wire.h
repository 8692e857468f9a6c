/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ra-wire -- ICMPv6 Router Advertisement building and Router Solicitation
 * parsing (RFC 4861 §4.1, §4.2, §6.1.1). Pure functions: no I/O, no logging.
 * The kernel fills in the ICMPv6 checksum of raw ICMPv6 sockets, so built
 * packets carry 0 there.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RA_ICMP6_ROUTER_SOLICIT 133
#define RA_ICMP6_ROUTER_ADVERT  134
#define RA_OPT_SOURCE_LLADDR    1
#define RA_HOP_LIMIT            255 /* RFC 4861: every ND packet, checked on receipt */
#define RA_MAC_LEN              6
#define RA_ADVERT_LEN           24 /* 16-byte header plus one 8-byte link-layer option */

/*
 * Writes a Router Advertisement that configures nothing. Cur hop limit,
 * reachable time and retrans timer are 0 (unspecified), the M and O flags are
 * clear, and router lifetime 0 marks the sender as not a default router. There
 * is no prefix information, and the source link-layer address option is added
 * when mac is not NULL. Hosts that receive it end router discovery with
 * link-local addresses only. Errors: -ENOSPC.
 */
int ra_build_advert(void *buf, size_t cap, const uint8_t *mac, size_t *ret_len);

/* A validated Router Solicitation. */
struct ra_solicit {
	bool has_source_lladdr;
	uint8_t source_lladdr[RA_MAC_LEN]; /* first 6 bytes of the option's address */
};

/*
 * Validates an ICMPv6 message (starting at its type byte) as a Router
 * Solicitation per RFC 4861 §6.1.1. It needs IP hop limit 255, type 133,
 * code 0 and at least 8 bytes. Every option must have a non-zero length that
 * fits, and a source link-layer address option is invalid when the IP source
 * is the unspecified address. Errors: -EBADMSG.
 */
int ra_solicit_parse(const void *buf, size_t len, int hop_limit, bool source_unspecified,
                     struct ra_solicit *ret_solicit);
