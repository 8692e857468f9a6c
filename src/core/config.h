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

#define CONFIG_PATH_MAX	      4096
#define CONFIG_INTERFACES_MAX 16
#define CONFIG_SUBNETS_MAX    64
#define CONFIG_RANGES_MAX     16
#define CONFIG_URL_MAX	      256
#define CONFIG_ERROR_MAX      512

struct config_subnet {
	struct store_subnet subnet;
	struct store_range ranges[CONFIG_RANGES_MAX];
	size_t n_ranges;
	unsigned line; /* where the section starts, for later error messages */
};

struct config {
	/* [server] */
	char data_dir[CONFIG_PATH_MAX];
	char boot_dir[CONFIG_PATH_MAX];
	enum log_level log_level;
	enum log_format log_format;

	/* [dhcp] */
	bool dhcp_enabled;
	char dhcp_interfaces[CONFIG_INTERFACES_MAX][16];
	size_t n_dhcp_interfaces;
	uint32_t dhcp_server_address; /* 0: the served interface's address */
	uint32_t dhcp_port;	      /* 67; tests may move it */
	uint32_t dhcp_offer_hold;     /* seconds an offered address stays held */
	uint32_t dhcp_decline_hold;   /* seconds a declined address is quarantined */

	/* [tftp] */
	bool tftp_enabled;
	uint32_t tftp_address; /* host order; 0 = any */
	uint16_t tftp_port;
	uint32_t tftp_max_transfers;

	/* [http] */
	uint32_t http_address;
	uint16_t http_port;
	char http_public_url[CONFIG_URL_MAX]; /* base URL written into DHCP replies and scripts */
	uint32_t http_max_connections;

	/* [ra] */
	bool ra_enabled;
	char ra_interfaces[CONFIG_INTERFACES_MAX][16];
	size_t n_ra_interfaces;
	uint32_t ra_interval; /* seconds between unsolicited advertisements */

	/* [boot] */
	char boot_kernel[CONFIG_PATH_MAX];   /* relative to boot_dir */
	char boot_initrd[CONFIG_PATH_MAX];   /* relative to boot_dir */
	char boot_cmdline[CONFIG_URL_MAX];   /* extra kernel arguments */

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
