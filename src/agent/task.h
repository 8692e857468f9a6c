/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task -- what rackd-agent does after its report. It does nothing, writes
 * an OS image to a disk, or erases the disks. An image is streamed over
 * HTTP, and its SHA-256 is checked while it streams and again by reading
 * the disk back. A quick erase writes zeros over the first and last MiB,
 * where partition tables, RAID and file system signatures live; a full
 * erase writes zeros over every byte. Progress goes to rackd as a
 * percentage.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/agent.h"

struct facts;

#define AGENT_TASK_URL_MAX  512
#define AGENT_TASK_DISK_MAX 32
#define AGENT_PROGRESS_PATH "/api/v1/agent/progress"
#define AGENT_TASK_PATH     "/api/v1/agent/task"
#define AGENT_ERASE_EDGE    (1024 * 1024) /* bytes zeroed at each end by a quick erase */

enum agent_task_action {
	AGENT_TASK_NONE,
	AGENT_TASK_DEPLOY,
	AGENT_TASK_ERASE,
};

struct agent_task {
	enum agent_task_action action;
	bool reboot;                        /* "then": "reboot", else power off */
	char image_url[AGENT_TASK_URL_MAX]; /* deploy */
	char sha256[65];                    /* deploy: lower-case hex */
	char disk[AGENT_TASK_DISK_MAX];     /* deploy: "" picks the first fixed disk */
	int64_t size;                       /* deploy: bytes, -1 when unknown */
	bool erase_full;                    /* erase: every byte, else the edges */
};

/*
 * Parses the task rackd returns (len bytes of JSON). An unknown action is
 * -EBADMSG, as are a deploy without an http:// image URL or a valid
 * sha256, and an erase mode other than quick or full.
 */
int agent_task_parse(const char *json, size_t len, struct agent_task *ret_task);

/* The server and identity a task reports to. */
struct agent_task_context {
	const struct agent_url *server;
	uint64_t machine_id;
	const char *token;
	const char *dev_dir; /* "/dev" (tests pass a directory of files) */
	unsigned timeout_ms; /* one HTTP wait */
};

/*
 * Runs the task on the disks in facts. Reports progress, then "done" or
 * "failed" with the reason, to rackd. Returns 0 when the task succeeded,
 * else a negative errno (already reported and logged).
 */
int agent_task_run(const struct agent_task *task, const struct facts *facts,
                   const struct agent_task_context *ctx);
