/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-api -- routing of the REST API under /api/v1: authentication, the
 * role each method needs, and dispatch to the collection's handler.
 * Paths are /api/v1/<collection>[/<id>[/<action>]]; docs/openapi.yaml
 * lists every route. The agent report (/api/v1/agent/report) is routed
 * before this, with its per-machine credential.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "http/http-internal.h"
#include "http/http-lifecycle.h"
#include "http/http-rest.h"

#define SEGMENT_MAX 64 /* bytes of one path segment */

struct collection {
	const char *name;
	enum rest_role read_role;
	enum rest_role write_role;
	rest_handler_fn *list;
	rest_handler_fn *create;
	rest_handler_fn *get;
	rest_handler_fn *update;
	rest_handler_fn *remove;
	const char *action; /* POST /<collection>/<id>/<action> */
	rest_handler_fn *run_action;
};

/*
 * Operators run machines and their interfaces; everything else that
 * changes the inventory or IPAM needs an admin. The lifecycle, power and
 * BMC routes of a machine check their own roles (http-lifecycle.c).
 */
static const struct collection collections[] = {
	{ "sites", REST_ROLE_READER, REST_ROLE_ADMIN, http_sites_list, http_sites_create,
	  http_sites_get, http_sites_update, http_sites_delete, NULL, NULL },
	{ "racks", REST_ROLE_READER, REST_ROLE_ADMIN, http_racks_list, http_racks_create,
	  http_racks_get, http_racks_update, http_racks_delete, NULL, NULL },
	{ "tags", REST_ROLE_READER, REST_ROLE_ADMIN, http_tags_list, http_tags_create,
	  http_tags_get, http_tags_update, http_tags_delete, NULL, NULL },
	{ "machines", REST_ROLE_READER, REST_ROLE_OPERATOR, http_machines_list,
	  http_machines_create, http_machines_get, http_machines_update, http_machines_delete, NULL,
	  NULL },
	{ "interfaces", REST_ROLE_READER, REST_ROLE_OPERATOR, http_interfaces_list,
	  http_interfaces_create, http_interfaces_get, http_interfaces_update,
	  http_interfaces_delete, NULL, NULL },
	{ "subnets", REST_ROLE_READER, REST_ROLE_ADMIN, http_subnets_list, http_subnets_create,
	  http_subnets_get, http_subnets_update, http_subnets_delete, "allocate",
	  http_subnets_allocate },
	{ "ranges", REST_ROLE_READER, REST_ROLE_ADMIN, http_ranges_list, http_ranges_create,
	  http_ranges_get, http_ranges_update, http_ranges_delete, "allocate",
	  http_ranges_allocate },
	{ "ip-addresses", REST_ROLE_READER, REST_ROLE_ADMIN, http_addresses_list,
	  http_addresses_create, http_addresses_get, http_addresses_update, http_addresses_delete,
	  NULL, NULL },
	{ "leases", REST_ROLE_READER, REST_ROLE_ADMIN, http_leases_list, NULL, http_leases_get,
	  NULL, http_leases_delete, NULL, NULL },
	{ "events", REST_ROLE_READER, REST_ROLE_ADMIN, http_events_list, NULL, http_events_get,
	  NULL, NULL, NULL, NULL },
	{ "tokens", REST_ROLE_ADMIN, REST_ROLE_ADMIN, http_tokens_list, http_tokens_create,
	  http_tokens_get, http_tokens_update, http_tokens_delete, NULL, NULL },
};

/* Splits "/a/b/c" into at most three segments; false on empty or over-long ones. */
static bool split_path(const char *path, char segs[3][SEGMENT_MAX + 1], size_t *ret_n)
{
	size_t n = 0;

	while (*path == '/' && path[1] != '\0') {
		const char *start = path + 1, *end = strchr(start, '/');
		size_t len = end ? (size_t)(end - start) : strlen(start);

		if (len == 0 || len > SEGMENT_MAX || n == 3)
			return false;
		memcpy(segs[n], start, len);
		segs[n][len] = '\0';
		n++;
		path = start + len;
	}
	/* One trailing slash is tolerated: /api/v1/machines/ is /api/v1/machines. */
	if (*path != '\0' && strcmp(path, "/") != 0)
		return false;
	*ret_n = n;
	return n > 0;
}

static enum MHD_Result method_not_allowed(struct rest_request *rq, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text;
	json_t *body;

	body = json_pack("{s:{s:s, s:s}}", "error", "code", "method_not_allowed", "message",
	                 "this method is not allowed on this path; see the Allow header");
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	(void)MHD_add_response_header(resp, "Content-Type", "application/json");
	(void)MHD_add_response_header(resp, "Allow", allow);
	ret = MHD_queue_response(rq->req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Parses a positive decimal id; returns 0 for other text, which the route answers with 404. */
static int64_t parse_id(const char *text)
{
	char *end;
	long long v;

	if (text[0] < '1' || text[0] > '9')
		return 0;
	v = strtoll(text, &end, 10);
	return *end == '\0' && v > 0 && v < INT64_MAX ? v : 0;
}

static bool is_read(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* Dispatches /<collection>/<id>/<action>: only POST. */
static enum MHD_Result route_action(struct rest_request *rq, const struct collection *c,
                                    const char *action)
{
	enum MHD_Result ret;

	if (c->action == NULL || strcmp(action, c->action) != 0)
		return rest_error(rq, MHD_HTTP_NOT_FOUND, "not_found", NULL, "no route for %s",
		                  rq->req->path);
	if (strcmp(rq->req->method, "POST") != 0)
		return method_not_allowed(rq, "POST");
	if (!rest_require(rq, c->write_role, &ret))
		return ret;
	if (rq->id == 0)
		return rest_not_found(rq, c->name);
	return c->run_action(rq);
}

/* Dispatches /<collection>/<id>. */
static enum MHD_Result route_item(struct rest_request *rq, const struct collection *c)
{
	const char *method = rq->req->method;
	char allow[40];
	enum MHD_Result ret;
	rest_handler_fn *fn = NULL;

	if (is_read(method))
		fn = c->get;
	else if (strcmp(method, "PATCH") == 0)
		fn = c->update;
	else if (strcmp(method, "DELETE") == 0)
		fn = c->remove;
	if (fn == NULL) {
		(void)snprintf(allow, sizeof(allow), "GET, HEAD%s%s", c->update ? ", PATCH" : "",
		               c->remove ? ", DELETE" : "");
		return method_not_allowed(rq, allow);
	}
	if (!rest_require(rq, is_read(method) ? c->read_role : c->write_role, &ret))
		return ret;
	/* Leases are named by address; every other collection by a numeric id. */
	if (rq->id == 0 && strcmp(c->name, "leases") != 0)
		return rest_not_found(rq, c->name);
	return fn(rq);
}

static enum MHD_Result route_collection(struct rest_request *rq, const struct collection *c)
{
	const char *method = rq->req->method;
	enum MHD_Result ret;
	rest_handler_fn *fn = NULL;

	if (is_read(method))
		fn = c->list;
	else if (strcmp(method, "POST") == 0)
		fn = c->create;
	if (fn == NULL)
		return method_not_allowed(rq, c->create ? "GET, HEAD, POST" : "GET, HEAD");
	if (!rest_require(rq, is_read(method) ? c->read_role : c->write_role, &ret))
		return ret;
	return fn(rq);
}

enum MHD_Result http_api_route(struct http_request *req)
{
	struct rest_request rq = { .req = req, .store = req->srv->store };
	const char *path = req->path + strlen("/api/v1");
	char segs[3][SEGMENT_MAX + 1];
	enum MHD_Result ret;
	size_t n = 0;

	if (!rest_authenticate(&rq, &ret))
		return ret;
	/* DNS records: readers may look, changes need an admin. */
	if (strncmp(path, "/dns/", 5) == 0) {
		if (!rest_require(&rq, is_read(req->method) ? REST_ROLE_READER : REST_ROLE_ADMIN,
		                  &ret))
			return ret;
		return http_dns_route(req, path);
	}
	if (!split_path(path, segs, &n))
		return rest_error(&rq, MHD_HTTP_NOT_FOUND, "not_found", NULL, "no route for %.200s",
		                  req->path);
	if (n == 1 && strcmp(segs[0], "whoami") == 0) {
		if (!is_read(req->method))
			return method_not_allowed(&rq, "GET, HEAD");
		return http_whoami(&rq);
	}
	/* Lifecycle, power and BMC routes of one machine (http-lifecycle.c). */
	if (n == 3 && strcmp(segs[0], "machines") == 0 && http_lifecycle_has_action(segs[2]))
		return http_lifecycle_route(&rq, parse_id(segs[1]), segs[2]);
	for (size_t i = 0; i < sizeof(collections) / sizeof(collections[0]); i++) {
		const struct collection *c = &collections[i];

		if (strcmp(segs[0], c->name) != 0)
			continue;
		if (n == 1)
			return route_collection(&rq, c);
		rq.id_text = segs[1];
		rq.id = parse_id(segs[1]);
		if (n == 2)
			return route_item(&rq, c);
		rq.action = segs[2];
		return route_action(&rq, c, segs[2]);
	}
	return rest_error(&rq, MHD_HTTP_NOT_FOUND, "not_found", NULL, "no route for %.200s",
	                  req->path);
}
