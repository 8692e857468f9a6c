/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-answer -- the authoritative lookup algorithm of RFC 1034 §4.3.2, with
 * wildcards as RFC 4592 defines them, over the two tables of a zone, and the
 * transfer and NOTIFY messages.
 */
#include "dns/dns-answer.h"

#include <errno.h>
#include <string.h>

#define CNAME_CHAIN_MAX 8 /* CNAMEs followed inside one zone */

struct answer {
	struct dns_builder b;
	const struct dns_zone *zone;
	uint16_t qtype;
	uint16_t rcode;
	bool aa;
	bool truncated;
};

/* Looks name up in both tables of the zone. */
static void zone_lookup(const struct dns_zone *z, const uint8_t *name, size_t len,
                        const struct dns_node *ret_nodes[DNS_LAYERS])
{
	uint32_t h = dns_name_hash(name, len);

	for (int l = 0; l < DNS_LAYERS; l++)
		ret_nodes[l] = dns_table_lookup(z->layers[l], name, len, h);
}

static bool is_apex(const struct dns_zone *z, size_t len)
{
	/* name is inside z, so equal length means equal name */
	return len == z->apex_len;
}

/*
 * Appends every RR of set to section; on overflow rolls the RRset back and,
 * outside the additional section, sets TC (RFC 2181 §9).
 */
static bool put_rrset(struct answer *a, enum dns_section section, const uint8_t *owner,
                      const struct dns_rrset *set, uint32_t ttl)
{
	struct dns_builder_mark mark;

	if (a->truncated)
		return false;
	dns_builder_mark(&a->b, &mark);
	for (uint16_t i = 0; i < set->n_rr; i++) {
		uint16_t len;
		const uint8_t *rd = dns_rrset_rdata(set, i, &len);

		if (dns_builder_rr(&a->b, section, owner, set->type, ttl, rd, len) < 0) {
			dns_builder_rollback(&a->b, &mark);
			if (section != DNS_SECTION_ADDITIONAL)
				a->truncated = true;
			return false;
		}
	}
	return true;
}

static void put_soa(struct answer *a, enum dns_section section, uint32_t ttl)
{
	struct dns_rrset soa = { .type = DNS_TYPE_SOA, .n_rr = 1, .ttl = ttl };
	uint8_t rdata[2 + sizeof(a->zone->soa)];

	rdata[0] = (uint8_t)(a->zone->soa_len >> 8);
	rdata[1] = (uint8_t)a->zone->soa_len;
	memcpy(rdata + 2, a->zone->soa, a->zone->soa_len);
	soa.rdata = rdata;
	(void)put_rrset(a, section, a->zone->apex, &soa, ttl);
}

/* RFC 2308 §3: negative answers carry the SOA, its TTL capped by MINIMUM. */
static void put_negative(struct answer *a)
{
	put_soa(a, DNS_SECTION_AUTHORITY, a->zone->negative_ttl);
}

/* Offset of the name inside RDATA that additional-section processing follows, or -1. */
static int target_offset(uint16_t type)
{
	switch (type) {
	case DNS_TYPE_NS:
		return 0;
	case DNS_TYPE_MX:
		return 2;
	case DNS_TYPE_SRV:
		return 6;
	default:
		return -1;
	}
}

/* Adds in-zone A and AAAA records of the names an NS, MX or SRV RRset points at. */
static void put_additional(struct answer *a, const struct dns_rrset *set)
{
	int off = target_offset(set->type);

	for (uint16_t i = 0; off >= 0 && i < set->n_rr; i++) {
		const struct dns_node *nodes[DNS_LAYERS];
		uint16_t len;
		const uint8_t *rd = dns_rrset_rdata(set, i, &len);
		const uint8_t *target = rd + off;
		size_t tlen = dns_name_length(target, (size_t)(len - off));

		if (tlen == 0 ||
		    dns_name_suffix_offset(target, tlen, a->zone->apex, a->zone->apex_len) < 0)
			continue;
		zone_lookup(a->zone, target, tlen, nodes);
		for (int l = 0; l < DNS_LAYERS; l++) {
			const struct dns_rrset *v4 = dns_node_rrset(nodes[l], DNS_TYPE_A);
			const struct dns_rrset *v6 = dns_node_rrset(nodes[l], DNS_TYPE_AAAA);

			if (v4)
				(void)put_rrset(a, DNS_SECTION_ADDITIONAL, target, v4, v4->ttl);
			if (v6)
				(void)put_rrset(a, DNS_SECTION_ADDITIONAL, target, v6, v6->ttl);
		}
	}
}

/* Returns the delegation node on the way from the apex down to name, or NULL. */
static const struct dns_node *find_cut(const struct dns_zone *z, const uint8_t *name, size_t len)
{
	bool cuts = false;
	size_t offs[128], n = 0;

	for (int l = 0; l < DNS_LAYERS; l++)
		cuts |= z->layers[l] && z->layers[l]->has_cuts;
	if (!cuts)
		return NULL;
	/* Label offsets of the ancestors strictly below the apex, then top-down. */
	for (size_t off = 0; len - off > z->apex_len && n < 128; off += 1u + name[off])
		offs[n++] = off;
	while (n-- > 0) {
		const struct dns_node *nodes[DNS_LAYERS];

		zone_lookup(z, name + offs[n], len - offs[n], nodes);
		for (int l = 0; l < DNS_LAYERS; l++)
			if (nodes[l] && (nodes[l]->flags & DNS_NODE_CUT))
				return nodes[l];
	}
	return NULL;
}

static void put_referral(struct answer *a, const struct dns_node *cut)
{
	const struct dns_rrset *ns = dns_node_rrset(cut, DNS_TYPE_NS);

	a->aa = a->b.counts[DNS_SECTION_ANSWER] > 0; /* keep AA only for a CNAME part */
	if (ns && put_rrset(a, DNS_SECTION_AUTHORITY, cut->name, ns, ns->ttl))
		put_additional(a, ns);
}

/* ANY gets one RRset (RFC 8482 §4.2): the first one the name has. */
static void put_any(struct answer *a, const uint8_t *name, size_t len,
                    const struct dns_node *nodes[DNS_LAYERS])
{
	if (is_apex(a->zone, len) && a->zone->ns.n_rr > 0) {
		(void)put_rrset(a, DNS_SECTION_ANSWER, name, &a->zone->ns, a->zone->ns.ttl);
		return;
	}
	for (int l = 0; l < DNS_LAYERS; l++) {
		if (nodes[l] && nodes[l]->n_rrsets > 0) {
			const struct dns_rrset *set = &nodes[l]->rrsets[0];

			(void)put_rrset(a, DNS_SECTION_ANSWER, name, set, set->ttl);
			return;
		}
	}
	put_negative(a);
}

/* Writes the RRsets of type at name; returns false when there are none. */
static bool put_data(struct answer *a, const uint8_t *name, size_t len, uint16_t type,
                     const struct dns_node *nodes[DNS_LAYERS])
{
	bool found = false;

	if (is_apex(a->zone, len) && type == DNS_TYPE_SOA) {
		put_soa(a, DNS_SECTION_ANSWER, a->zone->ttl);
		return true;
	}
	if (is_apex(a->zone, len) && type == DNS_TYPE_NS && a->zone->ns.n_rr > 0) {
		if (put_rrset(a, DNS_SECTION_ANSWER, name, &a->zone->ns, a->zone->ns.ttl))
			put_additional(a, &a->zone->ns);
		found = true;
	}
	for (int l = 0; l < DNS_LAYERS; l++) {
		const struct dns_rrset *set = dns_node_rrset(nodes[l], type);

		if (set == NULL)
			continue;
		found = true;
		if (put_rrset(a, DNS_SECTION_ANSWER, name, set, set->ttl))
			put_additional(a, set);
	}
	return found;
}

static const struct dns_rrset *node_cname(const struct dns_node *nodes[DNS_LAYERS])
{
	for (int l = 0; l < DNS_LAYERS; l++) {
		const struct dns_rrset *set = dns_node_rrset(nodes[l], DNS_TYPE_CNAME);

		if (set)
			return set;
	}
	return NULL;
}

static bool node_exists(const struct dns_node *nodes[DNS_LAYERS])
{
	return nodes[0] || nodes[1];
}

/*
 * Looks up the source of synthesis for a name that does not exist (RFC 4592
 * §3.3.1): the wildcard below the closest encloser, which is the longest
 * existing ancestor. Empty non-terminals exist, and so does the apex.
 * Returns true with ret_nodes filled when the source exists.
 */
static bool find_wildcard(const struct dns_zone *z, const uint8_t *name, size_t len,
                          const struct dns_node *ret_nodes[DNS_LAYERS])
{
	uint8_t source[DNS_NAME_MAX];
	size_t off = 1u + name[0];

	while (len - off > z->apex_len) {
		zone_lookup(z, name + off, len - off, ret_nodes);
		if (node_exists(ret_nodes))
			break;
		off += 1u + name[off];
	}
	if (len - off + 2 > sizeof(source))
		return false;
	source[0] = 1;
	source[1] = '*';
	memcpy(source + 2, name + off, len - off);
	zone_lookup(z, source, len - off + 2, ret_nodes);
	return node_exists(ret_nodes);
}

static bool name_seen(const uint8_t *const *seen, unsigned n, const uint8_t *name)
{
	for (unsigned i = 0; i < n; i++)
		if (dns_name_equal(seen[i], name))
			return true;
	return false;
}

/*
 * RFC 1034 §4.3.2 step 3, for a name known to be inside the zone. A CNAME
 * chain stops at a name it has already visited, so a loop (which software
 * must survive, RFC 1034 §3.6.2) lists each CNAME once.
 */
static void answer_in_zone(struct answer *a, const uint8_t *qname, size_t qname_len)
{
	const uint8_t *seen[CNAME_CHAIN_MAX];
	const uint8_t *name = qname;
	size_t len = qname_len;

	for (unsigned chain = 0;; chain++) {
		const struct dns_node *nodes[DNS_LAYERS];
		const struct dns_node *cut = find_cut(a->zone, name, len);
		const struct dns_rrset *cname;
		uint16_t tlen;

		/* A DS query at the cut belongs to the parent side (RFC 4035 §3.1.4.1). */
		if (cut && !(a->qtype == DNS_TYPE_DS && cut->name_len == len)) {
			put_referral(a, cut);
			return;
		}
		zone_lookup(a->zone, name, len, nodes);
		/*
		 * A name that does not exist takes the RRsets of the wildcard at its
		 * closest encloser, under its own name (RFC 4592 §3.3). A cut above it
		 * has already produced a referral.
		 */
		if (!node_exists(nodes) && !is_apex(a->zone, len) &&
		    !find_wildcard(a->zone, name, len, nodes)) {
			a->rcode = DNS_RCODE_NXDOMAIN;
			put_negative(a);
			return;
		}
		if (a->qtype == DNS_TYPE_ANY) {
			put_any(a, name, len, nodes);
			return;
		}
		cname = node_cname(nodes);
		if (cname == NULL || a->qtype == DNS_TYPE_CNAME) {
			if (!put_data(a, name, len, a->qtype, nodes))
				put_negative(a);
			return;
		}
		if (!put_rrset(a, DNS_SECTION_ANSWER, name, cname, cname->ttl))
			return;
		seen[chain] = name;
		/* Follow the chain while the target stays inside this zone and is new. */
		name = dns_rrset_rdata(cname, 0, &tlen);
		len = dns_name_length(name, tlen);
		if (chain + 1 >= CNAME_CHAIN_MAX || len == 0 ||
		    dns_name_suffix_offset(name, len, a->zone->apex, a->zone->apex_len) < 0 ||
		    name_seen(seen, chain + 1, name))
			return;
	}
}

static uint16_t response_flags(const struct dns_query *q, const struct answer *a)
{
	uint16_t flags = DNS_FLAG_QR | (q->flags & (0x7800 | DNS_FLAG_RD | DNS_FLAG_CD));

	if (a->aa)
		flags |= DNS_FLAG_AA;
	if (a->truncated)
		flags |= DNS_FLAG_TC;
	return flags | (a->rcode & 0xf);
}

/* Finishes the message: OPT when the query had one, then the header. */
static void finish(struct answer *a, const struct dns_query *q, bool question)
{
	if (q->has_edns)
		(void)dns_builder_opt(&a->b, DNS_UDP_MAX, (uint8_t)(a->rcode >> 4), q->edns_do);
	dns_builder_finish_header(&a->b, q->id, response_flags(q, a), question ? 1 : 0);
}

static size_t udp_limit(const struct dns_query *q)
{
	size_t size = q->edns_udp_size;

	if (!q->has_edns || size < DNS_UDP_MIN)
		return DNS_UDP_MIN;
	return size > DNS_UDP_MAX ? DNS_UDP_MAX : size;
}

/* Returns the rcode for queries answered without a lookup, or 0 to go on. */
static uint16_t early_rcode(const struct dns_query *q, const struct dns_answer_opts *opts,
                            struct dns_answer_info *info)
{
	int key = info->signed_request ? dns_tsig_key_index(opts->keys, info->tsig.key) : -1;

	/* An ACL entry with a key admits only requests that key signed. */
	info->transfer_allowed = opts->transfer_allowed ||
	                         (key >= 0 && key < 32 && (opts->transfer_keys >> key) & 1u);
	if (DNS_OPCODE(q->flags) == DNS_OPCODE_NOTIFY)
		return DNS_RCODE_REFUSED; /* rackd is the primary: it takes no NOTIFY */
	if (DNS_OPCODE(q->flags) != DNS_OPCODE_QUERY)
		return DNS_RCODE_NOTIMP;
	if (q->has_edns && q->edns_version != 0)
		return DNS_RCODE_BADVERS; /* RFC 6891 §6.1.3 */
	if (q->edns_bad_cookie)
		return DNS_RCODE_FORMERR; /* RFC 7873 §5.2.2 */
	if (q->qtype == DNS_TYPE_OPT || q->qtype == DNS_TYPE_TSIG)
		return DNS_RCODE_FORMERR;
	if (q->qtype == DNS_TYPE_MAILA || q->qtype == DNS_TYPE_MAILB)
		return DNS_RCODE_NOTIMP;
	if (q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY)
		return DNS_RCODE_REFUSED;
	if (q->qtype == DNS_TYPE_AXFR && !opts->tcp)
		return DNS_RCODE_FORMERR; /* AXFR over UDP is undefined (RFC 5936 §4.2) */
	if ((q->qtype == DNS_TYPE_AXFR || q->qtype == DNS_TYPE_IXFR) && opts->tcp)
		info->transfer = true;
	if ((q->qtype == DNS_TYPE_AXFR || q->qtype == DNS_TYPE_IXFR) && !info->transfer_allowed)
		return DNS_RCODE_REFUSED;
	return 0;
}

int dns_answer(const struct dns_snapshot *snap, const uint8_t *req, size_t req_len,
               const struct dns_answer_opts *opts, uint8_t *resp, size_t cap, size_t *ret_len,
               struct dns_answer_info *ret_info)
{
	struct dns_answer_info info = { 0 };
	uint8_t lname[DNS_NAME_MAX];
	struct answer a = { 0 };
	struct dns_query q;
	int r;

	r = dns_query_parse(req, req_len, &q);
	if (r == -EPROTO)
		return r;
	dns_builder_init(&a.b, resp, cap, opts->tcp ? DNS_TCP_MAX : udp_limit(&q));
	info.qtype = q.qtype;
	if (r < 0) {
		/* Echo a question that parsed, but not the rest of a malformed message. */
		a.rcode = DNS_RCODE_FORMERR;
		q.has_edns = false;
		if (q.question_end)
			(void)dns_builder_question(&a.b, q.qname, q.qname_len, q.qtype, q.qclass);
		finish(&a, &q, q.question_end != 0);
		goto out;
	}
	a.b.reserve = q.has_edns ? 11 : 0;
	(void)dns_builder_question(&a.b, q.qname, q.qname_len, q.qtype, q.qclass);
	if (q.has_tsig) {
		/* A TSIG that does not parse, or has a MAC size no algorithm allows, is FORMERR. */
		if (dns_tsig_verify_request(opts->keys, req, req_len, opts->now, &info.tsig) < 0) {
			a.rcode = DNS_RCODE_FORMERR;
			goto done;
		}
		info.signed_request = true;
		a.b.reserve += dns_tsig_reserve(&info.tsig);
		if (info.tsig.error != DNS_TSIG_NOERROR) {
			a.rcode = DNS_RCODE_NOTAUTH; /* RFC 8945 §5.2 */
			goto done;
		}
	}
	a.rcode = early_rcode(&q, opts, &info);
	if (a.rcode || info.transfer)
		goto done;

	memcpy(lname, q.qname, q.qname_len);
	dns_name_lower(lname);
	a.zone = dns_snapshot_find_zone(snap, lname, q.qname_len);
	if (a.zone && q.qtype == DNS_TYPE_DS && q.qname_len == a.zone->apex_len && lname[0] != 0) {
		/* DS lives on the parent side of a cut (RFC 4035 §3.1.4.1) when rackd serves it. */
		const struct dns_zone *parent = dns_snapshot_find_zone(snap, lname + 1 + lname[0],
		                                                       q.qname_len - 1u - lname[0]);

		if (parent)
			a.zone = parent;
	}
	if (a.zone == NULL) {
		a.rcode = DNS_RCODE_REFUSED; /* not authoritative, and no recursion */
		goto done;
	}
	a.aa = true;
	a.qtype = q.qtype;
	if (q.qtype == DNS_TYPE_IXFR) {
		/* Over UDP, the current SOA tells the client to retry over TCP (RFC 1995 §2). */
		put_soa(&a, DNS_SECTION_ANSWER, a.zone->ttl);
		goto done;
	}
	answer_in_zone(&a, lname, q.qname_len);
done:
	finish(&a, &q, true);
out:
	info.rcode = a.rcode;
	info.truncated = a.truncated;
	*ret_len = dns_builder_len(&a.b);
	/* A transfer's messages are signed by dns_transfer(), which continues this state. */
	if (info.signed_request && !info.transfer &&
	    dns_tsig_sign(&info.tsig, resp, *ret_len, cap, opts->now, ret_len) < 0)
		return -EPROTO; /* a GnuTLS failure: the reserve keeps room for the TSIG */
	if (ret_info)
		*ret_info = info;
	return 0;
}

/* Transfers */

struct xfr {
	struct dns_builder b;
	const struct dns_query *q;
	const struct dns_zone *zone;
	uint8_t *buf;
	size_t cap;
	dns_emit_fn emit;
	void *ctx;
	struct dns_tsig_state *tsig; /* NULL for an unsigned request */
	uint64_t now;
	bool first;
	int error;
};

static void xfr_start(struct xfr *x)
{
	dns_builder_init(&x->b, x->buf, x->cap, x->cap);
	x->b.reserve = x->tsig ? dns_tsig_reserve(x->tsig) : 0;
	if (x->first)
		(void)dns_builder_question(&x->b, x->q->qname, x->q->qname_len, x->q->qtype,
		                           x->q->qclass);
}

/* Signs the finished message when the request was signed (RFC 8945 §5.3.1), then emits it. */
static int xfr_emit(struct xfr *x)
{
	size_t len = dns_builder_len(&x->b);
	int r;

	if (x->tsig) {
		r = dns_tsig_sign(x->tsig, x->buf, len, x->cap, x->now, &len);
		if (r < 0)
			return r;
	}
	return x->emit(x->ctx, x->buf, len);
}

static int xfr_flush(struct xfr *x)
{
	uint16_t flags = DNS_FLAG_QR | DNS_FLAG_AA | (x->q->flags & 0x7800);

	dns_builder_finish_header(&x->b, x->q->id, flags, x->first ? 1 : 0);
	x->first = false;
	return xfr_emit(x);
}

/* Adds one RR, starting a new message when the current one is full. */
static int xfr_rr(void *ctx, const uint8_t *owner, uint16_t type, uint32_t ttl,
                  const uint8_t *rdata, uint16_t rdlen)
{
	struct xfr *x = ctx;
	struct dns_builder_mark mark;

	if (x->error)
		return x->error;
	dns_builder_mark(&x->b, &mark);
	if (dns_builder_rr(&x->b, DNS_SECTION_ANSWER, owner, type, ttl, rdata, rdlen) == 0)
		return 0;
	dns_builder_rollback(&x->b, &mark);
	x->error = xfr_flush(x);
	if (x->error)
		return x->error;
	xfr_start(x);
	if (dns_builder_rr(&x->b, DNS_SECTION_ANSWER, owner, type, ttl, rdata, rdlen) < 0)
		x->error = -E2BIG;
	return x->error;
}

/* The zone's SOA RDATA with another serial, for IXFR version boundaries. */
static int xfr_soa(struct xfr *x, uint32_t serial)
{
	const struct dns_zone *z = x->zone;
	uint8_t soa[sizeof(z->soa)];
	size_t names = dns_name_length(z->soa, z->soa_len);
	struct wire_writer w;

	names += dns_name_length(z->soa + names, z->soa_len - names);
	memcpy(soa, z->soa, z->soa_len);
	wire_writer_init(&w, soa + names, 4);
	wire_write_u32(&w, serial);
	return xfr_rr(x, z->apex, DNS_TYPE_SOA, z->ttl, soa, z->soa_len);
}

/* Replays RRs stored as owner, type, ttl, rdlength, RDATA. */
static int xfr_blob(struct xfr *x, const uint8_t *data, size_t len)
{
	struct wire_reader r;

	wire_reader_init(&r, data, len);
	while (wire_remaining(&r) > 0) {
		uint8_t owner[DNS_NAME_MAX];
		size_t owner_len;
		uint16_t type, rdlen;
		const uint8_t *rdata;
		uint32_t ttl;
		int ret;

		if (dns_name_read(&r, owner, &owner_len) < 0)
			return -EBADMSG;
		type = wire_read_u16(&r);
		ttl = wire_read_u32(&r);
		rdlen = wire_read_u16(&r);
		rdata = wire_read_span(&r, rdlen);
		if (rdata == NULL)
			return -EBADMSG;
		ret = xfr_rr(x, owner, type, ttl, rdata, rdlen);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Index of the history step that starts at serial, when steps 0..index chain up to now. */
static long ixfr_chain(const struct dns_zone *z, uint32_t serial)
{
	for (size_t i = 0; i < z->n_history; i++) {
		if (i > 0 && z->history[i]->to_serial != z->history[i - 1]->from_serial)
			return -1;
		if (z->history[i]->from_serial == serial)
			return (long)i;
	}
	return -1;
}

static int xfr_error(struct xfr *x, uint16_t rcode)
{
	uint16_t flags = DNS_FLAG_QR | (x->q->flags & 0x7800) | rcode;

	dns_builder_finish_header(&x->b, x->q->id, flags, 1);
	return xfr_emit(x);
}

int dns_transfer(const struct dns_snapshot *snap, const struct dns_query *q, bool allowed,
                 struct dns_tsig_state *tsig, uint64_t now, uint8_t *buf, size_t cap,
                 dns_emit_fn emit, void *ctx)
{
	struct xfr x = { .q = q,
		         .buf = buf,
		         .cap = cap,
		         .emit = emit,
		         .ctx = ctx,
		         .tsig = tsig,
		         .now = now,
		         .first = true };
	uint8_t lname[DNS_NAME_MAX];
	long step = -1;
	int r;

	memcpy(lname, q->qname, q->qname_len);
	dns_name_lower(lname);
	x.zone = dns_snapshot_zone_by_apex(snap, lname, q->qname_len);
	xfr_start(&x);
	if (!allowed)
		return xfr_error(&x, DNS_RCODE_REFUSED);
	if (x.zone == NULL)
		return xfr_error(&x, DNS_RCODE_NOTAUTH);

	r = xfr_soa(&x, x.zone->serial);
	if (q->qtype == DNS_TYPE_IXFR && q->has_soa) {
		/* A client at or ahead of our serial gets the SOA alone (RFC 1995 §2). */
		if ((int32_t)(q->soa_serial - x.zone->serial) >= 0)
			return r < 0 ? r : xfr_flush(&x);
		step = ixfr_chain(x.zone, q->soa_serial);
	}
	for (long i = step; r == 0 && i >= 0; i--) {
		const struct dns_ixfr_step *s = x.zone->history[i];

		r = xfr_soa(&x, s->from_serial);
		if (r == 0)
			r = xfr_blob(&x, s->removed, s->removed_len);
		if (r == 0)
			r = xfr_soa(&x, s->to_serial);
		if (r == 0)
			r = xfr_blob(&x, s->added, s->added_len);
	}
	if (r == 0 && step < 0)
		r = dns_zone_foreach_rr(x.zone, xfr_rr, &x);
	if (r == 0)
		r = xfr_soa(&x, x.zone->serial);
	return r < 0 ? r : xfr_flush(&x);
}

int dns_notify_build(const struct dns_zone *zone, uint16_t id, uint8_t *buf, size_t cap,
                     size_t *ret_len)
{
	struct dns_builder b;

	dns_builder_init(&b, buf, cap, cap);
	if (dns_builder_question(&b, zone->apex, zone->apex_len, DNS_TYPE_SOA, DNS_CLASS_IN) < 0 ||
	    dns_builder_rr(&b, DNS_SECTION_ANSWER, zone->apex, DNS_TYPE_SOA, zone->ttl, zone->soa,
	                   zone->soa_len) < 0)
		return -ENOSPC;
	dns_builder_finish_header(&b, id, (uint16_t)(DNS_OPCODE_NOTIFY << 11) | DNS_FLAG_AA, 1);
	*ret_len = dns_builder_len(&b);
	return 0;
}
