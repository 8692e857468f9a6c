/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot-script -- the iPXE script a machine gets at each network boot,
 * chosen by its lifecycle state:
 *
 *   deployed            boot the local disk (BIOS: sanboot drive 0x80, UEFI: exit
 *                       to the firmware's next boot entry)
 *   deploying, with an installer task
 *                       the installer's kernel and initrd with the URL of its
 *                       rendered preseed, kickstart or autoinstall data
 *   retired             exit to the firmware's next boot entry
 *   any other state     the ephemeral environment, whose agent reports the
 *                       facts and then runs its task (deploy, erase) or powers off
 *
 * Pure: no store, no I/O.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct boot_script_input {
	int64_t machine_id;
	const char *mac;        /* colon notation */
	const char *state;      /* lifecycle state name */
	const char *firmware;   /* "bios", "uefi", "uefi-http" */
	const char *public_url; /* no trailing slash */
	const char *kernel;     /* ephemeral environment, relative to /boot/assets/ */
	const char *initrd;
	const char *cmdline;   /* extra kernel arguments */
	uint32_t lldp_wait;    /* rackd.lldp_wait: seconds the agent waits for LLDP */
	const char *token;     /* the agent token of this boot */
	const char *task_json; /* the stored task, "{}" when none */
};

/*
 * Writes the script into buf. Returns its length, -ENOSPC when it does not
 * fit, or -EINVAL when an installer task names an unknown installer or a
 * kernel path with characters iPXE would misread.
 */
int boot_script_render(const struct boot_script_input *in, char *buf, size_t size);
