/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-deploy -- what the netboot environment, installers and deployed
 * systems fetch:
 *
 *   GET  /api/v1/agent/task?machine_id=N   the agent's task (agent token)
 *   POST /api/v1/agent/progress            the task's progress (agent token)
 *   GET  /images/NAME                      deploy images from the image directory
 *   GET  /cloud-init/ID/{meta-data,user-data,vendor-data}
 *                                          NoCloud data, while deploying or deployed
 *   GET  /install/ID/TOKEN/{preseed.cfg,kickstart.cfg,user-data,meta-data}
 *                                          installer templates (agent token in the path)
 *
 * NOTE: the NoCloud data has no credential, because cloud-init in a
 * deployed image has none; it is served only while the machine is
 * deploying or deployed, and the API keeps user data that holds secrets
 * out of its own responses. Anyone who can reach rackd's HTTP port and
 * guess a machine id can read it meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"
#include "http/http-lifecycle.h"
#include "http/install-url.h"
#include "inventory/lifecycle-service.h"
#include "store/store-lifecycle.h"

#define TEXT_MAX    (128u * 1024u) /* rendered templates; user data is at most 64 KiB */
#define MESSAGE_MAX 200

bool http_deploy_path(const char *path)
{
	return strcmp(path, "/api/v1/agent/task") == 0 ||
	       strcmp(path, "/api/v1/agent/progress") == 0 || strncmp(path, "/images/", 8) == 0 ||
	       strncmp(path, "/cloud-init/", 12) == 0 || strncmp(path, "/install/", 9) == 0;
}

/* Text growing up to TEXT_MAX; an overflow makes the render fail. */
struct text {
	char *buf;
	size_t len;
	bool failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	if (t->buf == NULL) {
		t->buf = malloc(TEXT_MAX);
		if (t->buf == NULL) {
			t->failed = true;
			return;
		}
	}
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, TEXT_MAX - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= TEXT_MAX - t->len)
		t->failed = true;
	else
		t->len += (size_t)n;
}

/* Adds s as a JSON string, which YAML reads as a double-quoted scalar. */
static void add_quoted(struct text *t, const char *s)
{
	json_t *v = json_string(s ? s : "");
	char *q = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	if (q == NULL)
		t->failed = true;
	else
		add(t, "%s", q);
	free(q);
	json_decref(v);
}

/* Appends s in single quotes for a POSIX shell, each ' written as '\''. */
static void add_shell_quoted(struct text *t, const char *s)
{
	add(t, "'");
	for (const char *q; (q = strchr(s, '\'')) != NULL; s = q + 1)
		add(t, "%.*s'\\''", (int)(q - s), s);
	add(t, "%s'", s);
}

static int64_t parse_id(const char *s, const char **ret_end)
{
	char *end;
	long long v;

	if (*s < '1' || *s > '9')
		return 0;
	v = strtoll(s, &end, 10);
	*ret_end = end;
	return v > 0 && v < INT64_MAX ? v : 0;
}

/* Checks token against the machine's agent token hash. */
static bool token_matches(const struct store_machine *m, const char *token)
{
	unsigned char digest[32];
	char hex[65];

	if (token == NULL || m->agent_token_hash[0] == '\0' || strlen(m->agent_token_hash) != 64)
		return false;
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)token, strlen(token),
	                   NULL, 0);
	(void)sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	return sodium_memcmp(hex, m->agent_token_hash, 64) == 0;
}

static bool bearer_matches(struct http_request *req, const struct store_machine *m)
{
	const char *auth = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	                                               MHD_HTTP_HEADER_AUTHORIZATION);

	return auth && strncmp(auth, "Bearer ", 7) == 0 && token_matches(m, auth + 7);
}

static enum MHD_Result unauthorized(struct http_request *req, int64_t id)
{
	char path[256];

	if (http_warning_allowed(req->srv))
		log_warning("http",
		            "agent request rejected: unknown machine or bad token machine=%" PRId64
		            " peer=%s path=%s",
		            id, req->peer, http_loggable_path(req->path, path, sizeof(path)));
	return http_send_error(req, MHD_HTTP_UNAUTHORIZED, "unauthorized", NULL,
	                       "missing or invalid agent token for this machine");
}

static enum MHD_Result agent_task(struct http_request *req)
{
	const char *text =
	        MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "machine_id");
	const char *end = NULL;
	struct store_machine m;
	enum MHD_Result ret;
	int64_t id = text ? parse_id(text, &end) : 0;
	char *task;
	int r;

	if (id == 0 || *end != '\0')
		return http_send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "machine_id",
		                       "machine_id must be a positive integer");
	if (store_machine_get(req->srv->store, id, &m) < 0 || !bearer_matches(req, &m))
		return unauthorized(req, id);
	r = lifecycle_agent_task(req->srv->lifecycle, id, &task);
	if (r < 0)
		return http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable", NULL,
		                       "the inventory store failed; retry later");
	http_log_request(req, MHD_HTTP_OK, strlen(task), NULL);
	ret = http_send_text(req, MHD_HTTP_OK, "application/json", task);
	free(task);
	return ret;
}

/* Reads the progress body: machine_id, action, status, percent, message. */
static int read_progress(json_t *body, int64_t *id, const char **action, const char **status,
                         int *percent, const char **message)
{
	json_t *p = json_object_get(body, "percent");

	*id = json_integer_value(json_object_get(body, "machine_id"));
	*action = json_string_value(json_object_get(body, "action"));
	*status = json_string_value(json_object_get(body, "status"));
	*message = json_string_value(json_object_get(body, "message"));
	*percent = json_is_integer(p) ? (int)json_integer_value(p) : -1;
	if (*id <= 0 || *action == NULL || *status == NULL ||
	    (strcmp(*status, "running") && strcmp(*status, "done") && strcmp(*status, "failed")) ||
	    (p && (!json_is_integer(p) || *percent < 0 || *percent > 100)) ||
	    (*message && strlen(*message) > MESSAGE_MAX))
		return -EBADMSG;
	return 0;
}

static enum MHD_Result agent_progress(struct http_request *req)
{
	const char *action, *status, *message;
	enum MHD_Result ret;
	struct store_machine m;
	json_t *body;
	int64_t id;
	int percent, r;

	body = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(body) ||
	    read_progress(body, &id, &action, &status, &percent, &message) < 0) {
		json_decref(body);
		return http_send_error(
		        req, MHD_HTTP_BAD_REQUEST, "invalid_body", NULL,
		        "expected {\"machine_id\", \"action\", \"status\": running|done|failed, \"percent\": 0-100, \"message\"}");
	}
	if (store_machine_get(req->srv->store, id, &m) < 0 || !bearer_matches(req, &m)) {
		json_decref(body);
		return unauthorized(req, id);
	}
	if (strcmp(status, "running") != 0)
		log_info("lifecycle", "machine %" PRId64 " agent %s %s: %s", id, action, status,
		         message ? message : "");
	r = lifecycle_agent_progress(req->srv->lifecycle, id, action, status,
	                             percent < 0 ? 0 : percent, message);
	/* action, status and message point into body, so it is freed only after the reply. */
	if (r == -EPERM)
		ret = http_send_error(req, MHD_HTTP_CONFLICT, "no_task", NULL,
		                      "machine %" PRId64 " runs no %s task in its state", id,
		                      action);
	else if (r < 0)
		ret = http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable", NULL,
		                      "the inventory store failed; retry later");
	else
		ret = http_send_json(req, MHD_HTTP_OK, json_pack("{s:s}", "status", "recorded"));
	json_decref(body);
	return ret;
}

/* Serves a file of the image directory, confined to it. */
static enum MHD_Result image(struct http_request *req, const char *name)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	char dir[CONFIG_PATH_MAX];
	struct MHD_Response *resp;
	enum MHD_Result ret;
	struct stat st;
	int dir_fd, fd = -1;

	http_image_dir(req->srv->cfg, dir, sizeof(dir));
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0 && name[0] && strchr(name, '/') == NULL) {
		fd = (int)syscall(SYS_openat2, dir_fd, name, &how, sizeof(how));
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
			(void)close(fd);
			fd = -1;
		}
	}
	if (dir_fd >= 0)
		(void)close(dir_fd);
	if (fd < 0) {
		http_log_request(req, MHD_HTTP_NOT_FOUND, 0, NULL);
		return http_send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "path",
		                       "no image \"%.128s\"", name);
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (resp == NULL) {
		(void)close(fd);
		return MHD_NO;
	}
	(void)MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	http_log_request(req, MHD_HTTP_OK, (uint64_t)st.st_size, NULL);
	ret = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Machine, state and deploy task for the templates; -ENOENT when unknown. */
struct deploy_view {
	struct store_machine m;
	char state[STORE_STATE_MAX];
	json_t *task;
	char hostname[STORE_HOSTNAME_MAX];
};

static int load_view(struct http_request *req, int64_t id, struct deploy_view *v)
{
	struct store_lifecycle lc;
	struct store_txn *tx;
	const char *h;
	int r;

	r = store_machine_get(req->srv->store, id, &v->m);
	if (r < 0)
		return r;
	r = store_txn_begin(req->srv->store, false, &tx);
	if (r < 0)
		return r;
	r = store_lifecycle_get(tx, id, &lc);
	store_txn_abort(tx);
	if (r < 0)
		return r;
	(void)snprintf(v->state, sizeof(v->state), "%s", lc.state);
	v->task = json_loads(lc.task ? lc.task : "{}", 0, NULL);
	store_lifecycle_done(&lc);
	if (!json_is_object(v->task)) {
		json_decref(v->task);
		v->task = json_object();
	}
	h = json_string_value(json_object_get(v->task, "hostname"));
	if (h == NULL || h[0] == '\0')
		h = v->m.hostname;
	if (h[0])
		(void)snprintf(v->hostname, sizeof(v->hostname), "%s", h);
	else
		(void)snprintf(v->hostname, sizeof(v->hostname), "machine-%" PRId64, id);
	return 0;
}

static void add_keys_yaml(struct text *t, json_t *keys, const char *indent)
{
	size_t i;
	json_t *k;

	json_array_foreach(keys, i, k) {
		add(t, "%s- ", indent);
		add_quoted(t, json_string_value(k));
		add(t, "\n");
	}
}

static void render_meta_data(struct text *t, const struct deploy_view *v)
{
	json_t *keys = json_object_get(v->task, "ssh_keys");

	add(t, "instance-id: rackd-%" PRId64 "-%" PRId64 "\nlocal-hostname: %s\n", v->m.id,
	    v->m.first_seen, v->hostname);
	if (json_array_size(keys) > 0) {
		add(t, "public-keys:\n");
		add_keys_yaml(t, keys, "  ");
	}
}

static void render_user_data(struct text *t, const struct deploy_view *v)
{
	const char *user_data = json_string_value(json_object_get(v->task, "user_data"));
	json_t *keys = json_object_get(v->task, "ssh_keys");

	if (user_data) {
		add(t, "%s", user_data);
		return;
	}
	add(t, "#cloud-config\nhostname: %s\n", v->hostname);
	if (json_array_size(keys) > 0) {
		add(t, "ssh_authorized_keys:\n");
		add_keys_yaml(t, keys, "  ");
	}
}

static enum MHD_Result send_rendered(struct http_request *req, struct text *t)
{
	enum MHD_Result ret;

	if (t->failed) {
		free(t->buf);
		http_log_request(req, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, NULL);
		return http_send_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "render_failed", NULL,
		                       "the document exceeds %u bytes or memory ran out", TEXT_MAX);
	}
	http_log_request(req, MHD_HTTP_OK, t->len, NULL);
	ret = http_send_text(req, MHD_HTTP_OK, "text/plain", t->buf ? t->buf : "");
	free(t->buf);
	return ret;
}

/* True when the peer's address is leased to one of machine id's MACs. */
static bool peer_is_machine(struct http_request *req, int64_t id)
{
	uint8_t mac[ADDR_MAC_LEN];
	struct store_machine owner;

	return http_peer_lease_mac(req->srv, req->peer, mac) == 0 &&
	       store_machine_find_by_mac(req->srv->store, mac, &owner) == 0 && owner.id == id;
}

static enum MHD_Result cloud_init(struct http_request *req, const char *rest)
{
	struct deploy_view v = { 0 };
	struct text t = { 0 };
	const char *file = NULL;
	int64_t id = parse_id(rest, &file);

	if (id == 0 || file == NULL || *file != '/' || load_view(req, id, &v) < 0 ||
	    (strcmp(v.state, "deploying") != 0 && strcmp(v.state, "deployed") != 0)) {
		json_decref(v.task);
		http_log_request(req, MHD_HTTP_NOT_FOUND, 0, NULL);
		return http_send_error(
		        req, MHD_HTTP_NOT_FOUND, "not_found", NULL,
		        "no cloud-init data: the machine is unknown or not deploying or deployed");
	}
	if (req->srv->cfg->http_netboot_requires_lease && !peer_is_machine(req, id)) {
		json_decref(v.task);
		if (http_warning_allowed(req->srv))
			log_warning("http",
			            "cloud-init data of machine %" PRId64
			            " rejected: peer has no DHCP lease of its MACs peer=%s",
			            id, req->peer);
		http_log_request(req, MHD_HTTP_FORBIDDEN, 0, NULL);
		return http_send_error(
		        req, MHD_HTTP_FORBIDDEN, "not_leased", NULL,
		        "%s has no DHCP lease for a MAC of machine %" PRId64
		        ": fetch cloud-init data from the machine itself, or set [http] netboot_requires_lease = false where another server hands out addresses",
		        req->peer, id);
	}
	file++;
	if (strcmp(file, "meta-data") == 0)
		render_meta_data(&t, &v);
	else if (strcmp(file, "user-data") == 0)
		render_user_data(&t, &v);
	else if (strcmp(file, "vendor-data") == 0)
		add(&t, "%s", "");
	else
		t.failed = true;
	json_decref(v.task);
	if (t.failed && t.buf == NULL) {
		http_log_request(req, MHD_HTTP_NOT_FOUND, 0, NULL);
		return http_send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "path",
		                       "cloud-init serves meta-data, user-data and vendor-data");
	}
	return send_rendered(req, &t);
}

/* The shell command an installer runs at its end to report the deploy done. */
static void add_done_command(struct text *t, const struct http_request *req, int64_t id,
                             const char *token, const char *tool)
{
	const char *url = req->srv->cfg->http_public_url;

	if (strcmp(tool, "wget") == 0)
		add(t,
		    "wget -q -O /dev/null --header='Authorization: Bearer %s' --header='Content-Type: application/json' --post-data='{\"machine_id\": %" PRId64
		    ", \"action\": \"deploy\", \"status\": \"done\", \"percent\": 100, \"message\": \"installer finished\"}' %s/api/v1/agent/progress",
		    token, id, url);
	else
		add(t,
		    "curl -fsS -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d '{\"machine_id\": %" PRId64
		    ", \"action\": \"deploy\", \"status\": \"done\", \"percent\": 100, \"message\": \"installer finished\"}' %s/api/v1/agent/progress",
		    token, id, url);
}

/* Parses the task's URL member key; false when the task has none or it does not parse. */
static bool task_url(const struct deploy_view *v, const char *key, struct install_url *ret_url)
{
	const char *text = json_string_value(json_object_get(v->task, key));

	return text != NULL && install_url_parse(text, ret_url) == 0;
}

/*
 * Adds the choose-mirror and apt-setup (Debian 12) settings: mirror, proxy
 * and security archive. Without a mirror the installer keeps its default,
 * deb.debian.org.
 */
static void add_preseed_sources(struct text *t, const struct deploy_view *v)
{
	const char *proxy = json_string_value(json_object_get(v->task, "proxy"));
	const char *scheme = "http";
	struct install_url mirror;
	size_t len;

	if (task_url(v, "mirror", &mirror)) {
		scheme = mirror.https ? "https" : "http";
		add(t,
		    "d-i mirror/country string manual\nd-i mirror/protocol string %s\n"
		    "d-i mirror/%s/hostname string %s\nd-i mirror/%s/directory string %s\n",
		    scheme, scheme, mirror.authority, scheme, mirror.path);
		/*
		 * The security archive is expected beside the mirror, as on
		 * deb.debian.org: /debian and /debian-security on one host.
		 */
		len = strlen(mirror.path);
		while (len > 0 && mirror.path[len - 1] == '/')
			len--;
		add(t, "d-i apt-setup/security_host string %s\n", mirror.authority);
		if (len > 0)
			add(t, "d-i apt-setup/security_path string %.*s-security\n", (int)len,
			    mirror.path);
		else
			add(t, "d-i apt-setup/security_path string /debian-security\n");
	}
	add(t, "d-i mirror/%s/proxy string %s\n", scheme, proxy ? proxy : "");
	add(t, "d-i apt-setup/services-select multiselect security, updates\n"
	       "d-i apt-setup/non-free-firmware boolean true\n");
}

/* Adds the time zone UTC, the hardware clock in UTC, and NTP when the task names a server. */
static void add_preseed_clock(struct text *t, const struct deploy_view *v)
{
	const char *ntp = json_string_value(json_object_get(v->task, "ntp_server"));

	add(t, "d-i time/zone string Etc/UTC\nd-i clock-setup/utc boolean true\n");
	if (ntp)
		add(t, "d-i clock-setup/ntp boolean true\nd-i clock-setup/ntp-server string %s\n",
		    ntp);
}

/*
 * Renders the Debian preseed. The kernel line sets auto=true
 * priority=critical, so the installer asks only critical questions that
 * this file leaves open.
 */
static void render_preseed(struct text *t, const struct http_request *req,
                           const struct deploy_view *v, const char *token)
{
	json_t *keys = json_object_get(v->task, "ssh_keys");
	size_t i;
	json_t *k;

	add(t, "# Debian installer preseed rendered by rackd for machine %" PRId64 "\n", v->m.id);
	add(t, "d-i debian-installer/locale string en_US.UTF-8\n"
	       "d-i keyboard-configuration/xkb-keymap select us\n"
	       "d-i netcfg/choose_interface select auto\n");
	add(t, "d-i netcfg/get_hostname string %s\nd-i netcfg/hostname string %s\n", v->hostname,
	    v->hostname);
	/* A domain name from DHCP takes precedence over this one. */
	if (req->srv->cfg->dns_domain[0])
		add(t, "d-i netcfg/get_domain string %s\n", req->srv->cfg->dns_domain);
	add_preseed_sources(t, v);
	add_preseed_clock(t, v);
	add(t, "d-i passwd/root-login boolean false\n"
	       "d-i passwd/make-user boolean false\n"
	       "d-i partman-auto/method string regular\n"
	       "d-i partman-auto/choose_recipe select atomic\n"
	       "d-i partman/confirm_write_new_label boolean true\n"
	       "d-i partman/choose_partition select finish\n"
	       "d-i partman/confirm boolean true\n"
	       "d-i partman/confirm_nooverwrite boolean true\n"
	       "tasksel tasksel/first multiselect standard, ssh-server\n"
	       "d-i grub-installer/bootdev string default\n"
	       "d-i finish-install/reboot_in_progress note\n");
	add(t, "d-i preseed/late_command string mkdir -p /target/root/.ssh");
	json_array_foreach(keys, i, k) {
		add(t, "; echo ");
		add_shell_quoted(t, json_string_value(k));
		add(t, " >> /target/root/.ssh/authorized_keys");
	}
	add(t, "; ");
	add_done_command(t, req, v->m.id, token, "wget");
	add(t, "\n");
}

static void render_kickstart(struct text *t, const struct http_request *req,
                             const struct deploy_view *v, const char *token)
{
	const char *mirror = json_string_value(json_object_get(v->task, "mirror"));
	const char *proxy = json_string_value(json_object_get(v->task, "proxy"));
	const char *ntp = json_string_value(json_object_get(v->task, "ntp_server"));
	json_t *keys = json_object_get(v->task, "ssh_keys");
	size_t i;
	json_t *k;

	add(t, "# Kickstart rendered by rackd for machine %" PRId64 "\n", v->m.id);
	add(t, "text\nlang en_US.UTF-8\nkeyboard us\n");
	/*
	 * NOTE: pykickstart deprecated --ntpservers when it added the timesource
	 * command (F33, RHEL 9); RHEL 8 has only --ntpservers, so this file uses it.
	 */
	add(t, "timezone Etc/UTC --utc");
	if (ntp)
		add(t, " --ntpservers=%s", ntp);
	add(t, "\n");
	/* The API accepts a proxy for rhel only together with a mirror. */
	if (mirror) {
		add(t, "url --url=%s", mirror);
		if (proxy)
			add(t, " --proxy=%s", proxy);
		add(t, "\n");
	}
	add(t,
	    "network --bootproto=dhcp --hostname=%s\n"
	    "rootpw --lock\nzerombr\nclearpart --all --initlabel\nautopart\nreboot\n",
	    v->hostname);
	json_array_foreach(keys, i, k) {
		add(t, "sshkey --username=root ");
		add_quoted(t, json_string_value(k));
		add(t, "\n");
	}
	add(t, "%%post --nochroot\n");
	add_done_command(t, req, v->m.id, token, "curl");
	add(t, "\n%%end\n");
}

/* Adds the time zone, apt primary mirror, proxy and NTP server of a subiquity autoinstall. */
static void add_autoinstall_sources(struct text *t, const struct deploy_view *v)
{
	const char *mirror = json_string_value(json_object_get(v->task, "mirror"));
	const char *proxy = json_string_value(json_object_get(v->task, "proxy"));
	const char *ntp = json_string_value(json_object_get(v->task, "ntp_server"));

	add(t, "  timezone: Etc/UTC\n");
	if (mirror) {
		add(t, "  apt:\n    primary:\n      - arches: [default]\n        uri: ");
		add_quoted(t, mirror);
		add(t, "\n");
	}
	if (proxy) {
		add(t, "  proxy: ");
		add_quoted(t, proxy);
		add(t, "\n");
	}
	/* The installed system's cloud-init configures NTP from this section. */
	if (ntp) {
		add(t, "  user-data:\n    ntp:\n      enabled: true\n      servers:\n        - ");
		add_quoted(t, ntp);
		add(t, "\n");
	}
}

static void render_autoinstall(struct text *t, const struct http_request *req,
                               const struct deploy_view *v, const char *token)
{
	json_t *keys = json_object_get(v->task, "ssh_keys");

	add(t, "#cloud-config\nautoinstall:\n  version: 1\n");
	add(t, "  identity:\n    hostname: %s\n    username: ubuntu\n    password: \"!\"\n",
	    v->hostname);
	add_autoinstall_sources(t, v);
	add(t, "  ssh:\n    install-server: true\n    allow-pw: false\n");
	if (json_array_size(keys) > 0) {
		add(t, "    authorized-keys:\n");
		add_keys_yaml(t, keys, "      ");
	}
	add(t, "  late-commands:\n    - ");
	/* The command goes in as one YAML double-quoted scalar. */
	struct text cmd = { 0 };

	add_done_command(&cmd, req, v->m.id, token, "curl");
	if (cmd.failed)
		t->failed = true;
	else
		add_quoted(t, cmd.buf);
	free(cmd.buf);
	add(t, "\n");
}

static enum MHD_Result install(struct http_request *req, const char *rest)
{
	struct deploy_view v = { 0 };
	struct text t = { 0 };
	const char *after = NULL, *slash;
	char token[129];
	int64_t id = parse_id(rest, &after);
	size_t token_len;

	if (id == 0 || after == NULL || *after != '/' || (slash = strchr(after + 1, '/')) == NULL ||
	    (token_len = (size_t)(slash - after - 1)) == 0 || token_len >= sizeof(token))
		return http_send_error(req, MHD_HTTP_NOT_FOUND, "not_found", NULL,
		                       "expected /install/ID/TOKEN/FILE");
	memcpy(token, after + 1, token_len);
	token[token_len] = '\0';
	if (load_view(req, id, &v) < 0 || !token_matches(&v.m, token)) {
		json_decref(v.task);
		return unauthorized(req, id);
	}
	if (strcmp(slash + 1, "preseed.cfg") == 0)
		render_preseed(&t, req, &v, token);
	else if (strcmp(slash + 1, "kickstart.cfg") == 0)
		render_kickstart(&t, req, &v, token);
	else if (strcmp(slash + 1, "user-data") == 0)
		render_autoinstall(&t, req, &v, token);
	else if (strcmp(slash + 1, "meta-data") == 0)
		render_meta_data(&t, &v);
	else
		t.failed = true;
	json_decref(v.task);
	sodium_memzero(token, sizeof(token));
	if (t.failed && t.buf == NULL)
		return http_send_error(
		        req, MHD_HTTP_NOT_FOUND, "not_found", "path",
		        "install serves preseed.cfg, kickstart.cfg, user-data and meta-data");
	return send_rendered(req, &t);
}

enum MHD_Result http_deploy_route(struct http_request *req)
{
	const char *path = req->path;
	bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;

	if (req->srv->lifecycle == NULL)
		return http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "lifecycle_unavailable",
		                       NULL, "the lifecycle service is not running");
	if (strcmp(path, "/api/v1/agent/progress") == 0) {
		if (strcmp(req->method, "POST") != 0)
			return http_send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED,
			                       "method_not_allowed", NULL, "use POST on %s", path);
		return agent_progress(req);
	}
	if (!get)
		return http_send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", NULL,
		                       "use GET on %s", path);
	if (strcmp(path, "/api/v1/agent/task") == 0)
		return agent_task(req);
	if (strncmp(path, "/images/", 8) == 0)
		return image(req, path + 8);
	if (strncmp(path, "/cloud-init/", 12) == 0)
		return cloud_init(req, path + 12);
	return install(req, path + 9);
}
