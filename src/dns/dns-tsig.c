/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-tsig -- TSIG records read through core/wire, digests computed with
 * GnuTLS's incremental HMAC, MACs compared in constant time with libsodium.
 */
#include "dns/dns-tsig.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sodium.h>
#include <string.h>

#define TSIG_CLASS_ANY 255

/* A TSIG record as read; the pointers borrow the message. */
struct tsig_rr {
	size_t offset; /* where the record starts */
	uint8_t name[DNS_NAME_MAX];
	size_t name_len;
	uint8_t algorithm[DNS_NAME_MAX];
	size_t algorithm_len;
	uint64_t time_signed;
	uint16_t fudge;
	const uint8_t *mac;
	uint16_t mac_len;
	uint16_t original_id;
	uint16_t error;
	const uint8_t *other;
	uint16_t other_len;
};

static const struct {
	const char *name;
	gnutls_mac_algorithm_t mac;
} algorithms[] = {
	{ "hmac-sha1", GNUTLS_MAC_SHA1 },     { "hmac-sha224", GNUTLS_MAC_SHA224 },
	{ "hmac-sha256", GNUTLS_MAC_SHA256 }, { "hmac-sha384", GNUTLS_MAC_SHA384 },
	{ "hmac-sha512", GNUTLS_MAC_SHA512 },
};

int dns_tsig_keyring_from_config(const struct config *cfg, struct dns_tsig_keyring *ret_ring)
{
	struct dns_tsig_keyring ring = { 0 };

	for (size_t i = 0; i < cfg->n_dns_tsig_keys; i++) {
		const struct config_tsig_key *c = &cfg->dns_tsig_keys[i];
		struct dns_tsig_key *k = &ring.keys[i];
		bool found = false;

		for (size_t a = 0; a < sizeof(algorithms) / sizeof(algorithms[0]) && !found; a++) {
			if (strcmp(c->algorithm, algorithms[a].name) != 0)
				continue;
			found = true;
			k->mac = (int)algorithms[a].mac;
			k->digest_len = gnutls_hmac_get_len(algorithms[a].mac);
		}
		if (!found || k->digest_len == 0 || k->digest_len > DNS_TSIG_MAC_MAX ||
		    dns_name_from_text(c->name, k->name, &k->name_len) < 0 ||
		    dns_name_from_text(c->algorithm, k->algorithm, &k->algorithm_len) < 0 ||
		    c->secret_len > sizeof(k->secret))
			return -EINVAL;
		dns_name_lower(k->name);
		memcpy(k->secret, c->secret, c->secret_len);
		k->secret_len = c->secret_len;
		ring.n_keys++;
	}
	*ret_ring = ring;
	sodium_memzero(&ring, sizeof(ring));
	return 0;
}

int dns_tsig_key_index(const struct dns_tsig_keyring *ring, const struct dns_tsig_key *key)
{
	for (size_t i = 0; ring && key && i < ring->n_keys; i++)
		if (&ring->keys[i] == key)
			return (int)i;
	return -1;
}

void dns_tsig_state_init(struct dns_tsig_state *st, const struct dns_tsig_key *key)
{
	memset(st, 0, sizeof(*st));
	st->key = key;
	memcpy(st->name, key->name, key->name_len);
	st->name_len = key->name_len;
	memcpy(st->algorithm, key->algorithm, key->algorithm_len);
	st->algorithm_len = key->algorithm_len;
}

size_t dns_tsig_reserve(const struct dns_tsig_state *st)
{
	/* owner, type..rdlength, algorithm, time..MAC size, MAC, id..other len, other */
	return st->name_len + 10 + st->algorithm_len + 10 + DNS_TSIG_MAC_MAX + 6 + 6;
}

/* Finds the offset of the last record of msg. Returns 0, -ENOENT (no records) or -EBADMSG. */
static int find_last_rr(const uint8_t *msg, size_t len, size_t *ret_offset)
{
	struct wire_reader r;
	uint16_t qdcount, records = 0;
	size_t last = 0;

	wire_reader_init(&r, msg, len);
	wire_skip(&r, 4);
	qdcount = wire_read_u16(&r);
	for (int s = 0; s < 3; s++)
		records = (uint16_t)(records + wire_read_u16(&r));
	if (wire_reader_error(&r))
		return -EBADMSG;
	for (uint16_t i = 0; i < qdcount; i++) {
		uint8_t name[DNS_NAME_MAX];
		size_t name_len;

		if (dns_name_read(&r, name, &name_len) < 0)
			return -EBADMSG;
		wire_skip(&r, 4);
	}
	for (uint16_t i = 0; i < records; i++) {
		uint8_t owner[DNS_NAME_MAX];
		struct dns_rr_header h;
		size_t owner_len;

		last = wire_offset(&r);
		if (dns_rr_read_header(&r, owner, &owner_len, &h) < 0)
			return -EBADMSG;
		wire_skip(&r, h.rdlen);
	}
	if (wire_reader_error(&r))
		return -EBADMSG;
	if (records == 0)
		return -ENOENT;
	*ret_offset = last;
	return 0;
}

/* Reads the TSIG record that ends msg (RFC 8945 §4.2). */
static int tsig_read(const uint8_t *msg, size_t len, struct tsig_rr *ret_rr)
{
	struct tsig_rr rr = { 0 };
	struct dns_rr_header h;
	struct wire_reader r;
	size_t rdata_end;
	int ret;

	ret = find_last_rr(msg, len, &rr.offset);
	if (ret < 0)
		return ret;
	wire_reader_init(&r, msg, len);
	wire_seek(&r, rr.offset);
	if (dns_rr_read_header(&r, rr.name, &rr.name_len, &h) < 0)
		return -EBADMSG;
	if (h.type != DNS_TYPE_TSIG)
		return -ENOENT;
	if (len < DNS_HEADER_LEN || (msg[10] == 0 && msg[11] == 0))
		return -EBADMSG;
	rdata_end = wire_offset(&r) + h.rdlen;
	/* Class ANY and TTL 0 (RFC 8945 §4.2). */
	if (h.rclass != TSIG_CLASS_ANY || h.ttl != 0)
		return -EBADMSG;
	if (dns_name_read(&r, rr.algorithm, &rr.algorithm_len) < 0)
		return -EBADMSG;
	rr.time_signed = (uint64_t)wire_read_u16(&r) << 32;
	rr.time_signed |= wire_read_u32(&r);
	rr.fudge = wire_read_u16(&r);
	rr.mac_len = wire_read_u16(&r);
	rr.mac = wire_read_span(&r, rr.mac_len);
	rr.original_id = wire_read_u16(&r);
	rr.error = wire_read_u16(&r);
	rr.other_len = wire_read_u16(&r);
	rr.other = wire_read_span(&r, rr.other_len);
	if (wire_reader_error(&r) || wire_offset(&r) != rdata_end)
		return -EBADMSG;
	dns_name_lower(rr.name);
	dns_name_lower(rr.algorithm);
	*ret_rr = rr;
	return 0;
}

static const struct dns_tsig_key *keyring_find(const struct dns_tsig_keyring *ring,
                                               const uint8_t *name)
{
	for (size_t i = 0; ring && i < ring->n_keys; i++)
		if (dns_name_equal(ring->keys[i].name, name))
			return &ring->keys[i];
	return NULL;
}

/* TSIG variables of RFC 8945 §4.3.3; timers_only for the later messages of §5.3.1. */
static void put_variables(struct wire_writer *w, const struct dns_tsig_state *st,
                          uint64_t time_signed, uint16_t fudge, uint16_t error,
                          const uint8_t *other, uint16_t other_len, bool timers_only)
{
	if (!timers_only) {
		wire_write_bytes(w, st->name, st->name_len);
		wire_write_u16(w, TSIG_CLASS_ANY);
		wire_write_u32(w, 0);
		wire_write_bytes(w, st->algorithm, st->algorithm_len);
	}
	wire_write_u16(w, (uint16_t)(time_signed >> 32));
	wire_write_u32(w, (uint32_t)time_signed);
	wire_write_u16(w, fudge);
	if (timers_only)
		return;
	wire_write_u16(w, error);
	wire_write_u16(w, other_len);
	wire_write_bytes(w, other, other_len);
}

/*
 * Computes the HMAC of: prior MAC (size and bytes, when prior_len > 0), the
 * 12-byte header hdr, body[0..body_len), then vars. Returns 0 or -EIO.
 */
static int compute_mac(const struct dns_tsig_key *key, const uint8_t *prior, size_t prior_len,
                       const uint8_t hdr[DNS_HEADER_LEN], const uint8_t *body, size_t body_len,
                       const uint8_t *vars, size_t vars_len, uint8_t ret_mac[DNS_TSIG_MAC_MAX])
{
	gnutls_hmac_hd_t h;
	uint8_t size[2] = { (uint8_t)(prior_len >> 8), (uint8_t)prior_len };
	int r;

	r = gnutls_hmac_init(&h, (gnutls_mac_algorithm_t)key->mac, key->secret, key->secret_len);
	if (r < 0)
		return -EIO;
	r = 0;
	if (prior_len > 0) {
		r |= gnutls_hmac(h, size, sizeof(size));
		r |= gnutls_hmac(h, prior, prior_len);
	}
	r |= gnutls_hmac(h, hdr, DNS_HEADER_LEN);
	if (body_len > 0)
		r |= gnutls_hmac(h, body, body_len);
	r |= gnutls_hmac(h, vars, vars_len);
	gnutls_hmac_deinit(h, ret_mac);
	return r < 0 ? -EIO : 0;
}

/* Fills the echoed names of st from rr. */
static void state_from_rr(struct dns_tsig_state *st, const struct tsig_rr *rr)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->name, rr->name, rr->name_len);
	st->name_len = rr->name_len;
	memcpy(st->algorithm, rr->algorithm, rr->algorithm_len);
	st->algorithm_len = rr->algorithm_len;
	st->time_signed = rr->time_signed;
}

/*
 * Computes the MAC a signer with key and prior MAC would have put on msg,
 * which ends with rr: the header gets the original ID and ARCOUNT less one.
 */
static int expected_mac(const struct dns_tsig_state *st, const uint8_t *prior, size_t prior_len,
                        const uint8_t *msg, const struct tsig_rr *rr,
                        uint8_t ret_mac[DNS_TSIG_MAC_MAX])
{
	uint8_t hdr[DNS_HEADER_LEN], vars[2 * DNS_NAME_MAX + 32 + 65535];
	struct wire_writer w;
	uint16_t arcount = (uint16_t)(msg[10] << 8 | msg[11]);

	memcpy(hdr, msg, sizeof(hdr));
	hdr[0] = (uint8_t)(rr->original_id >> 8);
	hdr[1] = (uint8_t)rr->original_id;
	hdr[10] = (uint8_t)((arcount - 1u) >> 8);
	hdr[11] = (uint8_t)(arcount - 1u);
	wire_writer_init(&w, vars, sizeof(vars));
	/* The variables use the received time, fudge and error, not ours. */
	put_variables(&w, st, rr->time_signed, rr->fudge, rr->error, rr->other, rr->other_len,
	              false);
	if (wire_writer_error(&w))
		return -ENOSPC;
	return compute_mac(st->key, prior, prior_len, hdr, msg + DNS_HEADER_LEN,
	                   rr->offset - DNS_HEADER_LEN, vars, wire_writer_len(&w), ret_mac);
}

static bool time_ok(uint64_t now, uint64_t signed_at, uint16_t fudge)
{
	uint64_t skew = now > signed_at ? now - signed_at : signed_at - now;

	return skew <= fudge;
}

/*
 * Checks the MAC size against RFC 8945 §5.2.2.1: at most the digest, and at
 * least the larger of 10 bytes and half the digest. Other sizes get FORMERR.
 * NOTE: from the RFC as read here; implementations differ on BADSIG or FORMERR.
 */
static bool mac_size_valid(const struct dns_tsig_key *key, size_t mac_len)
{
	size_t min = key->digest_len / 2 > 10 ? key->digest_len / 2 : 10;

	return mac_len <= key->digest_len && mac_len >= min;
}

int dns_tsig_verify_request(const struct dns_tsig_keyring *ring, const uint8_t *msg, size_t len,
                            uint64_t now, struct dns_tsig_state *ret_state)
{
	uint8_t mac[DNS_TSIG_MAC_MAX];
	struct dns_tsig_state st;
	struct tsig_rr rr;
	int r;

	r = tsig_read(msg, len, &rr);
	if (r < 0)
		return r;
	state_from_rr(&st, &rr);
	st.key = keyring_find(ring, rr.name);
	if (st.key == NULL || !dns_name_equal(st.key->algorithm, rr.algorithm)) {
		st.key = NULL;
		st.error = DNS_TSIG_BADKEY;
		goto out;
	}
	if (!mac_size_valid(st.key, rr.mac_len))
		return -EBADMSG;
	r = expected_mac(&st, NULL, 0, msg, &rr, mac);
	if (r < 0)
		return r;
	if (sodium_memcmp(mac, rr.mac, rr.mac_len) != 0) {
		st.error = DNS_TSIG_BADSIG;
		goto out;
	}
	memcpy(st.mac, rr.mac, rr.mac_len);
	st.mac_len = rr.mac_len;
	if (!time_ok(now, rr.time_signed, rr.fudge))
		st.error = DNS_TSIG_BADTIME;
	else if (rr.mac_len < st.key->digest_len)
		st.error = DNS_TSIG_BADTRUNC; /* local policy accepts full-length MACs only */
out:
	*ret_state = st;
	return 0;
}

int dns_tsig_sign(struct dns_tsig_state *st, uint8_t *msg, size_t len, size_t cap, uint64_t now,
                  size_t *ret_len)
{
	uint8_t vars[2 * DNS_NAME_MAX + 32], mac[DNS_TSIG_MAC_MAX], other[6];
	bool unsigned_error = st->error == DNS_TSIG_BADKEY || st->error == DNS_TSIG_BADSIG;
	bool timers_only = st->n_signed > 0;
	uint64_t time_signed = st->error == DNS_TSIG_BADTIME ? st->time_signed : now;
	uint16_t other_len = 0, arcount, rdlen_off;
	struct wire_writer w, v;
	size_t mac_len = 0;
	int r;

	if (len < DNS_HEADER_LEN || len > cap)
		return -EINVAL;
	if (st->error == DNS_TSIG_BADTIME) {
		/* Other Data carries the server's time (RFC 8945 §5.2.3). */
		wire_writer_init(&v, other, sizeof(other));
		wire_write_u16(&v, (uint16_t)(now >> 32));
		wire_write_u32(&v, (uint32_t)now);
		other_len = sizeof(other);
	}
	if (!unsigned_error && st->key) {
		wire_writer_init(&v, vars, sizeof(vars));
		put_variables(&v, st, time_signed, DNS_TSIG_FUDGE, st->error, other, other_len,
		              timers_only);
		if (wire_writer_error(&v))
			return -ENOSPC;
		r = compute_mac(st->key, st->mac, st->mac_len, msg, msg + DNS_HEADER_LEN,
		                len - DNS_HEADER_LEN, vars, wire_writer_len(&v), mac);
		if (r < 0)
			return r;
		mac_len = st->key->digest_len;
	}
	wire_writer_init(&w, msg + len, cap - len);
	wire_write_bytes(&w, st->name, st->name_len);
	wire_write_u16(&w, DNS_TYPE_TSIG);
	wire_write_u16(&w, TSIG_CLASS_ANY);
	wire_write_u32(&w, 0);
	rdlen_off = (uint16_t)wire_writer_len(&w);
	wire_write_u16(&w, 0);
	wire_write_bytes(&w, st->algorithm, st->algorithm_len);
	wire_write_u16(&w, (uint16_t)(time_signed >> 32));
	wire_write_u32(&w, (uint32_t)time_signed);
	wire_write_u16(&w, DNS_TSIG_FUDGE);
	wire_write_u16(&w, (uint16_t)mac_len);
	wire_write_bytes(&w, mac, mac_len);
	wire_write_bytes(&w, msg, 2); /* original ID: the message ID as sent */
	wire_write_u16(&w, st->error);
	wire_write_u16(&w, other_len);
	wire_write_bytes(&w, other, other_len);
	wire_patch_u16(&w, rdlen_off, (uint16_t)(wire_writer_len(&w) - rdlen_off - 2));
	if (wire_writer_error(&w))
		return -ENOSPC;
	arcount = (uint16_t)(msg[10] << 8 | msg[11]);
	wire_writer_init(&v, msg + 10, 2);
	wire_write_u16(&v, (uint16_t)(arcount + 1u));
	memcpy(st->mac, mac, mac_len);
	st->mac_len = mac_len;
	st->n_signed++;
	*ret_len = len + wire_writer_len(&w);
	return 0;
}

int dns_tsig_verify_response(const struct dns_tsig_state *st, const uint8_t *msg, size_t len,
                             uint64_t now)
{
	uint8_t mac[DNS_TSIG_MAC_MAX];
	struct tsig_rr rr;
	int r;

	r = tsig_read(msg, len, &rr);
	if (r < 0)
		return r;
	if (st->key == NULL || !dns_name_equal(rr.name, st->key->name) ||
	    !dns_name_equal(rr.algorithm, st->key->algorithm) || rr.error != DNS_TSIG_NOERROR ||
	    !mac_size_valid(st->key, rr.mac_len))
		return -EACCES;
	r = expected_mac(st, st->mac, st->mac_len, msg, &rr, mac);
	if (r < 0)
		return r;
	if (sodium_memcmp(mac, rr.mac, rr.mac_len) != 0 || !time_ok(now, rr.time_signed, rr.fudge))
		return -EACCES;
	return 0;
}
