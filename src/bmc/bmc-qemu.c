/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bmc-qemu -- power control of a QEMU machine through its QMP socket, so
 * virtual machines are managed like bare metal. QEMU must run with
 * "-qmp unix:PATH,server=on,wait=off -no-shutdown": without -no-shutdown a
 * guest power-off ends the process and the socket with it.
 *
 * Power mapping: QMP status "running" (or "suspended") is on, anything
 * else (shutdown, paused, prelaunch) is off. Power on is system_reset then
 * cont, so a machine powered off mid-run starts from its firmware again.
 * No boot device control: QMP has no one-time boot override.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bmc/bmc-internal.h"

#define QMP_LINE_MAX 65536 /* a QMP answer longer than this is rejected */

struct qmp {
	int fd;
	char buf[QMP_LINE_MAX];
	size_t len;
	struct timespec deadline;
};

static int remaining_ms(const struct qmp *q)
{
	struct timespec now;
	long long ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(q->deadline.tv_sec - now.tv_sec) * 1000 +
	     (q->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* Checks that path lies directly in dir (when dir is set). */
static int check_socket_dir(const char *path, const char *dir, struct bmc_error *err)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len;

	if (dir == NULL || dir[0] == '\0')
		return bmc_fail(
		        err, -EPERM,
		        "QEMU power control is off: set [bmc] qmp_dir in the configuration");
	dir_len = strlen(dir);
	while (dir_len > 1 && dir[dir_len - 1] == '/')
		dir_len--;
	if (slash == NULL || (size_t)(slash - path) != dir_len ||
	    strncmp(path, dir, dir_len) != 0 || slash[1] == '\0')
		return bmc_fail(err, -EPERM,
		                "QMP socket \"%.100s\" is not in the [bmc] qmp_dir %.100s", path,
		                dir);
	return 0;
}

static int qmp_connect(struct qmp *q, const struct bmc_target *t, struct bmc_error *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int r;

	r = check_socket_dir(t->address, t->qmp_dir, err);
	if (r < 0)
		return r;
	if (strlen(t->address) >= sizeof(sun.sun_path))
		return bmc_fail(err, -EINVAL, "QMP socket path is too long");
	memcpy(sun.sun_path, t->address, strlen(t->address) + 1);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return bmc_fail(err, -errno, "socket() failed: %s", strerror(errno));
	if (connect(q->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
		(void)close(q->fd);
		q->fd = -1;
		/* No socket file means no QEMU process: the machine cannot be reached. */
		return bmc_fail(err, r == -ENOENT ? -ECONNREFUSED : r,
		                "connect() to QMP socket %.100s failed: %s", t->address,
		                strerror(-r));
	}
	return 0;
}

/* Reads one line (without CR LF) into a jansson object; skips asynchronous events. */
static int qmp_read(struct qmp *q, json_t **ret_msg, struct bmc_error *err)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);

		if (nl != NULL) {
			size_t line_len = (size_t)(nl - q->buf);
			json_t *msg = json_loadb(q->buf, line_len, 0, NULL);

			memmove(q->buf, nl + 1, q->len - line_len - 1);
			q->len -= line_len + 1;
			if (!json_is_object(msg)) {
				json_decref(msg);
				return bmc_fail(err, -EPROTO,
				                "QMP sent a line that is not a JSON object");
			}
			if (json_object_get(msg, "event") != NULL) {
				json_decref(msg);
				continue;
			}
			*ret_msg = msg;
			return 0;
		}
		if (q->len == sizeof(q->buf))
			return bmc_fail(err, -EPROTO, "QMP answer exceeds %d bytes", QMP_LINE_MAX);

		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
		int n = poll(&pfd, 1, remaining_ms(q));

		if (n == 0)
			return bmc_fail(err, -ETIMEDOUT, "QMP did not answer in time");
		if (n < 0 && errno == EINTR)
			continue;
		ssize_t got = n < 0 ? -1 : read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);

		if (got <= 0)
			return bmc_fail(err, -ECONNRESET, "QMP socket closed");
		q->len += (size_t)got;
	}
}

/* Sends {"execute": command} and returns its "return" member (caller decrefs). */
static int qmp_execute(struct qmp *q, const char *command, json_t **ret_value,
                       struct bmc_error *err)
{
	char line[128];
	json_t *msg, *value;
	int n, r;

	n = snprintf(line, sizeof(line), "{\"execute\": \"%s\"}\r\n", command);
	if (n < 0 || (size_t)n >= sizeof(line))
		return bmc_fail(err, -EINVAL, "QMP command too long");
	if (send(q->fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		return bmc_fail(err, -ECONNRESET, "QMP send failed: %s", strerror(errno));
	r = qmp_read(q, &msg, err);
	if (r < 0)
		return r;
	value = json_object_get(msg, "return");
	if (value == NULL) {
		const char *desc =
		        json_string_value(json_object_get(json_object_get(msg, "error"), "desc"));

		json_decref(msg);
		return bmc_fail(err, -EPROTO, "QMP %s failed: %.160s", command,
		                desc ? desc : "no return value");
	}
	json_incref(value);
	json_decref(msg);
	if (ret_value)
		*ret_value = value;
	else
		json_decref(value);
	return 0;
}

/* Connects, reads the greeting and leaves capabilities negotiation mode. */
static int qmp_open(struct qmp *q, const struct bmc_target *t, struct bmc_error *err)
{
	unsigned ms = t->timeout_ms < 100 ? 100 : t->timeout_ms;
	json_t *greeting;
	int r;

	q->fd = -1;
	q->len = 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &q->deadline);
	q->deadline.tv_sec += ms / 1000;
	q->deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (q->deadline.tv_nsec >= 1000000000L) {
		q->deadline.tv_sec++;
		q->deadline.tv_nsec -= 1000000000L;
	}
	r = qmp_connect(q, t, err);
	if (r < 0)
		return r;
	r = qmp_read(q, &greeting, err);
	if (r == 0) {
		if (json_object_get(greeting, "QMP") == NULL)
			r = bmc_fail(err, -EPROTO, "QMP greeting missing: not a QMP socket");
		json_decref(greeting);
	}
	if (r == 0)
		r = qmp_execute(q, "qmp_capabilities", NULL, err);
	if (r < 0) {
		(void)close(q->fd);
		q->fd = -1;
	}
	return r;
}

static int qmp_power(struct qmp *q, enum bmc_power *ret_power, struct bmc_error *err)
{
	json_t *value;
	const char *status;
	int r;

	r = qmp_execute(q, "query-status", &value, err);
	if (r < 0)
		return r;
	status = json_string_value(json_object_get(value, "status"));
	if (status == NULL)
		r = bmc_fail(err, -EPROTO, "QMP query-status has no status");
	else
		*ret_power = strcmp(status, "running") == 0 || strcmp(status, "suspended") == 0
		                     ? BMC_POWER_ON
		                     : BMC_POWER_OFF;
	json_decref(value);
	return r;
}

static int qemu_status(const struct bmc_target *t, enum bmc_power *ret_power, struct bmc_error *err)
{
	struct qmp q;
	int r;

	r = qmp_open(&q, t, err);
	if (r < 0)
		return r;
	r = qmp_power(&q, ret_power, err);
	(void)close(q.fd);
	return r;
}

/* Starts the machine from its firmware unless it runs already (restart: even then). */
static int qmp_start(struct qmp *q, bool restart, struct bmc_error *err)
{
	enum bmc_power power;
	int r;

	r = qmp_power(q, &power, err);
	if (r < 0 || (power == BMC_POWER_ON && !restart))
		return r;
	r = qmp_execute(q, "system_reset", NULL, err);
	if (r == 0 && power != BMC_POWER_ON)
		r = qmp_execute(q, "cont", NULL, err);
	return r;
}

static int qemu_action(const struct bmc_target *t, enum bmc_action action, struct bmc_error *err)
{
	struct qmp q;
	int r;

	r = qmp_open(&q, t, err);
	if (r < 0)
		return r;
	switch (action) {
	case BMC_ACTION_ON:
		r = qmp_start(&q, false, err);
		break;
	case BMC_ACTION_OFF:
		r = qmp_execute(&q, "stop", NULL, err);
		break;
	case BMC_ACTION_SOFT_OFF:
		r = qmp_execute(&q, "system_powerdown", NULL, err);
		break;
	case BMC_ACTION_CYCLE:
		r = qmp_start(&q, true, err);
		break;
	}
	(void)close(q.fd);
	return r;
}

static int qemu_set_boot(const struct bmc_target *t, enum bmc_boot_device device, bool efi,
                         struct bmc_error *err)
{
	(void)t;
	(void)device;
	(void)efi;
	return bmc_fail(err, -ENOTSUP, "QMP has no one-time boot device override");
}

const struct bmc_driver bmc_qemu_driver = {
	.status = qemu_status,
	.action = qemu_action,
	.set_boot = qemu_set_boot,
};
