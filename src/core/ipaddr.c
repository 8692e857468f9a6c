/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipaddr -- IPv4/IPv6 parsing, formatting and 128-bit arithmetic on the
 * byte representation (no compiler-specific 128-bit integers).
 */
#include "core/ipaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void ipaddr_from_v4(uint32_t v4, struct ipaddr *ret_addr)
{
	ret_addr->family = 4;
	memcpy(ret_addr->bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	ret_addr->bytes[12] = (uint8_t)(v4 >> 24);
	ret_addr->bytes[13] = (uint8_t)(v4 >> 16);
	ret_addr->bytes[14] = (uint8_t)(v4 >> 8);
	ret_addr->bytes[15] = (uint8_t)v4;
}

uint32_t ipaddr_to_v4(const struct ipaddr *a)
{
	return (uint32_t)a->bytes[12] << 24 | (uint32_t)a->bytes[13] << 16 |
	       (uint32_t)a->bytes[14] << 8 | (uint32_t)a->bytes[15];
}

int ipaddr_parse(const char *s, struct ipaddr *ret_addr)
{
	struct ipaddr a = { .family = 6 };
	uint32_t v4;

	if (strchr(s, ':') == NULL) {
		if (addr_parse_ipv4(s, &v4) < 0)
			return -EINVAL;
		ipaddr_from_v4(v4, ret_addr);
		return 0;
	}
	if (strlen(s) >= IPADDR_STRLEN || inet_pton(AF_INET6, s, a.bytes) != 1)
		return -EINVAL;
	if (memcmp(a.bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0)
		return -EINVAL;
	*ret_addr = a;
	return 0;
}

uint8_t ipaddr_max_prefix(uint8_t family)
{
	return family == 4 ? 32 : 128;
}

/* Prefix length over the whole 128-bit value. */
static unsigned full_length(uint8_t family, uint8_t prefix_len)
{
	return family == 4 ? 96u + prefix_len : prefix_len;
}

/* Sets the host bits of a (after the first len bits) to ones or zeros. */
static void fill_host_bits(struct ipaddr *a, unsigned len, bool ones)
{
	for (unsigned bit = len; bit < 128; bit++) {
		uint8_t mask = (uint8_t)(0x80u >> (bit % 8));

		if (ones)
			a->bytes[bit / 8] |= mask;
		else
			a->bytes[bit / 8] &= (uint8_t)~mask;
	}
}

int ipaddr_parse_prefix(const char *s, struct ipaddr *ret_network, uint8_t *ret_prefix_len)
{
	char buf[IPADDR_STRLEN];
	const char *slash = strchr(s, '/');
	struct ipaddr a, masked;
	uint32_t len;
	size_t n;

	if (slash == NULL)
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (ipaddr_parse(buf, &a) < 0)
		return -EINVAL;
	if (addr_parse_u32(slash + 1, 0, ipaddr_max_prefix(a.family), &len) < 0)
		return -EINVAL;
	masked = a;
	fill_host_bits(&masked, full_length(a.family, (uint8_t)len), false);
	if (memcmp(masked.bytes, a.bytes, sizeof(a.bytes)) != 0)
		return -EADDRNOTAVAIL;
	*ret_network = a;
	*ret_prefix_len = (uint8_t)len;
	return 0;
}

/*
 * RFC 5952 §4: lower-case hex groups without leading zeros, the longest
 * run of two or more zero groups (the first of equal runs) shortened to
 * "::". Unlike glibc's inet_ntop(), addresses in ::/96 stay hexadecimal:
 * the dotted form of IPv4-compatible addresses is deprecated (RFC 4291
 * §2.5.5.1), and IPv4-mapped ones are family 4 here.
 */
static void format_v6(const uint8_t bytes[16], char buf[IPADDR_STRLEN])
{
	unsigned groups[8];
	int best = -1, best_len = 0, run = -1, len;
	size_t off = 0;

	for (int i = 0; i < 8; i++)
		groups[i] = (unsigned)bytes[2 * i] << 8 | bytes[2 * i + 1];
	for (int i = 0; i <= 8; i++) {
		if (i < 8 && groups[i] == 0) {
			if (run < 0)
				run = i;
			continue;
		}
		len = run < 0 ? 0 : i - run;
		if (len >= 2 && len > best_len) {
			best = run;
			best_len = len;
		}
		run = -1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			off += (size_t)snprintf(buf + off, IPADDR_STRLEN - off, "::");
			i += best_len - 1;
			continue;
		}
		off += (size_t)snprintf(buf + off, IPADDR_STRLEN - off, "%s%x",
		                        off > 0 && buf[off - 1] != ':' ? ":" : "", groups[i]);
	}
	buf[off] = '\0';
}

void ipaddr_format(const struct ipaddr *a, char buf[IPADDR_STRLEN])
{
	if (a->family == 4) {
		addr_format_ipv4(ipaddr_to_v4(a), buf);
		return;
	}
	format_v6(a->bytes, buf);
}

void ipaddr_format_prefix(const struct ipaddr *network, uint8_t prefix_len, char *buf, size_t size)
{
	char text[IPADDR_STRLEN];

	ipaddr_format(network, text);
	(void)snprintf(buf, size, "%s/%u", text, prefix_len);
}

void ipaddr_key(const struct ipaddr *a, char buf[IPADDR_KEYLEN])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < 16; i++) {
		buf[2 * i] = digits[a->bytes[i] >> 4];
		buf[2 * i + 1] = digits[a->bytes[i] & 0x0f];
	}
	buf[32] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ipaddr_from_key(const char *key, struct ipaddr *ret_addr)
{
	struct ipaddr a;

	if (strlen(key) != 32)
		return -EINVAL;
	for (size_t i = 0; i < 16; i++) {
		int hi = hex_digit(key[2 * i]), lo = hex_digit(key[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		a.bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	a.family = memcmp(a.bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0 ? 4 : 6;
	*ret_addr = a;
	return 0;
}

int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

bool ipaddr_in_prefix(const struct ipaddr *a, const struct ipaddr *network, uint8_t prefix_len)
{
	struct ipaddr masked = *a;

	if (a->family != network->family)
		return false;
	fill_host_bits(&masked, full_length(a->family, prefix_len), false);
	return memcmp(masked.bytes, network->bytes, sizeof(masked.bytes)) == 0;
}

bool ipaddr_prefixes_overlap(const struct ipaddr *a, uint8_t a_len, const struct ipaddr *b,
                             uint8_t b_len)
{
	uint8_t shorter = a_len < b_len ? a_len : b_len;
	struct ipaddr ma = *a, mb = *b;

	if (a->family != b->family)
		return false;
	/* Two prefixes overlap exactly when they agree on the shorter one's bits. */
	fill_host_bits(&ma, full_length(a->family, shorter), false);
	fill_host_bits(&mb, full_length(b->family, shorter), false);
	return memcmp(ma.bytes, mb.bytes, sizeof(ma.bytes)) == 0;
}

void ipaddr_prefix_last(const struct ipaddr *network, uint8_t prefix_len, struct ipaddr *ret_last)
{
	*ret_last = *network;
	fill_host_bits(ret_last, full_length(network->family, prefix_len), true);
}

bool ipaddr_increment(struct ipaddr *a)
{
	struct ipaddr next = *a;
	size_t low = a->family == 4 ? 12 : 0;

	for (size_t i = 16; i-- > low;) {
		if (++next.bytes[i] != 0) {
			*a = next;
			return true;
		}
	}
	return false;
}

/* Subtracts one; false when a is the family's first address. */
static bool ipaddr_decrement(struct ipaddr *a)
{
	struct ipaddr prev = *a;
	size_t low = a->family == 4 ? 12 : 0;

	for (size_t i = 16; i-- > low;) {
		if (prev.bytes[i]-- != 0) {
			*a = prev;
			return true;
		}
	}
	return false;
}

void ipaddr_host_bounds(const struct ipaddr *network, uint8_t prefix_len, struct ipaddr *ret_first,
                        struct ipaddr *ret_last)
{
	struct ipaddr first = *network, last;

	ipaddr_prefix_last(network, prefix_len, &last);
	if (network->family == 4 && prefix_len <= 30) {
		(void)ipaddr_increment(&first);
		(void)ipaddr_decrement(&last);
	} else if (network->family == 6 && prefix_len <= 126) {
		(void)ipaddr_increment(&first);
	}
	*ret_first = first;
	*ret_last = last;
}

/* last - first as 128-bit big-endian bytes; first <= last is required. */
static void difference(const struct ipaddr *first, const struct ipaddr *last, uint8_t out[16])
{
	unsigned borrow = 0;

	for (size_t i = 16; i-- > 0;) {
		int d = (int)last->bytes[i] - (int)first->bytes[i] - (int)borrow;

		borrow = d < 0;
		out[i] = (uint8_t)(d < 0 ? d + 256 : d);
	}
}

double ipaddr_span(const struct ipaddr *first, const struct ipaddr *last)
{
	uint8_t d[16];
	double v = 0;

	if (ipaddr_cmp(first, last) > 0)
		return 0;
	difference(first, last, d);
	for (size_t i = 0; i < 16; i++)
		v = v * 256.0 + d[i];
	return v + 1.0;
}

uint64_t ipaddr_span_u64(const struct ipaddr *first, const struct ipaddr *last)
{
	uint8_t d[16];
	uint64_t v = 0;

	if (ipaddr_cmp(first, last) > 0)
		return 0;
	difference(first, last, d);
	for (size_t i = 0; i < 8; i++)
		if (d[i] != 0)
			return UINT64_MAX;
	for (size_t i = 8; i < 16; i++)
		v = v << 8 | d[i];
	return v == UINT64_MAX ? UINT64_MAX : v + 1;
}
