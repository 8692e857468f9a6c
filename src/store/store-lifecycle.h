/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-lifecycle -- BMC rows and lifecycle bookkeeping of machines. Every
 * call runs inside a transaction from store_txn_begin() (store-inventory.h).
 * The BMC secret is stored as the sealed text the caller hands in; this
 * module never sees a clear password. Calls return 0 or a negative errno
 * and never log.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store-inventory.h"

#define STORE_BMC_TYPE_MAX    16
#define STORE_BMC_ADDRESS_MAX 256
#define STORE_BMC_USER_MAX    64
#define STORE_BMC_SECRET_MAX  512 /* hex text of the sealed password */
#define STORE_POWER_MAX       16
#define STORE_ERROR_TEXT_MAX  256
#define STORE_STAGE_MAX       32

struct store_bmc {
	int64_t machine_id;
	char type[STORE_BMC_TYPE_MAX];       /* "ipmi", "redfish" or "qemu" */
	char address[STORE_BMC_ADDRESS_MAX]; /* host[:port], base URL or QMP socket path */
	char username[STORE_BMC_USER_MAX];
	char secret[STORE_BMC_SECRET_MAX];      /* sealed password, "" when none */
	char power_state[STORE_POWER_MAX];      /* "on", "off" or "unknown" */
	char power_error[STORE_ERROR_TEXT_MAX]; /* the last BMC failure, "" after a success */
	int64_t power_checked;                  /* Unix time of the last BMC answer or failure */
	int64_t updated;
};

/* Creates or replaces the BMC of bmc->machine_id; -ENOENT when the machine is gone. */
int store_bmc_put(struct store_txn *tx, const struct store_bmc *bmc);

/* -ENOENT when the machine has no BMC. */
int store_bmc_get(struct store_txn *tx, int64_t machine_id, struct store_bmc *ret_bmc);

/* -ENOENT when the machine has no BMC. */
int store_bmc_delete(struct store_txn *tx, int64_t machine_id);

/* Records the outcome of a BMC call: the power state and the error text ("" on success). */
int store_bmc_set_power(struct store_txn *tx, int64_t machine_id, const char *power_state,
                        const char *error, int64_t now);

/* Lifecycle bookkeeping of one machine; a machine without a row has all fields empty. */
struct store_lifecycle {
	int64_t machine_id;
	char state[STORE_STATE_MAX]; /* machines.state, read only here */
	char stage[STORE_STAGE_MAX]; /* what the machine waits for, "" when nothing */
	int64_t since;               /* Unix time the state was entered, 0 when unknown */
	int64_t deadline;            /* Unix time the stage times out, 0 for none */
	char reason[STORE_ERROR_TEXT_MAX];
	char *task;   /* JSON text of the agent task; owned, "{}" when none */
	int progress; /* 0..100, -1 when no task reported progress */
	char progress_message[STORE_ERROR_TEXT_MAX];
	int64_t progress_updated;
};

/* Reads the machine's state and bookkeeping; release with store_lifecycle_done(). -ENOENT. */
int store_lifecycle_get(struct store_txn *tx, int64_t machine_id, struct store_lifecycle *ret);
void store_lifecycle_done(struct store_lifecycle *lc);

/*
 * Writes lc->state into machines.state and the rest into the bookkeeping
 * row (created when missing). lc->task NULL keeps the stored task.
 * -ENOENT when the machine is gone.
 */
int store_lifecycle_put(struct store_txn *tx, const struct store_lifecycle *lc);

/* Writes the progress of the machine's task. -ENOENT when it has no bookkeeping row. */
int store_lifecycle_set_progress(struct store_txn *tx, int64_t machine_id, int progress,
                                 const char *message, int64_t now);

/*
 * Lists up to max ids of machines whose deadline is set and not after now,
 * oldest deadline first. Returns the count written to ids.
 */
int store_lifecycle_expired(struct store_txn *tx, int64_t now, int64_t *ids, size_t max);
