/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lifecycle-internal -- the service state shared by lifecycle-service.c
 * (threads, jobs, BMC calls) and lifecycle-flow.c (transitions, agent).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "bmc/bmc-seal.h"
#include "inventory/lifecycle-service.h"

enum lifecycle_job_kind {
	LIFECYCLE_JOB_NETBOOT,     /* next boot from the network, then power on or cycle */
	LIFECYCLE_JOB_RELEASE_OFF, /* power off, then releasing -> ready */
};

struct lifecycle_job {
	int64_t machine_id;
	enum lifecycle_job_kind kind;
	struct lifecycle_job *next;
};

struct lifecycle_service {
	const struct config *cfg;
	struct store *store;
	struct bmc_sessions *sessions;
	struct bmc_key *key; /* sodium_malloc'd: kept out of swap and core dumps */

	pthread_mutex_t lock;
	pthread_cond_t wake; /* workers: a job was queued, or stop */
	pthread_cond_t tick; /* deadline thread: stop */
	struct lifecycle_job *head, *tail;
	size_t n_jobs;
	bool stopping;
	pthread_t workers[LIFECYCLE_WORKERS_MAX];
	size_t n_workers;
	pthread_t deadline_thread;
	bool deadline_started;
};

/* Runs a transition in its own transaction and logs it (lifecycle-flow.c). */
int lifecycle_apply(struct lifecycle_service *svc, int64_t id, enum lifecycle_state to,
                    const char *actor, const char *reason, const char *task_json,
                    enum lifecycle_state *ret_from, struct lifecycle_refusal *refusal);
