/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bmc-internal -- the per-driver operations behind bmc.h. Each runs one
 * attempt; bmc.c adds the retries.
 */
#pragma once

#include "bmc/bmc.h"

struct bmc_driver {
	int (*status)(const struct bmc_target *t, enum bmc_power *ret_power, struct bmc_error *err);
	int (*action)(const struct bmc_target *t, enum bmc_action action, struct bmc_error *err);
	int (*set_boot)(const struct bmc_target *t, enum bmc_boot_device device, bool efi,
	                struct bmc_error *err);
};

extern const struct bmc_driver bmc_ipmi_driver;
extern const struct bmc_driver bmc_redfish_driver;
extern const struct bmc_driver bmc_qemu_driver;
