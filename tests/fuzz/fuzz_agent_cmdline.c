/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: rackd-agent's kernel command line parser on arbitrary
 * bytes, then the URL parser on any rackd.url it found.
 */
#include <stdint.h>
#include <string.h>

#include "agent/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_params params;
	struct agent_url url;
	char path[AGENT_PATH_MAX];

	memset(&params, 0, sizeof(params));
	if (agent_params_parse_cmdline(data, size, &params) < 0 || !params.has_url)
		return 0;
	if (agent_url_parse(params.url, &url) == 0)
		(void)agent_url_join(&url, AGENT_REPORT_PATH, path, sizeof(path));
	return 0;
}
