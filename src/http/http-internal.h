/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-internal -- request context and response helpers shared by the
 * route files of src/http.
 */
#pragma once

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/config.h"
#include "core/log.h"
#include "store/store.h"

#define HTTP_BODY_MAX    (1u << 20) /* request bodies above this get 413 */
#define HTTP_TOKEN_BYTES 32

struct http_server;

/* One listening daemon: plain HTTP, or HTTPS when tls is set. */
struct http_listener {
	struct http_server *srv;
	struct MHD_Daemon *daemon;
	bool tls;
	bool netboot_only; /* plain listener beside a TLS one: only /boot/ routes */
};

struct lifecycle_service;

struct http_server {
	const struct config *cfg;
	struct store *store;
	struct http_listener plain;
	struct http_listener tls;
	char *tls_cert_pem; /* read at start; libmicrohttpd keeps pointers to them */
	char *tls_key_pem;
	int boot_dir_fd;                      /* O_PATH descriptor that confines asset lookups */
	struct http_enrol_limit *enrol_limit; /* per-client rate of new enrolments */
	pthread_mutex_t warning_lock;         /* connections run in threads of their own */
	struct log_ratelimit warning_rl;
	atomic_uint_least64_t enrol_rate_limited; /* unknown MACs turned away by the rate */
	atomic_uint_least64_t enrol_full;         /* ... by [boot] max_new_machines */
	struct lifecycle_service *lifecycle;      /* machine lifecycle and BMCs; NULL until set */
	struct dhcp_server *dhcp;                 /* counters for /metrics; NULL when DHCP is off */
	struct dns_server *dns;                   /* ... NULL when DNS is off */
	struct tftp_server *tftp;                 /* ... NULL when TFTP is off */
};

/* One request: its method, path, body (capped) and peer. */
struct http_request {
	struct http_server *srv;
	const struct http_listener *listener;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	char *body;
	size_t body_len;
	bool body_too_large;
	char peer[64];
};

/*
 * Reads into ret_mac the MAC of the unexpired DHCP lease bound to peer's
 * address; an IPv4-mapped IPv6 peer counts as its IPv4 address. 0, -EPERM
 * when the address has no such lease, or the store's error.
 */
int http_peer_lease_mac(struct http_server *srv, const char *peer, uint8_t ret_mac[ADDR_MAC_LEN]);

/* Queues a JSON response; steals body (may be NULL for an empty object). */
enum MHD_Result http_send_json(struct http_request *req, unsigned status, json_t *body);

/*
 * Queues the error shape {"error": {"code", "message", "field"}} with the
 * given status; field may be NULL.
 */
enum MHD_Result http_send_error(struct http_request *req, unsigned status, const char *code,
                                const char *field, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/*
 * Replaces, in place, every byte of text that is not part of a valid UTF-8
 * sequence with '?'. A message may quote a client's bytes (a percent-decoded
 * path or query value) or be cut by a length limit, and JSON strings must be
 * valid UTF-8.
 */
void http_make_utf8(char *text);

enum MHD_Result http_send_text(struct http_request *req, unsigned status, const char *content_type,
                               const char *text);

/*
 * Returns path in the form logs may carry. An /install/ID/TOKEN/FILE path is
 * written into buf with its agent token replaced by "-"; other paths come back as is.
 */
const char *http_loggable_path(const char *path, char *buf, size_t size);

/* Logs one line for a netboot request (subsystem "http"). */
void http_log_request(struct http_request *req, unsigned status, uint64_t bytes, const char *mac);

/*
 * Returns true when a warning about client input may be logged now, at most
 * 5 per 10 s. Before it allows one, it logs how many it suppressed since.
 */
bool http_warning_allowed(struct http_server *srv);

/* Per-client enrolment limit (http-boot.c); free accepts NULL. */
struct http_enrol_limit;
int http_enrol_limit_new(struct http_enrol_limit **ret_limit);
void http_enrol_limit_free(struct http_enrol_limit *lim);

/* Netboot routes (http-boot.c). */
enum MHD_Result http_boot_script(struct http_request *req);
enum MHD_Result http_boot_asset(struct http_request *req, const char *rel_path);
enum MHD_Result http_agent_report(struct http_request *req);

/* API routes (http-api.c). */
enum MHD_Result http_api_route(struct http_request *req);

/* DNS record routes (http-dns.c); path is the part after /api/v1, starting with /dns/. */
enum MHD_Result http_dns_route(struct http_request *req, const char *path);

/* GET /metrics (http-metrics.c): counters in the Prometheus text format. */
enum MHD_Result http_metrics(struct http_request *req);
