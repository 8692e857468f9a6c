/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: Router Solicitation validation. The first input byte
 * selects the IP hop limit and whether the source is unspecified; the rest
 * is the ICMPv6 message.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ra/ra-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ra_solicit rs;
	int hop_limit;
	bool unspecified;

	if (size == 0)
		return 0;
	hop_limit = data[0] & 0x80 ? 64 : RA_HOP_LIMIT;
	unspecified = (data[0] & 0x01) != 0;
	if (ra_solicit_parse(data + 1, size - 1, hop_limit, unspecified, &rs) == 0 &&
	    (hop_limit != RA_HOP_LIMIT || (unspecified && rs.has_source_lladdr)))
		abort();
	return 0;
}
