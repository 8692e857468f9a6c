/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-zone-build -- turns inventory rows and API records into zone tables:
 * the list of served zones, forward and reverse records, RFC 2317 classless
 * delegation, delegations of nested zones, and IXFR differences.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns-zone-internal.h"

/* Zone list */

static int apex_add(struct dns_apex_list *l, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->len[i] == len && memcmp(l->names[i], name, len) == 0)
			return 0;
	if (l->n == DNS_ZONES_MAX)
		return -E2BIG;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *names = realloc(l->names, cap * sizeof(*l->names));
		void *lens;

		if (names == NULL)
			return -ENOMEM;
		l->names = names;
		lens = realloc(l->len, cap * sizeof(*l->len));
		if (lens == NULL)
			return -ENOMEM;
		l->len = lens;
		l->cap = cap;
	}
	memcpy(l->names[l->n], name, len);
	dns_name_lower(l->names[l->n]);
	l->len[l->n++] = len;
	return 0;
}

static int apex_add_text(struct dns_apex_list *l, const char *text)
{
	uint8_t name[DNS_NAME_MAX];
	size_t len;

	if (text[0] == '\0' || dns_name_from_text(text, name, &len) < 0)
		return 0; /* names were checked when the config or subnet was written */
	return apex_add(l, name, len);
}

/* Appends labels to a wire name under construction; false when it would not fit. */
static bool name_append_label(uint8_t *name, size_t *len, const char *label, size_t n)
{
	if (n == 0 || n > DNS_LABEL_MAX || *len + 1 + n + 1 > DNS_NAME_MAX)
		return false;
	name[*len] = (uint8_t)n;
	memcpy(name + *len + 1, label, n);
	*len += 1 + n;
	return true;
}

static bool name_append_suffix(uint8_t *name, size_t *len, const uint8_t *suffix, size_t n)
{
	if (*len + n > DNS_NAME_MAX)
		return false;
	memcpy(name + *len, suffix, n);
	*len += n;
	return true;
}

static const uint8_t in_addr_arpa[] = "\007in-addr\004arpa";
static const uint8_t ip6_arpa[] = "\003ip6\004arpa";

/*
 * Reverse name of the first octets bytes of addr under in-addr.arpa, with an
 * optional extra leading label (the RFC 2317 "first-prefixlen" zone label).
 */
static size_t reverse4(const uint8_t *addr, unsigned octets, const char *extra, const char *first,
                       uint8_t out[DNS_NAME_MAX])
{
	char label[8];
	size_t len = 0;

	if (first)
		(void)name_append_label(out, &len, first, strlen(first));
	if (extra)
		(void)name_append_label(out, &len, extra, strlen(extra));
	for (unsigned i = octets; i-- > 0;) {
		int n = snprintf(label, sizeof(label), "%u", addr[i]);

		(void)name_append_label(out, &len, label, (size_t)n);
	}
	(void)name_append_suffix(out, &len, in_addr_arpa, sizeof(in_addr_arpa));
	return len;
}

/* Reverse name of the first nibbles nibbles of addr under ip6.arpa. */
static size_t reverse6(const uint8_t *addr, unsigned nibbles, uint8_t out[DNS_NAME_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0;

	for (unsigned i = nibbles; i-- > 0;) {
		uint8_t byte = addr[i / 2];
		char c = hex[i % 2 ? byte & 0xf : byte >> 4];

		(void)name_append_label(out, &len, &c, 1);
	}
	(void)name_append_suffix(out, &len, ip6_arpa, sizeof(ip6_arpa));
	return len;
}

static void classless_label(const struct store_dns_subnet *s, char buf[8])
{
	(void)snprintf(buf, 8, "%u-%u", s->network[3], s->prefix_len);
}

static int reverse_zones4(struct dns_apex_list *l, const struct store_dns_subnet *s)
{
	uint8_t name[DNS_NAME_MAX];
	unsigned zone_len, count;
	uint32_t net;
	int r;

	if (s->prefix_len > 24) {
		char label[8];

		classless_label(s, label);
		r = apex_add(l, name, reverse4(s->network, 3, label, NULL, name));
		if (r == 0)
			r = apex_add(l, name, reverse4(s->network, 3, NULL, NULL, name));
		return r;
	}
	/* Octet-aligned zones covering the prefix: a /20 is sixteen /24 zones. */
	zone_len = s->prefix_len < 8 ? 8 : (s->prefix_len + 7u) / 8 * 8;
	count = 1u << (zone_len - (s->prefix_len < 8 ? 8 : s->prefix_len));
	memcpy(&net, s->network, 4);
	net = ntohl(net);
	for (unsigned i = 0; i < count; i++) {
		uint32_t z = htonl(net + (uint32_t)(i << (32 - zone_len)));

		r = apex_add(l, name,
		             reverse4((const uint8_t *)&z, zone_len / 8, NULL, NULL, name));
		if (r < 0)
			return r;
	}
	return 0;
}

static int reverse_zones6(struct dns_apex_list *l, const struct store_dns_subnet *s)
{
	unsigned plen = s->prefix_len < 4 ? 4 : s->prefix_len;
	unsigned zone_len = (plen + 3u) / 4 * 4;
	unsigned count = 1u << (zone_len - plen);
	uint8_t name[DNS_NAME_MAX], addr[16];

	for (unsigned i = 0; i < count; i++) {
		unsigned shift = 128 - zone_len;
		unsigned byte = 15 - shift / 8;
		int r;

		/* Adds i at bit position shift; zone_len - plen <= 3, so no carry leaves the byte.
		 */
		memcpy(addr, s->network, 16);
		addr[byte] = (uint8_t)(addr[byte] | i << (shift % 8));
		r = apex_add(l, name, reverse6(addr, zone_len / 4, name));
		if (r < 0)
			return r;
	}
	return 0;
}

int dns_apex_list_build(const struct dns_zone_params *params,
                        const struct store_dns_subnet *subnets, size_t n_subnets,
                        struct dns_apex_list *ret_list)
{
	struct dns_apex_list l = { 0 };
	int r;

	r = apex_add_text(&l, params->default_domain);
	for (size_t i = 0; r == 0 && i < params->n_zones; i++)
		r = apex_add_text(&l, params->zones[i]);
	for (size_t i = 0; r == 0 && i < n_subnets; i++) {
		const struct store_dns_subnet *s = &subnets[i];

		r = apex_add_text(&l, s->domain);
		if (r == 0)
			r = s->family == 6 ? reverse_zones6(&l, s) : reverse_zones4(&l, s);
	}
	if (r < 0) {
		dns_apex_list_done(&l);
		return r;
	}
	*ret_list = l;
	return 0;
}

void dns_apex_list_done(struct dns_apex_list *list)
{
	free(list->names);
	free(list->len);
	memset(list, 0, sizeof(*list));
}

long dns_apex_list_find(const struct dns_apex_list *list, const uint8_t *name, size_t len)
{
	long best = -1;
	size_t best_len = 0;

	for (size_t i = 0; i < list->n; i++) {
		if (list->len[i] > best_len &&
		    dns_name_suffix_offset(name, len, list->names[i], list->len[i]) >= 0) {
			best = (long)i;
			best_len = list->len[i];
		}
	}
	return best;
}

/* Inventory layer */

struct inv_ctx {
	struct dns_snapshot *snap;
	const struct dns_zone_params *params;
	const struct store_dns_inventory *inv;
	struct dns_rrlist list;
	size_t skipped;
};

/* Adds an RR to the zone that contains owner; owners outside every zone are dropped. */
static int inv_add(struct inv_ctx *c, const uint8_t *owner, size_t owner_len, uint16_t type,
                   const uint8_t *rdata, size_t rdlen)
{
	const struct dns_zone *z = dns_snapshot_find_zone(c->snap, owner, owner_len);
	int r;

	if (z == NULL)
		return 0;
	r = dns_rrlist_add(&c->list, owner, owner_len, type, c->params->ttl, rdata, rdlen);
	if (r == 0)
		c->list.rrs[c->list.n - 1].zone = (uint32_t)(z - c->snap->zones);
	return r;
}

static const struct store_dns_subnet *subnet_of(const struct store_dns_inventory *inv,
                                                const struct store_dns_host *h)
{
	size_t lo = 0, hi = inv->n_subnets;

	/* Subnets are ordered by id. */
	while (h->subnet_id && lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (inv->subnets[mid].id == h->subnet_id)
			return &inv->subnets[mid];
		if (inv->subnets[mid].id < h->subnet_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Builds label(s) + domain in wire form; false when the text is not a valid host name. */
static bool host_name(const char *labels, const char *domain, uint8_t out[DNS_NAME_MAX],
                      size_t *ret_len)
{
	char text[2 * STORE_DOMAIN_MAX];
	uint8_t name[DNS_NAME_MAX];
	size_t len;
	int n;

	if (labels[0] == '\0')
		return false;
	n = domain[0] ? snprintf(text, sizeof(text), "%s.%s", labels, domain)
	              : snprintf(text, sizeof(text), "%s", labels);
	if (n < 0 || (size_t)n >= sizeof(text) || dns_name_from_text(text, name, &len) < 0)
		return false;
	dns_name_lower(name);
	if (!dns_name_is_hostname(name, false) || dns_name_labels(name) < 2)
		return false;
	memcpy(out, name, len);
	*ret_len = len;
	return true;
}

/* Interface name as a host label: lower case, other characters than [a-z0-9-] become '-'. */
static void iface_label(const char *ifname, char out[STORE_IFNAME_MAX])
{
	size_t n = 0, start = 0;

	for (size_t i = 0; ifname[i] && n + 1 < STORE_IFNAME_MAX; i++) {
		char c = ifname[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	while (start < n && out[start] == '-')
		start++;
	memmove(out, out + start, n - start);
	out[n - start] = '\0';
}

static size_t ptr_owner(const struct store_dns_host *h, const struct store_dns_subnet *s,
                        uint8_t out[DNS_NAME_MAX])
{
	char label[8], first[4];

	if (h->family == 6)
		return reverse6(h->address, 32, out);
	if (s && s->family == 4 && s->prefix_len > 24) {
		classless_label(s, label);
		(void)snprintf(first, sizeof(first), "%u", h->address[3]);
		return reverse4(h->address, 3, label, first, out);
	}
	return reverse4(h->address, 4, NULL, NULL, out);
}

static int inv_host(struct inv_ctx *c, const struct store_dns_host *h)
{
	const struct store_dns_subnet *s = subnet_of(c->inv, h);
	const char *domain = s && s->domain[0] ? s->domain : c->params->default_domain;
	uint8_t host[DNS_NAME_MAX], iface[DNS_NAME_MAX], own[DNS_NAME_MAX], rev[DNS_NAME_MAX];
	size_t host_len = 0, iface_len = 0, own_len = 0, rev_len;
	char label[STORE_IFNAME_MAX], labels[STORE_DOMAIN_MAX + STORE_IFNAME_MAX];
	uint16_t type = h->family == 6 ? DNS_TYPE_AAAA : DNS_TYPE_A;
	size_t alen = h->family == 6 ? 16 : 4;
	const uint8_t *target = NULL;
	size_t target_len = 0;
	int r = 0;

	/* A dns_name with a dot is absolute; without one it is relative to the domain. */
	if (h->dns_name[0] &&
	    !host_name(h->dns_name, strchr(h->dns_name, '.') ? "" : domain, own, &own_len))
		c->skipped++;
	if (h->hostname[0] && !host_name(h->hostname, domain, host, &host_len))
		c->skipped++;
	iface_label(h->ifname, label);
	if (host_len && label[0]) {
		(void)snprintf(labels, sizeof(labels), "%s.%s", label, h->hostname);
		if (!host_name(labels, domain, iface, &iface_len))
			iface_len = 0;
	}
	if (own_len)
		r = inv_add(c, own, own_len, type, h->address, alen);
	if (r == 0 && host_len)
		r = inv_add(c, host, host_len, type, h->address, alen);
	if (r == 0 && iface_len)
		r = inv_add(c, iface, iface_len, type, h->address, alen);

	/* PTR: the address's own name, else the host for its boot interface, else the interface. */
	if (own_len)
		target = own, target_len = own_len;
	else if (host_len && (h->boot || iface_len == 0))
		target = host, target_len = host_len;
	else if (iface_len)
		target = iface, target_len = iface_len;
	if (r == 0 && target) {
		rev_len = ptr_owner(h, s, rev);
		r = inv_add(c, rev, rev_len, DNS_TYPE_PTR, target, target_len);
	}
	return r;
}

/* RFC 2317 §4: the /24 zone points every address of a small subnet at the classless zone. */
static int inv_classless(struct inv_ctx *c, const struct store_dns_subnet *s)
{
	uint8_t owner[DNS_NAME_MAX], target[DNS_NAME_MAX], addr[4];
	unsigned size = 1u << (32 - s->prefix_len);
	char label[8], first[4];

	classless_label(s, label);
	memcpy(addr, s->network, 4);
	for (unsigned i = 0; i < size; i++) {
		size_t owner_len, target_len;
		int r;

		addr[3] = (uint8_t)(s->network[3] + i);
		(void)snprintf(first, sizeof(first), "%u", addr[3]);
		owner_len = reverse4(addr, 4, NULL, NULL, owner);
		target_len = reverse4(addr, 3, label, first, target);
		r = inv_add(c, owner, owner_len, DNS_TYPE_CNAME, target, target_len);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A zone nested in another served zone gets NS records at the cut in the parent. */
static int inv_delegations(struct inv_ctx *c)
{
	for (size_t i = 0; i < c->snap->n_zones; i++) {
		const struct dns_zone *z = &c->snap->zones[i];
		size_t parent_off = 1u + z->apex[0];

		if (z->apex_len <= 1 || !dns_snapshot_find_zone(c->snap, z->apex + parent_off,
		                                                z->apex_len - parent_off))
			continue;
		for (size_t k = 0; k < c->params->n_ns; k++) {
			const uint8_t *ns = c->params->ns[k];
			int r = inv_add(c, z->apex, z->apex_len, DNS_TYPE_NS, ns,
			                dns_name_length(ns, DNS_NAME_MAX));

			if (r < 0)
				return r;
		}
	}
	return 0;
}

/*
 * inv_add() files an owner under the longest matching apex, so the
 * delegation NS at a child apex would land in the child. Moves each such NS
 * to the parent zone instead.
 */
static void move_delegations_to_parent(struct inv_ctx *c)
{
	for (size_t i = 0; i < c->list.n; i++) {
		struct dns_rr *rr = &c->list.rrs[i];
		const struct dns_zone *z = &c->snap->zones[rr->zone];
		size_t off;

		if (rr->type != DNS_TYPE_NS || rr->owner_len != z->apex_len ||
		    memcmp(rr->owner, z->apex, z->apex_len) != 0)
			continue;
		off = 1u + rr->owner[0];
		z = dns_snapshot_find_zone(c->snap, rr->owner + off, rr->owner_len - off);
		if (z)
			rr->zone = (uint32_t)(z - c->snap->zones);
	}
}

int dns_inventory_tables_build(struct dns_snapshot *snap, const struct dns_zone_params *params,
                               const struct store_dns_inventory *inv, size_t *skipped)
{
	struct inv_ctx c = { .snap = snap, .params = params, .inv = inv };
	int r = 0;

	for (size_t i = 0; r == 0 && i < inv->n_hosts; i++)
		r = inv_host(&c, &inv->hosts[i]);
	for (size_t i = 0; r == 0 && i < inv->n_subnets; i++)
		if (inv->subnets[i].family == 4 && inv->subnets[i].prefix_len > 24)
			r = inv_classless(&c, &inv->subnets[i]);
	if (r == 0)
		r = inv_delegations(&c);
	if (r == 0) {
		move_delegations_to_parent(&c);
		r = dns_layer_build(snap, DNS_LAYER_INVENTORY, &c.list);
	}
	*skipped += c.skipped;
	dns_rrlist_done(&c.list);
	return r;
}

/* API layer */

static bool conflicts_with_inventory(const struct dns_zone *z, const struct dns_rr *rr)
{
	const struct dns_node *node =
	        dns_table_lookup(z->layers[DNS_LAYER_INVENTORY], rr->owner, rr->owner_len,
	                         dns_name_hash(rr->owner, rr->owner_len));

	if (node == NULL)
		return false;
	/* RFC 1034 §3.6.2: a CNAME owner has no other data. */
	if (node->flags & DNS_NODE_CNAME)
		return true;
	return rr->type == DNS_TYPE_CNAME && node->n_rrsets > 0;
}

int dns_record_check_inventory(const struct dns_snapshot *snap, const char *name, uint16_t type,
                               char *err, size_t err_size)
{
	struct dns_rr rr = { .type = type };
	uint8_t owner[DNS_NAME_MAX];
	const struct dns_zone *z;
	const struct dns_node *node;
	size_t owner_len, off;
	char tbuf[16];
	int n;

	if (dns_name_from_text(name, owner, &owner_len) < 0)
		return -EINVAL;
	dns_name_lower(owner);
	z = dns_snapshot_find_zone(snap, owner, owner_len);
	rr.owner = owner;
	rr.owner_len = (uint8_t)owner_len;
	if (z == NULL || !conflicts_with_inventory(z, &rr))
		return 0;
	node = dns_table_lookup(z->layers[DNS_LAYER_INVENTORY], owner, owner_len,
	                        dns_name_hash(owner, owner_len));
	n = snprintf(err, err_size, "%s has inventory records of type", name);
	off = n < 0 ? 0 : (size_t)n;
	for (uint16_t i = 0; i < node->n_rrsets && off < err_size; i++) {
		n = snprintf(err + off, err_size - off, "%s %s", i ? "," : "",
		             dns_type_name(node->rrsets[i].type, tbuf));
		off += n < 0 ? 0 : (size_t)n;
	}
	if (off < err_size)
		(void)snprintf(
		        err + off, err_size - off,
		        " (from machines, addresses or subnets); a CNAME cannot share a name with other data");
	return -EEXIST;
}

static bool duplicates_inventory(const struct dns_zone *z, const struct dns_rr *rr)
{
	const struct dns_node *node =
	        dns_table_lookup(z->layers[DNS_LAYER_INVENTORY], rr->owner, rr->owner_len,
	                         dns_name_hash(rr->owner, rr->owner_len));
	const struct dns_rrset *set = dns_node_rrset(node, rr->type);

	for (uint16_t i = 0; set && i < set->n_rr; i++) {
		uint16_t len;
		const uint8_t *rd = dns_rrset_rdata(set, i, &len);

		if (len == rr->rdlen && memcmp(rd, rr->rdata, len) == 0)
			return true;
	}
	return false;
}

/*
 * TXT data stored before the API parsed it in zone-file form: the raw text
 * in 255-byte character-strings, which is how such records were served.
 */
static int txt_from_raw(const char *text, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t len = strlen(text), off = 0, pos = 0;

	do {
		size_t n = len - pos > 255 ? 255 : len - pos;

		if (off + 1 + n > cap)
			return -E2BIG;
		out[off] = (uint8_t)n;
		memcpy(out + off + 1, text + pos, n);
		off += 1 + n;
		pos += n;
	} while (pos < len);
	*ret_len = off;
	return 0;
}

static int api_rdata(uint16_t type, const char *text, uint8_t *out, size_t cap, size_t *ret_len)
{
	char err[8];

	if (dns_rdata_from_text(type, text, out, cap, ret_len, err, sizeof(err)) == 0)
		return 0;
	return type == DNS_TYPE_TXT ? txt_from_raw(text, out, cap, ret_len) : -EINVAL;
}

static int api_add(struct dns_snapshot *snap, const struct dns_zone_params *params,
                   const struct store_dns_record *rec, struct dns_rrlist *list, size_t *skipped)
{
	uint8_t owner[DNS_NAME_MAX], rdata[DNS_RDATA_MAX];
	uint16_t type = dns_type_from_name(rec->type);
	const struct dns_zone *z;
	size_t owner_len, rdlen;
	bool at_apex;
	int r;

	if (!dns_type_is_api(type) || dns_name_from_text(rec->name, owner, &owner_len) < 0 ||
	    api_rdata(type, rec->data, rdata, sizeof(rdata), &rdlen) < 0)
		goto skip;
	dns_name_lower(owner);
	z = dns_snapshot_find_zone(snap, owner, owner_len);
	if (z == NULL)
		goto skip;
	at_apex = owner_len == z->apex_len && memcmp(owner, z->apex, owner_len) == 0;
	if (at_apex && (type == DNS_TYPE_CNAME || type == DNS_TYPE_NS))
		goto skip;
	/* dns_record_check() rejects a wildcard NS, but the store may be edited by hand. */
	if (type == DNS_TYPE_NS && dns_name_is_wildcard(owner))
		goto skip;
	r = dns_rrlist_add(list, owner, owner_len, type, rec->ttl ? rec->ttl : params->ttl, rdata,
	                   rdlen);
	if (r < 0)
		return r;
	list->rrs[list->n - 1].zone = (uint32_t)(z - snap->zones);
	if (conflicts_with_inventory(z, &list->rrs[list->n - 1])) {
		list->n--;
		goto skip;
	}
	if (duplicates_inventory(z, &list->rrs[list->n - 1]))
		list->n--;
	return 0;

skip:
	(*skipped)++;
	return 0;
}

static int owner_compare(const void *pa, const void *pb)
{
	const struct dns_rr *a = pa, *b = pb;

	if (a->zone != b->zone)
		return a->zone < b->zone ? -1 : 1;
	if (a->owner_len != b->owner_len)
		return a->owner_len < b->owner_len ? -1 : 1;
	return memcmp(a->owner, b->owner, a->owner_len);
}

/* Drops API CNAMEs that share an owner with other data, and all but one CNAME per owner. */
static void drop_cname_conflicts(struct dns_rrlist *list, size_t *skipped)
{
	size_t out = 0, start;

	if (list->n == 0)
		return;
	qsort(list->rrs, list->n, sizeof(*list->rrs), owner_compare);
	for (size_t i = 0; i < list->n; i = start) {
		bool other = false, cname_kept = false;

		start = i + 1;
		while (start < list->n && owner_compare(&list->rrs[i], &list->rrs[start]) == 0)
			start++;
		for (size_t k = i; k < start; k++)
			other |= list->rrs[k].type != DNS_TYPE_CNAME;
		for (size_t k = i; k < start; k++) {
			if (list->rrs[k].type == DNS_TYPE_CNAME && (other || cname_kept)) {
				(*skipped)++;
				continue;
			}
			cname_kept |= list->rrs[k].type == DNS_TYPE_CNAME;
			list->rrs[out++] = list->rrs[k];
		}
	}
	list->n = out;
}

int dns_api_tables_build(struct dns_snapshot *snap, const struct dns_zone_params *params,
                         const struct store_dns_record *records, size_t n_records, size_t *skipped)
{
	struct dns_rrlist list = { 0 };
	int r = 0;

	for (size_t i = 0; r == 0 && i < n_records; i++)
		r = api_add(snap, params, &records[i], &list, skipped);
	if (r == 0) {
		drop_cname_conflicts(&list, skipped);
		r = dns_layer_build(snap, DNS_LAYER_API, &list);
	}
	dns_rrlist_done(&list);
	return r;
}

/* IXFR differences */

struct blob {
	uint8_t *data;
	size_t len;
	size_t cap;
};

static int blob_put(struct blob *b, const void *src, size_t n)
{
	if (b->len + n > DNS_IXFR_BYTES_MAX)
		return -E2BIG;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		void *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->data, cap);
		if (p == NULL)
			return -ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, src, n);
	b->len += n;
	return 0;
}

static int blob_put_rr(struct blob *b, const uint8_t *owner, size_t owner_len, uint16_t type,
                       uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t fixed[8] = { (uint8_t)(type >> 8),  (uint8_t)type,       (uint8_t)(ttl >> 24),
		             (uint8_t)(ttl >> 16),  (uint8_t)(ttl >> 8), (uint8_t)ttl,
		             (uint8_t)(rdlen >> 8), (uint8_t)rdlen };
	int r = blob_put(b, owner, owner_len);

	if (r == 0)
		r = blob_put(b, fixed, sizeof(fixed));
	if (r == 0)
		r = blob_put(b, rdata, rdlen);
	return r;
}

static bool rrset_has(const struct dns_rrset *set, uint32_t ttl, const uint8_t *rdata,
                      uint16_t rdlen)
{
	if (set == NULL || set->ttl != ttl)
		return false;
	for (uint16_t i = 0; i < set->n_rr; i++) {
		uint16_t len;
		const uint8_t *rd = dns_rrset_rdata(set, i, &len);

		if (len == rdlen && memcmp(rd, rdata, len) == 0)
			return true;
	}
	return false;
}

/* Appends to out every RR of a that b lacks (either table may be NULL). */
static int table_minus(const struct dns_table *a, const struct dns_table *b, struct blob *out)
{
	for (size_t s = 0; a && s <= a->mask; s++) {
		const struct dns_node *node = a->slots[s];
		const struct dns_node *other;

		if (node == NULL || node->n_rrsets == 0)
			continue;
		other = dns_table_lookup(b, node->name, node->name_len, node->hash);
		for (uint16_t k = 0; k < node->n_rrsets; k++) {
			const struct dns_rrset *set = &node->rrsets[k];
			const struct dns_rrset *oset = dns_node_rrset(other, set->type);

			for (uint16_t i = 0; i < set->n_rr; i++) {
				uint16_t len;
				const uint8_t *rd = dns_rrset_rdata(set, i, &len);
				int r;

				if (rrset_has(oset, set->ttl, rd, len))
					continue;
				r = blob_put_rr(out, node->name, node->name_len, set->type,
				                set->ttl, rd, len);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

int dns_ixfr_step_new(const struct dns_zone *old, const struct dns_zone *cur,
                      struct dns_ixfr_step **ret_step)
{
	struct blob removed = { 0 }, added = { 0 };
	struct dns_ixfr_step *step;
	int r = 0;

	for (int l = 0; r == 0 && l < DNS_LAYERS; l++) {
		if (old->layers[l] == cur->layers[l])
			continue;
		r = table_minus(old->layers[l], cur->layers[l], &removed);
		if (r == 0)
			r = table_minus(cur->layers[l], old->layers[l], &added);
	}
	step = r == 0 ? calloc(1, sizeof(*step)) : NULL;
	if (step == NULL) {
		free(removed.data);
		free(added.data);
		return r < 0 ? r : -ENOMEM;
	}
	step->from_serial = old->serial;
	step->to_serial = cur->serial;
	step->removed = removed.data;
	step->removed_len = removed.len;
	step->added = added.data;
	step->added_len = added.len;
	step->refs = 1;
	*ret_step = step;
	return 0;
}
