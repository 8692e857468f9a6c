/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the agent's task parser (deploy and erase tasks from rackd). */
#include <stdint.h>
#include <string.h>

#include "agent/task.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_task task;

	if (agent_task_parse((const char *)data, size, &task) == 0) {
		/* A parsed deploy always has a terminated URL and checksum. */
		if (task.action == AGENT_TASK_DEPLOY &&
		    (strnlen(task.image_url, sizeof(task.image_url)) == sizeof(task.image_url) ||
		     strlen(task.sha256) != 64))
			__builtin_trap();
	}
	return 0;
}
