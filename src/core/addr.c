/* SPDX-License-Identifier: Apache-2.0 */
/*
 * addr -- MAC, IPv4, prefix and integer parsing and formatting.
 */
#include "core/addr.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Reads 12 hex digits from s, allowing the separator sep after every group
 * of group_len digits (0 for none). Requires the separator to be used
 * consistently and the string to end after the last digit.
 */
static int parse_mac_groups(const char *s, char sep, size_t group_len,
                            uint8_t ret_mac[ADDR_MAC_LEN])
{
	uint8_t mac[ADDR_MAC_LEN];
	size_t digits = 0;

	for (; digits < 12; s++) {
		int v;

		if (group_len && digits > 0 && digits % group_len == 0) {
			if (*s != sep)
				return -EINVAL;
			s++;
		}
		v = hex_value(*s);
		if (v < 0)
			return -EINVAL;
		if (digits % 2 == 0)
			mac[digits / 2] = (uint8_t)(v << 4);
		else
			mac[digits / 2] |= (uint8_t)v;
		digits++;
	}
	if (*s != '\0')
		return -EINVAL;
	memcpy(ret_mac, mac, ADDR_MAC_LEN);
	return 0;
}

int addr_parse_mac(const char *s, uint8_t ret_mac[ADDR_MAC_LEN])
{
	size_t len = strlen(s);

	switch (len) {
	case 17:
		return parse_mac_groups(s, s[2] == '-' ? '-' : ':', 2, ret_mac);
	case 14:
		return parse_mac_groups(s, '.', 4, ret_mac);
	case 12:
		return parse_mac_groups(s, 0, 0, ret_mac);
	default:
		return -EINVAL;
	}
}

void addr_format_mac(const uint8_t mac[ADDR_MAC_LEN], char buf[ADDR_MAC_STRLEN])
{
	(void)snprintf(buf, ADDR_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	               mac[2], mac[3], mac[4], mac[5]);
}

int addr_parse_ipv4(const char *s, uint32_t *ret_addr)
{
	uint32_t addr = 0;

	for (int octet = 0; octet < 4; octet++) {
		uint32_t v = 0;
		int digits = 0;

		if (octet > 0) {
			if (*s != '.')
				return -EINVAL;
			s++;
		}
		/* A leading zero would read as octal to inet_aton(); reject it. */
		if (s[0] == '0' && isdigit((unsigned char)s[1]))
			return -EINVAL;
		while (isdigit((unsigned char)*s) && digits < 3) {
			v = v * 10 + (uint32_t)(*s - '0');
			s++;
			digits++;
		}
		if (digits == 0 || v > 255)
			return -EINVAL;
		addr = addr << 8 | v;
	}
	if (*s != '\0')
		return -EINVAL;
	*ret_addr = addr;
	return 0;
}

void addr_format_ipv4(uint32_t addr, char buf[ADDR_IPV4_STRLEN])
{
	(void)snprintf(buf, ADDR_IPV4_STRLEN, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
	               (addr >> 8) & 0xff, addr & 0xff);
}

uint32_t addr_prefix_mask(uint8_t prefix_len)
{
	if (prefix_len == 0)
		return 0;
	if (prefix_len >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - prefix_len);
}

int addr_parse_prefix4(const char *s, uint32_t *ret_network, uint8_t *ret_prefix_len)
{
	char buf[ADDR_IPV4_STRLEN];
	const char *slash = strchr(s, '/');
	uint32_t addr, len;
	size_t n;

	if (slash == NULL)
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (addr_parse_ipv4(buf, &addr) < 0)
		return -EINVAL;
	if (addr_parse_u32(slash + 1, 0, 32, &len) < 0)
		return -EINVAL;
	if ((addr & ~addr_prefix_mask((uint8_t)len)) != 0)
		return -EADDRNOTAVAIL;
	*ret_network = addr;
	*ret_prefix_len = (uint8_t)len;
	return 0;
}

bool addr_in_prefix4(uint32_t addr, uint32_t network, uint8_t prefix_len)
{
	uint32_t mask = addr_prefix_mask(prefix_len);

	return (addr & mask) == (network & mask);
}

int addr_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret_value)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	if (v < min || v > max)
		return -ERANGE;
	*ret_value = (uint32_t)v;
	return 0;
}

int addr_parse_ipv4_port(const char *s, uint32_t *ret_addr, uint16_t *ret_port)
{
	char buf[ADDR_IPV4_STRLEN];
	const char *colon = strrchr(s, ':');
	uint32_t addr, port;
	size_t n;

	if (colon == NULL)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (addr_parse_ipv4(buf, &addr) < 0)
		return -EINVAL;
	if (addr_parse_u32(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;
	*ret_addr = addr;
	*ret_port = (uint16_t)port;
	return 0;
}
