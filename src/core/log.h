/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log -- leveled log lines as text or JSON lines on stderr.
 * One write(2) per line, so lines from several threads never interleave.
 * The level and format are process-wide and set once at startup.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Syslog severities, so a level maps straight onto journald's PRIORITY. */
enum log_level {
	LOG_LEVEL_ERROR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

/* One key=value field of a log line; a NULL value omits the field. */
struct log_field {
	const char *key;
	const char *value;
};

/* Sets the threshold and the output format; call before any thread starts. */
void log_setup(enum log_level level, enum log_format format);

/* Redirects output to fd (stderr by default); the caller keeps the fd. */
void log_set_fd(int fd);

bool log_enabled(enum log_level level);

/*
 * Writes "subsystem: message key=value ..." in text mode, or one JSON object
 * with "time", "level", "subsystem", "message" and one member per field.
 * Field values are quoted in text mode when they contain spaces, quotes or
 * control characters. Never fails: an over-long line is truncated.
 */
void log_fields(enum log_level level, const char *subsystem, const struct log_field *fields,
                size_t n_fields, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

void log_vfields(enum log_level level, const char *subsystem, const struct log_field *fields,
                 size_t n_fields, const char *fmt, va_list ap)
        __attribute__((format(printf, 5, 0)));

#define log_error(sub, ...)   log_fields(LOG_LEVEL_ERROR, sub, NULL, 0, __VA_ARGS__)
#define log_warning(sub, ...) log_fields(LOG_LEVEL_WARNING, sub, NULL, 0, __VA_ARGS__)
#define log_notice(sub, ...)  log_fields(LOG_LEVEL_NOTICE, sub, NULL, 0, __VA_ARGS__)
#define log_info(sub, ...)    log_fields(LOG_LEVEL_INFO, sub, NULL, 0, __VA_ARGS__)
#define log_debug(sub, ...)                                                     \
	do {                                                                    \
		if (log_enabled(LOG_LEVEL_DEBUG))                               \
			log_fields(LOG_LEVEL_DEBUG, sub, NULL, 0, __VA_ARGS__); \
	} while (0)

/* Parses "error", "warning", "notice", "info" or "debug". */
int log_level_from_string(const char *s, enum log_level *ret_level);
const char *log_level_to_string(enum log_level level);

/*
 * Token bucket for warnings triggered by network input: at most burst
 * messages, refilled at one per interval_ms. Not thread-safe; keep one per
 * thread or per source.
 */
struct log_ratelimit {
	uint32_t interval_ms;
	uint32_t burst;
	uint32_t tokens;
	uint64_t last_ms;
	uint64_t suppressed;
};

#define LOG_RATELIMIT_INIT(interval, n)                                \
	{                                                              \
		.interval_ms = (interval), .burst = (n), .tokens = (n) \
	}

/* Returns true when a message may be written now; counts the ones that may not. */
bool log_ratelimit_allow(struct log_ratelimit *rl);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t log_now_ms(void);
