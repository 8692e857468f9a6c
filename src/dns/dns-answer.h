/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-answer -- authoritative query processing against a snapshot
 * (RFC 1034 §4.3.2): answers, referrals, CNAME chains inside a zone,
 * wildcard synthesis (RFC 4592), NXDOMAIN and NODATA with the SOA (RFC
 * 2308), EDNS (RFC 6891), truncation and minimal ANY (RFC 8482). Also zone
 * transfers (RFC 5936, RFC 1995) and NOTIFY messages (RFC 1996). Pure: no
 * I/O, no logging, no allocation per query.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns-tsig.h"
#include "dns/dns-wire.h"
#include "dns/dns-zone.h"

struct dns_answer_opts {
	bool tcp;
	bool transfer_allowed; /* the client may use AXFR and IXFR unsigned */
	/* Bit i: a request signed with key i of keys may use AXFR and IXFR. */
	uint32_t transfer_keys;
	const struct dns_tsig_keyring *keys; /* NULL: every TSIG gets BADKEY */
	uint64_t now;                        /* seconds since the epoch, for TSIG */
};

/* Outcome of one query, for counters and logs. */
struct dns_answer_info {
	uint16_t rcode;
	uint16_t qtype;
	bool truncated;
	bool transfer;         /* AXFR or IXFR over TCP: the caller must use dns_transfer() */
	bool transfer_allowed; /* by address, or by the key that signed the request */
	bool signed_request;   /* the request carried a TSIG; tsig is its state */
	struct dns_tsig_state tsig;
};

/*
 * Answers the request in req into resp (cap bytes, at least DNS_UDP_MAX for
 * UDP and DNS_TCP_MAX for TCP). Borrows everything. Returns 0 and the length
 * in *ret_len, or -EPROTO when nothing must be sent (a response, or shorter
 * than a header, or signing failed in GnuTLS). Otherwise malformed input gets FORMERR. A
 * request with a TSIG gets a signed response, or NOTAUTH with the TSIG
 * error (RFC 8945 §5.2) when the signature does not verify.
 */
int dns_answer(const struct dns_snapshot *snap, const uint8_t *req, size_t req_len,
               const struct dns_answer_opts *opts, uint8_t *resp, size_t cap, size_t *ret_len,
               struct dns_answer_info *ret_info);

/* Receives one message of a multi-message response; a negative return stops the transfer. */
typedef int (*dns_emit_fn)(void *ctx, const uint8_t *msg, size_t len);

/*
 * Runs an AXFR or IXFR request (already parsed into q, qtype AXFR or IXFR)
 * over TCP: emits one or more messages through emit, using buf (cap bytes,
 * DNS_TCP_MAX recommended) as scratch. IXFR answers with the differences
 * when the history reaches back to the client's serial, a single SOA when
 * the client is current, and the whole zone otherwise (RFC 1995 §4).
 * Refused transfers and unknown zones produce one error message. With tsig
 * (the state dns_answer() verified; may be NULL) every message is signed.
 * Returns 0 or the first negative value emit returned.
 */
int dns_transfer(const struct dns_snapshot *snap, const struct dns_query *q, bool allowed,
                 struct dns_tsig_state *tsig, uint64_t now, uint8_t *buf, size_t cap,
                 dns_emit_fn emit, void *ctx);

/* Builds a NOTIFY for zone (RFC 1996 §3.7) with message id. Returns 0 or -ENOSPC. */
int dns_notify_build(const struct dns_zone *zone, uint16_t id, uint8_t *buf, size_t cap,
                     size_t *ret_len);
