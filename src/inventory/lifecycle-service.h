/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lifecycle-service -- moves machines through their lifecycle and drives
 * their BMCs: state transitions with an audit event each (who, when, from,
 * to, why), the background jobs that set the boot device and power a
 * machine on for commissioning, deployment and release, the deadlines that
 * send a stuck machine to broken, and live power control for the API.
 *
 * Threads: the HTTP threads call the functions below; the service runs
 * worker threads for BMC jobs (as many as [bmc] max_sessions, at most
 * LIFECYCLE_WORKERS_MAX) and one deadline thread. BMC passwords are sealed
 * with the key from [bmc] key_file and opened only for one BMC call.
 * Functions log their own outcomes (subsystems "lifecycle" and "bmc").
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bmc/bmc.h"
#include "core/config.h"
#include "inventory/lifecycle.h"
#include "store/store.h"

#define LIFECYCLE_WORKERS_MAX 16
#define LIFECYCLE_JOBS_MAX    4096
#define LIFECYCLE_ALLOWED_MAX 128 /* "a, b, c" text of allowed next states */

struct lifecycle_service;
struct store_txn;

/*
 * Loads (or creates) the sealing key and sets up the session limit. Borrows
 * cfg and st. Returns 0 or a negative errno after logging why.
 */
int lifecycle_service_new(const struct config *cfg, struct store *st,
                          struct lifecycle_service **ret_svc);

/* Starts the worker and deadline threads. */
int lifecycle_service_start(struct lifecycle_service *svc);

/* Stops the threads; queued jobs are dropped (their deadlines still apply after a restart). */
void lifecycle_service_stop(struct lifecycle_service *svc);
void lifecycle_service_free(struct lifecycle_service *svc);

/* Why a transition was refused: the machine's state and the states allowed from it. */
struct lifecycle_refusal {
	enum lifecycle_state from;
	char allowed[LIFECYCLE_ALLOWED_MAX];
};

/*
 * Moves machine id to state to, recording actor and reason; task_json
 * (may be NULL to keep the stored one) becomes the agent's task. Queues
 * the BMC work the new state needs (boot from the network and power on
 * for commissioning, deploying and releasing with an erase; power off for
 * a release without erase). Errors: -ENOENT (no machine), -EPERM (not
 * allowed: *refusal says why), -EIO (store).
 */
int lifecycle_change(struct lifecycle_service *svc, int64_t id, enum lifecycle_state to,
                     const char *actor, const char *reason, const char *task_json,
                     struct lifecycle_refusal *refusal);

/*
 * The same inside an open write transaction, without queueing BMC work or
 * logging; writes the state left into *ret_from. For callers that change
 * other rows in the same transaction.
 */
int lifecycle_transition_tx(struct store_txn *tx, const struct config *cfg, int64_t id,
                            enum lifecycle_state to, const char *actor, const char *reason,
                            const char *task_json, enum lifecycle_state *ret_from,
                            struct lifecycle_refusal *refusal);

/* Logs a committed transition: "lifecycle: machine 5 commissioning -> ready". */
void lifecycle_log_change(int64_t id, enum lifecycle_state from, enum lifecycle_state to,
                          const char *actor, const char *reason);

/*
 * Seals password for machine id into out (BMC_SEALED_TEXT_MAX bytes of the
 * password's length). Returns 0, -E2BIG or -ENOSPC.
 */
int lifecycle_seal_password(struct lifecycle_service *svc, int64_t id, const char *password,
                            char *out, size_t out_size);

/*
 * Reads the power state live from the machine's BMC and records it (or
 * "unknown" and the error). Errors: -ENODEV (no BMC), -EBUSY (every BMC
 * session slot stayed taken), the BMC errors of bmc.h with *err filled.
 */
int lifecycle_power_status(struct lifecycle_service *svc, int64_t id, enum bmc_power *ret_power,
                           struct bmc_error *err);

/*
 * Runs a power action on the machine's BMC, after setting the next boot
 * device when boot is non-NULL (a BMC without boot device support is
 * logged and ignored), then reads the power state back. Records the result
 * and an audit event "machine.power" with actor. Errors as above.
 */
int lifecycle_power_action(struct lifecycle_service *svc, int64_t id, enum bmc_action action,
                           const enum bmc_boot_device *boot, const char *actor,
                           enum bmc_power *ret_power, struct bmc_error *err);

/* Agent hooks (the agent token is checked by the caller). */

/* A commissioning machine that reported its facts becomes ready. */
void lifecycle_on_report(struct lifecycle_service *svc, int64_t id);

/*
 * Returns the agent's task for the machine's state as JSON text (caller
 * frees): {"action": "none"|"deploy"|"erase", "then": "poweroff"|"reboot", ...}.
 * Errors: -ENOENT, -ENOMEM, -EIO.
 */
int lifecycle_agent_task(struct lifecycle_service *svc, int64_t id, char **ret_json);

/*
 * Records the agent's progress on its task. status "running" updates the
 * percentage; "done" moves deploying to deployed and releasing to ready;
 * "failed" moves the machine to broken with message. Errors: -ENOENT,
 * -EPERM (the machine is in no state that runs a task of that action),
 * -EIO.
 */
int lifecycle_agent_progress(struct lifecycle_service *svc, int64_t id, const char *action,
                             const char *status, int percent, const char *message);

/* The configuration the service runs with. */
const struct config *lifecycle_config(const struct lifecycle_service *svc);
