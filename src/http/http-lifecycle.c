/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-lifecycle -- the machine routes of the lifecycle and of BMC power:
 *
 *   GET            /api/v1/machines/{id}/lifecycle     state, stage, deadline, progress
 *   POST           /api/v1/machines/{id}/commission    {}
 *   POST           /api/v1/machines/{id}/deploy        {"image", "sha256", ...}
 *   POST           /api/v1/machines/{id}/release       {"erase": "none"|"quick"|"full"}
 *   POST           /api/v1/machines/{id}/mark-broken   {"reason"}
 *   POST           /api/v1/machines/{id}/mark-fixed    {"reason"}
 *   POST           /api/v1/machines/{id}/retire        {"reason"}
 *   GET|POST       /api/v1/machines/{id}/power         status read live | {"action", "boot"}
 *   GET|PUT|DELETE /api/v1/machines/{id}/bmc           the BMC, never its password
 *
 * A transition the state machine does not allow gets 409 with the current
 * state and the allowed ones.
 */
#include "http/http-lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bmc/bmc-seal.h"
#include "core/log.h"
#include "http/http.h"
#include "http/install-url.h"
#include "inventory/lifecycle-service.h"
#include "store/store-lifecycle.h"

#define IMAGE_NAME_MAX 128
#define REASON_MAX     200

void http_server_set_lifecycle(struct http_server *srv, struct lifecycle_service *lc)
{
	srv->lifecycle = lc;
}

static const char *const actions[] = {
	"lifecycle",  "commission", "deploy", "release", "mark-broken",
	"mark-fixed", "retire",     "power",  "bmc",     NULL,
};

bool http_lifecycle_has_action(const char *action)
{
	for (const char *const *a = actions; *a; a++)
		if (strcmp(*a, action) == 0)
			return true;
	return false;
}

static bool is_method(struct rest_request *rq, const char *method)
{
	return strcmp(rq->req->method, method) == 0;
}

static enum MHD_Result wrong_method(struct rest_request *rq, const char *allow)
{
	return rest_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", NULL,
	                  "use %s on %s", allow, rq->req->path);
}

/* Parses the body as an object; an empty body is an empty object. */
static json_t *body_or_empty(struct rest_request *rq, enum MHD_Result *ret)
{
	if (rq->req->body_len == 0)
		return json_object();
	return rest_body(rq, ret);
}

/* Reads an optional string member no longer than max; queues a 400 when it is not one. */
static bool opt_string(struct rest_request *rq, json_t *obj, const char *key, size_t max,
                       const char **ret_value, enum MHD_Result *ret)
{
	json_t *v = json_object_get(obj, key);

	*ret_value = NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_string(v) || strlen(json_string_value(v)) > max) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", key,
		                  "%s must be a string of at most %zu bytes", key, max);
		return false;
	}
	*ret_value = json_string_value(v);
	return true;
}

/* Rejects members not in allowed (NULL-terminated). */
static bool only_members(struct rest_request *rq, json_t *obj, const char *const *allowed,
                         enum MHD_Result *ret)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, key) != 0)
			a++;
		if (*a == NULL) {
			*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "unknown_field", key,
			                  "unknown member \"%.64s\" in the request body", key);
			return false;
		}
	}
	return true;
}

static json_t *lifecycle_json(const struct store_lifecycle *lc)
{
	enum lifecycle_state s = LIFECYCLE_NEW;
	char allowed[LIFECYCLE_ALLOWED_MAX];
	json_t *task = json_loads(lc->task ? lc->task : "{}", 0, NULL);
	json_t *list = json_array();

	(void)lifecycle_state_parse(lc->state, &s);
	(void)lifecycle_allowed_text(s, allowed, sizeof(allowed));
	for (int t = 0; t < LIFECYCLE_N_STATES; t++)
		if (lifecycle_transition_allowed(s, (enum lifecycle_state)t))
			json_array_append_new(
			        list, json_string(lifecycle_state_name((enum lifecycle_state)t)));
	/* The user data may hold secrets meant for the deployed system only. */
	if (json_is_object(task))
		json_object_del(task, "user_data");
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:o, s:s, s:I, s:o, s:o}", "machine_id",
	                 (json_int_t)lc->machine_id, "state", lc->state, "stage", lc->stage,
	                 "since", (json_int_t)lc->since, "deadline", (json_int_t)lc->deadline,
	                 "reason", lc->reason, "progress",
	                 lc->progress < 0 ? json_null() : json_integer(lc->progress),
	                 "progress_message", lc->progress_message, "progress_updated",
	                 (json_int_t)lc->progress_updated, "allowed", list, "task",
	                 json_is_object(task) ? task : json_object());
}

/* Queues 200 with the machine's lifecycle, or 404. */
static enum MHD_Result send_lifecycle(struct rest_request *rq, int64_t id, unsigned status)
{
	struct store_lifecycle lc;
	struct store_txn *tx;
	enum MHD_Result ret;
	int r;

	r = store_txn_begin(rq->store, false, &tx);
	if (r < 0)
		return rest_store_failed(rq, r, "lifecycle read");
	r = store_lifecycle_get(tx, id, &lc);
	store_txn_abort(tx);
	if (r == -ENOENT)
		return rest_not_found(rq, "machine");
	if (r < 0)
		return rest_store_failed(rq, r, "lifecycle read");
	ret = rest_send(rq, status, lifecycle_json(&lc), 0, NULL);
	store_lifecycle_done(&lc);
	return ret;
}

/* Queues the response to the outcome of lifecycle_change(). */
static enum MHD_Result answer_change(struct rest_request *rq, int64_t id, const char *verb, int r,
                                     const struct lifecycle_refusal *refusal)
{
	json_t *body;

	if (r == -ENOENT)
		return rest_not_found(rq, "machine");
	if (r == -EPERM) {
		body = json_pack("{s:{s:s, s:o, s:s, s:s}}", "error", "code", "invalid_transition",
		                 "message",
		                 json_sprintf("machine %" PRId64
		                              " is %s: %s is not allowed; allowed next states: %s",
		                              id, lifecycle_state_name(refusal->from), verb,
		                              refusal->allowed),
		                 "state", lifecycle_state_name(refusal->from), "allowed",
		                 refusal->allowed);
		return rest_send(rq, MHD_HTTP_CONFLICT, body, 0, NULL);
	}
	if (r < 0)
		return rest_store_failed(rq, r, "lifecycle change");
	return send_lifecycle(rq, id, MHD_HTTP_ACCEPTED);
}

static enum MHD_Result change(struct rest_request *rq, int64_t id, enum lifecycle_state to,
                              const char *verb, const char *reason, const char *task)
{
	struct lifecycle_refusal refusal;
	int r;

	r = lifecycle_change(rq->req->srv->lifecycle, id, to, rq->actor, reason, task, &refusal);
	return answer_change(rq, id, verb, r, &refusal);
}

/* commission, mark-broken, mark-fixed, retire: a body with an optional (or required) reason. */
static enum MHD_Result run_simple(struct rest_request *rq, int64_t id, const char *verb)
{
	static const char *const members[] = { "reason", NULL };
	enum lifecycle_state to;
	const char *reason;
	enum MHD_Result ret;
	json_t *body;

	body = body_or_empty(rq, &ret);
	if (body == NULL)
		return ret;
	if (!only_members(rq, body, members, &ret) ||
	    !opt_string(rq, body, "reason", REASON_MAX, &reason, &ret)) {
		json_decref(body);
		return ret;
	}
	if (strcmp(verb, "mark-broken") == 0 && (reason == NULL || reason[0] == '\0')) {
		json_decref(body);
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "missing_field", "reason",
		                  "mark-broken needs a reason");
	}
	if (strcmp(verb, "commission") == 0)
		to = LIFECYCLE_COMMISSIONING;
	else if (strcmp(verb, "mark-broken") == 0)
		to = LIFECYCLE_BROKEN;
	else if (strcmp(verb, "mark-fixed") == 0)
		to = LIFECYCLE_READY;
	else
		to = LIFECYCLE_RETIRED;
	ret = change(rq, id, to, verb, reason ? reason : verb,
	             to == LIFECYCLE_COMMISSIONING ? "{}" : NULL);
	json_decref(body);
	return ret;
}

static enum MHD_Result run_release(struct rest_request *rq, int64_t id)
{
	static const char *const members[] = { "erase", "reason", NULL };
	const char *erase, *reason;
	enum MHD_Result ret;
	json_t *body, *task;
	char *text;

	body = body_or_empty(rq, &ret);
	if (body == NULL)
		return ret;
	if (!only_members(rq, body, members, &ret) ||
	    !opt_string(rq, body, "erase", 8, &erase, &ret) ||
	    !opt_string(rq, body, "reason", REASON_MAX, &reason, &ret)) {
		json_decref(body);
		return ret;
	}
	if (erase && strcmp(erase, "none") != 0 && strcmp(erase, "quick") != 0 &&
	    strcmp(erase, "full") != 0) {
		/* erase points into body, so body is freed after the reply is built. */
		ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "erase",
		                 "invalid erase \"%.16s\": expected none, quick or full", erase);
		json_decref(body);
		return ret;
	}
	if (erase == NULL || strcmp(erase, "none") == 0)
		task = json_pack("{s:s}", "action", "none");
	else
		task = json_pack("{s:s, s:s}", "action", "erase", "mode", erase);
	text = task ? json_dumps(task, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(task);
	ret = text ? change(rq, id, LIFECYCLE_RELEASING, "release", reason ? reason : "release",
	                    text)
	           : MHD_NO;
	free(text);
	json_decref(body);
	return ret;
}

enum MHD_Result http_lifecycle_route(struct rest_request *rq, int64_t id, const char *action)
{
	enum MHD_Result ret;
	bool read = is_method(rq, "GET") || is_method(rq, "HEAD");

	if (id <= 0)
		return rest_not_found(rq, "machine");
	if (rq->req->srv->lifecycle == NULL)
		return rest_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "lifecycle_unavailable", NULL,
		                  "the lifecycle service is not running");
	if (strcmp(action, "power") == 0)
		return http_power_route(rq, id);
	if (strcmp(action, "bmc") == 0)
		return http_bmc_route(rq, id);
	if (strcmp(action, "lifecycle") == 0) {
		if (!read)
			return wrong_method(rq, "GET");
		if (!rest_require(rq, REST_ROLE_READER, &ret))
			return ret;
		return send_lifecycle(rq, id, MHD_HTTP_OK);
	}
	if (!is_method(rq, "POST"))
		return wrong_method(rq, "POST");
	if (!rest_require(rq, REST_ROLE_OPERATOR, &ret))
		return ret;
	if (strcmp(action, "deploy") == 0)
		return http_deploy_start(rq, id);
	if (strcmp(action, "release") == 0)
		return run_release(rq, id);
	return run_simple(rq, id, action);
}

/* Deploy */

static bool valid_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static bool valid_plain_name(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len == 0 || len > max || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* The image directory from the config, or <data_dir>/images. */
void http_image_dir(const struct config *cfg, char *buf, size_t size)
{
	if (cfg->lifecycle_image_dir[0])
		(void)snprintf(buf, size, "%s", cfg->lifecycle_image_dir);
	else
		(void)snprintf(buf, size, "%s/images", cfg->data_dir);
}

/*
 * Resolves the image member: a name in the image directory becomes
 * <public_url>/images/<name> with its size; an http:// URL is taken as it
 * is (the agent has no TLS). Queues a 400/422 on failure.
 */
static bool resolve_image(struct rest_request *rq, const char *image, json_t *task,
                          enum MHD_Result *ret)
{
	const struct config *cfg = rq->req->srv->cfg;
	char dir[CONFIG_PATH_MAX], path[CONFIG_PATH_MAX + IMAGE_NAME_MAX + 2];
	struct stat st;

	if (strncmp(image, "http://", 7) == 0) {
		json_object_set_new(task, "image_url", json_string(image));
		return true;
	}
	if (!valid_plain_name(image, IMAGE_NAME_MAX)) {
		*ret = rest_error(
		        rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "image",
		        "image must be an http:// URL or a file name in the image directory (letters, digits, '.', '_', '-')");
		return false;
	}
	http_image_dir(cfg, dir, sizeof(dir));
	(void)snprintf(path, sizeof(path), "%s/%s", dir, image);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		*ret = rest_error(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, "image_not_found", "image",
		                  "no image \"%s\" in the image directory %s", image, dir);
		return false;
	}
	json_object_set_new(task, "image_url",
	                    json_sprintf("%s/images/%s", cfg->http_public_url, image));
	json_object_set_new(task, "size", json_integer((json_int_t)st.st_size));
	return true;
}

/*
 * True when s has a control byte or a Unicode line break (U+0085, U+2028,
 * U+2029 in UTF-8), which no OpenSSH public key line contains and which
 * some parsers of the rendered files would take as a new line.
 */
static bool has_control(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return true;
		if (c == 0xc2 && (unsigned char)s[1] == 0x85)
			return true;
		if (c == 0xe2 && (unsigned char)s[1] == 0x80 &&
		    ((unsigned char)s[2] == 0xa8 || (unsigned char)s[2] == 0xa9))
			return true;
	}
	return false;
}

static bool read_ssh_keys(struct rest_request *rq, json_t *body, json_t *task, enum MHD_Result *ret)
{
	json_t *keys = json_object_get(body, "ssh_keys"), *v;
	size_t i;

	if (keys == NULL)
		return true;
	if (!json_is_array(keys) || json_array_size(keys) > 32) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "ssh_keys",
		                  "ssh_keys must be an array of at most 32 public keys");
		return false;
	}
	json_array_foreach(keys, i, v) {
		const char *k = json_string_value(v);

		if (k == NULL || strlen(k) > 16384 || has_control(k) ||
		    (strncmp(k, "ssh-", 4) != 0 && strncmp(k, "ecdsa-", 6) != 0 &&
		     strncmp(k, "sk-", 3) != 0)) {
			*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "ssh_keys",
			                  "ssh_keys[%zu] is not one OpenSSH public key line", i);
			return false;
		}
	}
	json_object_set(task, "ssh_keys", keys);
	return true;
}

/* Image deployment: image and sha256 required, disk optional. */
static bool decode_image_deploy(struct rest_request *rq, json_t *body, json_t *task,
                                enum MHD_Result *ret)
{
	static const char *const installer_only[] = { "mirror", "proxy", "ntp_server", NULL };
	const char *image, *sha256, *disk;

	for (const char *const *key = installer_only; *key; key++) {
		if (json_object_get(body, *key) != NULL) {
			*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", *key,
			                  "%s applies only to an installer deploy", *key);
			return false;
		}
	}
	if (!opt_string(rq, body, "image", 512, &image, ret) ||
	    !opt_string(rq, body, "sha256", 64, &sha256, ret) ||
	    !opt_string(rq, body, "disk", 32, &disk, ret))
		return false;
	if (image == NULL || sha256 == NULL || !valid_hex64(sha256)) {
		*ret = rest_error(
		        rq, MHD_HTTP_BAD_REQUEST, "missing_field",
		        image == NULL ? "image" : "sha256",
		        "deploy needs image (a name or http:// URL) and sha256 (64 lower-case hex digits)");
		return false;
	}
	if (disk && !valid_plain_name(disk, 32)) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "disk",
		                  "disk must be a block device name such as vda or sda");
		return false;
	}
	json_object_set_new(task, "method", json_string("image"));
	json_object_set_new(task, "sha256", json_string(sha256));
	if (disk)
		json_object_set_new(task, "disk", json_string(disk));
	return resolve_image(rq, image, task, ret);
}

/* Reads an optional http:// or https:// URL member; queues a 400 naming the value when invalid. */
static bool opt_url(struct rest_request *rq, json_t *body, const char *key, const char **ret_value,
                    enum MHD_Result *ret)
{
	struct install_url url;

	if (!opt_string(rq, body, key, INSTALL_URL_MAX - 1, ret_value, ret))
		return false;
	if (*ret_value == NULL || install_url_parse(*ret_value, &url) == 0)
		return true;
	*ret = rest_error(
	        rq, MHD_HTTP_BAD_REQUEST, "invalid_field", key,
	        "invalid %s \"%.200s\": expected http://HOST[:PORT][/PATH] or https://..., where HOST is a DNS name, an IPv4 address or [IPv6 address] and PATH has only letters, digits and /._~%%+- (no user name, password, query or fragment)",
	        key, *ret_value);
	return false;
}

/*
 * The package source members of an installer deploy: mirror and proxy
 * (URLs) and ntp_server (a DNS name or IPv4 address).
 */
static bool decode_installer_sources(struct rest_request *rq, json_t *body, const char *installer,
                                     json_t *task, enum MHD_Result *ret)
{
	const char *mirror, *proxy, *ntp;

	if (!opt_url(rq, body, "mirror", &mirror, ret) ||
	    !opt_url(rq, body, "proxy", &proxy, ret) ||
	    !opt_string(rq, body, "ntp_server", 253, &ntp, ret))
		return false;
	if (ntp && !rest_valid_dns_name(ntp)) {
		*ret = rest_error(
		        rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "ntp_server",
		        "invalid ntp_server \"%.200s\": expected a DNS name or IPv4 address", ntp);
		return false;
	}
	/* Kickstart sets a proxy only as an option of its url command. */
	if (proxy && mirror == NULL && strcmp(installer, "rhel") == 0) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "missing_field", "mirror",
		                  "a rhel (kickstart) deploy with a proxy needs a mirror too");
		return false;
	}
	if (mirror)
		json_object_set_new(task, "mirror", json_string(mirror));
	if (proxy)
		json_object_set_new(task, "proxy", json_string(proxy));
	if (ntp)
		json_object_set_new(task, "ntp_server", json_string(ntp));
	return true;
}

/*
 * Installer deployment: installer, kernel and initrd (paths below boot_dir),
 * plus the optional package sources.
 */
static bool decode_installer_deploy(struct rest_request *rq, json_t *body, json_t *task,
                                    enum MHD_Result *ret)
{
	const char *installer, *kernel, *initrd;

	if (!opt_string(rq, body, "installer", 16, &installer, ret) ||
	    !opt_string(rq, body, "kernel", 200, &kernel, ret) ||
	    !opt_string(rq, body, "initrd", 200, &initrd, ret))
		return false;
	if (installer == NULL ||
	    (strcmp(installer, "debian") != 0 && strcmp(installer, "ubuntu") != 0 &&
	     strcmp(installer, "rhel") != 0)) {
		*ret = rest_error(
		        rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "installer",
		        "invalid installer \"%s\": expected debian (preseed), ubuntu (autoinstall) or rhel (kickstart)",
		        installer ? installer : "");
		return false;
	}
	if (kernel == NULL || initrd == NULL || strstr(kernel, "..") || strstr(initrd, "..")) {
		*ret = rest_error(
		        rq, MHD_HTTP_BAD_REQUEST, "missing_field", "kernel",
		        "an installer deploy needs kernel and initrd paths below boot_dir");
		return false;
	}
	json_object_set_new(task, "method", json_string("installer"));
	json_object_set_new(task, "installer", json_string(installer));
	json_object_set_new(task, "kernel", json_string(kernel));
	json_object_set_new(task, "initrd", json_string(initrd));
	return decode_installer_sources(rq, body, installer, task, ret);
}

static json_t *decode_deploy(struct rest_request *rq, json_t *body, enum MHD_Result *ret)
{
	static const char *const members[] = { "image",    "sha256",    "disk",      "hostname",
		                               "ssh_keys", "user_data", "installer", "kernel",
		                               "initrd",   "mirror",    "proxy",     "ntp_server",
		                               "reason",   NULL };
	json_t *task = json_pack("{s:s}", "action", "deploy");
	const char *hostname, *user_data;
	bool ok;

	if (task == NULL)
		return NULL;
	ok = only_members(rq, body, members, ret) &&
	     opt_string(rq, body, "hostname", 63, &hostname, ret) &&
	     opt_string(rq, body, "user_data", 65536, &user_data, ret) &&
	     read_ssh_keys(rq, body, task, ret);
	if (ok && json_object_get(body, "installer"))
		ok = decode_installer_deploy(rq, body, task, ret);
	else if (ok)
		ok = decode_image_deploy(rq, body, task, ret);
	if (ok && hostname && !rest_valid_hostname(hostname)) {
		*ret = rest_error(
		        rq, MHD_HTTP_BAD_REQUEST, "invalid_field", "hostname",
		        "hostname must be one DNS label of lower-case letters, digits and inner hyphens");
		ok = false;
	}
	if (ok && hostname)
		json_object_set_new(task, "hostname", json_string(hostname));
	if (ok && user_data)
		json_object_set_new(task, "user_data", json_string(user_data));
	if (!ok) {
		json_decref(task);
		return NULL;
	}
	return task;
}

enum MHD_Result http_deploy_start(struct rest_request *rq, int64_t id)
{
	const char *reason = NULL;
	enum MHD_Result ret;
	json_t *body, *task;
	char *text;

	body = rest_body(rq, &ret);
	if (body == NULL)
		return ret;
	task = decode_deploy(rq, body, &ret);
	if (task == NULL || !opt_string(rq, body, "reason", REASON_MAX, &reason, &ret)) {
		json_decref(task);
		json_decref(body);
		return ret;
	}
	text = json_dumps(task, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(task);
	ret = text ? change(rq, id, LIFECYCLE_DEPLOYING, "deploy", reason ? reason : "deploy", text)
	           : MHD_NO;
	free(text);
	json_decref(body);
	return ret;
}
