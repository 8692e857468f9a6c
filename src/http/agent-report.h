/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent-report -- parsing and validation of the JSON body that rackd-agent
 * posts to /api/v1/agent/report. Pure: no store, no I/O, no logging.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

#define AGENT_REPORT_MACS_MAX 64
#define AGENT_REPORT_CPUS_MAX (1u << 20)

/* LLDP neighbours per report, and management addresses per neighbour. */
#define AGENT_REPORT_LLDP_MAX       64
#define AGENT_REPORT_LLDP_ADDRS_MAX 4

struct agent_report {
	int64_t machine_id;
	uint32_t cpu_count;
	uint64_t memory_bytes;
	uint8_t macs[AGENT_REPORT_MACS_MAX][ADDR_MAC_LEN];
	size_t n_macs;
	char *facts_json; /* the whole body, re-serialised compactly with sorted keys */
};

/* Why a body was rejected: a machine-readable code, the field and a message. */
struct agent_report_error {
	const char *code;
	const char *field; /* NULL when the body as a whole is at fault */
	char message[256];
};

/*
 * Parses body (len bytes, need not be NUL-terminated) into *ret_report.
 * Returns 0, -EBADMSG (invalid JSON or field; *ret_error says which) or
 * -ENOMEM. On success the caller frees with agent_report_done().
 */
int agent_report_parse(const char *body, size_t len, struct agent_report *ret_report,
                       struct agent_report_error *ret_error);

/* Frees what agent_report_parse() allocated; accepts a zeroed report. */
void agent_report_done(struct agent_report *report);
