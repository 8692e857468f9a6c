/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config -- loads the INI configuration with inih and validates every key.
 * inih reports lines only on failure, so a counting reader tracks the line
 * of each key for messages about values that parse but do not fit.
 */
#include "core/config.h"

#include <errno.h>
#include <ini.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/addr.h"

struct parse_state {
	struct config *cfg;
	const char *name; /* file name for messages */
	unsigned line;    /* line of the text inih last read */
	unsigned section_line;
	char *err;
	size_t err_size;
	bool failed;
	/* string source for config_load_string() */
	const char *text;
	size_t text_pos;
	FILE *file;
	struct config_subnet *subnet; /* current [subnet NAME] section */
	char section[128];
	/* TSIG key names after "key" in [dns] notify and allow_transfer, resolved at the end */
	char notify_keys[CONFIG_DNS_PEERS_MAX][STORE_DOMAIN_MAX];
	char transfer_keys[CONFIG_DNS_PEERS_MAX][STORE_DOMAIN_MAX];
	unsigned notify_line;
	unsigned transfer_line;
};

static bool fail(struct parse_state *ps, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static bool fail(struct parse_state *ps, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return false;
	ps->failed = true;
	n = snprintf(ps->err, ps->err_size, "%s:%u: ", ps->name, line);
	if (n < 0 || (size_t)n >= ps->err_size)
		return false;
	va_start(ap, fmt);
	(void)vsnprintf(ps->err + n, ps->err_size - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	(void)snprintf(cfg->data_dir, sizeof(cfg->data_dir), "/var/lib/rackd");
	(void)snprintf(cfg->boot_dir, sizeof(cfg->boot_dir), "/var/lib/rackd/boot");
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->log_format = LOG_FORMAT_TEXT;
	cfg->seccomp = true;
	cfg->event_retention_days = 90;

	cfg->dhcp_enabled = true;
	cfg->dhcp_port = 67;
	cfg->dhcp_offer_hold = 60;
	cfg->dhcp_decline_hold = 3600;
	cfg->dhcp_max_leases_per_mac = 8;
	cfg->dhcp_discover_rate_per_mac = 5;
	cfg->dhcp_discover_rate_per_relay = 1000;

	cfg->tftp_enabled = true;
	cfg->tftp_address = 0;
	cfg->tftp_port = 69;
	cfg->tftp_max_transfers = 64;
	cfg->tftp_max_transfers_per_client = 8;

	cfg->http_address = 0x7f000001; /* 127.0.0.1 */
	cfg->http_port = 8080;
	cfg->http_max_connections = 256;
	cfg->http_max_connections_per_client = 32;
	cfg->http_netboot_requires_lease = -1; /* follows [dhcp] enabled */

	cfg->ra_enabled = true;
	cfg->ra_interval = 10;

	cfg->dns_enabled = false;
	cfg->dns_address = 0;
	cfg->dns_port = 53;
	cfg->dns_workers = 2;
	cfg->dns_ttl = 300;
	cfg->dns_negative_ttl = 60;
	cfg->dns_tcp_per_client = 16;
	for (size_t i = 0; i < CONFIG_DNS_PEERS_MAX; i++)
		cfg->dns_notify_key[i] = cfg->dns_transfer_key[i] = -1;

	cfg->bmc_timeout = 5;
	cfg->bmc_retries = 2;
	cfg->bmc_max_sessions = 16;
	cfg->bmc_ipmi_cipher_suite = 3;
	cfg->bmc_redfish_session = true;
	cfg->bmc_tls_verify = true;

	cfg->lifecycle_commission_timeout = 1800;
	cfg->lifecycle_deploy_timeout = 3600;
	cfg->lifecycle_release_timeout = 3600;

	(void)snprintf(cfg->boot_kernel, sizeof(cfg->boot_kernel), "linux/vmlinuz");
	(void)snprintf(cfg->boot_initrd, sizeof(cfg->boot_initrd), "linux/initrd.img");
	(void)snprintf(cfg->boot_cmdline, sizeof(cfg->boot_cmdline), "console=ttyS0");
	/* One default LLDP transmit interval (30 s) plus a margin for the link to come up. */
	cfg->boot_lldp_wait = 35;
	cfg->boot_max_new_machines = 1000;
}

static bool set_string(struct parse_state *ps, char *dst, size_t size, const char *section,
                       const char *key, const char *value)
{
	size_t len = strlen(value);

	if (len == 0)
		return fail(ps, ps->line,
		            "empty value for [%s] %s: give a value or remove the line", section,
		            key);
	if (len >= size)
		return fail(ps, ps->line,
		            "value for [%s] %s is %zu bytes long: at most %zu allowed", section,
		            key, len, size - 1);
	memcpy(dst, value, len + 1);
	return true;
}

static bool set_bool(struct parse_state *ps, bool *dst, const char *section, const char *key,
                     const char *value)
{
	if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "on") == 0) {
		*dst = true;
		return true;
	}
	if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "off") == 0) {
		*dst = false;
		return true;
	}
	return fail(ps, ps->line, "invalid value \"%s\" for [%s] %s: expected true or false", value,
	            section, key);
}

static bool set_u32(struct parse_state *ps, uint32_t *dst, uint32_t min, uint32_t max,
                    const char *section, const char *key, const char *value)
{
	if (addr_parse_u32(value, min, max, dst) < 0)
		return fail(ps, ps->line,
		            "invalid value \"%s\" for [%s] %s: expected an integer from %u to %u",
		            value, section, key, min, max);
	return true;
}

static bool set_ipv4(struct parse_state *ps, uint32_t *dst, const char *section, const char *key,
                     const char *value)
{
	if (addr_parse_ipv4(value, dst) < 0)
		return fail(
		        ps, ps->line,
		        "invalid value \"%s\" for [%s] %s: expected an IPv4 address such as 192.0.2.1",
		        value, section, key);
	return true;
}

static bool set_listen(struct parse_state *ps, uint32_t *addr, uint16_t *port, const char *section,
                       const char *key, const char *value)
{
	if (addr_parse_ipv4_port(value, addr, port) < 0)
		return fail(
		        ps, ps->line,
		        "invalid value \"%s\" for [%s] %s: expected IPv4 address and port such as 0.0.0.0:69",
		        value, section, key);
	return true;
}

static bool valid_ifname(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= 16)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* Splits a space-separated list of interface names into list. */
static bool set_interfaces(struct parse_state *ps, char (*list)[16], size_t *n, const char *section,
                           const char *key, const char *value)
{
	char buf[512];
	char *save = NULL;

	if (strlen(value) >= sizeof(buf))
		return fail(ps, ps->line, "value for [%s] %s is too long", section, key);
	memcpy(buf, value, strlen(value) + 1);
	*n = 0;
	for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (!valid_ifname(tok))
			return fail(
			        ps, ps->line,
			        "invalid interface name \"%s\" in [%s] %s: expected 1 to 15 characters without '/', ':' or spaces",
			        tok, section, key);
		if (*n == CONFIG_INTERFACES_MAX)
			return fail(ps, ps->line, "too many interfaces in [%s] %s: at most %d",
			            section, key, CONFIG_INTERFACES_MAX);
		memcpy(list[*n], tok, strlen(tok) + 1);
		(*n)++;
	}
	if (*n == 0)
		return fail(ps, ps->line, "empty value for [%s] %s: name at least one interface",
		            section, key);
	return true;
}

/* A path under boot_dir: relative, no "..", no empty components. */
static bool set_relative_path(struct parse_state *ps, char *dst, size_t size, const char *section,
                              const char *key, const char *value)
{
	const char *p = value;

	if (value[0] == '/')
		return fail(
		        ps, ps->line,
		        "invalid value \"%s\" for [%s] %s: expected a path relative to boot_dir",
		        value, section, key);
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0 || (len == 2 && p[0] == '.' && p[1] == '.'))
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [%s] %s: empty or \"..\" path components are not allowed",
			        value, section, key);
		p += len + (slash ? 1 : 0);
	}
	return set_string(ps, dst, size, section, key, value);
}

static bool unknown_key(struct parse_state *ps, const char *section, const char *key,
                        const char *allowed)
{
	return fail(ps, ps->line, "unknown key \"%s\" in [%s]: allowed keys are %s", key, section,
	            allowed);
}

static bool parse_server(struct parse_state *ps, const char *key, const char *value)
{
	struct config *cfg = ps->cfg;

	if (strcmp(key, "data_dir") == 0)
		return set_string(ps, cfg->data_dir, sizeof(cfg->data_dir), "server", key, value);
	if (strcmp(key, "boot_dir") == 0)
		return set_string(ps, cfg->boot_dir, sizeof(cfg->boot_dir), "server", key, value);
	if (strcmp(key, "log_level") == 0) {
		if (log_level_from_string(value, &cfg->log_level) < 0)
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [server] log_level: expected error, warning, notice, info or debug",
			        value);
		return true;
	}
	if (strcmp(key, "log_format") == 0) {
		if (strcmp(value, "text") == 0)
			cfg->log_format = LOG_FORMAT_TEXT;
		else if (strcmp(value, "json") == 0)
			cfg->log_format = LOG_FORMAT_JSON;
		else
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [server] log_format: expected text or json",
			        value);
		return true;
	}
	if (strcmp(key, "user") == 0)
		return set_string(ps, cfg->user, sizeof(cfg->user), "server", key, value);
	if (strcmp(key, "seccomp") == 0)
		return set_bool(ps, &cfg->seccomp, "server", key, value);
	if (strcmp(key, "event_retention_days") == 0)
		return set_u32(ps, &cfg->event_retention_days, 0, 36500, "server", key, value);
	return unknown_key(ps, "server", key,
	                   "data_dir, boot_dir, log_level, log_format, user, seccomp, "
	                   "event_retention_days");
}

static bool parse_dhcp(struct parse_state *ps, const char *key, const char *value)
{
	struct config *cfg = ps->cfg;

	if (strcmp(key, "enabled") == 0)
		return set_bool(ps, &cfg->dhcp_enabled, "dhcp", key, value);
	if (strcmp(key, "interfaces") == 0)
		return set_interfaces(ps, cfg->dhcp_interfaces, &cfg->n_dhcp_interfaces, "dhcp",
		                      key, value);
	if (strcmp(key, "server_address") == 0)
		return set_ipv4(ps, &cfg->dhcp_server_address, "dhcp", key, value);
	if (strcmp(key, "port") == 0)
		return set_u32(ps, &cfg->dhcp_port, 1, 65535, "dhcp", key, value);
	if (strcmp(key, "offer_hold") == 0)
		return set_u32(ps, &cfg->dhcp_offer_hold, 1, 3600, "dhcp", key, value);
	if (strcmp(key, "decline_hold") == 0)
		return set_u32(ps, &cfg->dhcp_decline_hold, 1, 604800, "dhcp", key, value);
	if (strcmp(key, "max_leases_per_mac") == 0)
		return set_u32(ps, &cfg->dhcp_max_leases_per_mac, 0, 65535, "dhcp", key, value);
	if (strcmp(key, "discover_rate_per_mac") == 0)
		return set_u32(ps, &cfg->dhcp_discover_rate_per_mac, 0, 1000000, "dhcp", key,
		               value);
	if (strcmp(key, "discover_rate_per_relay") == 0)
		return set_u32(ps, &cfg->dhcp_discover_rate_per_relay, 0, 1000000, "dhcp", key,
		               value);
	return unknown_key(ps, "dhcp", key,
	                   "enabled, interfaces, server_address, port, offer_hold, decline_hold,"
	                   " max_leases_per_mac, discover_rate_per_mac, discover_rate_per_relay");
}

static bool parse_tftp(struct parse_state *ps, const char *key, const char *value)
{
	struct config *cfg = ps->cfg;

	if (strcmp(key, "enabled") == 0)
		return set_bool(ps, &cfg->tftp_enabled, "tftp", key, value);
	if (strcmp(key, "listen") == 0)
		return set_listen(ps, &cfg->tftp_address, &cfg->tftp_port, "tftp", key, value);
	if (strcmp(key, "max_transfers") == 0)
		return set_u32(ps, &cfg->tftp_max_transfers, 1, 4096, "tftp", key, value);
	if (strcmp(key, "max_transfers_per_client") == 0)
		return set_u32(ps, &cfg->tftp_max_transfers_per_client, 1, 4096, "tftp", key,
		               value);
	return unknown_key(ps, "tftp", key,
	                   "enabled, listen, max_transfers, max_transfers_per_client");
}

static bool parse_http(struct parse_state *ps, const char *key, const char *value)
{
	struct config *cfg = ps->cfg;

	if (strcmp(key, "listen") == 0)
		return set_listen(ps, &cfg->http_address, &cfg->http_port, "http", key, value);
	if (strcmp(key, "public_url") == 0) {
		if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [http] public_url: expected a URL starting with http:// or https://",
			        value);
		if (!set_string(ps, cfg->http_public_url, sizeof(cfg->http_public_url), "http", key,
		                value))
			return false;
		/* Paths are appended to it, so a trailing slash would double up. */
		size_t len = strlen(cfg->http_public_url);
		while (len > 0 && cfg->http_public_url[len - 1] == '/')
			cfg->http_public_url[--len] = '\0';
		return true;
	}
	if (strcmp(key, "max_connections") == 0)
		return set_u32(ps, &cfg->http_max_connections, 1, 65535, "http", key, value);
	if (strcmp(key, "max_connections_per_client") == 0)
		return set_u32(ps, &cfg->http_max_connections_per_client, 1, 65535, "http", key,
		               value);
	if (strcmp(key, "tls_listen") == 0)
		return set_listen(ps, &cfg->http_tls_address, &cfg->http_tls_port, "http", key,
		                  value);
	if (strcmp(key, "tls_cert") == 0)
		return set_string(ps, cfg->http_tls_cert, sizeof(cfg->http_tls_cert), "http", key,
		                  value);
	if (strcmp(key, "tls_key") == 0)
		return set_string(ps, cfg->http_tls_key, sizeof(cfg->http_tls_key), "http", key,
		                  value);
	if (strcmp(key, "netboot_requires_lease") == 0) {
		bool on;

		if (!set_bool(ps, &on, "http", key, value))
			return false;
		cfg->http_netboot_requires_lease = on;
		return true;
	}
	if (strcmp(key, "plain") == 0) {
		if (strcmp(value, "all") == 0)
			cfg->http_plain_all = true;
		else if (strcmp(value, "netboot") == 0)
			cfg->http_plain_all = false;
		else
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [http] plain: expected netboot or all",
			        value);
		return true;
	}
	return unknown_key(
	        ps, "http", key,
	        "listen, public_url, max_connections, max_connections_per_client, tls_listen, tls_cert, tls_key, plain, netboot_requires_lease");
}

static bool parse_ra(struct parse_state *ps, const char *key, const char *value)
{
	struct config *cfg = ps->cfg;

	if (strcmp(key, "enabled") == 0)
		return set_bool(ps, &cfg->ra_enabled, "ra", key, value);
	if (strcmp(key, "interfaces") == 0)
		return set_interfaces(ps, cfg->ra_interfaces, &cfg->n_ra_interfaces, "ra", key,
		                      value);
	/* RFC 4861 §6.2.1 bounds MaxRtrAdvInterval to 4..1800 seconds. */
	if (strcmp(key, "interval") == 0)
		return set_u32(ps, &cfg->ra_interval, 4, 1800, "ra", key, value);
	return unknown_key(ps, "ra", key, "enabled, interfaces, interval");
}

static bool parse_boot(struct parse_state *ps, const char *key, const char *value)
{
	struct config *cfg = ps->cfg;

	if (strcmp(key, "kernel") == 0)
		return set_relative_path(ps, cfg->boot_kernel, sizeof(cfg->boot_kernel), "boot",
		                         key, value);
	if (strcmp(key, "initrd") == 0)
		return set_relative_path(ps, cfg->boot_initrd, sizeof(cfg->boot_initrd), "boot",
		                         key, value);
	if (strcmp(key, "cmdline") == 0)
		return set_string(ps, cfg->boot_cmdline, sizeof(cfg->boot_cmdline), "boot", key,
		                  value);
	if (strcmp(key, "lldp_wait") == 0)
		return set_u32(ps, &cfg->boot_lldp_wait, 0, 3600, "boot", key, value);
	if (strcmp(key, "max_new_machines") == 0)
		return set_u32(ps, &cfg->boot_max_new_machines, 0, 1000000, "boot", key, value);
	return unknown_key(ps, "boot", key, "kernel, initrd, cmdline, lldp_wait, max_new_machines");
}

/* A domain name: labels of letters, digits, '-' and '_', 1 to 63 bytes, optional final dot. */
static bool valid_domain(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253 || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_') ||
		    ++label > 63)
			return false;
	}
	return true;
}

/* Splits a list of domain names into list; each must pass valid_domain(). */
static bool set_domains(struct parse_state *ps, char (*list)[STORE_DOMAIN_MAX], size_t *n,
                        const char *key, const char *value)
{
	char buf[1024], *save = NULL;

	if (strlen(value) >= sizeof(buf))
		return fail(ps, ps->line, "value for [dns] %s is too long", key);
	memcpy(buf, value, strlen(value) + 1);
	*n = 0;
	for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (!valid_domain(tok))
			return fail(
			        ps, ps->line,
			        "invalid domain name \"%s\" in [dns] %s: expected labels of letters, digits and '-' separated by dots",
			        tok, key);
		if (*n == CONFIG_DNS_NAMES_MAX)
			return fail(ps, ps->line, "too many names in [dns] %s: at most %d", key,
			            CONFIG_DNS_NAMES_MAX);
		memcpy(list[*n], tok, strlen(tok) + 1);
		(*n)++;
	}
	if (*n == 0)
		return fail(ps, ps->line, "empty value for [dns] %s: give at least one name", key);
	return true;
}

/*
 * Handles the "key NAME" that may follow an entry of [dns] notify or
 * allow_transfer: stores NAME for entry n - 1 in keys. Returns false after
 * fail() when there is no entry before it or no name after it.
 */
static bool set_peer_key(struct parse_state *ps, const char *key, char **save, size_t n,
                         char (*keys)[STORE_DOMAIN_MAX])
{
	char *name = strtok_r(NULL, " \t,", save);

	if (n == 0 || name == NULL || keys[n - 1][0] != '\0')
		return fail(
		        ps, ps->line,
		        "invalid use of \"key\" in [dns] %s: write \"ADDRESS key NAME\" with one key name after each address",
		        key);
	if (!valid_domain(name) || strlen(name) >= STORE_DOMAIN_MAX)
		return fail(
		        ps, ps->line,
		        "invalid key name \"%s\" in [dns] %s: expected a domain name such as xfr.lab.example",
		        name, key);
	memcpy(keys[n - 1], name, strlen(name) + 1);
	return true;
}

/* Parses "ADDR" or "ADDR:PORT" items (port 53 by default), each optionally "key NAME". */
static bool set_dns_notify(struct parse_state *ps, const char *value)
{
	struct config *cfg = ps->cfg;
	char buf[512], *save = NULL;

	if (strlen(value) >= sizeof(buf))
		return fail(ps, ps->line, "value for [dns] notify is too long");
	memcpy(buf, value, strlen(value) + 1);
	cfg->n_dns_notify = 0;
	memset(ps->notify_keys, 0, sizeof(ps->notify_keys));
	ps->notify_line = ps->line;
	for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		size_t i = cfg->n_dns_notify;

		if (strcmp(tok, "key") == 0) {
			if (!set_peer_key(ps, "notify", &save, i, ps->notify_keys))
				return false;
			continue;
		}
		if (i == CONFIG_DNS_PEERS_MAX)
			return fail(ps, ps->line, "too many addresses in [dns] notify: at most %d",
			            CONFIG_DNS_PEERS_MAX);
		cfg->dns_notify_port[i] = 53;
		if (addr_parse_ipv4(tok, &cfg->dns_notify_address[i]) < 0 &&
		    addr_parse_ipv4_port(tok, &cfg->dns_notify_address[i],
		                         &cfg->dns_notify_port[i]) < 0)
			return fail(
			        ps, ps->line,
			        "invalid address \"%s\" in [dns] notify: expected IPv4 addresses with optional ports, such as 192.0.2.2 or 192.0.2.2:5353",
			        tok);
		cfg->n_dns_notify++;
	}
	return true;
}

/* Parses IPv4 addresses and prefixes for [dns] allow_transfer, each optionally "key NAME". */
static bool set_dns_transfer(struct parse_state *ps, const char *value)
{
	struct config *cfg = ps->cfg;
	char buf[512], *save = NULL;

	if (strlen(value) >= sizeof(buf))
		return fail(ps, ps->line, "value for [dns] allow_transfer is too long");
	memcpy(buf, value, strlen(value) + 1);
	cfg->n_dns_transfer = 0;
	memset(ps->transfer_keys, 0, sizeof(ps->transfer_keys));
	ps->transfer_line = ps->line;
	for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		size_t i = cfg->n_dns_transfer;

		if (strcmp(tok, "key") == 0) {
			if (!set_peer_key(ps, "allow_transfer", &save, i, ps->transfer_keys))
				return false;
			continue;
		}
		if (i == CONFIG_DNS_PEERS_MAX)
			return fail(ps, ps->line,
			            "too many entries in [dns] allow_transfer: at most %d",
			            CONFIG_DNS_PEERS_MAX);
		cfg->dns_transfer_prefix_len[i] = 32;
		if (addr_parse_ipv4(tok, &cfg->dns_transfer_network[i]) < 0 &&
		    addr_parse_prefix4(tok, &cfg->dns_transfer_network[i],
		                       &cfg->dns_transfer_prefix_len[i]) < 0)
			return fail(
			        ps, ps->line,
			        "invalid entry \"%s\" in [dns] allow_transfer: expected IPv4 addresses or prefixes such as 192.0.2.2 or 192.0.2.0/24",
			        tok);
		cfg->n_dns_transfer++;
	}
	return true;
}

static bool tsig_algorithm_known(const char *name)
{
	static const char *const known[] = { "hmac-sha1", "hmac-sha224", "hmac-sha256",
		                             "hmac-sha384", "hmac-sha512" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(name, known[i]) == 0)
			return true;
	return false;
}

/*
 * Parses one "NAME ALGORITHM BASE64SECRET" line of [dns] tsig_key (the key
 * is repeatable). Messages name the key but never quote the secret.
 */
static bool add_tsig_key(struct parse_state *ps, const char *value)
{
	struct config *cfg = ps->cfg;
	struct config_tsig_key *k;
	char buf[512], *save = NULL, *name, *alg, *secret;
	size_t secret_len = 0;

	if (strlen(value) >= sizeof(buf))
		return fail(ps, ps->line, "value for [dns] tsig_key is too long");
	memcpy(buf, value, strlen(value) + 1);
	name = strtok_r(buf, " \t", &save);
	alg = strtok_r(NULL, " \t", &save);
	secret = strtok_r(NULL, " \t", &save);
	if (name == NULL || alg == NULL || secret == NULL || strtok_r(NULL, " \t", &save))
		return fail(
		        ps, ps->line,
		        "invalid [dns] tsig_key: expected NAME ALGORITHM BASE64SECRET, such as xfr.lab.example hmac-sha256 followed by the key");
	if (!valid_domain(name) || strlen(name) >= STORE_DOMAIN_MAX)
		return fail(
		        ps, ps->line,
		        "invalid key name \"%s\" in [dns] tsig_key: expected a domain name such as xfr.lab.example",
		        name);
	if (!tsig_algorithm_known(alg))
		return fail(
		        ps, ps->line,
		        "invalid algorithm \"%s\" for [dns] tsig_key %s: expected hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224 or hmac-sha1",
		        alg, name);
	for (size_t i = 0; i < cfg->n_dns_tsig_keys; i++)
		if (strcasecmp(cfg->dns_tsig_keys[i].name, name) == 0)
			return fail(ps, ps->line, "[dns] tsig_key %s is defined twice", name);
	if (cfg->n_dns_tsig_keys == CONFIG_TSIG_KEYS_MAX)
		return fail(ps, ps->line, "too many [dns] tsig_key lines: at most %d",
		            CONFIG_TSIG_KEYS_MAX);
	k = &cfg->dns_tsig_keys[cfg->n_dns_tsig_keys];
	/* A secret under 16 bytes is rejected: it is short enough to guess. */
	if (sodium_base642bin(k->secret, sizeof(k->secret), secret, strlen(secret), NULL,
	                      &secret_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    secret_len < 16) {
		sodium_memzero(k->secret, sizeof(k->secret));
		return fail(
		        ps, ps->line,
		        "invalid secret for [dns] tsig_key %s: expected base64 of 16 to %d bytes, such as the output of \"tsig-keygen\" or \"keymgr -t\"",
		        name, CONFIG_TSIG_SECRET_MAX);
	}
	k->secret_len = secret_len;
	memcpy(k->name, name, strlen(name) + 1);
	for (size_t i = 0; alg[i]; i++)
		k->algorithm[i] = (char)(alg[i] >= 'A' && alg[i] <= 'Z' ? alg[i] + 32 : alg[i]);
	k->algorithm[strlen(alg)] = '\0';
	cfg->n_dns_tsig_keys++;
	sodium_memzero(buf, sizeof(buf));
	return true;
}

/* Turns the key names of notify and allow_transfer entries into key indexes. */
static bool resolve_peer_keys(struct parse_state *ps, const char *key, unsigned line, size_t n,
                              char (*names)[STORE_DOMAIN_MAX], int *ret_index)
{
	struct config *cfg = ps->cfg;

	for (size_t i = 0; i < CONFIG_DNS_PEERS_MAX; i++)
		ret_index[i] = -1;
	for (size_t i = 0; i < n; i++) {
		if (names[i][0] == '\0')
			continue;
		for (size_t k = 0; k < cfg->n_dns_tsig_keys && ret_index[i] < 0; k++)
			if (strcasecmp(cfg->dns_tsig_keys[k].name, names[i]) == 0)
				ret_index[i] = (int)k;
		if (ret_index[i] < 0)
			return fail(
			        ps, line,
			        "unknown key \"%s\" in [dns] %s: define it with tsig_key = %s ALGORITHM BASE64SECRET",
			        names[i], key, names[i]);
	}
	return true;
}

static bool parse_dns(struct parse_state *ps, const char *key, const char *value)
{
	struct config *cfg = ps->cfg;

	if (strcmp(key, "enabled") == 0)
		return set_bool(ps, &cfg->dns_enabled, "dns", key, value);
	if (strcmp(key, "listen") == 0)
		return set_listen(ps, &cfg->dns_address, &cfg->dns_port, "dns", key, value);
	if (strcmp(key, "workers") == 0)
		return set_u32(ps, &cfg->dns_workers, 1, 64, "dns", key, value);
	if (strcmp(key, "domain") == 0) {
		if (!valid_domain(value))
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [dns] domain: expected a domain name such as lab.example",
			        value);
		return set_string(ps, cfg->dns_domain, sizeof(cfg->dns_domain), "dns", key, value);
	}
	if (strcmp(key, "zones") == 0)
		return set_domains(ps, cfg->dns_zones, &cfg->n_dns_zones, key, value);
	if (strcmp(key, "ns") == 0)
		return set_domains(ps, cfg->dns_ns, &cfg->n_dns_ns, key, value);
	if (strcmp(key, "soa_contact") == 0) {
		char copy[STORE_DOMAIN_MAX];
		char *at = strchr(value, '@');

		(void)snprintf(copy, sizeof(copy), "%s", at ? at + 1 : value);
		if (!valid_domain(copy) || (at && at == value))
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [dns] soa_contact: expected a mailbox such as hostmaster@lab.example",
			        value);
		return set_string(ps, cfg->dns_soa_contact, sizeof(cfg->dns_soa_contact), "dns",
		                  key, value);
	}
	/* TTLs stay below 2^31 (RFC 2181 §8). */
	if (strcmp(key, "ttl") == 0)
		return set_u32(ps, &cfg->dns_ttl, 0, 2147483647, "dns", key, value);
	if (strcmp(key, "negative_ttl") == 0)
		return set_u32(ps, &cfg->dns_negative_ttl, 0, 86400, "dns", key, value);
	if (strcmp(key, "tcp_connections_per_client") == 0)
		return set_u32(ps, &cfg->dns_tcp_per_client, 1, 256, "dns", key, value);
	if (strcmp(key, "notify") == 0)
		return set_dns_notify(ps, value);
	if (strcmp(key, "allow_transfer") == 0)
		return set_dns_transfer(ps, value);
	if (strcmp(key, "tsig_key") == 0)
		return add_tsig_key(ps, value);
	return unknown_key(
	        ps, "dns", key,
	        "enabled, listen, workers, domain, zones, ns, soa_contact, ttl, negative_ttl, tcp_connections_per_client, notify, allow_transfer, tsig_key");
}

/* Parses "A B", "dynamic A B" or "reserved A B". */
static bool parse_bmc(struct parse_state *ps, const char *key, const char *value)
{
	struct config *cfg = ps->cfg;

	if (strcmp(key, "key_file") == 0)
		return set_string(ps, cfg->bmc_key_file, sizeof(cfg->bmc_key_file), "bmc", key,
		                  value);
	if (strcmp(key, "timeout") == 0)
		return set_u32(ps, &cfg->bmc_timeout, 1, 300, "bmc", key, value);
	if (strcmp(key, "retries") == 0)
		return set_u32(ps, &cfg->bmc_retries, 0, 10, "bmc", key, value);
	if (strcmp(key, "max_sessions") == 0)
		return set_u32(ps, &cfg->bmc_max_sessions, 1, 1024, "bmc", key, value);
	if (strcmp(key, "ipmi_cipher_suite") == 0)
		return set_u32(ps, &cfg->bmc_ipmi_cipher_suite, 0, 17, "bmc", key, value);
	if (strcmp(key, "redfish_session") == 0)
		return set_bool(ps, &cfg->bmc_redfish_session, "bmc", key, value);
	if (strcmp(key, "tls_verify") == 0)
		return set_bool(ps, &cfg->bmc_tls_verify, "bmc", key, value);
	if (strcmp(key, "qmp_dir") == 0) {
		if (value[0] != '/')
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [bmc] qmp_dir: expected an absolute directory",
			        value);
		return set_string(ps, cfg->bmc_qmp_dir, sizeof(cfg->bmc_qmp_dir), "bmc", key,
		                  value);
	}
	return unknown_key(
	        ps, "bmc", key,
	        "key_file, timeout, retries, max_sessions, ipmi_cipher_suite, redfish_session, tls_verify, qmp_dir");
}

static bool parse_lifecycle(struct parse_state *ps, const char *key, const char *value)
{
	struct config *cfg = ps->cfg;

	if (strcmp(key, "commission_timeout") == 0)
		return set_u32(ps, &cfg->lifecycle_commission_timeout, 0, 604800, "lifecycle", key,
		               value);
	if (strcmp(key, "deploy_timeout") == 0)
		return set_u32(ps, &cfg->lifecycle_deploy_timeout, 0, 604800, "lifecycle", key,
		               value);
	if (strcmp(key, "release_timeout") == 0)
		return set_u32(ps, &cfg->lifecycle_release_timeout, 0, 604800, "lifecycle", key,
		               value);
	if (strcmp(key, "image_dir") == 0) {
		if (value[0] != '/')
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [lifecycle] image_dir: expected an absolute directory",
			        value);
		return set_string(ps, cfg->lifecycle_image_dir, sizeof(cfg->lifecycle_image_dir),
		                  "lifecycle", key, value);
	}
	return unknown_key(ps, "lifecycle", key,
	                   "commission_timeout, deploy_timeout, release_timeout, image_dir");
}

static bool parse_range(struct parse_state *ps, struct config_subnet *cs, const char *value)
{
	char buf[128], *words[4], *save = NULL;
	size_t n = 0;
	struct store_range *r;

	if (strlen(value) >= sizeof(buf))
		return fail(ps, ps->line, "value for [%s] range is too long", ps->section);
	memcpy(buf, value, strlen(value) + 1);
	for (char *tok = strtok_r(buf, " \t", &save); tok && n < 4;
	     tok = strtok_r(NULL, " \t", &save))
		words[n++] = tok;
	if (cs->n_ranges == CONFIG_RANGES_MAX)
		return fail(ps, ps->line, "too many ranges in [%s]: at most %d", ps->section,
		            CONFIG_RANGES_MAX);
	r = &cs->ranges[cs->n_ranges];
	r->kind = STORE_RANGE_DYNAMIC;
	if (n == 3 && strcmp(words[0], "reserved") == 0)
		r->kind = STORE_RANGE_RESERVED;
	else if (!(n == 2 || (n == 3 && strcmp(words[0], "dynamic") == 0)))
		return fail(
		        ps, ps->line,
		        "invalid value \"%s\" for [%s] range: expected \"FIRST LAST\" or \"reserved FIRST LAST\"",
		        value, ps->section);
	if (addr_parse_ipv4(words[n - 2], &r->first) < 0 ||
	    addr_parse_ipv4(words[n - 1], &r->last) < 0)
		return fail(
		        ps, ps->line,
		        "invalid value \"%s\" for [%s] range: FIRST and LAST must be IPv4 addresses",
		        value, ps->section);
	if (r->first > r->last)
		return fail(ps, ps->line,
		            "invalid value \"%s\" for [%s] range: FIRST is above LAST", value,
		            ps->section);
	cs->range_lines[cs->n_ranges++] = ps->line;
	return true;
}

static bool parse_dns_list(struct parse_state *ps, struct store_subnet *s, const char *value)
{
	char buf[256], *save = NULL;

	if (strlen(value) >= sizeof(buf))
		return fail(ps, ps->line, "value for [%s] dns is too long", ps->section);
	memcpy(buf, value, strlen(value) + 1);
	s->n_dns = 0;
	for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (s->n_dns == STORE_DNS_MAX)
			return fail(ps, ps->line, "too many servers in [%s] dns: at most %d",
			            ps->section, STORE_DNS_MAX);
		if (addr_parse_ipv4(tok, &s->dns[s->n_dns]) < 0)
			return fail(
			        ps, ps->line,
			        "invalid address \"%s\" in [%s] dns: expected IPv4 addresses separated by spaces",
			        tok, ps->section);
		s->n_dns++;
	}
	return true;
}

static bool parse_subnet(struct parse_state *ps, const char *key, const char *value)
{
	struct config_subnet *cs = ps->subnet;
	struct store_subnet *s = &cs->subnet;

	if (strcmp(key, "cidr") == 0) {
		int r = addr_parse_prefix4(value, &s->network, &s->prefix_len);

		if (r == -EADDRNOTAVAIL)
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [%s] cidr: host bits are set, write the network address",
			        value, ps->section);
		if (r < 0)
			return fail(
			        ps, ps->line,
			        "invalid value \"%s\" for [%s] cidr: expected an IPv4 prefix such as 192.0.2.0/24",
			        value, ps->section);
		return true;
	}
	if (strcmp(key, "gateway") == 0) {
		cs->gateway_line = ps->line;
		return set_ipv4(ps, &s->gateway, ps->section, key, value);
	}
	if (strcmp(key, "dns") == 0)
		return parse_dns_list(ps, s, value);
	if (strcmp(key, "domain") == 0)
		return set_string(ps, s->domain, sizeof(s->domain), ps->section, key, value);
	if (strcmp(key, "lease_time") == 0)
		return set_u32(ps, &s->lease_time, 60, 31536000, ps->section, key, value);
	if (strcmp(key, "interface") == 0) {
		if (!valid_ifname(value))
			return fail(ps, ps->line, "invalid interface name \"%s\" in [%s] interface",
			            value, ps->section);
		return set_string(ps, s->interface, sizeof(s->interface), ps->section, key, value);
	}
	if (strcmp(key, "range") == 0)
		return parse_range(ps, cs, value);
	if (strcmp(key, "dhcp") == 0)
		return set_bool(ps, &s->dhcp_enabled, ps->section, key, value);
	return unknown_key(ps, ps->section, key,
	                   "cidr, gateway, dns, domain, lease_time, interface, range, dhcp");
}

/* Starts a [subnet NAME] section, or finds it again when the section repeats. */
static bool enter_subnet(struct parse_state *ps, const char *name)
{
	struct config *cfg = ps->cfg;
	size_t len = strlen(name);

	for (size_t i = 0; i < cfg->n_subnets; i++) {
		if (strcmp(cfg->subnets[i].subnet.name, name) == 0) {
			ps->subnet = &cfg->subnets[i];
			return true;
		}
	}
	if (len == 0 || len >= STORE_NAME_MAX)
		return fail(ps, ps->line,
		            "invalid section [subnet %s]: the name must be 1 to %d characters",
		            name, STORE_NAME_MAX - 1);
	if (cfg->n_subnets == CONFIG_SUBNETS_MAX)
		return fail(ps, ps->line, "too many [subnet] sections: at most %d",
		            CONFIG_SUBNETS_MAX);
	ps->subnet = &cfg->subnets[cfg->n_subnets++];
	memset(ps->subnet, 0, sizeof(*ps->subnet));
	memcpy(ps->subnet->subnet.name, name, len + 1);
	ps->subnet->subnet.lease_time = 3600;
	ps->subnet->subnet.dhcp_enabled = true;
	ps->subnet->line = ps->section_line;
	return true;
}

static int handle_key(void *user, const char *section, const char *key, const char *raw)
{
	struct parse_state *ps = user;
	char value[1024];
	size_t len = strlen(raw);

	if (ps->failed)
		return 0;
	if (len >= sizeof(value))
		return fail(ps, ps->line,
		            "value for [%s] %s is %zu bytes long: at most %zu allowed", section,
		            key, len, sizeof(value) - 1);
	/* inih strips only ';' comments inline; a '#' after whitespace starts one too. */
	for (size_t i = 1; i < len; i++) {
		if (raw[i] == '#' && (raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
			len = i;
			break;
		}
	}
	while (len > 0 && (raw[len - 1] == ' ' || raw[len - 1] == '\t'))
		len--;
	memcpy(value, raw, len);
	value[len] = '\0';

	if (strcmp(section, ps->section) != 0) {
		size_t n = strnlen(section, sizeof(ps->section) - 1);

		memcpy(ps->section, section, n);
		ps->section[n] = '\0';
		ps->subnet = NULL;
		if (strncmp(section, "subnet ", 7) == 0 && !enter_subnet(ps, section + 7))
			return 0;
	}
	if (ps->subnet)
		return parse_subnet(ps, key, value);
	if (strcmp(section, "server") == 0)
		return parse_server(ps, key, value);
	if (strcmp(section, "dhcp") == 0)
		return parse_dhcp(ps, key, value);
	if (strcmp(section, "tftp") == 0)
		return parse_tftp(ps, key, value);
	if (strcmp(section, "http") == 0)
		return parse_http(ps, key, value);
	if (strcmp(section, "ra") == 0)
		return parse_ra(ps, key, value);
	if (strcmp(section, "boot") == 0)
		return parse_boot(ps, key, value);
	if (strcmp(section, "dns") == 0)
		return parse_dns(ps, key, value);
	if (strcmp(section, "bmc") == 0)
		return parse_bmc(ps, key, value);
	if (strcmp(section, "lifecycle") == 0)
		return parse_lifecycle(ps, key, value);
	if (section[0] == '\0')
		return fail(
		        ps, ps->line,
		        "key \"%s\" outside any section: put it under [server], [dhcp], [tftp], [http], [ra], [boot], [dns], [bmc], [lifecycle] or [subnet NAME]",
		        key);
	return fail(
	        ps, ps->line,
	        "unknown section [%s]: allowed are [server], [dhcp], [tftp], [http], [ra], [boot], [dns], [bmc], [lifecycle] and [subnet NAME]",
	        section);
}

/* True when the source has more bytes after the ones read so far. */
static bool input_remains(struct parse_state *ps)
{
	int c;

	if (!ps->file)
		return ps->text[ps->text_pos] != '\0';
	c = getc(ps->file);
	if (c == EOF)
		return false;
	(void)ungetc(c, ps->file);
	return true;
}

/*
 * Line reader for inih that counts lines and notes where sections start.
 * inih reads into a fixed buffer of num bytes and would parse the rest of a
 * longer line as a line of its own, so such a line stops parsing with an
 * error. Leading whitespace is removed, because inih takes an indented line
 * as a continuation and passes it to the handler as the previous key's
 * whole value.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	char *line;
	size_t len, indent;

	if (ps->file) {
		line = fgets(str, num, ps->file);
	} else {
		size_t i = 0;

		if (ps->text[ps->text_pos] == '\0')
			return NULL;
		while (i + 1 < (size_t)num && ps->text[ps->text_pos] != '\0') {
			char c = ps->text[ps->text_pos++];

			str[i++] = c;
			if (c == '\n')
				break;
		}
		str[i] = '\0';
		line = str;
	}
	if (line == NULL)
		return NULL;
	ps->line++;
	len = strlen(line);
	if (len + 1 == (size_t)num && line[len - 1] != '\n' && input_remains(ps)) {
		fail(ps, ps->line, "line is longer than %d bytes: shorten the value", num - 2);
		return NULL;
	}
	indent = strspn(line, " \t");
	memmove(line, line + indent, len - indent + 1);
	if (*line == '[')
		ps->section_line = ps->line;
	return line;
}

static bool check_subnet(struct parse_state *ps, struct config_subnet *cs)
{
	char net[ADDR_IPV4_STRLEN], a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN];
	struct store_subnet *s = &cs->subnet;

	if (s->prefix_len == 0 && s->network == 0)
		return fail(ps, cs->line, "[subnet %s] has no cidr: add e.g. cidr = 192.0.2.0/24",
		            s->name);
	addr_format_ipv4(s->network, net);
	if (s->gateway && !addr_in_prefix4(s->gateway, s->network, s->prefix_len)) {
		addr_format_ipv4(s->gateway, a);
		return fail(
		        ps, cs->gateway_line,
		        "[subnet %s] gateway %s is outside its cidr %s/%u: use an address in it",
		        s->name, a, net, s->prefix_len);
	}
	for (size_t i = 0; i < cs->n_ranges; i++) {
		const struct store_range *r = &cs->ranges[i];

		addr_format_ipv4(r->first, a);
		addr_format_ipv4(r->last, b);
		if (!addr_in_prefix4(r->first, s->network, s->prefix_len) ||
		    !addr_in_prefix4(r->last, s->network, s->prefix_len))
			return fail(
			        ps, cs->range_lines[i],
			        "[subnet %s] range %s %s lies outside its cidr %s/%u: use addresses in it",
			        s->name, a, b, net, s->prefix_len);
		for (size_t j = 0; j < i; j++) {
			const struct store_range *o = &cs->ranges[j];
			char c[ADDR_IPV4_STRLEN], d[ADDR_IPV4_STRLEN];

			if (r->first > o->last || o->first > r->last)
				continue;
			addr_format_ipv4(o->first, c);
			addr_format_ipv4(o->last, d);
			return fail(
			        ps, cs->range_lines[i],
			        "[subnet %s] range %s %s overlaps range %s %s on line %u: make them disjoint",
			        s->name, a, b, c, d, cs->range_lines[j]);
		}
	}
	for (struct config_subnet *o = ps->cfg->subnets; o < cs; o++) {
		uint8_t len =
		        o->subnet.prefix_len < s->prefix_len ? o->subnet.prefix_len : s->prefix_len;

		if (addr_in_prefix4(s->network, o->subnet.network, len))
			return fail(ps, cs->line, "[subnet %s] overlaps [subnet %s]", s->name,
			            o->subnet.name);
	}
	return true;
}

static int finish(struct parse_state *ps, int r)
{
	struct config *cfg = ps->cfg;

	if (r == -1)
		return -errno ? -errno : -EIO;
	if (r == -2)
		return fail(ps, 0, "out of memory while parsing"), -ENOMEM;
	if (ps->failed)
		return -EINVAL;
	if (r > 0) {
		/* inih's own syntax error (no '=' or an unclosed '['), or a handler error. */
		if (!ps->failed)
			fail(ps, (unsigned)r,
			     "syntax error: expected \"[section]\", \"key = value\" or a comment");
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_subnets; i++)
		if (!check_subnet(ps, &cfg->subnets[i]))
			return -EINVAL;
	if (cfg->dhcp_enabled && cfg->n_dhcp_interfaces == 0)
		return fail(ps, ps->line,
		            "[dhcp] is enabled but has no interfaces: set interfaces = NAME or enabled = false"),
		       -EINVAL;
	if (cfg->n_ra_interfaces == 0 && cfg->dhcp_enabled) {
		memcpy(cfg->ra_interfaces, cfg->dhcp_interfaces, sizeof(cfg->ra_interfaces));
		cfg->n_ra_interfaces = cfg->n_dhcp_interfaces;
	}
	if (cfg->n_ra_interfaces == 0)
		cfg->ra_enabled = false;
	if (!resolve_peer_keys(ps, "notify", ps->notify_line, cfg->n_dns_notify, ps->notify_keys,
	                       cfg->dns_notify_key) ||
	    !resolve_peer_keys(ps, "allow_transfer", ps->transfer_line, cfg->n_dns_transfer,
	                       ps->transfer_keys, cfg->dns_transfer_key))
		return -EINVAL;
	if (cfg->dns_enabled && cfg->n_dns_ns == 0)
		return fail(ps, ps->line,
		            "[dns] is enabled but has no ns: set ns = NAME (the server's own name, the SOA MNAME)"),
		       -EINVAL;
	if (cfg->dns_soa_contact[0] == '\0' && cfg->n_dns_ns > 0) {
		const char *parent = strchr(cfg->dns_ns[0], '.');

		(void)snprintf(cfg->dns_soa_contact, sizeof(cfg->dns_soa_contact),
		               "hostmaster.%.240s",
		               cfg->dns_domain[0] ? cfg->dns_domain
		               : parent           ? parent + 1
		                                  : "invalid");
	}
	if (cfg->http_tls_port != 0 &&
	    (cfg->http_tls_cert[0] == '\0' || cfg->http_tls_key[0] == '\0'))
		return fail(ps, ps->line,
		            "[http] tls_listen is set but tls_cert or tls_key is missing: give both PEM files"),
		       -EINVAL;
	if (cfg->http_tls_port == 0 &&
	    (cfg->http_tls_cert[0] != '\0' || cfg->http_tls_key[0] != '\0'))
		return fail(ps, ps->line,
		            "[http] tls_cert and tls_key need tls_listen: set the HTTPS address and port"),
		       -EINVAL;
	/* Without rackd's DHCP there are no leases to check the peer against. */
	if (cfg->http_netboot_requires_lease < 0)
		cfg->http_netboot_requires_lease = cfg->dhcp_enabled;
	if (cfg->http_public_url[0] == '\0') {
		char ip[ADDR_IPV4_STRLEN];

		if (cfg->http_address == 0)
			return fail(ps, ps->line,
			            "[http] listen is 0.0.0.0, so set public_url to the address clients use, such as http://192.0.2.1:8080"),
			       -EINVAL;
		addr_format_ipv4(cfg->http_address, ip);
		(void)snprintf(cfg->http_public_url, sizeof(cfg->http_public_url), "http://%s:%u",
		               ip, cfg->http_port);
	}
	return 0;
}

int config_load(struct config *cfg, const char *path, char *err, size_t err_size)
{
	struct parse_state ps = { .cfg = cfg, .name = path, .err = err, .err_size = err_size };
	int r;

	ps.file = fopen(path, "re");
	if (ps.file == NULL) {
		r = -errno;
		(void)snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
		return r;
	}
	r = ini_parse_stream(read_line, &ps, handle_key, &ps);
	(void)fclose(ps.file);
	return finish(&ps, r);
}

int config_load_string(struct config *cfg, const char *text, const char *name, char *err,
                       size_t err_size)
{
	struct parse_state ps = {
		.cfg = cfg, .name = name, .err = err, .err_size = err_size, .text = text
	};

	return finish(&ps, ini_parse_stream(read_line, &ps, handle_key, &ps));
}
