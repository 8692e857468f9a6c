/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lldp -- parser for IEEE 802.1AB Link Layer Discovery Protocol frames, as a
 * switch port sends them to the LLDP multicast address 01:80:c2:00:00:0e,
 * and the builder of the frames rackd-agent sends itself.
 * Pure: no I/O, no allocation, no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LLDP_ETHERTYPE 0x88cc

/* The nearest-bridge group address that 802.1AB agents send to. */
#define LLDP_MULTICAST_MAC                         \
	{                                          \
		0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e \
	}

/*
 * A chassis or port ID contains 1 to 255 bytes. Rendered as hex pairs joined
 * by ':' it takes 3 characters per byte, the last one for the NUL.
 */
#define LLDP_ID_STRLEN (255 * 3)

/* Port description, system name and system description hold at most 255 bytes. */
#define LLDP_TEXT_STRLEN 256

/* Management addresses kept per neighbour; further ones are ignored. */
#define LLDP_MGMT_ADDRS_MAX 4
#define LLDP_ADDR_STRLEN    46 /* INET6_ADDRSTRLEN */

/* Chassis ID subtypes of IEEE 802.1AB; 0 and 8 to 255 are reserved. */
enum lldp_chassis_subtype {
	LLDP_CHASSIS_COMPONENT = 1,
	LLDP_CHASSIS_INTERFACE_ALIAS = 2,
	LLDP_CHASSIS_PORT_COMPONENT = 3,
	LLDP_CHASSIS_MAC_ADDRESS = 4,
	LLDP_CHASSIS_NETWORK_ADDRESS = 5,
	LLDP_CHASSIS_INTERFACE_NAME = 6,
	LLDP_CHASSIS_LOCAL = 7,
};

/* Port ID subtypes of IEEE 802.1AB; 0 and 8 to 255 are reserved. */
enum lldp_port_subtype {
	LLDP_PORT_INTERFACE_ALIAS = 1,
	LLDP_PORT_COMPONENT = 2,
	LLDP_PORT_MAC_ADDRESS = 3,
	LLDP_PORT_NETWORK_ADDRESS = 4,
	LLDP_PORT_INTERFACE_NAME = 5,
	LLDP_PORT_AGENT_CIRCUIT_ID = 6,
	LLDP_PORT_LOCAL = 7,
};

/*
 * One neighbour as its LLDPDU describes it. Every string is NUL-terminated
 * printable ASCII, so it can go into JSON as it is.
 *
 * chassis_id and port_id: a MAC address subtype is written as
 * "aa:bb:cc:dd:ee:ff", a network address subtype as an IPv4 or IPv6 literal.
 * Other subtypes are written as text when every byte is printable ASCII and
 * as colon-separated hex pairs otherwise. The same rule covers MAC and
 * network addresses of an unexpected length or address family.
 */
struct lldp_neighbor {
	uint8_t chassis_id_subtype;
	char chassis_id[LLDP_ID_STRLEN];
	uint8_t port_id_subtype;
	char port_id[LLDP_ID_STRLEN];
	uint16_t ttl; /* seconds; 0 means the sender withdraws this neighbour */

	/* Optional TLVs: "" when absent; other bytes than printable ASCII become '?'. */
	char port_description[LLDP_TEXT_STRLEN];
	char system_name[LLDP_TEXT_STRLEN];
	char system_description[LLDP_TEXT_STRLEN];

	/* IPv4 and IPv6 management addresses; other address families are skipped. */
	char mgmt_addrs[LLDP_MGMT_ADDRS_MAX][LLDP_ADDR_STRLEN];
	size_t n_mgmt_addrs;

	/* IEEE 802.1 Port VLAN ID TLV; 0 when absent or when the port has no VLAN. */
	uint16_t vlan_id;
};

/*
 * Parses one Ethernet frame (destination, source, EtherType 0x88cc, then the
 * LLDPDU; len bytes, FCS not included) into *ret_neighbor.
 *
 * The LLDPDU must start with the Chassis ID, Port ID and Time To Live TLVs in
 * that order, none of them may appear again, and every TLV must fit in the
 * frame. Parsing stops at the End Of LLDPDU TLV or at the end of the frame,
 * so Ethernet padding after End is ignored. A malformed optional TLV (a wrong
 * length or an inner length that does not add up) is skipped, so one bad TLV
 * does not hide the neighbour. Unknown TLV types are skipped too.
 *
 * Returns 0, -EBADMSG for a malformed frame or -EPROTONOSUPPORT when the
 * EtherType is not LLDP. *ret_neighbor is written only on success.
 */
int lldp_parse_frame(const void *frame, size_t len, struct lldp_neighbor *ret_neighbor);

/* Parses an LLDPDU without its Ethernet header; the same rules and errors as above. */
int lldp_parse_pdu(const void *pdu, size_t len, struct lldp_neighbor *ret_neighbor);

/*
 * Names of the ID subtypes in snake_case ("mac_address", "interface_name",
 * "local", ...), or "reserved" for values the standard does not assign.
 */
const char *lldp_chassis_subtype_name(uint8_t subtype);
const char *lldp_port_subtype_name(uint8_t subtype);

/* True when a and b come from the same sender: the same chassis ID and port ID. */
bool lldp_neighbor_same_sender(const struct lldp_neighbor *a, const struct lldp_neighbor *b);

/* An LLDPDU with the standard's mandatory and optional basic TLVs fits in this. */
#define LLDP_BUILD_FRAME_MAX 1500

/* The announcement of one interface of this host. */
struct lldp_local {
	uint8_t mac[6];                 /* source address and chassis ID (MAC address subtype) */
	const char *ifname;             /* port ID (interface name subtype) and port description */
	const char *system_name;        /* "" leaves the TLV out */
	const char *system_description; /* "" leaves the TLV out */
	uint16_t ttl;                   /* seconds; 0 withdraws this host from the neighbour */
};

/*
 * Writes the Ethernet frame (to 01:80:c2:00:00:0e, EtherType 0x88cc) with
 * the LLDPDU of local into buf: Chassis ID, Port ID, Time To Live, Port
 * Description, System Name, System Description, End. Strings are cut at
 * 255 bytes. Returns the frame length, or -EINVAL for an empty ifname and
 * -ENOBUFS when size is too small.
 */
int lldp_build_frame(const struct lldp_local *local, uint8_t *buf, size_t size);
