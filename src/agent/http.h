/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http -- the agent's HTTP/1.1 client: one POST per connection over plain
 * TCP to an IPv4 literal, with a deadline. No TLS, no redirects, no name
 * resolution, no chunked responses (only the status and Content-Length
 * matter to the agent).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct agent_url;

/* Largest response head and kept body; the agent only needs the status. */
#define AGENT_HTTP_HEAD_MAX 8192
#define AGENT_HTTP_BODY_MAX 1024

struct agent_http_head {
	int status;             /* 100..599 */
	size_t head_len;        /* bytes up to and including the blank line */
	int64_t content_length; /* -1 when the header is absent */
};

/*
 * Parses a response head from the first len bytes of buf: the status line
 * ("HTTP/1.x NNN reason") and Content-Length. Errors: -EAGAIN (no blank
 * line yet), -EBADMSG (malformed status line or Content-Length), -E2BIG (no
 * blank line within AGENT_HTTP_HEAD_MAX bytes).
 */
int agent_http_parse_head(const void *buf, size_t len, struct agent_http_head *ret_head);

struct agent_http_response {
	int status;
	char body[AGENT_HTTP_BODY_MAX + 1]; /* start of the body, NUL-terminated */
	size_t body_len;
};

/*
 * Sends "POST path" with a JSON body and "Authorization: Bearer token" to
 * url's address and reads the response, all within timeout_ms. Errors:
 * -errno of a failed socket call (ECONNREFUSED, ENETUNREACH, ...),
 * -ETIMEDOUT, -EBADMSG (malformed response), -ECONNRESET (closed before a
 * full head), -E2BIG (request or response head too large).
 */
int agent_http_post(const struct agent_url *url, const char *path, const char *token,
                    const char *body, size_t body_len, unsigned timeout_ms,
                    struct agent_http_response *ret_response);

/* Sends "GET path" (with a Bearer token unless token is NULL); reads as agent_http_post(). */
int agent_http_get(const struct agent_url *url, const char *path, const char *token,
                   unsigned timeout_ms, struct agent_http_response *ret_response);

/* Receives one piece of a streamed body; a negative errno stops the transfer. */
typedef int agent_http_sink_fn(void *ctx, const uint8_t *data, size_t len);

/*
 * Sends "GET path" and hands the body of a 200 answer to sink piece by
 * piece. idle_ms bounds every wait (connect, send, each receive), not the
 * whole transfer. Writes the status and the Content-Length (-1 when absent)
 * and returns 0 once the body ended; for a status other than 200 the body
 * is not read. Errors: as agent_http_post(), -ECONNRESET when the body is
 * shorter than its Content-Length, or the sink's error.
 */
int agent_http_stream(const struct agent_url *url, const char *path, unsigned idle_ms,
                      agent_http_sink_fn *sink, void *ctx, int *ret_status, int64_t *ret_length);
