/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-wire -- parsing and building of BOOTP/DHCPv4 messages (RFC 2131,
 * RFC 2132, RFC 3396). Pure code: no sockets, no policy, no logging.
 * Every packet byte goes through the wire reader and writer of core/wire.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_OP_BOOTREQUEST 1
#define DHCP_OP_BOOTREPLY   2
#define DHCP_HTYPE_ETHER    1

#define DHCP_CHADDR_LEN     16
#define DHCP_SNAME_LEN      64
#define DHCP_FILE_LEN       128
#define DHCP_FIXED_LEN      236 /* op .. file, before the magic cookie */
#define DHCP_OPTIONS_OFF    240 /* first option byte, after the cookie */
#define DHCP_MAGIC          0x63825363u
#define DHCP_FLAG_BROADCAST 0x8000u

/* Largest datagram the server reads; anything longer is malformed. */
#define DHCP_PACKET_MAX 4096
/* Hard cap on option TLVs walked in one message (all areas, fragments included). */
#define DHCP_OPTIONS_MAX 256
/* RFC 2131 §2: a BOOTP message is at least 300 bytes; replies are padded to it. */
#define DHCP_REPLY_MIN 300
/* RFC 2132 §9.10: the smallest maximum message size a client may announce. */
#define DHCP_MAX_MESSAGE_MIN 576
/* IPv4 (20) and UDP (8) headers, which option 57 counts but the payload does not. */
#define DHCP_IP_UDP_OVERHEAD 28
/* Largest reply payload built: one 1500-byte Ethernet frame without fragmentation. */
#define DHCP_REPLY_MAX 1472

enum dhcp_option_code {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_REQUESTED_ADDRESS = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MESSAGE_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAMETER_LIST = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_MESSAGE_SIZE = 57,
	DHCP_OPT_RENEWAL_TIME = 58,
	DHCP_OPT_REBINDING_TIME = 59,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_TFTP_SERVER = 66,
	DHCP_OPT_BOOTFILE = 67,
	DHCP_OPT_USER_CLASS = 77,
	DHCP_OPT_CLIENT_ARCH = 93,
	DHCP_OPT_CLIENT_NDI = 94,
	DHCP_OPT_CLIENT_UUID = 97,
	DHCP_OPT_IPXE_ENCAP = 175,
	DHCP_OPT_END = 255,
};

/* iPXE sub-option of option 175: value 1 makes iPXE skip the wait for ProxyDHCP offers. */
#define DHCP_IPXE_NO_PXEDHCP 176

/* Values of option 52. */
#define DHCP_OVERLOAD_FILE  1
#define DHCP_OVERLOAD_SNAME 2

enum dhcp_message_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/*
 * A parsed message. Option values are copied into data[] with the fragments
 * of a repeated option concatenated in the order RFC 3396 gives (options
 * field, then file, then sname), so the struct owns everything it points to.
 */
struct dhcp_message {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	uint32_t ciaddr; /* host byte order, like every address in rackd */
	uint32_t yiaddr;
	uint32_t siaddr;
	uint32_t giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	uint8_t sname[DHCP_SNAME_LEN]; /* zeroed when the field carries options */
	uint8_t file[DHCP_FILE_LEN];   /* zeroed when the field carries options */
	uint8_t overload;              /* option 52 value, 0 when absent */

	/* Per option code: offset into data[] and total length, and whether it is present. */
	uint16_t opt_off[256];
	uint16_t opt_len[256];
	bool present[256];
	uint8_t n_codes;    /* number of distinct codes seen */
	uint8_t codes[255]; /* distinct codes in order of first appearance */
	uint8_t data[DHCP_PACKET_MAX];
};

/*
 * Parses a BOOTP/DHCP message of len bytes into *ret_msg. Checks the fixed
 * header length, hlen <= 16, the magic cookie, every TLV length against the
 * bytes left in its area, option 52 and the cap on option count. Returns 0,
 * -EBADMSG for a malformed or truncated message, -E2BIG when it is longer
 * than DHCP_PACKET_MAX or has more than DHCP_OPTIONS_MAX options. Borrows buf.
 * *ret_msg is scratch space and is partly written on failure too.
 */
int dhcp_message_parse(const void *buf, size_t len, struct dhcp_message *ret_msg);

/* True when the option is present (with any length, 0 included). */
bool dhcp_message_has(const struct dhcp_message *msg, uint8_t code);

/*
 * Gives the concatenated value of an option: a pointer into msg->data (valid
 * as long as msg) and its length. Returns 0 or -ENOENT.
 */
int dhcp_message_get(const struct dhcp_message *msg, uint8_t code, const uint8_t **ret_data,
                     size_t *ret_len);

/* Typed accessors: -ENOENT when absent, -EBADMSG when the length is wrong for the type. */
int dhcp_message_get_u8(const struct dhcp_message *msg, uint8_t code, uint8_t *ret_value);
int dhcp_message_get_u16(const struct dhcp_message *msg, uint8_t code, uint16_t *ret_value);
int dhcp_message_get_u32(const struct dhcp_message *msg, uint8_t code, uint32_t *ret_value);
int dhcp_message_get_addr(const struct dhcp_message *msg, uint8_t code, uint32_t *ret_addr);

/*
 * Copies a text option into buf as a NUL-terminated string, without trailing
 * NUL bytes that some clients append. -EBADMSG for an empty value or one
 * with an embedded NUL, -ENOSPC when it does not fit in size bytes.
 */
int dhcp_message_get_string(const struct dhcp_message *msg, uint8_t code, char *buf, size_t size);

/* Option 53; -ENOENT when absent, -EBADMSG when not one byte in 1..8. */
int dhcp_message_get_type(const struct dhcp_message *msg, enum dhcp_message_type *ret_type);

/*
 * Largest reply payload (DHCP message without IP and UDP headers) the
 * client accepts: option 57 when present and valid, else 576, minus the
 * 28 header bytes, capped at DHCP_REPLY_MAX.
 */
size_t dhcp_message_reply_limit(const struct dhcp_message *msg);

/* Upper-case name of a message type ("DISCOVER"), "UNKNOWN" otherwise. */
const char *dhcp_message_type_name(enum dhcp_message_type type);

/* Total option bytes a reply can carry; each option is at most 255 bytes. */
#define DHCP_REPLY_OPTION_BYTES 2048
#define DHCP_REPLY_OPTIONS_MAX  48

struct dhcp_reply_option {
	uint8_t code;
	uint8_t len;
	uint16_t off;  /* into dhcp_reply.data */
	bool required; /* placed first and never dropped for lack of room */
};

/*
 * A reply under construction: header fields, then options added in any order
 * with dhcp_reply_add*(). dhcp_reply_build() decides the order and the room.
 */
struct dhcp_reply {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint32_t xid;
	uint16_t flags;
	uint32_t ciaddr;
	uint32_t yiaddr;
	uint32_t siaddr;
	uint32_t giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	char sname[DHCP_SNAME_LEN]; /* "" leaves the field free for overload */
	char file[DHCP_FILE_LEN];   /* "" leaves the field free for overload */

	struct dhcp_reply_option options[DHCP_REPLY_OPTIONS_MAX];
	size_t n_options;
	uint8_t data[DHCP_REPLY_OPTION_BYTES];
	size_t data_len;
	int error; /* sticky: first failure of an add call */
};

/*
 * Starts a BOOTREPLY to req carrying message type 53 (always placed first):
 * copies xid, flags, giaddr, htype, hlen and chaddr from req.
 */
void dhcp_reply_init(struct dhcp_reply *reply, const struct dhcp_message *req,
                     enum dhcp_message_type type);

/*
 * Adds one option of len bytes (at most 255) copied from data. required
 * options are placed right after 53, and the build fails rather than drop
 * them. A code added twice, a full list or a full data buffer set the sticky
 * reply->error (-EEXIST, -E2BIG, -ENOSPC), which dhcp_reply_build() returns.
 */
void dhcp_reply_add(struct dhcp_reply *reply, uint8_t code, const void *data, size_t len,
                    bool required);
void dhcp_reply_add_u32(struct dhcp_reply *reply, uint8_t code, uint32_t value, bool required);
void dhcp_reply_add_addr(struct dhcp_reply *reply, uint8_t code, uint32_t addr, bool required);
void dhcp_reply_add_addrs(struct dhcp_reply *reply, uint8_t code, const uint32_t *addrs, size_t n);
void dhcp_reply_add_string(struct dhcp_reply *reply, uint8_t code, const char *s);

/*
 * Writes the reply into buf (at most cap bytes, and at most limit bytes of
 * DHCP payload, from dhcp_message_reply_limit()). Options go in this order:
 * 53, the required ones, those named in the request's option 55 in its
 * order, then the rest in the order they were added. When the options field
 * is full, options continue in the file and then the sname field if those
 * are empty (RFC 2132 §9.3, option 52). An option that fits nowhere is
 * dropped. Unrequested options come last, so they are the first dropped.
 * prl may be NULL.
 * Returns the message length, or -ENOSPC when a required option does not
 * fit, or the sticky error of the add calls.
 */
int dhcp_reply_build(const struct dhcp_reply *reply, const uint8_t *prl, size_t prl_len,
                     size_t limit, uint8_t *buf, size_t cap);
