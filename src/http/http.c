/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http -- libmicrohttpd daemon, request body collection and dispatch.
 * Bodies are collected up to HTTP_BODY_MAX; libmicrohttpd bounds headers
 * through its per-connection memory limit.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "http/http-internal.h"
#include "http/http-lifecycle.h"

#define HTTP_THREAD_STACK      (1u << 20)    /* per connection thread */
#define HTTP_CONN_MEMORY_LIMIT (64u * 1024u) /* bounds the request line and headers */
#define HTTP_CONN_TIMEOUT      30            /* seconds of inactivity */
#define HTTP_PEM_MAX           (256u * 1024u)

enum MHD_Result http_send_json(struct http_request *req, unsigned status, json_t *body)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text;

	if (body == NULL)
		body = json_object();
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	(void)MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(req->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Returns the length of the valid UTF-8 sequence at s (RFC 3629), or 0 when there is none. */
static size_t utf8_sequence_length(const unsigned char *s)
{
	size_t len;
	uint32_t cp, min;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		min = 0x80;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		min = 0x800;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		min = 0x10000;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	/* Overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid. */
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void http_make_utf8(char *text)
{
	unsigned char *p = (unsigned char *)text;

	while (*p) {
		size_t len = utf8_sequence_length(p);

		if (len == 0) {
			*p++ = '?';
			continue;
		}
		p += len;
	}
}

enum MHD_Result http_send_error(struct http_request *req, unsigned status, const char *code,
                                const char *field, const char *fmt, ...)
{
	char message[512];
	json_t *err;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	http_make_utf8(message);
	err = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (err && field)
		json_object_set_new(err, "field", json_string(field));
	return http_send_json(req, status, json_pack("{s:o}", "error", err ? err : json_null()));
}

enum MHD_Result http_send_text(struct http_request *req, unsigned status, const char *content_type,
                               const char *text)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	                                       MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(resp, "Content-Type", content_type);
	ret = MHD_queue_response(req->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

const char *http_loggable_path(const char *path, char *buf, size_t size)
{
	const char *id, *token, *rest;

	if (strncmp(path, "/install/", 9) != 0)
		return path;
	id = path + 9;
	token = strchr(id, '/');
	if (token == NULL)
		return path;
	rest = strchr(token + 1, '/');
	(void)snprintf(buf, size, "/install/%.*s/-%s", (int)(token - id), id, rest ? rest : "");
	return buf;
}

void http_log_request(struct http_request *req, unsigned status, uint64_t bytes, const char *mac)
{
	char status_text[8], bytes_text[24], path_buf[256];
	const char *path = http_loggable_path(req->path, path_buf, sizeof(path_buf));
	struct log_field fields[] = {
		{ "peer", req->peer },     { "method", req->method }, { "path", path },
		{ "status", status_text }, { "bytes", bytes_text },   { "mac", mac },
	};

	(void)snprintf(status_text, sizeof(status_text), "%u", status);
	(void)snprintf(bytes_text, sizeof(bytes_text), "%llu", (unsigned long long)bytes);
	log_fields(status < 400 ? LOG_LEVEL_INFO : LOG_LEVEL_WARNING, "http", fields,
	           sizeof(fields) / sizeof(fields[0]), "%s %s %u", req->method, path, status);
}

static void format_peer(struct MHD_Connection *conn, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	(void)snprintf(buf, size, "-");
	if (info == NULL || info->client_addr == NULL)
		return;
	if (info->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)info->client_addr;

		(void)inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)size);
	} else if (info->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)info->client_addr;

		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)size);
	}
}

/* Appends an upload chunk to the request body, or marks it too large. */
static void collect_body(struct http_request *req, const char *data, size_t size)
{
	char *p;

	if (req->body_too_large)
		return;
	if (size > HTTP_BODY_MAX - req->body_len) {
		req->body_too_large = true;
		free(req->body);
		req->body = NULL;
		req->body_len = 0;
		return;
	}
	p = realloc(req->body, req->body_len + size + 1);
	if (p == NULL) {
		req->body_too_large = true;
		return;
	}
	memcpy(p + req->body_len, data, size);
	req->body_len += size;
	p[req->body_len] = '\0';
	req->body = p;
}

static enum MHD_Result dispatch(struct http_request *req)
{
	const char *path = req->path;

	if (req->body_too_large)
		return http_send_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large", NULL,
		                       "request body exceeds %u bytes", HTTP_BODY_MAX);
	/* With TLS configured, plain HTTP is only for firmware that cannot do TLS. */
	if (req->listener->netboot_only && strncmp(path, "/boot/", 6) != 0 &&
	    !http_deploy_path(path))
		return http_send_error(req, MHD_HTTP_FORBIDDEN, "tls_required", NULL,
		                       "%s is served over HTTPS only; use the tls_listen address",
		                       path);
	if (strcmp(path, "/boot/ipxe") == 0) {
		if (strcmp(req->method, "GET") != 0)
			return http_send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED,
			                       "method_not_allowed", NULL, "use GET on %s", path);
		return http_boot_script(req);
	}
	if (strncmp(path, "/boot/assets/", 13) == 0) {
		if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
			return http_send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED,
			                       "method_not_allowed", NULL, "use GET on %s", path);
		return http_boot_asset(req, path + 13);
	}
	if (strcmp(path, "/api/v1/agent/report") == 0) {
		if (strcmp(req->method, "POST") != 0)
			return http_send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED,
			                       "method_not_allowed", NULL, "use POST on %s", path);
		return http_agent_report(req);
	}
	if (strcmp(path, "/metrics") == 0)
		return http_metrics(req);
	if (strcmp(path, "/healthz") == 0)
		return http_send_text(req, MHD_HTTP_OK, "text/plain", "ok\n");
	if (http_deploy_path(path))
		return http_deploy_route(req);
	if (strncmp(path, "/api/v1/", 8) == 0)
		return http_api_route(req);
	return http_send_error(req, MHD_HTTP_NOT_FOUND, "not_found", NULL, "no route for %s", path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct http_request *req = *con_cls;
	const struct http_listener *listener = cls;

	(void)version;
	if (req == NULL) {
		req = calloc(1, sizeof(*req));
		if (req == NULL)
			return MHD_NO;
		req->listener = listener;
		req->srv = listener->srv;
		req->conn = conn;
		req->method = method;
		req->path = url;
		format_peer(conn, req->peer, sizeof(req->peer));
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		collect_body(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct http_request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (req == NULL)
		return;
	free(req->body);
	free(req);
	*con_cls = NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t len;

	(void)cls;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	log_warning("http", "libmicrohttpd: %s", msg);
}

bool http_warning_allowed(struct http_server *srv)
{
	uint64_t suppressed = 0;
	bool allowed;

	pthread_mutex_lock(&srv->warning_lock);
	allowed = log_ratelimit_allow(&srv->warning_rl);
	if (allowed) {
		suppressed = srv->warning_rl.suppressed;
		srv->warning_rl.suppressed = 0;
	}
	pthread_mutex_unlock(&srv->warning_lock);
	if (suppressed > 0)
		log_warning("http",
		            "%llu warnings about client requests suppressed by the rate limit",
		            (unsigned long long)suppressed);
	return allowed;
}

int http_server_new(const struct config *cfg, struct store *st, struct http_server **ret_server)
{
	struct http_server *srv;

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->cfg = cfg;
	srv->store = st;
	srv->warning_rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10000, 5);
	if (http_enrol_limit_new(&srv->enrol_limit) < 0) {
		free(srv);
		return -ENOMEM;
	}
	srv->boot_dir_fd = open(cfg->boot_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv->boot_dir_fd < 0) {
		int r = -errno;

		http_enrol_limit_free(srv->enrol_limit);
		free(srv);
		return r;
	}
	pthread_mutex_init(&srv->warning_lock, NULL);
	*ret_server = srv;
	return 0;
}

/* Reads a whole PEM file into a NUL-terminated heap string; caller frees. */
static int read_pem(const char *path, char **ret_text)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r = 0;

	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	text = malloc(HTTP_PEM_MAX + 1);
	if (text == NULL) {
		(void)fclose(f);
		return -ENOMEM;
	}
	len = fread(text, 1, HTTP_PEM_MAX + 1, f);
	if (ferror(f))
		r = -EIO;
	else if (len > HTTP_PEM_MAX)
		r = -EFBIG;
	(void)fclose(f);
	if (r < 0) {
		free(text);
		return r;
	}
	text[len] = '\0';
	*ret_text = text;
	return 0;
}

static int start_listener(struct http_server *srv, struct http_listener *l, uint32_t address,
                          uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(address),
	};
	/*
	 * One thread per connection: a handler that waits on a slow BMC then
	 * holds only its own connection, never the netboot or API requests of
	 * other machines. max_connections bounds the threads.
	 */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                 MHD_USE_POLL | MHD_USE_ERROR_LOG;
	char ip[ADDR_IPV4_STRLEN];

	addr_format_ipv4(address, ip);
	l->srv = srv;
	if (l->tls)
		flags |= MHD_USE_TLS;
	l->daemon = MHD_start_daemon(
	        flags, port, NULL, NULL, on_request, l, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error,
	        srv, MHD_OPTION_SOCK_ADDR, &sin, MHD_OPTION_THREAD_STACK_SIZE,
	        (size_t)HTTP_THREAD_STACK, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	        (unsigned)srv->cfg->http_max_connections_per_client, MHD_OPTION_CONNECTION_LIMIT,
	        (unsigned)srv->cfg->http_max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	        (size_t)HTTP_CONN_MEMORY_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
	        (unsigned)HTTP_CONN_TIMEOUT, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
	        l->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, srv->tls_cert_pem,
	        MHD_OPTION_HTTPS_MEM_KEY, srv->tls_key_pem, MHD_OPTION_END);
	if (l->daemon == NULL) {
		log_error(
		        "http",
		        "listen on %s:%u failed: check the address is local, the port free and the TLS files valid",
		        ip, port);
		return -EADDRNOTAVAIL;
	}
	log_notice("http", "listening on %s:%u tls=%s netboot_only=%s public_url=%s", ip, port,
	           l->tls ? "yes" : "no", l->netboot_only ? "yes" : "no",
	           srv->cfg->http_public_url);
	return 0;
}

int http_server_start(struct http_server *srv)
{
	const struct config *cfg = srv->cfg;
	int r;

	if (cfg->http_tls_port != 0) {
		r = read_pem(cfg->http_tls_cert, &srv->tls_cert_pem);
		if (r == 0)
			r = read_pem(cfg->http_tls_key, &srv->tls_key_pem);
		if (r < 0) {
			log_error("http", "TLS files %s and %s could not be read: %s",
			          cfg->http_tls_cert, cfg->http_tls_key, strerror(-r));
			return r;
		}
		srv->tls.tls = true;
		r = start_listener(srv, &srv->tls, cfg->http_tls_address, cfg->http_tls_port);
		if (r < 0)
			return r;
		srv->plain.netboot_only = !cfg->http_plain_all;
	}
	return start_listener(srv, &srv->plain, cfg->http_address, cfg->http_port);
}

void http_server_stop(struct http_server *srv)
{
	struct http_listener *listeners[] = { &srv->plain, &srv->tls };

	for (size_t i = 0; i < 2; i++) {
		if (listeners[i]->daemon) {
			MHD_stop_daemon(listeners[i]->daemon);
			listeners[i]->daemon = NULL;
		}
	}
}

void http_server_free(struct http_server *srv)
{
	if (srv == NULL)
		return;
	http_server_stop(srv);
	if (srv->boot_dir_fd >= 0)
		(void)close(srv->boot_dir_fd);
	http_enrol_limit_free(srv->enrol_limit);
	pthread_mutex_destroy(&srv->warning_lock);
	if (srv->tls_key_pem)
		explicit_bzero(srv->tls_key_pem, strlen(srv->tls_key_pem));
	free(srv->tls_cert_pem);
	free(srv->tls_key_pem);
	free(srv);
}
