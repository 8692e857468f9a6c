/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the Redfish answer readers (Systems collection and ComputerSystem). */
#include <stdint.h>
#include <string.h>

#include "bmc/redfish-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct redfish_system sys;
	char path[REDFISH_PATH_MAX];

	if (redfish_parse_first_member((const char *)data, size, path) == 0 &&
	    !redfish_path_valid(path))
		__builtin_trap();
	if (redfish_parse_system((const char *)data, size, &sys) == 0 && sys.reset_target[0] &&
	    !redfish_path_valid(sys.reset_target))
		__builtin_trap();
	return 0;
}
