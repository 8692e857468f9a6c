/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server -- the rackd process context: configuration, store and services.
 * Owns every service object; main() creates one and runs it.
 */
#pragma once

#include "core/config.h"

struct server;

/*
 * Opens the store under cfg->data_dir, writes the config file's subnets into
 * it and creates the services. Borrows cfg. Logs its own errors.
 */
int server_new(const struct config *cfg, struct server **ret_server);

/* Starts every enabled service; on failure stops the ones already started. */
int server_start(struct server *srv);

/*
 * Runs the periodic upkeep: deletes audit events older than
 * [server] event_retention_days, one bounded transaction per call so the
 * store is never held for long. Returns the milliseconds until the next
 * call is due: a short pause while a backlog remains, an hour otherwise.
 */
unsigned server_housekeeping(struct server *srv);

void server_stop(struct server *srv);
void server_free(struct server *srv);
