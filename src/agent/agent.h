/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent -- rackd-agent's inputs and output: the rackd.* kernel parameters,
 * the server URL, and the JSON body of the inventory report. Pure functions
 * without I/O, so tests and fuzzers drive them directly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

struct facts;

#define AGENT_URL_MAX   256
#define AGENT_TOKEN_MAX 128 /* characters; rackd issues 64 hex digits */
#define AGENT_PATH_MAX  512
#define AGENT_HOST_MAX  (ADDR_IPV4_STRLEN + 6) /* "a.b.c.d:65535" */

/* Longest /proc/cmdline accepted; x86 kernels cap the command line at 2048 bytes. */
#define AGENT_CMDLINE_MAX 65536

/* The path the report is posted to, below the base URL's own path. */
#define AGENT_REPORT_PATH "/api/v1/agent/report"

/* Longest accepted rackd.lldp_wait, in seconds. */
#define AGENT_LLDP_WAIT_MAX 3600

/*
 * Values of rackd.url, rackd.machine, rackd.token and rackd.lldp_wait.
 * The has_* flags mark which were given.
 */
struct agent_params {
	char url[AGENT_URL_MAX];
	char token[AGENT_TOKEN_MAX + 1];
	uint64_t machine_id;
	uint32_t lldp_wait_s; /* seconds to wait for LLDP neighbours */
	bool has_url;
	bool has_token;
	bool has_machine;
	bool has_lldp_wait;
};

/*
 * Reads rackd.url=, rackd.machine=, rackd.token= and rackd.lldp_wait= from a kernel command
 * line (not NUL-terminated; len bytes). Words split at white space, double
 * quotes group white space into a word and are dropped, and parsing stops at
 * a lone "--" as the kernel's does. A later occurrence of a key wins. Other
 * words are ignored. Fields of *params that were not found keep their value.
 * Errors: -EINVAL (a rackd.* value is empty or has a bad character or
 * number), -E2BIG (a rackd.* value is too long).
 */
int agent_params_parse_cmdline(const void *cmdline, size_t len, struct agent_params *params);

/*
 * Sets one parameter by key ("url", "machine", "token" or "lldp_wait", a
 * number of seconds from 0 to AGENT_LLDP_WAIT_MAX); the same checks as above.
 */
int agent_params_set(struct agent_params *params, const char *key, const char *value);

/* The server's address as rackd-agent uses it: an IPv4 literal, a port and a base path. */
struct agent_url {
	uint32_t addr; /* host byte order */
	uint16_t port;
	char host[AGENT_HOST_MAX]; /* Host header value */
	char path[AGENT_URL_MAX];  /* base path without a trailing '/', "" for none */
};

/*
 * Parses "http://A.B.C.D[:PORT][/PATH]". The host must be an IPv4 literal,
 * because the agent does no name resolution. Errors: -EPROTONOSUPPORT (a
 * scheme other than http), -EINVAL (anything else malformed, including user
 * info, a query, a fragment, or a character not allowed in a request line).
 */
int agent_url_parse(const char *url, struct agent_url *ret_url);

/* Writes url's base path followed by suffix into buf. Returns 0 or -ENAMETOOLONG. */
int agent_url_join(const struct agent_url *url, const char *suffix, char *buf, size_t size);

/*
 * Builds the report body as compact JSON: machine_id, macs, cpu_count,
 * cpu_model, memory_bytes, hostname, dmi, nics, disks, pci and lldp. The caller
 * frees *ret_json with free(). Errors: -ENOMEM.
 */
int agent_report_build(const struct facts *facts, uint64_t machine_id, char **ret_json);
