/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the agent report body parser. */
#include <stdint.h>
#include <string.h>

#include "http/agent-report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_report_error err;
	struct agent_report report;

	if (agent_report_parse((const char *)data, size, &report, &err) == 0)
		agent_report_done(&report);
	return 0;
}
