/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lifecycle-service -- worker threads for BMC jobs, the deadline thread,
 * and live power control with sealed BMC passwords.
 */
#include "inventory/lifecycle-service.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "inventory/lifecycle-internal.h"
#include "store/store-inventory.h"
#include "store/store-lifecycle.h"

#define DEADLINE_BATCH 64 /* expired machines handled per scan */

const struct config *lifecycle_config(const struct lifecycle_service *svc)
{
	return svc->cfg;
}

int lifecycle_service_new(const struct config *cfg, struct store *st,
                          struct lifecycle_service **ret_svc)
{
	char path[CONFIG_PATH_MAX + 16], err[512];
	struct lifecycle_service *svc;
	int r;

	svc = calloc(1, sizeof(*svc));
	if (svc == NULL)
		return -ENOMEM;
	svc->cfg = cfg;
	svc->store = st;
	(void)pthread_mutex_init(&svc->lock, NULL);
	(void)pthread_cond_init(&svc->wake, NULL);
	(void)pthread_cond_init(&svc->tick, NULL);
	/* libcurl's global setup is not thread-safe: do it here, on the starting thread. */
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
	r = bmc_sessions_new(cfg->bmc_max_sessions, &svc->sessions);
	svc->key = sodium_malloc(sizeof(*svc->key));
	if (r < 0 || svc->key == NULL) {
		lifecycle_service_free(svc);
		return -ENOMEM;
	}
	if (cfg->bmc_key_file[0])
		(void)snprintf(path, sizeof(path), "%s", cfg->bmc_key_file);
	else
		(void)snprintf(path, sizeof(path), "%s/bmc.key", cfg->data_dir);
	r = bmc_key_load(path, svc->key, err, sizeof(err));
	if (r < 0) {
		log_error("bmc", "sealing key not loaded: %s", err);
		lifecycle_service_free(svc);
		return r;
	}
	log_notice("bmc", "sealing key loaded path=%s max_sessions=%u", path,
	           cfg->bmc_max_sessions);
	*ret_svc = svc;
	return 0;
}

void lifecycle_service_free(struct lifecycle_service *svc)
{
	if (svc == NULL)
		return;
	lifecycle_service_stop(svc);
	while (svc->head) {
		struct lifecycle_job *job = svc->head;

		svc->head = job->next;
		free(job);
	}
	if (svc->key) {
		bmc_key_clear(svc->key);
		sodium_free(svc->key);
	}
	bmc_sessions_free(svc->sessions);
	(void)pthread_cond_destroy(&svc->wake);
	(void)pthread_cond_destroy(&svc->tick);
	(void)pthread_mutex_destroy(&svc->lock);
	curl_global_cleanup();
	free(svc);
}

int lifecycle_seal_password(struct lifecycle_service *svc, int64_t id, const char *password,
                            char *out, size_t out_size)
{
	return bmc_seal(svc->key, id, password, out, out_size);
}

/* Loads the machine's BMC into *t with its password opened; -ENODEV when it has none. */
static int load_target(struct lifecycle_service *svc, int64_t id, struct bmc_target *t,
                       bool *ret_efi, struct bmc_error *err)
{
	const struct config *cfg = svc->cfg;
	struct store_machine m;
	struct store_bmc bmc;
	struct store_txn *tx;
	int r;

	r = store_txn_begin(svc->store, false, &tx);
	if (r < 0)
		return bmc_fail(err, r, "inventory store unavailable");
	r = store_bmc_get(tx, id, &bmc);
	store_txn_abort(tx);
	if (r == -ENOENT)
		return bmc_fail(err, -ENODEV, "machine %" PRId64 " has no BMC: set one first", id);
	if (r < 0)
		return bmc_fail(err, r, "inventory store unavailable");
	memset(t, 0, sizeof(*t));
	if (bmc_type_parse(bmc.type, &t->type) < 0)
		return bmc_fail(err, -EINVAL, "stored BMC type \"%s\" is unknown", bmc.type);
	(void)snprintf(t->address, sizeof(t->address), "%s", bmc.address);
	(void)snprintf(t->username, sizeof(t->username), "%s", bmc.username);
	if (bmc.secret[0] &&
	    bmc_unseal(svc->key, id, bmc.secret, t->password, sizeof(t->password)) < 0)
		return bmc_fail(
		        err, -EACCES,
		        "stored BMC password does not open with the key in use: set it again");
	t->timeout_ms = cfg->bmc_timeout * 1000;
	t->retries = cfg->bmc_retries;
	t->cipher_suite = (uint8_t)cfg->bmc_ipmi_cipher_suite;
	t->tls_verify = cfg->bmc_tls_verify;
	t->redfish_session = cfg->bmc_redfish_session;
	t->qmp_dir = cfg->bmc_qmp_dir;
	*ret_efi =
	        store_machine_get(svc->store, id, &m) == 0 && strncmp(m.firmware, "uefi", 4) == 0;
	return 0;
}

/* Stores the outcome of a BMC call, and an audit event for actions (action non-NULL). */
static void record_power(struct lifecycle_service *svc, int64_t id, enum bmc_power power,
                         const struct bmc_error *err, const char *action, const char *actor)
{
	char object[32], detail[BMC_MESSAGE_MAX + 64];
	struct store_txn *tx;
	int r;

	if (store_txn_begin(svc->store, true, &tx) < 0)
		return;
	r = store_bmc_set_power(tx, id, bmc_power_name(power), err ? err->message : "",
	                        (int64_t)time(NULL));
	if (r == 0 && action) {
		(void)snprintf(object, sizeof(object), "machine/%" PRId64, id);
		(void)snprintf(detail, sizeof(detail), "%s: %s", action,
		               err ? err->message : bmc_power_name(power));
		r = store_event_insert(tx, actor, err ? "machine.power_failed" : "machine.power",
		                       object, detail, NULL, NULL);
	}
	if (r == 0)
		(void)store_txn_commit(tx);
	else
		store_txn_abort(tx);
}

static void log_bmc(int64_t id, const struct bmc_target *t, const char *what, enum bmc_power power,
                    const struct bmc_error *err)
{
	char machine[24];
	struct log_field fields[] = {
		{ "machine", machine },
		{ "type", bmc_type_name(t->type) },
		{ "address", t->address },
		{ "power", bmc_power_name(power) },
	};

	(void)snprintf(machine, sizeof(machine), "%" PRId64, id);
	if (err)
		log_fields(LOG_LEVEL_WARNING, "bmc", fields, 3, "machine %s %s failed: %s", machine,
		           what, err->message);
	else
		log_fields(LOG_LEVEL_INFO, "bmc", fields, 4, "machine %s %s ok", machine, what);
}

int lifecycle_power_status(struct lifecycle_service *svc, int64_t id, enum bmc_power *ret_power,
                           struct bmc_error *err)
{
	enum bmc_power power = BMC_POWER_UNKNOWN;
	struct bmc_target t;
	bool efi;
	int r;

	r = load_target(svc, id, &t, &efi, err);
	if (r < 0)
		goto out;
	r = bmc_sessions_acquire(svc->sessions, t.timeout_ms);
	if (r < 0) {
		r = bmc_fail(err, -EBUSY, "all %u BMC sessions are busy: retry later",
		             svc->cfg->bmc_max_sessions);
		goto out;
	}
	r = bmc_power_status(&t, &power, err);
	bmc_sessions_release(svc->sessions);
	record_power(svc, id, r < 0 ? BMC_POWER_UNKNOWN : power, r < 0 ? err : NULL, NULL, NULL);
	if (r < 0)
		log_bmc(id, &t, "power status", power, err);
	else
		*ret_power = power;
out:
	sodium_memzero(t.password, sizeof(t.password));
	return r;
}

/* Sets the next boot device; a BMC without support is logged and ignored. */
static int set_boot(int64_t id, const struct bmc_target *t, enum bmc_boot_device device, bool efi,
                    struct bmc_error *err)
{
	int r = bmc_set_boot_device(t, device, efi, err);

	if (r == -ENOTSUP) {
		log_notice(
		        "bmc",
		        "machine %" PRId64
		        " boot device not set, BMC has no support: %s; the machine's boot order applies",
		        id, err->message);
		return 0;
	}
	if (r < 0)
		log_bmc(id, t, device == BMC_BOOT_PXE ? "boot device pxe" : "boot device disk",
		        BMC_POWER_UNKNOWN, err);
	return r;
}

int lifecycle_power_action(struct lifecycle_service *svc, int64_t id, enum bmc_action action,
                           const enum bmc_boot_device *boot, const char *actor,
                           enum bmc_power *ret_power, struct bmc_error *err)
{
	enum bmc_power power = BMC_POWER_UNKNOWN;
	struct bmc_error ignored;
	struct bmc_target t;
	char what[32];
	bool efi;
	int r;

	r = load_target(svc, id, &t, &efi, err);
	if (r < 0)
		goto out;
	r = bmc_sessions_acquire(svc->sessions, t.timeout_ms);
	if (r < 0) {
		r = bmc_fail(err, -EBUSY, "all %u BMC sessions are busy: retry later",
		             svc->cfg->bmc_max_sessions);
		goto out;
	}
	r = boot ? set_boot(id, &t, *boot, efi, err) : 0;
	if (r == 0)
		r = bmc_power_action(&t, action, err);
	/* The state read back is informative; an action that went through stays a success. */
	if (r == 0 && bmc_power_status(&t, &power, &ignored) < 0)
		power = BMC_POWER_UNKNOWN;
	bmc_sessions_release(svc->sessions);
	(void)snprintf(what, sizeof(what), "power %s", bmc_action_name(action));
	record_power(svc, id, power, r < 0 ? err : NULL, what, actor);
	log_bmc(id, &t, what, power, r < 0 ? err : NULL);
	if (r == 0)
		*ret_power = power;
out:
	sodium_memzero(t.password, sizeof(t.password));
	return r;
}

/* Queues a job; drops it with a warning when the queue is full. */
static void queue_job(struct lifecycle_service *svc, int64_t id, enum lifecycle_job_kind kind)
{
	struct lifecycle_job *job = calloc(1, sizeof(*job));

	pthread_mutex_lock(&svc->lock);
	if (job == NULL || svc->n_jobs >= LIFECYCLE_JOBS_MAX) {
		pthread_mutex_unlock(&svc->lock);
		free(job);
		log_warning(
		        "lifecycle",
		        "machine %" PRId64
		        " BMC job dropped: queue full or out of memory; the stage deadline applies",
		        id);
		return;
	}
	job->machine_id = id;
	job->kind = kind;
	if (svc->tail)
		svc->tail->next = job;
	else
		svc->head = job;
	svc->tail = job;
	svc->n_jobs++;
	pthread_cond_signal(&svc->wake);
	pthread_mutex_unlock(&svc->lock);
}

int lifecycle_change(struct lifecycle_service *svc, int64_t id, enum lifecycle_state to,
                     const char *actor, const char *reason, const char *task_json,
                     struct lifecycle_refusal *refusal)
{
	int r;

	r = lifecycle_apply(svc, id, to, actor, reason, task_json, NULL, refusal);
	if (r < 0)
		return r;
	if (to == LIFECYCLE_COMMISSIONING || to == LIFECYCLE_DEPLOYING) {
		queue_job(svc, id, LIFECYCLE_JOB_NETBOOT);
	} else if (to == LIFECYCLE_RELEASING) {
		json_t *task = json_loads(task_json ? task_json : "{}", 0, NULL);
		const char *action = json_string_value(json_object_get(task, "action"));

		queue_job(svc, id,
		          action && strcmp(action, "erase") == 0 ? LIFECYCLE_JOB_NETBOOT
		                                                 : LIFECYCLE_JOB_RELEASE_OFF);
		json_decref(task);
	}
	return 0;
}

/* Reads the machine's state; -ENOENT when it is gone. */
static int current_state(struct lifecycle_service *svc, int64_t id, enum lifecycle_state *ret)
{
	struct store_lifecycle lc;
	struct store_txn *tx;
	int r;

	r = store_txn_begin(svc->store, false, &tx);
	if (r < 0)
		return r;
	r = store_lifecycle_get(tx, id, &lc);
	store_txn_abort(tx);
	if (r < 0)
		return r;
	if (lifecycle_state_parse(lc.state, ret) < 0)
		*ret = LIFECYCLE_NEW;
	store_lifecycle_done(&lc);
	return 0;
}

static void run_netboot(struct lifecycle_service *svc, int64_t id)
{
	enum bmc_boot_device pxe = BMC_BOOT_PXE;
	enum lifecycle_state state;
	struct bmc_error err = { 0 };
	enum bmc_power power;
	char reason[STORE_ERROR_TEXT_MAX + BMC_MESSAGE_MAX];
	int r;

	if (current_state(svc, id, &state) < 0)
		return;
	r = lifecycle_power_action(svc, id, BMC_ACTION_CYCLE, &pxe, "lifecycle", &power, &err);
	if (r == -ENODEV) {
		log_notice("lifecycle",
		           "machine %" PRId64
		           " has no BMC: power it on to boot it from the network",
		           id);
		return;
	}
	if (r == 0)
		return;
	(void)snprintf(reason, sizeof(reason), "power on for %s failed: %s",
	               lifecycle_state_name(state), err.message);
	(void)lifecycle_apply(svc, id, LIFECYCLE_BROKEN, "lifecycle", reason, NULL, NULL, NULL);
}

static void run_release_off(struct lifecycle_service *svc, int64_t id)
{
	struct bmc_error err = { 0 };
	enum bmc_power power;
	char reason[STORE_ERROR_TEXT_MAX + BMC_MESSAGE_MAX];
	int r;

	r = lifecycle_power_action(svc, id, BMC_ACTION_OFF, NULL, "lifecycle", &power, &err);
	if (r < 0 && r != -ENODEV) {
		(void)snprintf(reason, sizeof(reason), "power off for release failed: %s",
		               err.message);
		(void)lifecycle_apply(svc, id, LIFECYCLE_BROKEN, "lifecycle", reason, NULL, NULL,
		                      NULL);
		return;
	}
	(void)lifecycle_apply(svc, id, LIFECYCLE_READY, "lifecycle", "released without erase", NULL,
	                      NULL, NULL);
}

static void *worker_main(void *arg)
{
	struct lifecycle_service *svc = arg;

	for (;;) {
		struct lifecycle_job *job;

		pthread_mutex_lock(&svc->lock);
		while (!svc->stopping && svc->head == NULL)
			pthread_cond_wait(&svc->wake, &svc->lock);
		if (svc->stopping) {
			pthread_mutex_unlock(&svc->lock);
			return NULL;
		}
		job = svc->head;
		svc->head = job->next;
		if (svc->head == NULL)
			svc->tail = NULL;
		svc->n_jobs--;
		pthread_mutex_unlock(&svc->lock);
		if (job->kind == LIFECYCLE_JOB_NETBOOT)
			run_netboot(svc, job->machine_id);
		else
			run_release_off(svc, job->machine_id);
		free(job);
	}
}

/* Sends every machine whose stage deadline passed to broken. */
static void expire_deadlines(struct lifecycle_service *svc)
{
	int64_t ids[DEADLINE_BATCH];
	struct store_txn *tx;
	int n;

	if (store_txn_begin(svc->store, false, &tx) < 0)
		return;
	n = store_lifecycle_expired(tx, (int64_t)time(NULL), ids, DEADLINE_BATCH);
	store_txn_abort(tx);
	for (int i = 0; i < n; i++) {
		struct store_lifecycle lc;
		char reason[STORE_ERROR_TEXT_MAX];

		if (store_txn_begin(svc->store, false, &tx) < 0)
			return;
		if (store_lifecycle_get(tx, ids[i], &lc) < 0) {
			store_txn_abort(tx);
			continue;
		}
		store_txn_abort(tx);
		(void)snprintf(reason, sizeof(reason), "timed out in stage %s after %" PRId64 " s",
		               lc.stage[0] ? lc.stage : lc.state, lc.deadline - lc.since);
		store_lifecycle_done(&lc);
		(void)lifecycle_apply(svc, ids[i], LIFECYCLE_BROKEN, "lifecycle", reason, NULL,
		                      NULL, NULL);
	}
}

static void *deadline_main(void *arg)
{
	struct lifecycle_service *svc = arg;

	pthread_mutex_lock(&svc->lock);
	while (!svc->stopping) {
		struct timespec ts;

		pthread_mutex_unlock(&svc->lock);
		expire_deadlines(svc);
		pthread_mutex_lock(&svc->lock);
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!svc->stopping)
			(void)pthread_cond_timedwait(&svc->tick, &svc->lock, &ts);
	}
	pthread_mutex_unlock(&svc->lock);
	return NULL;
}

int lifecycle_service_start(struct lifecycle_service *svc)
{
	size_t want = svc->cfg->bmc_max_sessions < LIFECYCLE_WORKERS_MAX
	                      ? svc->cfg->bmc_max_sessions
	                      : LIFECYCLE_WORKERS_MAX;
	int r;

	for (size_t i = 0; i < want; i++) {
		r = pthread_create(&svc->workers[i], NULL, worker_main, svc);
		if (r != 0) {
			log_error("lifecycle", "pthread_create() failed: %s", strerror(r));
			lifecycle_service_stop(svc);
			return -r;
		}
		svc->n_workers++;
	}
	r = pthread_create(&svc->deadline_thread, NULL, deadline_main, svc);
	if (r != 0) {
		log_error("lifecycle", "pthread_create() failed: %s", strerror(r));
		lifecycle_service_stop(svc);
		return -r;
	}
	svc->deadline_started = true;
	return 0;
}

void lifecycle_service_stop(struct lifecycle_service *svc)
{
	pthread_mutex_lock(&svc->lock);
	svc->stopping = true;
	pthread_cond_broadcast(&svc->wake);
	pthread_cond_broadcast(&svc->tick);
	pthread_mutex_unlock(&svc->lock);
	for (size_t i = 0; i < svc->n_workers; i++)
		(void)pthread_join(svc->workers[i], NULL);
	svc->n_workers = 0;
	if (svc->deadline_started)
		(void)pthread_join(svc->deadline_thread, NULL);
	svc->deadline_started = false;
}
