/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lldp -- LLDPDU parsing and building. Every TLV is read through the
 * bounds-checked wire reader, and each TLV value gets its own reader, so an
 * inner length can never reach past its TLV. Frames are written through the
 * wire writer.
 */
#include "agent/lldp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "core/wire.h"

/* TLV types of IEEE 802.1AB. */
enum {
	LLDP_TLV_END = 0,
	LLDP_TLV_CHASSIS_ID = 1,
	LLDP_TLV_PORT_ID = 2,
	LLDP_TLV_TTL = 3,
	LLDP_TLV_PORT_DESCRIPTION = 4,
	LLDP_TLV_SYSTEM_NAME = 5,
	LLDP_TLV_SYSTEM_DESCRIPTION = 6,
	LLDP_TLV_MGMT_ADDRESS = 8,
	LLDP_TLV_ORG_SPECIFIC = 127,
};

#define LLDP_ETH_HEADER_LEN 14
#define LLDP_ID_MAX         255 /* bytes after the subtype of a chassis or port ID */
#define LLDP_TEXT_MAX       255 /* bytes of a description or name TLV */

/* Address family numbers (IANA) in network address IDs and management addresses. */
#define LLDP_AFI_IPV4 1
#define LLDP_AFI_IPV6 2

/* IEEE 802.1 organizationally specific TLVs: OUI 00-80-C2, Port VLAN ID is subtype 1. */
static const uint8_t lldp_oui_8021[3] = { 0x00, 0x80, 0xc2 };
#define LLDP_8021_PORT_VLAN_ID 1

/* Text form of the bytes of a chassis or port ID. */
enum lldp_id_form {
	LLDP_ID_MAC,
	LLDP_ID_NETWORK,
	LLDP_ID_OTHER,
};

static bool lldp_is_printable(const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bytes[i] < 0x20 || bytes[i] >= 0x7f)
			return false;
	return true;
}

/* Writes n bytes as "0a:1b:..." into buf; n is at most LLDP_ID_MAX. */
static void lldp_format_hex(const uint8_t *bytes, size_t n, char buf[LLDP_ID_STRLEN])
{
	static const char digits[] = "0123456789abcdef";
	size_t pos = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf[pos++] = ':';
		buf[pos++] = digits[bytes[i] >> 4];
		buf[pos++] = digits[bytes[i] & 0x0f];
	}
	buf[pos] = '\0';
}

/* Writes an IANA family byte plus address as an IP literal; false for other families. */
static bool lldp_format_network(const uint8_t *bytes, size_t n, char *buf, size_t size)
{
	if (n == 5 && bytes[0] == LLDP_AFI_IPV4)
		return inet_ntop(AF_INET, bytes + 1, buf, (socklen_t)size) != NULL;
	if (n == 17 && bytes[0] == LLDP_AFI_IPV6)
		return inet_ntop(AF_INET6, bytes + 1, buf, (socklen_t)size) != NULL;
	return false;
}

static void lldp_format_id(enum lldp_id_form form, const uint8_t *bytes, size_t n,
                           char buf[LLDP_ID_STRLEN])
{
	if (form == LLDP_ID_MAC && n == ADDR_MAC_LEN) {
		char mac[ADDR_MAC_STRLEN];

		addr_format_mac(bytes, mac);
		memcpy(buf, mac, sizeof(mac));
		return;
	}
	if (form == LLDP_ID_NETWORK && lldp_format_network(bytes, n, buf, LLDP_ID_STRLEN))
		return;
	if (lldp_is_printable(bytes, n)) {
		memcpy(buf, bytes, n);
		buf[n] = '\0';
		return;
	}
	lldp_format_hex(bytes, n, buf);
}

/* Copies a text TLV, dropping trailing NULs that some senders append. */
static void lldp_copy_text(const uint8_t *bytes, size_t n, char buf[LLDP_TEXT_STRLEN])
{
	while (n > 0 && bytes[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		buf[i] = (bytes[i] >= 0x20 && bytes[i] < 0x7f) ? (char)bytes[i] : '?';
	buf[n] = '\0';
}

/* Reads the subtype and ID of a Chassis ID or Port ID TLV (2 to 256 bytes). */
static int lldp_read_id(struct wire_reader *v, bool is_port, uint8_t *ret_subtype,
                        char buf[LLDP_ID_STRLEN])
{
	size_t len = wire_remaining(v);
	enum lldp_id_form form = LLDP_ID_OTHER;
	const uint8_t *bytes;
	uint8_t subtype;

	if (len < 2 || len > LLDP_ID_MAX + 1)
		return -EBADMSG;
	subtype = wire_read_u8(v);
	bytes = wire_read_span(v, len - 1);
	if (bytes == NULL)
		return -EBADMSG;
	if (subtype == (is_port ? LLDP_PORT_MAC_ADDRESS : LLDP_CHASSIS_MAC_ADDRESS))
		form = LLDP_ID_MAC;
	else if (subtype == (is_port ? LLDP_PORT_NETWORK_ADDRESS : LLDP_CHASSIS_NETWORK_ADDRESS))
		form = LLDP_ID_NETWORK;
	lldp_format_id(form, bytes, len - 1, buf);
	*ret_subtype = subtype;
	return 0;
}

/*
 * Management Address TLV: address string length (subtype plus address, 2 to
 * 32), address subtype, address, interface numbering subtype, interface
 * number (4 bytes), OID string length (0 to 128) and OID. The lengths must
 * add up to the TLV length; otherwise the TLV is skipped.
 */
static void lldp_read_mgmt(struct wire_reader *v, struct lldp_neighbor *n)
{
	const uint8_t *addr, *oid;
	uint8_t addr_len, oid_len;

	addr_len = wire_read_u8(v);
	if (addr_len < 2 || addr_len > 32)
		return;
	addr = wire_read_span(v, addr_len);
	wire_skip(v, 1 + 4);
	oid_len = wire_read_u8(v);
	oid = wire_read_span(v, oid_len);
	if (addr == NULL || oid == NULL || oid_len > 128 || wire_remaining(v) != 0)
		return;
	if (n->n_mgmt_addrs == LLDP_MGMT_ADDRS_MAX)
		return;
	if (lldp_format_network(addr, addr_len, n->mgmt_addrs[n->n_mgmt_addrs], LLDP_ADDR_STRLEN))
		n->n_mgmt_addrs++;
}

/* Organizationally specific TLV: only IEEE 802.1 Port VLAN ID (exactly 6 bytes) is kept. */
static void lldp_read_org(struct wire_reader *v, struct lldp_neighbor *n)
{
	uint8_t oui[3];
	uint8_t subtype;
	uint16_t pvid;

	wire_read_bytes(v, oui, sizeof(oui));
	subtype = wire_read_u8(v);
	pvid = wire_read_u16(v);
	if (wire_reader_error(v) < 0 || wire_remaining(v) != 0)
		return;
	if (memcmp(oui, lldp_oui_8021, sizeof(oui)) != 0 || subtype != LLDP_8021_PORT_VLAN_ID)
		return;
	/* 802.1Q VLAN IDs are 1 to 4094; 0 means the port does not support VLANs. */
	if (pvid <= 4094)
		n->vlan_id = pvid;
}

/* Optional text TLVs: the first of each type is kept, longer than 255 bytes is skipped. */
static void lldp_read_text(struct wire_reader *v, char buf[LLDP_TEXT_STRLEN])
{
	size_t len = wire_remaining(v);
	const uint8_t *bytes;

	if (buf[0] != '\0' || len > LLDP_TEXT_MAX)
		return;
	bytes = wire_read_span(v, len);
	if (bytes != NULL)
		lldp_copy_text(bytes, len, buf);
}

/* Applies one TLV after the first three; -EBADMSG for a repeated mandatory TLV. */
static int lldp_read_optional(uint8_t type, struct wire_reader *v, struct lldp_neighbor *n)
{
	switch (type) {
	case LLDP_TLV_CHASSIS_ID:
	case LLDP_TLV_PORT_ID:
	case LLDP_TLV_TTL:
		return -EBADMSG;
	case LLDP_TLV_PORT_DESCRIPTION:
		lldp_read_text(v, n->port_description);
		break;
	case LLDP_TLV_SYSTEM_NAME:
		lldp_read_text(v, n->system_name);
		break;
	case LLDP_TLV_SYSTEM_DESCRIPTION:
		lldp_read_text(v, n->system_description);
		break;
	case LLDP_TLV_MGMT_ADDRESS:
		lldp_read_mgmt(v, n);
		break;
	case LLDP_TLV_ORG_SPECIFIC:
		lldp_read_org(v, n);
		break;
	default:
		break;
	}
	return 0;
}

/* Applies the index-th TLV (0-based), whose value v holds. */
static int lldp_read_tlv(size_t index, uint8_t type, struct wire_reader *v, struct lldp_neighbor *n)
{
	static const uint8_t mandatory[] = { LLDP_TLV_CHASSIS_ID, LLDP_TLV_PORT_ID, LLDP_TLV_TTL };

	if (index >= sizeof(mandatory))
		return lldp_read_optional(type, v, n);
	/* An LLDPDU starts with Chassis ID, Port ID and TTL, in that order. */
	if (type != mandatory[index])
		return -EBADMSG;
	switch (type) {
	case LLDP_TLV_CHASSIS_ID:
		return lldp_read_id(v, false, &n->chassis_id_subtype, n->chassis_id);
	case LLDP_TLV_PORT_ID:
		return lldp_read_id(v, true, &n->port_id_subtype, n->port_id);
	default:
		if (wire_remaining(v) != 2)
			return -EBADMSG;
		n->ttl = wire_read_u16(v);
		return 0;
	}
}

int lldp_parse_pdu(const void *pdu, size_t len, struct lldp_neighbor *ret_neighbor)
{
	struct lldp_neighbor n;
	struct wire_reader r;
	size_t index = 0;
	int ret;

	memset(&n, 0, sizeof(n));
	wire_reader_init(&r, pdu, len);
	/* The End Of LLDPDU TLV is optional: the frame's end also ends the LLDPDU. */
	while (wire_remaining(&r) > 0) {
		struct wire_reader v;
		const uint8_t *value;
		uint16_t header;
		uint8_t type;
		size_t tlv_len;

		/* A TLV header is a 7-bit type and a 9-bit length. */
		header = wire_read_u16(&r);
		type = (uint8_t)(header >> 9);
		tlv_len = header & 0x1ffu;
		value = wire_read_span(&r, tlv_len);
		if (wire_reader_error(&r) < 0 || value == NULL)
			return -EBADMSG;
		if (type == LLDP_TLV_END && index >= 3) {
			if (tlv_len != 0)
				return -EBADMSG;
			break;
		}
		wire_reader_init(&v, value, tlv_len);
		ret = lldp_read_tlv(index, type, &v, &n);
		if (ret < 0)
			return ret;
		index++;
	}
	if (index < 3)
		return -EBADMSG;
	*ret_neighbor = n;
	return 0;
}

int lldp_parse_frame(const void *frame, size_t len, struct lldp_neighbor *ret_neighbor)
{
	struct wire_reader r;
	const uint8_t *pdu;
	uint16_t ethertype;

	wire_reader_init(&r, frame, len);
	wire_skip(&r, 12);
	ethertype = wire_read_u16(&r);
	if (wire_reader_error(&r) < 0)
		return -EBADMSG;
	if (ethertype != LLDP_ETHERTYPE)
		return -EPROTONOSUPPORT;
	pdu = wire_read_span(&r, len - LLDP_ETH_HEADER_LEN);
	if (pdu == NULL)
		return -EBADMSG;
	return lldp_parse_pdu(pdu, len - LLDP_ETH_HEADER_LEN, ret_neighbor);
}

const char *lldp_chassis_subtype_name(uint8_t subtype)
{
	static const char *const names[] = {
		[LLDP_CHASSIS_COMPONENT] = "chassis_component",
		[LLDP_CHASSIS_INTERFACE_ALIAS] = "interface_alias",
		[LLDP_CHASSIS_PORT_COMPONENT] = "port_component",
		[LLDP_CHASSIS_MAC_ADDRESS] = "mac_address",
		[LLDP_CHASSIS_NETWORK_ADDRESS] = "network_address",
		[LLDP_CHASSIS_INTERFACE_NAME] = "interface_name",
		[LLDP_CHASSIS_LOCAL] = "local",
	};

	if (subtype >= sizeof(names) / sizeof(names[0]) || names[subtype] == NULL)
		return "reserved";
	return names[subtype];
}

const char *lldp_port_subtype_name(uint8_t subtype)
{
	static const char *const names[] = {
		[LLDP_PORT_INTERFACE_ALIAS] = "interface_alias",
		[LLDP_PORT_COMPONENT] = "port_component",
		[LLDP_PORT_MAC_ADDRESS] = "mac_address",
		[LLDP_PORT_NETWORK_ADDRESS] = "network_address",
		[LLDP_PORT_INTERFACE_NAME] = "interface_name",
		[LLDP_PORT_AGENT_CIRCUIT_ID] = "agent_circuit_id",
		[LLDP_PORT_LOCAL] = "local",
	};

	if (subtype >= sizeof(names) / sizeof(names[0]) || names[subtype] == NULL)
		return "reserved";
	return names[subtype];
}

bool lldp_neighbor_same_sender(const struct lldp_neighbor *a, const struct lldp_neighbor *b)
{
	return a->chassis_id_subtype == b->chassis_id_subtype &&
	       a->port_id_subtype == b->port_id_subtype &&
	       strcmp(a->chassis_id, b->chassis_id) == 0 && strcmp(a->port_id, b->port_id) == 0;
}

/* Writes a TLV header: 7 bits of type, 9 bits of length. */
static void lldp_write_tlv_header(struct wire_writer *w, uint8_t type, size_t len)
{
	wire_write_u16(w, (uint16_t)((unsigned)type << 9 | (len & 0x1ff)));
}

/* Writes a text TLV, cut at 255 bytes; an empty text writes nothing. */
static void lldp_write_text(struct wire_writer *w, uint8_t type, const char *text)
{
	size_t n = strnlen(text, 255);

	if (n == 0)
		return;
	lldp_write_tlv_header(w, type, n);
	wire_write_bytes(w, text, n);
}

int lldp_build_frame(const struct lldp_local *local, uint8_t *buf, size_t size)
{
	static const uint8_t group[] = LLDP_MULTICAST_MAC;
	size_t ifname_len = strnlen(local->ifname, 255);
	struct wire_writer w;

	if (ifname_len == 0)
		return -EINVAL;
	wire_writer_init(&w, buf, size);
	wire_write_bytes(&w, group, sizeof(group));
	wire_write_bytes(&w, local->mac, sizeof(local->mac));
	wire_write_u16(&w, LLDP_ETHERTYPE);

	lldp_write_tlv_header(&w, LLDP_TLV_CHASSIS_ID, 1 + sizeof(local->mac));
	wire_write_u8(&w, LLDP_CHASSIS_MAC_ADDRESS);
	wire_write_bytes(&w, local->mac, sizeof(local->mac));
	lldp_write_tlv_header(&w, LLDP_TLV_PORT_ID, 1 + ifname_len);
	wire_write_u8(&w, LLDP_PORT_INTERFACE_NAME);
	wire_write_bytes(&w, local->ifname, ifname_len);
	lldp_write_tlv_header(&w, LLDP_TLV_TTL, 2);
	wire_write_u16(&w, local->ttl);

	lldp_write_text(&w, LLDP_TLV_PORT_DESCRIPTION, local->ifname);
	lldp_write_text(&w, LLDP_TLV_SYSTEM_NAME, local->system_name);
	lldp_write_text(&w, LLDP_TLV_SYSTEM_DESCRIPTION, local->system_description);
	lldp_write_tlv_header(&w, LLDP_TLV_END, 0);
	/* Frames shorter than Ethernet's 60-byte minimum (FCS not counted) are padded. */
	if (wire_writer_len(&w) < 60)
		wire_write_zeros(&w, 60 - wire_writer_len(&w));
	if (wire_writer_error(&w) < 0)
		return -ENOBUFS;
	return (int)wire_writer_len(&w);
}
