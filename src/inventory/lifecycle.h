/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lifecycle -- the machine state machine: which state may follow which.
 * Pure: no store, no I/O, so tests drive it directly.
 *
 *   new -> commissioning -> ready -> deploying -> deployed -> releasing -> ready
 *
 * plus broken (from any other state, always with a reason), retired (from
 * new, ready and broken), and the ways back out of broken (commissioning,
 * ready) and out of retired (new).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum lifecycle_state {
	LIFECYCLE_NEW,
	LIFECYCLE_COMMISSIONING,
	LIFECYCLE_READY,
	LIFECYCLE_DEPLOYING,
	LIFECYCLE_DEPLOYED,
	LIFECYCLE_RELEASING,
	LIFECYCLE_BROKEN,
	LIFECYCLE_RETIRED,
	LIFECYCLE_N_STATES,
};

/* Parses a state name; -EINVAL for anything else. */
int lifecycle_state_parse(const char *name, enum lifecycle_state *ret_state);

/* The name of state ("new", "commissioning", ...). */
const char *lifecycle_state_name(enum lifecycle_state state);

/* True when a machine in from may move to to. */
bool lifecycle_transition_allowed(enum lifecycle_state from, enum lifecycle_state to);

/*
 * Writes the states allowed after from as "a, b, c" into buf ("none" when
 * there are none). Returns the number of states, or -ENOSPC when buf is too
 * small (it then holds a cut list).
 */
int lifecycle_allowed_text(enum lifecycle_state from, char *buf, size_t size);

/*
 * The stage a machine in state waits in until the next state, used in
 * timeouts ("commissioning" waits for the agent report): NULL for states
 * that wait for nothing (ready, deployed, broken, retired, new).
 */
const char *lifecycle_stage_of(enum lifecycle_state state);
