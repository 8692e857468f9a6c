/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-tsig -- transaction signatures (RFC 8945): verifies the TSIG record of
 * a request, signs responses (every message of a multi-message transfer) and
 * outgoing NOTIFY, and checks the signed response to a NOTIFY. HMAC comes
 * from GnuTLS. No allocation, no logging, no I/O; secrets never leave here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "dns/dns-wire.h"

#define DNS_TSIG_FUDGE   300 /* seconds of clock skew put in the Fudge field of signatures */
#define DNS_TSIG_MAC_MAX 64  /* SHA-512 output */

/* TSIG error field values (RFC 8945 §3). */
enum dns_tsig_error {
	DNS_TSIG_NOERROR = 0,
	DNS_TSIG_BADSIG = 16,
	DNS_TSIG_BADKEY = 17,
	DNS_TSIG_BADTIME = 18,
	DNS_TSIG_BADTRUNC = 22,
};

struct dns_tsig_key {
	uint8_t name[DNS_NAME_MAX]; /* lower-case wire form */
	size_t name_len;
	uint8_t algorithm[DNS_NAME_MAX]; /* lower-case wire form, such as hmac-sha256. */
	size_t algorithm_len;
	int mac; /* gnutls_mac_algorithm_t */
	size_t digest_len;
	uint8_t secret[CONFIG_TSIG_SECRET_MAX];
	size_t secret_len;
};

/* The keys of [dns] tsig_key, in config order so config indexes apply. */
struct dns_tsig_keyring {
	struct dns_tsig_key keys[CONFIG_TSIG_KEYS_MAX];
	size_t n_keys;
};

/*
 * Signing state of one transaction: the key, and the MAC the next signature
 * digests first (the request's, then each signed message's, RFC 8945 §5.3.1).
 */
struct dns_tsig_state {
	const struct dns_tsig_key *key; /* NULL after BADKEY */
	uint8_t name[DNS_NAME_MAX];     /* key and algorithm names echoed in responses */
	size_t name_len;
	uint8_t algorithm[DNS_NAME_MAX];
	size_t algorithm_len;
	uint8_t mac[DNS_TSIG_MAC_MAX];
	size_t mac_len;
	uint64_t time_signed; /* the request's, echoed with BADTIME */
	uint16_t error;       /* enum dns_tsig_error sent in the next signature */
	unsigned n_signed;    /* messages signed so far */
};

/*
 * Builds the keyring from [dns] tsig_key. Returns 0, or -EINVAL when a key
 * name or algorithm does not convert (config_load() has checked both).
 */
int dns_tsig_keyring_from_config(const struct config *cfg, struct dns_tsig_keyring *ret_ring);

/* Index of key in ring, or -1. */
int dns_tsig_key_index(const struct dns_tsig_keyring *ring, const struct dns_tsig_key *key);

/*
 * Checks the TSIG record that ends msg (RFC 8945 §5.2): key, MAC, time and
 * truncation, in that order. ring may be NULL (no keys). Returns:
 *   0        a TSIG was read. ret_state contains it with error NOERROR
 *            (valid) or BADKEY, BADSIG, BADTIME or BADTRUNC. Sign the
 *            response with dns_tsig_sign() either way.
 *   -ENOENT  msg carries no TSIG.
 *   -EBADMSG the TSIG is malformed, or its MAC size is outside what the
 *            algorithm allows: answer FORMERR, unsigned.
 * now is seconds since the epoch.
 */
int dns_tsig_verify_request(const struct dns_tsig_keyring *ring, const uint8_t *msg, size_t len,
                            uint64_t now, struct dns_tsig_state *ret_state);

/* Starts the state for signing a request (an outgoing NOTIFY) with key. */
void dns_tsig_state_init(struct dns_tsig_state *st, const struct dns_tsig_key *key);

/* Bytes dns_tsig_sign() appends at most; keep them free in the builder. */
size_t dns_tsig_reserve(const struct dns_tsig_state *st);

/*
 * Appends a TSIG record to the complete message msg[0..len) in a buffer of
 * cap bytes and adds it to ARCOUNT. After BADKEY or BADSIG the record has an
 * empty MAC (RFC 8945 §5.3.2). Otherwise the MAC covers the prior MAC and
 * the message, plus all TSIG variables for the first message or only the
 * timers for later ones (§5.3.1), and it becomes the prior MAC. Returns 0 and the new
 * length, -ENOSPC, or -EIO when GnuTLS fails.
 */
int dns_tsig_sign(struct dns_tsig_state *st, uint8_t *msg, size_t len, size_t cap, uint64_t now,
                  size_t *ret_len);

/*
 * Checks the TSIG of a response to a request signed with st (the first
 * response only): present, same key, MAC over st's MAC and the response,
 * time within the fudge. Returns 0, -ENOENT (unsigned), -EBADMSG
 * (malformed) or -EACCES (wrong key, MAC, time or a TSIG error set).
 */
int dns_tsig_verify_response(const struct dns_tsig_state *st, const uint8_t *msg, size_t len,
                             uint64_t now);
