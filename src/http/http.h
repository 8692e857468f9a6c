/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http -- the HTTP server (libmicrohttpd): netboot scripts and assets, the
 * agent report endpoint and the REST API under /api/v1.
 */
#pragma once

#include "core/config.h"
#include "store/store.h"

struct http_server;

/*
 * Creates the server; borrows cfg and st, which must outlive it. Caller
 * frees with http_server_free(). Returns 0 or -ENOMEM, -ENOENT (boot_dir
 * cannot be opened).
 */
int http_server_new(const struct config *cfg, struct store *st, struct http_server **ret_server);

/* Binds the listen address and starts the worker threads; logs its own errors. */
int http_server_start(struct http_server *srv);

void http_server_stop(struct http_server *srv);

struct lifecycle_service;

/* Hands the lifecycle service (borrowed) to the routes; call before http_server_start(). */
void http_server_set_lifecycle(struct http_server *srv, struct lifecycle_service *lc);

struct dhcp_server;

struct dns_server;
struct tftp_server;

/* Hand the services (borrowed) to GET /metrics; call before http_server_start(). */
void http_server_set_dhcp(struct http_server *srv, struct dhcp_server *dhcp);
void http_server_set_dns(struct http_server *srv, struct dns_server *dns);
void http_server_set_tftp(struct http_server *srv, struct tftp_server *tftp);

void http_server_free(struct http_server *srv);
