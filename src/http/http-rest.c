/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-rest -- conventions shared by every REST route: responses and
 * errors, query strings and pages, ETags, bodies, tokens and the audit log.
 */
#include "http/http-rest.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"

#define QUERY_PARAMS_MAX 16
#define OFFSET_MAX       1000000000LL
#define BEARER_MAX       256 /* bytes of an Authorization value we look at */

enum rest_role rest_role_from_string(const char *s)
{
	if (strcmp(s, "admin") == 0)
		return REST_ROLE_ADMIN;
	if (strcmp(s, "operator") == 0)
		return REST_ROLE_OPERATOR;
	if (strcmp(s, "reader") == 0)
		return REST_ROLE_READER;
	return REST_ROLE_NONE;
}

void rest_token_hash(const char *token, char hash_hex[REST_TOKEN_HASH_HEX + 1])
{
	unsigned char digest[REST_TOKEN_HASH_HEX / 2];

	/* Tokens carry 256 random bits, so a fast hash is enough; no password hashing. */
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)token, strlen(token),
	                   NULL, 0);
	(void)sodium_bin2hex(hash_hex, REST_TOKEN_HASH_HEX + 1, digest, sizeof(digest));
}

void rest_token_generate(char *token, size_t token_size, char hash_hex[REST_TOKEN_HASH_HEX + 1])
{
	unsigned char raw[HTTP_TOKEN_BYTES];
	char hex[2 * HTTP_TOKEN_BYTES + 1];

	randombytes_buf(raw, sizeof(raw));
	(void)sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	(void)snprintf(token, token_size, "%s%s", REST_TOKEN_PREFIX, hex);
	rest_token_hash(token, hash_hex);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(hex, sizeof(hex));
}

/* Responses */

static enum MHD_Result queue(struct rest_request *rq, unsigned status, json_t *body,
                             const char *const *headers)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text = NULL;

	if (body) {
		/* 15 significant digits print utilisation percentages as 0.39, not
		 * 0.39000000000000001. */
		text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
		json_decref(body);
		if (text == NULL)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	} else {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	}
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	if (text)
		(void)MHD_add_response_header(resp, "Content-Type", "application/json");
	(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (size_t i = 0; headers && headers[i]; i += 2)
		if (headers[i + 1])
			(void)MHD_add_response_header(resp, headers[i], headers[i + 1]);
	ret = MHD_queue_response(rq->req->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result rest_send(struct rest_request *rq, unsigned status, json_t *body, int64_t version,
                          const char *location)
{
	char etag[32];
	const char *headers[] = { "ETag", NULL, "Location", location, NULL };

	if (version > 0) {
		(void)snprintf(etag, sizeof(etag), "\"%" PRId64 "\"", version);
		headers[1] = etag;
	}
	return queue(rq, status, body, headers);
}

static json_t *error_json(const char *code, const char *field, const char *message)
{
	char text[sizeof(((struct rest_error *)NULL)->message)];
	char member[sizeof(((struct rest_error *)NULL)->field)];
	json_t *err;

	(void)snprintf(text, sizeof(text), "%s", message);
	http_make_utf8(text);
	err = json_pack("{s:s, s:s}", "code", code, "message", text);

	if (err && field && field[0]) {
		(void)snprintf(member, sizeof(member), "%s", field);
		http_make_utf8(member);
		json_object_set_new(err, "field", json_string(member));
	}
	return json_pack("{s:o}", "error", err ? err : json_object());
}

static enum MHD_Result send_error_headers(struct rest_request *rq, const struct rest_error *err,
                                          const char *const *headers)
{
	log_debug("api", "%s %s rejected status=%u code=%s peer=%s", rq->req->method, rq->req->path,
	          err->status, err->code, rq->req->peer);
	return queue(rq, err->status, error_json(err->code, err->field, err->message), headers);
}

enum MHD_Result rest_send_error(struct rest_request *rq, const struct rest_error *err)
{
	return send_error_headers(rq, err, NULL);
}

enum MHD_Result rest_error(struct rest_request *rq, unsigned status, const char *code,
                           const char *field, const char *fmt, ...)
{
	struct rest_error err = { .status = status, .code = code };
	va_list ap;

	(void)snprintf(err.field, sizeof(err.field), "%s", field ? field : "");
	va_start(ap, fmt);
	(void)vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	return rest_send_error(rq, &err);
}

enum MHD_Result rest_store_failed(struct rest_request *rq, int r, const char *what)
{
	log_error("api", "%s failed: %s: %s peer=%s", what, strerror(-r),
	          store_last_error(rq->store), rq->req->peer);
	return rest_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable", NULL,
	                  "the inventory store failed while %s; retry later", what);
}

enum MHD_Result rest_not_found(struct rest_request *rq, const char *kind)
{
	return rest_error(rq, MHD_HTTP_NOT_FOUND, "not_found", NULL, "no %s with id %.64s", kind,
	                  rq->id_text ? rq->id_text : "");
}

enum MHD_Result rest_precondition_failed(struct rest_request *rq, const char *object)
{
	return rest_error(rq, MHD_HTTP_PRECONDITION_FAILED, "precondition_failed", NULL,
	                  "%s changed since the ETag in If-Match; GET it again and retry", object);
}

enum MHD_Result rest_send_list_next(struct rest_request *rq, json_t *items, int64_t total,
                                    const struct store_page *page, json_t *next_after)
{
	bool full = (int64_t)json_array_size(items) == page->limit && json_array_size(items) > 0;
	json_t *body;

	if (!full) {
		json_decref(next_after);
		next_after = json_null();
	}
	body = json_pack("{s:o, s:I, s:I, s:I, s:o}", "items", items, "total", (json_int_t)total,
	                 "limit", (json_int_t)page->limit, "offset", (json_int_t)page->offset,
	                 "next_after", next_after ? next_after : json_null());
	return rest_send(rq, MHD_HTTP_OK, body, 0, NULL);
}

enum MHD_Result rest_send_list(struct rest_request *rq, json_t *items, int64_t total,
                               const struct store_page *page, int64_t last_key)
{
	return rest_send_list_next(rq, items, total, page, json_integer(last_key));
}

/* Query strings */

struct query_check {
	const char *const *filters;
	const char *seen[QUERY_PARAMS_MAX];
	size_t n_seen;
	struct rest_error err;
	bool failed;
};

static bool is_listed(const char *key, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(key, *list) == 0)
			return true;
	return false;
}

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	static const char *const paging[] = { "limit", "offset", "after", "order", NULL };
	struct query_check *c = cls;

	(void)kind;
	if (c->failed)
		return MHD_NO;
	if (!is_listed(key, c->filters) && !is_listed(key, paging)) {
		rest_fail(&c->err, 400, "unknown_parameter", key,
		          "unknown query parameter \"%.64s\"", key);
	} else if (value && strlen(value) > REST_QUERY_VALUE_MAX) {
		rest_fail(&c->err, 400, "invalid_parameter", key,
		          "query parameter %s is longer than %d bytes", key, REST_QUERY_VALUE_MAX);
	} else if (c->n_seen == QUERY_PARAMS_MAX) {
		rest_fail(&c->err, 400, "invalid_parameter", key, "more than %d query parameters",
		          QUERY_PARAMS_MAX);
	} else {
		for (size_t i = 0; i < c->n_seen; i++) {
			if (strcmp(c->seen[i], key) == 0) {
				rest_fail(&c->err, 400, "invalid_parameter", key,
				          "query parameter %s is given twice", key);
				c->failed = true;
				return MHD_NO;
			}
		}
		c->seen[c->n_seen++] = key;
		return MHD_YES;
	}
	c->failed = true;
	return MHD_NO;
}

const char *rest_query(struct rest_request *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->req->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Parses a decimal integer in [min, max]; false on anything else. */
static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || *s == '+' || *s == '-' || *s == ' ')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

bool rest_query_id(struct rest_request *rq, const char *key, int64_t *ret_id, enum MHD_Result *ret)
{
	const char *v = rest_query(rq, key);

	*ret_id = 0;
	if (v == NULL)
		return true;
	if (!parse_int(v, 1, INT64_MAX, ret_id)) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", key,
		                  "invalid %s \"%.64s\": expected a positive integer id", key, v);
		return false;
	}
	return true;
}

bool rest_parse_query(struct rest_request *rq, const char *const *filters, struct store_page *page,
                      enum MHD_Result *ret)
{
	struct query_check c = { .filters = filters };
	const char *v;

	(void)MHD_get_connection_values(rq->req->conn, MHD_GET_ARGUMENT_KIND, check_param, &c);
	if (c.failed) {
		*ret = rest_send_error(rq, &c.err);
		return false;
	}
	page->limit = REST_PAGE_DEFAULT;
	page->offset = 0;
	page->after = 0;
	page->descending = false;
	v = rest_query(rq, "order");
	if (v && strcmp(v, "desc") == 0) {
		page->descending = true;
	} else if (v && strcmp(v, "asc") != 0) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "order",
		                  "invalid order \"%.64s\": expected asc or desc", v);
		return false;
	}
	v = rest_query(rq, "limit");
	if (v && !parse_int(v, 1, STORE_PAGE_MAX, &page->limit)) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "limit",
		                  "invalid limit \"%.64s\": expected an integer from 1 to %d", v,
		                  STORE_PAGE_MAX);
		return false;
	}
	v = rest_query(rq, "offset");
	if (v && !parse_int(v, 0, OFFSET_MAX, &page->offset)) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "offset",
		                  "invalid offset \"%.64s\": expected an integer from 0 to %lld", v,
		                  OFFSET_MAX);
		return false;
	}
	/* A list whose cursor is not an id (leases) reads "after" itself. */
	v = rest_query(rq, "after");
	if (v && !is_listed("after", filters) && !parse_int(v, 0, INT64_MAX, &page->after)) {
		*ret = rest_error(
		        rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "after",
		        "invalid after \"%.64s\": expected the next_after of a previous page", v);
		return false;
	}
	return true;
}

bool rest_no_query(struct rest_request *rq, enum MHD_Result *ret)
{
	static const char *const none[] = { NULL };
	struct query_check c = { .filters = none };

	(void)MHD_get_connection_values(rq->req->conn, MHD_GET_ARGUMENT_KIND, check_param, &c);
	if (!c.failed && c.n_seen > 0)
		rest_fail(&c.err, 400, "unknown_parameter", c.seen[0],
		          "query parameter %s does not apply to a single object", c.seen[0]);
	if (c.failed || c.n_seen > 0) {
		*ret = rest_send_error(rq, &c.err);
		return false;
	}
	return true;
}

/* Headers and bodies */

bool rest_if_match(struct rest_request *rq, int64_t *ret_version, enum MHD_Result *ret)
{
	const char *v = MHD_lookup_connection_value(rq->req->conn, MHD_HEADER_KIND,
	                                            MHD_HTTP_HEADER_IF_MATCH);
	char digits[24];
	size_t n;

	*ret_version = 0;
	if (v == NULL)
		return true;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 1 && v[0] == '*')
		return true;
	/* Weak ETags never match under If-Match (RFC 9110 §13.1.1): version -1. */
	if (n > 2 && strncmp(v, "W/", 2) == 0) {
		*ret_version = -1;
		return true;
	}
	if (n >= 3 && n - 2 < sizeof(digits) && v[0] == '"' && v[n - 1] == '"') {
		memcpy(digits, v + 1, n - 2);
		digits[n - 2] = '\0';
		if (parse_int(digits, 1, INT64_MAX, ret_version))
			return true;
	}
	*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_header", "If-Match",
	                  "invalid If-Match %.64s: expected one ETag such as \"3\" (quotes"
	                  " included) or *",
	                  v);
	return false;
}

bool rest_require(struct rest_request *rq, enum rest_role min, enum MHD_Result *ret)
{
	static const char *const names[] = { "none", "reader", "operator", "admin" };

	if (rq->role >= min)
		return true;
	*ret = rest_error(rq, MHD_HTTP_FORBIDDEN, "forbidden", NULL,
	                  "token \"%s\" has role %s; %s %s needs role %s or above", rq->token.name,
	                  names[rq->role], rq->req->method, rq->req->path, names[min]);
	return false;
}

json_t *rest_body(struct rest_request *rq, enum MHD_Result *ret)
{
	const char *type = MHD_lookup_connection_value(rq->req->conn, MHD_HEADER_KIND,
	                                               MHD_HTTP_HEADER_CONTENT_TYPE);
	struct rest_error err;
	json_t *obj;

	if (type && strncasecmp(type, "application/json", 16) != 0) {
		*ret = rest_error(
		        rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", NULL,
		        "Content-Type %.64s is not supported: send application/json", type);
		return NULL;
	}
	obj = rest_parse_object(rq->req->body, rq->req->body_len, &err);
	if (obj == NULL)
		*ret = rest_send_error(rq, &err);
	return obj;
}

/* Audit log */

int rest_event(struct store_txn *tx, struct rest_request *rq, const char *kind, const char *object,
               const json_t *before, const json_t *after)
{
	char *before_text = NULL, *after_text = NULL;
	int r;

	if (before)
		before_text = json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS);
	if (after)
		after_text = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
	if ((before && before_text == NULL) || (after && after_text == NULL))
		r = -ENOMEM;
	else
		r = store_event_insert(tx, rq->actor, kind, object, NULL, before_text, after_text);
	free(before_text);
	free(after_text);
	return r;
}

void rest_log_change(struct rest_request *rq, const char *kind, const char *object)
{
	const char *verb = strchr(kind, '.');
	struct log_field fields[] = {
		{ "kind", kind },
		{ "actor", rq->actor },
		{ "peer", rq->req->peer },
	};

	log_fields(LOG_LEVEL_INFO, "api", fields, sizeof(fields) / sizeof(fields[0]), "%s %s",
	           object, verb ? verb + 1 : kind);
}

/* Authentication */

static enum MHD_Result unauthorized(struct rest_request *rq, const char *code, const char *message)
{
	struct rest_error err = { .status = MHD_HTTP_UNAUTHORIZED, .code = code };
	const char *headers[] = { "WWW-Authenticate", "Bearer realm=\"rackd\"", NULL };

	(void)snprintf(err.message, sizeof(err.message), "%s", message);
	return send_error_headers(rq, &err, headers);
}

bool rest_authenticate(struct rest_request *rq, enum MHD_Result *ret)
{
	const char *auth = MHD_lookup_connection_value(rq->req->conn, MHD_HEADER_KIND,
	                                               MHD_HTTP_HEADER_AUTHORIZATION);
	char hash[REST_TOKEN_HASH_HEX + 1];
	const char *token;
	int r;

	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		*ret = unauthorized(rq, "unauthorized",
		                    "this API needs an API token: send Authorization: Bearer"
		                    " <token> (create one with rackd token create)");
		return false;
	}
	token = auth + 7;
	while (*token == ' ')
		token++;
	if (strlen(token) > BEARER_MAX || token[0] == '\0') {
		*ret = unauthorized(rq, "invalid_token", "the API token is malformed");
		return false;
	}
	rest_token_hash(token, hash);
	r = store_token_authenticate(rq->store, hash, (int64_t)time(NULL), &rq->token);
	if (r == -ENOENT) {
		*ret = unauthorized(rq, "invalid_token", "the API token is unknown or revoked");
		return false;
	}
	if (r == -EKEYEXPIRED) {
		char msg[sizeof(rq->token.name) + 160];

		(void)snprintf(msg, sizeof(msg),
		               "the API token \"%s\" expired at Unix time %lld: an admin can set a "
		               "later expires or create a new token",
		               rq->token.name, (long long)rq->token.expires);
		/* Logged, so that a job still using an expired token is noticed here too. */
		if (http_warning_allowed(rq->req->srv))
			log_warning("http", "API token %s rejected: expired at %lld peer=%s",
			            rq->token.name, (long long)rq->token.expires, rq->req->peer);
		*ret = unauthorized(rq, "token_expired", msg);
		return false;
	}
	if (r < 0) {
		*ret = rest_store_failed(rq, r, "checking the API token");
		return false;
	}
	rq->role = rest_role_from_string(rq->token.role);
	(void)snprintf(rq->actor, sizeof(rq->actor), "token:%s", rq->token.name);
	return true;
}
