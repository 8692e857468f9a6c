/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli-http -- rackctl's HTTP side: where the server and token come from,
 * one API call with libcurl, and lists fetched page by page.
 */
#include <curl/curl.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"

#define RESPONSE_MAX     (64u << 20)
#define URL_MAX          4096
#define CONFIG_VALUE_MAX 1024

struct buffer {
	char *data;
	size_t len;
	bool overflow;
};

/* Config file */

struct config_file {
	const char *path;
	char url[CONFIG_VALUE_MAX];
	char token[CONFIG_VALUE_MAX];
	char error[160];
};

static int on_config_key(void *user, const char *section, const char *name, const char *value)
{
	struct config_file *c = user;
	char *dst = NULL;

	if (section[0] != '\0' && strcmp(section, "rackctl") != 0) {
		(void)snprintf(c->error, sizeof(c->error),
		               "unknown section [%s]: expected [rackctl]", section);
		return 0;
	}
	if (strcmp(name, "url") == 0)
		dst = c->url;
	else if (strcmp(name, "token") == 0)
		dst = c->token;
	if (dst == NULL) {
		(void)snprintf(c->error, sizeof(c->error),
		               "unknown key \"%s\": expected url or token", name);
		return 0;
	}
	if (strlen(value) >= CONFIG_VALUE_MAX) {
		(void)snprintf(c->error, sizeof(c->error), "%s is longer than %d bytes", name,
		               CONFIG_VALUE_MAX - 1);
		return 0;
	}
	(void)snprintf(dst, CONFIG_VALUE_MAX, "%s", value);
	return 1;
}

/* The config file to read: explicit, $RACKCTL_CONFIG, or under the XDG config home. */
static const char *config_path_default(char *buf, size_t size)
{
	const char *env = getenv("RACKCTL_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (env && *env)
		return env;
	if (xdg && *xdg) {
		(void)snprintf(buf, size, "%s/rackctl.conf", xdg);
		return buf;
	}
	if (home && *home) {
		(void)snprintf(buf, size, "%s/.config/rackctl.conf", home);
		return buf;
	}
	return NULL;
}

int cli_options_load(struct options *o, const char *config_path)
{
	static struct config_file c;
	char path_buf[URL_MAX];
	const char *env;
	struct stat st;
	int line;

	if (o->url == NULL && (env = getenv("RACKD_URL")) && *env)
		o->url = env;
	if (o->token == NULL && (env = getenv("RACKD_TOKEN")) && *env)
		o->token = env;
	c.path = config_path ? config_path : config_path_default(path_buf, sizeof(path_buf));
	/* An explicit file is always read, so its mistakes show even when unused. */
	if (c.path && (config_path || o->url == NULL || o->token == NULL)) {
		line = ini_parse(c.path, on_config_key, &c);
		/* A missing default file is fine; a missing explicit one is not. */
		if (line == -1 && config_path) {
			fprintf(stderr, "rackctl: config file %s cannot be read: %s\n", c.path,
			        strerror(errno));
			return EXIT_USAGE;
		}
		if (line > 0 || line == -2) {
			fprintf(stderr, "rackctl: %s:%d: %s\n", c.path, line,
			        c.error[0] ? c.error : "syntax error: expected key = value");
			return EXIT_USAGE;
		}
		if (line == 0 && c.token[0] && stat(c.path, &st) == 0 && (st.st_mode & 077))
			fprintf(stderr,
			        "rackctl: warning: %s holds a token and is readable by"
			        " others; run chmod 600 %s\n",
			        c.path, c.path);
		if (o->url == NULL && c.url[0])
			o->url = c.url;
		if (o->token == NULL && c.token[0])
			o->token = c.token;
	}
	if (o->url == NULL)
		o->url = CLI_URL_DEFAULT;
	return 0;
}

/* Calls */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buffer *b = userdata;
	size_t n = size * nmemb;
	char *p;

	if (n > RESPONSE_MAX - b->len) {
		b->overflow = true;
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

/* Adds "Name: value" to headers; false when it would not fit. */
static bool add_header(struct curl_slist **headers, const char *name, const char *value)
{
	char line[2048];
	struct curl_slist *next;

	if ((size_t)snprintf(line, sizeof(line), "%s: %s", name, value) >= sizeof(line))
		return false;
	next = curl_slist_append(*headers, line);
	if (next == NULL)
		return false;
	*headers = next;
	return true;
}

static struct curl_slist *request_headers(const struct options *o, bool has_body)
{
	struct curl_slist *headers = NULL;
	char auth[1100];

	if (!add_header(&headers, "Accept", "application/json"))
		return NULL;
	if (has_body && !add_header(&headers, "Content-Type", "application/json"))
		goto fail;
	if (o->token) {
		(void)snprintf(auth, sizeof(auth), "Bearer %s", o->token);
		if (!add_header(&headers, "Authorization", auth))
			goto fail;
	}
	if (o->if_match && !add_header(&headers, "If-Match", o->if_match))
		goto fail;
	return headers;
fail:
	curl_slist_free_all(headers);
	return NULL;
}

int api_call(const struct options *o, const char *method, const char *path, json_t *body,
             long *ret_status, json_t **ret_json)
{
	struct buffer resp = { 0 };
	struct curl_slist *headers;
	char url[URL_MAX], *payload = NULL;
	json_error_t jerr;
	CURLcode rc;
	CURL *curl;
	int r = -1;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", o->url, path) >= sizeof(url)) {
		fprintf(stderr, "rackctl: URL too long\n");
		return -1;
	}
	headers = request_headers(o, body != NULL);
	curl = curl_easy_init();
	if (curl == NULL || headers == NULL) {
		fprintf(stderr, "rackctl: out of memory\n");
		goto out;
	}
	if (body) {
		payload = json_dumps(body, JSON_COMPACT);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		fprintf(stderr, "rackctl: %s %s failed: %s (is rackd running and --url right?)\n",
		        method, url, resp.overflow ? "response too large" : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, ret_status);
	if (resp.len == 0) {
		*ret_json = NULL;
		r = 0;
		goto out;
	}
	*ret_json = json_loadb(resp.data, resp.len, 0, &jerr);
	if (*ret_json == NULL) {
		fprintf(stderr, "rackctl: %s %s returned status %ld and no JSON: %s\n", method, url,
		        *ret_status, jerr.text);
		goto out;
	}
	r = 0;
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(payload);
	free(resp.data);
	return r;
}

int print_api_error(long status, json_t *resp)
{
	json_t *err = json_object_get(resp, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *message = json_string_value(json_object_get(err, "message"));

	fprintf(stderr, "rackctl: request failed with status %ld: %s (%s)\n", status,
	        message ? message : "no message", code ? code : "no code");
	if (status == 401)
		fprintf(stderr,
		        "rackctl: pass a token with --token, RACKD_TOKEN or the config"
		        " file (create one with: rackd token create --role reader --name NAME)\n");
	return EXIT_FAILED;
}

const char *str_or(json_t *obj, const char *key, const char *fallback)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? s : fallback;
}

void cli_format_time(json_int_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		(void)snprintf(buf, size, "-");
		return;
	}
	(void)gmtime_r(&tt, &tm);
	(void)strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool cli_query_escape(const char *s, char *buf, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t off = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		             (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		             c == '~' || c == ':';

		if (off + (plain ? 1 : 3) >= size)
			return false;
		if (plain) {
			buf[off++] = (char)c;
		} else {
			buf[off++] = '%';
			buf[off++] = hex[c >> 4];
			buf[off++] = hex[c & 15];
		}
	}
	buf[off] = '\0';
	return true;
}

/* The next_after cursor of a list response as query text, or NULL on the last page. */
static const char *next_cursor(json_t *resp, char *buf, size_t size)
{
	json_t *next = json_object_get(resp, "next_after");

	if (json_is_integer(next)) {
		(void)snprintf(buf, size, "%lld", (long long)json_integer_value(next));
		return buf;
	}
	if (json_is_string(next) && cli_query_escape(json_string_value(next), buf, size))
		return buf;
	return NULL;
}

int cli_fetch_all(const struct options *o, const char *path, json_t **ret_items)
{
	json_t *all = json_array(), *resp = NULL;
	char page[URL_MAX], cursor[256];
	const char *after = NULL;
	long status = 0;
	int r = 0;

	for (;;) {
		(void)snprintf(page, sizeof(page), "%s%slimit=1000%s%s", path,
		               strchr(path, '?') ? "&" : "?", after ? "&after=" : "",
		               after ? after : "");
		if (api_call(o, "GET", page, NULL, &status, &resp) < 0) {
			r = EXIT_FAILED;
			break;
		}
		if (status != 200) {
			r = print_api_error(status, resp);
			break;
		}
		json_array_extend(all, json_object_get(resp, "items"));
		after = next_cursor(resp, cursor, sizeof(cursor));
		json_decref(resp);
		resp = NULL;
		if (after == NULL)
			break;
	}
	json_decref(resp);
	if (r != 0) {
		json_decref(all);
		return r;
	}
	*ret_items = all;
	return 0;
}

int list_resource(const struct options *o, const char *path, void (*print_table)(json_t *items))
{
	json_t *all;
	int r;

	r = cli_fetch_all(o, path, &all);
	if (r != 0)
		return r;
	if (o->json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		printf("\n");
	} else {
		print_table(all);
	}
	json_decref(all);
	return 0;
}
