/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lifecycle -- the transition table of the machine state machine.
 */
#include "inventory/lifecycle.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[LIFECYCLE_N_STATES] = {
	[LIFECYCLE_NEW] = "new",           [LIFECYCLE_COMMISSIONING] = "commissioning",
	[LIFECYCLE_READY] = "ready",       [LIFECYCLE_DEPLOYING] = "deploying",
	[LIFECYCLE_DEPLOYED] = "deployed", [LIFECYCLE_RELEASING] = "releasing",
	[LIFECYCLE_BROKEN] = "broken",     [LIFECYCLE_RETIRED] = "retired",
};

#define BIT(s) (1u << (s))

/* allowed[from] has the bit of every state that may follow from. */
static const unsigned allowed[LIFECYCLE_N_STATES] = {
	[LIFECYCLE_NEW] =
	        BIT(LIFECYCLE_COMMISSIONING) | BIT(LIFECYCLE_BROKEN) | BIT(LIFECYCLE_RETIRED),
	/* Back to new aborts a commissioning that an operator gave up on. */
	[LIFECYCLE_COMMISSIONING] =
	        BIT(LIFECYCLE_READY) | BIT(LIFECYCLE_BROKEN) | BIT(LIFECYCLE_NEW),
	[LIFECYCLE_READY] = BIT(LIFECYCLE_COMMISSIONING) | BIT(LIFECYCLE_DEPLOYING) |
	                    BIT(LIFECYCLE_BROKEN) | BIT(LIFECYCLE_RETIRED),
	[LIFECYCLE_DEPLOYING] = BIT(LIFECYCLE_DEPLOYED) | BIT(LIFECYCLE_BROKEN),
	[LIFECYCLE_DEPLOYED] = BIT(LIFECYCLE_RELEASING) | BIT(LIFECYCLE_BROKEN),
	[LIFECYCLE_RELEASING] = BIT(LIFECYCLE_READY) | BIT(LIFECYCLE_BROKEN),
	/* A repaired machine is commissioned again, or declared ready as it is. */
	[LIFECYCLE_BROKEN] =
	        BIT(LIFECYCLE_COMMISSIONING) | BIT(LIFECYCLE_READY) | BIT(LIFECYCLE_RETIRED),
	[LIFECYCLE_RETIRED] = BIT(LIFECYCLE_NEW) | BIT(LIFECYCLE_BROKEN),
};

int lifecycle_state_parse(const char *name, enum lifecycle_state *ret_state)
{
	for (int s = 0; s < LIFECYCLE_N_STATES; s++) {
		if (strcmp(name, state_names[s]) == 0) {
			*ret_state = (enum lifecycle_state)s;
			return 0;
		}
	}
	return -EINVAL;
}

const char *lifecycle_state_name(enum lifecycle_state state)
{
	return (unsigned)state < LIFECYCLE_N_STATES ? state_names[state] : "invalid";
}

bool lifecycle_transition_allowed(enum lifecycle_state from, enum lifecycle_state to)
{
	if ((unsigned)from >= LIFECYCLE_N_STATES || (unsigned)to >= LIFECYCLE_N_STATES)
		return false;
	return (allowed[from] & BIT(to)) != 0;
}

int lifecycle_allowed_text(enum lifecycle_state from, char *buf, size_t size)
{
	size_t len = 0;
	int n = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (int s = 0; s < LIFECYCLE_N_STATES; s++) {
		int w;

		if (!lifecycle_transition_allowed(from, (enum lifecycle_state)s))
			continue;
		w = snprintf(buf + len, size - len, "%s%s", n ? ", " : "", state_names[s]);
		if (w < 0 || (size_t)w >= size - len)
			return -ENOSPC;
		len += (size_t)w;
		n++;
	}
	if (n == 0 && snprintf(buf, size, "none") >= (int)size)
		return -ENOSPC;
	return n;
}

const char *lifecycle_stage_of(enum lifecycle_state state)
{
	switch (state) {
	case LIFECYCLE_COMMISSIONING:
		return "commissioning";
	case LIFECYCLE_DEPLOYING:
		return "deploying";
	case LIFECYCLE_RELEASING:
		return "releasing";
	default:
		return NULL;
	}
}
