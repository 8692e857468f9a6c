/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-zone-text -- the text side of zones: type mnemonics, RDATA in
 * presentation form (RFC 1035 §5), checks on API records, zone settings
 * from the config, and master-file export.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns-zone-internal.h"

static const struct {
	uint16_t type;
	const char *name;
} type_names[] = {
	{ DNS_TYPE_A, "A" },       { DNS_TYPE_NS, "NS" },     { DNS_TYPE_CNAME, "CNAME" },
	{ DNS_TYPE_SOA, "SOA" },   { DNS_TYPE_PTR, "PTR" },   { DNS_TYPE_MX, "MX" },
	{ DNS_TYPE_TXT, "TXT" },   { DNS_TYPE_AAAA, "AAAA" }, { DNS_TYPE_SRV, "SRV" },
	{ DNS_TYPE_OPT, "OPT" },   { DNS_TYPE_DS, "DS" },     { DNS_TYPE_TSIG, "TSIG" },
	{ DNS_TYPE_IXFR, "IXFR" }, { DNS_TYPE_AXFR, "AXFR" }, { DNS_TYPE_ANY, "ANY" },
};

uint16_t dns_type_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcasecmp(name, type_names[i].name) == 0)
			return type_names[i].type;
	return 0;
}

const char *dns_type_name(uint16_t type, char buf[16])
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	(void)snprintf(buf, 16, "TYPE%u", type);
	return buf;
}

bool dns_type_is_api(uint16_t type)
{
	switch (type) {
	case DNS_TYPE_A:
	case DNS_TYPE_AAAA:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_TXT:
	case DNS_TYPE_SRV:
	case DNS_TYPE_MX:
	case DNS_TYPE_NS:
		return true;
	default:
		return false;
	}
}

/* RDATA from text */

static int errorf(char *err, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int errorf(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Parses a decimal number 0..max followed by a space or the end; advances *p. */
static bool parse_number(const char **p, uint32_t max, uint32_t *ret)
{
	char *end;
	unsigned long v;

	if (**p < '0' || **p > '9')
		return false;
	v = strtoul(*p, &end, 10);
	if (v > max || (*end != ' ' && *end != '\0'))
		return false;
	*p = end + strspn(end, " ");
	*ret = (uint32_t)v;
	return true;
}

/*
 * Parses the domain name an NS, CNAME, PTR, MX or SRV record points at. It
 * must be made of host labels (RFC 1123; underscores too for a CNAME, whose
 * target may be a service name). The root "." is accepted only where it means
 * "no service": MX (RFC 7505) and SRV (RFC 2782).
 */
static int parse_target(uint16_t type, const char *text, uint8_t *out, size_t cap, size_t *len,
                        char *err, size_t err_size)
{
	uint8_t name[DNS_NAME_MAX];
	size_t n;

	if (dns_name_from_text(text, name, &n) < 0 || n > cap)
		return errorf(err, err_size, "invalid domain name \"%s\"", text);
	if (!dns_name_is_hostname(name, type == DNS_TYPE_CNAME || type == DNS_TYPE_PTR))
		return errorf(
		        err, err_size,
		        "invalid domain name \"%s\": labels are letters, digits and inner '-' (RFC 1123)",
		        text);
	if (n == 1 && type != DNS_TYPE_MX && type != DNS_TYPE_SRV)
		return errorf(
		        err, err_size,
		        "invalid domain name \".\": only MX and SRV records may point at the root");
	dns_name_lower(name);
	memcpy(out, name, n);
	*len = n;
	return 0;
}

/* Parses "\X" (X itself) or "\DDD" (a decimal byte) at *p; advances *p. Returns the byte or -1. */
static int txt_escape(const char **p)
{
	const char *s = *p + 1;
	int v;

	if (*s >= '0' && *s <= '9') {
		if (s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
			return -1;
		v = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
		if (v > 255)
			return -1;
		*p = s + 3;
		return v;
	}
	if (*s == '\0')
		return -1;
	*p = s + 1;
	return (unsigned char)*s;
}

/*
 * Appends one character-string (RFC 1035 §3.3) at *p: quoted ("...") when
 * quoted, else a word up to the next blank. Advances *p past it.
 */
static int txt_string(const char **p, bool quoted, uint8_t *out, size_t cap, size_t *off, char *err,
                      size_t err_size)
{
	const char *s = *p + (quoted ? 1 : 0);
	size_t len_at = *off, n = 0;

	if (*off >= cap)
		return errorf(err, err_size, "TXT data is too long");
	(*off)++;
	for (;;) {
		int c = (unsigned char)*s;

		if (quoted && c == '"')
			break;
		if (!quoted && (c == '\0' || c == ' ' || c == '\t'))
			break;
		if (c == '\0')
			return errorf(err, err_size,
			              "invalid TXT data: a quoted string is not closed");
		if (!quoted && c == '"')
			return errorf(
			        err, err_size,
			        "invalid TXT data: quote inside an unquoted word; write \\\" or quote the whole string");
		if (c == '\\') {
			c = txt_escape(&s);
			if (c < 0)
				return errorf(
				        err, err_size,
				        "invalid TXT data: a backslash must be followed by a character or three digits 000-255");
		} else if (c < ' ' && c != '\t') {
			return errorf(err, err_size,
			              "invalid TXT data: control character; write it as \\DDD");
		} else {
			s++;
		}
		if (n == 255)
			return errorf(
			        err, err_size,
			        "invalid TXT data: a string is longer than 255 bytes; split it into several quoted strings");
		if (*off >= cap)
			return errorf(err, err_size, "TXT data is too long");
		out[(*off)++] = (uint8_t)c;
		n++;
	}
	out[len_at] = (uint8_t)n;
	*p = quoted ? s + 1 : s;
	return 0;
}

/*
 * TXT in zone-file form: one or more quoted character-strings separated by
 * blanks, or a single unquoted word, each at most 255 bytes (RFC 1035 §3.3.14).
 */
static int parse_txt(const char *text, uint8_t *out, size_t cap, size_t *ret_len, char *err,
                     size_t err_size)
{
	const char *p = text + strspn(text, " \t");
	size_t off = 0;
	int r;

	if (*p != '"') {
		r = txt_string(&p, false, out, cap, &off, err, err_size);
		if (r < 0)
			return r;
		if (p[strspn(p, " \t")] != '\0')
			return errorf(
			        err, err_size,
			        "invalid TXT data \"%s\": text with blanks must be quoted, as \"v=spf1 -all\"",
			        text);
		*ret_len = off;
		return 0;
	}
	while (*p == '"') {
		r = txt_string(&p, true, out, cap, &off, err, err_size);
		if (r < 0)
			return r;
		if (*p != '\0' && *p != ' ' && *p != '\t')
			return errorf(
			        err, err_size,
			        "invalid TXT data \"%s\": expected a blank after a quoted string",
			        text);
		p += strspn(p, " \t");
	}
	if (*p != '\0')
		return errorf(
		        err, err_size,
		        "invalid TXT data \"%s\": expected only quoted strings after the first",
		        text);
	*ret_len = off;
	return 0;
}

int dns_rdata_from_text(uint16_t type, const char *text, uint8_t *ret_rdata, size_t cap,
                        size_t *ret_len, char *err, size_t err_size)
{
	uint32_t a, b, c;
	const char *p = text;
	size_t n;

	switch (type) {
	case DNS_TYPE_A:
		if (cap < 4 || inet_pton(AF_INET, text, ret_rdata) != 1)
			return errorf(err, err_size, "invalid IPv4 address \"%s\"", text);
		*ret_len = 4;
		return 0;
	case DNS_TYPE_AAAA:
		if (cap < 16 || inet_pton(AF_INET6, text, ret_rdata) != 1)
			return errorf(err, err_size, "invalid IPv6 address \"%s\"", text);
		*ret_len = 16;
		return 0;
	case DNS_TYPE_CNAME:
	case DNS_TYPE_NS:
	case DNS_TYPE_PTR:
		return parse_target(type, text, ret_rdata, cap, ret_len, err, err_size);
	case DNS_TYPE_TXT:
		return parse_txt(text, ret_rdata, cap, ret_len, err, err_size);
	case DNS_TYPE_MX:
		if (cap < 2 || !parse_number(&p, 65535, &a))
			return errorf(err, err_size,
			              "invalid MX data \"%s\": expected \"PREFERENCE EXCHANGE\"",
			              text);
		ret_rdata[0] = (uint8_t)(a >> 8);
		ret_rdata[1] = (uint8_t)a;
		if (parse_target(type, p, ret_rdata + 2, cap - 2, &n, err, err_size) < 0)
			return -EINVAL;
		*ret_len = 2 + n;
		return 0;
	case DNS_TYPE_SRV:
		if (cap < 6 || !parse_number(&p, 65535, &a) || !parse_number(&p, 65535, &b) ||
		    !parse_number(&p, 65535, &c))
			return errorf(
			        err, err_size,
			        "invalid SRV data \"%s\": expected \"PRIORITY WEIGHT PORT TARGET\"",
			        text);
		ret_rdata[0] = (uint8_t)(a >> 8);
		ret_rdata[1] = (uint8_t)a;
		ret_rdata[2] = (uint8_t)(b >> 8);
		ret_rdata[3] = (uint8_t)b;
		ret_rdata[4] = (uint8_t)(c >> 8);
		ret_rdata[5] = (uint8_t)c;
		if (parse_target(type, p, ret_rdata + 6, cap - 6, &n, err, err_size) < 0)
			return -EINVAL;
		*ret_len = 6 + n;
		return 0;
	default:
		return errorf(err, err_size, "record type %u cannot be set", type);
	}
}

/* RDATA to text */

struct text_out {
	char *buf;
	size_t size;
	size_t len;
	bool overflow;
};

static void out_printf(struct text_out *o, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void out_printf(struct text_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->overflow = true;
	else
		o->len += (size_t)n;
}

static void out_name(struct text_out *o, const uint8_t *name, size_t max)
{
	char text[DNS_NAME_STRLEN];

	if (dns_name_length(name, max) == 0 || dns_name_to_text(name, text, sizeof(text)) < 0)
		o->overflow = true;
	else
		out_printf(o, "%s", text);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static void out_txt(struct text_out *o, const uint8_t *rdata, uint16_t rdlen)
{
	for (size_t off = 0; off < rdlen;) {
		size_t n = rdata[off];

		if (off + 1 + n > rdlen) {
			o->overflow = true;
			return;
		}
		out_printf(o, "%s\"", off ? " " : "");
		for (size_t i = 0; i < n; i++) {
			uint8_t c = rdata[off + 1 + i];

			if (c == '"' || c == '\\')
				out_printf(o, "\\%c", c);
			else if (c < ' ' || c >= 0x7f)
				out_printf(o, "\\%03u", c);
			else
				out_printf(o, "%c", c);
		}
		out_printf(o, "\"");
		off += 1 + n;
	}
}

static void out_soa(struct text_out *o, const uint8_t *rdata, uint16_t rdlen)
{
	size_t first = dns_name_length(rdata, rdlen);
	size_t second = first ? dns_name_length(rdata + first, rdlen - first) : 0;
	const uint8_t *f = rdata + first + second;

	if (second == 0 || first + second + 20 != rdlen) {
		o->overflow = true;
		return;
	}
	out_name(o, rdata, first);
	out_printf(o, " ");
	out_name(o, rdata + first, second);
	out_printf(o, " %u %u %u %u %u", be32(f), be32(f + 4), be32(f + 8), be32(f + 12),
	           be32(f + 16));
}

int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen, char *buf, size_t size)
{
	struct text_out o = { .buf = buf, .size = size };
	char addr[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (type == DNS_TYPE_A && rdlen == 4) {
		out_printf(&o, "%s", inet_ntop(AF_INET, rdata, addr, sizeof(addr)));
	} else if (type == DNS_TYPE_AAAA && rdlen == 16) {
		out_printf(&o, "%s", inet_ntop(AF_INET6, rdata, addr, sizeof(addr)));
	} else if (type == DNS_TYPE_NS || type == DNS_TYPE_CNAME || type == DNS_TYPE_PTR) {
		out_name(&o, rdata, rdlen);
	} else if (type == DNS_TYPE_MX && rdlen > 2) {
		out_printf(&o, "%u ", be16(rdata));
		out_name(&o, rdata + 2, rdlen - 2u);
	} else if (type == DNS_TYPE_SRV && rdlen > 6) {
		out_printf(&o, "%u %u %u ", be16(rdata), be16(rdata + 2), be16(rdata + 4));
		out_name(&o, rdata + 6, rdlen - 6u);
	} else if (type == DNS_TYPE_TXT) {
		out_txt(&o, rdata, rdlen);
	} else if (type == DNS_TYPE_SOA) {
		out_soa(&o, rdata, rdlen);
	} else {
		/* RFC 3597 §5 generic form. */
		out_printf(&o, "\\# %u", rdlen);
		if (rdlen)
			out_printf(&o, " ");
		for (size_t i = 0; i < rdlen; i++)
			out_printf(&o, "%02x", rdata[i]);
	}
	return o.overflow ? -ENOSPC : 0;
}

/* Config */

/* "user@example.org" becomes the name user.example.org (RFC 1035 §8). */
static int mailbox_to_name(const char *text, uint8_t ret_name[DNS_NAME_MAX], size_t *ret_len)
{
	const char *at = strchr(text, '@');
	uint8_t domain[DNS_NAME_MAX];
	size_t local, dlen;
	int r;

	if (at == NULL)
		return dns_name_from_text(text, ret_name, ret_len);
	local = (size_t)(at - text);
	r = dns_name_from_text(at + 1, domain, &dlen);
	if (r < 0)
		return r;
	if (local == 0 || local > DNS_LABEL_MAX || 1 + local + dlen > DNS_NAME_MAX)
		return -EINVAL;
	ret_name[0] = (uint8_t)local;
	memcpy(ret_name + 1, text, local);
	memcpy(ret_name + 1 + local, domain, dlen);
	*ret_len = 1 + local + dlen;
	return 0;
}

int dns_zone_params_from_config(const struct config *cfg, struct dns_zone_params *ret_params)
{
	struct dns_zone_params p;
	size_t len;

	memset(&p, 0, sizeof(p));
	p.ttl = cfg->dns_ttl;
	p.negative_ttl = cfg->dns_negative_ttl;
	p.refresh = 3600;
	p.retry = 600;
	p.expire = 604800;
	for (size_t i = 0; i < cfg->n_dns_ns && i < DNS_NS_MAX; i++) {
		if (dns_name_from_text(cfg->dns_ns[i], p.ns[i], &len) < 0)
			return -EINVAL;
		dns_name_lower(p.ns[i]);
		p.n_ns++;
	}
	if (p.n_ns == 0)
		return -EINVAL;
	if (mailbox_to_name(cfg->dns_soa_contact[0] ? cfg->dns_soa_contact : "hostmaster.invalid",
	                    p.rname, &len) < 0)
		return -EINVAL;
	dns_name_lower(p.rname);
	(void)snprintf(p.default_domain, sizeof(p.default_domain), "%s", cfg->dns_domain);
	for (size_t i = 0; i < cfg->n_dns_zones && i < sizeof(p.zones) / sizeof(p.zones[0]); i++) {
		(void)snprintf(p.zones[i], sizeof(p.zones[i]), "%s", cfg->dns_zones[i]);
		p.n_zones++;
	}
	*ret_params = p;
	return 0;
}

/* API record checks */

int dns_record_check(const struct dns_zone_params *params, const struct store_dns_subnet *subnets,
                     size_t n_subnets, const char *name, uint16_t type, const char *data,
                     char ret_name[STORE_DOMAIN_MAX], char *err, size_t err_size,
                     const char **ret_field)
{
	uint8_t owner[DNS_NAME_MAX], rdata[DNS_RDATA_MAX];
	struct dns_apex_list apexes = { 0 };
	char text[DNS_NAME_STRLEN];
	size_t owner_len, rdlen;
	bool wildcard;
	long zone;
	int r;

	*ret_field = "type";
	if (!dns_type_is_api(type))
		return errorf(err, err_size,
		              "type must be one of A, AAAA, CNAME, TXT, SRV, MX, NS");
	*ret_field = "name";
	if (dns_name_from_text(name, owner, &owner_len) < 0 || owner_len <= 1)
		return errorf(err, err_size, "invalid name \"%s\": expected a domain name", name);
	dns_name_lower(owner);
	/* A '*' label makes a wildcard only as the leftmost label (RFC 4592 §2.1.1). */
	wildcard = dns_name_is_wildcard(owner);
	if (!dns_name_is_hostname(owner + (wildcard ? 2 : 0),
	                          type == DNS_TYPE_SRV || type == DNS_TYPE_TXT))
		return errorf(err, err_size,
		              "invalid name \"%s\": labels are letters, digits and inner '-' (RFC "
		              "1123)%s, and '*' is allowed only as the whole leftmost label",
		              name, type == DNS_TYPE_SRV || type == DNS_TYPE_TXT ? " or '_'" : "");
	/* RFC 4592 §4.2: an NS at a wildcard would delegate names that do not exist. */
	if (wildcard && type == DNS_TYPE_NS)
		return errorf(err, err_size, "an NS record cannot have a wildcard name");
	r = dns_apex_list_build(params, subnets, n_subnets, &apexes);
	if (r < 0)
		return r;
	zone = dns_apex_list_find(&apexes, owner, owner_len);
	if (zone < 0) {
		dns_apex_list_done(&apexes);
		return errorf(err, err_size, "name \"%s\" is not inside a zone rackd serves", name);
	}
	if (apexes.len[zone] == owner_len && (type == DNS_TYPE_CNAME || type == DNS_TYPE_NS)) {
		dns_apex_list_done(&apexes);
		return errorf(
		        err, err_size,
		        "a %s record cannot be at a zone apex; rackd writes the apex NS from [dns] ns",
		        type == DNS_TYPE_CNAME ? "CNAME" : "NS");
	}
	dns_apex_list_done(&apexes);
	*ret_field = "data";
	r = dns_rdata_from_text(type, data, rdata, sizeof(rdata), &rdlen, err, err_size);
	if (r < 0)
		return r;
	if (dns_name_to_text(owner, text, sizeof(text)) < 0 || strlen(text) >= STORE_DOMAIN_MAX + 1)
		return errorf(err, err_size, "name is too long");
	text[strlen(text) - 1] = '\0'; /* drop the final dot */
	memcpy(ret_name, text, strlen(text) + 1);
	return 0;
}

/* Master file */

struct export_rr {
	const uint8_t *owner;
	const uint8_t *rdata;
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
};

struct export_list {
	struct export_rr *rrs;
	size_t n;
	size_t cap;
};

static int collect_rr(void *ctx, const uint8_t *owner, uint16_t type, uint32_t ttl,
                      const uint8_t *rdata, uint16_t rdlen)
{
	struct export_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		void *p = realloc(l->rrs, cap * sizeof(*l->rrs));

		if (p == NULL)
			return -ENOMEM;
		l->rrs = p;
		l->cap = cap;
	}
	l->rrs[l->n++] = (struct export_rr){ owner, rdata, ttl, type, rdlen };
	return 0;
}

/* Canonical name order (RFC 4034 §6.1): compare labels from the root down. */
static int canonical_compare(const uint8_t *a, const uint8_t *b)
{
	size_t la[128], lb[128];
	size_t na = 0, nb = 0;

	for (size_t i = 0; a[i] && na < 128; i += 1u + a[i])
		la[na++] = i;
	for (size_t i = 0; b[i] && nb < 128; i += 1u + b[i])
		lb[nb++] = i;
	while (na > 0 && nb > 0) {
		const uint8_t *x = a + la[--na], *y = b + lb[--nb];
		size_t n = x[0] < y[0] ? x[0] : y[0];
		int c = memcmp(x + 1, y + 1, n);

		if (c)
			return c;
		if (x[0] != y[0])
			return x[0] < y[0] ? -1 : 1;
	}
	return na == nb ? 0 : na < nb ? -1 : 1;
}

static int export_compare(const void *pa, const void *pb)
{
	const struct export_rr *a = pa, *b = pb;
	int c = canonical_compare(a->owner, b->owner);
	size_t n;

	if (c)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	n = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	c = memcmp(a->rdata, b->rdata, n);
	return c ? c : (a->rdlen > b->rdlen) - (a->rdlen < b->rdlen);
}

static int write_rr(FILE *out, const uint8_t *owner, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, uint16_t rdlen)
{
	char name[DNS_NAME_STRLEN], tbuf[16];
	char *text;
	size_t size = 4u * rdlen + 64;
	int r;

	text = malloc(size);
	if (text == NULL)
		return -ENOMEM;
	r = dns_name_to_text(owner, name, sizeof(name));
	if (r == 0)
		r = dns_rdata_to_text(type, rdata, rdlen, text, size);
	if (r == 0 &&
	    fprintf(out, "%s\t%u\tIN\t%s\t%s\n", name, ttl, dns_type_name(type, tbuf), text) < 0)
		r = -EIO;
	free(text);
	return r;
}

int dns_zone_write_master(const struct dns_zone *zone, FILE *out)
{
	struct export_list l = { 0 };
	char apex[DNS_NAME_STRLEN];
	int r;

	r = dns_zone_foreach_rr(zone, collect_rr, &l);
	if (r == 0)
		r = dns_name_to_text(zone->apex, apex, sizeof(apex));
	if (r < 0)
		goto out;
	qsort(l.rrs, l.n, sizeof(*l.rrs), export_compare);
	if (fprintf(out, "; zone %s serial %u, written by rackd\n$ORIGIN %s\n", apex, zone->serial,
	            apex) < 0) {
		r = -EIO;
		goto out;
	}
	r = write_rr(out, zone->apex, DNS_TYPE_SOA, zone->ttl, zone->soa, zone->soa_len);
	for (size_t i = 0; r == 0 && i < l.n; i++)
		r = write_rr(out, l.rrs[i].owner, l.rrs[i].type, l.rrs[i].ttl, l.rrs[i].rdata,
		             l.rrs[i].rdlen);
out:
	free(l.rrs);
	return r;
}
