/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log -- leveled log lines as text or JSON lines on stderr.
 * Formats into a stack buffer and writes it with one write(2).
 */
#include "core/log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

/*
 * NOTE: the threshold, format and fd are process-wide because every thread
 * logs. They are written once at startup and read with relaxed atomics.
 */
static _Atomic int log_threshold = LOG_LEVEL_INFO;
static _Atomic int log_output_format = LOG_FORMAT_TEXT;
static _Atomic int log_output_fd = STDERR_FILENO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error", [LOG_LEVEL_WARNING] = "warning", [LOG_LEVEL_NOTICE] = "notice",
	[LOG_LEVEL_INFO] = "info",   [LOG_LEVEL_DEBUG] = "debug",
};

void log_setup(enum log_level level, enum log_format format)
{
	atomic_store_explicit(&log_threshold, (int)level, memory_order_relaxed);
	atomic_store_explicit(&log_output_format, (int)format, memory_order_relaxed);
}

void log_set_fd(int fd)
{
	atomic_store_explicit(&log_output_fd, fd, memory_order_relaxed);
}

bool log_enabled(enum log_level level)
{
	return (int)level <= atomic_load_explicit(&log_threshold, memory_order_relaxed);
}

const char *log_level_to_string(enum log_level level)
{
	if (level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG)
		return "unknown";
	return level_names[level];
}

int log_level_from_string(const char *s, enum log_level *ret_level)
{
	for (int l = LOG_LEVEL_ERROR; l <= LOG_LEVEL_DEBUG; l++) {
		if (strcmp(s, level_names[l]) == 0) {
			*ret_level = (enum log_level)l;
			return 0;
		}
	}
	return -EINVAL;
}

uint64_t log_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool log_ratelimit_allow(struct log_ratelimit *rl)
{
	uint64_t now = log_now_ms();

	if (rl->interval_ms > 0 && now > rl->last_ms) {
		uint64_t refill = (now - rl->last_ms) / rl->interval_ms;

		if (refill > 0) {
			uint64_t tokens = rl->tokens + refill;

			rl->tokens = tokens > rl->burst ? rl->burst : (uint32_t)tokens;
			rl->last_ms = now;
		}
	}
	if (rl->tokens == 0) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	return true;
}

/* Appending writer over a fixed line buffer; output past the end is dropped. */
struct line {
	char buf[LOG_LINE_MAX];
	size_t len;
};

static void line_put(struct line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 1 - l->len; /* one byte stays free for '\n' */

	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void line_puts(struct line *l, const char *s)
{
	line_put(l, s, strlen(s));
}

static void line_vprintf(struct line *l, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));

static void line_vprintf(struct line *l, const char *fmt, va_list ap)
{
	size_t room = sizeof(l->buf) - 1 - l->len;
	int n = vsnprintf(l->buf + l->len, room + 1, fmt, ap);

	if (n < 0)
		return;
	l->len += (size_t)n > room ? room : (size_t)n;
}

/* Appends s as the body of a JSON string, escaping quotes, backslashes and controls. */
static void line_put_json_escaped(struct line *l, const char *s, size_t n)
{
	char esc[8];

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			line_put(l, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			(void)snprintf(esc, sizeof(esc), "\\u%04x", c);
			line_put(l, esc, 6);
		} else {
			line_put(l, (const char *)&s[i], 1);
		}
	}
}

static bool needs_quotes(const char *s)
{
	if (*s == '\0')
		return true;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
			return true;
	}
	return false;
}

static void format_time(struct line *l)
{
	struct timespec ts;
	struct tm tm;
	char buf[40];

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(buf + n, sizeof(buf) - n, ".%03ldZ", ts.tv_nsec / 1000000L);
	line_puts(l, buf);
}

static void format_text(struct line *l, enum log_level level, const char *subsystem,
                        const struct log_field *fields, size_t n_fields, const char *msg)
{
	format_time(l);
	line_puts(l, " ");
	line_puts(l, log_level_to_string(level));
	line_puts(l, " ");
	line_puts(l, subsystem);
	line_puts(l, ": ");
	line_puts(l, msg);
	for (size_t i = 0; i < n_fields; i++) {
		if (fields[i].value == NULL)
			continue;
		line_puts(l, " ");
		line_puts(l, fields[i].key);
		line_puts(l, "=");
		if (needs_quotes(fields[i].value)) {
			line_puts(l, "\"");
			line_put_json_escaped(l, fields[i].value, strlen(fields[i].value));
			line_puts(l, "\"");
		} else {
			line_puts(l, fields[i].value);
		}
	}
}

static void format_json(struct line *l, enum log_level level, const char *subsystem,
                        const struct log_field *fields, size_t n_fields, const char *msg)
{
	line_puts(l, "{\"time\":\"");
	format_time(l);
	line_puts(l, "\",\"level\":\"");
	line_puts(l, log_level_to_string(level));
	line_puts(l, "\",\"subsystem\":\"");
	line_put_json_escaped(l, subsystem, strlen(subsystem));
	line_puts(l, "\",\"message\":\"");
	line_put_json_escaped(l, msg, strlen(msg));
	line_puts(l, "\"");
	for (size_t i = 0; i < n_fields; i++) {
		if (fields[i].value == NULL)
			continue;
		line_puts(l, ",\"");
		line_put_json_escaped(l, fields[i].key, strlen(fields[i].key));
		line_puts(l, "\":\"");
		line_put_json_escaped(l, fields[i].value, strlen(fields[i].value));
		line_puts(l, "\"");
	}
	/* A truncated line still ends the object so the stream stays parseable. */
	if (l->len >= sizeof(l->buf) - 3)
		l->len = sizeof(l->buf) - 3;
	line_puts(l, "}");
}

void log_vfields(enum log_level level, const char *subsystem, const struct log_field *fields,
                 size_t n_fields, const char *fmt, va_list ap)
{
	struct line msg = { .len = 0 };
	struct line out = { .len = 0 };
	int fd;

	if (!log_enabled(level))
		return;
	line_vprintf(&msg, fmt, ap);
	msg.buf[msg.len] = '\0';

	if (atomic_load_explicit(&log_output_format, memory_order_relaxed) == LOG_FORMAT_JSON)
		format_json(&out, level, subsystem, fields, n_fields, msg.buf);
	else
		format_text(&out, level, subsystem, fields, n_fields, msg.buf);
	out.buf[out.len++] = '\n';

	fd = atomic_load_explicit(&log_output_fd, memory_order_relaxed);
	for (size_t off = 0; off < out.len;) {
		ssize_t n = write(fd, out.buf + off, out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

void log_fields(enum log_level level, const char *subsystem, const struct log_field *fields,
                size_t n_fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vfields(level, subsystem, fields, n_fields, fmt, ap);
	va_end(ap);
}
