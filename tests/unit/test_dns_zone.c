/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the zone view and query answering: zones generated from an
 * inventory, API records, negative answers, CNAME chains, delegations,
 * RFC 2317 reverse zones, wildcards (RFC 4592), EDNS, truncation, serials and
 * transfers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns-answer.h"
#include "dns/dns-zone.h"

#include <cmocka.h>

static struct dns_zone_params params;
static struct store_dns_subnet subnets[3];
static struct store_dns_host hosts[4];
static struct store_dns_inventory inventory;

static void add_record(struct store_dns_record *r, const char *name, const char *type,
                       const char *data)
{
	memset(r, 0, sizeof(*r));
	(void)snprintf(r->name, sizeof(r->name), "%s", name);
	(void)snprintf(r->type, sizeof(r->type), "%s", type);
	(void)snprintf(r->data, sizeof(r->data), "%s", data);
}

static struct store_dns_record records[32];
static size_t n_records;

static int setup(void **state)
{
	size_t len;

	memset(&params, 0, sizeof(params));
	params.ttl = 300;
	params.negative_ttl = 60;
	params.refresh = 3600;
	params.retry = 600;
	params.expire = 604800;
	assert_int_equal(dns_name_from_text("ns1.lab.example", params.ns[0], &len), 0);
	params.n_ns = 1;
	assert_int_equal(dns_name_from_text("hostmaster.lab.example", params.rname, &len), 0);
	(void)snprintf(params.default_domain, sizeof(params.default_domain), "lab.example");

	memset(subnets, 0, sizeof(subnets));
	subnets[0] = (struct store_dns_subnet){ .id = 1, .family = 4, .prefix_len = 24 };
	inet_pton(AF_INET, "192.0.2.0", subnets[0].network);
	subnets[1] = (struct store_dns_subnet){ .id = 2, .family = 4, .prefix_len = 26 };
	inet_pton(AF_INET, "198.51.100.64", subnets[1].network);
	subnets[2] = (struct store_dns_subnet){ .id = 3, .family = 6, .prefix_len = 64 };
	inet_pton(AF_INET6, "2001:db8::", subnets[2].network);

	memset(hosts, 0, sizeof(hosts));
	hosts[0] = (struct store_dns_host){
		.machine_id = 1, .boot = true, .family = 4, .subnet_id = 1
	};
	(void)snprintf(hosts[0].hostname, sizeof(hosts[0].hostname), "node1");
	(void)snprintf(hosts[0].ifname, sizeof(hosts[0].ifname), "eth0");
	inet_pton(AF_INET, "192.0.2.10", hosts[0].address);
	hosts[1] = (struct store_dns_host){ .machine_id = 1, .family = 4, .subnet_id = 2 };
	(void)snprintf(hosts[1].hostname, sizeof(hosts[1].hostname), "node1");
	(void)snprintf(hosts[1].ifname, sizeof(hosts[1].ifname), "eth1");
	inet_pton(AF_INET, "198.51.100.70", hosts[1].address);
	hosts[2] = (struct store_dns_host){
		.machine_id = 2, .boot = true, .family = 6, .subnet_id = 3
	};
	(void)snprintf(hosts[2].hostname, sizeof(hosts[2].hostname), "node2");
	(void)snprintf(hosts[2].ifname, sizeof(hosts[2].ifname), "eno1");
	inet_pton(AF_INET6, "2001:db8::5", hosts[2].address);
	hosts[3] = (struct store_dns_host){
		.machine_id = 3, .boot = true, .family = 4, .subnet_id = 1
	};
	(void)snprintf(hosts[3].hostname, sizeof(hosts[3].hostname), "bad_name");
	inet_pton(AF_INET, "192.0.2.11", hosts[3].address);
	inventory = (struct store_dns_inventory){
		.subnets = subnets, .n_subnets = 3, .hosts = hosts, .n_hosts = 4
	};

	n_records = 0;
	add_record(&records[n_records++], "www.lab.example", "CNAME", "node1.lab.example.");
	add_record(&records[n_records++], "_sip._tcp.lab.example", "SRV",
	           "0 5 5060 node1.lab.example.");
	add_record(&records[n_records++], "lab.example", "MX", "10 node1.lab.example.");
	add_record(&records[n_records++], "lab.example", "TXT", "v=spf1 -all");
	add_record(&records[n_records++], "sub.lab.example", "NS", "ns.sub.lab.example.");
	add_record(&records[n_records++], "ns.sub.lab.example", "A", "192.0.2.53");
	add_record(&records[n_records++], "loop1.lab.example", "CNAME", "loop2.lab.example");
	add_record(&records[n_records++], "loop2.lab.example", "CNAME", "loop1.lab.example");
	add_record(&records[n_records++], "out.lab.example", "CNAME", "www.example.org");
	add_record(&records[n_records++], "conflict.lab.example", "CNAME", "x.lab.example");
	add_record(&records[n_records++], "conflict.lab.example", "A", "192.0.2.99");
	add_record(&records[n_records++], "outside.example.org", "A", "192.0.2.1");
	(void)state;
	return 0;
}

static struct dns_snapshot *build(struct dns_snapshot *prev, size_t *skipped)
{
	struct dns_snapshot *snap = NULL;

	assert_int_equal(dns_snapshot_build(&params, &inventory, records, n_records, prev,
	                                    prev != NULL, &snap, skipped),
	                 0);
	return snap;
}

struct response {
	uint8_t buf[DNS_TCP_MAX];
	size_t len;
	uint16_t flags;
	uint16_t counts[4];
	struct wire_reader r;
};

static size_t make_query(uint8_t *buf, const char *name, uint16_t type, int edns_version,
                         uint16_t udp_size)
{
	uint8_t wire[DNS_NAME_MAX];
	struct wire_writer w;
	size_t len;

	assert_int_equal(dns_name_from_text(name, wire, &len), 0);
	wire_writer_init(&w, buf, 512);
	wire_write_u16(&w, 0xbeef);
	wire_write_u16(&w, DNS_FLAG_RD);
	wire_write_u16(&w, 1);
	wire_write_u32(&w, 0);
	wire_write_u16(&w, edns_version >= 0 ? 1 : 0);
	wire_write_bytes(&w, wire, len);
	wire_write_u16(&w, type);
	wire_write_u16(&w, DNS_CLASS_IN);
	if (edns_version >= 0) {
		wire_write_u8(&w, 0);
		wire_write_u16(&w, DNS_TYPE_OPT);
		wire_write_u16(&w, udp_size);
		wire_write_u32(&w, (uint32_t)edns_version << 16);
		wire_write_u16(&w, 0);
	}
	return wire_writer_len(&w);
}

static void ask_full(const struct dns_snapshot *snap, const char *name, uint16_t type,
                     int edns_version, uint16_t udp_size, bool tcp, struct response *resp)
{
	struct dns_answer_opts opts = { .tcp = tcp, .transfer_allowed = true };
	uint8_t query[512];
	size_t qlen = make_query(query, name, type, edns_version, udp_size);
	uint8_t qname[DNS_NAME_MAX];
	size_t nlen;

	assert_int_equal(dns_answer(snap, query, qlen, &opts, resp->buf, sizeof(resp->buf),
	                            &resp->len, NULL),
	                 0);
	wire_reader_init(&resp->r, resp->buf, resp->len);
	assert_int_equal(wire_read_u16(&resp->r), 0xbeef);
	resp->flags = wire_read_u16(&resp->r);
	for (int i = 0; i < 4; i++)
		resp->counts[i] = wire_read_u16(&resp->r);
	assert_int_equal(resp->counts[0], 1);
	assert_int_equal(dns_name_read(&resp->r, qname, &nlen), 0);
	wire_skip(&resp->r, 4);
}

static void ask(const struct dns_snapshot *snap, const char *name, uint16_t type,
                struct response *resp)
{
	ask_full(snap, name, type, -1, 0, false, resp);
}

/* Reads the next RR; returns its type and copies RDATA to rdata. */
static uint16_t next_rr(struct response *resp, uint8_t *owner, uint32_t *ttl, uint8_t *rdata,
                        uint16_t *rdlen)
{
	struct dns_rr_header h;
	size_t olen;
	const uint8_t *p;

	assert_int_equal(dns_rr_read_header(&resp->r, owner, &olen, &h), 0);
	if (h.type == DNS_TYPE_CNAME || h.type == DNS_TYPE_PTR || h.type == DNS_TYPE_NS) {
		size_t len;

		assert_int_equal(dns_name_read(&resp->r, rdata, &len), 0);
		*rdlen = (uint16_t)len;
	} else {
		p = wire_read_span(&resp->r, h.rdlen);
		assert_non_null(p);
		memcpy(rdata, p, h.rdlen);
		*rdlen = h.rdlen;
	}
	if (ttl)
		*ttl = h.ttl;
	return h.type;
}

static void assert_name(const uint8_t *wire, const char *text)
{
	char buf[DNS_NAME_STRLEN];

	assert_int_equal(dns_name_to_text(wire, buf, sizeof(buf)), 0);
	assert_string_equal(buf, text);
}

static void forward_names_answer(void **state)
{
	uint8_t owner[DNS_NAME_MAX], rdata[512];
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap = build(NULL, NULL);
	uint16_t rdlen;

	(void)state;
	ask(snap, "node1.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_true(resp->flags & DNS_FLAG_AA);
	assert_true(resp->flags & DNS_FLAG_RD);
	assert_int_equal(resp->counts[1], 2); /* both interfaces' addresses */

	ask(snap, "eth1.node1.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(resp->counts[1], 1);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_A);
	assert_memory_equal(rdata, "\xc6\x33\x64\x46", 4);

	ask(snap, "node2.lab.example", DNS_TYPE_AAAA, resp);
	assert_int_equal(resp->counts[1], 1);

	/* An invalid hostname gets no records. */
	ask(snap, "bad_name.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NXDOMAIN);
	dns_snapshot_free(snap);
	free(resp);
}

static void answers_echo_question_case(void **state)
{
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap = build(NULL, NULL);
	size_t answer_at;

	(void)state;
	ask(snap, "NoDe1.LAB.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	answer_at = wire_offset(&resp->r);
	/* The owner is a pointer to the question, so it reads back in the query's case. */
	assert_int_equal(resp->buf[answer_at], 0xc0);
	assert_int_equal(resp->buf[answer_at + 1], 12);
	assert_memory_equal(resp->buf + 13, "NoDe1", 5);
	dns_snapshot_free(snap);
	free(resp);
}

static void negative_answers_carry_soa(void **state)
{
	uint8_t owner[DNS_NAME_MAX], rdata[512];
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap = build(NULL, NULL);
	uint16_t rdlen;
	uint32_t ttl;

	(void)state;
	ask(snap, "missing.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NXDOMAIN);
	assert_true(resp->flags & DNS_FLAG_AA);
	assert_int_equal(resp->counts[1], 0);
	assert_int_equal(resp->counts[2], 1);
	assert_int_equal(next_rr(resp, owner, &ttl, rdata, &rdlen), DNS_TYPE_SOA);
	assert_int_equal(ttl, 60); /* min(SOA TTL 300, MINIMUM 60) */
	assert_name(owner, "lab.example.");

	/* NODATA: the name exists without the type. */
	ask(snap, "node1.lab.example", DNS_TYPE_TXT, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_int_equal(resp->counts[1], 0);
	assert_int_equal(resp->counts[2], 1);

	/* Empty non-terminal above _sip._tcp. */
	ask(snap, "_tcp.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_int_equal(resp->counts[1], 0);
	assert_int_equal(resp->counts[2], 1);
	dns_snapshot_free(snap);
	free(resp);
}

static void cname_chains_stay_in_zone(void **state)
{
	uint8_t owner[DNS_NAME_MAX], rdata[512];
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap = build(NULL, NULL);
	uint16_t rdlen;

	(void)state;
	ask(snap, "www.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_int_equal(resp->counts[1], 3);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_CNAME);
	assert_name(rdata, "node1.lab.example.");
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_A);
	assert_name(owner, "node1.lab.example.");

	/* A target outside the zone ends the chain. */
	ask(snap, "out.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(resp->counts[1], 1);

	/* A loop stops at the first name seen again: each CNAME appears once. */
	ask(snap, "loop1.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_int_equal(resp->counts[1], 2);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_CNAME);
	assert_name(owner, "loop1.lab.example.");
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_CNAME);
	assert_name(owner, "loop2.lab.example.");

	/* The CNAME that shares its owner with an A record was dropped at build. */
	ask(snap, "conflict.lab.example", DNS_TYPE_CNAME, resp);
	assert_int_equal(resp->counts[1], 0);
	dns_snapshot_free(snap);
	free(resp);
}

static void delegations_refer(void **state)
{
	uint8_t owner[DNS_NAME_MAX], rdata[512];
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap = build(NULL, NULL);
	uint16_t rdlen;

	(void)state;
	ask(snap, "host.sub.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_false(resp->flags & DNS_FLAG_AA);
	assert_int_equal(resp->counts[1], 0);
	assert_int_equal(resp->counts[2], 1);
	assert_int_equal(resp->counts[3], 1); /* glue */
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_NS);
	assert_name(owner, "sub.lab.example.");
	dns_snapshot_free(snap);
	free(resp);
}

static void out_of_zone_is_refused(void **state)
{
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap = build(NULL, NULL);

	(void)state;
	ask(snap, "www.example.org", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_REFUSED);
	assert_false(resp->flags & DNS_FLAG_AA);
	ask(snap, "outside.example.org", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_REFUSED);
	dns_snapshot_free(snap);
	free(resp);
}

static void reverse_zones_answer(void **state)
{
	uint8_t owner[DNS_NAME_MAX], rdata[512];
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap = build(NULL, NULL);
	uint16_t rdlen;

	(void)state;
	ask(snap, "10.2.0.192.in-addr.arpa", DNS_TYPE_PTR, resp);
	assert_int_equal(resp->counts[1], 1);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_PTR);
	assert_name(rdata, "node1.lab.example.");

	/* RFC 2317: the classless zone holds the PTR of the non-boot interface. */
	ask(snap, "70.64-26.100.51.198.in-addr.arpa", DNS_TYPE_PTR, resp);
	assert_int_equal(resp->counts[1], 1);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_PTR);
	assert_name(rdata, "eth1.node1.lab.example.");

	/* The /24 parent has a CNAME into the delegated classless zone. */
	ask(snap, "70.100.51.198.in-addr.arpa", DNS_TYPE_PTR, resp);
	assert_int_equal(resp->counts[1], 1);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_CNAME);
	assert_name(rdata, "70.64-26.100.51.198.in-addr.arpa.");
	assert_int_equal(resp->counts[2], 1); /* referral NS for 64-26 */

	ask(snap, "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	    DNS_TYPE_PTR, resp);
	assert_int_equal(resp->counts[1], 1);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_PTR);
	assert_name(rdata, "node2.lab.example.");
	dns_snapshot_free(snap);
	free(resp);
}

static void apex_has_soa_ns_and_api_data(void **state)
{
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap = build(NULL, NULL);

	(void)state;
	ask(snap, "lab.example", DNS_TYPE_SOA, resp);
	assert_int_equal(resp->counts[1], 1);
	ask(snap, "lab.example", DNS_TYPE_NS, resp);
	assert_int_equal(resp->counts[1], 1);
	ask(snap, "lab.example", DNS_TYPE_MX, resp);
	assert_int_equal(resp->counts[1], 1);
	assert_int_equal(resp->counts[3], 2); /* both A records of the exchange */
	ask(snap, "_sip._tcp.lab.example", DNS_TYPE_SRV, resp);
	assert_int_equal(resp->counts[1], 1);
	/* RFC 8482: ANY gets one RRset, here the two A records of node1. */
	ask(snap, "node1.lab.example", DNS_TYPE_ANY, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_int_equal(resp->counts[1], 2);
	dns_snapshot_free(snap);
	free(resp);
}

static void edns_version_and_size(void **state)
{
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap = build(NULL, NULL);
	struct dns_rr_header h;
	uint8_t owner[DNS_NAME_MAX];
	size_t olen;

	(void)state;
	ask_full(snap, "node1.lab.example", DNS_TYPE_A, 1, 4096, false, resp);
	assert_int_equal(DNS_RCODE(resp->flags), 0);
	assert_int_equal(resp->counts[1], 0);
	assert_int_equal(resp->counts[3], 1);
	assert_int_equal(dns_rr_read_header(&resp->r, owner, &olen, &h), 0);
	assert_int_equal(h.type, DNS_TYPE_OPT);
	assert_int_equal(h.ttl >> 24, 1); /* BADVERS = 16: upper bits 1 */
	assert_int_equal(h.rclass, DNS_UDP_MAX);

	ask_full(snap, "node1.lab.example", DNS_TYPE_A, 0, 4096, false, resp);
	assert_int_equal(DNS_RCODE(resp->flags), 0);
	assert_int_equal(resp->counts[1], 2);
	assert_int_equal(resp->counts[3], 1);
	dns_snapshot_free(snap);
	free(resp);
}

static void big_answers_truncate(void **state)
{
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap;
	char text[200];

	(void)state;
	memset(text, 't', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (int i = 0; i < 4; i++) {
		text[0] = (char)('a' + i);
		add_record(&records[n_records++], "big.lab.example", "TXT", text);
	}
	snap = build(NULL, NULL);
	ask(snap, "big.lab.example", DNS_TYPE_TXT, resp);
	assert_true(resp->flags & DNS_FLAG_TC);
	assert_int_equal(resp->counts[1], 0);
	assert_true(resp->len <= DNS_UDP_MIN);
	ask_full(snap, "big.lab.example", DNS_TYPE_TXT, 0, 1232, false, resp);
	assert_false(resp->flags & DNS_FLAG_TC);
	assert_int_equal(resp->counts[1], 4);
	ask_full(snap, "big.lab.example", DNS_TYPE_TXT, -1, 0, true, resp);
	assert_false(resp->flags & DNS_FLAG_TC);
	assert_int_equal(resp->counts[1], 4);
	dns_snapshot_free(snap);
	free(resp);
}

static void malformed_gets_formerr(void **state)
{
	struct dns_answer_opts opts = { 0 };
	struct dns_snapshot *snap = build(NULL, NULL);
	uint8_t query[512], out[DNS_UDP_MAX];
	size_t qlen = make_query(query, "node1.lab.example", DNS_TYPE_A, -1, 0), len;

	(void)state;
	assert_int_equal(dns_answer(snap, query, qlen - 1, &opts, out, sizeof(out), &len, NULL), 0);
	assert_int_equal(out[3] & 0xf, DNS_RCODE_FORMERR);
	query[2] |= 0x80;
	assert_int_equal(dns_answer(snap, query, qlen, &opts, out, sizeof(out), &len, NULL),
	                 -EPROTO);
	query[2] &= 0x7f;
	query[2] |= (uint8_t)(5 << 3); /* opcode UPDATE */
	assert_int_equal(dns_answer(snap, query, qlen, &opts, out, sizeof(out), &len, NULL), 0);
	assert_int_equal(out[3] & 0xf, DNS_RCODE_NOTIMP);
	dns_snapshot_free(snap);
}

/* Sends a query whose OPT carries a COOKIE option of len bytes; returns the rcode. */
static uint16_t cookie_rcode(const struct dns_snapshot *snap, uint16_t len)
{
	struct dns_answer_opts opts = { 0 };
	uint8_t query[512], out[DNS_UDP_MAX];
	size_t qlen = make_query(query, "node1.lab.example", DNS_TYPE_A, 0, 1232), out_len;
	struct wire_writer w;

	/* Replace the empty OPT RDATA length with one option. */
	wire_writer_init(&w, query + qlen - 2, sizeof(query) - qlen + 2);
	wire_write_u16(&w, (uint16_t)(4 + len));
	wire_write_u16(&w, DNS_EDNS_COOKIE);
	wire_write_u16(&w, len);
	for (uint16_t i = 0; i < len; i++)
		wire_write_u8(&w, (uint8_t)i);
	qlen = qlen - 2 + wire_writer_len(&w);
	assert_int_equal(dns_answer(snap, query, qlen, &opts, out, sizeof(out), &out_len, NULL), 0);
	assert_int_equal(out[5], 1); /* the question is echoed */
	return out[3] & 0xf;
}

static void malformed_cookie_gets_formerr(void **state)
{
	struct dns_snapshot *snap = build(NULL, NULL);
	static const uint16_t valid[] = { 8, 16, 24, 40 };
	static const uint16_t invalid[] = { 0, 1, 7, 9, 12, 15, 41, 64 };

	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		assert_int_equal(cookie_rcode(snap, valid[i]), DNS_RCODE_NOERROR);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		assert_int_equal(cookie_rcode(snap, invalid[i]), DNS_RCODE_FORMERR);
	dns_snapshot_free(snap);
}

struct collected {
	size_t messages;
	size_t soas;
	size_t rrs;
	size_t wildcards; /* RRs whose owner starts with the '*' label */
	uint16_t rcode;
};

static int collect(void *ctx, const uint8_t *msg, size_t len)
{
	struct collected *c = ctx;
	struct wire_reader r;
	uint16_t flags, qd, an;

	wire_reader_init(&r, msg, len);
	(void)wire_read_u16(&r);
	flags = wire_read_u16(&r);
	qd = wire_read_u16(&r);
	an = wire_read_u16(&r);
	wire_skip(&r, 4);
	c->rcode = DNS_RCODE(flags);
	c->messages++;
	for (uint16_t i = 0; i < qd; i++) {
		uint8_t name[DNS_NAME_MAX];
		size_t nlen;

		assert_int_equal(dns_name_read(&r, name, &nlen), 0);
		wire_skip(&r, 4);
	}
	for (uint16_t i = 0; i < an; i++) {
		uint8_t owner[DNS_NAME_MAX];
		struct dns_rr_header h;
		size_t olen;

		assert_int_equal(dns_rr_read_header(&r, owner, &olen, &h), 0);
		wire_skip(&r, h.rdlen);
		c->rrs++;
		if (dns_name_is_wildcard(owner))
			c->wildcards++;
		if (h.type == DNS_TYPE_SOA)
			c->soas++;
	}
	return 0;
}

static void transfer(const struct dns_snapshot *snap, uint16_t type, uint32_t serial, bool allowed,
                     struct collected *c)
{
	uint8_t *buf = malloc(DNS_TCP_MAX);
	struct dns_query q;

	memset(&q, 0, sizeof(q));
	memset(c, 0, sizeof(*c));
	assert_int_equal(dns_name_from_text("lab.example", q.qname, &q.qname_len), 0);
	q.qtype = type;
	q.qclass = DNS_CLASS_IN;
	q.has_soa = type == DNS_TYPE_IXFR;
	q.soa_serial = serial;
	assert_int_equal(dns_transfer(snap, &q, allowed, NULL, 0, buf, DNS_TCP_MAX, collect, c), 0);
	free(buf);
}

static void serial_and_transfers(void **state)
{
	struct dns_snapshot *first = build(NULL, NULL), *second, *third;
	const struct dns_zone *z1, *z2, *z3;
	uint8_t apex[DNS_NAME_MAX];
	struct collected c;
	size_t len, axfr_rrs;

	(void)state;
	assert_int_equal(dns_name_from_text("lab.example", apex, &len), 0);
	z1 = dns_snapshot_zone_by_apex(first, apex, len);
	assert_non_null(z1);

	transfer(first, DNS_TYPE_AXFR, 0, true, &c);
	assert_int_equal(c.rcode, 0);
	assert_int_equal(c.soas, 2);
	axfr_rrs = c.rrs;
	transfer(first, DNS_TYPE_AXFR, 0, false, &c);
	assert_int_equal(c.rcode, DNS_RCODE_REFUSED);

	/* Unchanged content keeps the serial. */
	second = build(first, NULL);
	z2 = dns_snapshot_zone_by_apex(second, apex, len);
	assert_int_equal(z2->serial, z1->serial);

	/* A new record moves it and records an IXFR step. */
	add_record(&records[n_records++], "new.lab.example", "A", "192.0.2.77");
	third = build(second, NULL);
	z3 = dns_snapshot_zone_by_apex(third, apex, len);
	assert_int_equal(z3->serial, z1->serial + 1);
	assert_int_equal(z3->n_history, 1);
	/* The inventory table is shared, not rebuilt. */
	assert_ptr_equal(z3->layers[DNS_LAYER_INVENTORY], z2->layers[DNS_LAYER_INVENTORY]);

	transfer(third, DNS_TYPE_IXFR, z1->serial, true, &c);
	assert_int_equal(c.soas, 4);
	assert_int_equal(c.rrs, 5); /* SOA new, SOA old, SOA new, the A, SOA new */
	transfer(third, DNS_TYPE_IXFR, z3->serial, true, &c);
	assert_int_equal(c.rrs, 1);
	/* A serial outside the history falls back to the whole zone. */
	transfer(third, DNS_TYPE_IXFR, z1->serial - 5, true, &c);
	assert_int_equal(c.rrs, axfr_rrs + 1);

	dns_snapshot_free(first);
	dns_snapshot_free(second);
	dns_snapshot_free(third);
	n_records--;
}

static void record_checks(void **state)
{
	char name[STORE_DOMAIN_MAX], err[256];
	const char *field;

	(void)state;
	assert_int_equal(dns_record_check(&params, subnets, 3, "Web.Lab.Example.", DNS_TYPE_A,
	                                  "192.0.2.5", name, err, sizeof(err), &field),
	                 0);
	assert_string_equal(name, "web.lab.example");
	assert_int_equal(dns_record_check(&params, subnets, 3, "_x._tcp.lab.example", DNS_TYPE_SRV,
	                                  "1 2 3 node1.lab.example", name, err, sizeof(err),
	                                  &field),
	                 0);
	assert_int_equal(dns_record_check(&params, subnets, 3, "_x.lab.example", DNS_TYPE_A,
	                                  "192.0.2.5", name, err, sizeof(err), &field),
	                 -EINVAL);
	assert_string_equal(field, "name");
	assert_int_equal(dns_record_check(&params, subnets, 3, "web.example.org", DNS_TYPE_A,
	                                  "192.0.2.5", name, err, sizeof(err), &field),
	                 -EINVAL);
	assert_non_null(strstr(err, "not inside a zone"));
	assert_int_equal(dns_record_check(&params, subnets, 3, "lab.example", DNS_TYPE_CNAME,
	                                  "x.example.org", name, err, sizeof(err), &field),
	                 -EINVAL);
	assert_int_equal(dns_record_check(&params, subnets, 3, "web.lab.example", DNS_TYPE_A,
	                                  "192.0.2", name, err, sizeof(err), &field),
	                 -EINVAL);
	assert_string_equal(field, "data");
	assert_int_equal(dns_record_check(&params, subnets, 3, "web.lab.example", DNS_TYPE_PTR,
	                                  "x.lab.example", name, err, sizeof(err), &field),
	                 -EINVAL);
	assert_string_equal(field, "type");
	assert_int_equal(dns_record_check(&params, subnets, 3, "m.lab.example", DNS_TYPE_MX,
	                                  "ten mail.lab.example", name, err, sizeof(err), &field),
	                 -EINVAL);
}

static void record_targets_are_host_names(void **state)
{
	static const struct {
		uint16_t type;
		const char *data;
	} invalid[] = {
		{ DNS_TYPE_CNAME, "not a name" },
		{ DNS_TYPE_NS, "not a name" },
		{ DNS_TYPE_MX, "10 not a name" },
		{ DNS_TYPE_SRV, "0 5 80 not a name" },
		{ DNS_TYPE_NS, "ns_1.lab.example." },
		{ DNS_TYPE_MX, "10 -mail.lab.example." },
		{ DNS_TYPE_CNAME, "." },
		{ DNS_TYPE_NS, "." },
	};
	char name[STORE_DOMAIN_MAX], err[256];
	const char *field;

	(void)state;
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		field = NULL;
		assert_int_equal(dns_record_check(&params, subnets, 3, "t.lab.example",
		                                  invalid[i].type, invalid[i].data, name, err,
		                                  sizeof(err), &field),
		                 -EINVAL);
		assert_string_equal(field, "data");
		assert_non_null(strstr(err, "invalid domain name"));
	}
	assert_int_equal(dns_record_check(&params, subnets, 3, "t.lab.example", DNS_TYPE_CNAME,
	                                  "_acme-challenge.lab.example.", name, err, sizeof(err),
	                                  &field),
	                 0);
	assert_int_equal(dns_record_check(&params, subnets, 3, "lab.example", DNS_TYPE_MX, "0 .",
	                                  name, err, sizeof(err), &field),
	                 0);
	assert_int_equal(dns_record_check(&params, subnets, 3, "_x._tcp.lab.example", DNS_TYPE_SRV,
	                                  "0 0 0 .", name, err, sizeof(err), &field),
	                 0);
}

/* Parses TXT text; returns the RDATA length or -1 on rejection. */
static long txt_parse(const char *text, uint8_t *rdata)
{
	char err[256];
	size_t len;

	if (dns_rdata_from_text(DNS_TYPE_TXT, text, rdata, DNS_RDATA_MAX, &len, err, sizeof(err)) <
	    0)
		return -1;
	return (long)len;
}

static void txt_zone_file_form(void **state)
{
	static const char *const invalid[] = {
		"v=spf1 -all", "\"unterminated",       "\"a\"\"b\"",          "\"a\" b",
		"wo\"rd",      "\"bad \\256 escape\"", "\"bad \\1x escape\"", "\"tab\x01\"",
		"trailing\\",
	};
	static uint8_t rdata[DNS_RDATA_MAX], again[DNS_RDATA_MAX];
	char text[1100], exported[4 * 1100];
	long len;

	(void)state;
	assert_int_equal(txt_parse("word", rdata), 5);
	assert_memory_equal(rdata, "\x04word", 5);
	assert_int_equal(txt_parse("\"v=spf1 -all\"", rdata), 12);
	assert_memory_equal(rdata, "\x0bv=spf1 -all", 12);
	assert_int_equal(txt_parse(" \"a\"  \"\"\t\"b c\" ", rdata), 7);
	assert_memory_equal(rdata,
	                    "\x01"
	                    "a"
	                    "\x00"
	                    "\x03"
	                    "b c",
	                    7);
	assert_int_equal(txt_parse("\"say \\\"hi\\\" \\\\ \\007\"", rdata), 13);
	assert_memory_equal(rdata, "\x0csay \"hi\" \\ \x07", 13);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		assert_int_equal(txt_parse(invalid[i], rdata), -1);

	/* 255 bytes fit in one string; 256 do not. */
	text[0] = '"';
	memset(text + 1, 'x', 256);
	(void)snprintf(text + 256, sizeof(text) - 256, "\"");
	assert_int_equal(txt_parse(text, rdata), 256);
	(void)snprintf(text + 257, sizeof(text) - 257, "\"");
	assert_int_equal(txt_parse(text, rdata), -1);

	/* Every byte value survives export and parse (master files stay loadable). */
	len = 0;
	for (int s = 0; s < 2; s++) {
		rdata[len++] = 128;
		for (int b = 0; b < 128; b++)
			rdata[len++] = (uint8_t)(s * 128 + b);
	}
	assert_int_equal(
	        dns_rdata_to_text(DNS_TYPE_TXT, rdata, (uint16_t)len, exported, sizeof(exported)),
	        0);
	assert_int_equal(txt_parse(exported, again), len);
	assert_memory_equal(again, rdata, (size_t)len);
}

static void cname_beside_inventory_conflicts(void **state)
{
	struct dns_snapshot *snap = NULL;
	char err[512];

	(void)state;
	assert_int_equal(dns_snapshot_build(&params, &inventory, NULL, 0, NULL, false, &snap, NULL),
	                 0);
	assert_int_equal(dns_record_check_inventory(snap, "node1.lab.example", DNS_TYPE_CNAME, err,
	                                            sizeof(err)),
	                 -EEXIST);
	assert_non_null(strstr(err, "node1.lab.example has inventory records of type A"));
	assert_int_equal(dns_record_check_inventory(snap, "Eth1.Node1.lab.example.", DNS_TYPE_CNAME,
	                                            err, sizeof(err)),
	                 -EEXIST);
	/* The /24 zone has a CNAME into the RFC 2317 zone for every address of the /26. */
	assert_int_equal(dns_record_check_inventory(snap, "70.100.51.198.in-addr.arpa",
	                                            DNS_TYPE_TXT, err, sizeof(err)),
	                 -EEXIST);
	assert_non_null(strstr(err, "CNAME"));
	assert_int_equal(dns_record_check_inventory(snap, "node1.lab.example", DNS_TYPE_TXT, err,
	                                            sizeof(err)),
	                 0);
	assert_int_equal(dns_record_check_inventory(snap, "free.lab.example", DNS_TYPE_CNAME, err,
	                                            sizeof(err)),
	                 0);
	dns_snapshot_free(snap);
}

static void master_file_export(void **state)
{
	struct dns_snapshot *snap = build(NULL, NULL);
	uint8_t apex[DNS_NAME_MAX];
	char *text = NULL;
	size_t len, size;
	FILE *out = open_memstream(&text, &size);

	(void)state;
	assert_int_equal(dns_name_from_text("lab.example", apex, &len), 0);
	assert_int_equal(dns_zone_write_master(dns_snapshot_zone_by_apex(snap, apex, len), out), 0);
	fclose(out);
	assert_non_null(strstr(text, "$ORIGIN lab.example.\n"));
	assert_non_null(strstr(text, "lab.example.\t300\tIN\tSOA\tns1.lab.example. "
	                             "hostmaster.lab.example. 1 3600 600 604800 60\n"));
	assert_non_null(strstr(text, "node1.lab.example.\t300\tIN\tA\t192.0.2.10\n"));
	assert_non_null(strstr(text, "lab.example.\t300\tIN\tTXT\t\"v=spf1 -all\"\n"));
	assert_non_null(strstr(
	        text, "_sip._tcp.lab.example.\t300\tIN\tSRV\t0 5 5060 node1.lab.example.\n"));
	free(text);
	dns_snapshot_free(snap);
}

/* Adds the wildcard records of the RFC 4592 cases to the setup() records. */
static void add_wildcards(void)
{
	add_record(&records[n_records++], "*.apps.lab.example", "A", "192.0.2.80");
	add_record(&records[n_records++], "*.apps.lab.example", "AAAA", "2001:db8::80");
	add_record(&records[n_records++], "*.apps.lab.example", "MX", "10 node1.lab.example.");
	add_record(&records[n_records++], "real.apps.lab.example", "TXT", "real");
	add_record(&records[n_records++], "x.ent.apps.lab.example", "TXT", "below");
	add_record(&records[n_records++], "*.web.lab.example", "CNAME", "node1.lab.example.");
	add_record(&records[n_records++], "*.sub.lab.example", "A", "192.0.2.81");
	add_record(&records[n_records++], "*.ns.lab.example", "NS", "ns1.lab.example.");
}

/* Checks a NOERROR response with one RR in the answer section, its owner and its type. */
static void assert_one_answer(struct response *resp, const char *owner_text, uint16_t type,
                              uint8_t *rdata, uint16_t *rdlen)
{
	uint8_t owner[DNS_NAME_MAX];

	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_true(resp->flags & DNS_FLAG_AA);
	assert_int_equal(resp->counts[1], 1);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, rdlen), type);
	assert_name(owner, owner_text);
}

static void assert_nodata(struct response *resp)
{
	uint8_t owner[DNS_NAME_MAX], rdata[512];
	uint16_t rdlen;

	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_true(resp->flags & DNS_FLAG_AA);
	assert_int_equal(resp->counts[1], 0);
	assert_int_equal(resp->counts[2], 1);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_SOA);
	assert_name(owner, "lab.example.");
}

static void wildcards_synthesize(void **state)
{
	uint8_t owner[DNS_NAME_MAX], rdata[512];
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap;
	uint16_t rdlen;
	size_t skipped_before = 0, skipped = 0;

	(void)state;
	snap = build(NULL, &skipped_before);
	dns_snapshot_free(snap);
	add_wildcards();
	snap = build(NULL, &skipped);
	assert_int_equal(skipped, skipped_before + 1); /* the wildcard NS */

	/* The owner is the query name, the data the wildcard's. */
	ask(snap, "host1.apps.lab.example", DNS_TYPE_A, resp);
	assert_one_answer(resp, "host1.apps.lab.example.", DNS_TYPE_A, rdata, &rdlen);
	assert_memory_equal(rdata, "\xc0\x00\x02\x50", 4);
	ask(snap, "host1.apps.lab.example", DNS_TYPE_AAAA, resp);
	assert_one_answer(resp, "host1.apps.lab.example.", DNS_TYPE_AAAA, rdata, &rdlen);
	assert_int_equal(rdlen, 16);
	ask(snap, "HOST1.Apps.lab.example", DNS_TYPE_MX, resp);
	/* The owner points at the question, so it reads back in the query's case. */
	assert_one_answer(resp, "HOST1.Apps.lab.example.", DNS_TYPE_MX, rdata, &rdlen);
	assert_int_equal(resp->counts[3], 2); /* the exchange's two addresses */

	/* Names several labels below the closest encloser match too. */
	ask(snap, "a.b.apps.lab.example", DNS_TYPE_A, resp);
	assert_one_answer(resp, "a.b.apps.lab.example.", DNS_TYPE_A, rdata, &rdlen);

	/* NODATA when the wildcard has no RRset of the type. */
	ask(snap, "host1.apps.lab.example", DNS_TYPE_TXT, resp);
	assert_nodata(resp);

	/* A query for the wildcard owner itself gets the wildcard's own records. */
	ask(snap, "*.apps.lab.example", DNS_TYPE_A, resp);
	assert_one_answer(resp, "*.apps.lab.example.", DNS_TYPE_A, rdata, &rdlen);

	/* ANY gets one RRset of the wildcard under the query name. */
	ask(snap, "any.apps.lab.example", DNS_TYPE_ANY, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_int_equal(resp->counts[1], 1);
	(void)next_rr(resp, owner, NULL, rdata, &rdlen);
	assert_name(owner, "any.apps.lab.example.");
	dns_snapshot_free(snap);
	free(resp);
}

static void existing_names_block_wildcards(void **state)
{
	uint8_t rdata[512];
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap;
	uint16_t rdlen;

	(void)state;
	add_wildcards();
	snap = build(NULL, NULL);

	/* An existing name gets its own data, and NODATA for other types. */
	ask(snap, "real.apps.lab.example", DNS_TYPE_TXT, resp);
	assert_one_answer(resp, "real.apps.lab.example.", DNS_TYPE_TXT, rdata, &rdlen);
	ask(snap, "real.apps.lab.example", DNS_TYPE_A, resp);
	assert_nodata(resp);

	/* So does an empty non-terminal. */
	ask(snap, "ent.apps.lab.example", DNS_TYPE_A, resp);
	assert_nodata(resp);

	/* Below an existing name the closest encloser is that name, which has no wildcard. */
	ask(snap, "y.real.apps.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NXDOMAIN);
	ask(snap, "y.ent.apps.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NXDOMAIN);
	ask(snap, "y.*.apps.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NXDOMAIN);

	/* The parent of the wildcard is an empty non-terminal, and other names stay missing. */
	ask(snap, "apps.lab.example", DNS_TYPE_A, resp);
	assert_nodata(resp);
	ask(snap, "missing.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NXDOMAIN);
	dns_snapshot_free(snap);
	free(resp);
}

static void wildcard_cnames_and_cuts(void **state)
{
	uint8_t owner[DNS_NAME_MAX], rdata[512];
	struct response *resp = malloc(sizeof(*resp));
	struct dns_snapshot *snap;
	struct collected c;
	uint16_t rdlen;

	(void)state;
	add_wildcards();
	snap = build(NULL, NULL);

	/* A synthesized CNAME is followed like a stored one. */
	ask(snap, "shop.web.lab.example", DNS_TYPE_A, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NOERROR);
	assert_int_equal(resp->counts[1], 3); /* the CNAME and both of node1's addresses */
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_CNAME);
	assert_name(owner, "shop.web.lab.example.");
	assert_name(rdata, "node1.lab.example.");
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_A);
	assert_name(owner, "node1.lab.example.");
	ask(snap, "shop.web.lab.example", DNS_TYPE_CNAME, resp);
	assert_one_answer(resp, "shop.web.lab.example.", DNS_TYPE_CNAME, rdata, &rdlen);

	/* Below a delegation there is no synthesis: the referral wins. */
	ask(snap, "host.sub.lab.example", DNS_TYPE_A, resp);
	assert_false(resp->flags & DNS_FLAG_AA);
	assert_int_equal(resp->counts[1], 0);
	assert_int_equal(next_rr(resp, owner, NULL, rdata, &rdlen), DNS_TYPE_NS);
	assert_name(owner, "sub.lab.example.");

	/* A wildcard NS is never served. */
	ask(snap, "x.ns.lab.example", DNS_TYPE_NS, resp);
	assert_int_equal(DNS_RCODE(resp->flags), DNS_RCODE_NXDOMAIN);

	/* Transfers carry the wildcard owners as they are. */
	transfer(snap, DNS_TYPE_AXFR, 0, true, &c);
	assert_int_equal(c.rcode, 0);
	assert_int_equal(c.wildcards, 5);
	dns_snapshot_free(snap);
	free(resp);
}

static void wildcard_record_checks(void **state)
{
	char name[STORE_DOMAIN_MAX], err[256];
	const char *field;

	(void)state;
	assert_int_equal(dns_record_check(&params, subnets, 3, "*.Apps.lab.example", DNS_TYPE_A,
	                                  "192.0.2.5", name, err, sizeof(err), &field),
	                 0);
	assert_string_equal(name, "*.apps.lab.example");
	assert_int_equal(dns_record_check(&params, subnets, 3, "*._tcp.lab.example", DNS_TYPE_SRV,
	                                  "1 2 3 node1.lab.example", name, err, sizeof(err),
	                                  &field),
	                 0);
	assert_int_equal(dns_record_check(&params, subnets, 3, "*.lab.example", DNS_TYPE_CNAME,
	                                  "node1.lab.example", name, err, sizeof(err), &field),
	                 0);
	/* '*' is a wildcard only as the whole leftmost label. */
	static const char *const bad[] = { "a.*.lab.example", "*a.lab.example", "a*.lab.example",
		                           "*.*.lab.example", "*" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dns_record_check(&params, subnets, 3, bad[i], DNS_TYPE_A,
		                                  "192.0.2.5", name, err, sizeof(err), &field),
		                 -EINVAL);
		assert_string_equal(field, "name");
	}
	assert_int_equal(dns_record_check(&params, subnets, 3, "*.x.lab.example", DNS_TYPE_NS,
	                                  "ns1.lab.example", name, err, sizeof(err), &field),
	                 -EINVAL);
	assert_non_null(strstr(err, "wildcard"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(forward_names_answer, setup),
		cmocka_unit_test_setup(answers_echo_question_case, setup),
		cmocka_unit_test_setup(negative_answers_carry_soa, setup),
		cmocka_unit_test_setup(cname_chains_stay_in_zone, setup),
		cmocka_unit_test_setup(delegations_refer, setup),
		cmocka_unit_test_setup(out_of_zone_is_refused, setup),
		cmocka_unit_test_setup(reverse_zones_answer, setup),
		cmocka_unit_test_setup(apex_has_soa_ns_and_api_data, setup),
		cmocka_unit_test_setup(edns_version_and_size, setup),
		cmocka_unit_test_setup(big_answers_truncate, setup),
		cmocka_unit_test_setup(malformed_gets_formerr, setup),
		cmocka_unit_test_setup(serial_and_transfers, setup),
		cmocka_unit_test_setup(record_checks, setup),
		cmocka_unit_test_setup(record_targets_are_host_names, setup),
		cmocka_unit_test_setup(txt_zone_file_form, setup),
		cmocka_unit_test_setup(cname_beside_inventory_conflicts, setup),
		cmocka_unit_test_setup(malformed_cookie_gets_formerr, setup),
		cmocka_unit_test_setup(master_file_export, setup),
		cmocka_unit_test_setup(wildcards_synthesize, setup),
		cmocka_unit_test_setup(existing_names_block_wildcards, setup),
		cmocka_unit_test_setup(wildcard_cnames_and_cuts, setup),
		cmocka_unit_test_setup(wildcard_record_checks, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
