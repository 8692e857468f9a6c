/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for TSIG (RFC 8945). The signed request and the expected MACs
 * were computed with Python's hmac module over bytes built by hand, and
 * dnspython 2.3 accepts the request's signature.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "dns/dns-tsig.h"

#include <cmocka.h>

#define T_SIGNED 1700000000u                                    /* Time Signed of the request */
#define KEY_B64  "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=" /* bytes 1..32 */

/* AXFR for lab.example, id 0x1234, signed with xfr.lab.example hmac-sha256. */
static const char request_hex[] =
        "123400000001000000000001036c6162076578616d706c650000fc000103786672036c6162076578616d706c"
        "650000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c00204fbfc59e93d0505846"
        "05780b6371d164f553ae5b6ee76956e6f780d47753bbc2123400000000";
static const char request_mac_hex[] =
        "4fbfc59e93d050584605780b6371d164f553ae5b6ee76956e6f780d47753bbc2";
/* The header and question of the first response, signed at T_SIGNED + 5. */
static const char response_hex[] = "123484000001000000000000036c6162076578616d706c650000fc0001";
static const char response_mac_hex[] =
        "110330108430d37ba7444803aa83ce2c32bdf6b47344bab7650f2a7f8046c2ab";
/* A second message with no records: its MAC digests the timers only (§5.3.1). */
static const char response2_hex[] = "123484000000000000000000";
static const char response2_mac_hex[] =
        "f45afd12ce020b0818380e318e144f7d7033de025dcfb51c108d3054c470e4de";

static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void load_ring(struct dns_tsig_keyring *ring, const char *name, const char *alg)
{
	struct config cfg;
	char text[512], err[CONFIG_ERROR_MAX];

	config_init(&cfg);
	(void)snprintf(
	        text, sizeof(text),
	        "[dhcp]\nenabled = false\n[http]\npublic_url = http://192.0.2.1\n[dns]\ntsig_key = %s %s %s\n",
	        name, alg, KEY_B64);
	assert_int_equal(config_load_string(&cfg, text, "test", err, sizeof(err)), 0);
	assert_int_equal(dns_tsig_keyring_from_config(&cfg, ring), 0);
}

/* Offset of the MAC inside request_hex's bytes: header, question, owner, fixed fields. */
#define MAC_OFFSET (12 + 17 + 17 + 10 + 13 + 10)

static void verify_valid_request(void **state)
{
	struct dns_tsig_keyring ring;
	struct dns_tsig_state st;
	uint8_t msg[512], mac[64];
	size_t len = from_hex(request_hex, msg, sizeof(msg));

	(void)state;
	load_ring(&ring, "xfr.lab.example", "hmac-sha256");
	assert_int_equal(dns_tsig_verify_request(&ring, msg, len, T_SIGNED + 299, &st), 0);
	assert_int_equal(st.error, DNS_TSIG_NOERROR);
	assert_ptr_equal(st.key, &ring.keys[0]);
	assert_int_equal(st.mac_len, 32);
	assert_memory_equal(st.mac, mac, from_hex(request_mac_hex, mac, sizeof(mac)));
}

/* One check of request_hex: the key rackd holds, a byte changed on the way, the verdict. */
struct verify_case {
	const char *key_name; /* NULL: no keyring at all */
	const char *algorithm;
	size_t flip_offset; /* 0: the request as signed */
	uint8_t flip_mask;
	enum dns_tsig_error error;
};

static void verify_cases(void **state)
{
	static const struct verify_case cases[] = {
		{ "XFR.Lab.Example", "HMAC-SHA256", 0, 0, DNS_TSIG_NOERROR },
		{ "xfr.lab.example", "hmac-sha256", MAC_OFFSET + 31, 0x01, DNS_TSIG_BADSIG },
		/* The first letter of the qname, "l" to "L". */
		{ "xfr.lab.example", "hmac-sha256", 14, 0x20, DNS_TSIG_BADSIG },
		{ "other.lab.example", "hmac-sha256", 0, 0, DNS_TSIG_BADKEY },
		{ "xfr.lab.example", "hmac-sha512", 0, 0, DNS_TSIG_BADKEY },
		{ NULL, NULL, 0, 0, DNS_TSIG_BADKEY },
	};
	struct dns_tsig_keyring ring;
	struct dns_tsig_state st;
	uint8_t msg[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct verify_case *c = &cases[i];
		size_t len = from_hex(request_hex, msg, sizeof(msg));

		if (c->key_name)
			load_ring(&ring, c->key_name, c->algorithm);
		if (c->flip_offset)
			msg[c->flip_offset] ^= c->flip_mask;
		assert_int_equal(dns_tsig_verify_request(c->key_name ? &ring : NULL, msg, len,
		                                         T_SIGNED, &st),
		                 0);
		assert_int_equal(st.error, c->error);
		if (c->error == DNS_TSIG_BADKEY)
			assert_null(st.key);
	}
}

static void verify_old_request_is_badtime(void **state)
{
	struct dns_tsig_keyring ring;
	struct dns_tsig_state st;
	uint8_t msg[512], out[1024];
	size_t len = from_hex(request_hex, msg, sizeof(msg));
	size_t out_len, resp_len;

	(void)state;
	load_ring(&ring, "xfr.lab.example", "hmac-sha256");
	assert_int_equal(dns_tsig_verify_request(&ring, msg, len, T_SIGNED + 301, &st), 0);
	assert_int_equal(st.error, DNS_TSIG_BADTIME);
	assert_int_equal(dns_tsig_verify_request(&ring, msg, len, T_SIGNED - 301, &st), 0);
	assert_int_equal(st.error, DNS_TSIG_BADTIME);

	/* The signed BADTIME response echoes Time Signed and carries our time in Other Data. */
	resp_len = from_hex(response_hex, out, sizeof(out));
	assert_int_equal(dns_tsig_sign(&st, out, resp_len, sizeof(out), 1800000000u, &out_len), 0);
	assert_int_equal(out[11], 1); /* ARCOUNT */
	assert_int_equal(out_len, resp_len + 17 + 10 + 13 + 10 + 32 + 6 + 6);
	/* Time Signed right after the algorithm name */
	assert_int_equal(out[resp_len + 27 + 13 + 2], (T_SIGNED >> 24) & 0xff);
	assert_int_equal(out[out_len - 1], 1800000000u & 0xff);
	assert_int_equal(out[out_len - 8], 0); /* other len high byte */
	assert_int_equal(out[out_len - 7], 6);
	assert_int_equal(out[out_len - 9], DNS_TSIG_BADTIME);
}

static void verify_truncated_mac(void **state)
{
	struct dns_tsig_keyring ring;
	struct dns_tsig_state st;
	uint8_t msg[512], cut[512];
	size_t len = from_hex(request_hex, msg, sizeof(msg));
	size_t keep;

	(void)state;
	load_ring(&ring, "xfr.lab.example", "hmac-sha256");
	/* 16 of 32 bytes is a valid truncation, but policy wants full MACs: BADTRUNC. */
	for (keep = 16; keep >= 8; keep -= 8) {
		size_t n = 0;

		memcpy(cut, msg, MAC_OFFSET);
		n = MAC_OFFSET;
		memcpy(cut + n, msg + MAC_OFFSET, keep);
		n += keep;
		memcpy(cut + n, msg + MAC_OFFSET + 32, len - MAC_OFFSET - 32);
		n += len - MAC_OFFSET - 32;
		cut[MAC_OFFSET - 1] = (uint8_t)keep;                 /* MAC size */
		cut[12 + 17 + 17 + 9] = (uint8_t)(61 - (32 - keep)); /* RDLENGTH */
		if (keep == 16) {
			assert_int_equal(dns_tsig_verify_request(&ring, cut, n, T_SIGNED, &st), 0);
			assert_int_equal(st.error, DNS_TSIG_BADTRUNC);
		} else {
			/* Under half the digest: FORMERR (RFC 8945 §5.2.2.1). */
			assert_int_equal(dns_tsig_verify_request(&ring, cut, n, T_SIGNED, &st),
			                 -EBADMSG);
		}
	}
}

static void verify_unsigned_and_malformed(void **state)
{
	struct dns_tsig_keyring ring;
	struct dns_tsig_state st;
	uint8_t msg[512];
	size_t len = from_hex(request_hex, msg, sizeof(msg));

	(void)state;
	load_ring(&ring, "xfr.lab.example", "hmac-sha256");
	msg[11] = 0; /* ARCOUNT 0: the TSIG is trailing garbage */
	assert_int_equal(dns_tsig_verify_request(&ring, msg, 12 + 17, T_SIGNED, &st), -ENOENT);
	msg[11] = 1;
	assert_int_equal(dns_tsig_verify_request(&ring, msg, len - 1, T_SIGNED, &st), -EBADMSG);
	msg[12 + 17 + 17 + 3] = 1; /* class IN instead of ANY */
	assert_int_equal(dns_tsig_verify_request(&ring, msg, len, T_SIGNED, &st), -EBADMSG);
}

static void sign_response_known_answer(void **state)
{
	struct dns_tsig_keyring ring;
	struct dns_tsig_state st;
	uint8_t msg[512], out[1024], want[64];
	size_t len = from_hex(request_hex, msg, sizeof(msg));
	size_t resp_len, out_len, want_len;

	(void)state;
	load_ring(&ring, "xfr.lab.example", "hmac-sha256");
	assert_int_equal(dns_tsig_verify_request(&ring, msg, len, T_SIGNED, &st), 0);

	resp_len = from_hex(response_hex, out, sizeof(out));
	assert_int_equal(dns_tsig_sign(&st, out, resp_len, sizeof(out), T_SIGNED + 5, &out_len), 0);
	want_len = from_hex(response_mac_hex, want, sizeof(want));
	assert_int_equal(out[11], 1);
	assert_int_equal(out_len, resp_len + 17 + 10 + 13 + 10 + 32 + 6);
	assert_memory_equal(out + resp_len + 17 + 10 + 13 + 10, want, want_len);

	/* The next message of the transfer chains on that MAC with the timers only. */
	resp_len = from_hex(response2_hex, out, sizeof(out));
	assert_int_equal(dns_tsig_sign(&st, out, resp_len, sizeof(out), T_SIGNED + 5, &out_len), 0);
	want_len = from_hex(response2_mac_hex, want, sizeof(want));
	assert_memory_equal(out + resp_len + 17 + 10 + 13 + 10, want, want_len);
}

static void sign_badkey_is_unsigned(void **state)
{
	struct dns_tsig_keyring ring;
	struct dns_tsig_state st;
	uint8_t msg[512], out[1024];
	size_t len = from_hex(request_hex, msg, sizeof(msg));
	size_t resp_len, out_len;

	(void)state;
	load_ring(&ring, "other.lab.example", "hmac-sha256");
	assert_int_equal(dns_tsig_verify_request(&ring, msg, len, T_SIGNED, &st), 0);
	resp_len = from_hex(response_hex, out, sizeof(out));
	assert_int_equal(dns_tsig_sign(&st, out, resp_len, sizeof(out), T_SIGNED, &out_len), 0);
	/* MAC size 0, then original id, error BADKEY, other len 0 */
	assert_int_equal(out_len, resp_len + 17 + 10 + 13 + 10 + 6);
	assert_int_equal(out[out_len - 7], 0);
	assert_int_equal(out[out_len - 3], DNS_TSIG_BADKEY);
}

static void sign_and_verify_round_trip(void **state)
{
	static const char *const algs[] = { "hmac-sha1", "hmac-sha224", "hmac-sha256",
		                            "hmac-sha384", "hmac-sha512" };
	static const size_t digests[] = { 20, 28, 32, 48, 64 };

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		struct dns_tsig_keyring ring;
		struct dns_tsig_state client, server;
		uint8_t req[1024], resp[1024];
		size_t req_len, resp_len;

		load_ring(&ring, "notify.lab.example", algs[i]);
		assert_int_equal(ring.keys[0].digest_len, digests[i]);
		dns_tsig_state_init(&client, &ring.keys[0]);
		req_len = from_hex(response2_hex, req, sizeof(req));
		req[2] = 0x20; /* NOTIFY request */
		assert_int_equal(
		        dns_tsig_sign(&client, req, req_len, sizeof(req), T_SIGNED, &req_len), 0);
		assert_int_equal(dns_tsig_verify_request(&ring, req, req_len, T_SIGNED, &server),
		                 0);
		assert_int_equal(server.error, DNS_TSIG_NOERROR);

		resp_len = from_hex(response2_hex, resp, sizeof(resp));
		assert_int_equal(
		        dns_tsig_sign(&server, resp, resp_len, sizeof(resp), T_SIGNED, &resp_len),
		        0);
		assert_int_equal(dns_tsig_verify_response(&client, resp, resp_len, T_SIGNED), 0);
		assert_int_equal(dns_tsig_verify_response(&client, resp, resp_len, T_SIGNED + 400),
		                 -EACCES);
		resp[3] ^= 0x10; /* the AD bit */
		assert_int_equal(dns_tsig_verify_response(&client, resp, resp_len, T_SIGNED),
		                 -EACCES);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verify_valid_request),
		cmocka_unit_test(verify_cases),
		cmocka_unit_test(verify_old_request_is_badtime),
		cmocka_unit_test(verify_truncated_mac),
		cmocka_unit_test(verify_unsigned_and_malformed),
		cmocka_unit_test(sign_response_known_answer),
		cmocka_unit_test(sign_badkey_is_unsigned),
		cmocka_unit_test(sign_and_verify_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
