/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lifecycle-flow -- state transitions with their audit events and
 * deadlines, the task the agent in the netboot environment gets, and the
 * progress it reports.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "inventory/lifecycle-internal.h"
#include "store/store-inventory.h"
#include "store/store-lifecycle.h"
#include "store/store.h"

static uint32_t timeout_of(const struct config *cfg, enum lifecycle_state state)
{
	switch (state) {
	case LIFECYCLE_COMMISSIONING:
		return cfg->lifecycle_commission_timeout;
	case LIFECYCLE_DEPLOYING:
		return cfg->lifecycle_deploy_timeout;
	case LIFECYCLE_RELEASING:
		return cfg->lifecycle_release_timeout;
	default:
		return 0;
	}
}

/* Reads the machine's state; a state text rackd does not know counts as new. */
static enum lifecycle_state state_of(const struct store_lifecycle *lc)
{
	enum lifecycle_state s;

	return lifecycle_state_parse(lc->state, &s) == 0 ? s : LIFECYCLE_NEW;
}

static int add_event(struct store_txn *tx, int64_t id, enum lifecycle_state from,
                     enum lifecycle_state to, const char *actor, const char *reason,
                     const char *stage, int64_t deadline)
{
	char object[32], *before, *after;
	json_t *b, *a;
	int r;

	(void)snprintf(object, sizeof(object), "machine/%" PRId64, id);
	b = json_pack("{s:s}", "state", lifecycle_state_name(from));
	a = json_pack("{s:s, s:s, s:s, s:I}", "state", lifecycle_state_name(to), "stage", stage,
	              "reason", reason ? reason : "", "deadline", (json_int_t)deadline);
	before = b ? json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	after = a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(b);
	json_decref(a);
	r = before && after ? store_event_insert(tx, actor, "machine.state_changed", object, reason,
	                                         before, after)
	                    : -ENOMEM;
	free(before);
	free(after);
	return r;
}

int lifecycle_transition_tx(struct store_txn *tx, const struct config *cfg, int64_t id,
                            enum lifecycle_state to, const char *actor, const char *reason,
                            const char *task_json, enum lifecycle_state *ret_from,
                            struct lifecycle_refusal *refusal)
{
	struct store_lifecycle lc;
	enum lifecycle_state from;
	const char *stage = lifecycle_stage_of(to);
	uint32_t timeout = timeout_of(cfg, to);
	int64_t now = (int64_t)time(NULL);
	int r;

	r = store_lifecycle_get(tx, id, &lc);
	if (r < 0)
		return r;
	from = state_of(&lc);
	if (!lifecycle_transition_allowed(from, to)) {
		refusal->from = from;
		(void)lifecycle_allowed_text(from, refusal->allowed, sizeof(refusal->allowed));
		store_lifecycle_done(&lc);
		return -EPERM;
	}
	free(lc.task);
	lc.task = task_json ? strdup(task_json) : NULL;
	if (task_json && lc.task == NULL)
		return -ENOMEM;
	(void)snprintf(lc.state, sizeof(lc.state), "%s", lifecycle_state_name(to));
	(void)snprintf(lc.stage, sizeof(lc.stage), "%s", stage ? stage : "");
	(void)snprintf(lc.reason, sizeof(lc.reason), "%s", reason ? reason : "");
	lc.since = now;
	lc.deadline = stage && timeout ? now + timeout : 0;
	/* A new stage starts without progress; a finished one keeps its last report. */
	if (stage) {
		lc.progress = -1;
		lc.progress_message[0] = '\0';
		lc.progress_updated = 0;
	}
	r = store_lifecycle_put(tx, &lc);
	if (r == 0)
		r = add_event(tx, id, from, to, actor, reason, lc.stage, lc.deadline);
	store_lifecycle_done(&lc);
	if (r == 0)
		*ret_from = from;
	return r;
}

void lifecycle_log_change(int64_t id, enum lifecycle_state from, enum lifecycle_state to,
                          const char *actor, const char *reason)
{
	char machine[24];
	struct log_field fields[] = {
		{ "machine", machine },
		{ "from", lifecycle_state_name(from) },
		{ "to", lifecycle_state_name(to) },
		{ "actor", actor },
		{ "reason", reason && reason[0] ? reason : NULL },
	};

	(void)snprintf(machine, sizeof(machine), "%" PRId64, id);
	log_fields(to == LIFECYCLE_BROKEN ? LOG_LEVEL_WARNING : LOG_LEVEL_INFO, "lifecycle", fields,
	           sizeof(fields) / sizeof(fields[0]), "machine %s %s -> %s", machine,
	           lifecycle_state_name(from), lifecycle_state_name(to));
}

/* Runs a transition in its own write transaction and logs it; 0, -ENOENT, -EPERM, -EIO. */
int lifecycle_apply(struct lifecycle_service *svc, int64_t id, enum lifecycle_state to,
                    const char *actor, const char *reason, const char *task_json,
                    enum lifecycle_state *ret_from, struct lifecycle_refusal *refusal)
{
	struct lifecycle_refusal ignored;
	enum lifecycle_state from;
	struct store_txn *tx;
	int r;

	r = store_txn_begin(svc->store, true, &tx);
	if (r < 0)
		return r;
	r = lifecycle_transition_tx(tx, svc->cfg, id, to, actor, reason, task_json, &from,
	                            refusal ? refusal : &ignored);
	if (r < 0) {
		store_txn_abort(tx);
		return r;
	}
	r = store_txn_commit(tx);
	if (r < 0) {
		log_error("lifecycle", "machine %" PRId64 " -> %s not stored: %s", id,
		          lifecycle_state_name(to), store_last_error(svc->store));
		return r;
	}
	lifecycle_log_change(id, from, to, actor, reason);
	if (ret_from)
		*ret_from = from;
	return 0;
}

void lifecycle_on_report(struct lifecycle_service *svc, int64_t id)
{
	struct store_lifecycle lc;
	struct store_txn *tx;
	int r;

	r = store_txn_begin(svc->store, false, &tx);
	if (r < 0)
		return;
	r = store_lifecycle_get(tx, id, &lc);
	store_txn_abort(tx);
	if (r < 0)
		return;
	if (state_of(&lc) == LIFECYCLE_COMMISSIONING)
		(void)lifecycle_apply(svc, id, LIFECYCLE_READY, "agent",
		                      "commissioning report received", NULL, NULL, NULL);
	store_lifecycle_done(&lc);
}

/* The task to hand out in state, from the stored task text. */
static json_t *task_for(enum lifecycle_state state, const char *stored)
{
	json_t *task = json_loads(stored ? stored : "{}", 0, NULL);
	const char *action;

	if (!json_is_object(task)) {
		json_decref(task);
		task = json_object();
	}
	action = json_string_value(json_object_get(task, "action"));
	if (state == LIFECYCLE_DEPLOYING && action && strcmp(action, "deploy") == 0) {
		json_object_set_new(task, "then", json_string("reboot"));
		return task;
	}
	if (state == LIFECYCLE_RELEASING && action && strcmp(action, "erase") == 0) {
		json_object_set_new(task, "then", json_string("poweroff"));
		return task;
	}
	json_decref(task);
	return json_pack("{s:s, s:s}", "action", "none", "then", "poweroff");
}

int lifecycle_agent_task(struct lifecycle_service *svc, int64_t id, char **ret_json)
{
	struct store_lifecycle lc;
	struct store_txn *tx;
	json_t *task;
	char *text;
	int r;

	r = store_txn_begin(svc->store, false, &tx);
	if (r < 0)
		return r;
	r = store_lifecycle_get(tx, id, &lc);
	store_txn_abort(tx);
	if (r < 0)
		return r;
	task = task_for(state_of(&lc), lc.task);
	store_lifecycle_done(&lc);
	/* The user data and keys are for cloud-init in the deployed system, not for the agent. */
	json_object_del(task, "user_data");
	json_object_del(task, "ssh_keys");
	text = task ? json_dumps(task, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(task);
	if (text == NULL)
		return -ENOMEM;
	*ret_json = text;
	return 0;
}

/* What the task's action finishes: deploying -> deployed, releasing -> ready. */
static int finish_state(enum lifecycle_state state, const char *action,
                        enum lifecycle_state *ret_next)
{
	if (state == LIFECYCLE_DEPLOYING && strcmp(action, "deploy") == 0)
		*ret_next = LIFECYCLE_DEPLOYED;
	else if (state == LIFECYCLE_RELEASING && strcmp(action, "erase") == 0)
		*ret_next = LIFECYCLE_READY;
	else
		return -EPERM;
	return 0;
}

static int record_progress(struct lifecycle_service *svc, int64_t id, int percent,
                           const char *message)
{
	struct store_txn *tx;
	int r;

	r = store_txn_begin(svc->store, true, &tx);
	if (r < 0)
		return r;
	r = store_lifecycle_set_progress(tx, id, percent, message, (int64_t)time(NULL));
	if (r < 0) {
		store_txn_abort(tx);
		return r;
	}
	return store_txn_commit(tx);
}

int lifecycle_agent_progress(struct lifecycle_service *svc, int64_t id, const char *action,
                             const char *status, int percent, const char *message)
{
	struct store_lifecycle lc;
	enum lifecycle_state state, next;
	struct store_txn *tx;
	char reason[STORE_ERROR_TEXT_MAX];
	int r;

	r = store_txn_begin(svc->store, false, &tx);
	if (r < 0)
		return r;
	r = store_lifecycle_get(tx, id, &lc);
	store_txn_abort(tx);
	if (r < 0)
		return r;
	state = state_of(&lc);
	store_lifecycle_done(&lc);
	r = finish_state(state, action, &next);
	if (r < 0)
		return r;
	if (strcmp(status, "running") == 0)
		return record_progress(svc, id, percent, message);
	if (strcmp(status, "done") == 0) {
		r = record_progress(svc, id, 100, message);
		if (r == 0)
			r = lifecycle_apply(svc, id, next, "agent",
			                    strcmp(action, "deploy") == 0
			                            ? "image written and verified"
			                            : "disks erased",
			                    NULL, NULL, NULL);
		/*
		 * The installer's kernel line carries the boot's agent token, and
		 * installed systems may keep that line in their logs. So the token
		 * is revoked here, and the next netboot issues a new one.
		 */
		if (r == 0 && store_machine_set_agent_token_hash(svc->store, id, "") < 0)
			log_warning("lifecycle",
			            "agent token of machine %" PRId64 " not revoked: store: %s", id,
			            store_last_error(svc->store));
		return r;
	}
	(void)snprintf(reason, sizeof(reason), "%s failed: %s", action,
	               message && message[0] ? message : "no reason given");
	(void)record_progress(svc, id, percent, message);
	return lifecycle_apply(svc, id, LIFECYCLE_BROKEN, "agent", reason, NULL, NULL, NULL);
}
