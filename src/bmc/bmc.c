/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bmc -- driver dispatch with bounded retries, name tables, address checks
 * and the session limit.
 */
#include "bmc/bmc.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bmc/bmc-internal.h"

#define BMC_RETRIES_MAX 10

struct bmc_sessions {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	unsigned max;
	unsigned active;
};

static const char *const type_names[] = { "ipmi", "redfish", "qemu" };
static const char *const action_names[] = { "on", "off", "soft-off", "cycle" };

int bmc_fail(struct bmc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

static int parse_name(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int bmc_type_parse(const char *name, enum bmc_type *ret_type)
{
	int i = parse_name(name, type_names, sizeof(type_names) / sizeof(type_names[0]));

	if (i < 0)
		return i;
	*ret_type = (enum bmc_type)i;
	return 0;
}

const char *bmc_type_name(enum bmc_type type)
{
	return (unsigned)type < 3 ? type_names[type] : "invalid";
}

const char *bmc_power_name(enum bmc_power power)
{
	switch (power) {
	case BMC_POWER_ON:
		return "on";
	case BMC_POWER_OFF:
		return "off";
	default:
		return "unknown";
	}
}

int bmc_action_parse(const char *name, enum bmc_action *ret_action)
{
	int i = parse_name(name, action_names, sizeof(action_names) / sizeof(action_names[0]));

	if (i < 0)
		return i;
	*ret_action = (enum bmc_action)i;
	return 0;
}

const char *bmc_action_name(enum bmc_action action)
{
	return (unsigned)action < 4 ? action_names[action] : "invalid";
}

int bmc_boot_device_parse(const char *name, enum bmc_boot_device *ret_device)
{
	if (strcmp(name, "pxe") == 0)
		*ret_device = BMC_BOOT_PXE;
	else if (strcmp(name, "disk") == 0)
		*ret_device = BMC_BOOT_DISK;
	else
		return -EINVAL;
	return 0;
}

static bool has_control_or_space(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return true;
	return false;
}

/* host[:port]: a name or IPv4 literal of letters, digits, '.', '-', and a port 1..65535. */
static int check_ipmi_address(const char *address, struct bmc_error *err)
{
	const char *colon = strchr(address, ':');
	size_t host_len = colon ? (size_t)(colon - address) : strlen(address);

	if (host_len == 0 || host_len > 253)
		return bmc_fail(err, -EINVAL,
		                "IPMI address \"%.64s\" needs a host name or IPv4 address",
		                address);
	for (size_t i = 0; i < host_len; i++) {
		char c = address[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			return bmc_fail(
			        err, -EINVAL,
			        "IPMI address \"%.64s\" has a character not allowed in a host name",
			        address);
	}
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);

		if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
			return bmc_fail(
			        err, -EINVAL,
			        "IPMI address \"%.64s\" has an invalid port: expected 1 to 65535",
			        address);
	}
	return 0;
}

int bmc_address_check(enum bmc_type type, const char *address, struct bmc_error *err)
{
	if (address[0] == '\0' || strlen(address) >= BMC_ADDRESS_MAX ||
	    has_control_or_space(address))
		return bmc_fail(err, -EINVAL,
		                "BMC address is empty, too long or contains white space");
	switch (type) {
	case BMC_TYPE_IPMI:
		return check_ipmi_address(address, err);
	case BMC_TYPE_REDFISH:
		if (strncmp(address, "https://", 8) != 0 && strncmp(address, "http://", 7) != 0)
			return bmc_fail(
			        err, -EINVAL,
			        "Redfish address \"%.64s\" must start with https:// or http://",
			        address);
		if (strchr(address, '@') != NULL)
			return bmc_fail(
			        err, -EINVAL,
			        "Redfish address must not carry credentials: use username and password");
		return 0;
	case BMC_TYPE_QEMU:
		if (address[0] != '/' || strstr(address, "/../") != NULL)
			return bmc_fail(
			        err, -EINVAL,
			        "QEMU address \"%.64s\" must be an absolute QMP socket path",
			        address);
		return 0;
	}
	return bmc_fail(err, -EINVAL, "unknown BMC type");
}

static const struct bmc_driver *driver_of(enum bmc_type type)
{
	switch (type) {
	case BMC_TYPE_IPMI:
		return &bmc_ipmi_driver;
	case BMC_TYPE_REDFISH:
		return &bmc_redfish_driver;
	case BMC_TYPE_QEMU:
		return &bmc_qemu_driver;
	}
	return NULL;
}

/* Timeouts and refused or unreachable connections may pass; login and protocol errors do not. */
static bool is_retryable(int r)
{
	return r == -ETIMEDOUT || r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -EAGAIN ||
	       r == -EBUSY;
}

static unsigned attempts_of(const struct bmc_target *t)
{
	return 1 + (t->retries < BMC_RETRIES_MAX ? t->retries : BMC_RETRIES_MAX);
}

static int check_target(const struct bmc_target *t, const struct bmc_driver **ret_driver,
                        struct bmc_error *err)
{
	const struct bmc_driver *d = driver_of(t->type);
	int r;

	if (d == NULL)
		return bmc_fail(err, -EINVAL, "unknown BMC type");
	r = bmc_address_check(t->type, t->address, err);
	if (r < 0)
		return r;
	*ret_driver = d;
	return 0;
}

/* Sleeps between attempts: 200 ms, doubling, at most 2 s. */
static void backoff(unsigned attempt)
{
	unsigned ms = 200u << (attempt < 4 ? attempt : 4);
	struct timespec ts;

	if (ms > 2000)
		ms = 2000;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

int bmc_power_status(const struct bmc_target *t, enum bmc_power *ret_power, struct bmc_error *err)
{
	const struct bmc_driver *d;
	int r;

	r = check_target(t, &d, err);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < attempts_of(t); i++) {
		if (i > 0)
			backoff(i - 1);
		r = d->status(t, ret_power, err);
		if (!is_retryable(r))
			break;
	}
	return r;
}

int bmc_power_action(const struct bmc_target *t, enum bmc_action action, struct bmc_error *err)
{
	const struct bmc_driver *d;
	int r;

	r = check_target(t, &d, err);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < attempts_of(t); i++) {
		if (i > 0)
			backoff(i - 1);
		r = d->action(t, action, err);
		if (!is_retryable(r))
			break;
	}
	return r;
}

int bmc_set_boot_device(const struct bmc_target *t, enum bmc_boot_device device, bool efi,
                        struct bmc_error *err)
{
	const struct bmc_driver *d;
	int r;

	r = check_target(t, &d, err);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < attempts_of(t); i++) {
		if (i > 0)
			backoff(i - 1);
		r = d->set_boot(t, device, efi, err);
		if (!is_retryable(r))
			break;
	}
	return r;
}

int bmc_sessions_new(unsigned max, struct bmc_sessions **ret)
{
	struct bmc_sessions *s;

	if (max == 0)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->max = max;
	(void)pthread_mutex_init(&s->lock, NULL);
	(void)pthread_cond_init(&s->freed, NULL);
	*ret = s;
	return 0;
}

void bmc_sessions_free(struct bmc_sessions *s)
{
	if (s == NULL)
		return;
	(void)pthread_cond_destroy(&s->freed);
	(void)pthread_mutex_destroy(&s->lock);
	free(s);
}

int bmc_sessions_acquire(struct bmc_sessions *s, unsigned wait_ms)
{
	struct timespec deadline;
	int r = 0;

	(void)clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->lock);
	while (s->active >= s->max && r == 0)
		r = pthread_cond_timedwait(&s->freed, &s->lock, &deadline);
	if (s->active < s->max) {
		s->active++;
		r = 0;
	} else {
		r = -EBUSY;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

void bmc_sessions_release(struct bmc_sessions *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->active > 0)
		s->active--;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

unsigned bmc_sessions_active(struct bmc_sessions *s)
{
	unsigned n;

	pthread_mutex_lock(&s->lock);
	n = s->active;
	pthread_mutex_unlock(&s->lock);
	return n;
}
