/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dns -- feeds arbitrary bytes to the DNS query parser, the name reader
 * and the whole answer path (UDP and TCP, transfers included) against a small
 * fixed zone, and checks that every response rackd builds parses back.
 * Requests signed with the key below (the unit tests' key, clock fixed at
 * the seed's Time Signed) reach the TSIG verifier and signer.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "dns/dns-answer.h"
#include "dns/dns-tsig.h"
#include "dns/dns-zone.h"

#define FUZZ_NOW 1700000000u /* Time Signed of corpus/dns/axfr-tsig.bin */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless msg is a well-formed message: header, question and records within bounds. */
static void check_message(const uint8_t *msg, size_t len)
{
	uint16_t counts[4];
	struct wire_reader r;

	wire_reader_init(&r, msg, len);
	wire_skip(&r, 4);
	for (int i = 0; i < 4; i++)
		counts[i] = wire_read_u16(&r);
	for (uint16_t i = 0; i < counts[0]; i++) {
		uint8_t name[DNS_NAME_MAX];
		size_t nlen;

		if (dns_name_read(&r, name, &nlen) < 0)
			abort();
		wire_skip(&r, 4);
	}
	for (int s = 1; s < 4; s++) {
		for (uint16_t i = 0; i < counts[s]; i++) {
			uint8_t owner[DNS_NAME_MAX];
			struct dns_rr_header h;
			size_t olen;

			if (dns_rr_read_header(&r, owner, &olen, &h) < 0)
				abort();
			wire_skip(&r, h.rdlen);
		}
	}
	if (wire_reader_error(&r) || wire_remaining(&r) != 0)
		abort();
}

static int check_emit(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	check_message(msg, len);
	return 0;
}

static struct dns_snapshot *fixed_snapshot(void)
{
	static struct store_dns_subnet subnets[2];
	static struct store_dns_host hosts[2];
	static struct store_dns_record records[4];
	struct store_dns_inventory inv = { subnets, 2, hosts, 2 };
	struct dns_zone_params p = { .ttl = 300,
		                     .negative_ttl = 60,
		                     .refresh = 3600,
		                     .retry = 600,
		                     .expire = 604800,
		                     .n_ns = 1 };
	struct dns_snapshot *snap = NULL;
	size_t len;

	(void)dns_name_from_text("ns1.lab.example", p.ns[0], &len);
	(void)dns_name_from_text("hostmaster.lab.example", p.rname, &len);
	(void)snprintf(p.default_domain, sizeof(p.default_domain), "lab.example");
	subnets[0] = (struct store_dns_subnet){ .id = 1, .family = 4, .prefix_len = 24 };
	(void)inet_pton(AF_INET, "192.0.2.0", subnets[0].network);
	subnets[1] = (struct store_dns_subnet){ .id = 2, .family = 4, .prefix_len = 27 };
	(void)inet_pton(AF_INET, "198.51.100.32", subnets[1].network);
	hosts[0] = (struct store_dns_host){
		.machine_id = 1, .boot = true, .family = 4, .subnet_id = 1
	};
	(void)snprintf(hosts[0].hostname, sizeof(hosts[0].hostname), "node1");
	(void)snprintf(hosts[0].ifname, sizeof(hosts[0].ifname), "eth0");
	(void)inet_pton(AF_INET, "192.0.2.10", hosts[0].address);
	hosts[1] = hosts[0];
	hosts[1].boot = false;
	hosts[1].subnet_id = 2;
	(void)snprintf(hosts[1].ifname, sizeof(hosts[1].ifname), "eth1");
	(void)inet_pton(AF_INET, "198.51.100.33", hosts[1].address);
	records[0] = (struct store_dns_record){ .name = "www.lab.example",
		                                .type = "CNAME",
		                                .data = "node1.lab.example" };
	records[1] = (struct store_dns_record){ .name = "sub.lab.example",
		                                .type = "NS",
		                                .data = "ns.sub.lab.example" };
	records[2] = (struct store_dns_record){ .name = "lab.example",
		                                .type = "MX",
		                                .data = "10 node1.lab.example" };
	records[3] = (struct store_dns_record){ .name = "_s._tcp.lab.example",
		                                .type = "SRV",
		                                .data = "0 0 1 node1.lab.example" };
	if (dns_snapshot_build(&p, &inv, records, 4, NULL, false, &snap, NULL) < 0)
		abort();
	return snap;
}

/* Key xfr.lab.example, hmac-sha256, secret bytes 1 to 32. */
static void fixed_keyring(struct dns_tsig_keyring *ring)
{
	static struct config cfg;
	struct config_tsig_key *k = &cfg.dns_tsig_keys[0];

	config_init(&cfg);
	(void)snprintf(k->name, sizeof(k->name), "xfr.lab.example");
	(void)snprintf(k->algorithm, sizeof(k->algorithm), "hmac-sha256");
	for (size_t i = 0; i < 32; i++)
		k->secret[i] = (uint8_t)(i + 1);
	k->secret_len = 32;
	cfg.n_dns_tsig_keys = 1;
	if (dns_tsig_keyring_from_config(&cfg, ring) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_snapshot *snap;
	static struct dns_tsig_keyring ring;
	static uint8_t out[DNS_TCP_MAX];
	struct dns_answer_opts opts = { .transfer_allowed = true, .keys = &ring, .now = FUZZ_NOW };
	struct dns_answer_info info;
	struct wire_reader r;
	struct dns_query q;
	size_t len;

	if (snap == NULL) {
		snap = fixed_snapshot();
		fixed_keyring(&ring);
	}

	/* Name reader at every offset of a short input. */
	for (size_t off = 0; off < size && off < 64; off++) {
		uint8_t name[DNS_NAME_MAX];
		size_t nlen;

		wire_reader_init(&r, data, size);
		wire_seek(&r, off);
		if (dns_name_read(&r, name, &nlen) == 0 && dns_name_length(name, nlen) != nlen)
			abort();
	}

	for (int tcp = 0; tcp < 2; tcp++) {
		opts.tcp = tcp;
		if (dns_answer(snap, data, size, &opts, out, sizeof(out), &len, &info) < 0)
			continue;
		if (len > (tcp ? DNS_TCP_MAX : DNS_UDP_MAX))
			abort();
		check_message(out, len);
		if (info.transfer && dns_query_parse(data, size, &q) == 0)
			(void)dns_transfer(snap, &q, true, info.signed_request ? &info.tsig : NULL,
			                   FUZZ_NOW, out, sizeof(out), check_emit, NULL);
	}
	return 0;
}
