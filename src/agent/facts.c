/* SPDX-License-Identifier: Apache-2.0 */
/*
 * facts -- hardware facts from /proc and /sys. Every value is read with a
 * size cap and cleaned to printable ASCII; nothing here resolves names or
 * talks to the network.
 */
#include "agent/facts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FACTS_PATH_MAX     4096
#define FACTS_VALUE_MAX    256
#define FACTS_CPUINFO_MAX  (4u << 20) /* x86 prints about 1.5 KiB per CPU */
#define FACTS_MEMINFO_MAX  (16u << 10)
#define FACTS_ARPHRD_ETHER 1 /* include/uapi/linux/if_arp.h */

static int facts_path(char *buf, size_t size, const char *root, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int facts_path(char *buf, size_t size, const char *root, const char *fmt, ...)
{
	va_list ap;
	size_t used;
	int n;

	n = snprintf(buf, size, "%s", root);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	used = (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - used)
		return -ENAMETOOLONG;
	return 0;
}

/* Reads at most max bytes of path into a new NUL-terminated buffer. */
static int facts_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	size_t len = 0;
	char *buf;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(max + 1);
	if (buf == NULL) {
		r = -ENOMEM;
		goto out_close;
	}
	while (len < max) {
		ssize_t n = read(fd, buf + len, max - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* sysfs attributes such as a down link's speed fail with EINVAL. */
			r = -errno;
			free(buf);
			goto out_close;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	r = 0;
out_close:
	(void)close(fd);
	return r;
}

void agent_facts_clean_text(const char *src, size_t len, char *buf, size_t size)
{
	size_t start = 0, end = len, n = 0;

	if (size == 0)
		return;
	while (start < end && (src[start] == ' ' || src[start] == '\t' || src[start] == '\n'))
		start++;
	while (end > start && (src[end - 1] == ' ' || src[end - 1] == '\t' ||
	                       src[end - 1] == '\n' || src[end - 1] == '\0'))
		end--;
	for (size_t i = start; i < end && n + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];

		buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
}

/* Reads one sysfs value into buf; buf is "" when the file is missing or unreadable. */
static int facts_read_value(const char *root, char *buf, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int facts_read_value(const char *root, char *buf, size_t size, const char *fmt, ...)
{
	char path[FACTS_PATH_MAX], rel[FACTS_PATH_MAX];
	size_t len;
	char *data;
	va_list ap;
	int n, r;

	buf[0] = '\0';
	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	r = facts_path(path, sizeof(path), root, "%s", rel);
	if (r < 0)
		return r;
	r = facts_read_file(path, FACTS_VALUE_MAX, &data, &len);
	if (r < 0)
		return r;
	agent_facts_clean_text(data, len, buf, size);
	free(data);
	return 0;
}

/* Parses a cleaned decimal value; -EINVAL unless the whole string is a number. */
static int facts_parse_i64(const char *s, int64_t *ret_value)
{
	char *end;
	long long v;

	if (s[0] == '\0')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*ret_value = v;
	return 0;
}

/* Returns the last path component of a symlink's target in buf, or "" when it has none. */
static void facts_read_link_name(const char *path, char *buf, size_t size)
{
	char target[FACTS_PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	agent_facts_clean_text(base, strlen(base), buf, size);
}

static int facts_skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/*
 * Lists a directory sorted by name. Returns the entry count (0 when the
 * directory is missing); the caller frees with facts_free_list().
 */
static int facts_list_dir(const char *root, const char *rel, struct dirent ***ret_list)
{
	char path[FACTS_PATH_MAX];
	struct dirent **list;
	int r, n;

	r = facts_path(path, sizeof(path), root, "%s", rel);
	if (r < 0)
		return r;
	n = scandir(path, &list, facts_skip_dots, alphasort);
	if (n < 0)
		return errno == ENOMEM ? -ENOMEM : 0;
	*ret_list = list;
	return n;
}

static void facts_free_list(struct dirent **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void facts_collect_cpu(const char *root, struct facts *f)
{
	char path[FACTS_PATH_MAX];
	char *data, *line, *next;
	size_t len = 0;

	if (facts_path(path, sizeof(path), root, "/proc/cpuinfo") < 0 ||
	    facts_read_file(path, FACTS_CPUINFO_MAX, &data, &len) < 0)
		goto out_fallback;
	for (line = data; line != NULL && *line != '\0'; line = next) {
		char *colon;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		if (strncmp(line, "processor", 9) == 0 && (line[9] == '\t' || line[9] == ' '))
			f->cpu_count++;
		else if (strncmp(line, "model name", 10) == 0 && f->cpu_model[0] == '\0')
			agent_facts_clean_text(colon + 1, strlen(colon + 1), f->cpu_model,
			                       sizeof(f->cpu_model));
	}
	free(data);
out_fallback:
	/*
	 * An unreadable or cut-off cpuinfo undercounts, so the running system
	 * asks the C library instead. A test root has no such fallback.
	 */
	if ((f->cpu_count == 0 || len == FACTS_CPUINFO_MAX) && root[0] == '\0') {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		if (n > 0)
			f->cpu_count = (unsigned)n;
	}
}

static void facts_collect_memory(const char *root, struct facts *f)
{
	char path[FACTS_PATH_MAX];
	unsigned long long kib;
	char *data, *line;
	size_t len;

	if (facts_path(path, sizeof(path), root, "/proc/meminfo") < 0 ||
	    facts_read_file(path, FACTS_MEMINFO_MAX, &data, &len) < 0)
		return;
	line = strstr(data, "MemTotal:");
	/* The kernel prints the value in KiB although the unit reads "kB". */
	if (line != NULL && sscanf(line, "MemTotal: %llu kB", &kib) == 1 &&
	    kib <= UINT64_MAX / 1024)
		f->memory_bytes = (uint64_t)kib * 1024;
	free(data);
}

static bool facts_nic_is_ethernet(const char *root, const char *name)
{
	char value[FACTS_VALUE_MAX];
	int64_t type;

	if (strcmp(name, "lo") == 0)
		return false;
	if (facts_read_value(root, value, sizeof(value), "/sys/class/net/%s/type", name) < 0 ||
	    facts_parse_i64(value, &type) < 0)
		return false;
	return type == FACTS_ARPHRD_ETHER;
}

static void facts_collect_nic(const char *root, const char *name, struct facts_nic *nic)
{
	char value[FACTS_VALUE_MAX], path[FACTS_PATH_MAX];
	uint8_t mac[ADDR_MAC_LEN];
	int64_t speed;

	agent_facts_clean_text(name, strlen(name), nic->name, sizeof(nic->name));
	(void)facts_read_value(root, value, sizeof(value), "/sys/class/net/%s/address", name);
	if (addr_parse_mac(value, mac) == 0)
		addr_format_mac(mac, nic->mac);
	nic->speed_mbps = -1;
	if (facts_read_value(root, value, sizeof(value), "/sys/class/net/%s/speed", name) == 0 &&
	    facts_parse_i64(value, &speed) == 0 && speed > 0)
		nic->speed_mbps = speed;
	(void)facts_read_value(root, nic->operstate, sizeof(nic->operstate),
	                       "/sys/class/net/%s/operstate", name);
	if (facts_path(path, sizeof(path), root, "/sys/class/net/%s/device/driver", name) == 0)
		facts_read_link_name(path, nic->driver, sizeof(nic->driver));
}

static bool facts_mac_is_zero(const char *mac)
{
	return strcmp(mac, "00:00:00:00:00:00") == 0 || mac[0] == '\0';
}

static int facts_collect_nics(const char *root, struct facts *f)
{
	struct dirent **list;
	int n;

	n = facts_list_dir(root, "/sys/class/net", &list);
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		struct facts_nic nic = { 0 };

		if (!facts_nic_is_ethernet(root, name))
			continue;
		facts_collect_nic(root, name, &nic);
		if (facts_mac_is_zero(nic.mac))
			continue;
		if (f->n_nics == FACTS_NICS_MAX) {
			f->n_nics_dropped++;
			continue;
		}
		f->nics[f->n_nics++] = nic;
	}
	facts_free_list(list, n);
	return 0;
}

/* Loop and RAM disks are kernel constructs, not hardware. */
static bool facts_disk_is_virtual(const char *name)
{
	return strncmp(name, "loop", 4) == 0 || strncmp(name, "ram", 3) == 0 ||
	       strncmp(name, "zram", 4) == 0;
}

static int facts_read_flag(const char *root, const char *name, const char *attr)
{
	char value[FACTS_VALUE_MAX];

	if (facts_read_value(root, value, sizeof(value), "/sys/block/%s/%s", name, attr) < 0)
		return -1;
	if (strcmp(value, "0") == 0)
		return 0;
	if (strcmp(value, "1") == 0)
		return 1;
	return -1;
}

static void facts_collect_disk(const char *root, const char *name, struct facts_disk *disk)
{
	char value[FACTS_VALUE_MAX];
	int64_t sectors;

	agent_facts_clean_text(name, strlen(name), disk->name, sizeof(disk->name));
	/* /sys/block/X/size counts 512-byte sectors whatever the logical block size. */
	if (facts_read_value(root, value, sizeof(value), "/sys/block/%s/size", name) == 0 &&
	    facts_parse_i64(value, &sectors) == 0 && sectors > 0 && sectors <= INT64_MAX / 512)
		disk->size_bytes = (uint64_t)sectors * 512;
	(void)facts_read_value(root, disk->vendor, sizeof(disk->vendor),
	                       "/sys/block/%s/device/vendor", name);
	(void)facts_read_value(root, disk->model, sizeof(disk->model), "/sys/block/%s/device/model",
	                       name);
	/* virtio-blk puts the serial on the disk, NVMe on the controller. */
	if (facts_read_value(root, disk->serial, sizeof(disk->serial), "/sys/block/%s/serial",
	                     name) < 0)
		(void)facts_read_value(root, disk->serial, sizeof(disk->serial),
		                       "/sys/block/%s/device/serial", name);
	disk->rotational = facts_read_flag(root, name, "queue/rotational");
	disk->removable = facts_read_flag(root, name, "removable");
}

static int facts_collect_disks(const char *root, struct facts *f)
{
	struct dirent **list;
	int n;

	n = facts_list_dir(root, "/sys/block", &list);
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (facts_disk_is_virtual(name))
			continue;
		if (f->n_disks == FACTS_DISKS_MAX) {
			f->n_disks_dropped++;
			continue;
		}
		facts_collect_disk(root, name, &f->disks[f->n_disks++]);
	}
	facts_free_list(list, n);
	return 0;
}

/* Copies a sysfs hex id such as "0x1af4" without its prefix. */
static void facts_read_hex_id(const char *root, const char *slot, const char *attr, char *buf,
                              size_t size)
{
	char value[FACTS_VALUE_MAX];
	const char *digits = value;

	buf[0] = '\0';
	if (facts_read_value(root, value, sizeof(value), "/sys/bus/pci/devices/%s/%s", slot, attr) <
	    0)
		return;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		digits += 2;
	agent_facts_clean_text(digits, strlen(digits), buf, size);
}

static int facts_collect_pci(const char *root, struct facts *f)
{
	char path[FACTS_PATH_MAX];
	struct dirent **list;
	int n;

	n = facts_list_dir(root, "/sys/bus/pci/devices", &list);
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		const char *slot = list[i]->d_name;
		struct facts_pci *p;

		if (f->n_pci == FACTS_PCI_MAX) {
			f->n_pci_dropped++;
			continue;
		}
		p = &f->pci[f->n_pci++];
		agent_facts_clean_text(slot, strlen(slot), p->slot, sizeof(p->slot));
		facts_read_hex_id(root, slot, "vendor", p->vendor, sizeof(p->vendor));
		facts_read_hex_id(root, slot, "device", p->device, sizeof(p->device));
		facts_read_hex_id(root, slot, "class", p->class_code, sizeof(p->class_code));
		if (facts_path(path, sizeof(path), root, "/sys/bus/pci/devices/%s/driver", slot) ==
		    0)
			facts_read_link_name(path, p->driver, sizeof(p->driver));
	}
	facts_free_list(list, n);
	return 0;
}

static void facts_collect_dmi(const char *root, struct facts_dmi *dmi)
{
	const char *dir = "/sys/class/dmi/id";

	(void)facts_read_value(root, dmi->sys_vendor, sizeof(dmi->sys_vendor), "%s/sys_vendor",
	                       dir);
	(void)facts_read_value(root, dmi->product_name, sizeof(dmi->product_name),
	                       "%s/product_name", dir);
	(void)facts_read_value(root, dmi->product_serial, sizeof(dmi->product_serial),
	                       "%s/product_serial", dir);
	(void)facts_read_value(root, dmi->product_uuid, sizeof(dmi->product_uuid),
	                       "%s/product_uuid", dir);
}

int agent_facts_collect(const char *root, struct facts **ret_facts)
{
	char path[FACTS_PATH_MAX];
	struct facts *f;
	int r;

	/* Checks once that the longest fixed path fits, so later failures mean "missing". */
	r = facts_path(path, sizeof(path), root, "/sys/class/net/%*s/device/driver", FACTS_NAME_MAX,
	               "");
	if (r < 0)
		return r;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	facts_collect_cpu(root, f);
	facts_collect_memory(root, f);
	(void)facts_read_value(root, f->hostname, sizeof(f->hostname), "/proc/sys/kernel/hostname");
	facts_collect_dmi(root, &f->dmi);
	r = facts_collect_nics(root, f);
	if (r >= 0)
		r = facts_collect_disks(root, f);
	if (r >= 0)
		r = facts_collect_pci(root, f);
	if (r < 0) {
		free(f);
		return r;
	}
	*ret_facts = f;
	return 0;
}

void agent_facts_free(struct facts *facts)
{
	free(facts);
}
