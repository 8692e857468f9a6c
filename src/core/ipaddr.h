/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipaddr -- IPv4 and IPv6 addresses and prefixes in one type, for IPAM.
 * Parsing, formatting, ordering and arithmetic; no allocation, no logging.
 * The DHCPv4 code keeps using the uint32_t helpers of core/addr.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define IPADDR_KEYLEN 33 /* 32 hex digits plus NUL */

/*
 * An address of either family. bytes holds the 128-bit value in network
 * order; an IPv4 address a.b.c.d is stored as ::ffff:a.b.c.d, so both
 * families share one ordering and one key space.
 */
struct ipaddr {
	uint8_t family; /* 4 or 6 */
	uint8_t bytes[16];
};

/*
 * Parses a dotted quad (no leading zeros) or an IPv6 address (RFC 4291 text,
 * no zone index). IPv4-mapped IPv6 text (::ffff:a.b.c.d) is rejected because
 * it would name the IPv4 address. Returns 0 or -EINVAL.
 */
int ipaddr_parse(const char *s, struct ipaddr *ret_addr);

/*
 * Parses "address/length". Returns -EINVAL for bad syntax or a length above
 * 32 (IPv4) or 128 (IPv6), and -EADDRNOTAVAIL when host bits are set.
 * *ret_prefix_len is the length within the family (0..32 for IPv4).
 */
int ipaddr_parse_prefix(const char *s, struct ipaddr *ret_network, uint8_t *ret_prefix_len);

/* Writes the canonical text (RFC 5952 for IPv6) into buf. */
void ipaddr_format(const struct ipaddr *a, char buf[IPADDR_STRLEN]);

/* Writes "network/length" into buf (IPADDR_STRLEN + 4 bytes). */
void ipaddr_format_prefix(const struct ipaddr *network, uint8_t prefix_len, char *buf, size_t size);

/* Converts from and to the host-order uint32_t of core/addr.h. */
void ipaddr_from_v4(uint32_t v4, struct ipaddr *ret_addr);
uint32_t ipaddr_to_v4(const struct ipaddr *a);

/*
 * Writes the sort key: 32 lower-case hex digits of the 128-bit value. Keys
 * compare as strings in address order, which is how the store indexes them.
 */
void ipaddr_key(const struct ipaddr *a, char buf[IPADDR_KEYLEN]);

/* Reads a key written by ipaddr_key(). Returns 0 or -EINVAL. */
int ipaddr_from_key(const char *key, struct ipaddr *ret_addr);

/* Orders by the 128-bit value; <0, 0 or >0. */
int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b);

/* 32 for IPv4, 128 for IPv6. */
uint8_t ipaddr_max_prefix(uint8_t family);

/* True when a is in network/prefix_len (same family required). */
bool ipaddr_in_prefix(const struct ipaddr *a, const struct ipaddr *network, uint8_t prefix_len);

/* True when the two prefixes share at least one address. */
bool ipaddr_prefixes_overlap(const struct ipaddr *a, uint8_t a_len, const struct ipaddr *b,
                             uint8_t b_len);

/* Writes the last address of network/prefix_len (the IPv4 broadcast address). */
void ipaddr_prefix_last(const struct ipaddr *network, uint8_t prefix_len, struct ipaddr *ret_last);

/*
 * Writes the first and last address that may be assigned to a host:
 * without the network and broadcast address in IPv4 prefixes up to /30
 * (RFC 3021 lets /31 use both, a /32 is one host), and without the
 * Subnet-Router anycast address (RFC 4291 §2.6.1) in IPv6 prefixes up to /126.
 */
void ipaddr_host_bounds(const struct ipaddr *network, uint8_t prefix_len, struct ipaddr *ret_first,
                        struct ipaddr *ret_last);

/* Adds one; returns false (leaving *a unchanged) when the family's space would wrap. */
bool ipaddr_increment(struct ipaddr *a);

/* Number of addresses from first to last inclusive, as a double (exact up to 2^53). */
double ipaddr_span(const struct ipaddr *first, const struct ipaddr *last);

/* Number of addresses from first to last inclusive, saturated at UINT64_MAX. */
uint64_t ipaddr_span_u64(const struct ipaddr *first, const struct ipaddr *last);
