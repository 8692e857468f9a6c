/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot-script -- renders the per-state iPXE scripts.
 */
#include "inventory/boot-script.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int finish(int n, size_t size)
{
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

static int render_ephemeral(const struct boot_script_input *in, char *buf, size_t size)
{
	return finish(
	        snprintf(
	                buf, size,
	                "#!ipxe\n"
	                "echo rackd: machine %" PRId64
	                " (%s) is %s, booting the ephemeral environment\n"
	                "kernel %s/boot/assets/%s initrd=initrd.img rackd.url=%s rackd.machine=%" PRId64
	                " rackd.token=%s rackd.lldp_wait=%" PRIu32 " %s\n"
	                "initrd --name initrd.img %s/boot/assets/%s\n"
	                "boot\n",
	                in->machine_id, in->mac, in->state, in->public_url, in->kernel,
	                in->public_url, in->machine_id, in->token, in->lldp_wait, in->cmdline,
	                in->public_url, in->initrd),
	        size);
}

static int render_local(const struct boot_script_input *in, char *buf, size_t size)
{
	bool efi = strncmp(in->firmware, "uefi", 4) == 0;

	/*
	 * BIOS: iPXE's sanboot hands drive 0x80 (the first hard disk) to its
	 * boot sector. UEFI: exit returns to the firmware, which tries its
	 * next boot entry, the disk when the boot order lists it after the NIC.
	 */
	return finish(snprintf(buf, size,
	                       "#!ipxe\n"
	                       "echo rackd: machine %" PRId64
	                       " (%s) is %s, booting from the local disk\n"
	                       "%s"
	                       "exit\n",
	                       in->machine_id, in->mac, in->state,
	                       efi ? "" : "sanboot --no-describe --drive 0x80 ||\n"),
	              size);
}

/* A path for a kernel line: letters, digits and "/._-" only, no "..". */
static bool safe_asset_path(const char *s)
{
	if (s == NULL || s[0] == '\0' || s[0] == '/' || strstr(s, "..") != NULL || strlen(s) > 200)
		return false;
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int installer_args(const char *installer, const struct boot_script_input *in, char *buf,
                          size_t size)
{
	char base[512];
	int n;

	n = snprintf(base, sizeof(base), "%s/install/%" PRId64 "/%s", in->public_url,
	             in->machine_id, in->token);
	if (n < 0 || (size_t)n >= sizeof(base))
		return -ENOSPC;
	if (strcmp(installer, "debian") == 0)
		n = snprintf(
		        buf, size,
		        "auto=true priority=critical url=%s/preseed.cfg netcfg/choose_interface=auto",
		        base);
	else if (strcmp(installer, "ubuntu") == 0)
		n = snprintf(buf, size, "autoinstall ds=nocloud-net;s=%s/", base);
	else if (strcmp(installer, "rhel") == 0)
		n = snprintf(buf, size, "inst.ks=%s/kickstart.cfg", base);
	else
		return -EINVAL;
	return finish(n, size);
}

static int render_installer(const struct boot_script_input *in, json_t *task, char *buf,
                            size_t size)
{
	const char *installer = json_string_value(json_object_get(task, "installer"));
	const char *kernel = json_string_value(json_object_get(task, "kernel"));
	const char *initrd = json_string_value(json_object_get(task, "initrd"));
	char args[768];
	int r;

	if (installer == NULL || !safe_asset_path(kernel) || !safe_asset_path(initrd))
		return -EINVAL;
	r = installer_args(installer, in, args, sizeof(args));
	if (r < 0)
		return r;
	return finish(snprintf(buf, size,
	                       "#!ipxe\n"
	                       "echo rackd: machine %" PRId64
	                       " (%s) is %s, starting the %s installer\n"
	                       "kernel %s/boot/assets/%s initrd=initrd.img %s %s\n"
	                       "initrd --name initrd.img %s/boot/assets/%s\n"
	                       "boot\n",
	                       in->machine_id, in->mac, in->state, installer, in->public_url,
	                       kernel, args, in->cmdline, in->public_url, initrd),
	              size);
}

int boot_script_render(const struct boot_script_input *in, char *buf, size_t size)
{
	json_t *task;
	const char *method;
	int r;

	if (strcmp(in->state, "deployed") == 0 || strcmp(in->state, "retired") == 0)
		return render_local(in, buf, size);
	if (strcmp(in->state, "deploying") != 0)
		return render_ephemeral(in, buf, size);
	task = json_loads(in->task_json ? in->task_json : "{}", 0, NULL);
	method = json_string_value(json_object_get(task, "method"));
	if (method && strcmp(method, "installer") == 0)
		r = render_installer(in, task, buf, size);
	else
		r = render_ephemeral(in, buf, size);
	json_decref(task);
	return r;
}
