/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bmc-redfish -- Redfish (DMTF DSP0266) power control with libcurl: the
 * first member of /redfish/v1/Systems, its PowerState, the
 * ComputerSystem.Reset action, and a one-time Boot override through PATCH.
 * Authentication is HTTP basic, or a session from SessionService (the
 * X-Auth-Token header) that is deleted again at the end of the call.
 * Redirects are not followed, so credentials only go to the configured host.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bmc/bmc-internal.h"
#include "bmc/redfish-json.h"

#define TOKEN_HEADER_MAX 600

struct rf_buf {
	char *data;
	size_t len;
	bool too_large;
};

struct rf {
	CURL *curl;
	const struct bmc_target *t;
	char token_header[TOKEN_HEADER_MAX]; /* "X-Auth-Token: ..." once logged in */
	char session_path[REDFISH_PATH_MAX]; /* to delete at the end, "" when none */
	char system_path[REDFISH_PATH_MAX];
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct rf_buf *b = userdata;
	size_t n = size * nmemb;
	char *p;

	if (b->too_large || n > REDFISH_BODY_MAX - b->len) {
		b->too_large = true;
		return 0;
	}
	p = realloc(b->data, b->len + n + 1);
	if (p == NULL)
		return 0;
	memcpy(p + b->len, ptr, n);
	b->len += n;
	p[b->len] = '\0';
	b->data = p;
	return n;
}

/* Captures X-Auth-Token and Location of the session login answer. */
struct rf_headers {
	char token[TOKEN_HEADER_MAX - 16];
	char location[REDFISH_PATH_MAX];
};

static void header_value(const char *line, size_t len, size_t name_len, char *out, size_t size)
{
	const char *v = line + name_len;
	size_t vlen = len - name_len;

	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	if (vlen < size) {
		memcpy(out, v, vlen);
		out[vlen] = '\0';
	}
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	struct rf_headers *h = userdata;
	size_t len = size * nmemb;

	if (len > 13 && strncasecmp(line, "X-Auth-Token:", 13) == 0)
		header_value(line, len, 13, h->token, sizeof(h->token));
	else if (len > 9 && strncasecmp(line, "Location:", 9) == 0)
		header_value(line, len, 9, h->location, sizeof(h->location));
	return len;
}

static int curl_fail(CURLcode rc, struct bmc_error *err)
{
	int code;

	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		code = -ETIMEDOUT;
		break;
	case CURLE_COULDNT_CONNECT:
		code = -ECONNREFUSED;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		code = -EHOSTUNREACH;
		break;
	case CURLE_OUT_OF_MEMORY:
		code = -ENOMEM;
		break;
	default:
		code = -EPROTO;
		break;
	}
	return bmc_fail(err, code, "Redfish request failed: %s", curl_easy_strerror(rc));
}

/*
 * Sends method path (a service path) with an optional JSON body; writes the
 * answer body (caller frees; may be NULL) and fills *headers when given.
 * Statuses 401 and 403 become -EACCES, other statuses from 400 -EPROTO.
 */
static int rf_request(struct rf *rf, const char *method, const char *path, const char *body,
                      char **ret_body, struct rf_headers *headers, struct bmc_error *err)
{
	struct curl_slist *list = NULL;
	struct rf_buf buf = { 0 };
	char url[BMC_ADDRESS_MAX + REDFISH_PATH_MAX];
	const char *base = rf->t->address;
	size_t base_len = strlen(base);
	long status = 0;
	CURLcode rc;
	int r = 0;

	while (base_len > 0 && base[base_len - 1] == '/')
		base_len--;
	(void)snprintf(url, sizeof(url), "%.*s%s", (int)base_len, base, path);
	curl_easy_reset(rf->curl);
	list = curl_slist_append(list, "Accept: application/json");
	if (body)
		list = curl_slist_append(list, "Content-Type: application/json");
	if (rf->token_header[0])
		list = curl_slist_append(list, rf->token_header);
	(void)curl_easy_setopt(rf->curl, CURLOPT_URL, url);
	(void)curl_easy_setopt(rf->curl, CURLOPT_CUSTOMREQUEST, method);
	(void)curl_easy_setopt(rf->curl, CURLOPT_HTTPHEADER, list);
	(void)curl_easy_setopt(rf->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(rf->curl, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(rf->curl, CURLOPT_TIMEOUT_MS, (long)rf->t->timeout_ms);
	(void)curl_easy_setopt(rf->curl, CURLOPT_SSL_VERIFYPEER, rf->t->tls_verify ? 1L : 0L);
	(void)curl_easy_setopt(rf->curl, CURLOPT_SSL_VERIFYHOST, rf->t->tls_verify ? 2L : 0L);
	(void)curl_easy_setopt(rf->curl, CURLOPT_WRITEFUNCTION, on_body);
	(void)curl_easy_setopt(rf->curl, CURLOPT_WRITEDATA, &buf);
	if (headers) {
		(void)curl_easy_setopt(rf->curl, CURLOPT_HEADERFUNCTION, on_header);
		(void)curl_easy_setopt(rf->curl, CURLOPT_HEADERDATA, headers);
	}
	if (body)
		(void)curl_easy_setopt(rf->curl, CURLOPT_POSTFIELDS, body);
	if (!rf->token_header[0] && !rf->t->redfish_session) {
		(void)curl_easy_setopt(rf->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		(void)curl_easy_setopt(rf->curl, CURLOPT_USERNAME, rf->t->username);
		(void)curl_easy_setopt(rf->curl, CURLOPT_PASSWORD, rf->t->password);
	}
	rc = curl_easy_perform(rf->curl);
	curl_slist_free_all(list);
	if (rc == CURLE_WRITE_ERROR && buf.too_large)
		r = bmc_fail(err, -EPROTO, "Redfish answer to %s exceeds %u bytes", path,
		             REDFISH_BODY_MAX);
	else if (rc != CURLE_OK)
		r = curl_fail(rc, err);
	if (r == 0) {
		(void)curl_easy_getinfo(rf->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status == 401 || status == 403)
			r = bmc_fail(err, -EACCES, "Redfish %s %s: login rejected (HTTP %ld)",
			             method, path, status);
		else if (status >= 400 || status < 200)
			r = bmc_fail(err, -EPROTO, "Redfish %s %s failed with HTTP %ld", method,
			             path, status);
	}
	if (r == 0 && ret_body) {
		*ret_body = buf.data;
		buf.data = NULL;
	}
	free(buf.data);
	return r;
}

static int rf_login(struct rf *rf, struct bmc_error *err)
{
	struct rf_headers h = { 0 };
	json_t *creds;
	char *body;
	int r;

	creds = json_pack("{s:s, s:s}", "UserName", rf->t->username, "Password", rf->t->password);
	body = creds ? json_dumps(creds, JSON_COMPACT) : NULL;
	json_decref(creds);
	if (body == NULL)
		return bmc_fail(err, -ENOMEM, "Redfish login body allocation failed");
	r = rf_request(rf, "POST", "/redfish/v1/SessionService/Sessions", body, NULL, &h, err);
	explicit_bzero(body, strlen(body));
	free(body);
	if (r < 0)
		return r;
	if (h.token[0] == '\0')
		return bmc_fail(err, -EPROTO, "Redfish session login returned no X-Auth-Token");
	(void)snprintf(rf->token_header, sizeof(rf->token_header), "X-Auth-Token: %s", h.token);
	explicit_bzero(&h.token, sizeof(h.token));
	/* Location may be absolute; keep its path when it is a service path. */
	const char *loc = strstr(h.location, "/redfish/v1/");

	if (loc && redfish_path_valid(loc))
		(void)snprintf(rf->session_path, sizeof(rf->session_path), "%s", loc);
	return 0;
}

static int rf_find_system(struct rf *rf, struct bmc_error *err)
{
	char *body = NULL;
	int r;

	r = rf_request(rf, "GET", "/redfish/v1/Systems", NULL, &body, NULL, err);
	if (r < 0)
		return r;
	r = redfish_parse_first_member(body ? body : "", body ? strlen(body) : 0, rf->system_path);
	free(body);
	if (r < 0)
		return bmc_fail(err, -EPROTO, "Redfish Systems collection has no usable member");
	return 0;
}

static int rf_open(struct rf *rf, const struct bmc_target *t, struct bmc_error *err)
{
	int r;

	memset(rf, 0, sizeof(*rf));
	rf->t = t;
	rf->curl = curl_easy_init();
	if (rf->curl == NULL)
		return bmc_fail(err, -ENOMEM, "curl_easy_init() failed");
	r = t->redfish_session ? rf_login(rf, err) : 0;
	if (r == 0)
		r = rf_find_system(rf, err);
	return r;
}

static void rf_close(struct rf *rf)
{
	struct bmc_error ignored;

	if (rf->session_path[0])
		(void)rf_request(rf, "DELETE", rf->session_path, NULL, NULL, NULL, &ignored);
	explicit_bzero(rf->token_header, sizeof(rf->token_header));
	curl_easy_cleanup(rf->curl);
}

static int rf_read_system(struct rf *rf, struct redfish_system *sys, struct bmc_error *err)
{
	char *body = NULL;
	int r;

	r = rf_request(rf, "GET", rf->system_path, NULL, &body, NULL, err);
	if (r < 0)
		return r;
	r = redfish_parse_system(body ? body : "", body ? strlen(body) : 0, sys);
	free(body);
	if (r < 0)
		return bmc_fail(err, -EPROTO, "Redfish ComputerSystem %s is not valid JSON",
		                rf->system_path);
	return 0;
}

static int redfish_status(const struct bmc_target *t, enum bmc_power *ret_power,
                          struct bmc_error *err)
{
	struct redfish_system sys;
	struct rf rf;
	int r;

	r = rf_open(&rf, t, err);
	if (r == 0)
		r = rf_read_system(&rf, &sys, err);
	rf_close(&rf);
	if (r == 0)
		*ret_power = sys.power;
	return r;
}

/* Picks the ResetType for action; a machine that is off is powered on by a cycle. */
static enum redfish_reset pick_reset(enum bmc_action action, const struct redfish_system *sys)
{
	switch (action) {
	case BMC_ACTION_ON:
		return REDFISH_RESET_ON;
	case BMC_ACTION_OFF:
		return REDFISH_RESET_FORCE_OFF;
	case BMC_ACTION_SOFT_OFF:
		return REDFISH_RESET_GRACEFUL_SHUTDOWN;
	default:
		if (sys->power == BMC_POWER_OFF)
			return REDFISH_RESET_ON;
		if (sys->reset_types == 0 || (sys->reset_types & REDFISH_RESET_POWER_CYCLE))
			return REDFISH_RESET_POWER_CYCLE;
		return REDFISH_RESET_FORCE_RESTART;
	}
}

static int redfish_action(const struct bmc_target *t, enum bmc_action action, struct bmc_error *err)
{
	struct redfish_system sys;
	char target[REDFISH_PATH_MAX], body[64];
	enum redfish_reset reset;
	struct rf rf;
	int r;

	r = rf_open(&rf, t, err);
	if (r == 0)
		r = rf_read_system(&rf, &sys, err);
	if (r == 0) {
		reset = pick_reset(action, &sys);
		if (sys.reset_types != 0 && !(sys.reset_types & reset))
			r = bmc_fail(err, -ENOTSUP, "Redfish system does not allow ResetType %s",
			             redfish_reset_name(reset));
	}
	if (r == 0) {
		if (sys.reset_target[0])
			(void)snprintf(target, sizeof(target), "%s", sys.reset_target);
		else
			(void)snprintf(target, sizeof(target),
			               "%.200s/Actions/ComputerSystem.Reset", rf.system_path);
		(void)snprintf(body, sizeof(body), "{\"ResetType\": \"%s\"}",
		               redfish_reset_name(reset));
		r = rf_request(&rf, "POST", target, body, NULL, NULL, err);
	}
	rf_close(&rf);
	return r;
}

static int redfish_set_boot(const struct bmc_target *t, enum bmc_boot_device device, bool efi,
                            struct bmc_error *err)
{
	char body[160];
	struct rf rf;
	int r;

	(void)snprintf(
	        body, sizeof(body),
	        "{\"Boot\": {\"BootSourceOverrideEnabled\": \"Once\","
	        " \"BootSourceOverrideTarget\": \"%s\", \"BootSourceOverrideMode\": \"%s\"}}",
	        device == BMC_BOOT_PXE ? "Pxe" : "Hdd", efi ? "UEFI" : "Legacy");
	r = rf_open(&rf, t, err);
	if (r == 0)
		r = rf_request(&rf, "PATCH", rf.system_path, body, NULL, NULL, err);
	rf_close(&rf);
	return r;
}

const struct bmc_driver bmc_redfish_driver = {
	.status = redfish_status,
	.action = redfish_action,
	.set_boot = redfish_set_boot,
};
