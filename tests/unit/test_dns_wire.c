/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for DNS names, query parsing and the response builder with compression. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/dns-wire.h"

#include <cmocka.h>

static int read_name_at(const uint8_t *buf, size_t len, size_t off, uint8_t *name, size_t *name_len,
                        size_t *end)
{
	struct wire_reader r;
	int ret;

	wire_reader_init(&r, buf, len);
	wire_seek(&r, off);
	ret = dns_name_read(&r, name, name_len);
	*end = wire_offset(&r);
	return ret;
}

static void name_read_follows_pointers(void **state)
{
	/* "example.org" at 0, then "www" + pointer to 0 at offset 13. */
	static const uint8_t msg[] = { 7,   'e', 'x', 'a', 'm', 'p', 'l', 'e',  3,   'o',
		                       'r', 'g', 0,   3,   'w', 'w', 'w', 0xc0, 0x00 };
	static const uint8_t want[] = "\003www\007example\003org";
	uint8_t name[DNS_NAME_MAX];
	size_t len, end;

	(void)state;
	assert_int_equal(read_name_at(msg, sizeof(msg), 13, name, &len, &end), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(name, want, sizeof(want));
	assert_int_equal(end, sizeof(msg)); /* the cursor stops after the pointer */
}

static void name_read_rejects_loops(void **state)
{
	static const uint8_t self[] = { 0xc0, 0x00 };
	static const uint8_t forward[] = { 0xc0, 0x02, 0x00 };
	/* a label then a pointer back to that label: bounded by the name length */
	static const uint8_t cycle[] = { 1, 'a', 0xc0, 0x00 };
	uint8_t name[DNS_NAME_MAX];
	size_t len, end;

	(void)state;
	assert_int_equal(read_name_at(self, sizeof(self), 0, name, &len, &end), -EBADMSG);
	assert_int_equal(read_name_at(forward, sizeof(forward), 0, name, &len, &end), -EBADMSG);
	assert_int_equal(read_name_at(cycle, sizeof(cycle), 0, name, &len, &end), -EBADMSG);
}

static void name_read_rejects_bad_labels(void **state)
{
	static const uint8_t extended[] = { 0x41, 'a', 0 };
	static const uint8_t truncated[] = { 5, 'a', 'b' };
	static const uint8_t no_root[] = { 1, 'a' };
	uint8_t name[DNS_NAME_MAX], big[300];
	size_t len, end;

	(void)state;
	assert_int_equal(read_name_at(extended, sizeof(extended), 0, name, &len, &end), -EBADMSG);
	assert_int_equal(read_name_at(truncated, sizeof(truncated), 0, name, &len, &end), -EBADMSG);
	assert_int_equal(read_name_at(no_root, sizeof(no_root), 0, name, &len, &end), -EBADMSG);
	/* five 63-byte labels make 320 bytes: over the 255-byte limit */
	memset(big, 'x', sizeof(big));
	for (size_t i = 0; i < 5 && i * 64 < sizeof(big); i++)
		big[i * 64] = 63;
	big[sizeof(big) - 1] = 0;
	assert_int_equal(read_name_at(big, sizeof(big), 0, name, &len, &end), -EBADMSG);
}

static void name_text_round_trip(void **state)
{
	uint8_t name[DNS_NAME_MAX];
	char text[DNS_NAME_STRLEN];
	size_t len;

	(void)state;
	assert_int_equal(dns_name_from_text("Www.Example.ORG", name, &len), 0);
	assert_int_equal(len, 17);
	assert_int_equal(dns_name_to_text(name, text, sizeof(text)), 0);
	assert_string_equal(text, "Www.Example.ORG.");
	assert_int_equal(dns_name_from_text("a\\.b.c.", name, &len), 0);
	assert_int_equal(name[0], 3);
	assert_int_equal(dns_name_to_text(name, text, sizeof(text)), 0);
	assert_string_equal(text, "a\\.b.c.");
	assert_int_equal(dns_name_from_text("\\065.x", name, &len), 0);
	assert_int_equal(name[1], 'A');
	assert_int_equal(dns_name_from_text(".", name, &len), 0);
	assert_int_equal(len, 1);
}

static void name_text_rejects_bad_names(void **state)
{
	char label[70];
	uint8_t name[DNS_NAME_MAX];
	size_t len;

	(void)state;
	assert_int_equal(dns_name_from_text("a..b", name, &len), -EINVAL);
	assert_int_equal(dns_name_from_text("", name, &len), -EINVAL);
	assert_int_equal(dns_name_from_text("a\\", name, &len), -EINVAL);
	assert_int_equal(dns_name_from_text("a\\999", name, &len), -EINVAL);
	memset(label, 'a', 64);
	label[64] = '\0';
	assert_int_equal(dns_name_from_text(label, name, &len), -E2BIG);
}

static void name_helpers(void **state)
{
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];
	size_t alen, blen;

	(void)state;
	assert_int_equal(dns_name_from_text("Host.Lab.Example", a, &alen), 0);
	assert_int_equal(dns_name_from_text("lab.example", b, &blen), 0);
	assert_int_equal(dns_name_suffix_offset(a, alen, b, blen), 5);
	assert_int_equal(dns_name_suffix_offset(b, blen, a, alen), -1);
	assert_int_equal(dns_name_labels(a), 3);
	assert_true(dns_name_hash(a + 5, alen - 5) == dns_name_hash(b, blen));
	dns_name_lower(a);
	assert_memory_equal(a, "\004host\003lab\007example", alen);
	assert_true(dns_name_is_hostname(a, false));
	assert_int_equal(dns_name_from_text("_sip._tcp.lab.example", a, &alen), 0);
	assert_false(dns_name_is_hostname(a, false));
	assert_true(dns_name_is_hostname(a, true));
	assert_int_equal(dns_name_from_text("-bad.example", a, &alen), 0);
	assert_false(dns_name_is_hostname(a, true));
}

/* Builds a query for name/type; edns_version < 0 leaves out the OPT record. */
static size_t make_query(uint8_t *buf, const char *name, uint16_t type, int edns_version)
{
	uint8_t wire[DNS_NAME_MAX];
	struct wire_writer w;
	size_t len;

	assert_int_equal(dns_name_from_text(name, wire, &len), 0);
	wire_writer_init(&w, buf, 512);
	wire_write_u16(&w, 0x1234);
	wire_write_u16(&w, DNS_FLAG_RD);
	wire_write_u16(&w, 1);
	wire_write_u16(&w, 0);
	wire_write_u16(&w, 0);
	wire_write_u16(&w, edns_version >= 0 ? 1 : 0);
	wire_write_bytes(&w, wire, len);
	wire_write_u16(&w, type);
	wire_write_u16(&w, DNS_CLASS_IN);
	if (edns_version >= 0) {
		wire_write_u8(&w, 0);
		wire_write_u16(&w, DNS_TYPE_OPT);
		wire_write_u16(&w, 4096);
		wire_write_u32(&w, (uint32_t)edns_version << 16 | 0x8000);
		wire_write_u16(&w, 0);
	}
	return wire_writer_len(&w);
}

static void query_parse_reads_question_and_opt(void **state)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t len = make_query(buf, "www.example.org", DNS_TYPE_AAAA, 0);

	(void)state;
	assert_int_equal(dns_query_parse(buf, len, &q), 0);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.qtype, DNS_TYPE_AAAA);
	assert_int_equal(q.qname_len, 17);
	assert_true(q.has_edns);
	assert_int_equal(q.edns_udp_size, 4096);
	assert_true(q.edns_do);
	assert_int_equal(q.edns_version, 0);
}

static void query_parse_rejects_malformed(void **state)
{
	uint8_t buf[600];
	struct dns_query q;
	size_t len = make_query(buf, "example.org", DNS_TYPE_A, 0);

	(void)state;
	assert_int_equal(dns_query_parse(buf, 11, &q), -EPROTO);
	buf[2] |= 0x80; /* QR: a response */
	assert_int_equal(dns_query_parse(buf, len, &q), -EPROTO);
	buf[2] &= 0x7f;
	buf[len] = 0; /* trailing garbage */
	assert_int_equal(dns_query_parse(buf, len + 1, &q), -EBADMSG);
	buf[5] = 2; /* QDCOUNT 2 */
	assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);
	buf[5] = 1;
	assert_int_equal(dns_query_parse(buf, len - 3, &q), -EBADMSG); /* cut inside OPT */

	/* two OPT records */
	memcpy(buf + len, buf + len - 11, 11);
	buf[11] = 2;
	assert_int_equal(dns_query_parse(buf, len + 11, &q), -EBADMSG);
}

static void builder_compresses_and_echoes_case(void **state)
{
	uint8_t qname[DNS_NAME_MAX], owner[DNS_NAME_MAX], mail[DNS_NAME_MAX], buf[512];
	static const uint8_t addr[4] = { 192, 0, 2, 1 };
	struct dns_builder b;
	size_t qlen, olen, mlen, at;

	(void)state;
	assert_int_equal(dns_name_from_text("WWW.Example.org", qname, &qlen), 0);
	assert_int_equal(dns_name_from_text("www.example.org", owner, &olen), 0);
	assert_int_equal(dns_name_from_text("mail.example.org", mail, &mlen), 0);
	dns_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_builder_question(&b, qname, qlen, DNS_TYPE_A, DNS_CLASS_IN), 0);
	at = dns_builder_len(&b);
	assert_int_equal(dns_builder_rr(&b, DNS_SECTION_ANSWER, owner, DNS_TYPE_A, 60, addr, 4), 0);
	/* the owner is a pointer to the question at offset 12 */
	assert_int_equal(buf[at], 0xc0);
	assert_int_equal(buf[at + 1], 12);
	at = dns_builder_len(&b);
	assert_int_equal(dns_builder_rr(&b, DNS_SECTION_ANSWER, mail, DNS_TYPE_A, 60, addr, 4), 0);
	/* "mail" then a pointer to "Example.org" at 12 + 4 */
	assert_int_equal(buf[at], 4);
	assert_memory_equal(buf + at + 1, "mail", 4);
	assert_int_equal(buf[at + 5], 0xc0);
	assert_int_equal(buf[at + 6], 16);
	assert_int_equal(b.counts[DNS_SECTION_ANSWER], 2);
}

static void builder_rolls_back_on_overflow(void **state)
{
	uint8_t name[DNS_NAME_MAX], buf[64], txt[40];
	struct dns_builder_mark mark;
	struct dns_builder b;
	size_t len, before;

	(void)state;
	memset(txt, 'x', sizeof(txt));
	txt[0] = 39;
	assert_int_equal(dns_name_from_text("a.example", name, &len), 0);
	dns_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_builder_question(&b, name, len, DNS_TYPE_TXT, DNS_CLASS_IN), 0);
	dns_builder_mark(&b, &mark);
	before = dns_builder_len(&b);
	assert_int_equal(dns_builder_rr(&b, DNS_SECTION_ANSWER, name, DNS_TYPE_TXT, 60, txt, 40),
	                 -ENOSPC);
	dns_builder_rollback(&b, &mark);
	assert_int_equal(dns_builder_len(&b), before);
	assert_int_equal(b.counts[DNS_SECTION_ANSWER], 0);
	assert_int_equal(dns_builder_rr(&b, DNS_SECTION_ANSWER, name, DNS_TYPE_TXT, 60, txt, 10),
	                 0);
}

static void builder_reads_back(void **state)
{
	uint8_t name[DNS_NAME_MAX], buf[512], owner[DNS_NAME_MAX], target[DNS_NAME_MAX];
	struct dns_rr_header h;
	struct dns_builder b;
	struct wire_reader r;
	struct dns_query q;
	size_t len, olen, tlen;

	(void)state;
	assert_int_equal(dns_name_from_text("alias.example", name, &len), 0);
	assert_int_equal(dns_name_from_text("host.example", target, &tlen), 0);
	dns_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_builder_question(&b, name, len, DNS_TYPE_CNAME, DNS_CLASS_IN), 0);
	assert_int_equal(dns_builder_rr(&b, DNS_SECTION_ANSWER, name, DNS_TYPE_CNAME, 30, target,
	                                (uint16_t)tlen),
	                 0);
	dns_builder_finish_header(&b, 7, DNS_FLAG_QR, 1);
	/* parse it back as a reader would, skipping the QR check */
	buf[2] &= 0x7f;
	buf[7] = 0;
	assert_int_equal(dns_query_parse(buf, DNS_HEADER_LEN + len + 4, &q), 0);
	wire_reader_init(&r, buf, dns_builder_len(&b));
	wire_seek(&r, q.question_end);
	assert_int_equal(dns_rr_read_header(&r, owner, &olen, &h), 0);
	assert_int_equal(h.type, DNS_TYPE_CNAME);
	assert_int_equal(h.ttl, 30);
	assert_int_equal(dns_name_read(&r, owner, &olen), 0);
	assert_true(dns_name_equal(owner, target));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_read_follows_pointers),
		cmocka_unit_test(name_read_rejects_loops),
		cmocka_unit_test(name_read_rejects_bad_labels),
		cmocka_unit_test(name_text_round_trip),
		cmocka_unit_test(name_text_rejects_bad_names),
		cmocka_unit_test(name_helpers),
		cmocka_unit_test(query_parse_reads_question_and_opt),
		cmocka_unit_test(query_parse_rejects_malformed),
		cmocka_unit_test(builder_compresses_and_echoes_case),
		cmocka_unit_test(builder_rolls_back_on_overflow),
		cmocka_unit_test(builder_reads_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
