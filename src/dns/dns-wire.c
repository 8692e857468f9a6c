/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-wire -- names, query parsing and the response builder.
 * Every packet byte goes through core/wire; name buffers are local arrays
 * indexed with explicit bounds.
 */
#include "dns/dns-wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NAME_HOPS_MAX 64 /* compression pointers followed for one name */

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Names */

int dns_name_read(struct wire_reader *r, uint8_t ret_name[DNS_NAME_MAX], size_t *ret_len)
{
	uint8_t name[DNS_NAME_MAX];
	struct wire_reader cur = *r;
	size_t len = 0, resume = 0;
	unsigned hops = 0;
	bool jumped = false;

	for (;;) {
		size_t label_off = wire_offset(&cur);
		uint8_t c = wire_read_u8(&cur);

		if (wire_reader_error(&cur))
			goto fail;
		if ((c & 0xc0) == 0xc0) {
			size_t target = (size_t)(c & 0x3f) << 8 | wire_read_u8(&cur);

			/* Pointing strictly backwards, and a hop cap, rule out loops. */
			if (wire_reader_error(&cur) || target >= label_off ||
			    ++hops > NAME_HOPS_MAX)
				goto fail;
			if (!jumped)
				resume = wire_offset(&cur);
			jumped = true;
			wire_seek(&cur, target);
			continue;
		}
		/* 0x40 and 0x80 are the obsolete extended label types (RFC 6891 §5). */
		if (c & 0xc0 || len + 1u + c > DNS_NAME_MAX)
			goto fail;
		name[len++] = c;
		if (c == 0)
			break;
		wire_read_bytes(&cur, &name[len], c);
		if (wire_reader_error(&cur))
			goto fail;
		len += c;
	}
	wire_seek(r, jumped ? resume : wire_offset(&cur));
	memcpy(ret_name, name, len);
	*ret_len = len;
	return 0;

fail:
	/* Mark the caller's reader as failed too, as wire_read_* would. */
	wire_seek(r, SIZE_MAX);
	return -EBADMSG;
}

size_t dns_name_length(const uint8_t *name, size_t max)
{
	size_t len = 0;

	while (len < max && len < DNS_NAME_MAX) {
		uint8_t c = name[len];

		if (c > DNS_LABEL_MAX)
			return 0;
		if (c == 0)
			return len + 1;
		len += 1u + c;
	}
	return 0;
}

unsigned dns_name_labels(const uint8_t *name)
{
	unsigned n = 0;

	for (size_t i = 0; name[i] != 0; i += 1u + name[i])
		n++;
	return n;
}

void dns_name_lower(uint8_t *name)
{
	for (size_t i = 0; name[i] != 0; i += 1u + name[i])
		for (size_t j = 1; j <= name[i]; j++)
			name[i + j] = lower(name[i + j]);
}

bool dns_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t i = 0;

	for (;;) {
		if (a[i] != b[i])
			return false;
		if (a[i] == 0)
			return true;
		for (size_t j = 1; j <= a[i]; j++)
			if (lower(a[i + j]) != lower(b[i + j]))
				return false;
		i += 1u + a[i];
	}
}

int dns_name_suffix_offset(const uint8_t *name, size_t name_len, const uint8_t *suffix,
                           size_t suffix_len)
{
	size_t off = 0;

	if (suffix_len > name_len)
		return -1;
	/* Walk label boundaries until the remaining length equals the suffix length. */
	while (name_len - off > suffix_len)
		off += 1u + name[off];
	if (name_len - off != suffix_len || !dns_name_equal(name + off, suffix))
		return -1;
	return (int)off;
}

uint32_t dns_name_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= lower(name[i]);
		h *= 16777619u;
	}
	return h;
}

static bool host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool dns_name_is_hostname(const uint8_t *name, bool allow_underscore)
{
	for (size_t i = 0; name[i] != 0; i += 1u + name[i]) {
		const uint8_t *label = name + i + 1;
		size_t n = name[i];

		for (size_t j = 0; j < n; j++) {
			uint8_t c = label[j];

			if (host_char(c))
				continue;
			if (c == '_' && allow_underscore)
				continue;
			if (c == '-' && j != 0 && j != n - 1)
				continue;
			return false;
		}
	}
	return true;
}

bool dns_name_is_wildcard(const uint8_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

/* Parses "\DDD" or "\X" at text; returns the byte and advances *pos, or -1. */
static int parse_escape(const char *text, size_t *pos)
{
	const char *p = text + *pos + 1;

	if (p[0] >= '0' && p[0] <= '9') {
		int v;

		if (!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9'))
			return -1;
		v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (v > 255)
			return -1;
		*pos += 4;
		return v;
	}
	if (p[0] == '\0')
		return -1;
	*pos += 2;
	return (unsigned char)p[0];
}

int dns_name_from_text(const char *text, uint8_t ret_name[DNS_NAME_MAX], size_t *ret_len)
{
	uint8_t name[DNS_NAME_MAX];
	size_t len = 0, label = 0, pos = 0;

	if (strcmp(text, ".") == 0) {
		ret_name[0] = 0;
		*ret_len = 1;
		return 0;
	}
	if (text[0] == '\0')
		return -EINVAL;
	name[0] = 0;
	len = 1;
	while (text[pos] != '\0') {
		int c;

		if (text[pos] == '.') {
			if (name[label] == 0)
				return -EINVAL;
			pos++;
			if (text[pos] == '\0')
				break;
			if (len >= DNS_NAME_MAX - 1)
				return -E2BIG;
			label = len;
			name[len++] = 0;
			continue;
		}
		c = text[pos] == '\\' ? parse_escape(text, &pos) : (unsigned char)text[pos++];
		if (c < 0)
			return -EINVAL;
		if (name[label] == DNS_LABEL_MAX)
			return -E2BIG;
		if (len >= DNS_NAME_MAX - 1)
			return -E2BIG;
		name[label]++;
		name[len++] = (uint8_t)c;
	}
	if (name[label] == 0)
		return -EINVAL;
	name[len++] = 0;
	memcpy(ret_name, name, len);
	*ret_len = len;
	return 0;
}

int dns_name_to_text(const uint8_t *name, char *buf, size_t size)
{
	size_t out = 0;

	if (name[0] == 0)
		return size >= 2 ? (void)snprintf(buf, size, "."), 0 : -ENOSPC;
	for (size_t i = 0; name[i] != 0; i += 1u + name[i]) {
		for (size_t j = 1; j <= name[i]; j++) {
			uint8_t c = name[i + j];
			int n;

			if (c <= ' ' || c >= 0x7f)
				n = snprintf(buf + out, size - out, "\\%03u", c);
			else if (strchr(".\\\";()@$", c))
				n = snprintf(buf + out, size - out, "\\%c", c);
			else
				n = snprintf(buf + out, size - out, "%c", c);
			if (n < 0 || (size_t)n >= size - out)
				return -ENOSPC;
			out += (size_t)n;
		}
		if (out + 2 > size)
			return -ENOSPC;
		buf[out++] = '.';
		buf[out] = '\0';
	}
	return 0;
}

/* Queries */

/*
 * Validates the options inside OPT RDATA: each is code, length, data (RFC
 * 6891 §6.1.2). A COOKIE is a client cookie of 8 bytes, optionally followed
 * by a server cookie of 8 to 32 bytes (RFC 7873 §4); other lengths are
 * malformed (§5.2.2).
 */
static void skip_edns_options(struct wire_reader *r, uint16_t rdlen, struct dns_query *q)
{
	struct wire_reader opts;
	const uint8_t *data = wire_read_span(r, rdlen);

	if (data == NULL)
		return;
	wire_reader_init(&opts, data, rdlen);
	while (wire_remaining(&opts) > 0 && !wire_reader_error(&opts)) {
		uint16_t code = wire_read_u16(&opts);
		uint16_t len = wire_read_u16(&opts);

		if (code == DNS_EDNS_COOKIE && len != 8 && (len < 16 || len > 40))
			q->edns_bad_cookie = true;
		wire_skip(&opts, len);
	}
	if (wire_reader_error(&opts))
		wire_seek(r, SIZE_MAX);
}

static int parse_additional(struct wire_reader *r, uint16_t arcount, struct dns_query *q)
{
	for (uint16_t i = 0; i < arcount; i++) {
		uint8_t owner[DNS_NAME_MAX];
		struct dns_rr_header h;
		size_t owner_len;

		if (dns_rr_read_header(r, owner, &owner_len, &h) < 0)
			return -EBADMSG;
		if (q->has_tsig)
			return -EBADMSG; /* TSIG must be the last record (RFC 8945 §5.1) */
		if (h.type == DNS_TYPE_OPT) {
			/* One OPT, owned by the root (RFC 6891 §6.1.1). */
			if (q->has_edns || owner_len != 1)
				return -EBADMSG;
			q->has_edns = true;
			q->edns_udp_size = h.rclass;
			q->edns_version = (uint8_t)(h.ttl >> 16);
			q->edns_do = (h.ttl & 0x8000) != 0;
			skip_edns_options(r, h.rdlen, q);
		} else {
			if (h.type == DNS_TYPE_TSIG)
				q->has_tsig = true;
			wire_skip(r, h.rdlen);
		}
		if (wire_reader_error(r))
			return -EBADMSG;
	}
	return 0;
}

/* Skips the authority section, keeping the serial of an IXFR request's SOA. */
static int parse_authority(struct wire_reader *r, uint16_t nscount, struct dns_query *q)
{
	for (uint16_t i = 0; i < nscount; i++) {
		uint8_t owner[DNS_NAME_MAX], name[DNS_NAME_MAX];
		struct dns_rr_header h;
		size_t owner_len, end, len;

		if (dns_rr_read_header(r, owner, &owner_len, &h) < 0)
			return -EBADMSG;
		end = wire_offset(r) + h.rdlen;
		if (h.type == DNS_TYPE_SOA && q->qtype == DNS_TYPE_IXFR && !q->has_soa) {
			/* MNAME and RNAME may be compressed, then five 32-bit fields. */
			if (dns_name_read(r, name, &len) < 0 || dns_name_read(r, name, &len) < 0)
				return -EBADMSG;
			q->soa_serial = wire_read_u32(r);
			q->has_soa = true;
			if (wire_offset(r) + 16 != end)
				return -EBADMSG;
		}
		wire_seek(r, end);
		if (wire_reader_error(r))
			return -EBADMSG;
	}
	return 0;
}

int dns_query_parse(const uint8_t *buf, size_t len, struct dns_query *ret_query)
{
	struct dns_query *q = ret_query;
	uint16_t qdcount, ancount, nscount, arcount;
	struct wire_reader r;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HEADER_LEN)
		return -EPROTO;
	wire_reader_init(&r, buf, len);
	q->id = wire_read_u16(&r);
	q->flags = wire_read_u16(&r);
	qdcount = wire_read_u16(&r);
	ancount = wire_read_u16(&r);
	nscount = wire_read_u16(&r);
	arcount = wire_read_u16(&r);
	if (q->flags & DNS_FLAG_QR)
		return -EPROTO;
	if (qdcount != 1)
		return -EBADMSG;
	if (dns_name_read(&r, q->qname, &q->qname_len) < 0)
		return -EBADMSG;
	q->qtype = wire_read_u16(&r);
	q->qclass = wire_read_u16(&r);
	if (wire_reader_error(&r)) {
		q->qname_len = 0;
		return -EBADMSG;
	}
	q->question_end = wire_offset(&r);

	/* A NOTIFY may carry the new SOA in the answer section (RFC 1996 §3.7). */
	for (uint16_t i = 0; i < ancount; i++) {
		uint8_t owner[DNS_NAME_MAX];
		struct dns_rr_header h;
		size_t owner_len;

		if (dns_rr_read_header(&r, owner, &owner_len, &h) < 0)
			return -EBADMSG;
		wire_skip(&r, h.rdlen);
	}
	if (parse_authority(&r, nscount, q) < 0 || parse_additional(&r, arcount, q) < 0)
		return -EBADMSG;
	if (wire_reader_error(&r) || wire_remaining(&r) != 0)
		return -EBADMSG;
	return 0;
}

int dns_rr_read_header(struct wire_reader *r, uint8_t ret_owner[DNS_NAME_MAX],
                       size_t *ret_owner_len, struct dns_rr_header *ret_header)
{
	struct dns_rr_header h;

	if (dns_name_read(r, ret_owner, ret_owner_len) < 0)
		return -EBADMSG;
	h.type = wire_read_u16(r);
	h.rclass = wire_read_u16(r);
	h.ttl = wire_read_u32(r);
	h.rdlen = wire_read_u16(r);
	if (wire_reader_error(r) || wire_remaining(r) < h.rdlen) {
		wire_seek(r, SIZE_MAX);
		return -EBADMSG;
	}
	*ret_header = h;
	return 0;
}

/* Responses */

void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, size_t limit)
{
	memset(b, 0, sizeof(*b));
	wire_writer_init(&b->w, buf, cap);
	b->limit = limit < cap ? limit : cap;
	wire_write_zeros(&b->w, DNS_HEADER_LEN);
}

void dns_builder_finish_header(struct dns_builder *b, uint16_t id, uint16_t flags, uint16_t qdcount)
{
	wire_patch_u16(&b->w, 0, id);
	wire_patch_u16(&b->w, 2, flags);
	wire_patch_u16(&b->w, 4, qdcount);
	wire_patch_u16(&b->w, 6, b->counts[DNS_SECTION_ANSWER]);
	wire_patch_u16(&b->w, 8, b->counts[DNS_SECTION_AUTHORITY]);
	wire_patch_u16(&b->w, 10, b->counts[DNS_SECTION_ADDITIONAL]);
}

/* Compares the (possibly compressed) name at packet offset off with an uncompressed name. */
static bool packet_name_equal(const struct dns_builder *b, size_t off, const uint8_t *name)
{
	struct wire_reader r;
	unsigned hops = 0;
	size_t i = 0;

	wire_reader_init(&r, b->w.start, wire_writer_len(&b->w));
	wire_seek(&r, off);
	for (;;) {
		uint8_t c = wire_read_u8(&r);
		const uint8_t *label;

		if (wire_reader_error(&r))
			return false;
		if ((c & 0xc0) == 0xc0) {
			size_t target = (size_t)(c & 0x3f) << 8 | wire_read_u8(&r);

			if (++hops > NAME_HOPS_MAX)
				return false;
			wire_seek(&r, target);
			continue;
		}
		if (c != name[i])
			return false;
		if (c == 0)
			return true;
		label = wire_read_span(&r, c);
		if (label == NULL)
			return false;
		for (size_t j = 0; j < c; j++)
			if (lower(label[j]) != lower(name[i + 1 + j]))
				return false;
		i += 1u + c;
	}
}

static void remember_name(struct dns_builder *b, size_t off)
{
	/* Pointers carry 14 bits of offset. */
	if (off < 0x4000 && b->n_names < DNS_COMPRESS_MAX)
		b->names[b->n_names++] = (uint16_t)off;
}

int dns_builder_name(struct dns_builder *b, const uint8_t *name, bool compress)
{
	size_t off = 0, match = SIZE_MAX;

	/* Longest suffix first; the root alone is never worth a 2-byte pointer. */
	while (compress && name[off] != 0) {
		for (uint16_t k = 0; k < b->n_names && match == SIZE_MAX; k++)
			if (packet_name_equal(b, b->names[k], name + off))
				match = b->names[k];
		if (match != SIZE_MAX)
			break;
		off += 1u + name[off];
	}
	/* Labels before the matched suffix, or all of them when none matched. */
	for (size_t i = 0; name[i] != 0 && (match == SIZE_MAX || i < off); i += 1u + name[i]) {
		remember_name(b, wire_writer_len(&b->w));
		wire_write_bytes(&b->w, name + i, 1u + name[i]);
	}
	if (match == SIZE_MAX)
		wire_write_u8(&b->w, 0);
	else
		wire_write_u16(&b->w, (uint16_t)(0xc000 | match));
	return wire_writer_error(&b->w);
}

int dns_builder_question(struct dns_builder *b, const uint8_t *qname, size_t qname_len,
                         uint16_t qtype, uint16_t qclass)
{
	(void)qname_len;
	(void)dns_builder_name(b, qname, false);
	wire_write_u16(&b->w, qtype);
	wire_write_u16(&b->w, qclass);
	return wire_writer_error(&b->w);
}

/* Writes RDATA, compressing the embedded names of the RFC 1035 types. */
static void write_rdata(struct dns_builder *b, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	size_t first, second;

	switch (type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		(void)dns_builder_name(b, rdata, true);
		return;
	case DNS_TYPE_MX:
		wire_write_bytes(&b->w, rdata, 2);
		(void)dns_builder_name(b, rdata + 2, true);
		return;
	case DNS_TYPE_SOA:
		first = dns_name_length(rdata, rdlen);
		second = dns_name_length(rdata + first, rdlen - first);
		(void)dns_builder_name(b, rdata, true);
		(void)dns_builder_name(b, rdata + first, true);
		wire_write_bytes(&b->w, rdata + first + second, rdlen - first - second);
		return;
	default:
		wire_write_bytes(&b->w, rdata, rdlen);
		return;
	}
}

int dns_builder_rr(struct dns_builder *b, enum dns_section section, const uint8_t *owner,
                   uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t rdlen_off;

	(void)dns_builder_name(b, owner, true);
	wire_write_u16(&b->w, type);
	wire_write_u16(&b->w, DNS_CLASS_IN);
	wire_write_u32(&b->w, ttl);
	rdlen_off = wire_writer_len(&b->w);
	wire_write_u16(&b->w, 0);
	write_rdata(b, type, rdata, rdlen);
	wire_patch_u16(&b->w, rdlen_off, (uint16_t)(wire_writer_len(&b->w) - rdlen_off - 2));
	if (wire_writer_error(&b->w) || wire_writer_len(&b->w) + b->reserve > b->limit ||
	    b->counts[section] == UINT16_MAX)
		return -ENOSPC;
	b->counts[section]++;
	return 0;
}

void dns_builder_mark(const struct dns_builder *b, struct dns_builder_mark *ret_mark)
{
	ret_mark->len = wire_writer_len(&b->w);
	memcpy(ret_mark->counts, b->counts, sizeof(b->counts));
	ret_mark->n_names = b->n_names;
}

void dns_builder_rollback(struct dns_builder *b, const struct dns_builder_mark *mark)
{
	wire_writer_truncate(&b->w, mark->len);
	memcpy(b->counts, mark->counts, sizeof(b->counts));
	b->n_names = mark->n_names;
}

int dns_builder_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, bool do_bit)
{
	wire_write_u8(&b->w, 0);
	wire_write_u16(&b->w, DNS_TYPE_OPT);
	wire_write_u16(&b->w, udp_size);
	/* TTL field: extended rcode, version 0, DO bit, zero flags. */
	wire_write_u32(&b->w, (uint32_t)ext_rcode << 24 | (do_bit ? 0x8000u : 0));
	wire_write_u16(&b->w, 0);
	if (wire_writer_error(&b->w))
		return -ENOSPC;
	b->counts[DNS_SECTION_ADDITIONAL]++;
	return 0;
}

size_t dns_builder_len(const struct dns_builder *b)
{
	return wire_writer_len(&b->w);
}
