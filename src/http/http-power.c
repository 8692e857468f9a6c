/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-power -- a machine's BMC (set, read without the password, delete)
 * and its power: status read live from the BMC, and on, off, soft-off and
 * cycle actions. BMC failures get 502 (the BMC refused the login or
 * failed), 504 (it did not answer) or 503 (every BMC session slot is
 * taken); the machine's power state is then recorded as unknown with the
 * error.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc/bmc-seal.h"
#include "core/log.h"
#include "http/http-lifecycle.h"
#include "inventory/lifecycle-service.h"
#include "store/store-lifecycle.h"

/*
 * IPMI 2.0 limits of a user name and a password, in bytes (libfreeipmi's
 * IPMI_MAX_USER_NAME_LENGTH and IPMI_2_0_MAX_PASSWORD_LENGTH). libfreeipmi
 * rejects longer ones at every login with "invalid parameters".
 */
#define IPMI_USER_MAX     16
#define IPMI_PASSWORD_MAX 20

static enum MHD_Result wrong_method(struct rest_request *rq, const char *allow)
{
	return rest_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", NULL,
	                  "use %s on %s", allow, rq->req->path);
}

/* Queues the response to a failed BMC call: the error shape plus "power": "unknown". */
static enum MHD_Result bmc_failed(struct rest_request *rq, int r, const struct bmc_error *err)
{
	unsigned status = MHD_HTTP_BAD_GATEWAY;
	const char *code = "bmc_error";
	json_t *body;

	switch (r) {
	case -ENODEV:
		status = MHD_HTTP_CONFLICT;
		code = "no_bmc";
		break;
	case -EBUSY:
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
		code = "bmc_busy";
		break;
	case -EACCES:
	case -EPERM:
		code = "bmc_auth_failed";
		break;
	case -ETIMEDOUT:
	case -ECONNREFUSED:
	case -EHOSTUNREACH:
		status = MHD_HTTP_GATEWAY_TIMEOUT;
		code = "bmc_unreachable";
		break;
	case -ENOTSUP:
		code = "bmc_unsupported";
		break;
	default:
		break;
	}
	body = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code, "message", err->message,
	                 "power", "unknown");
	return rest_send(rq, status, body, 0, NULL);
}

static enum MHD_Result get_power(struct rest_request *rq, int64_t id)
{
	struct bmc_error err = { 0 };
	enum bmc_power power;
	int r;

	r = lifecycle_power_status(rq->req->srv->lifecycle, id, &power, &err);
	if (r < 0)
		return bmc_failed(rq, r, &err);
	return rest_send(rq, MHD_HTTP_OK,
	                 json_pack("{s:I, s:s}", "machine_id", (json_int_t)id, "power",
	                           bmc_power_name(power)),
	                 0, NULL);
}

static enum MHD_Result post_power(struct rest_request *rq, int64_t id)
{
	enum bmc_boot_device boot;
	struct bmc_error err = { 0 };
	enum bmc_action action;
	enum bmc_power power;
	const char *action_text, *boot_text;
	enum MHD_Result ret;
	json_t *body;
	int r;

	body = rest_body(rq, &ret);
	if (body == NULL)
		return ret;
	action_text = json_string_value(json_object_get(body, "action"));
	boot_text = json_string_value(json_object_get(body, "boot"));
	if (action_text == NULL || bmc_action_parse(action_text, &action) < 0) {
		json_decref(body);
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "action",
		                  "action must be on, off, soft-off or cycle");
	}
	if ((json_object_get(body, "boot") && boot_text == NULL) ||
	    (boot_text && bmc_boot_device_parse(boot_text, &boot) < 0) ||
	    json_object_size(body) > (json_object_get(body, "boot") ? 2u : 1u)) {
		json_decref(body);
		return rest_error(
		        rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "boot",
		        "the body takes action and an optional boot (pxe or disk), nothing else");
	}
	json_decref(body);
	r = lifecycle_power_action(rq->req->srv->lifecycle, id, action, boot_text ? &boot : NULL,
	                           rq->actor, &power, &err);
	if (r < 0)
		return bmc_failed(rq, r, &err);
	return rest_send(rq, MHD_HTTP_OK,
	                 json_pack("{s:I, s:s, s:s}", "machine_id", (json_int_t)id, "action",
	                           bmc_action_name(action), "power", bmc_power_name(power)),
	                 0, NULL);
}

enum MHD_Result http_power_route(struct rest_request *rq, int64_t id)
{
	enum MHD_Result ret;

	if (strcmp(rq->req->method, "GET") == 0 || strcmp(rq->req->method, "HEAD") == 0) {
		if (!rest_require(rq, REST_ROLE_READER, &ret))
			return ret;
		return get_power(rq, id);
	}
	if (strcmp(rq->req->method, "POST") != 0)
		return wrong_method(rq, "GET, POST");
	if (!rest_require(rq, REST_ROLE_OPERATOR, &ret))
		return ret;
	return post_power(rq, id);
}

static json_t *bmc_json(const struct store_bmc *b)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:s, s:s, s:I, s:I}", "machine_id",
	                 (json_int_t)b->machine_id, "type", b->type, "address", b->address,
	                 "username", b->username, "password_set", b->secret[0] != '\0',
	                 "power_state", b->power_state, "power_error", b->power_error,
	                 "power_checked", (json_int_t)b->power_checked, "updated",
	                 (json_int_t)b->updated);
}

static enum MHD_Result get_bmc(struct rest_request *rq, int64_t id)
{
	struct store_bmc b;
	json_t *body;
	struct store_txn *tx;
	int r;

	r = store_txn_begin(rq->store, false, &tx);
	if (r < 0)
		return rest_store_failed(rq, r, "bmc read");
	r = store_bmc_get(tx, id, &b);
	store_txn_abort(tx);
	if (r == -ENOENT)
		return rest_error(rq, MHD_HTTP_NOT_FOUND, "not_found", NULL,
		                  "machine %" PRId64 " has no BMC (or does not exist)", id);
	if (r < 0)
		return rest_store_failed(rq, r, "bmc read");
	body = bmc_json(&b);
	sodium_memzero(b.secret, sizeof(b.secret));
	return rest_send(rq, MHD_HTTP_OK, body, 0, NULL);
}

/* Reads and checks a PUT body into *b, sealing the password. Queues a 4xx on failure. */
static bool decode_bmc(struct rest_request *rq, int64_t id, json_t *body, struct store_bmc *b,
                       enum MHD_Result *ret)
{
	const char *type = json_string_value(json_object_get(body, "type"));
	const char *address = json_string_value(json_object_get(body, "address"));
	const char *user = json_string_value(json_object_get(body, "username"));
	const char *password = json_string_value(json_object_get(body, "password"));
	struct bmc_error err = { 0 };
	enum bmc_type t;
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v) {
		if (strcmp(key, "type") && strcmp(key, "address") && strcmp(key, "username") &&
		    strcmp(key, "password")) {
			*ret = rest_error(
			        rq, MHD_HTTP_BAD_REQUEST, "unknown_field", key,
			        "unknown member \"%.64s\": a BMC has type, address, username and password",
			        key);
			return false;
		}
	}
	for (size_t i = 0; i < 2; i++) {
		const char *member = i == 0 ? "username" : "password";
		json_t *value = json_object_get(body, member);

		if (value && !json_is_string(value) && !json_is_null(value)) {
			*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_type", member,
			                  "%s must be a string or null", member);
			return false;
		}
	}
	if (type == NULL || bmc_type_parse(type, &t) < 0) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "type",
		                  "type must be ipmi, redfish or qemu");
		return false;
	}
	if (address == NULL || bmc_address_check(t, address, &err) < 0) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "address", "%s",
		                  address ? err.message : "address is required");
		return false;
	}
	if ((user && strlen(user) >= sizeof(b->username)) ||
	    (password && strlen(password) >= BMC_PASSWORD_MAX)) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field",
		                  password && strlen(password) >= BMC_PASSWORD_MAX ? "password"
		                                                                   : "username",
		                  "username must be under %zu bytes and password under %d bytes",
		                  sizeof(b->username), BMC_PASSWORD_MAX);
		return false;
	}
	if (t == BMC_TYPE_IPMI && ((user && strlen(user) > IPMI_USER_MAX) ||
	                           (password && strlen(password) > IPMI_PASSWORD_MAX))) {
		*ret = rest_error(
		        rq, MHD_HTTP_BAD_REQUEST, "invalid_field",
		        user && strlen(user) > IPMI_USER_MAX ? "username" : "password",
		        "an IPMI username is at most %d bytes and a password at most %d bytes",
		        IPMI_USER_MAX, IPMI_PASSWORD_MAX);
		return false;
	}
	memset(b, 0, sizeof(*b));
	b->machine_id = id;
	(void)snprintf(b->type, sizeof(b->type), "%s", type);
	(void)snprintf(b->address, sizeof(b->address), "%s", address);
	(void)snprintf(b->username, sizeof(b->username), "%s", user ? user : "");
	if (password && password[0] &&
	    lifecycle_seal_password(rq->req->srv->lifecycle, id, password, b->secret,
	                            sizeof(b->secret)) < 0) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "password",
		                  "password is too long to seal");
		return false;
	}
	return true;
}

static enum MHD_Result put_bmc(struct rest_request *rq, int64_t id)
{
	struct store_bmc b;
	struct store_txn *tx;
	char object[32], detail[STORE_BMC_ADDRESS_MAX + STORE_BMC_USER_MAX + 64];
	enum MHD_Result ret;
	json_t *body;
	int r;

	body = rest_body(rq, &ret);
	if (body == NULL)
		return ret;
	if (!decode_bmc(rq, id, body, &b, &ret)) {
		json_decref(body);
		return ret;
	}
	/* The clear password lives in the body's string: wipe it before it is freed. */
	if (json_string_value(json_object_get(body, "password")))
		sodium_memzero(
		        (char *)(uintptr_t)json_string_value(json_object_get(body, "password")),
		        strlen(json_string_value(json_object_get(body, "password"))));
	json_decref(body);
	r = store_txn_begin(rq->store, true, &tx);
	if (r < 0)
		return rest_store_failed(rq, r, "bmc write");
	r = store_bmc_put(tx, &b);
	if (r == 0) {
		(void)snprintf(object, sizeof(object), "machine/%" PRId64, id);
		(void)snprintf(detail, sizeof(detail), "type=%s address=%s username=%s", b.type,
		               b.address, b.username);
		r = store_event_insert(tx, rq->actor, "machine.bmc_set", object, detail, NULL,
		                       NULL);
	}
	if (r == 0)
		r = store_txn_commit(tx);
	else
		store_txn_abort(tx);
	if (r == -ENOENT)
		return rest_not_found(rq, "machine");
	if (r < 0)
		return rest_store_failed(rq, r, "bmc write");
	rest_log_change(rq, "machine.bmc_set", object);
	return get_bmc(rq, id);
}

static enum MHD_Result delete_bmc(struct rest_request *rq, int64_t id)
{
	struct store_txn *tx;
	char object[32];
	int r;

	r = store_txn_begin(rq->store, true, &tx);
	if (r < 0)
		return rest_store_failed(rq, r, "bmc delete");
	r = store_bmc_delete(tx, id);
	(void)snprintf(object, sizeof(object), "machine/%" PRId64, id);
	if (r == 0)
		r = store_event_insert(tx, rq->actor, "machine.bmc_deleted", object, NULL, NULL,
		                       NULL);
	if (r == 0)
		r = store_txn_commit(tx);
	else
		store_txn_abort(tx);
	if (r == -ENOENT)
		return rest_error(rq, MHD_HTTP_NOT_FOUND, "not_found", NULL,
		                  "machine %" PRId64 " has no BMC", id);
	if (r < 0)
		return rest_store_failed(rq, r, "bmc delete");
	rest_log_change(rq, "machine.bmc_deleted", object);
	return rest_send(rq, MHD_HTTP_NO_CONTENT, NULL, 0, NULL);
}

enum MHD_Result http_bmc_route(struct rest_request *rq, int64_t id)
{
	const char *method = rq->req->method;
	enum MHD_Result ret;

	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		if (!rest_require(rq, REST_ROLE_READER, &ret))
			return ret;
		return get_bmc(rq, id);
	}
	if (strcmp(method, "PUT") != 0 && strcmp(method, "DELETE") != 0)
		return wrong_method(rq, "GET, PUT, DELETE");
	if (!rest_require(rq, REST_ROLE_OPERATOR, &ret))
		return ret;
	return strcmp(method, "PUT") == 0 ? put_bmc(rq, id) : delete_bmc(rq, id);
}
