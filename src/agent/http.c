/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http -- a minimal HTTP/1.1 client for the agent's single POST. Sockets are
 * non-blocking and every wait is a poll() bounded by one deadline, so a
 * silent server costs at most the timeout. No logging.
 */
#include "agent/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/wire.h"

#define AGENT_HTTP_REQUEST_HEAD_MAX (AGENT_PATH_MAX + AGENT_TOKEN_MAX + 512)

/*
 * Reads one line ending in LF (a CR before it is dropped, and RFC 9112 §2.2
 * lets a client accept a bare LF too). Returns -EAGAIN when no LF is left.
 */
static int http_read_line(struct wire_reader *r, const uint8_t **ret_line, size_t *ret_len)
{
	size_t start = wire_offset(r), len;
	const uint8_t *line;

	for (;;) {
		if (wire_remaining(r) == 0)
			return -EAGAIN;
		if (wire_read_u8(r) == '\n')
			break;
	}
	len = wire_offset(r) - start - 1;
	wire_seek(r, start);
	line = wire_read_span(r, len);
	wire_skip(r, 1);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	*ret_line = line;
	*ret_len = len;
	return wire_reader_error(r);
}

static bool http_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* "HTTP/1.x NNN[ reason]" (RFC 9112 §4). */
static int http_parse_status_line(const uint8_t *line, size_t len, int *ret_status)
{
	static const char version[] = "HTTP/1.";
	size_t v = sizeof(version) - 1;

	if (len < v + 5 || memcmp(line, version, v) != 0 || !http_is_digit(line[v]) ||
	    line[v + 1] != ' ')
		return -EBADMSG;
	for (size_t i = v + 2; i < v + 5; i++)
		if (!http_is_digit(line[i]))
			return -EBADMSG;
	if (len > v + 5 && line[v + 5] != ' ')
		return -EBADMSG;
	if (line[v + 2] < '1' || line[v + 2] > '5')
		return -EBADMSG;
	*ret_status = (line[v + 2] - '0') * 100 + (line[v + 3] - '0') * 10 + (line[v + 4] - '0');
	return 0;
}

/* Parses "Content-Length: N" with optional white space; -ENOENT for other headers. */
static int http_parse_content_length(const uint8_t *line, size_t len, int64_t *ret_length)
{
	static const char name[] = "content-length:";
	size_t i = sizeof(name) - 1, digits = 0;
	int64_t v = 0;

	if (len < i || strncasecmp((const char *)line, name, i) != 0)
		return -ENOENT;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (; i < len && http_is_digit(line[i]); i++, digits++) {
		if (v > (INT64_MAX - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (line[i] - '0');
	}
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (digits == 0 || i != len)
		return -EBADMSG;
	*ret_length = v;
	return 0;
}

int agent_http_parse_head(const void *buf, size_t len, struct agent_http_head *ret_head)
{
	struct agent_http_head head = { .content_length = -1 };
	bool capped = len > AGENT_HTTP_HEAD_MAX;
	struct wire_reader r;
	const uint8_t *line;
	size_t line_len;
	int ret;

	wire_reader_init(&r, buf, capped ? AGENT_HTTP_HEAD_MAX : len);
	ret = http_read_line(&r, &line, &line_len);
	if (ret < 0)
		goto out;
	ret = http_parse_status_line(line, line_len, &head.status);
	if (ret < 0)
		return ret;
	for (;;) {
		int64_t length;

		ret = http_read_line(&r, &line, &line_len);
		if (ret < 0)
			goto out;
		if (line_len == 0)
			break;
		ret = http_parse_content_length(line, line_len, &length);
		if (ret == -EBADMSG)
			return ret;
		/* RFC 9112 §6.3: differing Content-Length values make the message invalid. */
		if (ret == 0 && head.content_length >= 0 && head.content_length != length)
			return -EBADMSG;
		if (ret == 0)
			head.content_length = length;
	}
	head.head_len = wire_offset(&r);
	*ret_head = head;
	return 0;
out:
	return ret == -EAGAIN && capped ? -E2BIG : ret;
}

static uint64_t http_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline. Returns 0, -ETIMEDOUT or -errno. */
static int http_wait(int fd, short events, uint64_t deadline_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		uint64_t now = http_now_ms();
		int n;

		if (now >= deadline_ms)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)(deadline_ms - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n > 0)
			return 0;
	}
}

static int http_connect(const struct agent_url *url, uint64_t deadline_ms, int *ret_fd)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(url->port),
		.sin_addr.s_addr = htonl(url->addr),
	};
	socklen_t len = sizeof(int);
	int fd, err = 0, r;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&sin, sizeof(sin)) < 0) {
		if (errno != EINPROGRESS) {
			r = -errno;
			goto out_close;
		}
		r = http_wait(fd, POLLOUT, deadline_ms);
		if (r < 0)
			goto out_close;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
			r = -errno;
			goto out_close;
		}
		if (err != 0) {
			r = -err;
			goto out_close;
		}
	}
	*ret_fd = fd;
	return 0;
out_close:
	(void)close(fd);
	return r;
}

static int http_send_all(int fd, const char *buf, size_t len, uint64_t deadline_ms)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			r = http_wait(fd, POLLOUT, deadline_ms);
			if (r < 0)
				return r;
			continue;
		}
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receives into buf; returns the byte count, 0 at end of stream, or a negative errno. */
static ssize_t http_recv_some(int fd, uint8_t *buf, size_t room, uint64_t deadline_ms)
{
	for (;;) {
		ssize_t n = recv(fd, buf, room, 0);
		int r;

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		r = http_wait(fd, POLLIN, deadline_ms);
		if (r < 0)
			return r;
	}
}

/* Reads until a full response head is in buf; returns its parse. */
static int http_read_head(int fd, uint8_t *buf, size_t cap, size_t *len, uint64_t deadline_ms,
                          struct agent_http_head *ret_head)
{
	for (;;) {
		ssize_t n;
		int r;

		r = agent_http_parse_head(buf, *len, ret_head);
		if (r != -EAGAIN)
			return r;
		if (*len == cap)
			return -E2BIG;
		n = http_recv_some(fd, buf + *len, cap - *len, deadline_ms);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ECONNRESET;
		*len += (size_t)n;
	}
}

/*
 * Keeps up to AGENT_HTTP_BODY_MAX bytes of the body for the caller's messages.
 * A body cut short by the deadline or the peer is kept as far as it came.
 */
static void http_read_body(int fd, uint8_t *buf, size_t len, const struct agent_http_head *head,
                           uint64_t deadline_ms, struct agent_http_response *resp)
{
	size_t want = AGENT_HTTP_BODY_MAX, have = len - head->head_len;

	if (head->content_length >= 0 && (uint64_t)head->content_length < want)
		want = (size_t)head->content_length;
	if (have > want)
		have = want;
	memcpy(resp->body, buf + head->head_len, have);
	while (have < want) {
		ssize_t n =
		        http_recv_some(fd, (uint8_t *)resp->body + have, want - have, deadline_ms);

		if (n <= 0)
			break;
		have += (size_t)n;
	}
	resp->body[have] = '\0';
	resp->body_len = have;
}

int agent_http_post(const struct agent_url *url, const char *path, const char *token,
                    const char *body, size_t body_len, unsigned timeout_ms,
                    struct agent_http_response *ret_response)
{
	uint64_t deadline_ms = http_now_ms() + timeout_ms;
	struct agent_http_response resp = { .status = 0 };
	char request[AGENT_HTTP_REQUEST_HEAD_MAX];
	uint8_t buf[AGENT_HTTP_HEAD_MAX + AGENT_HTTP_BODY_MAX];
	struct agent_http_head head;
	size_t len = 0;
	int fd = -1, n, r;

	n = snprintf(request, sizeof(request),
	             "POST %s HTTP/1.1\r\n"
	             "Host: %s\r\n"
	             "User-Agent: rackd-agent\r\n"
	             "Authorization: Bearer %s\r\n"
	             "Content-Type: application/json\r\n"
	             "Content-Length: %zu\r\n"
	             "Connection: close\r\n"
	             "\r\n",
	             path, url->host, token, body_len);
	if (n < 0 || (size_t)n >= sizeof(request))
		return -E2BIG;

	r = http_connect(url, deadline_ms, &fd);
	if (r < 0)
		return r;
	r = http_send_all(fd, request, (size_t)n, deadline_ms);
	if (r < 0)
		goto out_close;
	r = http_send_all(fd, body, body_len, deadline_ms);
	if (r < 0)
		goto out_close;
	r = http_read_head(fd, buf, sizeof(buf), &len, deadline_ms, &head);
	if (r < 0)
		goto out_close;
	resp.status = head.status;
	http_read_body(fd, buf, len, &head, deadline_ms, &resp);
	*ret_response = resp;
	r = 0;
out_close:
	(void)close(fd);
	return r;
}

static int http_open_get(const struct agent_url *url, const char *path, const char *token,
                         uint64_t deadline_ms, int *ret_fd)
{
	char request[AGENT_HTTP_REQUEST_HEAD_MAX];
	int fd = -1, n, r;

	n = snprintf(request, sizeof(request),
	             "GET %s HTTP/1.1\r\n"
	             "Host: %s\r\n"
	             "User-Agent: rackd-agent\r\n"
	             "%s%s%s"
	             "Connection: close\r\n"
	             "\r\n",
	             path, url->host, token ? "Authorization: Bearer " : "", token ? token : "",
	             token ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(request))
		return -E2BIG;
	r = http_connect(url, deadline_ms, &fd);
	if (r < 0)
		return r;
	r = http_send_all(fd, request, (size_t)n, deadline_ms);
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int agent_http_get(const struct agent_url *url, const char *path, const char *token,
                   unsigned timeout_ms, struct agent_http_response *ret_response)
{
	uint64_t deadline_ms = http_now_ms() + timeout_ms;
	struct agent_http_response resp = { .status = 0 };
	uint8_t buf[AGENT_HTTP_HEAD_MAX + AGENT_HTTP_BODY_MAX];
	struct agent_http_head head;
	size_t len = 0;
	int fd, r;

	r = http_open_get(url, path, token, deadline_ms, &fd);
	if (r < 0)
		return r;
	r = http_read_head(fd, buf, sizeof(buf), &len, deadline_ms, &head);
	if (r == 0) {
		resp.status = head.status;
		http_read_body(fd, buf, len, &head, deadline_ms, &resp);
		*ret_response = resp;
	}
	(void)close(fd);
	return r;
}

int agent_http_stream(const struct agent_url *url, const char *path, unsigned idle_ms,
                      agent_http_sink_fn *sink, void *ctx, int *ret_status, int64_t *ret_length)
{
	uint8_t buf[AGENT_HTTP_HEAD_MAX + 65536];
	struct agent_http_head head;
	int64_t received = 0;
	size_t len = 0;
	int fd, r;

	r = http_open_get(url, path, NULL, http_now_ms() + idle_ms, &fd);
	if (r < 0)
		return r;
	r = http_read_head(fd, buf, AGENT_HTTP_HEAD_MAX, &len, http_now_ms() + idle_ms, &head);
	if (r < 0)
		goto out_close;
	*ret_status = head.status;
	*ret_length = head.content_length;
	if (head.status != 200)
		goto out_close;
	/* Bytes after the head that came with it belong to the body. */
	if (len > head.head_len) {
		received = (int64_t)(len - head.head_len);
		r = sink(ctx, buf + head.head_len, len - head.head_len);
		if (r < 0)
			goto out_close;
	}
	while (head.content_length < 0 || received < head.content_length) {
		ssize_t n = http_recv_some(fd, buf, sizeof(buf), http_now_ms() + idle_ms);

		if (n < 0) {
			r = (int)n;
			goto out_close;
		}
		if (n == 0)
			break;
		received += n;
		r = sink(ctx, buf, (size_t)n);
		if (r < 0)
			goto out_close;
	}
	/* A body shorter than its Content-Length means the transfer broke off. */
	r = head.content_length >= 0 && received != head.content_length ? -ECONNRESET : 0;
out_close:
	(void)close(fd);
	return r;
}
