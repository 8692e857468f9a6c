/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ra-wire -- Router Advertisement builder and Router Solicitation parser.
 * Every byte goes through the wire reader or writer.
 */
#include "ra/ra-wire.h"

#include <errno.h>
#include <string.h>

#include "core/wire.h"

int ra_build_advert(void *buf, size_t cap, const uint8_t *mac, size_t *ret_len)
{
	struct wire_writer w;

	wire_writer_init(&w, buf, cap);
	wire_write_u8(&w, RA_ICMP6_ROUTER_ADVERT);
	wire_write_u8(&w, 0);  /* code */
	wire_write_u16(&w, 0); /* checksum, computed by the kernel */
	wire_write_u8(&w, 0);  /* cur hop limit: unspecified */
	wire_write_u8(&w, 0);  /* M, O and reserved flags */
	wire_write_u16(&w, 0); /* router lifetime: not a default router */
	wire_write_u32(&w, 0); /* reachable time: unspecified */
	wire_write_u32(&w, 0); /* retrans timer: unspecified */
	if (mac != NULL) {
		wire_write_u8(&w, RA_OPT_SOURCE_LLADDR);
		wire_write_u8(&w, 1); /* length in units of 8 bytes */
		wire_write_bytes(&w, mac, RA_MAC_LEN);
	}
	if (wire_writer_error(&w))
		return wire_writer_error(&w);
	*ret_len = wire_writer_len(&w);
	return 0;
}

int ra_solicit_parse(const void *buf, size_t len, int hop_limit, bool source_unspecified,
                     struct ra_solicit *ret_solicit)
{
	struct ra_solicit rs = { 0 };
	struct wire_reader r;
	uint8_t type, code;

	if (hop_limit != RA_HOP_LIMIT)
		return -EBADMSG;
	wire_reader_init(&r, buf, len);
	type = wire_read_u8(&r);
	code = wire_read_u8(&r);
	wire_skip(&r, 2 + 4); /* checksum (checked by the kernel), reserved */
	if (wire_reader_error(&r) || type != RA_ICMP6_ROUTER_SOLICIT || code != 0)
		return -EBADMSG;

	while (wire_remaining(&r) > 0) {
		uint8_t opt_type = wire_read_u8(&r);
		size_t opt_len = (size_t)wire_read_u8(&r) * 8;

		/* A zero length would loop forever; RFC 4861 says drop the packet. */
		if (wire_reader_error(&r) || opt_len == 0)
			return -EBADMSG;
		if (opt_type == RA_OPT_SOURCE_LLADDR && opt_len >= 2 + RA_MAC_LEN &&
		    !rs.has_source_lladdr) {
			wire_read_bytes(&r, rs.source_lladdr, RA_MAC_LEN);
			wire_skip(&r, opt_len - 2 - RA_MAC_LEN);
			rs.has_source_lladdr = true;
		} else {
			wire_skip(&r, opt_len - 2);
		}
		if (wire_reader_error(&r))
			return -EBADMSG;
	}
	if (source_unspecified && rs.has_source_lladdr)
		return -EBADMSG;
	*ret_solicit = rs;
	return 0;
}
