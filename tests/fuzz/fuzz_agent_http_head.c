/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: rackd-agent's HTTP response head parser on arbitrary bytes. */
#include <stdint.h>

#include "agent/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_http_head head;

	if (agent_http_parse_head(data, size, &head) == 0 && head.head_len > size)
		__builtin_trap();
	return 0;
}
