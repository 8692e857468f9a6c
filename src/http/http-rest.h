/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-rest -- the REST API's request context and conventions: Bearer token
 * authentication and roles, query-string filters and pagination, ETag and
 * If-Match, the error shape, the audit event of every change, and the
 * route handlers of http-inventory.c and http-ipam.c.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http-internal.h"
#include "http/rest-body.h"
#include "store/store-inventory.h"

#define REST_PAGE_DEFAULT    100
#define REST_QUERY_VALUE_MAX 256 /* bytes of one query-string value */
#define REST_TOKEN_PREFIX    "rackd_"
#define REST_TOKEN_TEXT_MAX                                                   \
	(sizeof(REST_TOKEN_PREFIX) - 1 + 2 * HTTP_TOKEN_BYTES) /* without NUL \
	                                                        */
#define REST_TOKEN_HASH_HEX 64

/* Roles in increasing power; each includes the ones below it. */
enum rest_role {
	REST_ROLE_NONE,
	REST_ROLE_READER,   /* read everything but tokens */
	REST_ROLE_OPERATOR, /* also change machines and interfaces (lifecycle, power) */
	REST_ROLE_ADMIN,    /* everything, including tokens */
};

/* Parses "admin", "operator" or "reader"; REST_ROLE_NONE otherwise. */
enum rest_role rest_role_from_string(const char *s);

/*
 * Writes a new API token (REST_TOKEN_PREFIX and 64 hex digits from
 * libsodium's CSPRNG) into token and its hash into hash_hex. Only the hash
 * is ever stored. token needs REST_TOKEN_TEXT_MAX + 1 bytes.
 */
void rest_token_generate(char *token, size_t token_size, char hash_hex[REST_TOKEN_HASH_HEX + 1]);

/* Hex BLAKE2b-256 of token, the form store_token_*() keep. */
void rest_token_hash(const char *token, char hash_hex[REST_TOKEN_HASH_HEX + 1]);

/* One API request after routing: /api/v1/<collection>[/<id>[/<action>]]. */
struct rest_request {
	struct http_request *req;
	struct store *store;
	const char *id_text; /* the path segment after the collection, NULL for the collection */
	int64_t id;          /* id_text as a number, 0 when it is not one */
	const char *action;  /* the segment after the id, NULL when none */
	struct store_token token;
	enum rest_role role;
	char actor[STORE_ACTOR_MAX]; /* "token:<name>", the audit log's who */
};

typedef enum MHD_Result rest_handler_fn(struct rest_request *rq);

/*
 * Queues body (stolen; NULL sends no body) with status, an ETag "<version>"
 * when version > 0 and a Location header when location is non-NULL.
 */
enum MHD_Result rest_send(struct rest_request *rq, unsigned status, json_t *body, int64_t version,
                          const char *location);

/* Queues the error shape {"error": {"code", "message", "field"}}. */
enum MHD_Result rest_send_error(struct rest_request *rq, const struct rest_error *err);
enum MHD_Result rest_error(struct rest_request *rq, unsigned status, const char *code,
                           const char *field, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/*
 * Replies to an unexpected store failure (r) while doing what: logs it with
 * the store's error text and queues 503 store_unavailable. Never used for
 * outcomes a request can cause (conflicts, missing rows).
 */
enum MHD_Result rest_store_failed(struct rest_request *rq, int r, const char *what);

/* Queues 404 for a missing object of the given kind ("machine"). */
enum MHD_Result rest_not_found(struct rest_request *rq, const char *kind);

/* Queues 412 for a failed If-Match on object. */
enum MHD_Result rest_precondition_failed(struct rest_request *rq, const char *object);

/*
 * Queues {"items": items, "total": total, "limit", "offset", "next_after"}.
 * next_after is last_key when the page is full (more rows may follow),
 * else null; clients pass it back as ?after= for a keyset page.
 */
enum MHD_Result rest_send_list(struct rest_request *rq, json_t *items, int64_t total,
                               const struct store_page *page, int64_t last_key);

/* The same with a next_after value of any type (stolen), for lists not keyed by id. */
enum MHD_Result rest_send_list_next(struct rest_request *rq, json_t *items, int64_t total,
                                    const struct store_page *page, json_t *next_after);

/*
 * Checks the query string: every parameter must be in filters (NULL-
 * terminated) or be limit, offset or after, appear once and be at most
 * REST_QUERY_VALUE_MAX bytes. Fills *page (limit 1..STORE_PAGE_MAX, default
 * REST_PAGE_DEFAULT). Queues a 400 and returns false otherwise.
 */
bool rest_parse_query(struct rest_request *rq, const char *const *filters, struct store_page *page,
                      enum MHD_Result *ret);

/* Checks that a request for a single object has no query string at all. */
bool rest_no_query(struct rest_request *rq, enum MHD_Result *ret);

/* The value of query parameter key, or NULL. */
const char *rest_query(struct rest_request *rq, const char *key);

/* Reads an id filter (?site=3); queues a 400 when it is not a positive integer. */
bool rest_query_id(struct rest_request *rq, const char *key, int64_t *ret_id, enum MHD_Result *ret);

/*
 * Reads If-Match: *ret_version is 0 when the header is absent or "*", else
 * the version of the ETag it names. Queues a 400 for a malformed header.
 */
bool rest_if_match(struct rest_request *rq, int64_t *ret_version, enum MHD_Result *ret);

/* Queues 403 and returns false unless the token's role is at least min. */
bool rest_require(struct rest_request *rq, enum rest_role min, enum MHD_Result *ret);

/* Parses the body as a JSON object; queues a 400 (or 415) and returns NULL otherwise. */
json_t *rest_body(struct rest_request *rq, enum MHD_Result *ret);

/*
 * Appends the audit event of a change to tx: kind ("machine.updated"),
 * object ("machine/5"), and the object before and after (either may be
 * NULL; neither is stolen). Logs the change once the caller commits.
 */
int rest_event(struct store_txn *tx, struct rest_request *rq, const char *kind, const char *object,
               const json_t *before, const json_t *after);

/* Logs a committed change: "api: machine/5 updated" with actor and peer. */
void rest_log_change(struct rest_request *rq, const char *kind, const char *object);

/*
 * Authenticates the request's Bearer token. Queues 401 (with a
 * WWW-Authenticate header) and returns false when it is missing or unknown.
 */
bool rest_authenticate(struct rest_request *rq, enum MHD_Result *ret);

/*
 * One resource kind for the generic get / create / PATCH / delete of
 * http-crud.c. Callbacks return 0, -EINVAL after filling *err with a 4xx
 * answer, or another negative errno for a store failure (503).
 */
struct rest_resource {
	const char *name; /* "site": event kinds "site.created", objects "site/5" */
	const char *path; /* "sites", under /api/v1 */
	size_t size;      /* of the record the callbacks share */
	/* Fills a zeroed record with the defaults of a create. May be NULL. */
	void (*init)(void *rec);
	int (*decode)(json_t *obj, bool create, void *rec, struct rest_error *err);
	/* Checks that need the store (references, conflicts); old is NULL on create. May be NULL.
	 */
	int (*check)(struct store_txn *tx, const void *old, void *rec, struct rest_error *err);
	/* -ENOENT when there is no object id. */
	int (*get)(struct store_txn *tx, int64_t id, void *rec);
	int (*insert)(struct store_txn *tx, void *rec, int64_t *ret_id, struct rest_error *err);
	int (*update)(struct store_txn *tx, const void *rec, int64_t version,
	              struct rest_error *err);
	int (*remove)(struct store_txn *tx, int64_t id, int64_t version, struct rest_error *err);
	/* The representation returned by GET of one object. */
	json_t *(*to_json)(struct store_txn *tx, const void *rec);
	int64_t (*version)(const void *rec);
};

enum MHD_Result rest_crud_get(struct rest_request *rq, const struct rest_resource *res);
enum MHD_Result rest_crud_create(struct rest_request *rq, const struct rest_resource *res);
enum MHD_Result rest_crud_update(struct rest_request *rq, const struct rest_resource *res);
enum MHD_Result rest_crud_delete(struct rest_request *rq, const struct rest_resource *res);

/*
 * Commits tx after appending the event of a change, logs it, and queues
 * status with body (stolen), the ETag of version and Location when set.
 * Aborts tx and replies 503 when the event or the commit fails.
 */
enum MHD_Result rest_commit_change(struct rest_request *rq, struct store_txn *tx, const char *kind,
                                   const char *object, const json_t *before, json_t *after,
                                   unsigned status, int64_t version, const char *location);

/* Handlers: http-inventory.c */
rest_handler_fn http_sites_list, http_sites_get, http_sites_create, http_sites_update,
        http_sites_delete;
rest_handler_fn http_racks_list, http_racks_get, http_racks_create, http_racks_update,
        http_racks_delete;
rest_handler_fn http_tags_list, http_tags_get, http_tags_create, http_tags_update, http_tags_delete;
rest_handler_fn http_machines_list, http_machines_get, http_machines_create, http_machines_update,
        http_machines_delete;
rest_handler_fn http_interfaces_list, http_interfaces_get, http_interfaces_create,
        http_interfaces_update, http_interfaces_delete;
rest_handler_fn http_events_list, http_events_get;
rest_handler_fn http_tokens_list, http_tokens_get, http_tokens_create, http_tokens_update,
        http_tokens_delete;
rest_handler_fn http_whoami;

/* Handlers: http-ipam.c */
rest_handler_fn http_subnets_list, http_subnets_get, http_subnets_create, http_subnets_update,
        http_subnets_delete, http_subnets_allocate;
rest_handler_fn http_ranges_list, http_ranges_get, http_ranges_create, http_ranges_update,
        http_ranges_delete, http_ranges_allocate;
rest_handler_fn http_addresses_list, http_addresses_get, http_addresses_create,
        http_addresses_update, http_addresses_delete;
rest_handler_fn http_leases_list, http_leases_get, http_leases_delete;
