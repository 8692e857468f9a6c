/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task -- parsing and running the agent's deploy and erase tasks. Disk
 * writes go through write(2) to the block device, SHA-256 comes from
 * libsodium, and progress is posted at most every PROGRESS_INTERVAL_MS.
 */
#include "agent/task.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/facts.h"
#include "agent/http.h"
#include "core/log.h"

#define PROGRESS_INTERVAL_MS 2000
#define IO_CHUNK             (1024 * 1024)

static bool is_hex64(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static bool is_disk_name(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len >= AGENT_TASK_DISK_MAX || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return false;
	return true;
}

static int parse_deploy(json_t *root, struct agent_task *t)
{
	const char *url = json_string_value(json_object_get(root, "image_url"));
	const char *sha = json_string_value(json_object_get(root, "sha256"));
	const char *disk = json_string_value(json_object_get(root, "disk"));
	json_t *size = json_object_get(root, "size");

	if (url == NULL || strncmp(url, "http://", 7) != 0 || strlen(url) >= sizeof(t->image_url) ||
	    !is_hex64(sha) || (disk && !is_disk_name(disk)) ||
	    (size && (!json_is_integer(size) || json_integer_value(size) < 0)))
		return -EBADMSG;
	(void)snprintf(t->image_url, sizeof(t->image_url), "%s", url);
	(void)snprintf(t->sha256, sizeof(t->sha256), "%s", sha);
	(void)snprintf(t->disk, sizeof(t->disk), "%s", disk ? disk : "");
	t->size = size ? json_integer_value(size) : -1;
	t->action = AGENT_TASK_DEPLOY;
	return 0;
}

int agent_task_parse(const char *json, size_t len, struct agent_task *ret_task)
{
	struct agent_task t = { .action = AGENT_TASK_NONE, .size = -1 };
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	const char *action, *then, *mode;
	int r = 0;

	if (!json_is_object(root)) {
		json_decref(root);
		return -EBADMSG;
	}
	action = json_string_value(json_object_get(root, "action"));
	then = json_string_value(json_object_get(root, "then"));
	t.reboot = then && strcmp(then, "reboot") == 0;
	if (action == NULL || strcmp(action, "none") == 0) {
		r = action ? 0 : -EBADMSG;
	} else if (strcmp(action, "deploy") == 0) {
		r = parse_deploy(root, &t);
	} else if (strcmp(action, "erase") == 0) {
		mode = json_string_value(json_object_get(root, "mode"));
		if (mode && (strcmp(mode, "quick") == 0 || strcmp(mode, "full") == 0)) {
			t.action = AGENT_TASK_ERASE;
			t.erase_full = strcmp(mode, "full") == 0;
		} else {
			r = -EBADMSG;
		}
	} else {
		r = -EBADMSG;
	}
	json_decref(root);
	if (r == 0)
		*ret_task = t;
	return r;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Posts {"machine_id", "action", "status", "percent", "message"}; failures are logged only. */
static void post_progress(const struct agent_task_context *ctx, const char *action,
                          const char *status, int percent, const char *message)
{
	char path[AGENT_PATH_MAX];
	struct agent_http_response resp;
	json_t *body;
	char *text;
	int r;

	body = json_pack("{s:I, s:s, s:s, s:i, s:s}", "machine_id", (json_int_t)ctx->machine_id,
	                 "action", action, "status", status, "percent", percent, "message",
	                 message ? message : "");
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL ||
	    agent_url_join(ctx->server, AGENT_PROGRESS_PATH, path, sizeof(path)) < 0) {
		free(text);
		return;
	}
	r = agent_http_post(ctx->server, path, ctx->token, text, strlen(text), ctx->timeout_ms,
	                    &resp);
	free(text);
	if (r < 0)
		log_warning("agent", "progress not sent: %s", strerror(-r));
	else if (resp.status != 200)
		log_warning("agent", "progress rejected: status=%d %s", resp.status, resp.body);
}

/* Reports the failure and returns r. */
static int task_failed(const struct agent_task_context *ctx, const char *action, int percent, int r,
                       const char *message)
{
	log_error("agent", "%s failed: %s", action, message);
	post_progress(ctx, action, "failed", percent, message);
	return r;
}

/* The disk to deploy to: the named one, or the first fixed disk. */
static const struct facts_disk *pick_disk(const struct facts *facts, const char *name)
{
	for (size_t i = 0; i < facts->n_disks; i++) {
		const struct facts_disk *d = &facts->disks[i];

		if (name[0] ? strcmp(d->name, name) == 0 : d->removable != 1 && d->size_bytes > 0)
			return d;
	}
	return NULL;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

struct deploy_state {
	const struct agent_task_context *ctx;
	int fd;
	uint64_t disk_size;
	uint64_t written;
	int64_t total; /* -1 when unknown */
	crypto_hash_sha256_state sha;
	uint64_t last_report_ms;
};

static int percent_of(uint64_t done, int64_t total)
{
	if (total <= 0)
		return 0;
	return (int)(done * 100 / (uint64_t)total);
}

static int deploy_sink(void *arg, const uint8_t *data, size_t len)
{
	struct deploy_state *s = arg;
	uint64_t now;
	int r;

	if (len > s->disk_size - s->written)
		return -ENOSPC;
	r = write_all(s->fd, data, len);
	if (r < 0)
		return r;
	crypto_hash_sha256_update(&s->sha, data, len);
	s->written += len;
	now = now_ms();
	if (now - s->last_report_ms >= PROGRESS_INTERVAL_MS) {
		char message[64];
		int pct = percent_of(s->written, s->total);

		/* 100 is reserved for "done", once the checksum matched. */
		(void)snprintf(message, sizeof(message), "%llu bytes written",
		               (unsigned long long)s->written);
		post_progress(s->ctx, "deploy", "running", pct > 99 ? 99 : pct, message);
		s->last_report_ms = now;
	}
	return 0;
}

static void sha_hex(crypto_hash_sha256_state *sha, char hex[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_final(sha, digest);
	(void)sodium_bin2hex(hex, 65, digest, sizeof(digest));
}

/* Reads the first len bytes of path back (after dropping cached pages) and hashes them. */
static int read_back(const char *path, uint64_t len, char hex[65])
{
	crypto_hash_sha256_state sha;
	uint8_t *buf = malloc(IO_CHUNK);
	uint64_t done = 0;
	int fd, r = 0;

	if (buf == NULL)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	crypto_hash_sha256_init(&sha);
	while (done < len) {
		size_t want = len - done < IO_CHUNK ? (size_t)(len - done) : IO_CHUNK;
		ssize_t n = read(fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		crypto_hash_sha256_update(&sha, buf, (size_t)n);
		done += (uint64_t)n;
	}
	(void)close(fd);
	free(buf);
	if (r == 0)
		sha_hex(&sha, hex);
	return r;
}

/* Streams the image onto the open disk; fills *s. Returns 0 or a negative errno with message. */
static int stream_image(const struct agent_task *task, struct deploy_state *s, char *message,
                        size_t size)
{
	struct agent_url url;
	int64_t length;
	int status = 0, r;

	r = agent_url_parse(task->image_url, &url);
	if (r < 0) {
		(void)snprintf(message, size, "image URL %.200s is not http://A.B.C.D[:PORT]/PATH",
		               task->image_url);
		return r;
	}
	r = agent_http_stream(&url, url.path[0] ? url.path : "/", s->ctx->timeout_ms, deploy_sink,
	                      s, &status, &length);
	if (r == 0 && status != 200) {
		(void)snprintf(message, size, "image download answered HTTP %d", status);
		return -EPROTO;
	}
	if (r < 0)
		(void)snprintf(message, size, "image download failed after %llu bytes: %s",
		               (unsigned long long)s->written, strerror(-r));
	return r;
}

static int run_deploy(const struct agent_task *task, const struct facts *facts,
                      const struct agent_task_context *ctx)
{
	struct deploy_state s = { .ctx = ctx, .fd = -1, .total = task->size };
	const struct facts_disk *disk = pick_disk(facts, task->disk);
	char path[256], got[65], message[320];
	int r;

	if (disk == NULL) {
		(void)snprintf(message, sizeof(message), "disk %s not found",
		               task->disk[0] ? task->disk : "(any fixed disk)");
		return task_failed(ctx, "deploy", 0, -ENODEV, message);
	}
	(void)snprintf(path, sizeof(path), "%s/%s", ctx->dev_dir, disk->name);
	s.disk_size = disk->size_bytes;
	if (task->size > 0 && (uint64_t)task->size > disk->size_bytes) {
		(void)snprintf(message, sizeof(message),
		               "image of %lld bytes does not fit disk %s of %llu bytes",
		               (long long)task->size, disk->name,
		               (unsigned long long)disk->size_bytes);
		return task_failed(ctx, "deploy", 0, -ENOSPC, message);
	}
	s.fd = open(path, O_WRONLY | O_CLOEXEC);
	if (s.fd < 0) {
		r = -errno;
		(void)snprintf(message, sizeof(message), "open(%s) failed: %s", path, strerror(-r));
		return task_failed(ctx, "deploy", 0, r, message);
	}
	log_info("agent", "deploy started image=%s disk=%s", task->image_url, path);
	crypto_hash_sha256_init(&s.sha);
	post_progress(ctx, "deploy", "running", 0, "download started");
	s.last_report_ms = now_ms();
	r = stream_image(task, &s, message, sizeof(message));
	if (r == 0 && fsync(s.fd) < 0) {
		r = -errno;
		(void)snprintf(message, sizeof(message), "fsync(%s) failed: %s", path,
		               strerror(-r));
	}
	(void)close(s.fd);
	if (r < 0)
		return task_failed(ctx, "deploy", percent_of(s.written, s.total), r, message);
	sha_hex(&s.sha, got);
	if (strcmp(got, task->sha256) != 0) {
		(void)snprintf(message, sizeof(message),
		               "sha256 mismatch: expected %s, image has %s", task->sha256, got);
		return task_failed(ctx, "deploy", 99, -EBADMSG, message);
	}
	r = read_back(path, s.written, got);
	if (r < 0 || strcmp(got, task->sha256) != 0) {
		(void)snprintf(message, sizeof(message), "read-back of %s %s", path,
		               r < 0 ? strerror(-r) : "does not match the sha256 written");
		return task_failed(ctx, "deploy", 99, r < 0 ? r : -EIO, message);
	}
	(void)snprintf(message, sizeof(message), "%llu bytes written to %s, sha256 %s verified",
	               (unsigned long long)s.written, disk->name, got);
	log_info("agent", "deploy done: %s", message);
	post_progress(ctx, "deploy", "done", 100, message);
	return 0;
}

/* Writes zeros over [offset, offset + len) of fd; reports progress when total is set. */
static int zero_range(int fd, uint64_t offset, uint64_t len, const uint8_t *zeros,
                      const struct agent_task_context *ctx, uint64_t *done, uint64_t total,
                      uint64_t *last_ms)
{
	while (len > 0) {
		size_t n = len < IO_CHUNK ? (size_t)len : IO_CHUNK;
		ssize_t w = pwrite(fd, zeros, n, (off_t)offset);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		offset += (uint64_t)w;
		len -= (uint64_t)w;
		*done += (uint64_t)w;
		if (total && now_ms() - *last_ms >= PROGRESS_INTERVAL_MS) {
			int pct = (int)(*done * 100 / total);

			post_progress(ctx, "erase", "running", pct > 99 ? 99 : pct,
			              "writing zeros");
			*last_ms = now_ms();
		}
	}
	return 0;
}

static int erase_disk(const struct facts_disk *d, bool full, const uint8_t *zeros,
                      const struct agent_task_context *ctx, uint64_t *done, uint64_t total,
                      uint64_t *last_ms)
{
	uint64_t size = d->size_bytes, edge = size < 2 * AGENT_ERASE_EDGE ? size : AGENT_ERASE_EDGE;
	char path[256];
	int fd, r;

	(void)snprintf(path, sizeof(path), "%s/%s", ctx->dev_dir, d->name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (full)
		r = zero_range(fd, 0, size, zeros, ctx, done, total, last_ms);
	else
		r = zero_range(fd, 0, edge, zeros, ctx, done, 0, last_ms);
	if (r == 0 && !full && size > edge)
		r = zero_range(fd, size - edge, edge, zeros, ctx, done, 0, last_ms);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	(void)close(fd);
	return r;
}

static int run_erase(const struct agent_task *task, const struct facts *facts,
                     const struct agent_task_context *ctx)
{
	uint64_t total = 0, done = 0, last_ms = now_ms();
	uint8_t *zeros = calloc(1, IO_CHUNK);
	char message[320];
	size_t n = 0;
	int r = 0;

	if (zeros == NULL)
		return task_failed(ctx, "erase", 0, -ENOMEM, "out of memory");
	for (size_t i = 0; i < facts->n_disks; i++)
		if (facts->disks[i].removable != 1)
			total += facts->disks[i].size_bytes;
	post_progress(ctx, "erase", "running", 0, task->erase_full ? "full erase" : "quick erase");
	for (size_t i = 0; i < facts->n_disks && r == 0; i++) {
		const struct facts_disk *d = &facts->disks[i];

		if (d->removable == 1 || d->size_bytes == 0)
			continue;
		r = erase_disk(d, task->erase_full, zeros, ctx, &done, task->erase_full ? total : 0,
		               &last_ms);
		if (r < 0)
			(void)snprintf(message, sizeof(message), "erase of %s failed: %s", d->name,
			               strerror(-r));
		else
			n++;
	}
	free(zeros);
	if (r < 0)
		return task_failed(ctx, "erase", (int)(total ? done * 100 / total : 0), r, message);
	(void)snprintf(message, sizeof(message), "%zu disk(s) erased (%s)", n,
	               task->erase_full ? "full" : "quick");
	log_info("agent", "erase done: %s", message);
	post_progress(ctx, "erase", "done", 100, message);
	return 0;
}

int agent_task_run(const struct agent_task *task, const struct facts *facts,
                   const struct agent_task_context *ctx)
{
	switch (task->action) {
	case AGENT_TASK_DEPLOY:
		return run_deploy(task, facts, ctx);
	case AGENT_TASK_ERASE:
		return run_erase(task, facts, ctx);
	default:
		return 0;
	}
}
