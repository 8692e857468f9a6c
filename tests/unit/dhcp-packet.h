/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-packet -- builds DHCP client messages for the DHCP unit tests, with
 * the wire writer, so each test states only the fields and options it needs.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/wire.h"
#include "dhcp/dhcp-wire.h"

struct test_packet {
	uint8_t buf[DHCP_PACKET_MAX + 64];
	struct wire_writer w;
};

struct test_header {
	uint8_t op, htype, hlen;
	uint32_t xid;
	uint16_t flags;
	uint32_t ciaddr, giaddr;
	uint8_t mac[6];
	const uint8_t *sname; /* 64 bytes, or NULL for zeros */
	const uint8_t *file;  /* 128 bytes, or NULL for zeros */
};

/* Writes the fixed header and the magic cookie; options follow. */
static inline void test_packet_header(struct test_packet *p, const struct test_header *h)
{
	uint8_t chaddr[DHCP_CHADDR_LEN] = { 0 };

	memcpy(chaddr, h->mac, 6);
	wire_writer_init(&p->w, p->buf, sizeof(p->buf));
	wire_write_u8(&p->w, h->op ? h->op : DHCP_OP_BOOTREQUEST);
	wire_write_u8(&p->w, h->htype ? h->htype : DHCP_HTYPE_ETHER);
	wire_write_u8(&p->w, h->hlen ? h->hlen : 6);
	wire_write_u8(&p->w, 0);
	wire_write_u32(&p->w, h->xid);
	wire_write_u16(&p->w, 0);
	wire_write_u16(&p->w, h->flags);
	wire_write_u32(&p->w, h->ciaddr);
	wire_write_u32(&p->w, 0);
	wire_write_u32(&p->w, 0);
	wire_write_u32(&p->w, h->giaddr);
	wire_write_bytes(&p->w, chaddr, sizeof(chaddr));
	if (h->sname)
		wire_write_bytes(&p->w, h->sname, DHCP_SNAME_LEN);
	else
		wire_write_zeros(&p->w, DHCP_SNAME_LEN);
	if (h->file)
		wire_write_bytes(&p->w, h->file, DHCP_FILE_LEN);
	else
		wire_write_zeros(&p->w, DHCP_FILE_LEN);
	wire_write_u32(&p->w, DHCP_MAGIC);
}

/* Starts a request of the given type from mac with option 53 written. */
static inline void test_packet_start(struct test_packet *p, uint8_t type, const uint8_t mac[6])
{
	struct test_header h = { .xid = 0x1234abcd };

	memcpy(h.mac, mac, 6);
	test_packet_header(p, &h);
	wire_write_u8(&p->w, DHCP_OPT_MESSAGE_TYPE);
	wire_write_u8(&p->w, 1);
	wire_write_u8(&p->w, type);
}

static inline void test_packet_option(struct test_packet *p, uint8_t code, const void *data,
                                      size_t len)
{
	wire_write_u8(&p->w, code);
	wire_write_u8(&p->w, (uint8_t)len);
	wire_write_bytes(&p->w, data, len);
}

static inline void test_packet_string(struct test_packet *p, uint8_t code, const char *s)
{
	test_packet_option(p, code, s, strlen(s));
}

/* Writes END and returns the message length. */
static inline size_t test_packet_end(struct test_packet *p)
{
	wire_write_u8(&p->w, DHCP_OPT_END);
	return wire_writer_len(&p->w);
}
