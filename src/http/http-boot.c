/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-boot -- netboot endpoints: the per-machine iPXE script (which enrols
 * unknown MACs), boot assets confined to boot_dir, and the agent report.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/log.h"
#include "http/agent-report.h"
#include "http/http-internal.h"
#include "inventory/boot-script.h"
#include "inventory/lifecycle-service.h"
#include "store/store-inventory.h"
#include "store/store-ipam.h"
#include "store/store-lifecycle.h"

#define SCRIPT_MAX 4096

static const char *query_arg(struct http_request *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

static bool is_one_of(const char *value, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(value, *allowed) == 0)
			return true;
	return false;
}

/* Accepts the 8-4-4-4-12 hex form of an SMBIOS UUID. */
static bool valid_uuid(const char *s)
{
	static const char pattern[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(pattern) - 1)
		return false;
	for (size_t i = 0; pattern[i]; i++) {
		if (pattern[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* Hex BLAKE2b-256 of token; hex must hold 65 bytes. */
static void hash_token(const char *token, char hex[65])
{
	unsigned char digest[32];

	crypto_generichash(digest, sizeof(digest), (const unsigned char *)token, strlen(token),
	                   NULL, 0);
	(void)sodium_bin2hex(hex, 65, digest, sizeof(digest));
}

/* Writes a fresh agent token into token (65 bytes) and stores its hash. */
static int issue_agent_token(struct http_server *srv, int64_t machine_id, char token[65])
{
	unsigned char raw[HTTP_TOKEN_BYTES];
	char hash[65];

	randombytes_buf(raw, sizeof(raw));
	(void)sodium_bin2hex(token, 65, raw, sizeof(raw));
	hash_token(token, hash);
	return store_machine_set_agent_token_hash(srv->store, machine_id, hash);
}

static void log_enrolled(const struct store_machine *m, const char *peer)
{
	char id[24], mac[ADDR_MAC_STRLEN];
	struct log_field fields[] = {
		{ "machine", id },
		{ "mac", mac },
		{ "arch", m->arch },
		{ "firmware", m->firmware },
		{ "uuid", m->uuid[0] ? m->uuid : NULL },
		{ "address", peer },
	};

	(void)snprintf(id, sizeof(id), "%lld", (long long)m->id);
	addr_format_mac(m->mac, mac);
	log_fields(LOG_LEVEL_INFO, "inventory", fields, sizeof(fields) / sizeof(fields[0]),
	           "machine %s enrolled", id);
}

/* Reads and checks the query of /boot/ipxe into *m; queues a 400 on bad input. */
/* False when the argument's value holds a NUL byte (sent as %00), which C strings would hide. */
static bool query_arg_is_text(struct http_request *req, const char *key)
{
	const char *value = NULL;
	size_t len = 0;

	if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key),
	                                  &value, &len) != MHD_YES)
		return true;
	return value == NULL || strlen(value) == len;
}

/*
 * Token bucket of new enrolments per client address: HTTP_ENROL_BURST at
 * once, then one every HTTP_ENROL_INTERVAL_MS. The table is small and
 * fixed; when full, the least recently used client's bucket is reused.
 */
#define HTTP_ENROL_CLIENTS     256
#define HTTP_ENROL_BURST       32
#define HTTP_ENROL_INTERVAL_MS 1000

struct http_enrol_limit {
	pthread_mutex_t lock;
	struct {
		char peer[64];
		struct log_ratelimit bucket;
		uint64_t used_ms;
	} clients[HTTP_ENROL_CLIENTS];
};

static bool enrol_allowed(struct http_server *srv, const char *peer)
{
	struct http_enrol_limit *lim = srv->enrol_limit;
	size_t slot = 0;
	bool allowed;

	if (lim == NULL)
		return true;
	pthread_mutex_lock(&lim->lock);
	for (size_t i = 0; i < HTTP_ENROL_CLIENTS; i++) {
		if (strcmp(lim->clients[i].peer, peer) == 0) {
			slot = i;
			goto found;
		}
		if (lim->clients[i].used_ms < lim->clients[slot].used_ms)
			slot = i;
	}
	(void)snprintf(lim->clients[slot].peer, sizeof(lim->clients[slot].peer), "%s", peer);
	lim->clients[slot].bucket =
	        (struct log_ratelimit)LOG_RATELIMIT_INIT(HTTP_ENROL_INTERVAL_MS, HTTP_ENROL_BURST);
	lim->clients[slot].bucket.last_ms = log_now_ms();
found:
	lim->clients[slot].used_ms = log_now_ms();
	allowed = log_ratelimit_allow(&lim->clients[slot].bucket);
	pthread_mutex_unlock(&lim->lock);
	return allowed;
}

int http_enrol_limit_new(struct http_enrol_limit **ret_limit)
{
	struct http_enrol_limit *lim = calloc(1, sizeof(*lim));

	if (lim == NULL)
		return -ENOMEM;
	pthread_mutex_init(&lim->lock, NULL);
	*ret_limit = lim;
	return 0;
}

void http_enrol_limit_free(struct http_enrol_limit *lim)
{
	if (lim == NULL)
		return;
	pthread_mutex_destroy(&lim->lock);
	free(lim);
}

static bool read_boot_query(struct http_request *req, struct store_machine *m, enum MHD_Result *ret)
{
	static const char *const arches[] = { "x86_64", "i386", "arm64", "arm32", NULL };
	static const char *const firmwares[] = { "bios", "uefi", "uefi-http", NULL };
	const char *mac = query_arg(req, "mac");
	const char *arch = query_arg(req, "arch");
	const char *firmware = query_arg(req, "firmware");
	const char *uuid = query_arg(req, "uuid");
	uint32_t peer;

	memset(m, 0, sizeof(*m));
	if (mac == NULL || !query_arg_is_text(req, "mac") || addr_parse_mac(mac, m->mac) < 0) {
		*ret = http_send_error(
		        req, MHD_HTTP_BAD_REQUEST, "invalid_mac", "mac",
		        "invalid or missing mac \"%s\": expected e.g. 52:54:00:ab:cd:ef",
		        mac ? mac : "");
		return false;
	}
	/* A group or all-zero address never belongs to one NIC. */
	if ((m->mac[0] & 0x01) || memcmp(m->mac, "\0\0\0\0\0\0", ADDR_MAC_LEN) == 0) {
		*ret = http_send_error(
		        req, MHD_HTTP_BAD_REQUEST, "invalid_mac", "mac",
		        "mac \"%s\" is a multicast, broadcast or all-zero address, not a NIC's",
		        mac);
		return false;
	}
	if (arch && !is_one_of(arch, arches)) {
		*ret = http_send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_arch", "arch",
		                       "invalid arch \"%s\": expected x86_64, i386, arm64 or arm32",
		                       arch);
		return false;
	}
	if (firmware && !is_one_of(firmware, firmwares)) {
		*ret = http_send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_firmware", "firmware",
		                       "invalid firmware \"%s\": expected bios, uefi or uefi-http",
		                       firmware);
		return false;
	}
	if (uuid && uuid[0] && !valid_uuid(uuid)) {
		*ret = http_send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_uuid", "uuid",
		                       "invalid uuid \"%s\": expected 8-4-4-4-12 hex digits", uuid);
		return false;
	}
	/*
	 * The default name is an RFC 1123 label made from the PXE MAC, unique
	 * because the MAC is, so DNS serves the machine from enrolment on.
	 */
	(void)snprintf(m->hostname, sizeof(m->hostname), "m-%02x%02x%02x%02x%02x%02x", m->mac[0],
	               m->mac[1], m->mac[2], m->mac[3], m->mac[4], m->mac[5]);
	(void)snprintf(m->arch, sizeof(m->arch), "%s", arch ? arch : "x86_64");
	(void)snprintf(m->firmware, sizeof(m->firmware), "%s", firmware ? firmware : "bios");
	(void)snprintf(m->uuid, sizeof(m->uuid), "%s", uuid ? uuid : "");
	if (addr_parse_ipv4(req->peer, &peer) == 0)
		m->first_address = peer;
	m->first_seen = (int64_t)time(NULL);
	return true;
}

/*
 * Renders the script for the machine's lifecycle state (inventory/boot-script.h);
 * returns its length or a negative errno.
 */
static int render_script(struct http_server *srv, const struct store_machine *m, const char *mac,
                         const char *token, char *script, size_t size)
{
	const struct config *cfg = srv->cfg;
	struct boot_script_input in = {
		.machine_id = m->id,
		.mac = mac,
		.state = m->state,
		.firmware = m->firmware,
		.public_url = cfg->http_public_url,
		.kernel = cfg->boot_kernel,
		.initrd = cfg->boot_initrd,
		.cmdline = cfg->boot_cmdline,
		.lldp_wait = cfg->boot_lldp_wait,
		.token = token,
		.task_json = "{}",
	};
	struct store_lifecycle lc = { .task = NULL };
	struct store_txn *tx;
	int r;

	/* Only an installer deploy needs the task; every other state renders without it. */
	if (strcmp(m->state, "deploying") == 0 && store_txn_begin(srv->store, false, &tx) == 0) {
		if (store_lifecycle_get(tx, m->id, &lc) == 0)
			in.task_json = lc.task;
		store_txn_abort(tx);
	}
	r = boot_script_render(&in, script, size);
	store_lifecycle_done(&lc);
	return r;
}

int http_peer_lease_mac(struct http_server *srv, const char *peer, uint8_t ret_mac[ADDR_MAC_LEN])
{
	struct store_lease lease;
	struct store_txn *tx;
	uint32_t address;
	int r;

	if (strncmp(peer, "::ffff:", 7) == 0)
		peer += 7;
	if (addr_parse_ipv4(peer, &address) < 0)
		return -EPERM;
	r = store_txn_begin(srv->store, false, &tx);
	if (r < 0)
		return r;
	r = store_ipam_lease_get(tx, address, &lease);
	store_txn_abort(tx);
	if (r == -ENOENT)
		return -EPERM;
	if (r < 0)
		return r;
	if (lease.state != STORE_LEASE_BOUND || lease.expires <= (int64_t)time(NULL))
		return -EPERM;
	memcpy(ret_mac, lease.mac, ADDR_MAC_LEN);
	return 0;
}

/*
 * Checks that peer has an unexpired DHCP lease for mac, because the script
 * carries the machine's agent token and the MAC alone is no secret.
 * 0 when it has, -EPERM when it has not, or the store's error.
 */
static int peer_holds_lease(struct http_server *srv, const char *peer,
                            const uint8_t mac[ADDR_MAC_LEN])
{
	uint8_t leased[ADDR_MAC_LEN];
	int r = http_peer_lease_mac(srv, peer, leased);

	if (r == 0 && memcmp(leased, mac, ADDR_MAC_LEN) != 0)
		r = -EPERM;
	return r;
}

enum MHD_Result http_boot_script(struct http_request *req)
{
	struct http_server *srv = req->srv;
	struct store_machine candidate, m;
	char token[65], script[SCRIPT_MAX], mac[ADDR_MAC_STRLEN];
	enum MHD_Result ret;
	bool created;
	int r, n;

	if (!read_boot_query(req, &candidate, &ret)) {
		http_log_request(req, MHD_HTTP_BAD_REQUEST, 0, NULL);
		return ret;
	}
	addr_format_mac(candidate.mac, mac);
	r = srv->cfg->http_netboot_requires_lease ? peer_holds_lease(srv, req->peer, candidate.mac)
	                                          : 0;
	if (r == -EPERM) {
		if (http_warning_allowed(srv))
			log_warning(
			        "http",
			        "boot script for %s rejected: peer has no DHCP lease for it peer=%s",
			        mac, req->peer);
		http_log_request(req, MHD_HTTP_FORBIDDEN, 0, mac);
		return http_send_error(
		        req, MHD_HTTP_FORBIDDEN, "not_leased", "mac",
		        "%s has no DHCP lease for %s: boot the machine through rackd's DHCP, or set [http] netboot_requires_lease = false where another server hands out addresses",
		        req->peer, mac);
	}
	if (r == 0 && store_machine_find_by_mac(srv->store, candidate.mac, &m) == -ENOENT &&
	    !enrol_allowed(srv, req->peer)) {
		atomic_fetch_add(&srv->enrol_rate_limited, 1);
		if (http_warning_allowed(srv))
			log_warning("http",
			            "enrolment of %s rejected: too many new machines from peer=%s",
			            mac, req->peer);
		http_log_request(req, MHD_HTTP_TOO_MANY_REQUESTS, 0, mac);
		return http_send_error(
		        req, MHD_HTTP_TOO_MANY_REQUESTS, "enrolment_rate_limited", "mac",
		        "too many new machines from this client; retry in a few seconds");
	}
	if (r == 0)
		r = store_machine_enroll(srv->store, &candidate, srv->cfg->boot_max_new_machines,
		                         &m, &created);
	if (r == -EDQUOT) {
		atomic_fetch_add(&srv->enrol_full, 1);
		if (http_warning_allowed(srv))
			log_warning(
			        "http",
			        "enrolment of %s rejected: %u machines are in state new peer=%s",
			        mac, srv->cfg->boot_max_new_machines, req->peer);
		http_log_request(req, MHD_HTTP_SERVICE_UNAVAILABLE, 0, mac);
		return http_send_error(
		        req, MHD_HTTP_SERVICE_UNAVAILABLE, "enrolment_full", "mac",
		        "%u machines are in state new, the [boot] max_new_machines cap: commission or delete some, or raise the cap",
		        srv->cfg->boot_max_new_machines);
	}
	if (r == 0)
		r = issue_agent_token(srv, m.id, token);
	if (r < 0) {
		log_error("http", "boot script for %s failed: store: %s", mac,
		          store_last_error(srv->store));
		http_log_request(req, MHD_HTTP_SERVICE_UNAVAILABLE, 0, mac);
		return http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable", NULL,
		                       "the inventory store failed; retry later");
	}
	if (created) {
		char object[32];

		log_enrolled(&m, req->peer);
		(void)snprintf(object, sizeof(object), "machine/%lld", (long long)m.id);
		(void)store_event_add(srv->store, "netboot", "machine.enrolled", object, mac);
	}

	n = render_script(srv, &m, mac, token, script, sizeof(script));
	sodium_memzero(token, sizeof(token));
	if (n < 0) {
		http_log_request(req, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, mac);
		return http_send_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "script_failed", NULL,
		                       "boot script not rendered: %s (limit %d bytes)",
		                       strerror(-n), SCRIPT_MAX);
	}
	http_log_request(req, MHD_HTTP_OK, (uint64_t)n, mac);
	ret = http_send_text(req, MHD_HTTP_OK, "text/plain", script);
	sodium_memzero(script, sizeof(script));
	return ret;
}

/*
 * Opens rel_path beneath dir_fd; symlinks and ".." may not leave the directory.
 * O_NONBLOCK keeps a FIFO in boot_dir from blocking an HTTP thread until a
 * writer appears; it does not change reads of regular files.
 */
static int open_beneath(int dir_fd, const char *rel_path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dir_fd, rel_path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

enum MHD_Result http_boot_asset(struct http_request *req, const char *rel_path)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	struct stat st;
	int fd;

	while (*rel_path == '/')
		rel_path++;
	fd = *rel_path ? open_beneath(req->srv->boot_dir_fd, rel_path) : -ENOENT;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		(void)close(fd);
		fd = -ENOENT;
	}
	if (fd < 0) {
		unsigned status =
		        fd == -EXDEV || fd == -ELOOP ? MHD_HTTP_FORBIDDEN : MHD_HTTP_NOT_FOUND;

		http_log_request(req, status, 0, NULL);
		return http_send_error(req, status,
		                       status == MHD_HTTP_FORBIDDEN ? "forbidden" : "not_found",
		                       "path", "no boot asset at \"%s\"", rel_path);
	}
	/* libmicrohttpd owns fd from here and sends it with sendfile(). */
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

/* Checks "Authorization: Bearer TOKEN" against the machine's stored token hash. */
static bool agent_token_valid(struct http_request *req, const struct store_machine *m)
{
	const char *auth = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	                                               MHD_HTTP_HEADER_AUTHORIZATION);
	char hash[65];

	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 || m->agent_token_hash[0] == '\0')
		return false;
	hash_token(auth + 7, hash);
	return strlen(m->agent_token_hash) == 64 &&
	       sodium_memcmp(hash, m->agent_token_hash, 64) == 0;
}

static void log_reported(const struct store_machine *m, uint32_t cpus, uint64_t memory)
{
	char id[24], mac[ADDR_MAC_STRLEN], cpus_text[24], memory_text[24];
	struct log_field fields[] = {
		{ "machine", id },
		{ "mac", mac },
		{ "cpus", cpus_text },
		{ "memory", memory_text },
	};

	(void)snprintf(id, sizeof(id), "%lld", (long long)m->id);
	(void)snprintf(cpus_text, sizeof(cpus_text), "%u", cpus);
	(void)snprintf(memory_text, sizeof(memory_text), "%llu", (unsigned long long)memory);
	addr_format_mac(m->mac, mac);
	log_fields(LOG_LEVEL_INFO, "inventory", fields, sizeof(fields) / sizeof(fields[0]),
	           "machine %s reported", id);
}

/* The machine's PXE interface; -ENOENT when it has none. */
static int find_pxe_interface(struct store_txn *tx, int64_t machine_id, struct store_interface *ret)
{
	struct store_interface_filter filter = { .machine_id = machine_id, .pxe = 1 };
	struct store_page page = { .limit = 1 };
	struct store_interface *items = NULL;
	size_t n = 0;
	int64_t total;
	int r;

	r = store_interface_list(tx, &filter, &page, &items, &n, &total);
	if (r == 0 && n == 0)
		r = -ENOENT;
	if (r == 0)
		*ret = items[0];
	free(items);
	return r;
}

/*
 * Records the address a report came from as a dhcp address of the machine's
 * PXE interface, in the subnet that contains it, so DNS names the machine.
 * The agent reports from the address it got by DHCP. An address outside
 * every subnet is skipped, and a recorded one is left as it is.
 * NOTE: a new address of the same machine is added beside the old one,
 * which stays until an operator deletes it.
 */
static void record_report_address(struct http_request *req, const struct store_machine *m)
{
	struct store_ip_address ip = { .kind = STORE_IP_DHCP };
	struct store_ip_address existing;
	struct store_ipam_subnet subnet;
	struct store_interface iface = { .id = 0 };
	struct store_txn *tx = NULL;
	int64_t id;
	int r;

	if (ipaddr_parse(req->peer, &ip.address) < 0)
		return;
	r = store_txn_begin(req->srv->store, true, &tx);
	if (r < 0)
		goto fail;
	r = store_ipam_address_find(tx, &ip.address, &existing);
	if (r == 0) {
		store_txn_abort(tx);
		if (existing.machine_id != m->id)
			log_warning(
			        "inventory",
			        "address %s of machine %lld not recorded: recorded already with interface_id=%lld",
			        req->peer, (long long)m->id, (long long)existing.interface_id);
		return;
	}
	if (r != -ENOENT)
		goto fail;
	r = store_ipam_subnet_containing(tx, &ip.address, &subnet);
	if (r == -ENOENT) {
		store_txn_abort(tx);
		return;
	}
	if (r < 0)
		goto fail;
	r = find_pxe_interface(tx, m->id, &iface);
	if (r < 0)
		goto fail;
	ip.subnet_id = subnet.id;
	ip.interface_id = iface.id;
	(void)snprintf(ip.description, sizeof(ip.description), "agent report");
	r = store_ipam_address_insert(tx, &ip, &id);
	if (r < 0)
		goto fail;
	r = store_txn_commit(tx);
	tx = NULL;
	if (r < 0)
		goto fail;
	log_info("inventory", "address %s recorded for machine %lld: kind=dhcp subnet=%s",
	         req->peer, (long long)m->id, subnet.name);
	return;
fail:
	log_error("inventory", "address %s of machine %lld not recorded: %s", req->peer,
	          (long long)m->id, r == -EIO && tx ? store_txn_last_error(tx) : strerror(-r));
	store_txn_abort(tx);
}

static enum MHD_Result record_report(struct http_request *req, const struct agent_report *report,
                                     const struct store_machine *m)
{
	char object[32];
	int r;

	r = store_machine_report(req->srv->store, m->id, report->cpu_count, report->memory_bytes,
	                         report->facts_json, (const uint8_t(*)[ADDR_MAC_LEN])report->macs,
	                         report->n_macs, (int64_t)time(NULL));
	if (r == -EADDRINUSE) {
		log_warning(
		        "inventory",
		        "machine %lld reported a MAC that belongs to another machine, interface not added",
		        (long long)m->id);
	} else if (r < 0) {
		log_error("inventory", "report of machine %lld failed: store: %s", (long long)m->id,
		          store_last_error(req->srv->store));
		return http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable", NULL,
		                       "the inventory store failed; retry later");
	}
	record_report_address(req, m);
	log_reported(m, report->cpu_count, report->memory_bytes);
	(void)snprintf(object, sizeof(object), "machine/%lld", (long long)m->id);
	(void)store_event_add(req->srv->store, object, "machine.reported", object, NULL);
	if (req->srv->lifecycle)
		lifecycle_on_report(req->srv->lifecycle, m->id);
	return http_send_json(req, MHD_HTTP_OK, json_pack("{s:s}", "status", "recorded"));
}

enum MHD_Result http_agent_report(struct http_request *req)
{
	struct agent_report_error err = { 0 };
	struct agent_report report;
	struct store_machine m;
	enum MHD_Result ret;
	int r;

	r = agent_report_parse(req->body ? req->body : "", req->body_len, &report, &err);
	if (r == -ENOMEM)
		return MHD_NO;
	if (r < 0) {
		if (http_warning_allowed(req->srv))
			log_warning("http", "agent report rejected: %s peer=%s", err.message,
			            req->peer);
		return http_send_error(req, MHD_HTTP_BAD_REQUEST, err.code, err.field, "%s",
		                       err.message);
	}
	if (store_machine_get(req->srv->store, report.machine_id, &m) < 0 ||
	    !agent_token_valid(req, &m)) {
		agent_report_done(&report);
		if (http_warning_allowed(req->srv))
			log_warning(
			        "http",
			        "agent report rejected: unknown machine or bad token machine=%lld peer=%s",
			        (long long)report.machine_id, req->peer);
		return http_send_error(req, MHD_HTTP_UNAUTHORIZED, "unauthorized", NULL,
		                       "missing or invalid agent token for this machine");
	}
	ret = record_report(req, &report, &m);
	agent_report_done(&report);
	return ret;
}
