/* SPDX-License-Identifier: Apache-2.0 */
/*
 * redfish-json -- reads the parts of Redfish answers that rackd uses: the
 * first member of the Systems collection, and a ComputerSystem's power
 * state, reset action target and allowed reset types. Pure: no I/O, no
 * logging, so the fuzz target drives it directly. Every URI it returns is a
 * path on the same service (starts with "/redfish/v1/"), so an answer
 * cannot send rackd's credentials to another host.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bmc/bmc.h"

#define REDFISH_PATH_MAX 256
#define REDFISH_BODY_MAX (1u << 20) /* answers above this are rejected */

/* Reset types of ComputerSystem.Reset that rackd uses, as bits. */
enum redfish_reset {
	REDFISH_RESET_ON = 1u << 0,
	REDFISH_RESET_FORCE_OFF = 1u << 1,
	REDFISH_RESET_GRACEFUL_SHUTDOWN = 1u << 2,
	REDFISH_RESET_POWER_CYCLE = 1u << 3,
	REDFISH_RESET_FORCE_RESTART = 1u << 4,
};

struct redfish_system {
	enum bmc_power power;                /* PowerState On / Off; unknown for transitions */
	char reset_target[REDFISH_PATH_MAX]; /* "" when the answer names none */
	unsigned reset_types;                /* allowed; 0 when the answer lists none */
};

/*
 * Reads "Members"[0]."@odata.id" of a collection into path (REDFISH_PATH_MAX
 * bytes). Errors: -EBADMSG (not JSON, no member, not a service path).
 */
int redfish_parse_first_member(const char *body, size_t len, char *path);

/* Reads a ComputerSystem. Errors: -EBADMSG. */
int redfish_parse_system(const char *body, size_t len, struct redfish_system *ret_system);

/* The ResetType value of a reset bit ("On", "ForceOff", ...). */
const char *redfish_reset_name(enum redfish_reset reset);

/* True when path is a Redfish service path without characters that need escaping. */
bool redfish_path_valid(const char *path);
