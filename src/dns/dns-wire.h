/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-wire -- DNS message format (RFC 1035 §4, RFC 6891): domain names in
 * wire and presentation form, query parsing with compression pointers, and a
 * response builder with name compression and RRset-level rollback.
 * Pure functions: no allocation, no logging, no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/wire.h"

#define DNS_NAME_MAX     255 /* wire length including the root label (RFC 1035 §2.3.4) */
#define DNS_LABEL_MAX    63
#define DNS_NAME_STRLEN  1024 /* presentation form, every byte escaped as \DDD */
#define DNS_HEADER_LEN   12
#define DNS_UDP_MIN      512  /* reply size without EDNS (RFC 1035 §4.2.1) */
#define DNS_UDP_MAX      1232 /* reply size cap with EDNS: no IP fragmentation on common paths */
#define DNS_TCP_MAX      65535
#define DNS_COMPRESS_MAX 64 /* names remembered for compression per message */

/* Header flag bits in the 16-bit flags word (RFC 1035 §4.1.1, RFC 4035 §3.2). */
#define DNS_FLAG_QR       0x8000
#define DNS_FLAG_AA       0x0400
#define DNS_FLAG_TC       0x0200
#define DNS_FLAG_RD       0x0100
#define DNS_FLAG_RA       0x0080
#define DNS_FLAG_AD       0x0020
#define DNS_FLAG_CD       0x0010

#define DNS_OPCODE(flags) ((uint16_t)(((flags) >> 11) & 0xf))
#define DNS_RCODE(flags)  ((uint16_t)((flags)&0xf))

enum dns_opcode {
	DNS_OPCODE_QUERY = 0,
	DNS_OPCODE_NOTIFY = 4,
};

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_NOTAUTH = 9,
	DNS_RCODE_BADVERS = 16, /* extended: upper 8 bits live in the OPT TTL */
};

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_SRV = 33,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_DS = 43,
	DNS_TYPE_TSIG = 250,
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_MAILB = 253,
	DNS_TYPE_MAILA = 254,
	DNS_TYPE_ANY = 255,
};

/* EDNS option codes (RFC 6891 §6.1.2). */
enum dns_edns_option {
	DNS_EDNS_COOKIE = 10, /* RFC 7873 */
};

enum dns_class {
	DNS_CLASS_IN = 1,
	DNS_CLASS_ANY = 255,
};

/* Names */

/*
 * Reads a name at the reader's cursor, following compression pointers
 * (RFC 1035 §4.1.4) inside the reader's whole buffer. A pointer must point
 * strictly before the label that holds it, so loops are impossible, and the
 * expanded name may not exceed DNS_NAME_MAX. The cursor ends after the name's
 * first pointer or root label. Writes the uncompressed wire name (case kept)
 * to ret_name. Errors: -EBADMSG (overrun, bad label type, forward pointer,
 * name too long), also left as the reader's sticky error.
 */
int dns_name_read(struct wire_reader *r, uint8_t ret_name[DNS_NAME_MAX], size_t *ret_len);

/*
 * Parses presentation form ("www.Example.org.", "\065", "\.") into wire form.
 * The name is absolute whether or not it ends in a dot; "." and "@" are not
 * special here, so "." is the root. Errors: -EINVAL (empty label, bad escape),
 * -E2BIG (label over 63 bytes or name over 255).
 */
int dns_name_from_text(const char *text, uint8_t ret_name[DNS_NAME_MAX], size_t *ret_len);

/*
 * Writes presentation form with a trailing dot, escaping '.', '\\', '"', ';',
 * '(', ')', '@', '$', spaces and non-printing bytes. size DNS_NAME_STRLEN is
 * always enough for a valid name. Returns 0 or -ENOSPC.
 */
int dns_name_to_text(const uint8_t *name, char *buf, size_t size);

/* Length of a valid uncompressed wire name, or 0 when it is malformed. */
size_t dns_name_length(const uint8_t *name, size_t max);

/* Number of labels, not counting the root. */
unsigned dns_name_labels(const uint8_t *name);

/* Lower-cases ASCII letters in place. */
void dns_name_lower(uint8_t *name);

/* Case-insensitive equality of two valid wire names. */
bool dns_name_equal(const uint8_t *a, const uint8_t *b);

/*
 * Returns the offset inside name where suffix starts when name is suffix or a
 * name below it (case-insensitive), or -1.
 */
int dns_name_suffix_offset(const uint8_t *name, size_t name_len, const uint8_t *suffix,
                           size_t suffix_len);

/* FNV-1a over the lower-cased name, so hash(a) == hash(b) when dns_name_equal(a, b). */
uint32_t dns_name_hash(const uint8_t *name, size_t len);

/*
 * True when every label is an RFC 1123 host label (letters, digits, '-', not
 * at either end); with allow_underscore a label may also start with '_' and
 * contain '_' (SRV and TXT owner names such as _sip._tcp).
 */
bool dns_name_is_hostname(const uint8_t *name, bool allow_underscore);

/* True when the leftmost label of name is exactly "*": a wildcard (RFC 4592 §2.1.1). */
bool dns_name_is_wildcard(const uint8_t *name);

/* Queries */

struct dns_query {
	uint16_t id;
	uint16_t flags;
	uint16_t qtype;
	uint16_t qclass;
	uint8_t qname[DNS_NAME_MAX];
	size_t qname_len;
	size_t question_end; /* offset after the question section */
	bool has_edns;
	uint8_t edns_version;
	bool edns_do;
	uint16_t edns_udp_size;
	bool edns_bad_cookie; /* a COOKIE option of a length RFC 7873 §5.2.2 calls malformed */
	bool has_tsig;
	bool has_soa;        /* authority SOA of an IXFR request */
	uint32_t soa_serial; /* its serial */
};

/*
 * Parses a request. Returns:
 *   0        a well-formed message with one question; *ret_query is filled.
 *   -EBADMSG malformed (answer with FORMERR); *ret_query holds the header
 *            and, when question_end != 0, the question.
 *   -EPROTO  not a request (shorter than a header or QR set): send nothing.
 * Only OPT, TSIG and the SOA of an IXFR request are interpreted; other
 * records in the authority and additional sections are skipped.
 */
int dns_query_parse(const uint8_t *buf, size_t len, struct dns_query *ret_query);

/* Responses */

enum dns_section {
	DNS_SECTION_ANSWER = 0,
	DNS_SECTION_AUTHORITY = 1,
	DNS_SECTION_ADDITIONAL = 2,
};

struct dns_builder {
	struct wire_writer w;
	size_t limit;   /* bytes the message may use; less than the buffer for UDP */
	size_t reserve; /* bytes kept free for the OPT record */
	uint16_t counts[3];
	uint16_t n_names;
	uint16_t names[DNS_COMPRESS_MAX]; /* offsets of names written so far */
};

/* State saved before an RRset so a failed write can be undone. */
struct dns_builder_mark {
	size_t len;
	uint16_t counts[3];
	uint16_t n_names;
};

/*
 * Starts a response in buf (capacity cap, limit <= cap) with the header
 * fields given and an empty question section. Borrows buf.
 */
void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, size_t limit);

/* Writes the header: id, flags, and the section counts seen so far. */
void dns_builder_finish_header(struct dns_builder *b, uint16_t id, uint16_t flags,
                               uint16_t qdcount);

/*
 * Writes the question: qname as received (case kept, and remembered for
 * compression so answers echo it), qtype and qclass. Returns 0 or -ENOSPC.
 */
int dns_builder_question(struct dns_builder *b, const uint8_t *qname, size_t qname_len,
                         uint16_t qtype, uint16_t qclass);

/* Writes a name, compressed against earlier names when compress is true. */
int dns_builder_name(struct dns_builder *b, const uint8_t *name, bool compress);

/*
 * Appends one RR in section (sections must be filled in order). owner is a
 * wire name; rdata is uncompressed wire RDATA of type. Names inside the RDATA
 * of NS, CNAME, PTR, MX and SOA are compressed (RFC 3597 §4 allows it only for
 * these well-known types). Returns 0 or -ENOSPC; on -ENOSPC the caller rolls
 * back with dns_builder_rollback().
 */
int dns_builder_rr(struct dns_builder *b, enum dns_section section, const uint8_t *owner,
                   uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

void dns_builder_mark(const struct dns_builder *b, struct dns_builder_mark *ret_mark);
void dns_builder_rollback(struct dns_builder *b, const struct dns_builder_mark *mark);

/*
 * Appends the OPT record (RFC 6891 §6.1.2) with the given payload size,
 * extended rcode bits and DO bit (copied from the query, RFC 3225 §3); it
 * uses the space kept by b->reserve.
 */
int dns_builder_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, bool do_bit);

size_t dns_builder_len(const struct dns_builder *b);

/* Reads one RR header after the owner: type, class, ttl, rdlength. Used by tests and tools. */
struct dns_rr_header {
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
};

/* Parses an RR at the cursor (owner expanded into ret_owner, RDATA left unread). */
int dns_rr_read_header(struct wire_reader *r, uint8_t ret_owner[DNS_NAME_MAX],
                       size_t *ret_owner_len, struct dns_rr_header *ret_header);
