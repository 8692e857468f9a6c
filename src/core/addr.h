/* SPDX-License-Identifier: Apache-2.0 */
/*
 * addr -- parsing and formatting of MAC addresses, IPv4 addresses and
 * prefixes, and range-checked integers. No allocation, no logging.
 * IPv4 addresses are uint32_t in host byte order throughout rackd.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_MAC_LEN     6
#define ADDR_MAC_STRLEN  18 /* "52:54:00:ab:cd:ef" plus NUL */
#define ADDR_IPV4_STRLEN 16

/*
 * Parses a MAC in any common notation: 52:54:00:ab:cd:ef, 52-54-00-AB-CD-EF,
 * 5254.00ab.cdef or 525400abcdef. Returns 0 or -EINVAL.
 */
int addr_parse_mac(const char *s, uint8_t ret_mac[ADDR_MAC_LEN]);

/* Writes lower-case colon notation into buf (ADDR_MAC_STRLEN bytes). */
void addr_format_mac(const uint8_t mac[ADDR_MAC_LEN], char buf[ADDR_MAC_STRLEN]);

/* Parses dotted-quad; rejects leading zeros' octal ambiguity and junk. 0 or -EINVAL. */
int addr_parse_ipv4(const char *s, uint32_t *ret_addr);

/* Writes dotted-quad into buf (ADDR_IPV4_STRLEN bytes). */
void addr_format_ipv4(uint32_t addr, char buf[ADDR_IPV4_STRLEN]);

/* Netmask for a prefix length 0..32. */
uint32_t addr_prefix_mask(uint8_t prefix_len);

/*
 * Parses "a.b.c.d/len". Returns -EINVAL for bad syntax and -EADDRNOTAVAIL when
 * host bits are set (the caller names the network address in its message).
 */
int addr_parse_prefix4(const char *s, uint32_t *ret_network, uint8_t *ret_prefix_len);

/* True when addr lies in network/prefix_len. */
bool addr_in_prefix4(uint32_t addr, uint32_t network, uint8_t prefix_len);

/*
 * Parses a decimal unsigned integer in [min, max] with no sign, spaces or
 * trailing characters. Returns 0, -EINVAL (syntax) or -ERANGE.
 */
int addr_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret_value);

/* Parses "ip:port" (IPv4 only). Returns 0 or -EINVAL. */
int addr_parse_ipv4_port(const char *s, uint32_t *ret_addr, uint16_t *ret_port);
