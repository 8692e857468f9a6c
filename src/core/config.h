/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config -- the rackd configuration file (INI syntax, parsed with inih).
 * Every key is checked; an unknown key or a bad value fails the load with
 * "file:line: ..." naming the value and what is allowed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "store/store.h"

#define CONFIG_PATH_MAX        4096
#define CONFIG_INTERFACES_MAX  16
#define CONFIG_SUBNETS_MAX     64
#define CONFIG_RANGES_MAX      16
#define CONFIG_URL_MAX         256
#define CONFIG_ERROR_MAX       512
#define CONFIG_DNS_NAMES_MAX   8
#define CONFIG_DNS_PEERS_MAX   16
#define CONFIG_TSIG_KEYS_MAX   16
#define CONFIG_TSIG_SECRET_MAX 128 /* decoded bytes; a SHA-512 HMAC key is 64 */
#define CONFIG_TSIG_ALG_MAX    16

/* A TSIG key (RFC 8945) from [dns] tsig_key. The secret is never logged. */
struct config_tsig_key {
	char name[STORE_DOMAIN_MAX];         /* a domain name, matched case-insensitively */
	char algorithm[CONFIG_TSIG_ALG_MAX]; /* "hmac-sha256" and the other hmac-sha* names */
	uint8_t secret[CONFIG_TSIG_SECRET_MAX];
	size_t secret_len;
};

struct config_subnet {
	struct store_subnet subnet;
	struct store_range ranges[CONFIG_RANGES_MAX];
	size_t n_ranges;
	unsigned line; /* where the section starts, for later error messages */
	unsigned range_lines[CONFIG_RANGES_MAX]; /* where each range is written */
	unsigned gateway_line;
};

struct config {
	/* [server] */
	char data_dir[CONFIG_PATH_MAX];
	char boot_dir[CONFIG_PATH_MAX];
	enum log_level log_level;
	enum log_format log_format;
	char user[64];                 /* account to switch to after binding, "" to stay */
	bool seccomp;                  /* install the system call filter */
	uint32_t event_retention_days; /* audit events older than this are deleted; 0 keeps all */

	/* [dhcp] */
	bool dhcp_enabled;
	char dhcp_interfaces[CONFIG_INTERFACES_MAX][16];
	size_t n_dhcp_interfaces;
	uint32_t dhcp_server_address;     /* 0: the served interface's address */
	uint32_t dhcp_port;               /* 67; tests may move it */
	uint32_t dhcp_offer_hold;         /* seconds an offered address stays held */
	uint32_t dhcp_decline_hold;       /* seconds a declined address is quarantined */
	uint32_t dhcp_max_leases_per_mac; /* offers and leases one MAC holds at once; 0: no cap */
	uint32_t dhcp_discover_rate_per_mac;   /* DISCOVERs per second per MAC; 0: no limit */
	uint32_t dhcp_discover_rate_per_relay; /* per relay (giaddr) or interface; 0: no limit */

	/* [tftp] */
	bool tftp_enabled;
	uint32_t tftp_address; /* host order; 0 = any */
	uint16_t tftp_port;
	uint32_t tftp_max_transfers;
	uint32_t tftp_max_transfers_per_client; /* per client IPv4 address */

	/* [http] */
	uint32_t http_address;
	uint16_t http_port;
	char http_public_url[CONFIG_URL_MAX]; /* base URL written into DHCP replies and scripts */
	uint32_t http_max_connections;
	uint32_t http_max_connections_per_client; /* per client IP address */
	uint32_t http_tls_address;                /* HTTPS listener; port 0 when none */
	uint16_t http_tls_port;
	char http_tls_cert[CONFIG_PATH_MAX]; /* PEM certificate chain */
	char http_tls_key[CONFIG_PATH_MAX];  /* PEM private key */
	bool http_plain_all; /* with TLS: plain HTTP serves every route, not only /boot/ */
	/* /boot/ipxe serves only the peer with the MAC's DHCP lease; -1 until resolved */
	int http_netboot_requires_lease;

	/* [ra] */
	bool ra_enabled;
	char ra_interfaces[CONFIG_INTERFACES_MAX][16];
	size_t n_ra_interfaces;
	uint32_t ra_interval; /* seconds between unsolicited advertisements */

	/* [dns] */
	bool dns_enabled;
	uint32_t dns_address; /* host order; 0 = any */
	uint16_t dns_port;
	uint32_t dns_workers;              /* UDP threads sharing the port */
	char dns_domain[STORE_DOMAIN_MAX]; /* default forward zone, "" for none */
	char dns_zones[CONFIG_DNS_NAMES_MAX][STORE_DOMAIN_MAX]; /* extra forward zones */
	size_t n_dns_zones;
	char dns_ns[CONFIG_DNS_NAMES_MAX]
	           [STORE_DOMAIN_MAX]; /* apex NS; the first is the SOA MNAME */
	size_t n_dns_ns;
	char dns_soa_contact[STORE_DOMAIN_MAX]; /* "hostmaster@example.org" or
	                                           "hostmaster.example.org" */
	uint32_t dns_ttl;
	uint32_t dns_negative_ttl;
	uint32_t dns_tcp_per_client; /* concurrent TCP connections from one source address */
	uint32_t dns_notify_address[CONFIG_DNS_PEERS_MAX]; /* secondaries sent NOTIFY */
	uint16_t dns_notify_port[CONFIG_DNS_PEERS_MAX];
	size_t n_dns_notify;
	uint32_t dns_transfer_network[CONFIG_DNS_PEERS_MAX]; /* who may AXFR/IXFR */
	uint8_t dns_transfer_prefix_len[CONFIG_DNS_PEERS_MAX];
	size_t n_dns_transfer;
	struct config_tsig_key dns_tsig_keys[CONFIG_TSIG_KEYS_MAX];
	size_t n_dns_tsig_keys;
	/* Index into dns_tsig_keys that signs NOTIFY to notify[i], or -1 for none. */
	int dns_notify_key[CONFIG_DNS_PEERS_MAX];
	/* Index into dns_tsig_keys a transfer from transfer entry i must be signed with, or -1. */
	int dns_transfer_key[CONFIG_DNS_PEERS_MAX];

	/* [bmc] */
	char bmc_key_file[CONFIG_PATH_MAX]; /* sealing key; "" means <data_dir>/bmc.key */
	uint32_t bmc_timeout;               /* seconds one BMC attempt may take */
	uint32_t bmc_retries;               /* extra attempts after a timeout */
	uint32_t bmc_max_sessions;          /* BMC sessions open at once, all machines */
	uint32_t bmc_ipmi_cipher_suite;     /* RMCP+ cipher suite id */
	bool bmc_redfish_session;           /* Redfish: SessionService login, else basic auth */
	bool bmc_tls_verify;                /* Redfish: check the BMC's certificate */
	char bmc_qmp_dir[CONFIG_PATH_MAX];  /* QEMU driver sockets live here; "" turns it off */

	/* [lifecycle] */
	uint32_t lifecycle_commission_timeout; /* seconds; 0: no deadline */
	uint32_t lifecycle_deploy_timeout;
	uint32_t lifecycle_release_timeout;
	char lifecycle_image_dir[CONFIG_PATH_MAX]; /* served at /images/; "" means <data_dir>/images
	                                            */

	/* [boot] */
	char boot_kernel[CONFIG_PATH_MAX]; /* relative to boot_dir */
	char boot_initrd[CONFIG_PATH_MAX]; /* relative to boot_dir */
	char boot_cmdline[CONFIG_URL_MAX]; /* extra kernel arguments */
	uint32_t boot_lldp_wait;           /* seconds the agent waits for LLDP neighbours */
	uint32_t boot_max_new_machines; /* machines in state new that stop enrolment; 0: no cap */

	/* [subnet NAME] sections */
	struct config_subnet subnets[CONFIG_SUBNETS_MAX];
	size_t n_subnets;
};

/* Fills *cfg with the defaults documented in docs/configuration.md. */
void config_init(struct config *cfg);

/*
 * Loads path over the defaults. On failure returns -EINVAL (or -errno when
 * the file cannot be read) and writes "path:line: message" into err.
 */
int config_load(struct config *cfg, const char *path, char *err, size_t err_size);

/* Same, from a string; name is used in messages. */
int config_load_string(struct config *cfg, const char *text, const char *name, char *err,
                       size_t err_size);
