/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: rackd-agent's LLDP parser on arbitrary bytes, as a whole
 * Ethernet frame and as a bare LLDPDU, then the subtype names of a result.
 */
#include <stdint.h>
#include <string.h>

#include "agent/lldp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lldp_neighbor n;

	if (lldp_parse_frame(data, size, &n) == 0) {
		(void)lldp_chassis_subtype_name(n.chassis_id_subtype);
		(void)lldp_port_subtype_name(n.port_id_subtype);
		if (strlen(n.chassis_id) >= sizeof(n.chassis_id))
			__builtin_trap();
	}
	(void)lldp_parse_pdu(data, size, &n);
	return 0;
}
